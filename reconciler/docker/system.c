#include "docker/system.h"

#include <stdio.h>
#include <string.h>

int docker_system_ping(struct docker_client *c, struct berth_err *err)
{
        struct docker_request req = {.method = "GET", .path = "/_ping"};

        return docker_call(c, &req, NULL, err);
}

static void copy_field(char *dst, size_t size, json_t *obj, const char *key)
{
        const char *v = json_string_value(json_object_get(obj, key));

        snprintf(dst, size, "%s", v ? v : "");
}

int docker_system_version(struct docker_client *c, struct docker_version *out,
                          struct berth_err *err)
{
        struct docker_request req = {
            .method = "GET", .path = "/version", .op = "read the engine version"};
        json_t *j = NULL;
        int r;

        memset(out, 0, sizeof(*out));
        r = docker_call_json(c, &req, &j, err);
        if (r < 0)
                return r;
        if (!json_is_object(j)) {
                json_decref(j);
                return berth_err_set(err, BERTH_EPROTO,
                                     "cannot read the engine version: the answer is not an object");
        }
        copy_field(out->version, sizeof(out->version), j, "Version");
        copy_field(out->api_version, sizeof(out->api_version), j, "ApiVersion");
        copy_field(out->min_api_version, sizeof(out->min_api_version), j, "MinAPIVersion");
        copy_field(out->os, sizeof(out->os), j, "Os");
        copy_field(out->arch, sizeof(out->arch), j, "Arch");
        copy_field(out->kernel, sizeof(out->kernel), j, "KernelVersion");
        json_decref(j);
        return 0;
}
