/* sync.c - berth sync: the git follower and its wiring to the watch loop
 * and the HTTP endpoints (see sync.h). */
#include "sync/sync.h"

#include <dirent.h>
#include <errno.h>
#include <fcntl.h>
#include <ftw.h>
#include <limits.h>
#include <math.h>
#include <poll.h>
#include <pthread.h>
#include <stdatomic.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/eventfd.h>
#include <sys/file.h>
#include <sys/stat.h>
#include <time.h>
#include <unistd.h>

#include "agent/http.h"
#include "agent/state.h"
#include "common/proc.h"
#include "common/stopsig.h"
#include "watch/log.h"

#define FETCH_TIMEOUT_S 120
#define BACKOFF_MIN_S 5.0
#define BACKOFF_MAX_S 300.0

struct gitsync {
        const struct sync_options *o;
        struct wlog log;
        struct agent_state *state;
        char cache[PATH_MAX];
        char repo[PATH_MAX];    /* cache/repo.git */
        char current[PATH_MAX]; /* cache/current */
        char root[PATH_MAX];    /* cache/current[/path] */
        char checked_out[65];
        pthread_mutex_t trees; /* checkout and cleanup of cache/trees */
        int lock;              /* flock on cache/lock, held while running */
        int wake;              /* eventfd: fetch now (the webhook) */
        int stop[2];           /* pipe: the follower ends */
        unsigned failures;     /* fetches failed in a row */
};

void sync_default_cache(char *out, size_t size, const char *scope)
{
        const char *state = getenv("XDG_STATE_HOME"), *home = getenv("HOME");

        if (geteuid() == 0)
                snprintf(out, size, "/var/lib/berth/sync/%s", scope);
        else if (state && *state)
                snprintf(out, size, "%s/berth/sync/%s", state, scope);
        else
                snprintf(out, size, "%s/.local/state/berth/sync/%s", home ? home : ".", scope);
}

/* ---- git ---------------------------------------------------------------- */

/* Run git with args (NULL-terminated, after "git"), its stdout into out (or
 * dropped); a failure says what was being done and git's last words. */
static int git_run(struct gitsync *g, struct berth_buf *out, long timeout_s, const char *what,
                   const char *const *args, struct berth_err *err)
{
        static const char *const env[] = {"GIT_TERMINAL_PROMPT=0", "LC_ALL=C", NULL};
        const char *argv[16] = {"git"};
        struct proc_options po = {.argv = argv, .extra_env = env, .out = out};
        struct berth_buf errout;
        int code = 0, r;
        size_t i;

        for (i = 0; args[i] && i + 2 < sizeof(argv) / sizeof(argv[0]); i++)
                argv[i + 1] = args[i];
        po.timeout_ms = timeout_s * 1000;
        po.cancel_fd = g->stop[0];
        berth_buf_init(&errout, 64 * 1024);
        po.errout = &errout;
        r = proc_run(&code, &po, err);
        if (r == BERTH_ENOTFOUND)
                r = berth_err_set(err, BERTH_ENOTFOUND,
                                  "berth sync runs git, which is not installed: apt-get install "
                                  "git");
        else if (r < 0) {
                char why[sizeof(err->msg)];

                snprintf(why, sizeof(why), "%s", err->msg);
                r = berth_err_set(err, r, "cannot %s: %s", what, why);
        } else if (code)
                r = berth_err_set(err, BERTH_ERROR, "cannot %s: %s", what,
                                  *proc_last_line(&errout) ? proc_last_line(&errout)
                                                           : "git failed");
        berth_buf_release(&errout);
        return r;
}

static int repo_prepare(struct gitsync *g, struct berth_err *err)
{
        char head[PATH_MAX + 8], what[PATH_MAX + 64];
        const char *version[] = {"--version", NULL};
        const char *init[] = {"init", "-q", "--bare", g->repo, NULL};
        const char *url[] = {"-C", g->repo, "config", "remote.origin.url", g->o->repo, NULL};
        int r;

        if ((r = git_run(g, NULL, 30, "run git", version, err)) < 0)
                return r;
        snprintf(head, sizeof(head), "%s/HEAD", g->repo);
        snprintf(what, sizeof(what), "create the clone '%s'", g->repo);
        if (access(head, F_OK) < 0 && (r = git_run(g, NULL, 30, what, init, err)) < 0)
                return r;
        snprintf(what, sizeof(what), "set the repository of '%s'", g->repo);
        return git_run(g, NULL, 30, what, url, err);
}

/* Fetch the ref; its commit (40 or 64 hex digits) and subject. */
static int fetch(struct gitsync *g, char commit[65], char *subject, size_t size,
                 struct berth_err *err)
{
        const char *ref = g->o->ref ? g->o->ref : "HEAD";
        char spec[512], what[1024];
        const char *fetch_args[] = {"-C",        g->repo,  "fetch", "-q", "--force",
                                    "--no-tags", "origin", spec,    NULL};
        const char *log_args[] = {
            "-C", g->repo, "log", "-1", "--format=%H%n%s", "refs/berth/target", "--", NULL};
        struct berth_buf out;
        size_t n;
        int r;

        snprintf(spec, sizeof(spec), "+%s:refs/berth/target", ref);
        snprintf(what, sizeof(what), "fetch '%s' from '%s'", ref, g->o->repo);
        r = git_run(g, NULL, g->o->fetch_timeout_s > 0 ? g->o->fetch_timeout_s : FETCH_TIMEOUT_S,
                    what, fetch_args, err);
        if (r < 0)
                return r;
        berth_buf_init(&out, 64 * 1024);
        snprintf(what, sizeof(what), "read the commit '%s' points to", ref);
        r = git_run(g, &out, 30, what, log_args, err);
        if (r == 0) {
                n = out.data ? strcspn(out.data, "\n") : 0;
                if (n != 40 && n != 64) {
                        r = berth_err_set(err, BERTH_ERROR, "cannot %s: git said '%s'", what,
                                          out.data ? out.data : "");
                } else {
                        snprintf(commit, 65, "%.*s", (int)n, out.data);
                        snprintf(subject, size, "%.*s", (int)strcspn(out.data + n + 1, "\n"),
                                 out.data[n] ? out.data + n + 1 : "");
                }
        }
        berth_buf_release(&out);
        return r;
}

static int rm_entry(const char *path, const struct stat *st, int flag, struct FTW *ftw)
{
        (void)st;
        (void)ftw;
        if (flag == FTW_DP)
                rmdir(path);
        else
                unlink(path);
        return 0;
}

static void rm_tree(const char *path)
{
        nftw(path, rm_entry, 16, FTW_DEPTH | FTW_PHYS);
}

/* Check commit out into cache/trees/<commit> and point cache/current at it. */
static int checkout(struct gitsync *g, const char *commit, struct berth_err *err)
{
        char tree[PATH_MAX], dotgit[PATH_MAX + 8], link[PATH_MAX + 8], target[128],
            what[PATH_MAX + 64];
        const char *prune[] = {"-C", g->repo, "worktree", "prune", NULL};
        const char *add[] = {"-C",       g->repo,   "worktree", "add",  "-q",
                             "--detach", "--force", tree,       commit, NULL};
        int r = 0;

        snprintf(target, sizeof(target), "trees/%s", commit);
        snprintf(tree, sizeof(tree), "%s/%s", g->cache, target);
        snprintf(dotgit, sizeof(dotgit), "%s/.git", tree);
        snprintf(link, sizeof(link), "%s.new", g->current);
        snprintf(what, sizeof(what), "check out %.12s into '%s'", commit, tree);
        pthread_mutex_lock(&g->trees);
        if (access(dotgit, F_OK) < 0) {
                rm_tree(tree); /* what a killed checkout left */
                if ((r = git_run(g, NULL, 30, "prune old work trees", prune, err)) < 0 ||
                    (r = git_run(g, NULL, 300, what, add, err)) < 0)
                        goto out;
        }
        unlink(link);
        if (symlink(target, link) < 0 || rename(link, g->current) < 0) {
                r = berth_err_set(err, BERTH_EIO, "cannot point '%s' at '%s': %s", g->current,
                                  target, strerror(errno));
                unlink(link);
                goto out;
        }
        snprintf(g->checked_out, sizeof(g->checked_out), "%s", commit);
out:
        pthread_mutex_unlock(&g->trees);
        return r;
}

/* After a reconcile (watch's thread): the trees current does not point
 * at are no longer read by anyone. */
static void cleanup(void *userdata)
{
        struct gitsync *g = userdata;
        char keep[PATH_MAX], trees[PATH_MAX + 8], path[2 * PATH_MAX];
        struct dirent *de;
        ssize_t n;
        DIR *d;

        pthread_mutex_lock(&g->trees);
        n = readlink(g->current, keep, sizeof(keep) - 1);
        snprintf(trees, sizeof(trees), "%s/trees", g->cache);
        if (n > 0 && (d = opendir(trees))) {
                keep[n] = '\0';
                while ((de = readdir(d))) {
                        if (de->d_name[0] == '.' ||
                            (!strncmp(keep, "trees/", 6) && !strcmp(keep + 6, de->d_name)))
                                continue;
                        snprintf(path, sizeof(path), "%s/%s", trees, de->d_name);
                        rm_tree(path);
                }
                closedir(d);
        }
        pthread_mutex_unlock(&g->trees);
}

/* ---- the follower ------------------------------------------------------- */

/* One fetch, and a checkout when the ref moved; 0 or the fetch's failure. */
static int follow_step(struct gitsync *g)
{
        char commit[65], subject[512], shortrev[13], fails[16];
        struct berth_err err;
        int r;

        berth_err_clear(&err);
        if ((r = fetch(g, commit, subject, sizeof(subject), &err)) < 0) {
                if (r == BERTH_ECANCELLED)
                        return r;
                g->failures++;
                agent_state_fetch_failed(g->state, err.msg);
                snprintf(fails, sizeof(fails), "%u", g->failures);
                wlog_line(&g->log, "warn", "fetch failed", "repo", g->o->repo, "failures", fails,
                          "error", err.msg, NULL);
                return r;
        }
        g->failures = 0;
        agent_state_fetch_ok(g->state, commit, subject);
        if (!strcmp(commit, g->checked_out))
                return 0;
        snprintf(shortrev, sizeof(shortrev), "%.12s", commit);
        if ((r = checkout(g, commit, &err)) < 0) {
                wlog_line(&g->log, "error", "checkout failed", "revision", shortrev, "error",
                          err.msg, NULL);
                return r;
        }
        agent_state_checked_out(g->state, commit);
        wlog_line(&g->log, "info", "checked out", "revision", shortrev, "subject", subject, NULL);
        return 0;
}

/* Seconds until the next fetch: the interval, or the backoff after
 * failures (5 s doubling, at most the interval and 5 min, jittered). */
static double next_delay(const struct gitsync *g, long interval_s)
{
        double cap = fmin((double)interval_s, BACKOFF_MAX_S), d;

        if (!g->failures)
                return (double)interval_s;
        d = BACKOFF_MIN_S * pow(2.0, (double)g->failures - 1);
        if (d > cap)
                d = cap > BACKOFF_MIN_S ? cap : BACKOFF_MIN_S;
        return d * (0.5 + 0.5 * ((double)rand() / RAND_MAX));
}

/* Sleep up to seconds; 1 when asked to stop, 0 otherwise (time up or a
 * webhook). */
static int follow_wait(struct gitsync *g, double seconds)
{
        struct pollfd pf[2] = {{.fd = g->stop[0], .events = POLLIN},
                               {.fd = g->wake, .events = POLLIN}};
        uint64_t n;

        if (poll(pf, 2, (int)(seconds * 1000)) > 0) {
                if (pf[0].revents)
                        return 1;
                if (read(g->wake, &n, sizeof(n)) < 0) {
                        /* EAGAIN: someone else drained it */
                }
                wlog_line(&g->log, "info", "fetch requested (webhook)", NULL);
        }
        return 0;
}

static void *follow(void *arg)
{
        struct gitsync *g = arg;
        long interval = g->o->interval_s > 0 ? g->o->interval_s : SYNC_DEFAULT_INTERVAL_S;
        double delay = next_delay(g, interval);
        char retry[32];

        while (!follow_wait(g, delay)) {
                if (follow_step(g) == BERTH_ECANCELLED)
                        break;
                delay = next_delay(g, interval); /* drawn once: the wait is what the log says */
                if (g->failures) {
                        snprintf(retry, sizeof(retry), "%.1f", delay);
                        wlog_line(&g->log, "info", "next fetch", "in_s", retry, NULL);
                }
        }
        return NULL;
}

static void on_hook(void *userdata)
{
        struct gitsync *g = userdata;
        uint64_t one = 1;

        if (write(g->wake, &one, sizeof(one)) < 0) {
                /* the counter is full: a fetch is asked for already */
        }
}

/* ---- setup -------------------------------------------------------------- */

static int mkdirs(const char *path, struct berth_err *err)
{
        char p[PATH_MAX];
        size_t i;

        snprintf(p, sizeof(p), "%s", path);
        for (i = 1; p[i]; i++) {
                if (p[i] != '/')
                        continue;
                p[i] = '\0';
                if (mkdir(p, 0755) < 0 && errno != EEXIST)
                        goto fail;
                p[i] = '/';
        }
        if (mkdir(p, 0700) < 0 && errno != EEXIST)
                goto fail;
        return 0;
fail:
        return berth_err_set(err, BERTH_EIO, "cannot create the cache directory '%s': %s", p,
                             strerror(errno));
}

static int cache_open(struct gitsync *g, struct berth_err *err)
{
        char trees[PATH_MAX + 8], lock[PATH_MAX + 8], target[PATH_MAX];
        ssize_t n;
        int r;

        if ((r = mkdirs(g->cache, err)) < 0)
                return r;
        snprintf(trees, sizeof(trees), "%s/trees", g->cache);
        if (mkdir(trees, 0755) < 0 && errno != EEXIST)
                return berth_err_set(err, BERTH_EIO, "cannot create '%s': %s", trees,
                                     strerror(errno));
        snprintf(lock, sizeof(lock), "%s/lock", g->cache);
        g->lock = open(lock, O_RDWR | O_CREAT | O_CLOEXEC, 0600);
        if (g->lock < 0)
                return berth_err_set(err, BERTH_EIO, "cannot open '%s': %s", lock, strerror(errno));
        if (flock(g->lock, LOCK_EX | LOCK_NB) < 0)
                return berth_err_set(err, BERTH_ECONFLICT,
                                     "another berth sync uses the cache '%s': stop it, or give "
                                     "this one its own --scope or --cache",
                                     g->cache);
        /* A tree from the last run: reconcile from it while fetching. */
        n = readlink(g->current, target, sizeof(target) - 1);
        if (n > 6 && !strncmp(target, "trees/", 6) && access(g->root, F_OK) == 0) {
                target[n] = '\0';
                snprintf(g->checked_out, sizeof(g->checked_out), "%s", target + 6);
        }
        return 0;
}

static void gitsync_release(struct gitsync *g)
{
        if (g->lock >= 0)
                close(g->lock);
        if (g->wake >= 0)
                close(g->wake);
        if (g->stop[0] >= 0) {
                close(g->stop[0]);
                close(g->stop[1]);
        }
        pthread_mutex_destroy(&g->trees);
}

int sync_run(const struct sync_options *o, struct berth_err *err)
{
        struct gitsync g;
        struct watch_options wo = o->watch;
        struct agent_http_options ho = {0};
        struct agent_http *http = NULL;
        struct agent_state *state = NULL;
        char interval[32], shortrev[13], port[16];
        pthread_t follower;
        int started = 0, r = 0;

        memset(&g, 0, sizeof(g));
        g.o = o;
        g.lock = g.wake = g.stop[0] = g.stop[1] = -1;
        g.log.f = o->watch.log;
        g.log.json = o->watch.log_json;
        pthread_mutex_init(&g.trees, NULL);
        srand((unsigned)(getpid() ^ time(NULL)));
        if (o->cache)
                snprintf(g.cache, sizeof(g.cache), "%s", o->cache);
        else
                sync_default_cache(g.cache, sizeof(g.cache), o->watch.scope);
        snprintf(g.repo, sizeof(g.repo), "%s/repo.git", g.cache);
        snprintf(g.current, sizeof(g.current), "%s/current", g.cache);
        snprintf(g.root, sizeof(g.root), "%s%s%s", g.current, o->path ? "/" : "",
                 o->path ? o->path : "");
        state = agent_state_new(o->watch.scope, g.root);
        g.wake = eventfd(0, EFD_CLOEXEC | EFD_NONBLOCK);
        if (!state || g.wake < 0 || pipe2(g.stop, O_CLOEXEC | O_NONBLOCK) < 0) {
                r = berth_err_set(err, BERTH_ENOMEM, "cannot set up berth sync: %s",
                                  strerror(errno));
                goto out;
        }
        g.state = state;
        agent_state_follow(state, o->repo, o->ref ? o->ref : "HEAD", o->path ? o->path : "");
        if ((r = cache_open(&g, err)) < 0 || (r = repo_prepare(&g, err)) < 0)
                goto out;
        if (o->listen) {
                ho.listen = o->listen;
                ho.secret = o->secret;
                ho.secret_len = o->secret_len;
                ho.state = state;
                ho.engine_host = o->watch.host;
                ho.on_hook = on_hook;
                ho.userdata = &g;
                if ((r = agent_http_start(&http, &ho, err)) < 0)
                        goto out;
                snprintf(port, sizeof(port), "%d", agent_http_port(http));
                wlog_line(&g.log, "info", "listening", "address", o->listen, "port", port, NULL);
        }
        snprintf(interval, sizeof(interval), "%ld",
                 o->interval_s > 0 ? o->interval_s : SYNC_DEFAULT_INTERVAL_S);
        wlog_line(&g.log, "info", "following", "repo", o->repo, "ref", o->ref ? o->ref : "HEAD",
                  "path", o->path ? o->path : "", "interval_s", interval, "cache", g.cache,
                  "listen", o->listen ? o->listen : "", NULL);
        /* The first fetch before watching, so that there is a tree to watch;
         * a signal while it is retried ends berth sync. */
        atomic_store(&stopsig_stop, 0);
        stopsig_set_wake(g.stop[1]);
        stopsig_install(NULL, 1);
        if (g.checked_out[0]) {
                agent_state_checked_out(state, g.checked_out);
                snprintf(shortrev, sizeof(shortrev), "%.12s", g.checked_out);
                wlog_line(&g.log, "info", "reconciling from the last checkout while fetching",
                          "revision", shortrev, NULL);
                on_hook(&g);
        }
        while (!g.checked_out[0] && !atomic_load(&stopsig_stop)) {
                char drain[64];

                if (follow_step(&g) == 0)
                        break;
                /* woken by a signal: SIGHUP only retries now */
                if (follow_wait(&g, next_delay(&g, o->interval_s > 0 ? o->interval_s
                                                                     : SYNC_DEFAULT_INTERVAL_S)))
                        while (read(g.stop[0], drain, sizeof(drain)) > 0)
                                ;
        }
        stopsig_set_wake(-1);
        if (atomic_load(&stopsig_stop) || !g.checked_out[0])
                goto out; /* stopped before anything was checked out */
        if (pthread_create(&follower, NULL, follow, &g) != 0) {
                r = berth_err_set(err, BERTH_ERROR, "cannot start the git follower");
                goto out;
        }
        started = 1;
        wo.root = g.root;
        wo.state = state;
        wo.reconciled = cleanup;
        wo.userdata = &g;
        r = watch_run(&wo, err);
out:
        if (started) {
                if (write(g.stop[1], "x", 1) < 0) {
                        /* the pipe is full: the follower is told already */
                }
                pthread_join(follower, NULL);
        }
        agent_http_stop(http);
        gitsync_release(&g);
        agent_state_free(state);
        return r;
}
