/*
 * balances.c (leave): leave balances over HTTP (spec 05 §11). Reads are
 * scoped like the request lists (a member outside the caller's scope is
 * 404); an adjustment is admin/HR only, checked here before the body is
 * validated (spec 00 §4.3: authorization first on role-gated writes) and
 * again in SQL, which also refuses a caller adjusting their own balance.
 * The arithmetic (business days, half days, years) is in migration
 * 0008_leave_api.
 */
#include "modules/leave/leave.h"

#include "http/validate.h"
#include "modules/users/people.h"

#include <string.h>

#define ADJUST_REASON_MAX 500
#define ADJUST_MAX_DAYS 366.0

static const char *const leave_types[] = {"sick", "casual", "annual", "half_day", "wfh", NULL};

WOS_STMT(st_balances, "SELECT status, body FROM wos_leave_balances($1::uuid, $2::uuid, "
                      "$3::uuid, $4::integer, now())");
WOS_STMT(st_adjust, "SELECT status, body FROM wos_leave_balance_adjust($1::uuid, $2::uuid, "
                    "$3::uuid, $4, $5::integer, $6::numeric, $7, $8, $9, now())");

/* ?year= (2000-9999), NULL when absent: the current year of the workspace. */
static int query_year(struct wos_req *req, const char **out)
{
    const char *v = wos_req_query(req, "year");
    if (!v || !*v) {
        *out = NULL;
        return WOS_OK;
    }
    return wos_people_query_int(req, "year", 0, 2000, 9999, out);
}

/* GET /leaves/balances/me?year= : my balances of every type, with the year's adjustments */
int wos_leave_balances_me(struct wos_req *req)
{
    const char *year;
    if (query_year(req, &year) != WOS_OK)
        return WOS_OK;
    const char *params[] = {req->who.workspace_id, req->who.user_id, req->who.user_id, year};
    return wos_people_run(req, &st_balances, 4, params, NULL);
}

/* GET /leaves/balances?user_id=&year= : one member of my scope, or everyone in it */
int wos_leave_balances(struct wos_req *req)
{
    const char *user, *year;
    if (wos_people_query_uuid(req, "user_id", &user) != WOS_OK || query_year(req, &year))
        return WOS_OK;
    const char *params[] = {req->who.workspace_id, req->who.user_id, user, year};
    return wos_people_run(req, &st_balances, 4, params, NULL);
}

/* POST /leaves/balances/adjust {user_id, leave_type, year?, delta_days, reason} */
int wos_leave_balance_adjust(struct wos_req *req)
{
    if (strcmp(req->who.role, "admin") != 0 && strcmp(req->who.role, "hr_operations") != 0)
        return wos_reply_error(req, 403, "Only administrators and HR can adjust leave balances.",
                               NULL);
    static const struct wos_field fields[] = {
        {.name = "user_id", .type = WOS_F_STRING, .required = 1, .format = WOS_FMT_UUID},
        {.name = "leave_type", .type = WOS_F_STRING, .required = 1, .choices = leave_types},
        {.name = "year", .type = WOS_F_INT, .nullable = 1, .min = 2000, .max = 9999},
        {.name = "delta_days", .type = WOS_F_NUMBER, .required = 1},
        {.name = "reason",
         .type = WOS_F_STRING,
         .required = 1,
         .trim_nonblank = 1,
         .max = ADJUST_REASON_MAX},
    };
    if (wos_validate_body(req, fields, WOS_ARRAY_LEN(fields)) != WOS_OK)
        return WOS_OK;
    double delta = json_number_value(json_object_get(req->json, "delta_days"));
    /* in range first, so the conversion to an integer below is defined */
    if (!(delta >= -ADJUST_MAX_DAYS && delta <= ADJUST_MAX_DAYS) || delta == 0.0 ||
        (double)(long long)(delta * 2.0) != delta * 2.0)
        return wos_reply_invalid(req, "delta_days",
                                 "Must be a non-zero multiple of 0.5 between -366 and 366.");
    const char *year = NULL;
    if (wos_json_has(req, "year") && json_is_integer(json_object_get(req->json, "year")))
        year = wos_arena_printf(req->arena, "%lld", wos_json_int(req, "year", 0));
    const char *params[] = {req->who.workspace_id,
                            req->who.user_id,
                            wos_json_str(req, "user_id"),
                            wos_json_str(req, "leave_type"),
                            year,
                            wos_arena_printf(req->arena, "%.1f", delta),
                            wos_json_str(req, "reason"),
                            req->client_ip,
                            req->request_id};
    return wos_people_run(req, &st_adjust, 9, params, NULL);
}
