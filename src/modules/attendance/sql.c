/*
 * sql.c (attendance): the module's statements and the one way they run.
 *
 * Each statement calls one function of migration 0007_attendance_api with
 * the caller's workspace and user first; the function does the whole request
 * (auto-close, checks, writes, audit, response JSON) and returns (status,
 * body). Refusals are returned, not raised, so their side effects commit.
 * Clock-dependent functions get now() here: the transaction's start, one
 * instant for the whole request.
 */
#include "modules/attendance/attendance_int.h"

#include "modules/users/people.h"

struct att_stmt {
    struct wos_stmt stmt;
    int n_params;
};

static struct att_stmt stmts[ATT_QUERY_COUNT] = {
    [ATT_CHECK_IN] = {{.sql = "SELECT status, body FROM wos_attendance_check_in($1::uuid, "
                              "$2::uuid, $3::text, $4::text, $5::integer, now())"},
                      5},
    [ATT_CHECK_OUT] = {{.sql = "SELECT status, body FROM wos_attendance_check_out($1::uuid, "
                               "$2::uuid, $3::text, $4::text, $5::text, now())"},
                       5},
    [ATT_ACTIVE] = {{.sql = "SELECT status, body FROM wos_attendance_active($1::uuid, $2::uuid, "
                            "now())"},
                    2},
    [ATT_TODAY] = {{.sql = "SELECT status, body FROM wos_attendance_today($1::uuid, $2::uuid, "
                           "$3::integer, now())"},
                   3},
    [ATT_DAYS] = {{.sql = "SELECT status, body FROM wos_attendance_days($1::uuid, $2::uuid, "
                          "$3::uuid, $4::date, $5::date, now())"},
                  5},
    [ATT_LIST] = {{.sql = "SELECT status, body FROM wos_attendance_list($1::uuid, $2::uuid, "
                          "$3::text, $4::date, $5::date, $6::uuid, $7::uuid, $8::text, $9::text, "
                          "$10::integer, $11::integer, $12::text, $13::text, now())"},
                  13},
    [ATT_EXPORT] = {{.sql = "SELECT status, body FROM wos_attendance_export($1::uuid, $2::uuid, "
                            "$3::text, $4::date, $5::date, $6::uuid, $7::uuid, $8::text, "
                            "$9::text, $10::text, $11::text)"},
                    11},
    [ATT_SESSION] = {{.sql = "SELECT status, body FROM wos_attendance_session($1::uuid, "
                             "$2::uuid, $3::uuid)"},
                     3},
    [ATT_SESSION_BREAKS] = {{.sql = "SELECT status, body FROM wos_attendance_session_breaks("
                                    "$1::uuid, $2::uuid, $3::uuid)"},
                            3},
    [ATT_BREAK_START] = {{.sql = "SELECT status, body FROM wos_attendance_break_start($1::uuid, "
                                 "$2::uuid, $3::text, $4::text, now())"},
                         4},
    [ATT_BREAK_END] = {{.sql = "SELECT status, body FROM wos_attendance_break_end($1::uuid, "
                               "$2::uuid, now())"},
                       2},
    [ATT_BREAK_CURRENT] = {{.sql = "SELECT status, body FROM wos_attendance_break_current("
                                   "$1::uuid, $2::uuid)"},
                           2},
    [ATT_CORRECTION_REQUEST] = {{.sql = "SELECT status, body FROM "
                                        "wos_attendance_correction_request($1::uuid, $2::uuid, "
                                        "$3::uuid, $4::timestamptz, $5::timestamptz, $6::text, "
                                        "$7::text, $8::text, now())"},
                                8},
    [ATT_CORRECTIONS_PENDING] = {{.sql = "SELECT status, body FROM "
                                         "wos_attendance_corrections_pending($1::uuid, $2::uuid, "
                                         "$3::text, $4::text, $5::integer, $6::integer)"},
                                 6},
    [ATT_CORRECTION_RESOLVE] = {{.sql = "SELECT status, body FROM "
                                        "wos_attendance_correction_resolve($1::uuid, $2::uuid, "
                                        "$3::uuid, $4::text, $5::timestamptz, $6::timestamptz, "
                                        "$7::text, $8::integer, $9::text, $10::text, now())"},
                                10},
    [ATT_EXCEPTIONS] = {{.sql = "SELECT status, body FROM wos_attendance_exceptions($1::uuid, "
                                "$2::uuid, $3::date, $4::date, $5::date, $6::text, $7::text, "
                                "$8::uuid, $9::uuid, $10::text, $11::integer, $12::integer, "
                                "now())"},
                        12},
    [ATT_EXCEPTION_CLOSE] = {{.sql = "SELECT status, body FROM "
                                     "wos_attendance_exception_close($1::uuid, $2::uuid, "
                                     "$3::uuid, $4::text, $5::text, $6::text, $7::text, now())"},
                             7},
};

int wos_att_run(struct wos_req *req, enum att_query q, const char *const *params,
                const char *content_type)
{
    return wos_people_run(req, &stmts[q].stmt, stmts[q].n_params, params, content_type);
}
