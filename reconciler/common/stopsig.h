/* common/stopsig.h - what SIGINT and SIGTERM mean while berth changes the
 * engine (apply, down, watch): the first asks to stop (stopsig_stop is
 * set: running operations finish, no new one starts), a second ends berth
 * at once (the default action).  SIGHUP, when caught, only sets
 * stopsig_hup.  Each caught signal also writes a byte to the wake
 * descriptor, if one is set (a self-pipe for a poll loop), and the first
 * stop writes the message, if any, to standard error.
 *
 * May not use: anything but libc.
 */
#ifndef BERTH_COMMON_STOPSIG_H
#define BERTH_COMMON_STOPSIG_H

#include <stdatomic.h>

extern atomic_int stopsig_stop;
extern atomic_int stopsig_hup;

/* Install the handlers.  message: a constant string (kept), or NULL. */
void stopsig_install(const char *message, int catch_hup);
/* The descriptor to write a byte to on each signal; -1: none. */
void stopsig_set_wake(int fd);

#endif
