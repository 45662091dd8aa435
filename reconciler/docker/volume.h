/* docker/volume.h - volumes on the engine: create, list, inspect, remove.
 *
 * Errors read "cannot <op> volume '<name>': <what>" with the engine's own
 * text in err->engine_msg.  A volume that does not exist is
 * BERTH_ENOTFOUND; removing one that a container uses is BERTH_ECONFLICT.
 *
 * Ownership: a spec only borrows.  Results (struct docker_volume, struct
 * docker_volume_list) own the engine's JSON in ->raw and every string and
 * array in them points into it or is owned by them: valid until the
 * _release() call.  Strings in results are never NULL ("" when the engine
 * left them out).
 *
 * May not use: manifest, model, diff, plan, exec, watch.
 */
#ifndef BERTH_DOCKER_VOLUME_H
#define BERTH_DOCKER_VOLUME_H

#include <stddef.h>

#include <jansson.h>

#include "common/err.h"
#include "docker/client.h"
#include "docker/container.h" /* struct docker_kv */

struct docker_volume_spec {
        const char *name;   /* NULL: the engine makes one up (an anonymous volume) */
        const char *driver; /* NULL: "local" */
        const struct docker_kv *driver_opts; /* "type", "device", "o" for local */
        size_t n_driver_opts;
        const struct docker_kv *labels;
        size_t n_labels;
};

struct docker_volume {
        json_t *raw; /* the engine's object; owned */
        const char *name;
        const char *driver;
        const char *mountpoint; /* on the host */
        const char *created;    /* RFC 3339 */
        const char *scope;      /* "local" or "global" */
        struct docker_kv *labels;
        size_t n_labels;
        struct docker_kv *options; /* the driver options it was created with */
        size_t n_options;
};

/* The typed view of one volume object.  Takes its own reference to raw
 * (the caller keeps its own).  BERTH_EPROTO when raw is not an object with
 * a Name.  Release with docker_volume_release() whatever the result. */
int docker_volume_parse(struct docker_volume *out, json_t *raw, struct berth_err *err);
void docker_volume_release(struct docker_volume *vol);

/* Create; out may be NULL, else it is filled with the new volume (release
 * it whatever the result).  The engine answers a create of a name that
 * exists with the existing volume, unchanged (labels and options are not
 * updated): compare them when that matters.  An unknown driver is
 * BERTH_ENOTFOUND, after the engine has looked for a plugin for 15 s. */
int docker_volume_create(struct docker_volume *out, struct docker_client *c,
                         const struct docker_volume_spec *spec, struct berth_err *err);

int docker_volume_inspect(struct docker_volume *out, struct docker_client *c, const char *name,
                          struct berth_err *err);

enum docker_volume_use {
        DOCKER_VOLUME_ANY = 0,
        DOCKER_VOLUME_UNUSED, /* dangling: no container refers to it */
        DOCKER_VOLUME_USED,
};

/* List filters; arrays are NULL-terminated and may be NULL. */
struct docker_volume_filter {
        const char *const *labels; /* "key" or "key=value": all must match */
        const char *const *names;  /* exact names: any may match */
        enum docker_volume_use use;
};

struct docker_volume_list {
        struct docker_volume *items;
        size_t count;
        const char **warnings; /* the engine's, NULL-terminated (usually empty) */
        size_t n_warnings;
        json_t *raw; /* {"Volumes": [...], "Warnings": [...]}; owned */
};

/* Volumes matching f (NULL: all).  The engine's name filter matches
 * substrings; names here are compared exactly.  Release *out with
 * docker_volume_list_release() whatever the result. */
int docker_volume_list(struct docker_volume_list *out, struct docker_client *c,
                       const struct docker_volume_filter *f, struct berth_err *err);
void docker_volume_list_release(struct docker_volume_list *list);

/* Remove.  ENOTFOUND when missing (unless force, which the engine answers
 * with success), ECONFLICT while a container uses it (force does not
 * override that). */
int docker_volume_remove(struct docker_client *c, const char *name, int force,
                         struct berth_err *err);

#endif
