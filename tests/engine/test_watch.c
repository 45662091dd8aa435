/* berth watch against the real engine (issue 5's "what it must show"):
 * manifest edits followed, invalid edits kept out, editors' atomic saves,
 * git checkouts and git-sync symlink swaps as one reconcile each,
 * containers killed or removed by hand repaired, the engine going away and
 * coming back, an inotify queue overflow, an idle daemon that does not
 * wake up, SIGTERM during an apply and SIGHUP, and a failing project that
 * backs off while the others are still applied.
 *
 * Each test runs `berth watch --log-format json` as a child with its log
 * in a file, and reads what it did from the log (one JSON object a line)
 * and from the engine.  The manifest root is a directory of a temporary
 * directory of the test's own, so the parent directory watch also watches
 * is a quiet one.  The child dies with the test process (bt_berth_spawn:
 * PR_SET_PDEATHSIG), so a failing test leaves no watch repairing what the
 * cleanup removes; a passing test stops it with SIGTERM in a checked
 * teardown that runs before the cleanup, and it must exit 0 (under the
 * sanitizers: no leak).  Measured latencies are printed on stdout.
 */
#include <dirent.h>
#include <errno.h>
#include <fcntl.h>
#include <ftw.h>
#include <limits.h>
#include <signal.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/prctl.h>
#include <sys/socket.h>
#include <sys/stat.h>
#include <sys/un.h>
#include <sys/wait.h>
#include <time.h>
#include <unistd.h>

#include <jansson.h>

#include "berth_cli.h"
#include "berth_daemon.h"
#include "berth_test.h"
#include "docker/container.h"

#define DEBOUNCE "300"
#define DEBOUNCE_S 0.3
/* After a change has been applied, how long to go on watching the log for
 * a second reconcile: the debounce and then some. */
#define SETTLE_MS 1500

/* The socat proxy's process group (engine_restart_is_survived). */
static pid_t proxy_pid = -1;

/* ---- the watch child ---------------------------------------------------- */

/* Start berth [-H host] watch -f root in the suite's scope, logging JSON. */
static void watch_spawn(const char *root, const char *host)
{
        const char *args[12];
        size_t n = 0;

        if (host) {
                args[n++] = "-H";
                args[n++] = host;
        }
        args[n++] = "watch";
        args[n++] = "-f";
        args[n++] = root;
        args[n++] = "--debounce";
        args[n++] = DEBOUNCE;
        args[n++] = "--log-format";
        args[n++] = "json";
        args[n] = NULL;
        bt_daemon_spawn(args);
}

static void proxy_stop(void)
{
        if (proxy_pid <= 0)
                return;
        kill(-proxy_pid, SIGKILL); /* socat and its per-connection children */
        while (waitpid(proxy_pid, NULL, 0) < 0 && errno == EINTR)
                ;
        proxy_pid = -1;
}

/* Checked teardown, run before the cleanup (teardowns run last added
 * first): a watch still running would repair what the cleanup removes.
 * It is stopped as a user would stop it, and must exit 0 (under the
 * sanitizers, that also says it leaked nothing). */
static void children_stop(void)
{
        int status = bt_daemon_stop();

        proxy_stop();
        ck_assert_msg(status == 0,
                      "berth watch exited %d on SIGTERM (-1: it did not); its log:\n%s", status,
                      bt_file_read(bt_daemon_log));
}

/* Start watch on root and wait for its first reconcile; returns the log
 * mark after it.  A first reconcile with a failure is allowed (backoff). */
static size_t watch_start(const char *root, const char *host)
{
        size_t at;
        json_t *line;

        watch_spawn(root, host);
        line = bt_log_wait(&at, 0, "reconcile", "trigger", "start", 30);
        json_decref(line);
        return at + 1;
}

/* Exactly one reconcile from `from` on, with trigger "manifests" and no
 * failure; after SETTLE_MS more, to catch a second one. */
static void one_manifests_reconcile(size_t from, const char *what)
{
        json_t *v, *line;

        bt_sleep_ms(SETTLE_MS);
        bt_daemon_alive();
        v = bt_log_select(from, "reconcile", NULL, NULL);
        ck_assert_msg(json_array_size(v) == 1, "%s: %zu reconciles, not 1; the log:\n%s", what,
                      json_array_size(v), bt_file_read(bt_daemon_log));
        line = json_array_get(v, 0);
        ck_assert_str_eq(bt_log_field(line, "trigger"), "manifests");
        ck_assert_str_eq(bt_log_field(line, "failed"), "0");
        ck_assert_str_eq(bt_log_field(line, "skipped"), "0");
        printf("%s: 1 reconcile, %s changes in %s s\n", what, bt_log_field(line, "changes"),
               bt_log_field(line, "duration"));
        json_decref(v);
}

/* ---- the engine --------------------------------------------------------- */

/* "berthtest-<run>-<project>-<service>-1", in a ring of its own. */
static const char *cname(const char *project, const char *service)
{
        static char ring[16][256];
        static unsigned next;
        char *b = ring[next++ % 16];

        snprintf(b, sizeof(ring[0]), "%s-%s-1", bt_name(project), service);
        return b;
}

/* "name running\n" for each of the containers named (NULL-terminated), in
 * bt_snapshot()'s order. */
static char *running(const char *first, ...)
{
        const char *names[16];
        char *text = strdup(""), *more;
        size_t n = 0, i, j;
        va_list ap;

        va_start(ap, first);
        for (const char *s = first; s; s = va_arg(ap, const char *)) {
                ck_assert_uint_lt(n, 16);
                names[n++] = s;
        }
        va_end(ap);
        for (i = 1; i < n; i++)
                for (j = i; j > 0 && strcmp(names[j - 1], names[j]) > 0; j--) {
                        const char *t = names[j];

                        names[j] = names[j - 1];
                        names[j - 1] = t;
                }
        for (i = 0; i < n; i++) {
                more = bt_fmt("%s%s running\n", text, names[i]);
                free(text);
                text = more;
        }
        return text;
}

/* Wait until the scope holds exactly `want` (frees it); returns the
 * seconds it took. */
static double state_wait(char *want, double timeout_s)
{
        double t0 = bt_now_s();
        char *have;

        for (;;) {
                have = bt_snapshot(NULL, 0);
                if (!strcmp(have, want))
                        break;
                if (bt_now_s() - t0 >= timeout_s)
                        ck_abort_msg("after %.0f s the scope holds:\n%s\nwanted:\n%s\nthe log:\n%s",
                                     timeout_s, have, want, bt_file_read(bt_daemon_log));
                free(have);
                bt_daemon_alive();
                bt_sleep_ms(50);
        }
        free(have);
        free(want);
        return bt_now_s() - t0;
}

/* The container's id, or "" when it does not exist; *is_running set. */
static void container_id(char id[80], int *is_running, const char *name)
{
        struct docker_container_info info;
        struct berth_err err;
        int r;

        memset(&info, 0, sizeof(info));
        r = docker_container_inspect(&info, bt_client(), name, &err);
        ck_assert_msg(r == 0 || r == BERTH_ENOTFOUND, "%s", err.msg);
        snprintf(id, 80, "%s", r == 0 ? info.id : "");
        *is_running = r == 0 && info.state.running;
        docker_container_info_release(&info);
}

static void running_id(char id[80], const char *name)
{
        int up;

        container_id(id, &up, name);
        ck_assert_msg(up, "container '%s' is not running", name);
}

/* Wait until name runs as another container than old_id; the seconds it
 * took. */
static double replaced_wait(const char *name, const char *old_id, double timeout_s)
{
        double t0 = bt_now_s();
        char now[80];
        int up;

        for (;;) {
                container_id(now, &up, name);
                if (up && strcmp(now, old_id))
                        break;
                if (bt_now_s() - t0 >= timeout_s)
                        ck_abort_msg("'%s' was not replaced within %.0f s; the log:\n%s", name,
                                     timeout_s, bt_file_read(bt_daemon_log));
                bt_daemon_alive();
                bt_sleep_ms(50);
        }
        return bt_now_s() - t0;
}

/* Config.Env of the container has kv. */
static void env_has(const char *name, const char *kv)
{
        struct docker_container_info info;
        struct berth_err err;
        json_t *env, *v;
        size_t i;
        int found = 0;

        memset(&info, 0, sizeof(info));
        ck_assert_msg(docker_container_inspect(&info, bt_client(), name, &err) == 0, "%s", err.msg);
        env = json_object_get(json_object_get(info.raw, "Config"), "Env");
        json_array_foreach(env, i, v)
        {
                found |= json_is_string(v) && !strcmp(json_string_value(v), kv);
        }
        docker_container_info_release(&info);
        ck_assert_msg(found, "container '%s' has no %s", name, kv);
}

static char *env_service(const char *name, const char *kv)
{
        char *extra = bt_fmt("    environment:\n      - %s\n", kv), *s = bt_service(name, extra);

        free(extra);
        return s;
}

/* dir/name, made for the test (the manifest root, a repository ...). */
static char *mkdir_in(const char *dir, const char *name)
{
        char *path = bt_fmt("%s/%s", dir, name);

        ck_assert_msg(mkdir(path, 0755) == 0, "mkdir %s: %s", path, strerror(errno));
        return path;
}

/* Rewrite root/<project>.yaml with its service s having kv; wait until s
 * is a new container with it, and for the reconcile's log line (returned:
 * json_decref it). */
static json_t *edit_applied(const char *root, const char *project, const char *kv, const char *what)
{
        char old[80], *file = bt_fmt("%s.yaml", project);
        size_t mark = bt_log_mark();
        json_t *line;
        double lat;

        running_id(old, cname(project, "s"));
        bt_manifest(root, file, project, env_service("s", kv), NULL);
        lat = replaced_wait(cname(project, "s"), old, 15);
        printf("%s -> container recreated: %.2f s\n", what, lat);
        env_has(cname(project, "s"), kv);
        line = bt_log_wait(NULL, mark, "reconcile", "trigger", "manifests", 5);
        free(file);
        return line;
}

/* ---- 1. new, edited, deleted, invalid and fixed manifests -------------- */

START_TEST(manifest_changes_are_followed)
{
        char *root = mkdir_in(bt_tmpdir(), "m"), *path, old[80], id[80];
        json_t *line, *v;
        size_t mark;
        double lat;

        /* b keeps the root from ever being empty (an empty root prunes nothing) */
        bt_manifest(root, "b.yaml", "b", bt_service("s", NULL), NULL);
        watch_start(root, NULL);
        state_wait(running(cname("b", "s"), NULL), 10);

        /* a new manifest: its containers run */
        mark = bt_log_mark();
        bt_manifest(root, "a.yaml", "a", env_service("s", "V=1"), NULL);
        lat = state_wait(running(cname("a", "s"), cname("b", "s"), NULL), 15);
        line = bt_log_wait(NULL, mark, "reconcile", "trigger", "manifests", 5);
        printf("new manifest -> container running: %.2f s (debounce %.1f s, reconcile %s s)\n", lat,
               DEBOUNCE_S, bt_log_field(line, "duration"));
        ck_assert_str_eq(bt_log_field(line, "changes"), "2"); /* a's network and container */
        ck_assert_str_eq(bt_log_field(line, "done"), "2");
        json_decref(line);

        /* an edit: that container is recreated, the other left alone */
        running_id(id, cname("b", "s"));
        line = edit_applied(root, "a", "V=2", "edited manifest");
        ck_assert_str_eq(bt_log_field(line, "changes"), "1");
        json_decref(line);
        running_id(old, cname("b", "s"));
        ck_assert_str_eq(old, id);

        /* deleted: its containers go */
        mark = bt_log_mark();
        path = bt_fmt("%s/a.yaml", root);
        ck_assert_int_eq(unlink(path), 0);
        free(path);
        lat = state_wait(running(cname("b", "s"), NULL), 15);
        printf("deleted manifest -> containers removed: %.2f s\n", lat);
        line = bt_log_wait(NULL, mark, "reconcile", "trigger", "manifests", 5);
        ck_assert_str_eq(bt_log_field(line, "changes"), "2"); /* a's container and network */
        ck_assert_str_eq(bt_log_field(line, "done"), "2");
        json_decref(line);

        /* an invalid edit: nothing changes, the error names file:line:col */
        running_id(old, cname("b", "s"));
        mark = bt_log_mark();
        bt_manifest(root, "b.yaml", "b", bt_service("s", "    restart: sometimes\n"), NULL);
        line = bt_log_wait(NULL, mark, "reconcile", "trigger", "manifests", 15);
        ck_assert_str_eq(bt_log_field(line, "frozen_manifests"), "yes");
        ck_assert_str_eq(bt_log_field(line, "changes"), "0");
        json_decref(line);
        v = bt_log_select(mark, "manifest", "problem", "/b.yaml:7:14: services.s.restart");
        ck_assert_msg(json_array_size(v) == 1, "no manifest problem at b.yaml:7:14; the log:\n%s",
                      bt_file_read(bt_daemon_log));
        ck_assert_str_eq(bt_log_field(json_array_get(v, 0), "level"), "error");
        printf("invalid edit logged: %s\n", bt_log_field(json_array_get(v, 0), "problem"));
        json_decref(v);
        bt_sleep_ms(SETTLE_MS);
        ck_assert_uint_eq(bt_log_count(mark, "reconcile", NULL, NULL), 1);
        running_id(id, cname("b", "s"));
        ck_assert_str_eq(id, old);
        state_wait(running(cname("b", "s"), NULL), 0);

        /* fixed (with a change): applied */
        line = edit_applied(root, "b", "FIXED=1", "fixed manifest");
        ck_assert_str_eq(bt_log_field(line, "frozen_manifests"), "no");
        ck_assert_str_eq(bt_log_field(line, "failed"), "0");
        json_decref(line);
        free(root);
}
END_TEST

/* ---- 2. atomic saves, git checkout, git-sync ---------------------------- */

static int rm_entry(const char *path, const struct stat *st, int flag, struct FTW *ftw)
{
        (void)st, (void)flag, (void)ftw;
        return remove(path);
}

static void path_rm(const char *path)
{
        ck_assert_msg(nftw(path, rm_entry, 16, FTW_DEPTH | FTW_PHYS) == 0, "cannot remove %s: %s",
                      path, strerror(errno));
}

static void write_at(const char *path, const char *text)
{
        FILE *f = fopen(path, "we");

        ck_assert_msg(f != NULL, "cannot write %s: %s", path, strerror(errno));
        fputs(text, f);
        ck_assert_int_eq(fflush(f), 0);
        ck_assert_int_eq(fsync(fileno(f)), 0);
        ck_assert_int_eq(fclose(f), 0);
}

START_TEST(vim_save_is_one_reconcile)
{
        char *root = mkdir_in(bt_tmpdir(), "m"), *swp, *tmp, *probe, *dst, old[80];
        size_t mark;
        double lat;

        bt_manifest(root, "a.yaml", "a", env_service("s", "V=1"), NULL);
        bt_manifest(root, "b.yaml", "b", bt_service("s", NULL), NULL);
        watch_start(root, NULL);
        state_wait(running(cname("a", "s"), cname("b", "s"), NULL), 10);
        running_id(old, cname("a", "s"));

        /* what vim does: its swap file is written as one types (here with
         * pauses longer than the debounce: those writes must not count);
         * on :w a probe file 4913 is made and removed, the new text is
         * written under a temporary name and renamed over the file; the
         * swap file goes when vim quits, after the reconcile */
        swp = bt_fmt("%s/.a.yaml.swp", root);
        probe = bt_fmt("%s/4913", root);
        tmp = bt_fmt("%s/a.yaml.tmp", root);
        dst = bt_fmt("%s/a.yaml", root);
        mark = bt_log_mark();
        write_at(swp, "b0VIM 9.0\n");
        bt_sleep_ms(600);
        write_at(swp, "b0VIM 9.0\nedited\n");
        bt_sleep_ms(600);
        write_at(probe, "");
        ck_assert_int_eq(unlink(probe), 0);
        bt_manifest(root, "a.yaml.tmp", "a", env_service("s", "V=2"), NULL);
        ck_assert_msg(rename(tmp, dst) == 0, "rename: %s", strerror(errno));
        lat = replaced_wait(cname("a", "s"), old, 15);
        env_has(cname("a", "s"), "V=2");
        ck_assert_int_eq(unlink(swp), 0);
        printf("vim-style save -> container recreated: %.2f s\n", lat);
        one_manifests_reconcile(mark, "vim-style save");
        state_wait(running(cname("a", "s"), cname("b", "s"), NULL), 0);
        free(swp);
        free(probe);
        free(tmp);
        free(dst);
        free(root);
}
END_TEST

START_TEST(git_checkout_is_one_reconcile)
{
        char *repo = mkdir_in(bt_tmpdir(), "m"), *path, old[80];
        size_t mark;
        double lat;

        BT_GIT(repo, "init", "-q");
        bt_manifest(repo, "a.yaml", "a", env_service("s", "V=1"), NULL);
        bt_manifest(repo, "b.yaml", "b", bt_service("s", NULL), NULL);
        BT_GIT(repo, "add", "-A");
        BT_GIT(repo, "commit", "-q", "-m", "v1");
        BT_GIT(repo, "checkout", "-q", "-b", "next");
        bt_manifest(repo, "a.yaml", "a", env_service("s", "V=2"), NULL);
        bt_manifest(repo, "c.yaml", "c", bt_service("s", NULL), NULL);
        path = bt_fmt("%s/b.yaml", repo);
        ck_assert_int_eq(unlink(path), 0);
        free(path);
        BT_GIT(repo, "add", "-A");
        BT_GIT(repo, "commit", "-q", "-m", "v2");
        BT_GIT(repo, "checkout", "-q", "main");

        watch_start(repo, NULL);
        state_wait(running(cname("a", "s"), cname("b", "s"), NULL), 10);
        running_id(old, cname("a", "s"));
        mark = bt_log_mark();
        BT_GIT(repo, "checkout", "-q", "next");
        lat = state_wait(running(cname("a", "s"), cname("c", "s"), NULL), 15);
        replaced_wait(cname("a", "s"), old, 5);
        env_has(cname("a", "s"), "V=2");
        printf("git checkout -> engine matches the branch: %.2f s\n", lat);
        one_manifests_reconcile(mark, "git checkout");
        free(repo);
}
END_TEST

START_TEST(symlink_swap_is_one_reconcile)
{
        const char *dir = bt_tmpdir();
        char *v1 = mkdir_in(dir, "v1"), *v2 = mkdir_in(dir, "v2"), *root, *next, old[80];
        size_t mark;
        double lat;

        bt_manifest(v1, "a.yaml", "a", env_service("s", "V=1"), NULL);
        bt_manifest(v1, "b.yaml", "b", bt_service("s", NULL), NULL);
        root = bt_fmt("%s/current", dir);
        next = bt_fmt("%s/current.new", dir);
        ck_assert_int_eq(symlink("v1", root), 0);
        watch_start(root, NULL);
        state_wait(running(cname("a", "s"), cname("b", "s"), NULL), 10);
        running_id(old, cname("a", "s"));

        /* git-sync: check the new revision out beside the old one, point a
         * new link at it, rename the link over the old one, remove the old */
        bt_manifest(v2, "a.yaml", "a", env_service("s", "V=2"), NULL);
        bt_manifest(v2, "c.yaml", "c", bt_service("s", NULL), NULL);
        mark = bt_log_mark();
        ck_assert_int_eq(symlink("v2", next), 0);
        ck_assert_msg(rename(next, root) == 0, "rename: %s", strerror(errno));
        lat = state_wait(running(cname("a", "s"), cname("c", "s"), NULL), 15);
        replaced_wait(cname("a", "s"), old, 5);
        env_has(cname("a", "s"), "V=2");
        /* the old revision is removed later: it is not watched any more */
        json_decref(bt_log_wait(NULL, mark, "reconcile", NULL, NULL, 5));
        path_rm(v1);
        printf("symlink swap -> engine matches the new target: %.2f s\n", lat);
        one_manifests_reconcile(mark, "symlink swap");
        free(v1);
        free(v2);
        free(root);
        free(next);
}
END_TEST

/* ---- 3. containers killed or removed by hand ---------------------------- */

/* State.StartedAt of a container (free it). */
static char *started_at(const char *name)
{
        struct docker_container_info info;
        struct berth_err err;
        char *s;

        memset(&info, 0, sizeof(info));
        ck_assert_msg(docker_container_inspect(&info, bt_client(), name, &err) == 0, "%s", err.msg);
        s = strdup(bt_log_field(json_object_get(info.raw, "State"), "StartedAt"));
        docker_container_info_release(&info);
        return s;
}

START_TEST(killed_and_removed_containers_are_repaired)
{
        char *root = mkdir_in(bt_tmpdir(), "m"), removed[80], id[80], *started, *now;
        struct berth_err err;
        json_t *v, *line;
        size_t mark, i;
        double t0, lat;
        int up, restarted, engine = 0;

        bt_manifest(root, "a.yaml", "a", bt_service("k", NULL), bt_service("r", NULL), NULL);
        watch_start(root, NULL);
        state_wait(running(cname("a", "k"), cname("a", "r"), NULL), 10);
        running_id(removed, cname("a", "r"));
        started = started_at(cname("a", "k"));
        mark = bt_log_mark();
        t0 = bt_now_s();
        ck_assert_msg(docker_container_kill(bt_client(), cname("a", "k"), NULL, &err) == 0, "%s",
                      err.msg);
        ck_assert_msg(
            docker_container_remove(bt_client(), cname("a", "r"), DOCKER_REMOVE_FORCE, &err) == 0,
            "%s", err.msg);
        /* k started again (the same container), r made again */
        for (;;) {
                container_id(id, &up, cname("a", "k"));
                now = up ? started_at(cname("a", "k")) : strdup(started);
                restarted = up && strcmp(now, started);
                free(now);
                container_id(id, &up, cname("a", "r"));
                if (restarted && up && strcmp(id, removed))
                        break;
                ck_assert_msg(bt_now_s() - t0 < 5,
                              "killed and removed containers not repaired within 5 s; the "
                              "log:\n%s",
                              bt_file_read(bt_daemon_log));
                bt_daemon_alive();
                bt_sleep_ms(20);
        }
        lat = bt_now_s() - t0;
        printf("container killed and another removed by hand -> both running again: %.2f s\n", lat);
        state_wait(running(cname("a", "k"), cname("a", "r"), NULL), 0);
        /* the engine's events triggered it, and every repair worked */
        bt_sleep_ms(SETTLE_MS);
        v = bt_log_select(mark, "reconcile", NULL, NULL);
        ck_assert_uint_ge(json_array_size(v), 1);
        json_array_foreach(v, i, line)
        {
                engine |= strstr(bt_log_field(line, "trigger"), "engine:") != NULL;
                ck_assert_str_eq(bt_log_field(line, "failed"), "0");
        }
        ck_assert_msg(engine, "no reconcile triggered by the engine's events; the log:\n%s",
                      bt_file_read(bt_daemon_log));
        json_decref(v);
        free(started);
        free(root);
}
END_TEST

/* ---- 4. the engine going away and coming back --------------------------- */

static const char *engine_socket(void)
{
        const char *h = getenv("DOCKER_HOST");

        ck_assert_msg(h && !strncmp(h, "unix://", 7),
                      "DOCKER_HOST '%s' is not unix://: the proxy forwards to a unix socket",
                      h ? h : "");
        return h + 7;
}

static int can_connect(const char *sock)
{
        struct sockaddr_un a = {.sun_family = AF_UNIX};
        int fd = socket(AF_UNIX, SOCK_STREAM | SOCK_CLOEXEC, 0), ok;

        snprintf(a.sun_path, sizeof(a.sun_path), "%s", sock);
        ok = fd >= 0 && connect(fd, (struct sockaddr *)&a, sizeof(a)) == 0;
        if (fd >= 0)
                close(fd);
        return ok;
}

/* socat forwarding sock to the engine, in a session (and process group) of
 * its own so that proxy_stop() ends it and its per-connection children at
 * once, as an engine restart does; it dies with the test process. */
static void proxy_start(const char *sock, const char *logfile)
{
        char *listen = bt_fmt("UNIX-LISTEN:%s,fork", sock);
        char *target = bt_fmt("UNIX-CONNECT:%s", engine_socket());
        pid_t parent = getpid();
        double t0;
        int fd;

        ck_assert_msg(!strpbrk(sock, ",:!"), "'%s': socat addresses cannot hold , : or !", sock);
        ck_assert_msg(strlen(sock) < sizeof(((struct sockaddr_un *)0)->sun_path),
                      "'%s' is too long for a unix socket", sock);
        unlink(sock); /* left by the proxy killed before */
        proxy_pid = fork();
        ck_assert_int_ge(proxy_pid, 0);
        if (proxy_pid == 0) {
                setsid();
                prctl(PR_SET_PDEATHSIG, SIGKILL);
                if (getppid() != parent)
                        _exit(1);
                fd = open(logfile, O_WRONLY | O_CREAT | O_APPEND | O_CLOEXEC, 0600);
                if (fd >= 0) {
                        dup2(fd, 1); /* not ctest's pipe: it would wait for socat */
                        dup2(fd, 2);
                }
                fd = open("/dev/null", O_RDONLY | O_CLOEXEC);
                if (fd >= 0)
                        dup2(fd, 0);
                execlp("socat", "socat", listen, target, (char *)NULL);
                fprintf(stderr, "cannot run socat: %s\n", strerror(errno));
                _exit(127);
        }
        free(listen);
        free(target);
        for (t0 = bt_now_s(); !can_connect(sock); bt_sleep_ms(20))
                ck_assert_msg(bt_now_s() - t0 < 10, "socat did not listen on %s (is it installed?)",
                              sock);
}

START_TEST(engine_restart_is_survived)
{
        const char *dir = bt_tmpdir(),
                   *pdir = bt_tmpdir(); /* the proxy's: root's parent is quiet */
        char *root = mkdir_in(dir, "m"), *sock = bt_fmt("%s/proxy.sock", pdir);
        char *host = bt_fmt("unix://%s", sock), *plog = bt_fmt("%s/socat.log", pdir), id[80];
        struct berth_err err;
        json_t *line;
        size_t mark, down;
        double t0, back, lat;
        int up;

        bt_manifest(root, "a.yaml", "a", bt_service("s", NULL), NULL);
        proxy_start(sock, plog);
        watch_start(root, host);
        state_wait(running(cname("a", "s"), NULL), 10);

        /* the engine goes away: the events stream ends */
        mark = bt_log_mark();
        proxy_stop();
        line = bt_log_wait(NULL, mark, "engine events stream lost", NULL, NULL, 10);
        printf("engine gone: '%s', reconnect in %s s\n", bt_log_field(line, "error"),
               bt_log_field(line, "reconnect_in"));
        json_decref(line);

        /* a container dies while watch cannot see it */
        ck_assert_msg(docker_container_kill(bt_client(), cname("a", "s"), NULL, &err) == 0, "%s",
                      err.msg);
        for (t0 = bt_now_s(); container_id(id, &up, cname("a", "s")), up; bt_sleep_ms(20))
                ck_assert_msg(bt_now_s() - t0 < 10, "the killed container still runs");
        bt_sleep_ms(1500);
        down = bt_log_mark();
        ck_assert_uint_eq(bt_log_count(mark, "reconcile", NULL, NULL), 0);

        /* the engine is back: events again, and a full reconcile repairs it */
        t0 = bt_now_s();
        proxy_start(sock, plog);
        json_decref(bt_log_wait(NULL, down, "engine events stream back", NULL, NULL, 40));
        back = bt_now_s() - t0;
        line = bt_log_wait(NULL, down, "reconcile", "trigger", "reconnect", 15);
        state_wait(running(cname("a", "s"), NULL), 15);
        lat = bt_now_s() - t0;
        printf("engine back -> events stream back after %.2f s, the container killed meanwhile "
               "running after %.2f s (trigger %s)\n",
               back, lat, bt_log_field(line, "trigger"));
        ck_assert_str_eq(bt_log_field(line, "changes"), "1");
        ck_assert_str_eq(bt_log_field(line, "done"), "1");
        json_decref(line);
        free(root);
        free(sock);
        free(host);
        free(plog);
}
END_TEST

/* ---- 5. an inotify queue overflow --------------------------------------- */

#define BURST_FILES 20000

/* A /proc file's text into buf (its files say they are empty, so not
 * bt_file_read). */
static void proc_read(char *buf, size_t size, const char *path)
{
        int fd = open(path, O_RDONLY | O_CLOEXEC);
        size_t len = 0;
        ssize_t n;

        ck_assert_msg(fd >= 0, "%s: %s", path, strerror(errno));
        while (len + 1 < size && (n = read(fd, buf + len, size - 1 - len)) > 0)
                len += (size_t)n;
        close(fd);
        ck_assert_msg(len > 0, "%s: nothing read", path);
        buf[len] = '\0';
}

static long proc_long(const char *path)
{
        char text[64];

        proc_read(text, sizeof(text), path);
        return strtol(text, NULL, 10);
}

/* While watch is stopped (busy, as far as the kernel can tell: its queue
 * overflows for sure), make BURST_FILES files named f*.ext in dir and
 * remove them again, and change a.yaml of root to V=value in between, so
 * that the change is among the events the kernel drops; then let watch
 * go on.  Returns the seconds the burst took. */
static double burst(const char *root, const char *dir, const char *ext, const char *value)
{
        char path[PATH_MAX], *kv = bt_fmt("V=%s", value);
        double t0;
        size_t i;
        int fd;

        ck_assert_int_eq(kill(bt_daemon_pid, SIGSTOP), 0);
        t0 = bt_now_s();
        for (i = 0; i < BURST_FILES; i++) {
                snprintf(path, sizeof(path), "%s/f%05zu.%s", dir, i, ext);
                fd = open(path, O_WRONLY | O_CREAT | O_CLOEXEC, 0644);
                ck_assert_msg(fd >= 0, "%s: %s", path, strerror(errno));
                close(fd);
        }
        bt_manifest(root, "a.yaml", "a", env_service("s", kv), NULL);
        for (i = 0; i < BURST_FILES; i++) {
                snprintf(path, sizeof(path), "%s/f%05zu.%s", dir, i, ext);
                ck_assert_int_eq(unlink(path), 0);
        }
        t0 = bt_now_s() - t0;
        ck_assert_int_eq(kill(bt_daemon_pid, SIGCONT), 0);
        free(kv);
        return t0;
}

/* After a burst: a.yaml's change applied by one reconcile (two at most). */
static void burst_applied(size_t mark, const char *old_id, const char *value, const char *what,
                          double took, long limit)
{
        char *kv = bt_fmt("V=%s", value);
        json_t *v, *line;
        double lat;
        size_t i;

        lat = replaced_wait(cname("a", "s"), old_id, 20);
        env_has(cname("a", "s"), kv);
        bt_sleep_ms(SETTLE_MS);
        bt_daemon_alive();
        v = bt_log_select(mark, "reconcile", NULL, NULL);
        printf("%s: %d files made and removed in %.2f s (%d events, queue limit %ld); the change "
               "among the dropped events applied %.2f s later by %zu reconcile(s) (the first "
               "took %s s)\n",
               what, BURST_FILES, took, 3 * BURST_FILES + 2, limit, lat, json_array_size(v),
               bt_log_field(json_array_get(v, 0), "duration"));
        ck_assert_msg(json_array_size(v) >= 1 && json_array_size(v) <= 2,
                      "%zu reconciles after the overflow; the log:\n%s", json_array_size(v),
                      bt_file_read(bt_daemon_log));
        json_array_foreach(v, i, line)
        {
                ck_assert_str_eq(bt_log_field(line, "trigger"), "manifests");
                ck_assert_str_eq(bt_log_field(line, "failed"), "0");
        }
        json_decref(v);
        ck_assert_uint_eq(bt_log_count(mark, "manifest", NULL, NULL), 0);
        state_wait(running(cname("a", "s"), cname("b", "s"), NULL), 0);
        free(kv);
}

START_TEST(inotify_overflow_is_one_reload)
{
        char *root = mkdir_in(bt_tmpdir(), "m"), *many = mkdir_in(root, "many"), old[80];
        long limit = proc_long("/proc/sys/fs/inotify/max_queued_events");
        size_t mark;
        double took;

        /* each file: IN_CREATE, IN_CLOSE_WRITE and IN_DELETE */
        ck_assert_msg(3L * BURST_FILES > limit,
                      "fs.inotify.max_queued_events is %ld: %d files cannot overflow it", limit,
                      BURST_FILES);
        bt_manifest(root, "a.yaml", "a", env_service("s", "V=1"), NULL);
        bt_manifest(root, "b.yaml", "b", bt_service("s", NULL), NULL);
        watch_start(root, NULL);
        state_wait(running(cname("a", "s"), cname("b", "s"), NULL), 10);

        /* files that do not matter: the overflow alone says something changed */
        running_id(old, cname("a", "s"));
        mark = bt_log_mark();
        took = burst(root, many, "txt", "2");
        burst_applied(mark, old, "2", "overflow by other files", took, limit);

        /* manifests in a subdirectory, made and removed */
        running_id(old, cname("a", "s"));
        mark = bt_log_mark();
        took = burst(root, many, "yaml", "3");
        burst_applied(mark, old, "3", "overflow by manifests", took, limit);
        free(many);
        free(root);
}
END_TEST

/* ---- 6. idle ------------------------------------------------------------ */

/* Context switches of every thread of pid, voluntary and not. */
static long ctxt_switches(pid_t pid)
{
        char dir[64], path[PATH_MAX], text[8192], *p;
        struct dirent *de;
        long sum = 0;
        DIR *d;

        snprintf(dir, sizeof(dir), "/proc/%ld/task", (long)pid);
        d = opendir(dir);
        ck_assert_msg(d != NULL, "%s: %s", dir, strerror(errno));
        while ((de = readdir(d))) {
                if (de->d_name[0] == '.')
                        continue;
                snprintf(path, sizeof(path), "%s/%s/status", dir, de->d_name);
                proc_read(text, sizeof(text), path);
                for (p = text; (p = strstr(p, "ctxt_switches:")); p += 14)
                        sum += strtol(p + 14, NULL, 10);
        }
        closedir(d);
        return sum;
}

START_TEST(idle_means_no_wakeups)
{
        char *root = mkdir_in(bt_tmpdir(), "m");
        long before, after;
        size_t lines;

        bt_manifest(root, "a.yaml", "a", bt_service("s", NULL), NULL);
        watch_start(root, NULL);
        state_wait(running(cname("a", "s"), NULL), 10);
        bt_sleep_ms(2000); /* the first reconcile's own events have come and gone */
        lines = bt_log_mark();
        before = ctxt_switches(bt_daemon_pid);
        bt_sleep_ms(10000);
        after = ctxt_switches(bt_daemon_pid);
        bt_daemon_alive();
        printf("10 s idle: %ld context switches (%ld so far), %zu new log lines\n", after - before,
               after, bt_log_mark() - lines);
        ck_assert_int_gt(before, 0); /* the counters were read */
        ck_assert_msg(bt_log_mark() == lines, "watch logged while idle:\n%s",
                      bt_file_read(bt_daemon_log));
        ck_assert_msg(after == before, "watch woke up %ld times in 10 s of idle", after - before);
        free(root);
}
END_TEST

/* ---- 7. signals --------------------------------------------------------- */

START_TEST(sighup_reloads_and_sigterm_stops_an_apply)
{
        char *root = mkdir_in(bt_tmpdir(), "m"), *dep, *app, id[80];
        json_t *line, *v;
        size_t mark, i;
        double t0, took;
        int status, up, reported = 0;

        bt_manifest(root, "a.yaml", "a", bt_service("s", NULL), NULL);
        watch_start(root, NULL);
        state_wait(running(cname("a", "s"), NULL), 10);

        /* SIGHUP: reload now */
        mark = bt_log_mark();
        ck_assert_int_eq(kill(bt_daemon_pid, SIGHUP), 0);
        json_decref(bt_log_wait(NULL, mark, "reload (SIGHUP)", NULL, NULL, 5));
        line = bt_log_wait(NULL, mark, "reconcile", "trigger", "sighup", 5);
        ck_assert_str_eq(bt_log_field(line, "changes"), "0");
        json_decref(line);

        /* a long apply: app waits for dep to be healthy, 5 s after it starts */
        mark = bt_log_mark();
        dep = bt_fmt("  dep:\n"
                     "    image: %s\n"
                     "    command: [\"sh\", \"-c\", \"sleep 5; touch /ok; exec sleep 3600\"]\n"
                     "    stop_signal: SIGKILL\n"
                     "    healthcheck:\n"
                     "      test: [\"CMD\", \"test\", \"-f\", \"/ok\"]\n"
                     "      interval: 1s\n"
                     "      retries: 30\n",
                     bt_image());
        app = bt_service("app", "    depends_on:\n"
                                "      dep:\n"
                                "        condition: service_healthy\n");
        bt_manifest(root, "g.yaml", "g", dep, app, NULL);
        for (t0 = bt_now_s(); container_id(id, &up, cname("g", "dep")), !up; bt_sleep_ms(20)) {
                ck_assert_msg(bt_now_s() - t0 < 15, "dep never started; the log:\n%s",
                              bt_file_read(bt_daemon_log));
                bt_daemon_alive();
        }
        bt_sleep_ms(500);
        t0 = bt_now_s();
        ck_assert_int_eq(kill(bt_daemon_pid, SIGTERM), 0);
        status = bt_daemon_reap(15);
        took = bt_now_s() - t0;
        printf("SIGTERM during a gate wait -> exit %d after %.2f s\n", status, took);
        ck_assert_msg(status == 0, "watch exited %d after SIGTERM; the log:\n%s", status,
                      bt_file_read(bt_daemon_log));
        ck_assert_msg(took < 3.5, "watch waited %.1f s for the gate after SIGTERM", took);
        json_decref(bt_log_wait(NULL, mark, "stopping (signal)", NULL, NULL, 0));
        line = bt_log_wait(NULL, mark, "reconcile", "trigger", "manifests", 0);
        printf("  the interrupted reconcile: changes=%s done=%s failed=%s skipped=%s\n",
               bt_log_field(line, "changes"), bt_log_field(line, "done"),
               bt_log_field(line, "failed"), bt_log_field(line, "skipped"));
        ck_assert_int_gt(bt_log_field_long(line, "failed") + bt_log_field_long(line, "skipped"), 0);
        ck_assert_int_lt(bt_log_field_long(line, "done"), bt_log_field_long(line, "changes"));
        json_decref(line);
        /* the log names what did not start */
        v = bt_log_select(mark, "operation", "name", cname("g", "app"));
        json_array_foreach(v, i, line)
        {
                printf("  not started: %s %s: %s (%s)\n", bt_log_field(line, "op"),
                       bt_log_field(line, "name"), bt_log_field(line, "result"),
                       bt_log_field(line, "message"));
                reported = 1;
        }
        json_decref(v);
        ck_assert_msg(reported, "no operation line for app; the log:\n%s",
                      bt_file_read(bt_daemon_log));
        container_id(id, &up, cname("g", "app"));
        ck_assert_msg(!up, "app runs though watch stopped before dep was healthy");
        free(root);
}
END_TEST

/* ---- 8. backoff --------------------------------------------------------- */

START_TEST(failing_project_backs_off_others_go_on)
{
        char *root = mkdir_in(bt_tmpdir(), "m"), *bad, old[80];
        json_t *bo[3];
        double retry[3];
        size_t i;
        int up;

        bad = bt_fmt("name: %s\n"
                     "services:\n"
                     "  s:\n"
                     "    image: 127.0.0.1:1/nothing:1\n"
                     "    pull_policy: missing\n"
                     "    command: [\"sleep\", \"3600\"]\n",
                     bt_name("bad"));
        bt_write_file(root, "bad.yaml", bad);
        free(bad);
        bt_manifest(root, "good.yaml", "good", env_service("s", "V=1"), NULL);
        watch_spawn(root, NULL);
        bo[0] = bt_log_wait(NULL, 0, "backing off", "project", bt_name("bad"), 20);
        state_wait(running(cname("good", "s"), NULL), 10);

        /* the good project is applied while the bad one backs off */
        json_decref(edit_applied(root, "good", "V=2",
                                 "good project edited while the bad one "
                                 "backs off"));

        for (i = 1; i < 3; i++)
                bo[i] =
                    bt_log_wait_nth(NULL, 0, i + 1, "backing off", "project", bt_name("bad"), 20);
        for (i = 0; i < 3; i++) {
                ck_assert_int_eq(bt_log_field_long(bo[i], "failures"), (long)i + 1);
                retry[i] = strtod(bt_log_field(bo[i], "retry_in"), NULL);
                json_decref(bo[i]);
        }
        printf("bad project: retry_in %.1f s, %.1f s, %.1f s\n", retry[0], retry[1], retry[2]);
        ck_assert(retry[0] > 0);
        ck_assert(retry[1] >= retry[0] && retry[2] >= retry[1] && retry[2] > retry[0]);
        /* it failed for the registry, and was retried: a pull each time */
        ck_assert_uint_ge(bt_log_count(0, "operation", "name", "127.0.0.1:1/nothing:1"), 3);
        container_id(old, &up, cname("bad", "s"));
        ck_assert_str_eq(old, "");
        free(root);
}
END_TEST

/* A container that dies right after every start (restart "no", exit 3):
 * the first death is repaired at once, the next ones back off, so the
 * engine is not flooded with starts. */
START_TEST(crash_loop_backs_off)
{
        char *root = mkdir_in(bt_tmpdir(), "m"), *crash;
        json_t *bo[2];
        double retry[2];
        size_t i;

        crash = bt_fmt("name: %s\n"
                       "services:\n"
                       "  s:\n"
                       "    image: %s\n"
                       "    command: [\"sh\", \"-c\", \"sleep 0.5; exit 3\"]\n",
                       bt_name("crash"), bt_image());
        bt_write_file(root, "crash.yaml", crash);
        free(crash);
        watch_spawn(root, NULL);
        for (i = 0; i < 2; i++)
                bo[i] =
                    bt_log_wait_nth(NULL, 0, i + 1, "backing off", "project", bt_name("crash"), 30);
        for (i = 0; i < 2; i++) {
                ck_assert_int_eq(bt_log_field_long(bo[i], "failures"), (long)i + 1);
                retry[i] = strtod(bt_log_field(bo[i], "retry_in"), NULL);
                json_decref(bo[i]);
        }
        printf("crash loop: retry_in %.1f s, %.1f s\n", retry[0], retry[1]);
        ck_assert(retry[0] > 0 && retry[1] > 0);
        free(root);
}
END_TEST

/* ---- the suite ---------------------------------------------------------- */

static TCase *tcase_new(const char *name)
{
        TCase *tc = tcase_create(name);

        bt_tcase_engine(tc);
        /* each test starts from an empty scope, even after one that failed;
         * added after the cleanup, so children_stop() runs before it */
        tcase_add_checked_fixture(tc, bt_cleanup, children_stop);
        tcase_set_timeout(tc, 90);
        return tc;
}

int main(void)
{
        Suite *s = suite_create("watch");
        TCase *files = tcase_new("manifests");
        TCase *engine = tcase_new("engine");
        TCase *load = tcase_new("load");
        TCase *control = tcase_new("control");

        setvbuf(stdout, NULL, _IOLBF, 0); /* measurements survive a test that fails */
        tcase_add_test(files, manifest_changes_are_followed);
        tcase_add_test(files, vim_save_is_one_reconcile);
        tcase_add_test(files, git_checkout_is_one_reconcile);
        tcase_add_test(files, symlink_swap_is_one_reconcile);
        suite_add_tcase(s, files);

        tcase_add_test(engine, killed_and_removed_containers_are_repaired);
        tcase_add_test(engine, engine_restart_is_survived);
        suite_add_tcase(s, engine);

        tcase_add_test(load, inotify_overflow_is_one_reload);
        tcase_add_test(load, idle_means_no_wakeups);
        suite_add_tcase(s, load);

        tcase_add_test(control, sighup_reloads_and_sigterm_stops_an_apply);
        tcase_add_test(control, failing_project_backs_off_others_go_on);
        tcase_add_test(control, crash_loop_backs_off);
        suite_add_tcase(s, control);
        return bt_engine_main(s);
}
