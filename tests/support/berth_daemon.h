/* berth_daemon.h - engine tests of berth's daemons (watch, sync): one
 * child per test process, its log (--log-format json: one object a line)
 * in a file of the test's own, read back as JSON lines.
 *
 * Every function aborts the test (check's ck_assert) when it cannot do its
 * job; JSON values returned are the caller's to json_decref().
 *
 * May not use: anything but berth_cli.h and berth_test.h.
 */
#ifndef BERTH_DAEMON_H
#define BERTH_DAEMON_H

#include <limits.h>
#include <stddef.h>
#include <sys/types.h>

#include <jansson.h>

extern pid_t bt_daemon_pid;          /* the child, or -1 */
extern char bt_daemon_log[PATH_MAX]; /* its stderr: the log */

/* berth ARGS... --scope <run id> as the child (bt_berth_spawn: it dies with
 * the test process), its stderr to bt_daemon_log. */
void bt_daemon_spawn(const char *const args[]);
/* Wait up to timeout_s for it to exit: its status (128 + signal when
 * killed), or -1 while it runs. */
int bt_daemon_reap(double timeout_s);
/* Abort, showing the log, when it is no longer running. */
void bt_daemon_alive(void);
/* SIGTERM, as a user stops it; SIGKILL after 30 s.  Its exit status (-1
 * when it had to be killed); 0 when there is none. */
int bt_daemon_stop(void);

/* The log's complete lines, each parsed (a JSON array); a line that is not
 * a JSON object fails the test. */
json_t *bt_log_lines(void);
/* How many lines there are: a mark to look from. */
size_t bt_log_mark(void);
/* A line's string field ("" when absent), or a number field (aborts when
 * it is not one). */
const char *bt_log_field(const json_t *line, const char *key);
long bt_log_field_long(const json_t *line, const char *key);
/* The lines from index `from` on with msg and (key not NULL) key's value
 * containing part; how many there are. */
json_t *bt_log_select(size_t from, const char *msg, const char *key, const char *part);
size_t bt_log_count(size_t from, const char *msg, const char *key, const char *part);
/* Wait up to timeout_s for the nth (1-based) such line from `from` on (the
 * child must stay alive); its index in *at (may be NULL). */
json_t *bt_log_wait_nth(size_t *at, size_t from, size_t nth, const char *msg, const char *key,
                        const char *part, double timeout_s);
json_t *bt_log_wait(size_t *at, size_t from, const char *msg, const char *key, const char *part,
                    double timeout_s);

#endif
