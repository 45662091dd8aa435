/* The images API and registry authentication against the real engine and
 * the test registry (BERTH_TEST_REGISTRY, which requires a login).
 * Every image name a test makes is berth-test/<run>-...; the registry
 * image is removed after a test pulled it, unless it was there before. */
#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <time.h>
#include <unistd.h>

#include <openssl/evp.h>

#include "berth_test.h"
#include "docker/auth.h"
#include "docker/image.h"

/* "berth-test/<run>-<suffix>" in one of 8 rotating buffers. */
static const char *image_name(const char *suffix)
{
        static char ring[8][256];
        static unsigned next;
        char *b = ring[next++ % 8];

        snprintf(b, sizeof(ring[0]), "berth-test/%s-%s", bt_run_id(), suffix);
        return b;
}

static int image_exists(const char *name)
{
        struct docker_image_info info;
        struct berth_err err;
        int r;

        docker_image_info_init(&info);
        r = docker_image_inspect(&info, bt_client(), name, &err);
        docker_image_info_release(&info);
        ck_assert_msg(r == 0 || r == BERTH_ENOTFOUND, "%s", err.msg);
        return r == 0;
}

static void remove_if_present(const char *name)
{
        struct berth_err err;
        int r = docker_image_remove(bt_client(), name, DOCKER_IMAGE_REMOVE_FORCE, &err);

        if (r < 0 && r != BERTH_ENOTFOUND)
                fprintf(stderr, "cleanup: %s\n", err.msg);
}

static void tag_ok(const char *source, const char *target)
{
        struct berth_err err;

        ck_assert_msg(docker_image_tag(bt_client(), source, target, &err) == 0, "%s", err.msg);
}

/* Names the current test made, removed by the teardown even on failure. */
static char made[8][512];
static int n_made;

static void made_add(const char *name)
{
        ck_assert_int_lt(n_made, 8);
        snprintf(made[n_made++], sizeof(made[0]), "%s", name);
}

static void teardown(void)
{
        while (n_made > 0)
                remove_if_present(made[--n_made]);
        bt_cleanup();
}

/* ---- registry ---- */

/* Write a config.json with the given auths entry (or none) and point
 * DOCKER_CONFIG at it. */
static void use_docker_config(const char *user, const char *password)
{
        const char *dir = bt_tmpdir();
        char plain[512], b64[1024], text[2048];

        if (user) {
                snprintf(plain, sizeof(plain), "%s:%s", user, password);
                EVP_EncodeBlock((unsigned char *)b64, (const unsigned char *)plain,
                                (int)strlen(plain));
                snprintf(text, sizeof(text),
                         "{\n  \"auths\": {\n    \"%s\": {\"auth\": \"%s\"}\n  }\n}\n",
                         bt_registry(), b64);
        } else {
                snprintf(text, sizeof(text), "{\"auths\": {}}\n");
        }
        bt_write_file(dir, "config.json", text);
        setenv("DOCKER_CONFIG", dir, 1);
}

/* The registry image is pulled by several tests: remove it afterwards
 * when this test brought it. */
static void pulling_registry_image(void)
{
        if (!image_exists(bt_registry_image()))
                made_add(bt_registry_image());
}

struct progress_seen {
        int calls;
        int saw_status_line; /* "Status: Downloaded newer image ..." or "... up to date ..." */
        int stop_after;      /* non-zero: stop at that call */
};

static int on_progress(const struct docker_pull_progress *p, void *userdata)
{
        struct progress_seen *seen = userdata;

        seen->calls++;
        ck_assert_ptr_nonnull(p->raw);
        if (p->status && strncmp(p->status, "Status: ", 8) == 0)
                seen->saw_status_line = 1;
        return seen->stop_after && seen->calls >= seen->stop_after;
}

START_TEST(pull_with_credentials_from_docker_config)
{
        struct progress_seen seen = {0};
        struct docker_image_info info;
        struct docker_image_ref ref;
        struct berth_err err;
        char repo[600], by_digest[800];
        size_t i;

        docker_image_info_init(&info);
        use_docker_config(bt_registry_user(), bt_registry_password());
        pulling_registry_image();
        ck_assert_msg(docker_image_pull_auto(bt_client(), bt_registry_image(), NULL, on_progress,
                                             &seen, NULL, &err) == 0,
                      "%s", err.msg);
        ck_assert_int_gt(seen.calls, 0);
        ck_assert(seen.saw_status_line);
        ck_assert_msg(docker_image_inspect(&info, bt_client(), bt_registry_image(), &err) == 0,
                      "%s", err.msg);

        /* The pulled image carries its registry digest; pulling by digest
         * (sent as tag=sha256:...) works too. */
        ck_assert_int_eq(docker_image_ref_parse(&ref, bt_registry_image(), &err), 0);
        docker_image_ref_repo(&ref, repo, sizeof(repo));
        for (i = 0; info.repo_digests[i]; i++)
                if (strncmp(info.repo_digests[i], repo, strlen(repo)) == 0 &&
                    info.repo_digests[i][strlen(repo)] == '@')
                        break;
        ck_assert_msg(info.repo_digests[i] != NULL, "no digest for %s", repo);
        snprintf(by_digest, sizeof(by_digest), "%s", info.repo_digests[i]);
        ck_assert_msg(
            docker_image_pull_auto(bt_client(), by_digest, NULL, NULL, NULL, NULL, &err) == 0, "%s",
            err.msg);
        docker_image_info_release(&info);
}
END_TEST

START_TEST(pull_with_credentials_from_a_helper)
{
        static const char script[] = "#!/bin/sh\n"
                                     "read -r server\n"
                                     "printf '{\"ServerURL\":\"%s\",\"Username\":\"%s\","
                                     "\"Secret\":\"%s\"}' \"$server\" \"$BT_U\" \"$BT_P\"\n";
        const char *dir = bt_tmpdir(), *cfgdir = bt_tmpdir();
        static char path_env[8192];
        char exe[600], text[512];
        struct berth_err err;

        bt_write_file(dir, "docker-credential-berthtest", script);
        snprintf(exe, sizeof(exe), "%s/docker-credential-berthtest", dir);
        ck_assert_int_eq(chmod(exe, 0755), 0);
        snprintf(path_env, sizeof(path_env), "%s:%s", dir, getenv("PATH"));
        setenv("PATH", path_env, 1);
        setenv("BT_U", bt_registry_user(), 1);
        setenv("BT_P", bt_registry_password(), 1);
        snprintf(text, sizeof(text), "{\"credHelpers\": {\"%s\": \"berthtest\"}}", bt_registry());
        bt_write_file(cfgdir, "config.json", text);
        setenv("DOCKER_CONFIG", cfgdir, 1);
        pulling_registry_image();
        ck_assert_msg(docker_image_pull_auto(bt_client(), bt_registry_image(), NULL, NULL, NULL,
                                             NULL, &err) == 0,
                      "%s", err.msg);
        ck_assert(image_exists(bt_registry_image()));
}
END_TEST

START_TEST(pull_without_credentials_says_authentication_is_required)
{
        struct berth_err err;
        char want[1200];

        use_docker_config(NULL, NULL);
        pulling_registry_image();
        ck_assert_int_eq(
            docker_image_pull_auto(bt_client(), bt_registry_image(), NULL, NULL, NULL, NULL, &err),
            BERTH_EAUTH);
        ck_assert_str_ne(err.engine_msg, "");
        snprintf(want, sizeof(want),
                 "cannot pull image '%s': registry '%s' requires authentication: add "
                 "credentials with 'docker login %s' (engine said: %s)",
                 bt_registry_image(), bt_registry(), bt_registry(), err.engine_msg);
        ck_assert_str_eq(err.msg, want);
        ck_assert_msg(strstr(err.msg, bt_registry()), "%s", err.msg);
        ck_assert_str_eq(err.op, "pull image");
        ck_assert_str_eq(err.object, bt_registry_image());

        /* The same without a config: auth NULL. */
        ck_assert_int_eq(
            docker_image_pull(bt_client(), bt_registry_image(), NULL, NULL, NULL, NULL, &err),
            BERTH_EAUTH);
        ck_assert_str_eq(err.msg, want);
}
END_TEST

START_TEST(pull_with_wrong_password_says_credentials_rejected)
{
        struct docker_auth a;
        struct berth_err err;
        char want[1200];

        docker_auth_init(&a);
        pulling_registry_image();
        ck_assert_int_eq(
            docker_auth_set(&a, bt_registry_user(), "wrong-password", NULL, bt_registry(), &err),
            0);
        ck_assert_int_eq(
            docker_image_pull(bt_client(), bt_registry_image(), &a, NULL, NULL, NULL, &err),
            BERTH_EAUTH);
        ck_assert_str_ne(err.engine_msg, "");
        snprintf(want, sizeof(want),
                 "cannot pull image '%s': registry '%s' rejected the credentials for '%s': "
                 "check them with 'docker login %s' (engine said: %s)",
                 bt_registry_image(), bt_registry(), bt_registry_user(), bt_registry(),
                 err.engine_msg);
        ck_assert_str_eq(err.msg, want);
        docker_auth_release(&a);
}
END_TEST

START_TEST(pull_of_missing_tag_is_not_found)
{
        struct docker_image_ref ref;
        struct berth_err err;
        char repo[600], missing[800], want[1600];

        use_docker_config(bt_registry_user(), bt_registry_password());
        ck_assert_int_eq(docker_image_ref_parse(&ref, bt_registry_image(), &err), 0);
        snprintf(missing, sizeof(missing), "%s:berth-missing-%s",
                 docker_image_ref_repo(&ref, repo, sizeof(repo)), bt_run_id());
        made_add(missing);
        ck_assert_int_eq(docker_image_pull_auto(bt_client(), missing, NULL, NULL, NULL, NULL, &err),
                         BERTH_ENOTFOUND);
        snprintf(want, sizeof(want),
                 "cannot pull image '%s': not found in registry '%s' (engine said: %s)", missing,
                 bt_registry(), err.engine_msg);
        ck_assert_str_eq(err.msg, want);
        ck_assert_msg(strstr(err.engine_msg, "not found") || strstr(err.engine_msg, "unknown"),
                      "%s", err.engine_msg);
}
END_TEST

START_TEST(pull_stops_when_progress_says_so)
{
        struct progress_seen seen = {.stop_after = 1};
        struct berth_err err;
        char want[600];

        use_docker_config(bt_registry_user(), bt_registry_password());
        pulling_registry_image();
        ck_assert_int_eq(docker_image_pull_auto(bt_client(), bt_registry_image(), NULL, on_progress,
                                                &seen, NULL, &err),
                         BERTH_ECANCELLED);
        ck_assert_int_eq(seen.calls, 1);
        snprintf(want, sizeof(want), "cannot pull image '%s': stopped by the caller",
                 bt_registry_image());
        ck_assert_str_eq(err.msg, want);
        /* The engine may finish the pull just after we hang up: give it a
         * moment so the teardown removes what it made. */
        nanosleep(&(struct timespec){0, 300 * 1000 * 1000}, NULL);
}
END_TEST

START_TEST(pull_with_malformed_config_names_the_file)
{
        const char *dir = bt_tmpdir();
        struct berth_err err;
        char want[1200];

        bt_write_file(dir, "config.json", "{\n  \"auths\": {\n    \"x\": {\"auth\": 5}\n  }\n}\n");
        setenv("DOCKER_CONFIG", dir, 1);
        ck_assert_int_eq(
            docker_image_pull_auto(bt_client(), bt_registry_image(), NULL, NULL, NULL, NULL, &err),
            BERTH_EINVALID);
        snprintf(want, sizeof(want),
                 "cannot pull image '%s': cannot read '%s/config.json': auths.\"x\".auth must be "
                 "a string, not a number",
                 bt_registry_image(), dir);
        ck_assert_str_eq(err.msg, want);
}
END_TEST

START_TEST(login_accepts_good_and_refuses_bad_credentials)
{
        struct docker_login_result res;
        struct docker_auth a;
        struct berth_err err;
        char want[1200];

        docker_auth_init(&a);
        ck_assert_int_eq(docker_auth_set(&a, bt_registry_user(), bt_registry_password(), NULL,
                                         bt_registry(), &err),
                         0);
        ck_assert_msg(docker_registry_login(&res, bt_client(), &a, &err) == 0, "%s", err.msg);
        ck_assert_str_eq(res.status, "Login Succeeded");
        docker_login_result_release(&res);

        ck_assert_int_eq(
            docker_auth_set(&a, bt_registry_user(), "wrong-password", NULL, bt_registry(), &err),
            0);
        ck_assert_int_eq(docker_registry_login(&res, bt_client(), &a, &err), BERTH_EAUTH);
        ck_assert_ptr_null(res.status);
        snprintf(want, sizeof(want),
                 "cannot log in to registry '%s' as '%s': the registry rejected the credentials "
                 "(engine said: %s)",
                 bt_registry(), bt_registry_user(), err.engine_msg);
        ck_assert_str_eq(err.msg, want);
        ck_assert_msg(strstr(err.engine_msg, "401"), "%s", err.engine_msg);
        docker_login_result_release(&res);
        docker_auth_release(&a);
}
END_TEST

/* ---- local images ---- */

/* Import a one-file image with ports, a healthcheck and labels. */
static void import_meta_image(const char *name)
{
        const char *dir = bt_tmpdir();
        char tarfile[600], label[300], *out = NULL, *errout = NULL;
        const char *tar_argv[] = {"tar", "-cf", tarfile, "-C", dir, "hello", NULL};
        const char *import_argv[] = {
            "docker", "import",
            "-c",     "EXPOSE 8080/tcp",
            "-c",     "EXPOSE 53/udp",
            "-c",     "HEALTHCHECK --interval=5s --timeout=2s --retries=2 CMD true",
            "-c",     label,
            "-c",     "LABEL org.example.k=v",
            tarfile,  name,
            NULL};
        int rc;

        bt_write_file(dir, "hello", "hello\n");
        snprintf(tarfile, sizeof(tarfile), "%s.tar", dir);
        snprintf(label, sizeof(label), "LABEL %s=%s", BT_LABEL, bt_run_id());
        rc = bt_run(&out, &errout, tar_argv);
        ck_assert_msg(rc == 0, "tar: %s", errout);
        free(out);
        free(errout);
        made_add(name);
        rc = bt_run(&out, &errout, import_argv);
        unlink(tarfile);
        ck_assert_msg(rc == 0, "docker import: %s", errout);
        free(out);
        free(errout);
}

START_TEST(inspect_gives_typed_fields)
{
        const char *name = image_name("meta:1");
        struct docker_image_info info;
        struct berth_err err;
        char want[600];

        docker_image_info_init(&info);
        import_meta_image(name);
        ck_assert_msg(docker_image_inspect(&info, bt_client(), name, &err) == 0, "%s", err.msg);
        ck_assert_msg(strncmp(info.id, "sha256:", 7) == 0, "%s", info.id);
        ck_assert_str_eq(info.repo_tags[0], name);
        ck_assert_ptr_null(info.repo_tags[1]);
        ck_assert_ptr_null(info.repo_digests[0]); /* never pushed or pulled */
        ck_assert_str_eq(info.exposed_ports[0], "53/udp");
        ck_assert_str_eq(info.exposed_ports[1], "8080/tcp");
        ck_assert_ptr_null(info.exposed_ports[2]);
        ck_assert_ptr_nonnull(info.healthcheck.test);
        ck_assert_str_eq(info.healthcheck.test[0], "CMD-SHELL");
        ck_assert_str_eq(info.healthcheck.test[1], "true");
        ck_assert_ptr_null(info.healthcheck.test[2]);
        ck_assert_int_eq(info.healthcheck.interval_ns, 5000000000LL);
        ck_assert_int_eq(info.healthcheck.timeout_ns, 2000000000LL);
        ck_assert_int_eq(info.healthcheck.retries, 2);
        ck_assert_uint_eq(info.n_labels, 2);
        ck_assert_str_eq(info.labels[0].key, BT_LABEL);
        ck_assert_str_eq(docker_image_info_label(&info, "org.example.k"), "v");
        ck_assert_ptr_null(docker_image_info_label(&info, "org.example.absent"));
        ck_assert_msg(info.created_unix > time(NULL) - 3600 && info.created_unix <= time(NULL) + 5,
                      "created %s -> %ld", info.created, (long)info.created_unix);
        ck_assert_str_eq(info.os, "linux");
        ck_assert_ptr_nonnull(info.json);
        ck_assert_ptr_null(info.cmd);

        /* The busybox test image: a command, no healthcheck, no ports. */
        ck_assert_msg(docker_image_inspect(&info, bt_client(), bt_image(), &err) == 0, "%s",
                      err.msg);
        ck_assert_ptr_null(info.healthcheck.test);
        ck_assert_ptr_null(info.exposed_ports[0]);
        ck_assert_ptr_nonnull(info.cmd);
        ck_assert_str_eq(info.cmd[0], "sh");

        /* Missing: ENOTFOUND naming it. */
        ck_assert_int_eq(docker_image_inspect(&info, bt_client(), image_name("absent:1"), &err),
                         BERTH_ENOTFOUND);
        snprintf(want, sizeof(want), "cannot inspect image '%s': ", image_name("absent:1"));
        ck_assert_msg(strncmp(err.msg, want, strlen(want)) == 0, "%s", err.msg);
        ck_assert_ptr_null(info.id);
        docker_image_info_release(&info);
}
END_TEST

START_TEST(list_filters_by_reference_label_and_dangling)
{
        struct docker_image_summary *list = NULL;
        struct docker_image_info info;
        struct berth_err err;
        char pattern[300], label[300], *filters;
        size_t n, i;

        docker_image_info_init(&info);
        made_add(image_name("list:a"));
        made_add(image_name("list:b"));
        tag_ok(bt_image(), image_name("list:a"));
        tag_ok(bt_image(), image_name("list:b"));
        ck_assert_int_eq(docker_image_inspect(&info, bt_client(), bt_image(), &err), 0);

        snprintf(pattern, sizeof(pattern), "berth-test/%s-list", bt_run_id());
        filters = docker_filters("reference", pattern, NULL);
        ck_assert_msg(docker_image_list(&list, &n, bt_client(), filters, 0, &err) == 0, "%s",
                      err.msg);
        free(filters);
        ck_assert_uint_eq(n, 1);
        ck_assert_str_eq(list[0].id, info.id);
        /* With a reference filter only the matching tags are listed. */
        ck_assert_str_eq(list[0].repo_tags[0], image_name("list:a"));
        ck_assert_str_eq(list[0].repo_tags[1], image_name("list:b"));
        ck_assert_ptr_null(list[0].repo_tags[2]);
        ck_assert_int_gt(list[0].created, 0);
        docker_image_list_free(list, n);

        /* Two filters AND: the same reference with a label it lacks. */
        snprintf(label, sizeof(label), "%s=no-such-run", BT_LABEL);
        filters = docker_filters("reference", pattern, "label", label, NULL);
        ck_assert_int_eq(docker_image_list(&list, &n, bt_client(), filters, 0, &err), 0);
        free(filters);
        ck_assert_uint_eq(n, 0);
        ck_assert_ptr_null(list);

        /* dangling=true lists only untagged images. */
        filters = docker_filters("dangling", "true", NULL);
        ck_assert_int_eq(docker_image_list(&list, &n, bt_client(), filters, 0, &err), 0);
        free(filters);
        for (i = 0; i < n; i++)
                ck_assert_msg(!list[i].repo_tags[0] ||
                                  strcmp(list[i].repo_tags[0], "<none>:<none>") == 0,
                              "%s", list[i].repo_tags[0]);
        docker_image_list_free(list, n);

        /* An unknown filter is the engine's 400. */
        filters = docker_filters("bogus", "x", NULL);
        ck_assert_int_eq(docker_image_list(&list, &n, bt_client(), filters, 0, &err),
                         BERTH_EINVALID);
        free(filters);
        ck_assert_msg(strstr(err.msg, "cannot list images: ") == err.msg, "%s", err.msg);
        ck_assert_msg(strstr(err.msg, "bogus"), "%s", err.msg);
        docker_image_info_release(&info);
}
END_TEST

START_TEST(tag_then_remove)
{
        const char *name = image_name("x:1"), *absent = image_name("absent:1");
        struct docker_image_info a, b;
        struct berth_err err;
        char want[600];

        docker_image_info_init(&a);
        docker_image_info_init(&b);
        made_add(name);
        tag_ok(bt_image(), name);
        ck_assert_int_eq(docker_image_inspect(&a, bt_client(), bt_image(), &err), 0);
        ck_assert_int_eq(docker_image_inspect(&b, bt_client(), name, &err), 0);
        ck_assert_str_eq(a.id, b.id);

        ck_assert_int_eq(docker_image_tag(bt_client(), absent, image_name("y:1"), &err),
                         BERTH_ENOTFOUND);
        snprintf(want, sizeof(want), "cannot tag image '%s': ", absent);
        ck_assert_msg(strncmp(err.msg, want, strlen(want)) == 0, "%s", err.msg);
        ck_assert_int_eq(docker_image_tag(bt_client(), bt_image(), "Upper/Case", &err),
                         BERTH_EINVALID);
        snprintf(want, sizeof(want),
                 "cannot tag image '%s': invalid image reference 'Upper/Case': repository name "
                 "must be lowercase",
                 bt_image());
        ck_assert_str_eq(err.msg, want);

        ck_assert_msg(docker_image_remove(bt_client(), name, 0, &err) == 0, "%s", err.msg);
        ck_assert(!image_exists(name));
        ck_assert(image_exists(bt_image())); /* only the tag went */

        ck_assert_int_eq(docker_image_remove(bt_client(), name, 0, &err), BERTH_ENOTFOUND);
        snprintf(want, sizeof(want), "cannot remove image '%s': No such image: %s", name, name);
        ck_assert_str_eq(err.msg, want);
        ck_assert_int_eq(err.http_status, 404);
        docker_image_info_release(&a);
        docker_image_info_release(&b);
}
END_TEST

struct mem_reader {
        const char *data;
        size_t len, off;
};

static long mem_read(char *buf, size_t size, void *userdata)
{
        struct mem_reader *m = userdata;
        size_t n = m->len - m->off < size ? m->len - m->off : size;

        memcpy(buf, m->data + m->off, n);
        m->off += n;
        return (long)n;
}

START_TEST(load_a_saved_archive)
{
        const char *name = image_name("load:1"), *dir = bt_tmpdir();
        char tarfile[600], *out = NULL, *errout = NULL, **loaded = NULL, junk[3000];
        const char *save_argv[] = {"docker", "save", "-o", tarfile, name, NULL};
        struct mem_reader m = {junk, sizeof(junk), 0};
        struct berth_err err;
        int fd, rc;

        made_add(name);
        tag_ok(bt_image(), name);
        snprintf(tarfile, sizeof(tarfile), "%s/image.tar", dir);
        rc = bt_run(&out, &errout, save_argv);
        ck_assert_msg(rc == 0, "docker save: %s", errout);
        free(out);
        free(errout);
        ck_assert_int_eq(docker_image_remove(bt_client(), name, 0, &err), 0);
        ck_assert(!image_exists(name));

        fd = open(tarfile, O_RDONLY | O_CLOEXEC);
        ck_assert_int_ge(fd, 0);
        rc = docker_image_load_fd(&loaded, bt_client(), fd, &err);
        close(fd);
        ck_assert_msg(rc == 0, "%s", err.msg);
        ck_assert_ptr_nonnull(loaded);
        ck_assert_str_eq(loaded[0], name);
        ck_assert_ptr_null(loaded[1]);
        ck_assert(image_exists(name));
        docker_image_strv_free(loaded);

        /* Not a tar: the engine answers 200 and puts the error in the stream. */
        memset(junk, 'j', sizeof(junk));
        ck_assert_int_eq(docker_image_load(&loaded, bt_client(), mem_read, &m, &err),
                         BERTH_EINVALID);
        ck_assert_ptr_null(loaded);
        ck_assert_msg(strncmp(err.msg, "cannot load images: ", 20) == 0, "%s", err.msg);
        ck_assert_msg(strstr(err.msg, "tar"), "%s", err.msg);
        ck_assert_int_eq(err.http_status, 200);
}
END_TEST

int main(void)
{
        Suite *s = suite_create("image");
        TCase *tc = tcase_create("registry");

        bt_tcase_engine(tc);
        tcase_add_checked_fixture(tc, NULL, teardown);
        tcase_add_test(tc, pull_with_credentials_from_docker_config);
        tcase_add_test(tc, pull_with_credentials_from_a_helper);
        tcase_add_test(tc, pull_without_credentials_says_authentication_is_required);
        tcase_add_test(tc, pull_with_wrong_password_says_credentials_rejected);
        tcase_add_test(tc, pull_of_missing_tag_is_not_found);
        tcase_add_test(tc, pull_stops_when_progress_says_so);
        tcase_add_test(tc, pull_with_malformed_config_names_the_file);
        tcase_add_test(tc, login_accepts_good_and_refuses_bad_credentials);
        suite_add_tcase(s, tc);

        tc = tcase_create("local");
        bt_tcase_engine(tc);
        tcase_add_checked_fixture(tc, NULL, teardown);
        tcase_add_test(tc, inspect_gives_typed_fields);
        tcase_add_test(tc, list_filters_by_reference_label_and_dangling);
        tcase_add_test(tc, tag_then_remove);
        tcase_add_test(tc, load_a_saved_archive);
        suite_add_tcase(s, tc);
        return bt_engine_main(s);
}
