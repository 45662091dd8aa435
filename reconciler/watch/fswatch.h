/* watch/fswatch.h - inotify over a manifest root: tells the watch loop
 * when something that matters for the manifests may have changed.  It
 * does not say what changed: the loop reloads the whole root (after its
 * debounce), which is what makes git checkouts, atomic renames and
 * symlink swaps simple to get right.
 *
 * Watched: every directory of the resolved root tree (following the
 * directory symlinks manifest_scan follows), and the parent directory of
 * the root and of each symlink on the way, so that the root itself being
 * replaced (deleted and re-created, renamed over, or a symlink switched to
 * another target, as git-sync does) is seen; the watches are then rebuilt
 * on the new target.  A new subdirectory gets its watches at once and is
 * reported as a change (files may have been written in it before its
 * watch existed).  IN_Q_OVERFLOW rebuilds every watch and reports a
 * change.
 *
 * What matters: manifests (manifest_name_is_manifest), env files in the
 * tree (*.env: what env_file: entries are usually named), the root's .env
 * (a file root: the .env beside it, as manifest_load reads it),
 * directories, the root's own name in its parent, the names of the
 * symlinks on the way and of directory symlinks in the tree, and the
 * files that manifest symlinks lead to.  Ignored:
 * manifest_name_ignored() names (dotfiles, *.swp, *~, vim's 4913, ...),
 * other extensions, access and attribute-only events.
 *
 * One thread; not thread-safe.  May not use: docker, diff, plan, exec.
 */
#ifndef BERTH_WATCH_FSWATCH_H
#define BERTH_WATCH_FSWATCH_H

#include <stddef.h>

#include "common/err.h"

struct fsw;

struct fsw_stats {
        unsigned long events;   /* inotify events read */
        unsigned long relevant; /* of them, ones that matter */
        unsigned long overflows;
        unsigned long rebuilds; /* watch sets rebuilt (overflow, root replaced) */
        size_t watches;         /* watches held now */
};

/* Watch root (a directory, a file, or a symlink to either; as the user
 * wrote it: a relative path is resolved now).  A root that does not exist
 * yet is allowed: its parent is watched and the root picked up when it
 * appears.  On success *out is owned by the caller (fsw_free()).
 * BERTH_EIO naming the path when inotify cannot be set up (the message
 * names fs.inotify.max_user_watches when that limit is hit); BERTH_ENOMEM;
 * BERTH_EINVALID for an empty root. */
int fsw_open(struct fsw **out, const char *root, struct berth_err *err);
void fsw_free(struct fsw *w); /* NULL is a no-op */

/* The descriptor to poll for reading (non-blocking, close-on-exec). */
int fsw_fd(const struct fsw *w);

/* Read the pending events without blocking (a bounded number per call,
 * tens of thousands: what is left keeps the descriptor readable, so the
 * next poll returns at once); *changed is set to 1 when one of them
 * matters (else left as it is, so a caller can accumulate).  BERTH_EIO on
 * a read error, or when the watches cannot be rebuilt (the watch limit,
 * as fsw_open; BERTH_ENOMEM): *changed is set then too, the watch set may
 * be incomplete, and the next call tries the rebuild again (the loop's
 * periodic resync should call it: with no new event the descriptor stays
 * quiet). */
int fsw_read(struct fsw *w, int *changed, struct berth_err *err);

void fsw_stats(const struct fsw *w, struct fsw_stats *out);

#endif
