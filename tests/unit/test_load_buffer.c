/* manifest_load_buffer() (manifest/load.h), the loader's in-memory entry
 * the fuzzer uses: a text loads exactly as the same text in a file does
 * (every invalid-manifest fixture: the same problems, failed files and
 * projects), and the buffer's own parameters (name, rel, dir) mean what
 * the header says. */
#include <glob.h>
#include <libgen.h>
#include <limits.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <jansson.h>

#include "berth_test.h"
#include "common/buf.h"
#include "common/err.h"
#include "manifest/diag.h"
#include "manifest/load.h"
#include "model/model.h"

#define INVALID BERTH_TEST_DATA "/fixtures/manifests/invalid"

static const char *const environment[] = {"TAG=1.25", NULL};

/* What a load gives, as one text: problems, failed files, projects. */
static char *outcome(const struct manifest_set *set)
{
        char *diags = diag_list_format(&set->diags), *config;
        struct berth_buf b;
        size_t i;

        berth_buf_init(&b, 1 << 24);
        ck_assert_int_eq(berth_buf_printf(&b, "%s\nfiles %zu complete %d\n", diags ? diags : "",
                                          set->nfiles, set->complete),
                         0);
        free(diags);
        for (i = 0; i < set->nfailed; i++)
                ck_assert_int_eq(
                    berth_buf_printf(&b, "failed %s %s %s\n", set->failed[i].rel,
                                     set->failed[i].name,
                                     set->failed[i].project ? set->failed[i].project : "(none)"),
                    0);
        for (i = 0; i < set->state->nprojects; i++) {
                json_t *j = model_project_config(&set->state->projects[i], 1);

                config = json_dumps(j, JSON_SORT_KEYS | JSON_COMPACT);
                ck_assert_ptr_nonnull(config);
                ck_assert_int_eq(
                    berth_buf_printf(&b, "project %s %s\n", set->state->projects[i].name, config),
                    0);
                free(config);
                json_decref(j);
        }
        for (i = 0; i < set->nvariables; i++)
                ck_assert_int_eq(berth_buf_printf(&b, "variable %s\n", set->variables[i]), 0);
        return berth_buf_steal(&b);
}

/* Load text as the buffer name (rel its base name, dir its directory). */
static char *load_buffer(const char *name, const char *text, size_t len, const char *dir)
{
        const struct manifest_load_opts opts = {.environ = environment};
        char copy[PATH_MAX], *rel, *s;
        struct manifest_set set;
        struct berth_err err;

        snprintf(copy, sizeof(copy), "%s", name);
        rel = basename(copy);
        berth_err_clear(&err);
        ck_assert_msg(manifest_load_buffer(&set, name, rel, dir, text, len, &opts, &err) == 0, "%s",
                      err.msg);
        s = outcome(&set);
        manifest_set_release(&set);
        return s;
}

START_TEST(buffer_loads_as_the_file_does)
{
        const struct manifest_load_opts opts = {.root = NULL, .environ = environment};
        char dir[PATH_MAX], *from_file, *from_buffer;
        struct manifest_load_opts file_opts = opts;
        struct manifest_set set;
        struct berth_err err;
        struct berth_buf text;
        glob_t g;
        size_t i;

        ck_assert_int_eq(glob(INVALID "/*.yaml", 0, NULL, &g), 0);
        ck_assert_uint_gt(g.gl_pathc, 20);
        ck_assert_ptr_nonnull(realpath(INVALID, dir));
        for (i = 0; i < g.gl_pathc; i++) {
                const char *path = g.gl_pathv[i];

                file_opts.root = path;
                berth_err_clear(&err);
                ck_assert_msg(manifest_load(&set, &file_opts, &err) == 0, "%s: %s", path, err.msg);
                from_file = outcome(&set);
                manifest_set_release(&set);

                berth_buf_init(&text, 1 << 24);
                ck_assert_int_eq(berth_buf_read_file(&text, path, &err), 0);
                from_buffer = load_buffer(path, text.data ? text.data : "", text.len, dir);
                ck_assert_msg(strcmp(from_file, from_buffer) == 0,
                              "%s loads differently from a buffer:\n--- file\n%s\n--- buffer\n%s",
                              path, from_file, from_buffer);
                berth_buf_release(&text);
                free(from_file);
                free(from_buffer);
        }
        globfree(&g);
}
END_TEST

/* name is in every message, rel makes the project name, dir is where
 * relative binds go; NULL data is an empty manifest. */
START_TEST(buffer_parameters)
{
        static const char text[] = "services:\n"
                                   "  web:\n"
                                   "    image: nginx:${TAG}\n"
                                   "    volumes: [./html:/usr/share/nginx/html]\n";
        static const char bad[] = "services:\n  web: [\n";
        const struct manifest_load_opts opts = {.environ = environment};
        const struct model_project *p;
        struct manifest_set set;
        struct berth_err err;
        char line[1024];

        berth_err_clear(&err);
        ck_assert_int_eq(manifest_load_buffer(&set, "in/memory.yaml", "Team/My.App.yaml", "/srv/x",
                                              text, strlen(text), &opts, &err),
                         0);
        ck_assert_uint_eq(set.diags.n, 0);
        ck_assert_uint_eq(set.state->nprojects, 1);
        p = &set.state->projects[0];
        ck_assert_str_eq(p->name, "team-myapp");
        ck_assert_str_eq(p->source, "Team/My.App.yaml");
        ck_assert_str_eq(p->file, "in/memory.yaml");
        ck_assert_str_eq(p->services[0].image, "nginx:1.25");
        ck_assert_str_eq(p->services[0].mounts[0].source, "/srv/x/html");
        ck_assert_uint_eq(set.nvariables, 1);
        ck_assert_str_eq(set.variables[0], "TAG");
        manifest_set_release(&set);

        ck_assert_int_eq(
            manifest_load_buffer(&set, "bad.yaml", "bad.yaml", NULL, bad, strlen(bad), &opts, &err),
            0);
        ck_assert_uint_eq(diag_list_errors(&set.diags), 1);
        ck_assert_uint_eq(set.nfailed, 1);
        diag_format(&set.diags.v[0], line, sizeof(line));
        ck_assert_msg(strncmp(line, "bad.yaml:3:1: ", 14) == 0, "%s", line);
        manifest_set_release(&set);

        ck_assert_int_eq(
            manifest_load_buffer(&set, "none.yaml", "none.yaml", NULL, NULL, 0, &opts, &err), 0);
        ck_assert_uint_eq(set.diags.n, 1);
        ck_assert_uint_eq(diag_list_errors(&set.diags), 0);
        ck_assert_uint_eq(set.state->nprojects, 0);
        manifest_set_release(&set);
}
END_TEST

int main(void)
{
        Suite *s = suite_create("load_buffer");
        TCase *tc = tcase_create("load_buffer");

        tcase_add_test(tc, buffer_loads_as_the_file_does);
        tcase_add_test(tc, buffer_parameters);
        suite_add_tcase(s, tc);
        return bt_unit_main(s);
}
