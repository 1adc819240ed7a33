-- message: job worker: attempt bookkeeping, due-job index, enqueue and schedule helpers
-- wos:allow non-concurrent-index
--
-- The durable queue of spec 10 §1.2 (src/jobs/, docs/jobs.md). The index is built inside the
-- migration's transaction on purpose: no release with the jobs table has shipped yet, so it
-- holds no production rows to block.
--
-- Job life cycle (column status):
--   queued  -> running -> done | skipped
--                      -> failed  (the attempt failed; claimable again at run_at)
--                      -> dead    (max_attempts reached, or a permanent error)
--   running with an expired lease (its worker died) -> failed, or dead on its last attempt.
--   dead | failed | skipped -> queued by `wos jobs retry` or the admin retry route.
-- Added columns:
--   started_at  when the current (or last) attempt started
--   result      what the handler recorded: an e-mail's Message-ID and when the SMTP server
--               accepted it, a cleanup's counts; merged across attempts

ALTER TABLE jobs ADD COLUMN started_at timestamptz, ADD COLUMN result jsonb;
ALTER TABLE jobs ALTER COLUMN max_attempts SET DEFAULT 10;
ALTER TABLE jobs ADD CONSTRAINT ck_jobs_kind
    CHECK (kind ~ '^[a-z][a-z0-9_]*(\.[a-z][a-z0-9_]*)*$');
ALTER TABLE jobs ADD CONSTRAINT ck_jobs_payload CHECK (jsonb_typeof(payload) = 'object');
ALTER TABLE jobs ADD CONSTRAINT ck_jobs_email_payload
    CHECK (kind <> 'email' OR (jsonb_typeof(payload -> 'template') = 'string'
                               AND jsonb_typeof(payload -> 'to') = 'string'));
ALTER TABLE jobs ADD CONSTRAINT ck_jobs_result CHECK (jsonb_typeof(result) = 'object');

-- What workers claim: queued or failed jobs whose run_at has come.
CREATE INDEX ix_jobs_due ON jobs (run_at) WHERE status IN ('queued', 'failed');

-- Enqueues one job in the caller's transaction and returns its id. With an idempotency key
-- already used by a job of the same kind, nothing is inserted and that job's id is returned.
-- max_attempts NULL takes the column default.
CREATE FUNCTION wos_job_enqueue(p_kind text, p_payload jsonb, p_key text DEFAULT NULL,
    p_ws uuid DEFAULT NULL, p_run_at timestamptz DEFAULT NULL,
    p_max_attempts integer DEFAULT NULL)
RETURNS uuid
LANGUAGE plpgsql AS $$
DECLARE
    v_id uuid;
BEGIN
    INSERT INTO jobs (kind, payload, idempotency_key, workspace_id, run_at, max_attempts)
    VALUES (p_kind, p_payload, p_key, p_ws, coalesce(p_run_at, now()),
            coalesce(p_max_attempts, 10))
    ON CONFLICT (kind, idempotency_key) WHERE idempotency_key IS NOT NULL DO NOTHING
    RETURNING id INTO v_id;
    IF v_id IS NULL THEN
        SELECT j.id INTO v_id FROM jobs j WHERE j.kind = p_kind AND j.idempotency_key = p_key;
    END IF;
    RETURN v_id;
END
$$;

-- One scheduler tick (src/jobs/scheduler.c): for each schedule given as parallel arrays,
-- computes the period that contains now() and enqueues its run unless that period's run
-- exists. Every-N-seconds periods are aligned on the Unix epoch; daily periods start at HH:MM
-- in the workspace's timezone (per-workspace schedules) or in p_default_tz, falling back to
-- UTC when the name is unknown. The idempotency key is
-- "schedule:<name>:[<workspace id>:]<period start, UTC>", so a period never runs twice.
-- Returns the runs it enqueued.
CREATE FUNCTION wos_jobs_schedule_tick(p_names text[], p_kinds text[], p_every integer[],
    p_at text[], p_per_ws boolean[], p_max_attempts integer[], p_default_tz text)
RETURNS TABLE (kind text, idempotency_key text, workspace_id uuid)
LANGUAGE sql AS $$
    WITH s AS (
        SELECT * FROM unnest(p_names, p_kinds, p_every, p_at, p_per_ws, p_max_attempts)
            AS s(name, kind, every, at, per_ws, max_attempts)
    ), scoped AS (
        SELECT s.*, w.id AS ws, w.timezone AS ws_tz
          FROM s LEFT JOIN workspaces w ON s.per_ws
         WHERE NOT s.per_ws OR w.id IS NOT NULL
    ), zones AS MATERIALIZED (
        SELECT z.name FROM pg_timezone_names z
         WHERE EXISTS (SELECT 1 FROM scoped WHERE scoped.every = 0)
    ), zoned AS (
        SELECT sc.*, coalesce((SELECT z.name FROM zones z WHERE z.name = sc.ws_tz),
                              (SELECT z.name FROM zones z WHERE z.name = p_default_tz),
                              'UTC') AS tz
          FROM scoped sc
    ), periods AS (
        SELECT z.name, z.kind, z.ws, z.max_attempts,
               CASE WHEN z.every > 0
                    THEN to_timestamp(floor(extract(epoch FROM now()) / z.every) * z.every)
                    ELSE (((now() AT TIME ZONE z.tz) - z.at::interval)::date + z.at::time)
                         AT TIME ZONE z.tz
               END AS period_start
          FROM zoned z
    )
    INSERT INTO jobs AS j (kind, payload, idempotency_key, workspace_id, max_attempts)
    SELECT p.kind,
           jsonb_build_object('schedule', p.name, 'period_start', p.period_start,
                              'workspace_id', p.ws),
           'schedule:' || p.name || ':' || coalesce(p.ws::text || ':', '')
               || to_char(p.period_start AT TIME ZONE 'UTC', 'YYYY-MM-DD"T"HH24:MI:SS"Z"'),
           p.ws, p.max_attempts
      FROM periods p
    ON CONFLICT (kind, idempotency_key) WHERE idempotency_key IS NOT NULL DO NOTHING
    RETURNING j.kind, j.idempotency_key, j.workspace_id
$$;
