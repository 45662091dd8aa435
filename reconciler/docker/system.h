/* docker/system.h - engine-wide calls: ping and version.
 *
 * May not use: manifest, model, diff, plan, exec, watch.
 */
#ifndef BERTH_DOCKER_SYSTEM_H
#define BERTH_DOCKER_SYSTEM_H

#include "docker/client.h"

struct docker_version {
        char version[64];     /* "20.10.24+dfsg1" */
        char api_version[16]; /* the engine's newest API, "1.41" */
        char min_api_version[16];
        char os[32];
        char arch[32];
        char kernel[128];
};

/* GET /_ping: 0 when the engine answers. */
int docker_system_ping(struct docker_client *c, struct berth_err *err);

/* GET /version into *out (no allocation). */
int docker_system_version(struct docker_client *c, struct docker_version *out,
                          struct berth_err *err);

#endif
