/*
 * attendance_int.h: what the files of src/modules/attendance share: the
 * statements (sql.c) and the call that runs one and replies with its result.
 */
#ifndef WOS_MODULES_ATTENDANCE_INT_H
#define WOS_MODULES_ATTENDANCE_INT_H

#include "http/request.h"

/* One statement per route; each returns one row (status integer, body text). */
enum att_query {
    ATT_CHECK_IN,
    ATT_CHECK_OUT,
    ATT_ACTIVE,
    ATT_TODAY,
    ATT_DAYS,
    ATT_LIST,
    ATT_EXPORT,
    ATT_SESSION,
    ATT_SESSION_BREAKS,
    ATT_BREAK_START,
    ATT_BREAK_END,
    ATT_BREAK_CURRENT,
    ATT_CORRECTION_REQUEST,
    ATT_CORRECTIONS_PENDING,
    ATT_CORRECTION_RESOLVE,
    ATT_EXCEPTIONS,
    ATT_EXCEPTION_CLOSE,
    ATT_QUERY_COUNT
};

/*
 * Runs statement q with params (text, NULL for SQL NULL; as many as
 * the statement takes) and replies: a status below 400 sends the body
 * as JSON, or with `content_type` when it is not NULL; any other status sends
 * the error envelope with the body's message and details. Returns WOS_OK.
 */
int wos_att_run(struct wos_req *req, enum att_query q, const char *const *params,
                const char *content_type);

#endif
