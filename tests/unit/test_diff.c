/* diff_compute() and diff_fields(): tables of (manifests, actual state
 * built by hand) -> the exact list of changes, each rendered as
 *     <kind> <action> <name>: <reason>
 * followed by its fields as "    <path>: <before> -> <after>".  The desired
 * state comes from real YAML through manifest_load(); containers carry the
 * hash and berth.applied label of the manifest they were "created from"
 * (the row's `before`, or the desired one), made with the model's own
 * functions, as exec will make them. */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "berth_test.h"
#include "common/arena.h"
#include "common/err.h"
#include "diff/diff.h"
#include "manifest/diag.h"
#include "manifest/load.h"
#include "model/actual.h"
#include "model/model.h"

#define N(a) (sizeof(a) / sizeof((a)[0]))

#define HEX52 "aaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaa"
#define IMG_A "sha256:aaaaaaaaaaaa" HEX52
#define IMG_B "sha256:0123456789ab" HEX52

/* ---- building the two states ------------------------------------------- */

static const char *const no_environment[] = {NULL};

/* A fresh directory for each load, all under one bt_tmpdir() per process
 * (so that the suite also runs with CK_FORK=no, under valgrind). */
static const char *fresh_dir(void)
{
        static pid_t pid;
        static const char *base;
        static char dir[4096];
        static unsigned count;

        if (pid != getpid()) {
                pid = getpid();
                base = bt_tmpdir();
        }
        snprintf(dir, sizeof(dir), "%s/%u", base, count++);
        return dir;
}

/* Load manifest files (each names its project with name:) from a fresh
 * directory; any diagnostic fails the test. */
static struct model_state *load_files(const char *const *files, size_t nfiles)
{
        const char *dir = fresh_dir();
        struct manifest_load_opts opts = {
            .root = dir, .environ = no_environment, .policy = bt_policy_allow_all()};
        struct manifest_set set;
        struct model_state *st;
        struct berth_err err;
        char name[32];
        size_t i;

        if (!files[0])
                return model_state_new();
        for (i = 0; i < nfiles && files[i]; i++) {
                snprintf(name, sizeof(name), "f%zu.yaml", i);
                bt_write_file(dir, name, files[i]);
        }
        ck_assert_int_eq(manifest_load(&set, &opts, &err), 0);
        if (set.diags.n) {
                char *text = diag_list_format(&set.diags);

                ck_abort_msg("test manifests do not load cleanly:\n%s", text);
        }
        st = set.state;
        set.state = NULL;
        manifest_set_release(&set);
        return st;
}

/* A container as a test row describes it. */
struct tcont {
        const char *project, *service;
        int replica;
        const char *state; /* NULL running; "exited 137", "exited", "created", "dead", ... */
        const char *name;  /* NULL: {project}-{service}-{replica} */
        const char *hash;  /* NULL: from the manifest it was made from; "": no labels */
        int temp;
        const char *image_id; /* NULL: IMG_A */
        const char *networks; /* "a,b": attached to these; NULL: not said by the list */
};

struct tobj {
        const char *project, *name;
};

struct timage {
        const char *tag, *id;
};

static void set_state(struct actual_container *c, const char *state)
{
        static const struct {
                const char *word;
                enum actual_run_state st;
        } states[] = {{"running", ACTUAL_RUNNING},  {"created", ACTUAL_CREATED},
                      {"exited", ACTUAL_EXITED},    {"dead", ACTUAL_DEAD},
                      {"paused", ACTUAL_PAUSED},    {"restarting", ACTUAL_RESTARTING},
                      {"removing", ACTUAL_REMOVING}};
        size_t i, len = strcspn(state, " ");

        c->exit_code = -1;
        for (i = 0; i < N(states); i++)
                if (strlen(states[i].word) == len && !strncmp(state, states[i].word, len)) {
                        c->state = states[i].st;
                        if (state[len])
                                c->exit_code = atoi(state + len + 1);
                        return;
                }
        ck_abort_msg("bad state '%s' in a test row", state);
}

/* The labels exec would have put on a container of from's service. */
static void set_made_from(struct berth_arena *a, struct actual_container *c,
                          const struct model_state *from)
{
        const struct model_project *p = model_project_find(from, c->project);
        const struct model_service *s = p ? model_service_find(p, c->service) : NULL;
        struct berth_err err;
        char hash[65];
        json_t *j;
        char *text;

        if (!s) { /* a service nothing declares: any hash will do */
                c->config_hash = "0000000000000000000000000000000000000000000000000000000000000000";
                c->applied = "";
                return;
        }
        ck_assert_int_eq(model_service_hash(hash, p, s, &err), 0);
        c->config_hash = berth_arena_strdup(a, hash);
        j = model_service_canonical(p, s, 1);
        model_canonical_drop_unset(j);
        text = json_dumps(j, JSON_COMPACT | JSON_SORT_KEYS);
        c->applied = berth_arena_strdup(a, text);
        free(text);
        json_decref(j);
}

/* The actual state of a row, in one arena (freed with the arena: the test
 * does not depend on how observe allocates its own). */
static struct actual_state *actual_build(const struct tcont *conts, size_t nconts,
                                         const struct tobj *nets, size_t nnets,
                                         const struct tobj *vols, size_t nvols,
                                         const struct timage *imgs, size_t nimgs,
                                         const struct model_state *from)
{
        struct berth_arena *a = berth_arena_new();
        struct actual_state *s = berth_arena_alloc(a, sizeof(*s));
        size_t i;

        ck_assert_ptr_nonnull(s);
        s->arena = a;
        s->scope = "default";
        s->containers = berth_arena_alloc(a, (nconts + 1) * sizeof(*s->containers));
        s->networks = berth_arena_alloc(a, (nnets + 1) * sizeof(*s->networks));
        s->volumes = berth_arena_alloc(a, (nvols + 1) * sizeof(*s->volumes));
        s->images = berth_arena_alloc(a, (nimgs + 1) * sizeof(*s->images));
        for (i = 0; i < nconts && conts[i].project; i++) {
                const struct tcont *t = &conts[i];
                struct actual_container *c = &s->containers[s->ncontainers++];

                c->id = berth_arena_printf(a, "%064zx", i + 1);
                c->project = t->project;
                c->service = t->service ? t->service : "";
                c->replica = t->replica;
                c->name =
                    t->name ? t->name
                            : berth_arena_printf(a, "%s-%s-%d", t->project, c->service, t->replica);
                c->temp = t->temp;
                if (t->networks) {
                        char *copy = berth_arena_strdup(a, t->networks), *tok, *save = NULL;

                        c->networks_known = 1;
                        c->networks = berth_arena_alloc(a, 8 * sizeof(*c->networks));
                        for (tok = strtok_r(copy, ",", &save); tok && c->nnetworks < 8;
                             tok = strtok_r(NULL, ",", &save))
                                c->networks[c->nnetworks++] = tok;
                }
                c->image = "app:1";
                c->image_id = t->image_id ? t->image_id : IMG_A;
                c->source = c->revision = "";
                set_state(c, t->state ? t->state : "running");
                if (t->hash) {
                        c->config_hash = t->hash;
                        c->applied = "";
                } else {
                        set_made_from(a, c, from);
                }
        }
        for (i = 0; i < nnets && nets[i].name; i++) {
                struct actual_network *n = &s->networks[s->nnetworks++];

                n->id = berth_arena_printf(a, "net%zu", i);
                n->name = nets[i].name;
                n->project = nets[i].project;
                n->key = "";
        }
        for (i = 0; i < nvols && vols[i].name; i++) {
                s->volumes[s->nvolumes].name = vols[i].name;
                s->volumes[s->nvolumes].project = vols[i].project;
                s->volumes[s->nvolumes++].key = "";
        }
        for (i = 0; i < nimgs && imgs[i].tag; i++) {
                s->images[s->nimages].tag = imgs[i].tag;
                s->images[s->nimages++].id = imgs[i].id;
        }
        return s;
}

/* ---- rendering a result ------------------------------------------------- */

static const char *kind_name(enum diff_kind k)
{
        return k == DIFF_CONTAINER ? "container" : k == DIFF_NETWORK ? "network" : "volume";
}

static const char *action_name(enum diff_action a)
{
        static const char *const names[] = {"create", "recreate",  "start",
                                            "remove", "completed", "frozen"};

        return names[a];
}

/* malloc'd; also checks the counts against the entries. */
static char *render(const struct diff_result *r)
{
        size_t counts[6] = {0}, i, k, len = 0;
        char *text = NULL;
        FILE *f = open_memstream(&text, &len);

        ck_assert_ptr_nonnull(f);
        for (i = 0; i < r->nchanges; i++) {
                const struct diff_change *c = &r->changes[i];

                counts[c->action]++;
                fprintf(f, "%s %s %s: %s\n", kind_name(c->kind), action_name(c->action), c->name,
                        c->reason);
                for (k = 0; k < c->nfields; k++)
                        fprintf(f, "    %s: %s -> %s\n", c->fields[k].path, c->fields[k].before,
                                c->fields[k].after);
        }
        fclose(f);
        ck_assert_uint_eq(r->ncreate, counts[DIFF_CREATE]);
        ck_assert_uint_eq(r->nrecreate, counts[DIFF_RECREATE]);
        ck_assert_uint_eq(r->nstart, counts[DIFF_START]);
        ck_assert_uint_eq(r->nremove, counts[DIFF_REMOVE]);
        return text;
}

/* ---- the table ---------------------------------------------------------- */

#define SHOP "name: shop\nservices:\n  web:\n    image: app:1\n"
#define SHOP_ENV(level)                                                                            \
        "name: shop\nservices:\n  web:\n    image: app:1\n    environment:\n      "                \
        "LOG_LEVEL: " level "\n"
#define SHOP_SCALE(n) "name: shop\nservices:\n  web:\n    image: app:1\n    scale: " n "\n"
#define SHOP_RESTART(r) "name: shop\nservices:\n  web:\n    image: app:1\n    restart: " r "\n"
#define BLOG "name: blog\nservices:\n  api:\n    image: app:1\n"
#define NET(p, n)                                                                                  \
        {                                                                                          \
                p, n                                                                               \
        }
#define SHOP_NET NET("shop", "shop_default")
/* shop-web-1 made from its manifest (the row's before or desired), running */
#define SHOP_WEB_1_UP .conts = {{"shop", "web", 1}}, .nets = {SHOP_NET}

struct row {
        const char *title;
        const char *desired[3]; /* manifest files */
        const char *before[3];  /* what the containers were made from; NULL: desired */
        struct tcont conts[6];
        struct tobj nets[4];
        struct tobj vols[3];
        struct timage imgs[2];
        /* options (complete unless incomplete) */
        int allow_empty, incomplete, only_declared;
        const char *frozen[3];
        const char *project;
        const char *engine_networks[3];
        const char *engine_volumes[3];
        int check_engine; /* pass engine_networks/volumes (else NULL: unknown) */
        const char *want;
        int rc;
        const char *errmsg;
};

static const struct row rows[] = {
    {.title = "a fresh host: everything is created, networks first",
     .desired = {SHOP},
     .want = "network create shop_default: not created yet\n"
             "container create shop-web-1: not created yet\n"},
    {.title = "in sync: nothing to do", .desired = {SHOP}, SHOP_WEB_1_UP, .want = ""},
    {.title = "a changed variable recreates, with the field",
     .desired = {SHOP_ENV("debug")},
     .before = {SHOP_ENV("info")},
     SHOP_WEB_1_UP,
     .want = "container recreate shop-web-1: configuration changed\n"
             "    environment.LOG_LEVEL: \"info\" -> \"debug\"\n"},
    {.title = "a new image tag in the manifest recreates",
     .desired = {"name: shop\nservices:\n  web:\n    image: app:1.3\n"},
     .before = {"name: shop\nservices:\n  web:\n    image: app:1.2\n"},
     SHOP_WEB_1_UP,
     .want = "container recreate shop-web-1: configuration changed\n"
             "    image: app:1.2 -> app:1.3\n"},
    {.title = "no config-hash or applied label (older or foreign): recreate without fields",
     .desired = {SHOP},
     .conts = {{"shop", "web", 1, .hash = ""}},
     .nets = {SHOP_NET},
     .want = "container recreate shop-web-1: configuration changed\n"},
    {.title = "the tag now names another image: recreate naming both short ids",
     .desired = {SHOP},
     SHOP_WEB_1_UP,
     .imgs = {{"app:1", IMG_B}},
     .want = "container recreate shop-web-1: image 'app:1' now points at 0123456789ab "
             "(runs aaaaaaaaaaaa)\n"},
    {.title = "the tag still names the image it runs: in sync",
     .desired = {SHOP},
     SHOP_WEB_1_UP,
     .imgs = {{"app:1", IMG_A}},
     .want = ""},
    {.title = "the tag is not known locally: no image check",
     .desired = {SHOP},
     SHOP_WEB_1_UP,
     .imgs = {{"app:2", IMG_B}},
     .want = ""},
    {.title = "killed: start, with the exit code",
     .desired = {SHOP},
     .conts = {{"shop", "web", 1, "exited 137"}},
     .nets = {SHOP_NET},
     .want = "container start shop-web-1: not running (exited 137)\n"},
    {.title = "exited 0 with restart no (the default): completed, left alone",
     .desired = {SHOP},
     .conts = {{"shop", "web", 1, "exited 0"}},
     .nets = {SHOP_NET},
     .want = "container completed shop-web-1: completed (exited 0)\n"},
    {.title = "exited 0 with restart on-failure: completed too",
     .desired = {SHOP_RESTART("on-failure")},
     .conts = {{"shop", "web", 1, "exited 0"}},
     .nets = {SHOP_NET},
     .want = "container completed shop-web-1: completed (exited 0)\n"},
    {.title = "not on one of its networks (a connect lost): recreate",
     .desired = {SHOP},
     .conts = {{"shop", "web", 1, .networks = "bridge"}},
     .nets = {SHOP_NET},
     .want = "container recreate shop-web-1: not attached to network 'shop_default'\n"},
    {.title = "on its network (and others): in sync",
     .desired = {SHOP},
     .conts = {{"shop", "web", 1, .networks = "other,shop_default"}},
     .nets = {SHOP_NET},
     .want = ""},
    {.title = "stopped and not on its network: recreate, not start",
     .desired = {SHOP},
     .conts = {{"shop", "web", 1, "exited 137", .networks = ""}},
     .nets = {SHOP_NET},
     .want = "container recreate shop-web-1: not attached to network 'shop_default'\n"},
    {.title = "exited 0 with restart always: start",
     .desired = {SHOP_RESTART("always")},
     .conts = {{"shop", "web", 1, "exited 0"}},
     .nets = {SHOP_NET},
     .want = "container start shop-web-1: not running (exited 0)\n"},
    {.title = "created, dead, exited without a code: start",
     .desired = {SHOP_SCALE("3")},
     .conts = {{"shop", "web", 1, "created"},
               {"shop", "web", 2, "dead"},
               {"shop", "web", 3, "exited"}},
     .nets = {SHOP_NET},
     .want = "container start shop-web-1: not running (created)\n"
             "container start shop-web-2: not running (dead)\n"
             "container start shop-web-3: not running (exited)\n"},
    {.title = "paused, restarting, removing: left as they are",
     .desired = {SHOP_SCALE("3")},
     .conts = {{"shop", "web", 1, "paused"},
               {"shop", "web", 2, "restarting 1"},
               {"shop", "web", 3, "removing"}},
     .nets = {SHOP_NET},
     .want = ""},
    {.title = "scale 3 to 1 removes the highest numbers",
     .desired = {SHOP_SCALE("1")},
     .before = {SHOP_SCALE("3")},
     .conts = {{"shop", "web", 1}, {"shop", "web", 2}, {"shop", "web", 3}},
     .nets = {SHOP_NET},
     .want = "container remove shop-web-2: scaled from 3 to 1\n"
             "container remove shop-web-3: scaled from 3 to 1\n"},
    {.title = "scale 1 to 3 creates replicas 2 and 3",
     .desired = {SHOP_SCALE("3")},
     SHOP_WEB_1_UP,
     .want = "container create shop-web-2: not created yet\n"
             "container create shop-web-3: not created yet\n"},
    {.title = "scale down with a gap: 'from' is the highest replica observed",
     .desired = {SHOP_SCALE("1")},
     .conts = {{"shop", "web", 1}, {"shop", "web", 4}},
     .nets = {SHOP_NET},
     .want = "container remove shop-web-4: scaled from 4 to 1\n"},
    {.title = "scale 0 removes every replica",
     .desired = {SHOP_SCALE("0")},
     .conts = {{"shop", "web", 1}, {"shop", "web", 2}},
     .nets = {SHOP_NET},
     .want = "container remove shop-web-1: scaled from 2 to 0\n"
             "container remove shop-web-2: scaled from 2 to 0\n"},
    {.title = "duplicates: the one whose hash matches is kept",
     .desired = {SHOP},
     .conts = {{"shop", "web", 1, .hash = "0123"}, {"shop", "web", 1, "exited 1", "shop-web-1-b"}},
     .nets = {SHOP_NET},
     .want = "container remove shop-web-1: duplicate of replica 1\n"
             "container start shop-web-1-b: not running (exited 1)\n"},
    {.title = "duplicates with the same hash: the running one is kept",
     .desired = {SHOP},
     .conts = {{"shop", "web", 1, "exited 0"}, {"shop", "web", 1, "running", "shop-web-1-b"}},
     .nets = {SHOP_NET},
     .want = "container remove shop-web-1: duplicate of replica 1\n"},
    {.title = "duplicates alike in all else: the lowest name is kept",
     .desired = {SHOP},
     .conts = {{"shop", "web", 1, .name = "shop-web-1-b"},
               {"shop", "web", 1, .name = "shop-web-1-a"}},
     .nets = {SHOP_NET},
     .want = "container remove shop-web-1-b: duplicate of replica 1\n"},
    {.title = "a leftover start-first replacement is removed",
     .desired = {SHOP},
     .conts = {{"shop", "web", 1}, {"shop", "web", 1, .name = "shop-web-1-next", .temp = 1}},
     .nets = {SHOP_NET},
     .want = "container remove shop-web-1-next: left over from an interrupted update\n"},
    {.title = "a replacement left alone as the only container: created again, the temp removed",
     .desired = {SHOP},
     .conts = {{"shop", "web", 1, .name = "shop-web-1-next", .temp = 1}},
     .nets = {SHOP_NET},
     .want = "container create shop-web-1: not created yet\n"
             "container remove shop-web-1-next: left over from an interrupted update\n"},
    {.title = "a service no longer declared",
     .desired = {SHOP},
     .conts = {{"shop", "web", 1}, {"shop", "api", 1}},
     .nets = {SHOP_NET},
     .want = "container remove shop-api-1: no longer declared\n"},
    {.title = "a project no longer declared: containers and networks go, volumes stay",
     .desired = {SHOP},
     .conts = {{"shop", "web", 1}, {"blog", "api", 1}, {"blog", "api", 2}},
     .nets = {SHOP_NET, NET("blog", "blog_default")},
     .vols = {{"blog", "blog_data"}},
     .want = "network remove blog_default: no longer declared\n"
             "container remove blog-api-1: no longer declared\n"
             "container remove blog-api-2: no longer declared\n"},
    {.title = "owned containers with missing or bad identity labels are removed",
     .desired = {SHOP},
     .conts = {{"shop", "web", 1},
               {"", "web", 1, .name = "stray"},
               {"shop", "", 1, .name = "shop-noservice"},
               {"shop", "web", 0, .name = "shop-noreplica"}},
     .nets = {SHOP_NET, NET("", "stray_net")},
     .want = "network remove stray_net: berth.project label missing\n"
             "container remove stray: berth.project label missing\n"
             "container remove shop-noservice: berth.service label missing\n"
             "container remove shop-noreplica: berth.replica label missing or invalid\n"},
    {.title = "a network nothing declares any more is removed; a new one created",
     .desired = {"name: shop\nservices:\n  web:\n    image: app:1\n    networks: [back]\n"
                 "networks:\n  back: {}\n"},
     .before = {SHOP},
     SHOP_WEB_1_UP,
     .want = "network create shop_back: not created yet\n"
             "network remove shop_default: no longer declared\n"
             "container recreate shop-web-1: configuration changed\n"
             "    networks.shop_back: (none) -> "
             "{\"aliases\":null,\"ipv4_address\":null,\"priority\":0}\n"
             "    networks.shop_default: {\"aliases\":null,\"ipv4_address\":null,\"priority\":0} "
             "-> (none)\n"},
    {.title = "a missing external network is an error naming it and the project",
     .desired = {"name: shop\nservices:\n  web:\n    image: app:1\n    networks: [proxy]\n"
                 "networks:\n  proxy:\n    external: true\n"},
     .check_engine = 1,
     .engine_networks = {"bridge", "host"},
     .rc = BERTH_EINVALID,
     .errmsg = "project 'shop': external network 'proxy' does not exist: create it, or drop "
               "external: true"},
    {.title = "an external network that exists (not owned) is neither created nor removed",
     .desired = {"name: shop\nservices:\n  web:\n    image: app:1\n    networks: [proxy]\n"
                 "networks:\n  proxy:\n    external: true\n    name: edge\n"},
     .conts = {{"shop", "web", 1}},
     .check_engine = 1,
     .engine_networks = {"bridge", "edge"},
     .want = ""},
    {.title = "external networks are not checked when the caller does not know the engine's",
     .desired = {"name: shop\nservices:\n  web:\n    image: app:1\n    networks: [proxy]\n"
                 "networks:\n  proxy:\n    external: true\n"},
     .conts = {{"shop", "web", 1}},
     .want = ""},
    {.title = "volumes: a missing one is created, an undeclared one is never removed",
     .desired = {"name: shop\nservices:\n  web:\n    image: app:1\n    volumes: [data:/data, "
                 "logs:/logs]\nvolumes:\n  data: {}\n  logs: {}\n"},
     SHOP_WEB_1_UP,
     .vols = {{"shop", "shop_data"}, {"shop", "shop_old"}},
     .want = "volume create shop_logs: not created yet\n"},
    {.title = "a missing external volume is an error",
     .desired = {"name: shop\nservices:\n  web:\n    image: app:1\n    volumes: [data:/data]\n"
                 "volumes:\n  data:\n    external: true\n    name: shared-data\n"},
     .check_engine = 1,
     .engine_volumes = {"other"},
     .rc = BERTH_EINVALID,
     .errmsg = "project 'shop': external volume 'shared-data' does not exist: create it, or "
               "drop external: true"},
    {.title = "a frozen project absent from the desired state: FROZEN entries only",
     .desired = {SHOP},
     .conts = {{"shop", "web", 1}, {"blog", "api", 1, "exited 1"}},
     .nets = {SHOP_NET, NET("blog", "blog_default")},
     .vols = {{"blog", "blog_data"}},
     .frozen = {"blog"},
     .want = "network frozen blog_default: left alone: the project's manifest did not load\n"
             "volume frozen blog_data: left alone: the project's manifest did not load\n"
             "container frozen blog-api-1: left alone: the project's manifest did not load\n"},
    {.title = "a frozen project that is also declared: nothing created, recreated or started",
     .desired = {SHOP_ENV("debug")},
     .before = {SHOP_ENV("info")},
     .conts = {{"shop", "web", 1, "exited 2"}},
     .frozen = {"shop"},
     .want = "container frozen shop-web-1: left alone: the project's manifest did not load\n"},
    {.title = "an empty desired state on a complete root refuses to remove anything",
     SHOP_WEB_1_UP,
     .rc = BERTH_EINVALID,
     .errmsg = "no projects in the manifests: refusing to remove everything in scope 'default' "
               "(pass --allow-empty to do that)"},
    {.title = "an empty desired state with allow_empty removes everything (volumes stay)",
     SHOP_WEB_1_UP,
     .vols = {{"shop", "shop_data"}},
     .allow_empty = 1,
     .want = "network remove shop_default: no longer declared\n"
             "container remove shop-web-1: no longer declared\n"},
    {.title = "an empty desired state on an empty host is not an error", .want = ""},
    {.title = "an empty desired state whose projects are all frozen is not an error",
     .conts = {{"shop", "web", 1}},
     .frozen = {"shop"},
     .want = "container frozen shop-web-1: left alone: the project's manifest did not load\n"},
    {.title = "an incomplete manifest set: absent projects are reported, never removed",
     .desired = {SHOP},
     .conts = {{"shop", "web", 1}, {"blog", "api", 1}},
     .nets = {SHOP_NET, NET("blog", "blog_default")},
     .vols = {{"blog", "blog_data"}},
     .incomplete = 1,
     .want = "network frozen blog_default: left alone: not declared, but the manifests were not "
             "all read\n"
             "container frozen blog-api-1: left alone: not declared, but the manifests were not "
             "all read\n"},
    {.title = "an incomplete set still diffs the projects it has",
     .desired = {SHOP_SCALE("2")},
     .conts = {{"shop", "web", 1}, {"shop", "web", 3}},
     .nets = {SHOP_NET},
     .incomplete = 1,
     .want = "container create shop-web-2: not created yet\n"
             "container remove shop-web-3: scaled from 3 to 2\n"},
    {.title = "an empty incomplete set removes nothing and is not an error",
     .conts = {{"shop", "web", 1}},
     .incomplete = 1,
     .want = "container frozen shop-web-1: left alone: not declared, but the manifests were "
             "not all read\n"},
    {.title = "only_declared (-f FILE): other projects are out of play",
     .desired = {SHOP},
     .conts = {{"shop", "web", 1, "exited 3"}, {"blog", "api", 1}},
     .nets = {SHOP_NET, NET("blog", "blog_default")},
     .only_declared = 1,
     .want = "container start shop-web-1: not running (exited 3)\n"},
    {.title = "opts->project limits everything to that project",
     .desired = {SHOP_SCALE("2"), BLOG},
     .conts = {{"blog", "api", 1, "exited 1"}, {"old", "x", 1}},
     .project = "shop",
     .want = "network create shop_default: not created yet\n"
             "container create shop-web-1: not created yet\n"
             "container create shop-web-2: not created yet\n"},
    {.title = "opts->project naming an undeclared project removes just that one",
     .desired = {SHOP},
     .conts = {{"blog", "api", 1}, {"old", "x", 1}},
     .project = "blog",
     .want = "container remove blog-api-1: no longer declared\n"},
    {.title = "order: projects by name; networks, volumes, then containers by service, replica",
     .desired = {"name: zoo\nservices:\n  b:\n    image: app:1\n    scale: 2\n  a:\n"
                 "    image: app:1\n    volumes: [v:/v]\nvolumes:\n  v: {}\n",
                 BLOG},
     .conts = {{"zoo", "b", 2, "exited 1"}},
     .want = "network create blog_default: not created yet\n"
             "container create blog-api-1: not created yet\n"
             "network create zoo_default: not created yet\n"
             "volume create zoo_v: not created yet\n"
             "container create zoo-a-1: not created yet\n"
             "container create zoo-b-1: not created yet\n"
             "container start zoo-b-2: not running (exited 1)\n"},
    {.title = "a scale far beyond a host is refused, not listed",
     .desired = {SHOP_SCALE("20000")},
     .rc = BERTH_EINVALID,
     .errmsg = "service 'web' of project 'shop': 20000 replicas is more than berth runs (at most "
               "10000): lower scale"},
    {.title = "container_name is the engine name of the one replica",
     .desired = {"name: shop\nservices:\n  web:\n    image: app:1\n    container_name: legacy\n"},
     .nets = {SHOP_NET},
     .want = "container create legacy: not created yet\n"},
    {.title = "several fields in one recreate, in path order",
     .desired = {"name: shop\nservices:\n  web:\n    image: app:2\n    command: [sleep, '9']\n"
                 "    environment: {A: '1', DB_PASSWORD: new}\n    ports: ['8081:80']\n"},
     .before = {"name: shop\nservices:\n  web:\n    image: app:1\n    command: [sleep, '1']\n"
                "    environment: {A: '1', DB_PASSWORD: old}\n    ports: ['8080:80']\n"},
     SHOP_WEB_1_UP,
     .want = "container recreate shop-web-1: configuration changed\n"
             "    command: [\"sleep\",\"1\"] -> [\"sleep\",\"9\"]\n"
             "    environment.DB_PASSWORD: (sensitive) -> (sensitive)\n"
             "    image: app:1 -> app:2\n"
             "    ports[0]: 8080:80/tcp -> 8081:80/tcp\n"},
    {.title = "a config change wins over a stopped state (the new one will run)",
     .desired = {SHOP_ENV("debug")},
     .before = {SHOP_ENV("info")},
     .conts = {{"shop", "web", 1, "exited 0"}},
     .nets = {SHOP_NET},
     .want = "container recreate shop-web-1: configuration changed\n"
             "    environment.LOG_LEVEL: \"info\" -> \"debug\"\n"},
};

static struct diff_options row_options(const struct row *r)
{
        return (struct diff_options){
            .allow_empty = r->allow_empty,
            .complete = !r->incomplete,
            .only_declared = r->only_declared,
            .frozen = r->frozen,
            .project = r->project,
            .engine_networks = r->check_engine ? r->engine_networks : NULL,
            .engine_volumes = r->check_engine ? r->engine_volumes : NULL,
        };
}

/* Each row twice: as loaded, and with its hashes made beforehand as the
 * pipeline makes them (model_state_hash()): the same result. */
START_TEST(diff_table)
{
        const struct row *r = &rows[_i % N(rows)];
        struct model_state *desired = load_files(r->desired, N(r->desired));
        struct model_state *before = r->before[0] ? load_files(r->before, N(r->before)) : NULL;
        struct actual_state *actual =
            actual_build(r->conts, N(r->conts), r->nets, N(r->nets), r->vols, N(r->vols), r->imgs,
                         N(r->imgs), before ? before : desired);
        struct diff_options opts = row_options(r);
        struct diff_result *res = NULL;
        struct berth_err err;
        int rc;

        berth_err_clear(&err);
        if (_i >= (int)N(rows))
                ck_assert_int_eq(model_state_hash(desired, &err), 0);
        rc = diff_compute(&res, desired, actual, &opts, &err);
        if (r->rc) {
                ck_assert_msg(rc == r->rc, "%s: rc %d, want %d", r->title, rc, r->rc);
                ck_assert_ptr_null(res);
                ck_assert_str_eq(err.msg, r->errmsg);
        } else {
                char *text;

                ck_assert_msg(rc == 0, "%s: %s", r->title, err.msg);
                text = render(res);
                ck_assert_msg(!strcmp(text, r->want), "%s:\n--- got\n%s--- want\n%s", r->title,
                              text, r->want);
                free(text);
        }
        diff_result_free(res);
        berth_arena_free(actual->arena);
        model_state_free(before);
        model_state_free(desired);
}
END_TEST

/* ---- pointers and hashes the plan relies on ------------------------------ */

START_TEST(changes_point_at_what_they_compare)
{
        const char *files[] = {SHOP_SCALE("2")};
        struct model_state *desired = load_files(files, 1);
        static const struct tcont conts[] = {{"shop", "web", 1, .state = "exited 1"},
                                             {"shop", "old", 1, .state = NULL}};
        struct actual_state *actual =
            actual_build(conts, N(conts), NULL, 0, NULL, 0, NULL, 0, desired);
        struct diff_options opts = {.complete = true};
        const struct model_project *p = model_project_find(desired, "shop");
        struct diff_result *res;
        struct berth_err err;
        char hash[65];
        size_t i;

        ck_assert_int_eq(diff_compute(&res, desired, actual, &opts, &err), 0);
        ck_assert_int_eq(model_service_hash(hash, p, &p->services[0], &err), 0);
        ck_assert_uint_eq(res->nchanges, 4);
        /* network create, web-1 start, web-2 create, old-1 remove (old < web) */
        ck_assert_int_eq(res->changes[0].kind, DIFF_NETWORK);
        ck_assert_ptr_eq(res->changes[0].network_desired, &p->networks[0]);
        ck_assert_ptr_eq(res->changes[0].project_desired, p);
        ck_assert_str_eq(res->changes[1].name, "shop-old-1");
        ck_assert_ptr_eq(res->changes[1].container, &actual->containers[1]);
        ck_assert_ptr_null(res->changes[1].service_desired);
        ck_assert_ptr_null(res->changes[1].config_hash);
        for (i = 2; i < 4; i++) {
                ck_assert_ptr_eq(res->changes[i].service_desired, &p->services[0]);
                ck_assert_str_eq(res->changes[i].config_hash, hash);
                ck_assert_str_eq(res->changes[i].service, "web");
                ck_assert_int_eq(res->changes[i].replica, (int)i - 1);
        }
        ck_assert_ptr_eq(res->changes[2].container, &actual->containers[0]);
        ck_assert_int_eq(res->changes[2].action, DIFF_START);
        ck_assert_ptr_null(res->changes[3].container);
        diff_result_free(res);
        berth_arena_free(actual->arena);
        model_state_free(desired);
}
END_TEST

/* A hash made beforehand is the one compared: the diff does not make it
 * again (a service whose made hash differs from its container's label is
 * recreated, though the spec is the container's). */
START_TEST(a_made_hash_is_the_one_compared)
{
        const char *files[] = {SHOP_SCALE("1")};
        struct model_state *desired = load_files(files, 1);
        static const struct tcont conts[] = {{"shop", "web", 1, .state = "running"}};
        struct actual_state *actual =
            actual_build(conts, N(conts), NULL, 0, NULL, 0, NULL, 0, desired);
        struct diff_options opts = {.complete = true};
        struct model_project *p = &desired->projects[0];
        struct diff_result *res;
        struct berth_err err;
        char *text;

        ck_assert_int_eq(diff_compute(&res, desired, actual, &opts, &err), 0);
        ck_assert_uint_eq(res->nrecreate, 0);
        diff_result_free(res);
        memset(p->services[0].config_hash, 'f', 64);
        ck_assert_int_eq(diff_compute(&res, desired, actual, &opts, &err), 0);
        text = render(res);
        ck_assert_ptr_nonnull(
            strstr(text, "container recreate shop-web-1: configuration changed\n"));
        ck_assert_str_eq(res->changes[res->nchanges - 1].config_hash, p->services[0].config_hash);
        free(text);
        diff_result_free(res);
        berth_arena_free(actual->arena);
        model_state_free(desired);
}
END_TEST

/* Whatever the options, a frozen project's objects are only ever FROZEN,
 * and a project out of play is never removed. */
START_TEST(frozen_is_never_removed_whatever_the_options)
{
        const char *files[] = {BLOG};
        const char *const frozen[] = {"shop", NULL};
        struct model_state *desired = load_files(files, 1);
        struct model_state *empty = model_state_new();
        static const struct tcont conts[] = {{"shop", "web", 1, .state = "exited 1"},
                                             {"shop", "web", 7, .state = NULL},
                                             {"shop", "web", 1, .name = "dup", .temp = 1},
                                             {"blog", "api", 1, .state = NULL}};
        static const struct tobj nets[] = {{"shop", "shop_default"}, {"shop", "shop_gone"}};
        static const struct tobj vols[] = {{"shop", "shop_data"}};
        struct actual_state *actual =
            actual_build(conts, N(conts), nets, N(nets), vols, N(vols), NULL, 0, desired);
        int combo;

        for (combo = 0; combo < 32; combo++) {
                struct diff_options o = {.allow_empty = combo & 1,
                                         .complete = (combo & 2) != 0,
                                         .only_declared = (combo & 4) != 0,
                                         .project = (combo & 8) ? "shop" : NULL,
                                         .frozen = frozen};
                const struct model_state *d = (combo & 16) ? empty : desired;
                struct diff_result *res = NULL;
                struct berth_err err;
                size_t i, nfrozen = 0;

                int rc = diff_compute(&res, d, actual, &o, &err);

                /* blog would be removed from an empty desired state: refused */
                if ((combo & 16) && o.complete && !o.allow_empty && !o.only_declared &&
                    !o.project) {
                        ck_assert_msg(rc == BERTH_EINVALID, "combo %d: rc %d", combo, rc);
                        ck_assert_ptr_null(res);
                        continue;
                }
                ck_assert_msg(rc == 0, "combo %d: %s", combo, err.msg);
                for (i = 0; i < res->nchanges; i++) {
                        const struct diff_change *c = &res->changes[i];

                        if (strcmp(c->project, "shop"))
                                continue;
                        ck_assert_msg(c->action == DIFF_FROZEN, "combo %d: %s %s", combo,
                                      action_name(c->action), c->name);
                        nfrozen++;
                }
                ck_assert_uint_eq(nfrozen, 6);
                diff_result_free(res);
        }
        berth_arena_free(actual->arena);
        model_state_free(empty);
        model_state_free(desired);
}
END_TEST

/* ---- field differences ------------------------------------------------- */

struct frow {
        const char *title;
        const char *before, *after; /* the web service's keys, indented 4 */
        const char *want;
};

static const struct frow frows[] = {
    {"a variable", "    environment: {LOG_LEVEL: info}\n", "    environment: {LOG_LEVEL: debug}\n",
     "environment.LOG_LEVEL: \"info\" -> \"debug\"\n"},
    {"a variable added", "", "    environment: {LOG_LEVEL: debug}\n",
     "environment.LOG_LEVEL: (none) -> \"debug\"\n"},
    {"a variable removed", "    environment: [LOG_LEVEL=info, B=2]\n", "    environment: [B=2]\n",
     "environment.LOG_LEVEL: \"info\" -> (none)\n"},
    {"a secret changed", "    environment: {DB_PASSWORD: a}\n",
     "    environment: {DB_PASSWORD: b}\n",
     "environment.DB_PASSWORD: (sensitive) -> (sensitive)\n"},
    {"a secret added", "", "    environment: {API_KEY: x}\n",
     "environment.API_KEY: (none) -> (sensitive)\n"},
    {"a secret label", "    labels: {app.token: a}\n", "    labels: {app.token: b}\n",
     "labels.app.token: (sensitive) -> (sensitive)\n"},
    {"a label with dots", "    labels: {com.example.team: a}\n",
     "    labels: {com.example.team: b}\n", "labels.com.example.team: \"a\" -> \"b\"\n"},
    {"the image, as written", "", "IMAGE app:1.3", "image: app:1.2 -> app:1.3\n"},
    {"a port", "    ports: ['8080:80']\n", "    ports: ['8081:80']\n",
     "ports[0]: 8080:80/tcp -> 8081:80/tcp\n"},
    {"a port added, with address and protocol", "", "    ports: ['127.0.0.1:8080:80/udp']\n",
     "ports[0]: (none) -> 127.0.0.1:8080:80/udp\n"},
    {"a random host port removed", "    ports: ['80']\n", "", "ports[0]: 80/tcp -> (none)\n"},
    {"an IPv6 host address", "    ports: ['8080:80']\n", "    ports: ['[::1]:8080:80']\n",
     "ports[0]: 8080:80/tcp -> [::1]:8080:80/tcp\n"},
    {"a second port", "    ports: ['80:80']\n", "    ports: ['80:80', '127.0.0.1::443']\n",
     "ports[1]: (none) -> 127.0.0.1::443/tcp\n"},
    {"a command set", "", "    command: sh -c 'echo hi'\n",
     "command: null -> [\"sh\",\"-c\",\"echo hi\"]\n"},
    {"a command changed", "    command: [sleep, '1']\n", "    command: [sleep, '2']\n",
     "command: [\"sleep\",\"1\"] -> [\"sleep\",\"2\"]\n"},
    {"entrypoint cleared", "", "    entrypoint: []\n", "entrypoint: null -> []\n"},
    {"a volume made read-only", "    volumes: ['data:/data']\n", "    volumes: ['data:/data:ro']\n",
     "mounts[0]: volume shop_data:/data -> volume shop_data:/data:ro\n"},
    {"a bind source", "    volumes: ['/srv/a:/a']\n", "    volumes: ['/srv/b:/a']\n",
     "mounts[0]: bind /srv/a:/a -> bind /srv/b:/a\n"},
    {"an anonymous volume and a tmpfs", "", "    volumes: ['/cache']\n    tmpfs: /run\n",
     "mounts[0]: (none) -> volume /cache\ntmpfs: null -> [\"/run\"]\n"},
    {"a mount detail the short form does not show",
     "    volumes: [{type: volume, source: data, target: /data}]\n",
     "    volumes: [{type: volume, source: data, target: /data, volume: {nocopy: true}}]\n",
     "mounts[0].nocopy: false -> true\n"},
    {"a duration", "    stop_grace_period: 10s\n", "    stop_grace_period: 1m30s\n",
     "stop_grace_period: 10s -> 1m30s\n"},
    {"a healthcheck interval", "    healthcheck: {test: 'true', interval: 30s}\n",
     "    healthcheck: {test: 'true', interval: 1m}\n", "healthcheck.interval: 30s -> 1m\n"},
    {"a healthcheck added", "", "    healthcheck: {test: [CMD, 'true'], retries: 3}\n",
     "healthcheck: null -> "
     "{\"disable\":false,\"interval\":null,\"retries\":3,\"start_period\":null,"
     "\"test\":[\"CMD\",\"true\"],\"timeout\":null}\n"},
    {"restart", "", "    restart: always\n", "restart: \"no\" -> \"always\"\n"},
    {"a boolean", "", "    privileged: true\n", "privileged: false -> true\n"},
    {"a size", "", "    mem_limit: 512m\n", "mem_limit: null -> 536870912\n"},
    {"a list of capabilities", "", "    cap_add: [net_admin]\n",
     "cap_add: null -> [\"NET_ADMIN\"]\n"},
    {"network aliases", "", "    networks:\n      default:\n        aliases: [api]\n",
     "networks.shop_default.aliases: null -> [\"api\"]\n"},
    {"several, sorted by path", "    environment: {B: '1'}\n",
     "    environment: {B: '2'}\n    user: nobody\n    init: true\n",
     "environment.B: \"1\" -> \"2\"\ninit: null -> true\nuser: null -> \"nobody\"\n"},
    {"nothing", "    environment: {B: '1'}\n", "    environment: [B=1]\n", ""},
    /* keys the canonical spec has only when set: unset shows as null */
    {"pid: host added", "", "    pid: host\n", "pid: null -> \"host\"\n"},
    {"pid: host removed", "    pid: host\n", "", "pid: \"host\" -> null\n"},
    {"an ipc mode changed", "    ipc: private\n", "    ipc: shareable\n",
     "ipc: \"private\" -> \"shareable\"\n"},
    {"userns_mode added", "", "    userns_mode: host\n", "userns_mode: null -> \"host\"\n"},
    {"a device added", "", "    devices: [/dev/fuse]\n",
     "devices: null -> [\"/dev/fuse:/dev/fuse:rwm\"]\n"},
    {"device permissions changed", "    devices: [/dev/fuse]\n", "    devices: [\"/dev/fuse:r\"]\n",
     "devices: [\"/dev/fuse:/dev/fuse:rwm\"] -> [\"/dev/fuse:/dev/fuse:r\"]\n"},
    {"devices removed", "    devices: [/dev/fuse, \"/dev/null:/dev/n:r\"]\n", "    devices: []\n",
     "devices: [\"/dev/fuse:/dev/fuse:rwm\",\"/dev/null:/dev/n:r\"] -> null\n"},
};

static struct model_state *load_web(const char *keys)
{
        const char *image = "app:1.2";
        static char yaml[4096];
        const char *files[] = {yaml};

        if (!strncmp(keys, "IMAGE ", 6)) {
                image = keys + 6;
                keys = "";
        }
        ck_assert_int_lt(snprintf(yaml, sizeof(yaml),
                                  "name: shop\nservices:\n  web:\n    image: %s\n%s%s", image, keys,
                                  strstr(keys, "data") ? "volumes:\n  data: {}\n" : ""),
                         (int)sizeof(yaml));
        return load_files(files, 1);
}

static char *fields_text(const struct diff_field *f, size_t n)
{
        char *text = NULL;
        size_t len = 0, i;
        FILE *out = open_memstream(&text, &len);

        ck_assert_ptr_nonnull(out);
        for (i = 0; i < n; i++)
                fprintf(out, "%s: %s -> %s\n", f[i].path, f[i].before, f[i].after);
        fclose(out);
        return text;
}

/* diff_fields(before, after) rendered one per line must be want. */
static void check_fields(const char *title, const json_t *before, const json_t *after,
                         const char *want)
{
        struct berth_arena *arena = berth_arena_new();
        struct diff_field *f = NULL;
        struct berth_err err;
        size_t n = 0;
        char *text;

        ck_assert_ptr_nonnull(before);
        ck_assert_ptr_nonnull(after);
        ck_assert_int_eq(diff_fields(&f, &n, arena, before, after, &err), 0);
        text = fields_text(f, n);
        ck_assert_msg(!strcmp(text, want), "%s:\n--- got\n%s--- want\n%s", title, text, want);
        free(text);
        berth_arena_free(arena);
}

START_TEST(field_table)
{
        const struct frow *r = &frows[_i];
        struct model_state *b = load_web(r->before), *a = load_web(r->after);
        const struct model_project *pb = &b->projects[0], *pa = &a->projects[0];
        json_t *jb = model_service_canonical(pb, &pb->services[0], 1);
        json_t *ja = model_service_canonical(pa, &pa->services[0], 1);

        check_fields(r->title, jb, ja, r->want);
        json_decref(ja);
        json_decref(jb);
        model_state_free(a);
        model_state_free(b);
}
END_TEST

/* Hand-written JSON: shapes the loader never makes but a label may hold. */
struct jrow {
        const char *title, *before, *after, *want;
};

#define HASH64 "f52fbd32b2b3b86ff88ef6c490628285f482af15ddcb29541f94bcf526a3f6c7"

static const struct jrow jrows[] = {
    {"redacted on one side only: neither value shows",
     "{\"environment\":{\"X\":\"sha256:" HASH64 "\"}}", "{\"environment\":{\"X\":\"plain\"}}",
     "environment.X: (sensitive) -> (sensitive)\n"},
    {"a sensitive name never shows its value, even unredacted",
     "{\"environment\":{\"DB_PASSWORD\":\"hunter2\"}}",
     "{\"environment\":{\"DB_PASSWORD\":\"hunter3\"}}",
     "environment.DB_PASSWORD: (sensitive) -> (sensitive)\n"},
    {"a secret unset keeps null", "{\"environment\":{\"TOKEN\":\"sha256:" HASH64 "\"}}",
     "{\"environment\":{\"TOKEN\":null}}", "environment.TOKEN: (sensitive) -> null\n"},
    {"an image named by its id is not taken for a secret", "{\"image\":\"sha256:" HASH64 "\"}",
     "{\"image\":\"app:1\"}", "image: sha256:" HASH64 " -> app:1\n"},
    {"a top-level key a label leaves out (unset, or unknown to an older berth) is null",
     "{\"image\":\"app:1\"}", "{\"image\":\"app:1\",\"init\":null}", ""},
    {"a top-level key a label leaves out, set now", "{\"image\":\"app:1\"}",
     "{\"image\":\"app:1\",\"hostname\":\"web\"}", "hostname: null -> \"web\"\n"},
    {"a label's full form (an older berth's) and the one without nulls agree",
     "{\"image\":\"app:1\",\"user\":null,\"tty\":false}", "{\"image\":\"app:1\",\"tty\":false}",
     ""},
    {"an optional key a label lacks is unset", "{\"image\":\"app:1\"}",
     "{\"image\":\"app:1\",\"ipc\":\"host\"}", "ipc: null -> \"host\"\n"},
    {"an optional key lacking and null are alike", "{\"image\":\"app:1\",\"devices\":null}",
     "{\"image\":\"app:1\"}", ""},
    {"only at the top: a variable named pid lacking is (none)", "{\"environment\":{}}",
     "{\"environment\":{\"pid\":\"1\"}}", "environment.pid: (none) -> \"1\"\n"},
    {"a type change", "{\"command\":\"sleep 1\"}", "{\"command\":[\"sleep\",\"1\"]}",
     "command: \"sleep 1\" -> [\"sleep\",\"1\"]\n"},
    {"arrays of objects by index, objects compact", "{\"ulimits\":[{\"a\":1}]}",
     "{\"ulimits\":[{\"a\":2},{\"b\":true}]}",
     "ulimits[0].a: 1 -> 2\nulimits[1]: (none) -> {\"b\":true}\n"},
    {"a port with a host address and random port", "{\"ports\":[]}",
     "{\"ports\":[{\"target\":53,\"published\":0,\"host_ip\":\"::1\",\"protocol\":\"udp\"}]}",
     "ports[0]: (none) -> [::1]::53/udp\n"},
};

START_TEST(field_json_table)
{
        const struct jrow *r = &jrows[_i];
        json_t *jb = json_loads(r->before, 0, NULL), *ja = json_loads(r->after, 0, NULL);

        check_fields(r->title, jb, ja, r->want);
        json_decref(ja);
        json_decref(jb);
}
END_TEST

START_TEST(fields_are_appended)
{
        json_t *b1 = json_pack("{s:s}", "a", "1"), *a1 = json_pack("{s:s}", "a", "2");
        json_t *b2 = json_pack("{s:b}", "z", 0), *a2 = json_pack("{s:b}", "z", 1);
        struct berth_arena *arena = berth_arena_new();
        struct diff_field *f = NULL;
        struct berth_err err;
        size_t n = 0;
        char *text;

        ck_assert_int_eq(diff_fields(&f, &n, arena, b1, a1, &err), 0);
        ck_assert_int_eq(diff_fields(&f, &n, arena, b1, b1, &err), 0);
        ck_assert_int_eq(diff_fields(&f, &n, arena, b2, a2, &err), 0);
        text = fields_text(f, n);
        ck_assert_str_eq(text, "a: \"1\" -> \"2\"\nz: false -> true\n");
        free(text);
        berth_arena_free(arena);
        json_decref(a2);
        json_decref(b2);
        json_decref(a1);
        json_decref(b1);
}
END_TEST

int main(void)
{
        Suite *s = suite_create("diff");
        TCase *tc = tcase_create("compute");

        tcase_add_loop_test(tc, diff_table, 0, 2 * N(rows));
        tcase_add_test(tc, a_made_hash_is_the_one_compared);
        tcase_add_test(tc, changes_point_at_what_they_compare);
        tcase_add_test(tc, frozen_is_never_removed_whatever_the_options);
        suite_add_tcase(s, tc);
        tc = tcase_create("fields");
        tcase_add_loop_test(tc, field_table, 0, N(frows));
        tcase_add_loop_test(tc, field_json_table, 0, N(jrows));
        tcase_add_test(tc, fields_are_appended);
        suite_add_tcase(s, tc);
        return bt_unit_main(s);
}
