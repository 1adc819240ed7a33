/*
 * announcements.c: announcements (spec 08 §3 with its product decisions).
 * Content is Markdown; content_html is rendered here at write time (md4c,
 * raw HTML escaped, then sanitized: core/markdown.c) and stored, so reads
 * never render. Lifecycle draft -> active -> archived, audience (all or a
 * role), optional department targeting, priority, schedule window. Creating
 * or activating fans out in-app notifications (and e-mail jobs when
 * notify_email) in the same transaction (wos_announcement_fan_out).
 * GET /announcements and /announcements/all are paged like GET /users
 * (modules/paging.h); /visible and /active have their own small limit.
 */
#include "modules/governance/governance.h"
#include "modules/paging.h"
#include "modules/users/people.h"

#include "core/common.h"
#include "core/config.h"
#include "core/markdown.h"
#include "http/validate.h"

#include <string.h>

WOS_STMT(stmt_create, WOS_OUTCOME_SQL("wos_announcement_create($1::uuid, $2::uuid, $3::jsonb, "
                                      "$4, $5, $6, $7)"));
WOS_STMT(stmt_update, WOS_OUTCOME_SQL("wos_announcement_update($1::uuid, $2::uuid, $3::uuid, "
                                      "$4::jsonb, $5, $6, $7, $8)"));
WOS_STMT(stmt_visible, "SELECT wos_announcements_visible($1::uuid, $2::uuid, $3::boolean, "
                       "$4::integer)");
WOS_STMT(stmt_active, "SELECT json_build_object('announcements', "
                      "wos_announcements_visible($1::uuid, $2::uuid, false, $3::integer), "
                      "'server_time', wos_utc_text(now()))");
WOS_STMT(stmt_page, "SELECT wos_announcements_page($1::uuid, $2::uuid, $3::integer, $4::integer)");
WOS_STMT(stmt_all, "SELECT wos_announcements_all_page($1::uuid, $2::integer, $3::integer)");

#define MAX_CONTENT 50000

static const char *const priorities[] = {"low", "normal", "high", NULL};
static const char *const create_statuses[] = {"draft", "active", NULL};
static const char *const statuses[] = {"draft", "active", "archived", NULL};

/* The sanitized HTML of the body's content, or NULL after replying 500. */
static const char *content_html(struct wos_req *req)
{
    const char *content = wos_json_str(req, "content");
    const char *html = wos_markdown_html(req->arena, content, strlen(content));
    if (!html)
        wos_reply_internal(req, "could not render an announcement");
    return html;
}

int wos_announcements_create(struct wos_req *req)
{
    static const struct wos_field fields[] = {
        {.name = "title",
         .type = WOS_F_STRING,
         .required = 1,
         .trim_nonblank = 1,
         .min = 1,
         .max = 255},
        {.name = "content",
         .type = WOS_F_STRING,
         .required = 1,
         .trim_nonblank = 1,
         .min = 1,
         .max = MAX_CONTENT},
        {.name = "audience", .type = WOS_F_STRING, .min = 1, .max = 50},
        {.name = "target_department_id",
         .type = WOS_F_STRING,
         .nullable = 1,
         .format = WOS_FMT_UUID},
        {.name = "priority", .type = WOS_F_STRING, .choices = priorities},
        {.name = "status", .type = WOS_F_STRING, .choices = create_statuses},
        {.name = "start_date", .type = WOS_F_STRING, .nullable = 1, .format = WOS_FMT_DATETIME},
        {.name = "end_date", .type = WOS_F_STRING, .nullable = 1, .format = WOS_FMT_DATETIME},
        {.name = "notify_email", .type = WOS_F_BOOL},
    };
    if (wos_validate_body(req, fields, WOS_ARRAY_LEN(fields)) != WOS_OK)
        return WOS_OK;
    const char *html = content_html(req);
    if (!html)
        return WOS_OK;
    const char *params[] = {
        req->who.workspace_id,        req->who.user_id, wos_people_body(req), html,
        wos_cfg()->frontend_base_url, req->client_ip,   req->request_id};
    return wos_people_reply_outcome(req, &stmt_create, 7, params);
}

int wos_announcements_update(struct wos_req *req)
{
    static const struct wos_field fields[] = {
        {.name = "title", .type = WOS_F_STRING, .trim_nonblank = 1, .min = 1, .max = 255},
        {.name = "content", .type = WOS_F_STRING, .trim_nonblank = 1, .min = 1, .max = MAX_CONTENT},
        {.name = "audience", .type = WOS_F_STRING, .min = 1, .max = 50},
        {.name = "target_department_id",
         .type = WOS_F_STRING,
         .nullable = 1,
         .format = WOS_FMT_UUID},
        {.name = "priority", .type = WOS_F_STRING, .choices = priorities},
        {.name = "status", .type = WOS_F_STRING, .choices = statuses},
        {.name = "start_date", .type = WOS_F_STRING, .nullable = 1, .format = WOS_FMT_DATETIME},
        {.name = "end_date", .type = WOS_F_STRING, .nullable = 1, .format = WOS_FMT_DATETIME},
        {.name = "notify_email", .type = WOS_F_BOOL},
    };
    const char *id, *html = NULL;
    if (wos_people_path_uuid(req, "id", "Announcement not found", &id) != WOS_OK ||
        wos_validate_body(req, fields, WOS_ARRAY_LEN(fields)) != WOS_OK)
        return WOS_OK;
    if (wos_json_str(req, "content") && !(html = content_html(req)))
        return WOS_OK;
    const char *params[] = {req->who.workspace_id,
                            req->who.user_id,
                            id,
                            wos_people_body(req),
                            html,
                            wos_cfg()->frontend_base_url,
                            req->client_ip,
                            req->request_id};
    return wos_people_reply_outcome(req, &stmt_update, 8, params);
}

static int visible(struct wos_req *req, const char *include_expired, const char *limit)
{
    const char *params[] = {req->who.workspace_id, req->who.user_id, include_expired, limit};
    return wos_people_reply_json(req, &stmt_visible, 4, params);
}

int wos_announcements_list(struct wos_req *req)
{
    const char *limit, *offset;
    if (wos_page_query(req, WOS_PAGE_DEFAULT, WOS_PAGE_MAX, &limit, &offset) != WOS_OK)
        return WOS_OK;
    const char *params[] = {req->who.workspace_id, req->who.user_id, limit, offset};
    return wos_people_reply_json(req, &stmt_page, 4, params);
}

int wos_announcements_visible(struct wos_req *req)
{
    const char *limit, *include_expired;
    if (wos_people_query_int(req, "limit", 5, 1, 50, &limit) != WOS_OK ||
        wos_people_query_bool(req, "include_expired", 0, &include_expired) != WOS_OK)
        return WOS_OK;
    return visible(req, include_expired, limit);
}

int wos_announcements_active(struct wos_req *req)
{
    const char *limit;
    if (wos_people_query_int(req, "limit", 10, 1, 50, &limit) != WOS_OK)
        return WOS_OK;
    const char *params[] = {req->who.workspace_id, req->who.user_id, limit};
    return wos_people_reply_json(req, &stmt_active, 3, params);
}

int wos_announcements_all(struct wos_req *req)
{
    const char *limit, *offset;
    if (wos_page_query(req, WOS_PAGE_DEFAULT, WOS_PAGE_MAX, &limit, &offset) != WOS_OK)
        return WOS_OK;
    const char *params[] = {req->who.workspace_id, limit, offset};
    return wos_people_reply_json(req, &stmt_all, 3, params);
}
