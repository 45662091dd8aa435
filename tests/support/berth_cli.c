#include "berth_cli.h"

#include <errno.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "berth_test.h"
#include "docker/container.h"

void bt_berth_release(struct bt_berth *r)
{
        free(r->out);
        free(r->err);
        r->out = r->err = NULL;
}

/* argv for berth ARGS... --scope <run id>, in v (room for max). */
static void berth_argv(const char **v, size_t max, const char *const args[])
{
        size_t i;

        v[0] = BERTH_BINARY;
        for (i = 0; args[i]; i++) {
                ck_assert_uint_lt(i + 4, max);
                v[i + 1] = args[i];
        }
        v[i + 1] = "--scope";
        v[i + 2] = bt_run_id();
        v[i + 3] = NULL;
}

struct bt_berth bt_berth_run(const char *const args[])
{
        const char *argv[32];
        struct bt_berth r;

        berth_argv(argv, sizeof(argv) / sizeof(argv[0]), args);
        r.status = bt_run(&r.out, &r.err, argv);
        ck_assert_int_ge(r.status, 0);
        if (!r.out)
                r.out = strdup("");
        if (!r.err)
                r.err = strdup("");
        return r;
}

struct bt_berth bt_berth_expect(int status, const char *const args[])
{
        struct bt_berth r = bt_berth_run(args);

        ck_assert_msg(r.status == status, "berth %s exited %d, not %d\nstdout:\n%s\nstderr:\n%s",
                      args[0], r.status, status, r.out, r.err);
        return r;
}

pid_t bt_berth_spawn(const char *out_path, const char *err_path, const char *const args[])
{
        const char *argv[32];

        berth_argv(argv, sizeof(argv) / sizeof(argv[0]), args);
        return bt_spawn(out_path, err_path, argv);
}

char *bt_file_read(const char *path)
{
        FILE *f = fopen(path, "re");
        char *text;
        long len;

        ck_assert_msg(f != NULL, "cannot read %s: %s", path, strerror(errno));
        fseek(f, 0, SEEK_END);
        len = ftell(f);
        rewind(f);
        ck_assert_int_ge(len, 0);
        text = calloc(1, (size_t)len + 1);
        ck_assert_ptr_nonnull(text);
        len = (long)fread(text, 1, (size_t)len, f);
        text[len] = '\0';
        fclose(f);
        return text;
}

void bt_contains(const char *text, const char *part)
{
        ck_assert_msg(strstr(text, part) != NULL, "expected to find\n  %s\nin\n%s", part, text);
}

void bt_lacks(const char *text, const char *part)
{
        ck_assert_msg(strstr(text, part) == NULL, "did not expect\n  %s\nin\n%s", part, text);
}

char *bt_fmt(const char *f, ...)
{
        va_list ap;
        char *s;
        int n;

        va_start(ap, f);
        n = vasprintf(&s, f, ap);
        va_end(ap);
        ck_assert_int_ge(n, 0);
        return s;
}

char *bt_service(const char *name, const char *extra)
{
        return bt_fmt("  %s:\n"
                      "    image: %s\n"
                      "    command: [\"sleep\", \"3600\"]\n"
                      "    stop_signal: SIGKILL\n"
                      "%s",
                      name, bt_image(), extra ? extra : "");
}

void bt_manifest(const char *dir, const char *file, const char *project, ...)
{
        char *text = bt_fmt("name: %s\nservices:\n", bt_name(project)), *svc, *more;
        va_list ap;

        va_start(ap, project);
        while ((svc = va_arg(ap, char *))) {
                more = bt_fmt("%s%s", text, svc);
                free(text);
                free(svc);
                text = more;
        }
        va_end(ap);
        bt_write_file(dir, file, text);
        free(text);
}

static int line_cmp(const void *a, const void *b)
{
        return strcmp(*(char *const *)a, *(char *const *)b);
}

char *bt_snapshot(char ids[][80], size_t max)
{
        const char *labels[] = {bt_scope_filter(), NULL};
        struct docker_container_list list;
        struct berth_err err;
        char *lines[64], *text, *id;
        size_t i, n, len = 1;

        ck_assert_msg(docker_container_list(&list, bt_client(), labels, &err) == 0, "%s", err.msg);
        n = list.count;
        ck_assert_uint_le(n, 64);
        for (i = 0; i < n; i++)
                lines[i] = bt_fmt("%s %s %s", list.items[i].names[0], list.items[i].state,
                                  list.items[i].id);
        qsort(lines, n, sizeof(lines[0]), line_cmp);
        for (i = 0; i < n; i++)
                len += strlen(lines[i]) + 1;
        text = calloc(1, len);
        ck_assert_ptr_nonnull(text);
        for (i = 0; i < n; i++) {
                id = strrchr(lines[i], ' ');
                if (ids && i < max)
                        snprintf(ids[i], 80, "%s", id + 1);
                *id = '\0';
                strcat(text, lines[i]);
                strcat(text, "\n");
                free(lines[i]);
        }
        docker_container_list_release(&list);
        return text;
}

void bt_state_is(const char *want)
{
        char *have = bt_snapshot(NULL, 0);

        ck_assert_msg(!strcmp(have, want), "containers of the scope:\n%s\nwanted:\n%s", have, want);
        free(have);
}
