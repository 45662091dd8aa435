/* revision.c - the manifests' git commit (see revision.h). */
#include "manifest/revision.h"

#include <limits.h>
#include <stdio.h>
#include <string.h>
#include <sys/stat.h>

#include "common/proc.h"

static int is_hex(const char *s, size_t n)
{
        size_t i;

        for (i = 0; i < n; i++)
                if (!strchr("0123456789abcdef", s[i]))
                        return 0;
        return 1;
}

/* The directory git runs in for root: root, or a file root's directory. */
static int root_dir(char dir[PATH_MAX], const char *root)
{
        struct stat st;
        char *slash;

        snprintf(dir, PATH_MAX, "%s", root);
        if (stat(dir, &st) < 0)
                return -1;
        if (!S_ISDIR(st.st_mode)) {
                slash = strrchr(dir, '/');
                if (slash)
                        *slash = '\0';
                else
                        snprintf(dir, PATH_MAX, ".");
        }
        return 0;
}

/* The first line git prints for `git -C dir ARGS`, cut to size; -1 when git
 * fails or says nothing. */
static int git_line(char *out, size_t size, const char *const *argv)
{
        struct proc_options po = {.argv = argv, .timeout_ms = 10000};
        struct berth_buf b;
        int code, ok = -1;
        size_t len;

        out[0] = '\0';
        berth_buf_init(&b, 4096);
        po.out = &b;
        if (proc_run(&code, &po, NULL) == 0 && code == 0 && b.data && b.len) {
                len = strcspn(b.data, "\n");
                snprintf(out, size, "%.*s", (int)len, b.data);
                ok = 0;
        }
        berth_buf_release(&b);
        return ok;
}

int manifest_revision(char out[65], const char *root)
{
        char dir[PATH_MAX], line[128];
        const char *argv[] = {"git", "-C", dir, "rev-parse", "--verify", "-q", "HEAD", NULL};
        size_t len;

        out[0] = '\0';
        if (root_dir(dir, root) < 0 || git_line(line, sizeof(line), argv) < 0)
                return -1;
        len = strlen(line);
        if ((len != 40 && len != 64) || !is_hex(line, len))
                return -1;
        memcpy(out, line, len + 1);
        return 0;
}

int manifest_revision_subject(char *out, size_t size, const char *root, const char *revision)
{
        char dir[PATH_MAX];
        const char *argv[] = {"git", "-C", dir, "log", "-1", "--format=%s", revision, "--", NULL};

        out[0] = '\0';
        if (!is_hex(revision, strlen(revision)) || root_dir(dir, root) < 0)
                return -1;
        return git_line(out, size, argv);
}
