/* The transport and `berth version` against the real engine. */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "berth_test.h"
#include "docker/system.h"

START_TEST(negotiates_with_the_real_engine)
{
        struct docker_client *c = NULL;
        struct docker_call_stats st;
        struct docker_version v;
        struct berth_err err;

        ck_assert_msg(docker_client_from_env(&c, NULL, &err) == 0, "%s", err.msg);
        ck_assert_msg(docker_system_version(c, &v, &err) == 0, "%s", err.msg);
        ck_assert_str_ne(v.version, "");
        ck_assert_str_ne(v.api_version, "");
        ck_assert_ptr_nonnull(docker_client_api_version(c));
        docker_client_stats(c, &st);
        ck_assert_uint_eq(st.total, 2); /* ping, version */
        ck_assert_uint_eq(st.mutating, 0);
        ck_assert_int_eq(docker_system_ping(c, &err), 0);
        docker_client_free(c);
}
END_TEST

START_TEST(missing_object_is_not_found_with_the_engines_words)
{
        struct docker_client *c = bt_client();
        char path[512];
        struct docker_request req = {
            .method = "GET", .path = path, .op = "inspect container", .object = bt_name("absent")};
        struct berth_err err;

        snprintf(path, sizeof(path), "/containers/%s/json", bt_name("absent"));
        ck_assert_int_eq(docker_call(c, &req, NULL, &err), BERTH_ENOTFOUND);
        ck_assert_int_eq(err.http_status, 404);
        ck_assert_msg(strstr(err.msg, "cannot inspect container 'berthtest-") == err.msg, "%s",
                      err.msg);
        ck_assert_msg(strstr(err.engine_msg, "No such container"), "%s", err.engine_msg);
}
END_TEST

START_TEST(version_command_prints_both_versions)
{
        char *out = NULL, *errout = NULL;
        const char *argv[] = {BERTH_BINARY, "version", NULL};
        int rc = bt_run(&out, &errout, argv);

        ck_assert_msg(rc == 0, "exit %d: %s", rc, errout);
        ck_assert_msg(strstr(out, "berth " BERTH_VERSION "\n") == out, "%s", out);
        ck_assert_msg(strstr(out, "\nengine "), "%s", out);
        ck_assert_msg(strstr(out, "(API "), "%s", out);
        free(out);
        free(errout);
}
END_TEST

START_TEST(version_command_without_engine_exits_1)
{
        char *out = NULL, *errout = NULL, host[300], want[600];
        const char *dir = bt_tmpdir();
        const char *argv[] = {BERTH_BINARY, "-H", host, "version", NULL};
        int rc;

        snprintf(host, sizeof(host), "unix://%s/docker.sock", dir);
        rc = bt_run(&out, &errout, argv);
        ck_assert_int_eq(rc, 1);
        ck_assert_str_eq(out, "berth " BERTH_VERSION "\n");
        snprintf(want, sizeof(want),
                 "berth: the Docker engine is not running: no socket at %s (start dockerd, or "
                 "point DOCKER_HOST or -H at the engine)\n",
                 host);
        ck_assert_str_eq(errout, want);
        free(out);
        free(errout);
}
END_TEST

START_TEST(version_command_rejects_bad_host)
{
        char *out = NULL, *errout = NULL;
        const char *argv[] = {BERTH_BINARY, "version", NULL};
        char *saved = strdup(getenv("DOCKER_HOST"));
        int rc;

        setenv("DOCKER_HOST", "ssh://me@box", 1);
        rc = bt_run(&out, &errout, argv);
        setenv("DOCKER_HOST", saved, 1);
        free(saved);
        ck_assert_int_eq(rc, 1);
        ck_assert_str_eq(errout,
                         "berth: DOCKER_HOST 'ssh://me@box': berth supports unix:// and tcp:// "
                         "engines only\n");
        free(out);
        free(errout);
}
END_TEST

START_TEST(unknown_command_is_a_usage_error)
{
        char *out = NULL, *errout = NULL;
        const char *argv[] = {BERTH_BINARY, "frobnicate", NULL};

        ck_assert_int_eq(bt_run(&out, &errout, argv), 64);
        ck_assert_str_eq(errout,
                         "berth: 'frobnicate' is not a berth command; see 'berth --help'\n");
        free(out);
        free(errout);
}
END_TEST

int main(void)
{
        Suite *s = suite_create("version");
        TCase *tc = tcase_create("engine");

        bt_tcase_engine(tc);
        tcase_add_test(tc, negotiates_with_the_real_engine);
        tcase_add_test(tc, missing_object_is_not_found_with_the_engines_words);
        tcase_add_test(tc, version_command_prints_both_versions);
        tcase_add_test(tc, version_command_without_engine_exits_1);
        tcase_add_test(tc, version_command_rejects_bad_host);
        tcase_add_test(tc, unknown_command_is_a_usage_error);
        suite_add_tcase(s, tc);
        return bt_engine_main(s);
}
