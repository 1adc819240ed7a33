-- POST /api/v1/attendance/check-in then POST /api/v1/attendance/check-out:
-- src/modules/attendance/routes.c with the statements of src/modules/attendance/sql.c
-- (ATT_CHECK_IN, ATT_CHECK_OUT), each behind the pipelined principal check: two round trips,
-- two commits. One transaction of this script is two HTTP requests.
\startpipeline
SELECT wos_auth_principal(:sid::uuid, :uid::uuid, :ws::uuid, :role, NULL);
SELECT status, body FROM wos_attendance_check_in(:ws::uuid, :uid::uuid, :mode::text, NULL::text,
    :grace::integer, now());
\endpipeline
\startpipeline
SELECT wos_auth_principal(:sid::uuid, :uid::uuid, :ws::uuid, :role, NULL);
SELECT status, body FROM wos_attendance_check_out(:ws::uuid, :uid::uuid, :after_reason::text,
    :after_note::text, :early_reason::text, now());
\endpipeline
