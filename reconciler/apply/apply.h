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
        char revision[65]; /* "" when not in a git work tree */
};

/* Observe, diff, plan.  On failure err says why (the engine, an external
 * object missing, an empty root refused, pull_policy never...) and r holds
 * what was made so far.  Release r with apply_result_release() either
 * way. */
int apply_plan(struct apply_result *r, struct docker_client *c, const struct apply_input *in,
               struct berth_err *err);
void apply_result_release(struct apply_result *r);

#endif
