/* berth_daemon.c - a berth daemon run by a test (see berth_daemon.h). */
#include "berth_daemon.h"

#include <errno.h>
#include <limits.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/wait.h>
#include <time.h>
#include <unistd.h>

#include "berth_cli.h"
#include "berth_test.h"

pid_t bt_daemon_pid = -1;
char bt_daemon_log[PATH_MAX];

void bt_daemon_spawn(const char *const args[])
{
        const char *dir = bt_tmpdir();
        char out[PATH_MAX];

        snprintf(bt_daemon_log, sizeof(bt_daemon_log), "%s/daemon.log", dir);
        snprintf(out, sizeof(out), "%s/daemon.out", dir);
        bt_daemon_pid = bt_berth_spawn(out, bt_daemon_log, args);
}

int bt_daemon_stop(void)
{
        int status = 0;

        if (bt_daemon_pid <= 0)
                return 0;
        kill(bt_daemon_pid, SIGTERM);
        status = bt_daemon_reap(30);
        if (bt_daemon_pid > 0) {
                kill(bt_daemon_pid, SIGKILL);
                while (waitpid(bt_daemon_pid, NULL, 0) < 0 && errno == EINTR)
                        ;
                bt_daemon_pid = -1;
        }
        return status;
}

/* Wait for the child to exit (up to timeout_s); its exit status, 128 +
 * signal when killed, -1 when it is still running. */
int bt_daemon_reap(double timeout_s)
{
        double end = bt_now_s() + timeout_s;
        int status;
        pid_t r;

        if (bt_daemon_pid < 0)
                return -1;
        for (;;) {
                r = waitpid(bt_daemon_pid, &status, WNOHANG);
                if (r == bt_daemon_pid) {
                        bt_daemon_pid = -1;
                        return WIFEXITED(status) ? WEXITSTATUS(status) : 128 + WTERMSIG(status);
                }
                if (r < 0 && errno != EINTR) {
                        bt_daemon_pid = -1;
                        return -1;
                }
                if (bt_now_s() >= end)
                        return -1;
                bt_sleep_ms(20);
        }
}

/* Abort (showing the log) when the child is no longer running. */
void bt_daemon_alive(void)
{
        int status = bt_daemon_reap(0);

        if (status >= 0)
                ck_abort_msg("berth exited (status %d); its log:\n%s", status,
                             bt_file_read(bt_daemon_log));
}

/* The log's complete lines, each parsed (a JSON array; json_decref it).
 * A line that is not a JSON object fails the test. */
json_t *bt_log_lines(void)
{
        char *text = bt_file_read(bt_daemon_log), *p = text, *nl;
        json_t *v = json_array(), *line;
        json_error_t je;

        while ((nl = strchr(p, '\n'))) {
                *nl = '\0';
                line = json_loads(p, 0, &je);
                ck_assert_msg(json_is_object(line), "a log line is not a JSON object (%s):\n%s",
                              je.text, p);
                json_array_append_new(v, line);
                p = nl + 1;
        }
        free(text);
        return v;
}

size_t bt_log_mark(void)
{
        json_t *v = bt_log_lines();
        size_t n = json_array_size(v);

        json_decref(v);
        return n;
}

const char *bt_log_field(const json_t *line, const char *key)
{
        const char *s = json_string_value(json_object_get(line, key));

        return s ? s : "";
}

long bt_log_field_long(const json_t *line, const char *key)
{
        const char *s = bt_log_field(line, key);
        char *end;
        long v = strtol(s, &end, 10);

        ck_assert_msg(*s && !*end, "%s is not a number: '%s'", key, s);
        return v;
}

/* Does line have msg, and (key not NULL) key's value containing part? */
static int line_is(const json_t *line, const char *msg, const char *key, const char *part)
{
        return !strcmp(bt_log_field(line, "msg"), msg) &&
               (!key || strstr(bt_log_field(line, key), part));
}

/* The lines from index `from` on that match (a new array). */
json_t *bt_log_select(size_t from, const char *msg, const char *key, const char *part)
{
        json_t *v = bt_log_lines(), *out = json_array(), *line;
        size_t i;

        json_array_foreach(v, i, line)
        {
                if (i >= from && line_is(line, msg, key, part))
                        json_array_append(out, line);
        }
        json_decref(v);
        return out;
}

size_t bt_log_count(size_t from, const char *msg, const char *key, const char *part)
{
        json_t *v = bt_log_select(from, msg, key, part);
        size_t n = json_array_size(v);

        json_decref(v);
        return n;
}

/* Wait up to timeout_s for the nth (1-based) line from `from` on that
 * matches; returns it (json_decref it) and its index in *at (may be NULL). */
json_t *bt_log_wait_nth(size_t *at, size_t from, size_t nth, const char *msg, const char *key,
                        const char *part, double timeout_s)
{
        double end = bt_now_s() + timeout_s;
        json_t *v, *line;
        size_t i, seen;

        for (;;) {
                v = bt_log_lines();
                seen = 0;
                json_array_foreach(v, i, line)
                {
                        if (i < from || !line_is(line, msg, key, part) || ++seen < nth)
                                continue;
                        json_incref(line);
                        json_decref(v);
                        if (at)
                                *at = i;
                        return line;
                }
                json_decref(v);
                if (bt_now_s() >= end)
                        ck_abort_msg("no log line '%s'%s%s%s%s (#%zu) within %.0f s; the log:\n%s",
                                     msg, key ? " with " : "", key ? key : "", key ? " ~ " : "",
                                     key ? part : "", nth, timeout_s, bt_file_read(bt_daemon_log));
                bt_daemon_alive();
                bt_sleep_ms(50);
        }
}

json_t *bt_log_wait(size_t *at, size_t from, const char *msg, const char *key, const char *part,
                    double timeout_s)
{
        return bt_log_wait_nth(at, from, 1, msg, key, part, timeout_s);
}
