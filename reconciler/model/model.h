/* model/model.h - the typed desired state: projects, services, networks,
 * volumes, with every supported Compose key normalized to one form.
 *
 * A struct model_state and everything reachable from it live in one arena:
 * free the whole with model_state_free().  Lists are (pointer, count) pairs
 * and are sorted where order does not matter to the engine (labels,
 * environment, sysctls: by key; devices: by path) and kept in file order
 * where it does (command, entrypoint, ports, mounts, dns).
 *
 * Units: durations in nanoseconds, sizes in bytes, CPUs in nano-CPUs.  A
 * field that was not written is unset (MODEL_UNSET, NULL, or .set == 0),
 * which is not the same as written empty: `entrypoint: []` clears the
 * image's entrypoint, a missing `entrypoint` keeps it.
 *
 * May not use: anything but libc, jansson, libcrypto and common/.  (diff,
 * plan, exec and cli depend on this module, never the other way.)
 */
#ifndef BERTH_MODEL_H
#define BERTH_MODEL_H

#include <stddef.h>
#include <stdint.h>

#include <jansson.h>

#include "common/err.h"

#define MODEL_UNSET INT64_MIN

struct berth_arena;

/* Where a thing was written: for messages that name file:line:col. */
struct model_pos {
        const char *file; /* as the user named it: "manifests/shop.yaml" */
        int line, col;
};

struct model_strlist {
        char **v;
        size_t n;
        int set; /* written in the manifest (possibly empty) */
};

struct model_kv {
        char *key;
        char *value;   /* NULL: key without a value (env "KEY" alone) */
        int sensitive; /* name matches PASSWORD/SECRET/TOKEN/KEY */
};

struct model_kvlist {
        struct model_kv *v;
        size_t n;
};

/* One published or exposed port (ranges are expanded to one entry each). */
struct model_port {
        int target;           /* container port */
        int published;        /* host port; 0 = a random one */
        char *host_ip;        /* NULL = all addresses */
        char *protocol;       /* "tcp", "udp", "sctp" */
        struct model_pos pos; /* where written: the service's ports[item] */
        size_t item;
};

enum model_mount_type { MODEL_MOUNT_VOLUME, MODEL_MOUNT_BIND, MODEL_MOUNT_TMPFS };

struct model_mount {
        enum model_mount_type type;
        char *source; /* volume: engine name ("{project}_{name}" or external name),
                       * NULL for an anonymous volume; bind: absolute host path */
        char *volume; /* volume: the key under top-level volumes:, NULL otherwise */
        char *target; /* absolute path in the container */
        int read_only;
        char *propagation;    /* bind: rprivate, shared, ...; NULL unset */
        int create_host_path; /* bind: create a missing source (short syntax does) */
        int nocopy;           /* volume */
        int64_t tmpfs_size;   /* bytes, MODEL_UNSET */
        int64_t tmpfs_mode;   /* MODEL_UNSET */
};

struct model_service_network {
        char *name; /* key under top-level networks: ("default" included) */
        char *engine_name;
        struct model_strlist aliases;
        char *ipv4_address;
        int priority;
};

enum model_condition { MODEL_COND_STARTED, MODEL_COND_HEALTHY, MODEL_COND_COMPLETED };

struct model_dependency {
        char *service;
        enum model_condition condition;
        int restart;
        int required;
        struct model_pos pos;
};

struct model_healthcheck {
        int set;
        int disable;                             /* disable: true or test: ["NONE"] */
        struct model_strlist test;               /* ["CMD", ...] or ["CMD-SHELL", "..."] */
        int64_t interval, timeout, start_period; /* ns, MODEL_UNSET */
        int64_t retries;                         /* MODEL_UNSET */
};

enum model_restart {
        MODEL_RESTART_NO,
        MODEL_RESTART_ALWAYS,
        MODEL_RESTART_UNLESS_STOPPED,
        MODEL_RESTART_ON_FAILURE
};

enum model_pull_policy { MODEL_PULL_MISSING, MODEL_PULL_ALWAYS, MODEL_PULL_NEVER };

enum model_update_order { MODEL_UPDATE_STOP_FIRST, MODEL_UPDATE_START_FIRST };
enum model_failure_action { MODEL_FAIL_PAUSE, MODEL_FAIL_CONTINUE, MODEL_FAIL_ROLLBACK };

struct model_ulimit {
        char *name;
        int64_t soft, hard;
};

/* A host device given to the container (devices:, short syntax). */
struct model_device {
        char *host;        /* absolute and clean */
        char *container;   /* absolute and clean; the host path when not written */
        char *permissions; /* cgroup permissions: r, w, m in that order ("rwm" when not
                            * written) */
        size_t item;       /* written as devices[item] */
};

struct model_service {
        char *name;
        struct model_pos pos;
        char *image;
        struct model_strlist command, entrypoint;
        struct model_kvlist environment; /* env_file entries merged, environment: wins */
        struct model_kvlist labels;
        struct model_port *ports;
        size_t nports;
        struct model_strlist expose; /* "80/tcp" */
        struct model_mount *mounts;  /* volumes: and tmpfs mounts from volumes: */
        size_t nmounts;
        struct model_service_network *networks; /* sorted by name */
        size_t nnetworks;
        char *network_mode; /* NULL: the project networks */
        struct model_dependency *depends_on;
        size_t ndepends_on;
        struct model_healthcheck healthcheck;
        enum model_restart restart;
        int64_t restart_max_retries; /* on-failure:N, MODEL_UNSET */
        char *container_name, *hostname, *user, *working_dir, *stop_signal;
        int64_t stop_grace_period; /* ns */
        int64_t replicas;          /* scale / deploy.replicas; 1 by default */
        int64_t mem_limit, mem_reservation, nano_cpus, pids_limit, shm_size;
        struct model_strlist cap_add, cap_drop;
        int privileged, read_only, tty, stdin_open;
        int init;                         /* -1 unset, 0, 1 */
        struct model_strlist tmpfs;       /* "/run" or "/run:size=64m" */
        struct model_strlist extra_hosts; /* "host:ip" */
        struct model_strlist dns, dns_search, dns_opt, security_opt, profiles;
        char *log_driver;
        struct model_kvlist log_options;
        enum model_pull_policy pull_policy;
        struct model_ulimit *ulimits; /* sorted by name */
        size_t nulimits;
        struct model_kvlist sysctls;
        enum model_update_order update_order;
        enum model_failure_action failure_action;
        int64_t update_monitor; /* ns, MODEL_UNSET */
        /* Namespaces and host devices (the policy gate decides on "host"
         * and on every device); NULL, none: the container's own, the
         * engine's default. */
        char *pid;                    /* "host" */
        char *ipc;                    /* "host", "private", "shareable", "none" */
        char *userns_mode;            /* "host" */
        struct model_device *devices; /* by host path, then container path */
        size_t ndevices;
        /* model_service_hash() of it once model_state_hash() has filled it
         * in; "" until then (a reader computes it) */
        char config_hash[65];
};

struct model_network {
        char *name;        /* key under networks: */
        char *engine_name; /* "{project}_{name}", or name:, or the external name */
        int external;
        char *driver;
        struct model_kvlist driver_opts, labels;
        int internal, attachable, enable_ipv6;
        char *subnet, *gateway; /* ipam.config[0], NULL unset */
        struct model_pos pos;
};

struct model_volume {
        char *name;
        char *engine_name;
        int external;
        char *driver;
        struct model_kvlist driver_opts, labels;
        struct model_pos pos;
};

struct model_project {
        char *name;
        char *source;                   /* manifest path relative to the manifest root */
        char *file;                     /* as the user named it, for messages */
        struct model_service *services; /* sorted by name */
        size_t nservices;
        struct model_network *networks; /* sorted by name; "default" included when used */
        size_t nnetworks;
        struct model_volume *volumes; /* sorted by name */
        size_t nvolumes;
        /* Clear-text values berth must never show (README "Sensitive
         * values"): the values of sensitive environment variables, labels
         * and log options, and of sensitive variables the file
         * interpolated, each of at least MODEL_SECRET_MIN bytes.  Any
         * string that contains one is redacted (model_json_redact). */
        char **secrets;
        size_t nsecrets;
};

#define MODEL_SECRET_MIN 6

struct model_state {
        struct berth_arena *arena;
        struct model_project *projects; /* sorted by name */
        size_t nprojects;
};

struct model_state *model_state_new(void);
void model_state_free(struct model_state *s); /* NULL is a no-op */

/* Lookups by name (NULL when absent). */
const struct model_project *model_project_find(const struct model_state *s, const char *name);
const struct model_service *model_service_find(const struct model_project *p, const char *name);
const struct model_network *model_network_find(const struct model_project *p, const char *name);
const struct model_volume *model_volume_find(const struct model_project *p, const char *name);

/* Engine names (DESIGN.md §4).  replica is 1-based.  Returned in buf. */
const char *model_container_name(const struct model_project *p, const struct model_service *s,
                                 int replica, char *buf, size_t size);

/* Does a variable or label name look secret (PASSWORD, SECRET, TOKEN, KEY,
 * case-insensitive, as a word part: DB_PASSWORD, apiKey, but not MONKEY)? */
int model_name_is_sensitive(const char *name);

/* The canonical desired spec of one replica of s (the same for every
 * replica: names and replica numbers are not in it), as a new JSON object
 * with a fixed shape: every field present, unset ones as null, lists in
 * their model order; except the fields added after the hash was first
 * pinned (pid, ipc, userns_mode, devices), which are present only when set,
 * so that a service not using them keeps its hash across an upgrade.
 * What is in it and what is not is documented in README.md ("Config
 * hash").  Sensitive values are replaced by
 * "sha256:<hex>" when redact is set (the berth.applied label), left as they
 * are otherwise (the hash); with redact, so is every string holding one
 * of p's secrets (model_json_redact).  NULL on ENOMEM. */
json_t *model_service_canonical(const struct model_project *p, const struct model_service *s,
                                int redact);

/* Take out of a canonical spec its top-level members that are null
 * (unset): the form of the berth.applied label.  Every container carries
 * that label and the engine sends it in every container list, where the
 * nulls were a fifth of the answer (500 containers of tests/bench).  A key that is not there reads as
 * null (diff_fields(), and the keys the canonical spec itself leaves out
 * when unset). */
void model_canonical_drop_unset(json_t *spec);

/* s's devices as a new array of "HOST:CONTAINER:PERMISSIONS" strings (the
 * short syntax, every part written: what the canonical spec and `berth
 * config` show); NULL on ENOMEM. */
json_t *model_devices_json(const struct model_service *s);

/* Redact a service object in place (the canonical spec, or the service of
 * model_project_config()): in the members where a secret has a reason to
 * be (command, entrypoint, environment, labels, healthcheck and the
 * logging options), every string that contains one of p's secrets becomes
 * "sha256:<hex of the whole string>" (hash set: what the berth.applied
 * label and the plan's field differences hold) or "(sensitive)".  Paths,
 * names and images are left alone: a secret that happens to be a common
 * word ("nextcloud") must not hide them.  0, or -1 when memory ran out
 * (svc then half redacted: do not show it). */
int model_json_redact(json_t *svc, const struct model_project *p, int hash);
/* Does s contain one of p's secrets? */
int model_has_secret(const struct model_project *p, const char *s);

/* sha256 of the compact, key-sorted canonical JSON, as 64 hex digits in
 * out (65 bytes). */
int model_service_hash(char out[65], const struct model_project *p, const struct model_service *s,
                       struct berth_err *err);

/* Fill in every service's config_hash.  The pipeline does it once the
 * manifests are loaded, while the engine is still answering the lists of
 * the observation, so that the diff finds the hashes made (at 500
 * services they are tens of milliseconds).  BERTH_ENOMEM when memory ran
 * out (the hashes made so far stay). */
int model_state_hash(struct model_state *s, struct berth_err *err);

/* The project as `berth config` shows it: Compose's shape (services,
 * networks, volumes) with every value in its normalized long form (ports
 * and volumes in the long syntax, durations like "1m30s", sizes in bytes,
 * commands as lists).  Sensitive values, and strings holding one of p's
 * secrets, print as "(sensitive)" unless show_sensitive.  A new reference; NULL on ENOMEM. */
json_t *model_project_config(const struct model_project *p, int show_sensitive);

/* A duration in nanoseconds in its shortest Compose form: "1m30s", "1m"
 * (not Go's "1m0s"), "1.5s", "500ms". */
const char *model_duration_format(int64_t ns, char *buf, size_t size);
/* ns (>= 0) in whole seconds, rounded up: what the engine, which counts
 * whole seconds, must be given for at least that long. */
int64_t model_duration_seconds_up(int64_t ns);

#endif
