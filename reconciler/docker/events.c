#include "docker/events.h"

#include <errno.h>
#include <inttypes.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

static const struct {
        const char *name;
        enum docker_event_kind kind;
} event_kinds[] = {
    {"container", DOCKER_EVENT_CONTAINER}, {"image", DOCKER_EVENT_IMAGE},
    {"network", DOCKER_EVENT_NETWORK},     {"volume", DOCKER_EVENT_VOLUME},
    {"daemon", DOCKER_EVENT_DAEMON},
};

static const char *str_or_empty(const json_t *obj, const char *key)
{
        const char *s = json_string_value(json_object_get(obj, key));

        return s ? s : "";
}

/* A decimal int attribute ("137", "9"); 0 when absent, EPROTO when not a number. */
static int attr_int(const json_t *attrs, const char *key, int *has, int *out, const char *action,
                    struct berth_err *err)
{
        const char *s = json_string_value(json_object_get(attrs, key));
        char *end;
        long v;

        *has = 0;
        if (!s)
                return 0;
        errno = 0;
        v = strtol(s, &end, 10);
        if (!*s || *end || errno || v < INT32_MIN || v > INT32_MAX)
                return berth_err_set(err, BERTH_EPROTO,
                                     "cannot decode event '%s': %s '%s' is not a number", action,
                                     key, s);
        *has = 1;
        *out = (int)v;
        return 0;
}

int docker_event_decode(struct docker_event *out, const json_t *obj, struct berth_err *err)
{
        struct docker_event ev = {0};
        const json_t *actor, *attrs, *value;
        const char *type, *action, *colon, *key;
        size_t base_len;
        int r;

        if (!json_is_object(obj))
                return berth_err_set(err, BERTH_EPROTO, "cannot decode event: not a JSON object");
        type = json_string_value(json_object_get(obj, "Type"));
        action = json_string_value(json_object_get(obj, "Action"));
        if (!type || !action)
                return berth_err_set(err, BERTH_EPROTO, "cannot decode event: no %s",
                                     type ? "Action" : "Type");

        colon = strstr(action, ": ");
        base_len = colon ? (size_t)(colon - action) : strlen(action);
        if (base_len >= sizeof(ev.action))
                return berth_err_set(err, BERTH_EPROTO,
                                     "cannot decode event '%.64s...': action is too long", action);
        memcpy(ev.action, action, base_len);
        ev.action[base_len] = '\0';
        ev.detail = colon ? colon + 2 : NULL;

        actor = json_object_get(obj, "Actor");
        attrs = json_object_get(actor, "Attributes");
        if (attrs && !json_is_object(attrs) && !json_is_null(attrs))
                return berth_err_set(err, BERTH_EPROTO,
                                     "cannot decode event '%s': Actor.Attributes is not an object",
                                     action);
        json_object_foreach((json_t *)attrs, key, value)
        {
                if (!json_is_string(value))
                        return berth_err_set(err, BERTH_EPROTO,
                                             "cannot decode event '%s': attribute '%s' is not a "
                                             "string",
                                             action, key);
        }
        if (!json_is_object(attrs))
                attrs = NULL;

        ev.raw = obj;
        ev.type = type;
        ev.kind = DOCKER_EVENT_OTHER;
        for (size_t i = 0; i < sizeof(event_kinds) / sizeof(event_kinds[0]); i++)
                if (strcmp(type, event_kinds[i].name) == 0)
                        ev.kind = event_kinds[i].kind;
        ev.actor_id = str_or_empty(actor, "ID");
        ev.attributes = attrs;
        ev.name = str_or_empty(attrs, "name");
        ev.image = str_or_empty(attrs, "image");
        r = attr_int(attrs, "exitCode", &ev.has_exit_code, &ev.exit_code, action, err);
        if (r == 0)
                r = attr_int(attrs, "signal", &ev.has_signal, &ev.signal, action, err);
        if (r < 0)
                return r;
        ev.scope = str_or_empty(obj, "scope");
        ev.time = json_integer_value(json_object_get(obj, "time"));
        ev.time_nano = json_integer_value(json_object_get(obj, "timeNano"));
        /* seconds that do not fit in int64 nanoseconds (past the year 2262) */
        if (!ev.time_nano && (ev.time > INT64_MAX / 1000000000 || ev.time < INT64_MIN / 1000000000))
                return berth_err_set(err, BERTH_EPROTO,
                                     "cannot decode event '%s': time %" PRId64 " is out of range",
                                     action, ev.time);
        if (!ev.time_nano)
                ev.time_nano = ev.time * 1000000000;
        if (!ev.time)
                ev.time = ev.time_nano / 1000000000;
        *out = ev;
        return 0;
}

const char *docker_event_attr(const struct docker_event *ev, const char *key)
{
        return json_string_value(json_object_get(ev->attributes, key));
}

static int filter_add(json_t *filters, const char *key, const char *const *values)
{
        json_t *arr;

        if (!values || !values[0])
                return 0;
        arr = json_array();
        if (!arr || json_object_set_new(filters, key, arr) < 0)
                return BERTH_ENOMEM;
        for (; *values; values++)
                if (json_array_append_new(arr, json_string(*values)) < 0)
                        return BERTH_ENOMEM;
        return 0;
}

static void add_time(char *path, size_t size, const char *name, int64_t ns)
{
        size_t len = strlen(path);

        if (!ns)
                return;
        snprintf(path + len, size - len, "%c%s=%" PRId64 ".%09" PRId64,
                 strchr(path, '?') ? '&' : '?', name, ns / 1000000000, ns % 1000000000);
}

/* "/events?filters=...&since=...&until=..." into *out (free() it). */
static int events_path(char **out, const struct docker_event_filter *f, struct berth_err *err)
{
        json_t *filters = json_object();
        char *json = NULL, *query = NULL, *path = NULL;
        size_t size;
        int r = BERTH_ENOMEM;

        if (!filters)
                goto out;
        if (f && (filter_add(filters, "type", f->types) < 0 ||
                  filter_add(filters, "label", f->labels) < 0 ||
                  filter_add(filters, "container", f->containers) < 0 ||
                  filter_add(filters, "event", f->events) < 0))
                goto out;
        if (json_object_size(filters) > 0) {
                json = json_dumps(filters, JSON_COMPACT);
                query = json ? docker_escape(json) : NULL;
                if (!query)
                        goto out;
        }
        size = sizeof("/events?filters=&since=&until=") + (query ? strlen(query) : 0) + 2 * 32;
        path = malloc(size);
        if (!path)
                goto out;
        snprintf(path, size, "/events%s%s", query ? "?filters=" : "", query ? query : "");
        if (f) {
                add_time(path, size, "since", f->since);
                add_time(path, size, "until", f->until);
        }
        *out = path;
        path = NULL;
        r = 0;
out:
        if (r < 0)
                berth_err_set(err, r, "cannot stream events: out of memory");
        free(path);
        free(query);
        free(json);
        json_decref(filters);
        return r;
}

struct events_ctx {
        docker_event_fn fn;
        void *userdata;
        int decode_failed;
        struct berth_err decode_err;
};

static int events_on_object(json_t *obj, void *ud)
{
        struct events_ctx *ctx = ud;
        struct docker_event ev;

        if (docker_event_decode(&ev, obj, &ctx->decode_err) < 0) {
                ctx->decode_failed = 1;
                return 1;
        }
        return ctx->fn(&ev, ctx->userdata);
}

int docker_events_stream(struct docker_client *c, const struct docker_event_filter *f,
                         docker_event_fn fn, void *userdata, atomic_int *cancel,
                         struct berth_err *err)
{
        struct events_ctx ctx = {.fn = fn, .userdata = userdata};
        struct docker_request req = {
            .method = "GET",
            .timeout_ms = -1,
            .cancel = cancel,
            .op = "stream events",
        };
        char *path = NULL;
        int r;

        r = events_path(&path, f, err);
        if (r < 0)
                goto out;
        req.path = path;
        r = docker_call_json_stream(c, &req, events_on_object, &ctx, err);
        if (r == BERTH_ECANCELLED && ctx.decode_failed) {
                if (err)
                        *err = ctx.decode_err;
                r = ctx.decode_err.code;
        }
out:
        free(path);
        return r;
}

/* ---- the same, read from the caller's loop ------------------------------ */

struct docker_events {
        struct docker_feed *feed;
};

int docker_events_open(struct docker_events **out, struct docker_client *c,
                       const struct docker_event_filter *f, struct berth_err *err)
{
        struct docker_events *e;
        char *path = NULL;
        int r;

        *out = NULL;
        if ((r = events_path(&path, f, err)) < 0)
                return r;
        e = calloc(1, sizeof(*e));
        if (!e) {
                free(path);
                return berth_err_set(err, BERTH_ENOMEM, "cannot stream events: out of memory");
        }
        r = docker_feed_open(&e->feed, c, path, "stream events", err);
        free(path);
        if (r < 0) {
                free(e);
                return r;
        }
        *out = e;
        return 0;
}

int docker_events_fd(const struct docker_events *e)
{
        return docker_feed_fd(e->feed);
}

int docker_events_read(struct docker_events *e, docker_event_fn fn, void *userdata, int *eof,
                       struct berth_err *err)
{
        struct events_ctx ctx = {.fn = fn, .userdata = userdata};
        int r = docker_feed_read(e->feed, events_on_object, &ctx, eof, err);

        if (r == BERTH_ECANCELLED && ctx.decode_failed) {
                if (err)
                        *err = ctx.decode_err;
                r = ctx.decode_err.code;
        }
        return r;
}

void docker_events_close(struct docker_events *e)
{
        if (!e)
                return;
        docker_feed_close(e->feed);
        free(e);
}
