/* lock.c - the per-scope writer lock (see lock.h). */
#include "common/lock.h"

#include <errno.h>
#include <fcntl.h>
#include <limits.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/file.h>
#include <sys/stat.h>
#include <unistd.h>

static const char *lock_dir(char *buf, size_t size)
{
        const char *d = getenv("BERTH_LOCK_DIR");

        if (d && *d)
                return d;
        if (geteuid() == 0)
                return "/run/berth";
        d = getenv("XDG_RUNTIME_DIR");
        if (d && *d)
                snprintf(buf, size, "%s/berth", d);
        else
                snprintf(buf, size, "/tmp/berth-%u", (unsigned)geteuid());
        return buf;
}

static pid_t holder(int fd)
{
        char buf[32] = {0};
        ssize_t n = pread(fd, buf, sizeof(buf) - 1, 0);

        return n > 0 ? (pid_t)strtol(buf, NULL, 10) : 0;
}

int berth_lock_scope(int *fd, const char *scope, bool wait, void (*waiting)(void *, pid_t),
                     void *userdata, struct berth_err *err)
{
        char dirbuf[PATH_MAX], path[PATH_MAX], pid[32];
        const char *dir = lock_dir(dirbuf, sizeof(dirbuf));
        int f, n;

        *fd = -1;
        if (mkdir(dir, 0700) < 0 && errno != EEXIST)
                return berth_err_set(err, BERTH_EIO, "cannot create the lock directory '%s': %s",
                                     dir, strerror(errno));
        snprintf(path, sizeof(path), "%s/%s.lock", dir, scope);
        f = open(path, O_RDWR | O_CREAT | O_CLOEXEC, 0600);
        if (f < 0)
                return berth_err_set(err, BERTH_EIO, "cannot open the lock '%s': %s", path,
                                     strerror(errno));
        if (flock(f, LOCK_EX | LOCK_NB) < 0) {
                if (errno != EWOULDBLOCK) {
                        berth_err_set(err, BERTH_EIO, "cannot lock '%s': %s", path,
                                      strerror(errno));
                        close(f);
                        return err ? err->code : BERTH_EIO;
                }
                if (!wait) {
                        berth_err_set(err, BERTH_ECONFLICT,
                                      "scope '%s' is locked by another berth (pid %ld): wait for "
                                      "it, or leave out --no-wait",
                                      scope, (long)holder(f));
                        close(f);
                        return BERTH_ECONFLICT;
                }
                if (waiting)
                        waiting(userdata, holder(f));
                while (flock(f, LOCK_EX) < 0) {
                        if (errno != EINTR) {
                                berth_err_set(err, BERTH_EIO, "cannot lock '%s': %s", path,
                                              strerror(errno));
                                close(f);
                                return BERTH_EIO;
                        }
                }
        }
        n = snprintf(pid, sizeof(pid), "%ld\n", (long)getpid());
        if (ftruncate(f, 0) < 0 || pwrite(f, pid, (size_t)n, 0) != n) {
                /* the pid is only for messages: the lock holds without it */
        }
        *fd = f;
        return 0;
}

void berth_lock_release(int fd)
{
        if (fd >= 0)
                close(fd);
}
