#include "fake_engine.h"

#include <fnmatch.h>
#include <pthread.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <unistd.h>

#include "common/buf.h"
#include "unix_server.h"

struct fake_engine {
        const struct fake_route *routes;
        size_t n;
        unsigned *used; /* per route: answers given */
        struct bt_server *server;
        pthread_mutex_t lock;
        unsigned requests;
        char last[512];
        struct berth_buf log; /* "METHOD PATH\n" per request */
};

/* The path without its "/vX.Y" prefix. */
static const char *unversioned(const char *path)
{
        if (!strncmp(path, "/v", 2) && strchr(path + 1, '/'))
                return strchr(path + 1, '/');
        return path;
}

static int path_matches(const char *pattern, const char *path)
{
        if (strchr(pattern, '*'))
                return fnmatch(pattern, path, 0) == 0;
        return !strncmp(path, pattern, strlen(pattern));
}

/* The route for a request, its use counted (under the lock). */
static const struct fake_route *route_take(struct fake_engine *fe, const char *method,
                                           const char *path)
{
        const char *p = unversioned(path);
        size_t i;

        for (i = 0; i < fe->n; i++) {
                const struct fake_route *r = &fe->routes[i];

                if (r->method && strcmp(r->method, method))
                        continue;
                if (r->times && fe->used[i] >= r->times)
                        continue;
                if (path_matches(r->path, p)) {
                        fe->used[i]++;
                        return r;
                }
        }
        return NULL;
}

/* Sleep up to timeout_ms (-1: for ever); 1 when the server is stopping. */
static int stopping(struct fake_engine *fe, int timeout_ms)
{
        return bt_server_poll(fe->server, NULL, 0, timeout_ms) < 0;
}

/* Read one request (head and a Content-Length body) into req; 0 when it
 * did not come. */
static int request_read(struct fake_engine *fe, int cfd, char *req, size_t size)
{
        size_t len = 0;
        ssize_t n;
        char *end;

        while (len < size - 1) {
                struct pollfd p = {.fd = cfd, .events = POLLIN};

                if (bt_server_poll(fe->server, &p, 1, 5000) <= 0)
                        return 0;
                n = recv(cfd, req + len, size - 1 - len, 0);
                if (n <= 0)
                        return 0;
                len += (size_t)n;
                req[len] = '\0';
                end = strstr(req, "\r\n\r\n");
                if (end) {
                        const char *cl = strcasestr(req, "content-length:");
                        size_t want = cl ? strtoul(cl + 15, NULL, 10) : 0;

                        if (len >= (size_t)(end + 4 - req) + want)
                                return 1;
                }
        }
        return 1;
}

/* A streamed body: one chunk per line, chunks_ms apart; then the last
 * chunk, or not (drop), or silence (keep_open). */
static void stream_send(struct fake_engine *fe, int cfd, const struct fake_route *r)
{
        const char *p = r->body ? r->body : "", *nl;
        char size[32];
        size_t n;

        while (*p) {
                nl = strchr(p, '\n');
                n = nl ? (size_t)(nl - p + 1) : strlen(p);
                snprintf(size, sizeof(size), "%zx\r\n", n);
                bt_send_all(cfd, size, strlen(size));
                bt_send_all(cfd, p, n);
                bt_send_all(cfd, "\r\n", 2);
                p += n;
                if (*p && stopping(fe, r->chunks_ms))
                        return;
        }
        if (r->keep_open)
                stopping(fe, -1);
        else if (!r->drop)
                bt_send_all(cfd, "0\r\n\r\n", 5);
}

static void serve(void *ud, int cfd)
{
        struct fake_engine *fe = ud;
        static const struct fake_route ping = {
            .method = "GET", .path = "/_ping", .status = 200, .body = "OK"};
        static const struct fake_route none = {.status = 404,
                                               .body = "{\"message\":\"fake: no route\"}"};
        char req[65536], method[16], path[4096], head[512];
        const struct fake_route *r;
        size_t body_len;
        const char *api;

        if (!request_read(fe, cfd, req, sizeof(req)))
                return;
        if (sscanf(req, "%15s %4095s", method, path) != 2)
                return;
        pthread_mutex_lock(&fe->lock);
        fe->requests++;
        snprintf(fe->last, sizeof(fe->last), "%s %s", method, path);
        berth_buf_printf(&fe->log, "%s %s\n", method, unversioned(path));
        r = route_take(fe, method, path);
        pthread_mutex_unlock(&fe->lock);

        if (!r && !strcmp(method, "GET") && strstr(path, "/_ping"))
                r = &ping;
        if (!r)
                r = &none;
        if (r->hang) {
                stopping(fe, -1);
                return;
        }
        if (r->close)
                return;
        api = r->api_version ? r->api_version : "1.41";
        body_len = r->body ? strlen(r->body) : 0;
        snprintf(head, sizeof(head), "HTTP/1.1 %d Fake\r\nContent-Type: application/json\r\n",
                 r->status);
        if (api[0])
                snprintf(head + strlen(head), sizeof(head) - strlen(head), "Api-Version: %s\r\n",
                         api);
        if (r->chunks_ms)
                snprintf(head + strlen(head), sizeof(head) - strlen(head),
                         "Transfer-Encoding: chunked\r\n");
        else
                snprintf(head + strlen(head), sizeof(head) - strlen(head),
                         "Content-Length: %zu\r\n", body_len);
        snprintf(head + strlen(head), sizeof(head) - strlen(head), "Connection: close\r\n\r\n");
        /* Gone before the answer is out: a connection berth opens once it
         * has read the answer must find no socket (after the send, it
         * could still get in first). */
        if (r->gone)
                unlink(bt_server_host(fe->server) + strlen("unix://"));
        bt_send_all(cfd, head, strlen(head));
        if (r->chunks_ms)
                stream_send(fe, cfd, r);
        else if (r->truncate_at > 0 && (size_t)r->truncate_at < body_len)
                bt_send_all(cfd, r->body, (size_t)r->truncate_at);
        else if (body_len)
                bt_send_all(cfd, r->body, body_len);
}

struct fake_engine *fake_engine_start(const struct fake_route *routes, size_t n)
{
        struct fake_engine *fe = calloc(1, sizeof(*fe));

        if (!fe)
                return NULL;
        fe->routes = routes;
        fe->n = n;
        fe->used = calloc(n + 1, sizeof(*fe->used));
        pthread_mutex_init(&fe->lock, NULL);
        berth_buf_init(&fe->log, 4UL << 20);
        if (fe->used)
                fe->server = bt_server_start("berth-fake", serve, fe);
        if (!fe->server) {
                pthread_mutex_destroy(&fe->lock);
                free(fe->used);
                free(fe);
                return NULL;
        }
        return fe;
}

const char *fake_engine_host(const struct fake_engine *fe)
{
        return bt_server_host(fe->server);
}

unsigned fake_engine_requests(struct fake_engine *fe)
{
        unsigned n;

        pthread_mutex_lock(&fe->lock);
        n = fe->requests;
        pthread_mutex_unlock(&fe->lock);
        return n;
}

void fake_engine_last(struct fake_engine *fe, char *buf, size_t size)
{
        pthread_mutex_lock(&fe->lock);
        snprintf(buf, size, "%s", fe->last);
        pthread_mutex_unlock(&fe->lock);
}

char *fake_engine_log(struct fake_engine *fe)
{
        char *copy;

        pthread_mutex_lock(&fe->lock);
        copy = strdup(fe->log.data ? fe->log.data : "");
        pthread_mutex_unlock(&fe->lock);
        return copy;
}

unsigned fake_engine_count(struct fake_engine *fe, const char *method, const char *pattern)
{
        char *log = fake_engine_log(fe), *line, *path, *save = NULL;
        unsigned n = 0;

        for (line = log ? strtok_r(log, "\n", &save) : NULL; line;
             line = strtok_r(NULL, "\n", &save)) {
                path = strchr(line, ' ');
                if (!path)
                        continue;
                *path++ = '\0';
                if ((!method || !strcmp(method, line)) && fnmatch(pattern, path, 0) == 0)
                        n++;
        }
        free(log);
        return n;
}

void fake_engine_stop(struct fake_engine *fe)
{
        if (!fe)
                return;
        bt_server_stop(fe->server);
        berth_buf_release(&fe->log);
        pthread_mutex_destroy(&fe->lock);
        free(fe->used);
        free(fe);
}
