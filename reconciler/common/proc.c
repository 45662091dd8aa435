/* proc.c - run a program (see proc.h). */
#include "common/proc.h"

#include <errno.h>
#include <fcntl.h>
#include <poll.h>
#include <signal.h>
#include <spawn.h>
#include <stdlib.h>
#include <string.h>
#include <sys/wait.h>
#include <unistd.h>

#include "common/clock.h"

extern char **environ;

/* environ plus extra: a malloc'd vector of borrowed strings. */
static char **env_build(const char *const *extra)
{
        size_t n = 0, m = 0, i;
        char **v;

        while (environ[n])
                n++;
        while (extra && extra[m])
                m++;
        v = calloc(n + m + 1, sizeof(*v));
        if (!v)
                return NULL;
        for (i = 0; i < n; i++)
                v[i] = environ[i];
        for (i = 0; i < m; i++)
                v[n + i] = (char *)extra[i]; /* posix_spawn's type, never written */
        return v;
}

/* Read what is there into b (dropping what passes its maximum); 0 at EOF. */
static int drain(int fd, struct berth_buf *b)
{
        char chunk[4096];
        ssize_t n = read(fd, chunk, sizeof(chunk));

        if (n < 0)
                return errno == EINTR || errno == EAGAIN ? 1 : 0;
        if (n > 0 && b)
                berth_buf_add(b, chunk,
                              b->max && b->len + (size_t)n > b->max ? b->max - b->len : (size_t)n);
        return n > 0;
}

int proc_run(int *exit_code, const struct proc_options *o, struct berth_err *err)
{
        posix_spawn_file_actions_t fa;
        int outp[2] = {-1, -1}, errp[2] = {-1, -1}, status = 0, r = 0, rc, open_fds;
        struct pollfd pf[3];
        long deadline = o->timeout_ms > 0 ? berth_mono_ms() + o->timeout_ms : 0;
        char **envp = env_build(o->extra_env);
        pid_t pid = -1;

        *exit_code = -1;
        if (!envp)
                return berth_err_set(err, BERTH_ENOMEM, "out of memory");
        if (pipe2(outp, O_CLOEXEC) < 0 || pipe2(errp, O_CLOEXEC) < 0) {
                r = berth_err_set(err, BERTH_EIO, "cannot run '%s': %s", o->argv[0],
                                  strerror(errno));
                goto out;
        }
        posix_spawn_file_actions_init(&fa);
        posix_spawn_file_actions_addopen(&fa, 0, "/dev/null", O_RDONLY, 0);
        posix_spawn_file_actions_adddup2(&fa, outp[1], 1);
        posix_spawn_file_actions_adddup2(&fa, errp[1], 2);
        rc = posix_spawnp(&pid, o->argv[0], &fa, NULL, (char *const *)o->argv, envp);
        posix_spawn_file_actions_destroy(&fa);
        close(outp[1]);
        close(errp[1]);
        outp[1] = errp[1] = -1;
        if (rc) {
                pid = -1;
                r = berth_err_set(err, rc == ENOENT ? BERTH_ENOTFOUND : BERTH_EIO,
                                  rc == ENOENT ? "cannot run '%s': it is not installed (or not "
                                                 "on PATH)"
                                               : "cannot run '%s': %s",
                                  o->argv[0], strerror(rc));
                goto out;
        }
        pf[0] = (struct pollfd){.fd = outp[0], .events = POLLIN};
        pf[1] = (struct pollfd){.fd = errp[0], .events = POLLIN};
        pf[2] = (struct pollfd){.fd = o->cancel_fd > 0 ? o->cancel_fd : -1, .events = POLLIN};
        open_fds = 2;
        while (open_fds) {
                long wait = deadline ? deadline - berth_mono_ms() : -1;
                int i;

                if (deadline && wait <= 0) {
                        kill(pid, SIGKILL);
                        r = berth_err_set(err, BERTH_ETIMEOUT,
                                          "'%s' took longer than %ld s: stopped", o->argv[0],
                                          o->timeout_ms / 1000);
                        break;
                }
                if (poll(pf, 3, wait > 0 ? (int)wait : -1) < 0 && errno != EINTR)
                        break;
                if (pf[2].fd >= 0 && pf[2].revents) {
                        kill(pid, SIGKILL);
                        r = berth_err_set(err, BERTH_ECANCELLED, "'%s' stopped: berth is stopping",
                                          o->argv[0]);
                        break;
                }
                for (i = 0; i < 2; i++)
                        if (pf[i].fd >= 0 && pf[i].revents &&
                            !drain(pf[i].fd, i ? o->errout : o->out)) {
                                pf[i].fd = -1;
                                open_fds--;
                        }
        }
        while (waitpid(pid, &status, 0) < 0)
                if (errno != EINTR) {
                        if (!r)
                                r = berth_err_set(err, BERTH_EIO, "cannot wait for '%s': %s",
                                                  o->argv[0], strerror(errno));
                        goto out;
                }
        if (!r)
                *exit_code = WIFEXITED(status) ? WEXITSTATUS(status) : 128 + WTERMSIG(status);
out:
        if (outp[0] >= 0)
                close(outp[0]);
        if (errp[0] >= 0)
                close(errp[0]);
        free(envp);
        return r;
}

const char *proc_last_line(struct berth_buf *b)
{
        char *end, *start;

        if (!b->data)
                return "";
        end = b->data + b->len;
        while (end > b->data && strchr(" \t\r\n", end[-1]))
                end--;
        *end = '\0';
        start = end;
        while (start > b->data && start[-1] != '\n')
                start--;
        while (*start == ' ' || *start == '\t')
                start++;
        return start;
}
