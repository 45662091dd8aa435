/* docker/exec.h - running commands in a running container: create an exec
 * instance, start it with its output demultiplexed (docker/logs.h),
 * inspect its exit code; docker_exec_run() does all three.
 *
 * No TTY and no stdin: output comes back framed, stdout and stderr apart.
 * Errors read "cannot <op> in container '<name>': ...": a missing container
 * is BERTH_ENOTFOUND, a container that is not running BERTH_ECONFLICT.
 *
 * May not use: manifest, model, diff, plan, exec (the apply layer), watch.
 */
#ifndef BERTH_DOCKER_EXEC_H
#define BERTH_DOCKER_EXEC_H

#include <stdatomic.h>
#include <stddef.h>

#include "common/err.h"
#include "docker/client.h"
#include "docker/logs.h"

/* What to run; borrowed. */
struct docker_exec_spec {
        const char *const *cmd; /* argv, NULL-terminated (required) */
        const char *const *env; /* "KEY=value" added to the container's; NULL: none */
        const char *user;       /* NULL: the container's */
        const char *workdir;    /* NULL: the container's */
        int privileged;
        size_t max_output; /* bytes kept per stream by docker_exec_run_spec(); 0: default */
        long timeout_ms;   /* of the output stream: 0 the client's, -1 none */
        atomic_int *cancel;
};

/* Create an exec instance in container.  *id is owned by the caller
 * (free() it). */
int docker_exec_create(char **id, struct docker_client *c, const char *container,
                       const struct docker_exec_spec *spec, struct berth_err *err);

/* Start exec id and stream its output to fn until the command ends.
 * container is only for messages (may be NULL).  timeout_ms and cancel as
 * in struct docker_exec_spec. */
int docker_exec_start(struct docker_client *c, const char *id, const char *container,
                      long timeout_ms, atomic_int *cancel, docker_output_fn fn, void *userdata,
                      struct berth_err *err);

struct docker_exec_info {
        int running;
        int has_exit_code; /* 0 until the command ended */
        long exit_code;
        long pid;
        char container_id[72];
};

int docker_exec_inspect(struct docker_exec_info *out, struct docker_client *c, const char *id,
                        struct berth_err *err);

struct docker_exec_result {
        long exit_code;
        struct docker_output output; /* stdout in output.out, stderr in output.errout */
};

/* Run argv in container and wait for it: create, start (collecting its
 * output, DOCKER_OUTPUT_DEFAULT_MAX per stream), inspect.  A non-zero exit
 * code is not an error: it is in out->exit_code.  Release *out with
 * docker_exec_result_release() whatever the result. */
int docker_exec_run(struct docker_exec_result *out, struct docker_client *c, const char *container,
                    const char *const *argv, struct berth_err *err);
/* The same with every option. */
int docker_exec_run_spec(struct docker_exec_result *out, struct docker_client *c,
                         const char *container, const struct docker_exec_spec *spec,
                         struct berth_err *err);
void docker_exec_result_release(struct docker_exec_result *r);

#endif
