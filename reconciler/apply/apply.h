/* apply/apply.h - the pipeline `berth plan`, `berth apply` and `berth
 * watch` share: from loaded manifests and the engine to a plan.
 *
 * apply_plan() observes the scope, freezes the projects that must be left
 * alone (manifests that did not load, by name and by their containers'
 * berth.source; and the caller's extra list, such as watch's backoff),
 * diffs with the safety rules of diff.h (a directory root is complete
 * unless the scan refused an entry or a failed file's project is
 * unknowable; a file root puts only its projects in play), and builds the
 * plan.  Running it is exec_run()'s job.
 *
 * May not use: cli, watch.
 */
#ifndef BERTH_APPLY_H
#define BERTH_APPLY_H

#include <pthread.h>
#include <stdbool.h>

#include "common/err.h"
#include "diff/diff.h"
#include "docker/client.h"
#include "manifest/load.h"
#include "model/actual.h"
#include "plan/plan.h"

struct apply_input {
        const struct manifest_set *set; /* loaded; borrowed */
        const char *root;               /* for berth.revision; NULL: "manifests" */
        const char *scope;
        const char *project;            /* only this one, or NULL */
        bool allow_empty;               /* an empty root may remove everything */
        const char *const *also_frozen; /* NULL-terminated, may be NULL */
};

/* What the pipeline made; every pointer owned here. */
struct apply_result {
        const char **frozen; /* NULL-terminated */
        struct actual_state *actual;
        struct diff_result *diff;
        struct plan *plan;
        char revision[65]; /* the caller's to fill (apply_revision()); "" unknown */
};

/* Observe, diff, plan.  r is empty (zeroed), or holds in r->actual an
 * observation of in->scope made beside the load (apply_observe_*()),
 * which is used instead of observing again.  On failure err says why (the
 * engine, an external object missing, an empty root refused, pull_policy
 * never...) and r holds what was made so far.  Release r with
 * apply_result_release() either way. */
int apply_plan(struct apply_result *r, struct docker_client *c, const struct apply_input *in,
               struct berth_err *err);
void apply_result_release(struct apply_result *r);

/* The engine's half of apply_plan() on a thread of its own: the
 * observation needs nothing of the manifests, and at hundreds of services
 * both take tens of milliseconds (the engine's answer to the container
 * list, the parse of the manifests), so a caller starts it, loads the
 * manifests meanwhile, and finishes it before apply_plan().  When no
 * thread can be made, start observes there and then.  Every started
 * observation is finished, whatever the caller does next. */
struct apply_observation {
        struct docker_client *c;
        const char *scope; /* borrowed until finished */
        struct actual_state *actual;
        struct berth_err err;
        int rc;
        int threaded;
        pthread_t thread;
};
void apply_observe_start(struct apply_observation *o, struct docker_client *c, const char *scope);
/* Wait for it.  On success *actual is the caller's (actual_state_free(),
 * or r->actual of apply_plan()); on failure err says why (observe.h). */
int apply_observe_finish(struct apply_observation *o, struct actual_state **actual,
                         struct berth_err *err);

/* Wait for it and throw it away (the manifests could not be read). */
void apply_observe_drop(struct apply_observation *o);

/* r->revision: the git commit of root (NULL: "manifests"), "" when not
 * known (manifest/revision.h).  A git process: callers read it only when
 * they use it (a label on what they create, a log line). */
void apply_revision(struct apply_result *r, const char *root);

#endif
