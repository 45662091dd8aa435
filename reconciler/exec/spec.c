#include "exec/spec.h"

#include <limits.h>
#include <stdarg.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <jansson.h>

#include "common/arena.h"
#include "common/labels.h"

/* Building state: an allocation that fails sets nomem (checked once at
 * the end, so the copies below need no error path of their own); the
 * first value the spec cannot carry fills err and sets bad. */
struct build {
        struct exec_spec *es;
        struct berth_arena *a;
        const struct model_project *p;
        const struct model_service *s;
        const char *name;
        int nomem;
        int bad;
        struct berth_err *err;
};

static void *alloc_array(struct build *b, size_t n, size_t size)
{
        void *v;

        if (n && size > SIZE_MAX / n) {
                b->nomem = 1;
                return NULL;
        }
        v = berth_arena_alloc(b->a, n && size ? n * size : 1);
        if (!v)
                b->nomem = 1;
        return v;
}

static const char *copy_str(struct build *b, const char *s)
{
        char *d = berth_arena_strdup(b->a, s);

        if (s && !d)
                b->nomem = 1;
        return d;
}

/* The field named (and the position given, when known) cannot go into
 * the create request: what says why. */
static void invalid(struct build *b, const struct model_pos *pos, const char *field,
                    const char *fmt, ...) __attribute__((format(printf, 4, 5)));

static void invalid(struct build *b, const struct model_pos *pos, const char *field,
                    const char *fmt, ...)
{
        char what[512];
        va_list ap;

        if (b->bad)
                return;
        b->bad = 1;
        va_start(ap, fmt);
        vsnprintf(what, sizeof(what), fmt, ap);
        va_end(ap);
        berth_err_set(b->err, BERTH_EINVALID, "cannot build container '%s' of service '%s': %s: %s",
                      b->name, b->s->name, field, what);
        berth_err_subject(b->err, "build container", b->name);
        if (pos && pos->file)
                berth_err_at(b->err, pos->file, pos->line, pos->col);
}

/* A strlist as a NULL-terminated copy: NULL when it was not written, a
 * non-NULL (possibly empty) list when it was. */
static const char *const *strv(struct build *b, const struct model_strlist *l)
{
        const char **v;
        size_t i;

        if (!l->set)
                return NULL;
        v = alloc_array(b, l->n + 1, sizeof(*v));
        for (i = 0; v && i < l->n; i++)
                v[i] = copy_str(b, l->v[i]);
        return v;
}

/* l into dst[0..l->n), a missing value as "". */
static void kv_fill(struct build *b, struct docker_kv *dst, const struct model_kvlist *l)
{
        size_t i;

        for (i = 0; i < l->n; i++) {
                dst[i].key = copy_str(b, l->v[i].key);
                dst[i].value = copy_str(b, l->v[i].value ? l->v[i].value : "");
        }
}

static const struct docker_kv *kv_copy(struct build *b, const struct model_kvlist *l)
{
        struct docker_kv *v;

        if (!l->n)
                return NULL;
        v = alloc_array(b, l->n, sizeof(*v));
        if (v)
                kv_fill(b, v, l);
        return v;
}

/* ---- environment and labels ------------------------------------------- */

static void build_env(struct build *b)
{
        const struct model_kvlist *l = &b->s->environment;
        const char **v;
        size_t i;

        if (!l->n)
                return;
        v = alloc_array(b, l->n + 1, sizeof(*v));
        for (i = 0; v && i < l->n; i++) {
                if (l->v[i].value)
                        v[i] = berth_arena_printf(b->a, "%s=%s", l->v[i].key, l->v[i].value);
                else
                        v[i] = berth_arena_strdup(b->a, l->v[i].key);
                if (!v[i])
                        b->nomem = 1;
        }
        b->es->spec.env = v;
}

/* berth.applied: the redacted canonical spec without its unset members,
 * compact with sorted keys. */
static const char *applied(struct build *b)
{
        json_t *j = model_service_canonical(b->p, b->s, 1);
        char *text;

        model_canonical_drop_unset(j);
        text = j ? json_dumps(j, JSON_COMPACT | JSON_SORT_KEYS) : NULL;
        const char *copy = text ? copy_str(b, text) : NULL;

        if (!text)
                b->nomem = 1;
        free(text);
        json_decref(j);
        return copy;
}

/* "db,cache": what the service depends on, for removal order. */
static const char *depends_on(struct build *b)
{
        const struct model_service *s = b->s;
        size_t i, len = 1;
        char *v;

        for (i = 0; i < s->ndepends_on; i++)
                len += strlen(s->depends_on[i].service) + 1;
        v = berth_arena_alloc(b->a, len);
        if (!v) {
                b->nomem = 1;
                return "";
        }
        for (i = 0; i < s->ndepends_on; i++) {
                if (i)
                        strcat(v, ",");
                strcat(v, s->depends_on[i].service);
        }
        return v;
}

static void build_labels(struct build *b, int replica, const struct exec_spec_meta *meta)
{
        const struct model_kvlist *user = &b->s->labels;
        struct docker_kv *v;
        size_t n;

        v = alloc_array(b, user->n + 10, sizeof(*v)); /* berth's: 10 at most */
        if (!v)
                return;
        kv_fill(b, v, user);
        n = user->n;
        v[n++] = (struct docker_kv){BERTH_LABEL_SCOPE, copy_str(b, meta->scope)};
        v[n++] = (struct docker_kv){BERTH_LABEL_PROJECT, copy_str(b, b->p->name)};
        v[n++] = (struct docker_kv){BERTH_LABEL_SERVICE, copy_str(b, b->s->name)};
        v[n] = (struct docker_kv){BERTH_LABEL_REPLICA, berth_arena_printf(b->a, "%d", replica)};
        if (!v[n++].value)
                b->nomem = 1;
        v[n++] = (struct docker_kv){BERTH_LABEL_CONFIG_HASH, b->es->config_hash};
        v[n++] = (struct docker_kv){BERTH_LABEL_APPLIED, applied(b)};
        v[n++] =
            (struct docker_kv){BERTH_LABEL_SOURCE, copy_str(b, b->p->source ? b->p->source : "")};
        if (meta->revision && meta->revision[0])
                v[n++] = (struct docker_kv){BERTH_LABEL_REVISION, copy_str(b, meta->revision)};
        if (meta->temp) /* the temporary name: no longer the name once renamed */
                v[n++] = (struct docker_kv){BERTH_LABEL_TEMP, b->es->spec.name};
        if (b->s->ndepends_on)
                v[n++] = (struct docker_kv){BERTH_LABEL_DEPENDS_ON, depends_on(b)};
        b->es->spec.labels = v;
        b->es->spec.n_labels = n;
}

/* ---- ports and mounts ------------------------------------------------- */

static void build_ports(struct build *b)
{
        const struct model_service *s = b->s;
        struct docker_port_binding *v;
        struct docker_port *e;
        char field[48];
        const char *t, *slash;
        char *end;
        unsigned long port;
        size_t i;

        v = s->nports ? alloc_array(b, s->nports, sizeof(*v)) : NULL;
        for (i = 0; v && i < s->nports; i++) {
                const struct model_port *mp = &s->ports[i];

                snprintf(field, sizeof(field), "ports[%zu]", mp->item);
                if (mp->target < 1 || mp->target > 65535)
                        invalid(b, &mp->pos, field,
                                "container port %d is out of range (1 to 65535)", mp->target);
                if (mp->published < 0 || mp->published > 65535)
                        invalid(b, &mp->pos, field,
                                "published port %d is out of range (0 to 65535)", mp->published);
                v[i].container_port = (unsigned)mp->target;
                v[i].proto = copy_str(b, mp->protocol);
                v[i].host_ip = copy_str(b, mp->host_ip);
                v[i].host_port = (unsigned)mp->published;
        }
        b->es->spec.ports = v;
        b->es->spec.n_ports = v ? s->nports : 0;

        e = s->expose.n ? alloc_array(b, s->expose.n, sizeof(*e)) : NULL;
        for (i = 0; e && i < s->expose.n; i++) {
                t = s->expose.v[i];
                slash = strchr(t, '/');
                port = strtoul(t, &end, 10);
                snprintf(field, sizeof(field), "expose[%zu]", i);
                if (end == t || (*end && *end != '/') || port < 1 || port > 65535)
                        invalid(b, &s->pos, field, "'%s' is not PORT[/PROTOCOL]", t);
                e[i].port = (unsigned)port;
                e[i].proto = slash ? copy_str(b, slash + 1) : "tcp";
        }
        b->es->spec.exposed = e;
        b->es->spec.n_exposed = e ? s->expose.n : 0;
}

static void build_mounts(struct build *b)
{
        const struct model_service *s = b->s;
        struct docker_mount *v;
        struct docker_kv *t;
        const char *colon;
        size_t i;

        v = s->nmounts ? alloc_array(b, s->nmounts, sizeof(*v)) : NULL;
        for (i = 0; v && i < s->nmounts; i++) {
                const struct model_mount *m = &s->mounts[i];

                switch (m->type) {
                case MODEL_MOUNT_BIND:
                        v[i].type = DOCKER_MOUNT_BIND;
                        break;
                case MODEL_MOUNT_TMPFS:
                        v[i].type = DOCKER_MOUNT_TMPFS;
                        break;
                case MODEL_MOUNT_VOLUME:
                default:
                        v[i].type = DOCKER_MOUNT_VOLUME;
                        break;
                }
                v[i].source = copy_str(b, m->source);
                v[i].target = copy_str(b, m->target);
                v[i].read_only = m->read_only;
                v[i].propagation = copy_str(b, m->propagation);
                v[i].create_host_path = m->create_host_path;
                v[i].no_copy = m->nocopy;
                v[i].tmpfs_size = m->tmpfs_size == MODEL_UNSET ? 0 : m->tmpfs_size;
                /* mode 0 is the engine's default (1777), as compose sends it */
                v[i].tmpfs_mode = m->tmpfs_mode == MODEL_UNSET ? 0 : (unsigned)m->tmpfs_mode;
        }
        b->es->spec.mounts = v;
        b->es->spec.n_mounts = v ? s->nmounts : 0;

        /* tmpfs: "/run" or "/run:size=64m,mode=1777" → path and options */
        t = s->tmpfs.n ? alloc_array(b, s->tmpfs.n, sizeof(*t)) : NULL;
        for (i = 0; t && i < s->tmpfs.n; i++) {
                colon = strchr(s->tmpfs.v[i], ':');
                if (colon) {
                        t[i].key = berth_arena_strndup(b->a, s->tmpfs.v[i],
                                                       (size_t)(colon - s->tmpfs.v[i]));
                        if (!t[i].key)
                                b->nomem = 1;
                        t[i].value = copy_str(b, colon + 1);
                } else {
                        t[i].key = copy_str(b, s->tmpfs.v[i]);
                        t[i].value = "";
                }
        }
        b->es->spec.tmpfs = t;
        b->es->spec.n_tmpfs = t ? s->tmpfs.n : 0;
}

/* ---- networks --------------------------------------------------------- */

/* [service name, aliases...] with repeats left out. */
static const char *const *aliases(struct build *b, const struct model_service_network *n)
{
        const char **v = alloc_array(b, n->aliases.n + 2, sizeof(*v));
        size_t i, k, count = 0;

        if (!v)
                return NULL;
        v[count++] = copy_str(b, b->s->name);
        for (i = 0; i < n->aliases.n; i++) {
                for (k = 0; k < count && strcmp(v[k] ? v[k] : "", n->aliases.v[i]); k++)
                        ;
                if (k == count)
                        v[count++] = copy_str(b, n->aliases.v[i]);
        }
        return v;
}

/* The service's networks by priority, highest first, and by name among
 * equal priorities (the model keeps them sorted by name): the order
 * compose 1.29 joins them in, whose first is the one joined at create. */
static void build_networks(struct build *b)
{
        const struct model_service *s = b->s;
        const struct model_service_network **order, *n, *tmp;
        struct exec_spec_connect *c;
        size_t i, k;

        if (s->network_mode) {
                /* service:X is compose's spelling; the engine wants the
                 * container: X's first replica. */
                const struct model_service *x = strncmp(s->network_mode, "service:", 8)
                                                    ? NULL
                                                    : model_service_find(b->p, s->network_mode + 8);
                char name[512];

                if (x) {
                        b->es->spec.network_mode = berth_arena_printf(
                            b->a, "container:%s",
                            model_container_name(b->p, x, 1, name, sizeof(name)));
                        b->nomem |= !b->es->spec.network_mode;
                } else
                        b->es->spec.network_mode = copy_str(b, s->network_mode);
                return;
        }
        if (!s->nnetworks)
                return;
        order = alloc_array(b, s->nnetworks, sizeof(*order));
        if (!order)
                return;
        for (i = 0; i < s->nnetworks; i++) {
                order[i] = &s->networks[i];
                for (k = i; k > 0 && order[k]->priority > order[k - 1]->priority; k--) {
                        tmp = order[k];
                        order[k] = order[k - 1];
                        order[k - 1] = tmp;
                }
        }
        n = order[0];
        b->es->spec.network = copy_str(b, n->engine_name);
        b->es->spec.network_ipv4_address = copy_str(b, n->ipv4_address);
        b->es->spec.aliases = aliases(b, n);
        if (s->nnetworks == 1)
                return;
        c = alloc_array(b, s->nnetworks - 1, sizeof(*c));
        for (i = 1; c && i < s->nnetworks; i++) {
                c[i - 1].network = copy_str(b, order[i]->engine_name);
                c[i - 1].attach.aliases = aliases(b, order[i]);
                c[i - 1].attach.ipv4_address = copy_str(b, order[i]->ipv4_address);
        }
        b->es->connect = c;
        b->es->nconnect = c ? s->nnetworks - 1 : 0;
}

/* ---- the rest --------------------------------------------------------- */

static long long unset_zero(int64_t v)
{
        return v == MODEL_UNSET ? 0 : (long long)v;
}

static void build_healthcheck(struct build *b)
{
        static const char *const none[] = {"NONE", NULL};
        const struct model_healthcheck *h = &b->s->healthcheck;
        struct docker_healthcheck *d = &b->es->spec.healthcheck;

        if (!h->set)
                return;
        if (h->disable)
                d->test = none;
        else if (h->test.set && h->test.n)
                d->test = strv(b, &h->test);
        d->interval_ns = unset_zero(h->interval);
        d->timeout_ns = unset_zero(h->timeout);
        d->start_period_ns = unset_zero(h->start_period);
        if (h->retries != MODEL_UNSET && (h->retries < 0 || h->retries > INT_MAX))
                invalid(b, &b->s->pos, "healthcheck.retries", "%lld is out of range (0 to %d)",
                        (long long)h->retries, INT_MAX);
        else
                d->retries = (int)unset_zero(h->retries);
        if (h->interval < 0 && h->interval != MODEL_UNSET)
                invalid(b, &b->s->pos, "healthcheck.interval", "a negative duration");
        if (h->timeout < 0 && h->timeout != MODEL_UNSET)
                invalid(b, &b->s->pos, "healthcheck.timeout", "a negative duration");
        if (h->start_period < 0 && h->start_period != MODEL_UNSET)
                invalid(b, &b->s->pos, "healthcheck.start_period", "a negative duration");
}

static void build_restart(struct build *b)
{
        const struct model_service *s = b->s;
        struct docker_container_spec *d = &b->es->spec;

        switch (s->restart) {
        case MODEL_RESTART_ALWAYS:
                d->restart = DOCKER_RESTART_ALWAYS;
                break;
        case MODEL_RESTART_UNLESS_STOPPED:
                d->restart = DOCKER_RESTART_UNLESS_STOPPED;
                break;
        case MODEL_RESTART_ON_FAILURE:
                d->restart = DOCKER_RESTART_ON_FAILURE;
                break;
        case MODEL_RESTART_NO:
        default:
                d->restart = DOCKER_RESTART_NO;
                break;
        }
        if (s->restart_max_retries == MODEL_UNSET)
                return;
        if (s->restart_max_retries < 0 || s->restart_max_retries > INT_MAX)
                invalid(b, &s->pos, "restart", "%lld retries is out of range (0 to %d)",
                        (long long)s->restart_max_retries, INT_MAX);
        else
                d->restart_max_retries = (int)s->restart_max_retries;
}

/* stop_grace_period in whole seconds, rounded up: the container gets at
 * least the time asked for. */
static void build_stop(struct build *b)
{
        const struct model_service *s = b->s;
        int64_t ns = s->stop_grace_period, sec;

        b->es->spec.stop_signal = copy_str(b, s->stop_signal);
        if (ns == MODEL_UNSET)
                return;
        if (ns < 0) {
                invalid(b, &s->pos, "stop_grace_period", "a negative duration");
                return;
        }
        sec = model_duration_seconds_up(ns);
        if (sec > INT_MAX)
                invalid(b, &s->pos, "stop_grace_period", "%lld s is more than the engine takes",
                        (long long)sec);
        else
                b->es->spec.stop_timeout = (int)sec;
}

static void build_limits(struct build *b)
{
        const struct model_service *s = b->s;
        struct docker_container_spec *d = &b->es->spec;
        struct docker_ulimit *u;
        size_t i;

        d->memory = unset_zero(s->mem_limit);
        d->memory_reservation = unset_zero(s->mem_reservation);
        d->nano_cpus = unset_zero(s->nano_cpus);
        d->pids_limit = unset_zero(s->pids_limit);
        d->shm_size = unset_zero(s->shm_size);
        u = s->nulimits ? alloc_array(b, s->nulimits, sizeof(*u)) : NULL;
        for (i = 0; u && i < s->nulimits; i++) {
                u[i].name = copy_str(b, s->ulimits[i].name);
                u[i].soft = s->ulimits[i].soft;
                u[i].hard = s->ulimits[i].hard;
        }
        d->ulimits = u;
        d->n_ulimits = u ? s->nulimits : 0;
}

static void build_rest(struct build *b)
{
        const struct model_service *s = b->s;
        struct docker_container_spec *d = &b->es->spec;

        d->cmd = strv(b, &s->command);
        d->entrypoint = strv(b, &s->entrypoint);
        d->log_driver = copy_str(b, s->log_driver);
        d->log_opts = kv_copy(b, &s->log_options);
        d->n_log_opts = d->log_opts ? s->log_options.n : 0;
        d->user = copy_str(b, s->user);
        d->workdir = copy_str(b, s->working_dir);
        d->hostname = copy_str(b, s->hostname);
        d->cap_add = strv(b, &s->cap_add);
        d->cap_drop = strv(b, &s->cap_drop);
        d->privileged = s->privileged;
        d->read_only = s->read_only;
        d->init = s->init < 0 ? -1 : !!s->init;
        d->tty = s->tty;
        d->stdin_open = s->stdin_open;
        d->extra_hosts = strv(b, &s->extra_hosts);
        d->dns = strv(b, &s->dns);
        d->dns_search = strv(b, &s->dns_search);
        d->dns_opt = strv(b, &s->dns_opt);
        d->security_opt = strv(b, &s->security_opt);
        d->sysctls = kv_copy(b, &s->sysctls);
        d->n_sysctls = d->sysctls ? s->sysctls.n : 0;
}

static void build_namespaces(struct build *b)
{
        const struct model_service *s = b->s;
        struct docker_container_spec *d = &b->es->spec;
        struct docker_device *v;
        size_t i;

        d->pid_mode = copy_str(b, s->pid);
        d->ipc_mode = copy_str(b, s->ipc);
        d->userns_mode = copy_str(b, s->userns_mode);
        v = s->ndevices ? alloc_array(b, s->ndevices, sizeof(*v)) : NULL;
        for (i = 0; v && i < s->ndevices; i++) {
                v[i].path_on_host = copy_str(b, s->devices[i].host);
                v[i].path_in_container = copy_str(b, s->devices[i].container);
                v[i].permissions = copy_str(b, s->devices[i].permissions);
        }
        d->devices = v;
        d->n_devices = v ? s->ndevices : 0;
}

int exec_spec_build(struct exec_spec **out, const struct model_project *p,
                    const struct model_service *s, int replica, const char *name,
                    const struct exec_spec_meta *meta, struct berth_err *err)
{
        struct build b = {.p = p, .s = s, .name = name, .err = err};
        struct exec_spec *es = NULL;
        int r;

        *out = NULL;
        if (!meta || !meta->scope || !meta->scope[0] || !name || !name[0] || replica < 1) {
                r = berth_err_set(err, BERTH_EINVALID,
                                  "cannot build a container of service '%s': %s", s->name,
                                  !meta || !meta->scope || !meta->scope[0] ? "no scope given"
                                  : !name || !name[0]                      ? "no name given"
                                                                           : "replica below 1");
                goto out;
        }
        if (!s->image || !s->image[0]) {
                invalid(&b, &s->pos, "image", "no image given");
                r = BERTH_EINVALID;
                goto out;
        }
        es = calloc(1, sizeof(*es));
        if (!es || !(es->arena = berth_arena_new())) {
                r = berth_err_set(err, BERTH_ENOMEM, "out of memory");
                goto out;
        }
        b.es = es;
        b.a = es->arena;
        r = model_service_hash(es->config_hash, p, s, err);
        if (r < 0)
                goto out;
        docker_container_spec_init(&es->spec);
        es->spec.name = copy_str(&b, name);
        es->spec.image = copy_str(&b, s->image);
        build_env(&b);
        build_labels(&b, replica, meta);
        build_ports(&b);
        build_mounts(&b);
        build_networks(&b);
        build_healthcheck(&b);
        build_restart(&b);
        build_stop(&b);
        build_limits(&b);
        build_rest(&b);
        build_namespaces(&b);
        if (b.bad) {
                r = BERTH_EINVALID;
                goto out;
        }
        if (b.nomem) {
                r = berth_err_set(err, BERTH_ENOMEM, "out of memory building container '%s'", name);
                goto out;
        }
        *out = es;
        es = NULL;
        r = 0;
out:
        exec_spec_free(es);
        return r;
}

void exec_spec_free(struct exec_spec *es)
{
        if (!es)
                return;
        berth_arena_free(es->arena);
        free(es);
}
