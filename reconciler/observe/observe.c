#include "observe/observe.h"

#include <limits.h>
#include <pthread.h>
#include <stdarg.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "common/arena.h"
#include "common/labels.h"

/* ---- Status strings ------------------------------------------------------
 *
 * What the engine (20.10, container/state.go State.String()) puts in a
 * list entry's Status:
 *   created     "Created"
 *   running     "Up 5 seconds", "Up 5 seconds (healthy)", "(unhealthy)",
 *               "(health: starting)"
 *   paused      "Up 5 seconds (Paused)"       (no health shown)
 *   restarting  "Restarting (7) 2 seconds ago" (no health shown)
 *   exited      "Exited (137) 5 seconds ago"
 *   dead        "Dead"
 *   removing    "Removal In Progress"
 */

int observe_parse_exit_code(const char *status)
{
        static const char *const prefixes[] = {"Exited (", "Restarting ("};
        const char *p = NULL;
        long v = 0;
        size_t i;

        if (!status)
                return -1;
        for (i = 0; i < sizeof(prefixes) / sizeof(prefixes[0]) && !p; i++)
                if (!strncmp(status, prefixes[i], strlen(prefixes[i])))
                        p = status + strlen(prefixes[i]);
        if (!p || *p < '0' || *p > '9')
                return -1;
        for (; *p >= '0' && *p <= '9'; p++) {
                v = v * 10 + (*p - '0');
                if (v > INT_MAX)
                        return -1;
        }
        return *p == ')' ? (int)v : -1;
}

enum actual_health observe_parse_health(const char *status)
{
        if (!status)
                return ACTUAL_HEALTH_NONE;
        /* "(healthy)" is not a substring of "(unhealthy)": order is free */
        if (strstr(status, "(healthy)"))
                return ACTUAL_HEALTH_HEALTHY;
        if (strstr(status, "(unhealthy)"))
                return ACTUAL_HEALTH_UNHEALTHY;
        if (strstr(status, "(health: starting)"))
                return ACTUAL_HEALTH_STARTING;
        return ACTUAL_HEALTH_NONE;
}

static enum actual_run_state state_parse(const char *s)
{
        static const struct {
                const char *name;
                enum actual_run_state state;
        } states[] = {
            {"created", ACTUAL_CREATED},   {"running", ACTUAL_RUNNING},
            {"paused", ACTUAL_PAUSED},     {"restarting", ACTUAL_RESTARTING},
            {"exited", ACTUAL_EXITED},     {"dead", ACTUAL_DEAD},
            {"removing", ACTUAL_REMOVING},
        };
        size_t i;

        for (i = 0; s && i < sizeof(states) / sizeof(states[0]); i++)
                if (!strcmp(s, states[i].name))
                        return states[i].state;
        return ACTUAL_UNKNOWN;
}

/* berth.replica: canonical decimal 1..1000000 (no sign, no leading zero),
 * else 0. */
static int replica_parse(const char *s)
{
        long v = 0;

        if (!s || *s < '1' || *s > '9')
                return 0;
        for (; *s; s++) {
                if (*s < '0' || *s > '9')
                        return 0;
                v = v * 10 + (*s - '0');
                if (v > 1000000)
                        return 0;
        }
        return (int)v;
}

/* ---- reading the lists ------------------------------------------------ */

struct reader {
        struct berth_arena *arena;
        const char *scope;
        const char *list; /* "container", "network", ... for messages */
        int nomem;
        struct berth_err *err;
};

static int bad(struct reader *rd, const char *fmt, ...) __attribute__((format(printf, 2, 3)));

/* BERTH_EPROTO: "cannot read the <list> list: <what>". */
static int bad(struct reader *rd, const char *fmt, ...)
{
        char what[512];
        va_list ap;

        va_start(ap, fmt);
        vsnprintf(what, sizeof(what), fmt, ap);
        va_end(ap);
        berth_err_clear(rd->err);
        return berth_err_set(rd->err, BERTH_EPROTO, "cannot read the %s list: %s", rd->list, what);
}

/* A copy in the arena; "" for NULL.  Out of memory sets rd->nomem (checked
 * once per list) and gives "". */
static const char *str(struct reader *rd, const char *s)
{
        char *copy;

        if (!s)
                return "";
        copy = berth_arena_strdup(rd->arena, s);
        if (!copy) {
                rd->nomem = 1;
                return "";
        }
        return copy;
}

static void *array_alloc(struct reader *rd, size_t n, size_t size)
{
        void *p;

        if (!n)
                return NULL;
        p = n > SIZE_MAX / size ? NULL : berth_arena_alloc(rd->arena, n * size);
        if (!p)
                rd->nomem = 1;
        return p;
}

/* "entry 3" or "entry 3 ('shop-web-1')" (name may be NULL). */
static const char *entry_where(char *buf, size_t size, size_t i, const char *name)
{
        if (name)
                snprintf(buf, size, "entry %zu ('%s')", i, name);
        else
                snprintf(buf, size, "entry %zu", i);
        return buf;
}

/* The optional string member key of entry: NULL when missing or null,
 * BERTH_EPROTO when something else. */
static int member_str(const char **out, struct reader *rd, const json_t *entry, const char *key,
                      const char *where)
{
        const json_t *v = json_object_get(entry, key);

        *out = NULL;
        if (!v || json_is_null(v))
                return 0;
        if (!json_is_string(v))
                return bad(rd, "%s: %s is not a string", where, key);
        *out = json_string_value(v);
        return 0;
}

/* The same for a member that must be there. */
static int member_str_required(const char **out, struct reader *rd, const json_t *entry,
                               const char *key, const char *where)
{
        int r = member_str(out, rd, entry, key, where);

        if (r == 0 && !*out)
                r = bad(rd, "%s has no %s", where, key);
        return r;
}

/* Labels of entry: NULL when missing or null, else an object whose values
 * are all strings (BERTH_EPROTO otherwise). */
static int entry_labels(const json_t **out, struct reader *rd, const json_t *entry,
                        const char *where)
{
        const json_t *labels = json_object_get(entry, "Labels"), *v;
        const char *key;

        *out = NULL;
        if (!labels || json_is_null(labels))
                return 0;
        if (!json_is_object(labels))
                return bad(rd, "%s: Labels is not an object", where);
        json_object_foreach((json_t *)labels, key, v)
        {
                if (!json_is_string(v))
                        return bad(rd, "%s: label '%s' is not a string", where, key);
        }
        *out = labels;
        return 0;
}

static const char *label_get(const json_t *labels, const char *key)
{
        return json_string_value(json_object_get(labels, key));
}

/* The second lock on the door: the engine filtered by the label already. */
static int in_scope(const struct reader *rd, const json_t *labels)
{
        const char *s = label_get(labels, BERTH_LABEL_SCOPE);

        return s && !strcmp(s, rd->scope);
}

/* ---- containers ------------------------------------------------------- */

static int label_cmp(const void *a, const void *b)
{
        return strcmp(((const struct actual_label *)a)->key, ((const struct actual_label *)b)->key);
}

static void labels_copy(struct actual_container *c, struct reader *rd, const json_t *labels)
{
        const char *key;
        json_t *v;

        c->labels = array_alloc(rd, json_object_size(labels), sizeof(*c->labels));
        if (!c->labels)
                return;
        json_object_foreach((json_t *)labels, key, v)
        {
                c->labels[c->nlabels].key = str(rd, key);
                c->labels[c->nlabels].value = str(rd, json_string_value(v));
                c->nlabels++;
        }
        qsort(c->labels, c->nlabels, sizeof(*c->labels), label_cmp);
}

/* Label key's value as labels_copy() copied it, "" when missing: the
 * berth labels are read from there, not copied twice (berth.applied is
 * most of a container's bytes). */
static const char *label_copied(const struct actual_container *c, const char *key)
{
        const char *v = actual_container_label(c, key);

        return v ? v : "";
}

/* The container's own name from Names (links add "/other/alias" names):
 * the first one with no '/' after the leading one, else the first. */
static int container_name(const char **out, struct reader *rd, const json_t *entry,
                          const char *where)
{
        const json_t *names = json_object_get(entry, "Names"), *v;
        const char *first = NULL, *s;
        size_t i;

        *out = NULL;
        if (names && !json_is_null(names) && !json_is_array(names))
                return bad(rd, "%s: Names is not an array", where);
        if (!json_array_size(names))
                return bad(rd, "%s has no Names", where);
        json_array_foreach(names, i, v)
        {
                if (!(s = json_string_value(v)))
                        return bad(rd, "%s: Names[%zu] is not a string", where, i);
                if (*s == '/')
                        s++;
                if (!first)
                        first = s;
                if (!*out && !strchr(s, '/'))
                        *out = s;
        }
        if (!*out)
                *out = first;
        return 0;
}

/* Read entry i into *c; *keep is 0 when it is not in scope. */
/* The host ports of the list's Ports (entries without a PublicPort are
 * only exposed, and hold nothing). */
static int container_ports(struct actual_container *c, struct reader *rd, const json_t *entry,
                           const char *where)
{
        const json_t *ports = json_object_get(entry, "Ports"), *p, *v;
        struct actual_port *ap;
        size_t i;

        if (!ports || json_is_null(ports))
                return 0;
        if (!json_is_array(ports))
                return bad(rd, "%s has Ports that are not an array", where);
        c->ports = array_alloc(rd, json_array_size(ports), sizeof(*c->ports));
        json_array_foreach(ports, i, p)
        {
                if (rd->nomem)
                        break;
                v = json_object_get(p, "PublicPort");
                if (!json_is_integer(v) || json_integer_value(v) <= 0)
                        continue;
                ap = &c->ports[c->nports++];
                ap->port = (int)json_integer_value(v);
                ap->ip = str(rd, json_string_value(json_object_get(p, "IP")));
                v = json_object_get(p, "Type");
                ap->proto = str(rd, json_is_string(v) ? json_string_value(v) : "tcp");
        }
        return 0;
}

/* The names of the networks it is attached to. */
static int container_networks(struct actual_container *c, struct reader *rd, const json_t *entry,
                              const char *where)
{
        const json_t *nets = json_object_get(json_object_get(entry, "NetworkSettings"), "Networks");
        const char *name;
        const json_t *v;

        if (!nets || json_is_null(nets))
                return 0;
        if (!json_is_object(nets))
                return bad(rd, "%s has NetworkSettings.Networks that is not an object", where);
        c->networks_known = 1;
        c->networks = array_alloc(rd, json_object_size(nets), sizeof(*c->networks));
        json_object_foreach((json_t *)nets, name, v)
        {
                if (rd->nomem)
                        break;
                c->networks[c->nnetworks++] = str(rd, name);
        }
        return 0;
}

static int container_read(struct actual_container *c, int *keep, struct reader *rd,
                          const json_t *entry, size_t i)
{
        const char *id, *name, *image, *image_id, *state, *status, *temp;
        const json_t *labels;
        char where[320];
        int r;

        *keep = 0;
        entry_where(where, sizeof(where), i, NULL);
        if (!json_is_object(entry))
                return bad(rd, "%s is not an object", where);
        if ((r = container_name(&name, rd, entry, where)) < 0)
                return r;
        entry_where(where, sizeof(where), i, name);
        if ((r = member_str_required(&id, rd, entry, "Id", where)) < 0 ||
            (r = member_str(&image, rd, entry, "Image", where)) < 0 ||
            (r = member_str(&image_id, rd, entry, "ImageID", where)) < 0 ||
            (r = member_str(&state, rd, entry, "State", where)) < 0 ||
            (r = member_str(&status, rd, entry, "Status", where)) < 0 ||
            (r = entry_labels(&labels, rd, entry, where)) < 0)
                return r;
        if (!in_scope(rd, labels))
                return 0;
        *keep = 1;
        c->id = str(rd, id);
        c->name = str(rd, name);
        labels_copy(c, rd, labels);
        c->project = label_copied(c, BERTH_LABEL_PROJECT);
        c->service = label_copied(c, BERTH_LABEL_SERVICE);
        c->replica = replica_parse(label_get(labels, BERTH_LABEL_REPLICA));
        c->config_hash = label_copied(c, BERTH_LABEL_CONFIG_HASH);
        c->applied = label_copied(c, BERTH_LABEL_APPLIED);
        c->source = label_copied(c, BERTH_LABEL_SOURCE);
        c->revision = label_copied(c, BERTH_LABEL_REVISION);
        temp = label_get(labels, BERTH_LABEL_TEMP);
        c->temp = temp && !strcmp(temp, name); /* renamed when the update finished */
        c->depends_on = label_copied(c, BERTH_LABEL_DEPENDS_ON);
        c->image = str(rd, image);
        c->image_id = str(rd, image_id);
        c->state = state_parse(state);
        c->exit_code = observe_parse_exit_code(status);
        c->health = observe_parse_health(status);
        if ((r = container_ports(c, rd, entry, where)) < 0)
                return r;
        return container_networks(c, rd, entry, where);
}

static int container_cmp(const void *pa, const void *pb)
{
        const struct actual_container *a = pa, *b = pb;
        int d;

        if ((d = strcmp(a->project, b->project)) || (d = strcmp(a->service, b->service)))
                return d;
        if (a->replica != b->replica)
                return a->replica < b->replica ? -1 : 1;
        return strcmp(a->name, b->name);
}

/* The container list as it comes, entry by entry (docker_call_json_each()
 * hands it so: its 500 entries never are one tree in memory). */
struct container_walk {
        struct actual_state *s;
        struct reader *rd;
        size_t cap; /* of s->containers */
};

/* Entry i: the array grows in the arena, and entry 0 starts it over
 * (docker_call_json_each() may hand the list again from the start).
 * Sorted by containers_sort(). */
static int container_add(const json_t *entry, size_t i, void *data)
{
        struct container_walk *w = data;
        struct actual_state *s = w->s;
        struct actual_container *grown;
        size_t want;
        int keep, r;

        if (i == 0 && s->ncontainers) {
                memset(s->containers, 0, s->ncontainers * sizeof(*s->containers));
                s->ncontainers = 0;
        }
        if (s->ncontainers == w->cap) {
                want = w->cap ? w->cap * 2 : 64;
                grown = berth_arena_grow(w->rd->arena, s->containers, s->ncontainers, want,
                                         sizeof(*s->containers));
                if (!grown) {
                        w->rd->nomem = 1;
                        return BERTH_ENOMEM;
                }
                s->containers = grown;
                w->cap = want;
        }
        if ((r = container_read(&s->containers[s->ncontainers], &keep, w->rd, entry, i)) < 0)
                return r;
        s->ncontainers += keep;
        return w->rd->nomem ? BERTH_ENOMEM : 0;
}

static void containers_sort(struct actual_state *s)
{
        if (s->ncontainers)
                qsort(s->containers, s->ncontainers, sizeof(*s->containers), container_cmp);
}

static int containers_read(struct actual_state *s, struct reader *rd, const json_t *list)
{
        struct container_walk w = {.s = s, .rd = rd};
        const json_t *entry;
        size_t i;
        int r;

        rd->list = "container";
        if (!json_is_array(list))
                return bad(rd, "not an array");
        json_array_foreach(list, i, entry)
        {
                if ((r = container_add(entry, i, &w)) < 0)
                        return r;
        }
        containers_sort(s);
        return 0;
}

/* ---- networks and volumes --------------------------------------------- */

/* Entry i of the network or volume list: its Name, its Id (when id is not
 * NULL: networks have one, volumes do not) and its Labels; *keep is 0 when
 * it is not in scope. */
static int named_entry_read(const char **name, const char **id, const json_t **labels, int *keep,
                            struct reader *rd, const json_t *entry, size_t i)
{
        char where[320];
        int r;

        *keep = 0;
        entry_where(where, sizeof(where), i, NULL);
        if (!json_is_object(entry))
                return bad(rd, "%s is not an object", where);
        if ((r = member_str_required(name, rd, entry, "Name", where)) < 0)
                return r;
        entry_where(where, sizeof(where), i, *name);
        if ((id && (r = member_str_required(id, rd, entry, "Id", where)) < 0) ||
            (r = entry_labels(labels, rd, entry, where)) < 0)
                return r;
        *keep = in_scope(rd, *labels);
        return 0;
}

static int network_cmp(const void *a, const void *b)
{
        return strcmp(((const struct actual_network *)a)->name,
                      ((const struct actual_network *)b)->name);
}

static int networks_read(struct actual_state *s, struct reader *rd, const json_t *list)
{
        const json_t *entry, *labels;
        const char *name, *id;
        struct actual_network *n;
        size_t i;
        int keep, r;

        rd->list = "network";
        if (!json_is_array(list))
                return bad(rd, "not an array");
        s->networks = array_alloc(rd, json_array_size(list), sizeof(*s->networks));
        s->engine_networks = array_alloc(rd, json_array_size(list) + 1, sizeof(char *));
        json_array_foreach(list, i, entry)
        {
                if (rd->nomem)
                        break;
                if ((r = named_entry_read(&name, &id, &labels, &keep, rd, entry, i)) < 0)
                        return r;
                s->engine_networks[i] = str(rd, name);
                if (!keep)
                        continue;
                n = &s->networks[s->nnetworks++];
                n->id = str(rd, id);
                n->name = str(rd, name);
                n->project = str(rd, label_get(labels, BERTH_LABEL_PROJECT));
                n->key = str(rd, label_get(labels, BERTH_LABEL_NETWORK));
        }
        if (s->nnetworks)
                qsort(s->networks, s->nnetworks, sizeof(*s->networks), network_cmp);
        return 0;
}

static int volume_cmp(const void *a, const void *b)
{
        return strcmp(((const struct actual_volume *)a)->name,
                      ((const struct actual_volume *)b)->name);
}

static int volumes_read(struct actual_state *s, struct reader *rd, const json_t *answer)
{
        const json_t *list, *entry, *labels;
        struct actual_volume *v;
        const char *name;
        size_t i;
        int keep, r;

        rd->list = "volume";
        if (!json_is_object(answer))
                return bad(rd, "not an object");
        list = json_object_get(answer, "Volumes");
        if (json_is_null(list)) { /* older engines say null for none */
                s->engine_volumes = array_alloc(rd, 1, sizeof(char *));
                return 0;
        }
        if (!json_is_array(list))
                return bad(rd, "Volumes is not an array");
        s->volumes = array_alloc(rd, json_array_size(list), sizeof(*s->volumes));
        s->engine_volumes = array_alloc(rd, json_array_size(list) + 1, sizeof(char *));
        json_array_foreach(list, i, entry)
        {
                if (rd->nomem)
                        break;
                if ((r = named_entry_read(&name, NULL, &labels, &keep, rd, entry, i)) < 0)
                        return r;
                s->engine_volumes[i] = str(rd, name);
                if (!keep)
                        continue;
                v = &s->volumes[s->nvolumes++];
                v->name = str(rd, name);
                v->project = str(rd, label_get(labels, BERTH_LABEL_PROJECT));
                v->key = str(rd, label_get(labels, BERTH_LABEL_VOLUME));
        }
        if (s->nvolumes)
                qsort(s->volumes, s->nvolumes, sizeof(*s->volumes), volume_cmp);
        return 0;
}

/* ---- images ----------------------------------------------------------- */

static int image_cmp(const void *a, const void *b)
{
        return strcmp(((const struct actual_image *)a)->tag, ((const struct actual_image *)b)->tag);
}

/* RepoTags of entry (NULL when missing or null); every one a string. */
static int image_tags(const json_t **out, struct reader *rd, const json_t *entry, size_t i)
{
        const json_t *tags = json_object_get(entry, "RepoTags"), *t;
        char where[64];
        size_t k;

        *out = NULL;
        entry_where(where, sizeof(where), i, NULL);
        if (!json_is_object(entry))
                return bad(rd, "%s is not an object", where);
        if (!tags || json_is_null(tags))
                return 0;
        if (!json_is_array(tags))
                return bad(rd, "%s: RepoTags is not an array", where);
        json_array_foreach(tags, k, t)
        {
                if (!json_is_string(t))
                        return bad(rd, "%s: RepoTags[%zu] is not a string", where, k);
        }
        *out = tags;
        return 0;
}

static int images_read(struct actual_state *s, struct reader *rd, const json_t *list)
{
        const json_t *entry, *tags, *t;
        const char *id, *tag;
        struct actual_image *img;
        char where[64];
        size_t i, k, n = 0;
        int r;

        rd->list = "image";
        if (!json_is_array(list))
                return bad(rd, "not an array");
        json_array_foreach(list, i, entry)
        {
                entry_where(where, sizeof(where), i, NULL);
                if ((r = image_tags(&tags, rd, entry, i)) < 0 ||
                    (r = member_str_required(&id, rd, entry, "Id", where)) < 0)
                        return r;
                n += json_array_size(tags);
        }
        s->images = array_alloc(rd, n, sizeof(*s->images));
        json_array_foreach(list, i, entry)
        {
                if (rd->nomem)
                        break;
                id = NULL;
                json_array_foreach(json_object_get(entry, "RepoTags"), k, t)
                {
                        tag = json_string_value(t);
                        if (strstr(tag, "<none>")) /* "<none>:<none>": untagged */
                                continue;
                        if (!id)
                                id = str(rd, json_string_value(json_object_get(entry, "Id")));
                        img = &s->images[s->nimages++];
                        img->tag = str(rd, tag);
                        img->id = id;
                }
        }
        if (s->nimages)
                qsort(s->images, s->nimages, sizeof(*s->images), image_cmp);
        return 0;
}

/* ---- the whole state -------------------------------------------------- */

/* An empty state in an arena of its own, for the lists to be read into. */
static int state_new(struct actual_state **out, struct reader *rd, const char *scope,
                     struct berth_err *err)
{
        struct berth_arena *arena;
        struct actual_state *s = NULL;

        *out = NULL;
        if (!scope || !*scope) {
                berth_err_clear(err);
                return berth_err_set(err, BERTH_EINVALID, "cannot observe: the scope is empty");
        }
        arena = berth_arena_new();
        if (arena)
                s = berth_arena_alloc(arena, sizeof(*s));
        if (!s) {
                berth_arena_free(arena);
                berth_err_clear(err);
                return berth_err_set(err, BERTH_ENOMEM, "cannot observe scope '%s': out of memory",
                                     scope);
        }
        s->arena = arena;
        *rd = (struct reader){.arena = arena, .scope = scope, .err = err};
        s->scope = str(rd, scope);
        *out = s;
        return 0;
}

/* The lists after the containers', then the state handed out (r == 0) or
 * freed. */
static int state_finish(struct actual_state **out, struct actual_state *s, struct reader *rd,
                        const json_t *networks, const json_t *volumes, const json_t *images, int r)
{
        if (r == 0 && (r = networks_read(s, rd, networks)) == 0 &&
            (r = volumes_read(s, rd, volumes)) == 0)
                r = images_read(s, rd, images);
        if (r == 0 && rd->nomem)
                r = BERTH_ENOMEM;
        if (r == BERTH_ENOMEM) {
                berth_err_clear(rd->err);
                berth_err_set(rd->err, r, "cannot observe scope '%s': out of memory", rd->scope);
        }
        if (r < 0)
                berth_arena_free(s->arena);
        else
                *out = s;
        return r;
}

int observe_from_json(struct actual_state **out, const char *scope, const json_t *containers,
                      const json_t *networks, const json_t *volumes, const json_t *images,
                      struct berth_err *err)
{
        struct actual_state *s;
        struct reader rd;
        int r;

        *out = NULL;
        if ((r = state_new(&s, &rd, scope, err)) < 0)
                return r;
        r = containers_read(s, &rd, containers);
        return state_finish(out, s, &rd, networks, volumes, images, r);
}

/* Where the list calls wait for the ping: 0 while it is out, 1 once it
 * answered, -1 when it failed (then no list goes out). */
struct list_gate {
        pthread_mutex_t mu;
        pthread_cond_t cv;
        int state;
};

static int gate_wait(struct list_gate *g)
{
        int state;

        pthread_mutex_lock(&g->mu);
        while (!g->state)
                pthread_cond_wait(&g->cv, &g->mu);
        state = g->state;
        pthread_mutex_unlock(&g->mu);
        return state;
}

static void gate_open(struct list_gate *g, int state)
{
        pthread_mutex_lock(&g->mu);
        g->state = state;
        pthread_cond_broadcast(&g->cv);
        pthread_mutex_unlock(&g->mu);
}

/* One of the four list calls, run on a thread of its own or the caller's:
 * decoded whole into out, or, with each set, entry by entry. */
struct list_call {
        struct docker_client *c;
        const char *path, *op, *object;
        json_t *out; /* a new reference */
        docker_json_each_fn each;
        void *each_data;
        struct list_gate *gate; /* NULL: the ping has answered */
        struct berth_err err;
        int r;
        pthread_t thread;
        int threaded;
};

static void *list_call_run(void *arg)
{
        struct list_call *l = arg;
        struct docker_request req = {
            .method = "GET", .path = l->path, .op = l->op, .object = l->object};

        berth_err_clear(&l->err);
        if (l->gate && gate_wait(l->gate) < 0)
                l->r = 0; /* not asked: the ping's error is the one to report */
        else if (l->each)
                l->r = docker_call_json_each(l->c, &req, l->each, l->each_data, &l->err);
        else
                l->r = docker_call_json(l->c, &req, &l->out, &l->err);
        return NULL;
}

/* The four lists at once: the engine answers them side by side, so the
 * three small ones cost nothing beside the container list (at 500
 * containers its answer takes the engine 50 ms and more).  Each call
 * keeps its own error; the first failed one in list order is the one
 * reported, so the message does not depend on which answer came first.
 * The API version is settled first, so that one ping serves all four:
 * the threads of l[1..] start while it is out and wait for it, and l[0],
 * the container list, goes out from here as soon as it answers (a thread
 * takes a millisecond to start on a loaded machine: not on the way of
 * the longest answer). */
static int lists_call(struct list_call *l, size_t n, struct berth_err *err)
{
        struct list_gate gate = {PTHREAD_MUTEX_INITIALIZER, PTHREAD_COND_INITIALIZER, 0};
        size_t i;
        int r;

        for (i = 1; i < n; i++) {
                l[i].gate = &gate;
                l[i].threaded = pthread_create(&l[i].thread, NULL, list_call_run, &l[i]) == 0;
        }
        r = docker_client_negotiate(l[0].c, err);
        gate_open(&gate, r < 0 ? -1 : 1);
        for (i = 0; r == 0 && i < n; i++)
                if (!l[i].threaded) {
                        l[i].gate = NULL;
                        list_call_run(&l[i]);
                }
        for (i = 1; i < n; i++)
                if (l[i].threaded)
                        pthread_join(l[i].thread, NULL);
        pthread_cond_destroy(&gate.cv);
        pthread_mutex_destroy(&gate.mu);
        if (r < 0)
                return r;
        for (i = 0; i < n; i++)
                if (l[i].r < 0) {
                        *err = l[i].err;
                        return l[i].r;
                }
        return 0;
}

int observe_scope(struct actual_state **out, struct docker_client *c, const char *scope,
                  struct berth_err *err)
{
        /* Networks and volumes unfiltered: external ones must be seen to
         * exist; the scope's are picked out as they are read. */
        struct list_call l[] = {
            {.c = c, .op = "list the containers of scope", .object = scope},
            {.c = c, .path = "/networks", .op = "list networks"},
            {.c = c, .path = "/volumes", .op = "list volumes"},
            {.c = c, .path = "/images/json", .op = "list images"},
        };
        struct actual_state *s;
        struct reader rd;
        struct container_walk walk;
        char *label = NULL, *filters = NULL, *path = NULL;
        size_t size, i;
        int r;

        *out = NULL;
        if ((r = state_new(&s, &rd, scope, err)) < 0)
                return r;
        size = strlen(scope) + sizeof(BERTH_LABEL_SCOPE "=");
        label = malloc(size);
        if (label) {
                snprintf(label, size, "%s=%s", BERTH_LABEL_SCOPE, scope);
                filters = docker_filters("label", label, NULL);
        }
        size = filters ? strlen(filters) + sizeof("/containers/json?all=1&filters=") : 0;
        path = filters ? malloc(size) : NULL;
        if (path) {
                snprintf(path, size, "/containers/json?all=1&filters=%s", filters);
                l[0].path = path;
                walk = (struct container_walk){.s = s, .rd = &rd};
                l[0].each = container_add;
                l[0].each_data = &walk;
                rd.list = "container";
                rd.err = &l[0].err; /* the walk's errors are its call's */
                r = lists_call(l, sizeof(l) / sizeof(l[0]), err);
                rd.err = err;
                if (r == 0)
                        containers_sort(s);
        } else {
                r = BERTH_ENOMEM;
        }
        r = state_finish(out, s, &rd, l[1].out, l[2].out, l[3].out, r);
        for (i = 0; i < sizeof(l) / sizeof(l[0]); i++)
                json_decref(l[i].out);
        free(path);
        free(filters);
        free(label);
        return r;
}
