/* fuzz/fuzz_manifest.c - the input stage on hostile text: the bytes are
 * one manifest file, loaded as `berth validate -f FILE` loads it (YAML,
 * interpolation, the built-in schema, normalization, the checks across
 * services), then every problem formatted as the CLI prints it, and every
 * project that loaded turned into what the later stages read from it:
 * `berth config`'s JSON, and the create request of each service's first
 * replica (labels, config hash, engine spec).
 *
 * Deterministic: a fixed environment (no process variables), relative
 * paths resolved against a directory that does not exist, no .env.
 */
#include <stdlib.h>

#include <jansson.h>

#include "common/err.h"
#include "docker/container.h"
#include "exec/spec.h"
#include "fuzz.h"
#include "manifest/load.h"
#include "model/model.h"

static const char *const fuzz_environ[] = {
    "TAG=1.25", "HOME=/nonexistent/berth-fuzz", "EMPTY=", "PORT=8080", "DB_PASSWORD=secret", NULL,
};

/* What the later stages do with a project that loaded. */
static void fuzz_project(const struct model_project *p)
{
        const struct exec_spec_meta meta = {.scope = "fuzz", .revision = "0123abc", .temp = 1};
        struct berth_err err;
        char name[512];
        size_t i;

        json_decref(model_project_config(p, 0));
        for (i = 0; i < p->nservices; i++) {
                struct exec_spec *es = NULL;
                json_t *body = NULL;

                berth_err_clear(&err);
                model_container_name(p, &p->services[i], 1, name, sizeof(name));
                if (exec_spec_build(&es, p, &p->services[i], 1, name, &meta, &err) == 0)
                        docker_container_spec_to_json(&body, &es->spec, &err);
                json_decref(body);
                exec_spec_free(es);
        }
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
        const struct manifest_load_opts opts = {.environ = fuzz_environ};
        struct manifest_set set;
        struct berth_err err;
        char line[4096];
        size_t i;

        berth_err_clear(&err);
        if (manifest_load_buffer(&set, "fuzz.yaml", "fuzz.yaml", "/nonexistent/berth-fuzz",
                                 (const char *)data, size, &opts, &err) == 0) {
                for (i = 0; i < set.diags.n; i++)
                        diag_format(&set.diags.v[i], line, sizeof(line));
                for (i = 0; i < set.state->nprojects; i++)
                        fuzz_project(&set.state->projects[i]);
        }
        manifest_set_release(&set);
        return 0;
}
