/* Issue 8 against the real engine: berth killed (SIGKILL: no cleanup at
 * all) at an exact point of an apply, and dockerd killed in the middle of
 * one.  The next apply must converge on exactly one container per replica,
 * with no name-conflict loop and no temporary replica left, and the one
 * after it must have nothing to do.
 *
 * The exact point: berth talks to the engine through an engine_proxy
 * (tests/support/engine_proxy.h) that holds back the request of the step
 * after it; once that request is held, berth is killed, and the engine
 * never sees it.
 *
 * dockerd is killed in an engine of this test's own (its own data root,
 * exec root, socket, containerd and default bridge, no iptables, the
 * project's network on a subnet of its own), never the shared engine other
 * tests use.  It is started as tests/run starts a private one (.ci/lib.sh,
 * dockerd_private_start), and the test image is loaded into it from the
 * shared engine.
 */
#include <errno.h>
#include <fcntl.h>
#include <limits.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/mount.h>
#include <sys/stat.h>
#include <sys/wait.h>
#include <time.h>
#include <unistd.h>

#include "berth_cli.h"
#include "berth_test.h"
#include "docker/container.h"
#include "engine_proxy.h"

#define TEMP_SUFFIX "-berth-new"

/* ---- helpers ------------------------------------------------------------ */

/* "berthtest-<run>-<project>-<service>-<replica>", in a ring of its own. */
static const char *cname(const char *project, const char *service, const char *suffix)
{
        static char ring[16][256];
        static unsigned next;
        char *b = ring[next++ % 16];

        snprintf(b, sizeof(ring[0]), "%s-%s-1%s", bt_name(project), service, suffix);
        return b;
}

/* A proxy in front of the shared engine (DOCKER_HOST). */
static struct engine_proxy *proxy_new(void)
{
        const char *host = getenv("DOCKER_HOST");
        struct engine_proxy *p;

        ck_assert_msg(host && !strncmp(host, "unix://", 7),
                      "DOCKER_HOST '%s': the proxy forwards to a unix socket", host ? host : "");
        p = engine_proxy_start(host + 7);
        ck_assert_msg(p != NULL, "cannot start the proxy: %s", strerror(errno));
        return p;
}

/* berth -H <proxy> apply -f dir, killed once the request method pattern is
 * held; the held request never reaches the engine. */
static void apply_killed_at(struct engine_proxy *p, const char *dir, const char *method,
                            const char *pattern)
{
        char out[PATH_MAX], err[PATH_MAX], line[600];
        int status;
        pid_t pid;

        snprintf(out, sizeof(out), "%s/killed.out", dir);
        snprintf(err, sizeof(err), "%s/killed.err", dir);
        engine_proxy_hold(p, method, pattern);
        pid = bt_berth_spawn(
            out, err, (const char *const[]){"-H", engine_proxy_host(p), "apply", "-f", dir, NULL});
        if (!engine_proxy_wait_held(p, line, sizeof(line), 120000)) {
                kill(pid, SIGKILL);
                waitpid(pid, &status, 0);
                ck_abort_msg("berth never sent %s %s:\n%s%s", method, pattern, bt_file_read(out),
                             bt_file_read(err));
        }
        ck_assert_int_eq(kill(pid, SIGKILL), 0);
        ck_assert_int_eq(waitpid(pid, &status, 0), pid);
        ck_assert_msg(WIFSIGNALED(status) && WTERMSIG(status) == SIGKILL,
                      "berth ended by itself (%#x) while %s was held", status, line);
        ck_assert_msg(engine_proxy_wait_dropped(p, 1, 30000) == 1,
                      "the held %s was not dropped with berth", line);
        engine_proxy_release(p);
        fprintf(stderr, "berth killed while '%s' was held\n", line);
}

/* Apply converges (exit 0), and the next apply has nothing to do: no
 * change, not one mutating call.  The first apply's output (free() it).
 * host: the engine's, or NULL for DOCKER_HOST. */
static char *converge(const char *host, const char *dir)
{
        struct bt_berth r =
            host ? BERTH_OK("-H", host, "apply", "-f", dir) : BERTH_OK("apply", "-f", dir);
        char *out = r.out;

        r.out = NULL;
        bt_berth_release(&r);
        r = host ? BERTH_OK("-H", host, "apply", "-f", dir, "--stats")
                 : BERTH_OK("apply", "-f", dir, "--stats");
        bt_contains(r.out, "No changes. The engine matches the manifests");
        bt_contains(r.err, " API calls (0 mutating)\n");
        bt_berth_release(&r);
        return out;
}

/* Abort unless text has the line made of f (bt_fmt). */
#define CONTAINS(text, ...)                                                                        \
        do {                                                                                       \
                char *part_ = bt_fmt(__VA_ARGS__);                                                 \
                bt_contains(text, part_);                                                          \
                free(part_);                                                                       \
        } while (0)

static char *env_of(const char *name)
{
        struct docker_container_info info = {0};
        struct berth_err err;
        json_t *env;
        char *text;

        ck_assert_msg(docker_container_inspect(&info, bt_client(), name, &err) == 0, "%s", err.msg);
        env = bt_json_at(info.raw, "Config.Env");
        text = json_dumps(env, JSON_COMPACT);
        docker_container_info_release(&info);
        ck_assert_ptr_nonnull(text);
        return text;
}

/* ---- killed between create and start ------------------------------------ */

/* The create happened, the start did not: the next apply starts the
 * container it finds by its labels (the same one: not recreated, no
 * conflict on its name). */
START_TEST(killed_between_create_and_start)
{
        struct engine_proxy *p = proxy_new();
        const char *dir = bt_tmpdir();
        char ids[4][80], again[4][80], *want, *snap, *pattern, *out;

        bt_manifest(dir, "cs.yaml", "cs", bt_service("a", NULL), bt_service("b", NULL), NULL);
        pattern = bt_fmt("/containers/%s/start", cname("cs", "a", ""));
        apply_killed_at(p, dir, "POST", pattern);
        free(pattern);
        snap = bt_snapshot(ids, 4);
        CONTAINS(snap, "%s created\n", cname("cs", "a", ""));
        free(snap);

        out = converge(NULL, dir);
        CONTAINS(out, "container %s: not running (created)", cname("cs", "a", ""));
        free(out);
        want = bt_fmt("%s running\n%s running\n", cname("cs", "a", ""), cname("cs", "b", ""));
        bt_state_is(want);
        free(want);
        free(bt_snapshot(again, 4));
        ck_assert_str_eq(again[0], ids[0]); /* a-1: started, not recreated */
        engine_proxy_stop(p);
}
END_TEST

/* The create happened, joining its second network did not: the next
 * apply sees the missing network and replaces the container. */
START_TEST(killed_between_create_and_connect)
{
        struct engine_proxy *p = proxy_new();
        const char *dir = bt_tmpdir();
        char *want, *pattern, *out;
        struct docker_container_info info = {0};
        struct berth_err err;
        char *path, *text, *more;

        bt_manifest(dir, "cn.yaml", "cn", bt_service("a", "    networks: [front, back]\n"), NULL);
        path = bt_fmt("%s/cn.yaml", dir);
        text = bt_file_read(path);
        more = bt_fmt("%snetworks:\n  front: {}\n  back: {}\n", text);
        bt_write_file(dir, "cn.yaml", more);
        free(path);
        free(text);
        free(more);
        pattern = bt_fmt("/networks/%s_*/connect", bt_name("cn"));
        apply_killed_at(p, dir, "POST", pattern);
        free(pattern);

        out = converge(NULL, dir);
        bt_contains(out, "not attached to network '");
        free(out);
        want = bt_fmt("%s running\n", cname("cn", "a", ""));
        bt_state_is(want);
        free(want);
        ck_assert_msg(docker_container_inspect(&info, bt_client(), cname("cn", "a", ""), &err) == 0,
                      "%s", err.msg);
        ck_assert_uint_eq(info.n_networks, 2);
        docker_container_info_release(&info);
        engine_proxy_stop(p);
}
END_TEST

/* ---- killed between the steps of an update ------------------------------ */

/* Project up: c updates start-first (the new replica under a temporary
 * name, running, then the old one stopped and removed, then the new one
 * renamed), s stop-first (stopped, removed, created, started). */
static void update_manifest(const char *dir, int gen_c, int gen_s)
{
        char *ec = bt_fmt("    environment:\n      GEN: \"%d\"\n"
                          "    deploy:\n      update_config:\n        order: start-first\n",
                          gen_c);
        char *es = bt_fmt("    environment:\n      GEN: \"%d\"\n", gen_s);

        bt_manifest(dir, "up.yaml", "up", bt_service("c", ec), bt_service("s", es), NULL);
        free(ec);
        free(es);
}

struct step {
        const char *service;          /* the one updated */
        const char *method, *pattern; /* the request held; %s: the project */
        const char *left;             /* what the kill leaves: "name state" lines with
                                       * @c, @t, @s for c-1, its temporary, s-1 */
};

static const struct step steps[] = {
    /* start-first: the new replica made, not started */
    {"c", "POST", "/containers/%s-c-1" TEMP_SUFFIX "/start",
     "@c running\n@t created\n@s running\n"},
    /* running, the old one not stopped */
    {"c", "POST", "/containers/*/stop*", "@c running\n@t running\n@s running\n"},
    /* the old one stopped, not removed */
    {"c", "DELETE", "/containers/*", "@c exited\n@t running\n@s running\n"},
    /* the old one removed, the new one not renamed */
    {"c", "POST", "/containers/%s-c-1" TEMP_SUFFIX "/rename*", "@t running\n@s running\n"},
    /* stop-first: stopped, not removed */
    {"s", "DELETE", "/containers/*", "@c running\n@s exited\n"},
    /* removed, the new one not created */
    {"s", "POST", "/containers/create?name=%s-s-1", "@c running\n"},
};

/* s with @c, @t, @s replaced by the container names. */
static char *names_in(const char *s)
{
        char *out = strdup(""), *more;
        const char *name;

        for (; *s; s++) {
                if (*s == '@') {
                        s++;
                        name = *s == 'c'   ? cname("up", "c", "")
                               : *s == 't' ? cname("up", "c", TEMP_SUFFIX)
                                           : cname("up", "s", "");
                        more = bt_fmt("%s%s", out, name);
                } else {
                        more = bt_fmt("%s%c", out, *s);
                }
                free(out);
                out = more;
        }
        return out;
}

START_TEST(killed_between_update_steps)
{
        const struct step *st = &steps[_i];
        struct engine_proxy *p = proxy_new();
        const char *dir = bt_tmpdir();
        char *pattern, *left, *want, *env, *out;
        int c = !strcmp(st->service, "c");

        update_manifest(dir, 1, 1);
        free(converge(NULL, dir));
        update_manifest(dir, c ? 2 : 1, c ? 1 : 2);
        pattern = bt_fmt(st->pattern, bt_name("up"));
        apply_killed_at(p, dir, st->method, pattern);
        free(pattern);
        left = names_in(st->left);
        bt_state_is(left);
        free(left);

        out = converge(NULL, dir);
        free(out);
        want = names_in("@c running\n@s running\n");
        bt_state_is(want); /* one container per replica, no temporary one */
        free(want);
        env = env_of(cname("up", st->service, ""));
        bt_contains(env, "\"GEN=2\"");
        free(env);
        engine_proxy_stop(p);
}
END_TEST

/* ---- dockerd killed mid-apply ------------------------------------------- */

/* A dockerd of this test's own, named by the run: it outlives a failed
 * test (check _exit()s it), and the runner's teardown finds it by name. */
struct private_engine {
        char data[PATH_MAX]; /* --data-root */
        char exec[PATH_MAX]; /* --exec-root: socket, pidfile, containerd, log */
        char sock[PATH_MAX];
        char host[PATH_MAX + 8];
        char bridge[16]; /* its default bridge, made here (IFNAMSIZ) */
        pid_t pid;
};

/* A short name for the run's bridge (interface names have 15 bytes). */
static unsigned long bridge_hash(const char *s)
{
        unsigned long h = 5381;

        while (*s)
                h = (h * 33 + (unsigned char)*s++) & 0xffffffffUL;
        return h;
}

static void pe_paths(struct private_engine *e)
{
        memset(e, 0, sizeof(*e));
        snprintf(e->data, sizeof(e->data), "/var/lib/berth-test-crash-%s", bt_run_id());
        /* short: containerd's socket lives under it (108 bytes at most) */
        snprintf(e->exec, sizeof(e->exec), "/run/btc-%s", bt_run_id());
        snprintf(e->sock, sizeof(e->sock), "%s/docker.sock", e->exec);
        snprintf(e->host, sizeof(e->host), "unix://%s", e->sock);
        snprintf(e->bridge, sizeof(e->bridge), "btc%08lx", bridge_hash(bt_run_id()));
}

/* ip ARGS... (NULL-terminated); its exit status, its output in *out
 * (free() it) when out is not NULL. */
static int ip(char **out, const char *const args[])
{
        const char *argv[16] = {"ip"};
        size_t n = 1;

        while (*args && n < 15)
                argv[n++] = *args++;
        argv[n] = NULL;
        return bt_run(out, NULL, argv);
}

/* The first "<prefix>.N" (a /24 under prefix, a /16) that no route of
 * the host uses, in net; -1 when none is free. */
static int free_net(char net[32], const char *prefix)
{
        char *routes = NULL, probe[40];
        int n, r;

        r = ip(&routes, (const char *const[]){"-4", "route", "show", NULL});
        for (n = 0; r == 0 && n < 256; n++) {
                snprintf(probe, sizeof(probe), "%s.%d.", prefix, n);
                if (!strstr(routes, probe))
                        break;
        }
        free(routes);
        if (r != 0 || n == 256)
                return -1;
        snprintf(net, 32, "%s.%d", prefix, n);
        return 0;
}

/* A bridge of its own for its default network, on a free 10.212.N.0/24,
 * made as tests/run makes the private engine's (.ci/lib.sh).  Never
 * --bridge=none: a dockerd started so deletes the host's docker0, the
 * shared engine's default bridge. */
static int pe_bridge_up(const struct private_engine *e)
{
        char net[32], addr[48];

        if (ip(NULL, (const char *const[]){"link", "show", e->bridge, NULL}) == 0)
                return 0;
        if (free_net(net, "10.212") < 0)
                return -1;
        snprintf(addr, sizeof(addr), "%s.1/24", net);
        if (ip(NULL, (const char *const[]){"link", "add", e->bridge, "type", "bridge", NULL}) ||
            ip(NULL, (const char *const[]){"addr", "add", addr, "dev", e->bridge, NULL}) ||
            ip(NULL, (const char *const[]){"link", "set", e->bridge, "up", NULL}))
                return -1;
        return 0;
}

static struct docker_client *pe_client(const struct private_engine *e)
{
        struct docker_client *c = NULL;
        struct berth_err err;

        if (docker_client_from_env(&c, e->host, &err) < 0)
                return NULL;
        docker_client_set_timeout(c, 10000);
        if (docker_client_negotiate(c, &err) < 0) {
                docker_client_free(c);
                return NULL;
        }
        return c;
}

/* Start dockerd as .ci/lib.sh's dockerd_private_start does, with a
 * bridge of its own and without iptables (the shared engine owns them);
 * wait up to 60 s for it to answer.  Without --default-address-pool:
 * dockerd 20.10 restarted with one deletes the host's docker0 (it clears
 * the last run's default network, and the interface by its default name,
 * whatever --bridge says); the test's network names its subnet instead. */
static int pe_start(struct private_engine *e)
{
        char log[PATH_MAX + 16], conf[PATH_MAX + 16], pidfile[PATH_MAX + 16], ns[200], nsp[200];
        struct docker_client *c;
        double end;
        FILE *f;
        int fd;

        if (pe_bridge_up(e) < 0)
                return -1;
        mkdir(e->data, 0700);
        mkdir(e->exec, 0700);
        snprintf(log, sizeof(log), "%s/dockerd.log", e->exec);
        snprintf(conf, sizeof(conf), "%s/daemon.json", e->exec);
        snprintf(pidfile, sizeof(pidfile), "%s/dockerd.pid", e->exec);
        snprintf(ns, sizeof(ns), "berth-%s", bt_run_id());
        snprintf(nsp, sizeof(nsp), "berth-%s-plugins", bt_run_id());
        f = fopen(conf, "we");
        if (!f)
                return -1;
        fputs("{}\n", f); /* not the host's /etc/docker/daemon.json */
        fclose(f);
        e->pid = fork();
        if (e->pid < 0)
                return -1;
        if (e->pid == 0) {
                fd = open(log, O_WRONLY | O_CREAT | O_APPEND | O_CLOEXEC, 0600);
                if (fd >= 0) {
                        dup2(fd, 1);
                        dup2(fd, 2);
                }
                setsid(); /* not in the test's process group */
                execlp("dockerd", "dockerd", "--config-file", conf, "--data-root", e->data,
                       "--exec-root", e->exec, "--pidfile", pidfile, "--host", e->host, "--bridge",
                       e->bridge, "--iptables=false", "--ip-masq=false", "--containerd-namespace",
                       ns, "--containerd-plugins-namespace", nsp, (char *)NULL);
                _exit(127);
        }
        for (end = bt_now_s() + 60; bt_now_s() < end; bt_sleep_ms(200)) {
                if (waitpid(e->pid, NULL, WNOHANG) == e->pid) {
                        e->pid = -1;
                        return -1;
                }
                if ((c = pe_client(e))) {
                        docker_client_free(c);
                        return 0;
                }
        }
        return -1;
}

/* The pid a pid file names, or -1. */
static pid_t pid_in(const char *path)
{
        FILE *f = fopen(path, "re");
        long v = 0;

        if (!f)
                return -1;
        if (fscanf(f, "%ld", &v) != 1)
                v = -1;
        fclose(f);
        return (pid_t)v;
}

/* Wait up to timeout_s for pid (a child, or not) to be gone. */
static int gone_within(pid_t pid, double timeout_s)
{
        double end = bt_now_s() + timeout_s;

        for (;;) {
                waitpid(pid, NULL, WNOHANG);
                if (kill(pid, 0) < 0 && errno == ESRCH)
                        return 1;
                if (bt_now_s() >= end)
                        return 0;
                bt_sleep_ms(100);
        }
}

/* SIGKILL: no shutdown at all.  Its containerd dies with it (a parent
 * death signal); wait for that too, or the next dockerd would take the
 * dying one for a live one. */
static void pe_kill(struct private_engine *e)
{
        char path[PATH_MAX + 64];
        pid_t ctr;

        snprintf(path, sizeof(path), "%s/containerd/containerd.pid", e->exec);
        ctr = pid_in(path);
        ck_assert_int_eq(kill(e->pid, SIGKILL), 0);
        ck_assert_int_eq(waitpid(e->pid, NULL, 0), e->pid);
        e->pid = -1;
        ck_assert_msg(ctr <= 0 || gone_within(ctr, 30), "its containerd (pid %d) lives on",
                      (int)ctr);
}

/* The end of its log (leaked: for a failing test's message). */
static char *pe_log(const struct private_engine *e)
{
        char path[PATH_MAX + 16], *text;
        size_t n;

        snprintf(path, sizeof(path), "%s/dockerd.log", e->exec);
        if (access(path, R_OK) < 0)
                return strdup("(none)");
        text = bt_file_read(path);
        n = strlen(text);
        return n > 3000 ? text + n - 3000 : text;
}

static int under(const char *path, const char *dir)
{
        size_t n = strlen(dir);

        return !strncmp(path, dir, n) && (path[n] == '/' || path[n] == '\0');
}

/* Unmount what dockerd left mounted under its directories, deepest first. */
static void pe_unmount(const struct private_engine *e)
{
        char line[8192], *targets[256];
        size_t n = 0, i;
        FILE *f = fopen("/proc/self/mountinfo", "re");

        while (f && fgets(line, sizeof(line), f) && n < 256) {
                char target[PATH_MAX];

                if (sscanf(line, "%*s %*s %*s %*s %4095s", target) != 1)
                        continue;
                if (under(target, e->data) || under(target, e->exec))
                        targets[n++] = strdup(target);
        }
        if (f)
                fclose(f);
        for (i = n; i-- > 0;) {
                umount2(targets[i], MNT_DETACH);
                free(targets[i]);
        }
}

/* Stop it and remove every trace: its scope's containers and networks
 * first (a network's bridge outlives dockerd), then dockerd (TERM, then
 * KILL), its containerd, its mounts and its directories.  A dockerd that
 * is not running is started for this. */
static void pe_remove(struct private_engine *e)
{
        char path[PATH_MAX + 64], cmd[3 * PATH_MAX];
        struct docker_client *c = pe_client(e);
        pid_t pid, ctr;

        if (!c && access(e->data, F_OK) == 0 && pe_start(e) == 0)
                c = pe_client(e);
        if (c) {
                const char *args[] = {BERTH_BINARY, "-H",      e->host,     "down",
                                      "--yes",      "--scope", bt_run_id(), NULL};

                docker_client_free(c);
                bt_run(NULL, NULL, args);
        }
        snprintf(path, sizeof(path), "%s/dockerd.pid", e->exec);
        pid = e->pid > 0 ? e->pid : pid_in(path);
        if (pid > 0 && kill(pid, SIGTERM) == 0 && !gone_within(pid, 30))
                kill(pid, SIGKILL), gone_within(pid, 10);
        snprintf(path, sizeof(path), "%s/containerd/containerd.pid", e->exec);
        ctr = pid_in(path);
        if (ctr > 0 && kill(ctr, 0) == 0)
                kill(ctr, SIGKILL);
        e->pid = -1;
        pe_unmount(e);
        ip(NULL, (const char *const[]){"link", "del", e->bridge, NULL});
        snprintf(cmd, sizeof(cmd), "rm -rf --one-file-system '%s' '%s'", e->data, e->exec);
        if (system(cmd) != 0)
                fprintf(stderr, "cannot remove %s and %s\n", e->data, e->exec);
}

/* The runner's teardown: a failed test leaves its dockerd. */
static void private_engine_teardown(void)
{
        struct private_engine e;

        if (!getenv("BERTH_TEST_RUN"))
                return;
        pe_paths(&e);
        if (access(e.exec, F_OK) == 0 || access(e.data, F_OK) == 0)
                pe_remove(&e);
}

/* The scope's containers on e as "name state" lines, sorted by name. */
static char *pe_snapshot(const struct private_engine *e)
{
        const char *labels[] = {bt_scope_filter(), NULL};
        struct docker_client *c = pe_client(e);
        struct docker_container_list list;
        struct berth_err err;
        char *lines[64], *text = strdup(""), *more, *tmp;
        size_t i, j, n;

        ck_assert_ptr_nonnull(c);
        ck_assert_msg(docker_container_list(&list, c, labels, &err) == 0, "%s", err.msg);
        n = list.count < 64 ? list.count : 64;
        for (i = 0; i < n; i++)
                lines[i] = bt_fmt("%s %s\n", list.items[i].names[0], list.items[i].state);
        for (i = 1; i < n; i++) /* insertion sort: a handful */
                for (j = i; j > 0 && strcmp(lines[j - 1], lines[j]) > 0; j--)
                        tmp = lines[j], lines[j] = lines[j - 1], lines[j - 1] = tmp;
        for (i = 0; i < n; i++) {
                more = bt_fmt("%s%s", text, lines[i]);
                free(text);
                free(lines[i]);
                text = more;
        }
        docker_container_list_release(&list);
        docker_client_free(c);
        return text;
}

#define DK_SERVICES 6

START_TEST(dockerd_killed_mid_apply)
{
        static const char *const svc[DK_SERVICES] = {"s1", "s2", "s3", "s4", "s5", "s6"};
        struct private_engine e;
        const char *dir = bt_tmpdir();
        char out[PATH_MAX], err[PATH_MAX], net[32], *load, *snap, *want, *more, *text, *path;
        struct bt_berth r;
        int status, i, made = 0;
        double end, t0;
        pid_t pid;

        pe_paths(&e);
        pe_remove(&e); /* a run before this one may have left it */
        ck_assert_msg(pe_start(&e) == 0,
                      "cannot start a private dockerd (is this root, with dockerd installed?); "
                      "its log:\n%s",
                      pe_log(&e));
        load = bt_fmt("docker save '%s' | DOCKER_HOST='%s' docker load", bt_image(), e.host);
        ck_assert_int_eq(bt_run(NULL, NULL, (const char *const[]){"sh", "-c", load, NULL}), 0);
        free(load);

        bt_manifest(dir, "dk.yaml", "dk", bt_service(svc[0], NULL), bt_service(svc[1], NULL),
                    bt_service(svc[2], NULL), bt_service(svc[3], NULL), bt_service(svc[4], NULL),
                    bt_service(svc[5], NULL), NULL);
        /* its network on a subnet of its own: the private engine has no
         * address pool of its own (see pe_start) */
        ck_assert_int_eq(free_net(net, "10.213"), 0);
        path = bt_fmt("%s/dk.yaml", dir);
        text = bt_file_read(path);
        more = bt_fmt("%snetworks:\n  default:\n    ipam:\n      config:\n        - subnet: "
                      "%s.0/24\n",
                      text, net);
        bt_write_file(dir, "dk.yaml", more);
        free(path);
        free(text);
        free(more);
        snprintf(out, sizeof(out), "%s/apply.out", dir);
        snprintf(err, sizeof(err), "%s/apply.err", dir);
        pid = bt_berth_spawn(
            out, err,
            (const char *const[]){"-H", e.host, "apply", "-f", dir, "--parallel", "1", NULL});
        /* some containers made, not all: then dockerd dies */
        for (end = bt_now_s() + 120; bt_now_s() < end && made < 2; bt_sleep_ms(20)) {
                snap = pe_snapshot(&e);
                for (made = 0, text = snap; (text = strchr(text, '\n')); text++)
                        made++;
                free(snap);
        }
        ck_assert_msg(made >= 2, "berth made %d containers in 120 s", made);
        pe_kill(&e);
        t0 = bt_now_s();

        /* berth sees the engine go and ends by itself, saying so */
        for (end = bt_now_s() + 90; waitpid(pid, &status, WNOHANG) != pid; bt_sleep_ms(50))
                if (bt_now_s() > end) {
                        kill(pid, SIGKILL);
                        waitpid(pid, &status, 0);
                        ck_abort_msg("berth apply still ran 90 s after dockerd died:\n%s",
                                     bt_file_read(out));
                }
        text = bt_file_read(out);
        ck_assert_msg(WIFEXITED(status) && WEXITSTATUS(status) == 1,
                      "berth apply ended %#x when dockerd died:\n%s", status, text);
        bt_contains(text, "Apply failed:");
        CONTAINS(text,
                 "the Docker engine is not running: connection refused at %s (start dockerd, or "
                 "point DOCKER_HOST or -H at the engine)",
                 e.host);
        /* at least three of the six were still to make: once one could
         * not reach the engine, the rest did not start */
        bt_contains(text, "not started (the Docker engine stopped answering).\n");
        fprintf(stderr, "berth apply ended %.1f s after dockerd was killed:\n%s", bt_now_s() - t0,
                strstr(text, "\n\n") ? strstr(text, "\n\n") + 2 : text);
        free(text);

        ck_assert_msg(pe_start(&e) == 0, "the private dockerd did not come back; its log:\n%s",
                      pe_log(&e));
        /* A SIGKILLed dockerd can leave containerd holding the task of a
         * container it was starting ("task ... already exists" on every
         * start): berth makes such a never-started container again, so
         * the next apply converges all the same. */
        free(converge(e.host, dir));
        want = strdup("");
        for (i = 0; i < DK_SERVICES; i++) {
                more = bt_fmt("%s%s running\n", want, cname("dk", svc[i], ""));
                free(want);
                want = more;
        }
        snap = pe_snapshot(&e);
        ck_assert_msg(!strcmp(snap, want), "containers on the private engine:\n%s\nwanted:\n%s",
                      snap, want);
        free(snap);
        free(want);
        r = BERTH_OK("-H", e.host, "down", "--yes");
        bt_berth_release(&r);
        pe_remove(&e);
}
END_TEST

int main(void)
{
        Suite *s = suite_create("crash");
        TCase *tc = tcase_create("berth-killed");

        bt_tcase_engine(tc);
        tcase_set_timeout(tc, 300);
        tcase_add_test(tc, killed_between_create_and_start);
        tcase_add_test(tc, killed_between_create_and_connect);
        tcase_add_loop_test(tc, killed_between_update_steps, 0, sizeof(steps) / sizeof(steps[0]));
        suite_add_tcase(s, tc);

        tc = tcase_create("dockerd-killed");
        bt_tcase_engine(tc);
        tcase_add_unchecked_fixture(tc, NULL, private_engine_teardown);
        tcase_set_timeout(tc, 400);
        tcase_add_test(tc, dockerd_killed_mid_apply);
        suite_add_tcase(s, tc);
        return bt_engine_main(s);
}
