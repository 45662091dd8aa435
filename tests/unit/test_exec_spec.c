/* exec_spec_build (exec/spec.h): services loaded through manifest_load()
 * from tests/fixtures/exec-spec/ turned into a docker_container_spec, and
 * that spec as the create request docker_container_spec_to_json() sends,
 * one field group per test: command and entrypoint (unset, empty, set),
 * environment, user labels and berth's own (scope, project, service,
 * replica, config hash, applied spec redacted, source, revision, temp),
 * ports and exposed ports, mounts and tmpfs, networks (the first at create
 * by priority then name, the rest in connect with their aliases and
 * address, network_mode), healthcheck, restart, limits, the remaining
 * container and host settings, host namespaces and devices; then the
 * values it refuses. */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <jansson.h>

#include "berth_test.h"
#include "common/err.h"
#include "common/labels.h"
#include "exec/spec.h"
#include "manifest/diag.h"
#include "manifest/load.h"
#include "model/model.h"

#define FIXTURES BERTH_TEST_DATA "/fixtures/exec-spec"

static const char *const no_environment[] = {NULL};

static struct manifest_set set;
static const struct model_project *full;

/* Load fixture file (which must load without a problem); the project it
 * names.  Release with manifest_set_release(&set). */
static const struct model_project *load(const char *file, const char *project)
{
        struct manifest_load_opts opts = {.environ = no_environment,
                                          .policy = bt_policy_allow_all()};
        struct berth_err err;
        char root[4096];
        const struct model_project *p;
        char *problems;

        snprintf(root, sizeof(root), "%s/%s", FIXTURES, file);
        opts.root = root;
        berth_err_clear(&err);
        ck_assert_msg(manifest_load(&set, &opts, &err) == 0, "%s", err.msg);
        problems = diag_list_format(&set.diags);
        ck_assert_msg(set.diags.n == 0, "problems loading %s:\n%s", root, problems);
        free(problems);
        p = model_project_find(set.state, project);
        ck_assert_msg(p != NULL, "no project %s in %s", project, root);
        return p;
}

static void setup(void)
{
        full = load("full.yaml", "full");
}

static void teardown(void)
{
        manifest_set_release(&set);
        full = NULL;
}

static const struct exec_spec_meta unit_meta = {.scope = "unit"};

/* Replica 1 of service svc in full, named "full-<svc>-1". */
static struct exec_spec *build_meta(const char *svc, int replica, const struct exec_spec_meta *meta)
{
        const struct model_service *s = model_service_find(full, svc);
        struct exec_spec *es = NULL;
        struct berth_err err;
        char name[256];

        ck_assert_msg(s != NULL, "no service %s", svc);
        berth_err_clear(&err);
        ck_assert_msg(exec_spec_build(&es, full, s, replica,
                                      model_container_name(full, s, replica, name, sizeof(name)),
                                      meta, &err) == 0,
                      "%s", err.msg);
        ck_assert_ptr_nonnull(es);
        ck_assert_str_eq(es->spec.name, name);
        return es;
}

static struct exec_spec *build(const char *svc)
{
        return build_meta(svc, 1, &unit_meta);
}

/* The create request for es (a new reference). */
static json_t *request(const struct exec_spec *es)
{
        struct berth_err err;
        json_t *body = NULL;

        berth_err_clear(&err);
        ck_assert_msg(docker_container_spec_to_json(&body, &es->spec, &err) == 0, "%s", err.msg);
        return body;
}

static char *text_of(const json_t *j)
{
        return j ? json_dumps(j, JSON_ENCODE_ANY | JSON_COMPACT | JSON_SORT_KEYS)
                 : strdup("(absent)");
}

/* The request's value at path must equal want (JSON text). */
static void expect_json(json_t *body, const char *path, const char *want)
{
        json_error_t jerr;
        json_t *w = json_loads(want, JSON_DECODE_ANY, &jerr);
        json_t *got = bt_json_at(body, path);
        char *g;

        ck_assert_msg(w != NULL, "bad expected JSON for %s: %s", path, jerr.text);
        if (!json_equal(w, got)) {
                g = text_of(got);
                ck_abort_msg("request %s: got %s, want %s", path, g, want);
        }
        json_decref(w);
}

static void expect_absent(json_t *body, const char *path)
{
        json_t *got = bt_json_at(body, path);

        if (got)
                ck_abort_msg("request %s: got %s, want it absent", path, text_of(got));
}

/* A NULL-terminated list must be exactly want (n items). */
static void expect_strv(const char *field, const char *const *v, const char *const *want, size_t n)
{
        size_t i;

        ck_assert_msg(v != NULL, "%s: NULL, want %zu items", field, n);
        for (i = 0; i < n; i++) {
                ck_assert_msg(v[i] != NULL, "%s: ends after %zu items, want %zu", field, i, n);
                ck_assert_msg(!strcmp(v[i], want[i]), "%s[%zu]: got '%s', want '%s'", field, i,
                              v[i], want[i]);
        }
        ck_assert_msg(v[n] == NULL, "%s: more than %zu items ('%s')", field, n, v[n]);
}

#define EXPECT_STRV(field, v, ...)                                                                 \
        do {                                                                                       \
                static const char *const want_[] = {__VA_ARGS__};                                  \
                expect_strv(field, v, want_, sizeof(want_) / sizeof(want_[0]));                    \
        } while (0)

static const char *label(const struct exec_spec *es, const char *key)
{
        return docker_kv_get(es->spec.labels, es->spec.n_labels, key);
}

static void expect_label(const struct exec_spec *es, json_t *body, const char *key,
                         const char *want)
{
        const char *got = label(es, key);
        const char *sent = json_string_value(json_object_get(json_object_get(body, "Labels"), key));

        ck_assert_msg(got && !strcmp(got, want), "label %s: got '%s', want '%s'", key,
                      got ? got : "(none)", want);
        ck_assert_msg(sent && !strcmp(sent, want), "request label %s: got '%s', want '%s'", key,
                      sent ? sent : "(none)", want);
}

/* ---- command, entrypoint, environment ---------------------------------- */

START_TEST(command_entrypoint_environment)
{
        struct exec_spec *es = build("web");
        json_t *body = request(es);

        ck_assert_str_eq(es->spec.image, "example/web:1.0");
        EXPECT_STRV("cmd", es->spec.cmd, "serve", "--port", "80");
        EXPECT_STRV("entrypoint", es->spec.entrypoint, "/bin/entry.sh", "-x", "two words");
        /* sorted by key; a variable without a value is the name alone */
        EXPECT_STRV("env", es->spec.env, "API_TOKEN=s3cret-value", "EMPTY=", "LOG_LEVEL=debug",
                    "NO_VALUE");
        expect_json(body, "Image", "\"example/web:1.0\"");
        expect_json(body, "Cmd", "[\"serve\", \"--port\", \"80\"]");
        expect_json(body, "Entrypoint", "[\"/bin/entry.sh\", \"-x\", \"two words\"]");
        expect_json(body, "Env",
                    "[\"API_TOKEN=s3cret-value\", \"EMPTY=\", \"LOG_LEVEL=debug\", \"NO_VALUE\"]");
        json_decref(body);
        exec_spec_free(es);
}
END_TEST

START_TEST(unset_lists_stay_unset_empty_lists_are_sent)
{
        struct exec_spec *plain = build("plain"), *cleared = build("cleared");
        json_t *pb = request(plain), *cb = request(cleared);

        ck_assert_ptr_null(plain->spec.cmd);
        ck_assert_ptr_null(plain->spec.entrypoint);
        ck_assert_ptr_null(plain->spec.env);
        expect_absent(pb, "Cmd");
        expect_absent(pb, "Entrypoint");
        expect_absent(pb, "Env");
        /* `entrypoint: []` clears the image's: a non-NULL empty list */
        ck_assert_ptr_nonnull(cleared->spec.cmd);
        ck_assert_ptr_null(cleared->spec.cmd[0]);
        ck_assert_ptr_nonnull(cleared->spec.entrypoint);
        ck_assert_ptr_null(cleared->spec.entrypoint[0]);
        expect_json(cb, "Cmd", "[]");
        expect_json(cb, "Entrypoint", "[]");
        json_decref(pb);
        json_decref(cb);
        exec_spec_free(plain);
        exec_spec_free(cleared);
}
END_TEST

/* ---- labels ------------------------------------------------------------ */

START_TEST(user_and_berth_labels)
{
        static const struct exec_spec_meta meta = {.scope = "prod", .revision = "0123abcd"};
        const struct model_service *s = model_service_find(full, "web");
        struct exec_spec *es = build_meta("web", 2, &meta);
        json_t *body = request(es), *canon;
        char hash[65], *applied;
        const char *key;
        struct berth_err err;
        size_t dropped = 0;
        json_t *v;
        void *tmp;

        expect_label(es, body, "com.example.team", "web");
        expect_label(es, body, "com.example.empty", "");
        expect_label(es, body, BERTH_LABEL_SCOPE, "prod");
        expect_label(es, body, BERTH_LABEL_PROJECT, "full");
        expect_label(es, body, BERTH_LABEL_SERVICE, "web");
        expect_label(es, body, BERTH_LABEL_REPLICA, "2");
        expect_label(es, body, BERTH_LABEL_SOURCE, "full.yaml");
        expect_label(es, body, BERTH_LABEL_REVISION, "0123abcd");
        ck_assert_ptr_null(label(es, BERTH_LABEL_TEMP));
        ck_assert_str_eq(es->spec.name, "full-web-2");
        /* two user labels and eight of berth's (no temp): nothing else */
        ck_assert_uint_eq(es->spec.n_labels, 10);
        ck_assert_uint_eq(json_object_size(json_object_get(body, "Labels")), 10);

        ck_assert_int_eq(model_service_hash(hash, full, s, &err), 0);
        ck_assert_str_eq(es->config_hash, hash);
        expect_label(es, body, BERTH_LABEL_CONFIG_HASH, hash);

        /* the redacted canonical spec, compact with sorted keys, and its
         * unset (null) members left out: every other member as it is */
        canon = model_service_canonical(full, s, 1);
        json_object_foreach_safe(canon, tmp, key, v)
        {
                if (json_is_null(v) && json_object_del(canon, key) == 0)
                        dropped++;
        }
        ck_assert_uint_gt(dropped, 0);
        ck_assert_uint_gt(json_object_size(canon), 20);
        applied = json_dumps(canon, JSON_COMPACT | JSON_SORT_KEYS);
        expect_label(es, body, BERTH_LABEL_APPLIED, applied);
        json_decref(canon);
        canon = json_loads(label(es, BERTH_LABEL_APPLIED), 0, NULL);
        json_object_foreach(canon, key, v)
        {
                ck_assert_msg(!json_is_null(v), "%s: null in the label", key);
        }
        /* redacted: the token's value is not in it, its hash is */
        ck_assert_ptr_null(strstr(label(es, BERTH_LABEL_APPLIED), "s3cret-value"));
        ck_assert_ptr_nonnull(strstr(label(es, BERTH_LABEL_APPLIED), "\"API_TOKEN\":\"sha256:"));
        free(applied);
        json_decref(canon);
        json_decref(body);
        exec_spec_free(es);
}
END_TEST

START_TEST(temp_label_and_no_revision)
{
        static const struct exec_spec_meta temp = {.scope = "unit", .temp = 1};
        static const struct exec_spec_meta empty_rev = {.scope = "unit", .revision = ""};
        struct exec_spec *t = build_meta("plain", 1, &temp),
                         *e = build_meta("plain", 1, &empty_rev);
        json_t *tb = request(t);

        expect_label(t, tb, BERTH_LABEL_TEMP, "full-plain-1"); /* its own (temporary) name */
        ck_assert_ptr_null(label(t, BERTH_LABEL_REVISION));
        ck_assert_ptr_null(label(e, BERTH_LABEL_REVISION));
        ck_assert_ptr_null(label(e, BERTH_LABEL_TEMP));
        ck_assert_uint_eq(t->spec.n_labels, 8);
        ck_assert_uint_eq(e->spec.n_labels, 7);
        /* the hash does not depend on the replica or the meta */
        ck_assert_str_eq(t->config_hash, e->config_hash);
        json_decref(tb);
        exec_spec_free(t);
        exec_spec_free(e);
}
END_TEST

/* ---- ports ------------------------------------------------------------- */

START_TEST(ports_and_exposed)
{
        struct exec_spec *es = build("web");
        const struct docker_port_binding *p = es->spec.ports;
        json_t *body = request(es);

        ck_assert_uint_eq(es->spec.n_ports, 4);
        ck_assert_uint_eq(p[0].container_port, 80);
        ck_assert_uint_eq(p[0].host_port, 8080);
        ck_assert_str_eq(p[0].proto, "tcp");
        ck_assert_ptr_null(p[0].host_ip);
        ck_assert_str_eq(p[1].host_ip, "127.0.0.1");
        ck_assert_uint_eq(p[1].host_port, 8443);
        ck_assert_uint_eq(p[2].container_port, 53);
        ck_assert_str_eq(p[2].proto, "udp");
        ck_assert_uint_eq(p[3].container_port, 9000);
        ck_assert_uint_eq(p[3].host_port, 0); /* a random host port */
        ck_assert_uint_eq(es->spec.n_exposed, 2);
        ck_assert_uint_eq(es->spec.exposed[0].port, 7000);
        ck_assert_str_eq(es->spec.exposed[0].proto, "tcp");
        ck_assert_uint_eq(es->spec.exposed[1].port, 7001);
        ck_assert_str_eq(es->spec.exposed[1].proto, "udp");
        expect_json(body, "HostConfig.PortBindings",
                    "{\"80/tcp\": [{\"HostIp\": \"\", \"HostPort\": \"8080\"}],"
                    " \"443/tcp\": [{\"HostIp\": \"127.0.0.1\", \"HostPort\": \"8443\"}],"
                    " \"53/udp\": [{\"HostIp\": \"\", \"HostPort\": \"5353\"}],"
                    " \"9000/tcp\": [{\"HostIp\": \"\", \"HostPort\": \"\"}]}");
        expect_json(body, "ExposedPorts",
                    "{\"80/tcp\": {}, \"443/tcp\": {}, \"53/udp\": {}, \"9000/tcp\": {},"
                    " \"7000/tcp\": {}, \"7001/udp\": {}}");
        json_decref(body);
        exec_spec_free(es);
}
END_TEST

/* ---- mounts ------------------------------------------------------------ */

START_TEST(mounts_and_tmpfs)
{
        struct exec_spec *es = build("web");
        const struct docker_mount *m = es->spec.mounts;
        json_t *body = request(es);

        ck_assert_uint_eq(es->spec.n_mounts, 6);
        ck_assert_int_eq(m[0].type, DOCKER_MOUNT_VOLUME);
        ck_assert_str_eq(m[0].source, "full_data");
        ck_assert_str_eq(m[0].target, "/data");
        ck_assert_int_eq(m[0].read_only, 0);
        ck_assert_int_eq(m[1].type, DOCKER_MOUNT_BIND);
        ck_assert_str_eq(m[1].source, FIXTURES "/conf");
        ck_assert_int_eq(m[1].read_only, 1);
        ck_assert_int_eq(m[1].create_host_path, 1); /* the short syntax creates it */
        ck_assert_int_eq(m[2].type, DOCKER_MOUNT_VOLUME);
        ck_assert_ptr_null(m[2].source); /* anonymous */
        ck_assert_int_eq(m[3].type, DOCKER_MOUNT_TMPFS);
        ck_assert_int_eq(m[3].tmpfs_size, 1048576);
        ck_assert_uint_eq(m[3].tmpfs_mode, 01777);
        ck_assert_int_eq(m[4].type, DOCKER_MOUNT_BIND);
        ck_assert_str_eq(m[4].propagation, "rshared");
        ck_assert_int_eq(m[4].create_host_path, 0);
        ck_assert_int_eq(m[5].no_copy, 1);
        expect_json(body, "HostConfig.Mounts",
                    "[{\"Type\": \"volume\", \"Source\": \"full_data\", \"Target\": \"/data\"},"
                    " {\"Type\": \"volume\", \"Target\": \"/cache\"},"
                    " {\"Type\": \"tmpfs\", \"Target\": \"/scratch\","
                    "  \"TmpfsOptions\": {\"SizeBytes\": 1048576, \"Mode\": 1023}},"
                    " {\"Type\": \"bind\", \"Source\": \"/srv/shared\", \"Target\": \"/shared\","
                    "  \"ReadOnly\": true, \"BindOptions\": {\"Propagation\": \"rshared\"}},"
                    " {\"Type\": \"volume\", \"Source\": \"full_data\", \"Target\": \"/seed\","
                    "  \"VolumeOptions\": {\"NoCopy\": true}}]");
        expect_json(body, "HostConfig.Binds", "[\"" FIXTURES "/conf:/etc/conf:ro\"]");
        ck_assert_uint_eq(es->spec.n_tmpfs, 2);
        ck_assert_str_eq(es->spec.tmpfs[0].key, "/run");
        ck_assert_str_eq(es->spec.tmpfs[0].value, "size=64m,mode=1777");
        ck_assert_str_eq(es->spec.tmpfs[1].key, "/tmp");
        ck_assert_str_eq(es->spec.tmpfs[1].value, "");
        expect_json(body, "HostConfig.Tmpfs", "{\"/run\": \"size=64m,mode=1777\", \"/tmp\": \"\"}");
        json_decref(body);
        exec_spec_free(es);
}
END_TEST

/* ---- networks ---------------------------------------------------------- */

START_TEST(two_networks_first_by_name)
{
        struct exec_spec *es = build("web");
        json_t *body = request(es);

        /* back before front: the first by name joins at create */
        ck_assert_ptr_null(es->spec.network_mode);
        ck_assert_str_eq(es->spec.network, "full_back");
        EXPECT_STRV("aliases", es->spec.aliases, "web");
        ck_assert_uint_eq(es->nconnect, 1);
        ck_assert_str_eq(es->connect[0].network, "full_front");
        EXPECT_STRV("connect[0].aliases", es->connect[0].attach.aliases, "web", "www");
        ck_assert_ptr_null(es->connect[0].attach.ipv4_address);
        expect_json(body, "HostConfig.NetworkMode", "\"full_back\"");
        expect_json(body, "NetworkingConfig",
                    "{\"EndpointsConfig\": {\"full_back\": {\"Aliases\": [\"web\"]}}}");
        json_decref(body);
        exec_spec_free(es);
}
END_TEST

START_TEST(three_networks_by_priority_with_address)
{
        struct exec_spec *es = build("multi");
        json_t *body = request(es);

        /* back has priority 10; then edge (engine name shared-edge) and
         * front by their keys */
        ck_assert_str_eq(es->spec.network, "full_back");
        EXPECT_STRV("aliases", es->spec.aliases, "multi", "b1");
        ck_assert_uint_eq(es->nconnect, 2);
        ck_assert_str_eq(es->connect[0].network, "shared-edge");
        EXPECT_STRV("connect[0].aliases", es->connect[0].attach.aliases, "multi");
        ck_assert_ptr_null(es->connect[0].attach.ipv4_address);
        ck_assert_str_eq(es->connect[1].network, "full_front");
        /* the service name is not repeated when it is also an alias */
        EXPECT_STRV("connect[1].aliases", es->connect[1].attach.aliases, "multi", "f1");
        ck_assert_str_eq(es->connect[1].attach.ipv4_address, "172.31.251.20");
        ck_assert_ptr_null(es->connect[1].attach.ipv6_address);
        expect_json(body, "NetworkingConfig",
                    "{\"EndpointsConfig\": {\"full_back\": {\"Aliases\": [\"multi\", \"b1\"]}}}");
        json_decref(body);
        exec_spec_free(es);
}
END_TEST

START_TEST(default_network_and_network_mode)
{
        struct exec_spec *plain = build("plain"), *none = build("isolated");
        json_t *pb = request(plain), *nb = request(none);

        ck_assert_str_eq(plain->spec.network, "full_default");
        EXPECT_STRV("aliases", plain->spec.aliases, "plain");
        ck_assert_uint_eq(plain->nconnect, 0);
        ck_assert_ptr_null(plain->connect);
        expect_json(pb, "HostConfig.NetworkMode", "\"full_default\"");

        ck_assert_str_eq(none->spec.network_mode, "none");
        ck_assert_ptr_null(none->spec.network);
        ck_assert_ptr_null(none->spec.aliases);
        ck_assert_uint_eq(none->nconnect, 0);
        expect_json(nb, "HostConfig.NetworkMode", "\"none\"");
        expect_absent(nb, "NetworkingConfig");
        json_decref(pb);
        json_decref(nb);
        exec_spec_free(plain);
        exec_spec_free(none);
}
END_TEST

/* ---- healthcheck and restart ------------------------------------------- */

START_TEST(healthcheck)
{
        struct exec_spec *web = build("web"), *off = build("nohealth"), *plain = build("plain");
        json_t *wb = request(web), *ob = request(off), *pb = request(plain);
        const struct docker_healthcheck *h = &web->spec.healthcheck;

        EXPECT_STRV("healthcheck.test", h->test, "CMD-SHELL",
                    "curl -f http://localhost/ || exit 1");
        ck_assert_int_eq(h->interval_ns, 30000000000LL);
        ck_assert_int_eq(h->timeout_ns, 5000000000LL);
        ck_assert_int_eq(h->start_period_ns, 60000000000LL);
        ck_assert_int_eq(h->retries, 4);
        expect_json(wb, "Healthcheck",
                    "{\"Test\": [\"CMD-SHELL\", \"curl -f http://localhost/ || exit 1\"],"
                    " \"Interval\": 30000000000, \"Timeout\": 5000000000,"
                    " \"StartPeriod\": 60000000000, \"Retries\": 4}");
        EXPECT_STRV("healthcheck.test", off->spec.healthcheck.test, "NONE");
        expect_json(ob, "Healthcheck", "{\"Test\": [\"NONE\"]}");
        ck_assert_ptr_null(plain->spec.healthcheck.test);
        expect_absent(pb, "Healthcheck");
        json_decref(wb);
        json_decref(ob);
        json_decref(pb);
        exec_spec_free(web);
        exec_spec_free(off);
        exec_spec_free(plain);
}
END_TEST

static const struct {
        const char *service, *policy;
        int retries;
} restarts[] = {
    {"web", "on-failure", 5},
    {"plain", "no", 0},
    {"cleared", "always", 0},
    {"isolated", "unless-stopped", 0},
};

START_TEST(restart_policies)
{
        struct exec_spec *es = build(restarts[_i].service);
        json_t *body = request(es);
        char want[128];

        ck_assert_str_eq(docker_restart_name(es->spec.restart), restarts[_i].policy);
        ck_assert_int_eq(es->spec.restart_max_retries, restarts[_i].retries);
        snprintf(want, sizeof(want), "{\"Name\": \"%s\", \"MaximumRetryCount\": %d}",
                 restarts[_i].policy, restarts[_i].retries);
        expect_json(body, "HostConfig.RestartPolicy", want);
        json_decref(body);
        exec_spec_free(es);
}
END_TEST

/* ---- limits and the rest ----------------------------------------------- */

START_TEST(limits)
{
        struct exec_spec *web = build("web"), *plain = build("plain"), *off = build("nohealth");
        json_t *wb = request(web), *pb = request(plain), *ob = request(off);

        ck_assert_int_eq(web->spec.memory, 256LL << 20);
        ck_assert_int_eq(web->spec.memory_reservation, 128LL << 20);
        ck_assert_int_eq(web->spec.nano_cpus, 500000000LL);
        ck_assert_int_eq(web->spec.pids_limit, 100);
        ck_assert_int_eq(web->spec.shm_size, 64LL << 20);
        expect_json(wb, "HostConfig.Memory", "268435456");
        expect_json(wb, "HostConfig.MemoryReservation", "134217728");
        expect_json(wb, "HostConfig.NanoCpus", "500000000");
        expect_json(wb, "HostConfig.PidsLimit", "100");
        expect_json(wb, "HostConfig.ShmSize", "67108864");
        /* sorted by name; a single number is both limits */
        expect_json(wb, "HostConfig.Ulimits",
                    "[{\"Name\": \"nofile\", \"Soft\": 1024, \"Hard\": 2048},"
                    " {\"Name\": \"nproc\", \"Soft\": 512, \"Hard\": 512}]");
        expect_json(ob, "HostConfig.PidsLimit", "-1"); /* unlimited */
        ck_assert_int_eq(plain->spec.memory, 0);
        ck_assert_int_eq(plain->spec.pids_limit, 0);
        ck_assert_uint_eq(plain->spec.n_ulimits, 0);
        expect_absent(pb, "HostConfig.Memory");
        expect_absent(pb, "HostConfig.MemoryReservation");
        expect_absent(pb, "HostConfig.NanoCpus");
        expect_absent(pb, "HostConfig.PidsLimit");
        expect_absent(pb, "HostConfig.ShmSize");
        expect_absent(pb, "HostConfig.Ulimits");
        json_decref(wb);
        json_decref(pb);
        json_decref(ob);
        exec_spec_free(web);
        exec_spec_free(plain);
        exec_spec_free(off);
}
END_TEST

START_TEST(container_and_host_settings)
{
        struct exec_spec *web = build("web");
        json_t *b = request(web);
        const struct docker_container_spec *s = &web->spec;

        ck_assert_str_eq(s->user, "1000:1000");
        ck_assert_str_eq(s->workdir, "/app");
        ck_assert_str_eq(s->hostname, "webhost");
        ck_assert_str_eq(s->stop_signal, "SIGQUIT");
        ck_assert_int_eq(s->stop_timeout, 2); /* 1500ms, rounded up */
        ck_assert_str_eq(s->log_driver, "json-file");
        ck_assert_uint_eq(s->n_log_opts, 2);
        ck_assert_str_eq(docker_kv_get(s->log_opts, s->n_log_opts, "max-size"), "10m");
        expect_json(b, "User", "\"1000:1000\"");
        expect_json(b, "WorkingDir", "\"/app\"");
        expect_json(b, "Hostname", "\"webhost\"");
        expect_json(b, "StopSignal", "\"SIGQUIT\"");
        expect_json(b, "StopTimeout", "2");
        expect_json(b, "Tty", "true");
        expect_json(b, "OpenStdin", "true");
        expect_json(b, "HostConfig.LogConfig",
                    "{\"Type\": \"json-file\", \"Config\": {\"max-file\": \"3\","
                    " \"max-size\": \"10m\"}}");
        expect_json(b, "HostConfig.CapAdd", "[\"NET_ADMIN\"]");
        expect_json(b, "HostConfig.CapDrop", "[\"ALL\"]");
        expect_json(b, "HostConfig.Privileged", "true");
        expect_json(b, "HostConfig.ReadonlyRootfs", "true");
        expect_json(b, "HostConfig.Init", "true");
        expect_json(b, "HostConfig.ExtraHosts", "[\"db.local:10.0.0.5\"]");
        expect_json(b, "HostConfig.Dns", "[\"1.1.1.1\"]");
        expect_json(b, "HostConfig.DnsSearch", "[\"example.com\"]");
        expect_json(b, "HostConfig.DnsOptions", "[\"ndots:2\"]");
        expect_json(b, "HostConfig.SecurityOpt", "[\"no-new-privileges:true\"]");
        expect_json(b, "HostConfig.Sysctls", "{\"net.core.somaxconn\": \"1024\"}");
        json_decref(b);
        exec_spec_free(web);
}
END_TEST

START_TEST(unset_settings_are_left_out)
{
        struct exec_spec *plain = build("plain"), *cleared = build("cleared");
        json_t *b = request(plain), *cb = request(cleared);

        ck_assert_int_eq(plain->spec.stop_timeout, -1);
        ck_assert_int_eq(plain->spec.init, -1);
        ck_assert_int_eq(cleared->spec.stop_timeout, 10);
        ck_assert_int_eq(cleared->spec.init, 0);
        expect_absent(b, "User");
        expect_absent(b, "WorkingDir");
        expect_absent(b, "Hostname");
        expect_absent(b, "StopSignal");
        expect_absent(b, "StopTimeout");
        expect_absent(b, "HostConfig.LogConfig");
        expect_absent(b, "HostConfig.CapAdd");
        expect_absent(b, "HostConfig.Init");
        expect_absent(b, "HostConfig.Dns");
        expect_absent(b, "HostConfig.Tmpfs");
        expect_absent(b, "HostConfig.Sysctls");
        expect_absent(b, "HostConfig.Binds");
        expect_json(b, "HostConfig.Mounts", "[]");
        expect_json(b, "HostConfig.Privileged", "false");
        expect_json(b, "Tty", "false");
        expect_json(cb, "StopTimeout", "10");
        expect_json(cb, "HostConfig.Init", "false");
        json_decref(b);
        json_decref(cb);
        exec_spec_free(plain);
        exec_spec_free(cleared);
}
END_TEST

/* pid, ipc and userns_mode as the engine's modes, devices with every part
 * written; none of them when unset.  (userns_mode: host is tested here
 * only: the engine takes it only when it runs with userns-remap, which the
 * test engine does not.) */
START_TEST(namespaces_and_devices)
{
        struct exec_spec *hostns = build("hostns"), *shareable = build("shareable"),
                         *plain = build("plain");
        json_t *b = request(hostns), *sb = request(shareable), *pb = request(plain);
        const struct docker_container_spec *s = &hostns->spec;

        ck_assert_str_eq(s->pid_mode, "host");
        ck_assert_str_eq(s->ipc_mode, "host");
        ck_assert_str_eq(s->userns_mode, "host");
        ck_assert_uint_eq(s->n_devices, 3);
        ck_assert_str_eq(s->devices[1].path_on_host, "/dev/null");
        ck_assert_str_eq(s->devices[1].path_in_container, "/dev/berthnull");
        ck_assert_str_eq(s->devices[1].permissions, "r");
        expect_json(b, "HostConfig.PidMode", "\"host\"");
        expect_json(b, "HostConfig.IpcMode", "\"host\"");
        expect_json(b, "HostConfig.UsernsMode", "\"host\"");
        expect_json(b, "HostConfig.Devices",
                    "[{\"PathOnHost\": \"/dev/fuse\", \"PathInContainer\": \"/dev/fuse\","
                    "  \"CgroupPermissions\": \"rwm\"},"
                    " {\"PathOnHost\": \"/dev/null\", \"PathInContainer\": \"/dev/berthnull\","
                    "  \"CgroupPermissions\": \"r\"},"
                    " {\"PathOnHost\": \"/dev/zero\", \"PathInContainer\": \"/dev/zero\","
                    "  \"CgroupPermissions\": \"wm\"}]");
        expect_json(sb, "HostConfig.IpcMode", "\"shareable\"");
        expect_absent(sb, "HostConfig.PidMode");
        expect_absent(sb, "HostConfig.Devices");
        expect_absent(pb, "HostConfig.PidMode");
        expect_absent(pb, "HostConfig.IpcMode");
        expect_absent(pb, "HostConfig.UsernsMode");
        expect_absent(pb, "HostConfig.Devices");
        json_decref(b);
        json_decref(sb);
        json_decref(pb);
        exec_spec_free(hostns);
        exec_spec_free(shareable);
        exec_spec_free(plain);
}
END_TEST

/* ---- refusals ---------------------------------------------------------- */

START_TEST(static_address_on_the_create_network)
{
        const struct model_project *p;
        struct exec_spec *es = NULL;
        struct berth_err err;
        json_t *body;

        manifest_set_release(&set);
        p = load("static-first.yaml", "static-first");
        berth_err_clear(&err);
        ck_assert_msg(exec_spec_build(&es, p, model_service_find(p, "app"), 1, "static-first-app-1",
                                      &unit_meta, &err) == 0,
                      "%s", err.msg);
        ck_assert_str_eq(es->spec.network, "static-first_net");
        ck_assert_str_eq(es->spec.network_ipv4_address, "172.31.252.5");
        ck_assert_uint_eq(es->nconnect, 0);
        body = request(es);
        expect_json(body, "NetworkingConfig.EndpointsConfig.static-first_net.IPAMConfig",
                    "{\"IPv4Address\":\"172.31.252.5\"}");
        json_decref(body);
        exec_spec_free(es);
        /* full is loaded again for the teardown */
        manifest_set_release(&set);
        full = load("full.yaml", "full");
}
END_TEST

START_TEST(bad_arguments)
{
        static const struct exec_spec_meta no_scope = {.scope = ""};
        const struct model_service *s = model_service_find(full, "plain");
        struct exec_spec *es = NULL;
        struct berth_err err;

        ck_assert_int_eq(exec_spec_build(&es, full, s, 0, "x", &unit_meta, &err), BERTH_EINVALID);
        ck_assert_msg(strstr(err.msg, "replica"), "%s", err.msg);
        ck_assert_int_eq(exec_spec_build(&es, full, s, 1, "x", &no_scope, &err), BERTH_EINVALID);
        ck_assert_msg(strstr(err.msg, "scope"), "%s", err.msg);
        ck_assert_int_eq(exec_spec_build(&es, full, s, 1, "", &unit_meta, &err), BERTH_EINVALID);
        ck_assert_msg(strstr(err.msg, "name"), "%s", err.msg);
        ck_assert_ptr_null(es);
        exec_spec_free(NULL);
}
END_TEST

int main(void)
{
        Suite *s = suite_create("exec_spec");
        TCase *tc = tcase_create("exec_spec");

        tcase_add_checked_fixture(tc, setup, teardown);
        tcase_add_test(tc, command_entrypoint_environment);
        tcase_add_test(tc, unset_lists_stay_unset_empty_lists_are_sent);
        tcase_add_test(tc, user_and_berth_labels);
        tcase_add_test(tc, temp_label_and_no_revision);
        tcase_add_test(tc, ports_and_exposed);
        tcase_add_test(tc, mounts_and_tmpfs);
        tcase_add_test(tc, two_networks_first_by_name);
        tcase_add_test(tc, three_networks_by_priority_with_address);
        tcase_add_test(tc, default_network_and_network_mode);
        tcase_add_test(tc, healthcheck);
        tcase_add_loop_test(tc, restart_policies, 0, (int)(sizeof(restarts) / sizeof(restarts[0])));
        tcase_add_test(tc, limits);
        tcase_add_test(tc, container_and_host_settings);
        tcase_add_test(tc, unset_settings_are_left_out);
        tcase_add_test(tc, namespaces_and_devices);
        tcase_add_test(tc, static_address_on_the_create_network);
        tcase_add_test(tc, bad_arguments);
        suite_add_tcase(s, tc);
        return bt_unit_main(s);
}
