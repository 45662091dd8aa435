/* berth validate, config and schema end to end: the berth binary run on
 * the fixtures under tests/fixtures/manifests, its stdout, stderr and exit
 * status compared exactly.
 *
 * valid/NAME.yaml      real-world style projects; NAME.expected is the
 *                      summary line `berth validate -f NAME.yaml` prints
 *                      (stderr empty, exit 0).  Env files and .env beside.
 * invalid/NAME.yaml    (or a directory invalid/NAME/) with NAME.expected,
 *                      the exact stderr of `berth validate -f NAME.yaml`
 *                      run in invalid/, "@DIR@" standing for that
 *                      directory's absolute path; exit 1 and nothing on
 *                      stdout, unless NAME.stdout exists: then the file has
 *                      warnings only, exits 0 and prints that summary.
 *
 * Every file in those directories is picked up: a new fixture needs no
 * edit here, and a fixture without its expected output fails. */
#include <dirent.h>
#include <errno.h>
#include <limits.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include <jansson.h>

#include "berth_test.h"
#include "common/buf.h"
#include "common/err.h"
#include "model/model.h"

#define FIXTURES BERTH_TEST_DATA "/fixtures/manifests"
#define VALID FIXTURES "/valid"
#define INVALID FIXTURES "/invalid"
#define SCHEMA_FILE BERTH_TEST_DATA "/../schema/manifest.schema.json"
#define MIN_VALID 20
#define MIN_INVALID 40
#define MAX_FIXTURES 128

static char *valid[MAX_FIXTURES], *invalid[MAX_FIXTURES];
static size_t nvalid, ninvalid;

/* The environment the fixtures are written for (set in each test's own
 * process; bt_run passes it to berth). */
static void fixture_env(void)
{
        setenv("BERTH_MFT_TAG", "2.1.0", 1);
        setenv("BERTH_MFT_FROM_PROCESS", "from the test", 1);
        setenv("APP_PORT", "8099", 1); /* wins over valid/.env */
        setenv("BERTH_MFT_TRACING_URL", "http://otel:4317", 1);
        setenv("BERTH_MFT_EMPTY", "", 1);
        setenv("BERTH_POLICY", FIXTURES "/policy.yaml", 1); /* what valid/ may use */
        unsetenv("BERTH_MFT_UNSET");
        unsetenv("BERTH_MFT_UNSET_TOO");
}

/* ---- helpers ---- */

static int name_cmp(const void *a, const void *b)
{
        return strcmp(*(char *const *)a, *(char *const *)b);
}

static int ends_with(const char *s, const char *suffix)
{
        size_t n = strlen(s), k = strlen(suffix);

        return n > k && strcmp(s + n - k, suffix) == 0;
}

/* NAME of every NAME.yaml in dir (and of every subdirectory when dirs). */
static size_t fixtures_scan(char **out, const char *dir, int dirs)
{
        DIR *d = opendir(dir);
        struct dirent *e;
        size_t n = 0;

        if (!d) {
                fprintf(stderr, "cannot read %s: %s\n", dir, strerror(errno));
                exit(1);
        }
        while ((e = readdir(d)) && n < MAX_FIXTURES) {
                if (e->d_name[0] == '.')
                        continue;
                if (ends_with(e->d_name, ".yaml"))
                        out[n++] = strndup(e->d_name, strlen(e->d_name) - 5);
                else if (dirs && e->d_type == DT_DIR)
                        out[n++] = strdup(e->d_name);
        }
        closedir(d);
        qsort(out, n, sizeof(*out), name_cmp);
        return n;
}

/* The contents of dir/name, or NULL when it does not exist. */
static char *read_text(const char *dir, const char *name)
{
        struct berth_buf b;
        struct berth_err err;
        char path[PATH_MAX];
        char *text;

        snprintf(path, sizeof(path), "%s/%s", dir, name);
        if (access(path, F_OK) != 0)
                return NULL;
        berth_buf_init(&b, 16 << 20);
        ck_assert_msg(berth_buf_read_file(&b, path, &err) == 0, "cannot read %s: %s", path,
                      err.msg);
        text = berth_buf_steal(&b);
        berth_buf_release(&b);
        return text ? text : strdup("");
}

/* text with every "@DIR@" replaced by dir (a new string). */
static char *subst_dir(const char *text, const char *dir)
{
        struct berth_buf b;
        const char *at;
        char *out;

        berth_buf_init(&b, 16 << 20);
        while ((at = strstr(text, "@DIR@"))) {
                berth_buf_add(&b, text, (size_t)(at - text));
                berth_buf_addstr(&b, dir);
                text = at + 5;
        }
        berth_buf_addstr(&b, text);
        out = berth_buf_steal(&b);
        berth_buf_release(&b);
        return out ? out : strdup("");
}

struct run {
        int status;
        char *out, *err;
};

static void run_release(struct run *r)
{
        free(r->out);
        free(r->err);
}

/* Check a run's exit status, stdout and stderr (NULL: not checked), then
 * release it. */
static void expect(struct run *r, int status, const char *out, const char *err)
{
        ck_assert_msg(r->status == status, "exit %d, not %d; stderr:\n%s", r->status, status,
                      r->err);
        if (err)
                ck_assert_str_eq(r->err, err);
        if (out)
                ck_assert_str_eq(r->out, out);
        run_release(r);
}

/* Run berth ARGS... (NULL-terminated) in dir. */
static struct run berth_in(const char *dir, const char *const args[])
{
        const char *argv[16];
        struct run r;
        size_t i;

        ck_assert_msg(chdir(dir) == 0, "cd %s: %s", dir, strerror(errno));
        argv[0] = BERTH_BINARY;
        for (i = 0; args[i]; i++) {
                ck_assert_uint_lt(i + 2, sizeof(argv) / sizeof(argv[0]));
                argv[i + 1] = args[i];
        }
        argv[i + 1] = NULL;
        r.status = bt_run(&r.out, &r.err, argv);
        ck_assert_int_ge(r.status, 0);
        if (!r.out)
                r.out = strdup("");
        if (!r.err)
                r.err = strdup("");
        return r;
}

#define BERTH(dir, ...) berth_in(dir, (const char *const[]){__VA_ARGS__, NULL})

static json_t *json_of(const char *text)
{
        json_error_t e;
        json_t *j = json_loads(text, 0, &e);

        ck_assert_msg(j != NULL, "not JSON: %s at line %d: %.200s", e.text, e.line, text);
        return j;
}

/* ---- the fixtures ---- */

START_TEST(valid_fixture)
{
        const char *name = valid[_i];
        char file[PATH_MAX], expected_name[PATH_MAX];
        char *expected;
        struct run r;

        fixture_env();
        snprintf(file, sizeof(file), "%s.yaml", name);
        snprintf(expected_name, sizeof(expected_name), "%s.expected", name);
        expected = read_text(VALID, expected_name);
        ck_assert_msg(expected != NULL, "valid/%s has no %s", file, expected_name);
        r = BERTH(VALID, "validate", "-f", file);
        expect(&r, 0, expected, "");
        free(expected);
}
END_TEST

START_TEST(invalid_fixture)
{
        const char *name = invalid[_i];
        char file[PATH_MAX], buf[PATH_MAX], cwd[PATH_MAX];
        char *raw, *expected, *stdout_expected;
        struct stat st;
        struct run r;

        fixture_env();
        ck_assert_int_eq(chdir(INVALID), 0);
        ck_assert_ptr_nonnull(getcwd(cwd, sizeof(cwd)));
        snprintf(file, sizeof(file), "%s.yaml", name);
        if (stat(file, &st) != 0) /* a directory fixture */
                snprintf(file, sizeof(file), "%s", name);
        snprintf(buf, sizeof(buf), "%s.expected", name);
        raw = read_text(INVALID, buf);
        ck_assert_msg(raw != NULL, "invalid/%s has no %s", file, buf);
        expected = subst_dir(raw, cwd);
        snprintf(buf, sizeof(buf), "%s.stdout", name);
        stdout_expected = read_text(INVALID, buf);

        if (!stdout_expected) {
                /* at least one diagnostic, then the summary naming the file */
                snprintf(buf, sizeof(buf), "\n%s: ", file);
                ck_assert_msg(strstr(expected, buf) && strstr(expected, " error"),
                              "%s.expected has no diagnostic and summary", name);
        }
        r = BERTH(INVALID, "validate", "-f", file);
        if (stdout_expected) /* warnings only */
                expect(&r, 0, stdout_expected, expected);
        else
                expect(&r, 1, "", expected);
        free(raw);
        free(expected);
        free(stdout_expected);
}
END_TEST

/* Enough fixtures, each expected file belongs to a fixture, and the
 * warning-only ones are few. */
START_TEST(fixture_sets)
{
        size_t i, failing = 0;
        char *names[MAX_FIXTURES * 4];
        size_t n, k;
        DIR *d;
        struct dirent *e;
        struct stat st;
        char path[PATH_MAX];

        for (i = 0; i < ninvalid; i++) {
                snprintf(path, sizeof(path), INVALID "/%s.stdout", invalid[i]);
                failing += stat(path, &st) != 0;
        }
        ck_assert_msg(nvalid >= MIN_VALID, "only %zu valid fixtures", nvalid);
        ck_assert_msg(failing >= MIN_INVALID, "only %zu invalid fixtures that fail", failing);
        ck_assert_msg(ninvalid - failing <= 8, "too many warning-only fixtures");

        /* no orphan NAME.expected or NAME.stdout */
        for (k = 0; k < 2; k++) {
                const char *dir = k ? INVALID : VALID;
                char **set = k ? invalid : valid;
                size_t nset = k ? ninvalid : nvalid;

                d = opendir(dir);
                ck_assert_ptr_nonnull(d);
                n = 0;
                while ((e = readdir(d)) && n < sizeof(names) / sizeof(names[0])) {
                        char stem[NAME_MAX + 1];
                        const char *dot = strrchr(e->d_name, '.');

                        if (!dot || dot == e->d_name ||
                            (strcmp(dot, ".expected") && strcmp(dot, ".stdout")))
                                continue;
                        snprintf(stem, sizeof(stem), "%.*s", (int)(dot - e->d_name), e->d_name);
                        ck_assert_msg(bsearch(&(const char *){stem}, set, nset, sizeof(char *),
                                              name_cmp) != NULL,
                                      "%s/%s belongs to no fixture", dir, e->d_name);
                        n++;
                }
                closedir(d);
                ck_assert_uint_ge(n, nset);
        }
}
END_TEST

static const char *plural(long n, const char *one, const char *many)
{
        return n == 1 ? one : many;
}

/* The four numbers of a summary line "NAME: P projects, S services, ...". */
static void summary_counts(long out[4], const char *line)
{
        const char *p = strstr(line, ": ");
        char *end;
        int i;

        ck_assert_msg(p != NULL, "not a summary line: %s", line);
        for (i = 0; i < 4; i++) {
                while (*p && (*p < '0' || *p > '9'))
                        p++;
                out[i] = strtol(p, &end, 10);
                ck_assert_msg(end != p, "not a summary line: %s", line);
                p = end;
        }
}

/* The whole valid/ directory as one root: the sum of its files. */
START_TEST(valid_directory_is_the_sum_of_its_files)
{
        long sum[4] = {0, 0, 0, 0}, one[4];
        char expected[256], name[PATH_MAX];
        size_t i;
        int k;
        struct run r;

        fixture_env();
        for (i = 0; i < nvalid; i++) {
                char *line;

                snprintf(name, sizeof(name), "%s.expected", valid[i]);
                line = read_text(VALID, name);
                ck_assert_ptr_nonnull(line);
                summary_counts(one, line);
                for (k = 0; k < 4; k++)
                        sum[k] += one[k];
                free(line);
        }
        snprintf(expected, sizeof(expected), "valid: %ld %s, %ld %s, %ld %s, %ld %s\n", sum[0],
                 plural(sum[0], "project", "projects"), sum[1],
                 plural(sum[1], "service", "services"), sum[2],
                 plural(sum[2], "network", "networks"), sum[3],
                 plural(sum[3], "volume", "volumes"));
        r = BERTH(FIXTURES, "validate", "-f", "valid");
        expect(&r, 0, expected, "");
}
END_TEST

/* Nesting and size limits on files made here rather than kept. */
START_TEST(generated_limits)
{
        const char *dir = bt_tmpdir();
        struct berth_buf b;
        struct run r;
        int i;

        /* a million '[': refused at the 65th, at once */
        berth_buf_init(&b, 8 << 20);
        for (i = 0; i < 1000000; i++)
                berth_buf_add(&b, "[", 1);
        bt_write_file(dir, "deep-flow.yaml", b.data);
        r = BERTH(dir, "validate", "-f", "deep-flow.yaml");
        expect(&r, 1, "",
               "deep-flow.yaml:1:65: nesting is deeper than 64 levels\n"
               "deep-flow.yaml: 1 error, 0 warnings in 1 of 1 file\n");

        /* block mappings: 64 levels load, 65 do not (the root is level 1,
         * x-deep's value level 2, the map holding k<i> level i + 2) */
        for (int nkeys = 63; nkeys <= 64; nkeys++) {
                berth_buf_reset(&b);
                berth_buf_addstr(&b, "services:\n  web:\n    image: nginx\nx-deep:\n");
                for (i = 0; i < nkeys; i++)
                        berth_buf_printf(&b, "%*sk%d:%s\n", 2 * (i + 1), "", i,
                                         i == nkeys - 1 ? " leaf" : "");
                bt_write_file(dir, "deep-block.yaml", b.data);
                r = BERTH(dir, "validate", "-f", "deep-block.yaml");
                if (nkeys == 63)
                        expect(&r, 0,
                               "deep-block.yaml: 1 project, 1 service, 1 network, 0 volumes\n", "");
                else
                        expect(&r, 1, "",
                               "deep-block.yaml:68:129: nesting is deeper than 64 levels\n"
                               "deep-block.yaml: 1 error, 0 warnings in 1 of 1 file\n");
        }

        /* over 4 MiB */
        berth_buf_reset(&b);
        berth_buf_addstr(&b, "services:\n  web:\n    image: nginx\n# ");
        for (i = 0; i < (4 << 20); i += 64)
                berth_buf_addstr(
                    &b, "0123456789abcdef0123456789abcdef0123456789abcdef0123456789abcdef");
        bt_write_file(dir, "huge.yaml", b.data);
        r = BERTH(dir, "validate", "-f", "huge.yaml");
        expect(&r, 1, "",
               "huge.yaml: the file is larger than 4194304 bytes, the limit for a manifest\n"
               "huge.yaml: 1 error, 0 warnings in 1 of 1 file\n");
        berth_buf_release(&b);
}
END_TEST

/* ---- roots and the command line ---- */

START_TEST(validate_roots)
{
        const char *dir = bt_tmpdir();
        char sub[PATH_MAX];
        struct run r;

        /* no -f and no ./manifests: say where berth looked and what to do */
        r = BERTH(dir, "validate");
        expect(&r, 1, "",
               "berth: manifest root 'manifests' does not exist: run berth where the manifests/ "
               "directory is, or name the manifest root with -f PATH\n");

        r = BERTH(dir, "validate", "-f", "no/such/dir");
        expect(&r, 1, "", "berth: manifest root 'no/such/dir' does not exist\n");

        /* an empty directory: nothing to do, which is not an error */
        snprintf(sub, sizeof(sub), "%s/manifests", dir);
        ck_assert_int_eq(mkdir(sub, 0755), 0);
        r = BERTH(dir, "validate");
        expect(&r, 0, "manifests: 0 projects, 0 services, 0 networks, 0 volumes\n", "");

        /* the default root is ./manifests */
        bt_write_file(sub, "web.yaml", "services:\n  web:\n    image: nginx\n");
        r = BERTH(dir, "validate");
        expect(&r, 0, "manifests: 1 project, 1 service, 1 network, 0 volumes\n", "");

        /* a root that is a file is that one manifest, whatever its name */
        bt_write_file(dir, "notes.txt", "just some notes\n");
        r = BERTH(dir, "validate", "-f", "notes.txt");
        expect(&r, 1, "",
               "notes.txt:1:1: expected a mapping, found the string \"just some notes\"\n"
               "notes.txt: 1 error, 0 warnings in 1 of 1 file\n");
        r = BERTH(dir, "validate", "--file=manifests/web.yaml");
        expect(&r, 0, "manifests/web.yaml: 1 project, 1 service, 1 network, 0 volumes\n", "");
}
END_TEST

static const struct {
        const char *args[5];
        int status;
        const char *err_first_line; /* "" for an empty stderr */
        const char *out_first_line; /* "" for an empty stdout */
        int shows_usage;            /* the usage follows on stderr */
} usage_cases[] = {
    {{"validate", "--bogus"}, 64, "berth validate: unrecognized option '--bogus'", "", 1},
    {{"validate", "-x"}, 64, "berth validate: invalid option -- 'x'", "", 1},
    {{"validate", "-f"}, 64, "berth validate: option requires an argument -- 'f'", "", 1},
    {{"validate", "manifests"}, 64, "berth validate: unexpected argument 'manifests'", "", 0},
    {{"validate", "--help"}, 0, "",
     "usage: berth validate [-f PATH] [--policy FILE] [--insecure-manifests]", 0},
    {{"validate", "-h"}, 0, "",
     "usage: berth validate [-f PATH] [--policy FILE] [--insecure-manifests]", 0},
    {{"config", "--bogus"}, 64, "berth config: unrecognized option '--bogus'", "", 1},
    {{"config", "-o", "xml"}, 64, "berth config: --output must be yaml or json, not 'xml'", "", 0},
    {{"config", "extra"}, 64, "berth config: unexpected argument 'extra'", "", 0},
    {{"config", "--help"},
     0,
     "",
     "usage: berth config [-f PATH] [--output yaml|json] [--show-sensitive]",
     0},
    {{"schema", "extra"}, 64, "usage: berth schema", "", 1},
    {{"schema", "--help"}, 0, "", "usage: berth schema", 0},
    {{"valdate"}, 64, "berth: 'valdate' is not a berth command; see 'berth --help'", "", 0},
    {{"--help"}, 0, "", "usage: berth [-H HOST] <command> [options]", 0},
};

static int first_line_is(const char *text, const char *line)
{
        size_t n = strlen(line);

        if (!*line)
                return !*text;
        return strncmp(text, line, n) == 0 && text[n] == '\n';
}

START_TEST(usage_errors)
{
        const char *const *a = usage_cases[_i].args;
        struct run r = BERTH(bt_tmpdir(), a[0], a[1], a[2], a[3]);

        ck_assert_msg(r.status == usage_cases[_i].status, "berth %s %s: exit %d", a[0],
                      a[1] ? a[1] : "", r.status);
        ck_assert_msg(first_line_is(r.err, usage_cases[_i].err_first_line),
                      "berth %s %s: stderr is\n%s", a[0], a[1] ? a[1] : "", r.err);
        ck_assert_msg(first_line_is(r.out, usage_cases[_i].out_first_line),
                      "berth %s %s: stdout is\n%s", a[0], a[1] ? a[1] : "", r.out);
        if (usage_cases[_i].shows_usage)
                ck_assert_msg(strstr(r.err, "\nusage: berth ") ||
                                  !strncmp(r.err, "usage: berth ", 13),
                              "no usage: %s", r.err);
        run_release(&r);
}
END_TEST

/* ---- berth config ---- */

static json_t *config_json(const char *dir, const char *file, int show)
{
        struct run r = show ? BERTH(dir, "config", "-o", "json", "--show-sensitive", "-f", file)
                            : BERTH(dir, "config", "--output", "json", "-f", file);
        json_t *j;

        ck_assert_msg(r.status == 0, "config -f %s: exit %d: %s", file, r.status, r.err);
        ck_assert_str_eq(r.err, "");
        j = json_of(r.out);
        run_release(&r);
        return j;
}

/* The value at a '/'-separated path of object keys and array indexes. */
static json_t *jget(const json_t *j, const char *path)
{
        char buf[512], *save = NULL, *part;
        json_t *v = (json_t *)j;

        snprintf(buf, sizeof(buf), "%s", path);
        for (part = strtok_r(buf, "/", &save); part && v; part = strtok_r(NULL, "/", &save))
                v = json_is_array(v) ? json_array_get(v, strtoul(part, NULL, 10))
                                     : json_object_get(v, part);
        ck_assert_msg(v != NULL, "no %s", path);
        return v;
}

/* A string at path; NULL for a JSON null. */
static const char *jstr(const json_t *j, const char *path)
{
        const json_t *v = jget(j, path);

        if (json_is_null(v))
                return NULL;
        ck_assert_msg(json_is_string(v), "%s is not a string", path);
        return json_string_value(v);
}

static json_int_t jint(const json_t *j, const char *path)
{
        const json_t *v = jget(j, path);

        ck_assert_msg(json_is_integer(v), "%s is not an integer", path);
        return json_integer_value(v);
}

/* Every valid fixture: {"projects": {NAME: project}}, each project in
 * compose's shape with the fields berth always prints. */
START_TEST(config_json_shape)
{
        char file[PATH_MAX];
        const char *pname, *sname, *key;
        json_t *j, *projects, *p, *s, *v, *item;
        size_t i;

        fixture_env();
        snprintf(file, sizeof(file), "%s.yaml", valid[_i]);
        j = config_json(VALID, file, 0);
        ck_assert_uint_eq(json_object_size(j), 1);
        projects = json_object_get(j, "projects");
        ck_assert(json_is_object(projects));
        ck_assert_uint_eq(json_object_size(projects), 1);
        json_object_foreach(projects, pname, p)
        {
                ck_assert_str_eq(jstr(p, "name"), pname);
                json_object_foreach(p, key, v)
                {
                        ck_assert_msg(!strcmp(key, "name") || !strcmp(key, "services") ||
                                          !strcmp(key, "networks") || !strcmp(key, "volumes"),
                                      "project key %s", key);
                }
                ck_assert(json_is_object(json_object_get(p, "services")));
                ck_assert_uint_gt(json_object_size(json_object_get(p, "services")), 0);
                json_object_foreach(json_object_get(p, "services"), sname, s)
                {
                        ck_assert_ptr_nonnull(jstr(s, "image"));
                        ck_assert_ptr_nonnull(jstr(s, "restart"));
                        ck_assert_ptr_nonnull(jstr(s, "pull_policy"));
                        ck_assert_int_ge(jint(s, "deploy/replicas"), 1);
                        ck_assert_ptr_nonnull(jstr(s, "deploy/update_config/order"));
                        v = json_object_get(s, "ports");
                        json_array_foreach(v, i, item)
                        {
                                ck_assert(json_is_integer(json_object_get(item, "target")));
                                ck_assert_ptr_nonnull(jstr(item, "protocol"));
                        }
                        v = json_object_get(s, "volumes");
                        json_array_foreach(v, i, item)
                        {
                                ck_assert_ptr_nonnull(jstr(item, "type"));
                                ck_assert_msg(jstr(item, "target")[0] == '/', "%s: relative target",
                                              sname);
                        }
                        if ((v = json_object_get(s, "networks"))) {
                                json_object_foreach(v, key, item)
                                {
                                        ck_assert_msg(
                                            json_object_get(json_object_get(p, "networks"), key),
                                            "%s.%s uses undeclared network %s", pname, sname, key);
                                }
                        }
                }
                v = json_object_get(p, "networks");
                json_object_foreach(v, key, item)
                {
                        ck_assert_ptr_nonnull(jstr(item, "name"));
                }
                v = json_object_get(p, "volumes");
                json_object_foreach(v, key, item)
                {
                        ck_assert_ptr_nonnull(jstr(item, "name"));
                }
        }
        json_decref(j);
}
END_TEST

/* A few values of one fixture, read straight from the JSON. */
START_TEST(config_json_values)
{
        char cwd[PATH_MAX], path[PATH_MAX + 64];
        json_t *j, *shop;

        fixture_env();
        j = config_json(VALID, "shop.yaml", 1);
        shop = json_object_get(json_object_get(j, "projects"), "shop");
        ck_assert_ptr_nonnull(shop);
        ck_assert_ptr_nonnull(getcwd(cwd, sizeof(cwd)));
        /* merged from x-app (<< list), interpolated default, env_file read */
        ck_assert_str_eq(jstr(shop, "services/web/image"), "registry.example.com/shop/app:1.4.2");
        ck_assert_str_eq(jstr(shop, "services/worker/restart"), "unless-stopped");
        ck_assert_str_eq(jstr(shop, "services/web/logging/options/max-size"), "10m");
        ck_assert_str_eq(jstr(shop, "services/web/environment/DJANGO_SETTINGS_MODULE"),
                         "shop.settings.production");
        ck_assert_str_eq(jstr(shop, "services/web/environment/SECRET_KEY"), "s3cr3t-with-$dollar");
        ck_assert_str_eq(jstr(shop, "services/web/environment/WORKERS"), "4");
        /* long forms */
        ck_assert_int_eq(jint(shop, "services/web/ports/0/target"), 8000);
        ck_assert_str_eq(jstr(shop, "services/web/ports/0/published"), "8000");
        ck_assert_str_eq(jstr(shop, "services/worker/command/4"), "--loglevel=info");
        ck_assert_str_eq(jstr(shop, "services/db/healthcheck/interval"), "10s");
        ck_assert_int_eq(jint(shop, "services/db/shm_size"), 256 << 20);
        ck_assert_str_eq(jstr(shop, "services/web/depends_on/db/condition"), "service_healthy");
        ck_assert_str_eq(jstr(shop, "volumes/pgdata/name"), "shop_pgdata");
        ck_assert_str_eq(jstr(shop, "networks/default/name"), "shop_default");
        json_decref(j);

        /* relative bind sources become absolute against the file's directory */
        j = config_json(VALID, "monitoring.yaml", 1);
        snprintf(path, sizeof(path), "%s/prometheus", cwd);
        ck_assert_str_eq(jstr(j, "projects/monitoring/services/prometheus/volumes/0/source"), path);
        ck_assert_str_eq(jstr(j, "projects/monitoring/services/node-exporter/network_mode"),
                         "host");
        json_decref(j);
}
END_TEST

/* Secret-looking values print as (sensitive) unless asked; nothing else
 * changes. */
START_TEST(config_sensitive)
{
        json_t *hidden, *shown, *env;
        const char *key;
        json_t *v;
        struct run r;

        fixture_env();
        hidden = config_json(VALID, "storefront.yaml", 0);
        shown = config_json(VALID, "storefront.yaml", 1);
        env = jget(hidden, "projects/storefront/services/api/environment");
        ck_assert_str_eq(jstr(env, "DB_PASSWORD"), "(sensitive)");
        ck_assert_str_eq(jstr(env, "API_TOKEN"), "(sensitive)");
        ck_assert_str_eq(jstr(env, "LOG_LEVEL"), "warn");
        ck_assert_str_eq(jstr(hidden, "projects/storefront/services/web/environment/API_URL"),
                         "http://api:8080");
        env = jget(shown, "projects/storefront/services/api/environment");
        ck_assert_str_eq(jstr(env, "DB_PASSWORD"), "storefront-secret");
        ck_assert_str_eq(jstr(env, "API_TOKEN"), "tok-123");
        /* and nothing else differs */
        json_object_foreach(env, key, v)
        {
                if (model_name_is_sensitive(key))
                        json_string_set(v, "(sensitive)");
        }
        ck_assert(json_equal(hidden, shown));
        json_decref(hidden);
        json_decref(shown);

        /* the YAML form too */
        r = BERTH(VALID, "config", "-f", "storefront.yaml");
        ck_assert_int_eq(r.status, 0);
        ck_assert_ptr_nonnull(strstr(r.out, "      DB_PASSWORD: (sensitive)\n"));
        ck_assert_ptr_null(strstr(r.out, "storefront-secret"));
        ck_assert_ptr_null(strstr(r.out, "tok-123"));
        run_release(&r);
        r = BERTH(VALID, "config", "--show-sensitive", "-f", "storefront.yaml");
        ck_assert_int_eq(r.status, 0);
        ck_assert_ptr_nonnull(strstr(r.out, "      DB_PASSWORD: storefront-secret\n"));
        run_release(&r);
}
END_TEST

/* `berth config` YAML is itself a manifest: it validates cleanly and reads
 * back to the same configuration (every valid fixture). */
START_TEST(config_yaml_reads_back)
{
        const char *dir = bt_tmpdir();
        char file[PATH_MAX];
        json_t *before, *after;
        struct run r;

        fixture_env();
        snprintf(file, sizeof(file), "%s.yaml", valid[_i]);
        r = BERTH(VALID, "config", "--show-sensitive", "-f", file);
        bt_write_file(dir, file, r.out);
        expect(&r, 0, NULL, "");

        r = BERTH(dir, "validate", "-f", file);
        expect(&r, 0, NULL, "");

        before = config_json(VALID, file, 1);
        after = config_json(dir, file, 1);
        if (!json_equal(before, after)) {
                char *a = json_dumps(before, JSON_INDENT(1) | JSON_SORT_KEYS);
                char *b = json_dumps(after, JSON_INDENT(1) | JSON_SORT_KEYS);

                ck_abort_msg("%s does not read back:\n%s\n---- read back ----\n%s", file, a, b);
        }
        json_decref(before);
        json_decref(after);
}
END_TEST

/* A literal '$' survives the round trip ($$ in the YAML output). */
START_TEST(config_yaml_escapes_dollars)
{
        struct run r;

        fixture_env();
        r = BERTH(VALID, "config", "--show-sensitive", "-f", "shop.yaml");
        ck_assert_int_eq(r.status, 0);
        ck_assert_ptr_nonnull(strstr(r.out, "      SECRET_KEY: s3cr3t-with-$$dollar\n"));
        run_release(&r);
        r = BERTH(VALID, "config", "-o", "json", "--show-sensitive", "-f", "shop.yaml");
        ck_assert_ptr_nonnull(strstr(r.out, "\"SECRET_KEY\": \"s3cr3t-with-$dollar\""));
        run_release(&r);
}
END_TEST

/* On a file with errors config prints the same diagnostics as validate
 * (without the summary) and nothing on stdout. */
START_TEST(config_refuses_invalid)
{
        char *expected = read_text(INVALID, "enums-bad.expected");
        struct run r;

        ck_assert_ptr_nonnull(expected);
        *strrchr(expected, '\n') = '\0'; /* drop the summary line */
        *(strrchr(expected, '\n') + 1) = '\0';
        r = BERTH(INVALID, "config", "-f", "enums-bad.yaml");
        expect(&r, 1, "", expected);
        free(expected);
}
END_TEST

/* ---- berth schema ---- */

START_TEST(schema_prints_the_schema_file)
{
        char *expected = read_text(BERTH_TEST_DATA "/../schema", "manifest.schema.json");
        struct run r;
        json_t *j;

        ck_assert_ptr_nonnull(expected);
        r = BERTH(bt_tmpdir(), "schema");
        j = json_of(r.out);
        ck_assert_str_eq(jstr(j, "$schema"), "http://json-schema.org/draft-07/schema#");
        json_decref(j);
        expect(&r, 0, expected, "");
        free(expected);
}
END_TEST

int main(void)
{
        Suite *s = suite_create("cli_manifests");
        TCase *tc = tcase_create("cli_manifests");

        nvalid = fixtures_scan(valid, VALID, 0);
        ninvalid = fixtures_scan(invalid, INVALID, 1);
        tcase_add_loop_test(tc, valid_fixture, 0, (int)nvalid);
        tcase_add_loop_test(tc, invalid_fixture, 0, (int)ninvalid);
        tcase_add_test(tc, fixture_sets);
        tcase_add_test(tc, valid_directory_is_the_sum_of_its_files);
        tcase_add_test(tc, generated_limits);
        tcase_add_test(tc, validate_roots);
        tcase_add_loop_test(tc, usage_errors, 0,
                            (int)(sizeof(usage_cases) / sizeof(usage_cases[0])));
        tcase_add_loop_test(tc, config_json_shape, 0, (int)nvalid);
        tcase_add_test(tc, config_json_values);
        tcase_add_test(tc, config_sensitive);
        tcase_add_loop_test(tc, config_yaml_reads_back, 0, (int)nvalid);
        tcase_add_test(tc, config_yaml_escapes_dollars);
        tcase_add_test(tc, config_refuses_invalid);
        tcase_add_test(tc, schema_prints_the_schema_file);
        suite_add_tcase(s, tc);
        return bt_unit_main(s);
}
