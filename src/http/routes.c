/*
 * routes.c: every route of the API, in one table. The dispatcher enforces
 * each row (authentication unless PUBLIC, the permission key, JSON bodies,
 * body limits); docs/openapi.json describes the same set, and a test holds
 * the two to each other. Within a path, literal segments win over
 * parameters, so the order of rows does not matter.
 */
#include "http/router.h"
#include "jobs/jobs.h"
#include "modules/auth/auth_module.h"
#include "modules/ops/ops.h"
#include "modules/system/system.h"
#include "modules/workspaces/workspaces.h"

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
    /* auth (spec 02) */
    {"POST", "/api/v1/auth/login", wos_auth_login, NULL, PUBLIC | JSON, 16 * 1024,
     "Sign in: token pair, profile, current workspace and permissions"},
    {"POST", "/api/v1/auth/refresh", wos_auth_refresh, NULL, PUBLIC | JSON, 16 * 1024,
     "Rotate a refresh token into a new token pair"},
    {"POST", "/api/v1/auth/logout", wos_auth_logout, NULL, JSON, 16 * 1024,
     "Sign out of this session"},
    {"POST", "/api/v1/auth/logout-all", wos_auth_logout_all, NULL, 0, 1024,
     "Sign out of every session of the account"},
    {"GET", "/api/v1/auth/sessions", wos_auth_sessions_list, NULL, 0, 0,
     "My live sessions (device, IP, created, last used, current)"},
    {"DELETE", "/api/v1/auth/sessions/:id", wos_auth_session_delete, NULL, 0, 0,
     "Revoke one of my sessions"},
    {"GET", "/api/v1/auth/me/permissions", wos_auth_my_permissions, NULL, 0, 0,
     "My resolved permission keys in the current workspace"},
    {"POST", "/api/v1/auth/forgot-password", wos_auth_forgot_password, NULL, PUBLIC | JSON,
     16 * 1024, "E-mail a password reset link (same answer for unknown addresses)"},
    {"POST", "/api/v1/auth/reset-password", wos_auth_reset_password, NULL, PUBLIC | JSON,
     16 * 1024, "Set a new password with a reset token; ends every session"},
    {"POST", "/api/v1/auth/activate-account", wos_auth_activate_account, NULL, PUBLIC | JSON,
     16 * 1024, "Accept an invitation: set the password and activate the account"},
    {"GET", "/api/v1/auth/invitation", wos_auth_invitation, NULL, PUBLIC, 0,
     "Who an invitation token is for (the activation page)"},
    {"POST", "/api/v1/auth/register", wos_auth_register, NULL, PUBLIC | JSON, 16 * 1024,
     "Create an account and its personal workspace (when SIGNUP_ENABLED)"},
    /* users: the caller's own account and invitations (spec 03 §3.4, §3.11) */
    {"GET", "/api/v1/users/me", wos_auth_me, NULL, 0, 0, "My profile in the current workspace"},
    {"PATCH", "/api/v1/users/me", wos_auth_me_update, NULL, JSON, 16 * 1024,
     "Change my name, phone or password"},
    {"POST", "/api/v1/users", wos_auth_invite, "users.create", JSON, 16 * 1024,
     "Invite a member into the current workspace (or create one with a password)"},
    /* workspaces (spec 02 §13) */
    {"GET", "/api/v1/workspaces", wos_workspaces_list, NULL, 0, 0, "My workspaces and my role"},
    {"POST", "/api/v1/workspaces", wos_workspaces_create, NULL, JSON, 16 * 1024,
     "Create a workspace; I become its admin"},
    {"POST", "/api/v1/workspaces/:id/switch", wos_workspaces_switch, NULL, 0, 1024,
     "Move my session into another of my workspaces (new token pair)"},
    /* background jobs (spec 10 §1.2): admin role, checked by the handlers */
    {"GET", "/api/v1/admin/jobs", wos_jobs_admin_list, NULL, 0, 0,
     "Background jobs of this workspace, dead ones by default (admin)"},
    {"POST", "/api/v1/admin/jobs/:id/retry", wos_jobs_admin_retry, NULL, 0, 0,
     "Queue a dead, failed or skipped job again (admin)"},
    /* ops (spec 01 §6): admins of the default workspace */
    {"POST", "/api/v1/ops/db/seed", wos_ops_seed, NULL, JSON, 1024,
     "Build the development workspace 'demo' (refused in production)"},
    {"POST", "/api/v1/ops/db/bootstrap-admin", wos_ops_bootstrap_admin, NULL, 0, 1024,
     "Run the bootstrapper: permissions, roles, default workspace, admin account"},
};

const size_t wos_routes_count = sizeof(wos_routes) / sizeof(wos_routes[0]);
