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
#include <sys/file.h>
#include <sys/stat.h>
#include <sys/wait.h>
#include <unistd.h>

#include <jansson.h>
#include <openssl/evp.h>

#include "berth_cli.h"
#include "berth_test.h"
#include "docker/container.h"
#include "docker/image.h"
#include "docker/network.h"
#include "docker/volume.h"
#include "manifest/diag.h"
#include "manifest/doc.h"
#include "schema/validate.h"

/* "berthtest-<run>-<suffix>" again, for building expected text. */
static const char *N(const char *suffix)
{
        return bt_name(suffix);
}

/* ---- create, no-op, change, scale, remove ------------------------------- */

START_TEST(create_noop_change_scale_remove)
{
        const char *dir = bt_tmpdir();
        char before[8][80], after[8][80], *want, *line;
        struct bt_berth r;

        bt_manifest(dir, "shop.yaml", "shop", bt_service("web", NULL),
                    bt_service("api", "    environment:\n      LOG_LEVEL: info\n"), NULL);

        /* From nothing. */
        r = BERTH_OK("apply", "-f", dir);
        bt_contains(r.out, "Plan: 3 to create.");
        line = bt_fmt("+ container %s-api-1: not created yet", N("shop"));
        bt_contains(r.out, line);
        free(line);
        line = bt_fmt("+ network %s_default: not created yet", N("shop"));
        bt_contains(r.out, line);
        free(line);
        bt_contains(r.out, "Apply complete: 3 succeeded.");
        bt_berth_release(&r);
        want = bt_fmt("%s-api-1 running\n%s-web-1 running\n", N("shop"), N("shop"));
        bt_state_is(want);
        free(want);

        /* Again: nothing to do, and not one mutating call. */
        r = BERTH_OK("apply", "-f", dir, "--stats");
        bt_contains(r.out, "No changes.");
        ck_assert_str_eq(r.err, "berth: 5 API calls (0 mutating)\n"); /* ping + 4 lists */
        bt_berth_release(&r);
        r = BERTH_OK("plan", "-f", dir, "--detailed-exitcode");
        bt_berth_release(&r);

        /* One environment value: only that service is recreated. */
        free(bt_snapshot(before, 8));
        bt_manifest(dir, "shop.yaml", "shop", bt_service("web", NULL),
                    bt_service("api", "    environment:\n      LOG_LEVEL: debug\n"), NULL);
        r = BERTH_EXPECT(2, "plan", "-f", dir, "--detailed-exitcode", "--stats");
        line = bt_fmt("~ container %s-api-1: configuration changed", N("shop"));
        bt_contains(r.out, line);
        free(line);
        bt_contains(r.out, "environment.LOG_LEVEL: \"info\" → \"debug\"");
        bt_contains(r.out, "Plan: 1 to recreate.");
        bt_contains(r.err, "(0 mutating)");
        bt_berth_release(&r);
        r = BERTH_OK("apply", "-f", dir);
        bt_contains(r.out, "Apply complete: 1 succeeded.");
        bt_berth_release(&r);
        free(bt_snapshot(after, 8));
        ck_assert_str_ne(before[0], after[0]); /* api: a new container */
        ck_assert_str_eq(before[1], after[1]); /* web: the same one */

        /* Scale 1 → 3 → 1 → 3: the highest numbers go. */
        bt_manifest(dir, "shop.yaml", "shop", bt_service("web", "    scale: 3\n"),
                    bt_service("api", "    environment:\n      LOG_LEVEL: debug\n"), NULL);
        r = BERTH_OK("apply", "-f", dir);
        bt_contains(r.out, "Plan: 2 to create.");
        bt_berth_release(&r);
        bt_manifest(dir, "shop.yaml", "shop", bt_service("web", "    scale: 1\n"),
                    bt_service("api", "    environment:\n      LOG_LEVEL: debug\n"), NULL);
        r = BERTH_OK("apply", "-f", dir, "--stats");
        line = bt_fmt("- container %s-web-3: scaled from 3 to 1", N("shop"));
        bt_contains(r.out, line);
        free(line);
        bt_contains(r.out, "Plan: 2 to remove.");
        /* ping, 4 lists, and a stop and a remove each: the stop timeout
         * comes from the berth.applied label, not an inspect */
        ck_assert_str_eq(r.err, "berth: 9 API calls (4 mutating)\n");
        bt_berth_release(&r);
        want = bt_fmt("%s-api-1 running\n%s-web-1 running\n", N("shop"), N("shop"));
        bt_state_is(want);
        free(want);
        bt_manifest(dir, "shop.yaml", "shop", bt_service("web", "    scale: 3\n"),
                    bt_service("api", "    environment:\n      LOG_LEVEL: debug\n"), NULL);
        r = BERTH_OK("apply", "-f", dir);
        bt_berth_release(&r);
        want = bt_fmt("%s-api-1 running\n%s-web-1 running\n%s-web-2 running\n%s-web-3 running\n",
                      N("shop"), N("shop"), N("shop"), N("shop"));
        bt_state_is(want);
        free(want);
        /* Twice the containers, the same number of calls. */
        r = BERTH_OK("plan", "-f", dir, "--stats");
        ck_assert_str_eq(r.err, "berth: 5 API calls (0 mutating)\n");
        bt_berth_release(&r);

        /* A service taken out: its container goes. */
        bt_manifest(dir, "shop.yaml", "shop", bt_service("web", "    scale: 3\n"), NULL);
        r = BERTH_OK("apply", "-f", dir);
        line = bt_fmt("- container %s-api-1: no longer declared", N("shop"));
        bt_contains(r.out, line);
        free(line);
        bt_berth_release(&r);
        want = bt_fmt("%s-web-1 running\n%s-web-2 running\n%s-web-3 running\n", N("shop"),
                      N("shop"), N("shop"));
        bt_state_is(want);
        free(want);
}
END_TEST

/* ---- files: deleted, invalid, empty root, -f FILE ----------------------- */

START_TEST(files_deleted_invalid_empty)
{
        const char *dir = bt_tmpdir();
        char path[PATH_MAX], *want, *line;
        struct bt_berth r;

        bt_manifest(dir, "a.yaml", "a", bt_service("web", NULL), NULL);
        bt_manifest(dir, "b.yaml", "b", bt_service("web", NULL), NULL);
        r = BERTH_OK("apply", "-f", dir);
        bt_berth_release(&r);
        want = bt_fmt("%s-web-1 running\n%s-web-1 running\n", N("a"), N("b"));
        bt_state_is(want);
        free(want);

        /* b.yaml broken: b is left alone, a is still applied, exit 1. */
        bt_write_file(dir, "b.yaml", "name: x\nservices: [\n");
        bt_manifest(dir, "a.yaml", "a", bt_service("web", "    scale: 2\n"), NULL);
        r = BERTH_FAILS("apply", "-f", dir);
        bt_contains(r.err, "b.yaml:");
        bt_contains(r.err, "berth: 1 manifest did not load: its project is left exactly as it is "
                           "(fix the errors above)");
        bt_lacks(r.out, "- container");
        bt_berth_release(&r);
        want = bt_fmt("%s-web-1 running\n%s-web-2 running\n%s-web-1 running\n", N("a"), N("a"),
                      N("b"));
        bt_state_is(want);
        free(want);
        r = BERTH_FAILS("plan", "-f", dir);
        line = bt_fmt("  ! container %s-web-1: left alone: the project's manifest did not load\n",
                      N("b"));
        bt_contains(r.out, line);
        free(line);
        line = bt_fmt("No changes to the projects that loaded (scope %s).\n", bt_run_id());
        bt_contains(r.out, line);
        free(line);
        bt_berth_release(&r);

        /* b.yaml deleted: its project is removed. */
        snprintf(path, sizeof(path), "%s/b.yaml", dir);
        ck_assert_int_eq(unlink(path), 0);
        r = BERTH_OK("apply", "-f", dir);
        line = bt_fmt("- container %s-web-1: no longer declared", N("b"));
        bt_contains(r.out, line);
        free(line);
        bt_berth_release(&r);
        want = bt_fmt("%s-web-1 running\n%s-web-2 running\n", N("a"), N("a"));
        bt_state_is(want);
        free(want);

        /* -f FILE: only that file's projects are in play. */
        bt_manifest(dir, "c.yaml", "c", bt_service("web", NULL), NULL);
        snprintf(path, sizeof(path), "%s/c.yaml", dir);
        r = BERTH_OK("apply", "-f", path);
        bt_lacks(r.out, "- container");
        bt_berth_release(&r);
        want = bt_fmt("%s-web-1 running\n%s-web-2 running\n%s-web-1 running\n", N("a"), N("a"),
                      N("c"));
        bt_state_is(want);
        free(want);

        /* An empty root removes nothing without --allow-empty. */
        unlink(path);
        snprintf(path, sizeof(path), "%s/a.yaml", dir);
        unlink(path);
        r = BERTH_FAILS("apply", "-f", dir);
        line = bt_fmt("berth: no projects in the manifests: refusing to remove everything in scope "
                      "'%s' (pass --allow-empty to do that)\n",
                      bt_run_id());
        ck_assert_str_eq(r.err, line);
        free(line);
        bt_berth_release(&r);
        want = bt_fmt("%s-web-1 running\n%s-web-2 running\n%s-web-1 running\n", N("a"), N("a"),
                      N("c"));
        bt_state_is(want);
        free(want);
        r = BERTH_OK("apply", "-f", dir, "--allow-empty");
        bt_contains(r.out, "Plan: 5 to remove.");
        bt_berth_release(&r);
        bt_state_is("");
}
END_TEST

/* ---- repairs ------------------------------------------------------------ */

START_TEST(stopped_or_removed_by_hand_is_repaired)
{
        const char *dir = bt_tmpdir();
        struct berth_err err;
        char *name, *line, *want, *net;
        struct bt_berth r;

        bt_manifest(dir, "r.yaml", "r", bt_service("web", NULL), bt_service("api", NULL), NULL);
        r = BERTH_OK("apply", "-f", dir);
        bt_berth_release(&r);
        name = bt_fmt("%s-web-1", N("r"));
        ck_assert_msg(docker_container_kill(bt_client(), name, NULL, &err) == 0, "%s", err.msg);
        line = bt_fmt("> container %s: not running (exited 137)", name);
        r = BERTH_EXPECT(2, "plan", "-f", dir, "--detailed-exitcode");
        bt_contains(r.out, line);
        bt_berth_release(&r);
        free(line);
        r = BERTH_OK("apply", "-f", dir);
        bt_contains(r.out, "Plan: 1 to start.");
        bt_berth_release(&r);
        want = bt_fmt("%s-api-1 running\n%s-web-1 running\n", N("r"), N("r"));
        bt_state_is(want);

        ck_assert_msg(docker_container_remove(bt_client(), name, DOCKER_REMOVE_FORCE, &err) == 0,
                      "%s", err.msg);
        r = BERTH_OK("apply", "-f", dir);
        line = bt_fmt("+ container %s: not created yet", name);
        bt_contains(r.out, line);
        free(line);
        bt_berth_release(&r);
        bt_state_is(want);

        /* Taken off its network by hand (or a connect lost to a crash):
         * recreated, since a start would not put it back. */
        net = bt_fmt("%s_default", N("r"));
        ck_assert_msg(docker_network_disconnect(bt_client(), net, name, 1, &err) == 0, "%s",
                      err.msg);
        r = BERTH_OK("apply", "-f", dir);
        line = bt_fmt("~ container %s: not attached to network '%s'", name, net);
        bt_contains(r.out, line);
        free(line);
        bt_berth_release(&r);
        bt_state_is(want);
        r = BERTH_OK("plan", "-f", dir, "--detailed-exitcode");
        bt_berth_release(&r);
        free(net);
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
        struct bt_berth r;

        snprintf(tag, sizeof(tag), "berth-test/%s-app:1", bt_run_id());
        ck_assert_msg(docker_image_tag(bt_client(), bt_image(), tag, &err) == 0, "%s", err.msg);
        extra = bt_fmt("    image: %s\n", tag);
        /* bt_service() sets the image first; a second image: key would be a
         * duplicate, so write this one by hand. */
        line = bt_fmt("name: %s\nservices:\n  app:\n    image: %s\n    command: [\"sleep\", "
                      "\"3600\"]\n    stop_signal: SIGKILL\n",
                      N("img"), tag);
        bt_write_file(dir, "img.yaml", line);
        free(line);
        free(extra);
        r = BERTH_OK("apply", "-f", dir);
        bt_berth_release(&r);

        /* A new image id under the same tag: a commit of the container. */
        name = bt_fmt("%s-app-1", N("img"));
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
        line = bt_fmt("~ container %s: image '%s' now points at %s", name, tag, id);
        bt_contains(r.out, line);
        free(line);
        bt_contains(r.out, "Apply complete: 1 succeeded.");
        bt_berth_release(&r);
        r = BERTH_OK("plan", "-f", dir, "--detailed-exitcode");
        bt_berth_release(&r);
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
        if (n)
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
        struct bt_berth r;

        foreign(bare, NULL, 0);
        foreign(oth, other, 4);
        foreign(cmp, compose, 2);
        bt_manifest(dir, "own.yaml", "own", bt_service("web", NULL), NULL);
        r = BERTH_OK("apply", "-f", dir);
        bt_berth_release(&r);
        r = BERTH_OK("apply", "-f", dir, "--allow-empty", "--stats"); /* still declared: no-op */
        bt_contains(r.out, "No changes.");
        bt_berth_release(&r);
        bt_write_file(dir, "own.yaml", "");
        r = BERTH_OK("down", "--yes", "--volumes");
        bt_berth_release(&r);
        bt_state_is("");
        still_there(bare);
        still_there(oth);
        still_there(cmp);
        free(bare);
        free(oth);
        free(cmp);
}
END_TEST

/* A container not ours holding the name berth would give its own: berth
 * leaves it alone, makes the rest, and says what to do. */
START_TEST(name_held_by_a_container_not_ours)
{
        const char *dir = bt_tmpdir();
        char *held = bt_fmt("%s-web-1", N("held")), *want;
        struct docker_container_info info = {0};
        struct berth_err err;
        struct bt_berth r;

        foreign(held, NULL, 0);
        ck_assert_msg(docker_container_inspect(&info, bt_client(), held, &err) == 0, "%s", err.msg);
        bt_manifest(dir, "held.yaml", "held", bt_service("web", NULL), bt_service("db", NULL),
                    NULL);
        r = BERTH_FAILS("apply", "-f", dir);
        want = bt_fmt("%s: failed: cannot create container '%s': the name '%s' is already in use "
                      "by container %.12s, which is not berth's in scope '%s' (remove or rename "
                      "that container, or give the service another container_name)\n",
                      held, held, held, info.id, bt_run_id());
        bt_contains(r.out, want);
        bt_contains(r.out, "Apply failed: 2 succeeded, 1 failed.\n");
        bt_berth_release(&r);
        still_there(held);
        free(want);
        want = bt_fmt("%s-db-1 running\n", N("held"));
        bt_state_is(want);
        free(want);
        docker_container_info_release(&info);
        free(held);
}
END_TEST

/* ---- down --------------------------------------------------------------- */

START_TEST(down_needs_yes_keeps_volumes_unless_asked)
{
        const char *dir = bt_tmpdir();
        struct docker_volume vol = {0};
        struct berth_err err;
        char *text, *vname, *line;
        struct bt_berth r;

        text = bt_fmt(
            "name: %s\nservices:\n  db:\n    image: %s\n    command: [\"sleep\", \"3600\"]\n"
            "    stop_signal: SIGKILL\n    volumes: [\"data:/data\"]\nvolumes:\n  data: {}\n",
            N("dn"), bt_image());
        bt_write_file(dir, "dn.yaml", text);
        free(text);
        r = BERTH_OK("apply", "-f", dir);
        line = bt_fmt("+ volume %s_data: not created yet", N("dn"));
        bt_contains(r.out, line);
        free(line);
        bt_berth_release(&r);

        /* Not a terminal, no --yes: refused, nothing removed. */
        r = BERTH_FAILS("down");
        bt_contains(r.err, "berth down: standard input is not a terminal: pass --yes to remove "
                           "without confirmation\n");
        bt_berth_release(&r);
        text = bt_fmt("%s-db-1 running\n", N("dn"));
        bt_state_is(text);
        free(text);

        r = BERTH_OK("down", "--yes");
        line = bt_fmt("- network %s_default: removed by down", N("dn"));
        bt_contains(r.out, line);
        free(line);
        bt_lacks(r.out, "- volume");
        bt_berth_release(&r);
        bt_state_is("");
        vname = bt_fmt("%s_data", N("dn"));
        ck_assert_msg(docker_volume_inspect(&vol, bt_client(), vname, &err) == 0,
                      "the volume went without --volumes: %s", err.msg);
        docker_volume_release(&vol);

        r = BERTH_OK("down", "--yes", "--volumes");
        line = bt_fmt("- volume %s: removed by down", vname);
        bt_contains(r.out, line);
        free(line);
        bt_berth_release(&r);
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
        struct bt_berth r;

        bt_manifest(dir, "j.yaml", "j", bt_service("web", "    scale: 2\n"),
                    bt_service("api", "    environment:\n      API_TOKEN: s3cret\n"), NULL);
        r = BERTH_EXPECT(2, "plan", "-f", dir, "-o", "json", "--detailed-exitcode");
        plan_json_valid(r.out);
        bt_lacks(r.out, "s3cret");
        doc = json_loads(r.out, 0, &je);
        ck_assert_msg(doc != NULL, "not JSON: %s\n%s", je.text, r.out);
        ck_assert_int_eq(
            json_integer_value(json_object_get(json_object_get(doc, "summary"), "create")), 4);
        json_decref(doc);
        bt_berth_release(&r);

        /* apply's document: the same with each operation's outcome. */
        r = BERTH_OK("apply", "-f", dir, "-o", "json");
        plan_json_valid(r.out);
        bt_contains(r.out, "\"status\": \"done\"");
        bt_berth_release(&r);
}
END_TEST

START_TEST(status_shows_replicas_and_drift)
{
        const char *dir = bt_tmpdir();
        char *name, *line;
        struct berth_err err;
        struct bt_berth r;

        bt_manifest(dir, "st.yaml", "st", bt_service("web", "    scale: 2\n"), NULL);
        r = BERTH_OK("apply", "-f", dir);
        bt_berth_release(&r);
        r = BERTH_OK("status", "-f", dir);
        line = bt_fmt("%-16s %-16s %-8s", N("st"), "web", "2/2");
        bt_contains(r.out, "PROJECT");
        bt_contains(r.out, "web");
        bt_contains(r.out, " 2/2 ");
        bt_contains(r.out, " none\n");
        free(line);
        bt_berth_release(&r);
        name = bt_fmt("%s-web-2", N("st"));
        ck_assert_msg(docker_container_kill(bt_client(), name, NULL, &err) == 0, "%s", err.msg);
        free(name);
        r = BERTH_OK("status", "-f", dir, "-o", "json");
        bt_contains(r.out, "\"running\": 1");
        bt_contains(r.out, "\"desired\": 2");
        bt_contains(r.out, "\"drift\": true");
        bt_berth_release(&r);
}
END_TEST

START_TEST(second_writer_waits_or_exits_with_no_wait)
{
        const char *dir = bt_tmpdir();
        char lockdir[PATH_MAX], path[PATH_MAX], out[PATH_MAX], errp[PATH_MAX], *line, *text;
        int fd, i, status, waiting = 0;
        struct bt_berth r;
        pid_t pid;

        snprintf(lockdir, sizeof(lockdir), "%s/locks", dir);
        ck_assert_int_eq(mkdir(lockdir, 0700), 0);
        setenv("BERTH_LOCK_DIR", lockdir, 1);
        bt_manifest(dir, "l.yaml", "l", bt_service("web", NULL), NULL);
        snprintf(path, sizeof(path), "%s/%s.lock", lockdir, bt_run_id());
        fd = open(path, O_RDWR | O_CREAT | O_CLOEXEC, 0600);
        ck_assert_int_ge(fd, 0);
        ck_assert_int_eq(flock(fd, LOCK_EX), 0);
        ck_assert_int_gt(dprintf(fd, "%ld\n", (long)getpid()), 0); /* as berth writes it */
        r = BERTH_FAILS("apply", "-f", dir, "--no-wait");
        line = bt_fmt("berth: scope '%s' is locked by another berth", bt_run_id());
        bt_contains(r.err, line);
        free(line);
        bt_contains(r.err, "wait for it, or leave out --no-wait");
        bt_berth_release(&r);
        bt_state_is("");
        /* plan takes no lock: it changes nothing. */
        r = BERTH_OK("plan", "-f", dir);
        bt_berth_release(&r);

        /* Without --no-wait the second one says so, waits, then applies. */
        snprintf(out, sizeof(out), "%s/wait.out", dir);
        snprintf(errp, sizeof(errp), "%s/wait.err", dir);
        pid = bt_berth_spawn(out, errp, (const char *const[]){"apply", "-f", dir, NULL});
        for (i = 0; i < 100; i++) { /* until it says it waits */
                text = bt_file_read(errp);
                waiting = strstr(text, "waiting for it") != NULL;
                free(text);
                if (waiting)
                        break;
                usleep(100000);
        }
        ck_assert_msg(waiting, "the second berth did not say it waits");
        bt_state_is(""); /* and did nothing while it waited */
        close(fd);
        ck_assert_int_eq(waitpid(pid, &status, 0), pid);
        ck_assert_msg(WIFEXITED(status) && WEXITSTATUS(status) == 0, "apply exited %d", status);
        text = bt_file_read(errp);
        line = bt_fmt("berth: scope '%s' is locked by another berth (pid %ld): waiting for it "
                      "(--no-wait to exit instead)\n",
                      bt_run_id(), (long)getpid());
        ck_assert_str_eq(text, line);
        free(line);
        free(text);
        line = bt_fmt("%s-web-1 running\n", N("l"));
        bt_state_is(line);
        free(line);
        unsetenv("BERTH_LOCK_DIR");
}
END_TEST

START_TEST(pull_policy_never_without_the_image_is_refused)
{
        const char *dir = bt_tmpdir();
        char *text, *want;
        struct bt_berth r;

        text = bt_fmt("name: %s\nservices:\n  web:\n    image: berth-test/%s-absent:1\n"
                      "    pull_policy: never\n",
                      N("pn"), bt_run_id());
        bt_write_file(dir, "pn.yaml", text);
        free(text);
        r = BERTH_FAILS("apply", "-f", dir);
        want = bt_fmt("berth: project '%s', service 'web': image 'berth-test/%s-absent:1' is not "
                      "present and pull_policy is never: load or pull it first\n",
                      N("pn"), bt_run_id());
        ck_assert_str_eq(r.err, want);
        free(want);
        ck_assert_str_eq(r.out, "");
        bt_berth_release(&r);
        bt_state_is("");
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
        struct bt_berth r;

        bt_manifest(dir, "rev.yaml", "rev", bt_service("web", NULL), NULL);
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
        bt_berth_release(&r);
        name = bt_fmt("%s-web-1", N("rev"));
        ck_assert_msg(docker_container_inspect(&info, bt_client(), name, &err) == 0, "%s", err.msg);
        ck_assert_str_eq(docker_kv_get(info.labels, info.n_labels, "berth.source"), "rev.yaml");
        ck_assert_str_eq(docker_kv_get(info.labels, info.n_labels, "berth.revision"), head);
        ck_assert_str_eq(docker_kv_get(info.labels, info.n_labels, "berth.scope"), bt_run_id());
        docker_container_info_release(&info);
        r = BERTH_OK("status", "-f", dir);
        head[12] = '\0';
        bt_contains(r.out, head); /* the revision column, 12 digits */
        bt_berth_release(&r);
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
        struct bt_berth r;

        bt_manifest(dir, "tty.yaml", "tty", bt_service("web", NULL), NULL);
        cmd = bt_fmt("script -qec '%s plan -f %s --scope %s' /dev/null", BERTH_BINARY, dir,
                     bt_run_id());
        out = on_terminal(cmd);
        bt_contains(out, "\033[32m+\033[0m");
        free(out);
        free(cmd);
        cmd = bt_fmt("NO_COLOR=1 script -qec '%s plan -f %s --scope %s' /dev/null", BERTH_BINARY,
                     dir, bt_run_id());
        out = on_terminal(cmd);
        bt_contains(out, "+ container");
        bt_lacks(out, "\033[");
        free(out);
        free(cmd);
        r = BERTH_OK("apply", "-f", dir);
        bt_berth_release(&r);

        /* down on a terminal asks; anything but "yes" cancels. */
        cmd = bt_fmt("echo no | script -qec '%s down --scope %s' /dev/null", BERTH_BINARY,
                     bt_run_id());
        out = on_terminal(cmd);
        bt_contains(out, "Remove these? Only 'yes' is accepted:");
        bt_contains(out, "Cancelled: nothing was removed.");
        free(out);
        free(cmd);
        out = bt_fmt("%s-web-1 running\n", N("tty"));
        bt_state_is(out);
        free(out);
        cmd = bt_fmt("echo yes | script -qec '%s down --scope %s' /dev/null", BERTH_BINARY,
                     bt_run_id());
        out = on_terminal(cmd);
        bt_contains(out, "Apply complete: 2 succeeded.");
        free(out);
        free(cmd);
        bt_state_is("");
}
END_TEST

/* A pull from the local registry with the credentials of a config.json,
 * and a pull that fails: what needs that image is skipped, nothing else. */
START_TEST(pulls_and_a_failed_pull_skips_what_needs_it)
{
        const char *dir = bt_tmpdir(), *cfg = bt_tmpdir();
        char plain[512], b64[1024], *text, *line;
        struct bt_berth r;

        snprintf(plain, sizeof(plain), "%s:%s", bt_registry_user(), bt_registry_password());
        EVP_EncodeBlock((unsigned char *)b64, (const unsigned char *)plain, (int)strlen(plain));
        text = bt_fmt("{\"auths\": {\"%s\": {\"auth\": \"%s\"}}}\n", bt_registry(), b64);
        bt_write_file(cfg, "config.json", text);
        free(text);
        setenv("DOCKER_CONFIG", cfg, 1);
        text = bt_fmt("name: %s\nservices:\n"
                      "  reg:\n    image: %s\n    pull_policy: always\n"
                      "    command: [\"sleep\", \"3600\"]\n    stop_signal: SIGKILL\n"
                      "  gone:\n    image: %s/berth-test/%s-absent:1\n"
                      "  after:\n    image: %s\n    command: [\"sleep\", \"3600\"]\n"
                      "    stop_signal: SIGKILL\n    depends_on: [gone]\n",
                      N("pull"), bt_registry_image(), bt_registry(), bt_run_id(), bt_image());
        bt_write_file(dir, "pull.yaml", text);
        free(text);
        r = BERTH_FAILS("apply", "-f", dir);
        line = bt_fmt("image %s: pulled", bt_registry_image());
        bt_contains(r.out, line);
        free(line);
        line = bt_fmt("image %s/berth-test/%s-absent:1: failed: cannot pull image", bt_registry(),
                      bt_run_id());
        bt_contains(r.out, line);
        free(line);
        line = bt_fmt("%s-gone-1: skipped: '%s/berth-test/%s-absent:1' failed", N("pull"),
                      bt_registry(), bt_run_id());
        bt_contains(r.out, line);
        free(line);
        line = bt_fmt("%s-after-1: skipped: '%s-gone-1' was skipped", N("pull"), N("pull"));
        bt_contains(r.out, line);
        free(line);
        bt_contains(r.out, "Apply failed: 3 succeeded, 1 failed, 2 skipped.");
        bt_berth_release(&r);
        text = bt_fmt("%s-reg-1 running\n", N("pull"));
        bt_state_is(text);
        free(text);
        unsetenv("DOCKER_CONFIG");
}
END_TEST

/* An external network that does not exist fails the plan, naming it. */
START_TEST(missing_external_network_is_refused)
{
        const char *dir = bt_tmpdir();
        char *text, *want;
        struct bt_berth r;

        text = bt_fmt("name: %s\nservices:\n  web:\n    image: %s\n    networks: [edge]\n"
                      "networks:\n  edge:\n    external: true\n    name: %s\n",
                      N("ext"), bt_image(), N("no-such-net"));
        bt_write_file(dir, "ext.yaml", text);
        free(text);
        r = BERTH_FAILS("apply", "-f", dir);
        want = bt_fmt("berth: %s/ext.yaml:7:3: project '%s': external network '%s' does not exist: "
                      "create it, or drop external: true\n",
                      dir, N("ext"), N("no-such-net"));
        ck_assert_str_eq(r.err, want);
        free(want);
        ck_assert_str_eq(r.out, "");
        bt_berth_release(&r);
        bt_state_is("");
}
END_TEST

/* network_mode service:X joins X's first container, which starts first. */
START_TEST(network_mode_of_another_service)
{
        const char *dir = bt_tmpdir();
        struct docker_container_info info = {0};
        struct berth_err err;
        char *name, *want;
        struct bt_berth r;

        bt_manifest(dir, "ns.yaml", "ns", bt_service("web", NULL),
                    bt_service("side", "    network_mode: service:web\n"), NULL);
        r = BERTH_OK("apply", "-f", dir);
        bt_berth_release(&r);
        want = bt_fmt("%s-side-1 running\n%s-web-1 running\n", N("ns"), N("ns"));
        bt_state_is(want);
        free(want);
        name = bt_fmt("%s-side-1", N("ns"));
        ck_assert_msg(docker_container_inspect(&info, bt_client(), name, &err) == 0, "%s", err.msg);
        ck_assert_msg(!strncmp(json_string_value(json_object_get(
                                   json_object_get(info.raw, "HostConfig"), "NetworkMode")),
                               "container:", 10),
                      "NetworkMode is not container:...");
        docker_container_info_release(&info);
        free(name);
        r = BERTH_OK("plan", "-f", dir, "--detailed-exitcode");
        bt_berth_release(&r);
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
        tcase_add_test(tc, name_held_by_a_container_not_ours);
        tcase_add_test(tc, down_needs_yes_keeps_volumes_unless_asked);
        tcase_add_test(tc, json_plan_follows_its_schema);
        tcase_add_test(tc, status_shows_replicas_and_drift);
        tcase_add_test(tc, second_writer_waits_or_exits_with_no_wait);
        tcase_add_test(tc, pull_policy_never_without_the_image_is_refused);
        tcase_add_test(tc, source_and_revision_labels);
        tcase_add_test(tc, colour_on_a_terminal_and_down_asks);
        tcase_add_test(tc, pulls_and_a_failed_pull_skips_what_needs_it);
        tcase_add_test(tc, missing_external_network_is_refused);
        tcase_add_test(tc, network_mode_of_another_service);
        suite_add_tcase(s, tc);
        return bt_engine_main(s);
}
