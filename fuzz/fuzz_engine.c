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
 *   l  a framed log or exec stream  docker_demux_feed() in 7-byte pieces,
 *                                   docker_demux_finish(), bounded output
 *   t  the same, from a TTY         the demultiplexer in raw mode
 *
 * Any other first byte is ignored.  Bodies are parsed as the transport
 * parses them (docker/client.c): a whole body with json_loadb(), an empty
 * one as NULL; streams split at '\n', blanks trimmed, blank lines skipped.
 */
#include <string.h>

#include <jansson.h>

#include "common/err.h"
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

        berth_err_clear(&err);
        docker_container_list_parse(&list, raw, &err);
        docker_container_list_release(&list);
}

static void container_inspect(json_t *raw)
{
        struct docker_container_info info;
        struct berth_err err;

        berth_err_clear(&err);
        docker_container_info_parse(&info, raw, &err);
        docker_container_info_release(&info);
}

static void network_one(json_t *raw)
{
        struct docker_network net;
        struct berth_err err;

        berth_err_clear(&err);
        docker_network_parse(&net, raw, &err);
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
                docker_volume_parse(&vol, item, &err);
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
        for (i = 0; i < sizeof(bodies) / sizeof(bodies[0]); i++)
                if (data[0] == bodies[i].key && body_json(&raw, p, n))
                        bodies[i].fn(raw);
        return 0;
}
