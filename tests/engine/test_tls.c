/* The tcp:// + TLS transport against the real engine.  The shared engine
 * listens on a unix socket only, so each test puts a real TLS hop in front
 * of it: socat terminates TLS (verify=1: it demands a client certificate
 * signed by its CA) and forwards to the engine's socket.  Certificates are
 * made once per run of the suite by tls_certs.sh (openssl CLI).
 *
 * socat cannot outlive its test: check ends a failed test with _exit(),
 * which skips checked teardowns, so the proxy gets SIGTERM when the test
 * process dies (PR_SET_PDEATHSIG, passed on by timeout(1) to socat and its
 * per-connection children), and timeout(1) ends it after PROXY_LIFETIME
 * seconds in any case.  A test that passes stops it in its teardown. */
#include <arpa/inet.h>
#include <errno.h>
#include <fcntl.h>
#include <limits.h>
#include <netinet/in.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/prctl.h>
#include <sys/socket.h>
#include <sys/wait.h>
#include <time.h>
#include <unistd.h>

#include <curl/curl.h>

#include "berth_test.h"
#include "docker/system.h"

#define PROXY_LIFETIME "120" /* seconds; the test case times out at 120 too */

/* Made by the runner process before the tests (an unchecked fixture), read
 * by the tests in their own processes. */
static char certs[PATH_MAX];

/* The proxy of this test's process. */
static struct {
        pid_t pid; /* timeout(1), leader of socat's process group */
        int port;
        char host[64]; /* "tcp://127.0.0.1:<port>" */
} proxy;

static void certs_make(void)
{
        const char *base = getenv("TMPDIR");
        const char *argv[] = {"sh", BERTH_TEST_DATA "/engine/tls_certs.sh", certs, NULL};
        char *errout = NULL;
        int rc;

        snprintf(certs, sizeof(certs), "%s/berth-tls-XXXXXX", base && *base ? base : "/tmp");
        ck_assert_msg(mkdtemp(certs) != NULL, "mkdtemp %s: %s", certs, strerror(errno));
        ck_assert_msg(!strpbrk(certs, ",:!"), "'%s': socat addresses cannot hold , : or !", certs);
        rc = bt_run(NULL, &errout, argv);
        ck_assert_msg(rc == 0, "tls_certs.sh failed (exit %d; is openssl installed?): %s", rc,
                      errout);
        free(errout);
}

static void certs_remove(void)
{
        const char *argv[] = {"rm", "-rf", "--", certs, NULL};

        if (certs[0])
                bt_run(NULL, NULL, argv);
}

/* The engine's socket, from DOCKER_HOST: the proxy's far end. */
static const char *engine_socket(void)
{
        static struct docker_host h;
        const char *v = getenv("DOCKER_HOST");
        struct berth_err err;

        ck_assert_msg(docker_host_parse(&h, v, NULL, NULL, &err) == 0, "%s", err.msg);
        ck_assert_msg(h.kind == DOCKER_HOST_UNIX,
                      "test_tls puts a TLS proxy in front of a unix socket engine, but "
                      "DOCKER_HOST is '%s'",
                      v);
        return h.path;
}

/* A port nobody listens on now (socat binds it with reuseaddr right after;
 * proxy_start retries when someone else was quicker). */
static int free_port(void)
{
        struct sockaddr_in a = {.sin_family = AF_INET, .sin_addr.s_addr = htonl(INADDR_LOOPBACK)};
        socklen_t len = sizeof(a);
        int fd = socket(AF_INET, SOCK_STREAM | SOCK_CLOEXEC, 0);

        ck_assert_msg(fd >= 0, "socket: %s", strerror(errno));
        ck_assert_msg(bind(fd, (struct sockaddr *)&a, sizeof(a)) == 0, "bind: %s", strerror(errno));
        ck_assert_msg(getsockname(fd, (struct sockaddr *)&a, &len) == 0, "getsockname: %s",
                      strerror(errno));
        close(fd);
        return ntohs(a.sin_port);
}

/* Wait up to 5 s for the port to accept connections; 0 when it does, -1
 * when the proxy exited first (port taken, bad option). */
static int proxy_wait(void)
{
        struct sockaddr_in a = {.sin_family = AF_INET,
                                .sin_addr.s_addr = htonl(INADDR_LOOPBACK),
                                .sin_port = htons((uint16_t)proxy.port)};
        struct timespec pause = {.tv_nsec = 20 * 1000 * 1000};
        int i, fd, ok;

        for (i = 0; i < 250; i++) {
                if (waitpid(proxy.pid, NULL, WNOHANG) == proxy.pid) {
                        proxy.pid = 0;
                        return -1;
                }
                fd = socket(AF_INET, SOCK_STREAM | SOCK_CLOEXEC, 0);
                ck_assert_msg(fd >= 0, "socket: %s", strerror(errno));
                ok = connect(fd, (struct sockaddr *)&a, sizeof(a)) == 0;
                close(fd);
                if (ok)
                        return 0;
                nanosleep(&pause, NULL);
        }
        return -1;
}

static void proxy_stop(void)
{
        if (proxy.pid <= 0)
                return;
        kill(proxy.pid, SIGTERM); /* timeout(1) sends it on to its process group */
        while (waitpid(proxy.pid, NULL, 0) < 0 && errno == EINTR)
                ;
        proxy.pid = 0;
}

/* Start socat on a free port of 127.0.0.1 with the server certificate,
 * requiring client certificates signed by the test CA; extra: more socat
 * options (",max-version=TLS1.2") or "". */
static void proxy_start(const char *extra)
{
        char listen[2 * PATH_MAX], target[PATH_MAX], log[PATH_MAX];
        pid_t parent = getpid();
        int attempt, fd;

        snprintf(target, sizeof(target), "UNIX-CONNECT:%s", engine_socket());
        snprintf(log, sizeof(log), "%s/socat-%ld.log", certs, (long)parent);
        for (attempt = 0; attempt < 5; attempt++) {
                proxy.port = free_port();
                snprintf(listen, sizeof(listen),
                         "OPENSSL-LISTEN:%d,bind=127.0.0.1,reuseaddr,fork,cert=%s/server.pem,"
                         "key=%s/server-key.pem,cafile=%s/ca.pem,verify=1%s",
                         proxy.port, certs, certs, certs, extra);
                proxy.pid = fork();
                ck_assert_msg(proxy.pid >= 0, "fork: %s", strerror(errno));
                if (proxy.pid == 0) {
                        /* die with the test process, however it ends */
                        prctl(PR_SET_PDEATHSIG, SIGTERM);
                        if (getppid() != parent)
                                _exit(1);
                        fd = open(log, O_WRONLY | O_CREAT | O_APPEND | O_CLOEXEC, 0600);
                        if (fd >= 0) {
                                dup2(fd, 1); /* not ctest's pipe: it would wait for socat */
                                dup2(fd, 2);
                        }
                        fd = open("/dev/null", O_RDONLY | O_CLOEXEC);
                        if (fd >= 0)
                                dup2(fd, 0);
                        execlp("timeout", "timeout", PROXY_LIFETIME, "socat", listen, target,
                               (char *)NULL);
                        fprintf(stderr, "cannot run timeout/socat: %s\n", strerror(errno));
                        _exit(127);
                }
                if (proxy_wait() == 0) {
                        snprintf(proxy.host, sizeof(proxy.host), "tcp://127.0.0.1:%d", proxy.port);
                        return;
                }
                proxy_stop();
        }
        ck_abort_msg("socat did not listen (is socat installed?); its log: %s", log);
}

/* What `berth version` and the client say for one environment. */
struct attempt {
        int code; /* docker_client_from_env + docker_system_version */
        struct berth_err err;
        struct docker_version v;
        struct docker_call_stats stats;
        char api[16]; /* the version the client negotiated */
        int exit_env; /* berth version, DOCKER_HOST=host */
        char *out_env, *err_env;
        int exit_flag; /* berth -H host version, DOCKER_HOST unchanged */
        char *out_flag, *err_flag;
};

static void env_set(const char *name, const char *value)
{
        if (value)
                setenv(name, value, 1);
        else
                unsetenv(name);
}

/* Run both ways with DOCKER_TLS_VERIFY=tls_verify (NULL: unset) and
 * DOCKER_CERT_PATH=certs/<cert_dir>, then put the environment back (the
 * cleanup fixture talks to the engine through DOCKER_HOST). */
static void attempt_run(struct attempt *a, const char *host, const char *tls_verify,
                        const char *cert_dir)
{
        char *saved = strdup(getenv("DOCKER_HOST")), path[PATH_MAX];
        const char *by_env[] = {BERTH_BINARY, "version", NULL};
        const char *by_flag[] = {BERTH_BINARY, "-H", host, "version", NULL};
        struct docker_client *c = NULL;

        memset(a, 0, sizeof(*a));
        berth_err_clear(&a->err);
        snprintf(path, sizeof(path), "%s/%s", certs, cert_dir);
        env_set("DOCKER_TLS_VERIFY", tls_verify);
        env_set("DOCKER_CERT_PATH", path);
        a->exit_flag = bt_run(&a->out_flag, &a->err_flag, by_flag);
        setenv("DOCKER_HOST", host, 1);
        a->exit_env = bt_run(&a->out_env, &a->err_env, by_env);
        a->code = docker_client_from_env(&c, NULL, &a->err);
        if (a->code == 0)
                a->code = docker_system_version(c, &a->v, &a->err);
        if (c) {
                docker_client_stats(c, &a->stats);
                if (docker_client_api_version(c))
                        snprintf(a->api, sizeof(a->api), "%s", docker_client_api_version(c));
        }
        docker_client_free(c);
        setenv("DOCKER_HOST", saved, 1);
        unsetenv("DOCKER_TLS_VERIFY");
        unsetenv("DOCKER_CERT_PATH");
        free(saved);
}

static void attempt_release(struct attempt *a)
{
        free(a->out_env);
        free(a->err_env);
        free(a->out_flag);
        free(a->err_flag);
}

/* errout is "berth: <one of wants>\n". */
static int reported(const char *errout, const char *const *wants)
{
        size_t n;

        if (!errout || strncmp(errout, "berth: ", 7))
                return 0;
        for (; *wants; wants++) {
                n = strlen(*wants);
                if (!strncmp(errout + 7, *wants, n) && !strcmp(errout + 7 + n, "\n"))
                        return 1;
        }
        return 0;
}

/* attempt_run() fails: the client with code and one of the messages
 * (NULL-terminated: more than one only where the network decides between
 * them) on its first call, and berth prints the same both ways and exits 1. */
static void expect_failure(const char *host, const char *tls_verify, const char *cert_dir, int code,
                           const char *const *wants)
{
        struct attempt a;
        const char *const *w;
        int matched = 0;

        attempt_run(&a, host, tls_verify, cert_dir);
        ck_assert_msg(a.code == code, "client gave %d (%s), want %d (%s): %s", a.code,
                      berth_code_name(a.code), code, berth_code_name(code), a.err.msg);
        for (w = wants; *w; w++)
                matched |= !strcmp(a.err.msg, *w);
        ck_assert_msg(matched, "client said:\n  %s\nwant:\n  %s", a.err.msg, wants[0]);
        ck_assert_uint_eq(a.stats.total, 1); /* the ping that failed, nothing after it */
        ck_assert_uint_eq(a.stats.mutating, 0);
        ck_assert_str_eq(a.api, "");
        ck_assert_msg(a.exit_flag == 1, "berth -H: exit %d: %s", a.exit_flag, a.err_flag);
        ck_assert_str_eq(a.out_flag, "berth " BERTH_VERSION "\n");
        ck_assert_msg(reported(a.err_flag, wants), "berth -H said:\n  %s\nwant:\n  berth: %s",
                      a.err_flag, wants[0]);
        ck_assert_msg(a.exit_env == 1, "berth (DOCKER_HOST): exit %d: %s", a.exit_env, a.err_env);
        ck_assert_str_eq(a.out_env, "berth " BERTH_VERSION "\n");
        ck_assert_msg(reported(a.err_env, wants),
                      "berth (DOCKER_HOST) said:\n  %s\nwant:\n  berth: %s", a.err_env, wants[0]);
        attempt_release(&a);
}

/* "OpenSSL/3.0.19": how curl names its TLS library in messages. */
static const char *tls_library(void)
{
        const curl_version_info_data *v = curl_version_info(CURLVERSION_NOW);

        ck_assert_ptr_nonnull(v->ssl_version);
        return v->ssl_version;
}

START_TEST(version_over_tls)
{
        struct docker_version direct;
        struct attempt a;
        struct berth_err err;
        char want[1024];

        ck_assert_msg(docker_system_version(bt_client(), &direct, &err) == 0, "%s", err.msg);
        proxy_start("");
        attempt_run(&a, proxy.host, "1", "good");
        ck_assert_msg(a.code == 0, "%s", a.err.msg);
        ck_assert_uint_eq(a.stats.total, 2); /* ping, version */
        ck_assert_uint_eq(a.stats.mutating, 0);
        /* the engine behind the proxy is the one on the socket */
        ck_assert_str_eq(a.v.version, direct.version);
        ck_assert_str_eq(a.v.api_version, direct.api_version);
        ck_assert_str_eq(a.api, docker_client_api_version(bt_client()));
        snprintf(want, sizeof(want),
                 "berth " BERTH_VERSION "\nengine %s (API %s, berth speaks %s) at %s\n",
                 a.v.version, a.v.api_version, a.api, proxy.host);
        ck_assert_msg(a.exit_flag == 0, "exit %d: %s", a.exit_flag, a.err_flag);
        ck_assert_str_eq(a.out_flag, want);
        ck_assert_str_eq(a.err_flag, "");
        ck_assert_msg(a.exit_env == 0, "exit %d: %s", a.exit_env, a.err_env);
        ck_assert_str_eq(a.out_env, want);
        ck_assert_str_eq(a.err_env, "");
        attempt_release(&a);
}
END_TEST

/* Bodies, other methods and a reused connection go through the TLS hop. */
START_TEST(changes_go_through_tls)
{
        struct docker_client *local = bt_client(), *c = NULL;
        struct docker_host h;
        struct docker_call_stats st;
        struct berth_err err;
        const char *name = bt_name("tls");
        char dir[PATH_MAX], path[512];
        json_t *body = json_pack("{s:s, s:{s:s}}", "Name", name, "Labels", BT_LABEL, bt_run_id());
        json_t *got = NULL;
        struct docker_request create = {.method = "POST",
                                        .path = "/volumes/create",
                                        .json = body,
                                        .op = "create volume",
                                        .object = name};
        struct docker_request inspect = {
            .method = "GET", .path = path, .op = "inspect volume", .object = name};
        struct docker_request del = {
            .method = "DELETE", .path = path, .op = "remove volume", .object = name};

        proxy_start("");
        snprintf(dir, sizeof(dir), "%s/good", certs);
        snprintf(path, sizeof(path), "/volumes/%s", name);
        ck_assert_msg(docker_host_parse(&h, proxy.host, "1", dir, &err) == 0, "%s", err.msg);
        ck_assert_msg(docker_client_new(&c, &h, &err) == 0, "%s", err.msg);

        ck_assert_msg(docker_call_json(c, &create, &got, &err) == 0, "%s", err.msg);
        ck_assert_str_eq(json_string_value(json_object_get(got, "Name")), name);
        json_decref(got);
        ck_assert_msg(docker_call_json(local, &inspect, &got, &err) == 0, "%s", err.msg);
        ck_assert_str_eq(
            json_string_value(json_object_get(json_object_get(got, "Labels"), BT_LABEL)),
            bt_run_id());
        json_decref(got);
        ck_assert_msg(docker_call(c, &del, NULL, &err) == 0, "%s", err.msg);
        ck_assert_int_eq(docker_call(local, &inspect, NULL, &err), BERTH_ENOTFOUND);
        ck_assert_int_eq(docker_call(c, &inspect, NULL, &err), BERTH_ENOTFOUND);
        ck_assert_int_eq(err.http_status, 404);

        docker_client_stats(c, &st);
        ck_assert_uint_eq(st.total, 4); /* ping, create, remove, inspect */
        ck_assert_uint_eq(st.mutating, 2);
        docker_client_free(c);
        json_decref(body);
}
END_TEST

START_TEST(untrusted_engine_certificate_is_a_tls_error)
{
        char want[1024];
        const char *const wants[] = {want, NULL};

        proxy_start("");
        snprintf(want, sizeof(want),
                 "TLS failure talking to the Docker engine at %s: SSL certificate problem: "
                 "self-signed certificate in certificate chain (check the certificates in "
                 "%s/wrong-ca and DOCKER_TLS_VERIFY)",
                 proxy.host, certs);
        expect_failure(proxy.host, "1", "wrong-ca", BERTH_ETLS, wants);
}
END_TEST

/* The certificate is for 127.0.0.1 only: verification covers the name. */
START_TEST(engine_name_must_match_its_certificate)
{
        char host[64], want[1024];
        const char *const wants[] = {want, NULL};

        proxy_start("");
        snprintf(host, sizeof(host), "tcp://localhost:%d", proxy.port);
        snprintf(want, sizeof(want),
                 "TLS failure talking to the Docker engine at %s: SSL: no alternative "
                 "certificate subject name matches target host name 'localhost' (check the "
                 "certificates in %s/good and DOCKER_TLS_VERIFY)",
                 host, certs);
        expect_failure(host, "1", "good", BERTH_ETLS, wants);
}
END_TEST

/* TLS 1.3: the proxy refuses the client certificate after the client has
 * finished its handshake.  The client reads the proxy's alert, or, when
 * the proxy's close (with the request unread) resets the connection
 * before that, only the reset: both must say what to check. */
START_TEST(refused_client_certificate_tls13)
{
        char alert[1024], reset[1024];
        const char *const wants[] = {alert, reset, NULL};

        proxy_start(",min-version=TLS1.3");
        snprintf(alert, sizeof(alert),
                 "the Docker engine at %s closed the TLS connection: OpenSSL SSL_read: %s: "
                 "error:0A000418:SSL routines::tlsv1 alert unknown ca, errno 0 (it may not "
                 "accept the client certificate: check cert.pem and key.pem in "
                 "%s/foreign-client)",
                 proxy.host, tls_library(), certs);
        snprintf(reset, sizeof(reset),
                 "the Docker engine at %s closed the TLS connection: connection reset by peer "
                 "(it may not accept the client certificate: check cert.pem and key.pem in "
                 "%s/foreign-client)",
                 proxy.host, certs);
        expect_failure(proxy.host, "1", "foreign-client", BERTH_ETLS, wants);
}
END_TEST

/* TLS 1.2: the refusal comes inside the handshake. */
START_TEST(refused_client_certificate_tls12)
{
        char want[1024];
        const char *const wants[] = {want, NULL};

        proxy_start(",max-version=TLS1.2");
        snprintf(want, sizeof(want),
                 "TLS failure talking to the Docker engine at %s: %s: error:0A000418:SSL "
                 "routines::tlsv1 alert unknown ca (check the certificates in %s/foreign-client "
                 "and DOCKER_TLS_VERIFY)",
                 proxy.host, tls_library(), certs);
        expect_failure(proxy.host, "1", "foreign-client", BERTH_ETLS, wants);
}
END_TEST

START_TEST(cert_path_without_certificates)
{
        char want[1024];
        const char *const wants[] = {want, NULL};

        proxy_start("");
        snprintf(want, sizeof(want),
                 "TLS failure talking to the Docker engine at %s: could not load PEM client "
                 "certificate from %s/empty/cert.pem, OpenSSL error error:80000002:system "
                 "library::No such file or directory, (no key found, wrong pass phrase, or wrong "
                 "file format?) (check the certificates in %s/empty and DOCKER_TLS_VERIFY)",
                 proxy.host, certs, certs);
        expect_failure(proxy.host, "1", "empty", BERTH_ETLS, wants);
}
END_TEST

/* DOCKER_TLS_VERIFY unset: plain HTTP to the TLS port.  socat resets the
 * connection at the first bytes, which are not a TLS hello. */
START_TEST(plain_http_to_the_tls_port)
{
        char want[1024];
        const char *const wants[] = {want, NULL};

        proxy_start("");
        snprintf(want, sizeof(want),
                 "the Docker engine at %s closed the connection: connection reset by peer (if it "
                 "expects TLS, set DOCKER_TLS_VERIFY=1 and DOCKER_CERT_PATH)",
                 proxy.host);
        expect_failure(proxy.host, NULL, "good", BERTH_EPROTO, wants);
}
END_TEST

int main(void)
{
        Suite *s = suite_create("tls");
        TCase *tc = tcase_create("engine");

        bt_tcase_engine(tc);
        tcase_add_unchecked_fixture(tc, certs_make, certs_remove);
        tcase_add_checked_fixture(tc, NULL, proxy_stop);
        tcase_add_test(tc, version_over_tls);
        tcase_add_test(tc, changes_go_through_tls);
        tcase_add_test(tc, untrusted_engine_certificate_is_a_tls_error);
        tcase_add_test(tc, engine_name_must_match_its_certificate);
        tcase_add_test(tc, refused_client_certificate_tls13);
        tcase_add_test(tc, refused_client_certificate_tls12);
        tcase_add_test(tc, cert_path_without_certificates);
        tcase_add_test(tc, plain_http_to_the_tls_port);
        suite_add_tcase(s, tc);
        return bt_engine_main(s);
}
