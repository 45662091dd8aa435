/* plan_build(): tables of (manifests, actual state) -> the exact operation
 * graph.  The pipeline is berth's own up to the plan: manifests through
 * manifest_load(), the engine's list answers (written here as JSON, as the
 * engine sends them) through observe_from_json(), diff_compute() (or
 * diff_down()), then plan_build().
 *
 * A plan is compared as its graph, one line per operation, sorted:
 *     <kind> <name>[ (attribute)][ [gates]][ <- <dep>, <dep>...]
 * deps named "<kind> <name>" and sorted, so the expected text says every
 * edge and nothing about the order the sort chose among independent
 * operations; check_order() separately checks that the order is valid
 * (ids are indices, deps ascending, every dep before its op). */
#include <jansson.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "berth_test.h"
#include "common/err.h"
#include "common/labels.h"
#include "diff/diff.h"
#include "manifest/diag.h"
#include "manifest/load.h"
#include "model/actual.h"
#include "model/model.h"
#include "observe/observe.h"
#include "plan/plan.h"

#define N(a) (sizeof(a) / sizeof((a)[0]))

#define HEX64 "1313131313131313131313131313131313131313131313131313131313131313"
#define IMAGE_ID "sha256:" HEX64
/* A berth.config-hash no manifest gives: the container is recreated. */
#define STALE "0000000000000000000000000000000000000000000000000000000000000000"

/* ---- the world a row describes ----------------------------------------- */

/* A container of scope default as the container list shows it. */
struct tcont {
        const char *service;
        int replica;
        const char *name;       /* NULL: shop-<service>-<replica> */
        const char *project;    /* NULL: shop */
        const char *hash;       /* NULL: the desired service's (in sync); STALE */
        const char *state;      /* NULL: running; "exited" (code 1) */
        const char *ports;      /* host ports held: "0.0.0.0:8080/tcp :::8080/tcp" */
        const char *depends_on; /* berth.depends-on */
        const char *temp;       /* berth.temp */
};

struct world {
        const char *files[3]; /* manifest files, each naming its project */
        struct tcont conts[8];
        const char *nets[4];   /* owned networks: "<project>_<key>" */
        const char *vols[3];   /* owned volumes, named alike */
        const char *images[3]; /* tags present locally */
        const char *down;      /* plan `down --volumes` of this project instead of a diff */
};

static const char *const no_environment[] = {NULL};

/* A fresh directory per load, under one bt_tmpdir() per process (which
 * allows only a few), so that the suite also runs with CK_FORK=no. */
static const char *load_dir(void)
{
        static pid_t owner;
        static const char *base;
        static unsigned serial;
        static char dir[4096];

        if (owner != getpid()) {
                owner = getpid();
                base = bt_tmpdir();
        }
        snprintf(dir, sizeof(dir), "%s/m%u", base, serial++);
        return dir;
}

/* The files as a manifest root; a diagnostic fails the test. */
static struct model_state *desired_load(const char *const *files, size_t nfiles)
{
        struct manifest_load_opts opts = {.root = load_dir(), .environ = no_environment};
        struct berth_err err = {0};
        struct manifest_set set;
        struct model_state *st;
        char file[32];
        size_t i;

        for (i = 0; i < nfiles && files[i]; i++) {
                snprintf(file, sizeof(file), "p%zu.yaml", i);
                bt_write_file(opts.root, file, files[i]);
        }
        if (!i)
                return model_state_new();
        ck_assert_msg(manifest_load(&set, &opts, &err) == 0, "manifest_load: %s", err.msg);
        if (set.diags.n)
                ck_abort_msg("the test manifests do not load cleanly:\n%s",
                             diag_list_format(&set.diags));
        st = set.state;
        set.state = NULL;
        manifest_set_release(&set);
        return st;
}

/* "0.0.0.0:8080/tcp :::53/udp" as the list's Ports (PrivatePort is not
 * read by berth: any will do). */
static json_t *ports_json(const char *spec)
{
        json_t *a = json_array();
        char tok[64], *colon, *slash;
        int n;

        while (spec && sscanf(spec, " %63s%n", tok, &n) == 1) {
                spec += n;
                colon = strrchr(tok, ':');
                slash = strchr(tok, '/');
                ck_assert_msg(colon && slash, "bad port '%s' in a test row", tok);
                *colon = *slash = '\0';
                json_array_append_new(a, json_pack("{s:s, s:i, s:i, s:s}", "IP", tok, "PrivatePort",
                                                   80, "PublicPort", atoi(colon + 1), "Type",
                                                   slash + 1));
        }
        return a;
}

/* The labels exec would have set; the hash from the desired service
 * unless the row says otherwise. */
static json_t *labels_json(const struct tcont *t, const char *project,
                           const struct model_state *desired)
{
        const struct model_project *p = model_project_find(desired, project);
        const struct model_service *s = p ? model_service_find(p, t->service) : NULL;
        struct berth_err err = {0};
        char hash[65], replica[16];
        json_t *l;

        snprintf(replica, sizeof(replica), "%d", t->replica);
        if (t->hash)
                snprintf(hash, sizeof(hash), "%s", t->hash);
        else
                ck_assert_msg(s && model_service_hash(hash, p, s, &err) == 0,
                              "no desired service '%s' to take the hash of", t->service);
        l = json_pack("{s:s, s:s, s:s, s:s, s:s}", BERTH_LABEL_SCOPE, "default",
                      BERTH_LABEL_PROJECT, project, BERTH_LABEL_SERVICE, t->service,
                      BERTH_LABEL_REPLICA, replica, BERTH_LABEL_CONFIG_HASH, hash);
        if (t->depends_on)
                json_object_set_new(l, BERTH_LABEL_DEPENDS_ON, json_string(t->depends_on));
        if (t->temp)
                json_object_set_new(l, BERTH_LABEL_TEMP, json_string(t->temp));
        return l;
}

static json_t *containers_json(const struct tcont *conts, size_t n,
                               const struct model_state *desired)
{
        json_t *a = json_array();
        char name[128], id[65];
        size_t i;

        for (i = 0; i < n && conts[i].service; i++) {
                const struct tcont *t = &conts[i];
                const char *project = t->project ? t->project : "shop";
                int up = !t->state;

                if (t->name)
                        snprintf(name, sizeof(name), "/%s", t->name);
                else
                        snprintf(name, sizeof(name), "/%s-%s-%d", project, t->service, t->replica);
                snprintf(id, sizeof(id), "%064zx", i + 1);
                json_array_append_new(
                    a, json_pack("{s:s, s:[s], s:s, s:s, s:s, s:s, s:o, s:o}", "Id", id, "Names",
                                 name, "Image", "app:1", "ImageID", IMAGE_ID, "State",
                                 up ? "running" : t->state, "Status",
                                 up ? "Up 2 hours" : "Exited (1) 2 minutes ago", "Labels",
                                 labels_json(t, project, desired), "Ports", ports_json(t->ports)));
        }
        return a;
}

/* Owned networks or volumes named "<project>_<key>". */
static json_t *named_json(const char *const *names, size_t n, const char *key_label, int with_id)
{
        json_t *a = json_array(), *o;
        char project[64];
        size_t i;

        for (i = 0; i < n && names[i]; i++) {
                const char *us = strchr(names[i], '_');

                ck_assert_msg(us != NULL, "'%s' is not <project>_<key>", names[i]);
                snprintf(project, sizeof(project), "%.*s", (int)(us - names[i]), names[i]);
                o = json_pack("{s:s, s:{s:s, s:s, s:s}}", "Name", names[i], "Labels",
                              BERTH_LABEL_SCOPE, "default", BERTH_LABEL_PROJECT, project, key_label,
                              us + 1);
                if (with_id)
                        json_object_set_new(o, "Id", json_sprintf("net%zu", i));
                json_array_append_new(a, o);
        }
        return a;
}

static struct actual_state *actual_observe(const struct world *w, const struct model_state *desired)
{
        json_t *conts = containers_json(w->conts, N(w->conts), desired);
        json_t *nets = named_json(w->nets, N(w->nets), BERTH_LABEL_NETWORK, 1);
        json_t *vols =
            json_pack("{s:o}", "Volumes", named_json(w->vols, N(w->vols), BERTH_LABEL_VOLUME, 0));
        json_t *imgs = json_array();
        struct actual_state *actual = NULL;
        struct berth_err err = {0};
        size_t i;

        for (i = 0; i < N(w->images) && w->images[i]; i++)
                json_array_append_new(
                    imgs, json_pack("{s:s, s:[s]}", "Id", IMAGE_ID, "RepoTags", w->images[i]));
        ck_assert_msg(observe_from_json(&actual, "default", conts, nets, vols, imgs, &err) == 0,
                      "observe_from_json: %s", err.msg);
        json_decref(imgs);
        json_decref(vols);
        json_decref(nets);
        json_decref(conts);
        return actual;
}

/* ---- running the pipeline ---------------------------------------------- */

struct run {
        struct model_state *desired;
        struct actual_state *actual;
        struct diff_result *diff;
        struct plan *plan;
        struct berth_err err; /* plan_build's */
        int rc;               /* plan_build's */
};

static void run_world(struct run *r, const struct world *w)
{
        struct berth_err err = {0};
        struct diff_options o = {.complete = true};
        const char *projects[] = {w->down, NULL};

        memset(r, 0, sizeof(*r));
        r->desired = desired_load(w->files, N(w->files));
        r->actual = actual_observe(w, r->desired);
        o.engine_networks = r->actual->engine_networks;
        o.engine_volumes = r->actual->engine_volumes;
        if (w->down)
                ck_assert_msg(diff_down(&r->diff, r->actual, projects, true, &err) == 0,
                              "diff_down: %s", err.msg);
        else
                ck_assert_msg(diff_compute(&r->diff, r->desired, r->actual, &o, &err) == 0,
                              "diff_compute: %s", err.msg);
        r->plan = (struct plan *)0x1; /* plan_build must set it, also on failure */
        r->rc = plan_build(&r->plan, r->diff, r->actual, &r->err);
        if (r->rc)
                ck_assert_ptr_null(r->plan);
        else
                ck_assert_ptr_nonnull(r->plan);
}

static void run_release(struct run *r)
{
        plan_free(r->plan);
        diff_result_free(r->diff);
        actual_state_free(r->actual);
        model_state_free(r->desired);
}

/* ---- reading a plan ----------------------------------------------------- */

/* Ids are indices, deps ascending and earlier, the fields agree with the
 * change. */
static void check_order(const struct plan *p)
{
        size_t i, k;

        for (i = 0; i < p->nops; i++) {
                const struct plan_op *op = &p->ops[i];

                ck_assert_uint_eq(op->id, i);
                ck_assert_ptr_nonnull(op->name);
                for (k = 0; k < op->ndeps; k++) {
                        ck_assert_msg(op->deps[k] < i, "%s %s waits for %zu, which comes after it",
                                      plan_op_kind_name(op->kind), op->name, op->deps[k]);
                        ck_assert(k == 0 || op->deps[k - 1] < op->deps[k]);
                }
                ck_assert(op->gates || !op->ngates);
                if (op->kind == PLAN_IMAGE_PULL) {
                        ck_assert_ptr_null(op->change);
                        ck_assert_ptr_null(op->project);
                } else {
                        ck_assert_ptr_nonnull(op->change);
                        ck_assert_str_eq(op->name, op->change->name);
                        ck_assert_str_eq(op->project, op->change->project);
                }
        }
}

static int str_cmp(const void *a, const void *b)
{
        return strcmp(*(char *const *)a, *(char *const *)b);
}

static const char *condition_name(enum model_condition c)
{
        return c == MODEL_COND_STARTED   ? "started"
               : c == MODEL_COND_HEALTHY ? "healthy"
                                         : "completed";
}

/* One operation's line of the graph; malloc'd. */
static char *op_line(const struct plan *p, const struct plan_op *op)
{
        char **deps = calloc(op->ndeps + 1, sizeof(*deps)), *text = NULL;
        size_t len = 0, k;
        FILE *f = open_memstream(&text, &len);

        ck_assert(deps && f);
        fprintf(f, "%s %s", plan_op_kind_name(op->kind), op->name);
        if (op->kind == PLAN_IMAGE_PULL)
                fprintf(f, " (%s)", op->pull_policy == MODEL_PULL_ALWAYS ? "always" : "missing");
        if (op->start_first)
                fprintf(f, " (start-first as %s)", op->temp_name);
        else
                ck_assert_ptr_null(op->temp_name);
        if (op->note)
                fprintf(f, " (%s)", op->note);
        for (k = 0; k < op->ngates; k++)
                fprintf(f, "%s%s %s%s", k ? ", " : " [", op->gates[k].container,
                        condition_name(op->gates[k].condition), k + 1 < op->ngates ? "" : "]");
        for (k = 0; k < op->ndeps; k++) {
                const struct plan_op *d = &p->ops[op->deps[k]];

                deps[k] = malloc(strlen(d->name) + 32);
                ck_assert_ptr_nonnull(deps[k]);
                sprintf(deps[k], "%s %s", plan_op_kind_name(d->kind), d->name);
        }
        qsort(deps, op->ndeps, sizeof(*deps), str_cmp);
        for (k = 0; k < op->ndeps; k++) {
                fprintf(f, "%s %s", k ? "," : " <-", deps[k]);
                free(deps[k]);
        }
        free(deps);
        fclose(f);
        return text;
}

/* The whole graph, as the header says; malloc'd. */
static char *graph(const struct plan *p)
{
        char **lines = calloc(p->nops + 1, sizeof(*lines)), *text = NULL;
        size_t len = 0, i;
        FILE *f = open_memstream(&text, &len);

        ck_assert(lines && f);
        check_order(p);
        for (i = 0; i < p->nops; i++)
                lines[i] = op_line(p, &p->ops[i]);
        qsort(lines, p->nops, sizeof(*lines), str_cmp);
        for (i = 0; i < p->nops; i++) {
                fprintf(f, "%s\n", lines[i]);
                free(lines[i]);
        }
        free(lines);
        fclose(f);
        return text;
}

/* ---- the table ---------------------------------------------------------- */

#define WEB_APP1 "name: shop\nservices:\n  web:\n    image: app:1\n"
/* web, publishing one port */
#define WEB_PORTS(spec) WEB_APP1 "    ports: [\"" spec "\"]\n"
#define START_FIRST "    deploy:\n      update_config:\n        order: start-first\n"
#define SHOP_NET .nets = {"shop_default"}
#define APP1 .images = {"app:1"}

#define FRESH                                                                                      \
        "name: shop\n"                                                                             \
        "services:\n"                                                                              \
        "  db:\n"                                                                                  \
        "    image: postgres:16\n"                                                                 \
        "    volumes: [\"data:/var/lib/postgresql/data\"]\n"                                       \
        "  web:\n"                                                                                 \
        "    image: app:1\n"                                                                       \
        "    networks: [default, front]\n"                                                         \
        "  worker:\n"                                                                              \
        "    image: app:1\n"                                                                       \
        "volumes:\n"                                                                               \
        "  data: {}\n"                                                                             \
        "networks:\n"                                                                              \
        "  front: {}\n"

#define DEPENDS                                                                                    \
        "name: shop\n"                                                                             \
        "services:\n"                                                                              \
        "  cache:\n"                                                                               \
        "    image: app:1\n"                                                                       \
        "    container_name: cache\n"                                                              \
        "  db:\n"                                                                                  \
        "    image: app:1\n"                                                                       \
        "    scale: 2\n"                                                                           \
        "    healthcheck:\n"                                                                       \
        "      test: [\"CMD\", \"true\"]\n"                                                        \
        "  migrate:\n"                                                                             \
        "    image: app:1\n"                                                                       \
        "  web:\n"                                                                                 \
        "    image: app:1\n"                                                                       \
        "    depends_on:\n"                                                                        \
        "      cache: {condition: service_started}\n"                                              \
        "      db: {condition: service_healthy}\n"                                                 \
        "      migrate: {condition: service_completed_successfully}\n"

#define WEB_GATES "[cache started, shop-db-1 healthy, shop-db-2 healthy, shop-migrate-1 completed]"

#define CYCLE_MSG                                                                                  \
        "cannot plan: the operations wait for each other in a cycle (check depends_on and the "    \
        "berth.depends-on labels)"

/* A port row: web publishes spec, shop-old-1 (no longer declared) holds
 * held; wait says whether web's create waits for its removal. */
#define PORT_ROW(spec, held, wait)                                                                 \
        {                                                                                          \
                .title = "publishes " spec ", a removed container holds " held,                    \
                .w = {.files = {WEB_PORTS(spec)},                                                  \
                      .conts = {{"old", 1, .hash = STALE, .ports = held}},                         \
                      SHOP_NET,                                                                    \
                      APP1},                                                                       \
                .want = wait ? "container-create shop-web-1 <- container-remove shop-old-1\n"      \
                               "container-remove shop-old-1\n"                                     \
                             : "container-create shop-web-1\n"                                     \
                               "container-remove shop-old-1\n"                                     \
        }

struct row {
        const char *title;
        struct world w;
        const char *want;   /* the graph */
        const char *errmsg; /* instead: plan_build fails with BERTH_EINVALID and this */
};

static const struct row rows[] = {
    /* 1. creation, pulls */
    {.title = "a fresh host: networks, volumes and pulls before the containers using them",
     .w = {.files = {FRESH}},
     .want = "container-create shop-db-1 <- image-pull postgres:16, network-create shop_default, "
             "volume-create shop_data\n"
             "container-create shop-web-1 <- image-pull app:1, network-create shop_default, "
             "network-create shop_front\n"
             "container-create shop-worker-1 <- image-pull app:1, network-create shop_default\n"
             "image-pull app:1 (missing)\n"
             "image-pull postgres:16 (missing)\n"
             "network-create shop_default\n"
             "network-create shop_front\n"
             "volume-create shop_data\n"},
    {.title = "pull_policy missing: no pull for an image present locally",
     .w = {.files = {FRESH}, APP1},
     .want = "container-create shop-db-1 <- image-pull postgres:16, network-create shop_default, "
             "volume-create shop_data\n"
             "container-create shop-web-1 <- network-create shop_default, network-create "
             "shop_front\n"
             "container-create shop-worker-1 <- network-create shop_default\n"
             "image-pull postgres:16 (missing)\n"
             "network-create shop_default\n"
             "network-create shop_front\n"
             "volume-create shop_data\n"},
    {.title = "pull_policy always: pulled although present, once for two services",
     .w = {.files = {"name: shop\nservices:\n  api:\n    image: app:1\n    pull_policy: always\n"
                     "  web:\n    image: app:1\n    pull_policy: always\n"},
           SHOP_NET,
           APP1},
     .want = "container-create shop-api-1 <- image-pull app:1\n"
             "container-create shop-web-1 <- image-pull app:1\n"
             "image-pull app:1 (always)\n"},
    {.title = "one pull per image: always wins over missing, whichever service comes first",
     .w = {.files = {"name: shop\nservices:\n  api:\n    image: app:2\n"
                     "  web:\n    image: app:2\n    pull_policy: always\n"
                     "  worker:\n    image: app:2\n"},
           SHOP_NET,
           APP1},
     .want = "container-create shop-api-1 <- image-pull app:2\n"
             "container-create shop-web-1 <- image-pull app:2\n"
             "container-create shop-worker-1 <- image-pull app:2\n"
             "image-pull app:2 (always)\n"},
    {.title = "a recreate for a new tag pulls it; a start pulls nothing",
     .w = {.files = {"name: shop\nservices:\n  api:\n    image: app:1\n    pull_policy: always\n"
                     "  web:\n    image: app:2\n"},
           .conts = {{"api", 1, .state = "exited"}, {"web", 1, .hash = STALE}},
           SHOP_NET},
     .want = "container-recreate shop-web-1 <- image-pull app:2\n"
             "container-start shop-api-1\n"
             "image-pull app:2 (missing)\n"},
    {.title = "pull_policy never with the image absent: the plan cannot run",
     .w = {.files = {"name: shop\nservices:\n  web:\n    image: app:2\n    pull_policy: never\n"},
           SHOP_NET,
           APP1},
     .errmsg = "project 'shop', service 'web': image 'app:2' is not present and pull_policy is "
               "never: load or pull it first"},
    {.title = "pull_policy never with the image present: no pull",
     .w = {.files = {"name: shop\nservices:\n  web:\n    image: app:1\n    pull_policy: never\n"},
           SHOP_NET,
           APP1},
     .want = "container-create shop-web-1\n"},
    {.title = "pull_policy never with a digest: not in the tag list, left to the engine",
     .w = {.files = {"name: shop\nservices:\n  web:\n    image: app@sha256:" HEX64 "\n"
                     "    pull_policy: never\n"},
           SHOP_NET},
     .want = "container-create shop-web-1\n"},

    /* 2. depends_on */
    {.title = "depends_on: every replica of each dependency, gates with the conditions; a "
              "dependency in sync gates but adds no edge",
     .w = {.files = {DEPENDS}, .conts = {{"cache", 1, .name = "cache"}}, SHOP_NET, APP1},
     .want = "container-create shop-db-1\n"
             "container-create shop-db-2\n"
             "container-create shop-migrate-1\n"
             "container-create shop-web-1 " WEB_GATES " <- container-create shop-db-1, "
             "container-create shop-db-2, container-create shop-migrate-1\n"},
    {.title = "depends_on: a start waits for a recreate and a start of its dependencies",
     .w = {.files = {DEPENDS},
           .conts = {{"cache", 1, .name = "cache", .hash = STALE},
                     {"db", 1},
                     {"db", 2, .state = "exited"},
                     {"migrate", 1},
                     {"web", 1, .state = "exited"}},
           SHOP_NET,
           APP1},
     .want = "container-recreate cache\n"
             "container-start shop-db-2\n"
             "container-start shop-web-1 " WEB_GATES " <- container-recreate cache, "
             "container-start shop-db-2\n"},
    {.title = "depends_on, all in sync: nothing to do",
     .w = {.files = {DEPENDS},
           .conts =
               {{"cache", 1, .name = "cache"}, {"db", 1}, {"db", 2}, {"migrate", 1}, {"web", 1}},
           SHOP_NET,
           APP1},
     .want = ""},

    /* 3. removals */
    {.title = "removals: a container goes before those its berth.depends-on names, the network "
              "after all of its project's",
     .w = {.files = {WEB_APP1},
           .conts = {{"api", 1, .project = "blog", .hash = STALE, .depends_on = "db,cache"},
                     {"cache", 1, .project = "blog", .hash = STALE},
                     {"db", 1, .project = "blog", .hash = STALE},
                     {"old", 1, .hash = STALE, .depends_on = "db"},
                     {"web", 1}},
           .nets = {"blog_default", "shop_default"},
           APP1},
     .want = "container-remove blog-api-1\n"
             "container-remove blog-cache-1 <- container-remove blog-api-1\n"
             "container-remove blog-db-1 <- container-remove blog-api-1\n"
             "container-remove shop-old-1\n"
             "network-remove blog_default <- container-remove blog-api-1, container-remove "
             "blog-cache-1, container-remove blog-db-1\n"},
    {.title = "a network remove waits for its project's recreates and removals, no other's",
     .w = {.files = {WEB_APP1},
           .conts = {{"api", 1, .project = "blog", .hash = STALE},
                     {"gone", 1, .hash = STALE},
                     {"web", 1, .hash = STALE}},
           .nets = {"shop_default", "shop_old"},
           APP1},
     .want = "container-recreate shop-web-1\n"
             "container-remove blog-api-1\n"
             "container-remove shop-gone-1\n"
             "network-remove shop_old <- container-recreate shop-web-1, container-remove "
             "shop-gone-1\n"},
    {.title = "berth.depends-on labels naming each other: a cycle, an error",
     .w = {.files = {WEB_APP1},
           .conts = {{"a", 1, .project = "blog", .hash = STALE, .depends_on = "b"},
                     {"b", 1, .project = "blog", .hash = STALE, .depends_on = "a"},
                     {"web", 1}},
           SHOP_NET,
           APP1},
     .errmsg = CYCLE_MSG},
    {.title = "down --volumes: networks and volumes after every container of the project",
     .w = {.files = {WEB_APP1},
           .conts = {{"db", 1, .hash = STALE},
                     {"web", 1},
                     {"api", 1, .project = "blog", .hash = STALE}},
           .nets = {"blog_default", "shop_default"},
           .vols = {"blog_data", "shop_data"},
           APP1,
           .down = "shop"},
     .want = "container-remove shop-db-1\n"
             "container-remove shop-web-1\n"
             "network-remove shop_default <- container-remove shop-db-1, container-remove "
             "shop-web-1\n"
             "volume-remove shop_data <- container-remove shop-db-1, container-remove "
             "shop-web-1\n"},

    /* 4. freeing a name or a host port */
    {.title = "container_name moved to another service: the create waits for the removal",
     .w = {.files = {"name: shop\nservices:\n  new:\n    image: app:1\n"
                     "    container_name: proxy\n"},
           .conts = {{"old", 1, .name = "proxy", .hash = STALE}},
           SHOP_NET,
           APP1},
     .want = "container-create proxy <- container-remove proxy\n"
             "container-remove proxy\n"},
    PORT_ROW("8080:80", "0.0.0.0:8080/tcp :::8080/tcp", 1),
    PORT_ROW("8080:80", "127.0.0.1:8080/tcp", 1),
    PORT_ROW("127.0.0.1:8080:80", "0.0.0.0:8080/tcp", 1),
    PORT_ROW("127.0.0.1:8080:80", ":::8080/tcp", 1),
    PORT_ROW("127.0.0.1:8080:80", "127.0.0.1:8080/tcp", 1),
    PORT_ROW("8080:80/udp", "0.0.0.0:8080/udp", 1),
    PORT_ROW("8080:80", "0.0.0.0:8080/udp", 0),
    PORT_ROW("8080:80/udp", "0.0.0.0:8080/tcp", 0),
    PORT_ROW("127.0.0.2:8080:80", "127.0.0.1:8080/tcp", 0),
    PORT_ROW("8080:80", "0.0.0.0:8081/tcp", 0),
    PORT_ROW("80", "0.0.0.0:32768/tcp", 0),
    {.title = "a stop-first recreate publishing a port waits for the removal holding it",
     .w = {.files = {WEB_PORTS("8080:80")},
           .conts = {{"old", 1, .hash = STALE, .ports = "0.0.0.0:8080/tcp"},
                     {"web", 1, .hash = STALE}},
           SHOP_NET,
           APP1},
     .want = "container-recreate shop-web-1 <- container-remove shop-old-1\n"
             "container-remove shop-old-1\n"},

    /* 5. soft edges */
    {.title = "scale down with an update: the old replica goes after the new one is up",
     .w = {.files = {WEB_APP1}, .conts = {{"web", 1, .hash = STALE}, {"web", 2}}, SHOP_NET, APP1},
     .want = "container-recreate shop-web-1\n"
             "container-remove shop-web-2 <- container-recreate shop-web-1\n"},
    {.title = "scale down with a missing replica: the removal waits for its create",
     .w = {.files = {WEB_APP1 "    scale: 2\n"}, .conts = {{"web", 2}, {"web", 3}}, SHOP_NET, APP1},
     .want = "container-create shop-web-1\n"
             "container-remove shop-web-3 <- container-create shop-web-1\n"},
    {.title = "the create needs the port its service's removal holds: no soft edge, no cycle",
     .w = {.files = {WEB_PORTS("8080:80")},
           .conts = {{"web", 2, .ports = "0.0.0.0:8080/tcp"}},
           SHOP_NET,
           APP1},
     .want = "container-create shop-web-1 <- container-remove shop-web-2\n"
             "container-remove shop-web-2\n"},
    {.title = "a soft edge dropped for a cycle in one service keeps the other services'",
     .w = {.files = {"name: shop\nservices:\n  api:\n    image: app:1\n"
                     "  web:\n    image: app:1\n    ports: [\"8080:80\"]\n"},
           .conts = {{"api", 1, .hash = STALE},
                     {"api", 2},
                     {"web", 2, .ports = "0.0.0.0:8080/tcp"}},
           SHOP_NET,
           APP1},
     .want = "container-create shop-web-1 <- container-remove shop-web-2\n"
             "container-recreate shop-api-1\n"
             "container-remove shop-api-2 <- container-recreate shop-api-1\n"
             "container-remove shop-web-2\n"},

    /* 6. start-first */
    {.title = "start-first: the new replica under a temporary name",
     .w = {.files = {WEB_APP1 "    scale: 2\n" START_FIRST},
           .conts = {{"web", 1, .hash = STALE}, {"web", 2, .hash = STALE}},
           SHOP_NET,
           APP1},
     .want = "container-recreate shop-web-1 (start-first as shop-web-1-berth-new)\n"
             "container-recreate shop-web-2 (start-first as shop-web-2-berth-new)\n"},
    {.title = "start-first with a container port only: still start-first",
     .w = {.files = {WEB_PORTS("80") START_FIRST},
           .conts = {{"web", 1, .hash = STALE}},
           SHOP_NET,
           APP1},
     .want = "container-recreate shop-web-1 (start-first as shop-web-1-berth-new)\n"},
    {.title = "start-first with a fixed host port: stop-first, saying why",
     .w = {.files = {WEB_PORTS("8080:80") START_FIRST},
           .conts = {{"web", 1, .hash = STALE}},
           SHOP_NET,
           APP1},
     .want = "container-recreate shop-web-1 (replaced stop-first: start-first needs host port "
             "8080 free while both replicas run)\n"},

    /* 7. leftovers of an interrupted start-first update */
    {.title = "a leftover temporary container is removed; the renamed one is not a leftover",
     .w = {.files = {WEB_APP1},
           .conts = {{"web", 1, .temp = "shop-web-1-berth-new"},
                     {"web", 1, .name = "shop-web-1-berth-new", .temp = "shop-web-1-berth-new"}},
           SHOP_NET,
           APP1},
     .want = "container-remove shop-web-1-berth-new\n"},
    {.title = "a start-first recreate waits for the removal of the leftover holding its "
              "temporary name",
     .w = {.files = {WEB_APP1 START_FIRST},
           .conts = {{"web", 1, .hash = STALE},
                     {"web", 1, .name = "shop-web-1-berth-new", .temp = "shop-web-1-berth-new"}},
           SHOP_NET,
           APP1},
     .want = "container-recreate shop-web-1 (start-first as shop-web-1-berth-new) <- "
             "container-remove shop-web-1-berth-new\n"
             "container-remove shop-web-1-berth-new\n"},

    /* 8. nothing to do */
    {.title = "in sync: no operations",
     .w = {.files = {WEB_APP1}, .conts = {{"web", 1}}, SHOP_NET, APP1},
     .want = ""},
};

START_TEST(plan_table)
{
        const struct row *row = &rows[_i];
        struct run r;
        char *text;

        run_world(&r, &row->w);
        if (row->errmsg) {
                ck_assert_msg(r.rc == BERTH_EINVALID, "%s: plan_build returned %d, not EINVALID",
                              row->title, r.rc);
                ck_assert_int_eq(r.err.code, BERTH_EINVALID);
                ck_assert_str_eq(r.err.msg, row->errmsg);
        } else {
                ck_assert_msg(r.rc == 0, "%s: plan_build: %s", row->title, r.err.msg);
                text = graph(r.plan);
                if (strcmp(text, row->want) != 0)
                        ck_abort_msg("%s\n--- want ---\n%s--- got ---\n%s--- end ---", row->title,
                                     row->want, text);
                free(text);
        }
        run_release(&r);
}
END_TEST

/* ---- the rest ----------------------------------------------------------- */

START_TEST(kind_names)
{
        static const struct {
                enum plan_op_kind kind;
                const char *name;
        } names[] = {
            {PLAN_NETWORK_CREATE, "network-create"},
            {PLAN_VOLUME_CREATE, "volume-create"},
            {PLAN_IMAGE_PULL, "image-pull"},
            {PLAN_CONTAINER_CREATE, "container-create"},
            {PLAN_CONTAINER_RECREATE, "container-recreate"},
            {PLAN_CONTAINER_START, "container-start"},
            {PLAN_CONTAINER_REMOVE, "container-remove"},
            {PLAN_NETWORK_REMOVE, "network-remove"},
            {PLAN_VOLUME_REMOVE, "volume-remove"},
        };
        size_t i;

        for (i = 0; i < N(names); i++)
                ck_assert_str_eq(plan_op_kind_name(names[i].kind), names[i].name);
        ck_assert_str_eq(plan_op_kind_name((enum plan_op_kind)(PLAN_VOLUME_REMOVE + 1)), "unknown");
}
END_TEST

START_TEST(empty_diff_no_ops)
{
        struct world w = {.files = {WEB_APP1}, .conts = {{"web", 1}}, SHOP_NET, APP1};
        struct run r;

        run_world(&r, &w);
        ck_assert_int_eq(r.rc, 0);
        ck_assert_uint_eq(r.diff->nchanges, 0);
        ck_assert_uint_eq(r.plan->nops, 0);
        ck_assert_ptr_eq(r.plan->diff, r.diff);
        run_release(&r);
        plan_free(NULL);
}
END_TEST

/* The ops point at the diff's changes, and a plan is the same each time. */
START_TEST(ops_point_at_the_changes)
{
        struct world w = {.files = {DEPENDS}, .conts = {{"cache", 1, .name = "cache"}}};
        struct plan *again = NULL;
        struct berth_err err = {0};
        char *one, *two;
        size_t i, k;
        struct run r;

        run_world(&r, &w);
        ck_assert_int_eq(r.rc, 0);
        for (i = 0; i < r.plan->nops; i++) {
                const struct diff_change *c = r.plan->ops[i].change;

                for (k = 0; c && k < r.diff->nchanges && c != &r.diff->changes[k]; k++)
                        ;
                ck_assert_msg(!c || k < r.diff->nchanges, "op %zu: a change not in the diff", i);
        }
        ck_assert_int_eq(plan_build(&again, r.diff, r.actual, &err), 0);
        one = graph(r.plan);
        two = graph(again);
        ck_assert_str_eq(one, two);
        for (i = 0; i < r.plan->nops; i++)
                ck_assert_str_eq(r.plan->ops[i].name, again->ops[i].name);
        free(two);
        free(one);
        plan_free(again);
        run_release(&r);
}
END_TEST

/* 300 services, each depending on the one before: a chain of creates. */
START_TEST(long_chain)
{
        enum { NSERVICES = 300 };
        struct world w = {APP1};
        char *yaml = NULL, name[64];
        size_t len = 0, i, k, prev = SIZE_MAX;
        FILE *f = open_memstream(&yaml, &len);
        struct run r;
        int n = 0;

        ck_assert_ptr_nonnull(f);
        fprintf(f, "name: chain\nservices:\n");
        for (i = 0; i < NSERVICES; i++) {
                fprintf(f, "  s%03zu:\n    image: app:1\n", i);
                if (i)
                        fprintf(f, "    depends_on: [s%03zu]\n", i - 1);
        }
        fclose(f);
        w.files[0] = yaml;
        run_world(&r, &w);
        ck_assert_msg(r.rc == 0, "plan_build: %s", r.err.msg);
        check_order(r.plan);
        ck_assert_uint_eq(r.plan->nops, NSERVICES + 1); /* + the network */
        for (i = 0; i < r.plan->nops; i++) {
                const struct plan_op *op = &r.plan->ops[i];

                if (op->kind != PLAN_CONTAINER_CREATE)
                        continue;
                snprintf(name, sizeof(name), "chain-s%03d-1", n);
                ck_assert_str_eq(op->name, name);
                ck_assert_uint_eq(op->ngates, n ? 1 : 0);
                ck_assert_uint_eq(op->ndeps, n ? 2 : 1); /* the network, the one before */
                for (k = 0; n && k < op->ndeps && op->deps[k] != prev; k++)
                        ;
                ck_assert_msg(!n || k < op->ndeps, "%s does not wait for the one before", name);
                prev = i;
                n++;
        }
        ck_assert_int_eq(n, NSERVICES);
        run_release(&r);
        free(yaml);
}
END_TEST

int main(void)
{
        Suite *s = suite_create("plan");
        TCase *tc = tcase_create("build");

        tcase_add_loop_test(tc, plan_table, 0, N(rows));
        tcase_add_test(tc, kind_names);
        tcase_add_test(tc, empty_diff_no_ops);
        tcase_add_test(tc, ops_point_at_the_changes);
        tcase_add_test(tc, long_chain);
        suite_add_tcase(s, tc);
        return bt_unit_main(s);
}
