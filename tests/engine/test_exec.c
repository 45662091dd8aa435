/* Exec against the real engine (docker/exec.h): output of both streams
 * apart and the exit code, the options, output limits, and errors. */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "berth_test.h"
#include "docker/container.h"
#include "docker/exec.h"

static struct docker_kv labels[1];

/* A running container to exec in (or a stopped one: run = 0). */
static const char *make_container(const char *suffix, int run)
{
        static const char *const cmd[] = {"sleep", "3600", NULL};
        struct docker_container_spec s;
        struct berth_err err;

        docker_container_spec_init(&s);
        labels[0].key = BT_LABEL;
        labels[0].value = bt_run_id();
        s.name = bt_name(suffix);
        s.image = bt_image();
        s.labels = labels;
        s.n_labels = 1;
        s.cmd = cmd;
        ck_assert_msg(docker_container_create(NULL, bt_client(), &s, &err) == 0, "%s", err.msg);
        if (run)
                ck_assert_msg(docker_container_start(bt_client(), s.name, &err) == 0, "%s",
                              err.msg);
        return s.name;
}

START_TEST(run_returns_output_and_exit_code)
{
        static const char *const argv[] = {"sh", "-c", "echo hi; echo bad >&2; exit 3", NULL};
        const char *name = make_container("exec", 1);
        struct docker_exec_result r;
        struct berth_err err;

        ck_assert_msg(docker_exec_run(&r, bt_client(), name, argv, &err) == 0, "%s", err.msg);
        ck_assert_int_eq(r.exit_code, 3);
        ck_assert_str_eq(docker_output_stdout(&r.output), "hi\n");
        ck_assert_str_eq(docker_output_stderr(&r.output), "bad\n");
        ck_assert_int_eq(r.output.truncated, 0);
        docker_exec_result_release(&r);
}
END_TEST

START_TEST(run_with_env_user_and_workdir)
{
        static const char *const argv[] = {"sh", "-c", "echo $FOO; id -u; pwd", NULL};
        static const char *const env[] = {"FOO=bar baz", NULL};
        const char *name = make_container("exec-opts", 1);
        struct docker_exec_spec spec = {.cmd = argv, .env = env, .user = "1234", .workdir = "/bin"};
        struct docker_exec_result r;
        struct berth_err err;

        ck_assert_msg(docker_exec_run_spec(&r, bt_client(), name, &spec, &err) == 0, "%s", err.msg);
        ck_assert_int_eq(r.exit_code, 0);
        ck_assert_str_eq(docker_output_stdout(&r.output), "bar baz\n1234\n/bin\n");
        ck_assert_str_eq(docker_output_stderr(&r.output), "");
        docker_exec_result_release(&r);
}
END_TEST

/* Output past the limit is dropped, the command still runs to its end. */
START_TEST(output_is_bounded)
{
        static const char *const argv[] = {
            "sh", "-c", "head -c 300000 /dev/zero | tr '\\0' x; echo tail >&2; exit 5", NULL};
        const char *name = make_container("exec-big", 1);
        struct docker_exec_spec spec = {.cmd = argv, .max_output = 1000};
        struct docker_exec_result r;
        struct berth_err err;
        size_t i;

        ck_assert_msg(docker_exec_run_spec(&r, bt_client(), name, &spec, &err) == 0, "%s", err.msg);
        ck_assert_int_eq(r.exit_code, 5);
        ck_assert_int_eq(r.output.truncated, 1);
        ck_assert_uint_eq(r.output.out.len, 1000);
        for (i = 0; i < 1000; i++)
                ck_assert_int_eq(r.output.out.data[i], 'x');
        ck_assert_str_eq(docker_output_stderr(&r.output), "tail\n");
        docker_exec_result_release(&r);
}
END_TEST

/* The three steps one by one; inspect before and after. */
START_TEST(create_start_inspect)
{
        static const char *const argv[] = {"sh", "-c", "echo one; exit 0", NULL};
        const char *name = make_container("exec-steps", 1);
        struct docker_exec_spec spec = {.cmd = argv};
        struct docker_exec_info info;
        struct docker_output out;
        struct berth_err err;
        char *id = NULL;
        int i;

        ck_assert_msg(docker_exec_create(&id, bt_client(), name, &spec, &err) == 0, "%s", err.msg);
        ck_assert_msg(docker_exec_inspect(&info, bt_client(), id, &err) == 0, "%s", err.msg);
        ck_assert_int_eq(info.running, 0);
        ck_assert_int_eq(info.has_exit_code, 0); /* not started yet */
        ck_assert_uint_eq(strlen(info.container_id), 64);
        docker_output_init(&out, 0);
        ck_assert_msg(docker_exec_start(bt_client(), id, name, 0, NULL, docker_output_collect, &out,
                                        &err) == 0,
                      "%s", err.msg);
        ck_assert_str_eq(docker_output_stdout(&out), "one\n");
        docker_output_release(&out);
        for (i = 0; i < 100; i++) {
                ck_assert_msg(docker_exec_inspect(&info, bt_client(), id, &err) == 0, "%s",
                              err.msg);
                if (info.has_exit_code)
                        break;
        }
        ck_assert_int_eq(info.has_exit_code, 1);
        ck_assert_int_eq(info.exit_code, 0);
        ck_assert_int_gt(info.pid, 0);
        free(id);
}
END_TEST

START_TEST(errors_name_the_container)
{
        static const char *const argv[] = {"true", NULL};
        static const char *const none[] = {NULL};
        const char *stopped = make_container("exec-stopped", 0);
        struct docker_exec_result r;
        struct docker_exec_info info;
        struct berth_err err;
        char want[512];

        ck_assert_int_eq(docker_exec_run(&r, bt_client(), bt_name("exec-nope"), argv, &err),
                         BERTH_ENOTFOUND);
        snprintf(want, sizeof(want), "cannot exec in container '%s': no such container",
                 bt_name("exec-nope"));
        ck_assert_str_eq(err.msg, want);
        docker_exec_result_release(&r);

        ck_assert_int_eq(docker_exec_run(&r, bt_client(), stopped, argv, &err), BERTH_ECONFLICT);
        snprintf(want, sizeof(want), "cannot exec in container '%s': ", stopped);
        ck_assert_msg(strstr(err.msg, want) == err.msg, "%s", err.msg);
        ck_assert_msg(strstr(err.msg, "is not running"), "%s", err.msg);
        docker_exec_result_release(&r);

        ck_assert_int_eq(docker_exec_run(&r, bt_client(), stopped, none, &err), BERTH_EINVALID);
        ck_assert_msg(strstr(err.msg, "no command given"), "%s", err.msg);
        docker_exec_result_release(&r);

        ck_assert_int_eq(docker_exec_inspect(&info, bt_client(), "0123456789abcdef", &err),
                         BERTH_ENOTFOUND);
        ck_assert_msg(strstr(err.msg, "cannot inspect exec '0123456789abcdef'") == err.msg, "%s",
                      err.msg);
}
END_TEST

/* A command that is not there: the engine reports it in the output and
 * the exit code is 126 or 127, as with docker exec. */
START_TEST(missing_command_exit_code)
{
        static const char *const argv[] = {"/no/such/command", NULL};
        const char *name = make_container("exec-missing", 1);
        struct docker_exec_result r;
        struct berth_err err;

        ck_assert_msg(docker_exec_run(&r, bt_client(), name, argv, &err) == 0, "%s", err.msg);
        ck_assert_msg(r.exit_code == 126 || r.exit_code == 127, "exit code %ld", r.exit_code);
        docker_exec_result_release(&r);
}
END_TEST

static Suite *exec_suite(void)
{
        Suite *s = suite_create("exec");
        TCase *tc = tcase_create("exec");

        bt_tcase_engine(tc);
        tcase_add_test(tc, run_returns_output_and_exit_code);
        tcase_add_test(tc, run_with_env_user_and_workdir);
        tcase_add_test(tc, output_is_bounded);
        tcase_add_test(tc, create_start_inspect);
        tcase_add_test(tc, errors_name_the_container);
        tcase_add_test(tc, missing_command_exit_code);
        suite_add_tcase(s, tc);
        return s;
}

int main(void)
{
        return bt_engine_main(exec_suite());
}
