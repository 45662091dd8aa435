/* http.c - agent/http.h's server: libmicrohttpd, one thread per connection.
 *
 * A thread per connection rather than one polling thread: /healthz waits
 * on the engine (up to PING_TIMEOUT_MS), and a hung engine must not hold
 * up /metrics or a webhook meanwhile.  The connection limit bounds the
 * threads; an idle server is one thread asleep in poll() with no timeout.
 */
#include "agent/http.h"

#include <arpa/inet.h>
#include <errno.h>
#include <netinet/in.h>
#include <stdbool.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <poll.h>
#include <sys/socket.h>
#include <unistd.h>

#include <microhttpd.h>
#include <openssl/crypto.h>
#include <openssl/evp.h>
#include <openssl/hmac.h>

#include "common/buf.h"
#include "common/clock.h"
#include "docker/client.h"
#include "docker/system.h"

#define PING_TIMEOUT_MS 2000L
#define LISTEN_FORM "expected IP:PORT or [IPV6]:PORT, e.g. 127.0.0.1:9470 or [::1]:9470"
#define SIG_PREFIX "sha256="
#define SIG_HEADER "X-Hub-Signature-256"
#define SECRET_MAX 4096
#define LINGER_MS 2000 /* how long a connection answered early reads on */

struct agent_http {
        struct MHD_Daemon *daemon;
        int port;
        unsigned char *secret; /* owned copy; NULL: no signature asked */
        size_t secret_len;
        struct agent_state *state;
        struct docker_client *engine; /* for /healthz; thread-safe */
        size_t max_body;
        void (*on_hook)(void *userdata);
        void *userdata;
        pthread_mutex_t hook_mu; /* on_hook runs one call at a time */
};

/* A webhook request's progress between the handler's calls. */
struct hook_req {
        struct berth_buf body;
        size_t seen;  /* bytes received, kept or not */
        bool too_big; /* over max_body: the rest is drained, then 413 */
        unsigned char sig[32];
};

/* A connection's own state, beside libmicrohttpd's. */
struct conn {
        bool linger; /* answered before the body was read: read on at close */
};

/* ---- the listening socket ------------------------------------------------ */

static int listen_bad(struct berth_err *err, const char *addr, const char *why)
{
        if (why)
                return berth_err_set(err, BERTH_EINVALID, "cannot listen on '%s': %s (%s)", addr,
                                     why, LISTEN_FORM);
        return berth_err_set(err, BERTH_EINVALID, "cannot listen on '%s': %s", addr, LISTEN_FORM);
}

/* "IP:PORT" (IPv4) or "[IPV6]:PORT" into *out. */
static int listen_parse(struct sockaddr_storage *out, socklen_t *len, const char *addr,
                        struct berth_err *err)
{
        char host[INET6_ADDRSTRLEN + 1], why[160];
        const char *h = addr, *end, *port, *p;
        bool v6 = addr[0] == '[';
        unsigned long n = 0;
        struct in6_addr probe;

        memset(out, 0, sizeof(*out));
        if (v6) { /* [host]:port */
                h = addr + 1;
                end = strchr(h, ']');
                if (!end || end[1] != ':')
                        return listen_bad(err, addr, NULL);
                port = end + 2;
        } else { /* host:port */
                end = strrchr(h, ':');
                if (!end)
                        return listen_bad(err, addr, NULL);
                port = end + 1;
        }
        if (end == h || !*port)
                return listen_bad(err, addr, NULL);
        for (p = port; *p >= '0' && *p <= '9' && n <= 65535; p++)
                n = n * 10 + (unsigned long)(*p - '0');
        if (*p || n > 65535) {
                snprintf(why, sizeof(why), "'%.32s' is not a port number (0-65535)", port);
                return listen_bad(err, addr, why);
        }
        snprintf(host, sizeof(host), "%.*s", (int)(end - h), h);
        if ((size_t)(end - h) >= sizeof(host)) {
                snprintf(why, sizeof(why), "'%.40s...' is not an IP address", host);
                return listen_bad(err, addr, why);
        }
        if (v6) {
                struct sockaddr_in6 *s6 = (struct sockaddr_in6 *)out;

                s6->sin6_family = AF_INET6;
                s6->sin6_port = htons((uint16_t)n);
                *len = sizeof(*s6);
                if (inet_pton(AF_INET6, host, &s6->sin6_addr) == 1)
                        return 0;
                snprintf(why, sizeof(why), "'%s' is not an IPv6 address", host);
        } else {
                struct sockaddr_in *s4 = (struct sockaddr_in *)out;

                s4->sin_family = AF_INET;
                s4->sin_port = htons((uint16_t)n);
                *len = sizeof(*s4);
                if (inet_pton(AF_INET, host, &s4->sin_addr) == 1)
                        return 0;
                if (inet_pton(AF_INET6, host, &probe) == 1)
                        snprintf(why, sizeof(why), "an IPv6 address goes in brackets: [%s]:%s",
                                 host, port);
                else
                        snprintf(why, sizeof(why), "'%s' is not an IP address", host);
        }
        return listen_bad(err, addr, why);
}

/* A listening socket on addr; its port in *port. */
static int listen_open(int *out, int *port, const char *addr, struct berth_err *err)
{
        struct sockaddr_storage ss, bound;
        socklen_t len = 0, blen = sizeof(bound);
        int fd = -1, one = 1, r;

        r = listen_parse(&ss, &len, addr, err);
        if (r < 0)
                return r;
        fd = socket(ss.ss_family, SOCK_STREAM | SOCK_CLOEXEC | SOCK_NONBLOCK, 0);
        if (fd < 0 || setsockopt(fd, SOL_SOCKET, SO_REUSEADDR, &one, sizeof(one)) < 0 ||
            bind(fd, (struct sockaddr *)&ss, len) < 0 || listen(fd, 64) < 0 ||
            getsockname(fd, (struct sockaddr *)&bound, &blen) < 0) {
                r = berth_err_set(err, BERTH_EIO, "cannot listen on '%s': %s", addr,
                                  strerror(errno));
                if (fd >= 0)
                        close(fd);
                return r;
        }
        *port = ntohs(bound.ss_family == AF_INET6 ? ((struct sockaddr_in6 *)&bound)->sin6_port
                                                  : ((struct sockaddr_in *)&bound)->sin_port);
        *out = fd;
        return 0;
}

/* ---- answers ------------------------------------------------------------- */

/* Queue r (NULL: out of memory) with its headers; r is released. */
static enum MHD_Result queue(struct MHD_Connection *c, unsigned status, struct MHD_Response *r,
                             const char *type, const char *allow)
{
        enum MHD_Result ok;

        if (!r)
                return MHD_NO;
        MHD_add_response_header(r, MHD_HTTP_HEADER_CONTENT_TYPE, type);
        MHD_add_response_header(r, MHD_HTTP_HEADER_CACHE_CONTROL, "no-store");
        if (allow)
                MHD_add_response_header(r, MHD_HTTP_HEADER_ALLOW, allow);
        ok = MHD_queue_response(c, status, r);
        MHD_destroy_response(r);
        return ok;
}

/* Answer status with body (copied). */
static enum MHD_Result reply(struct MHD_Connection *c, unsigned status, const char *type,
                             const char *body, const char *allow)
{
        return queue(
            c, status,
            MHD_create_response_from_buffer(strlen(body), (void *)body, MHD_RESPMEM_MUST_COPY),
            type, allow);
}

/* Answer 200 with a malloc'd document (taken; NULL: out of memory, 500). */
static enum MHD_Result reply_doc(struct MHD_Connection *c, const char *type, char *doc)
{
        struct MHD_Response *r;

        if (!doc)
                return reply(c, MHD_HTTP_INTERNAL_SERVER_ERROR, "text/plain; charset=utf-8",
                             "out of memory\n", NULL);
        r = MHD_create_response_from_buffer(strlen(doc), doc, MHD_RESPMEM_MUST_FREE);
        if (!r)
                free(doc);
        return queue(c, MHD_HTTP_OK, r, type, NULL);
}

static enum MHD_Result reply_error(struct MHD_Connection *c, unsigned status, const char *msg)
{
        char body[256];

        snprintf(body, sizeof(body), "{\"error\":\"%s\"}\n", msg);
        return reply(c, status, "application/json", body, NULL);
}

/* ---- POST /hooks/git ----------------------------------------------------- */

static int hex_digit(char c)
{
        if (c >= '0' && c <= '9')
                return c - '0';
        if (c >= 'a' && c <= 'f')
                return c - 'a' + 10;
        if (c >= 'A' && c <= 'F')
                return c - 'A' + 10;
        return -1;
}

/* "sha256=" and 64 hex digits into sig[32]; -1 when it is not that. */
static int signature_parse(unsigned char sig[32], const char *v)
{
        size_t i;

        if (!v || strncmp(v, SIG_PREFIX, strlen(SIG_PREFIX)))
                return -1;
        v += strlen(SIG_PREFIX);
        if (strlen(v) != 64)
                return -1;
        for (i = 0; i < 32; i++) {
                int hi = hex_digit(v[2 * i]), lo = hex_digit(v[2 * i + 1]);

                if (hi < 0 || lo < 0)
                        return -1;
                sig[i] = (unsigned char)(hi << 4 | lo);
        }
        return 0;
}

static bool signature_ok(const struct agent_http *h, const struct hook_req *r)
{
        static const unsigned char empty[1];
        unsigned char md[EVP_MAX_MD_SIZE];
        unsigned int mdlen = 0;
        const unsigned char *data = r->body.data ? (const unsigned char *)r->body.data : empty;

        if (!HMAC(EVP_sha256(), h->secret, (int)h->secret_len, data, r->body.len, md, &mdlen) ||
            mdlen != sizeof(r->sig))
                return false;
        return CRYPTO_memcmp(md, r->sig, sizeof(r->sig)) == 0;
}

/* The request's Content-Length is over max (an unparsable one is left to
 * the counting). */
static bool length_over(struct MHD_Connection *c, size_t max)
{
        const char *v =
            MHD_lookup_connection_value(c, MHD_HEADER_KIND, MHD_HTTP_HEADER_CONTENT_LENGTH);
        unsigned long long n;
        char *end;

        if (!v)
                return false;
        errno = 0;
        n = strtoull(v, &end, 10);
        if (end == v || *end)
                return false;
        return errno == ERANGE || n > max;
}

static enum MHD_Result serve_hook(struct agent_http *h, struct MHD_Connection *c, const char *data,
                                  size_t *size, void **ctx)
{
        struct hook_req *r = *ctx;
        char msg[128];

        if (!r) { /* the head: refuse what can be refused without the body */
                const char *given = MHD_lookup_connection_value(c, MHD_HEADER_KIND, SIG_HEADER);
                unsigned char sig[32] = {0};

                if (length_over(c, h->max_body)) {
                        snprintf(msg, sizeof(msg), "the body is over %zu bytes", h->max_body);
                        return reply_error(c, MHD_HTTP_CONTENT_TOO_LARGE, msg);
                }
                if (h->secret && !given)
                        return reply_error(c, MHD_HTTP_UNAUTHORIZED,
                                           "no " SIG_HEADER " header: the webhook needs the "
                                           "secret");
                if (h->secret && signature_parse(sig, given) < 0)
                        return reply_error(c, MHD_HTTP_UNAUTHORIZED,
                                           SIG_HEADER " is not sha256= and 64 hex digits");
                r = calloc(1, sizeof(*r));
                if (!r)
                        return MHD_NO;
                berth_buf_init(&r->body, h->max_body);
                memcpy(r->sig, sig, sizeof(sig));
                *ctx = r;
                return MHD_YES;
        }
        if (*size) { /* a piece of the body (no answer can be queued now) */
                r->seen += *size;
                if (!r->too_big) {
                        int e = berth_buf_add(&r->body, data, *size);

                        if (e == BERTH_ENOMEM)
                                return MHD_NO;
                        if (e == BERTH_ETOOBIG) {
                                r->too_big = true;
                                berth_buf_release(&r->body);
                        }
                }
                *size = 0;
                /* drain at most as much again to answer 413, then hang up */
                return r->too_big && r->seen - h->max_body > h->max_body ? MHD_NO : MHD_YES;
        }
        if (r->too_big) {
                snprintf(msg, sizeof(msg), "the body is over %zu bytes", h->max_body);
                return reply_error(c, MHD_HTTP_CONTENT_TOO_LARGE, msg);
        }
        if (h->secret && !signature_ok(h, r))
                return reply_error(c, MHD_HTTP_UNAUTHORIZED,
                                   SIG_HEADER " does not match the body and the secret");
        if (h->on_hook) {
                pthread_mutex_lock(&h->hook_mu);
                h->on_hook(h->userdata);
                pthread_mutex_unlock(&h->hook_mu);
        }
        return reply(c, MHD_HTTP_ACCEPTED, "application/json", "{\"status\":\"fetch requested\"}\n",
                     NULL);
}

/* ---- GET ----------------------------------------------------------------- */

static enum MHD_Result serve_healthz(struct agent_http *h, struct MHD_Connection *c)
{
        char why[1024], body[1100];
        struct berth_err err;

        if (docker_system_ping(h->engine, &err) == 0)
                return reply(c, MHD_HTTP_OK, "text/plain; charset=utf-8", "ok\n", NULL);
        snprintf(body, sizeof(body), "engine unreachable: %s\n",
                 berth_err_format(&err, why, sizeof(why)));
        return reply(c, MHD_HTTP_SERVICE_UNAVAILABLE, "text/plain; charset=utf-8", body, NULL);
}

/* ---- closing --------------------------------------------------------------
 *
 * An answer queued from the head (404, 405, 401, 413) leaves the client's
 * body unread, and libmicrohttpd closes the connection after it.  Closing a
 * socket with unread data in it sends a reset, and a reset can reach the
 * client before it has read the answer: it sees "connection reset" instead
 * of the 413.  So such a connection lingers, as HTTP servers do: it stops
 * writing, then reads and throws away what still comes, until the client
 * closes or LINGER_MS pass.  The thread is the connection's own. */

/* The request announces a body (Content-Length above 0, or chunked). */
static bool body_announced(struct MHD_Connection *c)
{
        const char *len =
            MHD_lookup_connection_value(c, MHD_HEADER_KIND, MHD_HTTP_HEADER_CONTENT_LENGTH);

        if (MHD_lookup_connection_value(c, MHD_HEADER_KIND, MHD_HTTP_HEADER_TRANSFER_ENCODING))
                return true;
        return len && strspn(len, "0") != strlen(len);
}

/* The connection's own state, or NULL (none could be made). */
static struct conn *conn_of(struct MHD_Connection *c)
{
        const union MHD_ConnectionInfo *i =
            MHD_get_connection_info(c, MHD_CONNECTION_INFO_SOCKET_CONTEXT);

        return i ? i->socket_context : NULL;
}

/* Stop writing, then read fd dry until EOF, an error or LINGER_MS. */
static void linger(int fd)
{
        long end = berth_mono_ms() + LINGER_MS, left;
        char sink[16384];

        shutdown(fd, SHUT_WR);
        while ((left = end - berth_mono_ms()) > 0) {
                struct pollfd p = {.fd = fd, .events = POLLIN};
                ssize_t n;

                if (poll(&p, 1, (int)left) <= 0)
                        return;
                n = recv(fd, sink, sizeof(sink), MSG_DONTWAIT);
                if (n == 0 || (n < 0 && errno != EAGAIN && errno != EINTR))
                        return;
        }
}

/* The connection's state is made with it and goes with it. */
static void on_connection(void *cls, struct MHD_Connection *c, void **socket_ctx,
                          enum MHD_ConnectionNotificationCode toe)
{
        (void)cls;
        (void)c;
        if (toe == MHD_CONNECTION_NOTIFY_STARTED) {
                *socket_ctx = calloc(1, sizeof(struct conn)); /* NULL: no lingering */
                return;
        }
        free(*socket_ctx);
        *socket_ctx = NULL;
}

/* A request is over (its answer sent): linger if it was answered early.
 * This runs on the connection's own thread, before libmicrohttpd closes. */
static void linger_if_marked(struct MHD_Connection *c)
{
        struct conn *k = conn_of(c);
        const union MHD_ConnectionInfo *i;

        if (!k || !k->linger)
                return;
        k->linger = false;
        i = MHD_get_connection_info(c, MHD_CONNECTION_INFO_CONNECTION_FD);
        if (i)
                linger(i->connect_fd);
}

/* A request is over: free its state, linger if it was answered early. */
static void request_done(void *cls, struct MHD_Connection *c, void **ctx,
                         enum MHD_RequestTerminationCode toe)
{
        struct hook_req *r = *ctx;

        (void)cls;
        (void)toe;
        linger_if_marked(c);
        if (r) {
                berth_buf_release(&r->body);
                free(r);
                *ctx = NULL;
        }
}

/* ---- routing ------------------------------------------------------------- */

enum route { ROUTE_HOOK, ROUTE_HEALTHZ, ROUTE_STATUS, ROUTE_METRICS };

static const struct {
        const char *path;
        enum route route;
        bool post; /* POST only; otherwise GET and HEAD */
} routes[] = {
    {"/hooks/git", ROUTE_HOOK, true},
    {"/healthz", ROUTE_HEALTHZ, false},
    {"/status", ROUTE_STATUS, false},
    {"/metrics", ROUTE_METRICS, false},
};

static enum MHD_Result route(struct agent_http *h, struct MHD_Connection *c, const char *url,
                             const char *method, const char *data, size_t *size, void **ctx)
{
        bool post = !strcmp(method, MHD_HTTP_METHOD_POST);
        bool get = !strcmp(method, MHD_HTTP_METHOD_GET) || !strcmp(method, MHD_HTTP_METHOD_HEAD);
        size_t i;

        for (i = 0; i < sizeof(routes) / sizeof(routes[0]); i++)
                if (!strcmp(url, routes[i].path))
                        break;
        if (i == sizeof(routes) / sizeof(routes[0]))
                return reply(c, MHD_HTTP_NOT_FOUND, "text/plain; charset=utf-8", "not found\n",
                             NULL);
        if (routes[i].post ? !post : !get)
                return reply(c, MHD_HTTP_METHOD_NOT_ALLOWED, "text/plain; charset=utf-8",
                             "method not allowed\n", routes[i].post ? "POST" : "GET, HEAD");
        switch (routes[i].route) {
        case ROUTE_HOOK:
                return serve_hook(h, c, data, size, ctx);
        case ROUTE_HEALTHZ:
                return serve_healthz(h, c);
        case ROUTE_STATUS:
                return reply_doc(c, "application/json", agent_status_json(h->state));
        case ROUTE_METRICS:
                return reply_doc(c, "text/plain; version=0.0.4; charset=utf-8",
                                 agent_metrics_text(h->state));
        }
        return MHD_NO;
}

static enum MHD_Result serve(void *cls, struct MHD_Connection *c, const char *url,
                             const char *method, const char *version, const char *data,
                             size_t *size, void **ctx)
{
        bool head = !*ctx; /* the first call: the head alone, no body yet */
        enum MHD_Result r;
        struct conn *k;

        (void)version;
        r = route(cls, c, url, method, data, size, ctx);
        if (head && !*ctx && body_announced(c)) { /* answered without reading the body */
                k = conn_of(c);
                if (k)
                        k->linger = true;
        }
        return r;
}

/* libmicrohttpd's messages go nowhere: core code does not print. */
static void quiet(void *cls, const char *fmt, va_list ap)
{
        (void)cls;
        (void)fmt;
        (void)ap;
}

/* ---- life ---------------------------------------------------------------- */

int agent_http_start(struct agent_http **out, const struct agent_http_options *o,
                     struct berth_err *err)
{
        const char *listen = o->listen ? o->listen : "";
        struct agent_http *h = NULL;
        int fd = -1, r;

        *out = NULL;
        if (o->secret && o->secret_len > SECRET_MAX)
                return berth_err_set(err, BERTH_EINVALID,
                                     "the webhook secret is over %d bytes (a few dozen random "
                                     "characters are plenty)",
                                     SECRET_MAX);
        if (o->secret && !o->secret_len)
                return berth_err_set(err, BERTH_EINVALID,
                                     "the webhook secret is empty (give a non-empty secret, or "
                                     "none to accept unsigned webhooks)");
        h = calloc(1, sizeof(*h));
        if (!h)
                return berth_err_set(err, BERTH_ENOMEM,
                                     "cannot start the HTTP server: out of memory");
        pthread_mutex_init(&h->hook_mu, NULL);
        h->state = o->state;
        h->max_body = o->max_body ? o->max_body : AGENT_HTTP_MAX_BODY;
        h->on_hook = o->on_hook;
        h->userdata = o->userdata;
        if (o->secret) {
                h->secret = malloc(o->secret_len);
                if (!h->secret) {
                        r = berth_err_set(err, BERTH_ENOMEM,
                                          "cannot start the HTTP server: out of memory");
                        goto out;
                }
                memcpy(h->secret, o->secret, o->secret_len);
                h->secret_len = o->secret_len;
        }
        r = docker_client_from_env(&h->engine, o->engine_host, err);
        if (r < 0)
                goto out;
        docker_client_set_timeout(h->engine, PING_TIMEOUT_MS);
        r = listen_open(&fd, &h->port, listen, err);
        if (r < 0)
                goto out;
        /* From here the socket is libmicrohttpd's: it closes it when stopped
         * (should starting fail, it may stay open: better than closing a
         * descriptor twice). */
        h->daemon = MHD_start_daemon(
            MHD_USE_INTERNAL_POLLING_THREAD | MHD_USE_THREAD_PER_CONNECTION | MHD_USE_POLL |
                MHD_USE_ERROR_LOG,
            0, NULL, NULL, serve, h, MHD_OPTION_EXTERNAL_LOGGER, quiet, NULL,
            MHD_OPTION_LISTEN_SOCKET, fd, MHD_OPTION_CONNECTION_TIMEOUT,
            (unsigned)AGENT_HTTP_TIMEOUT_S, MHD_OPTION_CONNECTION_LIMIT,
            (unsigned)AGENT_HTTP_MAX_CONNECTIONS, MHD_OPTION_NOTIFY_COMPLETED, request_done, h,
            MHD_OPTION_NOTIFY_CONNECTION, on_connection, h, MHD_OPTION_END);
        if (!h->daemon) {
                r = berth_err_set(err, BERTH_ERROR,
                                  "cannot start the HTTP server on '%s' (out of memory or "
                                  "threads)",
                                  listen);
                goto out;
        }
out:
        if (r < 0) {
                agent_http_stop(h);
                return r;
        }
        *out = h;
        return 0;
}

int agent_http_port(const struct agent_http *h)
{
        return h->port;
}

void agent_http_stop(struct agent_http *h)
{
        if (!h)
                return;
        if (h->daemon)
                MHD_stop_daemon(h->daemon);
        docker_client_free(h->engine);
        if (h->secret)
                OPENSSL_cleanse(h->secret, h->secret_len);
        free(h->secret);
        pthread_mutex_destroy(&h->hook_mu);
        free(h);
}
