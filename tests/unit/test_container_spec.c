/* Unit tests of docker_container_spec_to_json() (docker/container.h): the
 * create body for every field of the spec, unset versus empty, port and
 * mount forms, and the messages for unusable specs. */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "berth_test.h"
#include "docker/container.h"

/* spec → JSON must equal the expected text (compared as JSON values). */
static void check_json(const struct docker_container_spec *spec, const char *expect_text)
{
        struct berth_err err;
        json_error_t jerr;
        json_t *got = NULL, *expect = json_loads(expect_text, 0, &jerr);
        char *got_text, *expect_dump;

        ck_assert_msg(expect != NULL, "bad expected JSON: %s at %d", jerr.text, jerr.position);
        ck_assert_msg(docker_container_spec_to_json(&got, spec, &err) == 0, "%s", err.msg);
        got_text = json_dumps(got, JSON_SORT_KEYS | JSON_INDENT(1));
        expect_dump = json_dumps(expect, JSON_SORT_KEYS | JSON_INDENT(1));
        ck_assert_msg(json_equal(got, expect), "got:\n%s\nexpected:\n%s", got_text, expect_dump);
        free(got_text);
        free(expect_dump);
        json_decref(got);
        json_decref(expect);
}

/* The parts every body has, with the engine's defaults spelt out. */
#define HOST_DEFAULTS                                                                              \
        "\"RestartPolicy\": {\"Name\": \"no\", \"MaximumRetryCount\": 0},"                         \
        "\"Privileged\": false, \"ReadonlyRootfs\": false, \"Mounts\": [],"                        \
        "\"PortBindings\": {}"

START_TEST(test_minimal)
{
        struct docker_container_spec s;

        docker_container_spec_init(&s);
        s.image = "busybox:1";
        check_json(&s, "{\"Image\": \"busybox:1\", \"Labels\": {}, \"Tty\": false,"
                       " \"OpenStdin\": false, \"ExposedPorts\": {},"
                       " \"HostConfig\": {" HOST_DEFAULTS "}}");
}
END_TEST

/* cmd/entrypoint: NULL leaves the image's, an empty list clears it. */
START_TEST(test_unset_versus_empty)
{
        static const char *const empty[] = {NULL};
        static const char *const cmd[] = {"sh", "-c", "echo hi", NULL};
        struct docker_container_spec s;

        docker_container_spec_init(&s);
        s.image = "busybox:1";
        s.entrypoint = empty;
        s.cmd = cmd;
        check_json(&s, "{\"Image\": \"busybox:1\", \"Entrypoint\": [],"
                       " \"Cmd\": [\"sh\", \"-c\", \"echo hi\"],"
                       " \"Labels\": {}, \"Tty\": false, \"OpenStdin\": false,"
                       " \"ExposedPorts\": {}, \"HostConfig\": {" HOST_DEFAULTS "}}");
        s.entrypoint = NULL;
        s.cmd = empty;
        check_json(&s, "{\"Image\": \"busybox:1\", \"Cmd\": [],"
                       " \"Labels\": {}, \"Tty\": false, \"OpenStdin\": false,"
                       " \"ExposedPorts\": {}, \"HostConfig\": {" HOST_DEFAULTS "}}");
}
END_TEST

/* Every field set at once, against the body written out by hand from the
 * Engine API reference. */
START_TEST(test_every_field)
{
        static const char *const cmd[] = {"httpd", "-f", NULL};
        static const char *const entrypoint[] = {"/bin/entry", "--x", NULL};
        static const char *const env[] = {"A=1", "EMPTY=", NULL};
        static const struct docker_kv labels[] = {{"app", "web"}, {"berth.scope", "default"}};
        static const struct docker_port exposed[] = {{9000, NULL}, {53, "udp"}};
        static const struct docker_port_binding ports[] = {
            {80, "tcp", "127.0.0.1", 8080},
            {80, NULL, "::1", 8080},
            {443, NULL, NULL, 0},
            {5353, "udp", "", 5353},
        };
        static const struct docker_mount mounts[] = {
            {.type = DOCKER_MOUNT_BIND,
             .source = "/srv/a",
             .target = "/a",
             .read_only = 1,
             .propagation = "rshared"},
            {.type = DOCKER_MOUNT_BIND, .source = "/srv/b", .target = "/b", .create_host_path = 1},
            {.type = DOCKER_MOUNT_BIND,
             .source = "/srv/c",
             .target = "/c",
             .create_host_path = 1,
             .read_only = 1,
             .propagation = "slave"},
            {.type = DOCKER_MOUNT_VOLUME, .source = "data", .target = "/data", .no_copy = 1},
            {.type = DOCKER_MOUNT_VOLUME, .target = "/anon"},
            {.type = DOCKER_MOUNT_TMPFS,
             .target = "/scratch",
             .tmpfs_size = 1 << 20,
             .tmpfs_mode = 01777},
        };
        static const struct docker_kv tmpfs[] = {{"/run", "size=64m"}, {"/tmp", ""}};
        static const char *const aliases[] = {"web", "www", NULL};
        static const char *const test[] = {"CMD-SHELL", "wget -q localhost", NULL};
        static const struct docker_kv log_opts[] = {{"max-size", "1m"}, {"max-file", "2"}};
        static const char *const cap_add[] = {"NET_ADMIN", NULL};
        static const char *const cap_drop[] = {"ALL", NULL};
        static const char *const extra_hosts[] = {"db:10.0.0.5", NULL};
        static const char *const dns[] = {"1.1.1.1", NULL};
        static const char *const dns_search[] = {"example.org", NULL};
        static const char *const dns_opt[] = {"ndots:2", NULL};
        static const struct docker_ulimit ulimits[] = {{"nofile", 1024, 2048}};
        static const struct docker_kv sysctls[] = {{"net.core.somaxconn", "1024"}};
        static const char *const security_opt[] = {"no-new-privileges", NULL};
        struct docker_container_spec s;

        docker_container_spec_init(&s);
        s.name = "shop-web-1";
        s.image = "shop/web:2";
        s.cmd = cmd;
        s.entrypoint = entrypoint;
        s.env = env;
        s.labels = labels;
        s.n_labels = 2;
        s.exposed = exposed;
        s.n_exposed = 2;
        s.ports = ports;
        s.n_ports = 4;
        s.mounts = mounts;
        s.n_mounts = 6;
        s.tmpfs = tmpfs;
        s.n_tmpfs = 2;
        s.network = "shop_default";
        s.aliases = aliases;
        s.restart = DOCKER_RESTART_ON_FAILURE;
        s.restart_max_retries = 5;
        s.healthcheck.test = test;
        s.healthcheck.interval_ns = 1000000000LL;
        s.healthcheck.timeout_ns = 2000000000LL;
        s.healthcheck.start_period_ns = 3000000000LL;
        s.healthcheck.retries = 4;
        s.memory = 64LL << 20;
        s.memory_reservation = 32LL << 20;
        s.nano_cpus = 500000000LL;
        s.pids_limit = 100;
        s.shm_size = 128LL << 20;
        s.log_driver = "json-file";
        s.log_opts = log_opts;
        s.n_log_opts = 2;
        s.user = "1000:1000";
        s.workdir = "/srv";
        s.hostname = "web1";
        s.domainname = "example.org";
        s.stop_signal = "SIGQUIT";
        s.stop_timeout = 0;
        s.cap_add = cap_add;
        s.cap_drop = cap_drop;
        s.privileged = 1;
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
        check_json(&s, "{\"Image\": \"shop/web:2\","
                       " \"Cmd\": [\"httpd\", \"-f\"],"
                       " \"Entrypoint\": [\"/bin/entry\", \"--x\"],"
                       " \"Env\": [\"A=1\", \"EMPTY=\"],"
                       " \"Labels\": {\"app\": \"web\", \"berth.scope\": \"default\"},"
                       " \"User\": \"1000:1000\", \"WorkingDir\": \"/srv\","
                       " \"Hostname\": \"web1\", \"Domainname\": \"example.org\","
                       " \"StopSignal\": \"SIGQUIT\", \"StopTimeout\": 0,"
                       " \"Tty\": true, \"OpenStdin\": true,"
                       " \"Healthcheck\": {\"Test\": [\"CMD-SHELL\", \"wget -q localhost\"],"
                       "   \"Interval\": 1000000000, \"Timeout\": 2000000000,"
                       "   \"StartPeriod\": 3000000000, \"Retries\": 4},"
                       " \"ExposedPorts\": {\"9000/tcp\": {}, \"53/udp\": {}, \"80/tcp\": {},"
                       "   \"443/tcp\": {}, \"5353/udp\": {}},"
                       " \"NetworkingConfig\": {\"EndpointsConfig\": {\"shop_default\":"
                       "   {\"Aliases\": [\"web\", \"www\"]}}},"
                       " \"HostConfig\": {"
                       "  \"PortBindings\": {"
                       "   \"80/tcp\": [{\"HostIp\": \"127.0.0.1\", \"HostPort\": \"8080\"},"
                       "                {\"HostIp\": \"::1\", \"HostPort\": \"8080\"}],"
                       "   \"443/tcp\": [{\"HostIp\": \"\", \"HostPort\": \"\"}],"
                       "   \"5353/udp\": [{\"HostIp\": \"\", \"HostPort\": \"5353\"}]},"
                       "  \"Mounts\": ["
                       "   {\"Type\": \"bind\", \"Source\": \"/srv/a\", \"Target\": \"/a\","
                       "    \"ReadOnly\": true, \"BindOptions\": {\"Propagation\": \"rshared\"}},"
                       "   {\"Type\": \"volume\", \"Source\": \"data\", \"Target\": \"/data\","
                       "    \"VolumeOptions\": {\"NoCopy\": true}},"
                       "   {\"Type\": \"volume\", \"Target\": \"/anon\"},"
                       "   {\"Type\": \"tmpfs\", \"Target\": \"/scratch\","
                       "    \"TmpfsOptions\": {\"SizeBytes\": 1048576, \"Mode\": 1023}}],"
                       "  \"Binds\": [\"/srv/b:/b\", \"/srv/c:/c:ro,slave\"],"
                       "  \"Tmpfs\": {\"/run\": \"size=64m\", \"/tmp\": \"\"},"
                       "  \"NetworkMode\": \"shop_default\","
                       "  \"RestartPolicy\": {\"Name\": \"on-failure\", \"MaximumRetryCount\": 5},"
                       "  \"Memory\": 67108864, \"MemoryReservation\": 33554432,"
                       "  \"NanoCpus\": 500000000, \"PidsLimit\": 100, \"ShmSize\": 134217728,"
                       "  \"LogConfig\": {\"Type\": \"json-file\","
                       "   \"Config\": {\"max-size\": \"1m\", \"max-file\": \"2\"}},"
                       "  \"CapAdd\": [\"NET_ADMIN\"], \"CapDrop\": [\"ALL\"],"
                       "  \"Privileged\": true, \"ReadonlyRootfs\": true, \"Init\": true,"
                       "  \"ExtraHosts\": [\"db:10.0.0.5\"], \"Dns\": [\"1.1.1.1\"],"
                       "  \"DnsSearch\": [\"example.org\"], \"DnsOptions\": [\"ndots:2\"],"
                       "  \"Ulimits\": [{\"Name\": \"nofile\", \"Soft\": 1024, \"Hard\": 2048}],"
                       "  \"Sysctls\": {\"net.core.somaxconn\": \"1024\"},"
                       "  \"SecurityOpt\": [\"no-new-privileges\"]}}");
}
END_TEST

/* A network mode of its own beside the network; healthcheck off; restart
 * policies without retries ignore the count; init off is sent; pids -1. */
START_TEST(test_modes_and_switches)
{
        static const char *const none[] = {"NONE", NULL};
        struct docker_container_spec s;

        docker_container_spec_init(&s);
        s.image = "i";
        s.network_mode = "host";
        s.healthcheck.test = none;
        s.restart = DOCKER_RESTART_UNLESS_STOPPED;
        s.restart_max_retries = 3;
        s.init = 0;
        s.pids_limit = -1;
        check_json(&s, "{\"Image\": \"i\", \"Labels\": {}, \"Tty\": false,"
                       " \"OpenStdin\": false, \"ExposedPorts\": {},"
                       " \"Healthcheck\": {\"Test\": [\"NONE\"]},"
                       " \"HostConfig\": {"
                       "  \"RestartPolicy\": {\"Name\": \"unless-stopped\","
                       "   \"MaximumRetryCount\": 0},"
                       "  \"Privileged\": false, \"ReadonlyRootfs\": false, \"Mounts\": [],"
                       "  \"PortBindings\": {}, \"NetworkMode\": \"host\", \"Init\": false,"
                       "  \"PidsLimit\": -1}}");
        s.restart = DOCKER_RESTART_ALWAYS;
        s.healthcheck.test = NULL;
        s.healthcheck.retries = 2; /* only retries: the image's test, 2 retries */
        s.network_mode = NULL;
        s.init = -1;
        s.pids_limit = 0;
        check_json(&s, "{\"Image\": \"i\", \"Labels\": {}, \"Tty\": false,"
                       " \"OpenStdin\": false, \"ExposedPorts\": {},"
                       " \"Healthcheck\": {\"Retries\": 2},"
                       " \"HostConfig\": {"
                       "  \"RestartPolicy\": {\"Name\": \"always\", \"MaximumRetryCount\": 0},"
                       "  \"Privileged\": false, \"ReadonlyRootfs\": false, \"Mounts\": [],"
                       "  \"PortBindings\": {}}}");
}
END_TEST

/* Namespaces by name, devices with their defaults filled in; unset ones
 * are left out (test_minimal). */
START_TEST(test_namespaces_and_devices)
{
        static const struct docker_device devices[] = {
            {"/dev/fuse", NULL, NULL},
            {"/dev/null", "/dev/berthnull", "r"},
            {"/dev/zero", "", "rw"},
        };
        struct docker_container_spec s;

        docker_container_spec_init(&s);
        s.image = "i";
        s.pid_mode = "host";
        s.ipc_mode = "shareable";
        s.userns_mode = "host";
        s.devices = devices;
        s.n_devices = 3;
        check_json(&s, "{\"Image\": \"i\", \"Labels\": {}, \"Tty\": false,"
                       " \"OpenStdin\": false, \"ExposedPorts\": {},"
                       " \"HostConfig\": {" HOST_DEFAULTS ","
                       "  \"PidMode\": \"host\", \"IpcMode\": \"shareable\","
                       "  \"UsernsMode\": \"host\","
                       "  \"Devices\": ["
                       "   {\"PathOnHost\": \"/dev/fuse\", \"PathInContainer\": \"/dev/fuse\","
                       "    \"CgroupPermissions\": \"rwm\"},"
                       "   {\"PathOnHost\": \"/dev/null\", \"PathInContainer\": \"/dev/berthnull\","
                       "    \"CgroupPermissions\": \"r\"},"
                       "   {\"PathOnHost\": \"/dev/zero\", \"PathInContainer\": \"/dev/zero\","
                       "    \"CgroupPermissions\": \"rw\"}]}}");
        s.pid_mode = s.userns_mode = NULL;
        s.ipc_mode = "none";
        s.n_devices = 0;
        check_json(&s, "{\"Image\": \"i\", \"Labels\": {}, \"Tty\": false,"
                       " \"OpenStdin\": false, \"ExposedPorts\": {},"
                       " \"HostConfig\": {" HOST_DEFAULTS ", \"IpcMode\": \"none\"}}");
}
END_TEST

/* Unusable specs: EINVALID, the container named first, the field said. */
struct invalid_case {
        const char *what;
        void (*apply)(struct docker_container_spec *s);
        const char *expect; /* part of the message */
};

static const char *const alias_list[] = {"a", NULL};
static const char *const empty_list[] = {NULL};
static const struct docker_port port0[] = {{0, NULL}};
static const struct docker_port_binding port_big[] = {{70000, NULL, NULL, 0}};
static const struct docker_port_binding host_big[] = {{80, NULL, NULL, 65536}};
static const struct docker_port_binding icmp[] = {{80, "icmp", NULL, 0}};
static const struct docker_mount relative[] = {{.type = DOCKER_MOUNT_VOLUME, .target = "data"}};
static const struct docker_mount no_source[] = {{.type = DOCKER_MOUNT_BIND, .target = "/x"}};
static const struct docker_kv no_key[] = {{"ok", "1"}, {NULL, "v"}};
static const struct docker_ulimit no_name[] = {{NULL, 1, 2}};
static const struct docker_device relative_device[] = {{"/dev/fuse", NULL, NULL},
                                                       {"/dev/null", "null", "r"}};
static const struct docker_device no_device[] = {{NULL, "/dev/x", NULL}};

static void no_image(struct docker_container_spec *s)
{
        s->image = NULL;
}
static void bad_exposed(struct docker_container_spec *s)
{
        s->exposed = port0;
        s->n_exposed = 1;
}
static void bad_port(struct docker_container_spec *s)
{
        s->ports = port_big;
        s->n_ports = 1;
}
static void bad_host_port(struct docker_container_spec *s)
{
        s->ports = host_big;
        s->n_ports = 1;
}
static void bad_proto(struct docker_container_spec *s)
{
        s->ports = icmp;
        s->n_ports = 1;
}
static void bad_target(struct docker_container_spec *s)
{
        s->mounts = relative;
        s->n_mounts = 1;
}
static void bad_bind(struct docker_container_spec *s)
{
        s->mounts = no_source;
        s->n_mounts = 1;
}
static void bad_aliases(struct docker_container_spec *s)
{
        s->aliases = alias_list;
}
static void bad_label(struct docker_container_spec *s)
{
        s->labels = no_key;
        s->n_labels = 2;
}
static void bad_ulimit(struct docker_container_spec *s)
{
        s->ulimits = no_name;
        s->n_ulimits = 1;
}
static void bad_health(struct docker_container_spec *s)
{
        s->healthcheck.test = empty_list;
}
static void bad_memory(struct docker_container_spec *s)
{
        s->memory = -1;
}
static void bad_stop_timeout(struct docker_container_spec *s)
{
        s->stop_timeout = -5;
}
static void bad_device(struct docker_container_spec *s)
{
        s->devices = relative_device;
        s->n_devices = 2;
}
static void bad_device_host(struct docker_container_spec *s)
{
        s->devices = no_device;
        s->n_devices = 1;
}

static const struct invalid_case invalid_cases[] = {
    {"no image", no_image, "image: no image given"},
    {"exposed port 0", bad_exposed, "exposed[0]: port 0 is out of range (1 to 65535)"},
    {"port 70000", bad_port, "ports[0]: port 70000 is out of range"},
    {"host port 65536", bad_host_port, "ports[80/tcp]: host port 65536 is out of range"},
    {"protocol icmp", bad_proto, "ports[0]: protocol 'icmp' is not tcp, udp or sctp"},
    {"relative target", bad_target, "mounts[0]: the target must be an absolute path"},
    {"bind without source", bad_bind, "mounts[0]: a bind mount needs a source path"},
    {"aliases without network", bad_aliases, "network: aliases need a network to join"},
    {"label without key", bad_label, "labels[1] has no key"},
    {"ulimit without name", bad_ulimit, "ulimits[0] has no name"},
    {"empty healthcheck test", bad_health, "healthcheck: empty test"},
    {"negative memory", bad_memory, "resources: negative memory"},
    {"negative stop timeout", bad_stop_timeout, "stop_timeout: negative stop timeout -5"},
    {"relative device path", bad_device, "devices[1]: the paths must be absolute"},
    {"device without host path", bad_device_host, "devices[0]: the paths must be absolute"},
};

START_TEST(test_invalid)
{
        const struct invalid_case *ic = &invalid_cases[_i];
        struct docker_container_spec s;
        struct berth_err err;
        json_t *out = (json_t *)&s; /* must come back NULL */

        docker_container_spec_init(&s);
        s.name = "web";
        s.image = "busybox";
        ic->apply(&s);
        berth_err_clear(&err);
        ck_assert_int_eq(docker_container_spec_to_json(&out, &s, &err), BERTH_EINVALID);
        ck_assert_ptr_null(out);
        ck_assert_int_eq(err.code, BERTH_EINVALID);
        ck_assert_msg(strstr(err.msg, "cannot create container 'web': ") == err.msg, "%s: '%s'",
                      ic->what, err.msg);
        ck_assert_msg(strstr(err.msg, ic->expect), "%s: '%s' lacks '%s'", ic->what, err.msg,
                      ic->expect);
}
END_TEST

START_TEST(test_helpers)
{
        static const struct docker_kv kv[] = {{"a", "1"}, {"b", "2"}};

        ck_assert_str_eq(docker_kv_get(kv, 2, "b"), "2");
        ck_assert_ptr_null(docker_kv_get(kv, 2, "c"));
        ck_assert_ptr_null(docker_kv_get(kv, 0, "a"));
        ck_assert_str_eq(docker_restart_name(DOCKER_RESTART_NO), "no");
        ck_assert_str_eq(docker_restart_name(DOCKER_RESTART_ALWAYS), "always");
        ck_assert_str_eq(docker_restart_name(DOCKER_RESTART_UNLESS_STOPPED), "unless-stopped");
        ck_assert_str_eq(docker_restart_name(DOCKER_RESTART_ON_FAILURE), "on-failure");
}
END_TEST

/* The typed view of an inspect answer as the engine wrote it (shortened
 * from one taken on the engine here). */
START_TEST(test_info_parse)
{
        static const char *answer =
            "{\"Id\": \"e9a1\", \"Name\": \"/shop-web-1\", \"Image\": \"sha256:92b2\","
            " \"Created\": \"2026-11-23T10:00:00Z\", \"RestartCount\": 2,"
            " \"State\": {\"Status\": \"running\", \"Running\": true, \"Paused\": false,"
            "  \"Restarting\": false, \"OOMKilled\": false, \"Dead\": false, \"Pid\": 10876,"
            "  \"ExitCode\": 0, \"Error\": \"\", \"StartedAt\": \"2026-11-23T10:00:01Z\","
            "  \"FinishedAt\": \"0001-01-01T00:00:00Z\","
            "  \"Health\": {\"Status\": \"healthy\", \"FailingStreak\": 0, \"Log\": ["
            "   {\"Start\": \"s1\", \"End\": \"e1\", \"ExitCode\": 1, \"Output\": \"no\"},"
            "   {\"Start\": \"s2\", \"End\": \"e2\", \"ExitCode\": 0, \"Output\": \"\"}]}},"
            " \"Config\": {\"Image\": \"shop/web:2\", \"Tty\": true,"
            "  \"Labels\": {\"z\": \"last\", \"a\": \"first\"}},"
            " \"NetworkSettings\": {\"Ports\": {\"80/tcp\": [{\"HostIp\": \"0.0.0.0\","
            "   \"HostPort\": \"32768\"}, {\"HostIp\": \"::\", \"HostPort\": \"32768\"}],"
            "   \"53/udp\": null},"
            "  \"Networks\": {\"shop_default\": {\"NetworkID\": \"n1\","
            "   \"IPAddress\": \"172.20.0.2\", \"IPPrefixLen\": 16, \"Gateway\": \"172.20.0.1\","
            "   \"MacAddress\": \"02:42\", \"Aliases\": [\"web\", \"e9a1\"]}}},"
            " \"Mounts\": [{\"Type\": \"volume\", \"Name\": \"data\", \"Source\": \"/v\","
            "  \"Destination\": \"/data\", \"Driver\": \"local\", \"Mode\": \"z\","
            "  \"RW\": true, \"Propagation\": \"\"}]}";
        struct docker_container_info info;
        struct berth_err err;

        ck_assert_int_eq(docker_container_info_parse(&info, json_loads(answer, 0, NULL), &err), 0);
        ck_assert_str_eq(info.id, "e9a1");
        ck_assert_str_eq(info.name, "shop-web-1");
        ck_assert_str_eq(info.image_id, "sha256:92b2");
        ck_assert_str_eq(info.config_image, "shop/web:2");
        ck_assert_int_eq(info.tty, 1);
        ck_assert_int_eq(info.restart_count, 2);
        ck_assert_str_eq(info.state.status, "running");
        ck_assert_int_eq(info.state.running, 1);
        ck_assert_int_eq(info.state.pid, 10876);
        ck_assert_int_eq(info.state.has_health, 1);
        ck_assert_str_eq(info.state.health, "healthy");
        ck_assert_uint_eq(info.state.n_health_log, 2);
        ck_assert_int_eq(info.state.health_log[0].exit_code, 1);
        ck_assert_str_eq(info.state.health_log[0].output, "no");
        ck_assert_uint_eq(info.n_labels, 2);
        ck_assert_str_eq(info.labels[0].key, "a"); /* sorted */
        ck_assert_str_eq(info.labels[1].value, "last");
        ck_assert_uint_eq(info.n_ports, 2);
        ck_assert_uint_eq(info.ports[0].container_port, 80);
        ck_assert_str_eq(info.ports[0].proto, "tcp");
        ck_assert_str_eq(info.ports[1].host_ip, "::");
        ck_assert_uint_eq(info.ports[1].host_port, 32768);
        ck_assert_uint_eq(info.n_networks, 1);
        ck_assert_str_eq(info.networks[0].network, "shop_default");
        ck_assert_int_eq(info.networks[0].ip_prefix_len, 16);
        ck_assert_uint_eq(info.networks[0].n_aliases, 2);
        ck_assert_str_eq(info.networks[0].aliases[0], "web");
        ck_assert_ptr_null(info.networks[0].aliases[2]);
        ck_assert_uint_eq(info.n_mounts, 1);
        ck_assert_str_eq(info.mounts[0].name, "data");
        ck_assert_int_eq(info.mounts[0].rw, 1);
        docker_container_info_release(&info);

        /* no health check, nothing published: empty, never NULL strings */
        ck_assert_int_eq(
            docker_container_info_parse(&info, json_loads("{\"Id\": \"x\"}", 0, NULL), &err), 0);
        ck_assert_str_eq(info.name, "");
        ck_assert_str_eq(info.state.health, "");
        ck_assert_int_eq(info.state.has_health, 0);
        ck_assert_uint_eq(info.n_ports + info.n_networks + info.n_mounts + info.n_labels, 0);
        docker_container_info_release(&info);

        ck_assert_int_eq(docker_container_info_parse(&info, json_loads("[]", 0, NULL), &err),
                         BERTH_EPROTO);
        docker_container_info_release(&info);
}
END_TEST

static Suite *spec_suite(void)
{
        Suite *s = suite_create("container_spec");
        TCase *tc = tcase_create("to_json");

        tcase_add_test(tc, test_minimal);
        tcase_add_test(tc, test_unset_versus_empty);
        tcase_add_test(tc, test_every_field);
        tcase_add_test(tc, test_modes_and_switches);
        tcase_add_test(tc, test_namespaces_and_devices);
        tcase_add_loop_test(tc, test_invalid, 0,
                            (int)(sizeof(invalid_cases) / sizeof(invalid_cases[0])));
        tcase_add_test(tc, test_helpers);
        suite_add_tcase(s, tc);
        tc = tcase_create("inspect");
        tcase_add_test(tc, test_info_parse);
        suite_add_tcase(s, tc);
        return s;
}

int main(void)
{
        return bt_unit_main(spec_suite());
}
