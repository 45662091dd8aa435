/* Parity with docker-compose: each manifest under tests/fixtures/parity/
 * is turned into containers twice, by berth (manifest_load(), then the
 * networks and volumes it names, then exec_spec_build() +
 * docker_container_create() + docker_network_connect() for each replica)
 * and by Debian's docker-compose 1.29 (`docker-compose up --no-start`, or
 * `up -d` where compose only joins every network at start), from the same
 * file, and the engine's inspect of each pair of containers must agree on:
 *
 *   Config: Image, Cmd, Entrypoint, Env (as a set), Labels (without
 *   berth.*, com.docker.compose.* and the test label), ExposedPorts, User,
 *   WorkingDir, StopSignal, StopTimeout, Tty, OpenStdin, Healthcheck;
 *   HostConfig: PortBindings, RestartPolicy, Memory, MemoryReservation,
 *   NanoCpus, PidsLimit, ShmSize, Ulimits, Tmpfs, tmpfs mount options,
 *   CapAdd, CapDrop, Privileged, ReadonlyRootfs, Init, ExtraHosts, Dns,
 *   DnsSearch, DnsOptions, Sysctls, SecurityOpt, LogConfig, NetworkMode,
 *   PidMode, IpcMode, UsernsMode, Devices;
 *   Mounts (type, destination, read-write, propagation, bind source,
 *   volume name); NetworkSettings.Networks (names and aliases).
 *
 * Normalized before comparing: each tool's project name at the front of a
 * network or volume name, the random names of anonymous volumes, and the
 * container's short id that the engine and compose add as an alias.  Every
 * difference is reported with the field and both values.
 *
 * The two projects are named berthtest-<run>-b-<fixture> (berth: the file
 * is copied under that name) and berthtest-<run>-c-<fixture> (compose -p).
 * berth refuses labels starting with "berth." in a manifest, so the test
 * label is not in the fixtures: berth's objects get it here, compose's from
 * an override file (-f) written beside the copy. */
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>

#include <jansson.h>

#include "berth_test.h"
#include "common/buf.h"
#include "docker/container.h"
#include "docker/network.h"
#include "docker/volume.h"
#include "exec/spec.h"
#include "manifest/diag.h"
#include "manifest/load.h"
#include "model/model.h"

#define PARITY BERTH_TEST_DATA "/fixtures/parity"

static const struct {
        const char *fixture;
        int start; /* compose joins networks after the first only at start */
} fixtures[] = {
    {"basic", 0},    {"ports", 0},    {"mounts", 0},     {"limits", 0},
    {"networks", 1}, {"settings", 0}, {"namespaces", 0},
};

/* ---- setting up both sides -------------------------------------------- */

static char *read_text(const char *path)
{
        struct berth_buf b;
        struct berth_err err;

        berth_buf_init(&b, 1 << 20);
        ck_assert_msg(berth_buf_read_file(&b, path, &err) == 0, "%s", err.msg);
        return berth_buf_steal(&b);
}

/* kv[0..n) and the test label, as a new array (free() it). */
static struct docker_kv *with_test_label(const struct docker_kv *kv, size_t n)
{
        struct docker_kv *v = calloc(n + 1, sizeof(*v));

        ck_assert_ptr_nonnull(v);
        if (n)
                memcpy(v, kv, n * sizeof(*v));
        v[n].key = BT_LABEL;
        v[n].value = bt_run_id();
        return v;
}

/* A model key/value list as docker_kv pairs (free() the array). */
static struct docker_kv *kv_of(const struct model_kvlist *l)
{
        struct docker_kv *v = calloc(l->n + 1, sizeof(*v));
        size_t i;

        ck_assert_ptr_nonnull(v);
        for (i = 0; i < l->n; i++) {
                v[i].key = l->v[i].key;
                v[i].value = l->v[i].value ? l->v[i].value : "";
        }
        return v;
}

static void berth_networks_volumes(const struct model_project *p)
{
        struct docker_client *c = bt_client();
        struct berth_err err;
        size_t i;

        for (i = 0; i < p->nnetworks; i++) {
                const struct model_network *n = &p->networks[i];
                struct docker_network_spec spec = {.name = n->engine_name, .driver = n->driver};
                struct docker_ipam_pool pool = {.subnet = n->subnet, .gateway = n->gateway};
                struct docker_kv *model = kv_of(&n->labels), *opts = kv_of(&n->driver_opts);
                struct docker_kv *labels = with_test_label(model, n->labels.n);

                if (n->external)
                        ck_abort_msg("network %s: parity fixtures use no external networks",
                                     n->name);
                spec.labels = labels;
                spec.n_labels = n->labels.n + 1;
                spec.options = opts;
                spec.n_options = n->driver_opts.n;
                spec.ipam = n->subnet ? &pool : NULL;
                spec.n_ipam = n->subnet ? 1 : 0;
                spec.internal = n->internal;
                spec.attachable = n->attachable;
                spec.enable_ipv6 = n->enable_ipv6;
                berth_err_clear(&err);
                ck_assert_msg(docker_network_create(NULL, c, &spec, &err) == 0, "%s", err.msg);
                free(labels);
                free(model);
                free(opts);
        }
        for (i = 0; i < p->nvolumes; i++) {
                const struct model_volume *v = &p->volumes[i];
                struct docker_volume_spec spec = {.name = v->engine_name, .driver = v->driver};
                struct docker_kv *model = kv_of(&v->labels), *opts = kv_of(&v->driver_opts);
                struct docker_kv *labels = with_test_label(model, v->labels.n);

                if (v->external)
                        ck_abort_msg("volume %s: parity fixtures use no external volumes", v->name);
                spec.labels = labels;
                spec.n_labels = v->labels.n + 1;
                spec.driver_opts = opts;
                spec.n_driver_opts = v->driver_opts.n;
                berth_err_clear(&err);
                ck_assert_msg(docker_volume_create(NULL, c, &spec, &err) == 0, "%s", err.msg);
                free(labels);
                free(model);
                free(opts);
        }
}

/* Create replica 1 of s the way berth's apply will. */
static void berth_create(const struct model_project *p, const struct model_service *s)
{
        static const struct exec_spec_meta meta = {.scope = "parity", .revision = "0000"};
        struct docker_client *c = bt_client();
        struct exec_spec *es = NULL;
        struct docker_kv *labels;
        struct berth_err err;
        char name[256];
        size_t i;

        model_container_name(p, s, 1, name, sizeof(name));
        berth_err_clear(&err);
        ck_assert_msg(exec_spec_build(&es, p, s, 1, name, &meta, &err) == 0, "%s", err.msg);
        labels = with_test_label(es->spec.labels, es->spec.n_labels);
        es->spec.labels = labels;
        es->spec.n_labels++;
        ck_assert_msg(docker_container_create(NULL, c, &es->spec, &err) == 0, "%s", err.msg);
        for (i = 0; i < es->nconnect; i++)
                ck_assert_msg(docker_network_connect(c, es->connect[i].network, name,
                                                     &es->connect[i].attach, &err) == 0,
                              "%s", err.msg);
        free(labels);
        exec_spec_free(es);
}

/* compose's objects carry the test label through an override file: each
 * service, network and volume of the project with labels: {test label}. */
static void write_override(const char *dir, const struct model_project *p)
{
        json_t *o = json_object(), *services = json_object(), *nets = json_object(),
               *vols = json_object();
        json_t *lab = json_pack("{s:{s:s}}", "labels", BT_LABEL, bt_run_id());
        char *text;
        size_t i;

        ck_assert_ptr_nonnull(lab);
        for (i = 0; i < p->nservices; i++)
                json_object_set(services, p->services[i].name, lab);
        for (i = 0; i < p->nnetworks; i++)
                json_object_set(nets, p->networks[i].name, lab);
        for (i = 0; i < p->nvolumes; i++)
                json_object_set(vols, p->volumes[i].name, lab);
        json_object_set_new(o, "services", services);
        if (p->nnetworks)
                json_object_set_new(o, "networks", nets);
        else
                json_decref(nets);
        if (p->nvolumes)
                json_object_set_new(o, "volumes", vols);
        else
                json_decref(vols);
        text = json_dumps(o, JSON_INDENT(2) | JSON_SORT_KEYS);
        ck_assert_ptr_nonnull(text);
        bt_write_file(dir, "override.yaml", text); /* JSON is YAML */
        free(text);
        json_decref(o);
        json_decref(lab);
}

/* docker-compose -p project -f file -f override <args...>; the test fails
 * unless it exits 0. */
static void compose(const char *project, const char *file, const char *override, const char *a1,
                    const char *a2, const char *a3)
{
        const char *argv[] = {"docker-compose", "-p", project, "-f", file, "-f",
                              override,         a1,   a2,      a3,   NULL};
        char *out = NULL, *errout = NULL;
        int rc = bt_run(&out, &errout, argv);

        ck_assert_msg(rc == 0,
                      "docker-compose -p %s -f %s %s %s exited %d (is docker-compose 1.29 "
                      "installed? tests/run installs it):\n%s%s",
                      project, file, a1, a2 ? a2 : "", rc, out ? out : "", errout ? errout : "");
        free(out);
        free(errout);
}

/* ---- normalizing the engine's inspect ---------------------------------- */

static int is_hex(const char *s, size_t n)
{
        size_t i;

        if (strlen(s) != n)
                return 0;
        for (i = 0; i < n; i++)
                if (!strchr("0123456789abcdef", s[i]))
                        return 0;
        return 1;
}

/* "<project>_rest" → "{project}_rest"; other names as they are. */
static json_t *unprefixed(const char *name, const char *project)
{
        size_t n = strlen(project);
        char buf[512];

        if (!strncmp(name, project, n) && name[n] == '_') {
                snprintf(buf, sizeof(buf), "{project}_%s", name + n + 1);
                return json_string(buf);
        }
        return json_string(name);
}

static int text_cmp(const void *a, const void *b)
{
        return strcmp(*(char *const *)a, *(char *const *)b);
}

/* A copy of array a sorted by each item's compact JSON text. */
static json_t *sorted(json_t *a)
{
        size_t n = json_array_size(a), i;
        char **texts;
        json_t *out;

        if (!json_is_array(a))
                return json_incref(a);
        texts = calloc(n + 1, sizeof(*texts));
        ck_assert_ptr_nonnull(texts);
        for (i = 0; i < n; i++)
                texts[i] = json_dumps(json_array_get(a, i),
                                      JSON_ENCODE_ANY | JSON_COMPACT | JSON_SORT_KEYS);
        qsort(texts, n, sizeof(*texts), text_cmp);
        out = json_array();
        for (i = 0; i < n; i++) {
                json_array_append_new(out, json_loads(texts[i], JSON_DECODE_ANY, NULL));
                free(texts[i]);
        }
        free(texts);
        return out;
}

static json_t *labels_norm(json_t *raw, const char *project)
{
        json_t *out = json_object(), *v;
        const char *key;

        (void)project;
        json_object_foreach(bt_json_at(raw, "Config.Labels"), key, v)
        {
                if (!strncmp(key, "berth.", 6) || !strncmp(key, "com.docker.compose.", 19) ||
                    !strcmp(key, BT_LABEL))
                        continue;
                json_object_set(out, key, v);
        }
        return out;
}

static json_t *env_norm(json_t *raw, const char *project)
{
        (void)project;
        return sorted(bt_json_at(raw, "Config.Env"));
}

static json_t *bindings_norm(json_t *raw, const char *project)
{
        json_t *out = json_object(), *v;
        const char *key;

        (void)project;
        json_object_foreach(bt_json_at(raw, "HostConfig.PortBindings"), key, v)
            json_object_set_new(out, key, sorted(v));
        return out;
}

/* With no restart: key compose sends no policy and the engine keeps Name
 * "", where berth sends "no" (docker_container_spec has no "unset"): the
 * engine reads both as never restart. */
static json_t *restart_norm(json_t *raw, const char *project)
{
        json_t *policy = json_deep_copy(bt_json_at(raw, "HostConfig.RestartPolicy"));
        const char *name = json_string_value(json_object_get(policy, "Name"));

        (void)project;
        if (name && !name[0])
                json_object_set_new(policy, "Name", json_string("no"));
        return policy;
}

/* compose sends ulimits in the file's order, berth sorted by name (the
 * model keeps them sorted); each name is set once either way. */
static json_t *ulimits_norm(json_t *raw, const char *project)
{
        (void)project;
        return sorted(bt_json_at(raw, "HostConfig.Ulimits"));
}

static json_t *mounts_norm(json_t *raw, const char *project)
{
        json_t *out = json_array(), *m, *one;
        const char *type, *name;
        size_t i;

        json_array_foreach(json_object_get(raw, "Mounts"), i, m)
        {
                type = json_string_value(json_object_get(m, "Type"));
                name = json_string_value(json_object_get(m, "Name"));
                one = json_pack("{s:O, s:O, s:O, s:O}", "Type", json_object_get(m, "Type"),
                                "Destination", json_object_get(m, "Destination"), "RW",
                                json_object_get(m, "RW"), "Propagation",
                                json_object_get(m, "Propagation"));
                ck_assert_ptr_nonnull(one);
                if (type && !strcmp(type, "bind"))
                        json_object_set(one, "Source", json_object_get(m, "Source"));
                if (type && !strcmp(type, "volume") && name)
                        json_object_set_new(one, "Name",
                                            is_hex(name, 64) ? json_string("(anonymous)")
                                                             : unprefixed(name, project));
                json_array_append_new(out, one);
        }
        one = sorted(out);
        json_decref(out);
        return one;
}

/* The options of tmpfs mounts made through HostConfig.Mounts (the
 * inspect's Mounts leaves the size out). */
static json_t *tmpfs_mounts_norm(json_t *raw, const char *project)
{
        json_t *out = json_array(), *m, *s;
        size_t i;

        (void)project;
        json_array_foreach(bt_json_at(raw, "HostConfig.Mounts"), i, m)
        {
                if (!json_is_string(json_object_get(m, "Type")) ||
                    strcmp(json_string_value(json_object_get(m, "Type")), "tmpfs"))
                        continue;
                json_array_append_new(out, json_pack("{s:O, s:O*}", "Target",
                                                     json_object_get(m, "Target"), "TmpfsOptions",
                                                     json_object_get(m, "TmpfsOptions")));
        }
        s = sorted(out);
        json_decref(out);
        return s;
}

static json_t *network_mode_norm(json_t *raw, const char *project)
{
        const char *mode = json_string_value(bt_json_at(raw, "HostConfig.NetworkMode"));

        return mode ? unprefixed(mode, project) : json_null();
}

/* network name → its aliases, sorted, without the container's short id */
static json_t *networks_norm(json_t *raw, const char *project)
{
        json_t *out = json_object(), *ep, *a, *alias, *s, *name;
        const char *key, *t;
        size_t i;

        json_object_foreach(bt_json_at(raw, "NetworkSettings.Networks"), key, ep)
        {
                a = json_array();
                json_array_foreach(json_object_get(ep, "Aliases"), i, alias)
                {
                        t = json_string_value(alias);
                        if (t && !is_hex(t, 12))
                                json_array_append(a, alias);
                }
                s = sorted(a);
                name = unprefixed(key, project);
                json_object_set_new(out, json_string_value(name), s);
                json_decref(name);
                json_decref(a);
        }
        return out;
}

typedef json_t *(*norm_fn)(json_t *raw, const char *project);

static const struct {
        const char *field; /* as reported; a path into inspect unless norm is set */
        norm_fn norm;
} fields[] = {
    {"Config.Image", NULL},
    {"Config.Cmd", NULL},
    {"Config.Entrypoint", NULL},
    {"Config.Env (as a set)", env_norm},
    {"Config.Labels (without berth.*, com.docker.compose.*, test label)", labels_norm},
    {"Config.ExposedPorts", NULL},
    {"Config.User", NULL},
    {"Config.WorkingDir", NULL},
    {"Config.StopSignal", NULL},
    {"Config.StopTimeout", NULL},
    {"Config.Tty", NULL},
    {"Config.OpenStdin", NULL},
    {"Config.Healthcheck", NULL},
    {"HostConfig.PortBindings", bindings_norm},
    {"HostConfig.RestartPolicy (\"\" read as \"no\")", restart_norm},
    {"HostConfig.Memory", NULL},
    {"HostConfig.MemoryReservation", NULL},
    {"HostConfig.NanoCpus", NULL},
    {"HostConfig.PidsLimit", NULL},
    {"HostConfig.ShmSize", NULL},
    {"HostConfig.Ulimits (as a set)", ulimits_norm},
    {"HostConfig.Tmpfs", NULL},
    {"HostConfig.Mounts (tmpfs options)", tmpfs_mounts_norm},
    {"HostConfig.CapAdd", NULL},
    {"HostConfig.CapDrop", NULL},
    {"HostConfig.Privileged", NULL},
    {"HostConfig.ReadonlyRootfs", NULL},
    {"HostConfig.Init", NULL},
    {"HostConfig.ExtraHosts", NULL},
    {"HostConfig.Dns", NULL},
    {"HostConfig.DnsSearch", NULL},
    {"HostConfig.DnsOptions", NULL},
    {"HostConfig.Sysctls", NULL},
    {"HostConfig.SecurityOpt", NULL},
    {"HostConfig.PidMode", NULL},
    {"HostConfig.IpcMode", NULL},
    {"HostConfig.UsernsMode", NULL},
    {"HostConfig.Devices", NULL},
    {"HostConfig.LogConfig", NULL},
    {"HostConfig.NetworkMode (project prefix normalized)", network_mode_norm},
    {"Mounts (project prefix and anonymous names normalized)", mounts_norm},
    {"NetworkSettings.Networks aliases (short id dropped)", networks_norm},
};

static json_t *inspect(const char *name)
{
        struct docker_container_info info;
        struct berth_err err;
        json_t *raw;

        berth_err_clear(&err);
        ck_assert_msg(docker_container_inspect(&info, bt_client(), name, &err) == 0, "%s", err.msg);
        raw = json_incref(info.raw);
        docker_container_info_release(&info);
        return raw;
}

static char *text_of(json_t *j)
{
        return j ? json_dumps(j, JSON_ENCODE_ANY | JSON_COMPACT | JSON_SORT_KEYS)
                 : strdup("(absent)");
}

/* Compare berth's container and compose's for service svc; each
 * difference is added to diffs. */
static void compare(struct berth_buf *diffs, const char *fixture, const char *svc,
                    const char *bname, const char *bproj, const char *cname, const char *cproj)
{
        json_t *braw = inspect(bname), *craw = inspect(cname), *b, *c;
        char *bt, *ct;
        size_t i;

        for (i = 0; i < sizeof(fields) / sizeof(fields[0]); i++) {
                if (fields[i].norm) {
                        b = fields[i].norm(braw, bproj);
                        c = fields[i].norm(craw, cproj);
                } else {
                        b = json_incref(bt_json_at(braw, fields[i].field));
                        c = json_incref(bt_json_at(craw, fields[i].field));
                }
                if (!json_equal(b, c) && (b || c)) {
                        bt = text_of(b);
                        ct = text_of(c);
                        berth_buf_printf(diffs,
                                         "%s.yaml service %s: %s differs:\n    berth   (%s): %s\n"
                                         "    compose (%s): %s\n",
                                         fixture, svc, fields[i].field, bname, bt, cname, ct);
                        free(bt);
                        free(ct);
                }
                json_decref(b);
                json_decref(c);
        }
        json_decref(braw);
        json_decref(craw);
}

START_TEST(parity)
{
        const char *fixture = fixtures[_i].fixture;
        const char *dir = bt_tmpdir();
        char suffix[64], bproj[256], cproj[256], src[4096], file[4096], override[4096];
        char host[4096], bname[512], cname[512], *text, *report;
        struct manifest_load_opts opts = {.policy = bt_policy_allow_all()};
        struct manifest_set set;
        const struct model_project *p;
        struct berth_buf diffs;
        struct berth_err err;
        size_t i;

        bt_image(); /* the fixtures read BERTH_TEST_IMAGE: fail clearly when unset */
        unsetenv("BERTH_PARITY_NEVER_SET"); /* basic.yaml lists it without a value */
        snprintf(suffix, sizeof(suffix), "b-%s", fixture);
        snprintf(bproj, sizeof(bproj), "%s", bt_name(suffix));
        snprintf(suffix, sizeof(suffix), "c-%s", fixture);
        snprintf(cproj, sizeof(cproj), "%s", bt_name(suffix));
        snprintf(src, sizeof(src), "%s/%s.yaml", PARITY, fixture);
        snprintf(file, sizeof(file), "%s/%s.yaml", dir, bproj);
        snprintf(override, sizeof(override), "%s/override.yaml", dir);
        snprintf(host, sizeof(host), "%s/host", dir);
        ck_assert_msg(mkdir(host, 0755) == 0, "mkdir %s: %s", host, strerror(errno));

        /* berth's project is named by the file, compose's by -p */
        text = read_text(src);
        snprintf(suffix, sizeof(suffix), "%s.yaml", bproj);
        bt_write_file(dir, suffix, text);
        free(text);
        opts.root = file;
        berth_err_clear(&err);
        ck_assert_msg(manifest_load(&set, &opts, &err) == 0, "%s", err.msg);
        text = diag_list_format(&set.diags);
        ck_assert_msg(set.diags.n == 0, "problems loading %s:\n%s", src, text);
        free(text);
        p = model_project_find(set.state, bproj);
        ck_assert_msg(p != NULL, "%s: no project %s", src, bproj);

        berth_networks_volumes(p);
        for (i = 0; i < p->nservices; i++)
                berth_create(p, &p->services[i]);

        write_override(dir, p);
        if (fixtures[_i].start)
                compose(cproj, file, override, "up", "-d", NULL);
        else
                compose(cproj, file, override, "up", "--no-start", NULL);

        berth_buf_init(&diffs, 1 << 20);
        for (i = 0; i < p->nservices; i++) {
                const struct model_service *s = &p->services[i];

                model_container_name(p, s, 1, bname, sizeof(bname));
                snprintf(cname, sizeof(cname), "%s_%s_1", cproj, s->name);
                compare(&diffs, fixture, s->name, bname, bproj, cname, cproj);
        }
        compose(cproj, file, override, "down", "-v", "-t0");
        manifest_set_release(&set);
        report = berth_buf_steal(&diffs);
        berth_buf_release(&diffs);
        ck_assert_msg(report == NULL || report[0] == '\0',
                      "berth and docker-compose made different containers from %s:\n%s", src,
                      report);
        free(report);
}
END_TEST

int main(void)
{
        Suite *s = suite_create("parity");
        TCase *tc = tcase_create("parity");

        bt_tcase_engine(tc);
        tcase_set_timeout(tc, 300);
        tcase_add_loop_test(tc, parity, 0, (int)(sizeof(fixtures) / sizeof(fixtures[0])));
        suite_add_tcase(s, tc);
        return bt_engine_main(s);
}
