/* watch/watch.h - berth watch: keep the host converged (DESIGN.md §8).
 *
 * One thread, one epoll loop over: the manifest watcher (fswatch.h), the
 * engine's events of the scope's containers (docker_events_open: a socket
 * in the loop, no thread), a self-pipe fed by the signal handler, and
 * timerfds for the debounce, the periodic resync, the events reconnect and
 * the per-project backoff.  Nothing polls: idle, the loop sleeps in
 * epoll_wait with no timeout.
 *
 * Triggers, each ending in one reconcile (load every manifest, observe,
 * diff, plan, run, as `berth apply` does):
 *   - a manifest change, after the debounce (restarted by each change, so
 *     a git checkout of 50 files is one reconcile, and a file caught half
 *     written is read again after the writer is done);
 *   - a container of the scope that dies, stops, is killed, OOM-killed or
 *     removed by someone else: its project, after a short delay;
 *     events of the containers berth's own run stopped or removed (the
 *     ones it retired, by id, and its temporary replicas) are ignored;
 *   - the events stream ending (engine restart): reconnect with backoff
 *     (1 s doubling to 30 s), then a full resync, since events were lost;
 *   - the resync timer; SIGHUP (reload now);
 *   - a reconcile that could not connect, or read the engine's state
 *     (an error, a timeout, an answer it cannot read), is tried again
 *     after 5 s; one the manifests refuse waits for them to change.
 * SIGINT/SIGTERM: a running apply finishes its running operations and
 * starts no new ones, then watch exits 0; a second signal ends it at once.
 *
 * A manifest that fails to load freezes its project (left exactly as it
 * is, as apply does), with its errors logged; the project follows again
 * once the file is fixed.  A project whose run had a failure backs off
 * (1 s doubling to 5 min, with jitter, reset by a success): it is left
 * alone until its backoff ends, when it is retried.  A crash loop counts
 * as failures too: a container that dies within 10 s of berth changing its
 * project is repaired at once, but a second such death in a row backs the
 * project off (started, dies, started...); one that stayed up longer
 * resets the count.
 *
 * A root with a symlink on its way (git-sync's or berth sync's current ->
 * tree) is resolved once per reconcile: one reconcile reads one tree.
 *
 * Logs: one line per reconcile (trigger, changes, results, duration, API
 * calls), per failure and per manifest problem, and `applied` with the
 * commit and its subject when a new commit was applied with no failure;
 * text or JSON.
 *
 * May not use: cli.
 */
#ifndef BERTH_WATCH_H
#define BERTH_WATCH_H

#include <stdio.h>

#include "common/err.h"

struct agent_state;
struct policy;

#define WATCH_DEFAULT_DEBOUNCE_MS 500
#define WATCH_DEFAULT_RESYNC_S 300
#define WATCH_EVENT_DELAY_MS 200

struct watch_options {
        const char *root;  /* manifest root; NULL: "manifests" */
        const char *scope; /* required */
        const char *host;  /* -H, or NULL for DOCKER_HOST */
        long debounce_ms;  /* <= 0: WATCH_DEFAULT_DEBOUNCE_MS */
        long resync_s;     /* <= 0: WATCH_DEFAULT_RESYNC_S */
        int parallel;      /* <= 0: the executor's default */
        int log_json;      /* one JSON object per line */
        FILE *log;         /* NULL: stderr */
        /* berth sync's hooks: each reconcile is recorded in state (NULL:
         * not recorded), then reconciled(userdata) is called (NULL: none). */
        struct agent_state *state;
        void (*reconciled)(void *userdata);
        void *userdata;
        const struct policy *policy; /* borrowed, read once by the caller; NULL:
                                      * the default policy (manifest/load.h) */
        int insecure_manifests;      /* manifest_load_opts.insecure */
};

/* Run until SIGINT/SIGTERM (0) or a failure to set up (the watcher, the
 * loop; a negative code with err set).  The engine being unreachable is not
 * a failure: it is logged and retried. */
int watch_run(const struct watch_options *o, struct berth_err *err);

#endif
