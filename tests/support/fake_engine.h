/* fake_engine.h - a scripted HTTP server on a unix socket, for the faults a
 * real engine will not produce on demand: error statuses, bodies that are
 * not JSON, truncated answers, hangs, old API versions.  It runs in a thread
 * of the test; each connection gets one answer and is closed.
 *
 * Used in addition to the real engine, never instead of it.
 */
#ifndef BERTH_FAKE_ENGINE_H
#define BERTH_FAKE_ENGINE_H

#include <stddef.h>

struct fake_route {
        const char *method; /* NULL matches any */
        const char *path;   /* prefix of the path after the /vX.Y prefix */
        int status;
        const char *body;        /* sent as is */
        long truncate_at;        /* > 0: promise the full length, send this many bytes, close */
        int hang;                /* never answer (until the server stops) */
        const char *api_version; /* Api-Version header; NULL: "1.41"; "" none */
        int chunks_ms;           /* > 0: send the body in lines, this far apart */
};

struct fake_engine;

/* Start serving routes (copied pointers: keep them alive).  Requests that
 * match no route get 404 {"message":"fake: no route"}.  A GET /_ping with
 * no route of its own gets 200 "OK" with Api-Version 1.41. */
struct fake_engine *fake_engine_start(const struct fake_route *routes, size_t n);
/* "unix:///tmp/.../engine.sock" */
const char *fake_engine_host(const struct fake_engine *fe);
/* Requests served so far, and the last request line ("GET /v1.41/x"). */
unsigned fake_engine_requests(struct fake_engine *fe);
void fake_engine_last(struct fake_engine *fe, char *buf, size_t size);
void fake_engine_stop(struct fake_engine *fe);

#endif
