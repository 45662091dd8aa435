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

/* From the list's Status, which shows health only while the container runs
 * unpaused: a paused or restarting container with a healthcheck is NONE. */
enum actual_health {
        ACTUAL_HEALTH_NONE, /* no healthcheck, or Status does not show it */
        ACTUAL_HEALTH_STARTING,
        ACTUAL_HEALTH_HEALTHY,
        ACTUAL_HEALTH_UNHEALTHY
};

struct actual_label {
        const char *key, *value;
};

/* A host port a running container holds (the list's Ports entries with a
 * PublicPort). */
struct actual_port {
        const char *ip; /* "0.0.0.0", "::", "127.0.0.1", "" when not said */
        int port;
        const char *proto; /* "tcp", "udp", "sctp" */
};

/* Strings are never NULL: "" when the engine or the label left them out. */
struct actual_container {
        const char *id;
        const char *name;        /* without the leading '/' */
        const char *project;     /* berth.project, "" when missing */
        const char *service;     /* berth.service, "" when missing */
        int replica;             /* berth.replica 1..1000000, else 0 (missing, not decimal) */
        const char *config_hash; /* berth.config-hash, "" when missing */
        const char *applied;     /* berth.applied (JSON text), "" when missing */
        const char *source;      /* berth.source */
        const char *revision;    /* berth.revision */
        int temp;                /* berth.temp names it: a start-first replacement
                                  * never renamed (left over from a crash) */
        const char *depends_on;  /* berth.depends-on: "db,cache" (services), "" when none */
        const char *image;       /* the reference it was created from */
        const char *image_id;    /* what it runs: "sha256:..." */
        enum actual_run_state state;
        int exit_code; /* Status "Exited (N) ..."/"Restarting (N) ...", else -1 */
        enum actual_health health;
        struct actual_label *labels; /* all labels, sorted by key */
        size_t nlabels;
        struct actual_port *ports; /* host ports held, in the list's order */
        size_t nports;
        /* The networks it is attached to (NetworkSettings.Networks), when
         * the list said (networks_known). */
        const char **networks;
        size_t nnetworks;
        int networks_known;
};

/* Strings are never NULL, as for containers. */
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
        struct actual_network *networks; /* sorted by name */
        size_t nnetworks;
        struct actual_volume *volumes; /* sorted by name */
        size_t nvolumes;
        struct actual_image *images; /* sorted by tag */
        size_t nimages;
        /* The names of every network and volume on the engine, owned or
         * not, NULL-terminated (to check that external ones exist); NULL
         * when the lists given were of the scope's objects only. */
        const char **engine_networks;
        const char **engine_volumes;
};

void actual_state_free(struct actual_state *s); /* NULL is a no-op */

/* The value of label key on c (a binary search: labels are sorted), or
 * NULL when c does not carry it. */
const char *actual_container_label(const struct actual_container *c, const char *key);

/* The image id ("sha256:...") that ref names now, or NULL when no local
 * image has that tag.  ref is "repo:tag"; without a tag it means ":latest"
 * (a ':' before the last '/' is a registry port: "localhost:5000/app" is
 * "localhost:5000/app:latest").  Docker Hub names are found in every
 * spelling: the engine lists "docker.io/library/busybox:1" as
 * "busybox:1", so "docker.io/", "index.docker.io/" and then "library/"
 * before a one-part name are dropped before the lookup.  A digest
 * reference ("repo@sha256:...") gives NULL: digests are not in the image
 * list's RepoTags, so the caller must ask the engine (inspect the image)
 * for those.  The result lives in s. */
const char *actual_image_id(const struct actual_state *s, const char *ref);

#endif
