/* diff/diff.h - desired × actual → changes, each with its reason and, for
 * a recreate, the field-level differences.  A pure function: no engine,
 * no files, no clock.  DESIGN.md §5 is the rule book.
 *
 * Containers, per desired replica (1..replicas of each service):
 *   no container                          -> CREATE  "not created yet"
 *   its berth.config-hash differs         -> RECREATE "configuration changed",
 *                                            with fields from berth.applied
 *   the image tag now names another id    -> RECREATE "image 'app:1' now
 *                                            points at sha256:abcd... (runs sha256:1234...)"
 *   created/exited/dead, should run       -> START   "not running (exited 137)"
 *     (but exited 0 with restart "no")    -> COMPLETED, left alone
 *   otherwise                             -> in sync: no change
 * Owned containers:
 *   project or service no longer declared -> REMOVE "no longer declared"
 *   replica number above replicas         -> REMOVE "scaled from 3 to 1"
 *   a second container for one replica    -> REMOVE "duplicate of replica 2"
 *   a leftover start-first replacement    -> REMOVE "left over from an interrupted update"
 * Networks and volumes: a declared one that is missing -> CREATE; an owned
 * network nothing declares -> REMOVE (after its containers, plan's job);
 * volumes are never removed here (only `down --volumes`).  External ones
 * are never created or removed: a missing external one is an error.
 *
 * Safety, decided here so that every caller gets it:
 *   - a frozen project (its file failed to load, or two files name it) is
 *     not touched at all: its objects appear as FROZEN entries, reported;
 *   - when the desired state has no project at all and the manifest set
 *     was complete, nothing is removed unless allow_empty (an empty or
 *     missing root must never prune everything): BERTH_EINVALID;
 *   - when the set was incomplete (a scan refused an entry) nothing is
 *     removed from projects absent from it;
 *   - with only_declared (-f FILE), projects absent from the desired state
 *     are out of play: neither removed nor reported.
 *
 * May not use: anything but model/ and common/ (no docker, no manifest).
 */
#ifndef BERTH_DIFF_H
#define BERTH_DIFF_H

#include <stdbool.h>
#include <stddef.h>

#include "model/actual.h"
#include "model/model.h"

struct berth_arena;

enum diff_kind { DIFF_CONTAINER, DIFF_NETWORK, DIFF_VOLUME };

enum diff_action {
        DIFF_CREATE,
        DIFF_RECREATE,
        DIFF_START,
        DIFF_REMOVE,
        DIFF_COMPLETED, /* reported, nothing to do */
        DIFF_FROZEN,    /* reported, deliberately left alone */
};

/* One field that differs between the applied and the desired spec.
 * Values are short renderings ("\"info\"", "8080:80/tcp", "null"); a
 * sensitive one is "(sensitive)" on both sides. */
struct diff_field {
        const char *path; /* "environment.LOG_LEVEL", "ports[0]", "image" */
        const char *before, *after;
};

struct diff_change {
        enum diff_kind kind;
        enum diff_action action;
        const char *project;
        const char *service;  /* containers only */
        int replica;          /* containers only, 1-based */
        const char *name;     /* engine name */
        const char *reason;
        const struct model_project *project_desired; /* NULL for removals */
        const struct model_service *service_desired; /* NULL for removals */
        const struct model_network *network_desired;
        const struct model_volume *volume_desired;
        const struct actual_container *container;    /* NULL when there is none */
        const struct actual_network *network;
        const struct actual_volume *volume;
        const char *config_hash;     /* desired, 64 hex digits; containers only */
        struct diff_field *fields;   /* RECREATE for a config change */
        size_t nfields;
};

struct diff_options {
        bool allow_empty;   /* an empty desired state may remove everything */
        bool complete;      /* the manifest set saw every file under the root */
        bool only_declared; /* -f FILE: projects not in desired are out of play */
        const char *const *frozen; /* projects to leave alone; NULL-terminated */
        const char *project;       /* only this project (down --project), or NULL */
};

struct diff_result {
        struct berth_arena *arena;
        struct diff_change *changes; /* projects in name order; within one:
                                      * networks, volumes, then containers by
                                      * service and replica */
        size_t nchanges;
        size_t ncreate, nrecreate, nstart, nremove; /* counts of the actions */
};

/* Compare.  On success *out is owned by the caller: diff_result_free() it.
 * BERTH_EINVALID (message says what to do) for an empty desired state
 * without allow_empty, or a missing external network/volume; BERTH_ENOMEM. */
int diff_compute(struct diff_result **out, const struct model_state *desired,
                 const struct actual_state *actual, const struct diff_options *opts,
                 struct berth_err *err);
void diff_result_free(struct diff_result *r); /* NULL is a no-op */

/* Field-level differences between two canonical specs (the berth.applied
 * label's JSON and model_service_canonical(..., redact=1) of the desired
 * service), appended to *fields in arena a.  Pure; exposed for tests. */
int diff_fields(struct diff_field **fields, size_t *n, struct berth_arena *a,
                const json_t *before, const json_t *after, struct berth_err *err);

#endif
