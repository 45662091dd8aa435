/* docker/client.h - transport to the Docker Engine API.
 *
 * One struct docker_client per engine.  It is safe to use from several
 * threads at once: each call takes its own curl handle, connections are
 * shared through a locked curl share.  Calls are counted, so a command can
 * report how many API calls it made.
 *
 * The client speaks the lower of DOCKER_API_MAX and the engine's version,
 * learnt from /_ping before the first call (that ping is counted too).
 *
 * Errors: every call fills a struct berth_err with the operation, the
 * object, the HTTP status and the engine's own message; statuses map to
 * codes callers act on (404 ENOTFOUND, 409 ECONFLICT, 400 EINVALID, 403
 * EFORBIDDEN, 5xx ESERVER).  304 is not an error: it is returned as
 * success with resp->status == 304.  Transport failures map to ECONNECT,
 * EPERM, ETIMEOUT, ETLS with a message that says what to do.
 *
 * May not use: manifest, model, diff, plan, exec, watch.
 */
#ifndef BERTH_DOCKER_CLIENT_H
#define BERTH_DOCKER_CLIENT_H

#include <stdatomic.h>
#include <stddef.h>

#include <jansson.h>

#include "common/err.h"

#define DOCKER_API_MAX "1.41"
#define DOCKER_API_MIN "1.30"
#define DOCKER_DEFAULT_SOCKET "/var/run/docker.sock"
#define DOCKER_DEFAULT_TIMEOUT_MS 60000L
#define DOCKER_DEFAULT_MAX_BODY (64UL << 20)

/* Where the engine is, as the docker CLI reads DOCKER_HOST,
 * DOCKER_TLS_VERIFY and DOCKER_CERT_PATH. */
struct docker_host {
        enum docker_host_kind { DOCKER_HOST_UNIX, DOCKER_HOST_TCP } kind;
        char path[108];    /* unix socket path */
        char address[256]; /* tcp host name or address (IPv6 without brackets) */
        int port;
        int tls;             /* talk https */
        int tls_verify;      /* verify the engine's certificate against ca.pem */
        char cert_dir[1024]; /* holds ca.pem, cert.pem, key.pem */
};

/* Parse the three variables (each may be NULL or empty, meaning unset).
 * DOCKER_HOST unset means unix:///var/run/docker.sock; tcp:// without a
 * port means 2376 with TLS and 2375 without; DOCKER_TLS_VERIFY set to
 * anything non-empty turns on TLS with verification; DOCKER_CERT_PATH
 * defaults to ~/.docker.  Unsupported schemes (ssh://, npipe://, fd://)
 * and malformed values give BERTH_EINVALID with a message that names the
 * variable and the value. */
int docker_host_parse(struct docker_host *out, const char *docker_host, const char *tls_verify,
                      const char *cert_path, struct berth_err *err);

/* "unix:///var/run/docker.sock" or "tcp://host:2376" for messages. */
const char *docker_host_describe(const struct docker_host *h, char *buf, size_t size);

struct docker_client;

/* On success *out is owned by the caller; free with docker_client_free().
 * No connection is made here. */
int docker_client_new(struct docker_client **out, const struct docker_host *host,
                      struct berth_err *err);
/* The same, with the host from the environment (-H overrides it when
 * host_override is not NULL). */
int docker_client_from_env(struct docker_client **out, const char *host_override,
                           struct berth_err *err);
void docker_client_free(struct docker_client *c);

/* Timeout of ordinary calls, in milliseconds (default 60 s); streams
 * (events, logs with follow, pull) have no total timeout, only a connect
 * timeout, and end when cancelled. */
void docker_client_set_timeout(struct docker_client *c, long timeout_ms);

/* Once *flag is non-zero (a stop signal), every read c makes (GET and
 * HEAD, the ping, an events stream's wait for its head) ends within about
 * a second, BERTH_ECANCELLED, however long the engine takes; a call with
 * its own req->cancel keeps that one.  Mutating calls are never cut: an
 * operation that has started finishes.  NULL: none (the default). */
void docker_client_cancel_reads(struct docker_client *c, atomic_int *flag);

/* Ping and settle the API version now (otherwise done before the first
 * call).  Fails with ECONNECT/EPERM/... when the engine does not answer,
 * or EPROTO when it speaks a version older than DOCKER_API_MIN. */
int docker_client_negotiate(struct docker_client *c, struct berth_err *err);
const char *docker_client_api_version(const struct docker_client *c); /* NULL before */
/* Settle the API version without a ping: the one another client of the
 * same engine negotiated (docker_client_api_version()).  A version of
 * the wrong form is ignored (the client negotiates as usual). */
void docker_client_use_api_version(struct docker_client *c, const char *version);
const struct docker_host *docker_client_host(const struct docker_client *c);

/* How many HTTP requests this client made, and how many of them could
 * change the engine (any method but GET and HEAD). */
struct docker_call_stats {
        unsigned long total;
        unsigned long mutating;
};
void docker_client_stats(const struct docker_client *c, struct docker_call_stats *out);

/* Called for each chunk of a streamed body; return non-zero to stop the
 * stream (the call then returns BERTH_ECANCELLED). */
typedef int (*docker_data_fn)(const char *data, size_t len, void *userdata);
/* Fills the request body for uploads: copy up to size bytes to buf and
 * return how many, 0 at the end, or -1 on error. */
typedef long (*docker_read_fn)(char *buf, size_t size, void *userdata);

struct docker_request {
        const char *method;    /* "GET", "POST", "DELETE", ... */
        const char *path;      /* "/containers/json?all=1": no version prefix */
        const json_t *json;    /* body sent as application/json, or NULL */
        docker_read_fn upload; /* or a streamed body (image load) */
        void *upload_data;
        const char *content_type;   /* of the upload ("application/x-tar") */
        const char *const *headers; /* extra "Name: value", NULL-terminated */
        long timeout_ms;            /* 0: the client's; -1: none (streams) */
        /* A stream's guard: > 0 ends the call (BERTH_ETIMEOUT) when nothing
         * arrives for this long, whole seconds (a pull that went silent);
         * 0: none (an events stream may be quiet for hours). */
        long idle_timeout_ms;
        docker_data_fn on_data; /* stream the body here instead of collecting it */
        void *userdata;
        atomic_int *cancel; /* when set non-zero, the call stops soon */
        size_t max_body;    /* 0: DOCKER_DEFAULT_MAX_BODY */
        const char *op;     /* for errors: "start container" */
        const char *object; /* for errors: "shop-web-1" */
};

struct docker_response {
        long status; /* HTTP status (304 counts as success) */
        char *body;  /* NUL-terminated; NULL when streamed; owned */
        size_t len;
};

/* Make one call.  Returns 0 for 1xx-3xx statuses (resp filled), a negative
 * code otherwise with err filled as "cannot <op> '<object>': <message>".
 * resp may be NULL when the caller needs no body.  Release resp with
 * docker_response_release() whatever the result. */
int docker_call(struct docker_client *c, const struct docker_request *req,
                struct docker_response *resp, struct berth_err *err);
void docker_response_release(struct docker_response *resp);

/* docker_call() with the body parsed as JSON: *out is a new reference
 * (json_decref() it), NULL for an empty body. */
int docker_call_json(struct docker_client *c, const struct docker_request *req, json_t **out,
                     struct berth_err *err);

/* docker_call() for a list: an answer that is a JSON array is handed to fn
 * one element at a time (a borrowed reference) with its index, each
 * decoded and freed before the next, so a list of 500 containers is never
 * a tree in memory at once (its memory is reused: half the decode's
 * time).  When the element-wise read stops part-way (an element that is
 * not an object, bytes that are not JSON) the answer is decoded whole and
 * fn sees the elements again from index 0: index 0 always starts the
 * list.  An answer that is not JSON fails as in docker_call_json(), one
 * that is not an array (or empty) with BERTH_EPROTO.  fn returns < 0 to
 * stop: that is the result, and err is left to fn. */
typedef int (*docker_json_each_fn)(const json_t *obj, size_t index, void *userdata);

/* The walk of docker_call_json_each() over a body of n bytes: each object
 * of the array decoded alone (jansson's JSON_DISABLE_EOF_CHECK: it stops
 * after the object and says where) and handed to fn.  0 when the body was
 * an array of objects and fn saw them all; 1 when it is not one this walk
 * reads (fn may have seen a part of it); fn's result when that is < 0. */
int docker_json_array_walk(const char *body, size_t n, docker_json_each_fn fn, void *userdata);
int docker_call_json_each(struct docker_client *c, const struct docker_request *req,
                          docker_json_each_fn fn, void *userdata, struct berth_err *err);

/* For streams of JSON objects (pull progress, events, load output): each
 * complete object is handed to fn (a borrowed reference); fn returns
 * non-zero to stop.  A line over 1 MiB or one that is not JSON ends the
 * call with BERTH_EPROTO.  Returns 0 when the engine ended the stream,
 * BERTH_ECANCELLED when fn or req->cancel stopped it. */
typedef int (*docker_json_fn)(json_t *obj, void *userdata);
int docker_call_json_stream(struct docker_client *c, const struct docker_request *req,
                            docker_json_fn fn, void *userdata, struct berth_err *err);

/* A streamed GET read from the caller's own poll loop instead of a
 * blocking call: the events stream of a daemon that must not wake up
 * while nothing happens (libcurl's blocking transfer polls its socket
 * with a one-second timeout).  The connection is made by libcurl (unix
 * socket, TCP, TLS as for every call; CONNECT_ONLY), the request written
 * and the answer's head read here, and the body is de-chunked as it
 * arrives.  Counts as one (non-mutating) call.
 *
 * docker_feed_open() connects, sends GET path (versioned, like every
 * call) and reads the head, waiting at most the client's timeout: a
 * status >= 400 is an error with the engine's message, as for calls.  Then
 * call docker_feed_read() once (body bytes may have come with the head,
 * and are no longer on the socket), and again whenever docker_feed_fd()
 * polls readable: it
 * reads what is there without blocking and hands each complete JSON line
 * to fn (fn returns non-zero to stop: BERTH_ECANCELLED).  *eof is set when
 * the engine ended the body or closed the connection.  A line that is not
 * JSON or over 1 MiB is BERTH_EPROTO / BERTH_ETOOBIG.  (TLS may buffer a
 * record: a read can find nothing new, which is not an error.) */
struct docker_feed;
int docker_feed_open(struct docker_feed **out, struct docker_client *c, const char *path,
                     const char *op, struct berth_err *err);
int docker_feed_fd(const struct docker_feed *s);
int docker_feed_read(struct docker_feed *s, docker_json_fn fn, void *userdata, int *eof,
                     struct berth_err *err);
void docker_feed_close(struct docker_feed *s); /* NULL is a no-op */

/* Map an HTTP status to a berth code (0 for < 400). */
int docker_status_to_code(long status);

/* URL-escape s for a query value; free() the result. NULL on ENOMEM. */
char *docker_escape(const char *s);

/* A query-string value for ?filters=: {"label":["k=v", ...]} and the like,
 * already escaped; free() the result.  key/value pairs: filter name then
 * value, NULL-terminated; a name repeated adds a value. */
char *docker_filters(const char *name, ...) __attribute__((sentinel));

/* Member key of an engine's answer as an integer: an integer as it is, a
 * real that a long long holds cut to one, anything else (missing, null,
 * mistyped, a real like 1e300 that no long long holds: converting it
 * would be undefined behaviour) 0. */
long long docker_json_int(const json_t *o, const char *key);

#endif
