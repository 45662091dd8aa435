/* Containers against the real engine (docker/container.h, docker/logs.h):
 * every field of the spec as inspect reports it, the lifecycle calls and
 * their idempotent cases, errors that name the container, list filters,
 * wait, kill, rename, restart, health, and logs (both streams apart, TTY,
 * follow to the end and follow cancelled). */
#include <arpa/inet.h>
#include <errno.h>
#include <netinet/in.h>
#include <pthread.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <sys/stat.h>
#include <time.h>
#include <unistd.h>

#include "berth_test.h"
#include "docker/container.h"
#include "docker/exec.h"
#include "docker/logs.h"

/* ---- helpers ---------------------------------------------------------- */

/* Labels of every test container: the run's, and one naming the case so a
 * list can find exactly one case's containers. */
static struct docker_kv labels[2];

static void base_spec(struct docker_container_spec *s, const char *suffix, const char *cmdline)
{
        static const char *cmd[4][4];
        static unsigned next;
        const char **argv = cmd[next++ % 4];

        docker_container_spec_init(s);
        labels[0].key = BT_LABEL;
        labels[0].value = bt_run_id();
        labels[1].key = "bt.case";
        labels[1].value = "container";
        s->name = bt_name(suffix);
        s->image = bt_image();
        s->labels = labels;
        s->n_labels = 2;
        if (cmdline) {
                argv[0] = "sh";
                argv[1] = "-c";
                argv[2] = cmdline;
                argv[3] = NULL;
                s->cmd = argv;
        }
}

/* Create (and start) or fail the test with the message. */
static char *must_create(const struct docker_container_spec *s, int start)
{
        struct berth_err err;
        char *id = NULL;

        berth_err_clear(&err);
        ck_assert_msg(docker_container_create(&id, bt_client(), s, &err) == 0, "%s", err.msg);
        ck_assert_ptr_nonnull(id);
        ck_assert_uint_eq(strlen(id), 64);
        if (start)
                ck_assert_msg(docker_container_start(bt_client(), s->name, &err) == 0, "%s",
                              err.msg);
        return id;
}

static void must_inspect(struct docker_container_info *info, const char *name)
{
        struct berth_err err;

        ck_assert_msg(docker_container_inspect(info, bt_client(), name, &err) == 0, "%s", err.msg);
}

/* Wait until it is not running; its exit code. */
static long must_wait(const char *name)
{
        struct docker_wait_result w;
        struct berth_err err;

        ck_assert_msg(docker_container_wait(&w, bt_client(), name, DOCKER_WAIT_NOT_RUNNING, 20000,
                                            NULL, &err) == 0,
                      "%s", err.msg);
        ck_assert_str_eq(w.error, "");
        return w.exit_code;
}

/* Collect the logs into out (docker_output_release() it); o may be NULL. */
static void must_logs(struct docker_output *out, const char *name,
                      const struct docker_logs_options *o)
{
        struct berth_err err;

        docker_output_init(out, 0);
        ck_assert_msg(
            docker_container_logs(bt_client(), name, o, docker_output_collect, out, &err) == 0,
            "%s", err.msg);
}

/* raw[k1][k2]...: NULL-terminated keys. */
static json_t *jget(json_t *j, ...)
{
        const char *key;
        va_list ap;

        va_start(ap, j);
        while (j && (key = va_arg(ap, const char *)))
                j = json_object_get(j, key);
        va_end(ap);
        return j;
}

/* got equals the JSON text expect. */
static void expect_json(const char *what, json_t *got, const char *expect_text)
{
        json_t *expect = json_loads(expect_text, JSON_DECODE_ANY, NULL);
        char *g = got ? json_dumps(got, JSON_ENCODE_ANY | JSON_SORT_KEYS) : NULL;

        ck_assert_msg(expect != NULL, "%s: bad expected JSON", what);
        ck_assert_msg(got && json_equal(got, expect), "%s: engine reports %s, expected %s", what,
                      g ? g : "nothing", expect_text);
        free(g);
        json_decref(expect);
}

/* The array has a string equal to s. */
static int has_string(json_t *arr, const char *s)
{
        json_t *v;
        size_t i;

        json_array_foreach(arr, i,
                           v) if (json_is_string(v) && !strcmp(json_string_value(v), s)) return 1;
        return 0;
}

static void sleep_ms(long ms)
{
        struct timespec ts = {ms / 1000, (ms % 1000) * 1000000L};

        nanosleep(&ts, NULL);
}

static double now_s(void)
{
        struct timespec ts;

        clock_gettime(CLOCK_MONOTONIC, &ts);
        return (double)ts.tv_sec + (double)ts.tv_nsec / 1e9;
}

/* A labelled network or volume made with the raw API (not under test here). */
static void make_object(const char *path, const char *fmt, const char *name)
{
        struct docker_request req = {.method = "POST", .path = path};
        struct berth_err err;
        json_t *body = json_pack(fmt, "Name", name, "Labels", BT_LABEL, bt_run_id());

        ck_assert_ptr_nonnull(body);
        req.json = body;
        ck_assert_msg(docker_call(bt_client(), &req, NULL, &err) == 0, "%s", err.msg);
        json_decref(body);
}

/* Connect to 127.0.0.1:port, retrying while the server starts. */
static int can_connect(unsigned port)
{
        struct sockaddr_in a = {.sin_family = AF_INET, .sin_port = htons((uint16_t)port)};
        int fd, ok = 0, tries;

        a.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
        for (tries = 0; tries < 50 && !ok; tries++) {
                fd = socket(AF_INET, SOCK_STREAM | SOCK_CLOEXEC, 0);
                ck_assert_int_ge(fd, 0);
                ok = connect(fd, (struct sockaddr *)&a, sizeof(a)) == 0;
                close(fd);
                if (!ok)
                        sleep_ms(100);
        }
        return ok;
}

/* ---- every field ------------------------------------------------------ */

START_TEST(every_field_is_reported_by_inspect)
{
        static const char *const entrypoint[] = {"sh", "-c", NULL};
        static const char *const cmd[] = {"echo started; exec httpd -f -p 8080 -h /work", NULL};
        static const char *const env[] = {"A=1", "B=two words", NULL};
        static const struct docker_port exposed[] = {{9000, "tcp"}};
        static const struct docker_port_binding ports[] = {{8080, "tcp", "127.0.0.1", 0},
                                                           {5353, "udp", "127.0.0.1", 0}};
        static const char *const aliases[] = {"web", "web-alias", NULL};
        static const char *const test[] = {"CMD-SHELL", "true", NULL};
        static const struct docker_kv log_opts[] = {{"max-size", "1m"}, {"max-file", "2"}};
        static const struct docker_kv tmpfs[] = {{"/run", "size=1m"}};
        static const char *const cap_add[] = {"NET_ADMIN", NULL};
        static const char *const cap_drop[] = {"MKNOD", NULL};
        static const char *const extra_hosts[] = {"db.test:10.1.2.3", NULL};
        static const char *const dns[] = {"10.0.0.53", NULL};
        static const char *const dns_search[] = {"example.test", NULL};
        static const char *const dns_opt[] = {"ndots:2", NULL};
        static const struct docker_ulimit ulimits[] = {{"nofile", 1024, 2048}};
        static const struct docker_kv sysctls[] = {{"net.core.somaxconn", "1024"}};
        static const char *const security_opt[] = {"no-new-privileges", NULL};
        const char *dir = bt_tmpdir();
        char made[4096], vol[128], net[128], anon_ok = 0, buf[128];
        struct docker_mount mounts[5];
        struct docker_container_spec s;
        struct docker_container_info info;
        struct docker_exec_result ex;
        struct berth_err err;
        struct stat st;
        json_t *raw, *hc, *m;
        const char *hp;
        size_t i;
        char *id;

        snprintf(made, sizeof(made), "%s/made-by-engine", dir);
        snprintf(vol, sizeof(vol), "%s", bt_name("every-vol"));
        snprintf(net, sizeof(net), "%s", bt_name("every-net"));
        make_object("/volumes/create", "{s:s, s:{s:s}}", vol);
        make_object("/networks/create", "{s:s, s:{s:s}, s:b}", net);
        bt_write_file(dir, "index.html", "hello\n");

        memset(mounts, 0, sizeof(mounts));
        mounts[0] = (struct docker_mount){.type = DOCKER_MOUNT_BIND,
                                          .source = dir,
                                          .target = "/srv",
                                          .read_only = 1,
                                          .propagation = "rprivate"};
        mounts[1] = (struct docker_mount){
            .type = DOCKER_MOUNT_BIND, .source = made, .target = "/made", .create_host_path = 1};
        mounts[2] =
            (struct docker_mount){.type = DOCKER_MOUNT_VOLUME, .source = vol, .target = "/data"};
        mounts[3] = (struct docker_mount){.type = DOCKER_MOUNT_VOLUME, .target = "/anon"};
        mounts[4] = (struct docker_mount){.type = DOCKER_MOUNT_TMPFS,
                                          .target = "/scratch",
                                          .tmpfs_size = 1 << 20,
                                          .tmpfs_mode = 01777};

        base_spec(&s, "every", NULL);
        s.entrypoint = entrypoint;
        s.cmd = cmd;
        s.env = env;
        s.exposed = exposed;
        s.n_exposed = 1;
        s.ports = ports;
        s.n_ports = 2;
        s.mounts = mounts;
        s.n_mounts = 5;
        s.tmpfs = tmpfs;
        s.n_tmpfs = 1;
        s.network = net;
        s.aliases = aliases;
        s.restart = DOCKER_RESTART_ON_FAILURE;
        s.restart_max_retries = 3;
        s.healthcheck.test = test;
        s.healthcheck.interval_ns = 1000000000LL;
        s.healthcheck.timeout_ns = 2000000000LL;
        s.healthcheck.start_period_ns = 3000000000LL;
        s.healthcheck.retries = 4;
        s.memory = 64LL << 20;
        s.memory_reservation = 32LL << 20;
        s.nano_cpus = 500000000LL;
        s.pids_limit = 100;
        s.shm_size = 32LL << 20;
        s.log_driver = "json-file";
        s.log_opts = log_opts;
        s.n_log_opts = 2;
        s.user = "1000:1000";
        s.workdir = "/work";
        s.hostname = "bt-host";
        s.domainname = "example.test";
        s.stop_signal = "SIGUSR1";
        s.stop_timeout = 3;
        s.cap_add = cap_add;
        s.cap_drop = cap_drop;
        s.read_only = 1;
        s.init = 1;
        s.tty = 1;
        s.stdin_open = 1;
        s.extra_hosts = extra_hosts;
        s.dns = dns;
        s.dns_search = dns_search;
        s.dns_opt = dns_opt;
        s.ulimits = ulimits;
        s.n_ulimits = 1;
        s.sysctls = sysctls;
        s.n_sysctls = 1;
        s.security_opt = security_opt;
        id = must_create(&s, 1);

        must_inspect(&info, s.name);
        raw = info.raw;
        hc = jget(raw, "HostConfig", NULL);
        ck_assert_str_eq(info.id, id);
        ck_assert_str_eq(info.name, s.name);
        ck_assert_str_eq(info.config_image, bt_image());
        ck_assert_msg(!strncmp(info.image_id, "sha256:", 7), "%s", info.image_id);
        ck_assert_msg(info.state.running, "not running: %s (%s)", info.state.status,
                      info.state.error);
        ck_assert_int_gt(info.state.pid, 0);

        /* Config */
        expect_json("entrypoint", jget(raw, "Config", "Entrypoint", NULL), "[\"sh\", \"-c\"]");
        expect_json("cmd", jget(raw, "Config", "Cmd", NULL),
                    "[\"echo started; exec httpd -f -p 8080 -h /work\"]");
        ck_assert(has_string(jget(raw, "Config", "Env", NULL), "A=1"));
        ck_assert(has_string(jget(raw, "Config", "Env", NULL), "B=two words"));
        ck_assert_str_eq(docker_kv_get(info.labels, info.n_labels, BT_LABEL), bt_run_id());
        ck_assert_str_eq(docker_kv_get(info.labels, info.n_labels, "bt.case"), "container");
        expect_json("exposed ports", jget(raw, "Config", "ExposedPorts", NULL),
                    "{\"8080/tcp\": {}, \"5353/udp\": {}, \"9000/tcp\": {}}");
        expect_json("healthcheck", jget(raw, "Config", "Healthcheck", NULL),
                    "{\"Test\": [\"CMD-SHELL\", \"true\"], \"Interval\": 1000000000,"
                    " \"Timeout\": 2000000000, \"StartPeriod\": 3000000000, \"Retries\": 4}");
        expect_json("user", jget(raw, "Config", "User", NULL), "\"1000:1000\"");
        expect_json("workdir", jget(raw, "Config", "WorkingDir", NULL), "\"/work\"");
        expect_json("hostname", jget(raw, "Config", "Hostname", NULL), "\"bt-host\"");
        expect_json("domainname", jget(raw, "Config", "Domainname", NULL), "\"example.test\"");
        expect_json("stop signal", jget(raw, "Config", "StopSignal", NULL), "\"SIGUSR1\"");
        expect_json("stop timeout", jget(raw, "Config", "StopTimeout", NULL), "3");
        expect_json("tty", jget(raw, "Config", "Tty", NULL), "true");
        ck_assert_int_eq(info.tty, 1);
        expect_json("stdin open", jget(raw, "Config", "OpenStdin", NULL), "true");

        /* HostConfig */
        expect_json("restart policy", jget(hc, "RestartPolicy", NULL),
                    "{\"Name\": \"on-failure\", \"MaximumRetryCount\": 3}");
        expect_json("memory", jget(hc, "Memory", NULL), "67108864");
        expect_json("memory reservation", jget(hc, "MemoryReservation", NULL), "33554432");
        expect_json("nano cpus", jget(hc, "NanoCpus", NULL), "500000000");
        expect_json("pids limit", jget(hc, "PidsLimit", NULL), "100");
        expect_json("shm size", jget(hc, "ShmSize", NULL), "33554432");
        expect_json("log config", jget(hc, "LogConfig", NULL),
                    "{\"Type\": \"json-file\", \"Config\": {\"max-size\": \"1m\","
                    " \"max-file\": \"2\"}}");
        expect_json("cap add", jget(hc, "CapAdd", NULL), "[\"NET_ADMIN\"]");
        expect_json("cap drop", jget(hc, "CapDrop", NULL), "[\"MKNOD\"]");
        expect_json("privileged", jget(hc, "Privileged", NULL), "false");
        expect_json("read-only rootfs", jget(hc, "ReadonlyRootfs", NULL), "true");
        expect_json("init", jget(hc, "Init", NULL), "true");
        expect_json("tmpfs", jget(hc, "Tmpfs", NULL), "{\"/run\": \"size=1m\"}");
        expect_json("extra hosts", jget(hc, "ExtraHosts", NULL), "[\"db.test:10.1.2.3\"]");
        expect_json("dns", jget(hc, "Dns", NULL), "[\"10.0.0.53\"]");
        expect_json("dns search", jget(hc, "DnsSearch", NULL), "[\"example.test\"]");
        expect_json("dns options", jget(hc, "DnsOptions", NULL), "[\"ndots:2\"]");
        expect_json("ulimits", jget(hc, "Ulimits", NULL),
                    "[{\"Name\": \"nofile\", \"Soft\": 1024, \"Hard\": 2048}]");
        expect_json("sysctls", jget(hc, "Sysctls", NULL), "{\"net.core.somaxconn\": \"1024\"}");
        expect_json("security options", jget(hc, "SecurityOpt", NULL), "[\"no-new-privileges\"]");
        snprintf(buf, sizeof(buf), "\"%s\"", net);
        expect_json("network mode", jget(hc, "NetworkMode", NULL), buf);
        snprintf(made, sizeof(made), "[\"%s/made-by-engine:/made\"]", dir);
        expect_json("binds", jget(hc, "Binds", NULL), made);
        expect_json("port bindings", jget(hc, "PortBindings", NULL),
                    "{\"8080/tcp\": [{\"HostIp\": \"127.0.0.1\", \"HostPort\": \"\"}],"
                    " \"5353/udp\": [{\"HostIp\": \"127.0.0.1\", \"HostPort\": \"\"}]}");
        m = jget(hc, "Mounts", NULL);
        ck_assert_uint_eq(json_array_size(m), 4);
        expect_json("tmpfs mount", json_array_get(m, 3),
                    "{\"Type\": \"tmpfs\", \"Target\": \"/scratch\","
                    " \"TmpfsOptions\": {\"SizeBytes\": 1048576, \"Mode\": 1023}}");
        expect_json("bind mount propagation", jget(json_array_get(m, 0), "BindOptions", NULL),
                    "{\"Propagation\": \"rprivate\"}");

        /* Published ports: the engine picked real numbers. */
        ck_assert_uint_eq(info.n_ports, 2);
        for (i = 0; i < info.n_ports; i++) {
                ck_assert_str_eq(info.ports[i].host_ip, "127.0.0.1");
                ck_assert_uint_gt(info.ports[i].host_port, 0);
                ck_assert(info.ports[i].container_port == 8080 ||
                          info.ports[i].container_port == 5353);
                ck_assert_str_eq(info.ports[i].proto,
                                 info.ports[i].container_port == 8080 ? "tcp" : "udp");
        }
        hp = json_string_value(json_object_get(
            json_array_get(jget(raw, "NetworkSettings", "Ports", "8080/tcp", NULL), 0),
            "HostPort"));
        ck_assert_ptr_nonnull(hp);
        ck_assert_msg(atoi(hp) > 0 && atoi(hp) < 65536, "HostPort '%s'", hp);
        ck_assert_msg(can_connect((unsigned)atoi(hp)), "nothing answers on 127.0.0.1:%s", hp);

        /* The network, with its aliases and an address. */
        ck_assert_uint_eq(info.n_networks, 1);
        ck_assert_str_eq(info.networks[0].network, net);
        ck_assert_str_ne(info.networks[0].ip_address, "");
        ck_assert(info.networks[0].n_aliases >= 2);
        ck_assert_str_eq(info.networks[0].aliases[0], "web");
        ck_assert_str_eq(info.networks[0].aliases[1], "web-alias");

        /* Mount points: the binds, the named and the anonymous volume, the tmpfs. */
        ck_assert_uint_eq(info.n_mounts, 5);
        for (i = 0; i < info.n_mounts; i++) {
                const struct docker_mount_point *mp = &info.mounts[i];

                if (!strcmp(mp->destination, "/srv")) {
                        ck_assert_str_eq(mp->type, "bind");
                        ck_assert_str_eq(mp->source, dir);
                        ck_assert_int_eq(mp->rw, 0);
                        ck_assert_str_eq(mp->propagation, "rprivate");
                } else if (!strcmp(mp->destination, "/made")) {
                        ck_assert_str_eq(mp->type, "bind");
                        ck_assert_int_eq(mp->rw, 1);
                } else if (!strcmp(mp->destination, "/data")) {
                        ck_assert_str_eq(mp->type, "volume");
                        ck_assert_str_eq(mp->name, vol);
                        ck_assert_int_eq(mp->rw, 1);
                } else if (!strcmp(mp->destination, "/scratch")) {
                        ck_assert_str_eq(mp->type, "tmpfs");
                        ck_assert_int_eq(mp->rw, 1);
                } else {
                        ck_assert_str_eq(mp->destination, "/anon");
                        ck_assert_str_eq(mp->type, "volume");
                        ck_assert_uint_eq(strlen(mp->name), 64);
                        anon_ok = 1;
                }
        }
        ck_assert(anon_ok);
        snprintf(made, sizeof(made), "%s/made-by-engine", dir);
        ck_assert_msg(stat(made, &st) == 0 && S_ISDIR(st.st_mode), "the engine did not create %s",
                      made);

        /* Inside: the tmpfs mode, the user, the extra host. */
        {
                static const char *const argv[] = {
                    "sh", "-c", "stat -c %a /scratch; id -u; grep -c db.test /etc/hosts", NULL};

                ck_assert_msg(docker_exec_run(&ex, bt_client(), s.name, argv, &err) == 0, "%s",
                              err.msg);
                ck_assert_int_eq(ex.exit_code, 0);
                ck_assert_str_eq(docker_output_stdout(&ex.output), "1777\n1000\n1\n");
                docker_exec_result_release(&ex);
        }
        docker_container_info_release(&info);

        /* privileged is reported too (created only) */
        base_spec(&s, "every-privileged", "true");
        s.privileged = 1;
        free(must_create(&s, 0));
        must_inspect(&info, s.name);
        expect_json("privileged", jget(info.raw, "HostConfig", "Privileged", NULL), "true");
        docker_container_info_release(&info);
        free(id);
}
END_TEST

/* ---- lifecycle -------------------------------------------------------- */

START_TEST(start_twice_and_stop_twice_succeed)
{
        struct docker_container_spec s;
        struct docker_container_info info;
        struct berth_err err;

        base_spec(&s, "twice", "sleep 3600");
        free(must_create(&s, 1));
        ck_assert_msg(docker_container_start(bt_client(), s.name, &err) == 0, "%s", err.msg);
        must_inspect(&info, s.name);
        ck_assert_int_eq(info.state.running, 1);
        docker_container_info_release(&info);
        ck_assert_msg(docker_container_stop(bt_client(), s.name, 1, &err) == 0, "%s", err.msg);
        ck_assert_msg(docker_container_stop(bt_client(), s.name, 1, &err) == 0, "%s", err.msg);
        must_inspect(&info, s.name);
        ck_assert_int_eq(info.state.running, 0);
        ck_assert_str_eq(info.state.status, "exited");
        ck_assert_int_eq(info.state.exit_code, 137); /* sh ignores SIGTERM as PID 1 */
        docker_container_info_release(&info);
}
END_TEST

START_TEST(missing_container_is_not_found_by_name)
{
        const char *nope = bt_name("nope");
        struct docker_container_info info;
        struct docker_wait_result w;
        struct docker_logs_options o;
        struct docker_output out;
        struct berth_err err;
        char want[512];

        berth_err_clear(&err);
        ck_assert_int_eq(docker_container_remove(bt_client(), nope, DOCKER_REMOVE_FORCE, &err),
                         BERTH_ENOTFOUND);
        snprintf(want, sizeof(want), "cannot remove container '%s': no such container", nope);
        ck_assert_str_eq(err.msg, want);
        ck_assert_int_eq(err.code, BERTH_ENOTFOUND);
        ck_assert_int_eq(err.http_status, 404);
        ck_assert_msg(strstr(err.engine_msg, "No such container"), "%s", err.engine_msg);
        ck_assert_str_eq(err.object, nope);

        ck_assert_int_eq(docker_container_start(bt_client(), nope, &err), BERTH_ENOTFOUND);
        snprintf(want, sizeof(want), "cannot start container '%s': no such container", nope);
        ck_assert_str_eq(err.msg, want);
        ck_assert_int_eq(docker_container_inspect(&info, bt_client(), nope, &err), BERTH_ENOTFOUND);
        snprintf(want, sizeof(want), "cannot inspect container '%s': no such container", nope);
        ck_assert_str_eq(err.msg, want);
        docker_container_info_release(&info);
        ck_assert_int_eq(
            docker_container_wait(&w, bt_client(), nope, DOCKER_WAIT_NOT_RUNNING, 0, NULL, &err),
            BERTH_ENOTFOUND);
        docker_output_init(&out, 0);
        ck_assert_int_eq(
            docker_container_logs(bt_client(), nope, NULL, docker_output_collect, &out, &err),
            BERTH_ENOTFOUND);
        snprintf(want, sizeof(want), "cannot read logs of container '%s': no such container", nope);
        ck_assert_str_eq(err.msg, want);
        /* the same from the log stream itself (no inspect first) */
        docker_logs_options_init(&o);
        o.tty = DOCKER_TTY_NO;
        ck_assert_int_eq(
            docker_container_logs(bt_client(), nope, &o, docker_output_collect, &out, &err),
            BERTH_ENOTFOUND);
        ck_assert_str_eq(err.msg, want);
        ck_assert_str_eq(docker_output_stdout(&out), "");
        docker_output_release(&out);
}
END_TEST

START_TEST(missing_image_is_not_found_by_name)
{
        struct docker_container_spec s;
        struct berth_err err;
        char *id = NULL, want[512];

        base_spec(&s, "noimage", NULL);
        s.image = "berthtest-no-such-image:0";
        ck_assert_int_eq(docker_container_create(&id, bt_client(), &s, &err), BERTH_ENOTFOUND);
        ck_assert_ptr_null(id);
        snprintf(want, sizeof(want),
                 "cannot create container '%s': no such image 'berthtest-no-such-image:0'", s.name);
        ck_assert_msg(strstr(err.msg, want) == err.msg, "%s", err.msg);
}
END_TEST

START_TEST(name_conflict_names_the_name)
{
        struct docker_container_spec s;
        struct berth_err err;
        char *first, *second = NULL, want[512];

        base_spec(&s, "conflict", "true");
        first = must_create(&s, 0);
        ck_assert_int_eq(docker_container_create(&second, bt_client(), &s, &err), BERTH_ECONFLICT);
        ck_assert_ptr_null(second);
        snprintf(want, sizeof(want),
                 "cannot create container '%s': the name '%s' is already in use by container "
                 "%.12s",
                 s.name, s.name, first);
        ck_assert_str_eq(err.msg, want);
        ck_assert_int_eq(err.http_status, 409);
        ck_assert_msg(strstr(err.engine_msg, "already in use"), "%s", err.engine_msg);
        free(first);
}
END_TEST

START_TEST(bad_spec_is_refused_before_the_engine)
{
        static const struct docker_port_binding bad[] = {{0, NULL, NULL, 0}};
        struct docker_container_spec s;
        struct docker_call_stats before, after;
        struct berth_err err;
        char *id = NULL;

        base_spec(&s, "badspec", "true");
        s.ports = bad;
        s.n_ports = 1;
        docker_client_stats(bt_client(), &before);
        ck_assert_int_eq(docker_container_create(&id, bt_client(), &s, &err), BERTH_EINVALID);
        docker_client_stats(bt_client(), &after);
        ck_assert_uint_eq(after.total, before.total);
        ck_assert_msg(strstr(err.msg, "ports[0]: port 0 is out of range"), "%s", err.msg);
}
END_TEST

START_TEST(kill_with_signal_sets_exit_code)
{
        struct docker_container_spec s;
        struct docker_container_info info;
        struct berth_err err;

        base_spec(&s, "kill", "trap 'exit 42' HUP; echo ready; while true; do sleep 0.1; done");
        free(must_create(&s, 1));
        ck_assert_msg(docker_container_kill(bt_client(), s.name, "SIGHUP", &err) == 0, "%s",
                      err.msg);
        ck_assert_int_eq(must_wait(s.name), 42);
        must_inspect(&info, s.name);
        ck_assert_int_eq(info.state.running, 0);
        ck_assert_int_eq(info.state.exit_code, 42);
        ck_assert_str_ne(info.state.finished_at, "0001-01-01T00:00:00Z");
        docker_container_info_release(&info);
        /* not running any more: a conflict */
        ck_assert_int_eq(docker_container_kill(bt_client(), s.name, NULL, &err), BERTH_ECONFLICT);
        ck_assert_msg(strstr(err.msg, "cannot kill container '") == err.msg, "%s", err.msg);
        /* default signal: SIGKILL */
        ck_assert_msg(docker_container_start(bt_client(), s.name, &err) == 0, "%s", err.msg);
        ck_assert_msg(docker_container_kill(bt_client(), s.name, NULL, &err) == 0, "%s", err.msg);
        ck_assert_int_eq(must_wait(s.name), 137);
}
END_TEST

START_TEST(wait_returns_exit_code_and_times_out)
{
        struct docker_container_spec s;
        struct docker_wait_result w;
        struct berth_err err;
        double t0;

        base_spec(&s, "wait7", "sleep 0.3; exit 7");
        free(must_create(&s, 1));
        ck_assert_int_eq(must_wait(s.name), 7);

        base_spec(&s, "waitlong", "sleep 3600");
        free(must_create(&s, 1));
        t0 = now_s();
        ck_assert_int_eq(docker_container_wait(&w, bt_client(), s.name, DOCKER_WAIT_NOT_RUNNING,
                                               1000, NULL, &err),
                         BERTH_ETIMEOUT);
        ck_assert_msg(now_s() - t0 < 5, "the timeout took %.1f s", now_s() - t0);
        ck_assert_msg(strstr(err.msg, "cannot wait for container '") == err.msg, "%s", err.msg);
}
END_TEST

START_TEST(rename_moves_the_name)
{
        struct docker_container_spec s, other;
        struct docker_container_info info;
        struct berth_err err;
        char old[128], new_name[128], taken[128], want[512];
        char *id;

        base_spec(&s, "rename-old", "true");
        snprintf(old, sizeof(old), "%s", s.name);
        snprintf(new_name, sizeof(new_name), "%s", bt_name("rename-new"));
        id = must_create(&s, 0);
        ck_assert_msg(docker_container_rename(bt_client(), old, new_name, &err) == 0, "%s",
                      err.msg);
        must_inspect(&info, new_name);
        ck_assert_str_eq(info.id, id);
        ck_assert_str_eq(info.name, new_name);
        docker_container_info_release(&info);
        ck_assert_int_eq(docker_container_inspect(&info, bt_client(), old, &err), BERTH_ENOTFOUND);
        docker_container_info_release(&info);

        base_spec(&other, "rename-taken", "true");
        snprintf(taken, sizeof(taken), "%s", other.name);
        free(must_create(&other, 0));
        ck_assert_int_eq(docker_container_rename(bt_client(), new_name, taken, &err),
                         BERTH_ECONFLICT);
        snprintf(want, sizeof(want),
                 "cannot rename container '%s' to '%s': the name is already in use", new_name,
                 taken);
        ck_assert_msg(strstr(err.msg, want) == err.msg, "%s", err.msg);
        free(id);
}
END_TEST

START_TEST(restart_starts_it_again)
{
        struct docker_container_spec s;
        struct docker_container_info info;
        struct berth_err err;
        char started[64];

        base_spec(&s, "restart", "sleep 3600");
        free(must_create(&s, 1));
        must_inspect(&info, s.name);
        snprintf(started, sizeof(started), "%s", info.state.started_at);
        docker_container_info_release(&info);
        ck_assert_msg(docker_container_restart(bt_client(), s.name, 1, &err) == 0, "%s", err.msg);
        must_inspect(&info, s.name);
        ck_assert_int_eq(info.state.running, 1);
        ck_assert_str_ne(info.state.started_at, started);
        docker_container_info_release(&info);
}
END_TEST

START_TEST(list_finds_exactly_this_cases_containers)
{
        static const struct docker_port_binding pub[] = {{8080, "tcp", "127.0.0.1", 0}};
        static const char *run_filter[3];
        struct docker_container_spec s;
        struct docker_container_list list;
        struct berth_err err;
        const char *names[3];
        char case_label[64], case_filter[96], bufs[3][128];
        int seen[3] = {0, 0, 0};
        size_t i, k;

        /* a label only this test uses */
        snprintf(case_label, sizeof(case_label), "list-%ld", (long)getpid());
        snprintf(case_filter, sizeof(case_filter), "bt.case=%s", case_label);

        base_spec(&s, "list-running", "httpd -f -p 8080");
        labels[1].value = case_label;
        s.ports = pub;
        s.n_ports = 1;
        free(must_create(&s, 1));
        snprintf(bufs[0], sizeof(bufs[0]), "%s", s.name);

        base_spec(&s, "list-created", "true");
        labels[1].value = case_label;
        free(must_create(&s, 0));
        snprintf(bufs[1], sizeof(bufs[1]), "%s", s.name);

        base_spec(&s, "list-exited", "exit 3");
        labels[1].value = case_label;
        free(must_create(&s, 1));
        snprintf(bufs[2], sizeof(bufs[2]), "%s", s.name);
        ck_assert_int_eq(must_wait(s.name), 3);

        /* one more with the run label but not the case's: not listed */
        base_spec(&s, "list-other", "true");
        free(must_create(&s, 0));
        for (i = 0; i < 3; i++)
                names[i] = bufs[i];

        run_filter[0] = bt_label_filter();
        run_filter[1] = case_filter;
        run_filter[2] = NULL;
        ck_assert_msg(docker_container_list(&list, bt_client(), run_filter, &err) == 0, "%s",
                      err.msg);
        ck_assert_uint_eq(list.count, 3);
        for (i = 0; i < list.count; i++) {
                const struct docker_container_summary *c = &list.items[i];

                ck_assert_uint_eq(c->n_names, 1);
                ck_assert_uint_eq(strlen(c->id), 64);
                ck_assert_str_eq(c->image, bt_image());
                ck_assert_msg(!strncmp(c->image_id, "sha256:", 7), "%s", c->image_id);
                ck_assert_int_gt(c->created, 0);
                ck_assert_str_eq(docker_kv_get(c->labels, c->n_labels, "bt.case"), case_label);
                for (k = 0; k < 3; k++)
                        if (!strcmp(c->names[0], names[k]))
                                seen[k]++;
                if (!strcmp(c->names[0], names[0])) {
                        ck_assert_str_eq(c->state, "running");
                        ck_assert_msg(!strncmp(c->status, "Up ", 3), "%s", c->status);
                        ck_assert_uint_ge(c->n_ports, 1);
                        ck_assert_uint_eq(c->ports[0].private_port, 8080);
                        ck_assert_uint_gt(c->ports[0].public_port, 0);
                        ck_assert_str_eq(c->ports[0].type, "tcp");
                } else if (!strcmp(c->names[0], names[1])) {
                        ck_assert_str_eq(c->state, "created");
                } else {
                        ck_assert_str_eq(c->state, "exited");
                        ck_assert_msg(strstr(c->status, "Exited (3)"), "%s", c->status);
                }
        }
        ck_assert_int_eq(seen[0] + seen[1] * 10 + seen[2] * 100, 111);
        docker_container_list_release(&list);

        /* the run's label alone finds the other one too */
        run_filter[1] = NULL;
        ck_assert_msg(docker_container_list(&list, bt_client(), run_filter, &err) == 0, "%s",
                      err.msg);
        ck_assert_uint_ge(list.count, 4);
        docker_container_list_release(&list);
}
END_TEST

START_TEST(healthcheck_becomes_healthy)
{
        static const char *const test[] = {"CMD", "true", NULL};
        struct docker_container_spec s;
        struct docker_container_info info;
        int i, healthy = 0;

        base_spec(&s, "health", "sleep 3600");
        s.healthcheck.test = test;
        s.healthcheck.interval_ns = 1000000000LL;
        s.healthcheck.retries = 3;
        free(must_create(&s, 1));
        for (i = 0; i < 60 && !healthy; i++) {
                must_inspect(&info, s.name);
                ck_assert_int_eq(info.state.has_health, 1);
                ck_assert_msg(!strcmp(info.state.health, "starting") ||
                                  !strcmp(info.state.health, "healthy"),
                              "health '%s'", info.state.health);
                healthy = !strcmp(info.state.health, "healthy");
                if (healthy) {
                        ck_assert_int_eq(info.state.failing_streak, 0);
                        ck_assert_uint_ge(info.state.n_health_log, 1);
                        ck_assert_int_eq(info.state.health_log[0].exit_code, 0);
                        ck_assert_str_ne(info.state.health_log[0].start, "");
                }
                docker_container_info_release(&info);
                if (!healthy)
                        sleep_ms(250);
        }
        ck_assert_msg(healthy, "not healthy after 15 s");

        /* no healthcheck: no health */
        base_spec(&s, "nohealth", "sleep 3600");
        free(must_create(&s, 1));
        must_inspect(&info, s.name);
        ck_assert_int_eq(info.state.has_health, 0);
        ck_assert_str_eq(info.state.health, "");
        docker_container_info_release(&info);
}
END_TEST

/* ---- logs ------------------------------------------------------------- */

START_TEST(logs_come_back_separated)
{
        struct docker_container_spec s;
        struct docker_logs_options o;
        struct docker_output out;

        base_spec(&s, "logs", "echo out; echo err >&2; sleep 0.5; echo out2");
        free(must_create(&s, 1));
        ck_assert_int_eq(must_wait(s.name), 0);

        /* TTY asked of the engine */
        must_logs(&out, s.name, NULL);
        ck_assert_str_eq(docker_output_stdout(&out), "out\nout2\n");
        ck_assert_str_eq(docker_output_stderr(&out), "err\n");
        docker_output_release(&out);

        /* stderr only, TTY said */
        docker_logs_options_init(&o);
        o.flags = DOCKER_LOGS_STDERR;
        o.tty = DOCKER_TTY_NO;
        must_logs(&out, s.name, &o);
        ck_assert_str_eq(docker_output_stdout(&out), "");
        ck_assert_str_eq(docker_output_stderr(&out), "err\n");
        docker_output_release(&out);

        /* the last line of stdout, with a time stamp */
        o.flags = DOCKER_LOGS_STDOUT | DOCKER_LOGS_TIMESTAMPS;
        o.tail = 1;
        must_logs(&out, s.name, &o);
        ck_assert_msg(strlen(docker_output_stdout(&out)) > 20 &&
                          docker_output_stdout(&out)[4] == '-' &&
                          strstr(docker_output_stdout(&out), "Z out2\n"),
                      "'%s'", docker_output_stdout(&out));
        ck_assert_ptr_null(strstr(docker_output_stdout(&out), " out\n"));
        docker_output_release(&out);
}
END_TEST

START_TEST(tty_logs_are_raw)
{
        struct docker_container_spec s;
        struct docker_logs_options o;
        struct docker_output out;
        struct berth_err err;

        base_spec(&s, "ttylogs", "echo out; echo err >&2");
        s.tty = 1;
        free(must_create(&s, 1));
        ck_assert_int_eq(must_wait(s.name), 0);
        must_logs(&out, s.name, NULL);
        ck_assert_str_eq(docker_output_stdout(&out), "out\r\nerr\r\n");
        ck_assert_str_eq(docker_output_stderr(&out), "");
        docker_output_release(&out);

        /* told wrongly that it has no TTY: the framing check catches it */
        docker_logs_options_init(&o);
        o.tty = DOCKER_TTY_NO;
        docker_output_init(&out, 0);
        ck_assert_int_eq(
            docker_container_logs(bt_client(), s.name, &o, docker_output_collect, &out, &err),
            BERTH_EPROTO);
        ck_assert_msg(strstr(err.msg, "cannot read logs of container '") == err.msg &&
                          strstr(err.msg, "TTY"),
                      "%s", err.msg);
        docker_output_release(&out);
}
END_TEST

START_TEST(logs_follow_to_the_end)
{
        struct docker_container_spec s;
        struct docker_logs_options o;
        struct docker_output out;
        struct berth_err err;
        double t0;

        base_spec(&s, "follow-end", "echo a; sleep 1.5; echo b >&2; sleep 0.5; echo c");
        free(must_create(&s, 1));
        docker_logs_options_init(&o);
        o.flags = DOCKER_LOGS_FOLLOW;
        docker_output_init(&out, 0);
        t0 = now_s();
        ck_assert_msg(
            docker_container_logs(bt_client(), s.name, &o, docker_output_collect, &out, &err) == 0,
            "%s", err.msg);
        ck_assert_msg(now_s() - t0 > 1.0, "follow returned after %.2f s", now_s() - t0);
        ck_assert_str_eq(docker_output_stdout(&out), "a\nc\n");
        ck_assert_str_eq(docker_output_stderr(&out), "b\n");
        docker_output_release(&out);
}
END_TEST

struct canceller {
        atomic_int *flag;
        long after_ms;
};

static void *cancel_later(void *arg)
{
        struct canceller *c = arg;

        sleep_ms(c->after_ms);
        atomic_store(c->flag, 1);
        return NULL;
}

START_TEST(logs_follow_is_cancelled)
{
        struct docker_container_spec s;
        struct docker_logs_options o;
        struct docker_output out;
        struct berth_err err;
        atomic_int cancel = 0;
        struct canceller cl = {&cancel, 1500};
        pthread_t th;
        double t0, took;

        base_spec(&s, "follow-cancel",
                  "i=0; while true; do echo line$i; i=$((i+1)); sleep 0.2; done");
        free(must_create(&s, 1));
        docker_logs_options_init(&o);
        o.flags = DOCKER_LOGS_FOLLOW;
        o.cancel = &cancel;
        docker_output_init(&out, 0);
        ck_assert_int_eq(pthread_create(&th, NULL, cancel_later, &cl), 0);
        t0 = now_s();
        ck_assert_int_eq(
            docker_container_logs(bt_client(), s.name, &o, docker_output_collect, &out, &err),
            BERTH_ECANCELLED);
        took = now_s() - t0;
        pthread_join(th, NULL);
        ck_assert_msg(took >= 1.4 && took < 5, "cancel took %.2f s", took);
        ck_assert_msg(strstr(docker_output_stdout(&out), "line0\nline1\nline2\n") ==
                          docker_output_stdout(&out),
                      "'%s'", docker_output_stdout(&out));
        docker_output_release(&out);
}
END_TEST

static Suite *container_suite(void)
{
        Suite *s = suite_create("container");
        TCase *tc = tcase_create("spec");

        bt_tcase_engine(tc);
        tcase_add_test(tc, every_field_is_reported_by_inspect);
        tcase_add_test(tc, bad_spec_is_refused_before_the_engine);
        suite_add_tcase(s, tc);

        tc = tcase_create("lifecycle");
        bt_tcase_engine(tc);
        tcase_add_test(tc, start_twice_and_stop_twice_succeed);
        tcase_add_test(tc, missing_container_is_not_found_by_name);
        tcase_add_test(tc, missing_image_is_not_found_by_name);
        tcase_add_test(tc, name_conflict_names_the_name);
        tcase_add_test(tc, kill_with_signal_sets_exit_code);
        tcase_add_test(tc, wait_returns_exit_code_and_times_out);
        tcase_add_test(tc, rename_moves_the_name);
        tcase_add_test(tc, restart_starts_it_again);
        tcase_add_test(tc, list_finds_exactly_this_cases_containers);
        tcase_add_test(tc, healthcheck_becomes_healthy);
        suite_add_tcase(s, tc);

        tc = tcase_create("logs");
        bt_tcase_engine(tc);
        tcase_add_test(tc, logs_come_back_separated);
        tcase_add_test(tc, tty_logs_are_raw);
        tcase_add_test(tc, logs_follow_to_the_end);
        tcase_add_test(tc, logs_follow_is_cancelled);
        suite_add_tcase(s, tc);
        return s;
}

int main(void)
{
        return bt_engine_main(container_suite());
}
