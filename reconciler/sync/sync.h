/* sync/sync.h - berth sync: follow a git repository (pull-based GitOps).
 *
 * A cache directory per scope holds:
 *     repo.git/          a bare clone (remote "origin" = the repository)
 *     trees/<commit>/    work trees (git worktree), one per checked out commit
 *     current -> trees/<commit>
 * The follower thread fetches the ref into refs/berth/target on every
 * interval (and when the webhook asks), and when it moved checks the new
 * commit out into a fresh work tree and switches `current` to it with one
 * rename (atomic).  The watch loop (watch.h) reads <cache>/current/<path>:
 * the switch is a manifest change to it like any other, and it resolves
 * the link once per reconcile, so one reconcile reads one commit, whose id
 * is the berth.revision label.  Trees other than the current one are
 * removed after each reconcile, never while one reads them.
 *
 * git is the `git` program, so the user's ssh keys, credential helpers and
 * known_hosts work as they do for git itself; it never prompts
 * (GIT_TERMINAL_PROMPT=0).  A failed fetch (network, authentication, a
 * repository gone) leaves everything as it is and is retried with backoff
 * (5 s doubling to the interval, at most 5 min); a commit whose manifests
 * do not load is checked out like any other and its projects are frozen by
 * the watch loop (left on the last good commit) until a commit fixes them.
 *
 * May not use: cli.
 */
#ifndef BERTH_SYNC_H
#define BERTH_SYNC_H

#include <stddef.h>

#include "common/err.h"
#include "watch/watch.h"

#define SYNC_DEFAULT_INTERVAL_S 60

struct sync_options {
        const char *repo;     /* URL or path, as git takes it; required */
        const char *ref;      /* branch or tag; NULL: the remote's HEAD */
        const char *path;     /* manifest directory inside the repository; NULL: its top */
        const char *cache;    /* NULL: sync_default_cache() */
        long interval_s;      /* <= 0: SYNC_DEFAULT_INTERVAL_S */
        long fetch_timeout_s; /* <= 0: 120 */
        const char *listen;   /* HTTP endpoints (agent/http.h), or NULL: none */
        const char *secret;   /* the webhook's HMAC key, or NULL */
        size_t secret_len;
        /* The watch loop's settings (scope, host, debounce, resync,
         * parallel, log format); its root, state and hooks are set here. */
        struct watch_options watch;
};

/* The cache directory of a scope: /var/lib/berth/sync/<scope> for root,
 * else $XDG_STATE_HOME (or ~/.local/state)/berth/sync/<scope>. */
void sync_default_cache(char *out, size_t size, const char *scope);

/* Run until SIGINT/SIGTERM (0), or a failure to set up (a negative code
 * with err set: git not installed, the cache not writable or used by
 * another berth sync, the listen address).  An unreachable repository is
 * not a failure: it is logged and retried; with no tree checked out yet,
 * nothing is reconciled until the first fetch succeeds. */
int sync_run(const struct sync_options *o, struct berth_err *err);

#endif
