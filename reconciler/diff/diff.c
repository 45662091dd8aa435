/* diff.c - desired × actual → changes (the rules are in diff.h). */
#include "diff/diff.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "common/arena.h"
#include "common/labels.h"

/* More replicas than this is a typo, not a plan: refuse rather than list
 * millions of creations. */
#define DIFF_MAX_REPLICAS 10000

#define R_CREATE "not created yet"
#define R_CONFIG "configuration changed"
#define R_UNDECLARED "no longer declared"
#define R_TEMP "left over from an interrupted update"
#define R_DOWN "removed by down"
#define R_FROZEN "left alone: the project's manifest did not load"
#define R_INCOMPLETE "left alone: not declared, but the manifests were not all read"

struct diff_ctx {
        struct diff_result *r;
        size_t cap;
        const struct model_state *desired;
        const struct actual_state *actual;
        const struct diff_options *opts;
        struct berth_err *err;
        int oom;
};

static const char *nz(const char *s)
{
        return s ? s : "";
}

static int name_in(const char *const *list, const char *name)
{
        for (; list && *list; list++)
                if (!strcmp(*list, name))
                        return 1;
        return 0;
}

static struct diff_change *change_add(struct diff_ctx *x, enum diff_kind kind,
                                      enum diff_action action, const char *project,
                                      const char *name, const char *reason)
{
        struct diff_result *r = x->r;
        struct diff_change *c;

        if (x->oom || !reason || !name)
                goto oom;
        if (r->nchanges == x->cap) {
                size_t cap = x->cap ? 2 * x->cap : 16;
                struct diff_change *v =
                    berth_arena_grow(r->arena, r->changes, r->nchanges, cap, sizeof(*v));

                if (!v)
                        goto oom;
                r->changes = v;
                x->cap = cap;
        }
        c = &r->changes[r->nchanges++];
        memset(c, 0, sizeof(*c));
        c->kind = kind;
        c->action = action;
        c->project = project;
        c->name = name;
        c->reason = reason;
        return c;
oom:
        x->oom = 1;
        return NULL;
}

static struct diff_change *container_change(struct diff_ctx *x, enum diff_action action,
                                            const struct actual_container *ac, const char *reason)
{
        struct diff_change *c =
            change_add(x, DIFF_CONTAINER, action, nz(ac->project), nz(ac->name), reason);

        if (c) {
                c->service = nz(ac->service);
                c->replica = ac->replica;
                c->container = ac;
        }
        return c;
}

/* ---- projects out of play or not declared ------------------------------ */

/* Why an owned container cannot be one of a project's replicas, or NULL. */
static const char *container_label_problem(const struct actual_container *ac)
{
        if (ac->temp)
                return R_TEMP;
        if (!*nz(ac->project))
                return "berth.project label missing";
        if (!*nz(ac->service))
                return "berth.service label missing";
        if (ac->replica < 1)
                return "berth.replica label missing or invalid";
        return NULL;
}

/* Every object of a project that is not compared with a declaration:
 * FROZEN with reason (volumes too when volumes_too), or REMOVE (reason
 * NULL: each says why; volumes are never removed). */
static void project_whole(struct diff_ctx *x, const char *project, enum diff_action action,
                          const char *reason, int volumes_too)
{
        const struct actual_state *a = x->actual;
        const char *undeclared = *project ? R_UNDECLARED : "berth.project label missing";
        struct diff_change *c;
        size_t i;

        for (i = 0; i < a->nnetworks; i++) {
                if (strcmp(nz(a->networks[i].project), project))
                        continue;
                c = change_add(x, DIFF_NETWORK, action, project, nz(a->networks[i].name),
                               reason ? reason : undeclared);
                if (c)
                        c->network = &a->networks[i];
        }
        for (i = 0; volumes_too && i < a->nvolumes; i++) {
                if (strcmp(nz(a->volumes[i].project), project))
                        continue;
                c = change_add(x, DIFF_VOLUME, action, project, nz(a->volumes[i].name), reason);
                if (c)
                        c->volume = &a->volumes[i];
        }
        for (i = 0; i < a->ncontainers; i++) {
                const struct actual_container *ac = &a->containers[i];
                const char *why = reason ? reason : container_label_problem(ac);

                if (!strcmp(nz(ac->project), project))
                        container_change(x, action, ac, why ? why : R_UNDECLARED);
        }
}

/* ---- networks and volumes of a declared project ------------------------ */

static int external_missing(struct diff_ctx *x, const struct model_project *p, const char *what,
                            const char *name, const struct model_pos *pos)
{
        int rc = berth_err_set(x->err, BERTH_EINVALID,
                               "project '%s': external %s '%s' does not exist: create it, or "
                               "drop external: true",
                               p->name, what, name);

        berth_err_subject(x->err, NULL, name);
        if (pos->line > 0)
                berth_err_at(x->err, pos->file ? pos->file : p->file, pos->line, pos->col);
        return rc;
}

/* The owned network or volume with that engine name, or NULL. */
static const void *actual_named(const struct actual_state *a, enum diff_kind kind, const char *name)
{
        size_t i, n = kind == DIFF_NETWORK ? a->nnetworks : a->nvolumes;

        for (i = 0; i < n; i++) {
                if (kind == DIFF_NETWORK && !strcmp(nz(a->networks[i].name), name))
                        return &a->networks[i];
                if (kind == DIFF_VOLUME && !strcmp(nz(a->volumes[i].name), name))
                        return &a->volumes[i];
        }
        return NULL;
}

/* One declared network or volume: CREATE when missing, an error when it
 * is external and missing (when the engine's names are known). */
static int declared_object(struct diff_ctx *x, const struct model_project *p, enum diff_kind kind,
                           const char *engine_name, int external, const struct model_pos *pos,
                           const void *desired)
{
        const char *const *engine =
            kind == DIFF_NETWORK ? x->opts->engine_networks : x->opts->engine_volumes;
        struct diff_change *c;

        if (actual_named(x->actual, kind, engine_name))
                return 0;
        if (external) {
                if (engine && !name_in(engine, engine_name))
                        return external_missing(x, p, kind == DIFF_NETWORK ? "network" : "volume",
                                                engine_name, pos);
                return 0;
        }
        c = change_add(x, kind, DIFF_CREATE, p->name, engine_name, R_CREATE);
        if (c) {
                c->project_desired = p;
                c->network_desired = kind == DIFF_NETWORK ? desired : NULL;
                c->volume_desired = kind == DIFF_VOLUME ? desired : NULL;
        }
        return 0;
}

static int project_networks(struct diff_ctx *x, const struct model_project *p)
{
        const struct actual_state *a = x->actual;
        struct diff_change *c;
        size_t i, k;
        int rc = 0;

        for (i = 0; i < p->nnetworks && !rc; i++) {
                const struct model_network *n = &p->networks[i];

                rc = declared_object(x, p, DIFF_NETWORK, n->engine_name, n->external, &n->pos, n);
        }
        for (i = 0; i < a->nnetworks && !rc; i++) {
                const struct actual_network *an = &a->networks[i];

                if (strcmp(nz(an->project), p->name))
                        continue;
                for (k = 0; k < p->nnetworks; k++)
                        if (!strcmp(p->networks[k].engine_name, nz(an->name)))
                                break;
                if (k < p->nnetworks)
                        continue;
                c = change_add(x, DIFF_NETWORK, DIFF_REMOVE, p->name, nz(an->name), R_UNDECLARED);
                if (c)
                        c->network = an;
        }
        return rc;
}

static int project_volumes(struct diff_ctx *x, const struct model_project *p)
{
        size_t i;
        int rc = 0;

        for (i = 0; i < p->nvolumes && !rc; i++) {
                const struct model_volume *v = &p->volumes[i];

                rc = declared_object(x, p, DIFF_VOLUME, v->engine_name, v->external, &v->pos, v);
        }
        return rc;
}

/* ---- containers of a declared project ---------------------------------- */

struct service_want {
        const struct model_project *p;
        const struct model_service *s;
        const char *hash;  /* in the result's arena */
        json_t *canonical; /* redacted, made when first needed */
};

static int is_up(enum actual_run_state st)
{
        return st == ACTUAL_RUNNING || st == ACTUAL_RESTARTING || st == ACTUAL_PAUSED;
}

/* The container kept for one replica when there are several: the first of
 * config hash matches, up, lowest name (diff.h). */
static int keeper_better(const struct actual_container *c, const struct actual_container *best,
                         const char *hash)
{
        int cm = !strcmp(nz(c->config_hash), hash), bm = !strcmp(nz(best->config_hash), hash);

        if (cm != bm)
                return cm;
        if (is_up(c->state) != is_up(best->state))
                return is_up(c->state);
        return strcmp(nz(c->name), nz(best->name)) < 0;
}

static const struct actual_container *replica_keeper(const struct actual_container *const *mine,
                                                     size_t n, const struct service_want *w,
                                                     int replica)
{
        const struct actual_container *best = NULL;
        size_t i;

        for (i = 0; i < n; i++) {
                const struct actual_container *c = mine[i];

                if (c->temp || c->replica != replica || strcmp(nz(c->service), w->s->name))
                        continue;
                if (!best || keeper_better(c, best, w->hash))
                        best = c;
        }
        return best;
}

static void short_id(char out[13], const char *id)
{
        const char *hex = strncmp(id, "sha256:", 7) ? id : id + 7;

        snprintf(out, 13, "%s", hex);
}

static int recreate_fields(struct diff_ctx *x, struct diff_change *c, struct service_want *w,
                           const char *applied)
{
        json_t *before = *applied ? json_loads(applied, 0, NULL) : NULL;
        int rc = 0;

        if (!json_is_object(before))
                goto out; /* an older or foreign container: no fields to show */
        if (!w->canonical)
                w->canonical = model_service_canonical(w->p, w->s, 1);
        /* a label written before a secret was known as one holds it in clear */
        if (!w->canonical || model_json_redact(before, w->p, 1) < 0) {
                rc = berth_err_set(x->err, BERTH_ENOMEM, "out of memory comparing service '%s'",
                                   w->s->name);
                goto out;
        }
        rc = diff_fields(&c->fields, &c->nfields, x->r->arena, before, w->canonical, x->err);
out:
        json_decref(before);
        return rc;
}

static const char *not_running_reason(struct diff_ctx *x, const struct actual_container *ac)
{
        switch (ac->state) {
        case ACTUAL_CREATED:
                return "not running (created)";
        case ACTUAL_DEAD:
                return "not running (dead)";
        default:
                if (ac->exit_code < 0)
                        return "not running (exited)";
                return berth_arena_printf(x->r->arena, "not running (exited %d)", ac->exit_code);
        }
}

/* A project network the container should be on and is not (a connect
 * lost to a crash, or undone by hand), or NULL. */
static const char *network_missing(const struct model_service *s, const struct actual_container *ac)
{
        size_t i, j;

        if (!ac->networks_known || s->network_mode)
                return NULL;
        for (i = 0; i < s->nnetworks; i++) {
                for (j = 0; j < ac->nnetworks; j++)
                        if (!strcmp(ac->networks[j], s->networks[i].engine_name))
                                break;
                if (j == ac->nnetworks)
                        return s->networks[i].engine_name;
        }
        return NULL;
}

static int replica_compare(struct diff_ctx *x, struct service_want *w, int replica,
                           const struct actual_container *ac, const char *desired_name)
{
        const struct model_service *s = w->s;
        const char *now = s->image ? actual_image_id(x->actual, s->image) : NULL;
        const char *name = ac ? nz(ac->name) : desired_name; /* what is started or replaced */
        const char *net = ac ? network_missing(s, ac) : NULL;
        struct diff_change *c = NULL;
        int rc = 0;

        if (!ac) {
                c = change_add(x, DIFF_CONTAINER, DIFF_CREATE, w->p->name, name, R_CREATE);
        } else if (strcmp(nz(ac->config_hash), w->hash)) {
                c = change_add(x, DIFF_CONTAINER, DIFF_RECREATE, w->p->name, name, R_CONFIG);
                if (c)
                        rc = recreate_fields(x, c, w, nz(ac->applied));
        } else if (net) {
                c = change_add(
                    x, DIFF_CONTAINER, DIFF_RECREATE, w->p->name, name,
                    berth_arena_printf(x->r->arena, "not attached to network '%s'", net));
        } else if (now && *nz(ac->image_id) && strcmp(now, ac->image_id)) {
                char want[13], runs[13];

                short_id(want, now);
                short_id(runs, ac->image_id);
                c = change_add(x, DIFF_CONTAINER, DIFF_RECREATE, w->p->name, name,
                               berth_arena_printf(x->r->arena,
                                                  "image '%s' now points at %s (runs %s)", s->image,
                                                  want, runs));
        } else if (ac->state == ACTUAL_EXITED && ac->exit_code == 0 &&
                   (s->restart == MODEL_RESTART_NO || s->restart == MODEL_RESTART_ON_FAILURE)) {
                c = change_add(x, DIFF_CONTAINER, DIFF_COMPLETED, w->p->name, name,
                               "completed (exited 0)");
        } else if (ac->state == ACTUAL_CREATED || ac->state == ACTUAL_EXITED ||
                   ac->state == ACTUAL_DEAD) {
                c = change_add(x, DIFF_CONTAINER, DIFF_START, w->p->name, name,
                               not_running_reason(x, ac));
        } else {
                return 0; /* in sync */
        }
        if (c) {
                c->service = s->name;
                c->replica = replica;
                c->project_desired = w->p;
                c->service_desired = s;
                c->container = ac;
                c->config_hash = w->hash;
        }
        return rc;
}

static int service_replicas(struct diff_ctx *x, struct service_want *w,
                            const struct actual_container *const *mine, size_t n)
{
        char buf[256];
        int replica, rc;

        if (w->s->replicas > DIFF_MAX_REPLICAS)
                return berth_err_set(x->err, BERTH_EINVALID,
                                     "service '%s' of project '%s': %lld replicas is more than "
                                     "berth runs (at most %d): lower scale",
                                     w->s->name, w->p->name, (long long)w->s->replicas,
                                     DIFF_MAX_REPLICAS);
        for (replica = 1; replica <= w->s->replicas; replica++) {
                const char *name = berth_arena_strdup(
                    x->r->arena, model_container_name(w->p, w->s, replica, buf, sizeof(buf)));

                rc = replica_compare(x, w, replica, replica_keeper(mine, n, w, replica), name);
                if (rc)
                        return rc;
        }
        return 0;
}

static int highest_replica(const struct actual_container *const *mine, size_t n,
                           const char *service)
{
        int top = 0;
        size_t i;

        for (i = 0; i < n; i++)
                if (!mine[i]->temp && !strcmp(nz(mine[i]->service), service) &&
                    mine[i]->replica > top)
                        top = mine[i]->replica;
        return top;
}

/* Every container of the project that is not the one kept for a wanted
 * replica is removed, with the first reason that applies. */
static void project_extra_containers(struct diff_ctx *x, const struct model_project *p,
                                     struct service_want *wants,
                                     const struct actual_container *const *mine, size_t n)
{
        size_t i;

        for (i = 0; i < n; i++) {
                const struct actual_container *ac = mine[i];
                const char *why = container_label_problem(ac);
                const struct model_service *s = why ? NULL : model_service_find(p, ac->service);
                struct service_want *w = s ? &wants[s - p->services] : NULL;

                if (!why && s && ac->replica <= s->replicas &&
                    replica_keeper(mine, n, w, ac->replica) == ac)
                        continue; /* the kept one: compared already */
                if (!why && !s)
                        why = R_UNDECLARED;
                else if (!why && ac->replica > s->replicas)
                        why = berth_arena_printf(x->r->arena, "scaled from %d to %lld",
                                                 highest_replica(mine, n, ac->service),
                                                 (long long)s->replicas);
                else if (!why)
                        why =
                            berth_arena_printf(x->r->arena, "duplicate of replica %d", ac->replica);
                container_change(x, DIFF_REMOVE, ac, why); /* NULL why: out of memory */
        }
}

static int project_containers(struct diff_ctx *x, const struct model_project *p)
{
        const struct actual_state *a = x->actual;
        const struct actual_container **mine = NULL;
        struct service_want *wants = NULL;
        size_t i, n = 0;
        int rc = 0;

        mine = calloc(a->ncontainers + 1, sizeof(*mine));
        wants = calloc(p->nservices + 1, sizeof(*wants));
        if (!mine || !wants) {
                rc = berth_err_set(x->err, BERTH_ENOMEM, "out of memory comparing project '%s'",
                                   p->name);
                goto out;
        }
        for (i = 0; i < a->ncontainers; i++)
                if (!strcmp(nz(a->containers[i].project), p->name))
                        mine[n++] = &a->containers[i];
        for (i = 0; i < p->nservices; i++) {
                const char *made = p->services[i].config_hash;
                char hash[65];

                wants[i].p = p;
                wants[i].s = &p->services[i];
                if (!made[0] && (rc = model_service_hash(hash, p, &p->services[i], x->err)))
                        goto out;
                wants[i].hash = berth_arena_strdup(x->r->arena, made[0] ? made : hash);
                if (!wants[i].hash) {
                        x->oom = 1;
                        goto out;
                }
        }
        for (i = 0; i < p->nservices && !rc; i++)
                rc = service_replicas(x, &wants[i], mine, n);
        if (!rc)
                project_extra_containers(x, p, wants, mine, n);
out:
        for (i = 0; wants && i < p->nservices; i++)
                json_decref(wants[i].canonical);
        free(wants);
        free(mine);
        return rc;
}

static int project_declared(struct diff_ctx *x, const struct model_project *p)
{
        int rc = project_networks(x, p);

        if (!rc)
                rc = project_volumes(x, p);
        if (!rc)
                rc = project_containers(x, p);
        return rc;
}

/* ---- the whole ---------------------------------------------------------- */

static int cmp_str(const void *a, const void *b)
{
        return strcmp(*(const char *const *)a, *(const char *const *)b);
}

/* Every project named by the desired or the actual state, sorted, once
 * each ("" for objects without a berth.project label). */
static const char **project_names(const struct model_state *d, const struct actual_state *a,
                                  size_t *count)
{
        size_t cap = d->nprojects + a->ncontainers + a->nnetworks + a->nvolumes + 1;
        const char **v = calloc(cap, sizeof(*v));
        size_t i, n = 0, k = 0;

        if (!v)
                return NULL;
        for (i = 0; i < d->nprojects; i++)
                v[n++] = d->projects[i].name;
        for (i = 0; i < a->ncontainers; i++)
                v[n++] = nz(a->containers[i].project);
        for (i = 0; i < a->nnetworks; i++)
                v[n++] = nz(a->networks[i].project);
        for (i = 0; i < a->nvolumes; i++)
                v[n++] = nz(a->volumes[i].project);
        qsort(v, n, sizeof(*v), cmp_str);
        for (i = 0; i < n; i++)
                if (!k || strcmp(v[k - 1], v[i]))
                        v[k++] = v[i];
        *count = k;
        return v;
}

static int project_diff(struct diff_ctx *x, const char *name)
{
        const struct diff_options *o = x->opts;
        const struct model_project *p = model_project_find(x->desired, name);

        if (o->project && strcmp(o->project, name))
                return 0;
        if (name_in(o->frozen, name)) {
                project_whole(x, name, DIFF_FROZEN, R_FROZEN, 1);
                return 0;
        }
        if (p)
                return project_declared(x, p);
        if (o->only_declared)
                return 0;
        if (!o->complete) {
                project_whole(x, name, DIFF_FROZEN, R_INCOMPLETE, 0);
                return 0;
        }
        project_whole(x, name, DIFF_REMOVE, NULL, 0);
        return 0;
}

static int kind_rank(enum diff_kind k)
{
        return k == DIFF_NETWORK ? 0 : k == DIFF_VOLUME ? 1 : 2;
}

struct ordered {
        const struct diff_change *c;
        size_t seq;
};

static int cmp_change(const void *x, const void *y)
{
        const struct ordered *oa = x, *ob = y;
        const struct diff_change *a = oa->c, *b = ob->c;
        int d = strcmp(a->project, b->project);

        if (!d)
                d = kind_rank(a->kind) - kind_rank(b->kind);
        if (!d && a->kind == DIFF_CONTAINER) {
                d = strcmp(a->service, b->service);
                if (!d)
                        d = (a->replica > b->replica) - (a->replica < b->replica);
        }
        if (!d)
                d = strcmp(a->name, b->name);
        if (!d)
                d = (oa->seq > ob->seq) - (oa->seq < ob->seq);
        return d;
}

static int result_order(struct diff_result *r)
{
        struct ordered *o = calloc(r->nchanges + 1, sizeof(*o));
        struct diff_change *sorted =
            r->nchanges ? berth_arena_alloc(r->arena, r->nchanges * sizeof(*sorted)) : NULL;
        size_t i;

        if (!o || (r->nchanges && !sorted)) {
                free(o);
                return BERTH_ENOMEM;
        }
        for (i = 0; i < r->nchanges; i++) {
                o[i].c = &r->changes[i];
                o[i].seq = i;
        }
        qsort(o, r->nchanges, sizeof(*o), cmp_change);
        for (i = 0; i < r->nchanges; i++) {
                sorted[i] = *o[i].c;
                r->ncreate += sorted[i].action == DIFF_CREATE;
                r->nrecreate += sorted[i].action == DIFF_RECREATE;
                r->nstart += sorted[i].action == DIFF_START;
                r->nremove += sorted[i].action == DIFF_REMOVE;
        }
        r->changes = sorted;
        free(o);
        return 0;
}

int diff_compute(struct diff_result **out, const struct model_state *desired,
                 const struct actual_state *actual, const struct diff_options *opts,
                 struct berth_err *err)
{
        static const struct diff_options defaults;
        struct diff_ctx x = {
            .desired = desired, .actual = actual, .opts = opts ? opts : &defaults, .err = err};
        const char **names = NULL;
        size_t i, nnames = 0;
        int rc = 0;

        *out = NULL;
        x.r = calloc(1, sizeof(*x.r));
        if (x.r)
                x.r->arena = berth_arena_new();
        names = x.r && x.r->arena ? project_names(desired, actual, &nnames) : NULL;
        if (!names)
                goto oom;
        for (i = 0; i < nnames && !rc && !x.oom; i++)
                rc = project_diff(&x, names[i]);
        if (rc)
                goto fail;
        if (x.oom || result_order(x.r))
                goto oom;
        if (!desired->nprojects && x.opts->complete && !x.opts->allow_empty && x.r->nremove) {
                rc = berth_err_set(err, BERTH_EINVALID,
                                   "no projects in the manifests: refusing to remove everything "
                                   "in scope '%s' (pass --allow-empty to do that)",
                                   actual->scope ? actual->scope : BERTH_DEFAULT_SCOPE);
                goto fail;
        }
        free(names);
        *out = x.r;
        return 0;
oom:
        rc = berth_err_set(err, BERTH_ENOMEM, "out of memory comparing desired and actual state");
fail:
        free(names);
        diff_result_free(x.r);
        return rc;
}

int diff_frozen(const char ***out, const char *const *projects, const char *const *sources,
                const struct actual_state *a, struct berth_err *err)
{
        size_t n = 0, i, cap = a->ncontainers + 1;
        const char **v;

        for (i = 0; projects && projects[i]; i++)
                cap++;
        *out = v = calloc(cap, sizeof(*v));
        if (!v)
                return berth_err_set(err, BERTH_ENOMEM, "out of memory");
        for (i = 0; projects && projects[i]; i++)
                if (!name_in(v, projects[i]))
                        v[n++] = projects[i];
        for (i = 0; i < a->ncontainers; i++) {
                const struct actual_container *c = &a->containers[i];

                if (*nz(c->project) && name_in(sources, nz(c->source)) && !name_in(v, c->project))
                        v[n++] = c->project;
        }
        return 0;
}

int diff_down(struct diff_result **out, const struct actual_state *actual,
              const char *const *projects, bool volumes, struct berth_err *err)
{
        static const struct diff_options defaults;
        struct model_state none = {0};
        struct diff_ctx x = {.desired = &none, .actual = actual, .opts = &defaults, .err = err};
        const char **names = NULL;
        size_t i, nnames = 0;

        *out = NULL;
        x.r = calloc(1, sizeof(*x.r));
        if (x.r)
                x.r->arena = berth_arena_new();
        names = x.r && x.r->arena ? project_names(&none, actual, &nnames) : NULL;
        if (!names)
                goto oom;
        for (i = 0; i < nnames && !x.oom; i++)
                if (!projects || name_in(projects, names[i]))
                        project_whole(&x, names[i], DIFF_REMOVE, R_DOWN, volumes);
        free(names);
        if (x.oom || result_order(x.r))
                goto oom;
        *out = x.r;
        return 0;
oom:
        free(names);
        diff_result_free(x.r);
        return berth_err_set(err, BERTH_ENOMEM, "out of memory planning down");
}

void diff_result_free(struct diff_result *r)
{
        if (!r)
                return;
        berth_arena_free(r->arena);
        free(r);
}
