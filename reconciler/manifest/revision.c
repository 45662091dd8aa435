/* revision.c - the manifests' git commit (see revision.h). */
#include "manifest/revision.h"

#include <errno.h>
#include <fcntl.h>
#include <limits.h>
#include <spawn.h>
#include <stdio.h>
#include <string.h>
#include <sys/stat.h>
#include <sys/wait.h>
#include <unistd.h>

extern char **environ;

static int is_hex(const char *s, size_t n)
{
        size_t i;

        for (i = 0; i < n; i++)
                if (!strchr("0123456789abcdef", s[i]))
                        return 0;
        return 1;
}

int manifest_revision(char out[65], const char *root)
{
        char dir[PATH_MAX], buf[128];
        char git[] = "git", c[] = "-C", rp[] = "rev-parse", verify[] = "--verify", q[] = "-q",
             head[] = "HEAD";
        char *argv[] = {git, c, dir, rp, verify, q, head, NULL};
        posix_spawn_file_actions_t fa;
        struct stat st;
        int pipefd[2], status, ok = -1;
        size_t len = 0;
        ssize_t n;
        pid_t pid;
        char *slash;

        out[0] = '\0';
        snprintf(dir, sizeof(dir), "%s", root);
        if (stat(dir, &st) < 0)
                return -1;
        if (!S_ISDIR(st.st_mode)) {
                slash = strrchr(dir, '/');
                if (slash)
                        *slash = '\0';
                else
                        snprintf(dir, sizeof(dir), ".");
        }
        if (pipe2(pipefd, O_CLOEXEC) < 0)
                return -1;
        posix_spawn_file_actions_init(&fa);
        posix_spawn_file_actions_adddup2(&fa, pipefd[1], 1);
        posix_spawn_file_actions_addopen(&fa, 2, "/dev/null", O_WRONLY, 0);
        posix_spawn_file_actions_addopen(&fa, 0, "/dev/null", O_RDONLY, 0);
        if (posix_spawnp(&pid, "git", &fa, NULL, argv, environ) != 0) {
                posix_spawn_file_actions_destroy(&fa);
                close(pipefd[0]);
                close(pipefd[1]);
                return -1;
        }
        posix_spawn_file_actions_destroy(&fa);
        close(pipefd[1]);
        while (len < sizeof(buf) - 1 && (n = read(pipefd[0], buf + len, sizeof(buf) - 1 - len)) > 0)
                len += (size_t)n;
        close(pipefd[0]);
        while (waitpid(pid, &status, 0) < 0)
                if (errno != EINTR)
                        return -1;
        buf[len] = '\0';
        len = strcspn(buf, "\n");
        if (WIFEXITED(status) && WEXITSTATUS(status) == 0 && (len == 40 || len == 64) &&
            is_hex(buf, len)) {
                memcpy(out, buf, len);
                out[len] = '\0';
                ok = 0;
        }
        return ok;
}
