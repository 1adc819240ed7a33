/*
 * routes.c: every route of the API, in one table. The dispatcher enforces
 * each row (authentication unless PUBLIC, the permission key, JSON bodies,
 * body limits); docs/openapi.json describes the same set, and a test holds
 * the two to each other. Within a path, literal segments win over
 * parameters, so the order of rows does not matter.
 */
#include "http/router.h"
#include "modules/system/system.h"

#define PUBLIC WOS_ROUTE_PUBLIC
#define JSON WOS_ROUTE_JSON

const struct wos_route wos_routes[] = {
    /* system */
    {"GET", "/", wos_system_root, NULL, PUBLIC, 0, "Welcome message (the web UI for browsers)"},
    {"GET", "/health", wos_system_health, NULL, PUBLIC, 0, "Liveness: no dependency touched"},
    {"GET", "/api/v1/health", wos_system_api_health, NULL, PUBLIC, 0,
     "Readiness: database, Redis, job queue"},
    {"GET", "/api/v1/openapi.json", wos_system_openapi, NULL, PUBLIC | WOS_ROUTE_DEV_ONLY, 0,
     "This API description (not in production)"},
};

const size_t wos_routes_count = sizeof(wos_routes) / sizeof(wos_routes[0]);
