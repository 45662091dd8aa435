/* common/lock.h - one writer per scope on this machine: an exclusive
 * flock(2) on <dir>/<scope>.lock, held until the process exits or
 * berth_lock_release().  The directory is $BERTH_LOCK_DIR, else /run/berth
 * for root, else $XDG_RUNTIME_DIR/berth, else /tmp/berth-<uid>.  The file
 * holds the holder's pid, for the message of the one that waits.
 *
 * (Two machines driving one engine through -H do not see each other's
 * locks.)
 *
 * May not use: anything but libc and common/err.h.
 */
#ifndef BERTH_COMMON_LOCK_H
#define BERTH_COMMON_LOCK_H

#include <stdbool.h>
#include <sys/types.h>

#include "common/err.h"

/* Take the lock of scope (a valid scope name: see cli).  When another
 * process holds it: with wait, call waiting(userdata, holder pid or 0) once
 * and block until it is free; without, BERTH_ECONFLICT
 *   scope 'default' is locked by another berth (pid 1234): wait for it, or leave out --no-wait
 * On success *fd is the lock's descriptor.  BERTH_EIO naming the file when
 * it cannot be opened. */
int berth_lock_scope(int *fd, const char *scope, bool wait, void (*waiting)(void *, pid_t),
                     void *userdata, struct berth_err *err);
void berth_lock_release(int fd); /* -1 is a no-op */

#endif
