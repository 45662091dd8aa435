/* exec.c - the plan's operations against the engine (the rules are in
 * exec.h). */
#include "exec/exec.h"

#include <limits.h>
#include <pthread.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include "common/labels.h"
#include "docker/container.h"
#include "docker/image.h"
#include "docker/network.h"
#include "docker/volume.h"
#include "exec/spec.h"

#define POLL_MS 200
/* The engine's stop timeout for a container made without one (20.10:
 * container.DefaultStopTimeout). */
#define ENGINE_STOP_TIMEOUT_S 10

struct run {
        const struct plan *p;
        const struct exec_options *o;
        struct plan_run *out;
        pthread_mutex_t mu;
        pthread_cond_t cv;
        unsigned char *running; /* per op: a worker has it */
        size_t *height; /* per op: ops on its longest chain of dependents, itself included */
        size_t nrunning;
        unsigned long calls, mutating;
        int engine_lost; /* an operation could not reach the engine: start no more */
        int client_failed;
        struct berth_err client_err;
};

struct job {
        struct run *run;
        struct docker_client *c;
        const struct plan_op *op;
        struct plan_op_result *res;
        struct berth_err err;
};

static double now_s(void)
{
        struct timespec ts;

        clock_gettime(CLOCK_MONOTONIC, &ts);
        return (double)ts.tv_sec + (double)ts.tv_nsec / 1e9;
}

static int stopping(const struct run *run)
{
        return run->o->stop && atomic_load(run->o->stop);
}

static void sleep_ms(long ms)
{
        struct timespec ts = {ms / 1000, (ms % 1000) * 1000000L};

        nanosleep(&ts, NULL);
}

/* ---- labels ------------------------------------------------------------- */

/* The user's labels plus berth's ownership labels, in the job's arena
 * (plain malloc, freed by the caller). */
static struct docker_kv *labels_with(size_t *n, const struct model_kvlist *user,
                                     const struct docker_kv *own, size_t nown)
{
        struct docker_kv *kv = calloc(user->n + nown + 1, sizeof(*kv));
        size_t i;

        if (!kv)
                return NULL;
        for (i = 0; i < user->n; i++) {
                kv[i].key = user->v[i].key;
                kv[i].value = user->v[i].value ? user->v[i].value : "";
        }
        if (nown) /* kv_of() passes no own labels: memcpy from NULL is undefined */
                memcpy(kv + user->n, own, nown * sizeof(*own));
        *n = user->n + nown;
        return kv;
}

static struct docker_kv *kv_of(size_t *n, const struct model_kvlist *l)
{
        return labels_with(n, l, NULL, 0);
}

/* ---- networks and volumes ----------------------------------------------- */

static int network_create(struct job *j)
{
        const struct model_network *mn = j->op->change->network_desired;
        const struct docker_kv own[] = {
            {BERTH_LABEL_SCOPE, j->run->o->scope},
            {BERTH_LABEL_PROJECT, j->op->project},
            {BERTH_LABEL_NETWORK, mn->name},
        };
        struct docker_network_spec spec = {0};
        struct docker_ipam_pool pool = {mn->subnet, NULL, mn->gateway};
        size_t nlabels = 0, nopts = 0;
        struct docker_kv *labels = labels_with(&nlabels, &mn->labels, own, 3);
        struct docker_kv *opts = kv_of(&nopts, &mn->driver_opts);
        int r;

        if (!labels || !opts) {
                r = berth_err_set(&j->err, BERTH_ENOMEM, "out of memory");
                goto out;
        }
        spec.name = mn->engine_name;
        spec.driver = mn->driver;
        spec.labels = labels;
        spec.n_labels = nlabels;
        spec.options = opts;
        spec.n_options = nopts;
        spec.ipam = &pool;
        spec.n_ipam = mn->subnet || mn->gateway ? 1 : 0;
        spec.internal = mn->internal;
        spec.attachable = mn->attachable;
        spec.enable_ipv6 = mn->enable_ipv6;
        r = docker_network_create(NULL, j->c, &spec, &j->err);
        if (r == BERTH_ECONFLICT)
                r = berth_err_set(&j->err, BERTH_ECONFLICT,
                                  "network '%s' exists but is not berth's (scope '%s'): remove "
                                  "or rename it, or declare it external",
                                  mn->engine_name, j->run->o->scope);
out:
        free(labels);
        free(opts);
        return r;
}

static int volume_create(struct job *j)
{
        const struct model_volume *mv = j->op->change->volume_desired;
        const struct docker_kv own[] = {
            {BERTH_LABEL_SCOPE, j->run->o->scope},
            {BERTH_LABEL_PROJECT, j->op->project},
            {BERTH_LABEL_VOLUME, mv->name},
        };
        struct docker_volume_spec spec = {0};
        struct docker_volume vol = {0};
        size_t nlabels = 0, nopts = 0;
        struct docker_kv *labels = labels_with(&nlabels, &mv->labels, own, 3);
        struct docker_kv *opts = kv_of(&nopts, &mv->driver_opts);
        const char *scope;
        int r;

        if (!labels || !opts) {
                r = berth_err_set(&j->err, BERTH_ENOMEM, "out of memory");
                goto out;
        }
        spec.name = mv->engine_name;
        spec.driver = mv->driver;
        spec.labels = labels;
        spec.n_labels = nlabels;
        spec.driver_opts = opts;
        spec.n_driver_opts = nopts;
        r = docker_volume_create(&vol, j->c, &spec, &j->err);
        /* The engine answers with an existing volume unchanged: adopting one
         * that is not ours would hand its data to our containers. */
        scope = r == 0 ? docker_kv_get(vol.labels, vol.n_labels, BERTH_LABEL_SCOPE) : NULL;
        if (r == 0 && (!scope || strcmp(scope, j->run->o->scope)))
                r = berth_err_set(&j->err, BERTH_ECONFLICT,
                                  "volume '%s' exists but is not berth's (scope '%s'): remove or "
                                  "rename it, or declare it external",
                                  mv->engine_name, j->run->o->scope);
        docker_volume_release(&vol);
out:
        free(labels);
        free(opts);
        return r;
}

static int image_pull(struct job *j)
{
        struct docker_image_info info;
        int r;

        if (j->op->pull_policy == MODEL_PULL_MISSING) {
                docker_image_info_init(&info);
                r = docker_image_inspect(&info, j->c, j->op->name, &j->err);
                docker_image_info_release(&info);
                if (r == 0)
                        return 0;
                if (r != BERTH_ENOTFOUND)
                        return r;
        }
        return docker_image_pull_auto(j->c, j->op->name, NULL, NULL, NULL, NULL, &j->err);
}

/* ---- waiting on containers ---------------------------------------------- */

enum want { WANT_STARTED, WANT_HEALTHY, WANT_COMPLETED, WANT_READY };

/* 1 when container is where want says, 0 not yet, < 0 never will be
 * (j->err says why).  what: "dependency 'db'" or "new replica". */
static int container_is(struct job *j, const char *container, enum want want, const char *what)
{
        struct docker_container_info info = {0};
        const struct docker_container_state *st = &info.state;
        int r = docker_container_inspect(&info, j->c, container, &j->err);

        if (r < 0) {
                if (r == BERTH_ENOTFOUND)
                        r = berth_err_set(&j->err, BERTH_ENOTFOUND,
                                          "%s: container '%s' does not exist", what, container);
                goto out;
        }
        r = 0;
        switch (want) {
        case WANT_STARTED:
                r = st->running || !strcmp(st->status, "exited");
                break;
        case WANT_COMPLETED:
                if (!strcmp(st->status, "exited") || !strcmp(st->status, "dead"))
                        r = st->exit_code == 0
                                ? 1
                                : berth_err_set(&j->err, BERTH_ERROR,
                                                "%s did not complete successfully: container "
                                                "'%s' exited with code %ld",
                                                what, container, st->exit_code);
                break;
        case WANT_HEALTHY:
                if (!st->has_health) {
                        r = berth_err_set(&j->err, BERTH_EINVALID,
                                          "%s has no healthcheck: container '%s' cannot become "
                                          "healthy (use condition service_started, or add a "
                                          "healthcheck)",
                                          what, container);
                        break;
                }
                /* fall through */
        case WANT_READY:
                if (!st->running && !st->restarting && strcmp(st->status, "created"))
                        r = berth_err_set(&j->err, BERTH_ERROR,
                                          "%s exited before it was ready: container '%s' exited "
                                          "with code %ld",
                                          what, container, st->exit_code);
                else if (!st->has_health)
                        r = st->running;
                else if (!strcmp(st->health, "healthy"))
                        r = 1;
                else if (!strcmp(st->health, "unhealthy"))
                        r = berth_err_set(&j->err, BERTH_ERROR,
                                          "%s is unhealthy: container '%s' failed its "
                                          "healthcheck",
                                          what, container);
                break;
        }
out:
        docker_container_info_release(&info);
        return r;
}

static int wait_for(struct job *j, const char *container, enum want want, const char *what,
                    int timeout_s)
{
        static const char *const goal[] = {"to start", "to become healthy", "to complete",
                                           "to become ready"};
        double deadline = now_s() + timeout_s;
        int r;

        for (;;) {
                if ((r = container_is(j, container, want, what)) != 0)
                        return r < 0 ? r : 0;
                if (stopping(j->run))
                        return berth_err_set(&j->err, BERTH_ECANCELLED,
                                             "interrupted while waiting for %s %s", what,
                                             goal[want]);
                if (now_s() >= deadline)
                        return berth_err_set(&j->err, BERTH_ETIMEOUT,
                                             "%s did not %s within %d s: container '%s'", what,
                                             goal[want] + 3, timeout_s, container);
                sleep_ms(POLL_MS);
        }
}

/* Did an op this one waits for start container `name` in this run?  An
 * op runs only once every op it waits for is done, so that start answered
 * 2xx: the container has run, and service_started holds without asking
 * the engine. */
static int started_here(const struct run *run, const struct plan_op *op, const char *name)
{
        const struct plan_op *d;
        size_t k;

        for (k = 0; k < op->ndeps; k++) {
                d = &run->p->ops[op->deps[k]];
                if ((d->kind == PLAN_CONTAINER_CREATE || d->kind == PLAN_CONTAINER_START ||
                     d->kind == PLAN_CONTAINER_RECREATE) &&
                    !strcmp(d->name, name))
                        return 1;
        }
        return 0;
}

static int gates_pass(struct job *j)
{
        static const enum want wants[] = {
            [MODEL_COND_STARTED] = WANT_STARTED,
            [MODEL_COND_HEALTHY] = WANT_HEALTHY,
            [MODEL_COND_COMPLETED] = WANT_COMPLETED,
        };
        const struct plan_op *op = j->op;
        char what[320];
        size_t i;
        int r, timeout = j->run->o->gate_timeout_s > 0 ? j->run->o->gate_timeout_s
                                                       : EXEC_DEFAULT_GATE_TIMEOUT_S;

        for (i = 0; i < op->ngates; i++) {
                if (op->gates[i].condition == MODEL_COND_STARTED &&
                    started_here(j->run, op, op->gates[i].container))
                        continue;
                snprintf(what, sizeof(what), "dependency '%s'", op->gates[i].service);
                r = wait_for(j, op->gates[i].container, wants[op->gates[i].condition], what,
                             timeout);
                if (r < 0)
                        return r;
        }
        return 0;
}

/* ---- containers --------------------------------------------------------- */

/* A create refused with BERTH_ECONFLICT: the name is taken (container.h),
 * by a container of no scope or another one (the plan saw every container
 * of this scope), which berth leaves alone.  Say what to do. */
static void name_taken_advice(struct job *j)
{
        char was[sizeof(j->err.msg)];

        snprintf(was, sizeof(was), "%s", j->err.msg);
        snprintf(j->err.msg, sizeof(j->err.msg),
                 "%s, which is not berth's in scope '%s' (remove or rename that container, or "
                 "give the service another container_name)",
                 was, j->run->o->scope);
}

/* Create container `name` for the op's change (temp: a start-first
 * replacement), join its other networks and start it. */
static int container_up(struct job *j, const char *name, int temp)
{
        const struct diff_change *c = j->op->change;
        struct exec_spec_meta meta = {j->run->o->scope, j->run->o->revision, temp};
        struct exec_spec *es = NULL;
        size_t i;
        int r;

        r = exec_spec_build(&es, c->project_desired, c->service_desired, c->replica, name, &meta,
                            &j->err);
        if (r == 0)
                r = docker_container_create(NULL, j->c, &es->spec, &j->err);
        if (r == BERTH_ECONFLICT)
                name_taken_advice(j);
        for (i = 0; r == 0 && i < es->nconnect; i++)
                r = docker_network_connect(j->c, es->connect[i].network, name,
                                           &es->connect[i].attach, &j->err);
        if (r == 0)
                r = docker_container_start(j->c, name, &j->err);
        exec_spec_free(es);
        return r;
}

/* The stop timeout berth gave the container, in seconds, from its
 * berth.applied label (stop_grace_period, rounded up as the create did;
 * null: the engine's default); -1 when the label does not say (missing,
 * not JSON, a value the create could not have made). */
static int applied_stop_timeout(const struct actual_container *ac)
{
        json_t *applied = ac->applied[0] ? json_loads(ac->applied, 0, NULL) : NULL;
        json_t *v = json_object_get(applied, "stop_grace_period");
        json_int_t ns;
        int r = -1;

        if (applied && (!v || json_is_null(v))) {
                r = ENGINE_STOP_TIMEOUT_S;
        } else if (json_is_integer(v) && (ns = json_integer_value(v)) >= 0) {
                ns = model_duration_seconds_up(ns);
                r = ns <= INT_MAX ? (int)ns : -1;
        }
        json_decref(applied);
        return r;
}

/* Stop and remove; a container already gone is fine.  The stop names the
 * container's own stop timeout (stop_grace_period): a stop that leaves it
 * to the engine cannot know how long to wait for the answer, and would
 * wait for ever on an engine that does not answer.  The timeout comes from
 * the berth.applied label; only a container without one is inspected. */
static int container_down(struct job *j, const struct actual_container *ac)
{
        struct docker_container_info info = {0};
        const json_t *t;
        int r = 0, grace = applied_stop_timeout(ac);

        if (grace < 0) {
                grace = ENGINE_STOP_TIMEOUT_S;
                r = docker_container_inspect(&info, j->c, ac->id, &j->err);
                t = json_object_get(json_object_get(info.raw, "Config"), "StopTimeout");
                if (r == 0 && json_is_integer(t) && json_integer_value(t) >= 0 &&
                    json_integer_value(t) <= INT_MAX)
                        grace = (int)json_integer_value(t);
                docker_container_info_release(&info);
        }
        if (r == 0)
                r = docker_container_stop(j->c, ac->id, grace, &j->err);
        if (r == 0 || r == BERTH_ECONFLICT)
                r = docker_container_remove(j->c, ac->id, DOCKER_REMOVE_FORCE, &j->err);
        return r == BERTH_ENOTFOUND ? 0 : r;
}

static int recreate_start_first(struct job *j)
{
        const struct diff_change *c = j->op->change;
        const struct model_service *s = c->service_desired;
        const char *temp = j->op->temp_name;
        int monitor =
            s->update_monitor != MODEL_UNSET && s->update_monitor > 0
                ? (int)model_duration_seconds_up(s->update_monitor)
                : (j->run->o->monitor_s > 0 ? j->run->o->monitor_s : EXEC_DEFAULT_MONITOR_S);
        struct berth_err cleanup;
        int r, up;

        r = container_up(j, temp, 1);
        up = r == 0;
        if (up)
                r = wait_for(j, temp, WANT_READY, "the new replica", monitor);
        /* continue carries on with a new replica that runs but did not get
         * ready; one that could not even be made or started is never swapped
         * in. */
        if (r < 0 && (!up || s->failure_action != MODEL_FAIL_CONTINUE)) {
                /* The old one keeps serving; the new one goes. */
                berth_err_clear(&cleanup);
                docker_container_remove(j->c, temp, DOCKER_REMOVE_FORCE, &cleanup);
                if (s->failure_action == MODEL_FAIL_ROLLBACK) {
                        j->res->status = PLAN_ROLLED_BACK;
                        berth_err_prefix(&j->err, "'%s' kept running", c->name);
                }
                return r;
        }
        berth_err_clear(&j->err);
        if ((r = container_down(j, c->container)) < 0)
                return r;
        return docker_container_rename(j->c, temp, c->name, &j->err);
}

static int container_op(struct job *j)
{
        const struct plan_op *op = j->op;
        const struct diff_change *c = op->change;
        int r;

        if (op->kind == PLAN_CONTAINER_REMOVE)
                return container_down(j, c->container);
        if ((r = gates_pass(j)) < 0)
                return r;
        switch (op->kind) {
        case PLAN_CONTAINER_CREATE:
                return container_up(j, c->name, 0);
        case PLAN_CONTAINER_START:
                r = docker_container_start(j->c, c->container->id, &j->err);
                /* A dockerd killed while it started this container can
                 * leave containerd holding its task: every start then fails
                 * with "task ... already exists" until the container is
                 * gone.  One that never ran has nothing to keep: make it
                 * again. */
                if (r < 0 && c->container->state == ACTUAL_CREATED &&
                    strstr(j->err.msg, "already exists") &&
                    docker_container_remove(j->c, c->container->id, DOCKER_REMOVE_FORCE, &j->err) ==
                        0)
                        return container_up(j, c->name, 0);
                return r;
        case PLAN_CONTAINER_RECREATE:
                if (op->start_first)
                        return recreate_start_first(j);
                if ((r = container_down(j, c->container)) < 0)
                        return r;
                return container_up(j, c->name, 0);
        default:
                return berth_err_set(&j->err, BERTH_ERROR, "not a container operation");
        }
}

static int op_run(struct job *j)
{
        int r;

        switch (j->op->kind) {
        case PLAN_NETWORK_CREATE:
                return network_create(j);
        case PLAN_VOLUME_CREATE:
                return volume_create(j);
        case PLAN_IMAGE_PULL:
                return image_pull(j);
        case PLAN_NETWORK_REMOVE:
                r = docker_network_remove(j->c, j->op->name, &j->err);
                return r == BERTH_ENOTFOUND ? 0 : r;
        case PLAN_VOLUME_REMOVE:
                r = docker_volume_remove(j->c, j->op->name, 0, &j->err);
                return r == BERTH_ENOTFOUND ? 0 : r;
        default:
                return container_op(j);
        }
}

/* ---- the pool ----------------------------------------------------------- */

static int failed(enum plan_status s)
{
        return s == PLAN_FAILED || s == PLAN_SKIPPED || s == PLAN_ROLLED_BACK ||
               s == PLAN_INTERRUPTED;
}

static void report(struct run *run, size_t i)
{
        if (run->o->progress)
                run->o->progress(run->o->userdata, i, &run->out->results[i]);
}

/* After op `done` ended badly: skip what waits for it (ops are in order,
 * so one pass reaches every transitive dependent).  Under the lock. */
static void skip_dependents(struct run *run, size_t done)
{
        const struct plan *p = run->p;
        struct plan_op_result *res = run->out->results;
        size_t i, k;

        for (i = done + 1; i < p->nops; i++) {
                if (res[i].status != PLAN_PENDING || run->running[i])
                        continue;
                for (k = 0; k < p->ops[i].ndeps; k++)
                        if (failed(res[p->ops[i].deps[k]].status))
                                break;
                if (k == p->ops[i].ndeps)
                        continue;
                res[i].status = PLAN_SKIPPED;
                snprintf(res[i].message, sizeof(res[i].message), "'%s' %s",
                         p->ops[p->ops[i].deps[k]].name,
                         res[p->ops[i].deps[k]].status == PLAN_SKIPPED       ? "was skipped"
                         : res[p->ops[i].deps[k]].status == PLAN_ROLLED_BACK ? "was rolled back"
                                                                             : "failed");
                report(run, i);
        }
}

/* Of the pending ops whose deps all succeeded, the one heading the
 * longest chain of ops that wait for it (critical path first: with fewer
 * workers than ready ops, starting the short chains first leaves the long
 * ones to run one op at a time at the end), the lowest of equals; SIZE_MAX
 * when none is ready. */
static size_t next_ready(const struct run *run)
{
        const struct plan *p = run->p;
        const struct plan_op_result *res = run->out->results;
        size_t i, k, best = SIZE_MAX;

        for (i = 0; i < p->nops; i++) {
                if (res[i].status != PLAN_PENDING || run->running[i])
                        continue;
                if (best != SIZE_MAX && run->height[i] <= run->height[best])
                        continue;
                for (k = 0; k < p->ops[i].ndeps && res[p->ops[i].deps[k]].status == PLAN_DONE; k++)
                        ;
                if (k == p->ops[i].ndeps)
                        best = i;
        }
        return best;
}

/* height[] of exec_run: ops are in order, every dep before its op, so one
 * pass from the end sees each op's dependents before the op. */
static void heights(size_t *height, const struct plan *p)
{
        size_t i, k, d;

        for (i = 0; i < p->nops; i++)
                height[i] = 1;
        for (i = p->nops; i-- > 0;)
                for (k = 0; k < p->ops[i].ndeps; k++) {
                        d = p->ops[i].deps[k];
                        if (height[d] < height[i] + 1)
                                height[d] = height[i] + 1;
                }
}

static void cond_wait_ms(pthread_cond_t *cv, pthread_mutex_t *mu, long ms)
{
        struct timespec ts;

        clock_gettime(CLOCK_REALTIME, &ts);
        ts.tv_nsec += (ms % 1000) * 1000000L;
        ts.tv_sec += ms / 1000 + ts.tv_nsec / 1000000000L;
        ts.tv_nsec %= 1000000000L;
        pthread_cond_timedwait(cv, mu, &ts);
}

static void *worker(void *arg)
{
        struct run *run = arg;
        struct docker_client *c = NULL;
        struct docker_call_stats st = {0};
        struct job j;
        size_t i;
        double t0;
        int r;

        r = docker_client_new(&c, run->o->host, &j.err);
        if (r == 0)
                docker_client_use_api_version(c, run->o->api_version);
        pthread_mutex_lock(&run->mu);
        if (r < 0 && !run->client_failed) {
                run->client_failed = 1;
                run->client_err = j.err;
        }
        for (;;) {
                if (r < 0 || stopping(run) || run->engine_lost)
                        break;
                i = next_ready(run);
                if (i == SIZE_MAX) {
                        if (!run->nrunning)
                                break;
                        /* Timed, so that a stop request is seen while
                         * waiting for the others. */
                        cond_wait_ms(&run->cv, &run->mu, POLL_MS);
                        continue;
                }
                run->running[i] = 1;
                run->nrunning++;
                pthread_mutex_unlock(&run->mu);

                memset(&j, 0, sizeof(j));
                j.run = run;
                j.c = c;
                j.op = &run->p->ops[i];
                j.res = &run->out->results[i];
                t0 = now_s();
                r = op_run(&j);

                pthread_mutex_lock(&run->mu);
                j.res->seconds = now_s() - t0;
                if (r == 0) {
                        j.res->status = PLAN_DONE;
                } else {
                        if (j.res->status != PLAN_ROLLED_BACK)
                                j.res->status = PLAN_FAILED;
                        snprintf(j.res->message, sizeof(j.res->message), "%s",
                                 j.err.msg[0] ? j.err.msg : "failed");
                }
                run->running[i] = 0;
                run->nrunning--;
                report(run, i);
                if (r < 0)
                        skip_dependents(run, i);
                if (r == BERTH_ECONNECT)
                        run->engine_lost = 1;
                r = 0;
                pthread_cond_broadcast(&run->cv);
        }
        pthread_cond_broadcast(&run->cv);
        if (c) {
                docker_client_stats(c, &st);
                run->calls += st.total;
                run->mutating += st.mutating;
        }
        pthread_mutex_unlock(&run->mu);
        docker_client_free(c);
        return NULL;
}

int exec_run(struct plan_run *out, const struct plan *p, const struct exec_options *o,
             struct berth_err *err)
{
        struct run run = {.p = p, .o = o, .out = out};
        size_t nworkers = (size_t)(o->parallel > 0 ? o->parallel : EXEC_DEFAULT_PARALLEL), i, n = 0;
        pthread_t *threads = NULL;
        int r = 0;

        berth_err_clear(err);
        memset(out, 0, sizeof(*out));
        if (!p->nops)
                return 0;
        out->results = calloc(p->nops, sizeof(*out->results));
        run.running = calloc(p->nops, 1);
        run.height = calloc(p->nops, sizeof(*run.height));
        if (nworkers > p->nops)
                nworkers = p->nops;
        threads = calloc(nworkers, sizeof(*threads));
        if (!out->results || !run.running || !run.height || !threads) {
                free(run.running);
                free(run.height);
                free(threads);
                return berth_err_set(err, BERTH_ENOMEM, "cannot apply: out of memory");
        }
        out->nresults = p->nops;
        heights(run.height, p);
        pthread_mutex_init(&run.mu, NULL);
        pthread_cond_init(&run.cv, NULL);
        for (i = 0; i < nworkers; i++)
                if (pthread_create(&threads[n], NULL, worker, &run) == 0)
                        n++;
        if (!n)
                r = berth_err_set(err, BERTH_ERROR, "cannot apply: cannot start a worker thread");
        for (i = 0; i < n; i++)
                pthread_join(threads[i], NULL);
        if (run.client_failed && r == 0) {
                *err = run.client_err;
                r = err->code ? err->code : BERTH_ERROR;
        }
        for (i = 0; i < p->nops; i++) {
                struct plan_op_result *res = &out->results[i];

                if (res->status != PLAN_PENDING)
                        continue;
                if (run.engine_lost) { /* left pending, saying why */
                        snprintf(res->message, sizeof(res->message), "%s", PLAN_ENGINE_LOST);
                        out->engine_lost = true;
                } else {
                        res->status = PLAN_INTERRUPTED;
                        out->interrupted = true;
                }
        }
        out->calls = run.calls;
        out->mutating = run.mutating;
        pthread_cond_destroy(&run.cv);
        pthread_mutex_destroy(&run.mu);
        free(run.running);
        free(run.height);
        free(threads);
        return r;
}

void plan_run_release(struct plan_run *r)
{
        if (!r)
                return;
        free(r->results);
        memset(r, 0, sizeof(*r));
}

int plan_run_ok(const struct plan_run *r)
{
        size_t i;

        for (i = 0; i < r->nresults; i++)
                if (r->results[i].status != PLAN_DONE)
                        return 0;
        return 1;
}
