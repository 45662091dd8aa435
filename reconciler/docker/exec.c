#include "docker/exec.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include "docker/container.h"

#define EXEC_OP "exec in container"
/* After the output ends the engine may take a moment to record the exit
 * code: inspect up to this long. */
#define EXEC_SETTLE_MS 10000

static json_t *strv_json(const char *const *v)
{
        json_t *a = json_array();

        for (; a && v && *v; v++)
                if (json_array_append_new(a, json_string(*v)) < 0) {
                        json_decref(a);
                        return NULL;
                }
        return a;
}

int docker_exec_create(char **id, struct docker_client *c, const char *container,
                       const struct docker_exec_spec *spec, struct berth_err *err)
{
        struct docker_request req = {.method = "POST", .op = EXEC_OP, .object = container};
        json_t *body = NULL, *answer = NULL;
        const char *got;
        char path[1024], *esc = NULL;
        int r;

        *id = NULL;
        if (!spec->cmd || !spec->cmd[0])
                return berth_err_set(err, BERTH_EINVALID,
                                     "cannot exec in container '%s': no command given", container);
        esc = docker_escape(container);
        body = json_pack("{s:b, s:b, s:b, s:b, s:b, s:o}", "AttachStdin", 0, "AttachStdout", 1,
                         "AttachStderr", 1, "Tty", 0, "Privileged", spec->privileged, "Cmd",
                         strv_json(spec->cmd));
        if (!esc || !body ||
            (spec->env && json_object_set_new(body, "Env", strv_json(spec->env)) < 0) ||
            (spec->user && json_object_set_new(body, "User", json_string(spec->user)) < 0) ||
            (spec->workdir &&
             json_object_set_new(body, "WorkingDir", json_string(spec->workdir)) < 0)) {
                r = berth_err_set(err, BERTH_ENOMEM, "out of memory");
                goto out;
        }
        if (snprintf(path, sizeof(path), "/containers/%s/exec", esc) >= (int)sizeof(path)) {
                r = berth_err_set(err, BERTH_EINVALID,
                                  "cannot exec in container '%.80s': name too long", container);
                goto out;
        }
        req.path = path;
        req.json = body;
        r = docker_call_json(c, &req, &answer, err);
        r = docker_container_err(r, EXEC_OP, container, err);
        if (r < 0)
                goto out;
        got = json_string_value(json_object_get(answer, "Id"));
        if (!got || !got[0])
                r = berth_err_set(err, BERTH_EPROTO,
                                  "cannot exec in container '%s': the engine's answer has no Id",
                                  container);
        else if (!(*id = strdup(got)))
                r = berth_err_set(err, BERTH_ENOMEM, "out of memory");
out:
        free(esc);
        json_decref(body);
        json_decref(answer);
        return r;
}

/* Path for /exec/<id><rest>; exec ids are hex, but escape anyway. */
static int exec_path(char *path, size_t size, const char *id, const char *rest,
                     struct berth_err *err)
{
        char *esc = docker_escape(id);
        int n;

        if (!esc)
                return berth_err_set(err, BERTH_ENOMEM, "out of memory");
        n = snprintf(path, size, "/exec/%s%s", esc, rest);
        free(esc);
        if (n >= (int)size)
                return berth_err_set(err, BERTH_EINVALID, "exec id too long: '%.80s'", id);
        return 0;
}

int docker_exec_start(struct docker_client *c, const char *id, const char *container,
                      long timeout_ms, atomic_int *cancel, docker_output_fn fn, void *userdata,
                      struct berth_err *err)
{
        struct docker_request req = {.method = "POST",
                                     .op = container ? EXEC_OP : "start exec",
                                     .object = container ? container : id,
                                     .timeout_ms = timeout_ms,
                                     .cancel = cancel};
        json_t *body;
        char path[512];
        int r;

        r = exec_path(path, sizeof(path), id, "/start", err);
        if (r < 0)
                return r;
        body = json_pack("{s:b, s:b}", "Detach", 0, "Tty", 0);
        if (!body)
                return berth_err_set(err, BERTH_ENOMEM, "out of memory");
        req.path = path;
        req.json = body;
        r = docker_call_output(c, &req, 0, fn, userdata, err);
        json_decref(body);
        return r;
}

int docker_exec_inspect(struct docker_exec_info *out, struct docker_client *c, const char *id,
                        struct berth_err *err)
{
        struct docker_request req = {.method = "GET", .op = "inspect exec", .object = id};
        json_t *answer = NULL, *code;
        char path[512];
        int r;

        memset(out, 0, sizeof(*out));
        r = exec_path(path, sizeof(path), id, "/json", err);
        if (r < 0)
                return r;
        req.path = path;
        r = docker_call_json(c, &req, &answer, err);
        if (r < 0)
                goto out;
        if (!json_is_object(answer)) {
                r = berth_err_set(err, BERTH_EPROTO,
                                  "cannot inspect exec '%s': the engine's answer is not an object",
                                  id);
                goto out;
        }
        out->running = json_is_true(json_object_get(answer, "Running"));
        code = json_object_get(answer, "ExitCode");
        out->has_exit_code = json_is_integer(code) && !out->running;
        out->exit_code = json_is_integer(code) ? (long)json_integer_value(code) : 0;
        out->pid = (long)json_integer_value(json_object_get(answer, "Pid"));
        snprintf(out->container_id, sizeof(out->container_id), "%s",
                 json_string_value(json_object_get(answer, "ContainerID"))
                     ? json_string_value(json_object_get(answer, "ContainerID"))
                     : "");
out:
        json_decref(answer);
        return r;
}

static void sleep_ms(long ms)
{
        struct timespec ts = {ms / 1000, (ms % 1000) * 1000000L};

        nanosleep(&ts, NULL);
}

int docker_exec_run_spec(struct docker_exec_result *out, struct docker_client *c,
                         const char *container, const struct docker_exec_spec *spec,
                         struct berth_err *err)
{
        struct docker_exec_info info;
        char *id = NULL;
        long waited = 0, pause = 5;
        int r;

        out->exit_code = -1;
        docker_output_init(&out->output, spec->max_output);
        r = docker_exec_create(&id, c, container, spec, err);
        if (r < 0)
                goto out;
        r = docker_exec_start(c, id, container, spec->timeout_ms, spec->cancel,
                              docker_output_collect, &out->output, err);
        if (r < 0)
                goto out;
        for (;;) {
                r = docker_exec_inspect(&info, c, id, err);
                if (r < 0)
                        goto out;
                if (info.has_exit_code)
                        break;
                if (waited >= EXEC_SETTLE_MS) {
                        r = berth_err_set(err, BERTH_ETIMEOUT,
                                          "cannot exec in container '%s': the output ended but "
                                          "the engine reported no exit code after %ld ms",
                                          container, waited);
                        goto out;
                }
                sleep_ms(pause);
                waited += pause;
                pause = pause < 200 ? pause * 2 : 200;
        }
        out->exit_code = info.exit_code;
out:
        free(id);
        return r;
}

int docker_exec_run(struct docker_exec_result *out, struct docker_client *c, const char *container,
                    const char *const *argv, struct berth_err *err)
{
        struct docker_exec_spec spec = {.cmd = argv};

        return docker_exec_run_spec(out, c, container, &spec, err);
}

void docker_exec_result_release(struct docker_exec_result *r)
{
        if (!r)
                return;
        docker_output_release(&r->output);
        r->exit_code = -1;
}
