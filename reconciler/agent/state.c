/* state.c - the bookkeeping of agent/state.h. */
#include "agent/state.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include "apply/apply.h"
#include "manifest/load.h"
#include "model/actual.h"
#include "model/model.h"

static double now_unix(void)
{
        struct timespec ts;

        clock_gettime(CLOCK_REALTIME, &ts);
        return (double)ts.tv_sec + (double)ts.tv_nsec / 1e9;
}

/* Replace *slot with a copy of v (NULL clears it); out of memory clears. */
static void set_str(char **slot, const char *v)
{
        free(*slot);
        *slot = v ? strdup(v) : NULL;
}

const char *agent_result_name(enum agent_result r)
{
        static const char *const names[] = {
            [AGENT_OK] = "ok", [AGENT_FAILED] = "failed", [AGENT_INVALID] = "invalid"};

        return r < AGENT_RESULTS ? names[r] : "unknown";
}

struct agent_state *agent_state_new(const char *scope, const char *root)
{
        struct agent_state *s = calloc(1, sizeof(*s));

        if (!s)
                return NULL;
        pthread_mutex_init(&s->mu, NULL);
        s->scope = strdup(scope ? scope : "");
        s->root = strdup(root ? root : "");
        if (!s->scope || !s->root) {
                agent_state_free(s);
                return NULL;
        }
        return s;
}

static void project_release(struct agent_project *p)
{
        free(p->name);
        free(p->revision);
        free(p->error);
        free(p->error_revision);
}

void agent_state_free(struct agent_state *s)
{
        size_t i;

        if (!s)
                return;
        for (i = 0; i < s->nprojects; i++)
                project_release(&s->projects[i]);
        free(s->projects);
        free(s->scope);
        free(s->root);
        free(s->repo);
        free(s->ref);
        free(s->path);
        free(s->subject);
        free(s->fetch_error);
        pthread_mutex_destroy(&s->mu);
        free(s);
}

void agent_state_lock(struct agent_state *s)
{
        pthread_mutex_lock(&s->mu);
}

void agent_state_unlock(struct agent_state *s)
{
        pthread_mutex_unlock(&s->mu);
}

void agent_state_follow(struct agent_state *s, const char *repo, const char *ref, const char *path)
{
        agent_state_lock(s);
        set_str(&s->repo, repo);
        set_str(&s->ref, ref);
        set_str(&s->path, path);
        agent_state_unlock(s);
}

void agent_state_fetch_ok(struct agent_state *s, const char *commit, const char *subject)
{
        agent_state_lock(s);
        snprintf(s->fetched, sizeof(s->fetched), "%s", commit);
        set_str(&s->subject, subject);
        set_str(&s->fetch_error, NULL);
        s->fetch_failures = 0;
        s->fetches[0]++;
        s->last_fetch = now_unix();
        agent_state_unlock(s);
}

void agent_state_fetch_failed(struct agent_state *s, const char *error)
{
        agent_state_lock(s);
        set_str(&s->fetch_error, error);
        s->fetch_failures++;
        s->fetches[1]++;
        agent_state_unlock(s);
}

void agent_state_checked_out(struct agent_state *s, const char *commit)
{
        agent_state_lock(s);
        snprintf(s->checked_out, sizeof(s->checked_out), "%s", commit);
        agent_state_unlock(s);
}

/* ---- per project -------------------------------------------------------- */

static struct agent_project *project_get(struct agent_state *s, const char *name)
{
        struct agent_project *v;
        size_t i;

        for (i = 0; i < s->nprojects; i++) {
                int c = strcmp(s->projects[i].name, name);

                if (!c)
                        return &s->projects[i];
                if (c > 0)
                        break;
        }
        v = realloc(s->projects, (s->nprojects + 1) * sizeof(*v));
        if (!v)
                return NULL;
        s->projects = v;
        memmove(&v[i + 1], &v[i], (s->nprojects - i) * sizeof(*v));
        memset(&v[i], 0, sizeof(*v));
        v[i].name = strdup(name);
        v[i].revision = strdup("");
        if (!v[i].name || !v[i].revision) {
                project_release(&v[i]);
                memmove(&v[i], &v[i + 1], (s->nprojects - i) * sizeof(*v));
                return NULL;
        }
        s->nprojects++;
        return &v[i];
}

/* The first error diagnostic of a file, formatted; NULL if none. */
static const char *file_error(const struct manifest_set *set, const char *file, char *buf,
                              size_t size)
{
        size_t i;

        for (i = 0; i < set->diags.n; i++)
                if (set->diags.v[i].severity == DIAG_ERROR && !strcmp(set->diags.v[i].file, file))
                        return diag_format(&set->diags.v[i], buf, size);
        return NULL;
}

/* The project a manifest that did not load stands for: the one whose
 * containers it made (berth.source: what stays frozen), else the one it
 * names or would name (a syntax error leaves only the file's stem), else
 * its path. */
static const char *failed_project(const struct manifest_failed *m, const struct actual_state *a)
{
        size_t i;

        for (i = 0; a && i < a->ncontainers; i++)
                if (a->containers[i].source && !strcmp(a->containers[i].source, m->rel) &&
                    *a->containers[i].project)
                        return a->containers[i].project;
        return m->project ? m->project : m->rel;
}

/* Services of project p with a change to make at the last observe. */
static long project_drift(const struct diff_result *d, const char *p)
{
        const char *last = NULL;
        long n = 0;
        size_t i;

        for (i = 0; d && i < d->nchanges; i++) {
                const struct diff_change *c = &d->changes[i];

                if (c->kind != DIFF_CONTAINER || strcmp(c->project, p) ||
                    c->action == DIFF_COMPLETED || c->action == DIFF_FROZEN)
                        continue;
                /* containers come by service: count each service once */
                if (!last || strcmp(last, c->service ? c->service : ""))
                        n++;
                last = c->service ? c->service : "";
        }
        return n;
}

/* The first operation of project p that did not succeed, or NULL. */
static const struct plan_op_result *project_failure(const struct plan *p,
                                                    const struct plan_run *run, const char *name)
{
        size_t i;

        for (i = 0; p && run && i < run->nresults && i < p->nops; i++)
                if (p->ops[i].project && !strcmp(p->ops[i].project, name) &&
                    run->results[i].status != PLAN_DONE)
                        return &run->results[i];
        return NULL;
}

static void record_project(struct agent_state *s, const char *name, enum agent_result r,
                           const char *error, long drifted, const char *revision, double now)
{
        struct agent_project *p = project_get(s, name);

        if (!p)
                return;
        p->result = r;
        p->drifted = drifted;
        p->last_reconcile = now;
        if (r == AGENT_OK) {
                set_str(&p->revision, revision);
                set_str(&p->error, NULL);
                set_str(&p->error_revision, NULL);
                if (!p->revision)
                        p->revision = strdup("");
        } else {
                set_str(&p->error, error);
                set_str(&p->error_revision, r == AGENT_INVALID ? revision : NULL);
        }
}

void agent_state_reconciled(struct agent_state *s, const struct manifest_set *set,
                            const struct apply_result *res, const struct plan_run *run,
                            unsigned long api_calls, const char *error)
{
        const struct plan *plan = res ? res->plan : NULL;
        const struct diff_result *diff = res ? res->diff : NULL;
        const char *revision = res ? res->revision : "";
        enum agent_result overall = AGENT_OK;
        double now = now_unix();
        char line[2048];
        size_t i;

        agent_state_lock(s);
        s->api_calls += api_calls;
        s->last_reconcile = now;
        s->engine_up = res && res->actual;
        snprintf(s->applied, sizeof(s->applied), "%s", revision);
        for (i = 0; plan && run && i < run->nresults && i < plan->nops; i++)
                if (plan->ops[i].kind < AGENT_OP_KINDS && run->results[i].status < AGENT_OP_RESULTS)
                        s->ops[plan->ops[i].kind][run->results[i].status]++;
        s->drifted = 0;
        /* The projects that loaded: ok unless an operation of theirs failed,
         * or the whole reconcile did. */
        for (i = 0; set && set->state && i < set->state->nprojects; i++) {
                const char *name = set->state->projects[i].name;
                const struct plan_op_result *f = project_failure(plan, run, name);
                long drift = project_drift(diff, name);
                enum agent_result r = f || error ? AGENT_FAILED : AGENT_OK;

                s->drifted += drift;
                record_project(s, name, r, f ? f->message : error, drift, revision, now);
                if (r != AGENT_OK)
                        overall = AGENT_FAILED;
        }
        /* The files that did not: their projects are left as they were. */
        for (i = 0; set && i < set->nfailed; i++) {
                const struct manifest_failed *m = &set->failed[i];
                const char *e = file_error(set, m->name, line, sizeof(line));

                record_project(s, failed_project(m, res ? res->actual : NULL), AGENT_INVALID,
                               e ? e : "the manifest did not load", 0, revision, now);
                if (overall == AGENT_OK)
                        overall = AGENT_INVALID;
        }
        /* Projects no manifest declares any more are gone from the list
         * (each one recorded above carries this reconcile's time). */
        for (i = 0; set && i < s->nprojects;) {
                if (s->projects[i].last_reconcile != now) {
                        project_release(&s->projects[i]);
                        memmove(&s->projects[i], &s->projects[i + 1],
                                (s->nprojects - i - 1) * sizeof(*s->projects));
                        s->nprojects--;
                } else {
                        i++;
                }
        }
        if (error)
                overall = AGENT_FAILED;
        s->reconciles[overall]++;
        if (overall == AGENT_OK)
                s->last_sync = now;
        agent_state_unlock(s);
}
