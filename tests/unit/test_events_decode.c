/* Decoding of /events objects, on samples captured from the engine
 * (Docker 20.10.24, API 1.41) in tests/fixtures/events/: a container
 * created, exec'd into, killed and removed; one with a healthcheck
 * stopped after its grace period; a run on a user network with a named
 * volume that exits 3. */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "berth_test.h"
#include "docker/events.h"

#define FIXTURES BERTH_TEST_DATA "/fixtures/events/"

/* The fixture's lines as JSON objects, NULL-terminated; free with free_lines(). */
static json_t **load_lines(const char *name, size_t *n)
{
        char path[512], *line = NULL;
        size_t cap = 0, count = 0;
        json_t **v = NULL;
        json_error_t jerr;
        FILE *f;

        snprintf(path, sizeof(path), "%s%s", FIXTURES, name);
        f = fopen(path, "re");
        ck_assert_msg(f, "cannot open fixture %s", path);
        while (getline(&line, &cap, f) > 0) {
                v = realloc(v, (count + 2) * sizeof(*v));
                ck_assert(v);
                v[count] = json_loads(line, 0, &jerr);
                ck_assert_msg(v[count], "%s:%d: %s", path, jerr.line, jerr.text);
                count++;
                v[count] = NULL;
        }
        free(line);
        fclose(f);
        ck_assert_msg(count > 0, "fixture %s is empty", path);
        *n = count;
        return v;
}

static void free_lines(json_t **v)
{
        for (size_t i = 0; v && v[i]; i++)
                json_decref(v[i]);
        free(v);
}

static struct docker_event decode_ok(const json_t *obj)
{
        struct docker_event ev;
        struct berth_err err = {0};
        int r = docker_event_decode(&ev, obj, &err);

        ck_assert_msg(r == 0, "decode failed (%d): %s", r, err.msg);
        return ev;
}

struct expect {
        const char *type;
        const char *action;
        const char *detail; /* NULL: none */
        int exit_code;      /* -1: no exitCode attribute */
        int signal;         /* -1: no signal attribute */
};

/* Every line decodes to the expected (type, action, detail, exitCode,
 * signal), with a consistent kind, actor and time. */
static void check_fixture(const char *name, const struct expect *want, size_t nwant)
{
        size_t n;
        json_t **lines = load_lines(name, &n);

        ck_assert_uint_eq(n, nwant);
        for (size_t i = 0; i < n; i++) {
                struct docker_event ev = decode_ok(lines[i]);

                ck_assert_str_eq(ev.type, want[i].type);
                ck_assert_str_eq(ev.action, want[i].action);
                if (want[i].detail)
                        ck_assert_pstr_eq(ev.detail, want[i].detail);
                else
                        ck_assert_ptr_null(ev.detail);
                ck_assert_int_eq(ev.has_exit_code, want[i].exit_code >= 0);
                if (want[i].exit_code >= 0)
                        ck_assert_int_eq(ev.exit_code, want[i].exit_code);
                ck_assert_int_eq(ev.has_signal, want[i].signal >= 0);
                if (want[i].signal >= 0)
                        ck_assert_int_eq(ev.signal, want[i].signal);
                ck_assert_ptr_eq(ev.raw, lines[i]);
                ck_assert_int_eq(ev.kind, strcmp(ev.type, "container") == 0 ? DOCKER_EVENT_CONTAINER
                                          : strcmp(ev.type, "network") == 0 ? DOCKER_EVENT_NETWORK
                                                                            : DOCKER_EVENT_VOLUME);
                ck_assert_str_eq(ev.scope, "local");
                ck_assert_uint_gt(strlen(ev.actor_id), 0);
                ck_assert_ptr_nonnull(ev.attributes);
                ck_assert(ev.time > 1700000000);
                ck_assert(ev.time_nano / 1000000000 == ev.time);
                if (ev.kind == DOCKER_EVENT_CONTAINER) {
                        ck_assert_uint_eq(strlen(ev.actor_id), 64);
                        ck_assert_str_eq(ev.image, "berth-net/busybox:latest");
                        ck_assert_str_eq(docker_event_attr(&ev, "berth.test-run"), "capnet");
                        ck_assert(strncmp(ev.name, "berthtest-capnet-ev", 19) == 0);
                }
        }
        free_lines(lines);
}

START_TEST(lifecycle)
{
        static const struct expect want[] = {
            {"container", "create", NULL, -1, -1},
            {"network", "connect", NULL, -1, -1},
            {"container", "start", NULL, -1, -1},
            {"container", "exec_create", "sh -c echo hi", -1, -1},
            {"container", "exec_start", "sh -c echo hi", -1, -1},
            {"container", "exec_die", NULL, 0, -1},
            {"container", "kill", NULL, -1, 9},
            {"container", "die", NULL, 137, -1},
            {"network", "disconnect", NULL, -1, -1},
            {"container", "destroy", NULL, -1, -1},
        };
        size_t n;
        json_t **lines;
        struct docker_event create, connect;

        check_fixture("container-lifecycle.jsonl", want, sizeof(want) / sizeof(want[0]));

        /* Actor and attributes of a container event and of the network
         * event that names the same container. */
        lines = load_lines("container-lifecycle.jsonl", &n);
        create = decode_ok(lines[0]);
        connect = decode_ok(lines[1]);
        ck_assert_str_eq(create.name, "berthtest-capnet-ev1");
        ck_assert_str_eq(create.actor_id, json_string_value(json_object_get(lines[0], "id")));
        ck_assert_str_eq(docker_event_attr(&create, "app"), "ev");
        ck_assert_ptr_null(docker_event_attr(&create, "exitCode"));
        ck_assert_int_eq(create.time_nano, 1795428154265963622LL);
        ck_assert_int_eq(create.time, 1795428154);
        ck_assert_str_eq(connect.name, "bridge");
        ck_assert_str_eq(connect.image, "");
        ck_assert_str_eq(docker_event_attr(&connect, "container"), create.actor_id);
        ck_assert_str_eq(docker_event_attr(&connect, "type"), "bridge");
        free_lines(lines);
}
END_TEST

START_TEST(health_and_stop)
{
        static const struct expect want[] = {
            {"container", "create", NULL, -1, -1},
            {"network", "connect", NULL, -1, -1},
            {"container", "start", NULL, -1, -1},
            {"container", "exec_create", "/bin/sh -c true", -1, -1},
            {"container", "exec_start", "/bin/sh -c true", -1, -1},
            {"container", "exec_die", NULL, 0, -1},
            {"container", "health_status", "healthy", -1, -1},
            {"container", "exec_create", "/bin/sh -c true", -1, -1},
            {"container", "exec_start", "/bin/sh -c true", -1, -1},
            {"container", "exec_die", NULL, 0, -1},
            {"container", "kill", NULL, -1, 15},
            {"container", "exec_create", "/bin/sh -c true", -1, -1},
            {"container", "exec_start", "/bin/sh -c true", -1, -1},
            {"container", "exec_die", NULL, 0, -1},
            {"container", "kill", NULL, -1, 9},
            {"container", "die", NULL, 137, -1},
            {"network", "disconnect", NULL, -1, -1},
            {"container", "stop", NULL, -1, -1},
            {"container", "destroy", NULL, -1, -1},
        };

        check_fixture("health-stop.jsonl", want, sizeof(want) / sizeof(want[0]));
}
END_TEST

START_TEST(network_and_volume)
{
        static const struct expect want[] = {
            {"network", "create", NULL, -1, -1},   {"volume", "create", NULL, -1, -1},
            {"volume", "create", NULL, -1, -1},    {"container", "create", NULL, -1, -1},
            {"container", "attach", NULL, -1, -1}, {"network", "connect", NULL, -1, -1},
            {"volume", "mount", NULL, -1, -1},     {"container", "start", NULL, -1, -1},
            {"container", "die", NULL, 3, -1},     {"network", "disconnect", NULL, -1, -1},
            {"volume", "unmount", NULL, -1, -1},   {"container", "destroy", NULL, -1, -1},
            {"network", "destroy", NULL, -1, -1},  {"volume", "destroy", NULL, -1, -1},
        };
        size_t n;
        json_t **lines;
        struct docker_event net, vol, mount;

        check_fixture("network-volume.jsonl", want, sizeof(want) / sizeof(want[0]));

        lines = load_lines("network-volume.jsonl", &n);
        net = decode_ok(lines[0]);
        vol = decode_ok(lines[1]);
        mount = decode_ok(lines[6]);
        ck_assert_str_eq(net.name, "berthtest-capnet-n1");
        ck_assert_uint_eq(strlen(net.actor_id), 64);
        /* Volume events name the volume only in the actor id. */
        ck_assert_str_eq(vol.actor_id, "berthtest-capnet-v1");
        ck_assert_str_eq(vol.name, "");
        ck_assert_str_eq(docker_event_attr(&vol, "driver"), "local");
        ck_assert_str_eq(docker_event_attr(&mount, "destination"), "/data");
        free_lines(lines);
}
END_TEST

/* Action splitting: the base before the first ": ", the rest verbatim. */
START_TEST(action_detail)
{
        static const struct {
                const char *action, *base, *detail;
        } cases[] = {
            {"health_status: unhealthy", "health_status", "unhealthy"},
            {"exec_create: sh -c 'echo a: b'", "exec_create", "sh -c 'echo a: b'"},
            {"exec_start: ", "exec_start", ""},
            {"destroy", "destroy", NULL},
            {"exec_die", "exec_die", NULL},
            {"untag", "untag", NULL},
            {"a:b", "a:b", NULL},
            {"", "", NULL},
        };

        for (size_t i = 0; i < sizeof(cases) / sizeof(cases[0]); i++) {
                json_t *obj = json_pack("{s:s, s:s, s:{s:s, s:{}}}", "Type", "container", "Action",
                                        cases[i].action, "Actor", "ID", "abc", "Attributes");
                struct docker_event ev = decode_ok(obj);

                ck_assert_str_eq(ev.action, cases[i].base);
                if (cases[i].detail)
                        ck_assert_pstr_eq(ev.detail, cases[i].detail);
                else
                        ck_assert_ptr_null(ev.detail);
                json_decref(obj);
        }
}
END_TEST

/* Missing optional parts decode to "" / NULL / derived values. */
START_TEST(sparse_event)
{
        json_t *obj = json_pack("{s:s, s:s, s:I}", "Type", "plugin", "Action", "enable", "time",
                                (json_int_t)1795428154);
        struct docker_event ev = decode_ok(obj);

        ck_assert_int_eq(ev.kind, DOCKER_EVENT_OTHER);
        ck_assert_str_eq(ev.type, "plugin");
        ck_assert_str_eq(ev.actor_id, "");
        ck_assert_str_eq(ev.name, "");
        ck_assert_str_eq(ev.scope, "");
        ck_assert_ptr_null(ev.attributes);
        ck_assert_ptr_null(docker_event_attr(&ev, "name"));
        ck_assert_int_eq(ev.has_exit_code, 0);
        ck_assert_int_eq(ev.time_nano, 1795428154LL * 1000000000LL);
        json_decref(obj);

        obj = json_pack("{s:s, s:s, s:I}", "Type", "daemon", "Action", "reload", "timeNano",
                        (json_int_t)1795428154999999999LL);
        ev = decode_ok(obj);
        ck_assert_int_eq(ev.kind, DOCKER_EVENT_DAEMON);
        ck_assert_int_eq(ev.time, 1795428154);
        json_decref(obj);
}
END_TEST

/* What is not an event is EPROTO with a message saying what is wrong. */
START_TEST(malformed)
{
        static const struct {
                const char *json, *msg_part;
        } cases[] = {
            {"[1, 2]", "not a JSON object"},
            {"{\"Action\": \"die\"}", "no Type"},
            {"{\"Type\": \"container\"}", "no Action"},
            {"{\"Type\": \"container\", \"Action\": 7}", "no Action"},
            {"{\"Type\":\"container\",\"Action\":\"die\",\"Actor\":{\"Attributes\":"
             "{\"exitCode\":\"abc\"}}}",
             "exitCode 'abc' is not a number"},
            {"{\"Type\":\"container\",\"Action\":\"die\",\"Actor\":{\"Attributes\":"
             "{\"exitCode\":\"\"}}}",
             "is not a number"},
            {"{\"Type\":\"container\",\"Action\":\"kill\",\"Actor\":{\"Attributes\":"
             "{\"signal\":\"9x\"}}}",
             "signal '9x' is not a number"},
            {"{\"Type\":\"container\",\"Action\":\"die\",\"Actor\":{\"Attributes\":"
             "{\"name\":5}}}",
             "attribute 'name' is not a string"},
            {"{\"Type\":\"container\",\"Action\":\"die\",\"Actor\":{\"Attributes\":[]}}",
             "Attributes is not an object"},
            {"{\"Type\":\"container\",\"Action\":\"aaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaa"
             "aaaaaaaaaaaaaaaaaaaaaaa: x\"}",
             "action is too long"},
            /* seconds past the year 2262 do not fit in nanoseconds (found by
             * fuzz/fuzz_engine.c: the multiplication overflowed) */
            {"{\"Type\":\"network\",\"Action\":\"create\",\"time\":17954281606}",
             "time 17954281606 is out of range"},
            {"{\"Type\":\"network\",\"Action\":\"create\",\"time\":-9300000000}",
             "time -9300000000 is out of range"},
        };

        for (size_t i = 0; i < sizeof(cases) / sizeof(cases[0]); i++) {
                json_t *obj = json_loads(cases[i].json, JSON_DECODE_ANY, NULL);
                struct docker_event ev;
                struct berth_err err = {0};

                ck_assert_msg(obj, "bad test JSON %zu", i);
                memset(&ev, 0x5a, sizeof(ev));
                ck_assert_int_eq(docker_event_decode(&ev, obj, &err), BERTH_EPROTO);
                ck_assert_int_eq(err.code, BERTH_EPROTO);
                ck_assert_msg(strstr(err.msg, cases[i].msg_part), "case %zu: '%s' lacks '%s'", i,
                              err.msg, cases[i].msg_part);
                ck_assert_msg(strncmp(err.msg, "cannot decode event", 19) == 0, "%s", err.msg);
                /* *out untouched on failure. */
                ck_assert_int_eq(((unsigned char *)&ev)[0], 0x5a);
                json_decref(obj);
        }
        /* NULL error object is allowed. */
        {
                struct docker_event ev;

                ck_assert_int_eq(docker_event_decode(&ev, NULL, NULL), BERTH_EPROTO);
        }
}
END_TEST

int main(void)
{
        Suite *s = suite_create("events_decode");
        TCase *tc = tcase_create("decode");

        tcase_add_test(tc, lifecycle);
        tcase_add_test(tc, health_and_stop);
        tcase_add_test(tc, network_and_volume);
        tcase_add_test(tc, action_detail);
        tcase_add_test(tc, sparse_event);
        tcase_add_test(tc, malformed);
        suite_add_tcase(s, tc);
        return bt_unit_main(s);
}
