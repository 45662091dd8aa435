/* exec/spec.h - one desired replica as the engine's create request: the
 * model's service turned into a docker_container_spec, with berth's
 * ownership labels (DESIGN.md §4) added to the user's, and the networks
 * to connect after the create (the 1.41 API joins one network at create).
 *
 * What the container gets, matching docker compose (v1.29, Debian's) so
 * that a container made by either from one file agrees on image, command,
 * entrypoint, environment, labels (other than each tool's own), port
 * bindings, mounts, restart policy, healthcheck, limits and aliases:
 *   - aliases on each project network: the service name, then the
 *     service's aliases for that network;
 *   - network_mode when set, else the first network at create (highest
 *     priority first, then by name: compose's order), the rest in connect;
 *   - environment "KEY=value" ("KEY" alone when the value is NULL);
 *   - pid, ipc and userns_mode as PidMode, IpcMode and UsernsMode when
 *     set, devices as Devices (host path, container path, permissions);
 *   - labels: the service's labels, then berth.scope, berth.project,
 *     berth.service, berth.replica, berth.config-hash (model_service_hash),
 *     berth.applied (model_service_canonical(redact=1) without its null
 *     members, model_canonical_drop_unset(); compact, sorted keys),
 *     berth.source (the project's source), berth.revision (when
 *     meta->revision is set), berth.temp=<name> (when meta->temp: the
 *     temporary name; once the update renames the container the label no
 *     longer matches its name, and observe no longer sees a leftover).
 *
 * An exec_spec owns everything the spec points at; it borrows nothing
 * from the model once built.
 *
 * May not use: manifest, diff, plan, cli.
 */
#ifndef BERTH_EXEC_SPEC_H
#define BERTH_EXEC_SPEC_H

#include <stddef.h>

#include "common/err.h"
#include "docker/container.h"
#include "docker/network.h"
#include "model/model.h"

struct exec_spec_meta {
        const char *scope;    /* required */
        const char *revision; /* git commit of the manifests, or NULL */
        int temp;             /* a start-first replacement: adds berth.temp=<name> */
};

/* A network to join after the create, with its attach options. */
struct exec_spec_connect {
        const char *network; /* engine name */
        struct docker_network_attach attach;
};

struct exec_spec {
        struct docker_container_spec spec; /* ready for docker_container_create() */
        struct exec_spec_connect *connect; /* the networks after the first */
        size_t nconnect;
        char config_hash[65];
        /* private: what the pointers above point into */
        struct berth_arena *arena;
};

/* Build the spec of replica (1-based) of service s in project p, named
 * name (the container's engine name: model_container_name(), or a
 * temporary one).  On success *out is owned by the caller
 * (exec_spec_free()).  BERTH_ENOMEM, or BERTH_EINVALID for a value the
 * engine's API cannot carry, naming the service and the field. */
int exec_spec_build(struct exec_spec **out, const struct model_project *p,
                    const struct model_service *s, int replica, const char *name,
                    const struct exec_spec_meta *meta, struct berth_err *err);
void exec_spec_free(struct exec_spec *es); /* NULL is a no-op */

#endif
