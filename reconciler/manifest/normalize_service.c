/* One service: every key the model holds, in one fixed order (not the
 * file's), so that checks across keys (replicas for ports and
 * container_name) see what they need. */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "common/err.h"
#include "manifest/diag.h"
#include "manifest/envfile.h"
#include "manifest/normalize_int.h"

/* map.key, or NULL when it is not written or written as null (Compose
 * reads `key:` with no value as not set). */
static const struct doc_node *get(const struct doc_node *map, const char *key)
{
        const struct doc_node *n = doc_map_get(map, key);

        return doc_scalar_is_null(n) ? NULL : n;
}

/* The value at a path of keys ("deploy", "resources", "limits", NULL). */
static const struct doc_node *dig(const struct doc_node *n, const char *const *keys)
{
        for (; n && *keys; keys++)
                n = n->kind == DOC_MAP ? doc_map_get(n, *keys) : NULL;
        return n;
}

/* A list of names, or a map of name to its settings (networks,
 * depends_on): fn for each, with the node to point at and the settings
 * (NULL for a list item). */
typedef void (*named_fn)(struct nz *z, struct model_service *s, const char *name,
                         const struct doc_node *at, const struct doc_node *cfg, const char *path);

static void each_named(struct nz *z, struct model_service *s, const struct doc_node *n,
                       const char *path, named_fn fn)
{
        char p[NZ_PATH];
        const char *t;
        size_t i;

        if (n->kind == DOC_SEQ) {
                for (i = 0; i < n->seq.n; i++)
                        if ((t = nz_text(z, n->seq.v[i], nz_index_path(p, path, i))))
                                fn(z, s, t, n->seq.v[i], NULL, p);
        } else if (nz_is_map(z, n, path)) {
                for (i = 0; i < n->map.n; i++)
                        fn(z, s, n->map.v[i].key->scalar.text, n->map.v[i].key, n->map.v[i].value,
                           nz_key_path(p, path, n->map.v[i].key->scalar.text));
        }
}

/* ---- command, entrypoint ---- */

static void command(struct nz *z, const struct doc_node *n, const char *path,
                    struct model_strlist *l)
{
        struct berth_err e;
        const char *t;
        char **w = NULL;
        size_t nw = 0, i;
        int rc;

        if (!n || doc_scalar_is_null(n))
                return; /* unset: the image's */
        if (n->kind != DOC_SCALAR) {
                nz_strlist(z, n, path, l, 0);
                return;
        }
        if (!(t = nz_text(z, n, path)))
                return;
        rc = normalize_shell_split(&w, &nw, t, z->a, &e);
        if (rc == BERTH_ENOMEM) {
                z->nomem = 1;
                return;
        }
        if (rc < 0) {
                nz_error(z, n, path, "cannot split '%s' into words: %s (or write it as a list)", t,
                         e.msg);
                return;
        }
        l->set = 1;
        for (i = 0; i < nw; i++)
                nz_strlist_add(z, l, w[i]);
}

/* ---- environment ---- */

static void env_file(struct nz *z, struct model_service *s, const struct doc_node *n,
                     const char *path)
{
        const struct doc_node *pn = n, *req = NULL, *fmt = NULL;
        struct envfile_opts opts = {ENVFILE_BARE_KEYS, z->ctx->env, z->diags};
        struct envfile *f = NULL;
        struct berth_err e;
        char p[NZ_PATH];
        const char *t, *at = path;
        char *abs;
        int required = 1, rc;
        size_t i;

        if (n->kind == DOC_MAP) {
                pn = get(n, "path");
                at = nz_key_path(p, path, "path");
                req = get(n, "required");
                fmt = get(n, "format");
                if (req && nz_bool(z, req, nz_key_path(p, path, "required"), &required) < 0)
                        return;
                if (fmt) {
                        nz_error(z, fmt, nz_key_path(p, path, "format"),
                                 "env_file format '%s' is not supported: berth reads env files "
                                 "in Compose's default format",
                                 fmt->kind == DOC_SCALAR ? fmt->scalar.text : "?");
                        return;
                }
                at = nz_key_path(p, path, "path");
        }
        if (!pn) {
                nz_error(z, n, path, "an env_file entry needs a path");
                return;
        }
        if (!(t = nz_text(z, pn, at)) || !(abs = nz_host_path(z, t, pn, at)) ||
            nz_env_file_trusted(z, abs, t, pn, at) < 0)
                return;
        rc = envfile_load(&f, abs, &opts, &e);
        if (rc == BERTH_ENOTFOUND && !required)
                return;
        if (rc == BERTH_ENOMEM) {
                z->nomem = 1;
        } else if (rc == BERTH_ENOTFOUND) {
                nz_error(z, pn, at, "env file '%s' does not exist (looked for %s)", t, abs);
        } else if (rc < 0 && e.line > 0) {
                /* a problem inside the env file: point at it */
                z->errors++;
                diag_add(z->diags, DIAG_ERROR, e.file, e.line, e.col, at, "%s", e.msg);
        } else if (rc < 0) {
                nz_error(z, pn, at, "%s", e.msg);
        } else {
                for (i = 0; i < f->n; i++)
                        nz_kv_add(z, &s->environment, f->v[i].key, strlen(f->v[i].key),
                                  f->v[i].value);
        }
        envfile_free(f);
}

static void environment(struct nz *z, struct model_service *s, const struct doc_node *svc,
                        const char *path)
{
        const struct doc_node *n = get(svc, "env_file");
        char p[NZ_PATH], q[NZ_PATH];
        size_t i;

        nz_key_path(p, path, "env_file");
        if (n && n->kind == DOC_SCALAR)
                env_file(z, s, n, p);
        else if (n && nz_is_seq(z, n, p))
                for (i = 0; i < n->seq.n; i++)
                        env_file(z, s, n->seq.v[i], nz_index_path(q, p, i));
        nz_kv(z, get(svc, "environment"), nz_key_path(p, path, "environment"), &s->environment,
              NZ_KV_ENV, 1);
        nz_kv_finish(z, &s->environment);
}

/* ---- networks ---- */

static void service_network(struct nz *z, struct model_service *s, const char *name,
                            const struct doc_node *at, const struct doc_node *cfg, const char *path)
{
        const struct model_network *net = model_network_find(z->p, name);
        struct model_service_network *v, *sn;
        const struct doc_node *n;
        char p[NZ_PATH];
        int64_t prio;

        if (!net && strcmp(name, "default") != 0) {
                nz_error(z, at, path,
                         "network '%s' is not declared under the top-level networks key", name);
                return;
        }
        if (!(v = nz_grow(z, s->networks, s->nnetworks, sizeof(*v))))
                return;
        s->networks = v;
        sn = &v[s->nnetworks++];
        sn->name = nz_strdup(z, name);
        if (net) {
                sn->engine_name = net->engine_name;
        } else {
                sn->engine_name = nz_printf(z, "%s_default", z->p->name);
                z->default_used = 1;
        }
        if (!cfg || doc_scalar_is_null(cfg) || !nz_is_map(z, cfg, path))
                return;
        nz_strlist(z, get(cfg, "aliases"), nz_key_path(p, path, "aliases"), &sn->aliases, 0);
        sn->ipv4_address =
            nz_text_dup(z, get(cfg, "ipv4_address"), nz_key_path(p, path, "ipv4_address"));
        if ((n = get(cfg, "priority")) &&
            nz_int(z, n, nz_key_path(p, path, "priority"), &prio) == 0)
                sn->priority = (int)prio;
}

static int service_network_cmp(const void *a, const void *b)
{
        return strcmp(((const struct model_service_network *)a)->name,
                      ((const struct model_service_network *)b)->name);
}

static void networks(struct nz *z, struct model_service *s, const struct doc_node *svc,
                     const char *path)
{
        struct doc_pair *mode = doc_map_find(svc, "network_mode");
        const struct doc_node *n = get(svc, "networks");
        char p[NZ_PATH];
        const char *t;

        if (mode && !doc_scalar_is_null(mode->value)) {
                nz_key_path(p, path, "network_mode");
                if (!(s->network_mode = nz_text_dup(z, mode->value, p)))
                        return;
                if (n)
                        nz_error(z, mode->key, p,
                                 "network_mode and networks cannot be used together: a "
                                 "container with a network_mode joins no project network");
                if (strncmp(s->network_mode, "service:", 8) == 0) {
                        t = s->network_mode + 8;
                        if (strcmp(t, s->name) == 0)
                                nz_error(z, mode->value, p,
                                         "a service cannot use its own network namespace");
                        else if (!doc_map_get(z->services, t))
                                nz_error(z, mode->value, p,
                                         "service '%s' is not defined in this project", t);
                }
                return;
        }
        nz_key_path(p, path, "networks");
        if (!n || doc_scalar_is_null(n))
                service_network(z, s, "default", NULL, NULL, p);
        else
                each_named(z, s, n, p, service_network);
        nz_sort(s->networks, s->nnetworks, sizeof(*s->networks), service_network_cmp);
}

/* ---- depends_on ---- */

static void dependency(struct nz *z, struct model_service *s, const char *name,
                       const struct doc_node *at, const struct doc_node *cfg, const char *path)
{
        static const char *const conditions[] = {"service_started", "service_healthy",
                                                 "service_completed_successfully"};
        struct model_dependency d = {.condition = MODEL_COND_STARTED, .required = 1};
        struct model_dependency *v;
        const struct doc_node *n;
        char p[NZ_PATH];
        const char *t;
        size_t i;

        d.pos = (struct model_pos){z->p->file, at->pos.line, at->pos.col};
        if (cfg && nz_is_map(z, cfg, path)) {
                if ((n = get(cfg, "condition")) &&
                    (t = nz_text(z, n, nz_key_path(p, path, "condition")))) {
                        for (i = 0; i < 3 && strcmp(t, conditions[i]) != 0; i++)
                                ;
                        if (i < 3)
                                d.condition = (enum model_condition)i;
                        else
                                nz_error(z, n, p,
                                         "'%s' is not a condition (service_started, "
                                         "service_healthy or service_completed_successfully)",
                                         t);
                }
                if ((n = get(cfg, "restart")))
                        nz_bool(z, n, nz_key_path(p, path, "restart"), &d.restart);
                if ((n = get(cfg, "required")))
                        nz_bool(z, n, nz_key_path(p, path, "required"), &d.required);
        }
        if (!doc_map_get(z->services, name)) {
                if (d.required)
                        nz_error(z, at, path, "service '%s' is not defined in this project", name);
                else
                        nz_warn(z, at, path,
                                "service '%s' is not defined in this project; ignored "
                                "(required: false)",
                                name);
                return;
        }
        if (!(d.service = nz_strdup(z, name)) ||
            !(v = nz_grow(z, s->depends_on, s->ndepends_on, sizeof(*v))))
                return;
        s->depends_on = v;
        v[s->ndepends_on++] = d;
}

static void depends_on(struct nz *z, struct model_service *s, const struct doc_node *n,
                       const char *path)
{
        if (n)
                each_named(z, s, n, path, dependency);
}

/* ---- healthcheck ---- */

static void healthcheck(struct nz *z, struct model_healthcheck *h, const struct doc_node *n,
                        const char *path)
{
        struct doc_pair *test, *dis;
        char p[NZ_PATH];
        const char *t;
        int disable = 0;

        if (!n || !nz_is_map(z, n, path))
                return;
        h->set = 1;
        nz_key_path(p, path, "test");
        test = doc_map_find(n, "test");
        if (test && doc_scalar_is_null(test->value))
                test = NULL;
        if (test && test->value->kind == DOC_SCALAR) {
                if ((t = nz_text(z, test->value, p))) {
                        h->test.set = 1;
                        nz_strlist_add(z, &h->test, "CMD-SHELL");
                        nz_strlist_add(z, &h->test, t);
                }
        } else if (test) {
                nz_strlist(z, test->value, p, &h->test, 0);
                if (h->test.set && h->test.n == 0) {
                        nz_error(z, test->value, p,
                                 "an empty test: start it with CMD, CMD-SHELL or NONE");
                } else if (h->test.n && strcmp(h->test.v[0], "NONE") == 0) {
                        h->disable = 1;
                } else if (h->test.n && strcmp(h->test.v[0], "CMD") != 0 &&
                           strcmp(h->test.v[0], "CMD-SHELL") != 0) {
                        nz_error(z, test->value->seq.v[0], p,
                                 "a test list starts with CMD, CMD-SHELL or NONE, not '%s' "
                                 "(write [\"CMD\", \"%s\", ...])",
                                 h->test.v[0], h->test.v[0]);
                }
        }
        if ((dis = doc_map_find(n, "disable")) && !doc_scalar_is_null(dis->value) &&
            nz_bool(z, dis->value, nz_key_path(p, path, "disable"), &disable) == 0 && disable) {
                if (test && !h->disable)
                        nz_error(z, dis->key, p,
                                 "disable: true and a test cannot be used together: remove one");
                h->disable = 1;
        }
        if (h->disable) {
                h->test.n = 0;
                h->test.set = 1;
                nz_strlist_add(z, &h->test, "NONE");
        }
        if (get(n, "interval"))
                nz_duration(z, get(n, "interval"), nz_key_path(p, path, "interval"), &h->interval);
        if (get(n, "timeout"))
                nz_duration(z, get(n, "timeout"), nz_key_path(p, path, "timeout"), &h->timeout);
        if (get(n, "start_period"))
                nz_duration(z, get(n, "start_period"), nz_key_path(p, path, "start_period"),
                            &h->start_period);
        if (get(n, "retries"))
                nz_count(z, get(n, "retries"), nz_key_path(p, path, "retries"), &h->retries);
        nz_ignored(z, n, "start_interval", path,
                   "the engine berth speaks (API 1.41) has no start interval");
}

/* ---- restart, pull_policy, update_config ---- */

static void restart(struct nz *z, struct model_service *s, const struct doc_node *n,
                    const char *path)
{
        const char *t = n ? nz_text(z, n, path) : NULL;
        char *end;
        long long v;

        if (!t)
                return;
        if (strcmp(t, "no") == 0) {
                s->restart = MODEL_RESTART_NO;
        } else if (strcmp(t, "always") == 0) {
                s->restart = MODEL_RESTART_ALWAYS;
        } else if (strcmp(t, "unless-stopped") == 0) {
                s->restart = MODEL_RESTART_UNLESS_STOPPED;
        } else if (strncmp(t, "on-failure", 10) == 0 && (t[10] == '\0' || t[10] == ':')) {
                s->restart = MODEL_RESTART_ON_FAILURE;
                if (t[10] == ':') {
                        v = (t[11] >= '0' && t[11] <= '9') ? strtoll(t + 11, &end, 10) : -1;
                        if (v < 0 || *end || v > 1000000000)
                                nz_error(z, n, path,
                                         "'%s' is not a restart policy: on-failure takes a number "
                                         "of retries (on-failure:3)",
                                         t);
                        else
                                s->restart_max_retries = v;
                }
        } else {
                nz_error(z, n, path,
                         "'%s' is not a restart policy (\"no\", always, unless-stopped or "
                         "on-failure[:N])",
                         t);
        }
}

static void pull_policy(struct nz *z, struct model_service *s, const struct doc_node *n,
                        const char *path)
{
        const char *t = n ? nz_text(z, n, path) : NULL;

        if (!t)
                return;
        if (strcmp(t, "always") == 0)
                s->pull_policy = MODEL_PULL_ALWAYS;
        else if (strcmp(t, "never") == 0)
                s->pull_policy = MODEL_PULL_NEVER;
        else if (strcmp(t, "missing") == 0 || strcmp(t, "if_not_present") == 0)
                s->pull_policy = MODEL_PULL_MISSING;
        else
                nz_error(z, n, path,
                         "'%s' is not a pull policy (always, never, missing or if_not_present)", t);
}

static void update_config(struct nz *z, struct model_service *s, const struct doc_node *n,
                          const char *path)
{
        const struct doc_node *v;
        char p[NZ_PATH];
        const char *t;

        if (!n || !nz_is_map(z, n, path))
                return;
        if ((v = get(n, "order")) && (t = nz_text(z, v, nz_key_path(p, path, "order")))) {
                if (strcmp(t, "stop-first") == 0)
                        s->update_order = MODEL_UPDATE_STOP_FIRST;
                else if (strcmp(t, "start-first") == 0)
                        s->update_order = MODEL_UPDATE_START_FIRST;
                else
                        nz_error(z, v, p, "'%s' is not an update order (stop-first or start-first)",
                                 t);
        }
        if ((v = get(n, "failure_action")) &&
            (t = nz_text(z, v, nz_key_path(p, path, "failure_action")))) {
                if (strcmp(t, "pause") == 0)
                        s->failure_action = MODEL_FAIL_PAUSE;
                else if (strcmp(t, "continue") == 0)
                        s->failure_action = MODEL_FAIL_CONTINUE;
                else if (strcmp(t, "rollback") == 0)
                        s->failure_action = MODEL_FAIL_ROLLBACK;
                else
                        nz_error(z, v, p,
                                 "'%s' is not a failure action (rollback, pause or continue)", t);
        }
        if ((v = get(n, "monitor")))
                nz_duration(z, v, nz_key_path(p, path, "monitor"), &s->update_monitor);
        nz_ignored(z, n, "parallelism", path, "berth updates the replicas of a service one by one");
        nz_ignored(z, n, "delay", path, "berth updates the next replica as soon as one is done");
}

/* ---- keys written two ways ---- */

typedef int (*nz_parse_fn)(struct nz *z, const struct doc_node *n, const char *path, int64_t *out);

/* The short key (a) and the deploy key (b) for one value: either, or
 * both when they agree. */
static void either(struct nz *z, const char *path, const struct doc_node *svc, const char *a_key,
                   const char *const *b_keys, const char *b_name, nz_parse_fn parse, int64_t *out)
{
        const struct doc_node *a = get(svc, a_key), *b = dig(svc, b_keys);
        char pa[NZ_PATH], pb[NZ_PATH];
        int64_t va = 0, vb = 0;
        int ha = 0, hb = 0;

        nz_key_path(pa, path, a_key);
        nz_key_path(pb, path, b_name);
        if (a && !doc_scalar_is_null(a))
                ha = parse(z, a, pa, &va) == 0;
        if (b && !doc_scalar_is_null(b))
                hb = parse(z, b, pb, &vb) == 0;
        if (ha && hb && va != vb)
                nz_error(z, b, pb, "%s: %s and %s: %s disagree: write only one of them", a_key,
                         a->scalar.text, b_name, b->scalar.text);
        else if (ha)
                *out = va;
        else if (hb)
                *out = vb;
}

static void resources(struct nz *z, struct model_service *s, const struct doc_node *svc,
                      const char *path)
{
        static const char *const replicas[] = {"deploy", "replicas", NULL};
        static const char *const memory[] = {"deploy", "resources", "limits", "memory", NULL};
        static const char *const cpus[] = {"deploy", "resources", "limits", "cpus", NULL};
        static const char *const pids[] = {"deploy", "resources", "limits", "pids", NULL};
        static const char *const reservation[] = {"deploy", "resources", "reservations", "memory",
                                                  NULL};
        static const char *const reservations[] = {"deploy", "resources", "reservations", NULL};
        char p[NZ_PATH];
        const struct doc_node *n;

        either(z, path, svc, "scale", replicas, "deploy.replicas", nz_count, &s->replicas);
        either(z, path, svc, "mem_limit", memory, "deploy.resources.limits.memory", nz_size,
               &s->mem_limit);
        either(z, path, svc, "cpus", cpus, "deploy.resources.limits.cpus", nz_cpus, &s->nano_cpus);
        either(z, path, svc, "pids_limit", pids, "deploy.resources.limits.pids", nz_int,
               &s->pids_limit);
        either(z, path, svc, "mem_reservation", reservation, "deploy.resources.reservations.memory",
               nz_size, &s->mem_reservation);
        if ((n = get(svc, "shm_size")) && !doc_scalar_is_null(n))
                nz_size(z, n, nz_key_path(p, path, "shm_size"), &s->shm_size);
        if ((n = dig(svc, reservations)) && n->kind == DOC_MAP)
                nz_ignored(z, n, "cpus", nz_key_path(p, path, "deploy.resources.reservations"),
                           "a single engine has no CPU reservations");
}

/* ---- smaller keys ---- */

static void upper(struct model_strlist *l)
{
        size_t i;
        char *c;

        for (i = 0; i < l->n; i++)
                for (c = l->v[i]; *c; c++)
                        if (*c >= 'a' && *c <= 'z')
                                *c = (char)(*c - 'a' + 'A');
}

static void extra_host(struct nz *z, struct model_service *s, const char *host, size_t hlen,
                       const char *ip, const struct doc_node *at, const char *path)
{
        char *e;

        if (hlen == 0 || !*ip) {
                nz_error(z, at, path, "'%s' is not HOST:IP", at->scalar.text);
                return;
        }
        if ((e = nz_printf(z, "%.*s:%s", (int)hlen, host, ip)))
                nz_strlist_add(z, &s->extra_hosts, e);
}

static void extra_hosts(struct nz *z, struct model_service *s, const struct doc_node *n,
                        const char *path)
{
        char p[NZ_PATH], q[NZ_PATH];
        const char *t, *sep;
        size_t i, j;

        if (!n)
                return;
        s->extra_hosts.set = 1;
        if (n->kind == DOC_SEQ) {
                for (i = 0; i < n->seq.n; i++) {
                        if (!(t = nz_text(z, n->seq.v[i], nz_index_path(p, path, i))))
                                continue;
                        sep = strpbrk(t, ":=");
                        extra_host(z, s, t, sep ? (size_t)(sep - t) : 0, sep ? sep + 1 : "",
                                   n->seq.v[i], p);
                }
                return;
        }
        if (!nz_is_map(z, n, path))
                return;
        for (i = 0; i < n->map.n; i++) {
                const struct doc_node *k = n->map.v[i].key, *v = n->map.v[i].value;

                nz_key_path(p, path, k->scalar.text);
                if (v->kind == DOC_SEQ) {
                        for (j = 0; j < v->seq.n; j++)
                                if ((t = nz_text(z, v->seq.v[j], nz_index_path(q, p, j))))
                                        extra_host(z, s, k->scalar.text, k->scalar.len, t,
                                                   v->seq.v[j], q);
                } else if ((t = nz_text(z, v, p))) {
                        extra_host(z, s, k->scalar.text, k->scalar.len, t, v, p);
                }
        }
}

static int ulimit_cmp(const void *a, const void *b)
{
        return strcmp(((const struct model_ulimit *)a)->name,
                      ((const struct model_ulimit *)b)->name);
}

static void ulimits(struct nz *z, struct model_service *s, const struct doc_node *n,
                    const char *path)
{
        struct model_ulimit u, *v;
        char p[NZ_PATH], q[NZ_PATH];
        size_t i;

        if (!n || !nz_is_map(z, n, path))
                return;
        for (i = 0; i < n->map.n; i++) {
                const struct doc_node *k = n->map.v[i].key, *val = n->map.v[i].value;
                const struct doc_node *soft, *hard;

                nz_key_path(p, path, k->scalar.text);
                if (val->kind == DOC_MAP) {
                        soft = get(val, "soft");
                        hard = get(val, "hard");
                        if (!soft || !hard) {
                                nz_error(z, val, p, "a ulimit needs both soft and hard");
                                continue;
                        }
                        if (nz_int(z, soft, nz_key_path(q, p, "soft"), &u.soft) < 0 ||
                            nz_int(z, hard, nz_key_path(q, p, "hard"), &u.hard) < 0)
                                continue;
                        if (u.soft > u.hard && u.hard >= 0) {
                                nz_error(z, soft, p, "soft limit %lld is above the hard limit %lld",
                                         (long long)u.soft, (long long)u.hard);
                                continue;
                        }
                } else if (nz_int(z, val, p, &u.soft) == 0) {
                        u.hard = u.soft;
                } else {
                        continue;
                }
                if (!(u.name = nz_strdup(z, k->scalar.text)) ||
                    !(v = nz_grow(z, s->ulimits, s->nulimits, sizeof(*v))))
                        return;
                s->ulimits = v;
                v[s->nulimits++] = u;
        }
        nz_sort(s->ulimits, s->nulimits, sizeof(*s->ulimits), ulimit_cmp);
}

static void logging(struct nz *z, struct model_service *s, const struct doc_node *n,
                    const char *path)
{
        char p[NZ_PATH];

        if (!n || !nz_is_map(z, n, path))
                return;
        s->log_driver = nz_text_dup(z, get(n, "driver"), nz_key_path(p, path, "driver"));
        nz_kv(z, get(n, "options"), nz_key_path(p, path, "options"), &s->log_options, NZ_KV_VALUES,
              0);
        nz_kv_finish(z, &s->log_options);
}

static void container_name(struct nz *z, struct model_service *s, const struct doc_node *n,
                           const char *path)
{
        struct nz_cname *v;
        size_t i;

        if (!n || !(s->container_name = nz_text_dup(z, n, path)))
                return;
        if (s->replicas > 1)
                nz_error(z, n, path, "a fixed container_name cannot have %lld replicas",
                         (long long)s->replicas);
        for (i = 0; i < z->ncnames; i++)
                if (strcmp(z->cnames[i].name, s->container_name) == 0) {
                        nz_error(z, n, path, "container name '%s' is already used by service '%s'",
                                 s->container_name, z->cnames[i].service);
                        return;
                }
        if (!(v = nz_grow(z, z->cnames, z->ncnames, sizeof(*v))))
                return;
        z->cnames = v;
        v[z->ncnames].name = s->container_name;
        v[z->ncnames++].service = s->name;
}

/* ---- host namespaces ---- */

/* pid, ipc or userns_mode: one of the modes berth accepts (ok,
 * NULL-terminated; must_be says which, as the schema does), in the arena;
 * NULL when not written or after an error. */
static char *namespace_mode(struct nz *z, const struct doc_node *n, const char *path,
                            const char *const *ok, const char *must_be)
{
        const char *t = n ? nz_text(z, n, path) : NULL;

        if (!t)
                return NULL;
        for (; *ok; ok++)
                if (!strcmp(t, *ok))
                        return nz_strdup(z, t);
        nz_error(z, n, path, "\"%s\" must be %s", t, must_be);
        return NULL;
}

static void namespaces(struct nz *z, struct model_service *s, const struct doc_node *svc,
                       const char *path)
{
        static const char *const host[] = {"host", NULL};
        static const char *const ipc[] = {"host", "private", "shareable", "none", NULL};
        char p[NZ_PATH];

        /* the words of the schema's x-message, which says it first */
        s->pid = namespace_mode(z, get(svc, "pid"), nz_key_path(p, path, "pid"), host,
                                "host (the host's PID namespace; remove the key for the "
                                "container's own)");
        s->ipc = namespace_mode(z, get(svc, "ipc"), nz_key_path(p, path, "ipc"), ipc,
                                "host, private, shareable or none (berth does not join another "
                                "container's IPC namespace)");
        s->userns_mode =
            namespace_mode(z, get(svc, "userns_mode"), nz_key_path(p, path, "userns_mode"), host,
                           "host (the host's user namespace; remove the key for "
                           "the engine's default)");
}

/* ---- the service ---- */

static void defaults(struct model_service *s)
{
        s->restart_max_retries = MODEL_UNSET;
        s->stop_grace_period = MODEL_UNSET;
        s->replicas = 1;
        s->mem_limit = s->mem_reservation = s->nano_cpus = MODEL_UNSET;
        s->pids_limit = s->shm_size = MODEL_UNSET;
        s->init = -1;
        s->healthcheck.interval = s->healthcheck.timeout = MODEL_UNSET;
        s->healthcheck.start_period = s->healthcheck.retries = MODEL_UNSET;
        s->update_monitor = MODEL_UNSET;
        s->restart = MODEL_RESTART_NO;
        s->pull_policy = MODEL_PULL_MISSING;
        s->update_order = MODEL_UPDATE_STOP_FIRST;
        s->failure_action = MODEL_FAIL_PAUSE;
}

#define PATH(key) nz_key_path(p, path, key)

void nz_service(struct nz *z, struct model_service *s, const struct doc_pair *pair)
{
        static const char *const update[] = {"deploy", "update_config", NULL};
        const struct doc_node *svc = pair->value, *n;
        char path[NZ_PATH], p[NZ_PATH];
        int init = 0;

        defaults(s);
        z->mount_item = NULL;
        s->name = nz_strdup(z, pair->key->scalar.text);
        s->pos = (struct model_pos){z->p->file, pair->key->pos.line, pair->key->pos.col};
        nz_key_path(path, "services", pair->key->scalar.text);
        if (!s->name || !nz_is_map(z, svc, path))
                return;
        if (!(n = get(svc, "image")))
                nz_error(z, pair->key, path,
                         "every service needs an image: berth runs pre-built "
                         "images");
        else
                s->image = nz_text_dup(z, n, PATH("image"));
        resources(z, s, svc, path);
        command(z, get(svc, "command"), PATH("command"), &s->command);
        command(z, get(svc, "entrypoint"), PATH("entrypoint"), &s->entrypoint);
        environment(z, s, svc, path);
        nz_kv(z, get(svc, "labels"), PATH("labels"), &s->labels, NZ_KV_LABELS, 1);
        nz_kv_finish(z, &s->labels);
        nz_labels_check(z, get(svc, "labels"), PATH("labels"), &s->labels);
        if ((n = get(svc, "ports")))
                nz_ports(z, s, n, PATH("ports"));
        if ((n = get(svc, "expose")))
                nz_expose(z, s, n, PATH("expose"));
        if ((n = get(svc, "volumes")))
                nz_mounts(z, s, n, PATH("volumes"));
        if ((n = get(svc, "tmpfs")))
                nz_tmpfs(z, s, n, PATH("tmpfs"));
        networks(z, s, svc, path);
        depends_on(z, s, get(svc, "depends_on"), PATH("depends_on"));
        healthcheck(z, &s->healthcheck, get(svc, "healthcheck"), PATH("healthcheck"));
        restart(z, s, get(svc, "restart"), PATH("restart"));
        container_name(z, s, get(svc, "container_name"), PATH("container_name"));
        s->hostname = nz_text_dup(z, get(svc, "hostname"), PATH("hostname"));
        s->user = nz_text_dup(z, get(svc, "user"), PATH("user"));
        s->working_dir = nz_text_dup(z, get(svc, "working_dir"), PATH("working_dir"));
        s->stop_signal = nz_text_dup(z, get(svc, "stop_signal"), PATH("stop_signal"));
        if ((n = get(svc, "stop_grace_period")))
                nz_duration(z, n, PATH("stop_grace_period"), &s->stop_grace_period);
        nz_strlist(z, get(svc, "cap_add"), PATH("cap_add"), &s->cap_add, 0);
        nz_strlist(z, get(svc, "cap_drop"), PATH("cap_drop"), &s->cap_drop, 0);
        upper(&s->cap_add);
        upper(&s->cap_drop);
        nz_flag(z, svc, "privileged", path, &s->privileged);
        nz_flag(z, svc, "read_only", path, &s->read_only);
        nz_flag(z, svc, "tty", path, &s->tty);
        nz_flag(z, svc, "stdin_open", path, &s->stdin_open);
        if ((n = get(svc, "init")) && nz_bool(z, n, PATH("init"), &init) == 0)
                s->init = init;
        extra_hosts(z, s, get(svc, "extra_hosts"), PATH("extra_hosts"));
        nz_strlist(z, get(svc, "dns"), PATH("dns"), &s->dns, 1);
        nz_strlist(z, get(svc, "dns_search"), PATH("dns_search"), &s->dns_search, 1);
        nz_strlist(z, get(svc, "dns_opt"), PATH("dns_opt"), &s->dns_opt, 0);
        nz_strlist(z, get(svc, "security_opt"), PATH("security_opt"), &s->security_opt, 0);
        nz_strlist(z, get(svc, "profiles"), PATH("profiles"), &s->profiles, 0);
        logging(z, s, get(svc, "logging"), PATH("logging"));
        pull_policy(z, s, get(svc, "pull_policy"), PATH("pull_policy"));
        ulimits(z, s, get(svc, "ulimits"), PATH("ulimits"));
        nz_kv(z, get(svc, "sysctls"), PATH("sysctls"), &s->sysctls, NZ_KV_VALUES, 1);
        nz_kv_finish(z, &s->sysctls);
        update_config(z, s, dig(svc, update), PATH("deploy.update_config"));
        namespaces(z, s, svc, path);
        if ((n = get(svc, "devices")))
                nz_devices(z, s, n, PATH("devices"));
        nz_ignored(z, svc, "domainname", path, "berth does not set a container's domain name");
        nz_policy(z, s, svc, path);
}
