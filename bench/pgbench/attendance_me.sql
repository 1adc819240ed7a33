-- GET /api/v1/attendance/me: src/modules/attendance/routes.c (list_view "me") with the
-- statement of src/modules/attendance/sql.c (ATT_LIST), no filters, limit 50, behind the
-- pipelined principal check; one round trip.
\startpipeline
SELECT wos_auth_principal(:sid::uuid, :uid::uuid, :ws::uuid, :role, NULL);
SELECT status, body FROM wos_attendance_list(:ws::uuid, :uid::uuid, :view::text, NULL::date,
    NULL::date, NULL::uuid, NULL::uuid, NULL::text, NULL::text, :limit::integer, :offset::integer,
    :ip::text, :rid::text, now());
\endpipeline
