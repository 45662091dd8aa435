/* Registry credentials and image references without an engine: config.json
 * parsing and its errors, credential helpers (a shell-script helper on
 * PATH), the X-Registry-Auth encoding, and docker's reference rules. */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <time.h>

#include "berth_test.h"
#include "docker/auth.h"
#include "docker/image.h"

#define FIXTURE(name) BERTH_TEST_DATA "/fixtures/auth/" name

/* A credential helper speaking the docker-credential-helpers protocol:
 * the server URL on stdin, JSON on stdout; each server name picks a
 * behaviour. */
static const char helper_script[] =
    "#!/bin/sh\n"
    "[ \"$1\" = get ] || { echo \"bad verb $1\" >&2; exit 9; }\n"
    "read -r server\n"
    "case \"$server\" in\n"
    "  missing.example) echo 'credentials not found in native keychain'; exit 1 ;;\n"
    "  token.example) printf "
    "'{\"ServerURL\":\"%s\",\"Username\":\"<token>\",\"Secret\":\"tok-%s\"}\\n' \"$server\" "
    "\"$server\" ;;\n"
    "  broken.example) echo 'keychain locked' >&2; exit 3 ;;\n"
    "  notjson.example) echo 'hello there' ;;\n"
    "  slow.example) exec sleep 10 ;;\n"
    "  big.example) head -c 200000 /dev/zero | tr '\\0' x ;;\n"
    "  killed.example) kill -9 $$ ;;\n"
    "  *) printf '{\"ServerURL\":\"%s\",\"Username\":\"user-%s\",\"Secret\":\"pw-%s\"}\\n' "
    "\"$server\" \"$HELPER_TAG\" \"$server\" ;;\n"
    "esac\n";

/* Install docker-credential-<name> (and make PATH find it); returns the dir. */
static const char *install_helper(const char *name, const char *tag)
{
        static char path_env[8192];
        const char *dir = bt_tmpdir(), *old = getenv("PATH");
        char file[512], exe[1024];

        snprintf(file, sizeof(file), "docker-credential-%s", name);
        bt_write_file(dir, file, helper_script);
        snprintf(exe, sizeof(exe), "%s/%s", dir, file);
        ck_assert_int_eq(chmod(exe, 0755), 0);
        snprintf(path_env, sizeof(path_env), "%s:%s", dir, old ? old : "/usr/bin:/bin");
        setenv("PATH", path_env, 1);
        setenv("HELPER_TAG", tag, 1);
        return dir;
}

static struct docker_auth_config *load_text(const char *text)
{
        const char *dir = bt_tmpdir();
        struct docker_auth_config *cfg = NULL;
        struct berth_err err;
        char path[512];

        bt_write_file(dir, "config.json", text);
        snprintf(path, sizeof(path), "%s/config.json", dir);
        ck_assert_msg(docker_auth_config_load(&cfg, path, &err) == 0, "%s", err.msg);
        return cfg;
}

static void expect_auth(const struct docker_auth *a, const char *user, const char *pass,
                        const char *token, const char *server)
{
#define EQ_OR_NULL(field, want)                                                                    \
        do {                                                                                       \
                if (want)                                                                          \
                        ck_assert_msg(a->field &&strcmp(a->field, want) == 0,                      \
                                      #field ": got '%s', want '%s'",                              \
                                      a->field ? a->field : "(null)", want);                       \
                else                                                                               \
                        ck_assert_msg(a->field == NULL, #field ": got '%s', want NULL", a->field); \
        } while (0)
        EQ_OR_NULL(username, user);
        EQ_OR_NULL(password, pass);
        EQ_OR_NULL(identitytoken, token);
        EQ_OR_NULL(serveraddress, server);
#undef EQ_OR_NULL
}

static void lookup_ok(struct docker_auth *a, const struct docker_auth_config *cfg,
                      const char *registry)
{
        struct berth_err err;

        berth_err_clear(&err);
        ck_assert_msg(docker_auth_lookup(a, cfg, registry, &err) == 0, "%s: %s", registry, err.msg);
}

START_TEST(auths_entries_give_user_password_or_token)
{
        struct docker_auth_config *cfg = NULL;
        struct docker_auth a;
        struct berth_err err;

        docker_auth_init(&a);
        ck_assert_msg(docker_auth_config_load(&cfg, FIXTURE("good.json"), &err) == 0, "%s",
                      err.msg);
        ck_assert_str_eq(docker_auth_config_path(cfg), FIXTURE("good.json"));
        ck_assert_ptr_null(docker_auth_config_helper(cfg, "127.0.0.1:5000"));

        lookup_ok(&a, cfg, "127.0.0.1:5000");
        expect_auth(&a, "tuser", "tpass", NULL, "127.0.0.1:5000");
        ck_assert(docker_auth_has_credentials(&a));

        /* Docker Hub is keyed by its v1 URL. */
        lookup_ok(&a, cfg, "docker.io");
        expect_auth(&a, "hubuser", "hubpass", NULL, DOCKER_HUB_AUTH_KEY);

        /* Keys with a scheme and a /v1/ or /v2/ path match their host;
         * only the first ':' splits user from password. */
        lookup_ok(&a, cfg, "ghcr.example");
        expect_auth(&a, "gh", "pass:with:colons", NULL, "ghcr.example");
        lookup_ok(&a, cfg, "old.example:8080");
        expect_auth(&a, "old", "old", NULL, "old.example:8080");
        /* The port is part of the name. */
        lookup_ok(&a, cfg, "old.example");
        ck_assert(!docker_auth_has_credentials(&a));

        lookup_ok(&a, cfg, "token.example");
        expect_auth(&a, NULL, NULL, "refresh-token-123", "token.example");
        ck_assert(docker_auth_has_credentials(&a));

        /* An empty entry and an unknown registry: no credentials, no error. */
        lookup_ok(&a, cfg, "empty.example");
        expect_auth(&a, NULL, NULL, NULL, "empty.example");
        ck_assert(!docker_auth_has_credentials(&a));
        lookup_ok(&a, cfg, "elsewhere.example:5000");
        expect_auth(&a, NULL, NULL, NULL, "elsewhere.example:5000");

        docker_auth_release(&a);
        docker_auth_config_free(cfg);
}
END_TEST

START_TEST(missing_or_empty_config_means_no_credentials)
{
        struct docker_auth_config *cfg = NULL;
        struct docker_auth a;
        struct berth_err err;
        char path[600];
        const char *dir = bt_tmpdir();

        docker_auth_init(&a);
        snprintf(path, sizeof(path), "%s/nothere/config.json", dir);
        ck_assert_msg(docker_auth_config_load(&cfg, path, &err) == 0, "%s", err.msg);
        ck_assert_str_eq(docker_auth_config_path(cfg), path);
        lookup_ok(&a, cfg, "127.0.0.1:5000");
        ck_assert(!docker_auth_has_credentials(&a));
        docker_auth_config_free(cfg);

        ck_assert_msg(docker_auth_config_load(&cfg, FIXTURE("empty.json"), &err) == 0, "%s",
                      err.msg);
        lookup_ok(&a, cfg, "docker.io");
        ck_assert(!docker_auth_has_credentials(&a));
        docker_auth_config_free(cfg);
        docker_auth_release(&a);
}
END_TEST

START_TEST(default_path_follows_docker_config_then_home)
{
        struct docker_auth_config *cfg = NULL;
        struct docker_auth a;
        struct berth_err err;
        const char *dir = bt_tmpdir(), *home = bt_tmpdir();
        char want[600], dotdocker[600];

        docker_auth_init(&a);
        bt_write_file(dir, "config.json", "{\"auths\":{\"r.example\":{\"auth\":\"dTpw\"}}}");
        setenv("DOCKER_CONFIG", dir, 1);
        ck_assert_msg(docker_auth_config_load(&cfg, NULL, &err) == 0, "%s", err.msg);
        snprintf(want, sizeof(want), "%s/config.json", dir);
        ck_assert_str_eq(docker_auth_config_path(cfg), want);
        lookup_ok(&a, cfg, "r.example");
        expect_auth(&a, "u", "p", NULL, "r.example");
        docker_auth_config_free(cfg);

        unsetenv("DOCKER_CONFIG");
        setenv("HOME", home, 1);
        snprintf(dotdocker, sizeof(dotdocker), "%s/.docker", home);
        bt_write_file(dotdocker, "config.json", "{\"auths\":{\"r.example\":{\"auth\":\"eDp5\"}}}");
        ck_assert_msg(docker_auth_config_load(&cfg, NULL, &err) == 0, "%s", err.msg);
        snprintf(want, sizeof(want), "%s/.docker/config.json", home);
        ck_assert_str_eq(docker_auth_config_path(cfg), want);
        lookup_ok(&a, cfg, "r.example");
        expect_auth(&a, "x", "y", NULL, "r.example");
        docker_auth_config_free(cfg);
        docker_auth_release(&a);
}
END_TEST

static void expect_load_error(const char *file, int code, const char *want_after_path, int line,
                              int col)
{
        struct docker_auth_config *cfg = (struct docker_auth_config *)1;
        struct berth_err err;
        char want[1024];

        berth_err_clear(&err);
        ck_assert_int_eq(docker_auth_config_load(&cfg, file, &err), code);
        ck_assert_ptr_null(cfg);
        snprintf(want, sizeof(want), "cannot read '%s': %s", file, want_after_path);
        ck_assert_str_eq(err.msg, want);
        ck_assert_int_eq(err.code, code);
        ck_assert_int_eq(err.line, line);
        ck_assert_int_eq(err.col, col);
}

START_TEST(malformed_config_names_file_and_problem)
{
        expect_load_error(FIXTURE("trailing-comma.json"), BERTH_EINVALID,
                          "line 4 column 3: string or '}' expected near '}'", 4, 3);
        expect_load_error(FIXTURE("truncated.json"), BERTH_EINVALID,
                          "line 4 column 0: '}' expected near end of file", 4, 0);
        expect_load_error(FIXTURE("top-array.json"), BERTH_EINVALID,
                          "the top level must be an object, not an array", 0, 0);
        expect_load_error(FIXTURE("auths-array.json"), BERTH_EINVALID,
                          "\"auths\" must be an object, not an array", 0, 0);
        expect_load_error(FIXTURE("auth-not-base64.json"), BERTH_EINVALID,
                          "auths.\"reg.example:5000\".auth: not valid base64: length 11 is not "
                          "a multiple of 4",
                          0, 0);
        expect_load_error(FIXTURE("auth-no-colon.json"), BERTH_EINVALID,
                          "auths.\"reg.example:5000\".auth: the decoded value is not "
                          "\"user:password\"",
                          0, 0);
        expect_load_error(FIXTURE("helper-not-string.json"), BERTH_EINVALID,
                          "credHelpers.\"reg.example\" must be a string, not a number", 0, 0);
}
END_TEST

START_TEST(bad_auth_values_in_written_files)
{
        static const struct {
                const char *auth, *why;
        } cases[] = {
            {"dXNlcjpw*XNz", "not valid base64: characters outside the base64 alphabet"},
            {"dX=lcjpwYXNz", "not valid base64: '=' at position 3"},
            {"OnBhc3N3b3Jk", "the decoded user name is empty"},             /* ":password" */
            {"dXNlcgBwOnE=", "the decoded value is not \"user:password\""}, /* NUL inside */
        };
        struct docker_auth_config *cfg;
        const char *dir = bt_tmpdir();
        struct berth_err err;
        char text[256], path[600], want[900];
        size_t i;

        snprintf(path, sizeof(path), "%s/config.json", dir);
        for (i = 0; i < sizeof(cases) / sizeof(cases[0]); i++) {
                snprintf(text, sizeof(text), "{\"auths\": {\"r.example\": {\"auth\": \"%s\"}}}",
                         cases[i].auth);
                bt_write_file(dir, "config.json", text);
                ck_assert_int_eq(docker_auth_config_load(&cfg, path, &err), BERTH_EINVALID);
                snprintf(want, sizeof(want), "cannot read '%s': auths.\"r.example\".auth: %s", path,
                         cases[i].why);
                ck_assert_str_eq(err.msg, want);
        }
}
END_TEST

START_TEST(base64_decode_handles_padding_and_rejects_junk)
{
        static const struct {
                const char *in, *out;
                size_t len;
        } ok[] = {
            {"", "", 0},        {"YQ==", "a", 1},       {"YWI=", "ab", 2},
            {"YWJj", "abc", 3}, {"  YWJj\n", "abc", 3}, {"AP8A", "\0\377\0", 3},
        };
        static const char *const bad[] = {"YQ=", "YQ", "Y===", "YW=j", "YW-j", "YW_j", "YQ==YQ=="};
        struct berth_err err;
        char *out;
        size_t i, len;

        for (i = 0; i < sizeof(ok) / sizeof(ok[0]); i++) {
                ck_assert_msg(docker_base64_decode(&out, &len, ok[i].in, &err) == 0, "%s: %s",
                              ok[i].in, err.msg);
                ck_assert_uint_eq(len, ok[i].len);
                ck_assert(memcmp(out, ok[i].out, len) == 0);
                ck_assert_int_eq(out[len], '\0');
                free(out);
        }
        for (i = 0; i < sizeof(bad) / sizeof(bad[0]); i++) {
                ck_assert_msg(docker_base64_decode(&out, &len, bad[i], &err) == BERTH_EINVALID,
                              "'%s' was accepted", bad[i]);
                ck_assert_ptr_null(out);
                ck_assert_msg(strncmp(err.msg, "not valid base64: ", 18) == 0, "%s", err.msg);
        }
}
END_TEST

/* Undo base64url and parse the JSON inside. */
static json_t *header_json(const char *header)
{
        char *std = strdup(header), *plain, *p;
        struct berth_err err;
        json_error_t jerr;
        json_t *j;
        size_t len;

        ck_assert_ptr_nonnull(std);
        for (p = std; *p; p++) {
                ck_assert_msg(*p != '+' && *p != '/', "not URL-safe: %s", header);
                if (*p == '-')
                        *p = '+';
                else if (*p == '_')
                        *p = '/';
        }
        ck_assert_msg(docker_base64_decode(&plain, &len, std, &err) == 0, "%s", err.msg);
        j = json_loadb(plain, len, 0, &jerr);
        ck_assert_msg(j != NULL, "%s: %s", plain, jerr.text);
        free(plain);
        free(std);
        return j;
}

START_TEST(header_is_base64url_json_that_round_trips)
{
        struct docker_auth a;
        struct berth_err err;
        json_t *got, *want;
        char *h;

        docker_auth_init(&a);
        /* "???" and ">>>" encode to '/' and '+' in standard base64. */
        ck_assert_int_eq(docker_auth_set(&a, "u", "?\?\?>>>\"\\é", NULL, "127.0.0.1:5000", &err),
                         0);
        ck_assert_int_eq(docker_auth_header(&h, &a, &err), 0);
        ck_assert_msg(strchr(h, '_') || strchr(h, '-'), "%s", h);
        ck_assert_uint_eq(strlen(h) % 4, 0);
        got = header_json(h);
        want = json_pack("{s:s, s:s, s:s}", "username", "u", "password", "?\?\?>>>\"\\é",
                         "serveraddress", "127.0.0.1:5000");
        ck_assert_msg(json_equal(got, want), "%s", json_dumps(got, 0));
        json_decref(got);
        json_decref(want);
        free(h);

        ck_assert_int_eq(docker_auth_set(&a, NULL, NULL, "tok", DOCKER_HUB_AUTH_KEY, &err), 0);
        ck_assert_int_eq(docker_auth_header(&h, &a, &err), 0);
        got = header_json(h);
        want =
            json_pack("{s:s, s:s}", "identitytoken", "tok", "serveraddress", DOCKER_HUB_AUTH_KEY);
        ck_assert_msg(json_equal(got, want), "%s", json_dumps(got, 0));
        json_decref(got);
        json_decref(want);
        free(h);
        docker_auth_release(&a);
        docker_auth_release(&a); /* twice is fine */
}
END_TEST

START_TEST(helper_precedence_cred_helpers_then_store_then_auths)
{
        struct docker_auth_config *cfg;
        struct docker_auth a;

        docker_auth_init(&a);
        install_helper("berthtest", "one");
        install_helper("berthtest2", "two"); /* same script; HELPER_TAG now "two" */
        cfg = load_text("{\"credHelpers\": {\"https://a.example/v2/\": \"berthtest\"},"
                        " \"credsStore\": \"berthtest2\","
                        " \"auths\": {\"a.example\": {\"auth\": \"dTpw\"},"
                        "             \"b.example\": {\"auth\": \"dTpw\"}}}");
        ck_assert_str_eq(docker_auth_config_helper(cfg, "a.example"), "berthtest");
        ck_assert_str_eq(docker_auth_config_helper(cfg, "b.example"), "berthtest2");
        /* credHelpers beats credsStore and auths; the helper sees the registry
         * on stdin and its answer is used as is. */
        lookup_ok(&a, cfg, "a.example");
        expect_auth(&a, "user-two", "pw-a.example", NULL, "a.example");
        /* credsStore beats auths. */
        lookup_ok(&a, cfg, "b.example");
        expect_auth(&a, "user-two", "pw-b.example", NULL, "b.example");
        /* Docker Hub is asked for under its v1 URL. */
        lookup_ok(&a, cfg, "docker.io");
        expect_auth(&a, "user-two", "pw-" DOCKER_HUB_AUTH_KEY, NULL, DOCKER_HUB_AUTH_KEY);
        /* The chosen helper is authoritative: not found means none. */
        lookup_ok(&a, cfg, "missing.example");
        expect_auth(&a, NULL, NULL, NULL, "missing.example");
        docker_auth_config_free(cfg);

        /* Without credsStore, registries with no helper use auths. */
        cfg = load_text("{\"credHelpers\": {\"a.example\": \"berthtest\"},"
                        " \"auths\": {\"a.example\": {\"auth\": \"dTpw\"},"
                        "             \"b.example\": {\"auth\": \"dTpw\"}}}");
        ck_assert_ptr_null(docker_auth_config_helper(cfg, "b.example"));
        lookup_ok(&a, cfg, "b.example");
        expect_auth(&a, "u", "p", NULL, "b.example");
        lookup_ok(&a, cfg, "a.example");
        expect_auth(&a, "user-two", "pw-a.example", NULL, "a.example");
        docker_auth_config_free(cfg);
        docker_auth_release(&a);
}
END_TEST

START_TEST(helper_token_username_means_identity_token)
{
        struct docker_auth a;
        struct berth_err err;

        docker_auth_init(&a);
        install_helper("berthtest", "t");
        ck_assert_msg(docker_auth_helper_get(&a, "berthtest", "token.example", 0, &err) == 0, "%s",
                      err.msg);
        expect_auth(&a, NULL, NULL, "tok-token.example", "token.example");
        docker_auth_release(&a);
}
END_TEST

START_TEST(helper_failures_are_clear)
{
        struct docker_auth_config *cfg;
        struct docker_auth a;
        struct berth_err err;
        struct timespec t0, t1;
        char want[1200];

        docker_auth_init(&a);
        install_helper("berthtest", "f");

        ck_assert_int_eq(docker_auth_helper_get(&a, "berthtest", "broken.example", 0, &err),
                         BERTH_EIO);
        ck_assert_str_eq(err.msg, "credential helper 'docker-credential-berthtest' failed (exit "
                                  "status 3): keychain locked");
        ck_assert_int_eq(docker_auth_helper_get(&a, "berthtest", "notjson.example", 0, &err),
                         BERTH_EIO);
        ck_assert_str_eq(err.msg, "credential helper 'docker-credential-berthtest' gave an answer "
                                  "that is not a JSON object: '[' or '{' expected near 'hello'");
        ck_assert_int_eq(docker_auth_helper_get(&a, "berthtest", "big.example", 0, &err),
                         BERTH_ETOOBIG);
        ck_assert_str_eq(err.msg, "credential helper 'docker-credential-berthtest' wrote more "
                                  "than 65536 bytes");
        ck_assert_int_eq(docker_auth_helper_get(&a, "berthtest", "killed.example", 0, &err),
                         BERTH_EIO);
        ck_assert_str_eq(err.msg,
                         "credential helper 'docker-credential-berthtest' was killed by signal 9");

        clock_gettime(CLOCK_MONOTONIC, &t0);
        ck_assert_int_eq(docker_auth_helper_get(&a, "berthtest", "slow.example", 300, &err),
                         BERTH_ETIMEOUT);
        clock_gettime(CLOCK_MONOTONIC, &t1);
        ck_assert_str_eq(err.msg, "credential helper 'docker-credential-berthtest' did not "
                                  "answer within 300 ms");
        ck_assert_int_lt(t1.tv_sec - t0.tv_sec, 3);
        ck_assert(!docker_auth_has_credentials(&a));

        ck_assert_int_eq(docker_auth_helper_get(&a, "../evil", "x", 0, &err), BERTH_EINVALID);
        ck_assert_str_eq(err.msg, "'../evil' is not a credential helper name");

        /* A helper that is not installed: named, with the file that chose it. */
        cfg = load_text("{\"credsStore\": \"berth-absent\"}");
        ck_assert_int_eq(docker_auth_lookup(&a, cfg, "r.example", &err), BERTH_EIO);
        snprintf(want, sizeof(want),
                 "cannot get credentials for registry 'r.example' (helper named in '%s'): "
                 "credential helper 'docker-credential-berth-absent' is not installed (not "
                 "found on PATH)",
                 docker_auth_config_path(cfg));
        ck_assert_str_eq(err.msg, want);
        docker_auth_config_free(cfg);
        docker_auth_release(&a);
}
END_TEST

START_TEST(key_host_and_server_key)
{
        static const struct {
                const char *key, *host;
        } cases[] = {
            {"https://index.docker.io/v1/", "docker.io"},
            {"index.docker.io", "docker.io"},
            {"registry-1.docker.io", "docker.io"},
            {"docker.io", "docker.io"},
            {"http://127.0.0.1:5000/v2/", "127.0.0.1:5000"},
            {"HTTPS://Ghcr.IO", "Ghcr.IO"},
            {"localhost:5000", "localhost:5000"},
        };
        char buf[256];
        size_t i;

        for (i = 0; i < sizeof(cases) / sizeof(cases[0]); i++) {
                docker_auth_key_host(buf, sizeof(buf), cases[i].key);
                ck_assert_str_eq(buf, cases[i].host);
        }
        ck_assert_str_eq(docker_auth_server_key("docker.io"), DOCKER_HUB_AUTH_KEY);
        ck_assert_str_eq(docker_auth_server_key("127.0.0.1:5000"), "127.0.0.1:5000");
}
END_TEST

START_TEST(engine_registry_messages_are_classified)
{
        static const struct {
                const char *msg;
                int kind;
        } cases[] = {
            {"Head \"http://127.0.0.1:5055/v2/berth-test/busybox/manifests/1\": no basic auth "
             "credentials",
             BERTH_EAUTH},
            {"unauthorized: authentication required", BERTH_EAUTH},
            {"login attempt to http://127.0.0.1:5055/v2/ failed with status: 401 Unauthorized",
             BERTH_EAUTH},
            {"pull access denied for nosuch, repository does not exist or may require "
             "'docker login': denied: requested access to the resource is denied",
             BERTH_EAUTH},
            {"manifest for 127.0.0.1:5055/berth-test/busybox:nope not found: manifest "
             "unknown: manifest unknown",
             BERTH_ENOTFOUND},
            {"Get \"http://127.0.0.1:5099/v2/\": dial tcp 127.0.0.1:5099: connect: connection "
             "refused",
             BERTH_ESERVER},
            {"Get \"https://registry-1.docker.io/v2/\": dial tcp: lookup registry-1.docker.io "
             "on 10.255.255.53:53: no such host",
             BERTH_ESERVER},
            {"filesystem layer verification failed for digest sha256:9d1c", 0},
            {"", 0},
        };
        size_t i;

        for (i = 0; i < sizeof(cases) / sizeof(cases[0]); i++)
                ck_assert_msg(docker_registry_error_kind(cases[i].msg) == cases[i].kind, "%s",
                              cases[i].msg);
}
END_TEST

START_TEST(reference_parsing_follows_docker)
{
        static const char d64[] =
            "sha256:20ff7ef575bb497dbcc31c7a4744952d01375dbfb11c272d60c7ffc12a057b9d";
        static const struct {
                const char *in, *domain, *path, *tag, *digest, *repo;
        } ok[] = {
            {"busybox", "docker.io", "library/busybox", "latest", "", "busybox"},
            {"busybox:1.36", "docker.io", "library/busybox", "1.36", "", "busybox"},
            {"library/busybox", "docker.io", "library/busybox", "latest", "", "busybox"},
            {"docker.io/busybox", "docker.io", "library/busybox", "latest", "", "busybox"},
            {"index.docker.io/team/app:v2", "docker.io", "team/app", "v2", "", "team/app"},
            {"team/app", "docker.io", "team/app", "latest", "", "team/app"},
            {"team/sub/app_x.y-z__w", "docker.io", "team/sub/app_x.y-z__w", "latest", "",
             "team/sub/app_x.y-z__w"},
            {"127.0.0.1:5000/x:1", "127.0.0.1:5000", "x", "1", "", "127.0.0.1:5000/x"},
            {"localhost/app", "localhost", "app", "latest", "", "localhost/app"},
            {"localhost:5000/a/b:T_1.x-y", "localhost:5000", "a/b", "T_1.x-y", "",
             "localhost:5000/a/b"},
            {"ghcr.io/org/app", "ghcr.io", "org/app", "latest", "", "ghcr.io/org/app"},
            {"[::1]:5000/app:1", "[::1]:5000", "app", "1", "", "[::1]:5000/app"},
            {"localhost:5000", "docker.io", "library/localhost", "5000", "", "localhost"},
            {"busybox@sha256:20ff7ef575bb497dbcc31c7a4744952d01375dbfb11c272d60c7ffc12a057b9d",
             "docker.io", "library/busybox", "", d64, "busybox"},
            {"r.io:5000/app:1@sha256:"
             "20ff7ef575bb497dbcc31c7a4744952d01375dbfb11c272d60c7ffc12a057b9d",
             "r.io:5000", "app", "1", d64, "r.io:5000/app"},
        };
        static const struct {
                const char *in, *why;
        } bad[] = {
            {"", "invalid image reference '': empty"},
            {"BusyBox", "invalid image reference 'BusyBox': repository name must be lowercase"},
            {"ghcr.io/Org/app",
             "invalid image reference 'ghcr.io/Org/app': repository name must be lowercase"},
            {"app:", "invalid image reference 'app:': tag '' is not valid (letters, digits, "
                     "'_', '.', '-'; at most 128; not starting with '.' or '-')"},
            {"app:-x", "invalid image reference 'app:-x': tag '-x' is not valid (letters, "
                       "digits, '_', '.', '-'; at most 128; not starting with '.' or '-')"},
            {"a..b", "invalid image reference 'a..b': 'library/a..b' is not a valid "
                     "repository path"},
            {"a/-b", "invalid image reference 'a/-b': 'a/-b' is not a valid repository path"},
            {"a b", "invalid image reference 'a b': 'library/a b' is not a valid repository "
                    "path"},
            {"app@sha256:abc",
             "invalid image reference 'app@sha256:abc': digest 'sha256:abc' has the wrong "
             "length"},
            {"app@md5:0123456789abcdef0123456789abcdef",
             "invalid image reference 'app@md5:0123456789abcdef0123456789abcdef': "
             "unsupported digest algorithm in 'md5:0123456789abcdef0123456789abcdef'"},
            {"20ff7ef575bb497dbcc31c7a4744952d01375dbfb11c272d60c7ffc12a057b9d",
             "invalid image reference "
             "'20ff7ef575bb497dbcc31c7a4744952d01375dbfb11c272d60c7ffc12a057b9d': a "
             "64-character hexadecimal string is an image id, not a repository name"},
            {"-bad.io/app", "invalid image reference '-bad.io/app': '-bad.io' is not a valid "
                            "registry host"},
            {"bad.io:x5/app", "invalid image reference 'bad.io:x5/app': 'bad.io:x5' is not a "
                              "valid registry host"},
        };
        struct docker_image_ref ref;
        struct berth_err err;
        char buf[600], want[600];
        size_t i;

        for (i = 0; i < sizeof(ok) / sizeof(ok[0]); i++) {
                berth_err_clear(&err);
                ck_assert_msg(docker_image_ref_parse(&ref, ok[i].in, &err) == 0, "%s: %s", ok[i].in,
                              err.msg);
                ck_assert_str_eq(ref.domain, ok[i].domain);
                ck_assert_str_eq(ref.path, ok[i].path);
                ck_assert_str_eq(ref.tag, ok[i].tag);
                ck_assert_str_eq(ref.digest, ok[i].digest);
                ck_assert_str_eq(docker_image_ref_repo(&ref, buf, sizeof(buf)), ok[i].repo);
                snprintf(want, sizeof(want), "%s%s%s%s%s", ok[i].repo, ok[i].tag[0] ? ":" : "",
                         ok[i].tag, ok[i].digest[0] ? "@" : "", ok[i].digest);
                ck_assert_str_eq(docker_image_ref_format(&ref, buf, sizeof(buf)), want);
        }
        for (i = 0; i < sizeof(bad) / sizeof(bad[0]); i++) {
                berth_err_clear(&err);
                ck_assert_msg(docker_image_ref_parse(&ref, bad[i].in, &err) == BERTH_EINVALID,
                              "'%s' was accepted", bad[i].in);
                ck_assert_str_eq(err.msg, bad[i].why);
        }
        /* Over 255 characters of name. */
        memset(buf, 'a', 300);
        buf[300] = '\0';
        ck_assert_int_eq(docker_image_ref_parse(&ref, buf, &err), BERTH_EINVALID);
        ck_assert_msg(strstr(err.msg, "repository name longer than 255 characters"), "%s", err.msg);
}
END_TEST

static void cleanup_each(void)
{
        bt_cleanup();
}

int main(void)
{
        Suite *s = suite_create("auth");
        TCase *tc = tcase_create("config");

        tcase_add_checked_fixture(tc, NULL, cleanup_each);
        tcase_add_test(tc, auths_entries_give_user_password_or_token);
        tcase_add_test(tc, missing_or_empty_config_means_no_credentials);
        tcase_add_test(tc, default_path_follows_docker_config_then_home);
        tcase_add_test(tc, malformed_config_names_file_and_problem);
        tcase_add_test(tc, bad_auth_values_in_written_files);
        suite_add_tcase(s, tc);

        tc = tcase_create("encoding");
        tcase_add_test(tc, base64_decode_handles_padding_and_rejects_junk);
        tcase_add_test(tc, header_is_base64url_json_that_round_trips);
        tcase_add_test(tc, key_host_and_server_key);
        tcase_add_test(tc, engine_registry_messages_are_classified);
        tcase_add_test(tc, reference_parsing_follows_docker);
        suite_add_tcase(s, tc);

        tc = tcase_create("helpers");
        tcase_add_checked_fixture(tc, NULL, cleanup_each);
        tcase_add_test(tc, helper_precedence_cred_helpers_then_store_then_auths);
        tcase_add_test(tc, helper_token_username_means_identity_token);
        tcase_add_test(tc, helper_failures_are_clear);
        suite_add_tcase(s, tc);
        return bt_unit_main(s);
}
