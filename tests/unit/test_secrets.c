/* Secrets never shown in clear (README "Sensitive values"): the values of
 * sensitive variables and keys, also where they are interpolated into
 * other values (a URL, a command argument), in `berth config`'s
 * state, the berth.applied label, the plan's field differences (also
 * against an old label that holds one in clear) and the loader's
 * messages; the config hash still sees them.  The engine test
 * test_policy_apply greps every output of the binary for the same. */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <jansson.h>

#include "berth_cli.h"
#include "berth_test.h"
#include "common/err.h"
#include "diff/diff.h"
#include "manifest/diag.h"
#include "manifest/load.h"
#include "model/model.h"
#include "observe/observe.h"

#define REDIS_SECRET "redis-Zq8vN4kP2w"
#define DB_SECRET "db-Hx7tR2mL9c"
#define LITERAL_SECRET "tok-literal-5521"

static const char *const environment[] = {"REDIS_PASSWORD=" REDIS_SECRET, "DB_PASSWORD=" DB_SECRET,
                                          "SHORT_TOKEN=abc", NULL};

static const char manifest[] =
    "services:\n"
    "  cache:\n"
    "    image: busybox\n"
    "    command: [\"redis-server\", \"--requirepass\", \"${REDIS_PASSWORD}\"]\n"
    "    healthcheck:\n"
    "      test: redis-cli -a ${REDIS_PASSWORD} ping\n"
    "    environment:\n"
    "      DATABASE_URL: postgres://app:${DB_PASSWORD}@db/app\n"
    "      API_TOKEN: " LITERAL_SECRET "\n"
    "      SHORT: ${SHORT_TOKEN}\n"
    "      PLAIN: hello\n"
    "    labels:\n"
    "      com.example.dsn: mysql://root:${DB_PASSWORD}@db\n";

static struct manifest_set set;

static const struct model_project *load(const char *yaml)
{
        const char *dir = bt_tmpdir();
        struct manifest_load_opts opts = {.root = dir, .environ = environment};
        struct berth_err err;

        bt_write_file(dir, "shop.yaml", yaml);
        berth_err_clear(&err);
        ck_assert_msg(manifest_load(&set, &opts, &err) == 0, "%s", err.msg);
        ck_assert_uint_eq(set.state->nprojects, 1);
        return &set.state->projects[0];
}

static void lacks_secrets(const char *text)
{
        bt_lacks(text, REDIS_SECRET);
        bt_lacks(text, DB_SECRET);
        bt_lacks(text, LITERAL_SECRET);
}

START_TEST(config_state_redacted)
{
        const struct model_project *p = load(manifest);
        json_t *j = model_project_config(p, 0);
        char *text = json_dumps(j, JSON_SORT_KEYS);

        ck_assert_uint_eq(p->nsecrets, 3); /* SHORT_TOKEN's "abc" is too short to look for */
        lacks_secrets(text);
        bt_contains(text, "\"command\": [\"redis-server\", \"--requirepass\", \"(sensitive)\"]");
        bt_contains(text, "\"DATABASE_URL\": \"(sensitive)\"");
        bt_contains(text, "\"API_TOKEN\": \"(sensitive)\"");
        bt_contains(text, "\"PLAIN\": \"hello\"");
        bt_contains(text, "\"com.example.dsn\": \"(sensitive)\"");
        free(text);
        json_decref(j);

        j = model_project_config(p, 1); /* --show-sensitive */
        text = json_dumps(j, JSON_SORT_KEYS);
        bt_contains(text, "\"--requirepass\", \"" REDIS_SECRET "\"");
        bt_contains(text, "postgres://app:" DB_SECRET "@db/app");
        free(text);
        json_decref(j);
        manifest_set_release(&set);

        /* a path or a name that happens to hold a secret stays what it is */
        p = load("services:\n  nextcloud:\n    image: busybox\n"
                 "    environment:\n      MYSQL_PASSWORD: nextcloud\n"
                 "    volumes: [\"./nextcloud:/var/www\"]\n");
        j = model_project_config(p, 0);
        text = json_dumps(j, JSON_SORT_KEYS);
        bt_contains(text, "\"MYSQL_PASSWORD\": \"(sensitive)\"");
        bt_contains(text, "/nextcloud\", \"target\": \"/var/www\"");
        bt_contains(text, "\"nextcloud\": {");
        free(text);
        json_decref(j);
        manifest_set_release(&set);
}
END_TEST

START_TEST(applied_label_redacted_hash_not)
{
        const struct model_project *p = load(manifest);
        json_t *redacted = model_service_canonical(p, &p->services[0], 1);
        json_t *full = model_service_canonical(p, &p->services[0], 0);
        char *r = json_dumps(redacted, JSON_SORT_KEYS), *f = json_dumps(full, JSON_SORT_KEYS);
        char hash[65], other[65];
        struct berth_err err;

        json_t *cmd = json_object_get(redacted, "command");

        ck_assert_str_eq(json_string_value(json_array_get(cmd, 1)), "--requirepass");
        ck_assert_int_eq(strncmp(json_string_value(json_array_get(cmd, 2)), "sha256:", 7), 0);
        bt_lacks(r, REDIS_SECRET);
        bt_lacks(r, "postgres://app:" DB_SECRET);
        bt_lacks(r, LITERAL_SECRET);
        /* the hash is of the values themselves: a changed secret recreates */
        bt_contains(f, REDIS_SECRET);
        ck_assert_int_eq(model_service_hash(hash, p, &p->services[0], &err), 0);
        free(r);
        free(f);
        json_decref(redacted);
        json_decref(full);
        manifest_set_release(&set);
        p = load("services:\n  cache:\n    image: busybox\n"
                 "    command: [\"redis-server\", \"--requirepass\", \"${REDIS_PASSWORD}x\"]\n");
        ck_assert_int_eq(model_service_hash(other, p, &p->services[0], &err), 0);
        ck_assert_str_ne(hash, other);
        manifest_set_release(&set);
}
END_TEST

/* A recreate's field differences, against a container whose label was
 * written when berth did not yet know the value was a secret (in clear). */
START_TEST(plan_fields_redacted)
{
        const struct model_project *p = load(manifest);
        json_t *containers, *none = json_array(), *vols = json_pack("{s:[]}", "Volumes");
        struct actual_state *actual = NULL;
        struct diff_result *d = NULL;
        struct diff_options o = {.complete = true};
        struct berth_err err;
        char *old, *all = NULL;
        size_t i, k, len = 0;
        FILE *f;

        old = bt_fmt("{\"command\":[\"redis-server\",\"--requirepass\",\"old-%s\"],"
                     "\"environment\":{\"DATABASE_URL\":\"postgres://app:%s@olddb/app\"},"
                     "\"image\":\"busybox\"}",
                     REDIS_SECRET, DB_SECRET);
        containers = json_pack(
            "[{s:s, s:[s], s:s, s:s, s:s, s:s, s:{s:s, s:s, s:s, s:s, s:s, s:s, s:s}}]", "Id",
            "0123456789abcdef0123456789abcdef0123456789abcdef0123456789abcdef", "Names",
            "/shop-cache-1", "Image", "busybox", "ImageID", "sha256:00", "State", "running",
            "Status", "Up 1 minute", "Labels", "berth.scope", "default", "berth.project", "shop",
            "berth.service", "cache", "berth.replica", "1", "berth.config-hash",
            "0000000000000000000000000000000000000000000000000000000000000000", "berth.applied",
            old, "berth.source", "shop.yaml");
        ck_assert_ptr_nonnull(containers);
        ck_assert_msg(observe_from_json(&actual, "default", containers, none, vols, none, &err) ==
                          0,
                      "%s", err.msg);
        ck_assert_int_eq(diff_compute(&d, set.state, actual, &o, &err), 0);
        f = open_memstream(&all, &len);
        for (i = 0; i < d->nchanges; i++)
                for (k = 0; k < d->changes[i].nfields; k++)
                        fprintf(f, "%s: %s -> %s\n", d->changes[i].fields[k].path,
                                d->changes[i].fields[k].before, d->changes[i].fields[k].after);
        fclose(f);
        bt_contains(all, "environment.DATABASE_URL: (sensitive) -> (sensitive)\n");
        bt_contains(all, "command: [\"redis-server\",\"--requirepass\",\"(sensitive)\"] -> "
                         "[\"redis-server\",\"--requirepass\",\"(sensitive)\"]\n");
        lacks_secrets(all);
        free(all);
        free(old);
        diff_result_free(d);
        actual_state_free(actual);
        json_decref(containers);
        json_decref(none);
        json_decref(vols);
        (void)p;
        manifest_set_release(&set);
}
END_TEST

/* A message that quotes a value never quotes a sensitive variable's. */
START_TEST(messages_redacted)
{
        const char *dir = bt_tmpdir();
        struct manifest_load_opts opts = {.root = dir, .environ = environment};
        struct berth_err err;
        char *text;

        bt_write_file(dir, "shop.yaml",
                      "services:\n  web:\n    image: busybox\n    restart: ${DB_PASSWORD}\n"
                      "    privileged: ${REDIS_PASSWORD}\n    ports: [\"${DB_PASSWORD}\"]\n");
        berth_err_clear(&err);
        ck_assert_int_eq(manifest_load(&set, &opts, &err), 0);
        text = diag_list_format(&set.diags);
        lacks_secrets(text);
        bt_contains(text, "services.web.restart: \"(sensitive)\" must be");
        bt_contains(text, "services.web.privileged: ");
        ck_assert_uint_eq(set.nfailed, 1);
        free(text);
        manifest_set_release(&set);
}
END_TEST

static Suite *suite(void)
{
        Suite *s = suite_create("secrets");
        TCase *tc = tcase_create("secrets");

        tcase_add_test(tc, config_state_redacted);
        tcase_add_test(tc, applied_label_redacted_hash_not);
        tcase_add_test(tc, plan_fields_redacted);
        tcase_add_test(tc, messages_redacted);
        suite_add_tcase(s, tc);
        return s;
}

int main(void)
{
        return bt_unit_main(suite());
}
