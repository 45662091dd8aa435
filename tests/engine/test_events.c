/* The /events stream against the real engine: events of a labelled
 * container arrive decoded and in order; cancel from another thread ends
 * an idle stream within about a second; a stream with `until` ends by
 * itself (0) while a stopped one is BERTH_ECANCELLED. */
#include <poll.h>
#include <pthread.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include "berth_test.h"
#include "docker/container.h"
#include "docker/events.h"

static int64_t now_ns(void)
{
        struct timespec ts;

        clock_gettime(CLOCK_REALTIME, &ts);
        return (int64_t)ts.tv_sec * 1000000000 + ts.tv_nsec;
}

static double mono_s(void)
{
        struct timespec ts;

        clock_gettime(CLOCK_MONOTONIC, &ts);
        return (double)ts.tv_sec + (double)ts.tv_nsec / 1e9;
}

/* What the callback saw, copied out of the borrowed event. */
struct seen {
        char type[32];
        char action[64];
        char actor_id[80];
        char name[256];
        char case_label[64];
        int has_exit_code, exit_code;
        int has_signal, signal;
};

struct collector {
        pthread_mutex_t lock;
        pthread_cond_t changed;
        struct seen ev[64];
        int n;
        int stop_after; /* > 0: return non-zero from the callback at this count */
        /* the stream run by stream_thread() */
        struct docker_client *client;
        struct docker_event_filter filter;
        atomic_int cancel;
        int r;
        struct berth_err err;
};

static void collector_init(struct collector *col)
{
        memset(col, 0, sizeof(*col));
        pthread_mutex_init(&col->lock, NULL);
        pthread_cond_init(&col->changed, NULL);
        col->client = bt_client();
}

static void collector_destroy(struct collector *col)
{
        pthread_mutex_destroy(&col->lock);
        pthread_cond_destroy(&col->changed);
}

static int collect(const struct docker_event *ev, void *ud)
{
        struct collector *col = ud;
        const char *label = docker_event_attr(ev, "berth.test-case");
        struct seen *s;
        int stop;

        pthread_mutex_lock(&col->lock);
        if (col->n < 64) {
                s = &col->ev[col->n++];
                snprintf(s->type, sizeof(s->type), "%s", ev->type);
                snprintf(s->action, sizeof(s->action), "%s", ev->action);
                snprintf(s->actor_id, sizeof(s->actor_id), "%s", ev->actor_id);
                snprintf(s->name, sizeof(s->name), "%s", ev->name);
                snprintf(s->case_label, sizeof(s->case_label), "%s", label ? label : "");
                s->has_exit_code = ev->has_exit_code;
                s->exit_code = ev->exit_code;
                s->has_signal = ev->has_signal;
                s->signal = ev->signal;
        }
        stop = col->stop_after > 0 && col->n >= col->stop_after;
        pthread_cond_broadcast(&col->changed);
        pthread_mutex_unlock(&col->lock);
        return stop;
}

static void *stream_thread(void *arg)
{
        struct collector *col = arg;

        col->r =
            docker_events_stream(col->client, &col->filter, collect, col, &col->cancel, &col->err);
        pthread_mutex_lock(&col->lock);
        pthread_cond_broadcast(&col->changed);
        pthread_mutex_unlock(&col->lock);
        return NULL;
}

/* Wait up to timeout_s for an event with this action; 1 when it came. */
static int wait_for(struct collector *col, const char *action, int timeout_s)
{
        struct timespec deadline;
        int found = 0, i;

        clock_gettime(CLOCK_REALTIME, &deadline);
        deadline.tv_sec += timeout_s;
        pthread_mutex_lock(&col->lock);
        for (;;) {
                for (i = 0; i < col->n && !found; i++)
                        found = strcmp(col->ev[i].action, action) == 0;
                if (found || pthread_cond_timedwait(&col->changed, &col->lock, &deadline))
                        break;
        }
        pthread_mutex_unlock(&col->lock);
        return found;
}

/* Create a labelled container running cmd; its id (free() it). */
static char *make_container(const char *name, const char *test_case, const char *const *cmd)
{
        struct docker_kv labels[] = {{BT_LABEL, bt_run_id()}, {"berth.test-case", test_case}};
        struct docker_container_spec spec;
        struct berth_err err;
        char *id = NULL;

        docker_container_spec_init(&spec);
        spec.name = name;
        spec.image = bt_image();
        spec.cmd = cmd;
        spec.labels = labels;
        spec.n_labels = 2;
        ck_assert_msg(docker_container_create(&id, bt_client(), &spec, &err) == 0, "%s", err.msg);
        return id;
}

static const char *const sleep_cmd[] = {"sleep", "300", NULL};
static const char *const exit3_cmd[] = {"sh", "-c", "exit 3", NULL};
static const char *const container_type[] = {"container", NULL};

START_TEST(container_events_arrive_in_order)
{
        struct docker_client *c = bt_client();
        const char *labels[] = {bt_label_filter(), "berth.test-case=order", NULL};
        const char *name = bt_name("ev-order");
        static const char *const want[] = {"create", "start", "kill", "die"};
        struct collector col;
        struct berth_err err;
        pthread_t t;
        char *id;
        int i;

        collector_init(&col);
        col.filter.types = container_type;
        col.filter.labels = labels;
        col.filter.since = now_ns(); /* nothing is missed while the stream connects */
        ck_assert_int_eq(pthread_create(&t, NULL, stream_thread, &col), 0);

        id = make_container(name, "order", sleep_cmd);
        ck_assert_msg(docker_container_start(c, id, &err) == 0, "%s", err.msg);
        ck_assert_msg(docker_container_kill(c, id, NULL, &err) == 0, "%s", err.msg);
        ck_assert_msg(wait_for(&col, "die", 20), "no die event within 20 s (%d events)", col.n);

        atomic_store(&col.cancel, 1);
        pthread_join(t, NULL);
        ck_assert_msg(col.r == BERTH_ECANCELLED, "stream returned %d: %s", col.r, col.err.msg);
        ck_assert_int_eq(col.err.code, BERTH_ECANCELLED);

        ck_assert_int_eq(col.n, 4);
        for (i = 0; i < 4; i++) {
                ck_assert_str_eq(col.ev[i].action, want[i]);
                ck_assert_str_eq(col.ev[i].type, "container");
                ck_assert_str_eq(col.ev[i].actor_id, id);
                ck_assert_str_eq(col.ev[i].name, name);
                ck_assert_str_eq(col.ev[i].case_label, "order");
        }
        ck_assert_int_eq(col.ev[2].has_signal, 1);
        ck_assert_int_eq(col.ev[2].signal, 9);
        ck_assert_int_eq(col.ev[3].has_exit_code, 1);
        ck_assert_int_eq(col.ev[3].exit_code, 137);
        ck_assert_int_eq(col.ev[0].has_exit_code, 0);
        collector_destroy(&col);
        free(id);
}
END_TEST

/* No event ever matches: only the cancel flag can end the stream, and it
 * must do so within about a second (curl's progress callback). */
START_TEST(cancel_ends_an_idle_stream_quickly)
{
        const char *labels[] = {bt_label_filter(), "berth.test-case=never-matches", NULL};
        struct collector col;
        struct timespec pause = {0, 500 * 1000 * 1000};
        double t0, dt;
        pthread_t t;

        collector_init(&col);
        col.filter.labels = labels;
        ck_assert_int_eq(pthread_create(&t, NULL, stream_thread, &col), 0);
        nanosleep(&pause, NULL);
        t0 = mono_s();
        atomic_store(&col.cancel, 1);
        pthread_join(t, NULL);
        dt = mono_s() - t0;
        fprintf(stderr, "cancel of an idle events stream took %.3f s\n", dt);
        ck_assert_msg(col.r == BERTH_ECANCELLED, "stream returned %d: %s", col.r, col.err.msg);
        ck_assert_msg(strstr(col.err.msg, "cannot stream events") == col.err.msg, "%s",
                      col.err.msg);
        ck_assert_int_eq(col.n, 0);
        ck_assert_msg(dt < 1.5, "cancel took %.3f s", dt);
        collector_destroy(&col);
}
END_TEST

/* A container that runs `exit 3` and is removed, between since and until;
 * fills since and until and returns the container's id (free() it). */
static char *past_window(const char *name, const char *test_case, int64_t *since, int64_t *until)
{
        struct docker_client *c = bt_client();
        struct docker_wait_result w;
        struct berth_err err;
        char *id;

        *since = now_ns();
        id = make_container(name, test_case, exit3_cmd);
        ck_assert_msg(docker_container_start(c, id, &err) == 0, "%s", err.msg);
        ck_assert_msg(docker_container_wait(&w, c, id, DOCKER_WAIT_NOT_RUNNING, 0, NULL, &err) == 0,
                      "%s", err.msg);
        ck_assert_int_eq(w.exit_code, 3);
        ck_assert_msg(docker_container_remove(c, id, 0, &err) == 0, "%s", err.msg);
        *until = now_ns();
        return id;
}

/* With until in the past the engine replays the window and ends the
 * stream: 0, not ECANCELLED.  Filters by event and by container apply. */
START_TEST(stream_with_until_ends_by_itself)
{
        const char *labels[] = {bt_label_filter(), "berth.test-case=window", NULL};
        const char *name = bt_name("ev-window");
        const char *die_only[] = {"die", NULL};
        const char *by_name[] = {name, NULL};
        static const char *const want[] = {"create", "start", "die", "destroy"};
        struct collector col;
        int64_t since, until;
        char *id;
        int i;

        id = past_window(name, "window", &since, &until);

        collector_init(&col);
        col.filter.types = container_type;
        col.filter.labels = labels;
        col.filter.since = since;
        col.filter.until = until;
        stream_thread(&col);
        ck_assert_msg(col.r == 0, "stream returned %d: %s", col.r, col.err.msg);
        ck_assert_int_eq(col.n, 4);
        for (i = 0; i < 4; i++) {
                ck_assert_str_eq(col.ev[i].action, want[i]);
                ck_assert_str_eq(col.ev[i].actor_id, id);
        }
        ck_assert_int_eq(col.ev[2].exit_code, 3);
        collector_destroy(&col);

        /* Only die events of that container (by name, no label filter). */
        collector_init(&col);
        col.filter.containers = by_name;
        col.filter.events = die_only;
        col.filter.since = since;
        col.filter.until = until;
        stream_thread(&col);
        ck_assert_msg(col.r == 0, "stream returned %d: %s", col.r, col.err.msg);
        ck_assert_int_eq(col.n, 1);
        ck_assert_str_eq(col.ev[0].action, "die");
        ck_assert_int_eq(col.ev[0].has_exit_code, 1);
        ck_assert_int_eq(col.ev[0].exit_code, 3);
        collector_destroy(&col);

        /* The same window stopped by the callback at the first event. */
        collector_init(&col);
        col.filter.labels = labels;
        col.filter.since = since;
        col.filter.until = until;
        col.stop_after = 1;
        stream_thread(&col);
        ck_assert_msg(col.r == BERTH_ECANCELLED, "stream returned %d: %s", col.r, col.err.msg);
        ck_assert_int_eq(col.n, 1);
        ck_assert_str_eq(col.ev[0].action, "create");
        collector_destroy(&col);
        free(id);
}
END_TEST

START_TEST(engine_errors_are_reported)
{
        struct collector col;
        char host[300];
        struct docker_host h;
        struct berth_err err;

        /* since after until: the engine's 400. */
        collector_init(&col);
        col.filter.since = now_ns();
        col.filter.until = col.filter.since - 60LL * 1000000000;
        stream_thread(&col);
        ck_assert_int_eq(col.r, BERTH_EINVALID);
        ck_assert_int_eq(col.err.http_status, 400);
        ck_assert_msg(strstr(col.err.msg, "cannot stream events: ") == col.err.msg, "%s",
                      col.err.msg);
        ck_assert_msg(strstr(col.err.engine_msg, "cannot be after `until`"), "%s",
                      col.err.engine_msg);
        ck_assert_int_eq(col.n, 0);
        collector_destroy(&col);

        /* No engine behind the socket: reported like every call. */
        snprintf(host, sizeof(host), "unix://%s/docker.sock", bt_tmpdir());
        ck_assert_msg(docker_host_parse(&h, host, NULL, NULL, &err) == 0, "%s", err.msg);
        collector_init(&col);
        ck_assert_msg(docker_client_new(&col.client, &h, &err) == 0, "%s", err.msg);
        stream_thread(&col);
        ck_assert_int_eq(col.r, BERTH_ECONNECT);
        ck_assert_msg(strstr(col.err.msg, "the Docker engine is not running"), "%s", col.err.msg);
        ck_assert_int_eq(col.n, 0);
        docker_client_free(col.client);
        collector_destroy(&col);
}
END_TEST

/* ---- the pollable stream (docker_events_open/read) --------------------- */

static int on_polled(const struct docker_event *ev, void *ud)
{
        struct collector *col = ud;

        if (col->n < (int)(sizeof(col->ev) / sizeof(col->ev[0]))) {
                snprintf(col->ev[col->n].action, sizeof(col->ev[0].action), "%s", ev->action);
                col->n++;
        }
        return 0;
}

/* Poll e until an event with this action came, the stream ended or
 * timeout_ms passed; returns the number of polls that found data. */
static int poll_until(struct docker_events *e, struct collector *col, const char *action,
                      int timeout_ms, int *eof)
{
        struct pollfd p = {.fd = docker_events_fd(e), .events = POLLIN};
        struct berth_err err;
        int wakeups = 0, i;

        /* Once right away: what came with the answer's head is not on the
         * socket any more. */
        ck_assert_msg(docker_events_read(e, on_polled, col, eof, &err) == 0, "%s", err.msg);
        while (!*eof && poll(&p, 1, timeout_ms) > 0) {
                wakeups++;
                ck_assert_msg(docker_events_read(e, on_polled, col, eof, &err) == 0, "%s", err.msg);
                for (i = 0; action && i < col->n; i++)
                        if (!strcmp(col->ev[i].action, action))
                                return wakeups;
        }
        return wakeups;
}

START_TEST(polled_stream_delivers_in_order_and_is_quiet_when_idle)
{
        struct docker_client *c = bt_client();
        const char *labels[] = {bt_label_filter(), "berth.test-case=polled", NULL};
        static const char *const want[] = {"create", "start", "kill", "die"};
        struct docker_event_filter f = {.types = container_type, .labels = labels};
        struct docker_events *e = NULL;
        struct collector col;
        struct berth_err err;
        int eof, i;
        char *id;

        collector_init(&col);
        ck_assert_msg(docker_events_open(&e, c, &f, &err) == 0, "%s", err.msg);
        /* Nothing happens: the descriptor stays quiet for 1.5 s. */
        ck_assert_int_eq(poll_until(e, &col, NULL, 1500, &eof), 0);
        ck_assert_int_eq(col.n, 0);

        id = make_container(bt_name("ev-polled"), "polled", sleep_cmd);
        ck_assert_msg(docker_container_start(c, id, &err) == 0, "%s", err.msg);
        ck_assert_msg(docker_container_kill(c, id, NULL, &err) == 0, "%s", err.msg);
        poll_until(e, &col, "die", 20000, &eof);
        ck_assert_int_eq(eof, 0);
        ck_assert_int_eq(col.n, 4);
        for (i = 0; i < 4; i++)
                ck_assert_str_eq(col.ev[i].action, want[i]);
        docker_events_close(e);
        collector_destroy(&col);
        free(id);
}
END_TEST

START_TEST(polled_stream_ends_at_until_and_reports_errors)
{
        struct docker_event_filter f = {0};
        struct docker_events *e = NULL;
        struct collector col;
        struct docker_host h;
        struct docker_client *dead = NULL;
        struct berth_err err;
        char host[300];
        int eof;

        collector_init(&col);
        f.until = now_ns();
        f.since = f.until - 1000000000LL;
        ck_assert_msg(docker_events_open(&e, bt_client(), &f, &err) == 0, "%s", err.msg);
        poll_until(e, &col, NULL, 10000, &eof);
        ck_assert_int_eq(eof, 1);
        docker_events_close(e);

        f.since = now_ns();
        f.until = f.since - 60LL * 1000000000;
        ck_assert_int_eq(docker_events_open(&e, bt_client(), &f, &err), BERTH_EINVALID);
        ck_assert_ptr_null(e);
        ck_assert_int_eq(err.http_status, 400);
        ck_assert_msg(strstr(err.msg, "cannot stream events: ") == err.msg, "%s", err.msg);
        ck_assert_msg(strstr(err.engine_msg, "cannot be after `until`"), "%s", err.engine_msg);

        snprintf(host, sizeof(host), "unix://%s/docker.sock", bt_tmpdir());
        ck_assert_msg(docker_host_parse(&h, host, NULL, NULL, &err) == 0, "%s", err.msg);
        ck_assert_msg(docker_client_new(&dead, &h, &err) == 0, "%s", err.msg);
        ck_assert_int_eq(docker_events_open(&e, dead, NULL, &err), BERTH_ECONNECT);
        docker_client_free(dead);
        collector_destroy(&col);
        docker_events_close(NULL);
}
END_TEST

int main(void)
{
        Suite *s = suite_create("events");
        TCase *tc = tcase_create("engine");

        bt_tcase_engine(tc);
        tcase_add_test(tc, container_events_arrive_in_order);
        tcase_add_test(tc, cancel_ends_an_idle_stream_quickly);
        tcase_add_test(tc, stream_with_until_ends_by_itself);
        tcase_add_test(tc, engine_errors_are_reported);
        tcase_add_test(tc, polled_stream_delivers_in_order_and_is_quiet_when_idle);
        tcase_add_test(tc, polled_stream_ends_at_until_and_reports_errors);
        suite_add_tcase(s, tc);
        return bt_engine_main(s);
}
