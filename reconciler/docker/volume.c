#include "docker/volume.h"

#include "docker/network.h" /* docker_kv_to_json(), docker_kv_from_json() */

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

static const char *str(const json_t *obj, const char *key)
{
        const char *s = json_string_value(json_object_get(obj, key));

        return s ? s : "";
}

/* "/volumes/<escaped name><suffix>"; free() it. */
static char *volume_path(const char *name, const char *suffix)
{
        char *esc = docker_escape(name), *path = NULL;
        size_t size;

        if (!esc)
                return NULL;
        size = strlen(esc) + strlen(suffix) + sizeof("/volumes/");
        path = malloc(size);
        if (path)
                snprintf(path, size, "/volumes/%s%s", esc, suffix);
        free(esc);
        return path;
}

int docker_volume_parse(struct docker_volume *out, json_t *raw, struct berth_err *err)
{
        memset(out, 0, sizeof(*out));
        if (!json_is_object(raw) || !json_is_string(json_object_get(raw, "Name")))
                return berth_err_set(err, BERTH_EPROTO,
                                     "cannot read volume: the engine sent no Name");
        out->raw = json_incref(raw);
        out->name = str(raw, "Name");
        out->driver = str(raw, "Driver");
        out->mountpoint = str(raw, "Mountpoint");
        out->created = str(raw, "CreatedAt");
        out->scope = str(raw, "Scope");
        if (docker_kv_from_json(&out->labels, &out->n_labels, json_object_get(raw, "Labels")) < 0 ||
            docker_kv_from_json(&out->options, &out->n_options, json_object_get(raw, "Options")) <
                0)
                return berth_err_set(err, BERTH_ENOMEM, "cannot read volume '%s': out of memory",
                                     out->name);
        return 0;
}

void docker_volume_release(struct docker_volume *vol)
{
        if (!vol)
                return;
        free(vol->labels);
        free(vol->options);
        json_decref(vol->raw);
        memset(vol, 0, sizeof(*vol));
}

int docker_volume_create(struct docker_volume *out, struct docker_client *c,
                         const struct docker_volume_spec *spec, struct berth_err *err)
{
        struct docker_request req = {
            .method = "POST",
            .path = "/volumes/create",
            .op = "create volume",
            .object = spec->name,
        };
        json_t *labels = NULL, *opts = NULL, *body = NULL, *resp = NULL;
        char subject[320];
        int r;

        if (out)
                memset(out, 0, sizeof(*out));
        if (spec->name)
                snprintf(subject, sizeof(subject), "create volume '%s'", spec->name);
        else
                snprintf(subject, sizeof(subject), "create volume");
        r = docker_kv_to_json(&labels, spec->labels, spec->n_labels, "label", subject, err);
        if (r == 0)
                r = docker_kv_to_json(&opts, spec->driver_opts, spec->n_driver_opts,
                                      "driver option", subject, err);
        if (r < 0)
                goto out;
        body =
            json_pack("{s:s*, s:s, s:o*, s:o*}", "Name", spec->name, "Driver",
                      spec->driver ? spec->driver : "local", "Labels", labels, "DriverOpts", opts);
        labels = opts = NULL; /* stolen by json_pack, also on failure */
        if (!body) {
                r = berth_err_set(err, BERTH_EINVALID,
                                  "cannot %s: cannot build the request (text that is not UTF-8, "
                                  "or out of memory)",
                                  subject);
                goto out;
        }
        req.json = body;
        r = docker_call_json(c, &req, &resp, err);
        if (r == 0 && out)
                r = docker_volume_parse(out, resp, err);
out:
        json_decref(labels);
        json_decref(opts);
        json_decref(body);
        json_decref(resp);
        return r;
}

int docker_volume_inspect(struct docker_volume *out, struct docker_client *c, const char *name,
                          struct berth_err *err)
{
        struct docker_request req = {.method = "GET", .op = "inspect volume", .object = name};
        char *path = volume_path(name, "");
        json_t *raw = NULL;
        int r;

        memset(out, 0, sizeof(*out));
        if (!path)
                return berth_err_set(err, BERTH_ENOMEM, "cannot inspect volume '%s': out of memory",
                                     name);
        req.path = path;
        r = docker_call_json(c, &req, &raw, err);
        if (r == 0)
                r = docker_volume_parse(out, raw, err);
        json_decref(raw);
        free(path);
        return r;
}

/* {"label": [...], "name": [...], "dangling": ["true"]} for f. */
static json_t *list_filters(const struct docker_volume_filter *f)
{
        json_t *filters = json_object(), *arr;
        const char *const *v;

        if (!filters || !f)
                return filters;
        if (f->labels && f->labels[0]) {
                arr = json_array();
                for (v = f->labels; *v; v++)
                        json_array_append_new(arr, json_string(*v));
                json_object_set_new(filters, "label", arr);
        }
        if (f->names && f->names[0]) {
                arr = json_array();
                for (v = f->names; *v; v++)
                        json_array_append_new(arr, json_string(*v));
                json_object_set_new(filters, "name", arr);
        }
        if (f->use != DOCKER_VOLUME_ANY)
                json_object_set_new(
                    filters, "dangling",
                    json_pack("[s]", f->use == DOCKER_VOLUME_UNUSED ? "true" : "false"));
        return filters;
}

static int name_wanted(const char *name, const struct docker_volume_filter *f)
{
        const char *const *v;

        if (!f || !f->names || !f->names[0])
                return 1;
        for (v = f->names; *v; v++)
                if (strcmp(*v, name) == 0)
                        return 1;
        return 0;
}

int docker_volume_list(struct docker_volume_list *out, struct docker_client *c,
                       const struct docker_volume_filter *f, struct berth_err *err)
{
        struct docker_request req = {.method = "GET", .op = "list volumes"};
        json_t *filters = list_filters(f), *vols, *warnings, *item;
        char *text = NULL, *esc = NULL, path[4096];
        size_t i;
        int r;

        memset(out, 0, sizeof(*out));
        if (!filters)
                goto nomem;
        snprintf(path, sizeof(path), "/volumes");
        if (json_object_size(filters)) {
                text = json_dumps(filters, JSON_COMPACT);
                esc = text ? docker_escape(text) : NULL;
                if (!esc)
                        goto nomem;
                if ((size_t)snprintf(path, sizeof(path), "/volumes?filters=%s", esc) >=
                    sizeof(path)) {
                        r = berth_err_set(err, BERTH_EINVALID,
                                          "cannot list volumes: the filters are too long");
                        goto out;
                }
        }
        req.path = path;
        r = docker_call_json(c, &req, &out->raw, err);
        if (r < 0)
                goto out;
        vols = json_object_get(out->raw, "Volumes");
        warnings = json_object_get(out->raw, "Warnings");
        if (!json_is_object(out->raw) || (vols && !json_is_array(vols) && !json_is_null(vols))) {
                r = berth_err_set(err, BERTH_EPROTO,
                                  "cannot list volumes: the engine's answer has no Volumes array");
                goto out;
        }
        out->items = calloc(json_array_size(vols) + 1, sizeof(*out->items));
        out->warnings = calloc(json_array_size(warnings) + 1, sizeof(*out->warnings));
        if (!out->items || !out->warnings)
                goto nomem;
        json_array_foreach(warnings, i, item) if (json_is_string(item))
            out->warnings[out->n_warnings++] = json_string_value(item);
        json_array_foreach(vols, i, item)
        {
                if (!name_wanted(str(item, "Name"), f))
                        continue;
                r = docker_volume_parse(&out->items[out->count], item, err);
                if (r < 0) {
                        docker_volume_release(&out->items[out->count]);
                        goto out;
                }
                out->count++;
        }
        r = 0;
        goto out;
nomem:
        r = berth_err_set(err, BERTH_ENOMEM, "cannot list volumes: out of memory");
out:
        free(esc);
        free(text);
        json_decref(filters);
        return r;
}

void docker_volume_list_release(struct docker_volume_list *list)
{
        size_t i;

        if (!list)
                return;
        for (i = 0; i < list->count; i++)
                docker_volume_release(&list->items[i]);
        free(list->items);
        free(list->warnings);
        json_decref(list->raw);
        memset(list, 0, sizeof(*list));
}

int docker_volume_remove(struct docker_client *c, const char *name, int force,
                         struct berth_err *err)
{
        struct docker_request req = {.method = "DELETE", .op = "remove volume", .object = name};
        char *path = volume_path(name, force ? "?force=1" : "");
        int r;

        if (!path)
                return berth_err_set(err, BERTH_ENOMEM, "cannot remove volume '%s': out of memory",
                                     name);
        req.path = path;
        r = docker_call(c, &req, NULL, err);
        free(path);
        return r;
}
