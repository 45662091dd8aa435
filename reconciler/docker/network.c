#include "docker/network.h"

#include <pthread.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

/* ---- JSON helpers ------------------------------------------------------ */

int docker_kv_to_json(json_t **out, const struct docker_kv *kv, size_t n, const char *what,
                      const char *subject, struct berth_err *err)
{
        json_t *obj;
        size_t i;

        *out = NULL;
        if (!n)
                return 0;
        obj = json_object();
        if (!obj)
                return berth_err_set(err, BERTH_ENOMEM, "cannot %s: out of memory", subject);
        for (i = 0; i < n; i++) {
                if (!kv[i].key || !kv[i].key[0]) {
                        json_decref(obj);
                        return berth_err_set(err, BERTH_EINVALID, "cannot %s: %s with an empty key",
                                             subject, what);
                }
                if (json_object_set_new(obj, kv[i].key,
                                        json_string(kv[i].value ? kv[i].value : "")) < 0) {
                        json_decref(obj);
                        return berth_err_set(err, BERTH_EINVALID,
                                             "cannot %s: %s '%s' is not UTF-8 text", subject, what,
                                             kv[i].key);
                }
        }
        *out = obj;
        return 0;
}

int docker_kv_from_json(struct docker_kv **out, size_t *n, const json_t *obj)
{
        const char *key;
        json_t *value;
        size_t i = 0;

        *out = NULL;
        *n = 0;
        if (!json_object_size(obj))
                return 0;
        *out = calloc(json_object_size(obj), sizeof(**out));
        if (!*out)
                return BERTH_ENOMEM;
        json_object_foreach((json_t *)obj, key, value)
        {
                (*out)[i].key = key;
                (*out)[i].value = json_is_string(value) ? json_string_value(value) : "";
                i++;
        }
        *n = i;
        return 0;
}

static const char *str(const json_t *obj, const char *key)
{
        const char *s = json_string_value(json_object_get(obj, key));

        return s ? s : "";
}

/* Append values (NULL-terminated, may be NULL) to filters[key]. */
static int filter_add(json_t *filters, const char *key, const char *const *values)
{
        json_t *arr;

        if (!values || !values[0])
                return 0;
        arr = json_array();
        if (json_object_set_new(filters, key, arr) < 0)
                return BERTH_ENOMEM;
        for (; *values; values++)
                if (json_array_append_new(arr, json_string(*values)) < 0)
                        return BERTH_ENOMEM;
        return 0;
}

/* "/networks<query>" or "/networks/<escaped network><suffix>"; free() it. */
static char *network_path(const char *network, const char *suffix)
{
        char *esc = docker_escape(network), *path = NULL;
        size_t size;

        if (!esc)
                return NULL;
        size = strlen(esc) + strlen(suffix) + sizeof("/networks/");
        path = malloc(size);
        if (path)
                snprintf(path, size, "/networks/%s%s", esc, suffix);
        free(esc);
        return path;
}

/* "<base>?filters=<escaped JSON>" or just base when filters is empty. */
static char *filtered_path(const char *base, const json_t *filters)
{
        char *text = NULL, *esc = NULL, *path = NULL;
        size_t size;

        if (!json_object_size(filters))
                return strdup(base);
        text = json_dumps(filters, JSON_COMPACT);
        esc = text ? docker_escape(text) : NULL;
        if (esc) {
                size = strlen(base) + strlen(esc) + sizeof("?filters=");
                path = malloc(size);
                if (path)
                        snprintf(path, size, "%s?filters=%s", base, esc);
        }
        free(esc);
        free(text);
        return path;
}

/* ---- typed view -------------------------------------------------------- */

int docker_network_parse(struct docker_network *out, json_t *raw, struct berth_err *err)
{
        const json_t *ipam, *pool, *containers, *ep;
        const char *key;
        size_t i;

        memset(out, 0, sizeof(*out));
        if (!json_is_object(raw) || !json_is_string(json_object_get(raw, "Id")) ||
            !json_is_string(json_object_get(raw, "Name")))
                return berth_err_set(err, BERTH_EPROTO,
                                     "cannot read network: the engine sent no Id and Name");
        out->raw = json_incref(raw);
        out->id = str(raw, "Id");
        out->name = str(raw, "Name");
        out->driver = str(raw, "Driver");
        out->scope = str(raw, "Scope");
        out->created = str(raw, "Created");
        out->internal = json_is_true(json_object_get(raw, "Internal"));
        out->attachable = json_is_true(json_object_get(raw, "Attachable"));
        out->enable_ipv6 = json_is_true(json_object_get(raw, "EnableIPv6"));
        ipam = json_object_get(raw, "IPAM");
        out->ipam_driver = str(ipam, "Driver");
        if (docker_kv_from_json(&out->labels, &out->n_labels, json_object_get(raw, "Labels")) < 0 ||
            docker_kv_from_json(&out->options, &out->n_options, json_object_get(raw, "Options")) <
                0)
                goto nomem;
        if (json_array_size(json_object_get(ipam, "Config"))) {
                out->ipam =
                    calloc(json_array_size(json_object_get(ipam, "Config")), sizeof(*out->ipam));
                if (!out->ipam)
                        goto nomem;
                json_array_foreach(json_object_get(ipam, "Config"), i, pool)
                {
                        out->ipam[i].subnet = str(pool, "Subnet");
                        out->ipam[i].ip_range = str(pool, "IPRange");
                        out->ipam[i].gateway = str(pool, "Gateway");
                }
                out->n_ipam = i;
        }
        containers = json_object_get(raw, "Containers");
        if (json_object_size(containers)) {
                out->containers = calloc(json_object_size(containers), sizeof(*out->containers));
                if (!out->containers)
                        goto nomem;
                json_object_foreach((json_t *)containers, key, ep)
                {
                        struct docker_network_endpoint *e = &out->containers[out->n_containers++];

                        e->container_id = key;
                        e->name = str(ep, "Name");
                        e->endpoint_id = str(ep, "EndpointID");
                        e->mac_address = str(ep, "MacAddress");
                        e->ipv4_address = str(ep, "IPv4Address");
                        e->ipv6_address = str(ep, "IPv6Address");
                }
        }
        return 0;
nomem:
        return berth_err_set(err, BERTH_ENOMEM, "cannot read network '%s': out of memory",
                             out->name);
}

void docker_network_release(struct docker_network *net)
{
        if (!net)
                return;
        free(net->labels);
        free(net->options);
        free(net->ipam);
        free(net->containers);
        json_decref(net->raw);
        memset(net, 0, sizeof(*net));
}

/* ---- create / ensure --------------------------------------------------- */

static int create_body(json_t **out, const struct docker_network_spec *spec, const char *subject,
                       struct berth_err *err)
{
        json_t *labels = NULL, *options = NULL, *pools = NULL, *ipam = NULL;
        size_t i;
        int r;

        *out = NULL;
        r = docker_kv_to_json(&labels, spec->labels, spec->n_labels, "label", subject, err);
        if (r == 0)
                r = docker_kv_to_json(&options, spec->options, spec->n_options, "driver option",
                                      subject, err);
        if (r < 0)
                goto out;
        if (spec->n_ipam || spec->ipam_driver) {
                pools = json_array();
                for (i = 0; i < spec->n_ipam; i++)
                        json_array_append_new(pools, json_pack("{s:s*, s:s*, s:s*}", "Subnet",
                                                               spec->ipam[i].subnet, "IPRange",
                                                               spec->ipam[i].ip_range, "Gateway",
                                                               spec->ipam[i].gateway));
                ipam =
                    json_pack("{s:s, s:o}", "Driver",
                              spec->ipam_driver ? spec->ipam_driver : "default", "Config", pools);
                pools = NULL;
                if (!ipam || json_array_size(json_object_get(ipam, "Config")) != spec->n_ipam)
                        goto bad;
        }
        *out = json_pack("{s:s, s:b, s:s, s:b, s:b, s:b, s:o*, s:o*, s:o*}", "Name", spec->name,
                         "CheckDuplicate", 1, "Driver", spec->driver ? spec->driver : "bridge",
                         "Internal", spec->internal, "Attachable", spec->attachable, "EnableIPv6",
                         spec->enable_ipv6, "Labels", labels, "Options", options, "IPAM", ipam);
        labels = options = ipam = NULL; /* stolen by json_pack, also on failure */
        if (!*out)
                goto bad;
        r = 0;
        goto out;
bad:
        r = berth_err_set(err, BERTH_EINVALID,
                          "cannot %s: cannot build the request (text that is not UTF-8, or out "
                          "of memory)",
                          subject);
out:
        json_decref(pools);
        json_decref(ipam);
        json_decref(labels);
        json_decref(options);
        return r;
}

int docker_network_create(char **out_id, struct docker_client *c,
                          const struct docker_network_spec *spec, struct berth_err *err)
{
        struct docker_request req = {
            .method = "POST",
            .path = "/networks/create",
            .op = "create network",
            .object = spec->name,
        };
        char subject[320];
        json_t *body = NULL, *resp = NULL;
        const char *id;
        int r;

        if (out_id)
                *out_id = NULL;
        if (!spec->name || !spec->name[0])
                return berth_err_set(err, BERTH_EINVALID, "cannot create network: no name given");
        snprintf(subject, sizeof(subject), "create network '%s'", spec->name);
        r = create_body(&body, spec, subject, err);
        if (r < 0)
                goto out;
        req.json = body;
        r = docker_call_json(c, &req, &resp, err);
        if (r < 0)
                goto out;
        id = json_string_value(json_object_get(resp, "Id"));
        if (!id) {
                r = berth_err_set(err, BERTH_EPROTO, "cannot %s: the engine sent no Id", subject);
                goto out;
        }
        if (out_id && !(*out_id = strdup(id)))
                r = berth_err_set(err, BERTH_ENOMEM, "cannot %s: out of memory", subject);
out:
        json_decref(body);
        json_decref(resp);
        return r;
}

/* The id of the network named exactly name into *out_id; ENOTFOUND when
 * there is none (inspect also matches ids and id prefixes: those do not
 * count). */
static int exact_lookup(char **out_id, struct docker_client *c, const char *name,
                        struct berth_err *err)
{
        struct docker_network net;
        int r;

        *out_id = NULL;
        r = docker_network_inspect(&net, c, name, err);
        if (r == 0 && strcmp(net.name, name) != 0)
                r = berth_err_set(err, BERTH_ENOTFOUND,
                                  "cannot inspect network '%s': no network has that name", name);
        if (r == 0 && !(*out_id = strdup(net.id)))
                r = berth_err_set(err, BERTH_ENOMEM, "cannot inspect network '%s': out of memory",
                                  name);
        docker_network_release(&net);
        return r;
}

/* On 1.41 CheckDuplicate is best effort: two creates of one name that run
 * at the same time can both succeed.  Ensures in this process take turns;
 * other processes are caught by the engine's check most of the time (the
 * 409 below) and by berth's scope lock otherwise. */
static pthread_mutex_t ensure_lock = PTHREAD_MUTEX_INITIALIZER;

int docker_network_ensure(char **out_id, int *out_created, struct docker_client *c,
                          const struct docker_network_spec *spec, struct berth_err *err)
{
        int r;

        *out_id = NULL;
        *out_created = 0;
        if (!spec->name || !spec->name[0])
                return berth_err_set(err, BERTH_EINVALID, "cannot create network: no name given");
        pthread_mutex_lock(&ensure_lock);
        r = exact_lookup(out_id, c, spec->name, err);
        if (r != BERTH_ENOTFOUND)
                goto out;
        r = docker_network_create(out_id, c, spec, err);
        if (r == 0)
                *out_created = 1;
        else if (r == BERTH_ECONFLICT)
                /* Another process created it between our inspect and create. */
                r = exact_lookup(out_id, c, spec->name, err);
out:
        pthread_mutex_unlock(&ensure_lock);
        return r;
}

/* ---- inspect / list ---------------------------------------------------- */

int docker_network_inspect(struct docker_network *out, struct docker_client *c, const char *network,
                           struct berth_err *err)
{
        struct docker_request req = {
            .method = "GET",
            .op = "inspect network",
            .object = network,
        };
        char *path = network_path(network, "");
        json_t *raw = NULL;
        int r;

        memset(out, 0, sizeof(*out));
        if (!path)
                return berth_err_set(err, BERTH_ENOMEM,
                                     "cannot inspect network '%s': out of memory", network);
        req.path = path;
        r = docker_call_json(c, &req, &raw, err);
        if (r == 0)
                r = docker_network_parse(out, raw, err);
        json_decref(raw);
        free(path);
        return r;
}

static int name_listed(const char *name, const char *const *names)
{
        if (!names || !names[0])
                return 1;
        for (; *names; names++)
                if (strcmp(*names, name) == 0)
                        return 1;
        return 0;
}

int docker_network_list(struct docker_network_list *out, struct docker_client *c,
                        const struct docker_network_filter *f, struct berth_err *err)
{
        struct docker_request req = {.method = "GET", .op = "list networks"};
        const char *driver[] = {f ? f->driver : NULL, NULL};
        json_t *filters = json_object(), *item;
        char *path = NULL;
        size_t i;
        int r = BERTH_ENOMEM;

        memset(out, 0, sizeof(*out));
        if (!filters || (f && (filter_add(filters, "label", f->labels) < 0 ||
                               filter_add(filters, "name", f->names) < 0 ||
                               filter_add(filters, "driver", driver) < 0)))
                goto nomem;
        path = filtered_path("/networks", filters);
        if (!path)
                goto nomem;
        req.path = path;
        r = docker_call_json(c, &req, &out->raw, err);
        if (r < 0)
                goto out;
        if (!json_is_array(out->raw)) {
                r = berth_err_set(err, BERTH_EPROTO,
                                  "cannot list networks: the engine's answer is not an array");
                goto out;
        }
        if (json_array_size(out->raw)) {
                out->items = calloc(json_array_size(out->raw), sizeof(*out->items));
                if (!out->items)
                        goto nomem;
        }
        json_array_foreach(out->raw, i, item)
        {
                if (f && !name_listed(str(item, "Name"), f->names))
                        continue;
                r = docker_network_parse(&out->items[out->count], item, err);
                if (r < 0) {
                        docker_network_release(&out->items[out->count]);
                        goto out;
                }
                out->count++;
        }
        r = 0;
        goto out;
nomem:
        r = berth_err_set(err, BERTH_ENOMEM, "cannot list networks: out of memory");
out:
        free(path);
        json_decref(filters);
        return r;
}

void docker_network_list_release(struct docker_network_list *list)
{
        size_t i;

        if (!list)
                return;
        for (i = 0; i < list->count; i++)
                docker_network_release(&list->items[i]);
        free(list->items);
        json_decref(list->raw);
        memset(list, 0, sizeof(*list));
}

/* ---- connect / disconnect / remove / prune ----------------------------- */

/* POST /networks/<network>/<action> with body; "cannot <op> '<network>'". */
static int network_post(struct docker_client *c, const char *network, const char *action,
                        json_t *body, const char *op, struct berth_err *err)
{
        struct docker_request req = {.method = "POST", .json = body, .op = op, .object = network};
        char *path = network_path(network, action);
        int r;

        if (!body || !path) {
                r = berth_err_set(err, BERTH_EINVALID,
                                  "cannot %s '%s': cannot build the request (text that is not "
                                  "UTF-8, or out of memory)",
                                  op, network);
                goto out;
        }
        req.path = path;
        r = docker_call(c, &req, NULL, err);
out:
        free(path);
        return r;
}

int docker_network_connect(struct docker_client *c, const char *network, const char *container,
                           const struct docker_network_attach *opt, struct berth_err *err)
{
        json_t *aliases = NULL, *ipam = NULL, *body;
        const char *const *a;
        char op[320];
        int r;

        if (opt && opt->aliases) {
                aliases = json_array();
                for (a = opt->aliases; *a; a++)
                        json_array_append_new(aliases, json_string(*a));
        }
        if (opt && (opt->ipv4_address || opt->ipv6_address))
                ipam = json_pack("{s:s*, s:s*}", "IPv4Address", opt->ipv4_address, "IPv6Address",
                                 opt->ipv6_address);
        body = json_pack("{s:s, s:{s:o*, s:o*}}", "Container", container, "EndpointConfig",
                         "Aliases", aliases, "IPAMConfig", ipam);
        snprintf(op, sizeof(op), "connect container '%s' to network", container);
        r = network_post(c, network, "/connect", body, op, err);
        json_decref(body);
        return r;
}

int docker_network_disconnect(struct docker_client *c, const char *network, const char *container,
                              int force, struct berth_err *err)
{
        json_t *body = json_pack("{s:s, s:b}", "Container", container, "Force", force);
        char op[320];
        int r;

        snprintf(op, sizeof(op), "disconnect container '%s' from network", container);
        r = network_post(c, network, "/disconnect", body, op, err);
        json_decref(body);
        return r;
}

int docker_network_remove(struct docker_client *c, const char *network, struct berth_err *err)
{
        struct docker_request req = {.method = "DELETE", .op = "remove network", .object = network};
        char *path = network_path(network, "");
        int r;

        if (!path)
                return berth_err_set(err, BERTH_ENOMEM, "cannot remove network '%s': out of memory",
                                     network);
        req.path = path;
        r = docker_call(c, &req, NULL, err);
        /* 403 "has active endpoints": the network is in use, like a volume's 409. */
        if (r == BERTH_EFORBIDDEN) {
                r = BERTH_ECONFLICT;
                if (err)
                        err->code = r;
        }
        free(path);
        return r;
}

int docker_network_prune(struct docker_network_pruned *out, struct docker_client *c,
                         const char *const *labels, struct berth_err *err)
{
        struct docker_request req = {.method = "POST", .op = "prune networks"};
        json_t *filters = json_object(), *resp = NULL, *deleted, *name;
        char *path = NULL;
        size_t i;
        int r;

        memset(out, 0, sizeof(*out));
        if (!filters || filter_add(filters, "label", labels) < 0 ||
            !(path = filtered_path("/networks/prune", filters)))
                goto nomem;
        req.path = path;
        r = docker_call_json(c, &req, &resp, err);
        if (r < 0)
                goto out;
        deleted = json_object_get(resp, "NetworksDeleted");
        out->names = calloc(json_array_size(deleted) + 1, sizeof(*out->names));
        if (!out->names)
                goto nomem;
        json_array_foreach(deleted, i, name)
        {
                if (!json_is_string(name))
                        continue;
                out->names[out->count] = strdup(json_string_value(name));
                if (!out->names[out->count])
                        goto nomem;
                out->count++;
        }
        r = 0;
        goto out;
nomem:
        r = berth_err_set(err, BERTH_ENOMEM, "cannot prune networks: out of memory");
out:
        free(path);
        json_decref(resp);
        json_decref(filters);
        return r;
}

void docker_network_pruned_release(struct docker_network_pruned *p)
{
        size_t i;

        if (!p)
                return;
        for (i = 0; i < p->count; i++)
                free(p->names[i]);
        free(p->names);
        memset(p, 0, sizeof(*p));
}
