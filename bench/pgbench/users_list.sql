-- GET /api/v1/users?limit=50: src/modules/users/routes.c (wos_users_list), no filters, sorted by
-- full_name ascending, behind the pipelined principal check; one round trip.
\startpipeline
SELECT wos_auth_principal(:sid::uuid, :uid::uuid, :ws::uuid, :role, NULL);
SELECT wos_members_list(:ws::uuid, :uid::uuid, NULL, NULL::uuid, NULL::uuid, NULL::uuid, NULL,
    NULL, NULL, :sort, :desc::boolean, :limit::integer, :offset::integer, :ttl::integer);
\endpipeline
