/* plan.c - the operation graph of a diff (the edges are in plan.h). */
#include "plan/plan.h"

#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "common/arena.h"

#define NONE SIZE_MAX
#define TEMP_SUFFIX "-berth-new"

/* An edge list while building: indices into b->ops before sorting. */
struct edges {
        size_t *v;
        size_t n, cap;
};

struct builder {
        struct plan *p;
        const struct diff_result *d;
        const struct actual_state *a;
        struct berth_err *err;
        size_t cap;
        struct edges *hard, *soft; /* per op: hard edges must hold, soft ones only order */
        int oom;
};

const char *plan_op_kind_name(enum plan_op_kind k)
{
        static const char *const names[] = {
            [PLAN_NETWORK_CREATE] = "network-create",
            [PLAN_VOLUME_CREATE] = "volume-create",
            [PLAN_IMAGE_PULL] = "image-pull",
            [PLAN_CONTAINER_CREATE] = "container-create",
            [PLAN_CONTAINER_RECREATE] = "container-recreate",
            [PLAN_CONTAINER_START] = "container-start",
            [PLAN_CONTAINER_REMOVE] = "container-remove",
            [PLAN_NETWORK_REMOVE] = "network-remove",
            [PLAN_VOLUME_REMOVE] = "volume-remove",
        };

        return (unsigned)k < sizeof(names) / sizeof(names[0]) ? names[k] : "unknown";
}

void plan_free(struct plan *p)
{
        if (!p)
                return;
        berth_arena_free(p->arena);
        free(p);
}

static struct plan_op *op_add(struct builder *b, enum plan_op_kind kind,
                              const struct diff_change *c, const char *name)
{
        struct plan *p = b->p;
        struct plan_op *op;

        if (b->oom)
                return NULL;
        if (p->nops == b->cap) {
                size_t cap = b->cap ? 2 * b->cap : 16;
                struct plan_op *v = berth_arena_grow(p->arena, p->ops, p->nops, cap, sizeof(*v));
                struct edges *h = realloc(b->hard, cap * sizeof(*h));
                struct edges *s = h ? realloc(b->soft, cap * sizeof(*s)) : NULL;

                if (h)
                        b->hard = h;
                if (s)
                        b->soft = s;
                if (!v || !h || !s) {
                        b->oom = 1;
                        return NULL;
                }
                p->ops = v;
                b->cap = cap;
        }
        memset(&b->hard[p->nops], 0, sizeof(b->hard[0]));
        memset(&b->soft[p->nops], 0, sizeof(b->soft[0]));
        op = &p->ops[p->nops];
        memset(op, 0, sizeof(*op));
        op->id = p->nops++;
        op->kind = kind;
        op->change = c;
        op->name = name;
        op->project = c ? c->project : NULL;
        return op;
}

static void edge_add(struct builder *b, struct edges *e, size_t to)
{
        size_t i;

        for (i = 0; i < e->n; i++)
                if (e->v[i] == to)
                        return;
        if (e->n == e->cap) {
                size_t cap = e->cap ? 2 * e->cap : 4;
                size_t *v = realloc(e->v, cap * sizeof(*v));

                if (!v) {
                        b->oom = 1;
                        return;
                }
                e->v = v;
                e->cap = cap;
        }
        e->v[e->n++] = to;
}

/* ---- lookups ----------------------------------------------------------- */

static size_t op_find(const struct builder *b, enum plan_op_kind kind, const char *name)
{
        size_t i;

        for (i = 0; i < b->p->nops; i++)
                if (b->p->ops[i].kind == kind && !strcmp(b->p->ops[i].name, name))
                        return i;
        return NONE;
}

static int brings_up(enum plan_op_kind k)
{
        return k == PLAN_CONTAINER_CREATE || k == PLAN_CONTAINER_RECREATE ||
               k == PLAN_CONTAINER_START;
}

/* The container operation bringing up replica r of service of project. */
static size_t op_of_replica(const struct builder *b, const char *project, const char *service,
                            int r)
{
        const struct plan_op *op;
        size_t i;

        for (i = 0; i < b->p->nops; i++) {
                op = &b->p->ops[i];
                if (brings_up(op->kind) && !strcmp(op->change->project, project) &&
                    !strcmp(op->change->service, service) && op->change->replica == r)
                        return i;
        }
        return NONE;
}

/* Does service list "db,cache" name service? */
static int list_has(const char *list, const char *service)
{
        size_t n = strlen(service);
        const char *s = list;

        while (s && *s) {
                const char *end = strchr(s, ',');
                size_t len = end ? (size_t)(end - s) : strlen(s);

                if (len == n && !strncmp(s, service, n))
                        return 1;
                s = end ? end + 1 : NULL;
        }
        return 0;
}

static int ip_all(const char *ip)
{
        return !ip || !*ip || !strcmp(ip, "0.0.0.0") || !strcmp(ip, "::");
}

/* Would the desired service's published ports collide with the host ports
 * c holds? */
static int ports_collide(const struct model_service *s, const struct actual_container *c)
{
        size_t i, j;

        for (i = 0; i < s->nports; i++) {
                const struct model_port *mp = &s->ports[i];

                if (mp->published <= 0)
                        continue;
                for (j = 0; j < c->nports; j++) {
                        const struct actual_port *ap = &c->ports[j];

                        if (ap->port == mp->published && !strcmp(ap->proto, mp->protocol) &&
                            (ip_all(ap->ip) || ip_all(mp->host_ip) || !strcmp(ap->ip, mp->host_ip)))
                                return 1;
                }
        }
        return 0;
}

static int has_fixed_port(const struct model_service *s)
{
        size_t i;

        for (i = 0; i < s->nports; i++)
                if (s->ports[i].published > 0)
                        return s->ports[i].published;
        return 0;
}

/* ---- the operations ----------------------------------------------------- */

static const char *image_of(const struct diff_change *c)
{
        return c->service_desired && c->service_desired->image ? c->service_desired->image : "";
}

/* The pull the creation of c needs, if any: one per image, ALWAYS wins. */
static int pull_add(struct builder *b, const struct diff_change *c)
{
        const struct model_service *s = c->service_desired;
        const char *image = image_of(c);
        int known = actual_image_id(b->a, image) != NULL;
        size_t i;

        if (s->pull_policy == MODEL_PULL_NEVER) {
                if (known || strchr(image, '@'))
                        return 0;
                return berth_err_set(b->err, BERTH_EINVALID,
                                     "project '%s', service '%s': image '%s' is not present and "
                                     "pull_policy is never: load or pull it first",
                                     c->project, c->service, image);
        }
        if (s->pull_policy == MODEL_PULL_MISSING && known)
                return 0;
        i = op_find(b, PLAN_IMAGE_PULL, image);
        if (i != NONE) {
                if (s->pull_policy == MODEL_PULL_ALWAYS)
                        b->p->ops[i].pull_policy = MODEL_PULL_ALWAYS;
                return 0;
        }
        if (!op_add(b, PLAN_IMAGE_PULL, NULL, image))
                return 0;
        b->p->ops[b->p->nops - 1].pull_policy = s->pull_policy;
        return 0;
}

static void container_op_add(struct builder *b, const struct diff_change *c)
{
        static const enum plan_op_kind kinds[] = {
            [DIFF_CREATE] = PLAN_CONTAINER_CREATE,
            [DIFF_RECREATE] = PLAN_CONTAINER_RECREATE,
            [DIFF_START] = PLAN_CONTAINER_START,
            [DIFF_REMOVE] = PLAN_CONTAINER_REMOVE,
        };
        const struct model_service *s = c->service_desired;
        struct plan_op *op = op_add(b, kinds[c->action], c, c->name);
        int port;

        if (!op || op->kind != PLAN_CONTAINER_RECREATE ||
            s->update_order != MODEL_UPDATE_START_FIRST)
                return;
        port = has_fixed_port(s);
        if (port) {
                op->note = berth_arena_printf(b->p->arena,
                                              "replaced stop-first: start-first needs host "
                                              "port %d free while both replicas run",
                                              port);
                b->oom |= !op->note;
                return;
        }
        op->start_first = true;
        op->temp_name = berth_arena_printf(b->p->arena, "%s" TEMP_SUFFIX, c->name);
        b->oom |= !op->temp_name;
}

static int ops_add(struct builder *b)
{
        const struct diff_change *c;
        size_t i;
        int r;

        /* Pulls, then creations of networks and volumes, then containers,
         * then removals of networks and volumes: the sort keeps this order
         * where the edges allow. */
        for (i = 0; i < b->d->nchanges; i++) {
                c = &b->d->changes[i];
                if (c->kind == DIFF_CONTAINER &&
                    (c->action == DIFF_CREATE || c->action == DIFF_RECREATE) &&
                    (r = pull_add(b, c)) < 0)
                        return r;
        }
        for (i = 0; i < b->d->nchanges; i++) {
                c = &b->d->changes[i];
                if (c->action == DIFF_CREATE && c->kind != DIFF_CONTAINER)
                        op_add(b,
                               c->kind == DIFF_NETWORK ? PLAN_NETWORK_CREATE : PLAN_VOLUME_CREATE,
                               c, c->name);
        }
        for (i = 0; i < b->d->nchanges; i++) {
                c = &b->d->changes[i];
                if (c->kind == DIFF_CONTAINER && c->action != DIFF_COMPLETED &&
                    c->action != DIFF_FROZEN)
                        container_op_add(b, c);
        }
        for (i = 0; i < b->d->nchanges; i++) {
                c = &b->d->changes[i];
                if (c->action == DIFF_REMOVE && c->kind != DIFF_CONTAINER)
                        op_add(b,
                               c->kind == DIFF_NETWORK ? PLAN_NETWORK_REMOVE : PLAN_VOLUME_REMOVE,
                               c, c->name);
        }
        return 0;
}

/* ---- the edges ---------------------------------------------------------- */

static void gates_add(struct builder *b, struct plan_op *op)
{
        const struct model_project *p = op->change->project_desired;
        const struct model_service *s = op->change->service_desired;
        const struct model_service *dep;
        char name[512];
        size_t i, n = 0, k;
        int r;

        for (i = 0; i < s->ndepends_on; i++)
                if ((dep = model_service_find(p, s->depends_on[i].service)))
                        n += (size_t)dep->replicas;
        if (!n)
                return;
        op->gates = berth_arena_alloc(b->p->arena, n * sizeof(*op->gates));
        if (!op->gates) {
                b->oom = 1;
                return;
        }
        for (i = 0; i < s->ndepends_on; i++) {
                if (!(dep = model_service_find(p, s->depends_on[i].service)))
                        continue;
                for (r = 1; r <= dep->replicas; r++) {
                        struct plan_gate *g = &op->gates[op->ngates++];

                        model_container_name(p, dep, r, name, sizeof(name));
                        g->container = berth_arena_strdup(b->p->arena, name);
                        g->service = dep->name;
                        g->condition = s->depends_on[i].condition;
                        b->oom |= !g->container;
                        k = op_of_replica(b, p->name, dep->name, r);
                        if (k != NONE)
                                edge_add(b, &b->hard[op->id], k);
                }
        }
}

/* Edges of an operation that brings a container up. */
static void up_edges(struct builder *b, struct plan_op *op)
{
        const struct diff_change *c = op->change;
        const struct model_service *s = c->service_desired;
        const char *created = op->start_first ? op->temp_name : c->name;
        const struct plan_op *o;
        size_t i, k;

        if (op->kind != PLAN_CONTAINER_START) {
                for (i = 0; !s->network_mode && i < s->nnetworks; i++)
                        if ((k = op_find(b, PLAN_NETWORK_CREATE, s->networks[i].engine_name)) !=
                            NONE)
                                edge_add(b, &b->hard[op->id], k);
                for (i = 0; i < s->nmounts; i++)
                        if (s->mounts[i].type == MODEL_MOUNT_VOLUME && s->mounts[i].source &&
                            (k = op_find(b, PLAN_VOLUME_CREATE, s->mounts[i].source)) != NONE)
                                edge_add(b, &b->hard[op->id], k);
                if ((k = op_find(b, PLAN_IMAGE_PULL, image_of(c))) != NONE)
                        edge_add(b, &b->hard[op->id], k);
        }
        gates_add(b, op);
        /* Free the name and the host ports first. */
        for (i = 0; i < b->p->nops; i++) {
                o = &b->p->ops[i];
                if (o->kind != PLAN_CONTAINER_REMOVE || !o->change->container)
                        continue;
                if (!strcmp(o->change->container->name, created) ||
                    ports_collide(s, o->change->container))
                        edge_add(b, &b->hard[op->id], i);
        }
}

static void remove_edges(struct builder *b, struct plan_op *op)
{
        const struct actual_container *ac = op->change->container;
        const struct plan_op *o;
        size_t i;

        for (i = 0; i < b->p->nops; i++) {
                o = &b->p->ops[i];
                if (i == op->id || !o->change || strcmp(o->change->project, op->change->project))
                        continue;
                /* A dependent goes before what it depends on. */
                if (o->kind == PLAN_CONTAINER_REMOVE && ac && o->change->container &&
                    list_has(o->change->container->depends_on, ac->service))
                        edge_add(b, &b->hard[op->id], i);
                /* The old replicas of a service go after the new ones are up. */
                if (brings_up(o->kind) && ac && !strcmp(o->change->service, ac->service))
                        edge_add(b, &b->soft[op->id], i);
        }
}

static void edges_add(struct builder *b)
{
        struct plan_op *op;
        size_t i, j;

        for (i = 0; i < b->p->nops && !b->oom; i++) {
                op = &b->p->ops[i];
                if (brings_up(op->kind))
                        up_edges(b, op);
                else if (op->kind == PLAN_CONTAINER_REMOVE)
                        remove_edges(b, op);
                else if (op->kind == PLAN_NETWORK_REMOVE || op->kind == PLAN_VOLUME_REMOVE)
                        for (j = 0; j < b->p->nops; j++)
                                if ((b->p->ops[j].kind == PLAN_CONTAINER_REMOVE ||
                                     b->p->ops[j].kind == PLAN_CONTAINER_RECREATE) &&
                                    !strcmp(b->p->ops[j].project, op->project))
                                        edge_add(b, &b->hard[i], j);
        }
}

/* ---- order -------------------------------------------------------------- */

/* A min-heap of operation indices. */
static void heap_push(size_t *h, size_t *n, size_t v)
{
        size_t i = (*n)++, up;

        for (; i && h[up = (i - 1) / 2] > v; i = up)
                h[i] = h[up];
        h[i] = v;
}

static size_t heap_pop(size_t *h, size_t *n)
{
        size_t top = h[0], v = h[--*n], i = 0, c;

        for (; (c = 2 * i + 1) < *n; i = c) {
                if (c + 1 < *n && h[c + 1] < h[c])
                        c++;
                if (h[c] >= v)
                        break;
                h[i] = h[c];
        }
        if (*n)
                h[i] = v;
        return top;
}

/* The e-th edge of op u: its hard ones, then its soft ones. */
static size_t edge_at(const struct builder *b, size_t u, size_t e)
{
        return e < b->hard[u].n ? b->hard[u].v[e] : b->soft[u].v[e - b->hard[u].n];
}

/* Drop the soft edges that close a cycle, and only those: the ones inside
 * a strongly connected component of the whole graph (Tarjan's algorithm,
 * without recursion).  A cycle left after that is made of hard edges: a
 * real one.  A soft edge elsewhere keeps its order (one service's port
 * moving between its replicas must not let another service's old
 * replicas go before its new ones are up).  Returns 0, or -2 on ENOMEM. */
static int soft_prune(struct builder *b)
{
        size_t n = b->p->nops, *m = malloc(6 * n * sizeof(size_t));
        size_t *index = m, *low = m + n, *comp = m + 2 * n, *next = m + 3 * n;
        size_t *stack = m + 4 * n, *call = m + 5 * n;
        size_t nstack = 0, ncall = 0, seen = 0, ncomp = 0, root, u, w, x, j, k;

        if (!m)
                return -2;
        for (u = 0; u < n; u++)
                index[u] = comp[u] = NONE;
        for (root = 0; root < n; root++) {
                if (index[root] != NONE)
                        continue;
                index[root] = low[root] = seen++;
                next[root] = 0;
                stack[nstack++] = call[ncall++] = root;
                while (ncall) {
                        u = call[ncall - 1];
                        if (next[u] < b->hard[u].n + b->soft[u].n) {
                                w = edge_at(b, u, next[u]++);
                                if (index[w] == NONE) {
                                        index[w] = low[w] = seen++;
                                        next[w] = 0;
                                        stack[nstack++] = call[ncall++] = w;
                                } else if (comp[w] == NONE && index[w] < low[u]) {
                                        low[u] = index[w]; /* on the stack */
                                }
                                continue;
                        }
                        ncall--;
                        if (low[u] == index[u]) {
                                do {
                                        x = stack[--nstack];
                                        comp[x] = ncomp;
                                } while (x != u);
                                ncomp++;
                        }
                        if (ncall && low[u] < low[call[ncall - 1]])
                                low[call[ncall - 1]] = low[u];
                }
        }
        for (u = 0; u < n; u++) {
                for (j = k = 0; j < b->soft[u].n; j++)
                        if (comp[b->soft[u].v[j]] != comp[u])
                                b->soft[u].v[k++] = b->soft[u].v[j];
                b->soft[u].n = k;
        }
        free(m);
        return 0;
}

/* Kahn's algorithm, lowest index first among the ready ones, so that the
 * order follows the changes where the edges allow.  order[k] is the old
 * index of the k-th operation.  Returns 0, -1 on a cycle, -2 on ENOMEM. */
static int toposort(size_t *order, const struct builder *b)
{
        size_t n = b->p->nops, done = 0, nheap = 0, nedges = 0, i, j, k, v;
        size_t *indeg = calloc(n, sizeof(size_t)), *heap = calloc(n, sizeof(size_t));
        size_t *first = calloc(n + 1, sizeof(size_t)), *users = NULL;
        int r = -2;

        if (!indeg || !heap || !first)
                goto out;
        /* users of i (the ops that wait for it): first[i]..first[i+1] in users */
        for (i = 0; i < n; i++) {
                for (j = 0; j < b->hard[i].n; j++)
                        first[b->hard[i].v[j]]++;
                for (j = 0; j < b->soft[i].n; j++)
                        first[b->soft[i].v[j]]++;
                indeg[i] = b->hard[i].n + b->soft[i].n;
                nedges += indeg[i];
        }
        users = calloc(nedges ? nedges : 1, sizeof(size_t));
        if (!users)
                goto out;
        for (i = 0, k = 0; i <= n; i++) { /* counts to end offsets */
                k += i < n ? first[i] : 0;
                if (i < n)
                        first[i] = k;
        }
        first[n] = nedges;
        for (i = n; i-- > 0;) {
                for (j = 0; j < b->hard[i].n; j++)
                        users[--first[b->hard[i].v[j]]] = i;
                for (j = 0; j < b->soft[i].n; j++)
                        users[--first[b->soft[i].v[j]]] = i;
        }
        for (i = 0; i < n; i++)
                if (!indeg[i])
                        heap_push(heap, &nheap, i);
        while (nheap) {
                v = heap_pop(heap, &nheap);
                order[done++] = v;
                for (k = first[v]; k < (v + 1 < n ? first[v + 1] : nedges); k++)
                        if (!--indeg[users[k]])
                                heap_push(heap, &nheap, users[k]);
        }
        r = done == n ? 0 : -1;
out:
        free(indeg);
        free(heap);
        free(first);
        free(users);
        return r;
}

static int cmp_size(const void *a, const void *b)
{
        size_t x = *(const size_t *)a, y = *(const size_t *)b;

        return x < y ? -1 : x > y;
}

/* Put the operations in order and turn the edge lists into deps by new id. */
static int finish(struct builder *b)
{
        struct plan *p = b->p;
        size_t n = p->nops, i, j, *order = NULL, *newid = NULL;
        struct plan_op *ops = NULL;
        int r;

        if (!n)
                return 0;
        order = calloc(n, sizeof(*order));
        newid = calloc(n, sizeof(*newid));
        ops = berth_arena_alloc(p->arena, n * sizeof(*ops));
        if (!order || !newid || !ops) {
                r = -2;
                goto out;
        }
        r = soft_prune(b);
        if (r == 0)
                r = toposort(order, b);
        if (r < 0)
                goto out;
        for (i = 0; i < n; i++)
                newid[order[i]] = i;
        for (i = 0; i < n; i++) {
                const struct edges *h = &b->hard[order[i]], *s = &b->soft[order[i]];
                size_t nd = h->n + s->n;

                ops[i] = p->ops[order[i]];
                ops[i].id = i;
                ops[i].deps = nd ? berth_arena_alloc(p->arena, nd * sizeof(size_t)) : NULL;
                if (nd && !ops[i].deps) {
                        r = -2;
                        goto out;
                }
                for (j = 0; j < h->n; j++)
                        ops[i].deps[ops[i].ndeps++] = newid[h->v[j]];
                for (j = 0; j < s->n; j++) {
                        size_t d = newid[s->v[j]], k;

                        for (k = 0; k < ops[i].ndeps && ops[i].deps[k] != d; k++)
                                ;
                        if (k == ops[i].ndeps)
                                ops[i].deps[ops[i].ndeps++] = d;
                }
                if (ops[i].ndeps)
                        qsort(ops[i].deps, ops[i].ndeps, sizeof(size_t), cmp_size);
        }
        p->ops = ops;
out:
        free(order);
        free(newid);
        return r;
}

int plan_build(struct plan **out, const struct diff_result *d, const struct actual_state *actual,
               struct berth_err *err)
{
        struct builder b = {.d = d, .a = actual, .err = err};
        size_t i;
        int r;

        *out = NULL;
        berth_err_clear(err);
        b.p = calloc(1, sizeof(*b.p));
        if (b.p)
                b.p->arena = berth_arena_new();
        if (!b.p || !b.p->arena) {
                r = berth_err_set(err, BERTH_ENOMEM, "cannot plan: out of memory");
                goto out;
        }
        b.p->diff = d;
        if ((r = ops_add(&b)) < 0)
                goto out;
        if (!b.oom)
                edges_add(&b);
        if (b.oom) {
                r = berth_err_set(err, BERTH_ENOMEM, "cannot plan: out of memory");
                goto out;
        }
        r = finish(&b);
        if (r == -1)
                r = berth_err_set(err, BERTH_EINVALID,
                                  "cannot plan: the operations wait for each other in a "
                                  "cycle (check depends_on and the berth.depends-on labels)");
        else if (r < 0)
                r = berth_err_set(err, BERTH_ENOMEM, "cannot plan: out of memory");
out:
        for (i = 0; b.p && i < b.p->nops; i++) {
                free(b.hard[i].v);
                free(b.soft[i].v);
        }
        free(b.hard);
        free(b.soft);
        if (r < 0) {
                plan_free(b.p);
                return r;
        }
        *out = b.p;
        return 0;
}
