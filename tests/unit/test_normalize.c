/* normalize_project(): YAML text in, the exact model out (tables per
 * normalization), every semantic error with its message and position,
 * and a comparison with `docker-compose config` on the same file. */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "berth_test.h"
#include "common/arena.h"
#include "common/err.h"
#include "manifest/diag.h"
#include "manifest/doc.h"
#include "manifest/interp.h"
#include "manifest/normalize.h"
#include "manifest/normalize_int.h"
#include "model/model.h"
#include "schema/validate.h"

#define FILE_NAME "manifests/shop.yaml"
#define N(a) (sizeof(a) / sizeof((a)[0]))

/* ---- harness: one model_state per test (each test is a process) ---- */

static struct model_state *st;
static struct diag_list diags;
static struct interp_env *env;
static int rc;
static int keep;                   /* keep the state of earlier runs (several files, one state) */
static int lenient;                /* ok() on a tree the schema refuses (defensive paths) */
static char schema_problems[8192]; /* what the validator said of the last tree */

static struct normalize_ctx ctx_default(void)
{
        return (struct normalize_ctx){.file = FILE_NAME,
                                      .source = "shop.yaml",
                                      .dir = "/srv/manifests",
                                      .home = "/home/ann",
                                      .env = env,
                                      .policy = bt_policy_allow_all()};
}

static const char *diag_text(void)
{
        static char text[32768];
        char line[1024];
        size_t i, off = 0;

        text[0] = '\0';
        for (i = 0; i < diags.n && off < sizeof(text); i++)
                off += (size_t)snprintf(text + off, sizeof(text) - off, "%s\n",
                                        diag_format(&diags.v[i], line, sizeof(line)));
        return text;
}

static int has_diag(const char *want)
{
        char line[1024];
        size_t i;

        for (i = 0; i < diags.n; i++)
                if (strcmp(diag_format(&diags.v[i], line, sizeof(line)), want) == 0)
                        return 1;
        return 0;
}

/* Run the schema validator on d, as the loader does before normalizing:
 * what the tests below call valid must be valid to it too. */
static void validate(const struct doc *d)
{
        const struct schema *sch;
        struct diag_list vd;
        struct berth_err err;
        char line[1024];
        size_t i, off = 0;

        sch = schema_load_builtin(&err);
        ck_assert_msg(sch != NULL, "%s", err.msg);
        diag_list_init(&vd);
        ck_assert_int_ge(schema_validate(sch, d->root, d->file, &vd), 0);
        schema_problems[0] = '\0';
        for (i = 0; i < vd.n && off < sizeof(schema_problems); i++)
                if (vd.v[i].severity == DIAG_ERROR)
                        off +=
                            (size_t)snprintf(schema_problems + off, sizeof(schema_problems) - off,
                                             "%s\n", diag_format(&vd.v[i], line, sizeof(line)));
        diag_list_release(&vd);
}

static int run_ctx(const char *yaml, const struct normalize_ctx *c)
{
        struct doc *d = NULL;
        struct berth_err err;

        if (st && !keep) {
                model_state_free(st);
                st = NULL;
                diag_list_release(&diags);
        }
        if (!st) {
                st = model_state_new();
                ck_assert_ptr_nonnull(st);
                diag_list_init(&diags);
        }
        ck_assert_msg(doc_parse(&d, c->file, yaml, strlen(yaml), NULL, &diags, &err) == 0,
                      "YAML: %s", diag_text());
        ck_assert_ptr_nonnull(d);
        validate(d);
        rc = normalize_project(st, d->root, c, &diags, &err);
        if (rc == BERTH_EINVALID)
                ck_assert_int_eq(err.code, BERTH_EINVALID);
        doc_free(d); /* the model must not point into the tree */
        return rc;
}

static const struct model_project *find_project(const struct normalize_ctx *c)
{
        size_t i;

        for (i = 0; i < st->nprojects; i++)
                if (strcmp(st->projects[i].file, c->file) == 0 &&
                    strcmp(st->projects[i].source, c->source) == 0)
                        return &st->projects[i];
        return NULL;
}

static const struct model_project *ok_ctx(const char *yaml, const struct normalize_ctx *c)
{
        const struct model_project *p;

        run_ctx(yaml, c);
        ck_assert_msg(lenient || !schema_problems[0], "the schema refuses it:\n%s",
                      schema_problems);
        ck_assert_msg(rc == 0 && diags.errors == 0, "normalize returned %d:\n%s", rc, diag_text());
        p = find_project(c);
        ck_assert_ptr_nonnull(p);
        return p;
}

static const struct model_project *ok(const char *yaml)
{
        struct normalize_ctx c = ctx_default();

        return ok_ctx(yaml, &c);
}

static const struct model_service *service(const struct model_project *p, const char *name)
{
        const struct model_service *s = model_service_find(p, name);

        ck_assert_msg(s != NULL, "no service '%s'", name);
        return s;
}

static const struct model_service *web(const char *yaml)
{
        return service(ok(yaml), "web");
}

/* Normalizing yaml fails with exactly the line want among the diagnostics,
 * and adds no project. */
static void expect_error_ctx(const char *yaml, const struct normalize_ctx *c, const char *want)
{
        size_t before = st && keep ? st->nprojects : 0;

        run_ctx(yaml, c);
        ck_assert_msg(lenient || !schema_problems[0],
                      "the schema refuses it already (set lenient for a defensive check):\n%s",
                      schema_problems);
        ck_assert_msg(rc == BERTH_EINVALID, "want BERTH_EINVALID, got %d:\n%s", rc, diag_text());
        ck_assert_msg(has_diag(want), "missing diagnostic\n  %s\ngot:\n%s", want, diag_text());
        ck_assert_int_eq(st->nprojects, before);
}

static void expect_error(const char *yaml, const char *want)
{
        struct normalize_ctx c = ctx_default();

        expect_error_ctx(yaml, &c, want);
}

static void expect_warning(const char *yaml, const char *want)
{
        ok(yaml);
        ck_assert_msg(has_diag(want), "missing warning\n  %s\ngot:\n%s", want, diag_text());
}

static void teardown(void)
{
        keep = 0;
        lenient = 0;
        model_state_free(st);
        st = NULL;
        diag_list_release(&diags);
        interp_env_free(env);
        env = NULL;
}

static void strlist_is(const struct model_strlist *l, int set, const char *const *want, size_t n)
{
        size_t i;

        ck_assert_int_eq(l->set, set);
        ck_assert_uint_eq(l->n, n);
        for (i = 0; i < n; i++)
                ck_assert_str_eq(l->v[i], want[i]);
}

static const char *kv_get(const struct model_kvlist *l, const char *key, int *found)
{
        size_t i;

        for (i = 0; i < l->n; i++)
                if (strcmp(l->v[i].key, key) == 0) {
                        *found = 1;
                        return l->v[i].value;
                }
        *found = 0;
        return NULL;
}

/* ---- project names ---- */

static const struct {
        const char *source;
        const char *name;
} names[] = {
    {"shop.yaml", "shop"},
    {"shop.yml", "shop"},
    {"Shop.YAML", "shop"},
    {"team/web.yaml", "team-web"},
    {"Sub/My.App.yaml", "sub-myapp"},
    {"_private.yaml", "private"},
    {"-_x-y_z.yaml", "x-y_z"},
    {"a b+c.yaml", "abc"},
    {"caf\xc3\xa9.yaml", "caf"},
    {"2024/q1.yaml", "2024-q1"},
    {"noext", "noext"},
    {"dir.d/app.yaml", "dird-app"},
};

/* The paths of messages: "parent.key", or key at the top, cut to
 * NZ_PATH - 1 bytes. */
START_TEST(key_paths)
{
        char buf[NZ_PATH], parent[NZ_PATH + 8];

        ck_assert_str_eq(nz_key_path(buf, "", "services"), "services");
        ck_assert_str_eq(nz_key_path(buf, "services.web", "ports"), "services.web.ports");
        ck_assert_str_eq(nz_key_path(buf, "services.web", ""), "services.web.");
        memset(parent, 'a', NZ_PATH - 3);
        parent[NZ_PATH - 3] = '\0';
        ck_assert_uint_eq(strlen(nz_key_path(buf, parent, "xyz")), NZ_PATH - 1);
        ck_assert_str_eq(buf + NZ_PATH - 3, ".x");
        memset(parent, 'a', NZ_PATH + 4);
        parent[NZ_PATH + 4] = '\0';
        ck_assert_uint_eq(strlen(nz_key_path(buf, parent, "k")), NZ_PATH - 1);
        ck_assert_uint_eq(strspn(buf, "a"), NZ_PATH - 1);
}
END_TEST

START_TEST(project_name_from_path)
{
        struct normalize_ctx c = ctx_default();
        const struct model_project *p;

        c.source = names[_i].source;
        p = ok_ctx("services: {}\n", &c);
        ck_assert_str_eq(p->name, names[_i].name);
        ck_assert_str_eq(p->source, names[_i].source);
        ck_assert_str_eq(p->file, FILE_NAME);
}
END_TEST

START_TEST(project_name_written_wins)
{
        struct normalize_ctx c = ctx_default();

        c.source = "Other/Thing.yaml";
        ck_assert_str_eq(ok_ctx("name: shop-2\nservices: {}\n", &c)->name, "shop-2");
}
END_TEST

START_TEST(project_name_errors)
{
        struct normalize_ctx c = ctx_default();

        c.source = "__.yaml";
        expect_error_ctx("services: {}\n", &c,
                         FILE_NAME ": cannot make a project name from the file name '__.yaml': "
                                   "add a top-level name: (lower-case letters, digits, _ and -)");
        lenient = 1; /* the schema refuses this too */
        expect_error("name: Shop\n",
                     FILE_NAME ":1:7: name: 'Shop' is not a project name (lower-case letters, "
                               "digits, _ and -, starting with a letter or digit)");
}
END_TEST

START_TEST(two_files_one_project)
{
        struct normalize_ctx a = ctx_default(), b = ctx_default();

        keep = 1;
        a.file = "manifests/a.yaml";
        a.source = "a.yaml";
        b.file = "manifests/b.yaml";
        b.source = "b.yaml";
        ok_ctx("name: shop\n", &a);
        expect_error_ctx("x-note: hi\nname: shop\n", &b,
                         "manifests/b.yaml:2:7: name: project 'shop' is already defined by "
                         "manifests/a.yaml: two files cannot make one project (set a different "
                         "top-level name:)");
        ck_assert_uint_eq(st->nprojects, 1);
}
END_TEST

START_TEST(projects_stay_sorted)
{
        static const char *const order[] = {"zeta", "alpha", "mid", "beta"};
        struct normalize_ctx c = ctx_default();
        char src[32];
        size_t i;

        keep = 1;
        for (i = 0; i < N(order); i++) {
                snprintf(src, sizeof(src), "%s.yaml", order[i]);
                c.source = src;
                ok_ctx("services: {}\n", &c);
        }
        ck_assert_uint_eq(st->nprojects, 4);
        ck_assert_str_eq(st->projects[0].name, "alpha");
        ck_assert_str_eq(st->projects[1].name, "beta");
        ck_assert_str_eq(st->projects[2].name, "mid");
        ck_assert_str_eq(st->projects[3].name, "zeta");
        ck_assert_ptr_eq(model_project_find(st, "mid"), &st->projects[2]);
}
END_TEST

START_TEST(lists_are_sorted_by_name)
{
        const struct model_project *p = ok("services:\n"
                                           "  web: {image: a, networks: [front, back]}\n"
                                           "  api: {image: a, networks: [back]}\n"
                                           "  db: {image: a}\n"
                                           "networks:\n"
                                           "  front:\n"
                                           "  back:\n"
                                           "volumes:\n"
                                           "  z:\n"
                                           "  a:\n");
        const struct model_service *w = service(p, "web");

        ck_assert_uint_eq(p->nservices, 3);
        ck_assert_str_eq(p->services[0].name, "api");
        ck_assert_str_eq(p->services[1].name, "db");
        ck_assert_str_eq(p->services[2].name, "web");
        ck_assert_uint_eq(p->nnetworks, 3); /* db is on default */
        ck_assert_str_eq(p->networks[0].name, "back");
        ck_assert_str_eq(p->networks[1].name, "default");
        ck_assert_str_eq(p->networks[2].name, "front");
        ck_assert_str_eq(p->volumes[0].name, "a");
        ck_assert_str_eq(p->volumes[1].name, "z");
        ck_assert_uint_eq(w->nnetworks, 2);
        ck_assert_str_eq(w->networks[0].name, "back");
        ck_assert_str_eq(w->networks[1].name, "front");
        ck_assert_int_eq(p->services[2].pos.line, 2);
        ck_assert_int_eq(p->services[2].pos.col, 3);
        ck_assert_str_eq(p->services[2].pos.file, FILE_NAME);
}
END_TEST

/* ---- command and entrypoint ---- */

START_TEST(shell_words)
{
        static const struct {
                const char *in;
                size_t n;
                const char *w[4];
        } t[] = {
            {"echo hello", 2, {"echo", "hello"}},
            {"  a\t b\n c  ", 3, {"a", "b", "c"}},
            {"echo 'a b' \"c d\"", 3, {"echo", "a b", "c d"}},
            {"a\\ b", 1, {"a b"}},
            {"'it''s'", 1, {"its"}},
            {"\"say \\\"hi\\\"\"", 1, {"say \"hi\""}},
            {"\"a\\b\"", 1, {"a\\b"}},
            {"'a\\b'", 1, {"a\\b"}},
            {"\"$HOME\\$x\"", 1, {"$HOME$x"}},
            {"a\"\"b", 1, {"ab"}},
            {"\"\"", 1, {""}},
            {"x ''", 2, {"x", ""}},
            {"", 0, {NULL}},
            {"   ", 0, {NULL}},
            {"a\\\nb", 1, {"ab"}},
            {"sh -c 'echo $1' --", 4, {"sh", "-c", "echo $1", "--"}},
        };
        struct berth_arena *a = berth_arena_new();
        struct berth_err err;
        char **w;
        size_t i, k, n;

        for (i = 0; i < N(t); i++) {
                ck_assert_msg(normalize_shell_split(&w, &n, t[i].in, a, &err) == 0, "%s: %s",
                              t[i].in, err.msg);
                ck_assert_msg(n == t[i].n, "'%s': %zu words, want %zu", t[i].in, n, t[i].n);
                for (k = 0; k < n; k++)
                        ck_assert_str_eq(w[k], t[i].w[k]);
        }
        ck_assert_int_eq(normalize_shell_split(&w, &n, "echo 'a", a, &err), BERTH_EINVALID);
        ck_assert_str_eq(err.msg, "unterminated single quote");
        ck_assert_int_eq(normalize_shell_split(&w, &n, "echo \"a\\\"", a, &err), BERTH_EINVALID);
        ck_assert_str_eq(err.msg, "unterminated double quote");
        ck_assert_int_eq(normalize_shell_split(&w, &n, "echo \\", a, &err), BERTH_EINVALID);
        ck_assert_str_eq(err.msg, "a backslash at the end escapes nothing");
        berth_arena_free(a);
}
END_TEST

START_TEST(command_forms)
{
        static const char *const split[] = {"sh", "-c", "echo 'hi' && sleep 1"};
        static const char *const list[] = {"nginx", "-g", "daemon off;"};
        const struct model_service *s = web("services:\n"
                                            "  web:\n"
                                            "    image: a\n"
                                            "    command: sh -c \"echo 'hi' && sleep 1\"\n"
                                            "    entrypoint: [nginx, -g, 'daemon off;']\n");

        strlist_is(&s->command, 1, split, 3);
        strlist_is(&s->entrypoint, 1, list, 3);
        s = web("services:\n  web:\n    image: a\n    command: []\n    entrypoint: []\n");
        strlist_is(&s->command, 1, NULL, 0);
        strlist_is(&s->entrypoint, 1, NULL, 0);
        s = web("services:\n  web:\n    image: a\n    command:\n    entrypoint: null\n");
        strlist_is(&s->command, 0, NULL, 0);
        strlist_is(&s->entrypoint, 0, NULL, 0);
        s = web("services:\n  web:\n    image: a\n    command: \"\"\n");
        strlist_is(&s->command, 1, NULL, 0);
        expect_error("services:\n  web:\n    image: a\n    command: echo \"hi\n",
                     FILE_NAME ":4:14: services.web.command: cannot split 'echo \"hi' into words: "
                               "unterminated double quote (or write it as a list)");
}
END_TEST

/* ---- environment and labels ---- */

START_TEST(environment_list_and_map)
{
        static const char *const vars[] = {"FROM_ENV=from the environment", "EMPTY_ENV=", NULL};
        struct berth_err err;
        const struct model_service *s;
        int found;

        ck_assert_int_eq(interp_env_new(&env, vars, &err), 0);
        s = web("services:\n"
                "  web:\n"
                "    image: a\n"
                "    environment:\n"
                "      - Z=last\n"
                "      - A=1=2\n"
                "      - EMPTY=\n"
                "      - FROM_ENV\n"
                "      - NOT_SET\n"
                "      - EMPTY_ENV\n"
                "      - DB_PASSWORD=hunter2\n"
                "      - A=again\n");
        ck_assert_uint_eq(s->environment.n, 7);
        ck_assert_str_eq(s->environment.v[0].key, "A");
        ck_assert_str_eq(s->environment.v[0].value, "again"); /* the later one wins */
        ck_assert_str_eq(s->environment.v[1].key, "DB_PASSWORD");
        ck_assert_int_eq(s->environment.v[1].sensitive, 1);
        ck_assert_int_eq(s->environment.v[0].sensitive, 0);
        ck_assert_str_eq(kv_get(&s->environment, "EMPTY", &found), "");
        ck_assert_str_eq(kv_get(&s->environment, "FROM_ENV", &found), "from the environment");
        ck_assert_str_eq(kv_get(&s->environment, "EMPTY_ENV", &found), "");
        ck_assert_ptr_null(kv_get(&s->environment, "NOT_SET", &found));
        ck_assert_int_eq(found, 1);
        ck_assert_str_eq(s->environment.v[6].key, "Z");

        s = web("services:\n"
                "  web:\n"
                "    image: a\n"
                "    environment:\n"
                "      PORT: 8080\n"
                "      RATIO: 1.50\n"
                "      DEBUG: true\n"
                "      ON: yes\n"
                "      OCT: 0o17\n"
                "      QUOTED: \"x y\"\n"
                "      FROM_ENV:\n"
                "      NOT_SET: ~\n"
                "      API_KEY: abc\n");
        ck_assert_str_eq(kv_get(&s->environment, "PORT", &found), "8080");
        ck_assert_str_eq(kv_get(&s->environment, "RATIO", &found), "1.50");
        ck_assert_str_eq(kv_get(&s->environment, "DEBUG", &found), "true");
        ck_assert_str_eq(kv_get(&s->environment, "ON", &found), "yes");
        ck_assert_str_eq(kv_get(&s->environment, "OCT", &found), "0o17");
        ck_assert_str_eq(kv_get(&s->environment, "QUOTED", &found), "x y");
        ck_assert_str_eq(kv_get(&s->environment, "FROM_ENV", &found), "from the environment");
        ck_assert_ptr_null(kv_get(&s->environment, "NOT_SET", &found));
        ck_assert_int_eq(found, 1);
        ck_assert_str_eq(s->environment.v[0].key, "API_KEY");
        ck_assert_int_eq(s->environment.v[0].sensitive, 1);
        expect_error("services:\n  web:\n    image: a\n    environment: [\"=x\"]\n",
                     FILE_NAME ":4:19: services.web.environment[0]: '=x' has no name before '='");
}
END_TEST

START_TEST(environment_without_variables_is_unset)
{
        const struct model_service *s =
            web("services:\n  web:\n    image: a\n    environment: [HOME]\n");

        ck_assert_uint_eq(s->environment.n, 1);
        ck_assert_ptr_null(s->environment.v[0].value);
}
END_TEST

START_TEST(env_file_precedence)
{
        static const char *const vars[] = {"BARE=bare from the environment", "SUB=sub", NULL};
        const char *dir = bt_tmpdir();
        struct normalize_ctx c = ctx_default();
        const struct model_service *s;
        struct berth_err err;
        char conf[512];
        int found;

        ck_assert_int_eq(interp_env_new(&env, vars, &err), 0);
        c.env = env;
        c.dir = dir;
        bt_write_file(dir, "one.env", "A=one\nB=one\n# comment\nONLY_ONE=1\nSUBST=${SUB}-x\n");
        snprintf(conf, sizeof(conf), "%s/conf", dir);
        bt_write_file(conf, "two.env", "B=two\nC=two\nBARE\nUNSET_BARE\n");
        s = service(ok_ctx("services:\n"
                           "  web:\n"
                           "    image: a\n"
                           "    env_file:\n"
                           "      - one.env\n"
                           "      - path: ./conf/two.env\n"
                           "      - path: missing.env\n"
                           "        required: false\n"
                           "    environment:\n"
                           "      C: environment\n",
                           &c),
                    "web");
        ck_assert_str_eq(kv_get(&s->environment, "A", &found), "one");
        ck_assert_str_eq(kv_get(&s->environment, "B", &found), "two");         /* later file */
        ck_assert_str_eq(kv_get(&s->environment, "C", &found), "environment"); /* environment: */
        ck_assert_str_eq(kv_get(&s->environment, "ONLY_ONE", &found), "1");
        ck_assert_str_eq(kv_get(&s->environment, "SUBST", &found), "sub-x");
        ck_assert_str_eq(kv_get(&s->environment, "BARE", &found), "bare from the environment");
        kv_get(&s->environment, "UNSET_BARE", &found);
        ck_assert_int_eq(found, 0);
        ck_assert_uint_eq(s->environment.n, 6);

        /* one string is one file */
        s = service(ok_ctx("services:\n  web:\n    image: a\n    env_file: one.env\n", &c), "web");
        ck_assert_str_eq(kv_get(&s->environment, "A", &found), "one");
}
END_TEST

START_TEST(env_file_errors)
{
        const char *dir = bt_tmpdir();
        struct normalize_ctx c = ctx_default();
        char want[1024];

        c.dir = dir;
        snprintf(want, sizeof(want),
                 FILE_NAME ":4:15: services.web.env_file: env file 'nope.env' does not exist "
                           "(looked for %s/nope.env)",
                 dir);
        expect_error_ctx("services:\n  web:\n    image: a\n    env_file: nope.env\n", &c, want);
        bt_write_file(dir, "bad.env", "GOOD=1\n\nBAD='unterminated\n");
        snprintf(want, sizeof(want), "%s/bad.env:3:5: services.web.env_file[0]: ", dir);
        run_ctx("services:\n  web:\n    image: a\n    env_file: [bad.env]\n", &c);
        ck_assert_int_eq(rc, BERTH_EINVALID);
        ck_assert_msg(strstr(diag_text(), want) != NULL, "want %s in\n%s", want, diag_text());
        expect_error_ctx("services:\n  web:\n    image: a\n    env_file:\n      - path: a.env\n"
                         "        format: raw\n",
                         &c,
                         FILE_NAME ":6:17: services.web.env_file[0].format: env_file format 'raw' "
                                   "is not supported: berth reads env files in Compose's default "
                                   "format");
}
END_TEST

START_TEST(labels_and_sysctls)
{
        const struct model_service *s = web("services:\n"
                                            "  web:\n"
                                            "    image: a\n"
                                            "    labels:\n"
                                            "      - com.example.b=2\n"
                                            "      - com.example.a\n"
                                            "      - com.example.token=t\n"
                                            "    sysctls:\n"
                                            "      net.core.somaxconn: 1024\n"
                                            "      net.ipv4.tcp_syncookies: 0\n");
        int found;

        ck_assert_uint_eq(s->labels.n, 3);
        ck_assert_str_eq(s->labels.v[0].key, "com.example.a");
        ck_assert_str_eq(s->labels.v[0].value, "");
        ck_assert_str_eq(s->labels.v[1].value, "2");
        ck_assert_int_eq(s->labels.v[2].sensitive, 1);
        ck_assert_str_eq(kv_get(&s->sysctls, "net.core.somaxconn", &found), "1024");
        ck_assert_str_eq(s->sysctls.v[1].key, "net.ipv4.tcp_syncookies");
        s = web("services:\n  web:\n    image: a\n    labels: {b: x, a: ~}\n"
                "    sysctls: [net.core.somaxconn=1]\n");
        ck_assert_str_eq(s->labels.v[0].key, "a");
        ck_assert_str_eq(s->labels.v[0].value, "");
        ck_assert_str_eq(kv_get(&s->sysctls, "net.core.somaxconn", &found), "1");
        expect_error("services:\n  web:\n    image: a\n    labels: {berth.project: x}\n",
                     FILE_NAME ":4:13: services.web.labels: label 'berth.project': labels "
                               "starting with 'berth.' are reserved for berth's own");
        expect_error("services:\n  web:\n    image: a\n    sysctls: [net.core.somaxconn]\n",
                     FILE_NAME ":4:15: services.web.sysctls[0]: 'net.core.somaxconn' has no "
                               "value: write net.core.somaxconn=VALUE");
}
END_TEST

/* ---- ports ---- */

struct want_port {
        int target, published;
        const char *ip, *proto;
};

static const struct {
        const char *item;
        size_t n;
        struct want_port p[3];
} port_forms[] = {
    {"80", 1, {{80, 0, NULL, "tcp"}}},
    {"\"80\"", 1, {{80, 0, NULL, "tcp"}}},
    {"\"8080:80\"", 1, {{80, 8080, NULL, "tcp"}}},
    {"\"8080:80/udp\"", 1, {{80, 8080, NULL, "udp"}}},
    {"\"53:53/sctp\"", 1, {{53, 53, NULL, "sctp"}}},
    {"\"8080-8081:80-81\"", 2, {{80, 8080, NULL, "tcp"}, {81, 8081, NULL, "tcp"}}},
    {"\"80-82\"", 3, {{80, 0, NULL, "tcp"}, {81, 0, NULL, "tcp"}, {82, 0, NULL, "tcp"}}},
    {"\"127.0.0.1:8080:80\"", 1, {{80, 8080, "127.0.0.1", "tcp"}}},
    {"\"127.0.0.1::80\"", 1, {{80, 0, "127.0.0.1", "tcp"}}},
    {"\"[::1]:80:80\"", 1, {{80, 80, "::1", "tcp"}}},
    {"\"[::1]::80/udp\"", 1, {{80, 0, "::1", "udp"}}},
    {"\":80\"", 1, {{80, 0, NULL, "tcp"}}},
    {"\"0.0.0.0:9000-9001:90-91/udp\"",
     2,
     {{90, 9000, "0.0.0.0", "udp"}, {91, 9001, "0.0.0.0", "udp"}}},
    {"{target: 80}", 1, {{80, 0, NULL, "tcp"}}},
    {"{target: 80, published: 8080, protocol: udp, host_ip: 10.0.0.1}",
     1,
     {{80, 8080, "10.0.0.1", "udp"}}},
    {"{target: 80, published: \"8080\", mode: host, name: web, app_protocol: http}",
     1,
     {{80, 8080, NULL, "tcp"}}},
    {"{target: 53, published: 0, host_ip: \"[::1]\"}", 1, {{53, 0, "::1", "tcp"}}},
};

START_TEST(port_form)
{
        char yaml[512];
        const struct model_service *s;
        size_t i;

        snprintf(yaml, sizeof(yaml), "services:\n  web:\n    image: a\n    ports:\n      - %s\n",
                 port_forms[_i].item);
        s = web(yaml);
        ck_assert_msg(s->nports == port_forms[_i].n, "%s: %zu ports", port_forms[_i].item,
                      s->nports);
        for (i = 0; i < s->nports; i++) {
                const struct want_port *w = &port_forms[_i].p[i];

                ck_assert_int_eq(s->ports[i].target, w->target);
                ck_assert_int_eq(s->ports[i].published, w->published);
                if (w->ip)
                        ck_assert_str_eq(s->ports[i].host_ip, w->ip);
                else
                        ck_assert_ptr_null(s->ports[i].host_ip);
                ck_assert_str_eq(s->ports[i].protocol, w->proto);
        }
}
END_TEST

static const struct {
        const char *item;
        const char *msg;
        int defensive; /* the schema refuses it too */
} port_errors[] = {
    {"\"9000-9001:90\"", "host port range 9000-9001 needs a container range of the same length", 0},
    {"\"8080-8082:80-81\"",
     "container port range 80-81 needs a host port range of the same "
     "length, or no host port",
     0},
    {"\"8080:80-81\"",
     "container port range 80-81 needs a host port range of the same length, "
     "or no host port",
     0},
    {"\"81-80\"", "'81-80': a port range must go from low to high", 0},
    {"\"8080:0\"", "'8080:0' is not a port mapping (expected [[IP:][HOST]:]CONTAINER[/PROTOCOL])",
     1},
    {"\"70000\"", "'70000' is not a port mapping (expected [[IP:][HOST]:]CONTAINER[/PROTOCOL])", 1},
    {"\"80/icmp\"", "'icmp' is not a protocol (tcp, udp or sctp)", 1},
    {"\"::1:80:80\"",
     "'::1:80:80' is not a port mapping: write an IPv6 address in brackets "
     "([::1]:8080:80)",
     1},
    {"\"[::1]:80\"",
     "'[::1]:80' is not a port mapping (expected [[IP:][HOST]:]CONTAINER[/PROTOCOL])", 1},
    {"0", "0 is not a port (1-65535)", 1},
    {"{published: 80}", "a port needs a target (the container port)", 1},
    {"{target: 80, published: \"9000-9001\"}",
     "host port range 9000-9001 needs a container range of the same length", 0},
    {"\"0-3:80-83\"",
     "'0-3:80-83': host port range 0-3 is not valid: ports start at 1; leave the host port out "
     "for a random port",
     0},
    {"\"127.0.0.1:0-1:80-81/udp\"",
     "'127.0.0.1:0-1:80-81/udp': host port range 0-1 is not valid: ports start at 1; leave the "
     "host port out for a random port",
     0},
};

START_TEST(port_error)
{
        char yaml[512], want[512];

        snprintf(yaml, sizeof(yaml), "services:\n  web:\n    image: a\n    ports:\n      - %s\n",
                 port_errors[_i].item);
        snprintf(want, sizeof(want), FILE_NAME ":5:9: services.web.ports[0]: %s",
                 port_errors[_i].msg);
        lenient = port_errors[_i].defensive;
        expect_error(yaml, want);
}
END_TEST

START_TEST(ports_overlap)
{
        static char tcp[] = "tcp", udp_[] = "udp", all4[] = "0.0.0.0",
                    all6[] = "::", lo4[] = "127.0.0.1", ip[] = "10.0.0.1";
        struct model_port any = {80, 8080, NULL, tcp, {NULL, 0, 0}, 0};
        struct model_port v4 = {81, 8080, all4, tcp, {NULL, 0, 0}, 0};
        struct model_port v6 = {82, 8080, all6, tcp, {NULL, 0, 0}, 0};
        struct model_port lo = {83, 8080, lo4, tcp, {NULL, 0, 0}, 0};
        struct model_port other = {84, 8080, ip, tcp, {NULL, 0, 0}, 0};
        struct model_port udp = {85, 8080, NULL, udp_, {NULL, 0, 0}, 0};
        struct model_port port = {86, 8081, NULL, tcp, {NULL, 0, 0}, 0};
        struct model_port random = {87, 0, NULL, tcp, {NULL, 0, 0}, 0};
        struct model_port sites[] = {any, v4, v6, lo};
        size_t i, j;
        char buf[64];

        for (i = 0; i < 4; i++)
                for (j = 0; j < 4; j++)
                        ck_assert_msg(normalize_ports_overlap(&sites[i], &sites[j]), "%zu %zu", i,
                                      j);
        ck_assert(!normalize_ports_overlap(&lo, &other));
        ck_assert(normalize_ports_overlap(&any, &other));
        ck_assert(!normalize_ports_overlap(&any, &udp));
        ck_assert(!normalize_ports_overlap(&any, &port));
        ck_assert(!normalize_ports_overlap(&random, &random));
        ck_assert_str_eq(normalize_port_host(buf, sizeof(buf), &any), "8080/tcp");
        ck_assert_str_eq(normalize_port_host(buf, sizeof(buf), &lo), "127.0.0.1:8080/tcp");
        ck_assert_str_eq(normalize_port_host(buf, sizeof(buf), &v6), "[::]:8080/tcp");
}
END_TEST

START_TEST(port_positions)
{
        const struct model_service *s =
            web("services:\n  web:\n    image: a\n    ports:\n      - 80\n"
                "      - \"9000-9001:90-91\"\n");

        ck_assert_uint_eq(s->nports, 3);
        ck_assert_uint_eq(s->ports[2].item, 1);
        ck_assert_int_eq(s->ports[2].pos.line, 6);
        ck_assert_int_eq(s->ports[2].pos.col, 9);
        ck_assert_str_eq(s->ports[2].pos.file, FILE_NAME);
        ck_assert_uint_eq(s->ports[0].item, 0);
        ck_assert_int_eq(s->ports[0].pos.line, 5);
}
END_TEST

START_TEST(published_range_from_zero)
{
        expect_error("services:\n"
                     "  web:\n"
                     "    image: a\n"
                     "    ports:\n"
                     "      - target: 80\n"
                     "        published: \"0-3\"\n",
                     FILE_NAME ":6:20: services.web.ports[0].published: published range 0-3 is "
                               "not valid: ports start at 1; leave published out for a random "
                               "port");
        expect_error("services:\n"
                     "  web:\n"
                     "    image: a\n"
                     "    ports: [{target: 80, published: \"0-0\"}]\n",
                     FILE_NAME ":4:37: services.web.ports[0].published: published range 0-0 is "
                               "not valid: ports start at 1; leave published out for a random "
                               "port");
}
END_TEST

START_TEST(expose_forms)
{
        static const char *const want[] = {"80/tcp", "53/udp", "9000/tcp", "9001/tcp", "8080/tcp"};
        const struct model_service *s =
            web("services:\n  web:\n    image: a\n    expose: [80, \"53/udp\", \"9000-9001\", "
                "\"8080\"]\n");

        strlist_is(&s->expose, 1, want, 5);
        lenient = 1; /* the schema refuses this too */
        expect_error("services:\n  web:\n    image: a\n    expose: [\"80:80\"]\n",
                     FILE_NAME ":4:14: services.web.expose[0]: '80:80' is not a port to expose "
                               "(expected PORT[/PROTOCOL])");
        lenient = 0;
}
END_TEST

START_TEST(port_conflicts)
{
        /* file order decides who is "already" there: web is written first */
        expect_error("services:\n"
                     "  web:\n"
                     "    image: a\n"
                     "    ports: [\"8080:80\"]\n"
                     "  api:\n"
                     "    image: a\n"
                     "    ports: [\"8080:8080\"]\n",
                     FILE_NAME ":7:13: services.api.ports[0]: host port 8080/tcp is already "
                               "published by service 'web'");
}
END_TEST

START_TEST(port_conflicts_across_addresses)
{
        expect_error("services:\n"
                     "  web:\n"
                     "    image: a\n"
                     "    ports: [\"127.0.0.1:8080:80\"]\n"
                     "  api:\n"
                     "    image: a\n"
                     "    ports: [\"80\", \"0.0.0.0:8079-8080:79-80\"]\n",
                     FILE_NAME ":7:19: services.api.ports[1]: host port 0.0.0.0:8080/tcp is "
                               "already published by service 'web'");
}
END_TEST

START_TEST(port_conflicts_within_a_service)
{
        expect_error("services:\n"
                     "  web:\n"
                     "    image: a\n"
                     "    ports:\n"
                     "      - \"8080:80\"\n"
                     "      - target: 81\n"
                     "        published: 8080\n",
                     FILE_NAME ":6:9: services.web.ports[1]: host port 8080/tcp is already "
                               "published by ports[0]");
}
END_TEST

START_TEST(port_no_conflict)
{
        const struct model_project *p = ok("services:\n"
                                           "  web:\n"
                                           "    image: a\n"
                                           "    ports: [\"127.0.0.1:8080:80\", \"8080:80/udp\"]\n"
                                           "  api:\n"
                                           "    image: a\n"
                                           "    ports: [\"127.0.0.2:8080:80\", \"80\", \"80\"]\n");

        ck_assert_uint_eq(service(p, "api")->nports, 3);
}
END_TEST

START_TEST(port_with_replicas)
{
        expect_error("services:\n"
                     "  web:\n"
                     "    image: a\n"
                     "    scale: 3\n"
                     "    ports: [\"8080:80\"]\n",
                     FILE_NAME ":5:13: services.web.ports[0]: host port 8080/tcp cannot be "
                               "published by 3 replicas: leave the host port out to get a random "
                               "one per replica");
        ok("services:\n  web:\n    image: a\n    scale: 3\n    ports: [\"80\"]\n");
}
END_TEST

/* ---- volumes ---- */

struct want_mount {
        enum model_mount_type type;
        const char *source, *volume, *target;
        int read_only;
        const char *propagation;
        int create_host_path, nocopy;
        int64_t tmpfs_size, tmpfs_mode;
};

#define U MODEL_UNSET

static const struct {
        const char *item;
        struct want_mount m;
} volume_forms[] = {
    {"data:/data", {MODEL_MOUNT_VOLUME, "shop_data", "data", "/data", 0, NULL, 0, 0, U, U}},
    {"data:/data:ro,nocopy",
     {MODEL_MOUNT_VOLUME, "shop_data", "data", "/data", 1, NULL, 0, 1, U, U}},
    {"ext:/e:rw", {MODEL_MOUNT_VOLUME, "shared-data", "ext", "/e", 0, NULL, 0, 0, U, U}},
    {"named:/n", {MODEL_MOUNT_VOLUME, "custom", "named", "/n", 0, NULL, 0, 0, U, U}},
    {"/var/log:/log:ro", {MODEL_MOUNT_BIND, "/var/log", NULL, "/log", 1, NULL, 1, 0, U, U}},
    {"./conf:/etc/app",
     {MODEL_MOUNT_BIND, "/srv/manifests/conf", NULL, "/etc/app", 0, NULL, 1, 0, U, U}},
    {"../shared/x:/x", {MODEL_MOUNT_BIND, "/srv/shared/x", NULL, "/x", 0, NULL, 1, 0, U, U}},
    {".:/src", {MODEL_MOUNT_BIND, "/srv/manifests", NULL, "/src", 0, NULL, 1, 0, U, U}},
    {"..:/up", {MODEL_MOUNT_BIND, "/srv", NULL, "/up", 0, NULL, 1, 0, U, U}},
    {"./a/../b/./c//:/c",
     {MODEL_MOUNT_BIND, "/srv/manifests/b/c", NULL, "/c", 0, NULL, 1, 0, U, U}},
    {"~/cache:/cache:rshared",
     {MODEL_MOUNT_BIND, "/home/ann/cache", NULL, "/cache", 0, "rshared", 1, 0, U, U}},
    {"~:/home", {MODEL_MOUNT_BIND, "/home/ann", NULL, "/home", 0, NULL, 1, 0, U, U}},
    {"/../../etc:/e", {MODEL_MOUNT_BIND, "/etc", NULL, "/e", 0, NULL, 1, 0, U, U}},
    {"/anon", {MODEL_MOUNT_VOLUME, NULL, NULL, "/anon", 0, NULL, 0, 0, U, U}},
    {"/anon:ro", {MODEL_MOUNT_VOLUME, NULL, NULL, "/anon", 1, NULL, 0, 0, U, U}},
    {"{type: volume, source: data, target: /d, read_only: true, volume: {nocopy: true}}",
     {MODEL_MOUNT_VOLUME, "shop_data", "data", "/d", 1, NULL, 0, 1, U, U}},
    {"{type: volume, target: /anon}",
     {MODEL_MOUNT_VOLUME, NULL, NULL, "/anon", 0, NULL, 0, 0, U, U}},
    {"{type: bind, source: ./x, target: /x, bind: {propagation: rslave, create_host_path: true}}",
     {MODEL_MOUNT_BIND, "/srv/manifests/x", NULL, "/x", 0, "rslave", 1, 0, U, U}},
    {"{type: bind, source: /etc/ssl, target: /ssl, read_only: true, consistency: cached}",
     {MODEL_MOUNT_BIND, "/etc/ssl", NULL, "/ssl", 1, NULL, 0, 0, U, U}},
    {"{type: tmpfs, target: /t, tmpfs: {size: 64m, mode: 0o1777}}",
     {MODEL_MOUNT_TMPFS, NULL, NULL, "/t", 0, NULL, 0, 0, 64 << 20, 01777}},
    {"{type: tmpfs, target: /t, tmpfs: {size: 1000}}",
     {MODEL_MOUNT_TMPFS, NULL, NULL, "/t", 0, NULL, 0, 0, 1000, U}},
    /* container targets cleaned as Compose and the engine clean them */
    {"data:/etc/x/", {MODEL_MOUNT_VOLUME, "shop_data", "data", "/etc/x", 0, NULL, 0, 0, U, U}},
    {"/var/log://a//./b/:ro", {MODEL_MOUNT_BIND, "/var/log", NULL, "/a/b", 1, NULL, 1, 0, U, U}},
    {"/anon/../other/", {MODEL_MOUNT_VOLUME, NULL, NULL, "/other", 0, NULL, 0, 0, U, U}},
    {"{type: volume, source: data, target: /etc/x//}",
     {MODEL_MOUNT_VOLUME, "shop_data", "data", "/etc/x", 0, NULL, 0, 0, U, U}},
    {"{type: tmpfs, target: /t/./u/}",
     {MODEL_MOUNT_TMPFS, NULL, NULL, "/t/u", 0, NULL, 0, 0, U, U}},
};

START_TEST(volume_form)
{
        char yaml[1024];
        const struct model_service *s;
        const struct want_mount *w = &volume_forms[_i].m;
        const struct model_mount *m;

        snprintf(yaml, sizeof(yaml),
                 "services:\n  web:\n    image: a\n    volumes:\n      - %s\n"
                 "volumes:\n  data:\n  ext: {external: true, name: shared-data}\n"
                 "  named: {name: custom}\n",
                 volume_forms[_i].item);
        s = web(yaml);
        ck_assert_uint_eq(s->nmounts, 1);
        m = &s->mounts[0];
        ck_assert_int_eq(m->type, w->type);
        if (w->source)
                ck_assert_str_eq(m->source, w->source);
        else
                ck_assert_ptr_null(m->source);
        if (w->volume)
                ck_assert_str_eq(m->volume, w->volume);
        else
                ck_assert_ptr_null(m->volume);
        ck_assert_str_eq(m->target, w->target);
        ck_assert_int_eq(m->read_only, w->read_only);
        if (w->propagation)
                ck_assert_str_eq(m->propagation, w->propagation);
        else
                ck_assert_ptr_null(m->propagation);
        ck_assert_int_eq(m->create_host_path, w->create_host_path);
        ck_assert_int_eq(m->nocopy, w->nocopy);
        ck_assert_int_eq(m->tmpfs_size, w->tmpfs_size);
        ck_assert_int_eq(m->tmpfs_mode, w->tmpfs_mode);
}
END_TEST

static const struct {
        const char *item;
        const char *msg;
} volume_errors[] = {
    {"db:/data", "volume 'db' is not declared under the top-level volumes key"},
    {"data:/data:ro,rw", "'ro,rw' says both ro and rw"},
    {"./x:/x:nocopy", "nocopy applies only to volumes, not to bind mounts"},
    {"data:/x:rshared", "propagation 'rshared' applies only to bind mounts"},
    {"data:/x:wat", "'wat' is not a volume mode (ro, rw, nocopy, z, Z or a propagation)"},
    {"~bob/x:/x", "'~bob/x': ~user paths are not supported: write the absolute path"},
    {"./x:rel", "target 'rel' must be an absolute path in the container"},
    {"./x:/", "cannot mount over the container's root directory"},
    {"./x:/a/..", "cannot mount over the container's root directory"},
    {"{type: bind, source: /s, target: /./}", "cannot mount over the container's root directory"},
    {"a:b:c:d", "'a:b:c:d' is not a volume (expected [SOURCE:]TARGET[:MODE])"},
    {"{type: tmpfs, source: x, target: /t}", "a tmpfs mount has no source"},
    {"{type: bind, target: /t}", "a bind mount needs a source (the host path)"},
    {"{type: npipe, source: x, target: /t}",
     "'npipe' is not a mount type berth supports (volume, bind or tmpfs)"},
    {"{type: volume, source: data, target: /t, bind: {propagation: shared}}",
     "bind options do not apply to a volume mount"},
};

START_TEST(volume_error)
{
        char yaml[1024];

        snprintf(yaml, sizeof(yaml),
                 "services:\n  web:\n    image: a\n    volumes:\n      - %s\nvolumes:\n  data:\n",
                 volume_errors[_i].item);
        run_ctx(yaml, &(struct normalize_ctx){.file = FILE_NAME,
                                              .source = "shop.yaml",
                                              .dir = "/srv/manifests",
                                              .home = "/home/ann",
                                              .policy = bt_policy_allow_all()});
        ck_assert_int_eq(rc, BERTH_EINVALID);
        ck_assert_msg(strstr(diag_text(), volume_errors[_i].msg) != NULL, "want '%s' in\n%s",
                      volume_errors[_i].msg, diag_text());
        ck_assert_msg(strstr(diag_text(), "services.web.volumes[0]") != NULL, "%s", diag_text());
}
END_TEST

START_TEST(volume_errors_positions)
{
        expect_error("services:\n  web:\n    image: a\n    volumes:\n      - data:/data\n",
                     FILE_NAME ":5:9: services.web.volumes[0]: volume 'data' is not declared "
                               "under the top-level volumes key");
        expect_error("services:\n"
                     "  web:\n"
                     "    image: a\n"
                     "    volumes:\n"
                     "      - /data\n"
                     "      - ./d:/data\n",
                     FILE_NAME ":6:9: services.web.volumes[1]: target /data is already mounted "
                               "by volumes[0]");
        expect_error("services:\n"
                     "  web:\n"
                     "    image: a\n"
                     "    volumes: [/x, /run]\n"
                     "    tmpfs: [/tmp, \"/run:size=1m\"]\n",
                     FILE_NAME ":5:19: services.web.tmpfs[1]: target /run is already mounted by "
                               "volumes[1]");
        expect_error("services:\n"
                     "  web:\n"
                     "    image: a\n"
                     "    volumes: [\"/data/\", \"./d://data/./\"]\n",
                     FILE_NAME ":4:25: services.web.volumes[1]: target /data is already mounted "
                               "by volumes[0]");
        expect_error("services:\n"
                     "  web:\n"
                     "    image: a\n"
                     "    tmpfs: [/run/, \"/x/../run:size=1m\"]\n",
                     FILE_NAME ":4:20: services.web.tmpfs[1]: target /run is already mounted by "
                               "tmpfs[0]");
}
END_TEST

START_TEST(volume_selinux_is_a_warning)
{
        const struct model_service *s;

        expect_warning("services:\n  web:\n    image: a\n    volumes: [\"./x:/x:z\"]\n",
                       FILE_NAME ":4:15: warning: services.web.volumes[0]: ignored: 'z': berth "
                                 "does not relabel for SELinux; label the host path yourself "
                                 "where SELinux is enforcing");
        s = service(&st->projects[0], "web");
        ck_assert_uint_eq(s->nmounts, 1);
        ck_assert_str_eq(s->mounts[0].source, "/srv/manifests/x");
}
END_TEST

START_TEST(relative_and_home_paths_need_context)
{
        struct normalize_ctx c = ctx_default();

        c.home = NULL;
        expect_error_ctx("services:\n  web:\n    image: a\n    volumes: [\"~/x:/x\"]\n", &c,
                         FILE_NAME ":4:15: services.web.volumes[0]: '~/x' starts with ~ but HOME "
                                   "is not set");
}
END_TEST

START_TEST(tmpfs_forms)
{
        static const char *const one[] = {"/run"};
        static const char *const two[] = {"/run:size=64m", "/tmp"};

        strlist_is(&web("services:\n  web:\n    image: a\n    tmpfs: /run\n")->tmpfs, 1, one, 1);
        strlist_is(
            &web("services:\n  web:\n    image: a\n    tmpfs: [\"/run:size=64m\", /tmp]\n")->tmpfs,
            1, two, 2);
        strlist_is(&web("services:\n  web:\n    image: a\n    tmpfs: [\"/run/:size=64m\", "
                        "/a//./../tmp/]\n")
                        ->tmpfs,
                   1, two, 2);
        expect_error("services:\n  web:\n    image: a\n    tmpfs: /x/..\n",
                     FILE_NAME ":4:12: services.web.tmpfs: cannot mount over the container's root "
                               "directory");
        expect_error("services:\n  web:\n    image: a\n    tmpfs: run\n",
                     FILE_NAME ":4:12: services.web.tmpfs: target 'run' must be an absolute path "
                               "in the container");
}
END_TEST

/* ---- networks ---- */

START_TEST(networks_default_and_declared)
{
        const struct model_project *p = ok("services:\n"
                                           "  web:\n"
                                           "    image: a\n"
                                           "    networks:\n"
                                           "      front:\n"
                                           "        aliases: [www, site]\n"
                                           "        ipv4_address: 172.20.0.5\n"
                                           "        priority: 10\n"
                                           "      default:\n"
                                           "  db:\n"
                                           "    image: a\n"
                                           "  host:\n"
                                           "    image: a\n"
                                           "    network_mode: host\n"
                                           "networks:\n"
                                           "  front:\n"
                                           "    driver: bridge\n"
                                           "    driver_opts: {com.docker.network.bridge.name: br9, "
                                           "mtu: 1400}\n"
                                           "    labels: [team=web]\n"
                                           "    internal: true\n"
                                           "    attachable: true\n"
                                           "    enable_ipv6: false\n"
                                           "    ipam:\n"
                                           "      config:\n"
                                           "        - subnet: 172.20.0.0/16\n"
                                           "          gateway: 172.20.0.1\n"
                                           "  outside: {external: true}\n"
                                           "  renamed: {name: my-net}\n"
                                           "  ext2: {external: true, name: their-net}\n");
        const struct model_service *w = service(p, "web"), *db = service(p, "db");
        const struct model_network *n;
        static const char *const aliases[] = {"www", "site"};

        ck_assert_uint_eq(w->nnetworks, 2);
        ck_assert_str_eq(w->networks[0].name, "default");
        ck_assert_str_eq(w->networks[0].engine_name, "shop_default");
        ck_assert_str_eq(w->networks[1].engine_name, "shop_front");
        strlist_is(&w->networks[1].aliases, 1, aliases, 2);
        ck_assert_str_eq(w->networks[1].ipv4_address, "172.20.0.5");
        ck_assert_int_eq(w->networks[1].priority, 10);
        ck_assert_uint_eq(db->nnetworks, 1);
        ck_assert_str_eq(db->networks[0].engine_name, "shop_default");
        ck_assert_uint_eq(service(p, "host")->nnetworks, 0);
        ck_assert_str_eq(service(p, "host")->network_mode, "host");

        n = model_network_find(p, "front");
        ck_assert_str_eq(n->engine_name, "shop_front");
        ck_assert_str_eq(n->driver, "bridge");
        ck_assert_uint_eq(n->driver_opts.n, 2);
        ck_assert_str_eq(n->driver_opts.v[0].key, "com.docker.network.bridge.name");
        ck_assert_str_eq(n->driver_opts.v[1].value, "1400");
        ck_assert_str_eq(n->labels.v[0].value, "web");
        ck_assert_int_eq(n->internal, 1);
        ck_assert_int_eq(n->attachable, 1);
        ck_assert_int_eq(n->enable_ipv6, 0);
        ck_assert_str_eq(n->subnet, "172.20.0.0/16");
        ck_assert_str_eq(n->gateway, "172.20.0.1");
        ck_assert_int_eq(n->pos.line, 16);
        ck_assert_str_eq(model_network_find(p, "outside")->engine_name, "outside");
        ck_assert_int_eq(model_network_find(p, "outside")->external, 1);
        ck_assert_str_eq(model_network_find(p, "renamed")->engine_name, "my-net");
        ck_assert_str_eq(model_network_find(p, "ext2")->engine_name, "their-net");
        n = model_network_find(p, "default");
        ck_assert_str_eq(n->engine_name, "shop_default");
        ck_assert_int_eq(n->external, 0);
        ck_assert_ptr_null(n->driver);
}
END_TEST

START_TEST(networks_no_default_when_unused)
{
        const struct model_project *p = ok("services:\n  web: {image: a, networks: [front]}\n"
                                           "networks: {front: }\n");

        ck_assert_uint_eq(p->nnetworks, 1);
        ck_assert_ptr_null(model_network_find(p, "default"));
}
END_TEST

START_TEST(networks_declared_default)
{
        const struct model_project *p =
            ok("services:\n  web: {image: a}\nnetworks:\n  default: {external: true, name: "
               "shared}\n");

        ck_assert_uint_eq(p->nnetworks, 1);
        ck_assert_str_eq(service(p, "web")->networks[0].engine_name, "shared");
}
END_TEST

START_TEST(network_errors)
{
        expect_error("services:\n  web:\n    image: a\n    networks: [front]\n",
                     FILE_NAME ":4:16: services.web.networks[0]: network 'front' is not declared "
                               "under the top-level networks key");
        expect_error("services:\n  web:\n    image: a\n    networks: {back: {aliases: [b]}}\n",
                     FILE_NAME ":4:16: services.web.networks.back: network 'back' is not "
                               "declared under the top-level networks key");
        expect_error("services:\n  web:\n    image: a\n    network_mode: host\n    networks: "
                     "[default]\n",
                     FILE_NAME ":4:5: services.web.network_mode: network_mode and networks cannot "
                               "be used together: a container with a network_mode joins no "
                               "project network");
        expect_error("services:\n  web:\n    image: a\n    network_mode: service:vpn\n",
                     FILE_NAME ":4:19: services.web.network_mode: service 'vpn' is not defined "
                               "in this project");
        expect_error("services:\n  web:\n    image: a\n    network_mode: service:web\n",
                     FILE_NAME ":4:19: services.web.network_mode: a service cannot use its own "
                               "network namespace");
        expect_error("networks:\n  outside:\n    external: true\n    driver: overlay\n",
                     FILE_NAME ":4:5: networks.outside.driver: an external network cannot set "
                               "driver: it is created outside berth");
}
END_TEST

START_TEST(network_mode_service)
{
        const struct model_project *p =
            ok("services:\n  vpn: {image: a}\n  web: {image: a, network_mode: \"service:vpn\"}\n");

        ck_assert_str_eq(service(p, "web")->network_mode, "service:vpn");
        ck_assert_uint_eq(service(p, "web")->nnetworks, 0);
}
END_TEST

START_TEST(top_level_volumes)
{
        const struct model_project *p = ok("volumes:\n"
                                           "  data:\n"
                                           "  cache:\n"
                                           "    driver: local\n"
                                           "    driver_opts: {type: tmpfs, device: tmpfs}\n"
                                           "    labels: {backup: \"no\"}\n"
                                           "  old: {external: true}\n"
                                           "  keep: {name: keep-forever}\n");
        const struct model_volume *v = model_volume_find(p, "cache");

        ck_assert_str_eq(model_volume_find(p, "data")->engine_name, "shop_data");
        ck_assert_str_eq(v->engine_name, "shop_cache");
        ck_assert_str_eq(v->driver, "local");
        ck_assert_str_eq(v->driver_opts.v[0].key, "device");
        ck_assert_str_eq(v->labels.v[0].value, "no");
        ck_assert_int_eq(v->pos.line, 3);
        ck_assert_str_eq(model_volume_find(p, "old")->engine_name, "old");
        ck_assert_int_eq(model_volume_find(p, "old")->external, 1);
        ck_assert_str_eq(model_volume_find(p, "keep")->engine_name, "keep-forever");
        expect_error("volumes:\n  old:\n    external: true\n    driver_opts: {a: b}\n",
                     FILE_NAME ":4:5: volumes.old.driver_opts: an external volume cannot set "
                               "driver_opts: it is created outside berth");
}
END_TEST

/* ---- depends_on ---- */

START_TEST(depends_on_forms)
{
        const struct model_project *p = ok("services:\n"
                                           "  web:\n"
                                           "    image: a\n"
                                           "    depends_on: [db, cache]\n"
                                           "  api:\n"
                                           "    image: a\n"
                                           "    depends_on:\n"
                                           "      db: {condition: service_healthy, restart: true}\n"
                                           "      migrate:\n"
                                           "        condition: service_completed_successfully\n"
                                           "        required: false\n"
                                           "      optional: {condition: service_started, "
                                           "required: false}\n"
                                           "  db: {image: a}\n"
                                           "  cache: {image: a}\n"
                                           "  migrate: {image: a}\n");
        const struct model_service *w = service(p, "web"), *a = service(p, "api");

        ck_assert_uint_eq(w->ndepends_on, 2);
        ck_assert_str_eq(w->depends_on[0].service, "db");
        ck_assert_int_eq(w->depends_on[0].condition, MODEL_COND_STARTED);
        ck_assert_int_eq(w->depends_on[0].required, 1);
        ck_assert_int_eq(w->depends_on[0].restart, 0);
        ck_assert_int_eq(w->depends_on[1].pos.line, 4);
        ck_assert_int_eq(w->depends_on[1].pos.col, 22);
        ck_assert_uint_eq(a->ndepends_on, 2); /* optional is not defined: dropped */
        ck_assert_int_eq(a->depends_on[0].condition, MODEL_COND_HEALTHY);
        ck_assert_int_eq(a->depends_on[0].restart, 1);
        ck_assert_int_eq(a->depends_on[1].condition, MODEL_COND_COMPLETED);
        ck_assert_int_eq(a->depends_on[1].required, 0);
        ck_assert_msg(has_diag(FILE_NAME ":12:7: warning: services.api.depends_on.optional: "
                                         "service 'optional' is not defined in this project; "
                                         "ignored (required: false)"),
                      "%s", diag_text());
}
END_TEST

START_TEST(depends_on_errors)
{
        expect_error("services:\n  web:\n    image: a\n    depends_on:\n      db: {condition: "
                     "service_started}\n",
                     FILE_NAME ":5:7: services.web.depends_on.db: service 'db' is not defined in "
                               "this project");
        expect_error("services:\n  web:\n    image: a\n    depends_on: [api, db]\n  api: {image: "
                     "a}\n",
                     FILE_NAME ":4:23: services.web.depends_on[1]: service 'db' is not defined in "
                               "this project");
}
END_TEST

START_TEST(depends_on_cycles)
{
        expect_error("services:\n"
                     "  c: {image: x, depends_on: [a]}\n"
                     "  b: {image: x, depends_on: [c]}\n"
                     "  a: {image: x, depends_on: [b]}\n"
                     "  d: {image: x, depends_on: [a]}\n",
                     FILE_NAME ":4:30: services.a.depends_on: dependency cycle: a -> b -> c -> a");
        ck_assert_uint_eq(diags.errors, 1);
        expect_error("services:\n  a: {image: x, depends_on: [a]}\n",
                     FILE_NAME ":2:30: services.a.depends_on: dependency cycle: a -> a");
        expect_error("services:\n"
                     "  x: {image: x, depends_on: [y]}\n"
                     "  y: {image: x, depends_on: {z: {condition: service_healthy}}}\n"
                     "  z: {image: x, depends_on: [y]}\n",
                     FILE_NAME ":3:30: services.y.depends_on: dependency cycle: y -> z -> y");
}
END_TEST

/* ---- healthcheck, restart, replicas, resources ---- */

START_TEST(healthcheck_forms)
{
        static const char *const shell[] = {"CMD-SHELL", "curl -f http://localhost/ || exit 1"};
        static const char *const cmd[] = {"CMD", "pg_isready", "-U", "app"};
        static const char *const none[] = {"NONE"};
        const struct model_service *s;

        s = web("services:\n  web:\n    image: a\n    healthcheck:\n"
                "      test: curl -f http://localhost/ || exit 1\n"
                "      interval: 1m30s\n      timeout: 500ms\n      start_period: 1.5s\n"
                "      retries: 3\n");
        ck_assert_int_eq(s->healthcheck.set, 1);
        ck_assert_int_eq(s->healthcheck.disable, 0);
        strlist_is(&s->healthcheck.test, 1, shell, 2);
        ck_assert_int_eq(s->healthcheck.interval, 90000000000LL);
        ck_assert_int_eq(s->healthcheck.timeout, 500000000LL);
        ck_assert_int_eq(s->healthcheck.start_period, 1500000000LL);
        ck_assert_int_eq(s->healthcheck.retries, 3);

        s = web("services:\n  web:\n    image: a\n    healthcheck: {test: [CMD, pg_isready, -U, "
                "app]}\n");
        strlist_is(&s->healthcheck.test, 1, cmd, 4);
        ck_assert_int_eq(s->healthcheck.interval, MODEL_UNSET);
        ck_assert_int_eq(s->healthcheck.retries, MODEL_UNSET);

        s = web("services:\n  web:\n    image: a\n    healthcheck: {test: [NONE]}\n");
        ck_assert_int_eq(s->healthcheck.disable, 1);
        strlist_is(&s->healthcheck.test, 1, none, 1);
        s = web("services:\n  web:\n    image: a\n    healthcheck: {disable: true}\n");
        ck_assert_int_eq(s->healthcheck.disable, 1);
        strlist_is(&s->healthcheck.test, 1, none, 1);
        s = web("services:\n  web:\n    image: a\n    healthcheck: {interval: 10s}\n");
        ck_assert_int_eq(s->healthcheck.set, 1);
        strlist_is(&s->healthcheck.test, 0, NULL, 0);
        s = web("services:\n  web:\n    image: a\n");
        ck_assert_int_eq(s->healthcheck.set, 0);

        expect_error("services:\n  web:\n    image: a\n    healthcheck:\n      test: [CMD, x]\n"
                     "      disable: true\n",
                     FILE_NAME ":6:7: services.web.healthcheck.disable: disable: true and a test "
                               "cannot be used together: remove one");
        expect_error("services:\n  web:\n    image: a\n    healthcheck: {test: [curl, x]}\n",
                     FILE_NAME
                     ":4:26: services.web.healthcheck.test: a test list starts with "
                     "CMD, CMD-SHELL or NONE, not 'curl' (write [\"CMD\", \"curl\", ...])");
        lenient = 1; /* the schema refuses this too */
        expect_error("services:\n  web:\n    image: a\n    healthcheck: {interval: 10}\n",
                     FILE_NAME ":4:29: services.web.healthcheck.interval: '10' is not a duration: "
                               "missing unit after '10' (use ns, us, ms, s, m or h)");
        lenient = 0;
}
END_TEST

static const struct {
        const char *text;
        enum model_restart policy;
        int64_t retries;
} restarts[] = {
    {"\"no\"", MODEL_RESTART_NO, U},
    {"no", MODEL_RESTART_NO, U},
    {"always", MODEL_RESTART_ALWAYS, U},
    {"unless-stopped", MODEL_RESTART_UNLESS_STOPPED, U},
    {"on-failure", MODEL_RESTART_ON_FAILURE, U},
    {"on-failure:5", MODEL_RESTART_ON_FAILURE, 5},
    {"\"on-failure:0\"", MODEL_RESTART_ON_FAILURE, 0},
};

START_TEST(restart_policies)
{
        char yaml[256];
        const struct model_service *s;

        snprintf(yaml, sizeof(yaml), "services:\n  web:\n    image: a\n    restart: %s\n",
                 restarts[_i].text);
        s = web(yaml);
        ck_assert_int_eq(s->restart, restarts[_i].policy);
        ck_assert_int_eq(s->restart_max_retries, restarts[_i].retries);
}
END_TEST

START_TEST(restart_errors)
{
        lenient = 1; /* the schema's pattern refuses these too */
        expect_error("services:\n  web:\n    image: a\n    restart: on-failure:x\n",
                     FILE_NAME ":4:14: services.web.restart: 'on-failure:x' is not a restart "
                               "policy: on-failure takes a number of retries (on-failure:3)");
        expect_error("services:\n  web:\n    image: a\n    restart: sometimes\n",
                     FILE_NAME ":4:14: services.web.restart: 'sometimes' is not a restart policy "
                               "(\"no\", always, unless-stopped or on-failure[:N])");
}
END_TEST

START_TEST(defaults_when_unset)
{
        const struct model_service *s = web("services:\n  web:\n    image: nginx:1.25\n");

        ck_assert_str_eq(s->image, "nginx:1.25");
        ck_assert_int_eq(s->replicas, 1);
        ck_assert_int_eq(s->restart, MODEL_RESTART_NO);
        ck_assert_int_eq(s->restart_max_retries, MODEL_UNSET);
        ck_assert_int_eq(s->stop_grace_period, MODEL_UNSET);
        ck_assert_int_eq(s->mem_limit, MODEL_UNSET);
        ck_assert_int_eq(s->mem_reservation, MODEL_UNSET);
        ck_assert_int_eq(s->nano_cpus, MODEL_UNSET);
        ck_assert_int_eq(s->pids_limit, MODEL_UNSET);
        ck_assert_int_eq(s->shm_size, MODEL_UNSET);
        ck_assert_int_eq(s->init, -1);
        ck_assert_int_eq(s->pull_policy, MODEL_PULL_MISSING);
        ck_assert_int_eq(s->update_order, MODEL_UPDATE_STOP_FIRST);
        ck_assert_int_eq(s->failure_action, MODEL_FAIL_PAUSE);
        ck_assert_int_eq(s->update_monitor, MODEL_UNSET);
        ck_assert_int_eq(s->command.set, 0);
        ck_assert_int_eq(s->cap_add.set, 0);
        ck_assert_int_eq(s->extra_hosts.set, 0);
        ck_assert_ptr_null(s->container_name);
        ck_assert_ptr_null(s->network_mode);
        ck_assert_ptr_null(s->log_driver);
        ck_assert_uint_eq(s->nports + s->nmounts + s->ndepends_on + s->nulimits, 0);
        ck_assert_uint_eq(s->environment.n + s->labels.n + s->sysctls.n, 0);
}
END_TEST

START_TEST(replicas_and_container_name)
{
        ck_assert_int_eq(web("services:\n  web: {image: a, scale: 3}\n")->replicas, 3);
        ck_assert_int_eq(web("services:\n  web: {image: a, deploy: {replicas: 0}}\n")->replicas, 0);
        ck_assert_int_eq(
            web("services:\n  web: {image: a, scale: 2, deploy: {replicas: 2}}\n")->replicas, 2);
        ck_assert_str_eq(
            web("services:\n  web: {image: a, container_name: legacy}\n")->container_name,
            "legacy");
        expect_error(
            "services:\n  web:\n    image: a\n    scale: 2\n    deploy:\n      replicas: 3\n",
            FILE_NAME ":6:17: services.web.deploy.replicas: scale: 2 and "
                      "deploy.replicas: 3 disagree: write only one of them");
        expect_error("services:\n  web:\n    image: a\n    container_name: web\n    deploy: "
                     "{replicas: 3}\n",
                     FILE_NAME ":4:21: services.web.container_name: a fixed container_name cannot "
                               "have 3 replicas");
        expect_error("services:\n  web: {image: a, container_name: one}\n  api: {image: a, "
                     "container_name: one}\n",
                     FILE_NAME ":3:35: services.api.container_name: container name 'one' is "
                               "already used by service 'web'");
        lenient = 1; /* the schema refuses this too */
        expect_error("services:\n  web: {image: a, scale: -1}\n",
                     FILE_NAME ":2:26: services.web.scale: cannot be negative");
        lenient = 0;
}
END_TEST

START_TEST(resources)
{
        const struct model_service *s = web("services:\n"
                                            "  web:\n"
                                            "    image: a\n"
                                            "    mem_limit: 512m\n"
                                            "    mem_reservation: 268435456\n"
                                            "    cpus: 0.5\n"
                                            "    pids_limit: 100\n"
                                            "    shm_size: 1gb\n"
                                            "    stop_grace_period: 1m30s\n");

        ck_assert_int_eq(s->mem_limit, 512LL << 20);
        ck_assert_int_eq(s->mem_reservation, 256LL << 20);
        ck_assert_int_eq(s->nano_cpus, 500000000);
        ck_assert_int_eq(s->pids_limit, 100);
        ck_assert_int_eq(s->shm_size, 1LL << 30);
        ck_assert_int_eq(s->stop_grace_period, 90000000000LL);
        s = web("services:\n"
                "  web:\n"
                "    image: a\n"
                "    mem_limit: 1g\n"
                "    deploy:\n"
                "      resources:\n"
                "        limits: {memory: 1024m, cpus: \"1.25\", pids: -1}\n"
                "        reservations: {memory: 64m}\n");
        ck_assert_int_eq(s->mem_limit, 1LL << 30);
        ck_assert_int_eq(s->nano_cpus, 1250000000);
        ck_assert_int_eq(s->pids_limit, -1);
        ck_assert_int_eq(s->mem_reservation, 64LL << 20);
        expect_error("services:\n"
                     "  web:\n"
                     "    image: a\n"
                     "    mem_limit: 512m\n"
                     "    deploy:\n"
                     "      resources:\n"
                     "        limits: {memory: 1g}\n",
                     FILE_NAME ":7:26: services.web.deploy.resources.limits.memory: mem_limit: "
                               "512m and deploy.resources.limits.memory: 1g disagree: write only "
                               "one of them");
        expect_error("services:\n  web: {image: a, cpus: 0.0000000001}\n",
                     FILE_NAME ":2:25: services.web.cpus: '0.0000000001' is too precise a number "
                               "of CPUs (at most 9 decimal places)");
        lenient = 1; /* the schema refuses this too */
        expect_error("services:\n  web: {image: a, mem_limit: 12 parsecs}\n",
                     FILE_NAME ":2:30: services.web.mem_limit: '12 parsecs' is not a size (write "
                               "bytes as a number, or like 512m, 1g, 64k)");
        lenient = 0;
        expect_error("services:\n  web: {image: a, stop_grace_period: 99999999h}\n",
                     FILE_NAME ":2:38: services.web.stop_grace_period: '99999999h' is out of "
                               "range for a duration (at most about 292 years)");
}
END_TEST

START_TEST(small_keys)
{
        static const char *const add[] = {"NET_ADMIN", "CAP_SYS_TIME"};
        static const char *const drop[] = {"ALL"};
        static const char *const hosts[] = {"db:10.0.0.2",  "cache:10.0.0.3", "v6:::1",
                                            "api:10.0.0.4", "api:10.0.0.5",   "one:1.2.3.4"};
        static const char *const dns[] = {"8.8.8.8"};
        static const char *const search[] = {"a.example", "b.example"};
        static const char *const opt[] = {"use-vc"};
        static const char *const sec[] = {"no-new-privileges:true"};
        static const char *const profiles[] = {"debug"};
        const struct model_service *s =
            web("services:\n"
                "  web:\n"
                "    image: a\n"
                "    cap_add: [net_admin, cap_Sys_time]\n"
                "    cap_drop: [all]\n"
                "    privileged: true\n"
                "    read_only: true\n"
                "    tty: true\n"
                "    stdin_open: false\n"
                "    init: false\n"
                "    extra_hosts: [\"db:10.0.0.2\", \"cache=10.0.0.3\", "
                "\"v6:::1\"]\n"
                "    dns: 8.8.8.8\n"
                "    dns_search: [a.example, b.example]\n"
                "    dns_opt: [use-vc]\n"
                "    security_opt: [\"no-new-privileges:true\"]\n"
                "    profiles: [debug]\n"
                "    hostname: web1\n"
                "    user: \"1000:1000\"\n"
                "    working_dir: /app\n"
                "    stop_signal: SIGQUIT\n"
                "    logging:\n"
                "      driver: json-file\n"
                "      options: {max-size: 10m, max-file: 3}\n"
                "    pull_policy: if_not_present\n"
                "    ulimits:\n"
                "      nproc: 65535\n"
                "      nofile: {soft: 20000, hard: 40000}\n"
                "    deploy:\n"
                "      update_config:\n"
                "        order: start-first\n"
                "        failure_action: rollback\n"
                "        monitor: 30s\n");
        int found;

        strlist_is(&s->cap_add, 1, add, 2);
        strlist_is(&s->cap_drop, 1, drop, 1);
        ck_assert_int_eq(s->privileged, 1);
        ck_assert_int_eq(s->read_only, 1);
        ck_assert_int_eq(s->tty, 1);
        ck_assert_int_eq(s->stdin_open, 0);
        ck_assert_int_eq(s->init, 0);
        strlist_is(&s->extra_hosts, 1, hosts, 3);
        strlist_is(&s->dns, 1, dns, 1);
        strlist_is(&s->dns_search, 1, search, 2);
        strlist_is(&s->dns_opt, 1, opt, 1);
        strlist_is(&s->security_opt, 1, sec, 1);
        strlist_is(&s->profiles, 1, profiles, 1);
        ck_assert_str_eq(s->hostname, "web1");
        ck_assert_str_eq(s->user, "1000:1000");
        ck_assert_str_eq(s->working_dir, "/app");
        ck_assert_str_eq(s->stop_signal, "SIGQUIT");
        ck_assert_str_eq(s->log_driver, "json-file");
        ck_assert_str_eq(kv_get(&s->log_options, "max-file", &found), "3");
        ck_assert_str_eq(s->log_options.v[1].key, "max-size");
        ck_assert_int_eq(s->pull_policy, MODEL_PULL_MISSING);
        ck_assert_uint_eq(s->nulimits, 2);
        ck_assert_str_eq(s->ulimits[0].name, "nofile");
        ck_assert_int_eq(s->ulimits[0].soft, 20000);
        ck_assert_int_eq(s->ulimits[0].hard, 40000);
        ck_assert_str_eq(s->ulimits[1].name, "nproc");
        ck_assert_int_eq(s->ulimits[1].soft, 65535);
        ck_assert_int_eq(s->ulimits[1].hard, 65535);
        ck_assert_int_eq(s->update_order, MODEL_UPDATE_START_FIRST);
        ck_assert_int_eq(s->failure_action, MODEL_FAIL_ROLLBACK);
        ck_assert_int_eq(s->update_monitor, 30000000000LL);

        s = web(
            "services:\n  web:\n    image: a\n    extra_hosts:\n      api: [10.0.0.4, 10.0.0.5]\n"
            "      one: 1.2.3.4\n    pull_policy: never\n");
        strlist_is(&s->extra_hosts, 1, hosts + 3, 3);
        ck_assert_int_eq(s->pull_policy, MODEL_PULL_NEVER);
        expect_error(
            "services:\n  web:\n    image: a\n    ulimits:\n      nofile: {soft: 2, hard: 1}\n",
            FILE_NAME ":5:22: services.web.ulimits.nofile: soft limit 2 is above the hard "
                      "limit 1");
}
END_TEST

/* ---- host namespaces and devices ---- */

static void device_is(const struct model_device *d, const char *host, const char *container,
                      const char *permissions, size_t item)
{
        ck_assert_str_eq(d->host, host);
        ck_assert_str_eq(d->container, container);
        ck_assert_str_eq(d->permissions, permissions);
        ck_assert_uint_eq(d->item, item);
}

START_TEST(namespaces_and_devices)
{
        static const char *const ipc[] = {"host", "private", "shareable", "none"};
        const struct model_service *s =
            web("services:\n"
                "  web:\n"
                "    image: a\n"
                "    pid: host\n"
                "    ipc: shareable\n"
                "    userns_mode: host\n"
                "    devices:\n"
                "      - /dev/fuse\n"
                "      - /dev/null:/dev/berthnull:r\n"
                "      - /dev/zero:mw\n"
                "      - //dev/./dri/../dri/card0/:/dev/dri//card0:mwr\n");
        char yaml[256];
        size_t i;

        ck_assert_str_eq(s->pid, "host");
        ck_assert_str_eq(s->ipc, "shareable");
        ck_assert_str_eq(s->userns_mode, "host");
        /* sorted by host path (the engine does not mind the order) */
        ck_assert_uint_eq(s->ndevices, 4);
        /* paths cleaned; permissions in r, w, m order */
        device_is(&s->devices[0], "/dev/dri/card0", "/dev/dri/card0", "rwm", 3);
        device_is(&s->devices[1], "/dev/fuse", "/dev/fuse", "rwm", 0);
        device_is(&s->devices[2], "/dev/null", "/dev/berthnull", "r", 1);
        /* HOST:PERMISSIONS, as docker run --device reads it */
        device_is(&s->devices[3], "/dev/zero", "/dev/zero", "wm", 2);
        for (i = 0; i < N(ipc); i++) {
                snprintf(yaml, sizeof(yaml), "services:\n  web:\n    image: a\n    ipc: %s\n",
                         ipc[i]);
                ck_assert_str_eq(web(yaml)->ipc, ipc[i]);
        }
        /* not written, or an empty list: nothing */
        s = web("services:\n  web:\n    image: a\n    devices: []\n");
        ck_assert_ptr_null(s->pid);
        ck_assert_ptr_null(s->ipc);
        ck_assert_ptr_null(s->userns_mode);
        ck_assert_uint_eq(s->ndevices, 0);
}
END_TEST

static const struct {
        const char *item, *want; /* the whole line after "FILE:5:9: services.web.devices[0]: " */
} device_errors[] = {
    {"dev/fuse",
     "'dev/fuse': the host path 'dev/fuse' is not absolute: write the device from '/' (like "
     "/dev/fuse)"},
    {"\"\"", "'': the host path '' is not absolute: write the device from '/' (like /dev/fuse)"},
    {"/dev/fuse:fuse",
     "'/dev/fuse:fuse': 'fuse' is neither a path in the container (from '/') nor permissions (r, "
     "w and m): write HOST[:CONTAINER[:PERMISSIONS]]"},
    {"/dev/fuse:rwx",
     "'/dev/fuse:rwx': 'rwx' is neither a path in the container (from '/') nor permissions (r, w "
     "and m): write HOST[:CONTAINER[:PERMISSIONS]]"},
    {"\"/dev/fuse:\"",
     "'/dev/fuse:': '' is neither a path in the container (from '/') nor permissions (r, w and "
     "m): write HOST[:CONTAINER[:PERMISSIONS]]"},
    {"/dev/fuse:dev/fuse:r",
     "'/dev/fuse:dev/fuse:r': the container path 'dev/fuse' is not absolute: write it from '/' "
     "(like /dev/fuse:/dev/fuse)"},
    {"/dev/fuse:/dev/fuse:rx",
     "'/dev/fuse:/dev/fuse:rx': 'rx' are not device permissions: write one or more of r, w and "
     "m, each once (like r, rw or rwm)"},
    {"/dev/fuse:/dev/fuse:rr",
     "'/dev/fuse:/dev/fuse:rr': 'rr' are not device permissions: write one or more of r, w and "
     "m, each once (like r, rw or rwm)"},
    {"\"/dev/fuse:/dev/fuse:\"",
     "'/dev/fuse:/dev/fuse:': '' are not device permissions: write one or more of r, w and m, "
     "each once (like r, rw or rwm)"},
    {"/dev/fuse:/dev/fuse:r:w",
     "'/dev/fuse:/dev/fuse:r:w' has more than three parts: write HOST[:CONTAINER[:PERMISSIONS]] "
     "(like /dev/sda:/dev/xvda:rw)"},
};

START_TEST(device_error)
{
        char yaml[512], want[1024];

        snprintf(yaml, sizeof(yaml), "services:\n  web:\n    image: a\n    devices:\n      - %s\n",
                 device_errors[_i].item);
        snprintf(want, sizeof(want), FILE_NAME ":5:9: services.web.devices[0]: %s",
                 device_errors[_i].want);
        expect_error(yaml, want);
}
END_TEST

START_TEST(device_used_twice)
{
        expect_error("services:\n  web:\n    image: a\n    devices:\n"
                     "      - /dev/null:/dev/x\n      - /dev/zero:/dev/./x:r\n",
                     FILE_NAME ":6:9: services.web.devices[1]: /dev/x in the container is already "
                               "given by devices[0]");
}
END_TEST

/* The schema says what is wrong with a mode first; normalize says the same
 * when it sees one anyway. */
static const struct {
        const char *key, *want;
} namespace_errors[] = {
    {"pid: container:db",
     ":4:10: services.web.pid: \"container:db\" must be host (the host's PID namespace; remove "
     "the key for the container's own)"},
    {"pid: private",
     ":4:10: services.web.pid: \"private\" must be host (the host's PID namespace; remove the "
     "key for the container's own)"},
    {"ipc: service:db",
     ":4:10: services.web.ipc: \"service:db\" must be host, private, shareable or none (berth "
     "does not join another container's IPC namespace)"},
    {"ipc: container:db",
     ":4:10: services.web.ipc: \"container:db\" must be host, private, shareable or none (berth "
     "does not join another container's IPC namespace)"},
    {"userns_mode: private",
     ":4:18: services.web.userns_mode: \"private\" must be host (the host's user namespace; "
     "remove the key for the engine's default)"},
};

START_TEST(namespace_error)
{
        char yaml[256], want[512];

        snprintf(yaml, sizeof(yaml), "services:\n  web:\n    image: a\n    %s\n",
                 namespace_errors[_i].key);
        snprintf(want, sizeof(want), FILE_NAME "%s\n", namespace_errors[_i].want);
        lenient = 1;
        run_ctx(yaml, &(struct normalize_ctx){.file = FILE_NAME,
                                              .source = "shop.yaml",
                                              .policy = bt_policy_allow_all()});
        ck_assert_msg(!strcmp(schema_problems, want), "the schema says\n%s\nnot\n%s",
                      schema_problems, want);
        ck_assert_int_eq(rc, BERTH_EINVALID);
        ck_assert_msg(!strcmp(diag_text(), want), "normalize says\n%s\nnot\n%s", diag_text(), want);
}
END_TEST

START_TEST(ignored_keys_warn)
{
        expect_warning("services:\n  web:\n    image: a\n    domainname: example.com\n",
                       FILE_NAME ":4:5: warning: services.web.domainname: ignored: berth does not "
                                 "set a container's domain name");
        expect_warning("services:\n  web:\n    image: a\n    deploy:\n      update_config: "
                       "{parallelism: 2}\n",
                       FILE_NAME ":5:23: warning: services.web.deploy.update_config.parallelism: "
                                 "ignored: berth updates the replicas of a service one by one");
}
END_TEST

/* ---- wrong shapes never crash ---- */

static const struct {
        const char *yaml;
        const char *want;
} shapes[] = {
    {"- a\n- b\n", FILE_NAME ":1:1: expected a mapping of top-level keys (services, networks, "
                             "volumes), got sequence"},
    {"services: [web]\n", FILE_NAME ":1:11: services: expected a mapping, got sequence"},
    {"services:\n  web: nginx\n", FILE_NAME ":2:8: services.web: expected a mapping, got string"},
    {"services:\n  web: {command: x}\n",
     FILE_NAME ":2:3: services.web: every service needs an image: berth runs pre-built images"},
    {"services:\n  web: {image: [a]}\n",
     FILE_NAME ":2:16: services.web.image: expected a string, got sequence"},
    {"services:\n  web: {image: a, ports: \"80\"}\n",
     FILE_NAME ":2:26: services.web.ports: expected a sequence, got string"},
    {"services:\n  web: {image: a, ports: [[80]]}\n",
     FILE_NAME ":2:27: services.web.ports[0]: expected a string, got sequence"},
    {"services:\n  web: {image: a, environment: 5}\n",
     FILE_NAME ":2:32: services.web.environment: expected a mapping or a list of KEY=VALUE, got "
               "integer"},
    {"services:\n  web: {image: a, privileged: yes}\n",
     FILE_NAME ":2:31: services.web.privileged: expected true or false: YAML 1.1 reads yes as the "
               "boolean true, YAML 1.2 as a string: write true for a boolean or \"yes\" for a "
               "string"},
    {"services:\n  web: {image: a, init: \"true\"}\n",
     FILE_NAME ":2:25: services.web.init: expected true or false, got the string \"true\""},
    {"services:\n  web: {image: a, volumes: [{target: /x}]}\n",
     FILE_NAME ":2:29: services.web.volumes[0]: a volume in the long syntax needs a type (volume, "
               "bind or tmpfs)"},
    {"services:\n  web: {image: a, volumes: [{type: tmpfs, target: /x, tmpfs: {mode: 01777}}]}\n",
     FILE_NAME ":2:69: services.web.volumes[0].tmpfs.mode: expected an integer: YAML 1.1 reads "
               "01777 as the octal number 1023, YAML 1.2 as decimal: write 0o1777 for octal or "
               "quote it (\"01777\")"},
    {"services:\n  web: {image: a, healthcheck: CMD}\n",
     FILE_NAME ":2:32: services.web.healthcheck: expected a mapping, got string"},
    {"services:\n  web: {image: a, depends_on: db}\n",
     FILE_NAME ":2:31: services.web.depends_on: expected a mapping, got string"},
    {"networks: [a]\n", FILE_NAME ":1:11: networks: expected a mapping, got sequence"},
    {"volumes:\n  v: 3\n", FILE_NAME ":2:6: volumes.v: expected a mapping, got integer"},
    {"services:\n  web: {image: a, ulimits: {nofile: {soft: 1}}}\n",
     FILE_NAME ":2:37: services.web.ulimits.nofile: a ulimit needs both soft and hard"},
};

START_TEST(wrong_shapes_are_errors)
{
        lenient = 1; /* the schema refuses all these: normalize must still not crash */
        expect_error(shapes[_i].yaml, shapes[_i].want);
}
END_TEST

START_TEST(null_is_not_set)
{
        const struct model_service *s;

        lenient = 1; /* the schema wants lists and strings: this is the defensive path */
        s = web("services:\n"
                "  web:\n"
                "    image: a\n"
                "    ports:\n"
                "    volumes: ~\n"
                "    dns:\n"
                "    hostname:\n"
                "    healthcheck:\n"
                "    networks:\n"
                "    restart:\n"
                "    deploy: {replicas: null}\n");

        ck_assert_uint_eq(s->nports + s->nmounts, 0);
        ck_assert_int_eq(s->dns.set, 0);
        ck_assert_ptr_null(s->hostname);
        ck_assert_int_eq(s->healthcheck.set, 0);
        ck_assert_uint_eq(s->nnetworks, 1);
        ck_assert_str_eq(s->networks[0].name, "default");
        ck_assert_int_eq(s->restart, MODEL_RESTART_NO);
        ck_assert_int_eq(s->replicas, 1);
        expect_error("services:\n  web:\n    image:\n",
                     FILE_NAME ":2:3: services.web: every service needs an image: berth runs "
                               "pre-built images");
}
END_TEST

START_TEST(empty_and_null_sections)
{
        const struct model_project *p;

        lenient = 1; /* the schema wants mappings */
        p = ok("name: bare\nservices:\nnetworks:\nvolumes:\n");

        ck_assert_str_eq(p->name, "bare");
        ck_assert_uint_eq(p->nservices + p->nnetworks + p->nvolumes, 0);
}
END_TEST

/* ---- docker-compose as the reference ---- */

/* One normalized port or mount as text, the same for both sides. */
static char *port_key(int target, int published, const char *ip, const char *proto)
{
        char *s = NULL;

        ck_assert_int_ge(asprintf(&s, "%s|%d|%d|%s", ip ? ip : "", published, target, proto), 0);
        return s;
}

/* docker-compose 1.29 writes a port as a map, or as "IP:HOST:CONTAINER/PROTO"
 * (IPv6 unbracketed) when it has an address. */
static char *compose_port(const struct doc_node *n)
{
        const struct doc_node *v;
        int target, published = 0;
        const char *proto = "tcp";

        if (n->kind == DOC_SCALAR) {
                char buf[128], *slash, *c2, *c1;

                snprintf(buf, sizeof(buf), "%s", n->scalar.text);
                slash = strrchr(buf, '/');
                if (slash) {
                        *slash = '\0';
                        proto = slash + 1;
                }
                c2 = strrchr(buf, ':');
                ck_assert_ptr_nonnull(c2);
                *c2 = '\0';
                c1 = strrchr(buf, ':');
                ck_assert_ptr_nonnull(c1);
                *c1 = '\0';
                return port_key(atoi(c2 + 1), atoi(c1 + 1), buf, proto);
        }
        target = atoi(doc_map_get(n, "target")->scalar.text);
        if ((v = doc_map_get(n, "published")))
                published = atoi(v->scalar.text);
        if ((v = doc_map_get(n, "protocol")))
                proto = v->scalar.text;
        return port_key(target, published, NULL, proto);
}

static char *mount_key(const char *type, const char *source, const char *target, int ro,
                       const char *prop, int nocopy, long long size)
{
        char *s = NULL;

        ck_assert_int_ge(asprintf(&s, "%s|%s|%s|%d|%s|%d|%lld", type, source ? source : "", target,
                                  ro, prop ? prop : "", nocopy, size),
                         0);
        return s;
}

static char *compose_mount(const struct doc_node *n)
{
        const struct doc_node *v, *o;
        const char *type;
        int ro = 0, nocopy = 0;
        long long size = -1;

        if (n->kind == DOC_SCALAR) { /* SOURCE:TARGET:MODE or TARGET */
                char buf[512], *parts[3] = {NULL, NULL, NULL}, *save = NULL, *tok;
                int k = 0;
                const char *prop = NULL;

                snprintf(buf, sizeof(buf), "%s", n->scalar.text);
                for (tok = strtok_r(buf, ":", &save); tok && k < 3;
                     tok = strtok_r(NULL, ":", &save))
                        parts[k++] = tok;
                if (k == 1)
                        return mount_key("volume", NULL, parts[0], 0, NULL, 0, -1);
                for (tok = parts[2] ? strtok_r(parts[2], ",", &save) : NULL; tok;
                     tok = strtok_r(NULL, ",", &save)) {
                        if (strcmp(tok, "ro") == 0)
                                ro = 1;
                        else if (strcmp(tok, "nocopy") == 0)
                                nocopy = 1;
                        else if (strcmp(tok, "rw") != 0)
                                prop = tok;
                }
                return mount_key(parts[0][0] == '/' ? "bind" : "volume", parts[0], parts[1], ro,
                                 prop, nocopy, -1);
        }
        type = doc_map_get(n, "type")->scalar.text;
        if ((v = doc_map_get(n, "read_only")))
                ro = strcmp(v->scalar.text, "true") == 0;
        if ((o = doc_map_get(n, "volume")) && (v = doc_map_get(o, "nocopy")))
                nocopy = strcmp(v->scalar.text, "true") == 0;
        if ((o = doc_map_get(n, "tmpfs")) && (v = doc_map_get(o, "size")))
                size = atoll(v->scalar.text);
        v = doc_map_get(n, "source");
        return mount_key(type, v ? v->scalar.text : NULL, doc_map_get(n, "target")->scalar.text, ro,
                         NULL, nocopy, size);
}

static char *model_mount_key(const struct model_mount *m)
{
        static const char *const types[] = {"volume", "bind", "tmpfs"};

        return mount_key(types[m->type], m->type == MODEL_MOUNT_VOLUME ? m->volume : m->source,
                         m->target, m->read_only, m->propagation, m->nocopy,
                         m->tmpfs_size == MODEL_UNSET ? -1 : (long long)m->tmpfs_size);
}

/* One service of `docker-compose config` output against berth's. */
static void same_service(const struct doc_node *ref, const struct model_service *s)
{
        const struct doc_node *list;
        char *a, *b;
        size_t i;

        /* environment: same keys in the same (sorted) order, same values,
         * null for a variable without a value */
        list = doc_map_get(ref, "environment");
        ck_assert_uint_eq(s->environment.n, list ? list->map.n : 0);
        for (i = 0; list && i < list->map.n; i++) {
                const struct doc_node *v = list->map.v[i].value;

                ck_assert_str_eq(s->environment.v[i].key, list->map.v[i].key->scalar.text);
                if (doc_scalar_is_null(v))
                        ck_assert_ptr_null(s->environment.v[i].value);
                else
                        ck_assert_str_eq(s->environment.v[i].value, v->scalar.text);
        }
        /* ports: the same list in the same order */
        list = doc_map_get(ref, "ports");
        ck_assert_uint_eq(s->nports, list ? list->seq.n : 0);
        for (i = 0; list && i < list->seq.n; i++) {
                a = compose_port(list->seq.v[i]);
                b = port_key(s->ports[i].target, s->ports[i].published, s->ports[i].host_ip,
                             s->ports[i].protocol);
                ck_assert_str_eq(b, a);
                free(a);
                free(b);
        }
        /* volumes: same kind, source, target and options */
        list = doc_map_get(ref, "volumes");
        ck_assert_uint_eq(s->nmounts, list ? list->seq.n : 0);
        for (i = 0; list && i < list->seq.n; i++) {
                a = compose_mount(list->seq.v[i]);
                b = model_mount_key(&s->mounts[i]);
                ck_assert_str_eq(b, a);
                free(a);
                free(b);
        }
}

/* Fixtures under tests/fixtures/normalize/compare, each normalized by berth
 * and by docker-compose 1.29 (Debian's, installed where the tests run:
 * a missing docker-compose fails the test, it does not skip it). */
static const char *const compare_fixtures[] = {"sub", "app"};

START_TEST(same_as_docker_compose)
{
        char dir[512], file[600];
        const char *argv[] = {"docker-compose", "-f", file, "config", NULL};
        struct normalize_ctx c = ctx_default();
        struct doc *ref = NULL, *mine = NULL;
        const struct doc_node *rsvcs;
        const struct model_project *p;
        struct berth_err err;
        char *out = NULL, *errout = NULL;
        size_t i;
        int status;

        snprintf(dir, sizeof(dir), "%s/fixtures/normalize/compare/%s", BERTH_TEST_DATA,
                 compare_fixtures[_i]);
        snprintf(file, sizeof(file), "%s/compose.yaml", dir);
        setenv("BERTH_NZ_FROM_ENV", "from the process", 1);
        unsetenv("BERTH_NZ_UNSET");
        status = bt_run(&out, &errout, argv);
        ck_assert_msg(status == 0, "docker-compose config failed (%d): %s", status,
                      errout ? errout : "");
        diag_list_init(&diags);
        ck_assert_int_eq(
            doc_parse(&ref, "docker-compose config", out, strlen(out), NULL, &diags, &err), 0);
        rsvcs = doc_map_get(ref->root, "services");
        ck_assert_ptr_nonnull(rsvcs);

        ck_assert_int_eq(interp_env_new(&env, (const char *const *)environ, &err), 0);
        c.file = file;
        c.source = "compose.yaml";
        c.dir = dir;
        c.home = getenv("HOME");
        c.env = env;
        ck_assert_int_eq(doc_load_file(&mine, file, NULL, NULL, &diags, &err), 0);
        st = model_state_new();
        ck_assert_int_eq(normalize_project(st, mine->root, &c, &diags, &err), 0);
        p = &st->projects[0];
        ck_assert_uint_eq(p->nservices, rsvcs->map.n);
        for (i = 0; i < rsvcs->map.n; i++)
                same_service(rsvcs->map.v[i].value, service(p, rsvcs->map.v[i].key->scalar.text));
        free(out);
        free(errout);
        doc_free(ref);
        doc_free(mine);
}
END_TEST

int main(void)
{
        Suite *s = suite_create("normalize");
        TCase *tc = tcase_create("normalize");

        tcase_add_checked_fixture(tc, NULL, teardown);
        tcase_add_test(tc, key_paths);
        tcase_add_loop_test(tc, project_name_from_path, 0, N(names));
        tcase_add_test(tc, project_name_written_wins);
        tcase_add_test(tc, project_name_errors);
        tcase_add_test(tc, two_files_one_project);
        tcase_add_test(tc, projects_stay_sorted);
        tcase_add_test(tc, lists_are_sorted_by_name);
        tcase_add_test(tc, shell_words);
        tcase_add_test(tc, command_forms);
        tcase_add_test(tc, environment_list_and_map);
        tcase_add_test(tc, environment_without_variables_is_unset);
        tcase_add_test(tc, env_file_precedence);
        tcase_add_test(tc, env_file_errors);
        tcase_add_test(tc, labels_and_sysctls);
        tcase_add_loop_test(tc, port_form, 0, N(port_forms));
        tcase_add_loop_test(tc, port_error, 0, N(port_errors));
        tcase_add_test(tc, published_range_from_zero);
        tcase_add_test(tc, ports_overlap);
        tcase_add_test(tc, port_positions);
        tcase_add_test(tc, expose_forms);
        tcase_add_test(tc, port_conflicts);
        tcase_add_test(tc, port_conflicts_across_addresses);
        tcase_add_test(tc, port_conflicts_within_a_service);
        tcase_add_test(tc, port_no_conflict);
        tcase_add_test(tc, port_with_replicas);
        tcase_add_loop_test(tc, volume_form, 0, N(volume_forms));
        tcase_add_loop_test(tc, volume_error, 0, N(volume_errors));
        tcase_add_test(tc, volume_errors_positions);
        tcase_add_test(tc, volume_selinux_is_a_warning);
        tcase_add_test(tc, relative_and_home_paths_need_context);
        tcase_add_test(tc, tmpfs_forms);
        tcase_add_test(tc, networks_default_and_declared);
        tcase_add_test(tc, networks_no_default_when_unused);
        tcase_add_test(tc, networks_declared_default);
        tcase_add_test(tc, network_errors);
        tcase_add_test(tc, network_mode_service);
        tcase_add_test(tc, top_level_volumes);
        tcase_add_test(tc, depends_on_forms);
        tcase_add_test(tc, depends_on_errors);
        tcase_add_test(tc, depends_on_cycles);
        tcase_add_test(tc, healthcheck_forms);
        tcase_add_loop_test(tc, restart_policies, 0, N(restarts));
        tcase_add_test(tc, restart_errors);
        tcase_add_test(tc, defaults_when_unset);
        tcase_add_test(tc, replicas_and_container_name);
        tcase_add_test(tc, resources);
        tcase_add_test(tc, small_keys);
        tcase_add_test(tc, namespaces_and_devices);
        tcase_add_loop_test(tc, device_error, 0, N(device_errors));
        tcase_add_test(tc, device_used_twice);
        tcase_add_loop_test(tc, namespace_error, 0, N(namespace_errors));
        tcase_add_test(tc, ignored_keys_warn);
        tcase_add_loop_test(tc, wrong_shapes_are_errors, 0, N(shapes));
        tcase_add_test(tc, null_is_not_set);
        tcase_add_test(tc, empty_and_null_sections);
        tcase_add_loop_test(tc, same_as_docker_compose, 0, N(compare_fixtures));
        suite_add_tcase(s, tc);
        return bt_unit_main(s);
}
