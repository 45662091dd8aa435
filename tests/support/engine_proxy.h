/* engine_proxy.h - a forwarder on a unix socket between berth and the real
 * engine, for tests that must stop berth at an exact point of an apply:
 * it can hold back a request (not send it to the engine) until the test
 * releases it or the client is gone, in which case the engine never sees
 * it.  So "kill berth between the create and the start" is: hold the
 * start, wait until it is held, SIGKILL berth.
 *
 * It runs in threads of the test, one per connection; requests are read
 * one at a time (head, then a Content-Length body), as berth's client
 * sends them; answers are forwarded as they come.
 *
 * May not use: anything but libc, pthreads and unix_server.h.
 */
#ifndef BERTH_ENGINE_PROXY_H
#define BERTH_ENGINE_PROXY_H

#include <stddef.h>

struct engine_proxy;

/* Forward to the engine's unix socket at engine_path.  NULL on failure
 * (errno set). */
struct engine_proxy *engine_proxy_start(const char *engine_path);
/* "unix:///tmp/.../proxy.sock", for berth -H. */
const char *engine_proxy_host(const struct engine_proxy *p);

/* Hold every request from now on whose method is method and whose path,
 * without its /vX.Y prefix and with its query, matches pattern
 * (fnmatch(3), '*' crossing '/').  One hold at a time; NULL: none. */
void engine_proxy_hold(struct engine_proxy *p, const char *method, const char *pattern);
/* Wait up to timeout_ms for a request to be held; 1 with its "METHOD
 * PATH" in line, 0 when none came. */
int engine_proxy_wait_held(struct engine_proxy *p, char *line, size_t size, int timeout_ms);
/* Held requests whose client went away (never sent on), so far; wait up
 * to timeout_ms for there to be at least want of them. */
unsigned engine_proxy_wait_dropped(struct engine_proxy *p, unsigned want, int timeout_ms);
/* Send the held requests on, and hold nothing more. */
void engine_proxy_release(struct engine_proxy *p);

/* Close every connection, join every thread. */
void engine_proxy_stop(struct engine_proxy *p);

#endif
