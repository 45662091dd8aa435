/* Issue 8 against the real engine, through the binary: a manifest the
 * policy refuses, or that other users can write, changes nothing and
 * prunes nothing while the other projects apply; a bad policy file stops
 * the command before anything happens; the policy file allows (host
 * namespaces and devices too, checked inside the container); secrets
 * appear in no output of validate, config, plan, apply, status or watch
 * (text and JSON) and in no label of the containers made; a registry
 * password appears nowhere either.
 *
 * Every berth run uses --scope <run id>; projects are berthtest-<run>-*. */
#include <errno.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <sys/wait.h>
#include <time.h>
#include <unistd.h>

#include <jansson.h>
#include <openssl/evp.h>

#include "berth_cli.h"
#include "berth_test.h"
#include "docker/container.h"
#include "docker/exec.h"

static const char *N(const char *suffix)
{
        return bt_name(suffix);
}

/* The ids of the scope's containers, "name id" lines sorted by name. */
static char *ids(void)
{
        char v[16][80], *names = bt_snapshot(v, 16), *out = strdup(""), *line, *next, *more;
        size_t i = 0;

        for (line = names; *line; line = next + 1, i++) {
                next = strchr(line, '\n');
                *next = '\0';
                more = bt_fmt("%s%s %s\n", out, line, v[i]);
                free(out);
                out = more;
        }
        free(names);
        return out;
}

static void inspect(struct docker_container_info *info, const char *name)
{
        struct berth_err err;

        ck_assert_msg(docker_container_inspect(info, bt_client(), name, &err) == 0, "%s: %s", name,
                      err.msg);
}

/* ---- the policy gate ------------------------------------------------------ */

START_TEST(refused_manifest_changes_and_prunes_nothing)
{
        const char *dir = bt_tmpdir(), *pdir = bt_tmpdir();
        char *before, *after, *line, *policy, *want;
        struct docker_container_info info;
        struct bt_berth r;

        bt_manifest(dir, "shop.yaml", "shop", bt_service("web", NULL), bt_service("api", NULL),
                    NULL);
        bt_manifest(dir, "blog.yaml", "blog",
                    bt_service("web", "    environment:\n      LEVEL: \"1\"\n"), NULL);
        r = BERTH_OK("apply", "-f", dir);
        bt_berth_release(&r);
        before = ids();

        /* shop now asks for a capability and drops api; blog changes.  (Not
         * privileged: the engine here may lack capabilities, which makes a
         * privileged container fail to start.) */
        bt_manifest(dir, "shop.yaml", "shop", bt_service("web", "    cap_add: [NET_ADMIN]\n"),
                    NULL);
        bt_manifest(dir, "blog.yaml", "blog",
                    bt_service("web", "    environment:\n      LEVEL: \"2\"\n"), NULL);
        r = BERTH_FAILS("plan", "-f", dir, "--detailed-exitcode");
        bt_berth_release(&r);
        r = BERTH_FAILS("apply", "-f", dir);
        line = bt_fmt("%s/shop.yaml:7:15: services.web.cap_add[0]: capability NET_ADMIN (not in "
                      "Docker's default set) is refused by the default policy: to allow it, write "
                      "a policy file with an allow entry for project '%s', service 'web' that has "
                      "\"capabilities: [NET_ADMIN]\", and pass it with --policy (README "
                      "\"Policy\")\n"
                      "berth: 1 manifest did not load: its project is left exactly as it is (fix "
                      "the errors above)\n",
                      dir, N("shop"));
        ck_assert_str_eq(r.err, line);
        free(line);
        line = bt_fmt("! container %s-api-1: left alone: the project's manifest did not load",
                      N("shop"));
        bt_contains(r.out, line);
        free(line);
        line = bt_fmt("~ container %s-web-1: configuration changed", N("blog"));
        bt_contains(r.out, line);
        free(line);
        bt_berth_release(&r);
        after = ids();
        /* shop's two containers are the same ones; blog's web is new */
        want = strstr(before, N("shop"));
        bt_contains(after, want);
        ck_assert_str_ne(before, after);
        free(after);

        /* the operator allows it for shop's web: applied */
        policy = bt_fmt("%s/policy.yaml", pdir);
        line = bt_fmt("allow:\n  - project: %s\n    service: web\n    capabilities: [NET_ADMIN]\n",
                      N("shop"));
        bt_write_file(pdir, "policy.yaml", line);
        free(line);
        r = BERTH_OK("apply", "-f", dir, "--policy", policy);
        line = bt_fmt("- container %s-api-1: no longer declared", N("shop"));
        bt_contains(r.out, line);
        free(line);
        bt_berth_release(&r);
        line = bt_fmt("%s-web-1", N("shop"));
        inspect(&info, line);
        free(line);
        ck_assert_str_eq(
            json_string_value(json_array_get(bt_json_at(info.raw, "HostConfig.CapAdd"), 0)),
            "NET_ADMIN");
        docker_container_info_release(&info);
        free(before);
        free(policy);
}
END_TEST

/* A bad, missing or untrusted policy file: exit 64 before anything. */
START_TEST(bad_policy_file_stops_everything)
{
        const char *dir = bt_tmpdir(), *pdir = bt_tmpdir();
        char *before, *after, *policy = bt_fmt("%s/policy.yaml", pdir), *want;
        struct bt_berth r;

        bt_manifest(dir, "shop.yaml", "shop", bt_service("web", NULL), NULL);
        r = BERTH_OK("apply", "-f", dir);
        bt_berth_release(&r);
        before = ids();
        bt_manifest(dir, "shop.yaml", "shop", bt_service("web", "    scale: 2\n"), NULL);

        bt_write_file(pdir, "policy.yaml", "allow:\n  - project: x\n    privileged: maybe\n");
        r = BERTH_EXPECT(64, "apply", "-f", dir, "--policy", policy, "--stats");
        want = bt_fmt("%s:3:17: allow[0].privileged: expected true or false, got the string "
                      "\"maybe\"\nberth: the policy file '%s' has errors (above): nothing was "
                      "done\n",
                      policy, policy);
        ck_assert_str_eq(r.err, want);
        ck_assert_str_eq(r.out, "");
        free(want);
        bt_berth_release(&r);

        ck_assert_int_eq(chmod(policy, 0666), 0);
        bt_write_file(pdir, "policy.yaml", "allow: []\n");
        r = BERTH_EXPECT(64, "watch", "-f", dir, "--policy", policy);
        want = bt_fmt("berth: policy file '%s' is writable by every user (mode 0666), so anyone "
                      "can change what berth runs: run 'chmod go-w %s' (or pass "
                      "--insecure-manifests to accept it with a warning): nothing was done\n",
                      policy, policy);
        ck_assert_str_eq(r.err, want);
        free(want);
        bt_berth_release(&r);

        setenv("BERTH_POLICY", "/nonexistent/policy.yaml", 1);
        r = BERTH_EXPECT(64, "plan", "-f", dir);
        ck_assert_str_eq(r.err, "berth: policy file '/nonexistent/policy.yaml' does not exist: "
                                "nothing was done\n");
        bt_berth_release(&r);
        unsetenv("BERTH_POLICY");

        after = ids();
        ck_assert_str_eq(before, after);
        free(before);
        free(after);
        free(policy);
}
END_TEST

/* ---- host namespaces and devices ------------------------------------------ */

/* Run argv in container; its stdout, after checking it exits 0. */
static char *run_in(const char *container, const char *const *argv)
{
        struct docker_exec_result ex;
        struct berth_err err;
        char *out;

        ck_assert_msg(docker_exec_run(&ex, bt_client(), container, argv, &err) == 0, "%s: %s",
                      container, err.msg);
        ck_assert_msg(ex.exit_code == 0, "%s in %s: exit %ld: %s", argv[0], container, ex.exit_code,
                      docker_output_stderr(&ex.output));
        out = strdup(docker_output_stdout(&ex.output));
        docker_exec_result_release(&ex);
        return out;
}

/* pid: host, ipc: shareable and a device: refused by the default policy
 * (nothing made), made once the policy file allows them, and the
 * container has them: the host's PID namespace (its PID 1 is not the
 * container's command), the IPC mode, the device node where it was asked
 * for with the permissions asked for.  The next plan has nothing to do;
 * dropping pid: host recreates it and says so.  (userns_mode: host needs
 * an engine running with userns-remap, which this one is not:
 * test_exec_spec checks its create request.) */
START_TEST(host_namespaces_and_devices_allowed)
{
        static const char *const comm[] = {"cat", "/proc/1/comm", NULL};
        static const char *const dev[] = {"sh", "-c", "test -c /dev/berthnull && echo char", NULL};
        static const char extra[] = "    pid: host\n"
                                    "    ipc: shareable\n"
                                    "    devices:\n"
                                    "      - /dev/null:/dev/berthnull:r\n";
        const char *dir = bt_tmpdir(), *pdir = bt_tmpdir();
        char *policy = bt_fmt("%s/policy.yaml", pdir), *name = bt_fmt("%s-web-1", N("hostns"));
        char *text, *want, *before, *out;
        struct docker_container_info info;
        struct bt_berth r;
        json_t *d;

        bt_manifest(dir, "hostns.yaml", "hostns", bt_service("web", extra), NULL);
        before = ids();
        r = BERTH_FAILS("apply", "-f", dir);
        want = bt_fmt("%s/hostns.yaml:7:5: services.web.pid: the host's PID namespace (pid: host; "
                      "the container sees and can signal every process of the host) is refused "
                      "by the default policy: to allow it, write a policy file with an allow "
                      "entry for project '%s', service 'web' that has \"host_namespaces: [pid]\", "
                      "and pass it with --policy (README \"Policy\")\n"
                      "%s/hostns.yaml:10:9: services.web.devices[0]: the host's device /dev/null "
                      "(read access) is refused by the default policy: to allow it, write a "
                      "policy file with an allow entry for project '%s', service 'web' that has "
                      "\"devices: [/dev/null]\", and pass it with --policy (README \"Policy\")\n"
                      "berth: 1 manifest did not load: its project is left exactly as it is (fix "
                      "the errors above)\n",
                      dir, N("hostns"), dir, N("hostns"));
        ck_assert_str_eq(r.err, want);
        free(want);
        bt_berth_release(&r);
        out = ids();
        ck_assert_str_eq(out, before); /* nothing made */
        free(out);

        text = bt_fmt("allow:\n  - project: %s\n    service: web\n    host_namespaces: [pid]\n"
                      "    devices: [/dev/null]\n",
                      N("hostns"));
        bt_write_file(pdir, "policy.yaml", text);
        free(text);
        r = BERTH_OK("apply", "-f", dir, "--policy", policy);
        bt_berth_release(&r);
        inspect(&info, name);
        ck_assert_str_eq(json_string_value(bt_json_at(info.raw, "HostConfig.PidMode")), "host");
        ck_assert_str_eq(json_string_value(bt_json_at(info.raw, "HostConfig.IpcMode")),
                         "shareable");
        ck_assert_uint_eq(json_array_size(bt_json_at(info.raw, "HostConfig.Devices")), 1);
        d = json_array_get(bt_json_at(info.raw, "HostConfig.Devices"), 0);
        ck_assert_str_eq(json_string_value(json_object_get(d, "PathOnHost")), "/dev/null");
        ck_assert_str_eq(json_string_value(json_object_get(d, "PathInContainer")),
                         "/dev/berthnull");
        ck_assert_str_eq(json_string_value(json_object_get(d, "CgroupPermissions")), "r");
        ck_assert(json_is_true(bt_json_at(info.raw, "State.Running")));
        docker_container_info_release(&info);
        out = run_in(name, comm);
        ck_assert_msg(strcmp(out, "sleep\n") != 0, "PID 1 is the container's own sleep");
        free(out);
        out = run_in(name, dev);
        ck_assert_str_eq(out, "char\n");
        free(out);

        r = BERTH_OK("plan", "-f", dir, "--policy", policy, "--detailed-exitcode");
        bt_berth_release(&r);

        bt_manifest(dir, "hostns.yaml", "hostns",
                    bt_service("web", "    ipc: shareable\n    devices:\n"
                                      "      - /dev/null:/dev/berthnull:r\n"),
                    NULL);
        r = BERTH_OK("apply", "-f", dir, "--policy", policy);
        want = bt_fmt("~ container %s: configuration changed", name);
        bt_contains(r.out, want);
        free(want);
        bt_contains(r.out, "\n      pid: \"host\" \xe2\x86\x92 null\n"); /* → */
        bt_berth_release(&r);
        inspect(&info, name);
        ck_assert_str_eq(json_string_value(bt_json_at(info.raw, "HostConfig.PidMode")), "");
        docker_container_info_release(&info);
        out = run_in(name, comm);
        ck_assert_str_eq(out, "sleep\n");
        free(out);
        free(before);
        free(name);
        free(policy);
}
END_TEST

/* ---- manifest trust --------------------------------------------------------- */

START_TEST(untrusted_manifests_change_nothing)
{
        const char *dir = bt_tmpdir();
        char *before, *after, *want, *line;
        struct bt_berth r;

        bt_manifest(dir, "shop.yaml", "shop", bt_service("web", NULL), bt_service("api", NULL),
                    NULL);
        bt_manifest(dir, "blog.yaml", "blog", bt_service("web", NULL), NULL);
        r = BERTH_OK("apply", "-f", dir);
        bt_berth_release(&r);
        before = ids();

        /* the root: nothing at all */
        bt_manifest(dir, "blog.yaml", "blog", bt_service("web", "    scale: 2\n"), NULL);
        ck_assert_int_eq(chmod(dir, 0777), 0);
        r = BERTH_FAILS("apply", "-f", dir);
        want = bt_fmt("berth: manifest root '%s' is writable by every user (mode 0777), so anyone "
                      "can change what berth runs: run 'chmod go-w %s' (or pass "
                      "--insecure-manifests to accept it with a warning)\n",
                      dir, dir);
        ck_assert_str_eq(r.err, want);
        ck_assert_str_eq(r.out, "");
        free(want);
        bt_berth_release(&r);
        after = ids();
        ck_assert_str_eq(before, after);
        free(after);
        ck_assert_int_eq(chmod(dir, 0700), 0);

        /* one file: its project is frozen (not pruned, though shop drops
         * api), the other applies */
        bt_manifest(dir, "shop.yaml", "shop", bt_service("web", NULL), NULL);
        line = bt_fmt("%s/shop.yaml", dir);
        ck_assert_int_eq(chmod(line, 0666), 0);
        r = BERTH_FAILS("apply", "-f", dir);
        want = bt_fmt("%s: refused: writable by every user (mode 0666), so anyone can change what "
                      "berth runs: run 'chmod go-w %s' (or pass --insecure-manifests to accept it "
                      "with a warning)\n"
                      "berth: 1 manifest did not load: its project is left exactly as it is (fix "
                      "the errors above)\n",
                      line, line);
        ck_assert_str_eq(r.err, want);
        free(want);
        bt_berth_release(&r);
        after = ids();
        want = bt_fmt("%s-api-1 ", N("shop"));
        bt_contains(after, want); /* not pruned */
        free(want);
        want = bt_fmt("%s-web-2 running", N("blog"));
        bt_contains(after, want); /* applied */
        free(want);
        free(after);

        /* --insecure-manifests: a warning, and shop follows its file */
        r = BERTH_OK("apply", "-f", dir, "--insecure-manifests");
        want = bt_fmt("%s: warning: writable by every user (mode 0666), so anyone can change "
                      "what berth runs: run 'chmod go-w %s' (accepted because of "
                      "--insecure-manifests)\n",
                      line, line);
        ck_assert_str_eq(r.err, want);
        free(want);
        bt_berth_release(&r);
        want = bt_fmt("%s-web-1 running\n%s-web-2 running\n%s-web-1 running\n", N("blog"),
                      N("blog"), N("shop"));
        bt_state_is(want);
        free(want);
        free(line);
        free(before);
}
END_TEST

/* ---- secrets ------------------------------------------------------------------ */

#define SECRET_A "s3cr3t-Ab9xQ2"
#define SECRET_B "s3cr3t-Zk4mW7"
#define LITERAL "lit3ral-Pq8sV1"
#define ENVFILE "envf1le-Rt5nB3"

static void no_secret(const char *what, const char *text)
{
        static const char *const secrets[] = {SECRET_A, SECRET_B, LITERAL, ENVFILE};
        size_t i;

        for (i = 0; i < 4; i++)
                ck_assert_msg(!strstr(text, secrets[i]), "%s shows the secret %s:\n%s", what,
                              secrets[i], text);
}

/* berth ARGS... (with --scope but for validate and config, which take
 * none): neither stdout nor stderr holds a secret; the output. */
static struct bt_berth clean_run(const char *const args[])
{
        const char *argv[16];
        struct bt_berth r;
        size_t i;

        if (strcmp(args[0], "validate") && strcmp(args[0], "config")) {
                r = bt_berth_run(args);
        } else {
                argv[0] = BERTH_BINARY;
                for (i = 0; args[i] && i + 2 < 16; i++)
                        argv[i + 1] = args[i];
                argv[i + 1] = NULL;
                r.status = bt_run(&r.out, &r.err, argv);
                if (!r.out)
                        r.out = strdup("");
                if (!r.err)
                        r.err = strdup("");
        }
        char *what = bt_fmt("berth %s %s", args[0], args[1] ? args[1] : "");

        ck_assert_msg(r.status == 0 || r.status == 1 || r.status == 2, "%s exited %d:\n%s", what,
                      r.status, r.err);
        no_secret(what, r.out);
        no_secret(what, r.err);
        free(what);
        return r;
}
#define CLEAN(...) clean_run((const char *const[]){__VA_ARGS__, NULL})

static void run_all_commands(const char *dir)
{
        static const char *const outputs[] = {"text", "json"};
        struct bt_berth r;
        size_t i;

        r = CLEAN("validate", "-f", dir);
        bt_berth_release(&r);
        r = CLEAN("config", "-f", dir);
        bt_contains(r.out, "(sensitive)");
        bt_berth_release(&r);
        r = CLEAN("config", "-f", dir, "-o", "json");
        bt_berth_release(&r);
        for (i = 0; i < 2; i++) {
                r = CLEAN("plan", "-f", dir, "-o", outputs[i]);
                bt_berth_release(&r);
                r = CLEAN("status", "-f", dir, "-o", outputs[i]);
                bt_berth_release(&r);
        }
}

/* Every label of every container of the scope, as one text. */
static char *all_labels(void)
{
        const char *labels[] = {bt_scope_filter(), NULL};
        struct docker_container_list list;
        struct berth_err err;
        char *text = strdup(""), *more;
        size_t i, k;

        ck_assert_msg(docker_container_list(&list, bt_client(), labels, &err) == 0, "%s", err.msg);
        ck_assert_uint_gt(list.count, 0);
        for (i = 0; i < list.count; i++)
                for (k = 0; k < list.items[i].n_labels; k++) {
                        more = bt_fmt("%s%s=%s\n", text, list.items[i].labels[k].key,
                                      list.items[i].labels[k].value);
                        free(text);
                        text = more;
                }
        docker_container_list_release(&list);
        return text;
}

START_TEST(secrets_in_no_output_and_no_label)
{
        const char *dir = bt_tmpdir();
        char *text, *labels, *name;
        struct docker_container_info info;
        struct bt_berth r;
        json_t *env;
        size_t i;
        int found = 0;

        setenv("BERTHTEST_DB_PASSWORD", SECRET_A, 1);
        bt_write_file(dir, "app.env", "SESSION_SECRET=" ENVFILE "\n");
        text = bt_fmt("name: %s\nservices:\n  app:\n    image: %s\n"
                      "    command: [\"sh\", \"-c\", \"sleep 3600 # ${BERTHTEST_DB_PASSWORD}\"]\n"
                      "    stop_signal: SIGKILL\n"
                      "    env_file: app.env\n"
                      "    environment:\n"
                      "      DB_PASSWORD: ${BERTHTEST_DB_PASSWORD}\n"
                      "      DATABASE_URL: postgres://app:${BERTHTEST_DB_PASSWORD}@db/app\n"
                      "      API_TOKEN: " LITERAL "\n"
                      "      LEVEL: info\n",
                      N("sec"), bt_image());
        bt_write_file(dir, "app.yaml", text);
        free(text);

        run_all_commands(dir);
        r = CLEAN("apply", "-f", dir);
        bt_contains(r.out, "Apply complete");
        bt_berth_release(&r);
        run_all_commands(dir);

        /* the secret changes: a recreate whose field differences are shown */
        setenv("BERTHTEST_DB_PASSWORD", SECRET_B, 1);
        r = CLEAN("plan", "-f", dir);
        bt_contains(r.out, "environment.DB_PASSWORD: (sensitive) → (sensitive)");
        bt_contains(r.out, "environment.DATABASE_URL: (sensitive) → (sensitive)");
        bt_contains(r.out,
                    "command: [\"sh\",\"-c\",\"(sensitive)\"] → [\"sh\",\"-c\",\"(sensitive)\"]");
        bt_berth_release(&r);
        r = CLEAN("plan", "-f", dir, "-o", "json");
        bt_berth_release(&r);
        r = CLEAN("apply", "-f", dir, "-o", "json");
        bt_berth_release(&r);
        run_all_commands(dir);

        /* a message quoting a value */
        bt_write_file(dir, "bad.yaml",
                      "services:\n  x:\n    image: busybox\n"
                      "    restart: ${BERTHTEST_DB_PASSWORD}\n");
        r = CLEAN("validate", "-f", dir);
        bt_contains(r.err, "services.x.restart: \"(sensitive)\" must be");
        bt_berth_release(&r);
        r = CLEAN("apply", "-f", dir);
        bt_berth_release(&r);
        ck_assert_int_eq(unlink(text = bt_fmt("%s/bad.yaml", dir)), 0);
        free(text);

        /* labels: none holds a secret, though the container's environment does */
        labels = all_labels();
        no_secret("the containers' labels", labels);
        bt_contains(labels, "berth.applied={");
        free(labels);
        name = bt_fmt("%s-app-1", N("sec"));
        inspect(&info, name);
        env = bt_json_at(info.raw, "Config.Env");
        for (i = 0; i < json_array_size(env); i++)
                found +=
                    !strcmp(json_string_value(json_array_get(env, i)), "DB_PASSWORD=" SECRET_B);
        ck_assert_int_eq(found, 1);
        docker_container_info_release(&info);
        free(name);
        unsetenv("BERTHTEST_DB_PASSWORD");
}
END_TEST

/* berth watch's log: the first reconcile, a manifest problem quoting a
 * secret, then SIGTERM. */
START_TEST(secrets_in_no_watch_log)
{
        const char *dir = bt_tmpdir(), *logs = bt_tmpdir();
        char *out = bt_fmt("%s/out", logs), *err = bt_fmt("%s/err", logs), *text;
        pid_t pid;
        int status, i;

        setenv("BERTHTEST_DB_PASSWORD", SECRET_A, 1);
        text = bt_fmt("name: %s\nservices:\n  app:\n    image: %s\n"
                      "    command: [\"sh\", \"-c\", \"sleep 3600 # ${BERTHTEST_DB_PASSWORD}\"]\n"
                      "    stop_signal: SIGKILL\n"
                      "    environment:\n      DATABASE_URL: postgres://app:"
                      "${BERTHTEST_DB_PASSWORD}@db/app\n",
                      N("wsec"), bt_image());
        bt_write_file(dir, "app.yaml", text);
        free(text);
        bt_write_file(dir, "bad.yaml",
                      "services:\n  x:\n    image: busybox\n"
                      "    restart: ${BERTHTEST_DB_PASSWORD}\n");
        pid = bt_berth_spawn(
            out, err, (const char *const[]){"watch", "-f", dir, "--log-format", "json", NULL});
        for (i = 0; i < 600; i++) {
                text = bt_file_read(err);
                if (strstr(text, "\"msg\":\"reconcile\""))
                        break;
                free(text);
                text = NULL;
                usleep(100 * 1000);
        }
        kill(pid, SIGTERM);
        ck_assert_int_eq(waitpid(pid, &status, 0), pid);
        ck_assert_msg(text != NULL, "no reconcile logged");
        free(text);
        text = bt_file_read(err);
        bt_contains(text, "(sensitive)");
        no_secret("berth watch's log", text);
        free(text);
        text = bt_file_read(out);
        no_secret("berth watch's output", text);
        free(text);
        free(out);
        free(err);
        unsetenv("BERTHTEST_DB_PASSWORD");
}
END_TEST

/* A pull with the registry's password, and one with a wrong password: the
 * password shows in neither. */
START_TEST(registry_password_in_no_output)
{
        const char *dir = bt_tmpdir(), *cfg = bt_tmpdir();
        const char *passwords[] = {bt_registry_password(), "wr0ng-Pa55word-Kx3"};
        char plain[512], b64[1024], *text;
        struct bt_berth r;
        size_t i;

        text = bt_fmt("name: %s\nservices:\n  reg:\n    image: %s\n    pull_policy: always\n"
                      "    command: [\"sleep\", \"3600\"]\n    stop_signal: SIGKILL\n",
                      N("regsec"), bt_registry_image());
        bt_write_file(dir, "reg.yaml", text);
        free(text);
        setenv("DOCKER_CONFIG", cfg, 1);
        for (i = 0; i < 2; i++) {
                snprintf(plain, sizeof(plain), "%s:%s", bt_registry_user(), passwords[i]);
                EVP_EncodeBlock((unsigned char *)b64, (const unsigned char *)plain,
                                (int)strlen(plain));
                text = bt_fmt("{\"auths\": {\"%s\": {\"auth\": \"%s\"}}}\n", bt_registry(), b64);
                bt_write_file(cfg, "config.json", text);
                free(text);
                r = BERTH_EXPECT(i == 0 ? 0 : 1, "apply", "-f", dir, "-o", i ? "json" : "text");
                ck_assert_msg(!strstr(r.out, passwords[i]) && !strstr(r.err, passwords[i]) &&
                                  !strstr(r.out, b64) && !strstr(r.err, b64),
                              "the registry password shows:\n%s\n%s", r.out, r.err);
                if (i == 1)
                        bt_contains(r.out, "rejected the credentials");
                bt_berth_release(&r);
                /* the second run pulls again (pull_policy: always) */
                bt_manifest(dir, "reg.yaml", "regsec", bt_service("other", NULL), NULL);
                r = BERTH_OK("apply", "-f", dir);
                bt_berth_release(&r);
                text = bt_fmt("name: %s\nservices:\n  reg:\n    image: %s\n"
                              "    pull_policy: always\n    command: [\"sleep\", \"3600\"]\n"
                              "    stop_signal: SIGKILL\n",
                              N("regsec"), bt_registry_image());
                bt_write_file(dir, "reg.yaml", text);
                free(text);
        }
        unsetenv("DOCKER_CONFIG");
}
END_TEST

static Suite *suite(void)
{
        Suite *s = suite_create("policy_apply");
        TCase *tc = tcase_create("policy_apply");

        bt_tcase_engine(tc);
        tcase_set_timeout(tc, 300);
        tcase_add_test(tc, refused_manifest_changes_and_prunes_nothing);
        tcase_add_test(tc, bad_policy_file_stops_everything);
        tcase_add_test(tc, host_namespaces_and_devices_allowed);
        tcase_add_test(tc, untrusted_manifests_change_nothing);
        tcase_add_test(tc, secrets_in_no_output_and_no_label);
        tcase_add_test(tc, secrets_in_no_watch_log);
        tcase_add_test(tc, registry_password_in_no_output);
        suite_add_tcase(s, tc);
        return s;
}

int main(void)
{
        return bt_engine_main(suite());
}
