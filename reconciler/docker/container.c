#include "docker/container.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>

#include "common/buf.h"

/* Longest path we build: /containers/<escaped name>/<action>?<query>. */
#define PATH_MAX_LEN 2048

const char *docker_kv_get(const struct docker_kv *kv, size_t n, const char *key)
{
        size_t i;

        for (i = 0; i < n; i++)
                if (kv[i].key && !strcmp(kv[i].key, key))
                        return kv[i].value;
        return NULL;
}

const char *docker_restart_name(enum docker_restart r)
{
        switch (r) {
        case DOCKER_RESTART_ALWAYS:
                return "always";
        case DOCKER_RESTART_UNLESS_STOPPED:
                return "unless-stopped";
        case DOCKER_RESTART_ON_FAILURE:
                return "on-failure";
        case DOCKER_RESTART_NO:
        default:
                return "no";
        }
}

void docker_container_spec_init(struct docker_container_spec *spec)
{
        memset(spec, 0, sizeof(*spec));
        spec->stop_timeout = -1;
        spec->init = -1;
}

/* ---- spec → JSON ------------------------------------------------------ */

/* Building state: any allocation failure sets nomem, checked once at the
 * end; the first invalid field fills err and sets bad. */
struct build {
        const struct docker_container_spec *spec;
        const char *who; /* the container's name for messages */
        int nomem;
        int bad;
        struct berth_err *err;
};

/* Both steal v, also on failure. */
static void put(struct build *b, json_t *obj, const char *key, json_t *v)
{
        if (!obj) {
                json_decref(v);
                b->nomem = 1;
        } else if (!v || json_object_set_new(obj, key, v) < 0) {
                b->nomem = 1;
        }
}

static void put_str(struct build *b, json_t *obj, const char *key, const char *s)
{
        if (s && s[0])
                put(b, obj, key, json_string(s));
}

static void append(struct build *b, json_t *arr, json_t *v)
{
        if (!arr) {
                json_decref(v);
                b->nomem = 1;
        } else if (!v || json_array_append_new(arr, v) < 0) {
                b->nomem = 1;
        }
}

static void invalid(struct build *b, const char *fmt, const char *detail, long long n)
{
        char what[512];

        if (b->bad)
                return;
        b->bad = 1;
        snprintf(what, sizeof(what), fmt, detail, n);
        berth_err_set(b->err, BERTH_EINVALID, "cannot create container '%s': %s", b->who, what);
        berth_err_subject(b->err, "create container", b->who);
}

static json_t *strv_json(struct build *b, const char *const *v)
{
        json_t *a = json_array();

        for (; v && *v; v++)
                append(b, a, json_string(*v));
        return a;
}

static void put_strv(struct build *b, json_t *obj, const char *key, const char *const *v)
{
        if (v)
                put(b, obj, key, strv_json(b, v));
}

static json_t *kv_json(struct build *b, const char *field, const struct docker_kv *kv, size_t n)
{
        json_t *o = json_object();
        size_t i;

        for (i = 0; i < n; i++) {
                if (!kv[i].key || !kv[i].key[0]) {
                        invalid(b, "%s[%lld] has no key", field, (long long)i);
                        continue;
                }
                put(b, o, kv[i].key, json_string(kv[i].value ? kv[i].value : ""));
        }
        return o;
}

/* "8080/tcp" for a port; 0 and an invalid message when it is unusable. */
static int port_key(struct build *b, char *buf, size_t size, const char *field, size_t i,
                    unsigned port, const char *proto)
{
        char where[64];

        snprintf(where, sizeof(where), "%s[%zu]", field, i);
        if (port < 1 || port > 65535) {
                invalid(b, "%s: port %lld is out of range (1 to 65535)", where, (long long)port);
                return 0;
        }
        if (!proto || !proto[0])
                proto = "tcp";
        if (strcmp(proto, "tcp") && strcmp(proto, "udp") && strcmp(proto, "sctp")) {
                char what[128];

                snprintf(what, sizeof(what), "%s: protocol '%.40s'", where, proto);
                invalid(b, "%s is not tcp, udp or sctp", what, 0);
                return 0;
        }
        snprintf(buf, size, "%u/%s", port, proto);
        return 1;
}

static void build_ports(struct build *b, json_t *config, json_t *host)
{
        const struct docker_container_spec *s = b->spec;
        json_t *exposed = json_object(), *bindings = json_object(), *list, *one;
        char key[32], hp[16];
        size_t i;

        if (!exposed || !bindings) {
                json_decref(exposed);
                json_decref(bindings);
                b->nomem = 1;
                return;
        }
        for (i = 0; i < s->n_exposed; i++)
                if (port_key(b, key, sizeof(key), "exposed", i, s->exposed[i].port,
                             s->exposed[i].proto))
                        put(b, exposed, key, json_object());
        for (i = 0; i < s->n_ports; i++) {
                const struct docker_port_binding *p = &s->ports[i];

                if (!port_key(b, key, sizeof(key), "ports", i, p->container_port, p->proto))
                        continue;
                if (p->host_port > 65535) {
                        invalid(b, "ports[%s]: host port %lld is out of range (0 to 65535)", key,
                                (long long)p->host_port);
                        continue;
                }
                put(b, exposed, key, json_object());
                list = json_object_get(bindings, key);
                if (!list) {
                        list = json_array();
                        if (!list || json_object_set_new(bindings, key, list) < 0) {
                                b->nomem = 1;
                                continue;
                        }
                }
                one = json_object();
                hp[0] = '\0';
                if (p->host_port)
                        snprintf(hp, sizeof(hp), "%u", p->host_port);
                put(b, one, "HostIp", json_string(p->host_ip ? p->host_ip : ""));
                put(b, one, "HostPort", json_string(hp));
                append(b, list, one);
        }
        put(b, config, "ExposedPorts", exposed);
        put(b, host, "PortBindings", bindings);
}

static void build_mounts(struct build *b, json_t *host)
{
        const struct docker_container_spec *s = b->spec;
        json_t *mounts = json_array(), *binds = NULL, *m, *opt;
        char bind[4096];
        size_t i;

        for (i = 0; i < s->n_mounts; i++) {
                const struct docker_mount *mt = &s->mounts[i];

                if (!mt->target || mt->target[0] != '/') {
                        invalid(b, "%s[%lld]: the target must be an absolute path", "mounts",
                                (long long)i);
                        continue;
                }
                if (mt->type == DOCKER_MOUNT_BIND && (!mt->source || !mt->source[0])) {
                        invalid(b, "%s[%lld]: a bind mount needs a source path", "mounts",
                                (long long)i);
                        continue;
                }
                if (mt->type == DOCKER_MOUNT_BIND && mt->create_host_path) {
                        /* Binds: the engine creates a missing source directory */
                        snprintf(bind, sizeof(bind), "%s:%s%s%s%s%s", mt->source, mt->target,
                                 mt->read_only || mt->propagation ? ":" : "",
                                 mt->read_only ? "ro" : "",
                                 mt->read_only && mt->propagation ? "," : "",
                                 mt->propagation ? mt->propagation : "");
                        if (!binds)
                                binds = json_array();
                        append(b, binds, json_string(bind));
                        continue;
                }
                m = json_object();
                switch (mt->type) {
                case DOCKER_MOUNT_BIND:
                        put(b, m, "Type", json_string("bind"));
                        put_str(b, m, "Source", mt->source);
                        if (mt->propagation && mt->propagation[0]) {
                                opt = json_object();
                                put_str(b, opt, "Propagation", mt->propagation);
                                put(b, m, "BindOptions", opt);
                        }
                        break;
                case DOCKER_MOUNT_VOLUME:
                        put(b, m, "Type", json_string("volume"));
                        put_str(b, m, "Source", mt->source);
                        if (mt->no_copy) {
                                opt = json_object();
                                put(b, opt, "NoCopy", json_true());
                                put(b, m, "VolumeOptions", opt);
                        }
                        break;
                case DOCKER_MOUNT_TMPFS:
                        put(b, m, "Type", json_string("tmpfs"));
                        if (mt->tmpfs_size < 0)
                                invalid(b, "%s[%lld]: negative tmpfs size", "mounts", (long long)i);
                        if (mt->tmpfs_size > 0 || mt->tmpfs_mode) {
                                opt = json_object();
                                if (mt->tmpfs_size > 0)
                                        put(b, opt, "SizeBytes", json_integer(mt->tmpfs_size));
                                if (mt->tmpfs_mode)
                                        put(b, opt, "Mode", json_integer(mt->tmpfs_mode));
                                put(b, m, "TmpfsOptions", opt);
                        }
                        break;
                default:
                        invalid(b, "%s[%lld]: unknown mount type", "mounts", (long long)i);
                        break;
                }
                put(b, m, "Target", json_string(mt->target));
                if (mt->read_only)
                        put(b, m, "ReadOnly", json_true());
                append(b, mounts, m);
        }
        put(b, host, "Mounts", mounts);
        if (binds)
                put(b, host, "Binds", binds);
}

static void build_healthcheck(struct build *b, json_t *config)
{
        const struct docker_healthcheck *h = &b->spec->healthcheck;
        json_t *hc;

        if (!h->test && !h->interval_ns && !h->timeout_ns && !h->start_period_ns && !h->retries)
                return;
        if (h->interval_ns < 0 || h->timeout_ns < 0 || h->start_period_ns < 0 || h->retries < 0) {
                invalid(b, "%s: negative interval, timeout, start period or retries", "healthcheck",
                        0);
                return;
        }
        if (h->test && !h->test[0]) {
                invalid(b, "%s: empty test (use {\"NONE\"} to turn the check off)", "healthcheck",
                        0);
                return;
        }
        hc = json_object();
        put_strv(b, hc, "Test", h->test);
        if (h->interval_ns)
                put(b, hc, "Interval", json_integer(h->interval_ns));
        if (h->timeout_ns)
                put(b, hc, "Timeout", json_integer(h->timeout_ns));
        if (h->start_period_ns)
                put(b, hc, "StartPeriod", json_integer(h->start_period_ns));
        if (h->retries)
                put(b, hc, "Retries", json_integer(h->retries));
        put(b, config, "Healthcheck", hc);
}

static void build_devices(struct build *b, json_t *host)
{
        const struct docker_container_spec *s = b->spec;
        json_t *a, *o;
        size_t i;

        put_str(b, host, "PidMode", s->pid_mode);
        put_str(b, host, "IpcMode", s->ipc_mode);
        put_str(b, host, "UsernsMode", s->userns_mode);
        if (!s->n_devices)
                return;
        a = json_array();
        for (i = 0; i < s->n_devices; i++) {
                const struct docker_device *d = &s->devices[i];
                const char *in = d->path_in_container && d->path_in_container[0]
                                     ? d->path_in_container
                                     : d->path_on_host;

                if (!d->path_on_host || d->path_on_host[0] != '/' || in[0] != '/') {
                        invalid(b, "%s[%lld]: the paths must be absolute", "devices", (long long)i);
                        continue;
                }
                o = json_object();
                put(b, o, "PathOnHost", json_string(d->path_on_host));
                put(b, o, "PathInContainer", json_string(in));
                put(b, o, "CgroupPermissions",
                    json_string(d->permissions && d->permissions[0] ? d->permissions : "rwm"));
                append(b, a, o);
        }
        put(b, host, "Devices", a);
}

static void build_host(struct build *b, json_t *host)
{
        const struct docker_container_spec *s = b->spec;
        json_t *o, *a;
        size_t i;

        o = json_object();
        put(b, o, "Name", json_string(docker_restart_name(s->restart)));
        put(b, o, "MaximumRetryCount",
            json_integer(s->restart == DOCKER_RESTART_ON_FAILURE ? s->restart_max_retries : 0));
        put(b, host, "RestartPolicy", o);
        if (s->restart_max_retries < 0)
                invalid(b, "%s: negative maximum retry count", "restart", 0);

        if (s->memory < 0 || s->memory_reservation < 0 || s->nano_cpus < 0 || s->shm_size < 0)
                invalid(b, "%s: negative memory, memory reservation, CPUs or shm size", "resources",
                        0);
        if (s->memory > 0)
                put(b, host, "Memory", json_integer(s->memory));
        if (s->memory_reservation > 0)
                put(b, host, "MemoryReservation", json_integer(s->memory_reservation));
        if (s->nano_cpus > 0)
                put(b, host, "NanoCpus", json_integer(s->nano_cpus));
        if (s->pids_limit)
                put(b, host, "PidsLimit", json_integer(s->pids_limit));
        if (s->shm_size > 0)
                put(b, host, "ShmSize", json_integer(s->shm_size));

        if (s->log_driver || s->n_log_opts) {
                o = json_object();
                put(b, o, "Type", json_string(s->log_driver ? s->log_driver : ""));
                put(b, o, "Config", kv_json(b, "log_opts", s->log_opts, s->n_log_opts));
                put(b, host, "LogConfig", o);
        }

        put_strv(b, host, "CapAdd", s->cap_add);
        put_strv(b, host, "CapDrop", s->cap_drop);
        put(b, host, "Privileged", json_boolean(s->privileged));
        put(b, host, "ReadonlyRootfs", json_boolean(s->read_only));
        if (s->init >= 0)
                put(b, host, "Init", json_boolean(s->init));
        put_strv(b, host, "ExtraHosts", s->extra_hosts);
        put_strv(b, host, "Dns", s->dns);
        put_strv(b, host, "DnsSearch", s->dns_search);
        put_strv(b, host, "DnsOptions", s->dns_opt);
        put_strv(b, host, "SecurityOpt", s->security_opt);
        if (s->n_sysctls)
                put(b, host, "Sysctls", kv_json(b, "sysctls", s->sysctls, s->n_sysctls));
        if (s->n_tmpfs)
                put(b, host, "Tmpfs", kv_json(b, "tmpfs", s->tmpfs, s->n_tmpfs));
        if (s->n_ulimits) {
                a = json_array();
                for (i = 0; i < s->n_ulimits; i++) {
                        const struct docker_ulimit *u = &s->ulimits[i];

                        if (!u->name || !u->name[0]) {
                                invalid(b, "%s[%lld] has no name", "ulimits", (long long)i);
                                continue;
                        }
                        o = json_object();
                        put(b, o, "Name", json_string(u->name));
                        put(b, o, "Soft", json_integer(u->soft));
                        put(b, o, "Hard", json_integer(u->hard));
                        append(b, a, o);
                }
                put(b, host, "Ulimits", a);
        }
}

static void build_network(struct build *b, json_t *body, json_t *host)
{
        const struct docker_container_spec *s = b->spec;
        const char *mode = s->network_mode ? s->network_mode : s->network;
        json_t *nc, *eps, *ep;

        put_str(b, host, "NetworkMode", mode);
        if (!s->network) {
                if (s->aliases)
                        invalid(b, "%s: aliases need a network to join", "network", 0);
                return;
        }
        ep = json_object();
        put_strv(b, ep, "Aliases", s->aliases);
        if (s->network_ipv4_address && *s->network_ipv4_address)
                put(b, ep, "IPAMConfig",
                    json_pack("{s:s}", "IPv4Address", s->network_ipv4_address));
        eps = json_object();
        put(b, eps, s->network, ep);
        nc = json_object();
        put(b, nc, "EndpointsConfig", eps);
        put(b, body, "NetworkingConfig", nc);
}

int docker_container_spec_to_json(json_t **out, const struct docker_container_spec *spec,
                                  struct berth_err *err)
{
        struct build b = {.spec = spec, .who = spec->name ? spec->name : "(unnamed)", .err = err};
        json_t *body = json_object(), *host = json_object();

        *out = NULL;
        if (!spec->image || !spec->image[0])
                invalid(&b, "%s: no image given", "image", 0);
        if (spec->stop_timeout < -1)
                invalid(&b, "%s: negative stop timeout %lld", "stop_timeout", spec->stop_timeout);
        put_str(&b, body, "Image", spec->image);
        put_strv(&b, body, "Cmd", spec->cmd);
        put_strv(&b, body, "Entrypoint", spec->entrypoint);
        put_strv(&b, body, "Env", spec->env);
        put(&b, body, "Labels", kv_json(&b, "labels", spec->labels, spec->n_labels));
        put_str(&b, body, "User", spec->user);
        put_str(&b, body, "WorkingDir", spec->workdir);
        put_str(&b, body, "Hostname", spec->hostname);
        put_str(&b, body, "Domainname", spec->domainname);
        put_str(&b, body, "StopSignal", spec->stop_signal);
        if (spec->stop_timeout >= 0)
                put(&b, body, "StopTimeout", json_integer(spec->stop_timeout));
        put(&b, body, "Tty", json_boolean(spec->tty));
        put(&b, body, "OpenStdin", json_boolean(spec->stdin_open));
        build_healthcheck(&b, body);
        build_ports(&b, body, host);
        build_mounts(&b, host);
        build_host(&b, host);
        build_devices(&b, host);
        build_network(&b, body, host);
        put(&b, body, "HostConfig", host);

        if (b.bad || b.nomem) {
                json_decref(body);
                if (b.bad)
                        return BERTH_EINVALID;
                return berth_err_set(err, BERTH_ENOMEM, "out of memory");
        }
        *out = body;
        return 0;
}

/* ---- calls ------------------------------------------------------------ */

int docker_container_err(int r, const char *op, const char *container, struct berth_err *err)
{
        if (r != BERTH_ENOTFOUND || !err || strncasecmp(err->engine_msg, "no such container", 17))
                return r;
        berth_err_set(err, r, "cannot %s '%s': no such container", op, container);
        berth_err_subject(err, op, container);
        return r;
}

/* The holder's id from the engine's conflict message: `... is already in
 * use by container "e9a1...". You have to ...`, shortened to 12. */
static void conflict_holder(char *out, size_t size, const char *engine_msg)
{
        const char *p = strstr(engine_msg, "by container \"");
        size_t n = 0;

        out[0] = '\0';
        if (!p)
                return;
        p += strlen("by container \"");
        while (p[n] && p[n] != '"' && n < 12 && n + 1 < size)
                n++;
        snprintf(out, size, "%.*s", (int)n, p);
}

static int name_conflict(int r, const char *op, const char *container, const char *name,
                         struct berth_err *err)
{
        char holder[16];

        if (r != BERTH_ECONFLICT || !err || !strstr(err->engine_msg, "already in use"))
                return r;
        conflict_holder(holder, sizeof(holder), err->engine_msg);
        if (!strcmp(op, "rename container"))
                berth_err_set(err, r,
                              "cannot rename container '%s' to '%s': the name is already in use"
                              "%s%s",
                              container, name, holder[0] ? " by container " : "", holder);
        else
                berth_err_set(err, r, "cannot %s '%s': the name '%s' is already in use%s%s", op,
                              container, name, holder[0] ? " by container " : "", holder);
        berth_err_subject(err, op, container);
        return r;
}

/* "/containers/<escaped container><rest>" into path. */
static int container_path(struct berth_buf *path, const char *container, const char *rest,
                          const char *op, struct berth_err *err)
{
        char *esc;
        int r;

        if (!container || !container[0])
                return berth_err_set(err, BERTH_EINVALID, "cannot %s: no container named", op);
        esc = docker_escape(container);
        if (!esc)
                return berth_err_set(err, BERTH_ENOMEM, "out of memory");
        r = berth_buf_printf(path, "/containers/%s%s", esc, rest);
        free(esc);
        if (r == BERTH_ETOOBIG)
                return berth_err_set(err, r, "cannot %s '%.80s': name too long", op, container);
        if (r < 0)
                return berth_err_set(err, r, "out of memory");
        return 0;
}

/* A call on one container with no body and no answer worth reading. */
static int container_action(struct docker_client *c, const char *method, const char *container,
                            const char *rest, const char *op, long timeout_ms,
                            struct berth_err *err)
{
        struct docker_request req = {
            .method = method, .op = op, .object = container, .timeout_ms = timeout_ms};
        struct berth_buf path;
        int r;

        berth_buf_init(&path, PATH_MAX_LEN);
        r = container_path(&path, container, rest, op, err);
        if (r < 0)
                goto out;
        req.path = path.data;
        r = docker_call(c, &req, NULL, err);
        r = docker_container_err(r, op, container, err);
out:
        berth_buf_release(&path);
        return r;
}

int docker_container_create(char **id, struct docker_client *c,
                            const struct docker_container_spec *spec, struct berth_err *err)
{
        const char *who = spec->name ? spec->name : "(unnamed)";
        struct docker_request req = {.method = "POST", .op = "create container", .object = who};
        json_t *body = NULL, *answer = NULL;
        const char *got;
        char path[PATH_MAX_LEN], *esc = NULL;
        int r;

        if (id)
                *id = NULL;
        r = docker_container_spec_to_json(&body, spec, err);
        if (r < 0)
                goto out;
        if (spec->name) {
                esc = docker_escape(spec->name);
                if (!esc) {
                        r = berth_err_set(err, BERTH_ENOMEM, "out of memory");
                        goto out;
                }
                if (snprintf(path, sizeof(path), "/containers/create?name=%s", esc) >=
                    (int)sizeof(path)) {
                        r = berth_err_set(err, BERTH_EINVALID,
                                          "cannot create container '%.80s': name too long",
                                          spec->name);
                        goto out;
                }
        } else {
                snprintf(path, sizeof(path), "/containers/create");
        }
        req.path = path;
        req.json = body;
        r = docker_call_json(c, &req, &answer, err);
        if (r == BERTH_ENOTFOUND && err && !strncasecmp(err->engine_msg, "no such image", 13)) {
                berth_err_set(err, r,
                              "cannot create container '%s': no such image '%s' (berth does not "
                              "pull at create: pull it first)",
                              who, spec->image);
                goto out;
        }
        r = name_conflict(r, "create container", who, who, err);
        if (r < 0)
                goto out;
        got = json_string_value(json_object_get(answer, "Id"));
        if (!got || !got[0]) {
                r = berth_err_set(err, BERTH_EPROTO,
                                  "cannot create container '%s': the engine's answer has no Id",
                                  who);
                goto out;
        }
        if (id && !(*id = strdup(got)))
                r = berth_err_set(err, BERTH_ENOMEM, "out of memory");
out:
        free(esc);
        json_decref(body);
        json_decref(answer);
        return r;
}

int docker_container_start(struct docker_client *c, const char *container, struct berth_err *err)
{
        return container_action(c, "POST", container, "/start", "start container", 0, err);
}

/* HTTP timeout for an operation that may take timeout_s seconds. */
static long grace_timeout(int timeout_s)
{
        return timeout_s < 0 ? -1 : (long)timeout_s * 1000 + DOCKER_DEFAULT_TIMEOUT_MS;
}

int docker_container_stop(struct docker_client *c, const char *container, int timeout_s,
                          struct berth_err *err)
{
        char rest[32] = "/stop";

        if (timeout_s >= 0)
                snprintf(rest, sizeof(rest), "/stop?t=%d", timeout_s);
        return container_action(c, "POST", container, rest, "stop container",
                                grace_timeout(timeout_s), err);
}

int docker_container_restart(struct docker_client *c, const char *container, int timeout_s,
                             struct berth_err *err)
{
        char rest[32] = "/restart";

        if (timeout_s >= 0)
                snprintf(rest, sizeof(rest), "/restart?t=%d", timeout_s);
        return container_action(c, "POST", container, rest, "restart container",
                                grace_timeout(timeout_s), err);
}

int docker_container_kill(struct docker_client *c, const char *container, const char *signal,
                          struct berth_err *err)
{
        char rest[128] = "/kill", *esc;
        int r;

        if (!signal || !signal[0])
                return container_action(c, "POST", container, rest, "kill container", 0, err);
        esc = docker_escape(signal);
        if (!esc)
                return berth_err_set(err, BERTH_ENOMEM, "out of memory");
        if (snprintf(rest, sizeof(rest), "/kill?signal=%s", esc) >= (int)sizeof(rest))
                r = berth_err_set(err, BERTH_EINVALID,
                                  "cannot kill container '%s': bad signal '%.40s'", container,
                                  signal);
        else
                r = container_action(c, "POST", container, rest, "kill container", 0, err);
        free(esc);
        return r;
}

int docker_container_remove(struct docker_client *c, const char *container, unsigned flags,
                            struct berth_err *err)
{
        char rest[32];

        snprintf(rest, sizeof(rest), "?force=%d&v=%d", !!(flags & DOCKER_REMOVE_FORCE),
                 !!(flags & DOCKER_REMOVE_VOLUMES));
        return container_action(c, "DELETE", container, rest, "remove container", 0, err);
}

int docker_container_rename(struct docker_client *c, const char *container, const char *new_name,
                            struct berth_err *err)
{
        struct berth_buf rest;
        char *esc = NULL;
        int r;

        berth_buf_init(&rest, PATH_MAX_LEN);
        esc = new_name ? docker_escape(new_name) : NULL;
        if (!new_name || !new_name[0]) {
                r = berth_err_set(err, BERTH_EINVALID,
                                  "cannot rename container '%s': no new name given", container);
                goto out;
        }
        if (!esc || berth_buf_printf(&rest, "/rename?name=%s", esc) < 0) {
                r = berth_err_set(err, BERTH_ENOMEM, "out of memory");
                goto out;
        }
        r = container_action(c, "POST", container, rest.data, "rename container", 0, err);
        r = name_conflict(r, "rename container", container, new_name, err);
out:
        free(esc);
        berth_buf_release(&rest);
        return r;
}

int docker_container_wait(struct docker_wait_result *out, struct docker_client *c,
                          const char *container, enum docker_wait_condition cond, long timeout_ms,
                          atomic_int *cancel, struct berth_err *err)
{
        static const char *const conds[] = {"not-running", "next-exit", "removed"};
        struct docker_request req = {.method = "POST",
                                     .op = "wait for container",
                                     .object = container,
                                     .timeout_ms = timeout_ms,
                                     .cancel = cancel};
        struct berth_buf path;
        json_t *answer = NULL, *code, *e;
        int r;

        memset(out, 0, sizeof(*out));
        berth_buf_init(&path, PATH_MAX_LEN);
        if ((unsigned)cond > DOCKER_WAIT_REMOVED) {
                r = berth_err_set(err, BERTH_EINVALID,
                                  "cannot wait for container '%s': unknown condition %d", container,
                                  (int)cond);
                goto out;
        }
        r = container_path(&path, container, "/wait?condition=", req.op, err);
        if (r == 0 && berth_buf_addstr(&path, conds[cond]) < 0)
                r = berth_err_set(err, BERTH_ENOMEM, "out of memory");
        if (r < 0)
                goto out;
        req.path = path.data;
        r = docker_call_json(c, &req, &answer, err);
        r = docker_container_err(r, req.op, container, err);
        if (r < 0)
                goto out;
        code = json_object_get(answer, "StatusCode");
        if (!json_is_integer(code)) {
                r = berth_err_set(err, BERTH_EPROTO,
                                  "cannot wait for container '%s': the engine's answer has no "
                                  "StatusCode",
                                  container);
                goto out;
        }
        out->exit_code = (long)json_integer_value(code);
        e = json_object_get(json_object_get(answer, "Error"), "Message");
        if (json_is_string(e))
                snprintf(out->error, sizeof(out->error), "%s", json_string_value(e));
out:
        json_decref(answer);
        berth_buf_release(&path);
        return r;
}

/* ---- list and inspect ------------------------------------------------- */

/* Readers of the engine's JSON: absent or mistyped fields read as "", 0. */
static const char *jstr(const json_t *o, const char *key)
{
        const char *s = json_string_value(json_object_get(o, key));

        return s ? s : "";
}

static int jbool(const json_t *o, const char *key)
{
        return json_is_true(json_object_get(o, key));
}

static const char *no_slash(const char *name)
{
        return name[0] == '/' ? name + 1 : name;
}

static unsigned port_number(const char *s)
{
        char *end;
        unsigned long v = strtoul(s, &end, 10);

        return end != s && v <= 65535 ? (unsigned)v : 0;
}

static int kv_cmp(const void *a, const void *b)
{
        return strcmp(((const struct docker_kv *)a)->key, ((const struct docker_kv *)b)->key);
}

/* A JSON object of strings as a kv array sorted by key, pointing into it. */
static int kv_parse(struct docker_kv **out, size_t *n, json_t *obj)
{
        size_t count = json_is_object(obj) ? json_object_size(obj) : 0, i = 0;
        const char *key;
        json_t *v;

        *out = NULL;
        *n = 0;
        if (!count)
                return 0;
        *out = calloc(count, sizeof(**out));
        if (!*out)
                return BERTH_ENOMEM;
        json_object_foreach(obj, key, v)
        {
                (*out)[i].key = key;
                (*out)[i].value = json_is_string(v) ? json_string_value(v) : "";
                i++;
        }
        qsort(*out, i, sizeof(**out), kv_cmp);
        *n = i;
        return 0;
}

/* A JSON array of strings as a NULL-terminated array pointing into it. */
static int strv_parse(const char ***out, size_t *n, const json_t *arr, int strip_slash)
{
        size_t count = json_is_array(arr) ? json_array_size(arr) : 0, i, k = 0;
        const char *s;

        *n = 0;
        *out = calloc(count + 1, sizeof(**out));
        if (!*out)
                return BERTH_ENOMEM;
        for (i = 0; i < count; i++) {
                s = json_string_value(json_array_get(arr, i));
                if (s)
                        (*out)[k++] = strip_slash ? no_slash(s) : s;
        }
        *n = k;
        return 0;
}

static int summary_parse(struct docker_container_summary *sum, json_t *item)
{
        json_t *ports = json_object_get(item, "Ports"), *p;
        size_t i;

        sum->id = jstr(item, "Id");
        sum->image = jstr(item, "Image");
        sum->image_id = jstr(item, "ImageID");
        sum->command = jstr(item, "Command");
        sum->state = jstr(item, "State");
        sum->status = jstr(item, "Status");
        sum->created = docker_json_int(item, "Created");
        if (strv_parse(&sum->names, &sum->n_names, json_object_get(item, "Names"), 1) < 0 ||
            kv_parse(&sum->labels, &sum->n_labels, json_object_get(item, "Labels")) < 0)
                return BERTH_ENOMEM;
        if (!json_is_array(ports) || !json_array_size(ports))
                return 0;
        sum->ports = calloc(json_array_size(ports), sizeof(*sum->ports));
        if (!sum->ports)
                return BERTH_ENOMEM;
        json_array_foreach(ports, i, p)
        {
                sum->ports[i].ip = jstr(p, "IP");
                sum->ports[i].private_port = (unsigned)docker_json_int(p, "PrivatePort");
                sum->ports[i].public_port = (unsigned)docker_json_int(p, "PublicPort");
                sum->ports[i].type = jstr(p, "Type");
        }
        sum->n_ports = json_array_size(ports);
        return 0;
}

/* Append "&filters={"label":[...]}" (escaped) to path: 0, BERTH_ENOMEM or
 * BERTH_ETOOBIG. */
static int label_filters(struct berth_buf *path, const char *const *labels)
{
        json_t *filters = json_pack("{s:[]}", "label");
        json_t *arr = json_object_get(filters, "label");
        char *text = NULL, *esc = NULL;
        size_t i;
        int r = arr ? 0 : BERTH_ENOMEM;

        for (i = 0; r == 0 && labels[i]; i++)
                if (json_array_append_new(arr, json_string(labels[i])) < 0)
                        r = BERTH_ENOMEM;
        if (r == 0 && !(text = json_dumps(filters, JSON_COMPACT)))
                r = BERTH_ENOMEM;
        if (r == 0 && !(esc = docker_escape(text)))
                r = BERTH_ENOMEM;
        if (r == 0)
                r = berth_buf_printf(path, "&filters=%s", esc);
        json_decref(filters);
        free(text);
        free(esc);
        return r;
}

int docker_container_list(struct docker_container_list *out, struct docker_client *c,
                          const char *const *labels, struct berth_err *err)
{
        struct docker_request req = {.method = "GET", .op = "list containers"};
        struct berth_buf path;
        json_t *raw = NULL;
        int r;

        memset(out, 0, sizeof(*out));
        berth_buf_init(&path, 1 << 16);
        r = berth_buf_addstr(&path, "/containers/json?all=1");
        if (r == 0 && labels && labels[0])
                r = label_filters(&path, labels);
        if (r < 0) {
                r = berth_err_set(err, r, "cannot list containers: %s",
                                  r == BERTH_ETOOBIG ? "label filter too long" : "out of memory");
                goto out;
        }
        req.path = path.data;
        r = docker_call_json(c, &req, &raw, err);
        if (r == 0)
                r = docker_container_list_parse(out, raw, err);
out:
        berth_buf_release(&path);
        return r;
}

int docker_container_list_parse(struct docker_container_list *out, json_t *raw,
                                struct berth_err *err)
{
        json_t *item;
        size_t i;

        memset(out, 0, sizeof(*out));
        out->raw = raw;
        if (!json_is_array(raw))
                return berth_err_set(err, BERTH_EPROTO,
                                     "cannot list containers: the engine's answer is not a list");
        out->items = calloc(json_array_size(raw) + 1, sizeof(*out->items));
        if (!out->items)
                return berth_err_set(err, BERTH_ENOMEM, "out of memory");
        json_array_foreach(raw, i, item)
        {
                out->count = i + 1;
                if (summary_parse(&out->items[i], item) < 0)
                        return berth_err_set(err, BERTH_ENOMEM, "out of memory");
        }
        return 0;
}

void docker_container_list_release(struct docker_container_list *list)
{
        size_t i;

        if (!list)
                return;
        for (i = 0; i < list->count; i++) {
                free(list->items[i].names);
                free(list->items[i].labels);
                free(list->items[i].ports);
        }
        free(list->items);
        json_decref(list->raw);
        memset(list, 0, sizeof(*list));
}

static int state_parse(struct docker_container_state *st, json_t *state)
{
        json_t *health = json_object_get(state, "Health"), *log, *e;
        size_t i;

        st->status = jstr(state, "Status");
        st->running = jbool(state, "Running");
        st->paused = jbool(state, "Paused");
        st->restarting = jbool(state, "Restarting");
        st->oom_killed = jbool(state, "OOMKilled");
        st->dead = jbool(state, "Dead");
        st->pid = (long)docker_json_int(state, "Pid");
        st->exit_code = (long)docker_json_int(state, "ExitCode");
        st->error = jstr(state, "Error");
        st->started_at = jstr(state, "StartedAt");
        st->finished_at = jstr(state, "FinishedAt");
        st->health = "";
        if (!json_is_object(health))
                return 0;
        st->has_health = 1;
        st->health = jstr(health, "Status");
        st->failing_streak = (int)docker_json_int(health, "FailingStreak");
        log = json_object_get(health, "Log");
        if (!json_is_array(log) || !json_array_size(log))
                return 0;
        st->health_log = calloc(json_array_size(log), sizeof(*st->health_log));
        if (!st->health_log)
                return BERTH_ENOMEM;
        json_array_foreach(log, i, e)
        {
                st->health_log[i].start = jstr(e, "Start");
                st->health_log[i].end = jstr(e, "End");
                st->health_log[i].exit_code = (long)docker_json_int(e, "ExitCode");
                st->health_log[i].output = jstr(e, "Output");
        }
        st->n_health_log = json_array_size(log);
        return 0;
}

/* NetworkSettings.Ports: {"80/tcp": [{"HostIp", "HostPort"}, ...] or null}. */
static int ports_parse(struct docker_container_info *info, json_t *ports)
{
        const char *key, *slash;
        json_t *list, *b;
        size_t count = 0, i;

        json_object_foreach(ports, key, list) count +=
            json_is_array(list) ? json_array_size(list) : 0;
        if (!count)
                return 0;
        info->ports = calloc(count, sizeof(*info->ports));
        if (!info->ports)
                return BERTH_ENOMEM;
        json_object_foreach(ports, key, list)
        {
                slash = strchr(key, '/');
                json_array_foreach(list, i, b)
                {
                        struct docker_published_port *p = &info->ports[info->n_ports++];

                        p->container_port = port_number(key);
                        p->proto = slash ? slash + 1 : "tcp";
                        p->host_ip = jstr(b, "HostIp");
                        p->host_port = port_number(jstr(b, "HostPort"));
                }
        }
        return 0;
}

static int networks_parse(struct docker_container_info *info, json_t *nets)
{
        const char *name;
        json_t *n;

        if (!json_is_object(nets) || !json_object_size(nets))
                return 0;
        info->networks = calloc(json_object_size(nets), sizeof(*info->networks));
        if (!info->networks)
                return BERTH_ENOMEM;
        json_object_foreach(nets, name, n)
        {
                struct docker_endpoint *ep = &info->networks[info->n_networks++];

                ep->network = name;
                ep->network_id = jstr(n, "NetworkID");
                ep->ip_address = jstr(n, "IPAddress");
                ep->ip_prefix_len = (int)docker_json_int(n, "IPPrefixLen");
                ep->gateway = jstr(n, "Gateway");
                ep->mac_address = jstr(n, "MacAddress");
                if (strv_parse(&ep->aliases, &ep->n_aliases, json_object_get(n, "Aliases"), 0) < 0)
                        return BERTH_ENOMEM;
        }
        return 0;
}

static int mounts_parse(struct docker_container_info *info, json_t *mounts)
{
        json_t *m;
        size_t i;

        if (!json_is_array(mounts) || !json_array_size(mounts))
                return 0;
        info->mounts = calloc(json_array_size(mounts), sizeof(*info->mounts));
        if (!info->mounts)
                return BERTH_ENOMEM;
        json_array_foreach(mounts, i, m)
        {
                struct docker_mount_point *mp = &info->mounts[i];

                mp->type = jstr(m, "Type");
                mp->name = jstr(m, "Name");
                mp->source = jstr(m, "Source");
                mp->destination = jstr(m, "Destination");
                mp->driver = jstr(m, "Driver");
                mp->mode = jstr(m, "Mode");
                mp->rw = jbool(m, "RW");
                mp->propagation = jstr(m, "Propagation");
        }
        info->n_mounts = json_array_size(mounts);
        return 0;
}

int docker_container_info_parse(struct docker_container_info *out, json_t *raw,
                                struct berth_err *err)
{
        json_t *config = json_object_get(raw, "Config");
        json_t *net = json_object_get(raw, "NetworkSettings");
        int r;

        memset(out, 0, sizeof(*out));
        out->raw = raw;
        if (!json_is_object(raw) || !json_is_string(json_object_get(raw, "Id")))
                return berth_err_set(err, BERTH_EPROTO,
                                     "cannot inspect container: the engine's answer has no Id");
        out->id = jstr(raw, "Id");
        out->name = no_slash(jstr(raw, "Name"));
        out->image_id = jstr(raw, "Image");
        out->config_image = jstr(config, "Image");
        out->created = jstr(raw, "Created");
        out->tty = jbool(config, "Tty");
        out->restart_count = (long)docker_json_int(raw, "RestartCount");
        r = state_parse(&out->state, json_object_get(raw, "State"));
        if (r == 0)
                r = kv_parse(&out->labels, &out->n_labels, json_object_get(config, "Labels"));
        if (r == 0)
                r = ports_parse(out, json_object_get(net, "Ports"));
        if (r == 0)
                r = networks_parse(out, json_object_get(net, "Networks"));
        if (r == 0)
                r = mounts_parse(out, json_object_get(raw, "Mounts"));
        if (r < 0)
                return berth_err_set(err, r, "out of memory");
        return 0;
}

int docker_container_inspect(struct docker_container_info *out, struct docker_client *c,
                             const char *container, struct berth_err *err)
{
        struct docker_request req = {
            .method = "GET", .op = "inspect container", .object = container};
        struct berth_buf path;
        json_t *raw = NULL;
        int r;

        memset(out, 0, sizeof(*out));
        berth_buf_init(&path, PATH_MAX_LEN);
        r = container_path(&path, container, "/json", req.op, err);
        if (r < 0)
                goto out;
        req.path = path.data;
        r = docker_call_json(c, &req, &raw, err);
        r = docker_container_err(r, req.op, container, err);
        if (r == 0) {
                r = docker_container_info_parse(out, raw, err);
                if (r == BERTH_EPROTO)
                        berth_err_set(err, r,
                                      "cannot inspect container '%s': the engine's answer has no "
                                      "Id",
                                      container);
        } else {
                json_decref(raw);
        }
out:
        berth_buf_release(&path);
        return r;
}

void docker_container_info_release(struct docker_container_info *info)
{
        size_t i;

        if (!info)
                return;
        free(info->state.health_log);
        free(info->labels);
        free(info->ports);
        for (i = 0; i < info->n_networks; i++)
                free(info->networks[i].aliases);
        free(info->networks);
        free(info->mounts);
        json_decref(info->raw);
        memset(info, 0, sizeof(*info));
}
