/* agent/state.h - what a long-running berth (sync, watch) knows about
 * itself, for its HTTP endpoints (agent/http.h): per project the last
 * result, revision and problem; the git follower's fetches; counters for
 * /metrics.
 *
 * Written by the watch loop (agent_state_reconciled) and the git follower
 * (agent_state_fetch_ok/_failed, agent_state_checked_out), read by the HTTP
 * server's threads.  Every read or write of the fields holds mu: readers
 * take agent_state_lock()/agent_state_unlock() around what they copy or
 * render, and keep no pointer into the state after unlocking.
 *
 * Plain data and bookkeeping: may not use cli, watch, sync, docker, exec.
 */
#ifndef BERTH_AGENT_STATE_H
#define BERTH_AGENT_STATE_H

#include <pthread.h>
#include <stddef.h>

#include "plan/plan.h"

struct manifest_set;
struct apply_result;

/* Operations by kind (enum plan_op_kind) and result (enum plan_status). */
#define AGENT_OP_KINDS (PLAN_VOLUME_REMOVE + 1)
#define AGENT_OP_RESULTS (PLAN_INTERRUPTED + 1)

/* A reconcile's outcome. */
enum agent_result {
        AGENT_OK,      /* everything it planned succeeded (or nothing to do) */
        AGENT_FAILED,  /* an operation failed, or the engine or the plan did */
        AGENT_INVALID, /* a manifest did not load (its project left as it was); the rest ok */
        AGENT_RESULTS
};
const char *agent_result_name(enum agent_result r); /* "ok", "failed", "invalid" */

struct agent_project {
        char *name;
        enum agent_result result; /* of its part of the last reconcile */
        char *revision;           /* the commit it was last applied from with no failure; "" unknown */
        char *error;              /* the last problem (a file:line:col message, an op's error), or NULL */
        char *error_revision;     /* the commit whose manifest failed to load, or NULL */
        long drifted;             /* its services that differed from the manifests at the last observe */
        double last_reconcile;    /* unix seconds */
};

struct agent_state {
        pthread_mutex_t mu;
        char *scope; /* owned copies */
        char *root;
        /* The git follower (berth sync); repo is NULL under berth watch. */
        char *repo, *ref, *path;
        char fetched[65];             /* the commit the ref was at on the last good fetch; "" none yet */
        char *subject;                /* that commit's subject line, or NULL */
        char checked_out[65];         /* the commit the manifest tree is at; "" none yet */
        double last_fetch;            /* unix seconds of the last good fetch; 0 never */
        char *fetch_error;            /* the last fetch's error; NULL after a good one */
        unsigned long fetch_failures; /* in a row; 0 after a good fetch */
        unsigned long fetches[2];     /* total: [0] ok, [1] failed */
        /* The watch loop. */
        int engine_up;                /* the last reconcile reached the engine */
        unsigned long reconciles[AGENT_RESULTS];
        unsigned long api_calls; /* total, every reconcile */
        unsigned long ops[AGENT_OP_KINDS][AGENT_OP_RESULTS];
        char applied[65];    /* the revision the last reconcile read; "" unknown */
        double last_sync;    /* unix seconds of the last reconcile with result AGENT_OK */
        double last_reconcile;
        long drifted;        /* sum over the projects at the last reconcile */
        struct agent_project *projects; /* sorted by name */
        size_t nprojects;
};

/* A new state (scope and root copied); NULL when out of memory.
 * Free with agent_state_free() once no thread uses it. */
struct agent_state *agent_state_new(const char *scope, const char *root);
void agent_state_free(struct agent_state *s);

void agent_state_lock(struct agent_state *s);
void agent_state_unlock(struct agent_state *s);

/* The git follower: what it follows (copied), a fetch's outcome, and the
 * commit the tree was switched to.  Each takes the lock itself. */
void agent_state_follow(struct agent_state *s, const char *repo, const char *ref,
                        const char *path);
void agent_state_fetch_ok(struct agent_state *s, const char *commit, const char *subject);
void agent_state_fetch_failed(struct agent_state *s, const char *error);
void agent_state_checked_out(struct agent_state *s, const char *commit);

/* The watch loop, after each reconcile: the manifests it loaded (failed
 * files make their projects AGENT_INVALID), what the pipeline made (NULL
 * when it failed before a plan: engine down, lock), the run (NULL when
 * nothing ran), the API calls it made, and the error that stopped it (NULL
 * when none).  Takes the lock itself. */
void agent_state_reconciled(struct agent_state *s, const struct manifest_set *set,
                            const struct apply_result *res, const struct plan_run *run,
                            unsigned long api_calls, const char *error);

#endif
