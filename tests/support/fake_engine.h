/* fake_engine.h - a scripted HTTP server on a unix socket, for the faults a
 * real engine will not produce on demand: error statuses, bodies that are
 * not JSON, truncated answers, streams cut in the middle, hangs, old API
 * versions.  It runs in threads of the test (one per connection, so one
 * hanging answer does not hold up the others); each connection gets one
 * answer and is closed.  Every request is recorded, so a test can say
 * what berth asked for, and what it did not (no DELETE, no /stop).
 *
 * Enough routes make it an engine `berth plan/apply/status/watch -H
 * unix://...` can be driven through end to end (tests/unit/test_faults.c).
 *
 * Used in addition to the real engine, never instead of it.
 *
 * May not use: anything but libc, pthreads, unix_server.h and common/buf.
 */
#ifndef BERTH_FAKE_ENGINE_H
#define BERTH_FAKE_ENGINE_H

#include <stddef.h>

struct fake_route {
        const char *method; /* NULL matches any */
        /* The path after the /vX.Y prefix, query included: a prefix of it,
         * or with a '*' in it a pattern of the whole (fnmatch(3), where '*'
         * crosses '/' and '?'). */
        const char *path;
        int status;
        const char *body;        /* sent as is */
        long truncate_at;        /* > 0: promise the full length, send this many bytes, close */
        int hang;                /* never answer (until the server stops) */
        int close;               /* close the connection without answering */
        const char *api_version; /* Api-Version header; NULL: "1.41"; "" none */
        /* > 0: a stream, as the engine sends pulls and events: chunked,
         * one chunk per line of the body, this many ms apart. */
        int chunks_ms;
        int drop;       /* a stream: close the connection without its last chunk */
        int keep_open;  /* a stream: after the body, send nothing more and keep
                         * the connection open (until the server stops) */
        unsigned times; /* > 0: answer this many matching requests, then
                         * leave them to the routes after this one */
        int gone;       /* the socket's path is removed before this answer goes: every
                         * later connection fails (no socket), as when the
                         * engine stops */
};

struct fake_engine;

/* Start serving routes (copied pointers: keep them alive), first match
 * wins.  Requests that match no route get 404 {"message":"fake: no
 * route"}.  A GET /_ping with no route of its own gets 200 "OK" with
 * Api-Version 1.41. */
struct fake_engine *fake_engine_start(const struct fake_route *routes, size_t n);
/* "unix:///tmp/.../engine.sock" */
const char *fake_engine_host(const struct fake_engine *fe);
/* Requests served so far, and the last request line ("GET /v1.41/x"). */
unsigned fake_engine_requests(struct fake_engine *fe);
void fake_engine_last(struct fake_engine *fe, char *buf, size_t size);
/* Every request so far, one "METHOD PATH" line each in arrival order, the
 * path without its /vX.Y prefix ("POST /containers/create?name=web").
 * free() the result. */
char *fake_engine_log(struct fake_engine *fe);
/* How many requests so far had method (NULL: any) and a path (without
 * the version prefix, query included) matching pattern (fnmatch(3)). */
unsigned fake_engine_count(struct fake_engine *fe, const char *method, const char *pattern);
/* Stop: every hanging or open answer ends, every thread is joined. */
void fake_engine_stop(struct fake_engine *fe);

#endif
