/* fuzz/replay.c - libFuzzer's main for builds without libFuzzer: run the
 * harness it is linked with over every regular file named on the command
 * line or found in the directories named there (sorted, not recursive).
 * The corpus thereby replays as an ordinary test under gcc, with the
 * sanitizers or valgrind if the build has them.
 *
 * Exits 0 when every input ran, 1 when a file cannot be read or no input
 * was found at all, 2 on a usage error.  Each input is named on stderr
 * before it runs, so after a crash the last "replay: FILE" line names it.
 */
#include <dirent.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>

#include "common/buf.h"
#include "common/err.h"
#include "fuzz.h"

/* libFuzzer's default -max_len is 4096; the corpus may hold larger inputs
 * (fixtures), but nothing near this. */
#define REPLAY_MAX_INPUT (16u << 20)

static int replay_file(const char *path)
{
        struct berth_err err;
        struct berth_buf b;
        int r;

        berth_err_clear(&err);
        berth_buf_init(&b, REPLAY_MAX_INPUT);
        r = berth_buf_read_file(&b, path, &err);
        if (r == 0) {
                fprintf(stderr, "replay: %s\n", path);
                LLVMFuzzerTestOneInput((const uint8_t *)(b.data ? b.data : ""), b.len);
        } else {
                fprintf(stderr, "replay: %s\n", err.msg);
        }
        berth_buf_release(&b);
        return r;
}

static int cmp_name(const void *a, const void *b)
{
        return strcmp(*(char *const *)a, *(char *const *)b);
}

/* Every regular file in dir, in name order; *count gets how many ran.
 * 0, or -1 when the directory or a file in it cannot be read. */
static int replay_dir(const char *dir, size_t *count)
{
        char **names = NULL, path[4096];
        size_t n = 0, cap = 0, i;
        struct dirent *e;
        struct stat st;
        int r = 0;
        DIR *d = opendir(dir);

        if (!d) {
                fprintf(stderr, "replay: cannot open directory '%s'\n", dir);
                return -1;
        }
        while ((e = readdir(d))) {
                if (e->d_name[0] == '.')
                        continue;
                if (n == cap) {
                        char **v = realloc(names, (cap = cap ? 2 * cap : 64) * sizeof(*v));

                        if (!v) {
                                r = -1;
                                goto out;
                        }
                        names = v;
                }
                if (!(names[n] = strdup(e->d_name))) {
                        r = -1;
                        goto out;
                }
                n++;
        }
        qsort(names, n, sizeof(*names), cmp_name);
        for (i = 0; i < n; i++) {
                snprintf(path, sizeof(path), "%s/%s", dir, names[i]);
                if (stat(path, &st) < 0 || !S_ISREG(st.st_mode))
                        continue;
                if (replay_file(path) < 0)
                        r = -1;
                else
                        (*count)++;
        }
out:
        for (i = 0; i < n; i++)
                free(names[i]);
        free(names);
        closedir(d);
        return r;
}

int main(int argc, char **argv)
{
        size_t count = 0;
        struct stat st;
        int i, status = 0;

        if (argc < 2) {
                fprintf(stderr, "usage: %s DIR|FILE...\n", argv[0]);
                return 2;
        }
        for (i = 1; i < argc; i++) {
                if (stat(argv[i], &st) == 0 && S_ISDIR(st.st_mode)) {
                        if (replay_dir(argv[i], &count) < 0)
                                status = 1;
                } else if (replay_file(argv[i]) < 0) {
                        status = 1;
                } else {
                        count++;
                }
        }
        printf("replay: %zu inputs ran\n", count);
        if (count == 0) {
                fprintf(stderr, "replay: no inputs found\n");
                status = 1;
        }
        return status;
}
