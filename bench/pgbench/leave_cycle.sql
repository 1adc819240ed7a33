-- POST /api/v1/leaves then POST /api/v1/leaves/{id}/cancel: src/modules/leave/routes.c
-- (wos_leave_create, wos_leave_cancel), each behind the pipelined principal check (the create
-- route needs leave.apply). One transaction of this script is two HTTP requests.
--
-- The server reads the new id from the create's reply; pgbench cannot read results inside a
-- pipeline, so this script fetches it with one extra indexed lookup (marked bench-only, left
-- out of the statement comparison). That lookup only lowers this ceiling.
--
-- :n counts this client's requests; day n of the calendar "1st-28th of each month from 2031"
-- is written YYYYMMDD, which PostgreSQL reads as a date (the same days as leave_cycle.lua).
\set n :n + 1
\set d (2031 + :n / 336) * 10000 + (1 + (:n / 28) % 12) * 100 + 1 + :n % 28
\startpipeline
SELECT wos_auth_principal(:sid::uuid, :uid::uuid, :ws::uuid, :role, :perm_apply);
SELECT status, body FROM wos_leave_create(:ws::uuid, :uid::uuid, :d::date, :d::date, :ltype,
    :half::boolean, NULL, :reason, :ip, :rid);
\endpipeline
/* bench-only */ SELECT id AS leave_id FROM leave_requests
    WHERE workspace_id = :ws::uuid AND user_id = :uid::uuid AND start_date = :d::date
      AND status = 'pending' \gset
\startpipeline
SELECT wos_auth_principal(:sid::uuid, :uid::uuid, :ws::uuid, :role, NULL);
SELECT status, body FROM wos_leave_cancel(:ws::uuid, :uid::uuid, :leave_id::uuid, :ip, :rid);
\endpipeline
