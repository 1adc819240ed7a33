/*
 * offload.h: CPU-heavy work (bcrypt) on helper threads.
 *
 * An HTTP thread's event loop serves many connections; a 200 ms bcrypt run
 * on it would hold all of them up. wos_offload runs the function on one of
 * a few helper threads while the calling fiber parks, and the loop goes on.
 * Outside a fiber (CLI commands, tests) or before the helpers are started,
 * the function simply runs in place.
 */
#ifndef WOS_CORE_OFFLOAD_H
#define WOS_CORE_OFFLOAD_H

/* Starts n helper threads. WOS_OK, or WOS_ERROR (then work runs in place). */
int wos_offload_start(int n);
/* Stops the helpers after the work already queued. */
void wos_offload_stop(void);
/* Runs fn(arg) on a helper while the calling fiber parks; returns when it is done. */
void wos_offload(void (*fn)(void *), void *arg);

#endif
