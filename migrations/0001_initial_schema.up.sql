-- message: initial schema: tenancy, RBAC, settings, auth, audit, jobs, attendance, leave
--
-- Tenancy (ARCHITECTURE.md "Data", spec 11 preamble):
--   * Global tables: workspaces, users, permissions, role_default_permissions, auth_sessions,
--     refresh_tokens, password_reset_tokens, auth_rate_limits, jobs.
--   * Every other table is a tenant table: workspace_id NOT NULL, PRIMARY KEY (workspace_id, id),
--     every foreign key to another tenant table is composite (workspace_id, col), and a column
--     naming a person references the membership (workspace_id, user_id), so the database
--     refuses any row that points into another workspace. Uniques lead with workspace_id.
--   * Enumerations are varchar + CHECK (spec 11 §2); no native enum types.
-- Functions defined here: wos_set_updated_at (shared updated_at trigger), wos_audit_* (hash
-- chained, append-only audit log), wos_jobs_notify (NOTIFY wos_jobs on enqueue) and
-- wos_seed_workspace (system roles + settings of one workspace, idempotent).

-- Refreshes updated_at on every UPDATE of a table that has the column.
CREATE FUNCTION wos_set_updated_at() RETURNS trigger
LANGUAGE plpgsql AS $$
BEGIN
    NEW.updated_at := now();
    RETURN NEW;
END
$$;

-- ---------------------------------------------------------------------------------------------
-- Identity and organisation
-- ---------------------------------------------------------------------------------------------

CREATE TABLE workspaces (
    id uuid NOT NULL DEFAULT gen_random_uuid(),
    name varchar(255) NOT NULL,
    slug varchar(100) NOT NULL,
    timezone varchar(64) NOT NULL,
    created_by uuid,
    created_at timestamptz NOT NULL DEFAULT now(),
    updated_at timestamptz NOT NULL DEFAULT now(),
    CONSTRAINT pk_workspaces PRIMARY KEY (id),
    CONSTRAINT uq_workspaces_slug UNIQUE (slug),
    CONSTRAINT ck_workspaces_slug CHECK (slug ~ '^[a-z0-9]+(-[a-z0-9]+)*$'),
    CONSTRAINT ck_workspaces_name CHECK (btrim(name) <> ''),
    CONSTRAINT ck_workspaces_timezone CHECK (timezone <> '')
);

CREATE TABLE users (
    id uuid NOT NULL DEFAULT gen_random_uuid(),
    full_name varchar(255) NOT NULL,
    phone varchar(50),
    email varchar(255) NOT NULL,
    password_hash varchar(255) NOT NULL,
    status varchar(16) NOT NULL DEFAULT 'active',
    avatar_url varchar(2048),
    avatar_file_name varchar(255),
    avatar_content_type varchar(100),
    avatar_size integer,
    avatar_updated_at timestamptz,
    presence_status varchar(20) NOT NULL DEFAULT 'active',
    presence_updated_at timestamptz,
    last_seen_at timestamptz,
    current_workspace_id uuid,
    created_at timestamptz NOT NULL DEFAULT now(),
    updated_at timestamptz NOT NULL DEFAULT now(),
    CONSTRAINT pk_users PRIMARY KEY (id),
    CONSTRAINT uq_users_email UNIQUE (email),
    CONSTRAINT ck_users_email_lower CHECK (email = lower(email)),
    CONSTRAINT ck_users_email_trimmed CHECK (email = btrim(email) AND email <> ''),
    CONSTRAINT ck_users_status CHECK (status IN ('active', 'inactive', 'suspended', 'invited')),
    CONSTRAINT ck_users_presence_status CHECK (presence_status IN ('active', 'away')),
    CONSTRAINT ck_users_avatar_size CHECK (avatar_size IS NULL OR avatar_size >= 0),
    CONSTRAINT fk_users_current_workspace_id_workspaces FOREIGN KEY (current_workspace_id)
        REFERENCES workspaces (id) ON DELETE SET NULL
);
CREATE INDEX ix_users_current_workspace_id ON users (current_workspace_id);

ALTER TABLE workspaces ADD CONSTRAINT fk_workspaces_created_by_users
    FOREIGN KEY (created_by) REFERENCES users (id);
CREATE INDEX ix_workspaces_created_by ON workspaces (created_by);

CREATE TABLE departments (
    workspace_id uuid NOT NULL,
    id uuid NOT NULL DEFAULT gen_random_uuid(),
    name varchar(100) NOT NULL,
    description varchar(255),
    is_active boolean NOT NULL DEFAULT true,
    admin_id uuid,
    created_at timestamptz NOT NULL DEFAULT now(),
    updated_at timestamptz NOT NULL DEFAULT now(),
    CONSTRAINT pk_departments PRIMARY KEY (workspace_id, id),
    CONSTRAINT uq_departments_name UNIQUE (workspace_id, name),
    CONSTRAINT ck_departments_name CHECK (btrim(name) <> ''),
    CONSTRAINT fk_departments_workspace_id_workspaces FOREIGN KEY (workspace_id)
        REFERENCES workspaces (id)
);
-- fk_departments_admin_id_memberships is added once memberships exists.

CREATE TABLE shifts (
    workspace_id uuid NOT NULL,
    id uuid NOT NULL DEFAULT gen_random_uuid(),
    name varchar(100) NOT NULL,
    description varchar(255),
    start_time time NOT NULL,
    end_time time NOT NULL,
    timezone varchar(50) NOT NULL DEFAULT 'Asia/Karachi',
    grace_period_minutes integer NOT NULL DEFAULT 15,
    working_days varchar(50) NOT NULL DEFAULT '1,2,3,4,5',
    is_active boolean NOT NULL DEFAULT true,
    created_at timestamptz NOT NULL DEFAULT now(),
    updated_at timestamptz NOT NULL DEFAULT now(),
    CONSTRAINT pk_shifts PRIMARY KEY (workspace_id, id),
    CONSTRAINT ck_shifts_name CHECK (btrim(name) <> ''),
    CONSTRAINT ck_shifts_grace_period_minutes CHECK (grace_period_minutes BETWEEN 0 AND 240),
    CONSTRAINT ck_shifts_working_days CHECK (working_days ~ '^[1-7](,[1-7])*$'),
    CONSTRAINT fk_shifts_workspace_id_workspaces FOREIGN KEY (workspace_id)
        REFERENCES workspaces (id)
);
CREATE INDEX ix_shifts_is_active ON shifts (workspace_id, is_active, name);

CREATE TABLE holidays (
    workspace_id uuid NOT NULL,
    id uuid NOT NULL DEFAULT gen_random_uuid(),
    name varchar(100) NOT NULL,
    description varchar(255),
    holiday_date date NOT NULL,
    is_active boolean NOT NULL DEFAULT true,
    created_at timestamptz NOT NULL DEFAULT now(),
    updated_at timestamptz NOT NULL DEFAULT now(),
    CONSTRAINT pk_holidays PRIMARY KEY (workspace_id, id),
    CONSTRAINT uq_holidays_holiday_date UNIQUE (workspace_id, holiday_date),
    CONSTRAINT ck_holidays_name CHECK (btrim(name) <> ''),
    CONSTRAINT fk_holidays_workspace_id_workspaces FOREIGN KEY (workspace_id)
        REFERENCES workspaces (id)
);

CREATE TABLE roles (
    workspace_id uuid NOT NULL,
    id uuid NOT NULL DEFAULT gen_random_uuid(),
    name varchar(50) NOT NULL,
    label varchar(100) NOT NULL,
    description text,
    is_system boolean NOT NULL DEFAULT false,
    rank smallint NOT NULL,
    created_at timestamptz NOT NULL DEFAULT now(),
    updated_at timestamptz NOT NULL DEFAULT now(),
    CONSTRAINT pk_roles PRIMARY KEY (workspace_id, id),
    CONSTRAINT uq_roles_name UNIQUE (workspace_id, name),
    CONSTRAINT ck_roles_name CHECK (name ~ '^[a-z][a-z0-9_]*$'),
    CONSTRAINT ck_roles_label CHECK (btrim(label) <> ''),
    CONSTRAINT ck_roles_rank CHECK (rank >= 0),
    CONSTRAINT ck_roles_is_system CHECK (NOT is_system OR name IN ('admin', 'hr_operations',
        'manager', 'team_lead', 'employee', 'intern', 'junior_employee')),
    CONSTRAINT fk_roles_workspace_id_workspaces FOREIGN KEY (workspace_id)
        REFERENCES workspaces (id)
);

CREATE TABLE memberships (
    workspace_id uuid NOT NULL,
    id uuid NOT NULL DEFAULT gen_random_uuid(),
    user_id uuid NOT NULL,
    role_id uuid NOT NULL,
    status varchar(16) NOT NULL DEFAULT 'active',
    manager_id uuid,
    department varchar(255),
    department_id uuid,
    shift_id uuid,
    designation varchar(255),
    created_by uuid,
    joined_at timestamptz,
    created_at timestamptz NOT NULL DEFAULT now(),
    updated_at timestamptz NOT NULL DEFAULT now(),
    CONSTRAINT pk_memberships PRIMARY KEY (workspace_id, id),
    CONSTRAINT uq_memberships_user_id UNIQUE (workspace_id, user_id),
    CONSTRAINT ck_memberships_status CHECK (status IN ('active', 'inactive', 'suspended',
        'invited')),
    CONSTRAINT ck_memberships_manager_id CHECK (manager_id <> user_id),
    CONSTRAINT fk_memberships_workspace_id_workspaces FOREIGN KEY (workspace_id)
        REFERENCES workspaces (id),
    CONSTRAINT fk_memberships_user_id_users FOREIGN KEY (user_id) REFERENCES users (id),
    CONSTRAINT fk_memberships_role_id_roles FOREIGN KEY (workspace_id, role_id)
        REFERENCES roles (workspace_id, id),
    CONSTRAINT fk_memberships_manager_id_memberships FOREIGN KEY (workspace_id, manager_id)
        REFERENCES memberships (workspace_id, user_id),
    CONSTRAINT fk_memberships_department_id_departments FOREIGN KEY (workspace_id, department_id)
        REFERENCES departments (workspace_id, id),
    CONSTRAINT fk_memberships_shift_id_shifts FOREIGN KEY (workspace_id, shift_id)
        REFERENCES shifts (workspace_id, id),
    CONSTRAINT fk_memberships_created_by_memberships FOREIGN KEY (workspace_id, created_by)
        REFERENCES memberships (workspace_id, user_id)
);
CREATE INDEX ix_memberships_user_id ON memberships (user_id);
CREATE INDEX ix_memberships_role_id ON memberships (workspace_id, role_id);
CREATE INDEX ix_memberships_manager_id ON memberships (workspace_id, manager_id);
CREATE INDEX ix_memberships_department_id ON memberships (workspace_id, department_id);
CREATE INDEX ix_memberships_shift_id ON memberships (workspace_id, shift_id);
CREATE INDEX ix_memberships_created_by ON memberships (workspace_id, created_by);
CREATE INDEX ix_memberships_status ON memberships (workspace_id, status);

ALTER TABLE departments ADD CONSTRAINT fk_departments_admin_id_memberships
    FOREIGN KEY (workspace_id, admin_id) REFERENCES memberships (workspace_id, user_id);
CREATE INDEX ix_departments_admin_id ON departments (workspace_id, admin_id);

-- ---------------------------------------------------------------------------------------------
-- RBAC
-- ---------------------------------------------------------------------------------------------

-- Global catalogue (spec 03 §2.1); filled by the bootstrapper.
CREATE TABLE permissions (
    id uuid NOT NULL DEFAULT gen_random_uuid(),
    code varchar(100) NOT NULL,
    resource varchar(50) NOT NULL,
    action varchar(50) NOT NULL,
    description text,
    CONSTRAINT pk_permissions PRIMARY KEY (id),
    CONSTRAINT uq_permissions_code UNIQUE (code),
    CONSTRAINT ck_permissions_code CHECK (code ~ '^[a-z_]+\.[a-z_.]+$'),
    CONSTRAINT ck_permissions_resource_action CHECK (code = resource || '.' || action)
);
CREATE INDEX ix_permissions_resource_action ON permissions (resource, action);

-- Global default bundles of the system roles (spec 03 §2.2); filled by the bootstrapper.
-- A workspace's role gets its bundle copied into role_permissions when the role is created.
CREATE TABLE role_default_permissions (
    role_name varchar(50) NOT NULL,
    permission_code varchar(100) NOT NULL,
    CONSTRAINT pk_role_default_permissions PRIMARY KEY (role_name, permission_code),
    CONSTRAINT ck_role_default_permissions_role_name CHECK (role_name IN ('admin',
        'hr_operations', 'manager', 'team_lead', 'employee', 'intern', 'junior_employee')),
    CONSTRAINT fk_role_default_permissions_permission_code_permissions
        FOREIGN KEY (permission_code) REFERENCES permissions (code)
        ON UPDATE CASCADE ON DELETE CASCADE
);
CREATE INDEX ix_role_default_permissions_permission_code
    ON role_default_permissions (permission_code);

CREATE TABLE role_permissions (
    workspace_id uuid NOT NULL,
    role_id uuid NOT NULL,
    permission_id uuid NOT NULL,
    CONSTRAINT pk_role_permissions PRIMARY KEY (workspace_id, role_id, permission_id),
    CONSTRAINT fk_role_permissions_workspace_id_workspaces FOREIGN KEY (workspace_id)
        REFERENCES workspaces (id),
    CONSTRAINT fk_role_permissions_role_id_roles FOREIGN KEY (workspace_id, role_id)
        REFERENCES roles (workspace_id, id) ON DELETE CASCADE,
    CONSTRAINT fk_role_permissions_permission_id_permissions FOREIGN KEY (permission_id)
        REFERENCES permissions (id) ON DELETE CASCADE
);
CREATE INDEX ix_role_permissions_permission_id ON role_permissions (permission_id);

CREATE TABLE user_permission_overrides (
    workspace_id uuid NOT NULL,
    id uuid NOT NULL DEFAULT gen_random_uuid(),
    user_id uuid NOT NULL,
    permission_id uuid NOT NULL,
    granted boolean NOT NULL DEFAULT true,
    created_at timestamptz NOT NULL DEFAULT now(),
    updated_at timestamptz NOT NULL DEFAULT now(),
    CONSTRAINT pk_user_permission_overrides PRIMARY KEY (workspace_id, id),
    CONSTRAINT uq_user_permission UNIQUE (workspace_id, user_id, permission_id),
    CONSTRAINT fk_user_permission_overrides_workspace_id_workspaces FOREIGN KEY (workspace_id)
        REFERENCES workspaces (id),
    CONSTRAINT fk_user_permission_overrides_user_id_memberships
        FOREIGN KEY (workspace_id, user_id) REFERENCES memberships (workspace_id, user_id)
        ON DELETE CASCADE,
    CONSTRAINT fk_user_permission_overrides_permission_id_permissions
        FOREIGN KEY (permission_id) REFERENCES permissions (id)
);
CREATE INDEX ix_user_permission_overrides_permission_id
    ON user_permission_overrides (permission_id);

-- ---------------------------------------------------------------------------------------------
-- Settings and invitations
-- ---------------------------------------------------------------------------------------------

CREATE TABLE application_settings (
    workspace_id uuid NOT NULL,
    id uuid NOT NULL DEFAULT gen_random_uuid(),
    key varchar(100) NOT NULL,
    value text,
    data_type varchar(10) NOT NULL,
    description text,
    is_mutable boolean NOT NULL DEFAULT true,
    category varchar(50),
    created_at timestamptz NOT NULL DEFAULT now(),
    updated_at timestamptz NOT NULL DEFAULT now(),
    CONSTRAINT pk_application_settings PRIMARY KEY (workspace_id, id),
    CONSTRAINT uq_application_settings_key UNIQUE (workspace_id, key),
    CONSTRAINT ck_application_settings_data_type CHECK (data_type IN ('string', 'integer',
        'boolean', 'json')),
    CONSTRAINT ck_application_settings_integer CHECK (data_type <> 'integer' OR value IS NULL
        OR value ~ '^-?[0-9]{1,18}$'),
    CONSTRAINT ck_application_settings_boolean CHECK (data_type <> 'boolean' OR value IS NULL
        OR value IN ('true', 'false')),
    CONSTRAINT fk_application_settings_workspace_id_workspaces FOREIGN KEY (workspace_id)
        REFERENCES workspaces (id)
);
CREATE INDEX ix_application_settings_category ON application_settings (workspace_id, category);

CREATE TABLE account_invitations (
    workspace_id uuid NOT NULL,
    id uuid NOT NULL DEFAULT gen_random_uuid(),
    user_id uuid NOT NULL,
    token_hash varchar(64) NOT NULL,
    expires_at timestamptz NOT NULL,
    is_used boolean NOT NULL DEFAULT false,
    created_at timestamptz NOT NULL DEFAULT now(),
    updated_at timestamptz NOT NULL DEFAULT now(),
    CONSTRAINT pk_account_invitations PRIMARY KEY (workspace_id, id),
    CONSTRAINT uq_account_invitations_token_hash UNIQUE (workspace_id, token_hash),
    CONSTRAINT ck_account_invitations_token_hash CHECK (token_hash ~ '^[0-9a-f]{64}$'),
    CONSTRAINT fk_account_invitations_workspace_id_workspaces FOREIGN KEY (workspace_id)
        REFERENCES workspaces (id),
    CONSTRAINT fk_account_invitations_user_id_memberships FOREIGN KEY (workspace_id, user_id)
        REFERENCES memberships (workspace_id, user_id) ON DELETE CASCADE
);
-- Activation presents only the token: look it up without a workspace.
CREATE INDEX ix_account_invitations_token_hash ON account_invitations (token_hash);
CREATE INDEX ix_account_invitations_user_id ON account_invitations (workspace_id, user_id);

-- ---------------------------------------------------------------------------------------------
-- Authentication (global)
-- ---------------------------------------------------------------------------------------------

CREATE TABLE auth_sessions (
    id uuid NOT NULL DEFAULT gen_random_uuid(),
    user_id uuid NOT NULL,
    workspace_id uuid NOT NULL,
    user_agent varchar(512),
    ip_address varchar(64),
    created_at timestamptz NOT NULL DEFAULT now(),
    last_used_at timestamptz NOT NULL DEFAULT now(),
    expires_at timestamptz NOT NULL,
    revoked_at timestamptz,
    revoked_reason varchar(32),
    CONSTRAINT pk_auth_sessions PRIMARY KEY (id),
    CONSTRAINT ck_auth_sessions_revoked_reason CHECK (revoked_reason IN ('logout', 'logout_all',
        'revoked', 'password_reset', 'suspended', 'reuse')),
    CONSTRAINT ck_auth_sessions_revoked CHECK (revoked_reason IS NULL OR revoked_at IS NOT NULL),
    CONSTRAINT fk_auth_sessions_user_id_users FOREIGN KEY (user_id) REFERENCES users (id)
        ON DELETE CASCADE,
    CONSTRAINT fk_auth_sessions_workspace_id_workspaces FOREIGN KEY (workspace_id)
        REFERENCES workspaces (id)
);
CREATE INDEX ix_auth_sessions_user_id ON auth_sessions (user_id, created_at);
CREATE INDEX ix_auth_sessions_user_id_active ON auth_sessions (user_id) WHERE revoked_at IS NULL;
CREATE INDEX ix_auth_sessions_workspace_id ON auth_sessions (workspace_id);

CREATE TABLE refresh_tokens (
    id uuid NOT NULL DEFAULT gen_random_uuid(),
    session_id uuid NOT NULL,
    token_hash char(64) NOT NULL,
    issued_at timestamptz NOT NULL DEFAULT now(),
    expires_at timestamptz NOT NULL,
    rotated_at timestamptz,
    replaced_by uuid,
    reuse_detected_at timestamptz,
    CONSTRAINT pk_refresh_tokens PRIMARY KEY (id),
    CONSTRAINT uq_refresh_tokens_token_hash UNIQUE (token_hash),
    CONSTRAINT ck_refresh_tokens_token_hash CHECK (token_hash ~ '^[0-9a-f]{64}$'),
    CONSTRAINT fk_refresh_tokens_session_id_auth_sessions FOREIGN KEY (session_id)
        REFERENCES auth_sessions (id) ON DELETE CASCADE,
    CONSTRAINT fk_refresh_tokens_replaced_by_refresh_tokens FOREIGN KEY (replaced_by)
        REFERENCES refresh_tokens (id) ON DELETE SET NULL
);
CREATE INDEX ix_refresh_tokens_session_id ON refresh_tokens (session_id);
CREATE INDEX ix_refresh_tokens_replaced_by ON refresh_tokens (replaced_by);

CREATE TABLE password_reset_tokens (
    id uuid NOT NULL DEFAULT gen_random_uuid(),
    user_id uuid NOT NULL,
    token_hash varchar(255) NOT NULL,
    is_used boolean NOT NULL DEFAULT false,
    expires_at timestamptz NOT NULL,
    created_at timestamptz NOT NULL DEFAULT now(),
    CONSTRAINT pk_password_reset_tokens PRIMARY KEY (id),
    CONSTRAINT uq_password_reset_tokens_token_hash UNIQUE (token_hash),
    CONSTRAINT fk_password_reset_tokens_user_id_users FOREIGN KEY (user_id) REFERENCES users (id)
        ON DELETE CASCADE
);
CREATE INDEX ix_password_reset_tokens_user_id ON password_reset_tokens (user_id);

CREATE TABLE auth_rate_limits (
    id uuid NOT NULL DEFAULT gen_random_uuid(),
    key_hash varchar(128) NOT NULL,
    scope varchar(64) NOT NULL,
    counter integer NOT NULL DEFAULT 0,
    window_start timestamptz NOT NULL,
    locked_until timestamptz,
    created_at timestamptz NOT NULL DEFAULT now(),
    updated_at timestamptz NOT NULL DEFAULT now(),
    CONSTRAINT pk_auth_rate_limits PRIMARY KEY (id),
    CONSTRAINT uq_auth_rate_limits_scope_key_hash UNIQUE (scope, key_hash),
    CONSTRAINT ck_auth_rate_limits_counter CHECK (counter >= 0)
);
CREATE INDEX ix_auth_rate_limits_key_hash ON auth_rate_limits (key_hash);

-- ---------------------------------------------------------------------------------------------
-- Audit log: append-only, hash-chained per workspace
-- ---------------------------------------------------------------------------------------------

CREATE TABLE audit_logs (
    workspace_id uuid NOT NULL,
    id uuid NOT NULL DEFAULT gen_random_uuid(),
    seq bigint NOT NULL,
    actor_user_id uuid,
    action_type varchar(128) NOT NULL,
    entity_type varchar(128) NOT NULL,
    entity_id uuid NOT NULL,
    entity_label varchar(255),
    old_value jsonb,
    new_value jsonb,
    metadata jsonb,
    ip_address varchar(64),
    request_id varchar(64),
    prev_hash char(64),
    row_hash char(64) NOT NULL,
    created_at timestamptz NOT NULL DEFAULT now(),
    CONSTRAINT pk_audit_logs PRIMARY KEY (workspace_id, id),
    CONSTRAINT uq_audit_logs_seq UNIQUE (workspace_id, seq),
    CONSTRAINT ck_audit_logs_seq CHECK (seq >= 1),
    CONSTRAINT ck_audit_logs_prev_hash CHECK ((seq = 1) = (prev_hash IS NULL)
        AND (prev_hash IS NULL OR prev_hash ~ '^[0-9a-f]{64}$')),
    CONSTRAINT ck_audit_logs_row_hash CHECK (row_hash ~ '^[0-9a-f]{64}$'),
    CONSTRAINT fk_audit_logs_workspace_id_workspaces FOREIGN KEY (workspace_id)
        REFERENCES workspaces (id),
    CONSTRAINT fk_audit_logs_actor_user_id_memberships FOREIGN KEY (workspace_id, actor_user_id)
        REFERENCES memberships (workspace_id, user_id)
);
CREATE INDEX ix_audit_logs_entity_type_entity_id_created_at
    ON audit_logs (workspace_id, entity_type, entity_id, created_at);
CREATE INDEX ix_audit_logs_created_at ON audit_logs (workspace_id, created_at);
CREATE INDEX ix_audit_logs_actor_user_id ON audit_logs (workspace_id, actor_user_id, created_at);
CREATE INDEX ix_audit_logs_action_type ON audit_logs (workspace_id, action_type, created_at);

CREATE FUNCTION wos_audit_immutable() RETURNS trigger
LANGUAGE plpgsql AS $$
BEGIN
    RAISE EXCEPTION 'audit_logs rows are immutable'
        USING ERRCODE = 'integrity_constraint_violation';
END
$$;

CREATE TRIGGER trg_audit_logs_immutable BEFORE UPDATE OR DELETE ON audit_logs
    FOR EACH ROW EXECUTE FUNCTION wos_audit_immutable();
CREATE TRIGGER trg_audit_logs_no_truncate BEFORE TRUNCATE ON audit_logs
    FOR EACH STATEMENT EXECUTE FUNCTION wos_audit_immutable();

-- Canonical text of an audit row, the input of its row_hash. Fields in this order, joined
-- with '|':
--   prev_hash | seq | workspace_id | actor_user_id | action_type | entity_type | entity_id |
--   entity_label | old_value | new_value | metadata | ip_address | request_id | created_at
-- seq is its decimal text; every other field is quote_nullable(<text>): NULL -> NULL, else a
-- single-quoted SQL literal (quotes doubled, E'' form when it contains a backslash), so no
-- value can shift a field boundary. uuids are their lower-case text, jsonb its canonical
-- ::text output, created_at is to_char(created_at AT TIME ZONE 'UTC',
-- 'YYYY-MM-DD"T"HH24:MI:SS.US"Z"'). row_hash = lower-case hex SHA-256 of the UTF-8 bytes.
CREATE FUNCTION wos_audit_canonical(prev_hash text, seq bigint, ws uuid, actor uuid,
    action text, entity_type text, entity_id uuid, entity_label text, old_value jsonb,
    new_value jsonb, metadata jsonb, ip text, request_id text, created_at timestamptz)
RETURNS text
LANGUAGE sql STABLE AS $$
    SELECT concat_ws('|',
        quote_nullable($1), $2::text, quote_nullable($3::text), quote_nullable($4::text),
        quote_nullable($5), quote_nullable($6), quote_nullable($7::text), quote_nullable($8),
        quote_nullable($9::text), quote_nullable($10::text), quote_nullable($11::text),
        quote_nullable($12), quote_nullable($13),
        quote_nullable(to_char($14 AT TIME ZONE 'UTC', 'YYYY-MM-DD"T"HH24:MI:SS.US"Z"')))
$$;

CREATE FUNCTION wos_audit_hash(canonical text) RETURNS char(64)
LANGUAGE sql IMMUTABLE STRICT AS $$
    SELECT encode(sha256(convert_to($1, 'UTF8')), 'hex')
$$;

-- Appends one audit row to the workspace's chain and returns its id. Serialised per workspace
-- by a transaction advisory lock (namespace 1464816449 = 'WOSA', key hashtext(workspace id)),
-- held until the caller's transaction ends, so seq stays gap-free and each row links to the
-- last committed one. Call it in READ COMMITTED (the default): a later snapshot is needed to
-- see the row committed by the previous lock holder. entity_label is cut to 255 characters
-- before hashing, so the stored row is exactly what was hashed.
CREATE FUNCTION wos_audit_append(ws uuid, actor uuid, action text, entity_type text,
    entity_id uuid, entity_label text, old_value jsonb, new_value jsonb, metadata jsonb,
    ip text, request_id text)
RETURNS uuid
LANGUAGE plpgsql AS $$
DECLARE
    new_id uuid := gen_random_uuid();
    label text := left(entity_label, 255);
    last_seq bigint;
    last_hash text;
    ts timestamptz;
    hash text;
BEGIN
    IF ws IS NULL THEN
        RAISE EXCEPTION 'wos_audit_append: workspace is required';
    END IF;
    PERFORM pg_advisory_xact_lock(1464816449, hashtext(ws::text));
    SELECT a.seq, a.row_hash INTO last_seq, last_hash
      FROM audit_logs a WHERE a.workspace_id = ws ORDER BY a.seq DESC LIMIT 1;
    last_seq := coalesce(last_seq, 0);
    -- clock time after the lock: created_at grows with seq inside a workspace
    ts := date_trunc('microseconds', clock_timestamp());
    hash := wos_audit_hash(wos_audit_canonical(last_hash, last_seq + 1, ws, actor, action,
        entity_type, entity_id, label, old_value, new_value, metadata, ip, request_id, ts));
    INSERT INTO audit_logs (workspace_id, id, seq, actor_user_id, action_type, entity_type,
        entity_id, entity_label, old_value, new_value, metadata, ip_address, request_id,
        prev_hash, row_hash, created_at)
    VALUES (ws, new_id, last_seq + 1, actor, action, entity_type, entity_id, label, old_value,
        new_value, metadata, ip, request_id, last_hash, hash, ts);
    RETURN new_id;
END
$$;

-- The first row of the workspace's chain that does not hold: a seq out of step (gap or not
-- starting at 1), a prev_hash that is not the previous row's row_hash, or a row_hash that
-- does not match the row's content. Empty when the chain is intact.
CREATE FUNCTION wos_audit_verify(ws uuid)
RETURNS TABLE (seq bigint, id uuid, problem text)
LANGUAGE sql STABLE AS $$
    SELECT c.seq, c.id,
           CASE WHEN c.seq <> c.expected_seq
                    THEN 'seq ' || c.seq || ' found where ' || c.expected_seq || ' was expected'
                WHEN c.prev_hash IS DISTINCT FROM c.expected_prev
                    THEN 'prev_hash does not match the row_hash of the previous row'
                ELSE 'row_hash does not match the row content' END
      FROM (SELECT a.seq, a.id, a.prev_hash, a.row_hash,
                   row_number() OVER (ORDER BY a.seq) AS expected_seq,
                   lag(a.row_hash) OVER (ORDER BY a.seq) AS expected_prev,
                   wos_audit_hash(wos_audit_canonical(a.prev_hash, a.seq, a.workspace_id,
                       a.actor_user_id, a.action_type, a.entity_type, a.entity_id,
                       a.entity_label, a.old_value, a.new_value, a.metadata, a.ip_address,
                       a.request_id, a.created_at)) AS computed
              FROM audit_logs a
             WHERE a.workspace_id = $1) c
     WHERE c.seq <> c.expected_seq
        OR c.prev_hash IS DISTINCT FROM c.expected_prev
        OR c.row_hash <> c.computed
     ORDER BY c.seq
     LIMIT 1
$$;

-- ---------------------------------------------------------------------------------------------
-- Jobs (global durable queue)
-- ---------------------------------------------------------------------------------------------

CREATE TABLE jobs (
    id uuid NOT NULL DEFAULT gen_random_uuid(),
    workspace_id uuid,
    kind varchar(64) NOT NULL,
    payload jsonb NOT NULL,
    status varchar(16) NOT NULL DEFAULT 'queued',
    attempts integer NOT NULL DEFAULT 0,
    max_attempts integer NOT NULL,
    run_at timestamptz NOT NULL DEFAULT now(),
    locked_by varchar(128),
    lease_expires_at timestamptz,
    last_error text,
    idempotency_key varchar(255),
    created_at timestamptz NOT NULL DEFAULT now(),
    finished_at timestamptz,
    CONSTRAINT pk_jobs PRIMARY KEY (id),
    CONSTRAINT ck_jobs_status CHECK (status IN ('queued', 'running', 'done', 'failed', 'dead',
        'skipped')),
    CONSTRAINT ck_jobs_attempts CHECK (attempts >= 0),
    CONSTRAINT ck_jobs_max_attempts CHECK (max_attempts >= 1),
    CONSTRAINT fk_jobs_workspace_id_workspaces FOREIGN KEY (workspace_id)
        REFERENCES workspaces (id)
);
CREATE UNIQUE INDEX uq_jobs_kind_idempotency_key ON jobs (kind, idempotency_key)
    WHERE idempotency_key IS NOT NULL;
CREATE INDEX ix_jobs_status_run_at ON jobs (status, run_at);
CREATE INDEX ix_jobs_lease_expires_at ON jobs (lease_expires_at) WHERE status = 'running';
CREATE INDEX ix_jobs_workspace_id ON jobs (workspace_id);
CREATE INDEX ix_jobs_kind ON jobs (kind, created_at);

CREATE FUNCTION wos_jobs_notify() RETURNS trigger
LANGUAGE plpgsql AS $$
BEGIN
    PERFORM pg_notify('wos_jobs', NEW.kind);
    RETURN NULL;
END
$$;

CREATE TRIGGER trg_jobs_notify AFTER INSERT ON jobs
    FOR EACH ROW EXECUTE FUNCTION wos_jobs_notify();

-- ---------------------------------------------------------------------------------------------
-- Attendance
-- ---------------------------------------------------------------------------------------------

CREATE TABLE attendance_sessions (
    workspace_id uuid NOT NULL,
    id uuid NOT NULL DEFAULT gen_random_uuid(),
    user_id uuid NOT NULL,
    check_in_at timestamptz NOT NULL,
    check_out_at timestamptz,
    work_mode varchar(16) NOT NULL,
    session_status varchar(16) NOT NULL DEFAULT 'active',
    is_late_login boolean NOT NULL DEFAULT false,
    is_early_logout boolean NOT NULL DEFAULT false,
    total_hours double precision,
    worked_minutes integer,
    late_minutes integer,
    early_checkout_minutes integer,
    total_break_minutes integer NOT NULL DEFAULT 0,
    dinner_break_minutes integer NOT NULL DEFAULT 0,
    prayer_break_minutes integer NOT NULL DEFAULT 0,
    other_break_minutes integer NOT NULL DEFAULT 0,
    attendance_classification varchar(16) NOT NULL DEFAULT 'active',
    is_corrected boolean NOT NULL DEFAULT false,
    is_overtime boolean NOT NULL DEFAULT false,
    checkout_after_shift_reason text,
    checkout_after_shift_note text,
    early_checkout_reason text,
    expected_shift_start_at timestamptz,
    expected_shift_end_at timestamptz,
    correction_requested boolean NOT NULL DEFAULT false,
    correction_reason text,
    note text,
    created_at timestamptz NOT NULL DEFAULT now(),
    updated_at timestamptz NOT NULL DEFAULT now(),
    CONSTRAINT pk_attendance_sessions PRIMARY KEY (workspace_id, id),
    CONSTRAINT ck_attendance_sessions_work_mode CHECK (work_mode IN ('office', 'wfh')),
    CONSTRAINT ck_attendance_sessions_session_status CHECK (session_status IN ('active',
        'completed', 'incomplete', 'corrected')),
    CONSTRAINT ck_attendance_sessions_attendance_classification
        CHECK (attendance_classification IN ('active', 'full_day', 'half_day', 'short_leave',
            'insufficient', 'full_leave', 'leave')),
    CONSTRAINT ck_attendance_sessions_check_out_at CHECK (check_out_at IS NULL
        OR check_out_at >= check_in_at),
    CONSTRAINT ck_attendance_sessions_active_open CHECK (session_status <> 'active'
        OR check_out_at IS NULL),
    CONSTRAINT ck_attendance_sessions_minutes CHECK (coalesce(worked_minutes, 0) >= 0
        AND coalesce(late_minutes, 0) >= 0 AND coalesce(early_checkout_minutes, 0) >= 0
        AND total_break_minutes >= 0 AND dinner_break_minutes >= 0
        AND prayer_break_minutes >= 0 AND other_break_minutes >= 0),
    CONSTRAINT fk_attendance_sessions_workspace_id_workspaces FOREIGN KEY (workspace_id)
        REFERENCES workspaces (id),
    CONSTRAINT fk_attendance_sessions_user_id_memberships FOREIGN KEY (workspace_id, user_id)
        REFERENCES memberships (workspace_id, user_id)
);
CREATE INDEX ix_attendance_sessions_user_id_check_in_at
    ON attendance_sessions (workspace_id, user_id, check_in_at);
CREATE UNIQUE INDEX uq_attendance_one_active_session_per_user
    ON attendance_sessions (workspace_id, user_id) WHERE session_status = 'active';
CREATE INDEX ix_attendance_sessions_check_in_at ON attendance_sessions (workspace_id, check_in_at);
CREATE INDEX ix_attendance_sessions_correction_requested
    ON attendance_sessions (workspace_id, created_at) WHERE correction_requested;

CREATE TABLE attendance_breaks (
    workspace_id uuid NOT NULL,
    id uuid NOT NULL DEFAULT gen_random_uuid(),
    attendance_session_id uuid NOT NULL,
    user_id uuid NOT NULL,
    break_type varchar(16) NOT NULL,
    started_at timestamptz NOT NULL,
    ended_at timestamptz,
    duration_minutes integer,
    note text,
    is_paid boolean NOT NULL DEFAULT true,
    created_at timestamptz NOT NULL DEFAULT now(),
    updated_at timestamptz NOT NULL DEFAULT now(),
    CONSTRAINT pk_attendance_breaks PRIMARY KEY (workspace_id, id),
    CONSTRAINT ck_attendance_breaks_break_type CHECK (break_type IN ('dinner', 'prayer', 'other')),
    CONSTRAINT ck_attendance_breaks_ended_at CHECK (ended_at IS NULL OR ended_at >= started_at),
    CONSTRAINT ck_attendance_breaks_duration_minutes CHECK (duration_minutes IS NULL
        OR duration_minutes >= 0),
    CONSTRAINT fk_attendance_breaks_workspace_id_workspaces FOREIGN KEY (workspace_id)
        REFERENCES workspaces (id),
    CONSTRAINT fk_attendance_breaks_attendance_session_id_attendance_sessions
        FOREIGN KEY (workspace_id, attendance_session_id)
        REFERENCES attendance_sessions (workspace_id, id),
    CONSTRAINT fk_attendance_breaks_user_id_memberships FOREIGN KEY (workspace_id, user_id)
        REFERENCES memberships (workspace_id, user_id)
);
CREATE INDEX ix_attendance_breaks_attendance_session_id
    ON attendance_breaks (workspace_id, attendance_session_id, started_at);
CREATE INDEX ix_attendance_breaks_user_id ON attendance_breaks (workspace_id, user_id, started_at);
CREATE UNIQUE INDEX uq_attendance_breaks_one_open_per_user
    ON attendance_breaks (workspace_id, user_id) WHERE ended_at IS NULL;

CREATE TABLE attendance_corrections (
    workspace_id uuid NOT NULL,
    id uuid NOT NULL DEFAULT gen_random_uuid(),
    session_id uuid NOT NULL,
    user_id uuid NOT NULL,
    original_check_in_at timestamptz,
    original_check_out_at timestamptz,
    requested_check_in_at timestamptz,
    requested_check_out_at timestamptz,
    reason text NOT NULL,
    status varchar(32) NOT NULL DEFAULT 'pending',
    manager_comment text,
    created_at timestamptz NOT NULL DEFAULT now(),
    updated_at timestamptz NOT NULL DEFAULT now(),
    CONSTRAINT pk_attendance_corrections PRIMARY KEY (workspace_id, id),
    CONSTRAINT ck_attendance_corrections_status CHECK (status IN ('pending', 'approved',
        'rejected', 'needs_clarification')),
    CONSTRAINT fk_attendance_corrections_workspace_id_workspaces FOREIGN KEY (workspace_id)
        REFERENCES workspaces (id),
    CONSTRAINT fk_attendance_corrections_session_id_attendance_sessions
        FOREIGN KEY (workspace_id, session_id) REFERENCES attendance_sessions (workspace_id, id),
    CONSTRAINT fk_attendance_corrections_user_id_memberships FOREIGN KEY (workspace_id, user_id)
        REFERENCES memberships (workspace_id, user_id)
);
CREATE INDEX ix_attendance_corrections_session_id
    ON attendance_corrections (workspace_id, session_id);
CREATE INDEX ix_attendance_corrections_user_id
    ON attendance_corrections (workspace_id, user_id, created_at);
CREATE INDEX ix_attendance_corrections_status
    ON attendance_corrections (workspace_id, status, created_at);
-- One open (pending or awaiting clarification) correction per session (spec 04 §7.1).
CREATE UNIQUE INDEX uq_attendance_corrections_open_per_session
    ON attendance_corrections (workspace_id, session_id)
    WHERE status IN ('pending', 'needs_clarification');

CREATE TABLE attendance_exceptions (
    workspace_id uuid NOT NULL,
    id uuid NOT NULL DEFAULT gen_random_uuid(),
    user_id uuid NOT NULL,
    session_id uuid,
    correction_id uuid,
    business_date date NOT NULL,
    exception_type varchar(64) NOT NULL,
    severity varchar(32) NOT NULL DEFAULT 'medium',
    status varchar(32) NOT NULL DEFAULT 'open',
    detected_at timestamptz NOT NULL DEFAULT now(),
    reason text,
    resolution_note text,
    resolved_by uuid,
    resolved_at timestamptz,
    dismissed_by uuid,
    dismissed_at timestamptz,
    created_at timestamptz NOT NULL DEFAULT now(),
    updated_at timestamptz NOT NULL DEFAULT now(),
    CONSTRAINT pk_attendance_exceptions PRIMARY KEY (workspace_id, id),
    CONSTRAINT uq_attendance_exception_user_date_type
        UNIQUE (workspace_id, user_id, business_date, exception_type),
    CONSTRAINT ck_attendance_exceptions_exception_type CHECK (exception_type IN ('late', 'early',
        'missing_checkout', 'absent', 'overtime', 'active_too_long', 'correction_request')),
    CONSTRAINT ck_attendance_exceptions_severity CHECK (severity IN ('low', 'medium', 'high')),
    CONSTRAINT ck_attendance_exceptions_status CHECK (status IN ('open', 'resolved', 'dismissed')),
    CONSTRAINT fk_attendance_exceptions_workspace_id_workspaces FOREIGN KEY (workspace_id)
        REFERENCES workspaces (id),
    CONSTRAINT fk_attendance_exceptions_user_id_memberships FOREIGN KEY (workspace_id, user_id)
        REFERENCES memberships (workspace_id, user_id),
    CONSTRAINT fk_attendance_exceptions_session_id_attendance_sessions
        FOREIGN KEY (workspace_id, session_id) REFERENCES attendance_sessions (workspace_id, id),
    CONSTRAINT fk_attendance_exceptions_correction_id_attendance_corrections
        FOREIGN KEY (workspace_id, correction_id)
        REFERENCES attendance_corrections (workspace_id, id),
    CONSTRAINT fk_attendance_exceptions_resolved_by_memberships
        FOREIGN KEY (workspace_id, resolved_by) REFERENCES memberships (workspace_id, user_id),
    CONSTRAINT fk_attendance_exceptions_dismissed_by_memberships
        FOREIGN KEY (workspace_id, dismissed_by) REFERENCES memberships (workspace_id, user_id)
);
CREATE INDEX ix_attendance_exceptions_status_type_date
    ON attendance_exceptions (workspace_id, status, exception_type, business_date);
CREATE INDEX ix_attendance_exceptions_business_date
    ON attendance_exceptions (workspace_id, business_date);
CREATE INDEX ix_attendance_exceptions_session_id
    ON attendance_exceptions (workspace_id, session_id);
CREATE INDEX ix_attendance_exceptions_correction_id
    ON attendance_exceptions (workspace_id, correction_id);
CREATE INDEX ix_attendance_exceptions_resolved_by
    ON attendance_exceptions (workspace_id, resolved_by);
CREATE INDEX ix_attendance_exceptions_dismissed_by
    ON attendance_exceptions (workspace_id, dismissed_by);

CREATE TABLE daily_stats (
    workspace_id uuid NOT NULL,
    id uuid NOT NULL DEFAULT gen_random_uuid(),
    user_id uuid NOT NULL,
    date date NOT NULL,
    total_hours double precision NOT NULL DEFAULT 0,
    is_late_login boolean NOT NULL DEFAULT false,
    is_early_logout boolean NOT NULL DEFAULT false,
    is_overtime boolean NOT NULL DEFAULT false,
    is_absent boolean NOT NULL DEFAULT false,
    leave_type varchar(16),
    is_wfh boolean NOT NULL DEFAULT false,
    primary_session_id uuid,
    created_at timestamptz NOT NULL DEFAULT now(),
    updated_at timestamptz NOT NULL DEFAULT now(),
    CONSTRAINT pk_daily_stats PRIMARY KEY (workspace_id, id),
    CONSTRAINT uq_user_daily_stats UNIQUE (workspace_id, user_id, date),
    CONSTRAINT ck_daily_stats_leave_type CHECK (leave_type IN ('sick', 'casual', 'annual',
        'half_day', 'wfh')),
    CONSTRAINT ck_daily_stats_total_hours CHECK (total_hours >= 0),
    CONSTRAINT fk_daily_stats_workspace_id_workspaces FOREIGN KEY (workspace_id)
        REFERENCES workspaces (id),
    CONSTRAINT fk_daily_stats_user_id_memberships FOREIGN KEY (workspace_id, user_id)
        REFERENCES memberships (workspace_id, user_id)
);
CREATE INDEX ix_daily_stats_date ON daily_stats (workspace_id, date);

-- ---------------------------------------------------------------------------------------------
-- Leave and approvals
-- ---------------------------------------------------------------------------------------------

CREATE TABLE leave_requests (
    workspace_id uuid NOT NULL,
    id uuid NOT NULL DEFAULT gen_random_uuid(),
    user_id uuid NOT NULL,
    start_date date NOT NULL,
    end_date date NOT NULL,
    leave_type varchar(16) NOT NULL,
    status varchar(32) NOT NULL DEFAULT 'pending',
    is_half_day boolean NOT NULL DEFAULT false,
    half_day_period varchar(16),
    reason text NOT NULL,
    current_approver_id uuid,
    escalated_from_id uuid,
    escalated_at timestamptz,
    escalation_count integer NOT NULL DEFAULT 0,
    manager_comment text,
    created_at timestamptz NOT NULL DEFAULT now(),
    updated_at timestamptz NOT NULL DEFAULT now(),
    CONSTRAINT pk_leave_requests PRIMARY KEY (workspace_id, id),
    CONSTRAINT ck_leave_requests_leave_type CHECK (leave_type IN ('sick', 'casual', 'annual',
        'half_day', 'wfh')),
    CONSTRAINT ck_leave_requests_status CHECK (status IN ('pending', 'approved', 'rejected',
        'escalated', 'cancelled', 'needs_clarification')),
    CONSTRAINT ck_leave_requests_half_day_period CHECK (half_day_period IN ('first_half',
        'second_half')),
    CONSTRAINT ck_leave_requests_dates CHECK (start_date <= end_date),
    CONSTRAINT ck_leave_requests_half_day CHECK (NOT is_half_day
        OR (half_day_period IS NOT NULL AND start_date = end_date)),
    CONSTRAINT ck_leave_requests_half_day_type CHECK (leave_type <> 'half_day' OR is_half_day),
    CONSTRAINT ck_leave_requests_escalation_count CHECK (escalation_count BETWEEN 0 AND 2),
    CONSTRAINT fk_leave_requests_workspace_id_workspaces FOREIGN KEY (workspace_id)
        REFERENCES workspaces (id),
    CONSTRAINT fk_leave_requests_user_id_memberships FOREIGN KEY (workspace_id, user_id)
        REFERENCES memberships (workspace_id, user_id),
    CONSTRAINT fk_leave_requests_current_approver_id_memberships
        FOREIGN KEY (workspace_id, current_approver_id)
        REFERENCES memberships (workspace_id, user_id),
    CONSTRAINT fk_leave_requests_escalated_from_id_memberships
        FOREIGN KEY (workspace_id, escalated_from_id)
        REFERENCES memberships (workspace_id, user_id)
);
CREATE INDEX ix_leave_requests_user_id_start_date_end_date
    ON leave_requests (workspace_id, user_id, start_date, end_date);
CREATE INDEX ix_leave_requests_current_approver_id_status
    ON leave_requests (workspace_id, current_approver_id, status);
CREATE INDEX ix_leave_requests_escalated_from_id
    ON leave_requests (workspace_id, escalated_from_id);
CREATE INDEX ix_leave_requests_status_created_at
    ON leave_requests (workspace_id, status, created_at);
CREATE INDEX ix_leave_requests_start_date ON leave_requests (workspace_id, start_date);

CREATE TABLE leave_balances (
    workspace_id uuid NOT NULL,
    id uuid NOT NULL DEFAULT gen_random_uuid(),
    user_id uuid NOT NULL,
    year smallint NOT NULL,
    leave_type varchar(16) NOT NULL,
    entitled_days numeric(5, 1) NOT NULL,
    adjusted_days numeric(5, 1) NOT NULL DEFAULT 0,
    created_at timestamptz NOT NULL DEFAULT now(),
    updated_at timestamptz NOT NULL DEFAULT now(),
    CONSTRAINT pk_leave_balances PRIMARY KEY (workspace_id, id),
    CONSTRAINT uq_leave_balances_user_year_type UNIQUE (workspace_id, user_id, year, leave_type),
    CONSTRAINT ck_leave_balances_leave_type CHECK (leave_type IN ('sick', 'casual', 'annual',
        'half_day', 'wfh')),
    CONSTRAINT ck_leave_balances_year CHECK (year BETWEEN 2000 AND 9999),
    CONSTRAINT ck_leave_balances_entitled_days CHECK (entitled_days >= 0),
    CONSTRAINT fk_leave_balances_workspace_id_workspaces FOREIGN KEY (workspace_id)
        REFERENCES workspaces (id),
    CONSTRAINT fk_leave_balances_user_id_memberships FOREIGN KEY (workspace_id, user_id)
        REFERENCES memberships (workspace_id, user_id)
);

CREATE TABLE leave_balance_adjustments (
    workspace_id uuid NOT NULL,
    id uuid NOT NULL DEFAULT gen_random_uuid(),
    user_id uuid NOT NULL,
    year smallint NOT NULL,
    leave_type varchar(16) NOT NULL,
    delta_days numeric(5, 1) NOT NULL,
    reason text NOT NULL,
    actor_id uuid NOT NULL,
    created_at timestamptz NOT NULL DEFAULT now(),
    CONSTRAINT pk_leave_balance_adjustments PRIMARY KEY (workspace_id, id),
    CONSTRAINT ck_leave_balance_adjustments_leave_type CHECK (leave_type IN ('sick', 'casual',
        'annual', 'half_day', 'wfh')),
    CONSTRAINT ck_leave_balance_adjustments_year CHECK (year BETWEEN 2000 AND 9999),
    CONSTRAINT ck_leave_balance_adjustments_delta_days CHECK (delta_days <> 0),
    CONSTRAINT ck_leave_balance_adjustments_reason CHECK (btrim(reason) <> ''),
    CONSTRAINT fk_leave_balance_adjustments_workspace_id_workspaces FOREIGN KEY (workspace_id)
        REFERENCES workspaces (id),
    CONSTRAINT fk_leave_balance_adjustments_user_id_memberships
        FOREIGN KEY (workspace_id, user_id) REFERENCES memberships (workspace_id, user_id),
    CONSTRAINT fk_leave_balance_adjustments_actor_id_memberships
        FOREIGN KEY (workspace_id, actor_id) REFERENCES memberships (workspace_id, user_id)
);
CREATE INDEX ix_leave_balance_adjustments_user_year_type
    ON leave_balance_adjustments (workspace_id, user_id, year, leave_type);
CREATE INDEX ix_leave_balance_adjustments_actor_id
    ON leave_balance_adjustments (workspace_id, actor_id);

CREATE TABLE approvals (
    workspace_id uuid NOT NULL,
    id uuid NOT NULL DEFAULT gen_random_uuid(),
    entity_type varchar(32) NOT NULL,
    entity_id uuid NOT NULL,
    requested_by uuid NOT NULL,
    decided_by uuid,
    decision varchar(32) NOT NULL DEFAULT 'pending',
    reason text,
    created_at timestamptz NOT NULL DEFAULT now(),
    decided_at timestamptz,
    CONSTRAINT pk_approvals PRIMARY KEY (workspace_id, id),
    CONSTRAINT ck_approvals_entity_type CHECK (entity_type IN ('project', 'timesheet', 'task',
        'leave_request', 'attendance_correction')),
    CONSTRAINT ck_approvals_decision CHECK (decision IN ('pending', 'approved', 'rejected',
        'escalated', 'cancelled', 'needs_clarification')),
    CONSTRAINT fk_approvals_workspace_id_workspaces FOREIGN KEY (workspace_id)
        REFERENCES workspaces (id),
    CONSTRAINT fk_approvals_requested_by_memberships FOREIGN KEY (workspace_id, requested_by)
        REFERENCES memberships (workspace_id, user_id),
    CONSTRAINT fk_approvals_decided_by_memberships FOREIGN KEY (workspace_id, decided_by)
        REFERENCES memberships (workspace_id, user_id)
);
CREATE INDEX ix_approvals_entity_type_entity_id ON approvals (workspace_id, entity_type, entity_id);
CREATE INDEX ix_approvals_requested_by ON approvals (workspace_id, requested_by);
CREATE INDEX ix_approvals_decided_by ON approvals (workspace_id, decided_by, decided_at);
CREATE INDEX ix_approvals_decision_created_at ON approvals (workspace_id, decision, created_at);

CREATE TABLE approval_timeline (
    workspace_id uuid NOT NULL,
    id uuid NOT NULL DEFAULT gen_random_uuid(),
    entity_type varchar(32) NOT NULL,
    entity_id uuid NOT NULL,
    actor_id uuid NOT NULL,
    action varchar(32) NOT NULL,
    comment text,
    created_at timestamptz NOT NULL DEFAULT now(),
    updated_at timestamptz NOT NULL DEFAULT now(),
    CONSTRAINT pk_approval_timeline PRIMARY KEY (workspace_id, id),
    CONSTRAINT ck_approval_timeline_entity_type CHECK (entity_type IN ('project', 'timesheet',
        'task', 'leave_request', 'attendance_correction')),
    CONSTRAINT ck_approval_timeline_action CHECK (action IN ('created', 'clarified', 'approved',
        'rejected', 'escalated', 'cancelled')),
    CONSTRAINT fk_approval_timeline_workspace_id_workspaces FOREIGN KEY (workspace_id)
        REFERENCES workspaces (id),
    CONSTRAINT fk_approval_timeline_actor_id_memberships FOREIGN KEY (workspace_id, actor_id)
        REFERENCES memberships (workspace_id, user_id)
);
CREATE INDEX ix_approval_timeline_entity_type_entity_id
    ON approval_timeline (workspace_id, entity_type, entity_id, created_at);
CREATE INDEX ix_approval_timeline_actor_id
    ON approval_timeline (workspace_id, actor_id, created_at);

-- ---------------------------------------------------------------------------------------------
-- Governance and communication
-- ---------------------------------------------------------------------------------------------

CREATE TABLE alerts (
    workspace_id uuid NOT NULL,
    id uuid NOT NULL DEFAULT gen_random_uuid(),
    alert_type varchar(32) NOT NULL,
    severity varchar(16) NOT NULL,
    recipient_user_id uuid NOT NULL,
    related_entity_type varchar(32) NOT NULL,
    related_entity_id uuid NOT NULL,
    email_status varchar(16) NOT NULL DEFAULT 'queued',
    status varchar(16) NOT NULL DEFAULT 'open',
    title varchar(255) NOT NULL,
    message text NOT NULL,
    created_at timestamptz NOT NULL DEFAULT now(),
    resolved_at timestamptz,
    resolution_note text,
    resolved_by uuid,
    CONSTRAINT pk_alerts PRIMARY KEY (workspace_id, id),
    CONSTRAINT ck_alerts_alert_type CHECK (alert_type IN ('missing_checkout', 'overdue_task',
        'idle_after_checkin', 'suspicious_logging', 'approval_delay', 'blocked_task',
        'workload_overload')),
    CONSTRAINT ck_alerts_severity CHECK (severity IN ('low', 'medium', 'high', 'critical')),
    CONSTRAINT ck_alerts_related_entity_type CHECK (related_entity_type IN ('attendance_session',
        'project', 'task', 'user', 'approval')),
    CONSTRAINT ck_alerts_email_status CHECK (email_status IN ('queued', 'sent', 'failed',
        'dismissed')),
    CONSTRAINT ck_alerts_status CHECK (status IN ('open', 'resolved', 'dismissed')),
    CONSTRAINT fk_alerts_workspace_id_workspaces FOREIGN KEY (workspace_id)
        REFERENCES workspaces (id),
    CONSTRAINT fk_alerts_recipient_user_id_memberships
        FOREIGN KEY (workspace_id, recipient_user_id)
        REFERENCES memberships (workspace_id, user_id),
    CONSTRAINT fk_alerts_resolved_by_memberships FOREIGN KEY (workspace_id, resolved_by)
        REFERENCES memberships (workspace_id, user_id)
);
CREATE INDEX ix_alerts_recipient_user_id_status_created_at
    ON alerts (workspace_id, recipient_user_id, status, created_at);
CREATE INDEX ix_alerts_status_created_at ON alerts (workspace_id, status, created_at);
CREATE INDEX ix_alerts_related_entity
    ON alerts (workspace_id, related_entity_type, related_entity_id, alert_type);
CREATE INDEX ix_alerts_resolved_by ON alerts (workspace_id, resolved_by);
-- At most one missing-checkout alert per attendance session (spec 08 §1.2, 04 §11).
CREATE UNIQUE INDEX uq_alerts_missing_checkout_per_session
    ON alerts (workspace_id, related_entity_id) WHERE alert_type = 'missing_checkout';

CREATE TABLE announcements (
    workspace_id uuid NOT NULL,
    id uuid NOT NULL DEFAULT gen_random_uuid(),
    title varchar(255) NOT NULL,
    content text NOT NULL,
    content_html text NOT NULL,
    audience varchar(50) NOT NULL DEFAULT 'all',
    start_date timestamptz,
    end_date timestamptz,
    created_by uuid NOT NULL,
    target_department_id uuid,
    priority varchar(10) NOT NULL DEFAULT 'normal',
    status varchar(10) NOT NULL DEFAULT 'draft',
    notify_email boolean NOT NULL DEFAULT false,
    is_active boolean GENERATED ALWAYS AS (status = 'active') STORED,
    created_at timestamptz NOT NULL DEFAULT now(),
    updated_at timestamptz NOT NULL DEFAULT now(),
    CONSTRAINT pk_announcements PRIMARY KEY (workspace_id, id),
    CONSTRAINT ck_announcements_title CHECK (btrim(title) <> ''),
    CONSTRAINT ck_announcements_audience CHECK (audience IN ('all', 'employee', 'admin',
        'hr_operations', 'manager', 'team_lead', 'intern', 'junior_employee')),
    CONSTRAINT ck_announcements_priority CHECK (priority IN ('low', 'normal', 'high')),
    CONSTRAINT ck_announcements_status CHECK (status IN ('draft', 'active', 'archived')),
    CONSTRAINT ck_announcements_dates CHECK (start_date IS NULL OR end_date IS NULL
        OR end_date >= start_date),
    CONSTRAINT fk_announcements_workspace_id_workspaces FOREIGN KEY (workspace_id)
        REFERENCES workspaces (id),
    CONSTRAINT fk_announcements_created_by_memberships FOREIGN KEY (workspace_id, created_by)
        REFERENCES memberships (workspace_id, user_id),
    CONSTRAINT fk_announcements_target_department_id_departments
        FOREIGN KEY (workspace_id, target_department_id) REFERENCES departments (workspace_id, id)
);
CREATE INDEX ix_announcements_status_created_at ON announcements (workspace_id, status, created_at);
CREATE INDEX ix_announcements_created_by ON announcements (workspace_id, created_by);
CREATE INDEX ix_announcements_target_department_id
    ON announcements (workspace_id, target_department_id);

CREATE TABLE notifications (
    workspace_id uuid NOT NULL,
    id uuid NOT NULL DEFAULT gen_random_uuid(),
    user_id uuid NOT NULL,
    title varchar(255) NOT NULL,
    message text NOT NULL,
    notification_type varchar(32) NOT NULL,
    related_entity_type varchar(100),
    related_entity_id uuid,
    is_read boolean NOT NULL DEFAULT false,
    created_at timestamptz NOT NULL DEFAULT now(),
    read_at timestamptz,
    CONSTRAINT pk_notifications PRIMARY KEY (workspace_id, id),
    CONSTRAINT ck_notifications_notification_type CHECK (notification_type IN ('meeting_invite',
        'meeting_updated', 'meeting_cancelled', 'meeting_reminder', 'support_ticket', 'system',
        'message', 'mention', 'task_comment', 'project_comment', 'meeting_message',
        'support_reply', 'approval_comment', 'eod_feedback', 'call_incoming', 'call_missed')),
    CONSTRAINT fk_notifications_workspace_id_workspaces FOREIGN KEY (workspace_id)
        REFERENCES workspaces (id),
    CONSTRAINT fk_notifications_user_id_memberships FOREIGN KEY (workspace_id, user_id)
        REFERENCES memberships (workspace_id, user_id)
);
CREATE INDEX ix_notifications_user_id_is_read ON notifications (workspace_id, user_id, is_read);
CREATE INDEX ix_notifications_user_id_created_at
    ON notifications (workspace_id, user_id, created_at);

-- ---------------------------------------------------------------------------------------------
-- updated_at triggers: every table above with an updated_at column
-- ---------------------------------------------------------------------------------------------

CREATE TRIGGER trg_workspaces_updated_at BEFORE UPDATE ON workspaces
    FOR EACH ROW EXECUTE FUNCTION wos_set_updated_at();
CREATE TRIGGER trg_users_updated_at BEFORE UPDATE ON users
    FOR EACH ROW EXECUTE FUNCTION wos_set_updated_at();
CREATE TRIGGER trg_departments_updated_at BEFORE UPDATE ON departments
    FOR EACH ROW EXECUTE FUNCTION wos_set_updated_at();
CREATE TRIGGER trg_shifts_updated_at BEFORE UPDATE ON shifts
    FOR EACH ROW EXECUTE FUNCTION wos_set_updated_at();
CREATE TRIGGER trg_holidays_updated_at BEFORE UPDATE ON holidays
    FOR EACH ROW EXECUTE FUNCTION wos_set_updated_at();
CREATE TRIGGER trg_roles_updated_at BEFORE UPDATE ON roles
    FOR EACH ROW EXECUTE FUNCTION wos_set_updated_at();
CREATE TRIGGER trg_memberships_updated_at BEFORE UPDATE ON memberships
    FOR EACH ROW EXECUTE FUNCTION wos_set_updated_at();
CREATE TRIGGER trg_user_permission_overrides_updated_at BEFORE UPDATE ON user_permission_overrides
    FOR EACH ROW EXECUTE FUNCTION wos_set_updated_at();
CREATE TRIGGER trg_application_settings_updated_at BEFORE UPDATE ON application_settings
    FOR EACH ROW EXECUTE FUNCTION wos_set_updated_at();
CREATE TRIGGER trg_account_invitations_updated_at BEFORE UPDATE ON account_invitations
    FOR EACH ROW EXECUTE FUNCTION wos_set_updated_at();
CREATE TRIGGER trg_auth_rate_limits_updated_at BEFORE UPDATE ON auth_rate_limits
    FOR EACH ROW EXECUTE FUNCTION wos_set_updated_at();
CREATE TRIGGER trg_attendance_sessions_updated_at BEFORE UPDATE ON attendance_sessions
    FOR EACH ROW EXECUTE FUNCTION wos_set_updated_at();
CREATE TRIGGER trg_attendance_breaks_updated_at BEFORE UPDATE ON attendance_breaks
    FOR EACH ROW EXECUTE FUNCTION wos_set_updated_at();
CREATE TRIGGER trg_attendance_corrections_updated_at BEFORE UPDATE ON attendance_corrections
    FOR EACH ROW EXECUTE FUNCTION wos_set_updated_at();
CREATE TRIGGER trg_attendance_exceptions_updated_at BEFORE UPDATE ON attendance_exceptions
    FOR EACH ROW EXECUTE FUNCTION wos_set_updated_at();
CREATE TRIGGER trg_daily_stats_updated_at BEFORE UPDATE ON daily_stats
    FOR EACH ROW EXECUTE FUNCTION wos_set_updated_at();
CREATE TRIGGER trg_leave_requests_updated_at BEFORE UPDATE ON leave_requests
    FOR EACH ROW EXECUTE FUNCTION wos_set_updated_at();
CREATE TRIGGER trg_leave_balances_updated_at BEFORE UPDATE ON leave_balances
    FOR EACH ROW EXECUTE FUNCTION wos_set_updated_at();
CREATE TRIGGER trg_approval_timeline_updated_at BEFORE UPDATE ON approval_timeline
    FOR EACH ROW EXECUTE FUNCTION wos_set_updated_at();
CREATE TRIGGER trg_announcements_updated_at BEFORE UPDATE ON announcements
    FOR EACH ROW EXECUTE FUNCTION wos_set_updated_at();

-- ---------------------------------------------------------------------------------------------
-- Seeding
-- ---------------------------------------------------------------------------------------------

-- Seeds one workspace, idempotently: the seven system roles (each role created by this call
-- receives its default bundle from role_default_permissions; an existing role is never
-- touched, so an admin's bundle edits survive) and every missing application setting. Never
-- deletes or changes an existing row. Returns the number of roles and settings it created.
CREATE FUNCTION wos_seed_workspace(ws uuid, att_max_active_hours integer,
    att_auto_close_grace_minutes integer)
RETURNS integer
LANGUAGE plpgsql AS $$
DECLARE
    new_roles integer;
    new_settings integer;
BEGIN
    IF ws IS NULL OR NOT EXISTS (SELECT 1 FROM workspaces w WHERE w.id = ws) THEN
        RAISE EXCEPTION 'wos_seed_workspace: unknown workspace %', ws;
    END IF;
    IF att_max_active_hours IS NULL OR att_max_active_hours < 1 THEN
        RAISE EXCEPTION 'wos_seed_workspace: att_max_active_hours must be >= 1';
    END IF;
    IF att_auto_close_grace_minutes IS NULL OR att_auto_close_grace_minutes < 0 THEN
        RAISE EXCEPTION 'wos_seed_workspace: att_auto_close_grace_minutes must be >= 0';
    END IF;

    WITH created AS (
        INSERT INTO roles (workspace_id, name, label, description, is_system, rank)
        SELECT ws, s.name, s.label, s.description, true, s.rank
          FROM (VALUES
            ('admin', 'Admin', 'System owner; full access', 6),
            ('hr_operations', 'HR / Operations',
             'People operations: onboarding, shifts, announcements, org reports', 5),
            ('manager', 'Manager',
             'Owns a team: approvals, task assignment, EOD reviews, team analytics', 4),
            ('team_lead', 'Team Lead', 'First-line supervisor of direct reports', 3),
            ('employee', 'Employee', 'Individual contributor', 2),
            ('junior_employee', 'Junior Employee', 'Restricted contributor', 1),
            ('intern', 'Intern', 'Restricted contributor with task completion requests', 0)
          ) AS s (name, label, description, rank)
        ON CONFLICT (workspace_id, name) DO NOTHING
        RETURNING id, name
    ), granted AS (
        INSERT INTO role_permissions (workspace_id, role_id, permission_id)
        SELECT ws, c.id, p.id
          FROM created c
          JOIN role_default_permissions d ON d.role_name = c.name
          JOIN permissions p ON p.code = d.permission_code
        ON CONFLICT DO NOTHING
        RETURNING 1
    )
    SELECT count(*) INTO new_roles FROM created;

    INSERT INTO application_settings (workspace_id, key, value, data_type, description,
        is_mutable, category)
    SELECT ws, s.key, s.value, s.data_type, s.description, true, s.category
      FROM (VALUES
        ('attendance.full_leave_below_minutes', '60', 'integer',
         'A closed session with fewer worked minutes is classified full_leave', 'attendance'),
        ('attendance.half_day_below_minutes', '240', 'integer',
         'A closed session with fewer worked minutes (and not full_leave) is half_day',
         'attendance'),
        ('attendance.full_day_above_minutes', '360', 'integer',
         'A closed session with more worked minutes is full_day', 'attendance'),
        ('attendance.max_active_hours', att_max_active_hours::text, 'integer',
         'A session active longer than this many hours is closed automatically', 'attendance'),
        ('attendance.auto_close_grace_minutes', att_auto_close_grace_minutes::text, 'integer',
         'A session still active this long after its expected shift end is closed automatically',
         'attendance'),
        ('alerts.missing_checkout_after_hours', '10', 'integer',
         'Hours after check-in before a missing-checkout alert is raised', 'alerts'),
        ('leave.escalation_hours', '48', 'integer',
         'Hours a leave request may wait before it escalates to the next approver', 'leave')
      ) AS s (key, value, data_type, description, category)
    UNION ALL
    SELECT ws, 'leave.entitlement_days.' || t.leave_type, NULL, 'integer',
           'Yearly entitlement in days for ' || t.leave_type || ' leave (unset = unlimited)',
           true, 'leave'
      FROM unnest(ARRAY['sick', 'casual', 'annual', 'half_day', 'wfh']) AS t (leave_type)
    UNION ALL
    SELECT ws, 'leave.allow_negative.' || t.leave_type, 'false', 'boolean',
           'Whether the ' || t.leave_type || ' balance may go below zero', true, 'leave'
      FROM unnest(ARRAY['sick', 'casual', 'annual', 'half_day', 'wfh']) AS t (leave_type)
    ON CONFLICT (workspace_id, key) DO NOTHING;
    GET DIAGNOSTICS new_settings = ROW_COUNT;

    RETURN new_roles + new_settings;
END
$$;
