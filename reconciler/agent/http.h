/* agent/http.h - the HTTP endpoints of berth sync (and watch): off by
 * default, on with --listen ADDR:PORT.  libmicrohttpd serves them from its
 * own thread (no hand-written HTTP parser); every handler reads
 * agent/state.h under its lock and never blocks the reconcile loop.
 *
 *   POST /hooks/git   a push webhook: a trigger for an immediate fetch, its
 *                     payload never trusted for content.  With a secret, the
 *                     X-Hub-Signature-256 header ("sha256=" + hex HMAC-SHA256
 *                     of the raw body) must match, compared in constant time:
 *                     missing or wrong is 401 and nothing happens.  A body
 *                     over max_body is 413, nothing happens.  Accepted: 202.
 *   GET  /healthz     200 "ok" when the engine answers a ping, else 503 with
 *                     why (the process answering is the "alive" half).
 *   GET  /status      JSON per schema/status.schema.json.
 *   GET  /metrics     Prometheus text format 0.0.4.
 * Anything else: 404; a known path with the wrong method: 405 with Allow.
 *
 * May not use: cli, watch, sync.
 */
#ifndef BERTH_AGENT_HTTP_H
#define BERTH_AGENT_HTTP_H

#include <stddef.h>

#include "agent/state.h"
#include "common/err.h"

#define AGENT_HTTP_MAX_BODY (1024 * 1024)
/* A connection idle this long is closed; at most this many at once (each
 * has a thread of the server's while it is open). */
#define AGENT_HTTP_TIMEOUT_S 10
#define AGENT_HTTP_MAX_CONNECTIONS 16

struct agent_http_options {
        const char *listen;          /* "127.0.0.1:9470", "[::1]:9470"; port 0 picks a free one */
        const char *secret;          /* webhook HMAC key, or NULL: no signature asked */
        size_t secret_len;
        struct agent_state *state;   /* borrowed; outlives the server */
        const char *engine_host;     /* for /healthz's ping; NULL: DOCKER_HOST or the default */
        size_t max_body;             /* 0: AGENT_HTTP_MAX_BODY */
        /* Called from a server thread for each accepted webhook, one call
         * at a time; keep it short (signal the follower, do not fetch). */
        void (*on_hook)(void *userdata);
        void *userdata;
};

struct agent_http;

/* Listen and serve.  On success *out is owned by the caller: stop it with
 * agent_http_stop().  A bad address or a port in use is an error naming
 * the address. */
int agent_http_start(struct agent_http **out, const struct agent_http_options *o,
                     struct berth_err *err);
/* The port it listens on (the one picked, with port 0). */
int agent_http_port(const struct agent_http *h);
/* Stop serving, wait for running handlers; NULL is a no-op. */
void agent_http_stop(struct agent_http *h);

/* The documents the endpoints serve, for tests and `berth status`-like use;
 * malloc'd, NULL when out of memory.  Each takes the state's lock. */
char *agent_status_json(struct agent_state *s);
char *agent_metrics_text(struct agent_state *s);

#endif
