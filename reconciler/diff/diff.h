/* diff/diff.h - desired × actual → changes, each with its reason and, for
 * a recreate, the field-level differences.  A pure function: no engine,
 * no files, no clock.  DESIGN.md §5 is the rule book.
 *
 * The actual state is already the scope's (observe keeps only objects with
 * its berth.scope label): diff has no notion of scope and treats every
 * object in it as owned.
 *
 * Containers, per desired replica (1..replicas of each service), matched
 * by their berth.project/service/replica labels:
 *   no container                          -> CREATE  "not created yet"
 *   its berth.config-hash differs         -> RECREATE "configuration changed",
 *                                            with fields from berth.applied
 *                                            (none when the label is missing
 *                                            or not a JSON object)
 *   not attached to one of its networks   -> RECREATE "not attached to network 'shop_back'"
 *     (when the list said; not with network_mode)
 *   the image tag now names another id    -> RECREATE "image 'app:1' now
 *     (only when the tag is known locally)   points at 0123456789ab (runs 89abcdef0123)"
 *                                            (short ids: 12 hex digits)
 *   created/exited/dead, should run       -> START   "not running (exited 137)",
 *                                            "(exited)" when the code is unknown,
 *                                            "(created)", "(dead)"
 *     but exited 0 with restart "no" or   -> COMPLETED "completed (exited 0)", left
 *     "on-failure" (neither restarts a       alone
 *     successful exit)
 *   running, restarting, paused, removing -> in sync: no change
 * Owned containers, each removed once, first rule that applies:
 *   berth.temp=1                          -> REMOVE "left over from an interrupted update"
 *   berth.project label missing           -> REMOVE "berth.project label missing"
 *   berth.service label missing           -> REMOVE "berth.service label missing"
 *   berth.replica missing or not >= 1     -> REMOVE "berth.replica label missing or invalid"
 *   project or service no longer declared -> REMOVE "no longer declared"
 *   replica number above replicas         -> REMOVE "scaled from 3 to 1" (3: the highest
 *                                            replica number observed for the service)
 *   a second container for one replica    -> REMOVE "duplicate of replica 2"; the one
 *                                            kept is the first of: config hash matches,
 *                                            running (or restarting/paused), lowest name
 * Networks and volumes (matched by engine name): a declared one that is
 * missing -> CREATE "not created yet"; an owned network of the project
 * that nothing declares -> REMOVE "no longer declared" (after its
 * containers, plan's job); volumes are never removed here (only `down
 * --volumes`).  External ones are never created or removed: when the
 * caller says which exist (opts->engine_networks/engine_volumes) a missing
 * one is BERTH_EINVALID:
 *   project 'shop': external network 'proxy' does not exist: create it, or drop external: true
 *
 * Safety, decided here so that every caller gets it:
 *   - a frozen project (its file failed to load, or two files name it) is
 *     not touched at all, declared or not: each of its containers,
 *     networks and volumes appears as a FROZEN entry
 *     "left alone: the project's manifest did not load";
 *   - when the desired state has no project at all and the manifest set
 *     was complete, nothing is removed unless allow_empty (an empty or
 *     missing root must never prune everything): BERTH_EINVALID when
 *     something would be removed (an empty root on an empty host is fine);
 *   - when the set was incomplete (a scan refused an entry) nothing is
 *     removed from projects absent from it: their containers and networks
 *     appear as FROZEN "left alone: not declared, but the manifests were
 *     not all read";
 *   - with only_declared (-f FILE), projects absent from the desired state
 *     are out of play: neither removed nor reported;
 *   - with opts->project, every other project is out of play.
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
        const char *service; /* containers only */
        int replica;         /* containers only, 1-based */
        const char *name;    /* engine name */
        const char *reason;
        const struct model_project *project_desired; /* NULL: REMOVE, FROZEN */
        const struct model_service *service_desired; /* NULL: REMOVE, FROZEN */
        const struct model_network *network_desired;
        const struct model_volume *volume_desired;
        const struct actual_container *container; /* NULL when there is none */
        const struct actual_network *network;
        const struct actual_volume *volume;
        const char *config_hash;   /* desired, 64 hex digits; containers only */
        struct diff_field *fields; /* RECREATE for a config change */
        size_t nfields;
};

struct diff_options {
        bool allow_empty;          /* an empty desired state may remove everything */
        bool complete;             /* the manifest set saw every file under the root */
        bool only_declared;        /* -f FILE: projects not in desired are out of play */
        const char *const *frozen; /* projects to leave alone; NULL-terminated */
        const char *project;       /* only this project (down --project), or NULL */
        /* Every network / volume name on the engine, owned or not
         * (NULL-terminated), to check that external ones exist; NULL when
         * not known: external ones are then not checked. */
        const char *const *engine_networks;
        const char *const *engine_volumes;
};

struct diff_result {
        struct berth_arena *arena;
        struct diff_change *changes; /* projects in name order; within one:
                                      * networks, volumes, then containers by
                                      * service and replica */
        size_t nchanges;
        size_t ncreate, nrecreate, nstart, nremove; /* counts of the actions */
};

/* Compare.  On success *out is owned by the caller: diff_result_free() it;
 * its changes point into desired and actual, which must outlive it.
 * BERTH_EINVALID (message says what to do) for an empty desired state
 * without allow_empty, or a missing external network/volume; BERTH_ENOMEM. */
int diff_compute(struct diff_result **out, const struct model_state *desired,
                 const struct actual_state *actual, const struct diff_options *opts,
                 struct berth_err *err);
void diff_result_free(struct diff_result *r); /* NULL is a no-op */

/* The projects to freeze because their manifests did not load: those
 * named (projects, NULL-terminated, may be NULL) and the project of every
 * container of a made from one of those files (sources: their paths under
 * the root, as in berth.source; NULL-terminated, may be NULL), since a
 * file that does not parse may hide the name: its project really has.
 * *out is a new NULL-terminated array (free() it; its strings borrow from
 * the inputs).  BERTH_ENOMEM. */
int diff_frozen(const char ***out, const char *const *projects, const char *const *sources,
                const struct actual_state *a, struct berth_err *err);

/* What `berth down` removes: every container and network of the projects
 * named (NULL: every project in actual, objects without a project label
 * too), and their volumes when volumes is set, each REMOVE "removed by
 * down".  Same ownership as diff_compute()'s result.  BERTH_ENOMEM. */
int diff_down(struct diff_result **out, const struct actual_state *actual,
              const char *const *projects, bool volumes, struct berth_err *err);

/* Field-level differences between two canonical specs (the berth.applied
 * label's JSON and model_service_canonical(..., redact=1) of the desired
 * service), appended to *fields (*n of them already) in arena a.  Pure;
 * exposed for tests.  BERTH_ENOMEM is the only failure.
 *
 * Objects are compared key by key (sorted), arrays index by index; each
 * differing leaf is one field, in that order.  Paths use the canonical
 * keys: "environment.LOG_LEVEL", "image", "ports[0]", "mounts[1].nocopy",
 * "healthcheck.interval", "networks.shop_default.aliases".  Values:
 *   strings JSON-quoted ("\"info\""), except image (app:1.3, as written);
 *   numbers, true, false, null; durations (stop_grace_period, healthcheck
 *   interval, timeout, start_period) as Go prints them ("1m30s");
 *   a port as "[host_ip:]published:target/protocol" ("80/tcp" when
 *   published is 0), a mount as "volume shop_data:/data:ro", "volume
 *   /cache" (anonymous), "bind /src:/dst", "tmpfs /run" (when the two
 *   renderings are equal the mount is compared field by field);
 *   a list of strings whole, as compact JSON (["sh","-c","x"]), also
 *   against null; any other object or array the other side lacks as
 *   compact JSON; a side without the key or index as "(none)", except a
 *   top-level key, which a spec leaves out when it is unset (the applied
 *   label leaves out every null, model_canonical_drop_unset(); the
 *   canonical spec pid, ipc, userns_mode and devices): that is null, as
 *   unset keys are ("pid: null -> \"host\"").
 * A redacted value ("sha256:" and 64 hex digits), or a string under a
 * sensitive name (model_name_is_sensitive), is "(sensitive)"; when one
 * side is, a string on the other side is too; so is a redacted element of
 * a list shown whole (a command holding a secret). */
int diff_fields(struct diff_field **fields, size_t *n, struct berth_arena *a, const json_t *before,
                const json_t *after, struct berth_err *err);

#endif
