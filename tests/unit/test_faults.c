/* Issue 8's fault injection: the berth binary (plan, apply, status, down,
 * watch) against the fake engine of tests/support/fake_engine.h, one fault
 * at a time: error statuses, truncated and malformed answers, streams
 * with an error or cut in the middle, an events stream that drops, hangs.
 *
 * For each fault: berth's exact message, its exit status, how long it took
 * (an answer that never comes ends at the client's timeout,
 * DOCKER_DEFAULT_TIMEOUT_MS, and not later), and what it asked the engine:
 * never a removal or a stop because an answer was bad, and only reads when
 * it could not plan.  The engine's answers are the real engine's shapes
 * (API 1.41) cut down to what berth reads.
 *
 * An engine too old for berth is refused by the client before any call
 * (test_client.c: refuses_too_old_engines); refusals[17] here adds that
 * the binary makes no other request.  What the real engine does when berth
 * or dockerd dies mid-apply is tests/engine/test_crash.c.
 */
#include <errno.h>
#include <fnmatch.h>
#include <limits.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <sys/wait.h>
#include <time.h>
#include <unistd.h>

#include "berth_cli.h"
#include "berth_test.h"
#include "common/labels.h"
#include "fake_engine.h"
#include "manifest/load.h"
#include "model/model.h"

#define SCOPE "faults"
/* Every call but a stream's ends after this long without an answer. */
#define TIMEOUT_S (DOCKER_DEFAULT_TIMEOUT_MS / 1000)
/* What berth may take beyond its timeouts on a loaded machine (and under
 * the sanitizers); a run with no timeout in it ends within QUICK_S. */
#define MARGIN_S 25
#define QUICK_S 20

#define IMAGE_ID "sha256:1111111111111111111111111111111111111111111111111111111111111111"

/* ---- the engine's answers ------------------------------------------------ */

#define LIST "/containers/json"

#define NETWORKS "[{\"Name\":\"bridge\",\"Id\":\"n-bridge\",\"Labels\":{}}]"
#define VOLUMES "{\"Volumes\":[]}"
#define IMAGES "[{\"Id\":\"" IMAGE_ID "\",\"RepoTags\":[\"fake/app:1\"]}]"
#define INSPECT_RUNNING                                                                            \
        "{\"Id\":\"c-new\",\"Name\":\"/shop-db-1\",\"State\":{\"Status\":\"running\","             \
        "\"Running\":true,\"ExitCode\":0},\"Config\":{\"Labels\":{}}}"
#define MSG(text) "{\"message\":\"" text "\"}"

/* A container of the scope that no manifest declares any more. */
#define ORPHAN                                                                                     \
        "[{\"Id\":\"c-old\",\"Names\":[\"/shop-old-1\"],\"Image\":\"fake/app:1\","                 \
        "\"ImageID\":\"" IMAGE_ID "\",\"State\":\"running\",\"Status\":\"Up 2 hours\","            \
        "\"Labels\":{\"" BERTH_LABEL_SCOPE "\":\"" SCOPE "\",\"" BERTH_LABEL_PROJECT               \
        "\":\"shop\",\"" BERTH_LABEL_SERVICE "\":\"old\",\"" BERTH_LABEL_REPLICA "\":\"1\"}}]"

/* What a list that ignored the scope filter would hold: a container of
 * another scope and one without labels, named as ours would be. */
#define FOREIGN                                                                                    \
        "[{\"Id\":\"c-x\",\"Names\":[\"/shop-db-1\"],\"State\":\"running\",\"Labels\":{"           \
        "\"" BERTH_LABEL_SCOPE "\":\"other\",\"" BERTH_LABEL_PROJECT                               \
        "\":\"shop\",\"" BERTH_LABEL_SERVICE "\":\"db\",\"" BERTH_LABEL_REPLICA "\":\"1\"}},"      \
        "{\"Id\":\"c-y\",\"Names\":[\"/shop-old-1\"],\"State\":\"running\",\"Labels\":null}]"

/* An engine where everything works: what every test's faults come before. */
static const struct fake_route healthy[] = {
    {.method = "GET", .path = "/containers/json", .status = 200, .body = "[]"},
    {.method = "GET", .path = "/networks", .status = 200, .body = NETWORKS},
    {.method = "GET", .path = "/volumes", .status = 200, .body = VOLUMES},
    {.method = "GET", .path = "/images/json", .status = 200, .body = IMAGES},
    {.method = "POST", .path = "/networks/create", .status = 201, .body = "{\"Id\":\"n-shop\"}"},
    {.method = "POST", .path = "/containers/create", .status = 201, .body = "{\"Id\":\"c-new\"}"},
    {.method = "POST", .path = "/containers/*/start", .status = 204, .body = ""},
    {.method = "POST", .path = "/containers/*/stop*", .status = 204, .body = ""},
    {.method = "DELETE", .path = "/containers/*", .status = 204, .body = ""},
    {.method = "GET", .path = "/containers/*/json", .status = 200, .body = INSPECT_RUNNING},
    {.method = "GET",
     .path = "/events*",
     .status = 200,
     .body = "",
     .chunks_ms = 1,
     .keep_open = 1},
};

/* db, then web once db runs; cache on its own: a failure of db must skip
 * web and nothing else. */
static const char shop[] = "name: shop\n"
                           "services:\n"
                           "  db:\n"
                           "    image: fake/app:1\n"
                           "  web:\n"
                           "    image: fake/app:1\n"
                           "    depends_on: [db]\n"
                           "  cache:\n"
                           "    image: fake/app:1\n";

/* shop, with web waiting for db to be healthy: a gate that asks the
 * engine even when this run started db (service_started needs no
 * asking then: the start answered). */
static const char shop_healthy[] = "name: shop\n"
                                   "services:\n"
                                   "  db:\n"
                                   "    image: fake/app:1\n"
                                   "    healthcheck:\n"
                                   "      test: [CMD, 'true']\n"
                                   "  web:\n"
                                   "    image: fake/app:1\n"
                                   "    depends_on:\n"
                                   "      db: {condition: service_healthy}\n"
                                   "  cache:\n"
                                   "    image: fake/app:1\n";

/* job and web need fake/other:1, which the engine does not have. */
static const char pulls[] = "name: shop\n"
                            "services:\n"
                            "  job:\n"
                            "    image: fake/other:1\n"
                            "  web:\n"
                            "    image: fake/other:1\n"
                            "    depends_on: [job]\n"
                            "  cache:\n"
                            "    image: fake/app:1\n";

#define NO_OTHER_IMAGE                                                                             \
        {                                                                                          \
                .method = "GET", .path = "/images/fake/other:1/json", .status = 404,               \
                .body = MSG("No such image: fake/other:1")                                         \
        }
#define PULL_BEGINS                                                                                \
        "{\"status\":\"Pulling from fake/other\",\"id\":\"1\"}\n"                                  \
        "{\"status\":\"Pulling fs layer\",\"id\":\"0123456789ab\"}\n"                              \
        "{\"status\":\"Downloading\",\"progressDetail\":{\"current\":512,\"total\":2048},"         \
        "\"id\":\"0123456789ab\"}\n"

/* ---- a fake engine, manifests, and berth run against them ---------------- */

struct rig {
        struct fake_engine *fe;
        struct fake_route *routes;   /* the faults, then healthy[] */
        char *containers, *networks; /* bodies of the synced lists, or NULL */
        char dir[PATH_MAX];          /* the manifest root */
        char tmp[PATH_MAX];
};

/* The container and network lists of an engine where the manifest at
 * root (one project, shop) runs as declared: every replica running with
 * its config hash, every network there.  free() both. */
static void synced_lists(char **containers, char **networks, const char *root)
{
        struct manifest_load_opts lo = {.root = root};
        struct manifest_set set;
        const struct model_project *p;
        struct berth_err err;
        char hash[65], *list = strdup("["), *more;
        size_t i;

        ck_assert_msg(manifest_load(&set, &lo, &err) == 0, "%s", err.msg);
        ck_assert_uint_eq(set.state->nprojects, 1);
        p = &set.state->projects[0];
        for (i = 0; i < p->nservices; i++) {
                ck_assert_msg(model_service_hash(hash, p, &p->services[i], &err) == 0, "%s",
                              err.msg);
                more = bt_fmt("%s%s{\"Id\":\"c-%s\",\"Names\":[\"/%s-%s-1\"],\"Image\":\"%s\","
                              "\"ImageID\":\"" IMAGE_ID "\",\"State\":\"running\",\"Status\":"
                              "\"Up 2 hours\",\"Labels\":{\"" BERTH_LABEL_SCOPE "\":\"" SCOPE
                              "\",\"" BERTH_LABEL_PROJECT "\":\"%s\",\"" BERTH_LABEL_SERVICE
                              "\":\"%s\",\"" BERTH_LABEL_REPLICA
                              "\":\"1\",\"" BERTH_LABEL_CONFIG_HASH "\":\"%s\"}}",
                              list, i ? "," : "", p->services[i].name, p->name, p->services[i].name,
                              p->services[i].image, p->name, p->services[i].name, hash);
                free(list);
                list = more;
        }
        *containers = bt_fmt("%s]", list);
        free(list);
        *networks =
            bt_fmt("[{\"Name\":\"bridge\",\"Id\":\"n-bridge\",\"Labels\":{}},"
                   "{\"Name\":\"%s_default\",\"Id\":\"n-shop\",\"Labels\":{\"" BERTH_LABEL_SCOPE
                   "\":\"" SCOPE "\",\"" BERTH_LABEL_PROJECT "\":\"%s\",\"" BERTH_LABEL_NETWORK
                   "\":\"default\"}}]",
                   p->name, p->name);
        manifest_set_release(&set);
}

/* A fake engine answering faults first, then (synced) the lists of
 * synced_lists(), then healthy[]; the manifest written to r->dir. */
static void rig_start(struct rig *r, const char *manifest, const struct fake_route *faults,
                      size_t n, int synced)
{
        static char base[PATH_MAX];
        static pid_t owner;
        static unsigned count;
        size_t nh = sizeof(healthy) / sizeof(healthy[0]), k = n;

        /* one temporary directory per process (bt_tmpdir() makes at most
         * 8), one directory in it per rig */
        if (owner != getpid()) {
                owner = getpid();
                snprintf(base, sizeof(base), "%s", bt_tmpdir());
        }
        memset(r, 0, sizeof(*r));
        snprintf(r->tmp, sizeof(r->tmp), "%s/rig%u", base, count++);
        ck_assert_msg(mkdir(r->tmp, 0700) == 0, "mkdir %s: %s", r->tmp, strerror(errno));
        snprintf(r->dir, sizeof(r->dir), "%s/manifests", r->tmp);
        bt_write_file(r->dir, "shop.yaml", manifest);
        r->routes = calloc(n + 2 + nh, sizeof(*r->routes));
        ck_assert_ptr_nonnull(r->routes);
        if (n)
                memcpy(r->routes, faults, n * sizeof(*faults));
        if (synced) {
                synced_lists(&r->containers, &r->networks, r->dir);
                r->routes[k++] = (struct fake_route){
                    .method = "GET", .path = LIST, .status = 200, .body = r->containers};
                r->routes[k++] = (struct fake_route){
                    .method = "GET", .path = "/networks", .status = 200, .body = r->networks};
        }
        memcpy(r->routes + k, healthy, sizeof(healthy));
        r->fe = fake_engine_start(r->routes, k + nh);
        ck_assert_ptr_nonnull(r->fe);
        setenv("BERTH_LOCK_DIR", r->tmp, 1); /* apply's scope lock */
}

static void rig_stop(struct rig *r)
{
        fake_engine_stop(r->fe);
        free(r->routes);
        free(r->containers);
        free(r->networks);
}

/* argv of berth -H <fake> cmd -f <root> --scope faults [--yes]. */
static void berth_argv(const char *argv[10], const struct rig *r, const char *cmd)
{
        size_t n = 0;

        argv[n++] = BERTH_BINARY;
        argv[n++] = "-H";
        argv[n++] = fake_engine_host(r->fe);
        argv[n++] = cmd;
        argv[n++] = "-f";
        argv[n++] = r->dir;
        argv[n++] = "--scope";
        argv[n++] = SCOPE;
        if (!strcmp(cmd, "down"))
                argv[n++] = "--yes";
        argv[n] = NULL;
}

/* berth_argv() with --parallel 1: the order of the operations is the
 * scheduler's alone. */
static void berth_argv_one_worker(const char *argv[12], const struct rig *r, const char *cmd)
{
        size_t n = 0;

        berth_argv(argv, r, cmd);
        while (argv[n])
                n++;
        argv[n++] = "--parallel";
        argv[n++] = "1";
        argv[n] = NULL;
}

/* s with every "@ENGINE@" replaced by the fake engine's address; free() it. */
static char *with_engine(const char *s, const struct rig *r)
{
        const char *host = fake_engine_host(r->fe), *at;
        size_t len = strlen(s) + 1;
        char *out, *o;

        for (at = s; (at = strstr(at, "@ENGINE@")); at += 8)
                len += strlen(host);
        out = o = malloc(len);
        ck_assert_ptr_nonnull(out);
        while ((at = strstr(s, "@ENGINE@"))) {
                memcpy(o, s, (size_t)(at - s));
                o += at - s;
                strcpy(o, host);
                o += strlen(host);
                s = at + 8;
        }
        strcpy(o, s);
        return out;
}

/* Abort unless nothing was removed, stopped or killed: berth acts on the
 * list it read, never on an answer it could not read. */
static void nothing_removed(struct rig *r)
{
        char *log = fake_engine_log(r->fe);

        ck_assert_msg(fake_engine_count(r->fe, "DELETE", "*") == 0 &&
                          fake_engine_count(r->fe, "POST", "*/stop*") == 0 &&
                          fake_engine_count(r->fe, "POST", "*/kill*") == 0,
                      "berth removed or stopped something; it asked the engine:\n%s", log);
        free(log);
}

/* Abort unless every request was a GET. */
static void only_reads(struct rig *r)
{
        char *log = fake_engine_log(r->fe);

        ck_assert_msg(fake_engine_count(r->fe, "GET", "*") == fake_engine_requests(r->fe),
                      "berth changed something; it asked the engine:\n%s", log);
        free(log);
}

/* berth argv started with stdout and stderr in files, its scope lock in
 * lock_dir. */
static pid_t spawn(const char *const argv[], const char *lock_dir, const char *out_path,
                   const char *err_path)
{
        setenv("BERTH_LOCK_DIR", lock_dir, 1);
        return bt_spawn(out_path, err_path, argv);
}

/* ---- answers berth cannot plan with -------------------------------------- */

/* One fault: berth `cmd` against the healthy engine with `faults` first
 * (refusals: it cannot plan; failures: an operation fails). */
struct fault {
        const char *cmd;
        const char *manifest; /* NULL: shop */
        struct fake_route faults[3];
        int status;
        const char *err;    /* stderr exactly; @ENGINE@: the engine's address */
        const char *out[4]; /* lines stdout must have (NULL-terminated) */
        /* how many requests, all of them GET; 0: not checked.  The ping,
         * then the four lists at once (observe.h): a list that fails
         * does not keep the others from being read. */
        unsigned reads;
        const char *removes; /* the one DELETE berth makes (a pattern), or NULL: none */
};

static const struct fault refusals[] = {
    /* 0: 500 on the container list */
    {.cmd = "plan",
     .faults = {{.method = "GET", .path = LIST, .status = 500, .body = MSG("boom")}},
     .status = 1,
     .err = "berth: cannot list the containers of scope 'faults': boom\n",
     .reads = 5},
    /* 1: the same for apply: nothing changed */
    {.cmd = "apply",
     .faults = {{.method = "GET", .path = LIST, .status = 500, .body = MSG("boom")}},
     .status = 1,
     .err = "berth: cannot list the containers of scope 'faults': boom\n",
     .reads = 5},
    /* 2: the list cut short (a promised length not sent) */
    {.cmd = "plan",
     .faults = {{.method = "GET",
                 .path = LIST,
                 .status = 200,
                 .body = "[{\"Id\":\"abc\"}]",
                 .truncate_at = 5}},
     .status = 1,
     .err = "berth: cannot list the containers of scope 'faults': the Docker engine at @ENGINE@ "
            "closed the connection: transfer closed with 9 bytes remaining to read\n",
     .reads = 5},
    /* 3: not JSON (a proxy's error page) */
    {.cmd = "apply",
     .faults =
         {{.method = "GET", .path = LIST, .status = 200, .body = "<html><body>502</body></html>"}},
     .status = 1,
     .err = "berth: cannot list the containers of scope 'faults': the engine's answer is not valid "
            "JSON: '[' or '{' expected near '<' (line 1 column 1)\n",
     .reads = 5},
    /* 4: JSON of the wrong shape: an object where an array belongs */
    {.cmd = "apply",
     .faults = {{.method = "GET", .path = LIST, .status = 200, .body = MSG("page not found")}},
     .status = 1,
     .err = "berth: cannot list the containers of scope 'faults': the engine's answer is not a "
            "JSON array\n",
     .reads = 5},
    /* 5: an empty 200 */
    {.cmd = "apply",
     .faults = {{.method = "GET", .path = LIST, .status = 200, .body = ""}},
     .status = 1,
     .err = "berth: cannot list the containers of scope 'faults': the engine's answer is not a "
            "JSON array\n",
     .reads = 5},
    /* 6: an entry without Names: the whole list is refused, not the rest
     * acted on */
    {.cmd = "apply",
     .faults = {{.method = "GET",
                 .path = LIST,
                 .status = 200,
                 .body = "[{\"Id\":\"c1\",\"Labels\":{\"berth.scope\":\"faults\"}}]"}},
     .status = 1,
     .err = "berth: cannot read the container list: entry 0 has no Names\n",
     .reads = 5},
    /* 7: Labels as a list of "k=v" instead of an object */
    {.cmd = "apply",
     .faults =
         {{.method = "GET",
           .path = LIST,
           .status = 200,
           .body =
               "[{\"Id\":\"c1\",\"Names\":[\"/shop-db-1\"],\"Labels\":[\"berth.scope=faults\"]}]"}},
     .status = 1,
     .err =
         "berth: cannot read the container list: entry 0 ('shop-db-1'): Labels is not an object\n",
     .reads = 5},
    /* 8: an entry with no Id */
    {.cmd = "apply",
     .faults = {{.method = "GET",
                 .path = LIST,
                 .status = 200,
                 .body = "[{\"Names\":[\"/shop-db-1\"],\"Labels\":{\"berth.scope\":\"faults\"}}]"}},
     .status = 1,
     .err = "berth: cannot read the container list: entry 0 ('shop-db-1') has no Id\n",
     .reads = 5},
    /* 9: 500 on the network list */
    {.cmd = "apply",
     .faults = {{.method = "GET",
                 .path = "/networks",
                 .status = 500,
                 .body = MSG("network controller unavailable")}},
     .status = 1,
     .err = "berth: cannot list networks: network controller unavailable\n",
     .reads = 5},
    /* 10: the volume list cut short */
    {.cmd = "apply",
     .faults =
         {{.method = "GET", .path = "/volumes", .status = 200, .body = VOLUMES, .truncate_at = 3}},
     .status = 1,
     .err = "berth: cannot list volumes: the Docker engine at @ENGINE@ closed the connection: "
            "transfer closed with 11 bytes remaining to read\n",
     .reads = 5},
    /* 11: the image list not JSON */
    {.cmd = "apply",
     .faults = {{.method = "GET", .path = "/images/json", .status = 200, .body = "<html>"}},
     .status = 1,
     .err = "berth: cannot list images: the engine's answer is not valid JSON: '[' or '{' expected "
            "near '<' (line 1 column 1)\n",
     .reads = 5},
    /* 12: status and down read the same lists */
    {.cmd = "status",
     .faults = {{.method = "GET", .path = LIST, .status = 500, .body = MSG("boom")}},
     .status = 1,
     .err = "berth: cannot list the containers of scope 'faults': boom\n",
     .reads = 5},
    /* 13: down refuses to act on a list it cannot read */
    {.cmd = "down",
     .faults = {{.method = "GET", .path = LIST, .status = 200, .body = "[{\"Id\":\"c1\"}]"}},
     .status = 1,
     .err = "berth: cannot read the container list: entry 0 has no Names\n",
     .reads = 5},
    /* 14: the engine closes the connection without a word */
    {.cmd = "plan",
     .faults = {{.method = "GET", .path = LIST, .close = 1}},
     .status = 1,
     .err = "berth: cannot list the containers of scope 'faults': the Docker engine at @ENGINE@ "
            "closed the connection: Empty reply from server\n",
     .reads = 5},
    /* 15: a ping that fails */
    {.cmd = "plan",
     .faults =
         {{.method = "GET", .path = "/_ping", .status = 500, .body = "Internal Server Error"}},
     .status = 1,
     .err = "berth: GET /_ping failed: Internal Server Error\n",
     .reads = 1},
    /* 16: a ping that names no API version (an HTTP server that is not
     * an engine) */
    {.cmd = "plan",
     .faults =
         {{.method = "GET", .path = "/_ping", .status = 200, .body = "<html>", .api_version = ""}},
     .status = 1,
     .err = "berth: the Docker engine at @ENGINE@ did not say its API version; berth needs API "
            "1.30 or newer\n",
     .reads = 1},
    /* 17: an engine too old (the client's side: test_client.c's
     * refuses_too_old_engines): refused before any other call */
    {.cmd = "apply",
     .faults =
         {{.method = "GET", .path = "/_ping", .status = 200, .body = "OK", .api_version = "1.24"}},
     .status = 1,
     .err = "berth: the Docker engine at @ENGINE@ speaks API 1.24; berth needs 1.30 or newer "
            "(upgrade docker)\n",
     .reads = 1},
    /* 18: two lists fail: the container list's error is the one told,
     * whichever answer came first */
    {.cmd = "plan",
     .faults = {{.method = "GET", .path = "/networks", .status = 500, .body = MSG("nets down")},
                {.method = "GET", .path = LIST, .status = 500, .body = MSG("boom")}},
     .status = 1,
     .err = "berth: cannot list the containers of scope 'faults': boom\n",
     .reads = 5},
};

/* berth f->cmd against the fault; everything f says it must show. */
static void fault_check(const struct fault *f)
{
        const char *argv[10];
        struct rig r;
        char *out = NULL, *err = NULL, *want;
        double t0;
        int status;
        size_t n = 0, i;

        while (n < 3 && f->faults[n].path)
                n++;
        rig_start(&r, f->manifest ? f->manifest : shop, f->faults, n, 0);
        berth_argv(argv, &r, f->cmd);
        t0 = bt_now_s();
        status = bt_run(&out, &err, argv);
        t0 = bt_now_s() - t0;
        want = with_engine(f->err, &r);
        ck_assert_msg(status == f->status, "berth %s exited %d, not %d\nstdout:\n%s\nstderr:\n%s",
                      f->cmd, status, f->status, out, err);
        ck_assert_str_eq(err, want);
        for (i = 0; i < 4 && f->out[i]; i++) {
                char *line = with_engine(f->out[i], &r);

                ck_assert_msg(strstr(out, line), "stdout lacks '%s':\n%s", line, out);
                free(line);
        }
        ck_assert_msg(t0 < QUICK_S, "berth %s took %.1f s", f->cmd, t0);
        if (f->reads) {
                only_reads(&r);
                ck_assert_uint_eq(fake_engine_requests(r.fe), f->reads);
        }
        if (f->removes) {
                ck_assert_uint_eq(fake_engine_count(r.fe, "DELETE", "*"), 1);
                ck_assert_uint_eq(fake_engine_count(r.fe, "DELETE", f->removes), 1);
        } else {
                nothing_removed(&r);
        }
        free(want);
        free(out);
        free(err);
        rig_stop(&r);
}

START_TEST(refused_with_a_clear_message)
{
        fault_check(&refusals[_i]);
}
END_TEST

/* ---- operations that fail ------------------------------------------------- */

#define APPLY_FAILED_DB "Apply failed: 2 succeeded, 1 failed, 1 skipped.\n"
#define IN_USE                                                                                     \
        MSG("Conflict. The container name \\\"/shop-db-1\\\" is already in use by container "      \
            "\\\"0123456789abcdef\\\". You have to remove (or rename) that container to be able "  \
            "to reuse that name.")

static const struct fault failures[] = {
    /* 0: 409 on create: the name is held by a container berth does not own */
    {.cmd = "apply",
     .faults = {{.method = "POST",
                 .path = "/containers/create?name=shop-db-1",
                 .status = 409,
                 .body = IN_USE}},
     .status = 1,
     .err = "",
     .out = {"shop-db-1: failed: cannot create container 'shop-db-1': the name 'shop-db-1' is "
             "already in use by container 0123456789ab, which is not berth's in scope 'faults' "
             "(remove or rename that container, or give the service another container_name)\n",
             "shop-web-1: skipped: 'shop-db-1' failed\n", "shop-cache-1: created and started",
             APPLY_FAILED_DB}},
    /* 1: 500 on start */
    {.cmd = "apply",
     .faults = {{.method = "POST",
                 .path = "/containers/shop-db-1/start",
                 .status = 500,
                 .body = MSG("driver failed programming external connectivity")}},
     .status = 1,
     .err = "",
     .out = {"shop-db-1: failed: cannot start container 'shop-db-1': driver failed programming "
             "external connectivity\n",
             "shop-web-1: skipped: 'shop-db-1' failed\n", "shop-cache-1: created and started",
             APPLY_FAILED_DB}},
    /* 2: 404 on start: created, then gone */
    {.cmd = "apply",
     .faults = {{.method = "POST",
                 .path = "/containers/shop-db-1/start",
                 .status = 404,
                 .body = MSG("No such container: shop-db-1")}},
     .status = 1,
     .err = "",
     .out = {"shop-db-1: failed: cannot start container 'shop-db-1': no such container\n",
             "shop-web-1: skipped: 'shop-db-1' failed\n", APPLY_FAILED_DB}},
    /* 3: 500 on create, in plain text */
    {.cmd = "apply",
     .faults = {{.method = "POST",
                 .path = "/containers/create?name=shop-db-1",
                 .status = 500,
                 .body = "mkdir /var/lib/docker/overlay2/x: no space left on device\n"}},
     .status = 1,
     .err = "",
     .out = {"shop-db-1: failed: cannot create container 'shop-db-1': mkdir "
             "/var/lib/docker/overlay2/x: no space left on device\n",
             "shop-web-1: skipped: 'shop-db-1' failed\n", APPLY_FAILED_DB}},
    /* 4: 201 on create with no Id in the answer */
    {.cmd = "apply",
     .faults = {{.method = "POST",
                 .path = "/containers/create?name=shop-db-1",
                 .status = 201,
                 .body = "{\"Warnings\":[]}"}},
     .status = 1,
     .err = "",
     .out =
         {"shop-db-1: failed: cannot create container 'shop-db-1': the engine's answer has no Id\n",
          "shop-web-1: skipped: 'shop-db-1' failed\n", APPLY_FAILED_DB}},
    /* 5: 409 on the network: one of that name exists and is not ours */
    {.cmd = "apply",
     .faults = {{.method = "POST",
                 .path = "/networks/create",
                 .status = 409,
                 .body = MSG("network with name shop_default already exists")}},
     .status = 1,
     .err = "",
     .out = {"network shop_default: failed: network 'shop_default' exists but is not berth's "
             "(scope 'faults'): remove or rename it, or declare it external\n",
             "shop-cache-1: skipped: 'shop_default' failed\n",
             "Apply failed: 1 failed, 3 skipped.\n"}},
    /* 6: the dependency's inspect cut short: the gate fails, web with it */
    {.cmd = "apply",
     .manifest = shop_healthy,
     .faults = {{.method = "GET",
                 .path = "/containers/shop-db-1/json",
                 .status = 200,
                 .body = INSPECT_RUNNING,
                 .truncate_at = 20}},
     .status = 1,
     .err = "",
     .out = {"shop-web-1: failed: cannot inspect container 'shop-db-1': the Docker engine at "
             "@ENGINE@ closed the connection: transfer closed with 94 bytes remaining to read\n",
             "Apply failed: 3 succeeded, 1 failed.\n"}},
    /* 7: the dependency gone by the time web waits for it */
    {.cmd = "apply",
     .manifest = shop_healthy,
     .faults = {{.method = "GET",
                 .path = "/containers/shop-db-1/json",
                 .status = 404,
                 .body = MSG("No such container: shop-db-1")}},
     .status = 1,
     .err = "",
     .out = {"shop-web-1: failed: dependency 'db': container 'shop-db-1' does not exist\n",
             "Apply failed: 3 succeeded, 1 failed.\n"}},
    /* 8: a pull stream with an error in the middle */
    {
        .cmd = "apply",
        .manifest = pulls,
        .faults =
            {NO_OTHER_IMAGE,
             {.method = "POST",
              .path = "/images/create*",
              .status =
                  200,
              .chunks_ms = 10,
              .body = PULL_BEGINS
              "{\"errorDetail\":{\"message\":\"unexpected EOF\"},\"error\":\"unexpected EOF\"}\n"}},
        .status = 1,
        .err = "",
        .out = {"image fake/other:1: failed: cannot pull image 'fake/other:1': unexpected EOF\n",
                "shop-job-1: skipped: 'fake/other:1' failed\n",
                "shop-web-1: skipped: 'fake/other:1' failed\n",
                "Apply failed: 2 succeeded, 1 failed, 2 skipped.\n"}},
    /* 9: a pull stream cut in the middle (no last chunk) */
    {.cmd = "apply",
     .manifest = pulls,
     .faults = {NO_OTHER_IMAGE,
                {.method = "POST",
                 .path = "/images/create*",
                 .status = 200,
                 .chunks_ms = 10,
                 .drop = 1,
                 .body = PULL_BEGINS}},
     .status = 1,
     .err = "",
     .out =
         {"image fake/other:1: failed: cannot pull image 'fake/other:1': the Docker engine at "
          "@ENGINE@ closed the connection: transfer closed with outstanding read data remaining\n",
          "shop-job-1: skipped: 'fake/other:1' failed\n",
          "Apply failed: 2 succeeded, 1 failed, 2 skipped.\n"}},
    /* 10: a pull stream with a line that is not JSON */
    {.cmd = "apply",
     .manifest = pulls,
     .faults = {NO_OTHER_IMAGE,
                {.method = "POST",
                 .path = "/images/create*",
                 .status = 200,
                 .chunks_ms = 10,
                 .body = PULL_BEGINS "<html>502 Bad Gateway</html>\n"}},
     .status = 1,
     .err = "",
     .out = {"image fake/other:1: failed: cannot pull image 'fake/other:1': the engine sent a "
             "stream line that is not JSON: '[' or '{' expected near '<'\n",
             "shop-job-1: skipped: 'fake/other:1' failed\n",
             "Apply failed: 2 succeeded, 1 failed, 2 skipped.\n"}},
    /* 11: the image's inspect (pull_policy missing) cut short */
    {.cmd = "apply",
     .manifest = pulls,
     .faults = {{.method = "GET",
                 .path = "/images/fake/other:1/json",
                 .status = 200,
                 .body = "{\"Id\":\"" IMAGE_ID "\"}",
                 .truncate_at = 4}},
     .status = 1,
     .err = "",
     .out = {"image fake/other:1: failed: cannot inspect image 'fake/other:1': the Docker engine "
             "at @ENGINE@ closed the connection: transfer closed with 76 bytes remaining to read\n",
             "Apply failed: 2 succeeded, 1 failed, 2 skipped.\n"}},
    /* 12: the list ignores the scope filter: containers of another scope,
     * and one without labels, named as ours would be, are never touched
     * (observe's second lock); creating ours then meets the name */
    {.cmd = "apply",
     .faults = {{.method = "GET", .path = LIST, .status = 200, .body = FOREIGN},
                {.method = "POST",
                 .path = "/containers/create?name=shop-db-1",
                 .status = 409,
                 .body = IN_USE}},
     .status = 1,
     .err = "",
     .out = {"shop-db-1: failed: cannot create container 'shop-db-1': the name 'shop-db-1' is "
             "already in use by container 0123456789ab, which is not berth's in scope 'faults' "
             "(remove or rename that container, or give the service another container_name)\n",
             APPLY_FAILED_DB}},
    /* 13: an orphan whose removal fails: reported, the rest goes on */
    {.cmd = "apply",
     .faults = {{.method = "GET", .path = LIST, .status = 200, .body = ORPHAN},
                {.method = "DELETE",
                 .path = "/containers/c-old*",
                 .status = 500,
                 .body = MSG("driver \\\"overlay2\\\" failed to remove root filesystem: device or "
                             "resource busy")}},
     .status = 1,
     .err = "",
     .out = {"shop-old-1: failed: cannot remove container 'c-old': driver \"overlay2\" failed to "
             "remove root filesystem: device or resource busy\n",
             "Apply failed: 4 succeeded, 1 failed.\n"},
     .removes = "/containers/c-old?*"},
};

START_TEST(operation_fails_alone)
{
        fault_check(&failures[_i]);
}
END_TEST

/* ---- the stop timeout of a removal ----------------------------------------- */

/* An orphan whose labels end with `applied` (a berth.applied member, or
 * nothing). */
#define ORPHAN_APPLIED(applied)                                                                    \
        "[{\"Id\":\"c-old\",\"Names\":[\"/shop-old-1\"],\"Image\":\"fake/app:1\","                 \
        "\"ImageID\":\"" IMAGE_ID "\",\"State\":\"running\",\"Status\":\"Up 2 hours\","            \
        "\"Labels\":{\"" BERTH_LABEL_SCOPE "\":\"" SCOPE "\",\"" BERTH_LABEL_PROJECT               \
        "\":\"shop\",\"" BERTH_LABEL_SERVICE "\":\"old\",\"" BERTH_LABEL_REPLICA                   \
        "\":\"1\"" applied "}}]"

static const struct {
        const char *list; /* the container list */
        const char *stop; /* the stop berth must send */
        unsigned inspects;
} stop_timeouts[] = {
    /* 2.5 s: rounded up, as the create did */
    {ORPHAN_APPLIED(",\"" BERTH_LABEL_APPLIED "\":\"{\\\"stop_grace_period\\\":2500000000}\""),
     "/containers/c-old/stop?t=3", 0},
    /* unset: the engine's default */
    {ORPHAN_APPLIED(",\"" BERTH_LABEL_APPLIED "\":\"{\\\"stop_grace_period\\\":null}\""),
     "/containers/c-old/stop?t=10", 0},
    /* no label (made by an older berth): the container says */
    {ORPHAN_APPLIED(""), "/containers/c-old/stop?t=10", 1},
    /* a label that is not JSON: the container says */
    {ORPHAN_APPLIED(",\"" BERTH_LABEL_APPLIED "\":\"{\""), "/containers/c-old/stop?t=10", 1},
};

/* A removal stops with the container's own timeout, read from its
 * berth.applied label: one inspect per removal fewer. */
START_TEST(stop_timeout_from_the_label)
{
        const struct fake_route list = {
            .method = "GET", .path = LIST, .status = 200, .body = stop_timeouts[_i].list};
        const char *argv[10];
        char *out = NULL, *err = NULL, *log;
        struct rig r;
        int status;

        rig_start(&r, shop, &list, 1, 0);
        berth_argv(argv, &r, "apply");
        status = bt_run(&out, &err, argv);
        log = fake_engine_log(r.fe);
        ck_assert_msg(status == 0, "berth apply exited %d\nstdout:\n%s\nstderr:\n%s", status, out,
                      err);
        ck_assert_msg(fake_engine_count(r.fe, "POST", stop_timeouts[_i].stop) == 1 &&
                          fake_engine_count(r.fe, "POST", "*/stop*") == 1,
                      "no single %s; berth asked:\n%s", stop_timeouts[_i].stop, log);
        ck_assert_msg(fake_engine_count(r.fe, "GET", "/containers/c-old/json*") ==
                          stop_timeouts[_i].inspects,
                      "not %u inspect of c-old; berth asked:\n%s", stop_timeouts[_i].inspects, log);
        ck_assert_uint_eq(fake_engine_count(r.fe, "DELETE", "/containers/c-old?*"), 1);
        free(log);
        free(out);
        free(err);
        rig_stop(&r);
}
END_TEST

/* ---- the order of a plan's operations ------------------------------------ */

/* With one worker, the ready operation heading the longest chain goes
 * first: db (api and web wait for it) before a, which comes first in the
 * plan (by name) but nothing waits for; then api; then a and web, in plan
 * order. */
START_TEST(longest_chain_first)
{
        static const char chain[] = "name: shop\n"
                                    "services:\n"
                                    "  a:\n"
                                    "    image: fake/app:1\n"
                                    "  web:\n"
                                    "    image: fake/app:1\n"
                                    "    depends_on: [api]\n"
                                    "  api:\n"
                                    "    image: fake/app:1\n"
                                    "    depends_on: [db]\n"
                                    "  db:\n"
                                    "    image: fake/app:1\n";
        const char *argv[12];
        char *out = NULL, *err = NULL, *log;
        const char *at,
            *want[] = {"POST /networks/create", "POST /containers/create?name=shop-db-1",
                       "POST /containers/create?name=shop-api-1",
                       "POST /containers/create?name=shop-a-1",
                       "POST /containers/create?name=shop-web-1"};
        struct rig r;
        size_t i;
        int status;

        rig_start(&r, chain, NULL, 0, 0);
        berth_argv_one_worker(argv, &r, "apply");
        status = bt_run(&out, &err, argv);
        log = fake_engine_log(r.fe);
        ck_assert_msg(status == 0, "berth apply exited %d\nstdout:\n%s\nstderr:\n%s", status, out,
                      err);
        for (at = log, i = 0; i < sizeof(want) / sizeof(want[0]); i++) {
                at = strstr(at, want[i]);
                ck_assert_msg(at, "'%s' is not next; berth asked:\n%s", want[i], log);
        }
        /* every gate is service_started on a container this run started */
        ck_assert_msg(fake_engine_count(r.fe, "GET", "/containers/*/json") == 0,
                      "a gate asked the engine; berth asked:\n%s", log);
        free(log);
        free(out);
        free(err);
        rig_stop(&r);
}
END_TEST

/* ---- the engine goes mid-apply -------------------------------------------- */

/* The engine goes after the network is made.  The next operation (db, the
 * longest chain, with one worker) fails saying so; web, which waits for
 * db, is skipped; and cache is not started at all, rather than failing
 * the same way: no operation starts once one could not reach the engine.
 * Exit 1, and nothing asked after the network. */
START_TEST(engine_gone_mid_apply)
{
        const struct fake_route gone = {.method = "POST",
                                        .path = "/networks/create",
                                        .status = 201,
                                        .body = "{\"Id\":\"n-shop\"}",
                                        .gone = 1};
        static const char *const want[] = {
            "shop-db-1: failed: cannot create container 'shop-db-1': the Docker engine is not "
            "running: no socket at @ENGINE@ (start dockerd, or point DOCKER_HOST or -H at the "
            "engine)\n",
            "shop-web-1: skipped: 'shop-db-1' failed\n",
            "shop-cache-1: not started: the Docker engine stopped answering\n",
            "Apply failed: 1 succeeded, 1 failed, 1 skipped, 1 not started (the Docker engine "
            "stopped answering).\n"};
        const char *argv[12];
        char *out = NULL, *err = NULL, *log, *line;
        const char *at;
        struct rig r;
        size_t i;
        int status;

        rig_start(&r, shop, &gone, 1, 0);
        berth_argv_one_worker(argv, &r, "apply");
        status = bt_run(&out, &err, argv);
        log = fake_engine_log(r.fe);
        ck_assert_msg(status == 1, "berth apply exited %d\nstdout:\n%s\nstderr:\n%s", status, out,
                      err);
        for (i = 0; i < sizeof(want) / sizeof(want[0]); i++) {
                line = with_engine(want[i], &r);
                ck_assert_msg(strstr(out, line), "stdout lacks '%s':\n%s", line, out);
                free(line);
        }
        ck_assert_str_eq(err, "");
        at = strstr(log, "POST /networks/create\n");
        ck_assert_msg(at && !at[strlen("POST /networks/create\n")],
                      "berth asked after the engine went:\n%s", log);
        free(log);
        free(out);
        free(err);
        rig_stop(&r);
}
END_TEST

/* ---- berth watch and the engine's events ---------------------------------- */

/* One service, running as declared (rig_start(..., synced)). */
static const char one[] = "name: shop\n"
                          "services:\n"
                          "  web:\n"
                          "    image: fake/app:1\n";

#define DIE_EVENT                                                                                  \
        "{\"status\":\"die\",\"id\":\"c-web\",\"from\":\"fake/app:1\",\"Type\":\"container\","     \
        "\"Action\":\"die\",\"Actor\":{\"ID\":\"c-web\",\"Attributes\":{\"" BERTH_LABEL_PROJECT    \
        "\":\"shop\",\"" BERTH_LABEL_SCOPE "\":\"" SCOPE "\",\"exitCode\":\"137\",\"image\":"      \
        "\"fake/app:1\",\"name\":\"shop-web-1\"}},\"scope\":\"local\",\"time\":1700000000,"        \
        "\"timeNano\":1700000000000000000}\n"
#define DIE_LOGGED                                                                                 \
        "\"msg\":\"engine event\",\"action\":\"die\",\"container\":\"shop-web-1\",\"project\":"    \
        "\"shop\"}"
/* The start of the log line of a lost events stream. */
#define LOST "\"msg\":\"engine events stream lost\","
/* The log line of a reconcile with nothing to do. */
#define NOTHING_TO_DO "\",\"changes\":\"0\",\"done\":\"0\",\"failed\":\"0\",\"skipped\":\"0\""

/* berth watch against r, its JSON log in r->tmp/watch.log. */
static pid_t watch_spawn(struct rig *r, char *log_path, size_t size)
{
        const char *argv[] = {
            BERTH_BINARY, "-H", fake_engine_host(r->fe), "watch", "-f", r->dir, "--scope", SCOPE,
            "--debounce", "50", "--log-format",          "json",  NULL};
        char out[PATH_MAX + 16];

        snprintf(log_path, size, "%s/watch.log", r->tmp);
        snprintf(out, sizeof(out), "%s/watch.out", r->tmp);
        return spawn(argv, r->tmp, out, log_path);
}

/* Wait up to timeout_s for part to be in the file; its text (free() it),
 * or abort showing what is there. */
static char *log_wait(const char *path, const char *part, double timeout_s)
{
        double end = bt_now_s() + timeout_s;
        char *text;

        for (;;) {
                text = bt_file_read(path);
                if (strstr(text, part))
                        return text;
                if (bt_now_s() >= end)
                        ck_abort_msg("no '%s' in the log within %.0f s:\n%s", part, timeout_s,
                                     text);
                free(text);
                bt_sleep_ms(50);
        }
}

/* SIGTERM: watch must exit 0 within timeout_s, saying so. */
static void watch_stop(pid_t pid, const char *log_path, double timeout_s)
{
        double end = bt_now_s() + timeout_s;
        int status = -1;
        char *text;

        kill(pid, SIGTERM);
        while (waitpid(pid, &status, WNOHANG) != pid) {
                if (bt_now_s() >= end) {
                        kill(pid, SIGKILL);
                        waitpid(pid, &status, 0);
                        ck_abort_msg("berth watch did not stop within %.0f s of SIGTERM:\n%s",
                                     timeout_s, bt_file_read(log_path));
                }
                bt_sleep_ms(50);
        }
        text = bt_file_read(log_path);
        ck_assert_msg(WIFEXITED(status) && WEXITSTATUS(status) == 0,
                      "berth watch ended with status %#x:\n%s", status, text);
        bt_contains(text, "\"msg\":\"stopping (signal)\"}");
        free(text);
}

/* A stop signal while the engine does not answer a read: watch stops
 * within QUICK_S, not at the call's timeout (TIMEOUT_S).  The events
 * request at start, and the container list of the first reconcile. */
static const struct {
        struct fake_route route;
        const char *asked; /* its request, as fake_engine_count() matches it */
} stop_hangs[] = {
    {{.method = "GET", .path = "/events*", .hang = 1}, "/events*"},
    {{.method = "GET", .path = LIST, .hang = 1}, LIST "*"},
};

START_TEST(stop_ends_a_read_that_hangs)
{
        char wlog[PATH_MAX + 16];
        double end = bt_now_s() + QUICK_S;
        struct rig r;
        pid_t pid;

        rig_start(&r, one, &stop_hangs[_i].route, 1, 1);
        pid = watch_spawn(&r, wlog, sizeof(wlog));
        while (!fake_engine_count(r.fe, "GET", stop_hangs[_i].asked)) {
                ck_assert_msg(bt_now_s() < end, "watch did not ask %s within %d s",
                              stop_hangs[_i].asked, QUICK_S);
                bt_sleep_ms(20);
        }
        bt_sleep_ms(300); /* it waits for the answer */
        watch_stop(pid, wlog, QUICK_S);
        only_reads(&r);
        rig_stop(&r);
}
END_TEST

/* The first answer to GET /events is a fault, the next ones a quiet
 * stream: watch logs the loss, reconnects after 1 s, and reconciles in
 * case it missed something. */
struct events_fault {
        struct fake_route first;
        const char *before; /* what the log has from before the fault, or NULL */
        const char *lost;   /* the lost stream's log line, from its error on */
};

#define EVENTS(...)                                                                                \
        {                                                                                          \
                .method = "GET", .path = "/events*", .times = 1, __VA_ARGS__                       \
        }

static const struct events_fault events_faults[] = {
    /* 0: the engine ends the stream (its last chunk) after an event */
    {EVENTS(.status = 200, .chunks_ms = 10, .body = DIE_EVENT), DIE_LOGGED,
     "\"error\":\"the engine ended the stream\",\"reconnect_in\":\"1.0\"}"},
    /* 1: the connection drops after an event (no last chunk) */
    {EVENTS(.status = 200, .chunks_ms = 10, .drop = 1, .body = DIE_EVENT), DIE_LOGGED,
     "\"error\":\"the engine ended the stream\",\"reconnect_in\":\"1.0\"}"},
    /* 2: it drops in the middle of an event */
    {EVENTS(.status = 200, .chunks_ms = 10, .drop = 1, .body = "{\"status\":\"die\",\"id\":"), NULL,
     "\"error\":\"the engine ended the stream\",\"reconnect_in\":\"1.0\"}"},
    /* 3: a 500 */
    {EVENTS(.status = 500, .body = MSG("events are unavailable")), NULL,
     "\"error\":\"cannot stream events: events are unavailable\",\"reconnect_in\":\"1.0\"}"},
    /* 4: a line that is not JSON */
    {EVENTS(.status = 200, .chunks_ms = 10, .body = "not json\n"), NULL,
     "\"error\":\"cannot stream events: the engine sent a stream line that is not JSON: '[' or '{' "
     "expected near 'not'\",\"reconnect_in\":\"1.0\"}"},
    /* 5: JSON that is not an event */
    {EVENTS(.status = 200, .chunks_ms = 10, .body = "{\"hello\":\"world\"}\n"), NULL,
     "\"error\":\"cannot decode event: no Type\",\"reconnect_in\":\"1.0\"}"},
    /* 6: the connection closed without an answer */
    {EVENTS(.close = 1), NULL,
     "\"error\":\"cannot stream events: the engine closed the connection before "
     "answering\",\"reconnect_in\":\"1.0\"}"},
};

START_TEST(events_fault_is_survived)
{
        const struct events_fault *f = &events_faults[_i];
        char log_path[PATH_MAX + 16], *text, *lost;
        struct rig r;
        pid_t pid;

        rig_start(&r, one, &f->first, 1, 1);
        pid = watch_spawn(&r, log_path, sizeof(log_path));
        free(log_wait(log_path, "\"msg\":\"engine events stream back\"", 30));
        text = log_wait(log_path, "reconnect" NOTHING_TO_DO, 30);
        lost = strstr(text, LOST);
        ck_assert_msg(lost != NULL, "no lost stream in the log:\n%s", text);
        if (f->lost)
                ck_assert_msg(!strncmp(lost + strlen(LOST), f->lost, strlen(f->lost)),
                              "the lost stream's line is not\n%s\nin\n%s", f->lost, text);
        if (f->before)
                bt_contains(text, f->before);
        free(text);
        watch_stop(pid, log_path, 15);
        ck_assert_uint_eq(fake_engine_count(r.fe, "GET", "/events*"), 2);
        only_reads(&r);
        rig_stop(&r);
}
END_TEST

/* A reconcile that could not read the engine is retried soon, not at the
 * next resync (5 min by default): the engine had a bad moment. */
START_TEST(watch_retries_a_failed_read)
{
        static const struct fake_route once[] = {
            {.method = "GET", .path = LIST, .status = 500, .body = MSG("boom"), .times = 1}};
        char log_path[PATH_MAX + 16], *text, *line;
        struct rig r;
        pid_t pid;

        rig_start(&r, one, once, 1, 1);
        pid = watch_spawn(&r, log_path, sizeof(log_path));
        text = log_wait(log_path, "\"msg\":\"reconcile\",\"trigger\":\"retry", 30);
        line = strstr(text, "\"msg\":\"reconcile\",\"trigger\":\"retry");
        ck_assert_msg(strstr(line, NOTHING_TO_DO) &&
                          strstr(line, NOTHING_TO_DO) < strchr(line, '\n'),
                      "the retry did not find everything in order:\n%s", text);
        bt_contains(text, "\"msg\":\"cannot plan\",\"trigger\":\"start\",\"error\":\"cannot "
                          "list the containers of scope 'faults': boom\"}");
        free(text);
        watch_stop(pid, log_path, 15);
        ck_assert_uint_eq(fake_engine_count(r.fe, "GET", LIST "*"), 2);
        only_reads(&r);
        rig_stop(&r);
}
END_TEST

/* ---- answers that never come --------------------------------------------- */

/* One hang: berth `cmd` where one answer never comes (or a stream goes
 * silent).  It must end at `timeout_s` (not before, not much later) with
 * exit 1 and say so. */
struct hang {
        const char *cmd;
        const char *manifest; /* NULL: shop */
        struct fake_route faults[3];
        int timeout_s;
        /* fnmatch(3) patterns of stderr and stdout (NULL: not checked);
         * @ENGINE@: the engine's address */
        const char *err, *out;
        int stops; /* a stop berth meant to make (that hangs, or is fine) */
};

#define TIMED_OUT                                                                                  \
        "did not answer in time (Operation timed out after * milliseconds with 0 bytes received)"
#define HANG(method_, path_)                                                                       \
        {                                                                                          \
                .method = method_, .path = path_, .hang = 1                                        \
        }

static const struct hang hangs[] = {
    /* 0: the ping */
    {.cmd = "plan",
     .faults = {HANG("GET", "/_ping")},
     .timeout_s = TIMEOUT_S,
     .err = "berth: the Docker engine at @ENGINE@ " TIMED_OUT "\n"},
    /* 1: the container list */
    {.cmd = "plan",
     .faults = {HANG("GET", LIST)},
     .timeout_s = TIMEOUT_S,
     .err = "berth: cannot list the containers of scope 'faults': the Docker engine at "
            "@ENGINE@ " TIMED_OUT "\n"},
    /* 2: the image list, for status */
    {.cmd = "status",
     .faults = {HANG("GET", "/images/json")},
     .timeout_s = TIMEOUT_S,
     .err = "berth: cannot list images: the Docker engine at @ENGINE@ " TIMED_OUT "\n"},
    /* 3: a create */
    {.cmd = "apply",
     .faults = {HANG("POST", "/containers/create?name=shop-db-1")},
     .timeout_s = TIMEOUT_S,
     .err = "",
     .out = "*\nshop-db-1: failed: cannot create container 'shop-db-1': the Docker engine at "
            "@ENGINE@ " TIMED_OUT "\nshop-web-1: skipped: 'shop-db-1' failed\n*Apply failed: 2 "
            "succeeded, 1 failed, 1 skipped.\n"},
    /* 4: a start */
    {.cmd = "apply",
     .faults = {HANG("POST", "/containers/shop-db-1/start")},
     .timeout_s = TIMEOUT_S,
     .err = "",
     .out = "*\nshop-db-1: failed: cannot start container 'shop-db-1': the Docker engine at "
            "@ENGINE@ " TIMED_OUT "\n*Apply failed: 2 succeeded, 1 failed, 1 skipped.\n"},
    /* 5: the inspect of a depends_on gate */
    {.cmd = "apply",
     .manifest = shop_healthy,
     .faults = {HANG("GET", "/containers/shop-db-1/json")},
     .timeout_s = TIMEOUT_S,
     .err = "",
     .out = "*\nshop-web-1: failed: cannot inspect container 'shop-db-1': the Docker engine at "
            "@ENGINE@ " TIMED_OUT "\n*Apply failed: 3 succeeded, 1 failed.\n"},
    /* 6: the network create: what needs it is skipped */
    {.cmd = "apply",
     .faults = {HANG("POST", "/networks/create")},
     .timeout_s = TIMEOUT_S,
     .err = "",
     .out = "*\nnetwork shop_default: failed: cannot create network 'shop_default': the Docker "
            "engine at @ENGINE@ " TIMED_OUT "\n*Apply failed: 1 failed, 3 skipped.\n"},
    /* 7: a pull that never answers */
    {.cmd = "apply",
     .manifest = pulls,
     .faults = {NO_OTHER_IMAGE, HANG("POST", "/images/create*")},
     .timeout_s = TIMEOUT_S,
     .err = "",
     .out = "*\nimage fake/other:1: failed: cannot pull image 'fake/other:1': the Docker engine at "
            "@ENGINE@ sent nothing for 60 s\n*Apply failed: 2 succeeded, 1 failed, 2 skipped.\n"},
    /* 8: a pull that goes silent in the middle */
    {.cmd = "apply",
     .manifest = pulls,
     .faults = {NO_OTHER_IMAGE,
                {.method = "POST",
                 .path = "/images/create*",
                 .status = 200,
                 .chunks_ms = 10,
                 .keep_open = 1,
                 .body = PULL_BEGINS}},
     .timeout_s = TIMEOUT_S,
     .err = "",
     .out = "*\nimage fake/other:1: failed: cannot pull image 'fake/other:1': the Docker engine at "
            "@ENGINE@ sent nothing for 60 s\n*Apply failed: 2 succeeded, 1 failed, 2 skipped.\n"},
    /* 9: the stop of an orphan: bounded by its stop timeout (the engine's
     * 10 s here) and the call's; never followed by its removal */
    {.cmd = "apply",
     .faults = {{.method = "GET", .path = LIST, .status = 200, .body = ORPHAN},
                HANG("POST", "/containers/c-old/stop*")},
     .timeout_s = TIMEOUT_S + 10,
     .err = "",
     .out = "*\nshop-old-1: failed: cannot stop container 'c-old': the Docker engine at @ENGINE@ "
            "did not answer in time (*)\n*Apply failed: 4 succeeded, 1 failed.\n",
     .stops = 1},
    /* 10: the removal of an orphan */
    {.cmd = "apply",
     .faults = {{.method = "GET", .path = LIST, .status = 200, .body = ORPHAN},
                HANG("DELETE", "/containers/c-old*")},
     .timeout_s = TIMEOUT_S,
     .err = "",
     .out = "*\nshop-old-1: failed: cannot remove container 'c-old': the Docker engine at "
            "@ENGINE@ " TIMED_OUT "\n*Apply failed: 4 succeeded, 1 failed.\n",
     .stops = 1},
};

struct hang_run {
        struct rig rig;
        char out_path[PATH_MAX + 16], err_path[PATH_MAX + 16];
        pid_t pid;
        int status;
        double seconds;
};

static void hang_check(const struct hang *h, struct hang_run *hr)
{
        char *out = bt_file_read(hr->out_path), *err = bt_file_read(hr->err_path), *want;
        const char *what = h->faults[0].hang ? h->faults[0].path : h->faults[1].path;

        ck_assert_msg(hr->status == 1,
                      "%s with %s hanging exited %d, not 1\nstdout:\n%s\nstderr:\n%s", h->cmd, what,
                      hr->status, out, err);
        ck_assert_msg(hr->seconds >= h->timeout_s - 1 && hr->seconds <= h->timeout_s + MARGIN_S,
                      "%s with %s hanging ended after %.1f s, not %d s", h->cmd, what, hr->seconds,
                      h->timeout_s);
        if (h->err) {
                want = with_engine(h->err, &hr->rig);
                ck_assert_msg(fnmatch(want, err, 0) == 0, "stderr\n%s\nis not\n%s", err, want);
                free(want);
        }
        if (h->out) {
                want = with_engine(h->out, &hr->rig);
                ck_assert_msg(fnmatch(want, out, 0) == 0, "stdout\n%s\nis not\n%s", out, want);
                free(want);
        }
        ck_assert_uint_eq(fake_engine_count(hr->rig.fe, "POST", "*/stop*"), (unsigned)h->stops);
        ck_assert_uint_eq(fake_engine_count(hr->rig.fe, "DELETE", "*"),
                          h->faults[1].hang && !strcmp(h->faults[1].method, "DELETE") ? 1 : 0);
        free(out);
        free(err);
}

/* Every hang at once (each takes a minute), each against an engine of its
 * own. */
START_TEST(hangs_end_at_the_timeout)
{
        enum { N = sizeof(hangs) / sizeof(hangs[0]) };
        static const struct fake_route events_hang[] = {
            {.method = "GET", .path = "/events*", .hang = 1, .times = 1}};
        struct hang_run runs[N];
        const char *argv[10];
        char wlog[PATH_MAX + 16], *text;
        double t0, deadline, lost_at = 0;
        size_t i, n, left = N;
        struct rig wr;
        int status;
        pid_t wpid;

        memset(runs, 0, sizeof(runs));
        for (i = 0; i < N; i++) {
                for (n = 0; n < 3 && hangs[i].faults[n].path; n++)
                        ;
                rig_start(&runs[i].rig, hangs[i].manifest ? hangs[i].manifest : shop,
                          hangs[i].faults, n, 0);
                strcat(strcpy(runs[i].out_path, runs[i].rig.tmp), "/out");
                strcat(strcpy(runs[i].err_path, runs[i].rig.tmp), "/err");
        }
        /* and berth watch, whose events request gets no answer */
        rig_start(&wr, one, events_hang, 1, 1);
        t0 = bt_now_s();
        for (i = 0; i < N; i++) {
                berth_argv(argv, &runs[i].rig, hangs[i].cmd);
                runs[i].pid = spawn(argv, runs[i].rig.tmp, runs[i].out_path, runs[i].err_path);
                runs[i].status = -1;
        }
        wpid = watch_spawn(&wr, wlog, sizeof(wlog));
        deadline = t0 + TIMEOUT_S + 10 + MARGIN_S + 10;
        while ((left || !lost_at) && bt_now_s() < deadline) {
                if (!lost_at) {
                        text = bt_file_read(wlog);
                        if (strstr(text, LOST))
                                lost_at = bt_now_s() - t0;
                        free(text);
                }
                for (i = 0; i < N; i++) {
                        if (runs[i].status >= 0 ||
                            waitpid(runs[i].pid, &status, WNOHANG) != runs[i].pid)
                                continue;
                        runs[i].seconds = bt_now_s() - t0;
                        runs[i].status =
                            WIFEXITED(status) ? WEXITSTATUS(status) : 128 + WTERMSIG(status);
                        left--;
                }
                bt_sleep_ms(100);
        }
        for (i = 0; i < N; i++) {
                if (runs[i].status < 0) {
                        kill(runs[i].pid, SIGKILL);
                        waitpid(runs[i].pid, NULL, 0);
                        runs[i].seconds = bt_now_s() - t0;
                }
        }
        for (i = 0; i < N; i++) {
                fprintf(stderr, "hang %zu (%s %s): exit %d after %.1f s\n", i, hangs[i].cmd,
                        hangs[i].faults[hangs[i].faults[0].hang ? 0 : 1].path, runs[i].status,
                        runs[i].seconds);
        }
        for (i = 0; i < N; i++)
                hang_check(&hangs[i], &runs[i]);
        for (i = 0; i < N; i++)
                rig_stop(&runs[i].rig);

        /* watch waited for the events' answer no longer than a call's
         * timeout, reconciled, and then followed the events again */
        fprintf(stderr, "watch: events stream lost after %.1f s\n", lost_at);
        ck_assert_msg(lost_at >= TIMEOUT_S - 1 && lost_at <= TIMEOUT_S + MARGIN_S,
                      "watch lost its events stream after %.1f s, not %d s", lost_at,
                      (int)TIMEOUT_S);
        text = log_wait(wlog, "reconnect" NOTHING_TO_DO, 30);
        bt_contains(text, LOST "\"error\":\"cannot stream events: the engine did not answer in "
                               "time\",\"reconnect_in\":\"1.0\"}");
        bt_contains(text, "\"msg\":\"reconcile\",\"trigger\":\"start" NOTHING_TO_DO);
        bt_contains(text, "\"msg\":\"engine events stream back\"}");
        free(text);
        watch_stop(wpid, wlog, 15);
        only_reads(&wr);
        rig_stop(&wr);
}
END_TEST

int main(void)
{
        Suite *s = suite_create("faults");
        TCase *tc = tcase_create("refused");

        tcase_add_loop_test(tc, refused_with_a_clear_message, 0,
                            sizeof(refusals) / sizeof(refusals[0]));
        suite_add_tcase(s, tc);

        tc = tcase_create("hangs");
        tcase_add_test(tc, hangs_end_at_the_timeout);
        tcase_set_timeout(tc, TIMEOUT_S + 10 + 2 * MARGIN_S + 30);
        suite_add_tcase(s, tc);

        tc = tcase_create("watch");
        tcase_add_loop_test(tc, events_fault_is_survived, 0,
                            sizeof(events_faults) / sizeof(events_faults[0]));
        tcase_add_test(tc, watch_retries_a_failed_read);
        tcase_add_loop_test(tc, stop_ends_a_read_that_hangs, 0,
                            sizeof(stop_hangs) / sizeof(stop_hangs[0]));
        /* the retry comes 5 s after the failed read: more than check's
         * default 4 s, whether or not ctest sets CK_DEFAULT_TIMEOUT */
        tcase_set_timeout(tc, 5 + QUICK_S + MARGIN_S);
        suite_add_tcase(s, tc);

        tc = tcase_create("stop");
        tcase_add_loop_test(tc, stop_timeout_from_the_label, 0,
                            sizeof(stop_timeouts) / sizeof(stop_timeouts[0]));
        suite_add_tcase(s, tc);

        tc = tcase_create("order");
        tcase_add_test(tc, longest_chain_first);
        suite_add_tcase(s, tc);

        tc = tcase_create("gone");
        tcase_add_test(tc, engine_gone_mid_apply);
        suite_add_tcase(s, tc);

        tc = tcase_create("failed");
        tcase_add_loop_test(tc, operation_fails_alone, 0, sizeof(failures) / sizeof(failures[0]));
        suite_add_tcase(s, tc);
        return bt_unit_main(s);
}
