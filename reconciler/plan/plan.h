/* plan/plan.h - the changes of a diff as an ordered operation graph
 * (DESIGN.md §6), and what a run of it did.  Building is pure: no engine,
 * no clock; the same plan is printed by `berth plan` and run by `berth
 * apply`.
 *
 * One operation per change (a container's create+start, its replacement,
 * its removal, a network or volume create or remove) plus one pull per
 * image that must be fetched.  An operation runs only after every one in
 * its deps succeeded.  Edges:
 *   - a container operation that creates or starts waits for the
 *     network/volume creates and the image pull it uses;
 *   - it waits for the container operations of each service it
 *     depends_on (every replica), and before starting its container the
 *     executor waits for each of those replicas' condition (gates[]:
 *     started, healthy, or exited 0);
 *   - removals are ordered the other way: a removed container that
 *     depends on another removed one (berth.depends-on label) goes first;
 *   - an operation that creates a container named N, or publishes a host
 *     port, waits for the removal of a container with that name or
 *     holding that port;
 *   - a network remove waits for every container removal and replacement
 *     of its project; a volume remove (down --volumes) likewise.
 * Everything else is independent and may run in parallel.
 *
 * A plan borrows the diff (and, through it, the desired and actual state):
 * they must outlive it.
 *
 * May not use: docker, manifest, observe, exec, cli.
 */
#ifndef BERTH_PLAN_H
#define BERTH_PLAN_H

#include <stdbool.h>
#include <stddef.h>

#include "common/err.h"
#include "diff/diff.h"
#include "model/actual.h"
#include "model/model.h"

struct berth_arena;

enum plan_op_kind {
        PLAN_NETWORK_CREATE,
        PLAN_VOLUME_CREATE,
        PLAN_IMAGE_PULL,
        PLAN_CONTAINER_CREATE,   /* create, connect, start */
        PLAN_CONTAINER_RECREATE, /* replace, stop-first or start-first */
        PLAN_CONTAINER_START,
        PLAN_CONTAINER_REMOVE, /* stop, remove */
        PLAN_NETWORK_REMOVE,
        PLAN_VOLUME_REMOVE,
};

/* A condition the executor checks on a container before it starts the
 * operation's own container (depends_on). */
struct plan_gate {
        const char *container; /* engine name */
        const char *service;   /* the dependency, for messages */
        enum model_condition condition;
};

struct plan_op {
        size_t id; /* index in plan->ops */
        enum plan_op_kind kind;
        const struct diff_change *change; /* NULL for a pull */
        const char *name;                 /* the object's engine name; the image for a pull */
        const char *project;              /* NULL for a pull */
        /* Pull: the policy that asked for it (MISSING: inspect first, pull
         * only when absent; ALWAYS: pull). */
        enum model_pull_policy pull_policy;
        /* Recreate: start-first (the new replica under temp_name, then the
         * old one retired), or stop-first. */
        bool start_first;
        const char *temp_name;
        const char *note; /* why the order differs from what was asked, or NULL */
        struct plan_gate *gates;
        size_t ngates;
        size_t *deps; /* ids of operations that must succeed first, ascending */
        size_t ndeps;
};

struct plan {
        struct berth_arena *arena;
        const struct diff_result *diff; /* borrowed */
        struct plan_op *ops;            /* in a valid order: every dep before its op */
        size_t nops;
};

/* Build the graph of d.  On success *out is owned by the caller
 * (plan_free()).  BERTH_EINVALID when the plan cannot run, naming the
 * service and what to do:
 *   project 'shop', service 'web': image 'app:1' is not present and pull_policy is never: load or
 * pull it first BERTH_ENOMEM. */
int plan_build(struct plan **out, const struct diff_result *d, const struct actual_state *actual,
               struct berth_err *err);
void plan_free(struct plan *p); /* NULL is a no-op */

/* "network-create", "container-recreate", ... (the JSON "op" values). */
const char *plan_op_kind_name(enum plan_op_kind k);

/* The message of an operation left PENDING because the engine went. */
#define PLAN_ENGINE_LOST "the Docker engine stopped answering"

/* What happened to each operation in a run. */
enum plan_status {
        PLAN_PENDING,     /* not run (yet; after a run, message may say why not) */
        PLAN_DONE,        /* succeeded */
        PLAN_FAILED,      /* failed: message says why */
        PLAN_SKIPPED,     /* a dependency failed or was skipped */
        PLAN_ROLLED_BACK, /* start-first: the new replica failed, the old one kept */
        PLAN_INTERRUPTED, /* not started: a signal stopped the run */
};

struct plan_op_result {
        enum plan_status status;
        char message[512]; /* FAILED/ROLLED_BACK: the error; SKIPPED: which dep */
        double seconds;    /* how long it ran */
};

/* A run's outcome: results[i] is ops[i]'s. */
struct plan_run {
        struct plan_op_result *results;
        size_t nresults;
        unsigned long calls, mutating; /* engine API calls made, all clients */
        bool interrupted;              /* a signal stopped it: the rest INTERRUPTED */
        bool engine_lost;              /* the engine went: the rest PENDING */
};

#endif
