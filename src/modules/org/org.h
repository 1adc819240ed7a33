/*
 * org.h: the organisation of a workspace (spec 03 §4-§7): departments,
 * shifts, holidays and the typed application settings. Reads are open to
 * every member; writes need departments.manage, shifts.manage,
 * holidays.manage (route permissions) or, for settings, the admin role.
 */
#ifndef WOS_MODULES_ORG_ORG_H
#define WOS_MODULES_ORG_ORG_H

#include "http/request.h"

int wos_departments_list(struct wos_req *req);
int wos_departments_active(struct wos_req *req);
int wos_departments_get(struct wos_req *req);
int wos_departments_members(struct wos_req *req);
int wos_departments_create(struct wos_req *req);
int wos_departments_update(struct wos_req *req);
int wos_departments_delete(struct wos_req *req);

int wos_shifts_list(struct wos_req *req);
int wos_shifts_get(struct wos_req *req);
int wos_shifts_members(struct wos_req *req);
int wos_shifts_create(struct wos_req *req);
int wos_shifts_update(struct wos_req *req);
int wos_shifts_delete(struct wos_req *req);
int wos_shifts_assign(struct wos_req *req);

int wos_holidays_list(struct wos_req *req);
int wos_holidays_active(struct wos_req *req);
int wos_holidays_upcoming(struct wos_req *req);
int wos_holidays_create(struct wos_req *req);
int wos_holidays_update(struct wos_req *req);
int wos_holidays_delete(struct wos_req *req);

int wos_settings_list(struct wos_req *req);
int wos_settings_update(struct wos_req *req);

#endif
