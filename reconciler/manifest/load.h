/* manifest/load.h - the whole input stage: a manifest root in, a typed
 * desired state and every problem found out.
 *
 * For each manifest file (manifest/scan.h), in order: YAML into a tree
 * (manifest/doc.h), variables interpolated from the environment and the
 * root's .env (manifest/interp.h), the tree validated against the schema
 * (schema/validate.h), then normalized into the model
 * (manifest/normalize.h).  Then checks across files: two files naming the
 * same project, and two projects publishing one host port on overlapping
 * addresses or giving two containers one name (the project of the later
 * file in scan order fails).
 *
 * The policy gate (policy/policy.h) runs in normalization: a service that
 * asks for a power the policy does not allow is an error of its file, at
 * the key that asks.  The scan and env files are held to policy/trust.h.
 *
 * A file with any error contributes no project to the state; it is listed
 * in `failed` with the project it names (or would name), so that later
 * stages leave that project's containers exactly as they are: berth never
 * prunes because a file failed to load.
 *
 * May not use: docker, diff, plan, exec, watch.
 */
#ifndef BERTH_MANIFEST_LOAD_H
#define BERTH_MANIFEST_LOAD_H

#include <stdbool.h>
#include <stddef.h>

#include "manifest/diag.h"

struct berth_err;
struct doc_limits;
struct model_state;
struct policy;

#define MANIFEST_DEFAULT_ROOT "manifests"

struct manifest_load_opts {
        const char *root;                /* -f: a directory or one file; NULL: "manifests" */
        const char *const *environ;      /* variables; NULL: the process environment */
        const struct doc_limits *limits; /* NULL: the defaults */
        const struct policy *policy;     /* borrowed; NULL: the default policy,
                                          * which refuses every host-level power */
        bool insecure; /* --insecure-manifests: files other users can write
                        * are warnings, not refused */
};

/* A manifest that did not load. */
struct manifest_failed {
        char *rel;     /* relative to the root: the berth.source label */
        char *name;    /* as messages name it */
        char *project; /* the project it names or would name; NULL if unknowable */
};

struct manifest_set {
        struct model_state *state;      /* projects of the files that loaded */
        struct diag_list diags;         /* every problem, sorted by file and position */
        struct manifest_failed *failed; /* owned */
        size_t nfailed;
        size_t nfiles; /* manifest files found (refused ones too: they are in failed) */
        bool complete; /* every file under the root was seen (no refused
                        * entries): projects absent from it may be pruned */
        bool root_is_file;
        char **variables; /* names interpolation looked up, first use first */
        size_t nvariables;
};

/* Load everything under opts->root into out (which need not be
 * initialized).  Returns 0 when the root could be read, whatever the files
 * held: check diag_list_errors(&out->diags) and out->nfailed.  Returns
 * BERTH_ENOTFOUND (no such root), BERTH_EIO, BERTH_EFORBIDDEN (the root,
 * a directory above it or its .env can be written by other users) or
 * BERTH_ENOMEM with err set and out empty (but for out->diags: warnings).  Release out with manifest_set_release() either way. */
int manifest_load(struct manifest_set *out, const struct manifest_load_opts *opts,
                  struct berth_err *err);
void manifest_set_release(struct manifest_set *s);

/* One manifest held in memory, data[0..len), loaded as if it were the
 * only file of a root: name is what messages call it, rel its berth.source
 * label (and the base of its project name), dir the directory relative
 * binds and env_file paths resolve against (NULL: name's directory).
 * opts->root and .env files are not read.  Results and release as for manifest_load() (no
 * BERTH_ENOTFOUND or BERTH_EIO).  For fuzzing and tests: no file is
 * written to load a text. */
int manifest_load_buffer(struct manifest_set *out, const char *name, const char *rel,
                         const char *dir, const char *data, size_t len,
                         const struct manifest_load_opts *opts, struct berth_err *err);

#endif
