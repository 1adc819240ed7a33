-- GET /api/v1/users/me: src/modules/auth/account.c (wos_auth_me) behind the principal check
-- that src/db/db.c pipelines in front of a request's first statement; one round trip.
\startpipeline
SELECT wos_auth_principal(:sid::uuid, :uid::uuid, :ws::uuid, :role, NULL);
SELECT wos_user_read(:ws::uuid, :uid::uuid, :ttl::integer);
\endpipeline
