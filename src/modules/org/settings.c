/*
 * settings.c: the typed application settings of the workspace (spec 03 §7,
 * seed 004). GET lists them for every member (the modules' thresholds are
 * no secret and the UI shows them); PATCH is for admins. The value's JSON
 * type must match the setting's data_type (integer, boolean, string, json),
 * with per-key bounds, all checked in wos_setting_update; immutable keys are
 * 403. The workspace timezone appears as the setting "workspace.timezone"
 * and is stored in workspaces.timezone.
 */
#include "modules/org/org.h"
#include "modules/users/people.h"

#include "http/validate.h"

#include <jansson.h>
#include <stdlib.h>
#include <string.h>

WOS_STMT(stmt_list, "SELECT wos_settings_list($1::uuid)");
WOS_STMT(stmt_update, WOS_OUTCOME_SQL("wos_setting_update($1::uuid, $2::uuid, $3, $4::jsonb, "
                                      "$5, $6)"));

int wos_settings_list(struct wos_req *req)
{
    const char *params[] = {req->who.workspace_id};
    return wos_people_reply_json(req, &stmt_list, 1, params);
}

static void release_json(void *p)
{
    json_decref(p);
}

/*
 * The body is {"value": <any JSON>}: the validator has no "any" type, so
 * it is checked here. Returns the value as JSON text, or NULL after 422.
 */
static const char *value_of_body(struct wos_req *req)
{
    if (req->body.len == 0 || !wos_valid_utf8(req->body.data, req->body.len)) {
        wos_reply_invalid(req, "request", "A JSON object body is required.");
        return NULL;
    }
    json_t *root = json_loadb(req->body.data, req->body.len, JSON_REJECT_DUPLICATES, NULL);
    if (!root || !json_is_object(root)) {
        json_decref(root);
        wos_reply_invalid(req, "request", "Body must be a JSON object.");
        return NULL;
    }
    if (wos_arena_on_free(req->arena, release_json, root) != WOS_OK) { /* root released */
        wos_reply_internal(req, "out of memory");
        return NULL;
    }
    const char *key;
    json_t *v;
    json_object_foreach(root, key, v)
    {
        if (strcmp(key, "value") != 0) {
            wos_reply_invalid(req, key, "Unknown field.");
            return NULL;
        }
    }
    json_t *value = json_object_get(root, "value");
    if (!value) {
        wos_reply_invalid(req, "value", "Field required.");
        return NULL;
    }
    char *s = json_dumps(value, JSON_COMPACT | JSON_ENCODE_ANY);
    const char *copy = s ? wos_arena_strdup(req->arena, s) : NULL;
    free(s);
    if (!copy)
        wos_reply_internal(req, "could not encode a setting value");
    return copy;
}

int wos_settings_update(struct wos_req *req)
{
    const char *key = wos_req_param(req, "key");
    if (strcmp(req->who.role, "admin") != 0)
        return wos_reply_error(req, 403, "Only administrators can change settings.", NULL);
    if (!key || strlen(key) > 100)
        return wos_reply_error(req, 404, "Setting not found", NULL);
    const char *value = value_of_body(req);
    if (!value)
        return WOS_OK;
    const char *params[] = {req->who.workspace_id, req->who.user_id, key, value,
                            req->client_ip,        req->request_id};
    return wos_people_reply_outcome(req, &stmt_update, 6, params);
}
