/*
 * governance.h: the audit log (reading it, and `wos audit verify`),
 * announcements and alerts (spec 08).
 */
#ifndef WOS_MODULES_GOVERNANCE_GOVERNANCE_H
#define WOS_MODULES_GOVERNANCE_GOVERNANCE_H

#include "http/request.h"

int wos_audit_logs_list(struct wos_req *req);
/* `wos audit verify`: exit 0 when every workspace's chain holds, 1 otherwise, 2 on usage. */
int wos_audit_verify_main(int argc, char **argv);

int wos_announcements_create(struct wos_req *req);
int wos_announcements_update(struct wos_req *req);
int wos_announcements_list(struct wos_req *req);
int wos_announcements_visible(struct wos_req *req);
int wos_announcements_active(struct wos_req *req);
int wos_announcements_all(struct wos_req *req);

int wos_alerts_list(struct wos_req *req);
int wos_alerts_resolve(struct wos_req *req);
int wos_alerts_dismiss(struct wos_req *req);

#endif
