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

int manifest_revision(char out[65], const char *root)
{
        char dir[PATH_MAX];
        const char *argv[] = {"git", "-C", dir, "rev-parse", "--verify", "-q", "HEAD", NULL};
        struct proc_options po = {.argv = argv, .timeout_ms = 10000};
        struct berth_buf head;
        struct stat st;
        int code, ok = -1;
        size_t len;
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
        berth_buf_init(&head, 128);
        po.out = &head;
        if (proc_run(&code, &po, NULL) == 0 && code == 0 && head.data) {
                len = strcspn(head.data, "\n");
                if ((len == 40 || len == 64) && is_hex(head.data, len)) {
                        memcpy(out, head.data, len);
                        out[len] = '\0';
                        ok = 0;
                }
        }
        berth_buf_release(&head);
        return ok;
}
