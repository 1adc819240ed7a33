/*
 * bootstrap.c: permission catalogue, default workspace, workspace seeding and
 * the bootstrap admin (spec 03 §2.4, §3.10; 01 §1.5).
 *
 * Everything happens in one transaction on the caller's connection, which
 * holds the migration advisory lock, so two processes never bootstrap at
 * once. Each step inserts only what is missing (ON CONFLICT DO NOTHING) and
 * updates only what differs, so a second run changes no row. Audit rows
 * (actor NULL = "System") are written only for changes: workspace created,
 * admin created, admin reconciled. Per-workspace seeding (system roles with
 * their default bundles, settings) is the SQL function wos_seed_workspace()
 * of migration 0001, shared with registration.
 *
 * Bundles are copied into a workspace when its role is created and are the
 * admin's to edit afterwards: a pair removed by an admin is never re-added.
 * The one exception is a permission code that did not exist before this
 * run: it joins the system roles whose default bundle holds it, in every
 * existing workspace, exactly once (the run that adds the code).
 *
 * All memory and PGresults of a run hang off one arena freed at the end.
 */
#include "db/bootstrap.h"

#include "auth/password.h"
#include "auth/secret.h"
#include "core/arena.h"
#include "core/common.h"
#include "core/config.h"
#include "core/log.h"
#include "db/db.h"
#include "db/migrate.h"

#include <ctype.h>
#include <jansson.h>
#include <openssl/crypto.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>

struct perm {
    const char *code;
    const char *description;
};

/* Spec 03 §2.1: the 39 permission keys. */
static const struct perm catalogue[] = {
    {"users.view_all", "View all users in the org"},
    {"users.create", "Create user accounts"},
    {"users.edit", "Edit user profiles and settings"},
    {"users.deactivate", "Deactivate user accounts"},
    {"users.suspend", "Suspend user accounts"},
    {"users.manage_roles", "Assign and change user roles"},
    {"attendance.view_own", "View own attendance"},
    {"attendance.view_team", "View team attendance"},
    {"attendance.view_org", "View org-wide attendance"},
    {"attendance.approve_correction", "Approve attendance corrections"},
    {"leave.apply", "Apply for leave"},
    {"leave.approve", "Approve leave requests"},
    {"leave.view_team", "View team leave requests"},
    {"leave.view_org", "View all leave requests"},
    {"projects.create", "Create projects"},
    {"projects.approve", "Approve project proposals"},
    {"projects.view_all", "View all projects"},
    {"tasks.create_own", "Create tasks for self"},
    {"tasks.create_team", "Create/assign tasks for team members"},
    {"tasks.set_priority", "Set task priority"},
    {"tasks.set_complexity", "Set task complexity"},
    {"tasks.view_team", "View team tasks"},
    {"eod.submit", "Submit EOD reports"},
    {"eod.review", "Review EOD submissions"},
    {"eod.approve", "Approve EOD reports"},
    {"reports.view_own", "View own reports"},
    {"reports.view_team", "View team reports"},
    {"reports.view_org", "View org-wide reports"},
    {"announcements.create", "Create announcements"},
    {"holidays.manage", "Manage holiday calendar"},
    {"shifts.manage", "Manage work shifts"},
    {"departments.manage", "Manage departments"},
    {"audit.view", "View audit trail"},
    {"call_recordings.view", "View call recordings"},
    {"call_recordings.download", "Download call recordings"},
    {"call_recordings.delete", "Delete/archive call recordings"},
    {"permissions.manage", "Manage role/user permissions"},
    {"analytics.view_team", "View team analytics"},
    {"analytics.view_org", "View org analytics"},
};

/*
 * Spec 03 §2.2: each system role's default bundle, codes separated by one
 * space; NULL = the whole catalogue.
 */
static const struct {
    const char *role;
    const char *codes;
} bundles[] = {
    {"admin", NULL},
    {"hr_operations",
     "users.view_all users.create users.edit users.deactivate attendance.view_own "
     "attendance.view_team attendance.view_org attendance.approve_correction leave.apply "
     "leave.approve leave.view_team leave.view_org reports.view_own reports.view_team "
     "reports.view_org announcements.create holidays.manage shifts.manage departments.manage "
     "eod.submit analytics.view_team analytics.view_org"},
    {"manager",
     "users.create users.edit attendance.view_own attendance.view_team "
     "attendance.approve_correction leave.apply leave.approve leave.view_team projects.create "
     "projects.approve tasks.create_own tasks.create_team tasks.set_priority "
     "tasks.set_complexity tasks.view_team eod.submit eod.review eod.approve reports.view_own "
     "reports.view_team analytics.view_team"},
    {"team_lead",
     "attendance.view_own attendance.view_team leave.apply leave.view_team projects.create "
     "tasks.create_own tasks.create_team tasks.set_priority tasks.view_team eod.submit "
     "eod.review reports.view_own reports.view_team analytics.view_team"},
    {"employee", "attendance.view_own leave.apply projects.create tasks.create_own eod.submit "
                 "reports.view_own"},
    {"intern", "attendance.view_own leave.apply tasks.create_own eod.submit reports.view_own"},
    {"junior_employee",
     "attendance.view_own leave.apply tasks.create_own eod.submit reports.view_own"},
};

enum admin_outcome { ADMIN_UNCHANGED, ADMIN_CREATED, ADMIN_RECONCILED };

/* One run's state; strings live in the arena. */
struct boot {
    PGconn *conn;
    const struct wos_config *cfg;
    struct wos_arena *arena;
    const char *email; /* trimmed, ASCII lower-cased; SQL applies lower() for the rest */
    const char *name;  /* trimmed */
    const char *workspace_id;
    int permissions_added;
    long seeded_rows;
    bool workspace_created;
    enum admin_outcome admin;
};

static void clear_result(void *res)
{
    PQclear(res);
}

static void free_string(void *s)
{
    free(s);
}

/*
 * Runs one parameterised statement. Returns its result (cleared with the
 * arena), or NULL after logging the server's message.
 */
static PGresult *run(struct boot *b, const char *what, const char *sql, int n,
                     const char *const *params)
{
    PGresult *res = PQexecParams(b->conn, sql, n, NULL, params, NULL, NULL, 0);
    ExecStatusType st = PQresultStatus(res);

    if (st != PGRES_COMMAND_OK && st != PGRES_TUPLES_OK) {
        const char *state = PQresultErrorField(res, PG_DIAG_SQLSTATE);
        char msg[512];

        snprintf(msg, sizeof(msg), "%s", PQerrorMessage(b->conn));
        msg[strcspn(msg, "\n")] = '\0';
        wos_log(NULL, WOS_LOG_ERROR, "bootstrap: %s failed [%s]: %s", what, state ? state : "-----",
                msg);
        PQclear(res);
        return NULL;
    }
    if (wos_arena_on_free(b->arena, clear_result, res) != WOS_OK)
        return NULL;
    return res;
}

/* PostgreSQL text[] literal: {"a","b"}, each element quoted and escaped. */
static const char *array_literal(struct boot *b, const char *const *items, size_t n)
{
    struct wos_buf buf;

    wos_buf_init(&buf, b->arena, 256);
    wos_buf_puts(&buf, "{");
    for (size_t i = 0; i < n; i++) {
        if (i > 0)
            wos_buf_puts(&buf, ",");
        wos_buf_puts(&buf, "\"");
        for (const char *p = items[i]; *p; p++) {
            if (*p == '"' || *p == '\\')
                wos_buf_append(&buf, "\\", 1);
            wos_buf_append(&buf, p, 1);
        }
        wos_buf_puts(&buf, "\"");
    }
    wos_buf_puts(&buf, "}");
    return wos_buf_cstr(&buf);
}

/* Compact JSON text of j (taking ownership of j), owned by the arena; NULL on failure. */
static const char *json_text(struct boot *b, json_t *j)
{
    char *s = j ? json_dumps(j, JSON_COMPACT | JSON_SORT_KEYS) : NULL;

    json_decref(j);
    if (s && wos_arena_on_free(b->arena, free_string, s) != WOS_OK)
        return NULL;
    return s;
}

static int audit(struct boot *b, const char *action, const char *entity_type, const char *entity_id,
                 const char *label, json_t *old_value, json_t *new_value)
{
    const char *old_text = old_value ? json_text(b, old_value) : NULL;
    const char *new_text = new_value ? json_text(b, new_value) : NULL;
    const char *meta = json_text(b, json_pack("{s:s}", "source", "bootstrap"));
    const char *params[] = {b->workspace_id, action,   entity_type, entity_id,
                            label,           old_text, new_text,    meta};

    if ((old_value && !old_text) || (new_value && !new_text) || !meta) {
        wos_log(NULL, WOS_LOG_ERROR, "bootstrap: cannot encode the audit row for %s", action);
        return WOS_ERROR;
    }
    return run(b, "audit",
               "SELECT wos_audit_append($1, NULL, $2, $3, $4, $5, $6::jsonb, "
               "$7::jsonb, $8::jsonb, NULL, NULL)",
               8, params)
               ? WOS_OK
               : WOS_ERROR;
}

/* ---- configuration checks (before anything touches the database) ---- */

static const char *trim_copy(struct wos_arena *a, const char *s)
{
    size_t len;

    while (*s && isspace((unsigned char)*s))
        s++;
    len = strlen(s);
    while (len > 0 && isspace((unsigned char)s[len - 1]))
        len--;
    return wos_arena_strndup(a, s, len);
}

static size_t utf8_chars(const char *s)
{
    size_t n = 0;

    for (; *s; s++)
        if (((unsigned char)*s & 0xC0) != 0x80)
            n++;
    return n;
}

/* The password policy of spec 02 §1 that applies to the configured admin password. */
static const char *password_problem(const struct boot *b, const char *pw)
{
    size_t len = strlen(pw);

    if (len == 0)
        return "is empty";
    if (isspace((unsigned char)pw[0]) || isspace((unsigned char)pw[len - 1]))
        return "has leading or trailing whitespace; remove it (the password is never trimmed)";
    if (len > WOS_PASSWORD_MAX_BYTES)
        return "is longer than 72 bytes (bcrypt would ignore the rest)";
    if ((long)utf8_chars(pw) < b->cfg->password_min_length)
        return "is shorter than PASSWORD_MIN_LENGTH";
    if (strcasecmp(pw, b->email) == 0 || strcasecmp(pw, b->name) == 0)
        return "must not equal the admin's e-mail or name";
    return NULL;
}

/* One '@' with something on both sides, no whitespace or control characters. */
static bool plausible_email(const char *e)
{
    const char *at = strchr(e, '@');
    size_t len = strlen(e);

    if (len < 3 || len > 255 || !at || at == e || at[1] == '\0' || strchr(at + 1, '@'))
        return false;
    for (; *e; e++)
        if ((unsigned char)*e <= ' ' || *e == 0x7f)
            return false;
    return true;
}

static int check_config(struct boot *b)
{
    const char *problem;
    char *email;

    email = (char *)trim_copy(b->arena, b->cfg->bootstrap_admin_email);
    b->name = trim_copy(b->arena, b->cfg->bootstrap_admin_name);
    if (!email || !b->name)
        return WOS_ERROR;
    for (char *p = email; *p; p++)
        *p = (char)tolower((unsigned char)*p);
    b->email = email;
    if (!plausible_email(email)) {
        wos_log(NULL, WOS_LOG_ERROR,
                "bootstrap: BOOTSTRAP_ADMIN_EMAIL is not a valid e-mail address; nothing "
                "was changed");
        return WOS_ERROR;
    }
    if (*b->name == '\0' || utf8_chars(b->name) > 255) {
        wos_log(NULL, WOS_LOG_ERROR,
                "bootstrap: BOOTSTRAP_ADMIN_NAME must be 1-255 characters; nothing was changed");
        return WOS_ERROR;
    }
    problem = password_problem(b, b->cfg->bootstrap_admin_password);
    if (problem) {
        wos_log(NULL, WOS_LOG_ERROR, "bootstrap: BOOTSTRAP_ADMIN_PASSWORD %s; nothing was changed",
                problem);
        return WOS_ERROR;
    }
    return WOS_OK;
}

/* ---- steps ---- */

static int schema_ready(struct boot *b)
{
    PGresult *res = run(b, "schema check",
                        "SELECT to_regclass('role_default_permissions') IS NOT NULL "
                        "AND to_regprocedure('wos_seed_workspace(uuid,integer,integer)') "
                        "IS NOT NULL",
                        0, NULL);

    if (!res)
        return WOS_ERROR;
    if (strcmp(PQgetvalue(res, 0, 0), "t") != 0) {
        wos_log(NULL, WOS_LOG_ERROR,
                "bootstrap: the database schema is not migrated; run `wos migrate upgrade` first");
        return WOS_ERROR;
    }
    return WOS_OK;
}

/*
 * Appends bundle r's (role, code) pairs to roles/codes (cap entries, *n used);
 * codes are arena copies cut out of the list. WOS_ERROR when they do not fit.
 */
static int add_bundle(struct boot *b, size_t r, const char **roles, const char **codes, size_t cap,
                      size_t *n)
{
    const char *p = bundles[r].codes;
    size_t count = WOS_ARRAY_LEN(catalogue);

    if (p) {
        count = 0;
        for (const char *q = p; *q; q++)
            count += q == p || q[-1] == ' ';
    }
    if (count > cap - *n) {
        wos_log(NULL, WOS_LOG_ERROR, "bootstrap: the %s bundle is too long", bundles[r].role);
        return WOS_ERROR;
    }
    for (size_t i = 0; i < count; i++) {
        size_t len = p ? strcspn(p, " ") : 0;

        roles[*n] = bundles[r].role;
        codes[*n] = p ? wos_arena_strndup(b->arena, p, len) : catalogue[i].code;
        if (!codes[(*n)++])
            return WOS_ERROR;
        if (p)
            p += len + (p[len] == ' ');
    }
    return WOS_OK;
}

/*
 * Inserts missing catalogue codes and default pairs, then gives each code
 * that is new in this run to the matching system roles of existing workspaces.
 */
static int seed_catalogue(struct boot *b)
{
    const char *codes[WOS_ARRAY_LEN(catalogue)], *descs[WOS_ARRAY_LEN(catalogue)];
    const char *pair_roles[WOS_ARRAY_LEN(catalogue) * WOS_ARRAY_LEN(bundles)];
    const char *pair_codes[WOS_ARRAY_LEN(pair_roles)];
    size_t npairs = 0;
    PGresult *res;

    for (size_t i = 0; i < WOS_ARRAY_LEN(catalogue); i++) {
        codes[i] = catalogue[i].code;
        descs[i] = catalogue[i].description;
    }
    for (size_t r = 0; r < WOS_ARRAY_LEN(bundles); r++)
        if (add_bundle(b, r, pair_roles, pair_codes, WOS_ARRAY_LEN(pair_roles), &npairs) != WOS_OK)
            return WOS_ERROR;

    const char *cat[] = {array_literal(b, codes, WOS_ARRAY_LEN(codes)),
                         array_literal(b, descs, WOS_ARRAY_LEN(descs))};
    const char *pairs[] = {array_literal(b, pair_roles, npairs),
                           array_literal(b, pair_codes, npairs)};
    if (!cat[0] || !cat[1] || !pairs[0] || !pairs[1])
        return WOS_ERROR;

    res = run(b, "permission catalogue",
              "INSERT INTO permissions (code, resource, action, description) "
              "SELECT c.code, split_part(c.code, '.', 1), substr(c.code, strpos(c.code, '.') + 1), "
              "c.description FROM unnest($1::text[], $2::text[]) AS c (code, description) "
              "ON CONFLICT (code) DO NOTHING RETURNING code",
              2, cat);
    if (!res)
        return WOS_ERROR;
    b->permissions_added = PQntuples(res);

    if (!run(b, "default bundles",
             "INSERT INTO role_default_permissions (role_name, permission_code) "
             "SELECT p.role_name, p.code "
             "FROM unnest($1::text[], $2::text[]) AS p (role_name, code) "
             "ON CONFLICT DO NOTHING",
             2, pairs))
        return WOS_ERROR;

    if (b->permissions_added == 0)
        return WOS_OK;
    const char **added = wos_arena_alloc(b->arena, sizeof(char *) * (size_t)b->permissions_added);
    if (!added)
        return WOS_ERROR;
    for (int i = 0; i < b->permissions_added; i++)
        added[i] = PQgetvalue(res, i, 0);
    const char *new_codes[] = {array_literal(b, added, (size_t)b->permissions_added)};
    if (!new_codes[0])
        return WOS_ERROR;
    return run(b, "new permissions for existing roles",
               "INSERT INTO role_permissions (workspace_id, role_id, permission_id) "
               "SELECT r.workspace_id, r.id, p.id FROM permissions p "
               "JOIN role_default_permissions d ON d.permission_code = p.code "
               "JOIN roles r ON r.name = d.role_name AND r.is_system "
               "WHERE p.code = ANY ($1::text[]) ON CONFLICT DO NOTHING",
               1, new_codes)
               ? WOS_OK
               : WOS_ERROR;
}

static int ensure_default_workspace(struct boot *b)
{
    const char *tz[] = {b->cfg->business_timezone};
    PGresult *res = run(b, "default workspace lookup",
                        "SELECT id FROM workspaces WHERE slug = 'default'", 0, NULL);

    if (!res)
        return WOS_ERROR;
    if (PQntuples(res) == 1) {
        b->workspace_id = PQgetvalue(res, 0, 0);
        return WOS_OK;
    }
    /* AT TIME ZONE refuses a zone name PostgreSQL does not know before anything is stored. */
    res = run(b, "default workspace creation",
              "INSERT INTO workspaces (name, slug, timezone) "
              "SELECT 'Default Workspace', 'default', $1::text "
              "WHERE (now() AT TIME ZONE $1::text) IS NOT NULL "
              "RETURNING id",
              1, tz);
    if (!res)
        return WOS_ERROR;
    b->workspace_id = PQgetvalue(res, 0, 0);
    b->workspace_created = true;
    return audit(b, "workspace.created", "workspace", b->workspace_id, "Default Workspace", NULL,
                 json_pack("{s:s, s:s, s:s}", "name", "Default Workspace", "slug", "default",
                           "timezone", b->cfg->business_timezone));
}

static int seed_workspaces(struct boot *b)
{
    char hours[24], grace[24];
    const char *params[] = {hours, grace};
    PGresult *res;

    snprintf(hours, sizeof(hours), "%ld", b->cfg->attendance_max_active_hours);
    snprintf(grace, sizeof(grace), "%ld", b->cfg->attendance_auto_close_grace_minutes);
    res = run(b, "workspace seeding",
              "SELECT coalesce(sum(wos_seed_workspace(id, $1::integer, $2::integer)), 0) "
              "FROM workspaces",
              2, params);
    if (!res)
        return WOS_ERROR;
    b->seeded_rows = strtol(PQgetvalue(res, 0, 0), NULL, 10);
    return WOS_OK;
}

/* Adds the admin's active admin membership of the default workspace. */
static int insert_admin_membership(struct boot *b, const char *user_id)
{
    const char *params[] = {b->workspace_id, user_id};
    PGresult *res = run(b, "admin membership",
                        "INSERT INTO memberships (workspace_id, user_id, role_id, status, "
                        "department, designation, joined_at) "
                        "SELECT $1, $2, r.id, 'active', 'Operations', 'System Administrator', "
                        "now() "
                        "FROM roles r WHERE r.workspace_id = $1 AND r.name = 'admin'",
                        2, params);

    if (!res)
        return WOS_ERROR;
    if (strcmp(PQcmdTuples(res), "1") != 0) {
        wos_log(NULL, WOS_LOG_ERROR, "bootstrap: the default workspace has no admin role");
        return WOS_ERROR;
    }
    return WOS_OK;
}

/*
 * The admin password fingerprint (migration 0011): HMAC-SHA256 under a key
 * derived from SECRET_KEY of the configured password and the stored hash.
 * A match proves the configured password is the one behind the stored hash
 * without a bcrypt verification (~200 ms at cost 12) on every start; any
 * change of the password, the hash or SECRET_KEY misses it and takes the
 * bcrypt path once. Whoever can recompute it holds SECRET_KEY, which sits
 * beside BOOTSTRAP_ADMIN_PASSWORD in the same environment.
 */
static int admin_fingerprint(const struct boot *b, const char *stored_hash,
                             char out[WOS_SHA256_HEX_SIZE])
{
    const char *password = b->cfg->bootstrap_admin_password;
    size_t plen = strlen(password), hlen = strlen(stored_hash);
    char msg[WOS_PASSWORD_MAX_BYTES + 1 + WOS_PASSWORD_HASH_SIZE];

    if (plen > WOS_PASSWORD_MAX_BYTES || hlen >= WOS_PASSWORD_HASH_SIZE)
        return WOS_ERROR;
    memcpy(msg, password, plen);
    msg[plen] = '\0';
    memcpy(msg + plen + 1, stored_hash, hlen);
    int rc = wos_secret_hmac(b->cfg->app_secret_key, "wos bootstrap admin password v1", msg,
                             plen + 1 + hlen, out);
    explicit_bzero(msg, sizeof(msg));
    return rc;
}

static bool fingerprint_matches(const struct boot *b, const char *stored_hash, const char *stored)
{
    char fp[WOS_SHA256_HEX_SIZE];

    if (!stored || strlen(stored) != WOS_SHA256_HEX_SIZE - 1 ||
        admin_fingerprint(b, stored_hash, fp) != WOS_OK)
        return false;
    return CRYPTO_memcmp(fp, stored, WOS_SHA256_HEX_SIZE - 1) == 0;
}

static int store_fingerprint(struct boot *b, const char *hash)
{
    char fp[WOS_SHA256_HEX_SIZE];

    if (admin_fingerprint(b, hash, fp) != WOS_OK)
        return WOS_OK; /* no fingerprint: the next start verifies with bcrypt again */
    const char *params[] = {fp};
    return run(b, "admin password fingerprint",
               "INSERT INTO bootstrap_state (name, value) "
               "VALUES ('admin_password_fingerprint', $1) ON CONFLICT (name) DO UPDATE "
               "SET value = excluded.value, updated_at = now()",
               1, params)
               ? WOS_OK
               : WOS_ERROR;
}

static int create_admin(struct boot *b)
{
    char hash[WOS_PASSWORD_HASH_SIZE];
    const char *params[] = {b->email, b->name, hash, b->workspace_id};
    PGresult *res;
    const char *user_id;

    if (wos_password_hash(b->cfg->bootstrap_admin_password, (int)b->cfg->password_bcrypt_rounds,
                          hash) != WOS_OK) {
        wos_log(NULL, WOS_LOG_ERROR, "bootstrap: hashing the admin password failed");
        return WOS_ERROR;
    }
    res = run(b, "admin account",
              "INSERT INTO users (email, full_name, password_hash, status, current_workspace_id) "
              "VALUES (lower($1), $2, $3, 'active', $4) RETURNING id, email",
              4, params);
    if (!res || store_fingerprint(b, hash) != WOS_OK) {
        explicit_bzero(hash, sizeof(hash));
        return WOS_ERROR;
    }
    explicit_bzero(hash, sizeof(hash));
    user_id = PQgetvalue(res, 0, 0);
    b->email = PQgetvalue(res, 0, 1);
    if (insert_admin_membership(b, user_id) != WOS_OK)
        return WOS_ERROR;
    b->admin = ADMIN_CREATED;
    return audit(b, "bootstrap.admin_created", "user", user_id, b->name, NULL,
                 json_pack("{s:s, s:s, s:s, s:s}", "email", b->email, "full_name", b->name, "role",
                           "admin", "status", "active"));
}

/*
 * Brings the account's name, password and status, and its membership of the
 * default workspace, to the configured state, recording old and new values
 * of whatever differed in *old_v / *new_v. Never records a hash.
 */
static int reconcile_account(struct boot *b, PGresult *acct, json_t *old_v, json_t *new_v)
{
    const char *id = PQgetvalue(acct, 0, 0), *name = PQgetvalue(acct, 0, 1);
    const char *stored_hash = PQgetvalue(acct, 0, 2), *status = PQgetvalue(acct, 0, 3);
    bool no_current = PQgetisnull(acct, 0, 4);
    bool new_name = strcmp(name, b->name) != 0;
    bool new_status = strcmp(status, "active") != 0;
    char hash[WOS_PASSWORD_HASH_SIZE] = "";
    bool known = fingerprint_matches(b, stored_hash, PQgetvalue(acct, 0, 6));
    bool new_password = !known && !wos_password_verify(b->cfg->bootstrap_admin_password, stored_hash);

    if (new_password && wos_password_hash(b->cfg->bootstrap_admin_password,
                                          (int)b->cfg->password_bcrypt_rounds, hash) != WOS_OK) {
        wos_log(NULL, WOS_LOG_ERROR, "bootstrap: hashing the admin password failed");
        return WOS_ERROR;
    }
    if (!known && store_fingerprint(b, new_password ? hash : stored_hash) != WOS_OK) {
        explicit_bzero(hash, sizeof(hash));
        return WOS_ERROR;
    }
    if (!new_name && !new_password && !new_status && !no_current)
        return WOS_OK;

    const char *params[] = {id, new_name ? b->name : NULL, new_password ? hash : NULL,
                            b->workspace_id};
    PGresult *res = run(b, "admin account update",
                        "UPDATE users SET full_name = coalesce($2, full_name), "
                        "password_hash = coalesce($3, password_hash), status = 'active', "
                        "current_workspace_id = coalesce(current_workspace_id, $4::uuid) "
                        "WHERE id = $1",
                        4, params);
    explicit_bzero(hash, sizeof(hash));
    if (!res)
        return WOS_ERROR;
    if (new_name) {
        json_object_set_new(old_v, "full_name", json_string(name));
        json_object_set_new(new_v, "full_name", json_string(b->name));
    }
    if (new_status) {
        json_object_set_new(old_v, "status", json_string(status));
        json_object_set_new(new_v, "status", json_string("active"));
    }
    if (no_current) {
        json_object_set_new(old_v, "current_workspace_id", json_null());
        json_object_set_new(new_v, "current_workspace_id", json_string(b->workspace_id));
    }
    if (new_password) {
        /* the documented recovery path: the old password's sessions end with it */
        const char *uid[] = {id};
        if (!run(b, "admin session revocation",
                 "UPDATE auth_sessions SET revoked_at = now(), revoked_reason = 'password_reset' "
                 "WHERE user_id = $1 AND revoked_at IS NULL",
                 1, uid))
            return WOS_ERROR;
        json_object_set_new(new_v, "password_changed", json_true());
        wos_log(NULL, WOS_LOG_INFO,
                "bootstrap: admin password re-synced from "
                "BOOTSTRAP_ADMIN_PASSWORD");
    }
    return WOS_OK;
}

static int reconcile_membership(struct boot *b, const char *user_id, json_t *old_v, json_t *new_v)
{
    const char *params[] = {b->workspace_id, user_id};
    PGresult *res = run(b, "admin membership lookup",
                        "SELECT m.status, r.name FROM memberships m "
                        "JOIN roles r ON r.workspace_id = m.workspace_id AND r.id = m.role_id "
                        "WHERE m.workspace_id = $1 AND m.user_id = $2 FOR UPDATE OF m",
                        2, params);

    if (!res)
        return WOS_ERROR;
    if (PQntuples(res) == 0) {
        if (insert_admin_membership(b, user_id) != WOS_OK)
            return WOS_ERROR;
        json_object_set_new(old_v, "membership", json_null());
        json_object_set_new(new_v, "membership",
                            json_pack("{s:s, s:s}", "role", "admin", "status", "active"));
        return WOS_OK;
    }
    const char *status = PQgetvalue(res, 0, 0), *role = PQgetvalue(res, 0, 1);
    if (strcmp(status, "active") == 0 && strcmp(role, "admin") == 0)
        return WOS_OK;
    json_object_set_new(old_v, "membership",
                        json_pack("{s:s, s:s}", "role", role, "status", status));
    json_object_set_new(new_v, "membership",
                        json_pack("{s:s, s:s}", "role", "admin", "status", "active"));
    return run(b, "admin membership update",
               "UPDATE memberships m SET role_id = r.id, status = 'active' FROM roles r "
               "WHERE m.workspace_id = $1 AND m.user_id = $2 "
               "AND r.workspace_id = $1 AND r.name = 'admin'",
               2, params)
               ? WOS_OK
               : WOS_ERROR;
}

static int ensure_admin(struct boot *b)
{
    const char *params[] = {b->email};
    PGresult *acct = run(b, "admin lookup",
                         "SELECT id, full_name, password_hash, status, current_workspace_id, "
                         "email, (SELECT value FROM bootstrap_state "
                         "WHERE name = 'admin_password_fingerprint') "
                         "FROM users WHERE email = lower($1) FOR UPDATE",
                         1, params);
    json_t *old_v, *new_v;
    int rc;

    if (!acct)
        return WOS_ERROR;
    if (PQntuples(acct) == 0)
        return create_admin(b);
    b->email = PQgetvalue(acct, 0, 5);

    old_v = json_object();
    new_v = json_object();
    if (!old_v || !new_v) {
        json_decref(old_v);
        json_decref(new_v);
        return WOS_ERROR;
    }
    rc = reconcile_account(b, acct, old_v, new_v);
    if (rc == WOS_OK)
        rc = reconcile_membership(b, PQgetvalue(acct, 0, 0), old_v, new_v);
    if (rc == WOS_OK && json_object_size(new_v) > 0) {
        b->admin = ADMIN_RECONCILED;
        return audit(b, "bootstrap.admin_reconciled", "user", PQgetvalue(acct, 0, 0), b->name,
                     old_v, new_v);
    }
    json_decref(old_v);
    json_decref(new_v);
    return rc;
}

static int steps(struct boot *b)
{
    if (schema_ready(b) != WOS_OK || !run(b, "begin", "BEGIN", 0, NULL))
        return WOS_ERROR;
    if (seed_catalogue(b) != WOS_OK || ensure_default_workspace(b) != WOS_OK ||
        seed_workspaces(b) != WOS_OK || ensure_admin(b) != WOS_OK ||
        !run(b, "commit", "COMMIT", 0, NULL)) {
        PQclear(PQexec(b->conn, "ROLLBACK"));
        return WOS_ERROR;
    }
    return WOS_OK;
}

int wos_bootstrap_run(PGconn *conn, const struct wos_config *cfg)
{
    static const char *const outcome[] = {"unchanged", "created", "reconciled"};
    struct boot b = {.conn = conn, .cfg = cfg, .arena = wos_arena_new()};
    int rc;

    if (!b.arena)
        return WOS_ERROR;
    rc = check_config(&b);
    if (rc == WOS_OK)
        rc = steps(&b);
    if (rc == WOS_OK) {
        wos_log(NULL, WOS_LOG_INFO,
                "bootstrap: %d permission(s) added, %ld workspace row(s) seeded, default "
                "workspace %s, admin %s",
                b.permissions_added, b.seeded_rows, b.workspace_created ? "created" : "present",
                outcome[b.admin]);
        wos_log(NULL, WOS_LOG_INFO, "bootstrap admin ready: %s", b.email);
    } else {
        wos_log(NULL, WOS_LOG_ERROR, "bootstrap: failed; nothing was changed");
    }
    wos_arena_free(b.arena);
    return rc;
}

int wos_bootstrap_main(int argc, char **argv)
{
    const struct wos_config *cfg;
    PGconn *conn;
    int rc;

    if (argc > 1) {
        fprintf(stderr, "usage: wos bootstrap\n(unexpected argument '%s')\n", argv[1]);
        return 2;
    }
    if (wos_config_init() != WOS_OK)
        return 2;
    cfg = wos_cfg();
    conn = wos_db_connect(cfg->database_url, "wos-bootstrap");
    if (!conn) {
        fprintf(stderr, "bootstrap: cannot connect to the database\n");
        return 1;
    }
    if (wos_migrate_lock(conn, (int)cfg->migrate_lock_timeout_seconds) != WOS_OK) {
        fprintf(stderr, "bootstrap: could not take the migration lock\n");
        PQfinish(conn);
        return 1;
    }
    rc = wos_bootstrap_run(conn, cfg);
    wos_migrate_unlock(conn);
    PQfinish(conn);
    printf("bootstrap: %s\n", rc == WOS_OK ? "ok" : "failed");
    return rc == WOS_OK ? 0 : 1;
}
