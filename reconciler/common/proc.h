/* common/proc.h - run a program and collect what it says: the one place
 * berth starts other programs (git, for the revision label and for sync).
 *
 * The program is found on PATH (posix_spawnp), gets /dev/null as stdin and
 * the process environment plus the caller's extra variables; its stdout and
 * stderr go into bounded buffers (what passes the buffer's maximum is read
 * and dropped, so a chatty child never blocks).  A deadline kills it
 * (SIGKILL to the child) and says so.
 *
 * May not use: anything but libc and common/.
 */
#ifndef BERTH_COMMON_PROC_H
#define BERTH_COMMON_PROC_H

#include "common/buf.h"
#include "common/err.h"

struct proc_options {
        const char *const *argv;      /* argv[0] is the program; NULL-terminated */
        const char *const *extra_env; /* "NAME=value" added to the environment; may be NULL */
        long timeout_ms;              /* <= 0: none */
        int cancel_fd;                /* > 0: readable means stop now (the child killed) */
        struct berth_buf *out;        /* stdout, or NULL: discarded */
        struct berth_buf *errout;     /* stderr, or NULL: discarded */
};

/* Run it to the end.  0 with *exit_code set (the program's exit status, or
 * 128 + the signal that ended it); BERTH_ENOTFOUND when the program is not
 * installed; BERTH_ETIMEOUT when the deadline passed (the child killed);
 * BERTH_EIO when it could not be started or waited for. */
int proc_run(int *exit_code, const struct proc_options *o, struct berth_err *err);

/* The last non-empty line of a program's stderr, trimmed: what a message
 * quotes.  Points into b (or at "" when there is none). */
const char *proc_last_line(struct berth_buf *b);

#endif
