/* exec/exec.h - run a plan against the engine (DESIGN.md §6): a pool of
 * workers, each with its own client, runs every operation whose deps all
 * succeeded, at most `parallel` at once: first the ready op heading the
 * longest chain of ops that wait for it (critical path), then the lowest id.
 *
 * Per operation:
 *   network/volume create  with berth.scope/project/network|volume labels;
 *                          a volume of that name that is not the scope's is
 *                          refused, not adopted;
 *   image pull             policy missing: inspect first, pull when absent;
 *                          always: pull;
 *   container create       gates, create, connect the other networks, start;
 *   container start        gates, start;
 *   container recreate     gates, then stop-first: stop and remove the old
 *                          one, create and start the new one; or
 *                          start-first: create and start the new one under
 *                          its temporary name, wait until it is healthy (or
 *                          running, without a healthcheck) within the
 *                          monitor time, then stop and remove the old one
 *                          and rename the new one.  A new one that does not
 *                          get there is removed; with failure_action
 *                          rollback the result is ROLLED_BACK, else FAILED,
 *                          and the old one keeps running either way;
 *                          continue carries on with a replacement that runs
 *                          but did not get ready (one that could not be
 *                          created or started never replaces the old);
 *   container remove       stop (its own stop timeout, named: the call is
 *                          bounded by it; read from its berth.applied label,
 *                          or by an inspect when it has none), remove;
 *   network/volume remove  remove (already gone counts as done).
 * Gates (depends_on): started waits until the container has run (running,
 * or exited; one an op of this run started has, without asking); healthy
 * until its healthcheck says healthy, failing at unhealthy, at an exit, or
 * when it has no healthcheck; completed until it exits, failing on a
 * non-zero code.  Gates and the start-first monitor give up after their
 * timeout with a message naming the container.
 *
 * A failed (or rolled back, or skipped) operation skips every operation
 * that waits for it, and nothing else.  When *stop becomes non-zero (a
 * signal), no operation starts any more; running ones finish (a gate or
 * monitor wait ends early, failing its operation "interrupted"); the rest
 * end INTERRUPTED.  Likewise once an operation fails because it cannot
 * reach the engine (BERTH_ECONNECT: its socket gone or refusing): running
 * ones finish, and the rest stay PENDING with the message PLAN_ENGINE_LOST
 * (and out->engine_lost), rather than each failing the same way.
 *
 * May not use: manifest, diff internals, cli.
 */
#ifndef BERTH_EXEC_H
#define BERTH_EXEC_H

#include <signal.h>
#include <stdatomic.h>

#include "common/err.h"
#include "docker/client.h"
#include "plan/plan.h"

#define EXEC_DEFAULT_PARALLEL 4
#define EXEC_DEFAULT_GATE_TIMEOUT_S 300
#define EXEC_DEFAULT_MONITOR_S 60

struct exec_options {
        const struct docker_host *host; /* each worker opens its own client */
        const char *api_version;        /* the engine's, when known: no ping per worker */
        int parallel;                   /* workers; <= 0: EXEC_DEFAULT_PARALLEL */
        const char *scope;
        const char *revision;   /* berth.revision on new containers, or NULL */
        int gate_timeout_s;     /* <= 0: EXEC_DEFAULT_GATE_TIMEOUT_S */
        int monitor_s;          /* start-first without update_config.monitor; <= 0: default */
        const atomic_int *stop; /* may be NULL */
        /* Called (serialized) as each operation ends, skipped ones too. */
        void (*progress)(void *userdata, size_t op, const struct plan_op_result *r);
        void *userdata;
};

/* Run p.  out->results has one entry per operation; out->calls/mutating
 * count every worker's calls.  Returns 0 when the run happened, whatever
 * its operations did (read out); BERTH_ENOMEM or a failure to start the
 * workers otherwise.  Release out with plan_run_release() in every case. */
int exec_run(struct plan_run *out, const struct plan *p, const struct exec_options *o,
             struct berth_err *err);
void plan_run_release(struct plan_run *r);

/* Did every operation succeed? */
int plan_run_ok(const struct plan_run *r);

#endif
