/* model/actual.h - the actual state of one scope as plain data: what
 * observe/ reads from the engine and diff/ compares with the desired
 * state.  It lives here, beside the desired state, so that diff depends on
 * model alone.
 *
 * An actual_state and everything in it live in one arena; free it with
 * actual_state_free().
 *
 * May not use: anything but libc and common/.
 */
#ifndef BERTH_MODEL_ACTUAL_H
#define BERTH_MODEL_ACTUAL_H

#include <stddef.h>

struct berth_arena;

enum actual_run_state {
        ACTUAL_CREATED,
        ACTUAL_RUNNING,
        ACTUAL_PAUSED,
        ACTUAL_RESTARTING,
        ACTUAL_EXITED,
        ACTUAL_DEAD,
        ACTUAL_REMOVING,
        ACTUAL_UNKNOWN
};

enum actual_health {
        ACTUAL_HEALTH_NONE, /* no healthcheck */
        ACTUAL_HEALTH_STARTING,
        ACTUAL_HEALTH_HEALTHY,
        ACTUAL_HEALTH_UNHEALTHY
};

struct actual_label {
        const char *key, *value;
};

struct actual_container {
        const char *id;
        const char *name;        /* without the leading '/' */
        const char *project;     /* berth.project, "" when missing */
        const char *service;     /* berth.service, "" when missing */
        int replica;             /* berth.replica, 0 when missing or not a number */
        const char *config_hash; /* berth.config-hash, "" when missing */
        const char *applied;     /* berth.applied (JSON text), "" when missing */
        const char *source;      /* berth.source */
        const char *revision;    /* berth.revision */
        int temp;                /* berth.temp: a start-first replacement */
        const char *image;       /* the reference it was created from */
        const char *image_id;    /* what it runs: "sha256:..." */
        enum actual_run_state state;
        int exit_code;           /* from Status "Exited (N) ...", -1 unknown */
        enum actual_health health;
        struct actual_label *labels; /* all labels, sorted by key */
        size_t nlabels;
};

struct actual_network {
        const char *id, *name, *project;
        const char *key; /* berth.network */
};

struct actual_volume {
        const char *name, *project;
        const char *key; /* berth.volume */
};

struct actual_image {
        const char *tag; /* "repo:tag" as listed in RepoTags */
        const char *id;
};

struct actual_state {
        struct berth_arena *arena;
        const char *scope;
        struct actual_container *containers; /* sorted by project, service, replica, name */
        size_t ncontainers;
        struct actual_network *networks;     /* sorted by name */
        size_t nnetworks;
        struct actual_volume *volumes;       /* sorted by name */
        size_t nvolumes;
        struct actual_image *images;         /* sorted by tag */
        size_t nimages;
};

void actual_state_free(struct actual_state *s); /* NULL is a no-op */

/* The image id a "repo:tag" names now (a tag without ":" means ":latest"),
 * or NULL when no local image has that tag. */
const char *actual_image_id(const struct actual_state *s, const char *ref);

#endif
