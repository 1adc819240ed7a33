/*
 * workspaces.h: the caller's workspaces (spec 02 §13): list them with the
 * caller's role in each, create one (the creator becomes its admin) and
 * switch the session into another one (a new token pair).
 */
#ifndef WOS_MODULES_WORKSPACES_H
#define WOS_MODULES_WORKSPACES_H

#include "http/request.h"

int wos_workspaces_list(struct wos_req *req);
int wos_workspaces_create(struct wos_req *req);
int wos_workspaces_switch(struct wos_req *req);

#endif
