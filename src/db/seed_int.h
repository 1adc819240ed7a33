/*
 * seed_int.h: the data tables of `wos seed` (seed_data.c), shared with the
 * engine (seed.c) only. Indexes into wos_seed_people[] are 1-based so that
 * the tables read like the org chart they describe.
 */
#ifndef WOS_DB_SEED_INT_H
#define WOS_DB_SEED_INT_H

#include <stdbool.h>
#include <stddef.h>

struct wos_seed_person {
    const char *first, *last, *role, *dept, *designation;
    int manager;     /* 1-based index into wos_seed_people[], 0 = none */
    char shift;      /* 'E' evening 17:00-02:00, 'D' day 09:00-18:00, 'R' support rotation */
    int joined_days; /* joined this many days ago */
    bool head;       /* head of their department */
};

/*
 * flow: the request's history, which fixes its status and timeline:
 *   pending                  created
 *   approved | rejected      created, decided by the approver after decide_h
 *   cancelled                created, cancelled by the requester after decide_h
 *   needs_clarification      created, clarification asked after decide_h
 *   clarified_then_approved  created, clarified, updated by the requester, approved
 *   escalated                created, escalated to HR after leave.escalation_hours
 *   escalated_twice          ... and on to an admin after another delay
 * created_h: submitted this many hours ago (escalations: decide_h hours after
 * the last step). start_off: first day, in days from today, moved forward to
 * the requester's next working day.
 */
struct wos_seed_leave {
    int who; /* 1-based index into wos_seed_people[] */
    int start_off, days;
    const char *type, *half, *flow, *reason, *comment;
    int created_h, decide_h;
};

struct wos_seed_announcement {
    const char *title, *content, *audience, *status, *priority;
    const char *dept;   /* target department name or NULL */
    int author;         /* 1-based index into wos_seed_people[] */
    int created_h;      /* created this many hours ago */
    int start_h, end_h; /* schedule relative to now in hours; 0 = none */
};

extern const struct wos_seed_person wos_seed_people[];
extern const size_t wos_seed_people_len;
extern const struct wos_seed_leave wos_seed_leaves[];
extern const size_t wos_seed_leaves_len;
extern const struct wos_seed_announcement wos_seed_announcements[];
extern const size_t wos_seed_announcements_len;

/*
 * Checks the tables against each other (role counts, reporting lines,
 * leave flows whose events must lie in the past). WOS_OK, or WOS_ERROR after
 * logging the first inconsistent entry: a programmer's mistake.
 */
int wos_seed_check_tables(void);

#endif
