/*
 * system.h: root, health and API-description routes.
 */
#ifndef WOS_MODULES_SYSTEM_H
#define WOS_MODULES_SYSTEM_H

#include "http/request.h"

int wos_system_root(struct wos_req *req);
int wos_system_health(struct wos_req *req);
int wos_system_api_health(struct wos_req *req);
int wos_system_openapi(struct wos_req *req);

#endif
