-- GET /api/v1/leaves: src/modules/leave/routes.c (wos_leave_list), no filters, limit 50,
-- behind the pipelined principal check; one round trip.
\startpipeline
SELECT wos_auth_principal(:sid::uuid, :uid::uuid, :ws::uuid, :role, NULL);
SELECT status, body FROM wos_leave_list(:ws::uuid, :uid::uuid, NULL, NULL::uuid, NULL::date,
    NULL::date, NULL, :limit::integer, :offset::integer);
\endpipeline
