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

        berth_err_clear(err);
        if ((!r->actual && (rc = observe_scope(&r->actual, c, in->scope, err)) < 0) ||
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
        return 0;
}

void apply_revision(struct apply_result *r, const char *root)
{
        if (manifest_revision(r->revision, root ? root : MANIFEST_DEFAULT_ROOT) < 0)
                r->revision[0] = '\0';
}

static void *observe_run(void *arg)
{
        struct apply_observation *o = arg;

        berth_err_clear(&o->err);
        o->rc = observe_scope(&o->actual, o->c, o->scope, &o->err);
        return NULL;
}

void apply_observe_start(struct apply_observation *o, struct docker_client *c, const char *scope)
{
        memset(o, 0, sizeof(*o));
        o->c = c;
        o->scope = scope;
        o->threaded = pthread_create(&o->thread, NULL, observe_run, o) == 0;
        if (!o->threaded)
                observe_run(o);
}

int apply_observe_finish(struct apply_observation *o, struct actual_state **actual,
                         struct berth_err *err)
{
        if (o->threaded)
                pthread_join(o->thread, NULL);
        o->threaded = 0;
        *actual = o->actual;
        o->actual = NULL;
        if (o->rc < 0)
                *err = o->err;
        return o->rc;
}

void apply_observe_drop(struct apply_observation *o)
{
        struct actual_state *actual;
        struct berth_err err;

        apply_observe_finish(o, &actual, &err);
        actual_state_free(actual);
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
