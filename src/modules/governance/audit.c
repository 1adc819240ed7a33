/*
 * audit.c: GET /audit-logs (spec 08 §2.2) for holders of audit.view:
 * filters, paging and the total, newest first, with the actor's and the
 * entity's names beside their ids ("System" when no actor). Rows are
 * written by the functions that make each change (wos_audit_append, same
 * transaction); nothing here or anywhere else updates or deletes them.
 */
#include "modules/governance/governance.h"
#include "modules/users/people.h"

WOS_STMT(stmt_list, "SELECT wos_audit_list($1::uuid, $2, $3::uuid, $4, $5::uuid, $6, $7, "
                    "$8::integer, $9::integer)");

int wos_audit_logs_list(struct wos_req *req)
{
    const char *entity_type, *entity_id, *action, *actor, *from, *to, *limit, *offset;
    if (wos_people_query_text(req, "entity_type", 128, &entity_type) != WOS_OK ||
        wos_people_query_uuid(req, "entity_id", &entity_id) != WOS_OK ||
        wos_people_query_text(req, "action_type", 128, &action) != WOS_OK ||
        wos_people_query_uuid(req, "actor_user_id", &actor) != WOS_OK ||
        wos_people_query_time(req, "from", &from) != WOS_OK ||
        wos_people_query_time(req, "to", &to) != WOS_OK ||
        wos_people_query_int(req, "limit", 200, 1, 500, &limit) != WOS_OK ||
        wos_people_query_int(req, "offset", 0, 0, 1000000000, &offset) != WOS_OK)
        return WOS_OK;
    const char *params[] = {
        req->who.workspace_id, entity_type, entity_id, action, actor, from, to, limit, offset};
    return wos_people_reply_json(req, &stmt_list, 9, params);
}
