/*
 * routes.c (attendance): the HTTP side of spec 04. Each handler validates its
 * body or query (422 on bad input), then makes one call of its SQL function
 * (sql.c) with the caller's workspace and user id from the verified
 * principal, never from the request. Path ids that are not UUIDs are 404,
 * like any id the caller cannot see. The rules themselves, the scope checks
 * and the audit rows are in migrations 0006/0007.
 */
#include "modules/attendance/attendance.h"
#include "modules/attendance/attendance_int.h"

#include "core/config.h"
#include "http/validate.h"
#include "modules/users/people.h"

#include <ctype.h>
#include <stdlib.h>
#include <string.h>

#define NOTE_MAX 2000
#define PAGE_DEFAULT 50
#define PAGE_MAX 200

static const char *const work_modes[] = {"office", "wfh", NULL};
static const char *const break_types[] = {"dinner", "prayer", "other", NULL};
static const char *const actions[] = {"approve", "reject", "clarify", NULL};
static const char *const classifications[] = {
    "active", "full_day", "half_day", "short_leave", "insufficient", "full_leave", "leave", NULL};
static const char *const views[] = {"me", "team", "workspace", NULL};
static const char *const exception_statuses[] = {"open", "resolved", "dismissed", "all", NULL};
static const char *const exception_types[] = {
    "late",     "early",           "missing_checkout",   "absent",
    "overtime", "active_too_long", "correction_request", NULL};
static const char *const exception_scopes[] = {"my_team", "organization", NULL};

/* ---- small helpers ---- */

/* EOD_POST_SHIFT_GRACE_HOURS as a statement parameter. */
static const char *grace_hours(struct wos_req *req)
{
    return wos_arena_printf(req->arena, "%ld", wos_cfg()->eod_post_shift_grace_hours);
}

static size_t trimmed_len(const char *s)
{
    if (!s)
        return 0;
    while (*s && isspace((unsigned char)*s))
        s++;
    size_t n = strlen(s);
    while (n > 0 && isspace((unsigned char)s[n - 1]))
        n--;
    return n;
}

/* The path id, or NULL after replying 404 `message` when it is not a UUID. */
static const char *path_id(struct wos_req *req, const char *name, const char *message)
{
    const char *id;
    return wos_people_path_uuid(req, name, message, &id) == WOS_OK ? id : NULL;
}

/* The filters shared by the history views and the export. */
struct filters {
    const char *from, *to, *user, *dept, *cls, *mode;
};

static int read_filters(struct wos_req *req, struct filters *f)
{
    if (wos_people_query_date(req, "date_from", &f->from) ||
        wos_people_query_date(req, "date_to", &f->to) ||
        wos_people_query_uuid(req, "user_id", &f->user) ||
        wos_people_query_uuid(req, "department_id", &f->dept) ||
        wos_people_query_choice(req, "classification", classifications, &f->cls) ||
        wos_people_query_choice(req, "work_mode", work_modes, &f->mode))
        return WOS_ERROR;
    if (f->from && f->to && strcmp(f->to, f->from) < 0)
        return wos_reply_invalid(req, "date_to", "Must not be before date_from."), WOS_ERROR;
    return WOS_OK;
}

/* ---- check-in, check-out, active, today ---- */

int wos_attendance_check_in(struct wos_req *req)
{
    static const struct wos_field f[] = {
        {.name = "work_mode", .type = WOS_F_STRING, .required = 1, .choices = work_modes},
        {.name = "note", .type = WOS_F_STRING, .nullable = 1, .max = NOTE_MAX},
    };
    if (wos_validate_body(req, f, WOS_ARRAY_LEN(f)) != WOS_OK)
        return WOS_OK;
    const char *params[] = {req->who.workspace_id, req->who.user_id, wos_json_str(req, "work_mode"),
                            wos_json_str(req, "note"), grace_hours(req)};
    return wos_att_run(req, ATT_CHECK_IN, params, NULL);
}

int wos_attendance_check_out(struct wos_req *req)
{
    static const struct wos_field f[] = {
        {.name = "checkout_after_shift_reason", .type = WOS_F_STRING, .nullable = 1, .max = 100},
        {.name = "checkout_after_shift_note", .type = WOS_F_STRING, .nullable = 1, .max = NOTE_MAX},
        {.name = "early_checkout_reason", .type = WOS_F_STRING, .nullable = 1, .max = NOTE_MAX},
    };
    /* The body is optional: a plain check-out within the shift needs none. */
    if (req->body.len > 0 && wos_validate_body(req, f, WOS_ARRAY_LEN(f)) != WOS_OK)
        return WOS_OK;
    const char *params[] = {
        req->who.workspace_id, req->who.user_id, wos_json_str(req, "checkout_after_shift_reason"),
        wos_json_str(req, "checkout_after_shift_note"), wos_json_str(req, "early_checkout_reason")};
    return wos_att_run(req, ATT_CHECK_OUT, params, NULL);
}

int wos_attendance_active(struct wos_req *req)
{
    const char *params[] = {req->who.workspace_id, req->who.user_id};
    return wos_att_run(req, ATT_ACTIVE, params, NULL);
}

int wos_attendance_today(struct wos_req *req)
{
    const char *params[] = {req->who.workspace_id, req->who.user_id, grace_hours(req)};
    return wos_att_run(req, ATT_TODAY, params, NULL);
}

int wos_attendance_days(struct wos_req *req)
{
    const char *from, *to, *user;
    if (wos_people_query_date(req, "date_from", &from) ||
        wos_people_query_date(req, "date_to", &to) || wos_people_query_uuid(req, "user_id", &user))
        return WOS_OK;
    const char *params[] = {req->who.workspace_id, req->who.user_id, user, from, to};
    return wos_att_run(req, ATT_DAYS, params, NULL);
}

/* ---- history views and export ---- */

static int list_view(struct wos_req *req, const char *view)
{
    struct filters f;
    const char *limit, *offset;
    if (read_filters(req, &f) ||
        wos_people_query_int(req, "limit", PAGE_DEFAULT, 1, PAGE_MAX, &limit) ||
        wos_people_query_int(req, "offset", 0, 0, 1000000000L, &offset))
        return WOS_OK;
    const char *params[] = {req->who.workspace_id,
                            req->who.user_id,
                            view,
                            f.from,
                            f.to,
                            f.user,
                            f.dept,
                            f.cls,
                            f.mode,
                            limit,
                            offset,
                            req->client_ip,
                            req->request_id};
    return wos_att_run(req, ATT_LIST, params, NULL);
}

int wos_attendance_me(struct wos_req *req)
{
    return list_view(req, "me");
}

int wos_attendance_team(struct wos_req *req)
{
    return list_view(req, "team");
}

int wos_attendance_workspace(struct wos_req *req)
{
    return list_view(req, "workspace");
}

int wos_attendance_export(struct wos_req *req)
{
    struct filters f;
    const char *view;
    if (wos_people_query_choice(req, "view", views, &view) || read_filters(req, &f))
        return WOS_OK;
    if (!view)
        view = "me";
    char *disposition = wos_arena_printf(
        req->arena, "attachment; filename=\"attendance-%s%s%s%s%s.csv\"", view, f.from ? "-" : "",
        f.from ? f.from : "", f.to ? "-" : "", f.to ? f.to : "");
    wos_reply_header(req, "Content-Disposition", disposition);
    const char *params[] = {
        req->who.workspace_id, req->who.user_id, view, f.from, f.to, f.user, f.dept, f.cls, f.mode,
        req->client_ip,        req->request_id};
    return wos_att_run(req, ATT_EXPORT, params, "text/csv; charset=utf-8");
}

/* ---- sessions and breaks ---- */

int wos_attendance_session(struct wos_req *req)
{
    const char *id = path_id(req, "id", "Session not found");
    if (!id)
        return WOS_OK;
    const char *params[] = {req->who.workspace_id, req->who.user_id, id};
    return wos_att_run(req, ATT_SESSION, params, NULL);
}

int wos_attendance_session_breaks(struct wos_req *req)
{
    const char *id = path_id(req, "id", "Session not found");
    if (!id)
        return WOS_OK;
    const char *params[] = {req->who.workspace_id, req->who.user_id, id};
    return wos_att_run(req, ATT_SESSION_BREAKS, params, NULL);
}

int wos_attendance_break_start(struct wos_req *req)
{
    static const struct wos_field f[] = {
        {.name = "break_type", .type = WOS_F_STRING, .required = 1, .choices = break_types},
        {.name = "note", .type = WOS_F_STRING, .nullable = 1, .max = NOTE_MAX},
    };
    if (wos_validate_body(req, f, WOS_ARRAY_LEN(f)) != WOS_OK)
        return WOS_OK;
    const char *params[] = {req->who.workspace_id, req->who.user_id,
                            wos_json_str(req, "break_type"), wos_json_str(req, "note")};
    return wos_att_run(req, ATT_BREAK_START, params, NULL);
}

int wos_attendance_break_end(struct wos_req *req)
{
    const char *params[] = {req->who.workspace_id, req->who.user_id};
    return wos_att_run(req, ATT_BREAK_END, params, NULL);
}

int wos_attendance_break_current(struct wos_req *req)
{
    const char *params[] = {req->who.workspace_id, req->who.user_id};
    return wos_att_run(req, ATT_BREAK_CURRENT, params, NULL);
}

/* ---- corrections ---- */

int wos_attendance_correction_request(struct wos_req *req)
{
    static const struct wos_field f[] = {
        {.name = "requested_check_in_at",
         .type = WOS_F_STRING,
         .nullable = 1,
         .format = WOS_FMT_DATETIME},
        {.name = "requested_check_out_at",
         .type = WOS_F_STRING,
         .nullable = 1,
         .format = WOS_FMT_DATETIME},
        {.name = "reason",
         .type = WOS_F_STRING,
         .required = 1,
         .trim_nonblank = 1,
         .max = NOTE_MAX},
    };
    const char *id = path_id(req, "session_id", "Session not found");
    if (!id || wos_validate_body(req, f, WOS_ARRAY_LEN(f)) != WOS_OK)
        return WOS_OK;
    const char *in = wos_json_str(req, "requested_check_in_at");
    const char *out = wos_json_str(req, "requested_check_out_at");
    if (!in && !out)
        return wos_reply_invalid(req, "requested_check_in_at",
                                 "Give requested_check_in_at, requested_check_out_at or both.");
    const char *params[] = {
        req->who.workspace_id, req->who.user_id, id, in, out, wos_json_str(req, "reason"),
        req->client_ip,        req->request_id};
    return wos_att_run(req, ATT_CORRECTION_REQUEST, params, NULL);
}

int wos_attendance_corrections_pending(struct wos_req *req)
{
    const char *limit, *offset;
    if (wos_people_query_int(req, "limit", PAGE_DEFAULT, 1, PAGE_MAX, &limit) ||
        wos_people_query_int(req, "offset", 0, 0, 1000000000L, &offset))
        return WOS_OK;
    const char *params[] = {req->who.workspace_id, req->who.user_id, req->client_ip,
                            req->request_id, limit, offset};
    return wos_att_run(req, ATT_CORRECTIONS_PENDING, params, NULL);
}

int wos_attendance_correction_resolve(struct wos_req *req)
{
    static const struct wos_field f[] = {
        {.name = "action", .type = WOS_F_STRING, .required = 1, .choices = actions},
        {.name = "check_in_at", .type = WOS_F_STRING, .nullable = 1, .format = WOS_FMT_DATETIME},
        {.name = "check_out_at", .type = WOS_F_STRING, .nullable = 1, .format = WOS_FMT_DATETIME},
        {.name = "manager_comment", .type = WOS_F_STRING, .nullable = 1, .max = NOTE_MAX},
    };
    const char *id = path_id(req, "session_id", "Session not found");
    if (!id || wos_validate_body(req, f, WOS_ARRAY_LEN(f)) != WOS_OK)
        return WOS_OK;
    const char *params[] = {req->who.workspace_id,
                            req->who.user_id,
                            id,
                            wos_json_str(req, "action"),
                            wos_json_str(req, "check_in_at"),
                            wos_json_str(req, "check_out_at"),
                            wos_json_str(req, "manager_comment"),
                            grace_hours(req),
                            req->client_ip,
                            req->request_id};
    return wos_att_run(req, ATT_CORRECTION_RESOLVE, params, NULL);
}

/* ---- exceptions ---- */

int wos_attendance_exceptions(struct wos_req *req)
{
    const char *date, *start, *end, *status, *type, *user, *dept, *scope;
    if (wos_people_query_date(req, "date", &date) ||
        wos_people_query_date(req, "start_date", &start) ||
        wos_people_query_date(req, "end_date", &end) ||
        wos_people_query_choice(req, "status", exception_statuses, &status) ||
        wos_people_query_choice(req, "type", exception_types, &type) ||
        wos_people_query_uuid(req, "user_id", &user) ||
        wos_people_query_uuid(req, "department_id", &dept) ||
        wos_people_query_choice(req, "scope", exception_scopes, &scope))
        return WOS_OK;
    /* scope only names the page the caller came from: visibility follows the role. */
    (void)scope;
    const char *search, *limit, *offset;
    if (wos_people_query_text(req, "search", 100, &search) != WOS_OK ||
        wos_people_query_int(req, "limit", PAGE_DEFAULT, 1, PAGE_MAX, &limit) ||
        wos_people_query_int(req, "offset", 0, 0, 1000000000L, &offset))
        return WOS_OK;
    const char *params[] = {req->who.workspace_id,
                            req->who.user_id,
                            date,
                            start,
                            end,
                            status,
                            type,
                            user,
                            dept,
                            search,
                            limit,
                            offset};
    return wos_att_run(req, ATT_EXCEPTIONS, params, NULL);
}

static int exception_close(struct wos_req *req, const char *action, int note_required)
{
    static const struct wos_field required_note[] = {
        {.name = "resolution_note",
         .type = WOS_F_STRING,
         .required = 1,
         .trim_nonblank = 1,
         .min = 3,
         .max = NOTE_MAX},
    };
    static const struct wos_field optional_note[] = {
        {.name = "resolution_note", .type = WOS_F_STRING, .nullable = 1, .max = NOTE_MAX},
    };
    const char *id = path_id(req, "id", "Attendance exception not found");
    if (!id)
        return WOS_OK;
    if (note_required || req->body.len > 0) {
        const struct wos_field *f = note_required ? required_note : optional_note;
        if (wos_validate_body(req, f, 1) != WOS_OK)
            return WOS_OK;
    }
    const char *note = wos_json_str(req, "resolution_note");
    if (note_required && trimmed_len(note) < 3)
        return wos_reply_invalid(req, "resolution_note", "Must be at least 3 characters.");
    const char *params[] = {req->who.workspace_id, req->who.user_id, id, action, note,
                            req->client_ip,        req->request_id};
    return wos_att_run(req, ATT_EXCEPTION_CLOSE, params, NULL);
}

int wos_attendance_exception_resolve(struct wos_req *req)
{
    return exception_close(req, "resolve", 1);
}

int wos_attendance_exception_dismiss(struct wos_req *req)
{
    return exception_close(req, "dismiss", 0);
}
