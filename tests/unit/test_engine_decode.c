/* The engine-answer decoders that need no request: the container list
 * (docker_container_list_parse) and one object of a pull stream
 * (docker_image_pull_decode), on the list captured in
 * tests/fixtures/observe/ and on answers no engine sends but a broken
 * one could (what fuzz/fuzz_engine.c found among them). */
#include <string.h>

#include <jansson.h>

#include "berth_test.h"
#include "common/err.h"
#include "docker/container.h"
#include "docker/image.h"

#define CONTAINERS BERTH_TEST_DATA "/fixtures/observe/containers.json"

static json_t *parse_json(const char *text)
{
        json_error_t jerr;
        json_t *j = json_loads(text, 0, &jerr);

        ck_assert_msg(j != NULL, "bad test JSON: %s", jerr.text);
        return j;
}

START_TEST(list_of_the_fixture)
{
        struct docker_container_list list;
        struct berth_err err;
        json_error_t jerr;
        json_t *raw = json_load_file(CONTAINERS, 0, &jerr);
        size_t i, k;

        ck_assert_msg(raw != NULL, "%s: %s", CONTAINERS, jerr.text);
        berth_err_clear(&err);
        ck_assert_int_eq(docker_container_list_parse(&list, raw, &err), 0);
        ck_assert_uint_eq(list.count, json_array_size(list.raw));
        ck_assert_uint_eq(list.count, 12);
        ck_assert_str_eq(list.items[0].names[0], "berthtest-obsfix-nolabels"); /* no '/' */
        ck_assert_uint_eq(list.items[0].n_names, 1);
        ck_assert_ptr_null(list.items[0].names[1]);
        ck_assert_str_eq(list.items[0].state, "created");
        ck_assert_int_eq(list.items[0].created, 1795431703);
        ck_assert_str_eq(docker_kv_get(list.items[1].labels, list.items[1].n_labels, "berth.scope"),
                         "fixture-other");
        for (i = 0; i < list.count; i++)
                for (k = 1; k < list.items[i].n_labels; k++)
                        ck_assert_int_lt(
                            strcmp(list.items[i].labels[k - 1].key, list.items[i].labels[k].key),
                            0);
        docker_container_list_release(&list);
}
END_TEST

START_TEST(list_that_is_not_a_list)
{
        static const char *const bodies[] = {"{}", "\"containers\"", NULL};
        struct docker_container_list list;
        struct berth_err err;
        size_t i;

        for (i = 0; i < sizeof(bodies) / sizeof(bodies[0]); i++) {
                json_t *raw = bodies[i] ? json_loads(bodies[i], JSON_DECODE_ANY, NULL) : NULL;

                berth_err_clear(&err);
                ck_assert_int_eq(docker_container_list_parse(&list, raw, &err), BERTH_EPROTO);
                ck_assert_str_eq(err.msg,
                                 "cannot list containers: the engine's answer is not a list");
                docker_container_list_release(&list); /* frees raw */
        }
}
END_TEST

/* Numbers as reals: whole ones are read, those no long long holds read as
 * 0 (found by fuzz_engine: the conversion was undefined behaviour), and
 * entries that are not objects have nothing in them. */
START_TEST(list_with_odd_numbers)
{
        struct docker_container_list list;
        struct berth_err err;
        json_t *raw = parse_json("[{\"Id\":\"a\",\"Created\":1.79543e93,"
                                 "\"Ports\":[{\"PrivatePort\":80.0,\"PublicPort\":-1e300}]},"
                                 "{\"Id\":\"b\",\"Created\":1795431703.0},"
                                 "{\"Id\":\"c\",\"Created\":-9.3e18}, 7, null]");

        berth_err_clear(&err);
        ck_assert_int_eq(docker_container_list_parse(&list, raw, &err), 0);
        ck_assert_uint_eq(list.count, 5);
        ck_assert_int_eq(list.items[0].created, 0);
        ck_assert_uint_eq(list.items[0].n_ports, 1);
        ck_assert_uint_eq(list.items[0].ports[0].private_port, 80);
        ck_assert_uint_eq(list.items[0].ports[0].public_port, 0);
        ck_assert_int_eq(list.items[1].created, 1795431703);
        ck_assert_int_eq(list.items[2].created, 0);
        ck_assert_str_eq(list.items[3].id, "");
        ck_assert_uint_eq(list.items[3].n_names, 0);
        ck_assert_str_eq(list.items[4].state, "");
        docker_container_list_release(&list);
}
END_TEST

START_TEST(pull_stream_objects)
{
        static const struct {
                const char *json;
                enum docker_pull_msg kind;
                const char *text; /* ERROR, STATUS_BODY: the message; PROGRESS: status */
                long long current, total;
        } cases[] = {
            {"{\"status\":\"Downloading\",\"progressDetail\":{\"current\":3893,\"total\":200000},"
             "\"progress\":\"[>  ]\",\"id\":\"9d1c\"}",
             DOCKER_PULL_MSG_PROGRESS, "Downloading", 3893, 200000},
            {"{\"status\":\"Pulling fs layer\",\"progressDetail\":{},\"id\":\"9d1c\"}",
             DOCKER_PULL_MSG_PROGRESS, "Pulling fs layer", -1, -1},
            {"{\"status\":\"x\",\"progressDetail\":{\"current\":1.5e300,\"total\":\"2\"}}",
             DOCKER_PULL_MSG_PROGRESS, "x", -1, -1},
            {"{\"errorDetail\":{\"message\":\"layer verification failed\"},\"error\":\"short\"}",
             DOCKER_PULL_MSG_ERROR, "layer verification failed", 0, 0},
            {"{\"error\":\"manifest unknown\"}", DOCKER_PULL_MSG_ERROR, "manifest unknown", 0, 0},
            {"{\"error\":7}", DOCKER_PULL_MSG_ERROR, "unknown error", 0, 0},
            {"{\"message\":\"dial tcp: connection refused\"}", DOCKER_PULL_MSG_STATUS_BODY,
             "dial tcp: connection refused", 0, 0},
            /* a message beside a status is progress, not an error body */
            {"{\"message\":\"m\",\"status\":\"s\"}", DOCKER_PULL_MSG_PROGRESS, "s", -1, -1},
        };
        struct docker_pull_progress p;
        char text[16];
        size_t i;

        for (i = 0; i < sizeof(cases) / sizeof(cases[0]); i++) {
                json_t *obj = parse_json(cases[i].json);
                enum docker_pull_msg kind;

                memset(text, 0, sizeof(text));
                kind = docker_image_pull_decode(&p, text, sizeof(text), obj);
                ck_assert_msg(kind == cases[i].kind, "case %zu: kind %d", i, (int)kind);
                if (kind == DOCKER_PULL_MSG_PROGRESS) {
                        ck_assert_str_eq(p.status, cases[i].text);
                        ck_assert_int_eq(p.current, cases[i].current);
                        ck_assert_int_eq(p.total, cases[i].total);
                        ck_assert_ptr_eq(p.raw, obj);
                } else {
                        /* cut to fit text[16] */
                        ck_assert_int_eq(strncmp(text, cases[i].text, sizeof(text) - 1), 0);
                        ck_assert_uint_le(strlen(text), sizeof(text) - 1);
                }
                json_decref(obj);
        }
}
END_TEST

int main(void)
{
        Suite *s = suite_create("engine_decode");
        TCase *tc = tcase_create("engine_decode");

        tcase_add_test(tc, list_of_the_fixture);
        tcase_add_test(tc, list_that_is_not_a_list);
        tcase_add_test(tc, list_with_odd_numbers);
        tcase_add_test(tc, pull_stream_objects);
        suite_add_tcase(s, tc);
        return bt_unit_main(s);
}
