/* docker/network.h - networks on the engine: create, ensure (create if
 * missing), list, inspect, connect and disconnect containers, remove and
 * prune.
 *
 * Names: every function taking `network` accepts a name or an id (the
 * engine also takes an id prefix).  Errors read "cannot <op> network
 * '<name>': <what>" with the engine's own text in err->engine_msg.  A
 * network that does not exist is BERTH_ENOTFOUND; removing one that still
 * has containers attached is BERTH_ECONFLICT (the engine says 403).
 *
 * Ownership: a spec only borrows.  Results (struct docker_network, struct
 * docker_network_list) own the engine's JSON in ->raw and every string
 * and array in them points into it or is owned by them: valid until the
 * _release() call.  Strings in results are never NULL ("" when the engine
 * left them out).
 *
 * May not use: manifest, model, diff, plan, exec, watch.
 */
#ifndef BERTH_DOCKER_NETWORK_H
#define BERTH_DOCKER_NETWORK_H

#include <stddef.h>

#include <jansson.h>

#include "common/err.h"
#include "docker/client.h"
#include "docker/container.h" /* struct docker_kv */

/* docker_kv and JSON objects of strings (labels, options).  These belong
 * beside struct docker_kv in container.h; they live here until that
 * header's owner takes them, and volume.c uses them from here. */

/* kv[0..n) as a new JSON object in *out (NULL when n is 0).  An empty key
 * or text that is not UTF-8 is BERTH_EINVALID: "cannot <subject>: <what>
 * with an empty key". */
int docker_kv_to_json(json_t **out, const struct docker_kv *kv, size_t n, const char *what,
                      const char *subject, struct berth_err *err);
/* The members of obj as pairs pointing into obj (non-strings read as "");
 * *out is owned by the caller (free() it, not its strings).  0 or
 * BERTH_ENOMEM. */
int docker_kv_from_json(struct docker_kv **out, size_t *n, const json_t *obj);

/* One IPAM pool: every field may be NULL (in results: ""). */
struct docker_ipam_pool {
        const char *subnet;   /* "172.31.250.0/24" */
        const char *ip_range; /* part of subnet to allocate from */
        const char *gateway;  /* "172.31.250.1" */
};

struct docker_network_spec {
        const char *name;   /* required */
        const char *driver; /* NULL: "bridge" */
        const struct docker_kv *labels;
        size_t n_labels;
        const struct docker_kv *options; /* driver options ("com.docker.network.driver.mtu") */
        size_t n_options;
        const char *ipam_driver; /* NULL: "default" */
        const struct docker_ipam_pool *ipam;
        size_t n_ipam; /* 0: the engine picks a subnet */
        int internal;  /* no route to the outside */
        int attachable;
        int enable_ipv6;
};

/* A container attached to a network, as inspect reports it (list leaves
 * these out). */
struct docker_network_endpoint {
        const char *container_id;
        const char *name; /* the container's name, without '/' */
        const char *endpoint_id;
        const char *mac_address;
        const char *ipv4_address; /* with its prefix: "172.31.250.2/24", or "" */
        const char *ipv6_address;
};

struct docker_network {
        json_t *raw; /* the engine's object; owned */
        const char *id;
        const char *name;
        const char *driver;
        const char *scope;   /* "local", "swarm", "global" */
        const char *created; /* RFC 3339 */
        int internal;
        int attachable;
        int enable_ipv6;
        struct docker_kv *labels;
        size_t n_labels;
        struct docker_kv *options;
        size_t n_options;
        const char *ipam_driver;
        struct docker_ipam_pool *ipam;
        size_t n_ipam;
        struct docker_network_endpoint *containers;
        size_t n_containers;
};

/* The typed view of one network object.  Takes its own reference to raw
 * (the caller keeps its own).  BERTH_EPROTO when raw is not an object with
 * an Id and a Name.  Release with docker_network_release() whatever the
 * result. */
int docker_network_parse(struct docker_network *out, json_t *raw, struct berth_err *err);
void docker_network_release(struct docker_network *net);

/* Create; on success *out_id (may be NULL) is the new id, free() it.  A
 * name already in use is BERTH_ECONFLICT (berth always asks the engine to
 * check: 1.41 would otherwise make a second network with the same name). */
int docker_network_create(char **out_id, struct docker_client *c,
                          const struct docker_network_spec *spec, struct berth_err *err);

/* Create the network unless one with exactly this name exists.  On
 * success *out_id is its id (free() it) and *out_created says whether this
 * call made it.  An existing network is returned as it is: its settings
 * are not compared with spec.  Ensures in one process are serialized (the
 * engine's duplicate check is not atomic on 1.41); a create that loses a
 * race with another process (409) is resolved by inspecting again. */
int docker_network_ensure(char **out_id, int *out_created, struct docker_client *c,
                          const struct docker_network_spec *spec, struct berth_err *err);

/* Inspect one network; containers attached are filled in. */
int docker_network_inspect(struct docker_network *out, struct docker_client *c, const char *network,
                           struct berth_err *err);

/* List filters; arrays are NULL-terminated and may be NULL. */
struct docker_network_filter {
        const char *const *labels; /* "key" or "key=value": all must match */
        const char *const *names;  /* exact names: any may match */
        const char *driver;        /* NULL: any */
};

struct docker_network_list {
        struct docker_network *items; /* containers are not filled in */
        size_t count;
        json_t *raw; /* the engine's array; owned */
};

/* Networks matching f (NULL: all).  The engine's name filter matches
 * substrings; names here are compared exactly.  Release *out with
 * docker_network_list_release() whatever the result. */
int docker_network_list(struct docker_network_list *out, struct docker_client *c,
                        const struct docker_network_filter *f, struct berth_err *err);
void docker_network_list_release(struct docker_network_list *list);

/* How a container joins a network; every field may be NULL. */
struct docker_network_attach {
        const char *const *aliases; /* DNS names on this network, NULL-terminated */
        const char *ipv4_address;   /* static address (needs a network with a subnet) */
        const char *ipv6_address;
};

/* Connect container (name or id) to network; opt may be NULL.  Connecting
 * a container that is already connected is BERTH_EFORBIDDEN (the
 * engine's 403). */
int docker_network_connect(struct docker_client *c, const char *network, const char *container,
                           const struct docker_network_attach *opt, struct berth_err *err);

/* Disconnect; force also removes the endpoint of a container that is
 * gone.  A container that is not connected is BERTH_ESERVER on 20.10. */
int docker_network_disconnect(struct docker_client *c, const char *network, const char *container,
                              int force, struct berth_err *err);

/* Remove.  ENOTFOUND when missing, ECONFLICT while containers are attached. */
int docker_network_remove(struct docker_client *c, const char *network, struct berth_err *err);

struct docker_network_pruned {
        char **names; /* NULL-terminated; owned */
        size_t count;
};

/* Remove the networks no container uses that carry all the labels
 * ("key" or "key=value", NULL-terminated; NULL: every unused network).
 * *out lists the removed names; release it with
 * docker_network_pruned_release() whatever the result. */
int docker_network_prune(struct docker_network_pruned *out, struct docker_client *c,
                         const char *const *labels, struct berth_err *err);
void docker_network_pruned_release(struct docker_network_pruned *p);

#endif
