/* watch.c - the event loop of berth watch (see watch.h). */
#include "watch/watch.h"

#include <errno.h>
#include <fcntl.h>
#include <limits.h>
#include <math.h>
#include <stdarg.h>
#include <stdatomic.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>
#include <sys/epoll.h>
#include <sys/stat.h>
#include <sys/timerfd.h>
#include <time.h>
#include <unistd.h>

#include <jansson.h>

#include "agent/state.h"
#include "apply/apply.h"
#include "common/labels.h"
#include "common/lock.h"
#include "common/stopsig.h"
#include "docker/events.h"
#include "exec/exec.h"
#include "manifest/load.h"
#include "manifest/revision.h"
#include "watch/fswatch.h"
#include "watch/log.h"

#define BACKOFF_MIN_S 1.0
#define BACKOFF_MAX_S 300.0
#define RECONNECT_MIN_MS 1000L
#define RECONNECT_MAX_MS 30000L
#define ENGINE_RETRY_MS 5000L
/* A container of a project berth changed less than this ago dying again is
 * a crash loop: the project backs off as after a failure. */
#define CRASH_WINDOW_S 10.0

enum { T_DEBOUNCE, T_EVENT, T_RESYNC, T_RETRY, T_RECONNECT, T_COUNT };

/* epoll tags */
enum { TAG_FS = 100, TAG_EVENTS, TAG_SIGNAL };

struct backoff {
        char *project;
        int failures;
        double until;      /* monotonic seconds: left alone before this */
        double applied_at; /* when a run last changed it */
        int quick_deaths;  /* containers dead within CRASH_WINDOW_S of a change, in a row */
};

struct watch {
        const struct watch_options *o;
        struct wlog log;
        const char *root;
        int ep;
        int timers[T_COUNT];
        struct fsw *fsw;
        struct docker_client *c;
        struct docker_events *ev;
        long reconnect_ms;
        /* what the next reconcile was asked for */
        int pending;
        int debouncing; /* a manifest change waits for the debounce: nothing else runs first */
        char trigger[256];
        struct backoff *bo;
        size_t nbo;
        /* the last run's containers and window, to tell our own events */
        char **own;
        size_t nown;
        int64_t own_from, own_to; /* unix ns */
        unsigned long reconciles;
        char applied[65]; /* the revision of the last "applied" line */
};

/* ---- clocks, timers --------------------------------------------------- */

static double mono_s(void)
{
        struct timespec ts;

        clock_gettime(CLOCK_MONOTONIC, &ts);
        return (double)ts.tv_sec + (double)ts.tv_nsec / 1e9;
}

static int64_t wall_ns(void)
{
        struct timespec ts;

        clock_gettime(CLOCK_REALTIME, &ts);
        return (int64_t)ts.tv_sec * 1000000000LL + ts.tv_nsec;
}

static void timer_arm(struct watch *w, int t, long ms, long interval_ms)
{
        struct itimerspec it = {0};

        it.it_value.tv_sec = ms / 1000;
        it.it_value.tv_nsec = (ms % 1000) * 1000000L;
        if (!ms && !interval_ms)
                it.it_value.tv_nsec = 0; /* disarm */
        else if (!ms)
                it.it_value.tv_nsec = 1;
        it.it_interval.tv_sec = interval_ms / 1000;
        it.it_interval.tv_nsec = (interval_ms % 1000) * 1000000L;
        timerfd_settime(w->timers[t], 0, &it, NULL);
}

static void timer_drain(int fd)
{
        uint64_t n;

        if (read(fd, &n, sizeof(n)) < 0) {
                /* EAGAIN: nothing to drain */
        }
}

/* ---- logs --------------------------------------------------------------- */

static const char *num(char *buf, size_t size, double v, int decimals)
{
        snprintf(buf, size, "%.*f", decimals, v);
        return buf;
}

/* ---- triggers ----------------------------------------------------------- */

static void want(struct watch *w, const char *why, int t, long ms)
{
        size_t n = strlen(w->trigger);

        if (!strstr(w->trigger, why) && n + strlen(why) + 2 < sizeof(w->trigger))
                snprintf(w->trigger + n, sizeof(w->trigger) - n, "%s%s", n ? "," : "", why);
        w->pending = 1;
        timer_arm(w, t, ms, 0);
}

/* ---- backoff ------------------------------------------------------------ */

static struct backoff *backoff_find(struct watch *w, const char *project)
{
        size_t i;

        for (i = 0; i < w->nbo; i++)
                if (!strcmp(w->bo[i].project, project))
                        return &w->bo[i];
        return NULL;
}

static struct backoff *backoff_get(struct watch *w, const char *project)
{
        struct backoff *b = backoff_find(w, project), *v;

        if (b)
                return b;
        v = realloc(w->bo, (w->nbo + 1) * sizeof(*v));
        if (!v)
                return NULL;
        w->bo = v;
        b = &w->bo[w->nbo];
        memset(b, 0, sizeof(*b));
        b->project = strdup(project);
        if (!b->project)
                return NULL;
        w->nbo++;
        return b;
}

static void backoff_fail(struct watch *w, const char *project)
{
        struct backoff *b = backoff_get(w, project);
        double delay;
        char d[32], f[16];

        if (!b)
                return;
        b->failures++;
        delay = BACKOFF_MIN_S * pow(2.0, b->failures - 1);
        if (delay > BACKOFF_MAX_S)
                delay = BACKOFF_MAX_S;
        delay *= 0.5 + 0.5 * ((double)rand() / RAND_MAX); /* jitter: half to all of it */
        b->until = mono_s() + delay;
        snprintf(f, sizeof(f), "%d", b->failures);
        wlog_line(&w->log, "warn", "backing off", "project", project, "failures", f, "retry_in",
                  num(d, sizeof(d), delay, 1), NULL);
}

/* Arm the retry timer for the first backoff to end, if one is running. */
static void backoff_arm(struct watch *w)
{
        double now = mono_s(), first = 0;
        size_t i;

        for (i = 0; i < w->nbo; i++)
                if (w->bo[i].until > now && (!first || w->bo[i].until < first))
                        first = w->bo[i].until;
        if (first)
                timer_arm(w, T_RETRY, (long)((first - now) * 1000) + 1, 0);
}

/* Projects still backing off (NULL-terminated, malloc'd), and the retry
 * timer armed for the first to end. */
static const char **backoff_frozen(struct watch *w)
{
        const char **v = calloc(w->nbo + 1, sizeof(*v));
        double now = mono_s();
        size_t i, n = 0;

        for (i = 0; v && i < w->nbo; i++)
                if (w->bo[i].until > now)
                        v[n++] = w->bo[i].project;
        backoff_arm(w);
        return v;
}

/* ---- own events --------------------------------------------------------- */

static void own_forget(struct watch *w)
{
        size_t i;

        for (i = 0; i < w->nown; i++)
                free(w->own[i]);
        free(w->own);
        w->own = NULL;
        w->nown = 0;
}

/* What the run stopped or removed itself: the containers its removals and
 * replacements retired (by id: a replacement has the same name) and its
 * temporary replicas (by name: made in the run, id unknown here).  A
 * container the run created or started that dies is not ours to ignore. */
static void own_remember(struct watch *w, const struct plan *p, int64_t from, int64_t to)
{
        size_t i;

        own_forget(w);
        w->own = calloc(2 * p->nops + 1, sizeof(*w->own));
        for (i = 0; w->own && i < p->nops; i++) {
                const struct plan_op *op = &p->ops[i];

                if ((op->kind == PLAN_CONTAINER_REMOVE || op->kind == PLAN_CONTAINER_RECREATE) &&
                    op->change->container)
                        w->own[w->nown++] = strdup(op->change->container->id);
                if (op->temp_name)
                        w->own[w->nown++] = strdup(op->temp_name);
        }
        w->own_from = from;
        w->own_to = to;
}

static int own_event(const struct watch *w, const struct docker_event *ev)
{
        size_t i;

        if (ev->time_nano < w->own_from || ev->time_nano > w->own_to)
                return 0;
        for (i = 0; i < w->nown; i++)
                if (w->own[i] && (!strcmp(w->own[i], ev->actor_id) || !strcmp(w->own[i], ev->name)))
                        return 1;
        return 0;
}

/* ---- the reconcile ------------------------------------------------------ */

static void log_diags(struct watch *w, const struct manifest_set *set)
{
        char line[4096];
        size_t i;

        for (i = 0; i < set->diags.n; i++)
                wlog_line(&w->log, set->diags.v[i].severity == DIAG_ERROR ? "error" : "warn",
                          "manifest", "problem", diag_format(&set->diags.v[i], line, sizeof(line)),
                          NULL);
}

static void lock_waiting(void *userdata, pid_t pid)
{
        struct watch *w = userdata;
        char p[32];

        snprintf(p, sizeof(p), "%ld", (long)pid);
        wlog_line(&w->log, "info", "waiting for the scope's lock", "holder_pid", p, NULL);
}

/* After a run: each project with an operation that did not succeed backs
 * off.  One whose operations all succeeded keeps its count: a container
 * that dies again soon after (a crash loop) counts as the next failure
 * (see on_event), one that stays up resets it. */
static void backoff_update(struct watch *w, const struct plan *p, const struct plan_run *run)
{
        struct backoff *b;
        size_t i, j;

        for (i = 0; i < p->nops; i++) {
                const char *proj = p->ops[i].project;
                int ok = 1;

                if (!proj)
                        continue;
                for (j = 0; j < i; j++) /* first op of its project only */
                        if (p->ops[j].project && !strcmp(p->ops[j].project, proj))
                                break;
                if (j < i)
                        continue;
                for (j = i; j < p->nops; j++)
                        if (p->ops[j].project && !strcmp(p->ops[j].project, proj) &&
                            run->results[j].status != PLAN_DONE)
                                ok = 0;
                if (!ok)
                        backoff_fail(w, proj);
                if ((b = backoff_get(w, proj)))
                        b->applied_at = mono_s();
        }
}

static void log_failures(struct watch *w, const struct plan *p, const struct plan_run *run)
{
        static const char *const words[] = {
            [PLAN_PENDING] = "not started",     [PLAN_DONE] = "done",
            [PLAN_FAILED] = "failed",           [PLAN_SKIPPED] = "skipped",
            [PLAN_ROLLED_BACK] = "rolled back", [PLAN_INTERRUPTED] = "interrupted"};
        size_t i;

        for (i = 0; i < run->nresults; i++)
                if (run->results[i].status != PLAN_DONE)
                        wlog_line(&w->log, "error", "operation", "op",
                                  plan_op_kind_name(p->ops[i].kind), "name",
                                  p->ops[i].name ? p->ops[i].name : "", "result",
                                  words[run->results[i].status], "message", run->results[i].message,
                                  NULL);
}

/* The root to read this time: with a symlink on its way (git-sync, berth
 * sync, a deploy tool's current -> releases/N), the directory it points to
 * now, so that one reconcile reads one tree even if the link is switched
 * while it reads, and the revision is that tree's. */
static const char *root_resolve(const char *root, char real[PATH_MAX])
{
        char prefix[PATH_MAX];
        struct stat st;
        size_t i, n = strlen(root);

        if (n >= PATH_MAX)
                return root;
        for (i = 1; i <= n; i++) {
                if (i < n && root[i] != '/')
                        continue;
                memcpy(prefix, root, i);
                prefix[i] = '\0';
                if (lstat(prefix, &st) == 0 && S_ISLNK(st.st_mode))
                        return realpath(root, real) ? real : root;
        }
        return root;
}

/* One line when the manifests' commit changes and a reconcile from it
 * ended with nothing failed and every manifest loaded: `applied abc1234
 * "subject"`. */
static void log_applied(struct watch *w, const char *root, const char *revision)
{
        char subject[256], shortrev[13];

        if (!revision[0] || !strcmp(revision, w->applied))
                return;
        snprintf(w->applied, sizeof(w->applied), "%s", revision);
        snprintf(shortrev, sizeof(shortrev), "%.12s", revision);
        if (manifest_revision_subject(subject, sizeof(subject), root, revision) < 0)
                subject[0] = '\0';
        wlog_line(&w->log, "info", "applied", "revision", shortrev, "subject", subject, NULL);
}

static void reconcile(struct watch *w)
{
        char real[PATH_MAX];
        const char *root = root_resolve(w->root, real);
        struct manifest_load_opts lo = {
            .root = root, .policy = w->o->policy, .insecure = w->o->insecure_manifests};
        struct manifest_set set;
        struct apply_result res;
        struct apply_input in = {0};
        struct exec_options eo = {0};
        struct plan_run run = {0};
        struct docker_call_stats before = {0}, after = {0};
        struct apply_observation obs;
        struct berth_err err, lerr;
        const char **frozen = NULL, *failure = NULL;
        char trigger[256], n1[32], n2[32], n3[32], n4[32], d[32], pd[32], calls[32];
        size_t i, done = 0, failed = 0, skipped = 0;
        double t0 = mono_s(), planned = 0;
        int64_t w0 = wall_ns();
        int lock = -1, observing = 0;

        snprintf(trigger, sizeof(trigger), "%s", w->trigger[0] ? w->trigger : "resync");
        w->trigger[0] = '\0';
        w->pending = 0;
        w->reconciles++;
        memset(&res, 0, sizeof(res));
        berth_err_clear(&err);
        docker_client_stats(w->c, &before);
        /* The engine's half beside the load (apply_observe_start()), once
         * the scope is locked; its problems are told after the
         * manifests', as when it ran after them. */
        if (docker_client_negotiate(w->c, &err) == 0 &&
            berth_lock_scope(&lock, w->o->scope, true, lock_waiting, w, &err) == 0) {
                apply_observe_start(&obs, w->c, w->o->scope);
                observing = 1;
        }
        berth_err_clear(&lerr);
        if (manifest_load(&set, &lo, &lerr) < 0) {
                wlog_line(&w->log, "error", "cannot read the manifests: nothing changed", "root",
                          root, "error", lerr.msg, NULL);
                if (observing)
                        apply_observe_drop(&obs);
                docker_client_stats(w->c, &after);
                if (w->o->state)
                        agent_state_reconciled(w->o->state, NULL, NULL, NULL,
                                               after.total - before.total, lerr.msg);
                berth_lock_release(lock);
                manifest_set_release(&set);
                return;
        }
        log_diags(w, &set);
        if (!observing) {
                wlog_line(&w->log, "error", "cannot reconcile", "trigger", trigger, "error",
                          err.msg, NULL);
                want(w, "retry", T_RETRY, ENGINE_RETRY_MS);
                failure = err.msg;
                goto out;
        }
        apply_revision(&res, root);
        if (model_state_hash(set.state, &err) < 0) {
                apply_observe_drop(&obs);
                wlog_line(&w->log, "error", "cannot plan", "trigger", trigger, "error", err.msg,
                          NULL);
                failure = err.msg;
                goto out;
        }
        frozen = backoff_frozen(w);
        in.set = &set;
        in.root = root;
        in.scope = w->o->scope;
        in.also_frozen = frozen;
        if (apply_observe_finish(&obs, &res.actual, &err) < 0 ||
            apply_plan(&res, w->c, &in, &err) < 0) {
                wlog_line(&w->log, "error", "cannot plan", "trigger", trigger, "error", err.msg,
                          NULL);
                failure = err.msg;
                /* What the manifests ask for waits for them to change; an
                 * engine that could not be read is asked again soon. */
                if (err.code != BERTH_EINVALID)
                        want(w, "retry", T_RETRY, ENGINE_RETRY_MS);
                goto out;
        }
        planned = mono_s() - t0;
        if (res.plan->nops) {
                eo.host = docker_client_host(w->c);
                eo.api_version = docker_client_api_version(w->c);
                eo.parallel = w->o->parallel;
                eo.scope = w->o->scope;
                eo.revision = res.revision[0] ? res.revision : NULL;
                eo.stop = &stopsig_stop;
                if (exec_run(&run, res.plan, &eo, &err) < 0) {
                        wlog_line(&w->log, "error", "cannot apply", "error", err.msg, NULL);
                        failure = err.msg;
                }
                own_remember(w, res.plan, w0, wall_ns());
                log_failures(w, res.plan, &run);
                backoff_update(w, res.plan, &run);
                backoff_arm(w); /* a project that just failed is retried when its backoff ends */
                for (i = 0; i < run.nresults; i++) {
                        done += run.results[i].status == PLAN_DONE;
                        failed += run.results[i].status == PLAN_FAILED ||
                                  run.results[i].status == PLAN_ROLLED_BACK;
                        skipped += run.results[i].status != PLAN_DONE &&
                                   run.results[i].status != PLAN_FAILED &&
                                   run.results[i].status != PLAN_ROLLED_BACK;
                }
        }
        docker_client_stats(w->c, &after);
        snprintf(n1, sizeof(n1), "%zu", res.plan->nops);
        snprintf(n2, sizeof(n2), "%zu", done);
        snprintf(n3, sizeof(n3), "%zu", failed);
        snprintf(n4, sizeof(n4), "%zu", skipped);
        snprintf(calls, sizeof(calls), "%lu", after.total - before.total + run.calls);
        wlog_line(&w->log, failed || skipped ? "warn" : "info", "reconcile", "trigger", trigger,
                  "changes", n1, "done", n2, "failed", n3, "skipped", n4, "frozen_manifests",
                  set.nfailed ? "yes" : "no", "plan_duration", num(pd, sizeof(pd), planned, 3),
                  "duration", num(d, sizeof(d), mono_s() - t0, 3), "api_calls", calls, NULL);
        if (!failed && !skipped && !failure && !set.nfailed)
                log_applied(w, root, res.revision);
out:
        if (w->o->state) {
                docker_client_stats(w->c, &after);
                agent_state_reconciled(w->o->state, &set, res.plan ? &res : NULL,
                                       run.nresults ? &run : NULL,
                                       after.total - before.total + run.calls, failure);
        }
        if (w->o->reconciled)
                w->o->reconciled(w->o->userdata);
        plan_run_release(&run);
        apply_result_release(&res);
        free(frozen);
        berth_lock_release(lock);
        manifest_set_release(&set);
}

/* ---- the engine's events ------------------------------------------------ */

static void events_close(struct watch *w, const char *why)
{
        char ms[32];

        if (w->ev) {
                epoll_ctl(w->ep, EPOLL_CTL_DEL, docker_events_fd(w->ev), NULL);
                docker_events_close(w->ev);
                w->ev = NULL;
        }
        snprintf(ms, sizeof(ms), "%.1f", (double)w->reconnect_ms / 1000);
        wlog_line(&w->log, "warn", "engine events stream lost", "error", why, "reconnect_in", ms,
                  NULL);
        timer_arm(w, T_RECONNECT, w->reconnect_ms, 0);
        w->reconnect_ms =
            w->reconnect_ms * 2 > RECONNECT_MAX_MS ? RECONNECT_MAX_MS : w->reconnect_ms * 2;
}

static int on_event(const struct docker_event *ev, void *ud)
{
        struct watch *w = ud;
        const char *project = docker_event_attr(ev, BERTH_LABEL_PROJECT);
        struct backoff *b;
        char why[200];

        if (own_event(w, ev))
                return 0;
        /* One death soon after a change is repaired at once (it may be a
         * hand's kill); a second in a row is a crash loop and backs off. */
        if (project && !strcmp(ev->action, "die") && (b = backoff_find(w, project))) {
                if (mono_s() - b->applied_at >= CRASH_WINDOW_S)
                        b->failures = b->quick_deaths = 0; /* it had been up a while */
                else if (++b->quick_deaths >= 2)
                        backoff_fail(w, project);
        }
        snprintf(why, sizeof(why), "engine:%s:%s", ev->action, project ? project : "?");
        wlog_line(&w->log, "info", "engine event", "action", ev->action, "container", ev->name,
                  "project", project ? project : "", NULL);
        want(w, why, T_EVENT, WATCH_EVENT_DELAY_MS);
        return 0;
}

static void events_read(struct watch *w)
{
        struct berth_err err;
        int eof = 0;

        if (docker_events_read(w->ev, on_event, w, &eof, &err) < 0)
                events_close(w, err.msg);
        else if (eof)
                events_close(w, "the engine ended the stream");
}

static void events_open(struct watch *w)
{
        static const char *const types[] = {"container", NULL};
        static const char *const actions[] = {"die", "stop", "kill", "destroy", "oom", NULL};
        char label[128];
        const char *labels[] = {label, NULL};
        struct docker_event_filter f = {.types = types, .labels = labels, .events = actions};
        struct epoll_event ee = {.events = EPOLLIN, .data.u32 = TAG_EVENTS};
        struct berth_err err;
        int first = w->reconnect_ms == 0;

        snprintf(label, sizeof(label), "%s=%s", BERTH_LABEL_SCOPE, w->o->scope);
        if (!w->reconnect_ms)
                w->reconnect_ms = RECONNECT_MIN_MS;
        if (docker_events_open(&w->ev, w->c, &f, &err) < 0) {
                events_close(w, err.msg);
                return;
        }
        epoll_ctl(w->ep, EPOLL_CTL_ADD, docker_events_fd(w->ev), &ee);
        if (!first) {
                wlog_line(&w->log, "info", "engine events stream back", NULL);
                want(w, "reconnect", T_EVENT, 1); /* events may have been lost */
        }
        w->reconnect_ms = RECONNECT_MIN_MS;
        events_read(w); /* what came with the head */
}

/* ---- the loop ----------------------------------------------------------- */

static int setup(struct watch *w, int sig[2], struct berth_err *err)
{
        struct epoll_event ee = {.events = EPOLLIN};
        int i, r;

        w->ep = epoll_create1(EPOLL_CLOEXEC);
        if (w->ep < 0)
                return berth_err_set(err, BERTH_EIO, "cannot create the event loop: %s",
                                     strerror(errno));
        for (i = 0; i < T_COUNT; i++) {
                w->timers[i] = timerfd_create(CLOCK_MONOTONIC, TFD_NONBLOCK | TFD_CLOEXEC);
                if (w->timers[i] < 0)
                        return berth_err_set(err, BERTH_EIO, "cannot create a timer: %s",
                                             strerror(errno));
                ee.data.u32 = (uint32_t)i;
                epoll_ctl(w->ep, EPOLL_CTL_ADD, w->timers[i], &ee);
        }
        if (pipe2(sig, O_CLOEXEC | O_NONBLOCK) < 0)
                return berth_err_set(err, BERTH_EIO, "cannot set up signals: %s", strerror(errno));
        stopsig_set_wake(sig[1]);
        stopsig_install(NULL, 1);
        ee.data.u32 = TAG_SIGNAL;
        epoll_ctl(w->ep, EPOLL_CTL_ADD, sig[0], &ee);
        if (fsw_open(&w->fsw, w->root, err) < 0)
                return err->code;
        ee.data.u32 = TAG_FS;
        epoll_ctl(w->ep, EPOLL_CTL_ADD, fsw_fd(w->fsw), &ee);
        r = docker_client_from_env(&w->c, w->o->host, err);
        /* a stop signal ends a read the engine does not answer */
        if (r == 0)
                docker_client_cancel_reads(w->c, &stopsig_stop);
        return r;
}

int watch_run(const struct watch_options *o, struct berth_err *err)
{
        struct watch w;
        struct epoll_event evs[8];
        long resync_ms = (o->resync_s > 0 ? o->resync_s : WATCH_DEFAULT_RESYNC_S) * 1000L;
        long debounce = o->debounce_ms > 0 ? o->debounce_ms : WATCH_DEFAULT_DEBOUNCE_MS;
        int sig[2] = {-1, -1}, n, i, r, changed;
        char buf[64], dms[32], rs[32];

        memset(&w, 0, sizeof(w));
        w.o = o;
        w.log.f = o->log ? o->log : stderr;
        w.log.json = o->log_json;
        w.root = o->root ? o->root : MANIFEST_DEFAULT_ROOT;
        w.ep = -1;
        for (i = 0; i < T_COUNT; i++)
                w.timers[i] = -1;
        atomic_store(&stopsig_stop, 0);
        atomic_store(&stopsig_hup, 0);
        srand((unsigned)(getpid() ^ time(NULL)));
        berth_err_clear(err);
        if ((r = setup(&w, sig, err)) < 0)
                goto out;
        snprintf(dms, sizeof(dms), "%ld", debounce);
        snprintf(rs, sizeof(rs), "%ld", resync_ms / 1000);
        wlog_line(&w.log, "info", "watching", "root", w.root, "scope", o->scope, "debounce_ms", dms,
                  "resync_s", rs, NULL);
        events_open(&w);
        timer_arm(&w, T_RESYNC, resync_ms, resync_ms);
        want(&w, "start", T_EVENT, 1);
        while (!atomic_load(&stopsig_stop)) {
                n = epoll_wait(w.ep, evs, 8, -1);
                if (n < 0 && errno == EINTR)
                        continue;
                if (n < 0) {
                        r = berth_err_set(err, BERTH_EIO, "the event loop failed: %s",
                                          strerror(errno));
                        goto out;
                }
                for (i = 0; i < n; i++) {
                        uint32_t tag = evs[i].data.u32;

                        if (tag == TAG_SIGNAL) {
                                while (read(sig[0], buf, sizeof(buf)) > 0)
                                        ;
                                if (atomic_exchange(&stopsig_hup, 0)) {
                                        wlog_line(&w.log, "info", "reload (SIGHUP)", NULL);
                                        want(&w, "sighup", T_EVENT, 1);
                                }
                        } else if (tag == TAG_FS) {
                                changed = 0;
                                if (fsw_read(w.fsw, &changed, err) < 0)
                                        wlog_line(&w.log, "error", "manifest watcher", "error",
                                                  err->msg, NULL);
                                if (changed) {
                                        w.debouncing = 1;
                                        want(&w, "manifests", T_DEBOUNCE, debounce);
                                }
                        } else if (tag == TAG_EVENTS) {
                                if (w.ev)
                                        events_read(&w);
                        } else if (tag < T_COUNT) {
                                timer_drain(w.timers[tag]);
                                if (tag == T_RECONNECT)
                                        events_open(&w);
                                else if (tag == T_RESYNC)
                                        want(&w, "resync", T_EVENT, 1);
                                else if (tag == T_RETRY)
                                        want(&w, "backoff", T_EVENT, 1);
                                else if (tag == T_DEBOUNCE)
                                        w.debouncing = 0;
                                if (tag != T_RECONNECT && w.pending && !w.debouncing &&
                                    !atomic_load(&stopsig_stop))
                                        reconcile(&w);
                        }
                }
        }
        wlog_line(&w.log, "info", "stopping (signal)", NULL);
        r = 0;
out:
        own_forget(&w);
        while (w.nbo)
                free(w.bo[--w.nbo].project);
        free(w.bo);
        docker_events_close(w.ev);
        docker_client_free(w.c);
        fsw_free(w.fsw);
        for (i = 0; i < T_COUNT; i++)
                if (w.timers[i] >= 0)
                        close(w.timers[i]);
        if (w.ep >= 0)
                close(w.ep);
        stopsig_set_wake(-1);
        if (sig[0] >= 0) {
                close(sig[0]);
                close(sig[1]);
        }
        return r;
}
