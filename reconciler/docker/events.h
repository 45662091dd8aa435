/* docker/events.h - the engine's /events stream and its decoded events.
 *
 * docker_event_decode() is a pure function from one JSON object of the
 * stream to a struct docker_event; docker_events_stream() opens /events
 * with filters and hands each decoded event to a callback until the
 * engine ends the stream (only when `until` is set), the callback stops
 * it, or the cancel flag is set from another thread.
 *
 * Owns: the /events request, its filters and the event decoding.
 * May not use: manifest, model, diff, plan, exec, watch.
 */
#ifndef BERTH_DOCKER_EVENTS_H
#define BERTH_DOCKER_EVENTS_H

#include <stdatomic.h>
#include <stdint.h>

#include <jansson.h>

#include "common/err.h"
#include "docker/client.h"

enum docker_event_kind {
        DOCKER_EVENT_OTHER = 0, /* a type berth does not name (builder, plugin, swarm ...) */
        DOCKER_EVENT_CONTAINER,
        DOCKER_EVENT_IMAGE,
        DOCKER_EVENT_NETWORK,
        DOCKER_EVENT_VOLUME,
        DOCKER_EVENT_DAEMON,
};

/* One decoded event.  Every pointer borrows from the JSON object it was
 * decoded from (valid while that object is; in a stream callback, only
 * during the call).  Strings the engine left out are "" (never NULL),
 * except detail, which is NULL when the action has none. */
struct docker_event {
        const json_t *raw;           /* the whole object */
        enum docker_event_kind kind; /* from type */
        const char *type;            /* "container", "network", ... */
        /* The engine's Action is "<base>" or "<base>: <detail>":
         * "exec_start: sh -c echo hi" is action "exec_start" with detail
         * "sh -c echo hi"; "health_status: healthy" is "health_status"
         * with "healthy". */
        char action[64];
        const char *detail;
        const char *actor_id;     /* container id, network id, volume name */
        const json_t *attributes; /* Actor.Attributes: object of strings, or NULL */
        const char *name;         /* attributes "name" (container or network name) */
        const char *image;        /* attributes "image" (containers) */
        int has_exit_code;        /* die and exec_die carry exitCode */
        int exit_code;
        int has_signal; /* kill carries signal */
        int signal;
        const char *scope; /* "local" or "swarm" */
        int64_t time;      /* unix seconds */
        int64_t time_nano; /* unix nanoseconds (time * 1e9 when the engine gave none) */
};

/* Decode one stream object.  BERTH_EPROTO (message quoting the offending
 * part) when obj is not an event: not an object, no Type or Action, an
 * Action base of 64 bytes or more, non-string attributes, an exitCode
 * or signal that is not a number, or a time (without timeNano) too large
 * to count in nanoseconds.  *out is filled only on success. */
int docker_event_decode(struct docker_event *out, const json_t *obj, struct berth_err *err);

/* An attribute of the actor (labels included), or NULL. */
const char *docker_event_attr(const struct docker_event *ev, const char *key);

/* Filters of the stream; arrays are NULL-terminated and may be NULL.
 * Values of one filter are ORed, different filters are ANDed (labels are
 * all required).  since/until are unix nanoseconds, 0 meaning unset:
 * without since the stream starts now; without until it never ends by
 * itself.  Both bounds are inclusive, so a stream resumed with since set
 * to the last event's time_nano sees that event again. */
struct docker_event_filter {
        const char *const *types;      /* "container", "network", ... */
        const char *const *labels;     /* "key" or "key=value" */
        const char *const *containers; /* container names or ids */
        const char *const *events;     /* action bases: "die", "health_status" */
        int64_t since;
        int64_t until;
};

/* Return non-zero to stop the stream (docker_events_stream() then
 * returns BERTH_ECANCELLED).  ev and everything it points to is valid
 * only during the call. */
typedef int (*docker_event_fn)(const struct docker_event *ev, void *userdata);

/* Stream events matching f (NULL: all) to fn.  The request has no total
 * timeout.  Returns 0 when the engine ended the stream (until reached),
 * BERTH_ECANCELLED when fn returned non-zero or *cancel (may be NULL)
 * became non-zero (checked at least once a second, also while no event
 * arrives), BERTH_EPROTO when the engine sent something that is not an
 * event, or the transport's code when the engine cannot be reached. */
int docker_events_stream(struct docker_client *c, const struct docker_event_filter *f,
                         docker_event_fn fn, void *userdata, atomic_int *cancel,
                         struct berth_err *err);

/* The same stream for a poll loop (docker_feed in client.h): open it,
 * call docker_events_read() once, then whenever docker_events_fd() polls
 * readable; docker_events_read() hands
 * what has arrived to fn without blocking; *eof when the engine ended it
 * (restart, shutdown).  No thread, and no wake-up while no event comes.
 * Errors as for docker_events_stream(). */
struct docker_events;
int docker_events_open(struct docker_events **out, struct docker_client *c,
                       const struct docker_event_filter *f, struct berth_err *err);
int docker_events_fd(const struct docker_events *e);
int docker_events_read(struct docker_events *e, docker_event_fn fn, void *userdata, int *eof,
                       struct berth_err *err);
void docker_events_close(struct docker_events *e); /* NULL is a no-op */

#endif
