/* berth plan / apply / down / status against the real engine, through the
 * binary: what issue 4's "what it must show" lists, except the update
 * strategies, depends_on gates and kills (test_apply_update.c).
 *
 * Every berth run uses --scope <run id> (the suite's own scope: cleanup
 * removes what carries it), and projects are named berthtest-<run>-*.
 * Services run `sleep` with stop_signal SIGKILL so that stops are quick.
 */
#include <errno.h>
#include <fcntl.h>
#include <limits.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <stdarg.h>
#include <sys/file.h>
#include <sys/stat.h>
#include <unistd.h>

#include <jansson.h>
#include <openssl/evp.h>

#include "berth_test.h"
#include "docker/container.h"
#include "docker/image.h"
#include "docker/network.h"
#include "docker/volume.h"
#include "manifest/diag.h"
#include "manifest/doc.h"
#include "schema/validate.h"

struct run {
        int status;
        char *out, *err;
};

static void run_release(struct run *r)
{
        free(r->out);
        free(r->err);
}

/* berth ARGS... --scope <run id> */
static struct run berth_v(const char *const args[])
{
        const char *argv[32];
        struct run r;
        size_t i;

        argv[0] = BERTH_BINARY;
        for (i = 0; args[i]; i++) {
                ck_assert_uint_lt(i + 4, sizeof(argv) / sizeof(argv[0]));
                argv[i + 1] = args[i];
        }
        argv[i + 1] = "--scope";
        argv[i + 2] = bt_run_id();
        argv[i + 3] = NULL;
        r.status = bt_run(&r.out, &r.err, argv);
        ck_assert_int_ge(r.status, 0);
        if (!r.out)
                r.out = strdup("");
        if (!r.err)
                r.err = strdup("");
        return r;
}

#define BERTH(...) berth_v((const char *const[]){__VA_ARGS__, NULL})

/* Run berth and insist on its exit status, showing its output otherwise. */
static struct run berth_expect(int status, const char *const args[])
{
        struct run r = berth_v(args);

        ck_assert_msg(r.status == status, "berth %s exited %d, not %d\nstdout:\n%s\nstderr:\n%s",
                      args[0], r.status, status, r.out, r.err);
        return r;
}

#define BERTH_OK(...) berth_expect(0, (const char *const[]){__VA_ARGS__, NULL})
#define BERTH_FAILS(...) berth_expect(1, (const char *const[]){__VA_ARGS__, NULL})

static void contains(const char *text, const char *part)
{
        ck_assert_msg(strstr(text, part) != NULL, "expected to find\n  %s\nin\n%s", part, text);
}

static void lacks(const char *text, const char *part)
{
        ck_assert_msg(strstr(text, part) == NULL, "did not expect\n  %s\nin\n%s", part, text);
}

/* A service block: sleep forever, stop at once.  (No test label: berth.*
 * labels are berth's own; the scope label marks what berth makes here.) */
static char *service(const char *name, const char *extra)
{
        char *s;

        ck_assert_int_ge(asprintf(&s,
                                  "  %s:\n"
                                  "    image: %s\n"
                                  "    command: [\"sleep\", \"3600\"]\n"
                                  "    stop_signal: SIGKILL\n"
                                  "%s",
                                  name, bt_image(), extra ? extra : ""),
                         0);
        return s;
}

/* Write dir/<file> as project `project` (prefixed) with the services
 * given (each from service()), freeing them. */
static void manifest(const char *dir, const char *file, const char *project, char *svc1, char *svc2)
{
        char *text;

        ck_assert_int_ge(
            asprintf(&text, "name: %s\nservices:\n%s%s", bt_name(project), svc1, svc2 ? svc2 : ""),
            0);
        bt_write_file(dir, file, text);
        free(text);
        free(svc1);
        free(svc2);
}

/* The scope's containers as "name state" lines, sorted by name, and each
 * one's id in ids (same order) when ids is not NULL. */
static char *snapshot(char ids[][80], size_t max)
{
        const char *labels[] = {bt_scope_filter(), NULL};
        struct docker_container_list list;
        struct berth_err err;
        char *lines[64], *text;
        size_t i, j, n, len = 1;

        ck_assert_msg(docker_container_list(&list, bt_client(), labels, &err) == 0, "%s", err.msg);
        n = list.count;
        ck_assert_uint_le(n, 64);
        for (i = 0; i < n; i++)
                ck_assert_int_ge(asprintf(&lines[i], "%s %s %s", list.items[i].names[0],
                                          list.items[i].state, list.items[i].id),
                                 0);
        for (i = 1; i < n; i++) /* insertion sort by name */
                for (j = i; j > 0 && strcmp(lines[j - 1], lines[j]) > 0; j--) {
                        char *t = lines[j];
                        lines[j] = lines[j - 1];
                        lines[j - 1] = t;
                }
        for (i = 0; i < n; i++)
                len += strlen(lines[i]) + 1;
        text = calloc(1, len);
        for (i = 0; i < n; i++) {
                char *id = strrchr(lines[i], ' ');

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

static void state_is(const char *want)
{
        char *have = snapshot(NULL, 0);

        ck_assert_msg(!strcmp(have, want), "containers of the scope:\n%s\nwanted:\n%s", have, want);
        free(have);
}

/* "berthtest-<run>-<suffix>" again, for building expected text. */
static const char *N(const char *suffix)
{
        return bt_name(suffix);
}

static char *fmt(const char *f, ...) __attribute__((format(printf, 1, 2)));
static char *fmt(const char *f, ...)
{
        va_list ap;
        char *s;

        va_start(ap, f);
        ck_assert_int_ge(vasprintf(&s, f, ap), 0);
        va_end(ap);
        return s;
}

/* ---- create, no-op, change, scale, remove ------------------------------- */

START_TEST(create_noop_change_scale_remove)
{
        const char *dir = bt_tmpdir();
        char before[8][80], after[8][80], *want, *line;
        struct run r;

        manifest(dir, "shop.yaml", "shop", service("web", NULL),
                 service("api", "    environment:\n      LOG_LEVEL: info\n"));

        /* From nothing. */
        r = BERTH_OK("apply", "-f", dir);
        contains(r.out, "Plan: 3 to create.");
        line = fmt("+ container %s-api-1: not created yet", N("shop"));
        contains(r.out, line);
        free(line);
        line = fmt("+ network %s_default: not created yet", N("shop"));
        contains(r.out, line);
        free(line);
        contains(r.out, "Apply complete: 3 succeeded.");
        run_release(&r);
        want = fmt("%s-api-1 running\n%s-web-1 running\n", N("shop"), N("shop"));
        state_is(want);
        free(want);

        /* Again: nothing to do, and not one mutating call. */
        r = BERTH_OK("apply", "-f", dir, "--stats");
        contains(r.out, "No changes.");
        ck_assert_str_eq(r.err, "berth: 5 API calls (0 mutating)\n"); /* ping + 4 lists */
        run_release(&r);
        r = BERTH_OK("plan", "-f", dir, "--detailed-exitcode");
        run_release(&r);

        /* One environment value: only that service is recreated. */
        free(snapshot(before, 8));
        manifest(dir, "shop.yaml", "shop", service("web", NULL),
                 service("api", "    environment:\n      LOG_LEVEL: debug\n"));
        r = berth_expect(
            2, (const char *const[]){"plan", "-f", dir, "--detailed-exitcode", "--stats", NULL});
        line = fmt("~ container %s-api-1: configuration changed", N("shop"));
        contains(r.out, line);
        free(line);
        contains(r.out, "environment.LOG_LEVEL: \"info\" → \"debug\"");
        contains(r.out, "Plan: 1 to recreate.");
        contains(r.err, "(0 mutating)");
        run_release(&r);
        r = BERTH_OK("apply", "-f", dir);
        contains(r.out, "Apply complete: 1 succeeded.");
        run_release(&r);
        free(snapshot(after, 8));
        ck_assert_str_ne(before[0], after[0]); /* api: a new container */
        ck_assert_str_eq(before[1], after[1]); /* web: the same one */

        /* Scale 1 → 3 → 1 → 3: the highest numbers go. */
        manifest(dir, "shop.yaml", "shop", service("web", "    scale: 3\n"),
                 service("api", "    environment:\n      LOG_LEVEL: debug\n"));
        r = BERTH_OK("apply", "-f", dir);
        contains(r.out, "Plan: 2 to create.");
        run_release(&r);
        manifest(dir, "shop.yaml", "shop", service("web", "    scale: 1\n"),
                 service("api", "    environment:\n      LOG_LEVEL: debug\n"));
        r = BERTH_OK("apply", "-f", dir);
        line = fmt("- container %s-web-3: scaled from 3 to 1", N("shop"));
        contains(r.out, line);
        free(line);
        contains(r.out, "Plan: 2 to remove.");
        run_release(&r);
        want = fmt("%s-api-1 running\n%s-web-1 running\n", N("shop"), N("shop"));
        state_is(want);
        free(want);
        manifest(dir, "shop.yaml", "shop", service("web", "    scale: 3\n"),
                 service("api", "    environment:\n      LOG_LEVEL: debug\n"));
        r = BERTH_OK("apply", "-f", dir);
        run_release(&r);
        want = fmt("%s-api-1 running\n%s-web-1 running\n%s-web-2 running\n%s-web-3 running\n",
                   N("shop"), N("shop"), N("shop"), N("shop"));
        state_is(want);
        free(want);
        /* Twice the containers, the same number of calls. */
        r = BERTH_OK("plan", "-f", dir, "--stats");
        ck_assert_str_eq(r.err, "berth: 5 API calls (0 mutating)\n");
        run_release(&r);

        /* A service taken out: its container goes. */
        manifest(dir, "shop.yaml", "shop", service("web", "    scale: 3\n"), NULL);
        r = BERTH_OK("apply", "-f", dir);
        line = fmt("- container %s-api-1: no longer declared", N("shop"));
        contains(r.out, line);
        free(line);
        run_release(&r);
        want = fmt("%s-web-1 running\n%s-web-2 running\n%s-web-3 running\n", N("shop"), N("shop"),
                   N("shop"));
        state_is(want);
        free(want);
}
END_TEST

/* ---- files: deleted, invalid, empty root, -f FILE ----------------------- */

START_TEST(files_deleted_invalid_empty)
{
        const char *dir = bt_tmpdir();
        char path[PATH_MAX], *want, *line;
        struct run r;

        manifest(dir, "a.yaml", "a", service("web", NULL), NULL);
        manifest(dir, "b.yaml", "b", service("web", NULL), NULL);
        r = BERTH_OK("apply", "-f", dir);
        run_release(&r);
        want = fmt("%s-web-1 running\n%s-web-1 running\n", N("a"), N("b"));
        state_is(want);
        free(want);

        /* b.yaml broken: b is left alone, a is still applied, exit 1. */
        bt_write_file(dir, "b.yaml", "name: x\nservices: [\n");
        manifest(dir, "a.yaml", "a", service("web", "    scale: 2\n"), NULL);
        r = BERTH_FAILS("apply", "-f", dir);
        contains(r.err, "b.yaml:");
        contains(r.err, "berth: 1 manifest did not load: its project is left exactly as it is "
                        "(fix the errors above)");
        lacks(r.out, "- container");
        run_release(&r);
        want =
            fmt("%s-web-1 running\n%s-web-2 running\n%s-web-1 running\n", N("a"), N("a"), N("b"));
        state_is(want);
        free(want);
        r = BERTH_FAILS("plan", "-f", dir);
        line = fmt("  ! container %s-web-1: left alone: the project's manifest did not load\n",
                   N("b"));
        contains(r.out, line);
        free(line);
        line = fmt("No changes to the projects that loaded (scope %s).\n", bt_run_id());
        contains(r.out, line);
        free(line);
        run_release(&r);

        /* b.yaml deleted: its project is removed. */
        snprintf(path, sizeof(path), "%s/b.yaml", dir);
        ck_assert_int_eq(unlink(path), 0);
        r = BERTH_OK("apply", "-f", dir);
        line = fmt("- container %s-web-1: no longer declared", N("b"));
        contains(r.out, line);
        free(line);
        run_release(&r);
        want = fmt("%s-web-1 running\n%s-web-2 running\n", N("a"), N("a"));
        state_is(want);
        free(want);

        /* -f FILE: only that file's projects are in play. */
        manifest(dir, "c.yaml", "c", service("web", NULL), NULL);
        snprintf(path, sizeof(path), "%s/c.yaml", dir);
        r = BERTH_OK("apply", "-f", path);
        lacks(r.out, "- container");
        run_release(&r);
        want =
            fmt("%s-web-1 running\n%s-web-2 running\n%s-web-1 running\n", N("a"), N("a"), N("c"));
        state_is(want);
        free(want);

        /* An empty root removes nothing without --allow-empty. */
        unlink(path);
        snprintf(path, sizeof(path), "%s/a.yaml", dir);
        unlink(path);
        r = BERTH_FAILS("apply", "-f", dir);
        line = fmt("berth: no projects in the manifests: refusing to remove everything in scope "
                   "'%s' (pass --allow-empty to do that)\n",
                   bt_run_id());
        ck_assert_str_eq(r.err, line);
        free(line);
        run_release(&r);
        want =
            fmt("%s-web-1 running\n%s-web-2 running\n%s-web-1 running\n", N("a"), N("a"), N("c"));
        state_is(want);
        free(want);
        r = BERTH_OK("apply", "-f", dir, "--allow-empty");
        contains(r.out, "Plan: 5 to remove.");
        run_release(&r);
        state_is("");
}
END_TEST

/* ---- repairs ------------------------------------------------------------ */

START_TEST(stopped_or_removed_by_hand_is_repaired)
{
        const char *dir = bt_tmpdir();
        struct berth_err err;
        char *name, *line, *want;
        struct run r;

        manifest(dir, "r.yaml", "r", service("web", NULL), service("api", NULL));
        r = BERTH_OK("apply", "-f", dir);
        run_release(&r);
        name = fmt("%s-web-1", N("r"));
        ck_assert_msg(docker_container_kill(bt_client(), name, NULL, &err) == 0, "%s", err.msg);
        line = fmt("> container %s: not running (exited 137)", name);
        r = berth_expect(2, (const char *const[]){"plan", "-f", dir, "--detailed-exitcode", NULL});
        contains(r.out, line);
        run_release(&r);
        free(line);
        r = BERTH_OK("apply", "-f", dir);
        contains(r.out, "Plan: 1 to start.");
        run_release(&r);
        want = fmt("%s-api-1 running\n%s-web-1 running\n", N("r"), N("r"));
        state_is(want);

        ck_assert_msg(docker_container_remove(bt_client(), name, DOCKER_REMOVE_FORCE, &err) == 0,
                      "%s", err.msg);
        r = BERTH_OK("apply", "-f", dir);
        line = fmt("+ container %s: not created yet", name);
        contains(r.out, line);
        free(line);
        run_release(&r);
        state_is(want);
        free(want);
        free(name);
}
END_TEST

/* The tag now names another image: recreate, saying so. */
START_TEST(retagged_image_recreates)
{
        const char *dir = bt_tmpdir();
        char tag[256], *extra, *name, *line, id[80];
        struct docker_image_info info;
        struct docker_request req = {0};
        struct berth_err err;
        json_t *answer = NULL, *body;
        char path[512];
        struct run r;

        snprintf(tag, sizeof(tag), "berth-test/%s-app:1", bt_run_id());
        ck_assert_msg(docker_image_tag(bt_client(), bt_image(), tag, &err) == 0, "%s", err.msg);
        extra = fmt("    image: %s\n", tag);
        /* service() sets the image first; a second image: key would be a
         * duplicate, so write this one by hand. */
        line = fmt("name: %s\nservices:\n  app:\n    image: %s\n    command: [\"sleep\", "
                   "\"3600\"]\n    stop_signal: SIGKILL\n",
                   N("img"), tag);
        bt_write_file(dir, "img.yaml", line);
        free(line);
        free(extra);
        r = BERTH_OK("apply", "-f", dir);
        run_release(&r);

        /* A new image id under the same tag: a commit of the container. */
        name = fmt("%s-app-1", N("img"));
        snprintf(
            path, sizeof(path),
            "/commit?container=%s&repo=berth-test/%s-app&tag=1&changes=LABEL%%20berth.test-run=%s",
            name, bt_run_id(), bt_run_id());
        body = json_object();
        req.method = "POST";
        req.path = path;
        req.json = body;
        req.op = "commit";
        ck_assert_msg(docker_call_json(bt_client(), &req, &answer, &err) == 0, "%s", err.msg);
        json_decref(answer);
        json_decref(body);
        docker_image_info_init(&info);
        ck_assert_msg(docker_image_inspect(&info, bt_client(), tag, &err) == 0, "%s", err.msg);
        snprintf(id, sizeof(id), "%.12s", info.id + strlen("sha256:"));
        docker_image_info_release(&info);

        r = BERTH_OK("apply", "-f", dir);
        line = fmt("~ container %s: image '%s' now points at %s", name, tag, id);
        contains(r.out, line);
        free(line);
        contains(r.out, "Apply complete: 1 succeeded.");
        run_release(&r);
        r = BERTH_OK("plan", "-f", dir, "--detailed-exitcode");
        run_release(&r);
        free(name);
}
END_TEST

/* ---- what is not ours --------------------------------------------------- */

/* A container by hand with these labels ("k=v,k=v"), running sleep. */
static void foreign(const char *name, const struct docker_kv *labels, size_t n)
{
        struct docker_container_spec spec;
        struct docker_kv kv[8];
        const char *cmd[] = {"sleep", "3600", NULL};
        struct berth_err err;

        docker_container_spec_init(&spec);
        memcpy(kv, labels, n * sizeof(*kv));
        kv[n].key = BT_LABEL;
        kv[n].value = bt_run_id();
        spec.name = name;
        spec.image = bt_image();
        spec.cmd = cmd;
        spec.labels = kv;
        spec.n_labels = n + 1;
        spec.stop_signal = "SIGKILL";
        ck_assert_msg(docker_container_create(NULL, bt_client(), &spec, &err) == 0, "%s", err.msg);
        ck_assert_msg(docker_container_start(bt_client(), name, &err) == 0, "%s", err.msg);
}

static void still_there(const char *name)
{
        struct docker_container_info info = {0};
        struct berth_err err;

        ck_assert_msg(docker_container_inspect(&info, bt_client(), name, &err) == 0,
                      "%s was touched: %s", name, err.msg);
        ck_assert_msg(info.state.running, "%s was stopped", name);
        docker_container_info_release(&info);
}

START_TEST(unowned_other_scope_and_compose_containers_untouched)
{
        const char *dir = bt_tmpdir();
        const struct docker_kv other[] = {{"berth.scope", "someone-else"},
                                          {"berth.project", N("own")},
                                          {"berth.service", "web"},
                                          {"berth.replica", "1"}};
        const struct docker_kv compose[] = {{"com.docker.compose.project", N("own")},
                                            {"com.docker.compose.service", "web"}};
        const char *names[] = {N("bare"), N("other"), N("compose")};
        char *bare = strdup(names[0]), *oth = strdup(names[1]), *cmp = strdup(names[2]);
        struct run r;

        foreign(bare, NULL, 0);
        foreign(oth, other, 4);
        foreign(cmp, compose, 2);
        manifest(dir, "own.yaml", "own", service("web", NULL), NULL);
        r = BERTH_OK("apply", "-f", dir);
        run_release(&r);
        r = BERTH_OK("apply", "-f", dir, "--allow-empty", "--stats"); /* still declared: no-op */
        contains(r.out, "No changes.");
        run_release(&r);
        bt_write_file(dir, "own.yaml", "");
        r = BERTH_OK("down", "--yes", "--volumes");
        run_release(&r);
        state_is("");
        still_there(bare);
        still_there(oth);
        still_there(cmp);
        free(bare);
        free(oth);
        free(cmp);
}
END_TEST

/* ---- down --------------------------------------------------------------- */

START_TEST(down_needs_yes_keeps_volumes_unless_asked)
{
        const char *dir = bt_tmpdir();
        struct docker_volume vol = {0};
        struct berth_err err;
        char *text, *vname, *line;
        struct run r;

        text =
            fmt("name: %s\nservices:\n  db:\n    image: %s\n    command: [\"sleep\", \"3600\"]\n"
                "    stop_signal: SIGKILL\n    volumes: [\"data:/data\"]\nvolumes:\n  data: {}\n",
                N("dn"), bt_image());
        bt_write_file(dir, "dn.yaml", text);
        free(text);
        r = BERTH_OK("apply", "-f", dir);
        line = fmt("+ volume %s_data: not created yet", N("dn"));
        contains(r.out, line);
        free(line);
        run_release(&r);

        /* Not a terminal, no --yes: refused, nothing removed. */
        r = BERTH_FAILS("down");
        contains(r.err, "berth down: standard input is not a terminal: pass --yes to remove "
                        "without confirmation\n");
        run_release(&r);
        text = fmt("%s-db-1 running\n", N("dn"));
        state_is(text);
        free(text);

        r = BERTH_OK("down", "--yes");
        line = fmt("- network %s_default: removed by down", N("dn"));
        contains(r.out, line);
        free(line);
        lacks(r.out, "- volume");
        run_release(&r);
        state_is("");
        vname = fmt("%s_data", N("dn"));
        ck_assert_msg(docker_volume_inspect(&vol, bt_client(), vname, &err) == 0,
                      "the volume went without --volumes: %s", err.msg);
        docker_volume_release(&vol);

        r = BERTH_OK("down", "--yes", "--volumes");
        line = fmt("- volume %s: removed by down", vname);
        contains(r.out, line);
        free(line);
        run_release(&r);
        memset(&vol, 0, sizeof(vol));
        ck_assert_int_eq(docker_volume_inspect(&vol, bt_client(), vname, &err), BERTH_ENOTFOUND);
        docker_volume_release(&vol);
        free(vname);
}
END_TEST

/* ---- the JSON plan, status, the lock ------------------------------------ */

/* Validate the JSON text against schema/plan.schema.json with berth's own
 * validator (JSON is YAML: the document tree reads it). */
static void plan_json_valid(const char *text)
{
        char path[PATH_MAX], *schema_text, *problems;
        struct schema *schema = NULL;
        struct diag_list dl;
        struct berth_err err = {0};
        struct doc *d = NULL;
        FILE *f;
        long len;

        snprintf(path, sizeof(path), "%s/../schema/plan.schema.json", BERTH_TEST_DATA);
        f = fopen(path, "re");
        ck_assert_msg(f != NULL, "%s: %s", path, strerror(errno));
        fseek(f, 0, SEEK_END);
        len = ftell(f);
        rewind(f);
        schema_text = calloc(1, (size_t)len + 1);
        ck_assert_uint_eq(fread(schema_text, 1, (size_t)len, f), (size_t)len);
        fclose(f);
        ck_assert_msg(schema_parse(&schema, schema_text, (size_t)len, &err) == 0, "%s", err.msg);
        free(schema_text);
        diag_list_init(&dl);
        ck_assert_msg(doc_parse(&d, "plan.json", text, strlen(text), NULL, &dl, &err) == 0,
                      "not JSON: %s\n%s", err.msg, text);
        if (schema_validate(schema, d->root, "plan.json", &dl) != 0) {
                problems = diag_list_format(&dl);
                ck_abort_msg("the plan does not follow plan.schema.json:\n%s\n%s", problems, text);
        }
        diag_list_release(&dl);
        doc_free(d);
        schema_free(schema);
}

START_TEST(json_plan_follows_its_schema)
{
        const char *dir = bt_tmpdir();
        json_t *doc;
        json_error_t je;
        struct run r;

        manifest(dir, "j.yaml", "j", service("web", "    scale: 2\n"),
                 service("api", "    environment:\n      API_TOKEN: s3cret\n"));
        r = berth_expect(
            2, (const char *const[]){"plan", "-f", dir, "-o", "json", "--detailed-exitcode", NULL});
        plan_json_valid(r.out);
        lacks(r.out, "s3cret");
        doc = json_loads(r.out, 0, &je);
        ck_assert_msg(doc != NULL, "not JSON: %s\n%s", je.text, r.out);
        ck_assert_int_eq(
            json_integer_value(json_object_get(json_object_get(doc, "summary"), "create")), 4);
        json_decref(doc);
        run_release(&r);

        /* apply's document: the same with each operation's outcome. */
        r = BERTH_OK("apply", "-f", dir, "-o", "json");
        plan_json_valid(r.out);
        contains(r.out, "\"status\": \"done\"");
        run_release(&r);
}
END_TEST

START_TEST(status_shows_replicas_and_drift)
{
        const char *dir = bt_tmpdir();
        char *name, *line;
        struct berth_err err;
        struct run r;

        manifest(dir, "st.yaml", "st", service("web", "    scale: 2\n"), NULL);
        r = BERTH_OK("apply", "-f", dir);
        run_release(&r);
        r = BERTH_OK("status", "-f", dir);
        line = fmt("%-16s %-16s %-8s", N("st"), "web", "2/2");
        contains(r.out, "PROJECT");
        contains(r.out, "web");
        contains(r.out, " 2/2 ");
        contains(r.out, " none\n");
        free(line);
        run_release(&r);
        name = fmt("%s-web-2", N("st"));
        ck_assert_msg(docker_container_kill(bt_client(), name, NULL, &err) == 0, "%s", err.msg);
        free(name);
        r = BERTH_OK("status", "-f", dir, "-o", "json");
        contains(r.out, "\"running\": 1");
        contains(r.out, "\"desired\": 2");
        contains(r.out, "\"drift\": true");
        run_release(&r);
}
END_TEST

START_TEST(second_writer_waits_or_exits_with_no_wait)
{
        const char *dir = bt_tmpdir();
        char lockdir[PATH_MAX], path[PATH_MAX], *line;
        struct run r;
        int fd;

        snprintf(lockdir, sizeof(lockdir), "%s/locks", dir);
        ck_assert_int_eq(mkdir(lockdir, 0700), 0);
        setenv("BERTH_LOCK_DIR", lockdir, 1);
        manifest(dir, "l.yaml", "l", service("web", NULL), NULL);
        snprintf(path, sizeof(path), "%s/%s.lock", lockdir, bt_run_id());
        fd = open(path, O_RDWR | O_CREAT | O_CLOEXEC, 0600);
        ck_assert_int_ge(fd, 0);
        ck_assert_int_eq(flock(fd, LOCK_EX), 0);
        r = BERTH_FAILS("apply", "-f", dir, "--no-wait");
        line = fmt("berth: scope '%s' is locked by another berth", bt_run_id());
        contains(r.err, line);
        free(line);
        contains(r.err, "wait for it, or leave out --no-wait");
        run_release(&r);
        state_is("");
        /* plan takes no lock: it changes nothing. */
        r = BERTH_OK("plan", "-f", dir);
        run_release(&r);
        close(fd);
        r = BERTH_OK("apply", "-f", dir, "--no-wait");
        run_release(&r);
        unsetenv("BERTH_LOCK_DIR");
}
END_TEST

START_TEST(pull_policy_never_without_the_image_is_refused)
{
        const char *dir = bt_tmpdir();
        char *text, *want;
        struct run r;

        text = fmt("name: %s\nservices:\n  web:\n    image: berth-test/%s-absent:1\n"
                   "    pull_policy: never\n",
                   N("pn"), bt_run_id());
        bt_write_file(dir, "pn.yaml", text);
        free(text);
        r = BERTH_FAILS("apply", "-f", dir);
        want = fmt("berth: project '%s', service 'web': image 'berth-test/%s-absent:1' is not "
                   "present and pull_policy is never: load or pull it first\n",
                   N("pn"), bt_run_id());
        ck_assert_str_eq(r.err, want);
        free(want);
        ck_assert_str_eq(r.out, "");
        run_release(&r);
        state_is("");
}
END_TEST

/* berth.source and, in a git work tree, berth.revision on what apply
 * makes. */
START_TEST(source_and_revision_labels)
{
        const char *dir = bt_tmpdir();
        struct docker_container_info info = {0};
        struct berth_err err;
        char *head = NULL, *name;
        struct run r;

        manifest(dir, "rev.yaml", "rev", service("web", NULL), NULL);
        {
                const char *init[] = {"git", "-C", dir, "init", "-q", NULL};
                const char *add[] = {"git", "-C", dir, "add", ".", NULL};
                const char *commit[] = {
                    "git",    "-C", dir,  "-c", "user.name=t", "-c", "user.email=t@example.com",
                    "commit", "-q", "-m", "v1", NULL};
                const char *rev[] = {"git", "-C", dir, "rev-parse", "HEAD", NULL};

                ck_assert_int_eq(bt_run(NULL, NULL, init), 0);
                ck_assert_int_eq(bt_run(NULL, NULL, add), 0);
                ck_assert_int_eq(bt_run(NULL, NULL, commit), 0);
                ck_assert_int_eq(bt_run(&head, NULL, rev), 0);
                head[strcspn(head, "\n")] = '\0';
        }
        r = BERTH_OK("apply", "-f", dir);
        run_release(&r);
        name = fmt("%s-web-1", N("rev"));
        ck_assert_msg(docker_container_inspect(&info, bt_client(), name, &err) == 0, "%s", err.msg);
        ck_assert_str_eq(docker_kv_get(info.labels, info.n_labels, "berth.source"), "rev.yaml");
        ck_assert_str_eq(docker_kv_get(info.labels, info.n_labels, "berth.revision"), head);
        ck_assert_str_eq(docker_kv_get(info.labels, info.n_labels, "berth.scope"), bt_run_id());
        docker_container_info_release(&info);
        r = BERTH_OK("status", "-f", dir);
        head[12] = '\0';
        contains(r.out, head); /* the revision column, 12 digits */
        run_release(&r);
        free(head);
        free(name);
}
END_TEST

/* Run a shell command line under a terminal (script(1) from bsdutils,
 * which Debian always has); returns its output. */
static char *on_terminal(const char *cmdline)
{
        const char *argv[] = {"sh", "-c", cmdline, NULL};
        char *out = NULL;

        ck_assert_int_ge(bt_run(&out, NULL, argv), 0);
        return out ? out : strdup("");
}

START_TEST(colour_on_a_terminal_and_down_asks)
{
        const char *dir = bt_tmpdir();
        char *cmd, *out;
        struct run r;

        manifest(dir, "tty.yaml", "tty", service("web", NULL), NULL);
        cmd =
            fmt("script -qec '%s plan -f %s --scope %s' /dev/null", BERTH_BINARY, dir, bt_run_id());
        out = on_terminal(cmd);
        contains(out, "\033[32m+\033[0m");
        free(out);
        free(cmd);
        cmd = fmt("NO_COLOR=1 script -qec '%s plan -f %s --scope %s' /dev/null", BERTH_BINARY, dir,
                  bt_run_id());
        out = on_terminal(cmd);
        contains(out, "+ container");
        lacks(out, "\033[");
        free(out);
        free(cmd);
        r = BERTH_OK("apply", "-f", dir);
        run_release(&r);

        /* down on a terminal asks; anything but "yes" cancels. */
        cmd =
            fmt("echo no | script -qec '%s down --scope %s' /dev/null", BERTH_BINARY, bt_run_id());
        out = on_terminal(cmd);
        contains(out, "Remove these? Only 'yes' is accepted:");
        contains(out, "Cancelled: nothing was removed.");
        free(out);
        free(cmd);
        out = fmt("%s-web-1 running\n", N("tty"));
        state_is(out);
        free(out);
        cmd =
            fmt("echo yes | script -qec '%s down --scope %s' /dev/null", BERTH_BINARY, bt_run_id());
        out = on_terminal(cmd);
        contains(out, "Apply complete: 2 succeeded.");
        free(out);
        free(cmd);
        state_is("");
}
END_TEST

/* A pull from the local registry with the credentials of a config.json,
 * and a pull that fails: what needs that image is skipped, nothing else. */
START_TEST(pulls_and_a_failed_pull_skips_what_needs_it)
{
        const char *dir = bt_tmpdir(), *cfg = bt_tmpdir();
        char plain[512], b64[1024], *text, *line;
        struct run r;

        snprintf(plain, sizeof(plain), "%s:%s", bt_registry_user(), bt_registry_password());
        EVP_EncodeBlock((unsigned char *)b64, (const unsigned char *)plain, (int)strlen(plain));
        text = fmt("{\"auths\": {\"%s\": {\"auth\": \"%s\"}}}\n", bt_registry(), b64);
        bt_write_file(cfg, "config.json", text);
        free(text);
        setenv("DOCKER_CONFIG", cfg, 1);
        text = fmt("name: %s\nservices:\n"
                   "  reg:\n    image: %s\n    pull_policy: always\n"
                   "    command: [\"sleep\", \"3600\"]\n    stop_signal: SIGKILL\n"
                   "  gone:\n    image: %s/berth-test/%s-absent:1\n"
                   "  after:\n    image: %s\n    command: [\"sleep\", \"3600\"]\n"
                   "    stop_signal: SIGKILL\n    depends_on: [gone]\n",
                   N("pull"), bt_registry_image(), bt_registry(), bt_run_id(), bt_image());
        bt_write_file(dir, "pull.yaml", text);
        free(text);
        r = BERTH_FAILS("apply", "-f", dir);
        line = fmt("image %s: pulled", bt_registry_image());
        contains(r.out, line);
        free(line);
        line = fmt("image %s/berth-test/%s-absent:1: failed: cannot pull image", bt_registry(),
                   bt_run_id());
        contains(r.out, line);
        free(line);
        line = fmt("%s-gone-1: skipped: '%s/berth-test/%s-absent:1' failed", N("pull"),
                   bt_registry(), bt_run_id());
        contains(r.out, line);
        free(line);
        line = fmt("%s-after-1: skipped: '%s-gone-1' was skipped", N("pull"), N("pull"));
        contains(r.out, line);
        free(line);
        contains(r.out, "Apply failed: 3 succeeded, 1 failed, 2 skipped.");
        run_release(&r);
        text = fmt("%s-reg-1 running\n", N("pull"));
        state_is(text);
        free(text);
        unsetenv("DOCKER_CONFIG");
}
END_TEST

/* An external network that does not exist fails the plan, naming it. */
START_TEST(missing_external_network_is_refused)
{
        const char *dir = bt_tmpdir();
        char *text, *want;
        struct run r;

        text = fmt("name: %s\nservices:\n  web:\n    image: %s\n    networks: [edge]\n"
                   "networks:\n  edge:\n    external: true\n    name: %s\n",
                   N("ext"), bt_image(), N("no-such-net"));
        bt_write_file(dir, "ext.yaml", text);
        free(text);
        r = BERTH_FAILS("apply", "-f", dir);
        want = fmt("berth: %s/ext.yaml:7:3: project '%s': external network '%s' does not exist: "
                   "create it, or drop external: true\n",
                   dir, N("ext"), N("no-such-net"));
        ck_assert_str_eq(r.err, want);
        free(want);
        ck_assert_str_eq(r.out, "");
        run_release(&r);
        state_is("");
}
END_TEST

int main(void)
{
        Suite *s = suite_create("apply");
        TCase *tc = tcase_create("apply");

        bt_tcase_engine(tc);
        tcase_add_test(tc, create_noop_change_scale_remove);
        tcase_add_test(tc, files_deleted_invalid_empty);
        tcase_add_test(tc, stopped_or_removed_by_hand_is_repaired);
        tcase_add_test(tc, retagged_image_recreates);
        tcase_add_test(tc, unowned_other_scope_and_compose_containers_untouched);
        tcase_add_test(tc, down_needs_yes_keeps_volumes_unless_asked);
        tcase_add_test(tc, json_plan_follows_its_schema);
        tcase_add_test(tc, status_shows_replicas_and_drift);
        tcase_add_test(tc, second_writer_waits_or_exits_with_no_wait);
        tcase_add_test(tc, pull_policy_never_without_the_image_is_refused);
        tcase_add_test(tc, source_and_revision_labels);
        tcase_add_test(tc, colour_on_a_terminal_and_down_asks);
        tcase_add_test(tc, pulls_and_a_failed_pull_skips_what_needs_it);
        tcase_add_test(tc, missing_external_network_is_refused);
        suite_add_tcase(s, tc);
        return bt_engine_main(s);
}
