#include "unix_server.h"

#include <errno.h>
#include <fcntl.h>
#include <pthread.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <sys/un.h>
#include <unistd.h>

struct bt_server {
        bt_serve_fn serve;
        void *userdata;
        int fd;
        int stop_pipe[2]; /* written once at stop, never read */
        char dir[128];
        char sock[192];
        char host[200];
        pthread_t thread;
        pthread_mutex_t lock;
        pthread_cond_t idle;
        unsigned active; /* connection threads running */
};

struct conn {
        struct bt_server *s;
        int fd;
};

int bt_server_poll(const struct bt_server *s, struct pollfd *fds, size_t n, int timeout_ms)
{
        struct pollfd p[9];
        size_t i;
        int r;

        if (n > 8)
                return -1;
        for (i = 0; i < n; i++)
                p[i] = fds[i];
        p[n] = (struct pollfd){.fd = s->stop_pipe[0], .events = POLLIN};
        do
                r = poll(p, (nfds_t)n + 1, timeout_ms);
        while (r < 0 && errno == EINTR);
        if (r < 0 || p[n].revents)
                return -1;
        for (i = 0; i < n; i++)
                fds[i].revents = p[i].revents;
        return r;
}

static void *conn_main(void *ud)
{
        struct conn *c = ud;
        struct bt_server *s = c->s;

        s->serve(s->userdata, c->fd);
        close(c->fd);
        free(c);
        pthread_mutex_lock(&s->lock);
        s->active--;
        pthread_cond_broadcast(&s->idle);
        pthread_mutex_unlock(&s->lock);
        return NULL;
}

static void *accept_loop(void *ud)
{
        struct bt_server *s = ud;
        pthread_attr_t attr;
        struct conn *c;
        pthread_t t;
        int fd;
        struct pollfd listening = {.fd = s->fd, .events = POLLIN};

        pthread_attr_init(&attr);
        pthread_attr_setdetachstate(&attr, PTHREAD_CREATE_DETACHED);
        while (bt_server_poll(s, &listening, 1, -1) > 0) {
                fd = accept4(s->fd, NULL, NULL, SOCK_CLOEXEC);
                if (fd < 0)
                        continue;
                c = malloc(sizeof(*c));
                if (!c) {
                        close(fd);
                        continue;
                }
                c->s = s;
                c->fd = fd;
                pthread_mutex_lock(&s->lock);
                s->active++;
                pthread_mutex_unlock(&s->lock);
                if (pthread_create(&t, &attr, conn_main, c) != 0) {
                        pthread_mutex_lock(&s->lock);
                        s->active--;
                        pthread_mutex_unlock(&s->lock);
                        close(fd);
                        free(c);
                }
        }
        pthread_attr_destroy(&attr);
        return NULL;
}

/* What start made (fds at -1 are not open), the threads gone. */
static void server_free(struct bt_server *s)
{
        if (s->fd >= 0)
                close(s->fd);
        if (s->stop_pipe[0] >= 0) {
                close(s->stop_pipe[0]);
                close(s->stop_pipe[1]);
        }
        unlink(s->sock);
        rmdir(s->dir);
        pthread_cond_destroy(&s->idle);
        pthread_mutex_destroy(&s->lock);
        free(s);
}

struct bt_server *bt_server_start(const char *prefix, bt_serve_fn serve, void *userdata)
{
        struct sockaddr_un addr = {.sun_family = AF_UNIX};
        struct bt_server *s = calloc(1, sizeof(*s));
        const char *tmp;

        if (!s)
                return NULL;
        s->serve = serve;
        s->userdata = userdata;
        s->fd = -1;
        s->stop_pipe[0] = s->stop_pipe[1] = -1;
        pthread_mutex_init(&s->lock, NULL);
        pthread_cond_init(&s->idle, NULL);
        /* under $TMPDIR, which tests/run removes: a failed test leaves
         * its socket there; /tmp when the path would not fit a socket's */
        tmp = getenv("TMPDIR");
        if (!tmp || !*tmp || strlen(tmp) + 2 * strlen(prefix) + 16 >= sizeof(addr.sun_path))
                tmp = "/tmp";
        snprintf(s->dir, sizeof(s->dir), "%s/%s-XXXXXX", tmp, prefix);
        if (!mkdtemp(s->dir) || pipe2(s->stop_pipe, O_CLOEXEC) < 0)
                goto fail;
        snprintf(s->sock, sizeof(s->sock), "%s/%s.sock", s->dir, prefix);
        snprintf(s->host, sizeof(s->host), "unix://%s", s->sock);
        snprintf(addr.sun_path, sizeof(addr.sun_path), "%s", s->sock);
        s->fd = socket(AF_UNIX, SOCK_STREAM | SOCK_CLOEXEC, 0);
        if (s->fd < 0 || bind(s->fd, (struct sockaddr *)&addr, sizeof(addr)) < 0 ||
            listen(s->fd, 64) < 0 || pthread_create(&s->thread, NULL, accept_loop, s) != 0)
                goto fail;
        return s;
fail:
        server_free(s);
        return NULL;
}

const char *bt_server_host(const struct bt_server *s)
{
        return s->host;
}

void bt_server_stop(struct bt_server *s)
{
        if (!s)
                return;
        if (write(s->stop_pipe[1], "x", 1) < 0) {
                /* the threads may already be gone; join anyway */
        }
        pthread_join(s->thread, NULL);
        pthread_mutex_lock(&s->lock);
        while (s->active)
                pthread_cond_wait(&s->idle, &s->lock);
        pthread_mutex_unlock(&s->lock);
        server_free(s);
}

int bt_send_all(int fd, const char *p, size_t n)
{
        ssize_t w;

        while (n) {
                w = send(fd, p, n, MSG_NOSIGNAL);
                if (w < 0 && errno == EINTR)
                        continue;
                if (w <= 0)
                        return -1;
                p += w;
                n -= (size_t)w;
        }
        return 0;
}
