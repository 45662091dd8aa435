#include "engine_proxy.h"

#include <errno.h>
#include <fnmatch.h>
#include <pthread.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>
#include <sys/socket.h>
#include <sys/un.h>
#include <time.h>
#include <unistd.h>

#include "unix_server.h"

struct engine_proxy {
        char engine[108];
        struct bt_server *server;
        pthread_mutex_t lock;
        pthread_cond_t changed; /* held, dropped */
        char method[16];        /* the hold; "" for none */
        char pattern[512];
        unsigned generation; /* bumped by each release */
        unsigned held, dropped;
        char held_line[600];
};

static int engine_connect(const struct engine_proxy *p)
{
        struct sockaddr_un addr = {.sun_family = AF_UNIX};
        int fd = socket(AF_UNIX, SOCK_STREAM | SOCK_CLOEXEC, 0);

        snprintf(addr.sun_path, sizeof(addr.sun_path), "%s", p->engine);
        if (fd >= 0 && connect(fd, (struct sockaddr *)&addr, sizeof(addr)) < 0) {
                close(fd);
                fd = -1;
        }
        return fd;
}

static void changed(struct engine_proxy *p)
{
        pthread_cond_broadcast(&p->changed);
}

/* Is "method path" (path with its version prefix) to be held? */
static int hold_matches(struct engine_proxy *p, const char *method, const char *path)
{
        int r;

        if (!strncmp(path, "/v", 2) && strchr(path + 1, '/'))
                path = strchr(path + 1, '/');
        pthread_mutex_lock(&p->lock);
        r = p->method[0] && !strcmp(p->method, method) && fnmatch(p->pattern, path, 0) == 0;
        pthread_mutex_unlock(&p->lock);
        return r;
}

/* Hold the request until released (1) or until the client hangs up or the
 * proxy stops (0: the request is dropped). */
static int hold(struct engine_proxy *p, int cfd, const char *method, const char *path)
{
        struct pollfd client = {.fd = cfd, .events = POLLRDHUP};
        unsigned gen;
        int r;

        pthread_mutex_lock(&p->lock);
        gen = p->generation;
        p->held++;
        snprintf(p->held_line, sizeof(p->held_line), "%s %s", method, path);
        changed(p);
        pthread_mutex_unlock(&p->lock);
        for (;;) {
                r = bt_server_poll(p->server, &client, 1, 50);
                if (r < 0 || (r > 0 && (client.revents & (POLLRDHUP | POLLHUP | POLLERR))))
                        break;
                pthread_mutex_lock(&p->lock);
                if (p->generation != gen) {
                        p->held--;
                        pthread_mutex_unlock(&p->lock);
                        return 1;
                }
                pthread_mutex_unlock(&p->lock);
        }
        pthread_mutex_lock(&p->lock);
        p->held--;
        p->dropped++;
        changed(p);
        pthread_mutex_unlock(&p->lock);
        return 0;
}

/* Send on what buf holds of whole requests (heads read whole, bodies as
 * they come); what is left is the start of a head.  -1 to close. */
static int requests_send(struct engine_proxy *p, int cfd, int efd, char *buf, size_t *len,
                         unsigned long long *body_left)
{
        char head[8192], method[16], path[4096];
        const char *cl;
        size_t n, hlen;
        char *end;

        while (*len) {
                if (*body_left) {
                        n = *len < *body_left ? *len : (size_t)*body_left;
                        if (bt_send_all(efd, buf, n) < 0)
                                return -1;
                        memmove(buf, buf + n, *len - n);
                        *len -= n;
                        *body_left -= n;
                        continue;
                }
                end = memmem(buf, *len, "\r\n\r\n", 4);
                if (!end)
                        return *len < 8192 ? 0 : -1; /* a head this long is not berth's */
                hlen = (size_t)(end + 4 - buf);
                if (hlen >= sizeof(head))
                        return -1;
                memcpy(head, buf, hlen);
                head[hlen] = '\0';
                if (sscanf(head, "%15s %4095s", method, path) != 2)
                        return -1;
                if (hold_matches(p, method, path) && !hold(p, cfd, method, path))
                        return -1;
                if (bt_send_all(efd, buf, hlen) < 0)
                        return -1;
                cl = strcasestr(head, "\r\ncontent-length:");
                *body_left = cl ? strtoull(cl + 17, NULL, 10) : 0;
                memmove(buf, buf + hlen, *len - hlen);
                *len -= hlen;
        }
        return 0;
}

/* One client connection: its own connection to the engine, requests
 * sent on (or held), answers sent back as they come. */
static void forward(void *ud, int cfd)
{
        struct engine_proxy *p = ud;
        char buf[65536], answer[65536];
        unsigned long long body_left = 0;
        size_t len = 0;
        ssize_t n;
        int efd = engine_connect(p);

        while (efd >= 0) {
                struct pollfd fds[2] = {{.fd = cfd, .events = POLLIN},
                                        {.fd = efd, .events = POLLIN}};

                if (bt_server_poll(p->server, fds, 2, -1) < 0)
                        break;
                if (fds[1].revents) {
                        n = recv(efd, answer, sizeof(answer), 0);
                        if (n <= 0 || bt_send_all(cfd, answer, (size_t)n) < 0)
                                break;
                }
                if (fds[0].revents) {
                        n = recv(cfd, buf + len, sizeof(buf) - len, 0);
                        if (n <= 0)
                                break;
                        len += (size_t)n;
                        if (requests_send(p, cfd, efd, buf, &len, &body_left) < 0)
                                break;
                }
        }
        if (efd >= 0)
                close(efd);
}

struct engine_proxy *engine_proxy_start(const char *engine_path)
{
        struct engine_proxy *p = calloc(1, sizeof(*p));

        if (!p)
                return NULL;
        pthread_mutex_init(&p->lock, NULL);
        pthread_cond_init(&p->changed, NULL);
        snprintf(p->engine, sizeof(p->engine), "%s", engine_path);
        p->server = bt_server_start("berth-proxy", forward, p);
        if (!p->server) {
                pthread_cond_destroy(&p->changed);
                pthread_mutex_destroy(&p->lock);
                free(p);
                return NULL;
        }
        return p;
}

const char *engine_proxy_host(const struct engine_proxy *p)
{
        return bt_server_host(p->server);
}

void engine_proxy_hold(struct engine_proxy *p, const char *method, const char *pattern)
{
        pthread_mutex_lock(&p->lock);
        snprintf(p->method, sizeof(p->method), "%s", method && pattern ? method : "");
        snprintf(p->pattern, sizeof(p->pattern), "%s", pattern ? pattern : "");
        pthread_mutex_unlock(&p->lock);
}

/* Wait on the condition (under the lock) until deadline; 0 when it passed. */
static int wait_until(struct engine_proxy *p, const struct timespec *deadline)
{
        return pthread_cond_timedwait(&p->changed, &p->lock, deadline) != ETIMEDOUT;
}

static struct timespec deadline_in(int ms)
{
        struct timespec ts;

        clock_gettime(CLOCK_REALTIME, &ts);
        ts.tv_sec += ms / 1000;
        ts.tv_nsec += (long)(ms % 1000) * 1000000L;
        if (ts.tv_nsec >= 1000000000L) {
                ts.tv_sec++;
                ts.tv_nsec -= 1000000000L;
        }
        return ts;
}

int engine_proxy_wait_held(struct engine_proxy *p, char *line, size_t size, int timeout_ms)
{
        struct timespec end = deadline_in(timeout_ms);
        int r;

        pthread_mutex_lock(&p->lock);
        while (!p->held && wait_until(p, &end))
                ;
        r = p->held > 0;
        if (r && line)
                snprintf(line, size, "%s", p->held_line);
        pthread_mutex_unlock(&p->lock);
        return r;
}

unsigned engine_proxy_wait_dropped(struct engine_proxy *p, unsigned want, int timeout_ms)
{
        struct timespec end = deadline_in(timeout_ms);
        unsigned n;

        pthread_mutex_lock(&p->lock);
        while (p->dropped < want && wait_until(p, &end))
                ;
        n = p->dropped;
        pthread_mutex_unlock(&p->lock);
        return n;
}

void engine_proxy_release(struct engine_proxy *p)
{
        pthread_mutex_lock(&p->lock);
        p->method[0] = '\0';
        p->generation++;
        pthread_mutex_unlock(&p->lock);
}

void engine_proxy_stop(struct engine_proxy *p)
{
        if (!p)
                return;
        bt_server_stop(p->server);
        pthread_cond_destroy(&p->changed);
        pthread_mutex_destroy(&p->lock);
        free(p);
}
