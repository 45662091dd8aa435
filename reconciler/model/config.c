/* model_project_config(): the normalized project in Compose's shape. */
#include <inttypes.h>
#include <stdio.h>
#include <string.h>

#include "model/model.h"

#define SENSITIVE "(sensitive)"

const char *model_duration_format(int64_t ns, char *buf, size_t size)
{
        static const struct {
                int64_t ns;
                const char *unit;
        } units[] = {{3600000000000LL, "h"}, {60000000000LL, "m"}, {1000000000LL, "s"}};
        size_t i, off = 0;
        int64_t left = ns;

        if (ns == 0) {
                snprintf(buf, size, "0s");
                return buf;
        }
        if (ns < 1000000000LL) { /* under a second: one unit */
                if (ns % 1000000 == 0)
                        snprintf(buf, size, "%" PRId64 "ms", ns / 1000000);
                else if (ns % 1000 == 0)
                        snprintf(buf, size, "%" PRId64 "us", ns / 1000);
                else
                        snprintf(buf, size, "%" PRId64 "ns", ns);
                return buf;
        }
        buf[0] = '\0';
        for (i = 0; i < sizeof(units) / sizeof(units[0]) && off < size; i++) {
                int64_t n = left / units[i].ns;

                if (n == 0 && !(i == 2 && left))
                        continue;
                left -= n * units[i].ns;
                if (i == 2 && left) { /* fractional seconds: 1.5s */
                        char frac[16];
                        int k;

                        snprintf(frac, sizeof(frac), "%09" PRId64, left);
                        for (k = 8; k > 0 && frac[k] == '0'; k--)
                                frac[k] = '\0';
                        off += (size_t)snprintf(buf + off, size - off, "%" PRId64 ".%ss", n, frac);
                        left = 0;
                } else {
                        off += (size_t)snprintf(buf + off, size - off, "%" PRId64 "%s", n,
                                                units[i].unit);
                }
        }
        return buf;
}

int64_t model_duration_seconds_up(int64_t ns)
{
        return ns / 1000000000 + (ns % 1000000000 != 0);
}

static json_t *str_or_null(const char *s)
{
        return s ? json_string(s) : json_null();
}

static void set(json_t *o, const char *key, json_t *v)
{
        if (v && !json_is_null(v))
                json_object_set_new(o, key, v);
        else
                json_decref(v);
}

static json_t *strlist(const struct model_strlist *l)
{
        json_t *a;
        size_t i;

        if (!l->set)
                return NULL;
        a = json_array();
        for (i = 0; a && i < l->n; i++)
                json_array_append_new(a, json_string(l->v[i]));
        return a;
}

static json_t *nonempty_strlist(const struct model_strlist *l)
{
        return l->set && l->n ? strlist(l) : NULL;
}

static json_t *kvmap(const struct model_kvlist *l, int show_sensitive)
{
        json_t *o;
        size_t i;

        if (!l->n)
                return NULL;
        o = json_object();
        for (i = 0; o && i < l->n; i++) {
                const struct model_kv *kv = &l->v[i];

                if (kv->sensitive && kv->value && !show_sensitive)
                        json_object_set_new(o, kv->key, json_string(SENSITIVE));
                else
                        json_object_set_new(o, kv->key, str_or_null(kv->value));
        }
        return o;
}

static json_t *integer(int64_t v)
{
        return v == MODEL_UNSET ? NULL : json_integer((json_int_t)v);
}

static json_t *duration(int64_t v)
{
        char buf[64];

        return v == MODEL_UNSET ? NULL : json_string(model_duration_format(v, buf, sizeof(buf)));
}

static json_t *ports(const struct model_service *s)
{
        json_t *a;
        size_t i;
        char pub[16];

        if (!s->nports)
                return NULL;
        a = json_array();
        for (i = 0; a && i < s->nports; i++) {
                const struct model_port *p = &s->ports[i];
                json_t *o = json_object();

                json_object_set_new(o, "mode", json_string("ingress"));
                set(o, "host_ip", p->host_ip ? json_string(p->host_ip) : NULL);
                json_object_set_new(o, "target", json_integer(p->target));
                if (p->published) {
                        snprintf(pub, sizeof(pub), "%d", p->published);
                        json_object_set_new(o, "published", json_string(pub));
                }
                json_object_set_new(o, "protocol", json_string(p->protocol ? p->protocol : "tcp"));
                json_array_append_new(a, o);
        }
        return a;
}

static json_t *mounts(const struct model_service *s)
{
        static const char *const types[] = {"volume", "bind", "tmpfs"};
        json_t *a;
        size_t i;

        if (!s->nmounts)
                return NULL;
        a = json_array();
        for (i = 0; a && i < s->nmounts; i++) {
                const struct model_mount *m = &s->mounts[i];
                json_t *o = json_object(), *sub;

                json_object_set_new(o, "type", json_string(types[m->type]));
                set(o, "source",
                    m->type == MODEL_MOUNT_VOLUME && m->volume ? json_string(m->volume)
                                                               : str_or_null(m->source));
                json_object_set_new(o, "target", json_string(m->target));
                if (m->read_only)
                        json_object_set_new(o, "read_only", json_true());
                if (m->type == MODEL_MOUNT_BIND) {
                        sub = json_object();
                        set(sub, "propagation", str_or_null(m->propagation));
                        json_object_set_new(sub, "create_host_path",
                                            json_boolean(m->create_host_path));
                        json_object_set_new(o, "bind", sub);
                } else if (m->type == MODEL_MOUNT_VOLUME && m->nocopy) {
                        json_object_set_new(o, "volume", json_pack("{s:b}", "nocopy", 1));
                } else if (m->type == MODEL_MOUNT_TMPFS) {
                        sub = json_object();
                        set(sub, "size", integer(m->tmpfs_size));
                        set(sub, "mode", integer(m->tmpfs_mode));
                        if (json_object_size(sub))
                                json_object_set_new(o, "tmpfs", sub);
                        else
                                json_decref(sub);
                }
                json_array_append_new(a, o);
        }
        return a;
}

static json_t *service_networks(const struct model_service *s)
{
        json_t *o;
        size_t i;

        if (!s->nnetworks)
                return NULL;
        o = json_object();
        for (i = 0; o && i < s->nnetworks; i++) {
                const struct model_service_network *n = &s->networks[i];
                json_t *v = json_object();

                set(v, "aliases", nonempty_strlist(&n->aliases));
                set(v, "ipv4_address", str_or_null(n->ipv4_address));
                if (n->priority)
                        json_object_set_new(v, "priority", json_integer(n->priority));
                if (json_object_size(v)) {
                        json_object_set_new(o, n->name, v);
                } else {
                        json_decref(v);
                        json_object_set_new(o, n->name, json_null());
                }
        }
        return o;
}

static const char *condition_name(enum model_condition c)
{
        switch (c) {
        case MODEL_COND_HEALTHY:
                return "service_healthy";
        case MODEL_COND_COMPLETED:
                return "service_completed_successfully";
        default:
                return "service_started";
        }
}

static json_t *depends(const struct model_service *s)
{
        json_t *o;
        size_t i;

        if (!s->ndepends_on)
                return NULL;
        o = json_object();
        for (i = 0; o && i < s->ndepends_on; i++)
                json_object_set_new(o, s->depends_on[i].service,
                                    json_pack("{s:s, s:b, s:b}", "condition",
                                              condition_name(s->depends_on[i].condition), "restart",
                                              s->depends_on[i].restart, "required",
                                              s->depends_on[i].required));
        return o;
}

static json_t *healthcheck(const struct model_healthcheck *h)
{
        json_t *o;

        if (!h->set)
                return NULL;
        o = json_object();
        if (h->disable) {
                json_object_set_new(o, "disable", json_true());
                return o;
        }
        set(o, "test", strlist(&h->test));
        set(o, "interval", duration(h->interval));
        set(o, "timeout", duration(h->timeout));
        set(o, "start_period", duration(h->start_period));
        set(o, "retries", integer(h->retries));
        return o;
}

static json_t *restart(const struct model_service *s)
{
        switch (s->restart) {
        case MODEL_RESTART_ALWAYS:
                return json_string("always");
        case MODEL_RESTART_UNLESS_STOPPED:
                return json_string("unless-stopped");
        case MODEL_RESTART_ON_FAILURE:
                if (s->restart_max_retries != MODEL_UNSET)
                        return json_sprintf("on-failure:%" PRId64, s->restart_max_retries);
                return json_string("on-failure");
        default:
                return json_string("no");
        }
}

static json_t *service(const struct model_service *s, int show)
{
        static const char *const pulls[] = {"missing", "always", "never"};
        json_t *o = json_object(), *deploy, *update, *u;
        size_t i;

        if (!o)
                return NULL;
        set(o, "image", str_or_null(s->image));
        set(o, "command", strlist(&s->command));
        set(o, "entrypoint", strlist(&s->entrypoint));
        set(o, "environment", kvmap(&s->environment, show));
        set(o, "labels", kvmap(&s->labels, show));
        set(o, "ports", ports(s));
        set(o, "expose", nonempty_strlist(&s->expose));
        set(o, "volumes", mounts(s));
        set(o, "networks", service_networks(s));
        set(o, "network_mode", str_or_null(s->network_mode));
        set(o, "depends_on", depends(s));
        set(o, "healthcheck", healthcheck(&s->healthcheck));
        set(o, "restart", restart(s));
        set(o, "container_name", str_or_null(s->container_name));
        set(o, "hostname", str_or_null(s->hostname));
        set(o, "user", str_or_null(s->user));
        set(o, "working_dir", str_or_null(s->working_dir));
        set(o, "stop_signal", str_or_null(s->stop_signal));
        set(o, "stop_grace_period", duration(s->stop_grace_period));
        set(o, "mem_limit", integer(s->mem_limit));
        set(o, "mem_reservation", integer(s->mem_reservation));
        set(o, "cpus", s->nano_cpus == MODEL_UNSET ? NULL : json_real((double)s->nano_cpus / 1e9));
        set(o, "pids_limit", integer(s->pids_limit));
        set(o, "shm_size", integer(s->shm_size));
        set(o, "cap_add", nonempty_strlist(&s->cap_add));
        set(o, "cap_drop", nonempty_strlist(&s->cap_drop));
        if (s->privileged)
                json_object_set_new(o, "privileged", json_true());
        if (s->read_only)
                json_object_set_new(o, "read_only", json_true());
        if (s->tty)
                json_object_set_new(o, "tty", json_true());
        if (s->stdin_open)
                json_object_set_new(o, "stdin_open", json_true());
        if (s->init >= 0)
                json_object_set_new(o, "init", json_boolean(s->init));
        set(o, "tmpfs", nonempty_strlist(&s->tmpfs));
        set(o, "extra_hosts", nonempty_strlist(&s->extra_hosts));
        set(o, "dns", nonempty_strlist(&s->dns));
        set(o, "dns_search", nonempty_strlist(&s->dns_search));
        set(o, "dns_opt", nonempty_strlist(&s->dns_opt));
        set(o, "security_opt", nonempty_strlist(&s->security_opt));
        set(o, "pid", str_or_null(s->pid));
        set(o, "ipc", str_or_null(s->ipc));
        set(o, "userns_mode", str_or_null(s->userns_mode));
        set(o, "devices", s->ndevices ? model_devices_json(s) : NULL);
        set(o, "profiles", nonempty_strlist(&s->profiles));
        if (s->log_driver || s->log_options.n) {
                json_t *l = json_object();

                set(l, "driver", str_or_null(s->log_driver));
                set(l, "options", kvmap(&s->log_options, show));
                json_object_set_new(o, "logging", l);
        }
        json_object_set_new(o, "pull_policy", json_string(pulls[s->pull_policy]));
        if (s->nulimits) {
                u = json_object();
                for (i = 0; i < s->nulimits; i++)
                        json_object_set_new(u, s->ulimits[i].name,
                                            json_pack("{s:I, s:I}", "soft",
                                                      (json_int_t)s->ulimits[i].soft, "hard",
                                                      (json_int_t)s->ulimits[i].hard));
                json_object_set_new(o, "ulimits", u);
        }
        set(o, "sysctls", kvmap(&s->sysctls, 1));
        deploy = json_object();
        json_object_set_new(deploy, "replicas", json_integer((json_int_t)s->replicas));
        update =
            json_pack("{s:s, s:s}", "order",
                      s->update_order == MODEL_UPDATE_START_FIRST ? "start-first" : "stop-first",
                      "failure_action",
                      s->failure_action == MODEL_FAIL_ROLLBACK   ? "rollback"
                      : s->failure_action == MODEL_FAIL_CONTINUE ? "continue"
                                                                 : "pause");
        set(update, "monitor", duration(s->update_monitor));
        json_object_set_new(deploy, "update_config", update);
        json_object_set_new(o, "deploy", deploy);
        return o;
}

json_t *model_project_config(const struct model_project *p, int show_sensitive)
{
        json_t *o = json_object(), *services = json_object(), *nets = json_object(),
               *vols = json_object();
        size_t i;

        if (!o || !services || !nets || !vols) {
                json_decref(o), json_decref(services), json_decref(nets), json_decref(vols);
                return NULL;
        }
        json_object_set_new(o, "name", json_string(p->name));
        for (i = 0; i < p->nservices; i++)
                json_object_set_new(services, p->services[i].name,
                                    service(&p->services[i], show_sensitive));
        json_object_set_new(o, "services", services);
        for (i = 0; i < p->nnetworks; i++) {
                const struct model_network *n = &p->networks[i];
                json_t *v = json_pack("{s:s}", "name", n->engine_name);

                if (n->external)
                        json_object_set_new(v, "external", json_true());
                set(v, "driver", str_or_null(n->driver));
                set(v, "driver_opts", kvmap(&n->driver_opts, 1));
                set(v, "labels", kvmap(&n->labels, 1));
                if (n->internal)
                        json_object_set_new(v, "internal", json_true());
                if (n->attachable)
                        json_object_set_new(v, "attachable", json_true());
                if (n->enable_ipv6)
                        json_object_set_new(v, "enable_ipv6", json_true());
                if (n->subnet || n->gateway) {
                        json_t *c = json_object();

                        set(c, "subnet", str_or_null(n->subnet));
                        set(c, "gateway", str_or_null(n->gateway));
                        json_object_set_new(v, "ipam", json_pack("{s:[o]}", "config", c));
                }
                json_object_set_new(nets, n->name, v);
        }
        if (json_object_size(nets))
                json_object_set_new(o, "networks", nets);
        else
                json_decref(nets);
        for (i = 0; i < p->nvolumes; i++) {
                const struct model_volume *v = &p->volumes[i];
                json_t *j = json_pack("{s:s}", "name", v->engine_name);

                if (v->external)
                        json_object_set_new(j, "external", json_true());
                set(j, "driver", str_or_null(v->driver));
                set(j, "driver_opts", kvmap(&v->driver_opts, 1));
                set(j, "labels", kvmap(&v->labels, 1));
                json_object_set_new(vols, v->name, j);
        }
        if (json_object_size(vols))
                json_object_set_new(o, "volumes", vols);
        else
                json_decref(vols);
        for (i = 0; !show_sensitive && i < p->nservices; i++) {
                if (model_json_redact(json_object_get(services, p->services[i].name), p, 0) < 0) {
                        json_decref(o);
                        return NULL;
                }
        }
        return o;
}
