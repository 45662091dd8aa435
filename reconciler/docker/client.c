#include "docker/client.h"

#include <ctype.h>
#include <errno.h>
#include <limits.h>
#include <poll.h>
#include <pthread.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>

#include <curl/curl.h>

#include "common/buf.h"

#define STREAM_LINE_MAX (1UL << 20)
#define CONNECT_TIMEOUT_MS 10000L
#define CANCEL_POLL_MS 200L /* how often a wait looks at its cancel flag */

struct docker_client {
        struct docker_host host;
        char base_url[300]; /* "http://localhost" or "https://host:port" */
        char describe[300];
        long timeout_ms;
        atomic_int *cancel_reads; /* docker_client_cancel_reads() */
        CURLSH *share;
        pthread_mutex_t share_locks[CURL_LOCK_DATA_LAST];
        pthread_mutex_t version_lock;
        char api_version[16]; /* written once, under version_lock, before negotiated */
        atomic_int negotiated;
        atomic_ulong calls;
        atomic_ulong mutating;
};

static pthread_once_t curl_once = PTHREAD_ONCE_INIT;
static CURLcode curl_init_rc;

static void curl_init(void)
{
        curl_init_rc = curl_global_init(CURL_GLOBAL_DEFAULT);
}

/* ---- DOCKER_HOST ---------------------------------------------------- */

static int host_unix(struct docker_host *out, const char *var, const char *path, const char *value,
                     struct berth_err *err)
{
        if (!path[0])
                return berth_err_set(err, BERTH_EINVALID,
                                     "%s '%s' names no socket path (expected unix:///path)", var,
                                     value);
        if (path[0] != '/')
                return berth_err_set(err, BERTH_EINVALID,
                                     "%s '%s': the socket path must be absolute "
                                     "(unix:///var/run/docker.sock)",
                                     var, value);
        if (strlen(path) >= sizeof(out->path))
                return berth_err_set(err, BERTH_EINVALID,
                                     "%s '%s': socket path longer than %zu bytes", var, value,
                                     sizeof(out->path) - 1);
        out->kind = DOCKER_HOST_UNIX;
        snprintf(out->path, sizeof(out->path), "%s", path);
        return 0;
}

static int host_tcp(struct docker_host *out, const char *var, const char *rest, const char *value,
                    struct berth_err *err)
{
        const char *host_end, *port_str = NULL;
        size_t host_len;
        char *end;
        long port;

        if (rest[0] == '[') {
                host_end = strchr(rest, ']');
                if (!host_end)
                        return berth_err_set(err, BERTH_EINVALID,
                                             "%s '%s': unterminated '[' in IPv6 address", var,
                                             value);
                host_len = (size_t)(host_end - rest - 1);
                rest++;
                if (host_end[1] == ':')
                        port_str = host_end + 2;
                else if (host_end[1] && strcmp(host_end + 1, "/"))
                        return berth_err_set(err, BERTH_EINVALID,
                                             "%s '%s': unexpected text after ']'", var, value);
        } else {
                host_end = strchr(rest, ':');
                if (host_end) {
                        port_str = host_end + 1;
                        host_len = (size_t)(host_end - rest);
                } else {
                        host_len = strcspn(rest, "/");
                        if (rest[host_len] && strcmp(rest + host_len, "/"))
                                return berth_err_set(err, BERTH_EINVALID,
                                                     "%s '%s': a path after the address "
                                                     "is not supported",
                                                     var, value);
                }
        }
        if (host_len == 0)
                return berth_err_set(err, BERTH_EINVALID,
                                     "%s '%s' names no host (expected tcp://HOST:PORT)", var,
                                     value);
        if (host_len >= sizeof(out->address))
                return berth_err_set(err, BERTH_EINVALID, "%s '%s': host name too long", var,
                                     value);
        memcpy(out->address, rest, host_len);
        out->address[host_len] = '\0';
        out->kind = DOCKER_HOST_TCP;
        out->port = 0;
        if (port_str && *port_str && strcmp(port_str, "/")) {
                errno = 0;
                port = strtol(port_str, &end, 10);
                if (errno || end == port_str || (*end && strcmp(end, "/")) || port < 1 ||
                    port > 65535)
                        return berth_err_set(err, BERTH_EINVALID,
                                             "%s '%s': '%s' is not a port number (1-65535)", var,
                                             value, port_str);
                out->port = (int)port;
        }
        return 0;
}

static int host_parse(struct docker_host *out, const char *var, const char *docker_host,
                      const char *tls_verify, const char *cert_path, struct berth_err *err)
{
        const char *v = docker_host && *docker_host ? docker_host : NULL;
        const char *home;
        int r;

        memset(out, 0, sizeof(*out));
        if (!v) {
                r = host_unix(out, var, DOCKER_DEFAULT_SOCKET, DOCKER_DEFAULT_SOCKET, err);
        } else if (!strncmp(v, "unix://", 7)) {
                r = host_unix(out, var, v + 7, v, err);
        } else if (!strncmp(v, "tcp://", 6)) {
                r = host_tcp(out, var, v + 6, v, err);
        } else if (!strncmp(v, "ssh://", 6) || !strncmp(v, "npipe://", 8) ||
                   !strncmp(v, "fd://", 5)) {
                r = berth_err_set(err, BERTH_EINVALID,
                                  "%s '%s': berth supports unix:// and tcp:// "
                                  "engines only",
                                  var, v);
        } else if (strstr(v, "://")) {
                r = berth_err_set(err, BERTH_EINVALID,
                                  "%s '%s': unknown scheme (expected unix:// or tcp://)", var, v);
        } else if (v[0] == '/') {
                r = berth_err_set(err, BERTH_EINVALID, "%s '%s': write unix://%s for a socket path",
                                  var, v, v);
        } else {
                r = berth_err_set(err, BERTH_EINVALID,
                                  "%s '%s': expected unix:///path or tcp://host:port", var, v);
        }
        if (r < 0)
                return r;
        if (out->kind == DOCKER_HOST_TCP) {
                out->tls_verify = tls_verify && *tls_verify;
                out->tls = out->tls_verify;
                if (!out->port)
                        out->port = out->tls ? 2376 : 2375;
        }
        if (cert_path && *cert_path) {
                snprintf(out->cert_dir, sizeof(out->cert_dir), "%s", cert_path);
        } else {
                home = getenv("HOME");
                snprintf(out->cert_dir, sizeof(out->cert_dir), "%s/.docker",
                         home && *home ? home : "/root");
        }
        return 0;
}

int docker_host_parse(struct docker_host *out, const char *docker_host, const char *tls_verify,
                      const char *cert_path, struct berth_err *err)
{
        return host_parse(out, "DOCKER_HOST", docker_host, tls_verify, cert_path, err);
}

const char *docker_host_describe(const struct docker_host *h, char *buf, size_t size)
{
        if (h->kind == DOCKER_HOST_UNIX)
                snprintf(buf, size, "unix://%s", h->path);
        else if (strchr(h->address, ':'))
                snprintf(buf, size, "tcp://[%s]:%d", h->address, h->port);
        else
                snprintf(buf, size, "tcp://%s:%d", h->address, h->port);
        return buf;
}

/* ---- client --------------------------------------------------------- */

static void share_lock(CURL *h, curl_lock_data data, curl_lock_access access, void *ud)
{
        struct docker_client *c = ud;

        (void)h;
        (void)access;
        pthread_mutex_lock(&c->share_locks[data]);
}

static void share_unlock(CURL *h, curl_lock_data data, void *ud)
{
        struct docker_client *c = ud;

        (void)h;
        pthread_mutex_unlock(&c->share_locks[data]);
}

int docker_client_new(struct docker_client **out, const struct docker_host *host,
                      struct berth_err *err)
{
        struct docker_client *c;
        int i;

        *out = NULL;
        pthread_once(&curl_once, curl_init);
        if (curl_init_rc != CURLE_OK)
                return berth_err_set(err, BERTH_ERROR, "cannot initialise libcurl: %s",
                                     curl_easy_strerror(curl_init_rc));
        c = calloc(1, sizeof(*c));
        if (!c)
                return berth_err_set(err, BERTH_ENOMEM, "out of memory");
        c->host = *host;
        c->timeout_ms = DOCKER_DEFAULT_TIMEOUT_MS;
        for (i = 0; i < CURL_LOCK_DATA_LAST; i++)
                pthread_mutex_init(&c->share_locks[i], NULL);
        pthread_mutex_init(&c->version_lock, NULL);
        atomic_init(&c->calls, 0);
        atomic_init(&c->mutating, 0);
        atomic_init(&c->negotiated, 0);
        docker_host_describe(host, c->describe, sizeof(c->describe));
        if (host->kind == DOCKER_HOST_UNIX)
                snprintf(c->base_url, sizeof(c->base_url), "http://localhost");
        else if (strchr(host->address, ':'))
                snprintf(c->base_url, sizeof(c->base_url), "%s://[%s]:%d",
                         host->tls ? "https" : "http", host->address, host->port);
        else
                snprintf(c->base_url, sizeof(c->base_url), "%s://%s:%d",
                         host->tls ? "https" : "http", host->address, host->port);
        c->share = curl_share_init();
        if (!c->share) {
                docker_client_free(c);
                return berth_err_set(err, BERTH_ENOMEM, "out of memory");
        }
        curl_share_setopt(c->share, CURLSHOPT_LOCKFUNC, share_lock);
        curl_share_setopt(c->share, CURLSHOPT_UNLOCKFUNC, share_unlock);
        curl_share_setopt(c->share, CURLSHOPT_USERDATA, c);
        curl_share_setopt(c->share, CURLSHOPT_SHARE, CURL_LOCK_DATA_CONNECT);
        curl_share_setopt(c->share, CURLSHOPT_SHARE, CURL_LOCK_DATA_DNS);
        curl_share_setopt(c->share, CURLSHOPT_SHARE, CURL_LOCK_DATA_SSL_SESSION);
        *out = c;
        return 0;
}

int docker_client_from_env(struct docker_client **out, const char *host_override,
                           struct berth_err *err)
{
        struct docker_host host;
        int r;

        *out = NULL;
        r = host_parse(&host, host_override ? "-H" : "DOCKER_HOST",
                       host_override ? host_override : getenv("DOCKER_HOST"),
                       getenv("DOCKER_TLS_VERIFY"), getenv("DOCKER_CERT_PATH"), err);
        if (r < 0)
                return r;
        return docker_client_new(out, &host, err);
}

void docker_client_free(struct docker_client *c)
{
        int i;

        if (!c)
                return;
        if (c->share)
                curl_share_cleanup(c->share);
        for (i = 0; i < CURL_LOCK_DATA_LAST; i++)
                pthread_mutex_destroy(&c->share_locks[i]);
        pthread_mutex_destroy(&c->version_lock);
        free(c);
}

void docker_client_set_timeout(struct docker_client *c, long timeout_ms)
{
        c->timeout_ms = timeout_ms;
}

void docker_client_cancel_reads(struct docker_client *c, atomic_int *flag)
{
        c->cancel_reads = flag;
}

const char *docker_client_api_version(const struct docker_client *c)
{
        return atomic_load(&c->negotiated) ? c->api_version : NULL;
}

const struct docker_host *docker_client_host(const struct docker_client *c)
{
        return &c->host;
}

void docker_client_stats(const struct docker_client *c, struct docker_call_stats *out)
{
        out->total = atomic_load(&c->calls);
        out->mutating = atomic_load(&c->mutating);
}

/* ---- one HTTP exchange ---------------------------------------------- */

struct xfer {
        const struct docker_request *req;
        atomic_int *cancel; /* req->cancel, or the client's for a read */
        CURL *easy;
        struct berth_buf body;
        int stopped; /* on_data asked to stop */
        int too_big;
        char api_version[16]; /* from the Api-Version header */
};

static size_t xfer_write(char *data, size_t size, size_t nmemb, void *ud)
{
        struct xfer *x = ud;
        size_t n = size * nmemb;
        long status = 0;

        if (x->cancel && atomic_load(x->cancel))
                return 0;
        /* An error answer to a streamed call is an error body, not part of
         * the stream: collect it for the message like any other. */
        if (x->req->on_data) {
                curl_easy_getinfo(x->easy, CURLINFO_RESPONSE_CODE, &status);
                if (status < 400) {
                        if (x->req->on_data(data, n, x->req->userdata)) {
                                x->stopped = 1;
                                return 0;
                        }
                        return n;
                }
        }
        if (berth_buf_add(&x->body, data, n) < 0) {
                x->too_big = 1;
                return 0;
        }
        return n;
}

static size_t xfer_read(char *buf, size_t size, size_t nmemb, void *ud)
{
        struct xfer *x = ud;
        long n = x->req->upload(buf, size * nmemb, x->req->upload_data);

        return n < 0 ? CURL_READFUNC_ABORT : (size_t)n;
}

static size_t xfer_header(char *data, size_t size, size_t nmemb, void *ud)
{
        struct xfer *x = ud;
        size_t n = size * nmemb, k = sizeof("api-version:") - 1, len;

        if (n > k && !strncasecmp(data, "api-version:", k)) {
                data += k;
                len = n - k;
                while (len && (*data == ' ' || *data == '\t'))
                        data++, len--;
                while (len &&
                       (data[len - 1] == '\r' || data[len - 1] == '\n' || data[len - 1] == ' '))
                        len--;
                if (len < sizeof(x->api_version)) {
                        memcpy(x->api_version, data, len);
                        x->api_version[len] = '\0';
                }
        }
        return n;
}

static int xfer_progress(void *ud, curl_off_t dt, curl_off_t dn, curl_off_t ut, curl_off_t un)
{
        struct xfer *x = ud;

        (void)dt, (void)dn, (void)ut, (void)un;
        return x->cancel && atomic_load(x->cancel);
}

/* "cannot <op> '<object>'" or the bare op, for the start of messages. */
static const char *subject(const struct docker_request *req, char *buf, size_t size)
{
        if (req->op && req->object)
                snprintf(buf, size, "cannot %s '%s'", req->op, req->object);
        else if (req->op)
                snprintf(buf, size, "cannot %s", req->op);
        else
                snprintf(buf, size, "%s %s failed", req->method, req->path);
        return buf;
}

static int transport_error(struct docker_client *c, const struct docker_request *req, CURLcode rc,
                           long os_errno, const char *detail, struct berth_err *err)
{
        char what[700], subj[400], sys[128] = "";
        int code;

        if (os_errno) {
                snprintf(sys, sizeof(sys), "%s", strerror((int)os_errno));
                sys[0] = (char)tolower((unsigned char)sys[0]);
        }
        switch (rc) {
        case CURLE_COULDNT_CONNECT:
        case CURLE_COULDNT_RESOLVE_HOST:
                if (os_errno == EACCES || os_errno == EPERM) {
                        code = BERTH_EPERM;
                        snprintf(what, sizeof(what),
                                 "permission denied on the Docker engine socket %s (run berth as "
                                 "root or as a member of the 'docker' group)",
                                 c->describe);
                } else if (c->host.kind == DOCKER_HOST_UNIX &&
                           (os_errno == ENOENT || os_errno == ECONNREFUSED)) {
                        code = BERTH_ECONNECT;
                        snprintf(what, sizeof(what),
                                 "the Docker engine is not running: %s at %s (start dockerd, or "
                                 "point DOCKER_HOST or -H at the engine)",
                                 os_errno == ENOENT ? "no socket" : "connection refused",
                                 c->describe);
                } else {
                        code = BERTH_ECONNECT;
                        snprintf(what, sizeof(what),
                                 "cannot connect to the Docker engine at %s: %s (is dockerd "
                                 "running? check DOCKER_HOST or -H)",
                                 c->describe, sys[0] ? sys : detail);
                }
                break;
        case CURLE_OPERATION_TIMEDOUT:
                code = BERTH_ETIMEOUT;
                if (req->idle_timeout_ms > 0 && strstr(detail, "too slow"))
                        snprintf(what, sizeof(what),
                                 "the Docker engine at %s sent nothing for %ld s", c->describe,
                                 (req->idle_timeout_ms + 999) / 1000);
                else
                        snprintf(what, sizeof(what),
                                 "the Docker engine at %s did not answer in time (%s)", c->describe,
                                 detail);
                break;
        case CURLE_SSL_CONNECT_ERROR:
        case CURLE_PEER_FAILED_VERIFICATION:
        case CURLE_SSL_CERTPROBLEM:
        case CURLE_SSL_CIPHER:
        case CURLE_SSL_CACERT_BADFILE:
        case CURLE_SSL_ISSUER_ERROR:
        case CURLE_SSL_CRL_BADFILE:
        case CURLE_SSL_ENGINE_NOTFOUND:
        case CURLE_SSL_ENGINE_SETFAILED:
        case CURLE_SSL_INVALIDCERTSTATUS:
        case CURLE_SSL_PINNEDPUBKEYNOTMATCH:
                code = BERTH_ETLS;
                snprintf(what, sizeof(what),
                         "TLS failure talking to the Docker engine at %s: %s (check the "
                         "certificates in %s and DOCKER_TLS_VERIFY)",
                         c->describe, detail, c->host.cert_dir);
                break;
        case CURLE_GOT_NOTHING:
        case CURLE_RECV_ERROR:
        case CURLE_SEND_ERROR:
                /* Closed on first contact.  Over TLS 1.3 an engine that
                 * refuses the client certificate does so after the client
                 * has finished its handshake: the client sees an alert on
                 * the first read, or a reset when the alert is lost. */
                if (c->host.tls && !atomic_load(&c->negotiated)) {
                        code = BERTH_ETLS;
                        snprintf(what, sizeof(what),
                                 "the Docker engine at %s closed the TLS connection: %s (it may "
                                 "not accept the client certificate: check cert.pem and key.pem "
                                 "in %s)",
                                 c->describe, strstr(detail, "alert") || !sys[0] ? detail : sys,
                                 c->host.cert_dir);
                        break;
                }
                if (c->host.kind == DOCKER_HOST_TCP && !atomic_load(&c->negotiated)) {
                        code = BERTH_EPROTO;
                        snprintf(what, sizeof(what),
                                 "the Docker engine at %s closed the connection: %s (if it "
                                 "expects TLS, set DOCKER_TLS_VERIFY=1 and DOCKER_CERT_PATH)",
                                 c->describe, sys[0] ? sys : detail);
                        break;
                }
                /* fall through */
        case CURLE_PARTIAL_FILE:
                code = BERTH_EPROTO;
                snprintf(what, sizeof(what), "the Docker engine at %s closed the connection: %s",
                         c->describe, detail);
                break;
        default:
                code = BERTH_ERROR;
                snprintf(what, sizeof(what), "talking to the Docker engine at %s: %s", c->describe,
                         detail);
                break;
        }
        if (req->op)
                return berth_err_set(err, code, "%s: %s", subject(req, subj, sizeof(subj)), what);
        return berth_err_set(err, code, "%s", what);
}

int docker_status_to_code(long status)
{
        if (status < 400)
                return 0;
        switch (status) {
        case 400:
                return BERTH_EINVALID;
        case 401:
                return BERTH_EAUTH;
        case 403:
                return BERTH_EFORBIDDEN;
        case 404:
                return BERTH_ENOTFOUND;
        case 409:
                return BERTH_ECONFLICT;
        default:
                return status >= 500 ? BERTH_ESERVER : BERTH_ERROR;
        }
}

/* The engine's message from an error body: {"message": "..."}, else the
 * body itself (trimmed), else the status line. */
static void engine_message(char *out, size_t size, const char *body, size_t len, long status)
{
        json_t *j, *m;
        size_t n;

        if (body && len) {
                j = json_loadb(body, len, 0, NULL);
                m = j ? json_object_get(j, "message") : NULL;
                if (json_is_string(m)) {
                        snprintf(out, size, "%s", json_string_value(m));
                        json_decref(j);
                        return;
                }
                json_decref(j);
                n = len;
                while (n && (body[n - 1] == '\n' || body[n - 1] == '\r' || body[n - 1] == ' '))
                        n--;
                if (n) {
                        snprintf(out, size, "%.*s", (int)(n < size ? n : size - 1), body);
                        return;
                }
        }
        snprintf(out, size, "HTTP status %ld", status);
}

static int status_error(const struct docker_request *req, long status, const char *body, size_t len,
                        struct berth_err *err)
{
        char subj[400], msg[sizeof(err->engine_msg)];
        int code = docker_status_to_code(status);

        engine_message(msg, sizeof(msg), body, len, status);
        subject(req, subj, sizeof(subj));
        berth_err_set(err, code, "%s: %s", subj, msg);
        if (err) {
                err->http_status = (int)status;
                snprintf(err->engine_msg, sizeof(err->engine_msg), "%s", msg);
        }
        return code;
}

static int is_mutating(const char *method)
{
        return strcmp(method, "GET") && strcmp(method, "HEAD");
}

/* Where and how to connect: the unix socket, or TCP with TLS files. */
static void easy_transport(struct docker_client *c, CURL *e)
{
        char path[sizeof(c->host.cert_dir) + 16];

        curl_easy_setopt(e, CURLOPT_CONNECTTIMEOUT_MS, CONNECT_TIMEOUT_MS);
        if (c->host.kind == DOCKER_HOST_UNIX) {
                curl_easy_setopt(e, CURLOPT_UNIX_SOCKET_PATH, c->host.path);
        } else if (c->host.tls) {
                snprintf(path, sizeof(path), "%s/ca.pem", c->host.cert_dir);
                curl_easy_setopt(e, CURLOPT_CAINFO, path);
                snprintf(path, sizeof(path), "%s/cert.pem", c->host.cert_dir);
                curl_easy_setopt(e, CURLOPT_SSLCERT, path);
                snprintf(path, sizeof(path), "%s/key.pem", c->host.cert_dir);
                curl_easy_setopt(e, CURLOPT_SSLKEY, path);
                curl_easy_setopt(e, CURLOPT_SSL_VERIFYPEER, c->host.tls_verify ? 1L : 0L);
                curl_easy_setopt(e, CURLOPT_SSL_VERIFYHOST, c->host.tls_verify ? 2L : 0L);
        }
}

/* One request at a given version prefix ("" for unversioned /_ping). */
static int perform(struct docker_client *c, const struct docker_request *req, const char *version,
                   struct docker_response *resp, char *api_out, size_t api_size,
                   struct berth_err *err)
{
        struct curl_slist *headers = NULL;
        char errbuf[CURL_ERROR_SIZE] = "", url[4096], hdr[300];
        char *json_body = NULL;
        const char *const *h;
        struct xfer x = {.req = req};
        CURLcode rc;
        long status = 0, os_errno = 0, timeout;
        CURL *e = NULL;
        int r = 0;

        berth_buf_init(&x.body, req->max_body ? req->max_body : DOCKER_DEFAULT_MAX_BODY);
        if (resp)
                memset(resp, 0, sizeof(*resp));
        if (snprintf(url, sizeof(url), "%s%s%s%s", c->base_url, version[0] ? "/v" : "", version,
                     req->path) >= (int)sizeof(url)) {
                r = berth_err_set(err, BERTH_EINVALID, "request path too long: %.80s...",
                                  req->path);
                goto out;
        }
        e = curl_easy_init();
        if (!e) {
                r = berth_err_set(err, BERTH_ENOMEM, "out of memory");
                goto out;
        }
        x.easy = e;
        curl_easy_setopt(e, CURLOPT_URL, url);
        curl_easy_setopt(e, CURLOPT_SHARE, c->share);
        curl_easy_setopt(e, CURLOPT_NOSIGNAL, 1L);
        curl_easy_setopt(e, CURLOPT_ERRORBUFFER, errbuf);
        timeout = req->timeout_ms ? req->timeout_ms : c->timeout_ms;
        if (timeout > 0)
                curl_easy_setopt(e, CURLOPT_TIMEOUT_MS, timeout);
        if (req->idle_timeout_ms > 0) { /* under 1 byte/s for that long: nothing came */
                curl_easy_setopt(e, CURLOPT_LOW_SPEED_LIMIT, 1L);
                curl_easy_setopt(e, CURLOPT_LOW_SPEED_TIME, (req->idle_timeout_ms + 999) / 1000);
        }
        easy_transport(c, e);
        curl_easy_setopt(e, CURLOPT_CUSTOMREQUEST, req->method);
        if (!strcmp(req->method, "HEAD"))
                curl_easy_setopt(e, CURLOPT_NOBODY, 1L);
        if (req->json) {
                json_body = json_dumps(req->json, JSON_COMPACT);
                if (!json_body) {
                        r = berth_err_set(err, BERTH_ENOMEM, "out of memory");
                        goto out;
                }
                curl_easy_setopt(e, CURLOPT_POSTFIELDS, json_body);
                curl_easy_setopt(e, CURLOPT_POSTFIELDSIZE_LARGE, (curl_off_t)strlen(json_body));
                headers = curl_slist_append(headers, "Content-Type: application/json");
        } else if (req->upload) {
                curl_easy_setopt(e, CURLOPT_UPLOAD, 1L);
                curl_easy_setopt(e, CURLOPT_READFUNCTION, xfer_read);
                curl_easy_setopt(e, CURLOPT_READDATA, &x);
                snprintf(hdr, sizeof(hdr), "Content-Type: %s",
                         req->content_type ? req->content_type : "application/octet-stream");
                headers = curl_slist_append(headers, hdr);
        } else if (is_mutating(req->method)) {
                curl_easy_setopt(e, CURLOPT_POSTFIELDS, "");
                curl_easy_setopt(e, CURLOPT_POSTFIELDSIZE, 0L);
        }
        headers = curl_slist_append(headers, "Expect:");
        for (h = req->headers; h && *h; h++)
                headers = curl_slist_append(headers, *h);
        curl_easy_setopt(e, CURLOPT_HTTPHEADER, headers);
        curl_easy_setopt(e, CURLOPT_USERAGENT, "berth/" BERTH_VERSION);
        curl_easy_setopt(e, CURLOPT_WRITEFUNCTION, xfer_write);
        curl_easy_setopt(e, CURLOPT_WRITEDATA, &x);
        curl_easy_setopt(e, CURLOPT_HEADERFUNCTION, xfer_header);
        curl_easy_setopt(e, CURLOPT_HEADERDATA, &x);
        x.cancel = req->cancel ? req->cancel : is_mutating(req->method) ? NULL : c->cancel_reads;
        if (x.cancel) {
                curl_easy_setopt(e, CURLOPT_XFERINFOFUNCTION, xfer_progress);
                curl_easy_setopt(e, CURLOPT_XFERINFODATA, &x);
                curl_easy_setopt(e, CURLOPT_NOPROGRESS, 0L);
        }

        atomic_fetch_add(&c->calls, 1);
        if (is_mutating(req->method))
                atomic_fetch_add(&c->mutating, 1);
        rc = curl_easy_perform(e);
        curl_easy_getinfo(e, CURLINFO_RESPONSE_CODE, &status);
        curl_easy_getinfo(e, CURLINFO_OS_ERRNO, &os_errno);

        if (x.stopped || (x.cancel && atomic_load(x.cancel))) {
                char subj[400];

                r = berth_err_set(err, BERTH_ECANCELLED, "%s: cancelled",
                                  subject(req, subj, sizeof(subj)));
                goto out;
        }
        if (x.too_big) {
                char subj[400];

                r = berth_err_set(err, BERTH_ETOOBIG,
                                  "%s: the engine's answer is larger than %zu bytes",
                                  subject(req, subj, sizeof(subj)), x.body.max);
                goto out;
        }
        if (rc != CURLE_OK) {
                r = transport_error(c, req, rc, os_errno,
                                    errbuf[0] ? errbuf : curl_easy_strerror(rc), err);
                goto out;
        }
        if (status >= 400) {
                r = status_error(req, status, x.body.data, x.body.len, err);
                goto out;
        }
        if (api_out)
                snprintf(api_out, api_size, "%s", x.api_version);
        if (resp) {
                resp->status = status;
                if (!req->on_data) {
                        resp->len = x.body.len;
                        resp->body = berth_buf_steal(&x.body);
                }
        }
out:
        curl_slist_free_all(headers);
        if (e)
                curl_easy_cleanup(e);
        free(json_body);
        berth_buf_release(&x.body);
        return r;
}

/* "1.41" < "1.9"? Compare dotted versions numerically. */
static int version_cmp(const char *a, const char *b)
{
        long x, y;
        char *ea, *eb;

        while (*a || *b) {
                x = strtol(a, &ea, 10);
                y = strtol(b, &eb, 10);
                if (x != y)
                        return x < y ? -1 : 1;
                a = *ea == '.' ? ea + 1 : ea;
                b = *eb == '.' ? eb + 1 : eb;
                if (ea == a && eb == b)
                        break;
        }
        return 0;
}

int docker_client_negotiate(struct docker_client *c, struct berth_err *err)
{
        struct docker_request req = {.method = "GET", .path = "/_ping"};
        struct docker_response resp;
        char engine[16] = "";
        int r = 0;

        pthread_mutex_lock(&c->version_lock);
        if (atomic_load(&c->negotiated))
                goto out;
        r = perform(c, &req, "", &resp, engine, sizeof(engine), err);
        docker_response_release(&resp);
        if (r < 0)
                goto out;
        if (!engine[0]) {
                /* engines older than 1.25 send no Api-Version: too old anyway */
                r = berth_err_set(err, BERTH_EPROTO,
                                  "the Docker engine at %s did not say its API version; berth "
                                  "needs API %s or newer",
                                  c->describe, DOCKER_API_MIN);
                goto out;
        }
        if (version_cmp(engine, DOCKER_API_MIN) < 0) {
                r = berth_err_set(err, BERTH_EPROTO,
                                  "the Docker engine at %s speaks API %s; berth needs %s or newer "
                                  "(upgrade docker)",
                                  c->describe, engine, DOCKER_API_MIN);
                goto out;
        }
        snprintf(c->api_version, sizeof(c->api_version), "%s",
                 version_cmp(engine, DOCKER_API_MAX) > 0 ? DOCKER_API_MAX : engine);
        atomic_store(&c->negotiated, 1);
out:
        pthread_mutex_unlock(&c->version_lock);
        return r;
}

void docker_client_use_api_version(struct docker_client *c, const char *version)
{
        size_t n = version ? strspn(version, "0123456789.") : 0;

        if (!n || version[n] || n >= sizeof(c->api_version))
                return;
        pthread_mutex_lock(&c->version_lock);
        if (!atomic_load(&c->negotiated)) {
                memcpy(c->api_version, version, n + 1);
                atomic_store(&c->negotiated, 1);
        }
        pthread_mutex_unlock(&c->version_lock);
}

int docker_call(struct docker_client *c, const struct docker_request *req,
                struct docker_response *resp, struct berth_err *err)
{
        int r;

        if (resp)
                memset(resp, 0, sizeof(*resp));
        berth_err_clear(err);
        if (!atomic_load(&c->negotiated))
                r = docker_client_negotiate(c, err);
        else
                r = 0;
        if (r == 0)
                r = perform(c, req, c->api_version, resp, NULL, 0, err);
        if (r < 0)
                berth_err_subject(err, req->op, req->object);
        return r;
}

void docker_response_release(struct docker_response *resp)
{
        if (!resp)
                return;
        free(resp->body);
        resp->body = NULL;
        resp->len = 0;
}

/* The body decoded whole, or the message docker_call_json() gives. */
static int body_json(const struct docker_request *req, const struct docker_response *resp,
                     json_t **out, struct berth_err *err)
{
        json_error_t jerr;
        char subj[400];

        *out = resp->len ? json_loadb(resp->body, resp->len, 0, &jerr) : NULL;
        if (*out || !resp->len)
                return 0;
        berth_err_subject(err, req->op, req->object);
        return berth_err_set(err, BERTH_EPROTO,
                             "%s: the engine's answer is not valid JSON: %s (line %d column %d)",
                             subject(req, subj, sizeof(subj)), jerr.text, jerr.line, jerr.column);
}

int docker_call_json(struct docker_client *c, const struct docker_request *req, json_t **out,
                     struct berth_err *err)
{
        struct docker_response resp;
        int r;

        *out = NULL;
        r = docker_call(c, req, &resp, err);
        if (r == 0)
                r = body_json(req, &resp, out, err);
        docker_response_release(&resp);
        return r;
}

static size_t json_space(const char *p, size_t i, size_t n)
{
        while (i < n && (p[i] == ' ' || p[i] == '\t' || p[i] == '\n' || p[i] == '\r'))
                i++;
        return i;
}

int docker_json_array_walk(const char *p, size_t n, docker_json_each_fn fn, void *userdata)
{
        json_error_t jerr;
        size_t i = json_space(p, 0, n), k = 0;
        json_t *obj;
        int r;

        if (i == n || p[i] != '[')
                return 1;
        i = json_space(p, i + 1, n);
        if (i < n && p[i] == ']')
                return json_space(p, i + 1, n) == n ? 0 : 1;
        for (;;) {
                if (i == n || p[i] != '{')
                        return 1;
                /* Stops after the object's closing brace: jerr.position
                 * says where, also on success. */
                obj = json_loadb(p + i, n - i, JSON_DISABLE_EOF_CHECK, &jerr);
                if (!obj || jerr.position <= 0 || (size_t)jerr.position > n - i) {
                        json_decref(obj);
                        return 1;
                }
                r = fn(obj, k++, userdata);
                json_decref(obj);
                if (r < 0)
                        return r;
                i = json_space(p, i + (size_t)jerr.position, n);
                if (i < n && p[i] == ']')
                        return json_space(p, i + 1, n) == n ? 0 : 1;
                if (i == n || p[i] != ',')
                        return 1;
                i = json_space(p, i + 1, n);
        }
}

int docker_call_json_each(struct docker_client *c, const struct docker_request *req,
                          docker_json_each_fn fn, void *userdata, struct berth_err *err)
{
        struct docker_response resp;
        json_t *whole = NULL, *obj;
        char subj[400];
        size_t k;
        int r;

        r = docker_call(c, req, &resp, err);
        if (r < 0)
                goto out;
        r = docker_json_array_walk(resp.body, resp.len, fn, userdata);
        if (r != 1)
                goto out;
        if ((r = body_json(req, &resp, &whole, err)) < 0)
                goto out;
        if (!json_is_array(whole)) {
                berth_err_subject(err, req->op, req->object);
                r = berth_err_set(err, BERTH_EPROTO, "%s: the engine's answer is not a JSON array",
                                  subject(req, subj, sizeof(subj)));
                goto out;
        }
        json_array_foreach(whole, k, obj)
        {
                if ((r = fn(obj, k, userdata)) < 0)
                        break;
        }
out:
        json_decref(whole);
        docker_response_release(&resp);
        return r < 0 ? r : 0;
}

/* ---- JSON streams ---------------------------------------------------- */

struct json_stream {
        const struct docker_request *req;
        docker_json_fn fn;
        void *userdata;
        struct berth_buf line;
        int failed; /* BERTH_EPROTO / ETOOBIG, message in msg */
        char msg[512];
        int stopped;
};

static int stream_line(struct json_stream *s, const char *p, size_t n)
{
        json_error_t jerr;
        json_t *obj;
        int stop;

        while (n && (p[n - 1] == '\r' || p[n - 1] == ' ' || p[n - 1] == '\t'))
                n--;
        while (n && (*p == ' ' || *p == '\t'))
                p++, n--;
        if (!n)
                return 0;
        obj = json_loadb(p, n, 0, &jerr);
        if (!obj) {
                s->failed = BERTH_EPROTO;
                snprintf(s->msg, sizeof(s->msg),
                         "the engine sent a stream line that is not JSON: %s", jerr.text);
                return 1;
        }
        stop = s->fn(obj, s->userdata);
        json_decref(obj);
        if (stop)
                s->stopped = 1;
        return stop;
}

static int stream_data(const char *data, size_t len, void *ud)
{
        struct json_stream *s = ud;
        const char *nl;
        size_t start = 0;

        if (berth_buf_add(&s->line, data, len) < 0) {
                s->failed = BERTH_ETOOBIG;
                snprintf(s->msg, sizeof(s->msg), "the engine sent a stream line over %lu bytes",
                         STREAM_LINE_MAX);
                return 1;
        }
        while ((nl = memchr(s->line.data + start, '\n', s->line.len - start))) {
                size_t n = (size_t)(nl - (s->line.data + start));

                if (stream_line(s, s->line.data + start, n)) {
                        berth_buf_consume(&s->line, s->line.len);
                        return 1;
                }
                start += n + 1;
        }
        berth_buf_consume(&s->line, start);
        return 0;
}

int docker_call_json_stream(struct docker_client *c, const struct docker_request *req,
                            docker_json_fn fn, void *userdata, struct berth_err *err)
{
        struct docker_request r2 = *req;
        struct json_stream s = {.req = req, .fn = fn, .userdata = userdata};
        char subj[400];
        int r;

        berth_buf_init(&s.line, STREAM_LINE_MAX);
        r2.on_data = stream_data;
        r2.userdata = &s;
        r = docker_call(c, &r2, NULL, err);
        if (r == 0 && s.line.len && !s.failed)
                stream_line(&s, s.line.data, s.line.len); /* last line without newline */
        if (s.failed) {
                r = berth_err_set(err, s.failed, "%s: %s", subject(req, subj, sizeof(subj)), s.msg);
        } else if (s.stopped) {
                r = berth_err_set(err, BERTH_ECANCELLED, "%s: stopped by the caller",
                                  subject(req, subj, sizeof(subj)));
        }
        if (r < 0)
                berth_err_subject(err, req->op, req->object);
        berth_buf_release(&s.line);
        return r;
}

/* ---- streams read from the caller's loop ----------------------------- */

enum chunk_state { CH_SIZE, CH_EXT, CH_SIZE_LF, CH_DATA, CH_DATA_CR, CH_DATA_LF, CH_DONE };

struct docker_feed {
        CURL *easy;
        int fd;
        struct docker_request req; /* for messages */
        char path[2048];
        int chunked; /* else the body runs to the close */
        enum chunk_state state;
        unsigned long long left; /* bytes of the current chunk still to come */
        struct json_stream js;
        char head[8192];
        size_t nhead;
};

/* Wait up to ms for fd to be readable (or writable). 1 ready, 0 timeout, -1 error. */
static int fd_wait(int fd, int for_write, long ms)
{
        struct pollfd p = {.fd = fd, .events = for_write ? POLLOUT : POLLIN};
        int r;

        do
                r = poll(&p, 1, (int)ms);
        while (r < 0 && errno == EINTR);
        return r;
}

/* fd_wait(), in slices when there is a cancel flag to look at: -2 once it
 * is set. */
static int fd_wait_cancel(int fd, int for_write, long ms, const atomic_int *cancel)
{
        long slice;
        int r;

        for (;;) {
                if (cancel && atomic_load(cancel))
                        return -2;
                slice = cancel && ms > CANCEL_POLL_MS ? CANCEL_POLL_MS : ms;
                r = fd_wait(fd, for_write, slice);
                if (r != 0 || slice == ms)
                        return r;
                ms -= slice;
        }
}

static int stream_fail(struct docker_feed *s, int code, const char *what, struct berth_err *err)
{
        char subj[400];

        return berth_err_set(err, code, "%s: %s", subject(&s->req, subj, sizeof(subj)), what);
}

/* Feed body bytes through the chunk decoder into the JSON line splitter.
 * Returns 1 when the splitter stopped (failed or fn said stop). */
static int stream_body(struct docker_feed *s, const char *p, size_t n, int *eof)
{
        size_t k;

        if (!s->chunked)
                return stream_data(p, n, &s->js);
        while (n) {
                char ch = *p;

                switch (s->state) {
                case CH_SIZE:
                        if (isxdigit((unsigned char)ch)) {
                                s->left = s->left * 16 +
                                          (unsigned long long)(isdigit((unsigned char)ch)
                                                                   ? ch - '0'
                                                                   : (tolower((unsigned char)ch) -
                                                                      'a' + 10));
                        } else {
                                s->state = ch == '\r' ? CH_SIZE_LF : CH_EXT;
                        }
                        p++, n--;
                        continue;
                case CH_EXT:
                        if (ch == '\r')
                                s->state = CH_SIZE_LF;
                        p++, n--;
                        continue;
                case CH_SIZE_LF:
                        p++, n--;
                        if (s->left == 0) {
                                s->state = CH_DONE;
                                *eof = 1;
                                return 0;
                        }
                        s->state = CH_DATA;
                        continue;
                case CH_DATA:
                        k = n < s->left ? n : (size_t)s->left;
                        if (stream_data(p, k, &s->js))
                                return 1;
                        p += k, n -= k;
                        s->left -= k;
                        if (!s->left)
                                s->state = CH_DATA_CR;
                        continue;
                case CH_DATA_CR:
                        s->state = CH_DATA_LF;
                        p++, n--;
                        continue;
                case CH_DATA_LF:
                        s->state = CH_SIZE;
                        s->left = 0;
                        p++, n--;
                        continue;
                case CH_DONE:
                        *eof = 1;
                        return 0;
                }
        }
        return 0;
}

/* Has the body of an error answer all come, after a head of hlen bytes?
 * length: its Content-Length, ULONG_MAX when none (chunked: the last
 * chunk; else it runs to the close). */
static int error_body_whole(const struct docker_feed *s, size_t hlen, unsigned long length)
{
        const char *body = s->head + hlen;
        size_t n = s->nhead - hlen;

        if (length != ULONG_MAX)
                return n >= length;
        if (!s->chunked)
                return 0;
        return (n >= 3 && !memcmp(body, "0\r\n", 3)) || memmem(body, n, "\r\n0\r\n", 5);
}

/* Read the answer's head (status line and headers); leftover body bytes
 * are kept in head[0..nhead). */
static int stream_head(struct docker_feed *s, struct docker_client *c, struct berth_err *err)
{
        long status = 0, ms = c->timeout_ms > 0 ? c->timeout_ms : DOCKER_DEFAULT_TIMEOUT_MS;
        unsigned long length = ULONG_MAX; /* Content-Length, when given */
        size_t got, hlen;
        char *end, *line;
        CURLcode rc;

        for (;;) {
                if (s->nhead == sizeof(s->head) - 1)
                        return stream_fail(s, BERTH_EPROTO, "the engine's answer head is too long",
                                           err);
                rc = curl_easy_recv(s->easy, s->head + s->nhead, sizeof(s->head) - 1 - s->nhead,
                                    &got);
                if (rc == CURLE_AGAIN) {
                        int w = fd_wait_cancel(s->fd, 0, ms, c->cancel_reads);

                        if (w == -2)
                                return stream_fail(s, BERTH_ECANCELLED, "cancelled", err);
                        if (w <= 0)
                                return stream_fail(s, BERTH_ETIMEOUT,
                                                   "the engine did not answer in time", err);
                        continue;
                }
                if (rc != CURLE_OK || got == 0)
                        return stream_fail(s, BERTH_ECONNECT,
                                           "the engine closed the connection before answering",
                                           err);
                s->nhead += got;
                s->head[s->nhead] = '\0';
                if ((end = strstr(s->head, "\r\n\r\n")))
                        break;
        }
        hlen = (size_t)(end - s->head) + 4;
        if (sscanf(s->head, "HTTP/%*s %ld", &status) != 1)
                return stream_fail(s, BERTH_EPROTO, "the engine's answer is not HTTP", err);
        *end = '\0';
        for (line = strstr(s->head, "\r\n"); line; line = strstr(line + 2, "\r\n")) {
                if (!strncasecmp(line + 2, "transfer-encoding:", 18) &&
                    strstr(line + 20, "chunked"))
                        s->chunked = 1;
                if (!strncasecmp(line + 2, "content-length:", 15))
                        length = strtoul(line + 17, NULL, 10);
        }
        if (status >= 400) {
                /* The error body is short, but need not come with the
                 * head: read on until it is whole (its length, the last
                 * chunk, or the close), for a while at most. */
                const char *body = s->head + hlen;
                size_t blen, i;

                while (s->nhead < sizeof(s->head) - 1 && !error_body_whole(s, hlen, length)) {
                        rc = curl_easy_recv(s->easy, s->head + s->nhead,
                                            sizeof(s->head) - 1 - s->nhead, &got);
                        if (rc == CURLE_AGAIN && fd_wait(s->fd, 0, ms) > 0)
                                continue;
                        if (rc != CURLE_OK || got == 0)
                                break;
                        s->nhead += got;
                }
                blen = s->nhead - hlen;

                if (s->chunked) { /* skip the first chunk-size line */
                        const char *nl = memchr(body, '\n', blen);

                        if (nl) {
                                blen -= (size_t)(nl + 1 - body);
                                body = nl + 1;
                        }
                }
                for (i = 0; i < blen && body[i] != '\r'; i++)
                        ;
                return status_error(&s->req, status, body, i, err);
        }
        memmove(s->head, s->head + hlen, s->nhead - hlen);
        s->nhead -= hlen;
        return 0;
}

int docker_feed_open(struct docker_feed **out, struct docker_client *c, const char *path,
                     const char *op, struct berth_err *err)
{
        struct docker_feed *s;
        char url[2400], request[3000];
        curl_socket_t sock = CURL_SOCKET_BAD;
        size_t len, sent, n;
        CURLcode rc;
        int r;

        *out = NULL;
        berth_err_clear(err);
        if ((r = docker_client_negotiate(c, err)) < 0)
                return r;
        s = calloc(1, sizeof(*s));
        if (!s)
                return berth_err_set(err, BERTH_ENOMEM, "out of memory");
        s->fd = -1;
        snprintf(s->path, sizeof(s->path), "%s", path);
        s->req.method = "GET";
        s->req.path = s->path;
        s->req.op = op;
        berth_buf_init(&s->js.line, STREAM_LINE_MAX);
        s->js.req = &s->req;
        s->easy = curl_easy_init();
        if (!s->easy) {
                r = berth_err_set(err, BERTH_ENOMEM, "out of memory");
                goto fail;
        }
        snprintf(url, sizeof(url), "%s/v%s%s", c->base_url, c->api_version, path);
        curl_easy_setopt(s->easy, CURLOPT_URL, url);
        curl_easy_setopt(s->easy, CURLOPT_NOSIGNAL, 1L);
        curl_easy_setopt(s->easy, CURLOPT_CONNECT_ONLY, 1L);
        easy_transport(c, s->easy);
        atomic_fetch_add(&c->calls, 1);
        rc = curl_easy_perform(s->easy);
        if (rc != CURLE_OK) {
                long os_errno = 0;

                curl_easy_getinfo(s->easy, CURLINFO_OS_ERRNO, &os_errno);
                r = transport_error(c, &s->req, rc, os_errno, curl_easy_strerror(rc), err);
                goto fail;
        }
        curl_easy_getinfo(s->easy, CURLINFO_ACTIVESOCKET, &sock);
        s->fd = (int)sock;
        len = (size_t)snprintf(
            request, sizeof(request),
            "GET /v%s%s HTTP/1.1\r\nHost: docker\r\nUser-Agent: berth/" BERTH_VERSION
            "\r\nAccept: application/json\r\n\r\n",
            c->api_version, path);
        for (sent = 0; sent < len; sent += n) {
                rc = curl_easy_send(s->easy, request + sent, len - sent, &n);
                if (rc == CURLE_AGAIN) {
                        n = 0;
                        if (fd_wait(s->fd, 1, CONNECT_TIMEOUT_MS) <= 0) {
                                r = stream_fail(s, BERTH_ETIMEOUT, "cannot send the request", err);
                                goto fail;
                        }
                } else if (rc != CURLE_OK) {
                        r = stream_fail(s, BERTH_ECONNECT, curl_easy_strerror(rc), err);
                        goto fail;
                }
        }
        if ((r = stream_head(s, c, err)) < 0)
                goto fail;
        *out = s;
        return 0;
fail:
        docker_feed_close(s);
        return r;
}

int docker_feed_fd(const struct docker_feed *s)
{
        return s->fd;
}

int docker_feed_read(struct docker_feed *s, docker_json_fn fn, void *userdata, int *eof,
                     struct berth_err *err)
{
        char buf[16384];
        size_t got;
        CURLcode rc;
        int stop = 0;

        *eof = 0;
        s->js.fn = fn;
        s->js.userdata = userdata;
        if (s->nhead) { /* body bytes that came with the head */
                stop = stream_body(s, s->head, s->nhead, eof);
                s->nhead = 0;
        }
        while (!stop && !*eof) {
                rc = curl_easy_recv(s->easy, buf, sizeof(buf), &got);
                if (rc == CURLE_AGAIN)
                        break;
                if (rc != CURLE_OK || got == 0) {
                        *eof = 1;
                        break;
                }
                stop = stream_body(s, buf, got, eof);
        }
        if (s->js.failed)
                return stream_fail(s, s->js.failed, s->js.msg, err);
        if (s->js.stopped)
                return stream_fail(s, BERTH_ECANCELLED, "stopped by the caller", err);
        return 0;
}

void docker_feed_close(struct docker_feed *s)
{
        if (!s)
                return;
        if (s->easy)
                curl_easy_cleanup(s->easy);
        berth_buf_release(&s->js.line);
        free(s);
}

/* ---- query strings --------------------------------------------------- */

char *docker_escape(const char *s)
{
        char *e = curl_easy_escape(NULL, s, 0), *copy;

        if (!e)
                return NULL;
        copy = strdup(e);
        curl_free(e);
        return copy;
}

char *docker_filters(const char *name, ...)
{
        json_t *filters = json_object(), *list;
        const char *value;
        char *dump = NULL, *escaped = NULL;
        va_list ap;

        if (!filters)
                return NULL;
        va_start(ap, name);
        while (name) {
                value = va_arg(ap, const char *);
                if (!value)
                        break;
                list = json_object_get(filters, name);
                if (!list) {
                        list = json_array();
                        if (json_object_set_new(filters, name, list) < 0)
                                goto out;
                }
                if (json_array_append_new(list, json_string(value)) < 0)
                        goto out;
                name = va_arg(ap, const char *);
        }
        dump = json_dumps(filters, JSON_COMPACT | JSON_SORT_KEYS);
        if (dump)
                escaped = docker_escape(dump);
out:
        va_end(ap);
        free(dump);
        json_decref(filters);
        return escaped;
}

long long docker_json_int(const json_t *o, const char *key)
{
        const json_t *v = json_object_get(o, key);

        if (json_is_integer(v))
                return (long long)json_integer_value(v);
        if (json_is_real(v) && json_real_value(v) >= -9223372036854775808.0 &&
            json_real_value(v) < 9223372036854775808.0)
                return (long long)json_real_value(v);
        return 0;
}
