/* berth apply against the real engine: depends_on gates, start-first
 * updates and their rollback, and applies that are killed or interrupted
 * (issue 4's "what it must show"; the rest is in test_apply.c).
 *
 * What happened when is read from the engine's own timestamps (StartedAt,
 * FinishedAt, the health log), never from the test's clock.  Every berth
 * run uses --scope <run id>; projects are named berthtest-<run>-*; every
 * service is stopped with SIGKILL so that stops are quick.
 */
#include <errno.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/wait.h>
#include <time.h>
#include <unistd.h>

#include <jansson.h>

#include "berth_cli.h"
#include "berth_test.h"
#include "common/labels.h"
#include "docker/container.h"

#define TEMP_SUFFIX "-berth-new"

/* ---- helpers ------------------------------------------------------------ */

static void sleep_ms(long ms)
{
        struct timespec ts = {ms / 1000, (ms % 1000) * 1000000L};

        while (nanosleep(&ts, &ts) < 0 && errno == EINTR)
                ;
}

/* "berthtest-<run>-<project>-<service>-<replica>", in a static ring of
 * its own (bt_name()'s ring is 16 deep). */
static const char *cname(const char *project, const char *service, int replica)
{
        static char ring[16][256];
        static unsigned next;
        char *b = ring[next++ % 16];

        snprintf(b, sizeof(ring[0]), "%s-%s-%d", bt_name(project), service, replica);
        return b;
}

/* A service running `command` (a YAML flow sequence), then extra. */
static char *service_cmd(const char *name, const char *command, const char *extra)
{
        return bt_fmt("  %s:\n"
                      "    image: %s\n"
                      "    command: %s\n"
                      "    stop_signal: SIGKILL\n"
                      "%s",
                      name, bt_image(), command, extra ? extra : "");
}

/* A command that becomes healthy (see HEALTH_OK) after `seconds`. */
static char *healthy_after(int seconds)
{
        return bt_fmt("[\"sh\", \"-c\", \"sleep %d; touch /berth-ok; exec sleep 3600\"]", seconds);
}

#define HEALTH_OK                                                                                  \
        "    healthcheck:\n"                                                                       \
        "      test: [\"CMD\", \"test\", \"-f\", \"/berth-ok\"]\n"                                 \
        "      interval: 1s\n"                                                                     \
        "      retries: 30\n"

static void inspect(struct docker_container_info *info, const char *name)
{
        struct berth_err err;

        memset(info, 0, sizeof(*info));
        ck_assert_msg(docker_container_inspect(info, bt_client(), name, &err) == 0, "%s", err.msg);
}

static void absent(const char *name)
{
        struct docker_container_info info = {0};
        struct berth_err err;
        int r = docker_container_inspect(&info, bt_client(), name, &err);

        ck_assert_msg(r == BERTH_ENOTFOUND, "container '%s' exists (%s), it should not", name,
                      r == 0 ? info.state.status : err.msg);
        docker_container_info_release(&info);
}

/* An instant of the engine's clock: RFC 3339 with up to nanoseconds and
 * a zone (Z or ±hh:mm), as Go writes time.Time. */
struct stamp {
        long long s;
        long ns;
};

static struct stamp stamp_parse(const char *text)
{
        struct stamp t = {0, 0};
        struct tm tm = {0};
        const char *p;
        int n = 0, digits = 0, zh, zm;
        long scale = 100000000L;

        ck_assert_msg(sscanf(text, "%4d-%2d-%2dT%2d:%2d:%2d%n", &tm.tm_year, &tm.tm_mon,
                             &tm.tm_mday, &tm.tm_hour, &tm.tm_min, &tm.tm_sec, &n) == 6 &&
                          n == 19,
                      "not an RFC 3339 time: '%s'", text);
        tm.tm_year -= 1900;
        tm.tm_mon -= 1;
        t.s = (long long)timegm(&tm);
        p = text + n;
        if (*p == '.')
                for (p++; *p >= '0' && *p <= '9'; p++, digits++)
                        if (digits < 9) {
                                t.ns += (*p - '0') * scale;
                                scale /= 10;
                        }
        if (*p == 'Z') {
                p++;
        } else {
                ck_assert_msg((*p == '+' || *p == '-') && sscanf(p + 1, "%2d:%2d", &zh, &zm) == 2,
                              "no zone in '%s'", text);
                t.s -= (*p == '+' ? 1 : -1) * (zh * 3600LL + zm * 60LL);
                p += 6;
        }
        ck_assert_msg(*p == '\0', "trailing text in the time '%s'", text);
        return t;
}

static int stamp_after(struct stamp a, struct stamp b)
{
        return a.s > b.s || (a.s == b.s && a.ns > b.ns);
}

/* Config.Env of an inspected container has entry `kv`. */
static int env_has(const struct docker_container_info *info, const char *kv)
{
        json_t *env = json_object_get(json_object_get(info->raw, "Config"), "Env"), *v;
        size_t i;

        json_array_foreach(env, i, v)
        {
                if (json_is_string(v) && !strcmp(json_string_value(v), kv))
                        return 1;
        }
        return 0;
}

/* The line of text that starts with prefix, up to its newline (static). */
static const char *line_starting(const char *text, const char *prefix)
{
        static char line[1024];
        const char *p = text;

        while (p && *p) {
                if (!strncmp(p, prefix, strlen(prefix))) {
                        snprintf(line, sizeof(line), "%.*s", (int)strcspn(p, "\n"), p);
                        return line;
                }
                p = strchr(p, '\n');
                p = p ? p + 1 : NULL;
        }
        ck_abort_msg("no line starting '%s' in\n%s", prefix, text);
        return NULL;
}

/* ---- depends_on --------------------------------------------------------- */

/* The parser the timing checks below rest on. */
START_TEST(stamps_parse_as_the_engine_writes_them)
{
        struct stamp t = stamp_parse("2024-02-29T23:59:59.123456789Z");

        ck_assert_int_eq(t.s, 1709251199LL);
        ck_assert_int_eq(t.ns, 123456789L);
        t = stamp_parse("2024-03-01T00:59:59.5+01:00"); /* the same second, another zone */
        ck_assert_int_eq(t.s, 1709251199LL);
        ck_assert_int_eq(t.ns, 500000000L);
        t = stamp_parse("2024-02-29T18:59:59.1234567891-05:00"); /* digits past 9 are dropped */
        ck_assert_int_eq(t.s, 1709251199LL);
        ck_assert_int_eq(t.ns, 123456789L);
        ck_assert(stamp_after(stamp_parse("2024-02-29T23:59:59.2Z"),
                              stamp_parse("2024-02-29T23:59:59.123456789Z")));
        ck_assert(!stamp_after(stamp_parse("2024-02-29T23:59:59Z"),
                               stamp_parse("2024-02-29T23:59:59.000000001Z")));
}
END_TEST

/* app waits for db's healthcheck: it starts after the end of db's first
 * passing check. */
START_TEST(healthy_gate_waits_for_the_healthcheck)
{
        const char *dir = bt_tmpdir();
        struct docker_container_info db, app;
        struct stamp healthy, started;
        char *cmd = healthy_after(2);
        struct bt_berth r;
        size_t i, first_ok;

        bt_manifest(dir, "hg.yaml", "hg", service_cmd("db", cmd, HEALTH_OK),
                    bt_service("app", "    depends_on:\n"
                                      "      db:\n"
                                      "        condition: service_healthy\n"),
                    NULL);
        free(cmd);
        r = BERTH_OK("apply", "-f", dir);
        bt_contains(r.out, "Apply complete: 3 succeeded.");
        bt_berth_release(&r);

        inspect(&db, cname("hg", "db", 1));
        inspect(&app, cname("hg", "app", 1));
        ck_assert(db.state.has_health);
        for (i = 0; i < db.state.n_health_log; i++)
                fprintf(stderr, "db check %zu: %s .. %s exit %ld\n", i,
                        db.state.health_log[i].start, db.state.health_log[i].end,
                        db.state.health_log[i].exit_code);
        fprintf(stderr, "db started %s, app started %s\n", db.state.started_at,
                app.state.started_at);
        for (first_ok = 0; first_ok < db.state.n_health_log; first_ok++)
                if (db.state.health_log[first_ok].exit_code == 0)
                        break;
        ck_assert_msg(first_ok < db.state.n_health_log, "db never passed its healthcheck");
        /* A failing check before it: then this is the first pass (the
         * marker file stays once made), though the engine keeps only the
         * last five checks. */
        ck_assert_msg(first_ok > 0, "db's health log starts with a pass: cannot tell when it "
                                    "became healthy");
        healthy = stamp_parse(db.state.health_log[first_ok].end);
        started = stamp_parse(app.state.started_at);
        ck_assert_msg(stamp_after(started, healthy),
                      "app started at %s, before db became healthy at %s", app.state.started_at,
                      db.state.health_log[first_ok].end);
        ck_assert(app.state.running);
        docker_container_info_release(&db);
        docker_container_info_release(&app);
}
END_TEST

/* db never becomes healthy: app fails without a container, web (which
 * waits for app) is skipped. */
START_TEST(unhealthy_dependency_fails_and_skips)
{
        const char *dir = bt_tmpdir();
        char *want;
        struct bt_berth r;

        bt_manifest(dir, "uh.yaml", "uh",
                    bt_service("db", "    healthcheck:\n"
                                     "      test: [\"CMD\", \"false\"]\n"
                                     "      interval: 1s\n"
                                     "      retries: 2\n"),
                    bt_service("app", "    depends_on:\n"
                                      "      db:\n"
                                      "        condition: service_healthy\n"),
                    bt_service("web", "    depends_on: [app]\n"), NULL);
        r = BERTH_FAILS("apply", "-f", dir);
        want = bt_fmt("%s: failed: dependency 'db' is unhealthy: container '%s' failed its "
                      "healthcheck\n",
                      cname("uh", "app", 1), cname("uh", "db", 1));
        bt_contains(r.out, want);
        free(want);
        want = bt_fmt("%s: skipped: '%s' failed\n", cname("uh", "web", 1), cname("uh", "app", 1));
        bt_contains(r.out, want);
        free(want);
        ck_assert_str_eq(line_starting(r.out, "Apply "),
                         "Apply failed: 2 succeeded, 1 failed, 1 skipped.");
        bt_berth_release(&r);
        absent(cname("uh", "app", 1));
        absent(cname("uh", "web", 1));
        want = bt_fmt("%s running\n", cname("uh", "db", 1));
        bt_state_is(want);
        free(want);
}
END_TEST

static char *migrate_project(const char *dir, const char *project, int code)
{
        char *cmd = bt_fmt("[\"sh\", \"-c\", \"sleep 1; exit %d\"]", code);

        bt_manifest(dir, "mg.yaml", project, service_cmd("migrate", cmd, "    restart: \"no\"\n"),
                    bt_service("app", "    depends_on:\n"
                                      "      migrate:\n"
                                      "        condition: service_completed_successfully\n"),
                    NULL);
        return cmd;
}

/* A one-shot migrate: app starts after it exits 0; the next apply leaves
 * it alone ("completed"); a migrate that exits 3 fails app. */
START_TEST(completed_gate_waits_for_exit_zero)
{
        const char *dir = bt_tmpdir(), *dir3 = bt_tmpdir();
        struct docker_container_info mig, app, again;
        char *want, *file3;
        struct bt_berth r;

        free(migrate_project(dir, "mg", 0));
        r = BERTH_OK("apply", "-f", dir);
        bt_contains(r.out, "Apply complete: 3 succeeded.");
        bt_berth_release(&r);
        inspect(&mig, cname("mg", "migrate", 1));
        inspect(&app, cname("mg", "app", 1));
        ck_assert_str_eq(mig.state.status, "exited");
        ck_assert_int_eq(mig.state.exit_code, 0);
        fprintf(stderr, "migrate ran %s .. %s, app started %s\n", mig.state.started_at,
                mig.state.finished_at, app.state.started_at);
        ck_assert_msg(
            stamp_after(stamp_parse(app.state.started_at), stamp_parse(mig.state.finished_at)),
            "app started at %s, before migrate finished at %s", app.state.started_at,
            mig.state.finished_at);
        ck_assert(app.state.running);

        /* Again: migrate is done, not run a second time. */
        r = BERTH_OK("apply", "-f", dir, "--stats");
        want = bt_fmt("= container %s: completed (exited 0)\n", cname("mg", "migrate", 1));
        bt_contains(r.out, want);
        free(want);
        bt_contains(r.out, "No changes.");
        bt_contains(r.err, "(0 mutating)");
        bt_berth_release(&r);
        inspect(&again, cname("mg", "migrate", 1));
        ck_assert_str_eq(again.id, mig.id);
        ck_assert_str_eq(again.state.started_at, mig.state.started_at);
        docker_container_info_release(&again);
        docker_container_info_release(&mig);
        docker_container_info_release(&app);

        /* Exit 3 (another project, applied alone: -f FILE leaves mg be):
         * app fails and is not created. */
        free(migrate_project(dir3, "mg3", 3));
        file3 = bt_fmt("%s/mg.yaml", dir3);
        r = BERTH_FAILS("apply", "-f", file3);
        free(file3);
        want = bt_fmt("%s: failed: dependency 'migrate' did not complete successfully: container "
                      "'%s' exited with code 3\n",
                      cname("mg3", "app", 1), cname("mg3", "migrate", 1));
        bt_contains(r.out, want);
        free(want);
        ck_assert_str_eq(line_starting(r.out, "Apply "), "Apply failed: 2 succeeded, 1 failed.");
        bt_berth_release(&r);
        absent(cname("mg3", "app", 1));
}
END_TEST

/* ---- start-first -------------------------------------------------------- */

/* One look at the scope: the states of `name` and of its temporary
 * replacement, from a single list call (the same instant). */
struct pair_look {
        int old_running; /* a container `name` with id old_id, running */
        int old_present; /* a container `name` with id old_id */
        int temp_present;
        int temp_healthy; /* "(healthy)" in its status */
        char temp_status[128];
};

static struct pair_look look(const char *name, const char *old_id)
{
        const char *labels[] = {bt_scope_filter(), NULL};
        struct docker_container_list list;
        struct pair_look l = {0};
        struct berth_err err;
        char *temp = bt_fmt("%s" TEMP_SUFFIX, name);
        size_t i;

        ck_assert_msg(docker_container_list(&list, bt_client(), labels, &err) == 0, "%s", err.msg);
        for (i = 0; i < list.count; i++) {
                const struct docker_container_summary *c = &list.items[i];

                if (!strcmp(c->names[0], name) && !strcmp(c->id, old_id)) {
                        l.old_present = 1;
                        l.old_running = !strcmp(c->state, "running");
                } else if (!strcmp(c->names[0], temp)) {
                        l.temp_present = 1;
                        l.temp_healthy = strstr(c->status, "(healthy)") != NULL;
                        snprintf(l.temp_status, sizeof(l.temp_status), "%s: %s", c->state,
                                 c->status);
                }
        }
        docker_container_list_release(&list);
        free(temp);
        return l;
}

/* How many containers of the scope are under a temporary name (or carry
 * berth.temp naming themselves): half-made start-first updates. */
static size_t leftovers(void)
{
        const char *labels[] = {bt_scope_filter(), NULL};
        struct docker_container_list list;
        struct berth_err err;
        const char *temp, *name;
        size_t i, n, found = 0;

        ck_assert_msg(docker_container_list(&list, bt_client(), labels, &err) == 0, "%s", err.msg);
        for (i = 0; i < list.count; i++) {
                name = list.items[i].names[0];
                temp =
                    docker_kv_get(list.items[i].labels, list.items[i].n_labels, BERTH_LABEL_TEMP);
                n = strlen(name);
                if ((temp && !strcmp(temp, name)) ||
                    (n >= strlen(TEMP_SUFFIX) &&
                     !strcmp(name + n - strlen(TEMP_SUFFIX), TEMP_SUFFIX)))
                        found++;
        }
        docker_container_list_release(&list);
        return found;
}

static void no_leftovers(void)
{
        char *have;

        if (leftovers() == 0)
                return;
        have = bt_snapshot(NULL, 0);
        ck_abort_msg("a start-first update left its temporary container:\n%s", have);
        free(have);
}

/* Service web, start-first, healthy after 3 s by default (health: its
 * healthcheck block instead), with more update_config keys. */
static char *start_first_web(const char *version, const char *health, const char *update)
{
        char *cmd = healthy_after(3), *more, *s;

        more = bt_fmt("    environment:\n"
                      "      VERSION: \"%s\"\n"
                      "%s"
                      "    deploy:\n"
                      "      update_config:\n"
                      "        order: start-first\n"
                      "%s",
                      version, health ? health : HEALTH_OK, update ? update : "");
        s = service_cmd("web", cmd, more);
        free(cmd);
        free(more);
        return s;
}

/* While the new replica runs under its temporary name and is not healthy
 * yet, the old one (same id) is still running; afterwards only the new
 * one is left, under the service's name. */
START_TEST(start_first_keeps_the_old_replica_until_the_new_is_healthy)
{
        const char *dir = bt_tmpdir(), *name = cname("sf", "web", 1);
        char out_path[512], err_path[512], *out, *err, *want;
        struct docker_container_info old, now;
        struct pair_look l;
        int status, both = 0, looks = 0, done = 0;
        char old_id[80];
        pid_t pid;

        bt_manifest(dir, "sf.yaml", "sf", start_first_web("1", NULL, NULL), NULL);
        {
                struct bt_berth r = BERTH_OK("apply", "-f", dir);
                bt_berth_release(&r);
        }
        inspect(&old, name);
        snprintf(old_id, sizeof(old_id), "%s", old.id);
        docker_container_info_release(&old);

        bt_manifest(dir, "sf.yaml", "sf", start_first_web("2", NULL, NULL), NULL);
        snprintf(out_path, sizeof(out_path), "%s/apply.out", dir);
        snprintf(err_path, sizeof(err_path), "%s/apply.err", dir);
        pid = bt_berth_spawn(out_path, err_path, (const char *const[]){"apply", "-f", dir, NULL});
        while (!done) {
                done = waitpid(pid, &status, WNOHANG) == pid;
                l = look(name, old_id);
                looks++;
                if (l.temp_present && !l.temp_healthy) {
                        ck_assert_msg(l.old_running,
                                      "the new replica is not healthy yet (%s) and the old one "
                                      "is %s",
                                      l.temp_status, l.old_present ? "stopped" : "gone");
                        both++;
                }
                if (!done)
                        sleep_ms(100);
        }
        out = bt_file_read(out_path);
        err = bt_file_read(err_path);
        fprintf(stderr, "%d looks, %d with the new replica starting and the old one running\n",
                looks, both);
        ck_assert_msg(WIFEXITED(status) && WEXITSTATUS(status) == 0,
                      "berth apply ended with status %#x\nstdout:\n%s\nstderr:\n%s", status, out,
                      err);
        ck_assert_msg(both > 0, "never saw the new replica starting beside the old one\n%s", out);
        want = bt_fmt("~ container %s: configuration changed (start-first)\n", name);
        bt_contains(out, want);
        free(want);
        want = bt_fmt("%s: recreated (start-first)", name);
        bt_contains(out, want);
        free(want);
        free(out);
        free(err);

        want = bt_fmt("%s running\n", name);
        bt_state_is(want);
        free(want);
        no_leftovers();
        inspect(&now, name);
        ck_assert_str_ne(now.id, old_id);
        ck_assert(now.state.running);
        ck_assert_msg(env_has(&now, "VERSION=2"), "the new replica lacks VERSION=2");
        docker_container_info_release(&now);
}
END_TEST

#define ROLLBACK                                                                                   \
        "        failure_action: rollback\n"                                                       \
        "        monitor: 5s\n"

/* A new version that never gets healthy within the monitor time: rolled
 * back, the old replica kept, the change still pending. */
START_TEST(start_first_rolls_back_a_replica_that_never_gets_healthy)
{
        const char *dir = bt_tmpdir(), *name = cname("rb", "web", 1);
        struct docker_container_info old, now;
        char *want, *temp = bt_fmt("%s" TEMP_SUFFIX, name);
        struct bt_berth r;

        bt_manifest(dir, "rb.yaml", "rb", start_first_web("1", NULL, ROLLBACK), NULL);
        r = BERTH_OK("apply", "-f", dir);
        bt_berth_release(&r);
        inspect(&old, name);

        bt_manifest(dir, "rb.yaml", "rb",
                    start_first_web("2",
                                    "    healthcheck:\n"
                                    "      test: [\"CMD\", \"test\", \"-f\", \"/berth-never\"]\n"
                                    "      interval: 1s\n"
                                    "      retries: 30\n",
                                    ROLLBACK),
                    NULL);
        r = BERTH_FAILS("apply", "-f", dir);
        want = bt_fmt("%s: rolled back: '%s' kept running: the new replica did not "
                      "become ready within 5 s: container '%s'\n",
                      name, name, temp);
        bt_contains(r.out, want);
        free(want);
        ck_assert_str_eq(line_starting(r.out, "Apply "), "Apply failed: 1 rolled back.");
        bt_berth_release(&r);

        inspect(&now, name);
        ck_assert_str_eq(now.id, old.id);
        ck_assert(now.state.running);
        ck_assert_msg(env_has(&now, "VERSION=1"), "the kept replica lacks VERSION=1");
        docker_container_info_release(&now);
        docker_container_info_release(&old);
        absent(temp);
        no_leftovers();
        r = BERTH_EXPECT(2, "plan", "-f", dir, "--detailed-exitcode");
        want = bt_fmt("~ container %s: configuration changed (start-first)\n", name);
        bt_contains(r.out, want);
        free(want);
        bt_berth_release(&r);
        free(temp);
}
END_TEST

/* ---- killed and interrupted applies ------------------------------------- */

/* Project kl: a and b sleep, c is start-first and healthy after 1 s; two
 * replicas each; gen[] is each one's GEN value.  No network: dockerd 20.10
 * can keep the endpoint of a container whose create or start a SIGKILLed
 * client had under way, on a network then nothing can remove (it lists no
 * container and refuses removal for "active endpoints") short of a restart
 * of the engine; the test is about containers, and must leave nothing. */
static void kill_manifest(const char *dir, const int gen[3])
{
        char *cmd = healthy_after(1), *ea, *eb, *ec;

        ea = bt_fmt("    scale: 2\n    network_mode: none\n    environment:\n      GEN: \"%d\"\n",
                    gen[0]);
        eb = bt_fmt("    scale: 2\n    network_mode: none\n    environment:\n      GEN: \"%d\"\n",
                    gen[1]);
        ec = bt_fmt(
            "    scale: 2\n    network_mode: none\n    environment:\n      GEN: \"%d\"\n" HEALTH_OK
            "    deploy:\n      update_config:\n        order: start-first\n",
            gen[2]);
        bt_manifest(dir, "kl.yaml", "kl", bt_service("a", ea), bt_service("b", eb),
                    service_cmd("c", cmd, ec), NULL);
        free(cmd);
        free(ea);
        free(eb);
        free(ec);
}

/* One more apply succeeds and leaves nothing to do. */
static void converge(const char *dir)
{
        struct bt_berth r = BERTH_OK("apply", "-f", dir);

        bt_berth_release(&r);
        r = BERTH_OK("plan", "-f", dir, "--detailed-exitcode");
        bt_berth_release(&r);
}

static unsigned test_seed(void)
{
        const char *s = getenv("BERTH_TEST_SEED");

        return s && *s ? (unsigned)strtoul(s, NULL, 0) : (unsigned)time(NULL) ^ (unsigned)getpid();
}

/* Applies killed at random moments (SIGKILL: no cleanup at all) leave
 * half-made updates; the next apply converges on exactly one container
 * per replica. */
START_TEST(killed_applies_converge)
{
        static const char *const services[] = {"a", "b", "c"};
        const char *dir = bt_tmpdir();
        char out_path[512], err_path[512], gen_kv[32], *want;
        struct docker_container_info info;
        int gen[3] = {0, 0, 0}, round, svc, status, killed = 0, left = 0, replica;
        unsigned seed = test_seed();
        struct bt_berth r;
        size_t n;
        long ms;
        pid_t pid;

        fprintf(stderr, "killed_applies_converge: seed %u (BERTH_TEST_SEED=%u repeats it)\n", seed,
                seed);
        srand(seed);
        kill_manifest(dir, gen);
        r = BERTH_OK("apply", "-f", dir);
        bt_berth_release(&r);
        snprintf(out_path, sizeof(out_path), "%s/apply.out", dir);
        snprintf(err_path, sizeof(err_path), "%s/apply.err", dir);
        for (round = 0; round < 10; round++) {
                /* Every other round the start-first service, else a or b. */
                svc = round % 2 == 0 ? 2 : (round / 2) % 2;
                gen[svc]++;
                kill_manifest(dir, gen);
                ms = rand() % 1501;
                pid = bt_berth_spawn(out_path, err_path,
                                     (const char *const[]){"apply", "-f", dir, NULL});
                sleep_ms(ms);
                kill(pid, SIGKILL);
                ck_assert_int_eq(waitpid(pid, &status, 0), pid);
                if (WIFSIGNALED(status))
                        killed++;
                n = leftovers();
                left += n > 0;
                fprintf(stderr, "round %d: %s GEN=%d, %s after %ld ms, %zu temporary containers\n",
                        round, services[svc], gen[svc],
                        WIFSIGNALED(status) ? "killed" : "had finished", ms, n);
        }
        fprintf(stderr, "%d of 10 applies killed, %d left temporary containers\n", killed, left);
        ck_assert_msg(killed > 0, "no apply was killed: the test showed nothing");

        converge(dir);
        want = bt_fmt("%s running\n%s running\n%s running\n%s running\n%s running\n%s running\n",
                      cname("kl", "a", 1), cname("kl", "a", 2), cname("kl", "b", 1),
                      cname("kl", "b", 2), cname("kl", "c", 1), cname("kl", "c", 2));
        bt_state_is(want);
        free(want);
        no_leftovers();
        for (svc = 0; svc < 3; svc++)
                for (replica = 1; replica <= 2; replica++) {
                        inspect(&info, cname("kl", services[svc], replica));
                        snprintf(gen_kv, sizeof(gen_kv), "GEN=%d", gen[svc]);
                        ck_assert_msg(env_has(&info, gen_kv), "%s lacks %s", info.name, gen_kv);
                        docker_container_info_release(&info);
                }
}
END_TEST

/* Has berth's output got past the plan to a finished operation's line
 * ("...: created (0.1s)")? */
static int an_operation_finished(const char *out)
{
        const char *plan = strstr(out, "\nPlan:");

        return plan && strstr(plan, "s)\n") != NULL;
}

/* SIGINT while one operation waits on a slow dependency: nothing new
 * starts, berth says what did not start and exits 1; the next apply
 * finishes the job. */
START_TEST(sigint_stops_new_operations)
{
        static const char *const idle[] = {"c1", "c2", "c3"};
        const char *dir = bt_tmpdir();
        char out_path[512], err_path[512], *out = NULL, *err, *cmd = healthy_after(4), *want;
        int status, i;
        pid_t pid;

        bt_manifest(dir, "si.yaml", "si", service_cmd("a-db", cmd, HEALTH_OK),
                    bt_service("b-app", "    depends_on:\n"
                                        "      a-db:\n"
                                        "        condition: service_healthy\n"),
                    bt_service("c1", NULL), bt_service("c2", NULL), bt_service("c3", NULL), NULL);
        free(cmd);
        snprintf(out_path, sizeof(out_path), "%s/apply.out", dir);
        snprintf(err_path, sizeof(err_path), "%s/apply.err", dir);
        pid = bt_berth_spawn(out_path, err_path,
                             (const char *const[]){"apply", "-f", dir, "--parallel", "1", NULL});
        for (i = 0; i < 600; i++) {
                free(out);
                out = bt_file_read(out_path);
                if (an_operation_finished(out))
                        break;
                ck_assert_msg(waitpid(pid, &status, WNOHANG) == 0,
                              "berth apply ended before its first operation did:\n%s", out);
                sleep_ms(50);
        }
        ck_assert_msg(i < 600, "no operation finished within 30 s:\n%s", out);
        free(out);
        ck_assert_int_eq(kill(pid, SIGINT), 0);
        ck_assert_int_eq(waitpid(pid, &status, 0), pid);
        out = bt_file_read(out_path);
        err = bt_file_read(err_path);
        ck_assert_msg(WIFEXITED(status) && WEXITSTATUS(status) == 1,
                      "berth apply ended with status %#x, not exit 1\nstdout:\n%s\nstderr:\n%s",
                      status, out, err);
        bt_contains(err, "berth: stopping: running operations finish, no new ones start");
        for (i = 0; i < 3; i++) {
                want = bt_fmt("%s: not started (interrupted)\n", cname("si", idle[i], 1));
                bt_contains(out, want);
                free(want);
                absent(cname("si", idle[i], 1));
        }
        bt_contains(line_starting(out, "Apply failed:"), " not started (interrupted).");
        free(out);
        free(err);

        converge(dir);
        want = bt_fmt("%s running\n%s running\n%s running\n%s running\n%s running\n",
                      cname("si", "a-db", 1), cname("si", "b-app", 1), cname("si", "c1", 1),
                      cname("si", "c2", 1), cname("si", "c3", 1));
        bt_state_is(want);
        free(want);
}
END_TEST

/* Each test starts from an empty scope, even after one that failed
 * (check skips a failed test's teardown): berth -f DIR would otherwise
 * remove the failed test's projects as undeclared, changing the plan. */
static void empty_scope(void)
{
        bt_cleanup();
}

static TCase *tcase_new(const char *name)
{
        TCase *tc = tcase_create(name);

        bt_tcase_engine(tc);
        tcase_add_checked_fixture(tc, empty_scope, NULL);
        return tc;
}

int main(void)
{
        Suite *s = suite_create("apply_update");
        TCase *gates = tcase_new("depends_on");
        TCase *first = tcase_new("start-first");
        TCase *stops = tcase_new("killed");

        tcase_add_test(gates, stamps_parse_as_the_engine_writes_them);
        tcase_add_test(gates, healthy_gate_waits_for_the_healthcheck);
        tcase_add_test(gates, unhealthy_dependency_fails_and_skips);
        tcase_add_test(gates, completed_gate_waits_for_exit_zero);
        suite_add_tcase(s, gates);

        tcase_add_test(first, start_first_keeps_the_old_replica_until_the_new_is_healthy);
        tcase_add_test(first, start_first_rolls_back_a_replica_that_never_gets_healthy);
        suite_add_tcase(s, first);

        tcase_set_timeout(stops, 180); /* ten killed applies, then a full one */
        /* last: a SIGKILLed apply can leave the engine a network endpoint
         * with no container (seen in CI), which no API call removes, and
         * a later test of the scope would meet its network */
        tcase_add_test(stops, sigint_stops_new_operations);
        tcase_add_test(stops, killed_applies_converge);
        suite_add_tcase(s, stops);
        return bt_engine_main(s);
}
