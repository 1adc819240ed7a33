/*
 * ops.h: operations routes (spec 01 §6): POST /api/v1/ops/db/seed and
 * POST /api/v1/ops/db/bootstrap-admin, the HTTP faces of `wos seed` and
 * `wos bootstrap`, for admins of the default workspace only.
 */
#ifndef WOS_MODULES_OPS_H
#define WOS_MODULES_OPS_H

#include "http/request.h"

int wos_ops_seed(struct wos_req *req);
int wos_ops_bootstrap_admin(struct wos_req *req);

#endif
