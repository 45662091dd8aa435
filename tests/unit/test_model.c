/* The model's own rules: sensitive names, engine names, canonical form. */
#include <string.h>

#include "berth_test.h"
#include <stdio.h>
#include <stdint.h>
#include <stdlib.h>

#include "common/arena.h"
#include "common/yamlout.h"
#include "model/model.h"

static const struct {
        const char *name;
        int sensitive;
} names[] = {
    {"DB_PASSWORD", 1},
    {"password", 1},
    {"MYSQL_ROOT_PASSWD", 1},
    {"APP_SECRET", 1},
    {"secrets", 1},
    {"GITHUB_TOKEN", 1},
    {"tokenFile", 1},
    {"API_KEY", 1},
    {"apiKey", 1},
    {"APIKEY", 1},
    {"aws.access-key", 1},
    {"AWS_ACCESSKEY", 1},
    {"key", 1},
    {"SSH_KEYS", 1},
    {"PRIVATEKEY", 1},
    {"MONKEY", 0},
    {"KEYBOARD", 0},
    {"TURKEY_MODE", 0},
    {"LOG_LEVEL", 0},
    {"PATH", 0},
    {"HOCKEY_KEYWORD", 0},
    {"", 0},
};

START_TEST(sensitive_names)
{
        ck_assert_msg(model_name_is_sensitive(names[_i].name) == names[_i].sensitive,
                      "'%s' should %sbe sensitive", names[_i].name,
                      names[_i].sensitive ? "" : "not ");
}
END_TEST

START_TEST(container_names)
{
        char shop[] = "shop", web[] = "web", legacy[] = "legacy-web";
        struct model_project p = {.name = shop};
        struct model_service s = {.name = web};
        char buf[128];

        ck_assert_str_eq(model_container_name(&p, &s, 2, buf, sizeof(buf)), "shop-web-2");
        ck_assert_str_eq(model_container_name(&p, &s, 1000000, buf, sizeof(buf)),
                         "shop-web-1000000");
        /* cut to the buffer as snprintf cuts */
        ck_assert_str_eq(model_container_name(&p, &s, 12, buf, 10), "shop-web-");
        ck_assert_str_eq(model_container_name(&p, &s, 12, buf, 11), "shop-web-1");
        ck_assert_str_eq(model_container_name(&p, &s, 12, buf, 3), "sh");
        ck_assert_str_eq(model_container_name(&p, &s, 12, buf, 1), "");
        s.container_name = legacy;
        ck_assert_str_eq(model_container_name(&p, &s, 1, buf, sizeof(buf)), "legacy-web");
        ck_assert_str_eq(model_container_name(&p, &s, 1, buf, 7), "legacy");
}
END_TEST

START_TEST(canonical_redacts_sensitive_values_only_when_asked)
{
        char k1[] = "DB_PASSWORD", v1[] = "hunter2", k2[] = "LOG_LEVEL", v2[] = "info";
        char v3[] = "debug", shop[] = "shop", web[] = "web", image[] = "app:1";
        struct model_kv env[] = {{k1, v1, 1}, {k2, v2, 0}};
        struct model_project p = {.name = shop};
        struct model_service s = {.name = web,
                                  .image = image,
                                  .environment = {env, 2},
                                  .restart_max_retries = MODEL_UNSET,
                                  .stop_grace_period = MODEL_UNSET,
                                  .mem_limit = MODEL_UNSET,
                                  .mem_reservation = MODEL_UNSET,
                                  .nano_cpus = MODEL_UNSET,
                                  .pids_limit = MODEL_UNSET,
                                  .shm_size = MODEL_UNSET,
                                  .init = -1};
        json_t *clear = model_service_canonical(&p, &s, 0);
        json_t *redacted = model_service_canonical(&p, &s, 1);
        json_t *e1 = json_object_get(clear, "environment");
        json_t *e2 = json_object_get(redacted, "environment");
        char h1[65], h2[65];
        struct berth_err err;

        ck_assert_str_eq(json_string_value(json_object_get(e1, "DB_PASSWORD")), "hunter2");
        /* sha256("hunter2") */
        ck_assert_str_eq(json_string_value(json_object_get(e2, "DB_PASSWORD")),
                         "sha256:f52fbd32b2b3b86ff88ef6c490628285f482af15ddcb29541f94bcf526a3f6c7");
        ck_assert_str_eq(json_string_value(json_object_get(e2, "LOG_LEVEL")), "info");
        ck_assert(json_is_null(json_object_get(clear, "command")));
        ck_assert(json_is_null(json_object_get(clear, "mem_limit")));
        ck_assert(json_is_null(json_object_get(clear, "init")));

        ck_assert_int_eq(model_service_hash(h1, &p, &s, &err), 0);
        env[1].value = v3;
        ck_assert_int_eq(model_service_hash(h2, &p, &s, &err), 0);
        ck_assert_str_ne(h1, h2);
        ck_assert_int_eq(strlen(h1), 64);
        json_decref(clear);
        json_decref(redacted);
}
END_TEST

START_TEST(arena_holds_many_and_large_objects)
{
        struct berth_arena *a = berth_arena_new();
        char *big, *s = NULL;
        int i;

        for (i = 0; i < 100000; i++) {
                s = berth_arena_printf(a, "item-%d", i);
                ck_assert_ptr_nonnull(s);
        }
        ck_assert_str_eq(s, "item-99999");
        big = berth_arena_alloc(a, 1 << 20);
        ck_assert_ptr_nonnull(big);
        ck_assert_int_eq(big[(1 << 20) - 1], 0);
        ck_assert_str_eq(berth_arena_strndup(a, "abcdef", 3), "abc");
        ck_assert_ptr_null(berth_arena_strdup(a, NULL));
        /* grow: the old elements copied, the new room zeroed */
        {
                int *v = berth_arena_alloc(a, 4 * sizeof(*v)), *w;

                for (i = 0; i < 4; i++)
                        v[i] = i + 1;
                w = berth_arena_grow(a, v, 4, 8, sizeof(*v));
                ck_assert_ptr_nonnull(w);
                for (i = 0; i < 8; i++)
                        ck_assert_int_eq(w[i], i < 4 ? i + 1 : 0);
                w = berth_arena_grow(a, NULL, 0, 3, sizeof(*v));
                ck_assert(w && !w[0] && !w[1] && !w[2]);
        }
        berth_arena_free(a);
        berth_arena_free(NULL);
}
END_TEST

static const struct {
        int64_t ns;
        const char *text;
} durations[] = {
    {0, "0s"},
    {500000000LL, "500ms"},
    {1500, "1500ns"},
    {10000, "10us"},
    {1000000000LL, "1s"},
    {1500000000LL, "1.5s"},
    {90000000000LL, "1m30s"},
    {3600000000000LL, "1h"},
    {9900000000000LL, "2h45m"},
    {3661000000000LL, "1h1m1s"},
};

START_TEST(duration_format)
{
        char buf[64];

        ck_assert_str_eq(model_duration_format(durations[_i].ns, buf, sizeof(buf)),
                         durations[_i].text);
}
END_TEST

static char *yaml_of(const char *json)
{
        json_t *v = json_loads(json, 0, NULL);
        char *text = NULL;
        size_t len = 0;
        FILE *f = open_memstream(&text, &len);
        struct berth_err err;

        ck_assert_ptr_nonnull(v);
        ck_assert_int_eq(yamlout_write(f, v, 0, &err), 0);
        fclose(f);
        json_decref(v);
        return text;
}

START_TEST(yaml_output_quotes_what_would_read_back_differently)
{
        char *y = yaml_of("{\"s\":{\"b\":\"yes\",\"n\":\"80\",\"t\":\"1:30\",\"e\":\"\","
                          "\"x\":\"nginx:1.25\",\"i\":80,\"f\":true,\"z\":null,"
                          "\"l\":[\"CMD\",\"0755\"]}}");

        ck_assert_str_eq(y, "s:\n"
                            "  b: \"yes\"\n"
                            "  \"n\": \"80\"\n"
                            "  t: \"1:30\"\n"
                            "  e: \"\"\n"
                            "  x: nginx:1.25\n"
                            "  i: 80\n"
                            "  f: true\n"
                            "  z: null\n"
                            "  l:\n"
                            "  - CMD\n"
                            "  - \"0755\"\n");
        free(y);
}
END_TEST

START_TEST(duration_seconds_round_up)
{
        ck_assert_int_eq(model_duration_seconds_up(0), 0);
        ck_assert_int_eq(model_duration_seconds_up(1), 1);
        ck_assert_int_eq(model_duration_seconds_up(1000000000LL), 1);
        ck_assert_int_eq(model_duration_seconds_up(2500000000LL), 3);
        ck_assert_int_eq(model_duration_seconds_up(INT64_MAX), INT64_MAX / 1000000000 + 1);
}
END_TEST

int main(void)
{
        Suite *s = suite_create("model");
        TCase *tc = tcase_create("model");

        tcase_add_loop_test(tc, sensitive_names, 0, sizeof(names) / sizeof(names[0]));
        tcase_add_test(tc, container_names);
        tcase_add_test(tc, canonical_redacts_sensitive_values_only_when_asked);
        tcase_add_test(tc, arena_holds_many_and_large_objects);
        tcase_add_loop_test(tc, duration_format, 0, sizeof(durations) / sizeof(durations[0]));
        tcase_add_test(tc, yaml_output_quotes_what_would_read_back_differently);
        tcase_add_test(tc, duration_seconds_round_up);
        suite_add_tcase(s, tc);
        return bt_unit_main(s);
}
