/* fuzz/fuzz_engine.c - the decoders of what the engine answers, on
 * hostile bytes.  The first byte picks the decoder, the rest is the body
 * as it would arrive:
 *
 *   c  GET /containers/json         docker_container_list_parse()
 *   i  GET /containers/{id}/json    docker_container_info_parse()
 *   e  GET /events (JSON lines)     docker_event_decode(), docker_event_attr()
 *   p  POST /images/create stream   docker_image_pull_decode(),
 *                                   docker_registry_error_kind()
 *   n  GET /networks, or one        docker_network_parse() on each
 *      network's inspect
 *   v  GET /volumes                 docker_volume_parse() on each of Volumes
 *   o  the four lists observe reads observe_from_json() on a JSON array
 *      [containers, networks, volumes, images]
 *   w  a list read element by element  docker_json_array_walk(): when it
 *                                   reads the body, the elements are those
 *                                   of the whole body's decode, in order
 *   l  a framed log or exec stream  docker_demux_feed() in 7-byte pieces,
 *                                   docker_demux_finish(), bounded output
 *   t  the same, from a TTY         the demultiplexer in raw mode
 *
 * Any other first byte is ignored.  Bodies are parsed as the transport
 * parses them (docker/client.c): a whole body with json_loadb(), an empty
 * one as NULL; streams split at '\n', blanks trimmed, blank lines skipped.
 */
#include <stdlib.h>
#include <string.h>

#include <jansson.h>

#include "common/err.h"
#include "docker/client.h"
#include "docker/auth.h"
#include "docker/container.h"
#include "docker/events.h"
#include "docker/image.h"
#include "docker/logs.h"
#include "docker/network.h"
#include "docker/volume.h"
#include "fuzz.h"
#include "model/actual.h"
#include "observe/observe.h"

/* Read every string a result promises (never NULL, valid until its
 * release), so that a broken promise is a crash here. */
static volatile size_t sink;

static void touch_n(const char *const *v, size_t n)
{
        for (size_t i = 0; i < n; i++)
                sink += strlen(v[i]);
}

#define TOUCH(...)                                                                                 \
        touch_n((const char *const[]){__VA_ARGS__},                                                \
                sizeof((const char *const[]){__VA_ARGS__}) / sizeof(const char *))

static void touch_kv(const struct docker_kv *kv, size_t n)
{
        for (size_t i = 0; i < n; i++)
                TOUCH(kv[i].key, kv[i].value);
}

/* A NULL-terminated vector of n strings. */
static void touch_strv(const char *const *v, size_t n)
{
        touch_n(v, n);
        sink += v[n] == NULL;
}

/* A body as docker_call_json() hands it on: NULL when empty; 0 when it is
 * not JSON (the transport fails the call before any decoder runs). */
static int body_json(json_t **out, const char *p, size_t n)
{
        json_error_t jerr;

        *out = NULL;
        if (n == 0)
                return 1;
        *out = json_loadb(p, n, 0, &jerr);
        return *out != NULL;
}

typedef void (*line_fn)(json_t *obj);

/* Each line of a JSON stream, as the transport splits it (the last one
 * may lack its newline); a line that is not JSON ends the stream. */
static void each_line(const char *p, size_t n, line_fn fn)
{
        const char *end = p + n, *nl, *a, *b;
        json_error_t jerr;
        json_t *obj;

        for (; p < end; p = nl + 1) {
                nl = memchr(p, '\n', (size_t)(end - p));
                if (!nl)
                        nl = end;
                for (a = p; a < nl && (*a == ' ' || *a == '\t'); a++)
                        ;
                for (b = nl; b > a && (b[-1] == '\r' || b[-1] == ' ' || b[-1] == '\t'); b--)
                        ;
                if (a == b)
                        continue;
                obj = json_loadb(a, (size_t)(b - a), 0, &jerr);
                if (!obj)
                        return;
                fn(obj);
                json_decref(obj);
        }
}

static void event_line(json_t *obj)
{
        struct docker_event ev;
        struct berth_err err;

        berth_err_clear(&err);
        if (docker_event_decode(&ev, obj, &err) == 0) {
                TOUCH(ev.type, ev.action, ev.actor_id, ev.name, ev.image, ev.scope);
                docker_event_attr(&ev, "name");
                docker_event_attr(&ev, "com.docker.compose.project");
        }
}

static void pull_line(json_t *obj)
{
        struct docker_pull_progress p;
        char text[512];

        if (docker_image_pull_decode(&p, text, sizeof(text), obj) != DOCKER_PULL_MSG_PROGRESS)
                docker_registry_error_kind(text);
}

/* The decoders of whole bodies: each takes over raw (NULL: an empty
 * body). */
static void container_list(json_t *raw)
{
        struct docker_container_list list;
        struct berth_err err;
        size_t i, k;

        berth_err_clear(&err);
        if (docker_container_list_parse(&list, raw, &err) == 0) {
                for (i = 0; i < list.count; i++) {
                        const struct docker_container_summary *c = &list.items[i];

                        TOUCH(c->id, c->image, c->image_id, c->command, c->state, c->status);
                        touch_strv(c->names, c->n_names);
                        touch_kv(c->labels, c->n_labels);
                        for (k = 0; k < c->n_ports; k++)
                                TOUCH(c->ports[k].ip, c->ports[k].type);
                }
        }
        docker_container_list_release(&list);
}

static void container_inspect(json_t *raw)
{
        struct docker_container_info info;
        struct docker_container_state *st = &info.state;
        struct berth_err err;
        size_t i;

        berth_err_clear(&err);
        if (docker_container_info_parse(&info, raw, &err) == 0) {
                TOUCH(info.id, info.name, info.image_id, info.config_image, info.created,
                      st->status, st->error, st->started_at, st->finished_at);
                if (st->has_health)
                        TOUCH(st->health);
                for (i = 0; i < st->n_health_log; i++)
                        TOUCH(st->health_log[i].start, st->health_log[i].end,
                              st->health_log[i].output);
                touch_kv(info.labels, info.n_labels);
                for (i = 0; i < info.n_ports; i++)
                        TOUCH(info.ports[i].proto, info.ports[i].host_ip);
                for (i = 0; i < info.n_networks; i++) {
                        const struct docker_endpoint *e = &info.networks[i];

                        TOUCH(e->network, e->network_id, e->ip_address, e->gateway, e->mac_address);
                        touch_strv(e->aliases, e->n_aliases);
                }
                for (i = 0; i < info.n_mounts; i++) {
                        const struct docker_mount_point *m = &info.mounts[i];

                        TOUCH(m->type, m->name, m->source, m->destination, m->driver, m->mode,
                              m->propagation);
                }
        }
        docker_container_info_release(&info);
}

/* One network object (borrowed). */
static void network_one(json_t *raw)
{
        struct docker_network net;
        struct berth_err err;
        size_t i;

        berth_err_clear(&err);
        if (docker_network_parse(&net, raw, &err) == 0) {
                TOUCH(net.id, net.name, net.driver, net.scope, net.created, net.ipam_driver);
                touch_kv(net.labels, net.n_labels);
                touch_kv(net.options, net.n_options);
                for (i = 0; i < net.n_ipam; i++)
                        TOUCH(net.ipam[i].subnet, net.ipam[i].ip_range, net.ipam[i].gateway);
                for (i = 0; i < net.n_containers; i++)
                        TOUCH(net.containers[i].container_id, net.containers[i].name,
                              net.containers[i].endpoint_id, net.containers[i].mac_address,
                              net.containers[i].ipv4_address, net.containers[i].ipv6_address);
        }
        docker_network_release(&net);
}

static void networks(json_t *raw)
{
        json_t *item;
        size_t i;

        if (!json_is_array(raw)) {
                network_one(raw);
        } else {
                json_array_foreach(raw, i, item) network_one(item);
        }
        json_decref(raw);
}

static void volumes(json_t *raw)
{
        struct docker_volume vol;
        struct berth_err err;
        json_t *item;
        size_t i;

        json_array_foreach(json_object_get(raw, "Volumes"), i, item)
        {
                berth_err_clear(&err);
                if (docker_volume_parse(&vol, item, &err) == 0) {
                        TOUCH(vol.name, vol.driver, vol.mountpoint, vol.created, vol.scope);
                        touch_kv(vol.labels, vol.n_labels);
                        touch_kv(vol.options, vol.n_options);
                }
                docker_volume_release(&vol);
        }
        json_decref(raw);
}

static void observe(json_t *raw)
{
        struct actual_state *s = NULL;
        struct berth_err err;

        berth_err_clear(&err);
        observe_from_json(&s, "fuzz", json_array_get(raw, 0), json_array_get(raw, 1),
                          json_array_get(raw, 2), json_array_get(raw, 3), &err);
        actual_state_free(s);
        json_decref(raw);
}

/* The walk's elements beside the whole decode's: any difference aborts. */
struct walk_check {
        const json_t *whole; /* NULL: the body is not JSON */
        size_t seen;
};

static int walk_element(const json_t *obj, size_t index, void *data)
{
        struct walk_check *w = data;

        /* Before a flaw further on, the walk sees what comes before it. */
        if (index != w->seen || (w->whole && !json_equal(obj, json_array_get(w->whole, index))))
                abort();
        w->seen++;
        return 0;
}

static void walk(const char *p, size_t n)
{
        json_error_t jerr;
        json_t *whole = json_loadb(p, n, 0, &jerr);
        struct walk_check w = {.whole = whole};
        int r = docker_json_array_walk(p, n, walk_element, &w);

        /* Read a body that is not JSON?  Only one nested a level too deep
         * as a whole: each element alone is a level less deep. */
        if (r == 0 && !whole && !strstr(jerr.text, "maximum parsing depth"))
                abort();
        if (r == 0 && whole && (!json_is_array(whole) || w.seen != json_array_size(whole)))
                abort();
        if (whole && !json_is_array(whole) && w.seen)
                abort();
        json_decref(whole);
}

static void demux(const char *p, size_t n, int raw)
{
        struct docker_output out;
        struct docker_demux d;
        struct berth_err err;
        size_t off, k;
        int r = 0;

        berth_err_clear(&err);
        docker_output_init(&out, 64);
        docker_demux_init(&d, raw);
        for (off = 0; r == 0 && off < n; off += k) {
                k = n - off < 7 ? n - off : 7;
                r = docker_demux_feed(&d, p + off, k, docker_output_collect, &out, &err);
        }
        if (r == 0)
                docker_demux_finish(&d, &err);
        docker_output_release(&out);
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
        const char *p = (const char *)data + 1;
        size_t n = size ? size - 1 : 0;
        static const struct {
                char key;
                void (*fn)(json_t *raw);
        } bodies[] = {
            {'c', container_list}, {'i', container_inspect}, {'n', networks},
            {'v', volumes},        {'o', observe},
        };
        json_t *raw;
        size_t i;

        if (size == 0)
                return 0;
        if (data[0] == 'e')
                each_line(p, n, event_line);
        else if (data[0] == 'p')
                each_line(p, n, pull_line);
        else if (data[0] == 'l' || data[0] == 't')
                demux(p, n, data[0] == 't');
        else if (data[0] == 'w')
                walk(p, n);
        for (i = 0; i < sizeof(bodies) / sizeof(bodies[0]); i++)
                if (data[0] == bodies[i].key && body_json(&raw, p, n))
                        bodies[i].fn(raw);
        return 0;
}
