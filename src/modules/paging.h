/*
 * paging.h: the list contract of GET /users, shared by the lists that page
 * (departments, shifts, their members, holidays, announcements, sessions,
 * workspaces, background jobs).
 *
 *   ?limit=1..WOS_PAGE_MAX (default WOS_PAGE_DEFAULT), ?offset=0..10^9
 *   -> {"items": [...], "total": <rows matching>, "limit": n, "offset": n}
 *
 * A value out of range is 422 naming the parameter (never clamped); an
 * offset past the end is an empty page with the true total.
 */
#ifndef WOS_MODULES_PAGING_H
#define WOS_MODULES_PAGING_H

#include "modules/users/people.h"

#define WOS_PAGE_DEFAULT 50
#define WOS_PAGE_MAX 200
#define WOS_PAGE_MAX_OFFSET 1000000000L

/* Reads ?limit and ?offset as statement parameters; WOS_ERROR after replying 422. */
static inline int wos_page_query(struct wos_req *req, long dflt, long max, const char **limit,
                                 const char **offset)
{
    if (wos_people_query_int(req, "limit", dflt, 1, max, limit) != WOS_OK ||
        wos_people_query_int(req, "offset", 0, 0, WOS_PAGE_MAX_OFFSET, offset) != WOS_OK)
        return WOS_ERROR;
    return WOS_OK;
}

#endif
