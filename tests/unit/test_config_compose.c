/* berth reads a manifest the way docker-compose does: every valid fixture
 * under tests/fixtures/manifests/valid is resolved by docker-compose 1.29
 * (Debian's, installed where the tests run: a missing docker-compose fails
 * the test, it is not skipped) and by berth, and the two must agree.
 *
 * For each fixture F (project P, the file's name):
 *   docker-compose -p P -f F --project-directory valid/ config
 * prints compose's resolution of F: variables interpolated from the
 * environment and valid/.env, anchors and merge keys applied, env_file
 * contents merged into environment, relative bind paths made absolute,
 * ports and volumes in compose's own normal form.  That output is written
 * to a temporary directory as P.yaml and berth reads it too; then
 *
 *   berth config -o json --show-sensitive -f F
 *   berth config -o json --show-sensitive -f <compose's P.yaml>
 *
 * must print the same JSON.  Since compose's output has nothing left to
 * interpolate, merge or resolve, equal JSON means berth resolved F as
 * compose did, on every key berth supports.  Excluded fields: none.  What
 * could have needed one does not: the project name comes from the file
 * name on both sides (P.yaml), compose prints relative paths absolute
 * against the same directory berth uses, it resolves a variable listed
 * without a value (`- APP_ENV`) from the same environment and .env, and
 * its '$$' escapes read back as berth's '$'.
 *
 * Because both sides of that comparison go through berth's reading of a
 * file, a misreading berth makes on both (say, of a port string) would
 * cancel out; so environment values, images and ports are also compared
 * straight from compose's output (its YAML tree, not berth's reading of it
 * as a manifest): values as compose wrote them, ports in compose's own
 * syntax parsed here.
 *
 * Compose 1.29 predates parts of the Compose Specification.  Fixtures
 * written to the specification that 1.29 rejects are listed in `rejected`
 * with the reason and the words compose rejects them with; the test fails
 * if compose accepts one of them, or rejects a fixture not listed. */
#include <dirent.h>
#include <errno.h>
#include <limits.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include <jansson.h>

#include "berth_test.h"
#include "common/err.h"
#include "manifest/diag.h"
#include "manifest/doc.h"

#define VALID BERTH_TEST_DATA "/fixtures/manifests/valid"
#define MAX_FIXTURES 128

static const struct {
        const char *fixture;
        const char *reason;
        const char *compose_says; /* in compose's stderr */
} rejected[] = {
    {"storefront", "top-level name: is newer than 1.29's file format",
     "'name' does not match any of the regexes: '^x-'"},
    {"edge", "host_ip in the long port syntax is newer than 1.29",
     "services.envoy.ports contains unsupported option: 'host_ip'"},
    {"feature-flags",
     "${VAR:+value} and ${VAR+value} are newer than 1.29 (so is keeping a lone '$' as written)",
     "Invalid interpolation format for \"environment\" option in service \"app\": "
     "\"${BERTH_MFT_TRACING_URL:+enabled}\""},
    {"batch",
     "deploy.resources.limits.pids and depends_on restart: / required: are newer than 1.29",
     "services.scheduler.deploy.resources.limits value 'pids' does not match"},
};

static char *fixtures[MAX_FIXTURES];
static size_t nfixtures;

static void fixture_env(void)
{
        setenv("BERTH_MFT_TAG", "2.1.0", 1);
        setenv("BERTH_MFT_FROM_PROCESS", "from the test", 1);
        setenv("APP_PORT", "8099", 1); /* the environment wins over valid/.env */
        setenv("BERTH_MFT_TRACING_URL", "http://otel:4317", 1);
        unsetenv("BERTH_MFT_UNSET");
        setenv("BERTH_POLICY", BERTH_TEST_DATA "/fixtures/manifests/policy.yaml", 1);
}

static int name_cmp(const void *a, const void *b)
{
        return strcmp(*(char *const *)a, *(char *const *)b);
}

static const char *rejected_reason(const char *fixture, const char **says)
{
        size_t i;

        for (i = 0; i < sizeof(rejected) / sizeof(rejected[0]); i++)
                if (strcmp(rejected[i].fixture, fixture) == 0) {
                        *says = rejected[i].compose_says;
                        return rejected[i].reason;
                }
        return NULL;
}

struct run {
        int status;
        char *out, *err;
};

static struct run run_in(const char *dir, const char *const argv[])
{
        struct run r;

        ck_assert_msg(chdir(dir) == 0, "cd %s: %s", dir, strerror(errno));
        r.status = bt_run(&r.out, &r.err, argv);
        ck_assert_int_ge(r.status, 0);
        if (!r.out)
                r.out = strdup("");
        if (!r.err)
                r.err = strdup("");
        return r;
}

static void run_release(struct run *r)
{
        free(r->out);
        free(r->err);
}

static json_t *json_of(const char *text, const char *what)
{
        json_error_t e;
        json_t *j = json_loads(text, 0, &e);

        ck_assert_msg(j != NULL, "%s is not JSON: %s: %.300s", what, e.text, text);
        return j;
}

/* `berth config -o json --show-sensitive -f file` in dir: project P. */
static json_t *berth_project(const char *dir, const char *file, const char *project)
{
        const char *argv[] = {BERTH_BINARY,       "config", "-o", "json",
                              "--show-sensitive", "-f",     file, NULL};
        struct run r = run_in(dir, argv);
        json_t *all, *p;

        ck_assert_msg(r.status == 0, "berth config -f %s/%s: exit %d:\n%s", dir, file, r.status,
                      r.err);
        ck_assert_msg(r.err[0] == '\0', "berth config -f %s/%s warns:\n%s", dir, file, r.err);
        all = json_of(r.out, "berth config");
        p = json_incref(json_object_get(json_object_get(all, "projects"), project));
        ck_assert_msg(p != NULL, "berth config -f %s: no project %s", file, project);
        json_decref(all);
        run_release(&r);
        return p;
}

/* compose 1.29 writes '$' as '$$' */
static char *unescape(const char *s)
{
        char *out = strdup(s), *o = out;

        for (; *s; s++) {
                *o++ = *s;
                if (s[0] == '$' && s[1] == '$')
                        s++;
        }
        *o = '\0';
        return out;
}

static const char *text_of(const struct doc_node *n)
{
        ck_assert_int_eq(n->kind, DOC_SCALAR);
        return n->scalar.text;
}

/* A port as "IP|PUBLISHED|TARGET|PROTOCOL" from compose's output, which
 * writes {target, published, protocol} or, with an address,
 * "IP:PUBLISHED:TARGET/PROTOCOL". */
static char *compose_port(const struct doc_node *n)
{
        const struct doc_node *v;
        char *s = NULL;

        if (n->kind == DOC_SCALAR) {
                char buf[128], *slash, *c2, *c1;
                const char *proto = "tcp";

                snprintf(buf, sizeof(buf), "%s", n->scalar.text);
                if ((slash = strrchr(buf, '/'))) {
                        *slash = '\0';
                        proto = slash + 1;
                }
                c2 = strrchr(buf, ':');
                ck_assert_ptr_nonnull(c2);
                *c2 = '\0';
                c1 = strrchr(buf, ':');
                ck_assert_ptr_nonnull(c1);
                *c1 = '\0';
                ck_assert_int_ge(asprintf(&s, "%s|%s|%s|%s", buf, c1 + 1, c2 + 1, proto), 0);
                return s;
        }
        v = doc_map_get(n, "protocol");
        ck_assert_int_ge(
            asprintf(&s, "|%s|%s|%s",
                     doc_map_get(n, "published") ? text_of(doc_map_get(n, "published")) : "",
                     text_of(doc_map_get(n, "target")), v ? text_of(v) : "tcp"),
            0);
        return s;
}

static char *berth_port(const json_t *p)
{
        const char *ip = json_string_value(json_object_get(p, "host_ip"));
        const char *pub = json_string_value(json_object_get(p, "published"));
        char *s = NULL;

        ck_assert_int_ge(asprintf(&s, "%s|%s|%lld|%s", ip ? ip : "", pub ? pub : "",
                                  (long long)json_integer_value(json_object_get(p, "target")),
                                  json_string_value(json_object_get(p, "protocol"))),
                         0);
        return s;
}

/* One service straight from compose's output against berth's. */
static void same_as_compose(const char *svc, const struct doc_node *ref, const json_t *mine)
{
        const struct doc_node *env = doc_map_get(ref, "environment");
        const struct doc_node *ports = doc_map_get(ref, "ports");
        const json_t *benv = json_object_get(mine, "environment");
        const json_t *bports = json_object_get(mine, "ports");
        char *a, *b;
        size_t i;

        ck_assert_str_eq(json_string_value(json_object_get(mine, "image")),
                         text_of(doc_map_get(ref, "image")));

        /* environment: the same names, the same values, null for null */
        ck_assert_msg((env ? env->map.n : 0) == json_object_size(benv),
                      "%s: compose has %zu environment variables, berth %zu", svc,
                      env ? env->map.n : 0, json_object_size(benv));
        for (i = 0; env && i < env->map.n; i++) {
                const char *key = text_of(env->map.v[i].key);
                const json_t *v = json_object_get(benv, key);

                ck_assert_msg(v != NULL, "%s: berth has no environment variable %s", svc, key);
                if (doc_scalar_is_null(env->map.v[i].value)) {
                        ck_assert_msg(json_is_null(v), "%s: %s is null in compose", svc, key);
                        continue;
                }
                a = unescape(text_of(env->map.v[i].value));
                ck_assert_msg(json_is_string(v) && strcmp(json_string_value(v), a) == 0,
                              "%s: %s is '%s' in compose, '%s' in berth", svc, key, a,
                              json_string_value(v));
                free(a);
        }

        /* ports: the same list in the same order */
        ck_assert_msg((ports ? ports->seq.n : 0) == json_array_size(bports),
                      "%s: compose has %zu ports, berth %zu", svc, ports ? ports->seq.n : 0,
                      json_array_size(bports));
        for (i = 0; ports && i < ports->seq.n; i++) {
                a = compose_port(ports->seq.v[i]);
                b = berth_port(json_array_get(bports, i));
                ck_assert_msg(strcmp(a, b) == 0, "%s: ports[%zu] is %s in compose, %s in berth",
                              svc, i, a, b);
                free(a);
                free(b);
        }
}

/* Where a and b first differ, as "path: A (berth) vs B (compose)". */
static void first_difference(char *out, size_t size, const json_t *a, const json_t *b)
{
        char path[400] = "", *da, *db;

        for (;;) {
                const char *key;
                const json_t *va, *vb, *na = NULL, *nb = NULL;
                size_t i, len = strlen(path);

                if (json_is_object(a) && json_is_object(b)) {
                        json_object_foreach((json_t *)a, key, va)
                        {
                                vb = json_object_get(b, key);
                                if (!vb || !json_equal(va, vb)) {
                                        snprintf(path + len, sizeof(path) - len, ".%s", key);
                                        na = va, nb = vb;
                                        break;
                                }
                        }
                        if (!na)
                                json_object_foreach((json_t *)b, key, vb)
                                {
                                        if (!json_object_get(a, key)) {
                                                snprintf(path + len, sizeof(path) - len, ".%s",
                                                         key);
                                                nb = vb;
                                                break;
                                        }
                                }
                } else if (json_is_array(a) && json_is_array(b) &&
                           json_array_size(a) == json_array_size(b)) {
                        json_array_foreach((json_t *)a, i, va)
                        {
                                if (!json_equal(va, json_array_get(b, i))) {
                                        snprintf(path + len, sizeof(path) - len, "[%zu]", i);
                                        na = va, nb = json_array_get(b, i);
                                        break;
                                }
                        }
                }
                if (!na || !nb) { /* a leaf, or a key on one side only */
                        a = na ? na : (nb ? NULL : a);
                        b = nb ? nb : (na ? NULL : b);
                        break;
                }
                a = na, b = nb;
        }
        da = a ? json_dumps(a, JSON_COMPACT | JSON_ENCODE_ANY) : strdup("(absent)");
        db = b ? json_dumps(b, JSON_COMPACT | JSON_ENCODE_ANY) : strdup("(absent)");
        snprintf(out, size,
                 "%s: %.150s (berth on the fixture) vs %.150s (berth on compose's output)",
                 path[0] ? path : ".", da, db);
        free(da);
        free(db);
}

START_TEST(same_as_docker_compose)
{
        const char *name = fixtures[_i], *says = NULL, *reason;
        const char *tmp = bt_tmpdir();
        char file[PATH_MAX], out[PATH_MAX];
        const char *argv[] = {"docker-compose",      "-p",  name,     "-f", file,
                              "--project-directory", VALID, "config", NULL};
        const struct doc_node *svcs;
        struct diag_list diags;
        struct berth_err err;
        struct doc *ref = NULL;
        json_t *mine, *theirs;
        char *compose_out;
        struct run r;
        size_t i;

        fixture_env();
        snprintf(file, sizeof(file), VALID "/%s.yaml", name);
        reason = rejected_reason(name, &says);
        r = run_in(VALID, argv);
        if (reason) {
                ck_assert_msg(r.status != 0,
                              "docker-compose accepts %s.yaml, listed as rejected (%s): compare it",
                              name, reason);
                ck_assert_msg(strstr(r.err, says),
                              "docker-compose rejects %s.yaml, not for '%s':\n%s", name, says,
                              r.err);
                run_release(&r);
                return;
        }
        ck_assert_msg(r.status == 0,
                      "docker-compose rejects %s.yaml (exit %d): list it in rejected[] with the "
                      "reason if 1.29 predates what it uses:\n%s",
                      name, r.status, r.err);
        snprintf(out, sizeof(out), "%s.yaml", name);
        bt_write_file(tmp, out, r.out);
        compose_out = r.out;
        free(r.err);

        snprintf(file, sizeof(file), "%s.yaml", name);
        mine = berth_project(VALID, file, name);
        theirs = berth_project(tmp, out, name);
        if (!json_equal(mine, theirs)) {
                char where[512] = "";

                first_difference(where, sizeof(where), mine, theirs);
                ck_abort_msg("%s.yaml: berth's resolution differs from docker-compose's at %s",
                             name, where);
        }

        diag_list_init(&diags);
        ck_assert_msg(doc_parse(&ref, "docker-compose config", compose_out, strlen(compose_out),
                                NULL, &diags, &err) == 0,
                      "cannot read docker-compose's output: %s", err.msg);
        svcs = doc_map_get(ref->root, "services");
        ck_assert_uint_eq(svcs->map.n, json_object_size(json_object_get(mine, "services")));
        for (i = 0; i < svcs->map.n; i++) {
                const char *svc = text_of(svcs->map.v[i].key);
                const json_t *b = json_object_get(json_object_get(mine, "services"), svc);

                ck_assert_msg(b != NULL, "%s: berth has no service %s", name, svc);
                same_as_compose(svc, svcs->map.v[i].value, b);
        }
        doc_free(ref);
        diag_list_release(&diags);
        free(compose_out);
        json_decref(mine);
        json_decref(theirs);
}
END_TEST

/* Every rejected[] entry names a fixture, so none outlives its file. */
START_TEST(rejected_fixtures_exist)
{
        size_t i;

        for (i = 0; i < sizeof(rejected) / sizeof(rejected[0]); i++)
                ck_assert_msg(bsearch(&rejected[i].fixture, fixtures, nfixtures, sizeof(char *),
                                      name_cmp) != NULL,
                              "rejected[] names %s, which is not a fixture", rejected[i].fixture);
        /* most fixtures are compared, not listed */
        ck_assert_uint_ge(nfixtures - i, 20);
}
END_TEST

int main(void)
{
        Suite *s = suite_create("config_compose");
        TCase *tc = tcase_create("config_compose");
        DIR *d = opendir(VALID);
        struct dirent *e;

        if (!d) {
                fprintf(stderr, "cannot read %s: %s\n", VALID, strerror(errno));
                return 1;
        }
        while ((e = readdir(d)) && nfixtures < MAX_FIXTURES) {
                size_t n = strlen(e->d_name);

                if (e->d_name[0] != '.' && n > 5 && strcmp(e->d_name + n - 5, ".yaml") == 0)
                        fixtures[nfixtures++] = strndup(e->d_name, n - 5);
        }
        closedir(d);
        qsort(fixtures, nfixtures, sizeof(fixtures[0]), name_cmp);
        tcase_add_loop_test(tc, same_as_docker_compose, 0, (int)nfixtures);
        tcase_add_test(tc, rejected_fixtures_exist);
        suite_add_tcase(s, tc);
        return bt_unit_main(s);
}
