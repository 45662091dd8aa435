/* manifest/normalize.h - one validated, interpolated manifest tree to a
 * typed project (model/model.h), every Compose key in its one normalized
 * form, plus the checks across keys that a JSON Schema cannot express.
 *
 * Run it on a tree the schema validator accepted.  It never relies on
 * that: a node of the wrong shape is an error in diags, never a crash (and
 * may repeat what the validator said, when a caller runs both anyway).  A
 * key written as null (`ports:` with nothing after it) is not set, as in
 * Compose.  An integer that YAML 1.1 reads differently (`mode: 01777`,
 * octal to docker-compose 1.x, decimal here) is an error with the hint,
 * where the validator only warns: a file mode or a count must not depend
 * on the reader.  Everything it reports goes to diags as
 *     manifests/shop.yaml:12:9: services.web.ports[0]: message
 * (warnings for keys berth accepts but ignores).  It does not talk to the
 * engine; it reads env_file files (manifest/envfile.h), and it reads the
 * variables it is given (ctx->env), never the process environment.
 *
 * Normalization rules (each one tested in tests/unit/test_normalize.c):
 *   project name  `name:`, or ctx->source without its extension, '/' made
 *                 '-', lower-cased, characters outside [a-z0-9_-] dropped,
 *                 leading '_' and '-' dropped (Compose's rule):
 *                 "Team/My.App.yaml" -> "team-myapp".  Empty is an error.
 *   command,      a string is split into words as a POSIX shell does
 *   entrypoint    (normalize_shell_split); a list is kept; [] is set and
 *                 empty (clears the image's); null is unset.
 *   environment   env_file files in order (later ones win), then
 *                 environment: (map or KEY=VALUE list), which wins; `KEY`
 *                 alone or `KEY:` with no value takes KEY from ctx->env,
 *                 and has a NULL value when that does not set it.  Numbers
 *                 and booleans keep their text as written.  Sorted by key.
 *   labels,       map or KEY=VALUE list (KEY alone and null are ""),
 *   sysctls       sorted by key, the last of equal keys wins.  Labels
 *                 starting with "berth." are reserved (an error).
 *   ports         one model_port per port: ranges are expanded
 *                 ("8080-8081:80-81" is two), a host range must have a
 *                 container range of the same length (Compose would let
 *                 docker pick one host port of "9000-9001:90"; berth does
 *                 not), "[::1]:80:80" has host_ip "::1", "127.0.0.1::80"
 *                 and a bare container port have published 0 (random).
 *                 protocol is always set ("tcp" by default).
 *   expose        "80/tcp" strings, ranges expanded.
 *   volumes       short syntax: SOURCE starting with '/', '.' or '~' is a
 *                 bind (made absolute against ctx->dir or ctx->home,
 *                 cleaned of "." and "..", create_host_path set); any other
 *                 SOURCE names a volume that must be declared under the
 *                 top-level volumes:; no SOURCE is an anonymous volume.
 *                 Modes ro, rw, z, Z, nocopy and the propagations, each
 *                 only where it applies.  Long syntax as the schema says;
 *                 tmpfs.size is a size.  Two mounts on one target are an
 *                 error.
 *   networks      list or map; each must be declared or be "default"; a
 *                 service with neither networks nor network_mode is on
 *                 "default", which is then created as {project}_default
 *                 unless declared.  Sorted by name.
 *   depends_on    list: condition service_started, required; map as
 *                 written.  Targets must exist (required: false ones that
 *                 do not are dropped with a warning); no cycles.
 *   healthcheck   a test string is ["CMD-SHELL", s]; ["NONE"] and
 *                 disable: true are both disable with test ["NONE"].
 *   sizes, durations, cpus   units.h; `mem_limit` and
 *                 deploy.resources.limits.memory (and cpus, pids, and
 *                 reservations.memory vs mem_reservation, scale vs
 *                 deploy.replicas) may both be written only when equal.
 *   cap_add/drop  upper-cased.
 *   extra_hosts   "host:ip" strings from `host:ip`, `host=ip` or a map.
 *   pull_policy   if_not_present is missing.
 *   top-level networks and volumes   engine name {project}_{key}, or
 *                 `name:`, or for an external one `name:` or the key; all
 *                 declared ones are kept, used or not.  An external one
 *                 may not set driver, driver_opts, labels (nor the
 *                 network settings).
 *
 * Checks across keys: container_name with more than one replica; two
 * services, or two replicas of one (scale > 1), or two entries of one
 * service publishing one host port and protocol on overlapping addresses
 * (no host_ip, 0.0.0.0 and :: overlap every address; the service written
 * later in the file gets the error); network_mode with networks;
 * network_mode service:NAME naming no service (or itself); a
 * container_name used twice; a project name another file already uses.
 *
 * The policy gate (normalize_policy.c, policy/policy.h): privileged,
 * cap_add, network_mode, security_opt, bind mounts (and local volumes that
 * bind a host path) and the image are checked against ctx->policy; what it
 * does not allow is an error at the key or list item that asks, saying how
 * to allow it.  env_file files must resolve inside ctx->root_dir and be
 * trusted (policy/trust.h; a warning when ctx->insecure).  The project's
 * secrets (model.h) are collected last.
 *
 * Warnings (accepted, not acted on): domainname, healthcheck
 * start_interval, update_config parallelism and delay, reservations.cpus,
 * ipam driver, ip_range and config entries after the first, and the
 * SELinux modes z / Z (bind.selinux).
 *
 * May not use: diff, plan, exec, docker, watch, cli.
 */
#ifndef BERTH_MANIFEST_NORMALIZE_H
#define BERTH_MANIFEST_NORMALIZE_H

#include <stddef.h>

struct berth_arena;
struct berth_err;
struct diag_list;
struct doc_node;
struct interp_env;
struct model_port;
struct model_state;
struct policy;

struct normalize_ctx {
        const char *file;       /* as the user named it, for messages: "manifests/shop.yaml" */
        const char *source;     /* relative to the manifest root: "shop.yaml", "team/a.yaml";
                                 * the berth.source label and the default project name */
        const char *dir;        /* the manifest's directory, absolute: relative bind
                                 * sources and env_file paths resolve against it */
        const char *home;       /* what `~` means in paths; NULL: `~` is an error */
        struct interp_env *env; /* `KEY` alone in environment, bare keys and
                                 * variables in env_file; NULL: nothing is set */
        const struct policy *policy; /* the gate (policy/policy.h); NULL: the
                                      * default policy, which refuses every power */
        const char *root_dir;        /* the manifest root's real directory: env
                                      * files must be inside it (and trusted, see
                                      * policy/trust.h); NULL: anywhere */
        int insecure;                /* env files other users can write: a warning */
};

/* Normalize the manifest tree root into a new project of st (st->projects
 * stays sorted by name: the project is inserted in its place, so pointers
 * to st's projects taken before the call are invalid after it).  All
 * strings are copied into st's arena; root is not kept.
 *
 * Returns 0 (warnings may have been added), BERTH_EINVALID when errors
 * were added to diags (err holds the first; st is left without the
 * project, though its arena may have grown), or BERTH_ENOMEM. */
int normalize_project(struct model_state *st, const struct doc_node *root,
                      const struct normalize_ctx *ctx, struct diag_list *diags,
                      struct berth_err *err);

/* Do a and b bind one host port: the same published port (not 0, random)
 * and protocol on overlapping addresses (no host IP, 0.0.0.0 and ::
 * overlap every address)?  For conflicts within a project and across
 * projects (manifest/load.c). */
int normalize_ports_overlap(const struct model_port *a, const struct model_port *b);
/* p's host side as messages name it ("8080/tcp", "127.0.0.1:8080/tcp",
 * "[::1]:8080/tcp") into buf; buf returned. */
const char *normalize_port_host(char *buf, size_t size, const struct model_port *p);

/* The project name derived from a manifest's path relative to the root
 * (the rule above: "Team/My.App.yaml" -> "team-myapp"), into buf; "" when
 * nothing is left.  For files that fail to load, whose project must still
 * be known so that it is left alone. */
const char *normalize_project_name(char *buf, size_t size, const char *source);

/* Split s into words as a POSIX shell does, without expansions: blanks
 * (space, tab, newline) separate words; '...' is literal; in "..." a
 * backslash escapes only $ ` " \ and newline; outside quotes a backslash
 * escapes any character (and a backslash-newline is removed).  `a""b` is
 * one word "ab", `""` one empty word.  On success *out is an array of *n
 * strings in arena a.  An unterminated quote or a trailing backslash is
 * BERTH_EINVALID (message without position); BERTH_ENOMEM. */
int normalize_shell_split(char ***out, size_t *n, const char *s, struct berth_arena *a,
                          struct berth_err *err);

#endif
