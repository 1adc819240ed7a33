DROP FUNCTION wos_jobs_schedule_tick(text[], text[], integer[], text[], boolean[], integer[],
    text);
DROP FUNCTION wos_job_enqueue(text, jsonb, text, uuid, timestamptz, integer);
DROP INDEX ix_jobs_due;
ALTER TABLE jobs DROP CONSTRAINT ck_jobs_result;
ALTER TABLE jobs DROP CONSTRAINT ck_jobs_email_payload;
ALTER TABLE jobs DROP CONSTRAINT ck_jobs_payload;
ALTER TABLE jobs DROP CONSTRAINT ck_jobs_kind;
ALTER TABLE jobs ALTER COLUMN max_attempts DROP DEFAULT;
ALTER TABLE jobs DROP COLUMN result, DROP COLUMN started_at;
