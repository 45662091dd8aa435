#include "fake_engine.h"

#include <errno.h>
#include <fcntl.h>
#include <poll.h>
#include <pthread.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <sys/un.h>
#include <time.h>
#include <unistd.h>

struct fake_engine {
        const struct fake_route *routes;
        size_t n;
        int fd;
        int stop_pipe[2];
        char dir[64];
        char sock[128];
        char host[160];
        pthread_t thread;
        pthread_mutex_t lock;
        unsigned requests;
        char last[512];
};

static void send_all(int fd, const char *p, size_t n)
{
        ssize_t w;

        while (n) {
                w = send(fd, p, n, MSG_NOSIGNAL);
                if (w < 0 && errno == EINTR)
                        continue;
                if (w <= 0)
                        return;
                p += w;
                n -= (size_t)w;
        }
}

static const struct fake_route *route_for(struct fake_engine *fe, const char *method,
                                          const char *path)
{
        const char *p = path;
        size_t i;

        if (!strncmp(p, "/v", 2) && strchr(p + 1, '/'))
                p = strchr(p + 1, '/');
        for (i = 0; i < fe->n; i++) {
                const struct fake_route *r = &fe->routes[i];

                if (r->method && strcmp(r->method, method))
                        continue;
                if (!strncmp(p, r->path, strlen(r->path)))
                        return r;
        }
        return NULL;
}

/* Wait on fd or the stop pipe; 1 when fd is readable, 0 when stopping. */
static int wait_readable(struct fake_engine *fe, int fd, int timeout_ms)
{
        struct pollfd p[2] = {{.fd = fd, .events = POLLIN},
                              {.fd = fe->stop_pipe[0], .events = POLLIN}};

        for (;;) {
                int r = poll(p, 2, timeout_ms);

                if (r < 0 && errno == EINTR)
                        continue;
                if (r <= 0 || (p[1].revents & POLLIN))
                        return 0;
                return 1;
        }
}

/* Sleep up to timeout_ms (-1: forever); 1 when the server is stopping. */
static int stopping(struct fake_engine *fe, int timeout_ms)
{
        struct pollfd p = {.fd = fe->stop_pipe[0], .events = POLLIN};
        int r;

        do
                r = poll(&p, 1, timeout_ms);
        while (r < 0 && errno == EINTR);
        return r > 0;
}

static void serve(struct fake_engine *fe, int cfd)
{
        static const struct fake_route ping = {
            .method = "GET", .path = "/_ping", .status = 200, .body = "OK"};
        static const struct fake_route none = {.status = 404,
                                               .body = "{\"message\":\"fake: no route\"}"};
        char req[65536], method[16], path[4096], head[512];
        const struct fake_route *r;
        size_t len = 0, body_len;
        const char *api;
        ssize_t n;
        char *end;

        while (len < sizeof(req) - 1) {
                if (!wait_readable(fe, cfd, 5000))
                        return;
                n = recv(cfd, req + len, sizeof(req) - 1 - len, 0);
                if (n <= 0)
                        return;
                len += (size_t)n;
                req[len] = '\0';
                end = strstr(req, "\r\n\r\n");
                if (end) {
                        const char *cl = strcasestr(req, "content-length:");
                        size_t want = cl ? strtoul(cl + 15, NULL, 10) : 0;

                        if (len >= (size_t)(end + 4 - req) + want)
                                break;
                }
        }
        if (sscanf(req, "%15s %4095s", method, path) != 2)
                return;
        pthread_mutex_lock(&fe->lock);
        fe->requests++;
        snprintf(fe->last, sizeof(fe->last), "%s %s", method, path);
        pthread_mutex_unlock(&fe->lock);

        r = route_for(fe, method, path);
        if (!r && !strcmp(method, "GET") && strstr(path, "/_ping"))
                r = &ping;
        if (!r)
                r = &none;
        if (r->hang) {
                stopping(fe, -1);
                return;
        }
        api = r->api_version ? r->api_version : "1.41";
        body_len = r->body ? strlen(r->body) : 0;
        /* a streamed body has no length: it ends when the connection closes */
        snprintf(head, sizeof(head), "HTTP/1.1 %d Fake\r\nContent-Type: application/json\r\n",
                 r->status);
        if (api[0])
                snprintf(head + strlen(head), sizeof(head) - strlen(head), "Api-Version: %s\r\n",
                         api);
        if (!r->chunks_ms)
                snprintf(head + strlen(head), sizeof(head) - strlen(head),
                         "Content-Length: %zu\r\n", body_len);
        snprintf(head + strlen(head), sizeof(head) - strlen(head), "Connection: close\r\n\r\n");
        send_all(cfd, head, strlen(head));
        if (r->truncate_at > 0 && (size_t)r->truncate_at < body_len) {
                send_all(cfd, r->body, (size_t)r->truncate_at);
        } else if (r->chunks_ms && r->body) {
                const char *p = r->body, *nl;

                while (*p) {
                        nl = strchr(p, '\n');
                        n = nl ? nl - p + 1 : (ssize_t)strlen(p);
                        send_all(cfd, p, (size_t)n);
                        p += n;
                        if (*p && stopping(fe, r->chunks_ms))
                                return;
                }
        } else if (body_len) {
                send_all(cfd, r->body, body_len);
        }
}

static void *loop(void *ud)
{
        struct fake_engine *fe = ud;
        int cfd;

        while (wait_readable(fe, fe->fd, -1)) {
                cfd = accept4(fe->fd, NULL, NULL, SOCK_CLOEXEC);
                if (cfd < 0)
                        continue;
                serve(fe, cfd);
                close(cfd);
        }
        return NULL;
}

struct fake_engine *fake_engine_start(const struct fake_route *routes, size_t n)
{
        struct sockaddr_un addr = {.sun_family = AF_UNIX};
        struct fake_engine *fe = calloc(1, sizeof(*fe));

        if (!fe)
                return NULL;
        fe->routes = routes;
        fe->n = n;
        pthread_mutex_init(&fe->lock, NULL);
        snprintf(fe->dir, sizeof(fe->dir), "/tmp/berth-fake-XXXXXX");
        if (!mkdtemp(fe->dir) || pipe2(fe->stop_pipe, O_CLOEXEC) < 0)
                goto fail;
        snprintf(fe->sock, sizeof(fe->sock), "%s/engine.sock", fe->dir);
        snprintf(fe->host, sizeof(fe->host), "unix://%s", fe->sock);
        snprintf(addr.sun_path, sizeof(addr.sun_path), "%s", fe->sock);
        fe->fd = socket(AF_UNIX, SOCK_STREAM | SOCK_CLOEXEC, 0);
        if (fe->fd < 0 || bind(fe->fd, (struct sockaddr *)&addr, sizeof(addr)) < 0 ||
            listen(fe->fd, 16) < 0)
                goto fail;
        if (pthread_create(&fe->thread, NULL, loop, fe) != 0)
                goto fail;
        return fe;
fail:
        free(fe);
        return NULL;
}

const char *fake_engine_host(const struct fake_engine *fe)
{
        return fe->host;
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

void fake_engine_stop(struct fake_engine *fe)
{
        if (!fe)
                return;
        if (write(fe->stop_pipe[1], "x", 1) < 0) {
                /* the thread may already be gone; join anyway */
        }
        pthread_join(fe->thread, NULL);
        close(fe->fd);
        close(fe->stop_pipe[0]);
        close(fe->stop_pipe[1]);
        unlink(fe->sock);
        rmdir(fe->dir);
        pthread_mutex_destroy(&fe->lock);
        free(fe);
}
