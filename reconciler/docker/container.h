/* docker/container.h - containers on the engine: create from a typed spec,
 * start, stop, restart, kill, remove, rename, wait, list and inspect.
 *
 * Names: every function taking `container` accepts a name or an id.
 * Errors read "cannot <op> container '<name>': <what>", the engine's own
 * text kept in err->engine_msg.  A container that does not exist is
 * BERTH_ENOTFOUND with "... : no such container"; a name already taken at
 * create or rename is BERTH_ECONFLICT naming it.  Start of a running
 * container and stop of a stopped one succeed (the engine's 304).
 *
 * Ownership: a spec only borrows (nothing in it is freed here).  Results
 * (struct docker_container_list, struct docker_container_info) own the
 * engine's JSON in ->raw and every string in them points into it: they are
 * valid until the _release() call.  Strings in results are never NULL ("" when
 * the engine left them out).
 *
 * May not use: manifest, model, diff, plan, exec, watch.
 */
#ifndef BERTH_DOCKER_CONTAINER_H
#define BERTH_DOCKER_CONTAINER_H

#include <stdatomic.h>
#include <stddef.h>

#include <jansson.h>

#include "common/err.h"
#include "docker/client.h"

/* A key and a value: labels, sysctls, log options, tmpfs options. */
struct docker_kv {
        const char *key;
        const char *value;
};

/* The value of key in kv[0..n), or NULL. */
const char *docker_kv_get(const struct docker_kv *kv, size_t n, const char *key);

/* Protocols are "tcp" (also when NULL or ""), "udp" or "sctp". */
struct docker_port {
        unsigned port;
        const char *proto;
};

/* A published port.  Each one is also exposed (the engine ignores a
 * binding whose port is not exposed).  Several bindings of one container
 * port are allowed (two host addresses, say).  Ranges: one entry per port. */
struct docker_port_binding {
        unsigned container_port;
        const char *proto;
        const char *host_ip; /* NULL or "": every address */
        unsigned host_port;  /* 0: the engine picks a free one */
};

enum docker_mount_type {
        DOCKER_MOUNT_BIND,
        DOCKER_MOUNT_VOLUME,
        DOCKER_MOUNT_TMPFS,
};

struct docker_mount {
        enum docker_mount_type type;
        const char *source; /* bind: host path; volume: name (NULL: anonymous) */
        const char *target; /* path in the container (required) */
        int read_only;
        const char *propagation; /* bind: "rprivate", "shared", ...; NULL: default */
        int create_host_path;    /* bind: create a missing source directory, as
                                  * `docker run -v` does (sent as a Binds entry);
                                  * otherwise a missing source fails the create */
        int no_copy;             /* volume: do not copy the image's files in */
        long long tmpfs_size;    /* tmpfs: bytes; 0: unlimited (half of RAM) */
        unsigned tmpfs_mode;     /* tmpfs: permission bits, e.g. 01777; 0: default */
};

enum docker_restart {
        DOCKER_RESTART_NO = 0,
        DOCKER_RESTART_ALWAYS,
        DOCKER_RESTART_UNLESS_STOPPED,
        DOCKER_RESTART_ON_FAILURE,
};

/* "no", "always", "unless-stopped", "on-failure". */
const char *docker_restart_name(enum docker_restart r);

struct docker_healthcheck {
        /* NULL: the image's test; {"NONE", NULL} turns the check off;
         * {"CMD", argv..., NULL} or {"CMD-SHELL", "command", NULL}. */
        const char *const *test;
        long long interval_ns;     /* 0: the image's, else 30 s */
        long long timeout_ns;      /* 0: the image's, else 30 s */
        long long start_period_ns; /* 0: the image's, else 0 */
        int retries;               /* 0: the image's, else 3 */
};

struct docker_ulimit {
        const char *name; /* "nofile", "nproc", ... */
        long long soft;
        long long hard;
};

/* A host device in the container. */
struct docker_device {
        const char *path_on_host;      /* absolute (required) */
        const char *path_in_container; /* absolute; NULL or "": path_on_host */
        const char *permissions;       /* cgroup permissions, r, w, m; NULL or "": "rwm" */
};

/* Everything berth sets on a container.  docker_container_spec_init()
 * first, then fill in what is wanted; the zero value of each field means
 * "not set" (the engine's or the image's default) unless said otherwise.
 * String lists are NULL-terminated arrays; NULL means not set. */
struct docker_container_spec {
        const char *name;  /* NULL: the engine makes one up */
        const char *image; /* required */

        /* NULL: the image's.  A non-NULL empty list ({NULL}) is sent as []:
         * for entrypoint that clears the image's (compose `entrypoint: []`). */
        const char *const *cmd;
        const char *const *entrypoint;

        const char *const *env; /* "KEY=value" */
        const struct docker_kv *labels;
        size_t n_labels;

        const struct docker_port *exposed; /* exposed, not published */
        size_t n_exposed;
        const struct docker_port_binding *ports;
        size_t n_ports;

        const struct docker_mount *mounts;
        size_t n_mounts;
        const struct docker_kv *tmpfs; /* path → options ("size=64m,mode=1777" or "") */
        size_t n_tmpfs;

        /* "bridge", "host", "none", "container:<name>" or a network name;
         * NULL: network (when set), else the engine's default bridge. */
        const char *network_mode;
        /* The one network joined at create, with its aliases; connect more
         * later (the 1.41 API takes one at create). */
        const char *network;
        const char *const *aliases;
        const char *network_ipv4_address; /* static address on network, or NULL */

        enum docker_restart restart;
        int restart_max_retries; /* on-failure only; 0: no limit */

        struct docker_healthcheck healthcheck;

        long long memory;             /* bytes */
        long long memory_reservation; /* bytes */
        long long nano_cpus;          /* CPUs × 1e9 */
        long long pids_limit;         /* 0: unset, -1: unlimited */
        long long shm_size;           /* bytes */

        const char *log_driver; /* "json-file", "local", "none", ... */
        const struct docker_kv *log_opts;
        size_t n_log_opts;

        const char *user;
        const char *workdir;
        const char *hostname;
        const char *domainname;
        const char *stop_signal; /* "SIGTERM", "SIGQUIT", ... */
        int stop_timeout;        /* seconds; -1 (init's value): the engine's 10 */

        const char *const *cap_add;
        const char *const *cap_drop;
        int privileged;
        int read_only; /* read-only root filesystem */
        int init;      /* -1 (init's value): the engine's default; 0 off; 1 on */
        int tty;
        int stdin_open;

        const char *const *extra_hosts; /* "host:ip" */
        const char *const *dns;
        const char *const *dns_search;
        const char *const *dns_opt;

        const struct docker_ulimit *ulimits;
        size_t n_ulimits;
        const struct docker_kv *sysctls;
        size_t n_sysctls;
        const char *const *security_opt; /* "no-new-privileges", "seccomp=unconfined" */

        /* Namespaces: NULL for the container's own (the engine's default). */
        const char *pid_mode;    /* "host", "container:<name>" */
        const char *ipc_mode;    /* "host", "private", "shareable", "none", ... */
        const char *userns_mode; /* "host" */
        const struct docker_device *devices;
        size_t n_devices;
};

void docker_container_spec_init(struct docker_container_spec *spec);

/* The body of POST /containers/create for spec (the name goes in the
 * query, not here).  On success *out is a new reference (json_decref()).
 * BERTH_EINVALID for an unusable spec (no image, a port out of range, a
 * mount with no target, ...) naming the container and the field. */
int docker_container_spec_to_json(json_t **out, const struct docker_container_spec *spec,
                                  struct berth_err *err);

/* Create the container (not started).  *id (may be NULL) gets its id, owned
 * by the caller: free() it.  The image must be present (no pull here):
 * BERTH_ENOTFOUND naming it otherwise. */
int docker_container_create(char **id, struct docker_client *c,
                            const struct docker_container_spec *spec, struct berth_err *err);

int docker_container_start(struct docker_client *c, const char *container, struct berth_err *err);

/* SIGTERM (or the container's stop signal), then SIGKILL after timeout_s
 * seconds; timeout_s < 0: the container's stop timeout.  The HTTP call
 * waits timeout_s plus DOCKER_DEFAULT_TIMEOUT_MS (with timeout_s < 0 it has
 * no timeout of its own, the container's being unknown here). */
int docker_container_stop(struct docker_client *c, const char *container, int timeout_s,
                          struct berth_err *err);
int docker_container_restart(struct docker_client *c, const char *container, int timeout_s,
                             struct berth_err *err);

/* signal: "SIGHUP", "HUP" or "1"; NULL: SIGKILL.  A container that is not
 * running is BERTH_ECONFLICT. */
int docker_container_kill(struct docker_client *c, const char *container, const char *signal,
                          struct berth_err *err);

enum docker_remove_flags {
        DOCKER_REMOVE_FORCE = 1 << 0,   /* kill it first if it runs */
        DOCKER_REMOVE_VOLUMES = 1 << 1, /* and its anonymous volumes */
};

int docker_container_remove(struct docker_client *c, const char *container, unsigned flags,
                            struct berth_err *err);

int docker_container_rename(struct docker_client *c, const char *container, const char *new_name,
                            struct berth_err *err);

enum docker_wait_condition {
        DOCKER_WAIT_NOT_RUNNING = 0, /* now, if it is not running */
        DOCKER_WAIT_NEXT_EXIT,
        DOCKER_WAIT_REMOVED,
};

struct docker_wait_result {
        long exit_code;
        char error[512]; /* the engine's message when the container could not
                          * run (its start failed), else "" */
};

/* Wait for the condition.  timeout_ms: 0 the client's timeout, -1 none
 * (then only *cancel ends it, BERTH_ECANCELLED; cancel may be NULL);
 * BERTH_ETIMEOUT when it passes. */
int docker_container_wait(struct docker_wait_result *out, struct docker_client *c,
                          const char *container, enum docker_wait_condition cond, long timeout_ms,
                          atomic_int *cancel, struct berth_err *err);

/* One published (or exposed) port as list reports it. */
struct docker_port_summary {
        const char *ip;        /* host address, "" when not published */
        unsigned private_port; /* in the container */
        unsigned public_port;  /* on the host, 0 when not published */
        const char *type;      /* "tcp", "udp", "sctp" */
};

struct docker_container_summary {
        const char *id;
        const char **names; /* without the leading '/', NULL-terminated */
        size_t n_names;
        const char *image;    /* the reference it was created from */
        const char *image_id; /* "sha256:..." */
        const char *command;
        const char *state;  /* created, running, paused, restarting, removing, exited, dead */
        const char *status; /* "Up 8 seconds (healthy)": for people */
        long long created;  /* unix seconds */
        struct docker_kv *labels;
        size_t n_labels;
        struct docker_port_summary *ports;
        size_t n_ports;
};

struct docker_container_list {
        struct docker_container_summary *items;
        size_t count;
        json_t *raw; /* the engine's array; owned */
};

/* Containers in every state that carry all the given labels ("key" or
 * "key=value", NULL-terminated; NULL or empty: every container).  On
 * success *out is filled (release it with docker_container_list_release()
 * whatever the result). */
int docker_container_list(struct docker_container_list *out, struct docker_client *c,
                          const char *const *labels, struct berth_err *err);
void docker_container_list_release(struct docker_container_list *list);
/* The typed view of a list answer; takes over the reference to raw (also
 * on failure; NULL is not a list).  BERTH_EPROTO when raw is not an array.
 * Release *out with docker_container_list_release() whatever the
 * result. */
int docker_container_list_parse(struct docker_container_list *out, json_t *raw,
                                struct berth_err *err);

struct docker_health_log {
        const char *start;
        const char *end;
        long exit_code;
        const char *output;
};

/* One host binding of a container port (NetworkSettings.Ports). */
struct docker_published_port {
        unsigned container_port;
        const char *proto;
        const char *host_ip;
        unsigned host_port;
};

struct docker_endpoint {
        const char *network; /* the network's name */
        const char *network_id;
        const char *ip_address;
        int ip_prefix_len;
        const char *gateway;
        const char *mac_address;
        const char **aliases; /* NULL-terminated */
        size_t n_aliases;
};

struct docker_mount_point {
        const char *type; /* "bind", "volume", "tmpfs" */
        const char *name; /* volume name, else "" */
        const char *source;
        const char *destination;
        const char *driver;
        const char *mode;
        int rw;
        const char *propagation;
};

struct docker_container_state {
        const char *status; /* created, running, paused, restarting, removing, exited, dead */
        int running;
        int paused;
        int restarting;
        int oom_killed;
        int dead;
        long pid;
        long exit_code;
        const char *error;
        const char *started_at;  /* RFC 3339 */
        const char *finished_at; /* "0001-01-01T00:00:00Z" when never */
        int has_health;          /* it has a healthcheck: the three below are set */
        const char *health;      /* "starting", "healthy", "unhealthy" */
        int failing_streak;
        struct docker_health_log *health_log; /* oldest first, at most 5 */
        size_t n_health_log;
};

struct docker_container_info {
        const char *id;
        const char *name;         /* without the leading '/' */
        const char *image_id;     /* "sha256:..." */
        const char *config_image; /* Config.Image: the reference it was created from */
        const char *created;      /* RFC 3339 */
        int tty;                  /* Config.Tty: its logs are not framed */
        struct docker_container_state state;
        long restart_count;
        struct docker_kv *labels; /* the container's and the image's */
        size_t n_labels;
        struct docker_published_port *ports; /* published only */
        size_t n_ports;
        struct docker_endpoint *networks;
        size_t n_networks;
        struct docker_mount_point *mounts;
        size_t n_mounts;
        json_t *raw; /* the whole inspect answer; owned (Config, HostConfig, ...) */
};

/* Inspect container.  Release *out with docker_container_info_release()
 * whatever the result. */
int docker_container_inspect(struct docker_container_info *out, struct docker_client *c,
                             const char *container, struct berth_err *err);
/* The typed view of an inspect answer; takes over the reference to raw
 * (also on failure).  BERTH_EPROTO when raw is not an object with an Id. */
int docker_container_info_parse(struct docker_container_info *out, json_t *raw,
                                struct berth_err *err);
void docker_container_info_release(struct docker_container_info *info);

/* For the docker/ modules: after a failed call about container, make a
 * 404's message "cannot <op> '<container>': no such container" (the
 * engine's text stays in err->engine_msg).  Returns r. */
int docker_container_err(int r, const char *op, const char *container, struct berth_err *err);

#endif
