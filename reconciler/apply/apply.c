/* apply.c - observe, diff, plan (see apply.h). */
#include "apply/apply.h"

#include <stdlib.h>
#include <string.h>

#include "manifest/revision.h"
#include "observe/observe.h"

/* The projects to leave alone: the failed files' (by name and by
 * berth.source) and the caller's. */
static int frozen_build(struct apply_result *r, const struct apply_input *in, struct berth_err *err)
{
        const struct manifest_set *set = in->set;
        size_t n = 0, i, k = 0;
        const char **names, **sources;
        int rc;

        for (i = 0; in->also_frozen && in->also_frozen[i]; i++)
                n++;
        names = calloc(set->nfailed + n + 1, sizeof(*names));
        sources = calloc(set->nfailed + 1, sizeof(*sources));
        if (!names || !sources) {
                free(names);
                free(sources);
                return berth_err_set(err, BERTH_ENOMEM, "out of memory");
        }
        for (i = 0; i < set->nfailed; i++) {
                sources[i] = set->failed[i].rel;
                if (set->failed[i].project)
                        names[k++] = set->failed[i].project;
        }
        for (i = 0; i < n; i++)
                names[k++] = in->also_frozen[i];
        rc = diff_frozen(&r->frozen, names, sources, r->actual, err);
        free(names);
        free(sources);
        return rc;
}

int apply_plan(struct apply_result *r, struct docker_client *c, const struct apply_input *in,
               struct berth_err *err)
{
        const struct manifest_set *set = in->set;
        struct diff_options o = {0};
        size_t i;
        int rc;

        memset(r, 0, sizeof(*r));
        berth_err_clear(err);
        if ((rc = observe_scope(&r->actual, c, in->scope, err)) < 0 ||
            (rc = frozen_build(r, in, err)) < 0)
                return rc;
        o.allow_empty = in->allow_empty;
        o.complete = set->complete;
        for (i = 0; i < set->nfailed; i++)
                if (!set->failed[i].project)
                        o.complete = false; /* a project we cannot name may be any */
        o.only_declared = set->root_is_file;
        o.frozen = r->frozen;
        o.project = in->project;
        o.engine_networks = r->actual->engine_networks;
        o.engine_volumes = r->actual->engine_volumes;
        if ((rc = diff_compute(&r->diff, set->state, r->actual, &o, err)) < 0 ||
            (rc = plan_build(&r->plan, r->diff, r->actual, err)) < 0)
                return rc;
        if (manifest_revision(r->revision, in->root ? in->root : MANIFEST_DEFAULT_ROOT) < 0)
                r->revision[0] = '\0';
        return 0;
}

void apply_result_release(struct apply_result *r)
{
        if (!r)
                return;
        plan_free(r->plan);
        diff_result_free(r->diff);
        actual_state_free(r->actual);
        free(r->frozen);
        memset(r, 0, sizeof(*r));
}
