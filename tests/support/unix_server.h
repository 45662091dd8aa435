/* unix_server.h - a server on a fresh unix socket that hands each
 * connection to a function in a thread of its own: what the fake engine
 * and the engine proxy are built on.
 *
 * May not use: anything but libc and pthreads.
 */
#ifndef BERTH_UNIX_SERVER_H
#define BERTH_UNIX_SERVER_H

#include <poll.h>
#include <stddef.h>

/* Called in the connection's own thread; closing fd is the server's job.
 * A function that waits does so with bt_server_poll(), and returns soon
 * once that says the server stops. */
typedef void (*bt_serve_fn)(void *userdata, int fd);

struct bt_server;

/* Listen on $TMPDIR/<prefix>-XXXXXX/<prefix>.sock ($TMPDIR unset, or too
 * long for a socket's path: /tmp).  NULL on failure (errno set). */
struct bt_server *bt_server_start(const char *prefix, bt_serve_fn serve, void *userdata);
/* "unix://" and the socket's path */
const char *bt_server_host(const struct bt_server *s);
/* poll(2) on fds (n of them, at most 8; 0: just wait) and on the server
 * stopping, up to timeout_ms (-1: for ever): poll's count (0 when the time
 * ran out), or -1 when the server stops. */
int bt_server_poll(const struct bt_server *s, struct pollfd *fds, size_t n, int timeout_ms);
/* send(2) all of p (no SIGPIPE); -1 when the peer is gone. */
int bt_send_all(int fd, const char *p, size_t n);
/* Stop accepting, wake every connection (bt_server_poll), wait for their
 * threads, remove the socket.  NULL is a no-op. */
void bt_server_stop(struct bt_server *s);

#endif
