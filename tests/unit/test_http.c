/* agent/http: the endpoints of berth sync, served on 127.0.0.1:0 and asked
 * with libcurl (or a bare socket where a client must misbehave); /healthz
 * against the fake engine, up and down.  Needs python3-jsonschema for the
 * /status schema check (tests/run installs it). */
#include <arpa/inet.h>
#include <dirent.h>
#include <errno.h>
#include <math.h>
#include <netinet/in.h>
#include <poll.h>
#include <stdatomic.h>
#include <stdbool.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <sys/syscall.h>
#include <time.h>
#include <unistd.h>

#include <curl/curl.h>
#include <openssl/evp.h>
#include <openssl/hmac.h>

#include "agent/http.h"
#include "agent/state.h"
#include "berth_test.h"
#include "fake_engine.h"

#define N(a) (sizeof(a) / sizeof((a)[0]))
#define STATUS_SCHEMA BERTH_TEST_DATA "/../schema/status.schema.json"
#define SMALL_BODY 1024 /* max_body of the servers here */

static double now_s(void)
{
        struct timespec ts;

        clock_gettime(CLOCK_MONOTONIC, &ts);
        return (double)ts.tv_sec + (double)ts.tv_nsec / 1e9;
}

/* ---- a server under test ------------------------------------------------- */

struct srv {
        struct agent_http *h;
        struct agent_state *state;
        atomic_int hooks;
        int port;
};

static void on_hook(void *userdata)
{
        struct srv *sv = userdata;

        atomic_fetch_add(&sv->hooks, 1);
}

/* Serve sv->state on 127.0.0.1:0 (or listen), with secret (may be NULL). */
static void srv_start_at(struct srv *sv, const char *listen, const char *secret,
                         const char *engine_host)
{
        struct agent_http_options o = {
            .listen = listen,
            .secret = secret,
            .secret_len = secret ? strlen(secret) : 0,
            .engine_host = engine_host ? engine_host : "unix:///nonexistent/berth-test.sock",
            .max_body = SMALL_BODY,
            .on_hook = on_hook,
            .userdata = sv,
        };
        struct berth_err err;

        if (!sv->state)
                sv->state = agent_state_new("test", "/srv/manifests");
        ck_assert_ptr_nonnull(sv->state);
        o.state = sv->state;
        atomic_init(&sv->hooks, 0);
        ck_assert_msg(agent_http_start(&sv->h, &o, &err) == 0, "cannot start: %s", err.msg);
        sv->port = agent_http_port(sv->h);
        ck_assert_int_gt(sv->port, 0);
}

static void srv_start(struct srv *sv, const char *secret, const char *engine_host)
{
        srv_start_at(sv, "127.0.0.1:0", secret, engine_host);
}

static void srv_stop(struct srv *sv)
{
        agent_http_stop(sv->h);
        agent_state_free(sv->state);
        memset(sv, 0, sizeof(*sv));
}

/* ---- a client ------------------------------------------------------------ */

struct req {
        const char *method; /* "GET", "POST", "HEAD", ... */
        const char *path;
        const char *body;
        size_t len;
        const char *signature; /* X-Hub-Signature-256 value, or NULL for none */
        bool chunked;
        const char *host; /* "127.0.0.1" unless set ("[::1]") */
};

struct reply {
        CURLcode code;
        long status;
        char body[65536];
        size_t len;
        char type[128];
        char allow[64];
};

static size_t on_body(char *p, size_t size, size_t n, void *userdata)
{
        struct reply *r = userdata;
        size_t take = size * n;

        if (take > sizeof(r->body) - 1 - r->len)
                take = sizeof(r->body) - 1 - r->len;
        memcpy(r->body + r->len, p, take);
        r->len += take;
        r->body[r->len] = '\0';
        return size * n;
}

/* Keep a header's value ("Name: value\r\n") in dst. */
static void header_value(char *dst, size_t size, const char *line, size_t len, const char *name)
{
        size_t nl = strlen(name);

        if (len > nl + 1 && !strncasecmp(line, name, nl) && line[nl] == ':') {
                line += nl + 1;
                len -= nl + 1;
                while (len && *line == ' ')
                        line++, len--;
                while (len && (line[len - 1] == '\r' || line[len - 1] == '\n'))
                        len--;
                snprintf(dst, size, "%.*s", (int)len, line);
        }
}

static size_t on_header(char *p, size_t size, size_t n, void *userdata)
{
        struct reply *r = userdata;

        header_value(r->type, sizeof(r->type), p, size * n, "Content-Type");
        header_value(r->allow, sizeof(r->allow), p, size * n, "Allow");
        return size * n;
}

struct upload {
        const char *data;
        size_t len, off;
};

/* Hand out the body in pieces of at most 700 bytes: several chunks. */
static size_t on_read(char *buf, size_t size, size_t n, void *userdata)
{
        struct upload *u = userdata;
        size_t take = u->len - u->off;

        if (take > size * n)
                take = size * n;
        if (take > 700)
                take = 700;
        memcpy(buf, u->data + u->off, take);
        u->off += take;
        return take;
}

static void http(struct reply *r, const struct srv *sv, const struct req *q)
{
        struct curl_slist *hdr = NULL;
        struct upload up = {q->body, q->len, 0};
        char url[256], sig[256];
        CURL *c = curl_easy_init();

        ck_assert_ptr_nonnull(c);
        memset(r, 0, sizeof(*r));
        snprintf(url, sizeof(url), "http://%s:%d%s", q->host ? q->host : "127.0.0.1", sv->port,
                 q->path);
        curl_easy_setopt(c, CURLOPT_URL, url);
        curl_easy_setopt(c, CURLOPT_NOSIGNAL, 1L);
        curl_easy_setopt(c, CURLOPT_TIMEOUT_MS, 20000L);
        curl_easy_setopt(c, CURLOPT_WRITEFUNCTION, on_body);
        curl_easy_setopt(c, CURLOPT_WRITEDATA, r);
        curl_easy_setopt(c, CURLOPT_HEADERFUNCTION, on_header);
        curl_easy_setopt(c, CURLOPT_HEADERDATA, r);
        hdr = curl_slist_append(hdr, "Expect:");
        if (q->signature) { /* "Name;" is how curl sends an empty value */
                snprintf(sig, sizeof(sig), "X-Hub-Signature-256%s%s", *q->signature ? ": " : ";",
                         q->signature);
                hdr = curl_slist_append(hdr, sig);
        }
        if (!strcmp(q->method, "POST") && q->chunked) {
                hdr = curl_slist_append(hdr, "Transfer-Encoding: chunked");
                curl_easy_setopt(c, CURLOPT_POST, 1L);
                curl_easy_setopt(c, CURLOPT_READFUNCTION, on_read);
                curl_easy_setopt(c, CURLOPT_READDATA, &up);
        } else if (!strcmp(q->method, "POST")) {
                curl_easy_setopt(c, CURLOPT_POSTFIELDS, q->body ? q->body : "");
                curl_easy_setopt(c, CURLOPT_POSTFIELDSIZE, (long)q->len);
        } else if (!strcmp(q->method, "HEAD")) {
                curl_easy_setopt(c, CURLOPT_NOBODY, 1L);
        } else if (strcmp(q->method, "GET")) {
                curl_easy_setopt(c, CURLOPT_CUSTOMREQUEST, q->method);
        }
        curl_easy_setopt(c, CURLOPT_HTTPHEADER, hdr);
        r->code = curl_easy_perform(c);
        curl_easy_getinfo(c, CURLINFO_RESPONSE_CODE, &r->status);
        curl_easy_cleanup(c);
        curl_slist_free_all(hdr);
}

/* http() that must reach the server. */
static void http_ok(struct reply *r, const struct srv *sv, const struct req *q)
{
        http(r, sv, q);
        ck_assert_msg(r->code == CURLE_OK, "%s %s: %s", q->method, q->path,
                      curl_easy_strerror(r->code));
}

/* Ask q; check the status it gets and how many webhooks have been taken
 * since the server started. */
static void expect(struct srv *sv, const struct req *q, long status, int hooks)
{
        static struct reply r;

        http_ok(&r, sv, q);
        ck_assert_msg(r.status == status, "%s %s: %ld, expected %ld: %s", q->method, q->path,
                      r.status, status, r.body);
        ck_assert_int_eq(atomic_load(&sv->hooks), hooks);
}

/* ---- a bare socket, for clients that misbehave --------------------------- */

static int raw_connect(int port)
{
        struct sockaddr_in a = {.sin_family = AF_INET, .sin_port = htons((uint16_t)port)};
        int fd = socket(AF_INET, SOCK_STREAM | SOCK_CLOEXEC, 0);

        ck_assert_int_ge(fd, 0);
        a.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
        ck_assert_int_eq(connect(fd, (struct sockaddr *)&a, sizeof(a)), 0);
        return fd;
}

static void raw_send(int fd, const char *text)
{
        ck_assert_int_eq(send(fd, text, strlen(text), MSG_NOSIGNAL), (ssize_t)strlen(text));
}

/* Read what the server sends until it closes or timeout_ms passes;
 * returns 1 when it closed, 0 on timeout. */
static int raw_read(int fd, char *buf, size_t size, int timeout_ms)
{
        double end = now_s() + timeout_ms / 1000.0;
        size_t len = 0;

        buf[0] = '\0';
        for (;;) {
                struct pollfd p = {.fd = fd, .events = POLLIN};
                int left = (int)((end - now_s()) * 1000);
                ssize_t n;

                if (left <= 0 || poll(&p, 1, left) <= 0)
                        return 0;
                n = recv(fd, buf + len, size - 1 - len, 0);
                if (n <= 0)
                        return 1;
                len += (size_t)n;
                buf[len] = '\0';
                if (len == size - 1)
                        return 0;
        }
}

/* ---- signatures ---------------------------------------------------------- */

static void sign(char out[72], const char *secret, const char *body, size_t len)
{
        unsigned char md[32];
        unsigned int mdlen = 0;
        size_t i;

        ck_assert_ptr_nonnull(HMAC(EVP_sha256(), secret, (int)strlen(secret),
                                   (const unsigned char *)body, len, md, &mdlen));
        ck_assert_uint_eq(mdlen, 32);
        strcpy(out, "sha256=");
        for (i = 0; i < 32; i++)
                sprintf(out + 7 + 2 * i, "%02x", md[i]);
}

#define SECRET "s3cret-webhook-key"
#define PAYLOAD "{\"ref\":\"refs/heads/main\",\"after\":\"0123456789abcdef\"}"

static struct req hook(const char *body, const char *signature)
{
        return (struct req){.method = "POST",
                            .path = "/hooks/git",
                            .body = body,
                            .len = strlen(body),
                            .signature = signature};
}

START_TEST(hook_valid_signature)
{
        struct srv sv = {0};
        struct reply r;
        char sig[72];
        struct req q;

        srv_start(&sv, SECRET, NULL);
        sign(sig, SECRET, PAYLOAD, strlen(PAYLOAD));
        q = hook(PAYLOAD, sig);
        http_ok(&r, &sv, &q);
        ck_assert_int_eq(r.status, 202);
        ck_assert_str_eq(r.body, "{\"status\":\"fetch requested\"}\n");
        ck_assert_str_eq(r.type, "application/json");
        ck_assert_int_eq(atomic_load(&sv.hooks), 1);
        srv_stop(&sv);
}
END_TEST

/* GitHub's documented example (docs "Validating webhook deliveries"):
 * independent of how this test computes signatures. */
START_TEST(hook_github_example)
{
        struct srv sv = {0};
        struct req q = hook("Hello, World!", "sha256=757107ea0eb2509fc211221cce984b8a37570b6d7586c2"
                                             "2c46f4379c8b043e17");

        srv_start(&sv, "It's a Secret to Everybody", NULL);
        expect(&sv, &q, 202, 1);
        /* upper-case hex is the same signature */
        q.signature = "sha256=757107EA0EB2509FC211221CCE984B8A37570B6D7586C22C46F4379C8B043E17";
        expect(&sv, &q, 202, 2);
        srv_stop(&sv);
}
END_TEST

START_TEST(hook_refused_signatures)
{
        char good[72], other_body[72], other_key[72], longer[80], shorter[72], bad_hex[72];
        struct {
                const char *what, *sig, *error;
        } cases[] = {
            {"missing header", NULL,
             "{\"error\":\"no X-Hub-Signature-256 header: the webhook needs the secret\"}\n"},
            {"wrong", "sha256=0000000000000000000000000000000000000000000000000000000000000000",
             "{\"error\":\"X-Hub-Signature-256 does not match the body and the secret\"}\n"},
            {"other body", other_body,
             "{\"error\":\"X-Hub-Signature-256 does not match the body and the secret\"}\n"},
            {"other key", other_key,
             "{\"error\":\"X-Hub-Signature-256 does not match the body and the secret\"}\n"},
            {"no prefix", good + 7,
             "{\"error\":\"X-Hub-Signature-256 is not sha256= and 64 hex digits\"}\n"},
            {"sha1", "sha1=0123456789012345678901234567890123456789",
             "{\"error\":\"X-Hub-Signature-256 is not sha256= and 64 hex digits\"}\n"},
            {"longer", longer,
             "{\"error\":\"X-Hub-Signature-256 is not sha256= and 64 hex digits\"}\n"},
            {"shorter", shorter,
             "{\"error\":\"X-Hub-Signature-256 is not sha256= and 64 hex digits\"}\n"},
            {"not hex", bad_hex,
             "{\"error\":\"X-Hub-Signature-256 is not sha256= and 64 hex digits\"}\n"},
            {"empty", "", "{\"error\":\"X-Hub-Signature-256 is not sha256= and 64 hex digits\"}\n"},
        };
        struct srv sv = {0};
        struct reply r;
        size_t i;

        sign(good, SECRET, PAYLOAD, strlen(PAYLOAD));
        sign(other_body, SECRET, PAYLOAD " ", strlen(PAYLOAD) + 1);
        sign(other_key, SECRET "x", PAYLOAD, strlen(PAYLOAD));
        snprintf(longer, sizeof(longer), "%s0", good);
        snprintf(shorter, sizeof(shorter), "%.70s", good);
        snprintf(bad_hex, sizeof(bad_hex), "%.69sg", good);
        srv_start(&sv, SECRET, NULL);
        for (i = 0; i < N(cases); i++) {
                struct req q = hook(PAYLOAD, cases[i].sig);

                http_ok(&r, &sv, &q);
                ck_assert_msg(r.status == 401, "%s: status %ld", cases[i].what, r.status);
                ck_assert_msg(!strcmp(r.body, cases[i].error), "%s: %s", cases[i].what, r.body);
                ck_assert_str_eq(r.type, "application/json");
        }
        ck_assert_int_eq(atomic_load(&sv.hooks), 0);
        /* and the good one still works: the refusals were about the header */
        {
                struct req q = hook(PAYLOAD, good);

                expect(&sv, &q, 202, 1);
        }
        srv_stop(&sv);
}
END_TEST

START_TEST(hook_without_secret)
{
        struct srv sv = {0};
        struct req q = hook(PAYLOAD, NULL);

        srv_start(&sv, NULL, NULL);
        expect(&sv, &q, 202, 1);
        q.signature = "sha256=whatever"; /* ignored: no secret, nothing to check */
        expect(&sv, &q, 202, 2);
        q = hook("", NULL);
        expect(&sv, &q, 202, 3);
        srv_stop(&sv);
}
END_TEST

START_TEST(hook_secret_refused)
{
        struct agent_state *st = agent_state_new("test", "/srv");
        struct agent_http_options o = {
            .listen = "127.0.0.1:0", .secret = "", .secret_len = 0, .state = st};
        struct agent_http *h = (struct agent_http *)1;
        static char big[4097];
        struct berth_err err;

        ck_assert_int_eq(agent_http_start(&h, &o, &err), BERTH_EINVALID);
        ck_assert_ptr_null(h);
        ck_assert_str_eq(err.msg, "the webhook secret is empty (give a non-empty secret, or none "
                                  "to accept unsigned webhooks)");
        o.secret = big;
        o.secret_len = sizeof(big);
        ck_assert_int_eq(agent_http_start(&h, &o, &err), BERTH_EINVALID);
        ck_assert_str_eq(err.msg, "the webhook secret is over 4096 bytes (a few dozen random "
                                  "characters are plenty)");
        agent_state_free(st);
}
END_TEST

/* A Content-Length over the limit is refused from the head alone: the
 * client sends no body at all and still gets its answer. */
START_TEST(hook_content_length_over_limit)
{
        struct srv sv = {0};
        char head[256], buf[4096];
        int fd;

        srv_start(&sv, SECRET, NULL);
        fd = raw_connect(sv.port);
        snprintf(head, sizeof(head),
                 "POST /hooks/git HTTP/1.1\r\nHost: x\r\nContent-Type: application/json\r\n"
                 "Content-Length: %d\r\n\r\n",
                 SMALL_BODY + 1);
        raw_send(fd, head);
        raw_read(fd, buf, sizeof(buf), 5000);
        ck_assert_msg(!strncmp(buf, "HTTP/1.1 413 ", 13), "answer: %s", buf);
        ck_assert_ptr_nonnull(strstr(buf, "{\"error\":\"the body is over 1024 bytes\"}\n"));
        close(fd);
        /* a huge one, beyond what fits in 64 bits */
        fd = raw_connect(sv.port);
        raw_send(fd, "POST /hooks/git HTTP/1.1\r\nHost: x\r\nContent-Length: "
                     "99999999999999999999999\r\n\r\n");
        raw_read(fd, buf, sizeof(buf), 5000);
        ck_assert_msg(!strncmp(buf, "HTTP/1.1 413 ", 13) || !strncmp(buf, "HTTP/1.1 400 ", 13),
                      "answer: %s", buf);
        close(fd);
        ck_assert_int_eq(atomic_load(&sv.hooks), 0);
        srv_stop(&sv);
}
END_TEST

/* The limit itself: max_body bytes pass, one more does not; chunked
 * bodies are counted as they come. */
START_TEST(hook_body_limit)
{
        static char body[SMALL_BODY * 10 + 1];
        struct srv sv = {0};
        struct reply r;
        struct req q;

        memset(body, 'x', sizeof(body) - 1);
        srv_start(&sv, NULL, NULL);
        q = hook(body, NULL);
        q.len = SMALL_BODY;
        expect(&sv, &q, 202, 1);
        q.len = SMALL_BODY + 1;
        expect(&sv, &q, 413, 1);

        q.chunked = true;
        q.len = SMALL_BODY;
        expect(&sv, &q, 202, 2);
        q.len = SMALL_BODY + 1;
        http_ok(&r, &sv, &q);
        ck_assert_int_eq(r.status, 413);
        ck_assert_str_eq(r.body, "{\"error\":\"the body is over 1024 bytes\"}\n");
        /* far over: the server hangs up instead of reading it all */
        q.len = sizeof(body) - 1;
        http(&r, &sv, &q);
        ck_assert_msg(r.status != 202, "a body of %zu bytes was accepted", q.len);
        ck_assert_int_eq(atomic_load(&sv.hooks), 2);
        srv_stop(&sv);
}
END_TEST

/* A client that sends its whole body anyway, as curl does without
 * "Expect: 100-continue", still gets the answer given from the head: the
 * server reads on and throws the body away rather than closing on it,
 * which would reset the connection under the client's writes (and can
 * lose the answer). */
START_TEST(early_answer_lingers)
{
        static const struct {
                const char *path, *status;
        } cases[] = {
            {"/hooks/git", "HTTP/1.1 413 "}, /* over the limit */
            {"/nowhere", "HTTP/1.1 404 "},
            {"/status", "HTTP/1.1 405 "},
        };
        static char body[16 << 20]; /* more than the socket buffers hold */
        struct srv sv = {0};
        char head[256], buf[4096];
        size_t i;

        memset(body, 'x', sizeof(body));
        srv_start(&sv, NULL, NULL);
        for (i = 0; i < N(cases); i++) {
                int fd = raw_connect(sv.port);
                size_t off = 0;

                snprintf(head, sizeof(head),
                         "POST %s HTTP/1.1\r\nHost: x\r\nContent-Length: %zu\r\n\r\n",
                         cases[i].path, sizeof(body));
                raw_send(fd, head);
                while (off < sizeof(body)) {
                        ssize_t n = send(fd, body + off, sizeof(body) - off, MSG_NOSIGNAL);

                        ck_assert_msg(n > 0, "%s: the server hung up after %zu bytes: %s",
                                      cases[i].path, off, strerror(errno));
                        off += (size_t)n;
                }
                raw_read(fd, buf, sizeof(buf), 5000);
                ck_assert_msg(!strncmp(buf, cases[i].status, strlen(cases[i].status)),
                              "%s: answer: %s", cases[i].path, buf);
                close(fd);
        }
        ck_assert_int_eq(atomic_load(&sv.hooks), 0);
        srv_stop(&sv);
}
END_TEST

/* A signed body over the limit is 413, not checked at all. */
START_TEST(hook_signed_body_over_limit)
{
        static char body[SMALL_BODY + 2];
        struct srv sv = {0};
        char sig[72];
        struct req q;

        memset(body, 'y', sizeof(body) - 1);
        sign(sig, SECRET, body, strlen(body));
        srv_start(&sv, SECRET, NULL);
        q = hook(body, sig);
        q.chunked = true;
        expect(&sv, &q, 413, 0);
        srv_stop(&sv);
}
END_TEST

/* ---- routing ------------------------------------------------------------- */

START_TEST(routes_not_found_and_methods)
{
        static const struct {
                const char *method, *path;
                long status;
                const char *allow;
        } cases[] = {
            {"GET", "/", 404, ""},
            {"GET", "/nope", 404, ""},
            {"POST", "/hooks/gitx", 404, ""},
            {"GET", "/status/", 404, ""},
            {"GET", "/hooks/git", 405, "POST"},
            {"PUT", "/hooks/git", 405, "POST"},
            {"POST", "/status", 405, "GET, HEAD"},
            {"DELETE", "/metrics", 405, "GET, HEAD"},
            {"POST", "/healthz", 405, "GET, HEAD"},
            {"GET", "/status?x=1", 200, ""},
            {"HEAD", "/status", 200, ""},
            {"HEAD", "/metrics", 200, ""},
        };
        struct srv sv = {0};
        struct reply r;
        size_t i;

        srv_start(&sv, NULL, NULL);
        for (i = 0; i < N(cases); i++) {
                struct req q = {.method = cases[i].method, .path = cases[i].path, .body = ""};

                http_ok(&r, &sv, &q);
                ck_assert_msg(r.status == cases[i].status, "%s %s: %ld", cases[i].method,
                              cases[i].path, r.status);
                ck_assert_msg(!strcmp(r.allow, cases[i].allow), "%s %s: Allow '%s'",
                              cases[i].method, cases[i].path, r.allow);
                if (!strcmp(cases[i].method, "HEAD"))
                        ck_assert_uint_eq(r.len, 0);
        }
        ck_assert_int_eq(atomic_load(&sv.hooks), 0);
        srv_stop(&sv);
}
END_TEST

/* ---- listen addresses ---------------------------------------------------- */

#define FORM "expected IP:PORT or [IPV6]:PORT, e.g. 127.0.0.1:9470 or [::1]:9470"

START_TEST(listen_bad_addresses)
{
        static const struct {
                const char *listen, *msg;
        } cases[] = {
            {"nonsense", "cannot listen on 'nonsense': " FORM},
            {"1.2.3.4", "cannot listen on '1.2.3.4': " FORM},
            {"", "cannot listen on '': " FORM},
            {"127.0.0.1:", "cannot listen on '127.0.0.1:': " FORM},
            {":9470", "cannot listen on ':9470': " FORM},
            {"[::1]", "cannot listen on '[::1]': " FORM},
            {"[::1]9470", "cannot listen on '[::1]9470': " FORM},
            {"[]:9470", "cannot listen on '[]:9470': " FORM},
            {"127.0.0.1:99999",
             "cannot listen on '127.0.0.1:99999': '99999' is not a port number (0-65535) (" FORM
             ")"},
            {"127.0.0.1:80x",
             "cannot listen on '127.0.0.1:80x': '80x' is not a port number (0-65535) (" FORM ")"},
            {"127.0.0.1:-1",
             "cannot listen on '127.0.0.1:-1': '-1' is not a port number (0-65535) (" FORM ")"},
            {"localhost:9470",
             "cannot listen on 'localhost:9470': 'localhost' is not an IP address (" FORM ")"},
            {"1.2.3:9470",
             "cannot listen on '1.2.3:9470': '1.2.3' is not an IP address (" FORM ")"},
            {"::1:9470", "cannot listen on '::1:9470': an IPv6 address goes in brackets: "
                         "[::1]:9470 (" FORM ")"},
            {"[127.0.0.1]:9470",
             "cannot listen on '[127.0.0.1]:9470': '127.0.0.1' is not an IPv6 address (" FORM ")"},
        };
        struct agent_state *st = agent_state_new("test", "/srv");
        size_t i;

        for (i = 0; i < N(cases); i++) {
                struct agent_http_options o = {.listen = cases[i].listen, .state = st};
                struct agent_http *h = NULL;
                struct berth_err err;

                ck_assert_msg(agent_http_start(&h, &o, &err) == BERTH_EINVALID, "'%s' accepted",
                              cases[i].listen);
                ck_assert_ptr_null(h);
                ck_assert_msg(!strcmp(err.msg, cases[i].msg), "'%s':\n  got  %s\n  want %s",
                              cases[i].listen, err.msg, cases[i].msg);
        }
        agent_state_free(st);
}
END_TEST

START_TEST(listen_port_in_use)
{
        struct sockaddr_in a = {.sin_family = AF_INET};
        socklen_t len = sizeof(a);
        struct agent_state *st = agent_state_new("test", "/srv");
        struct agent_http_options o = {.state = st};
        struct agent_http *h = NULL;
        char addr[64], want[160];
        struct berth_err err;
        int fd = socket(AF_INET, SOCK_STREAM | SOCK_CLOEXEC, 0);

        a.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
        ck_assert_int_eq(bind(fd, (struct sockaddr *)&a, sizeof(a)), 0);
        ck_assert_int_eq(listen(fd, 1), 0);
        ck_assert_int_eq(getsockname(fd, (struct sockaddr *)&a, &len), 0);
        snprintf(addr, sizeof(addr), "127.0.0.1:%d", ntohs(a.sin_port));
        o.listen = addr;
        ck_assert_int_eq(agent_http_start(&h, &o, &err), BERTH_EIO);
        ck_assert_ptr_null(h);
        snprintf(want, sizeof(want), "cannot listen on '%s': Address already in use", addr);
        ck_assert_str_eq(err.msg, want);
        close(fd);
        agent_state_free(st);
}
END_TEST

START_TEST(listen_ipv6)
{
        struct srv sv = {0};
        struct req q = {.method = "GET", .path = "/status", .host = "[::1]"};

        srv_start_at(&sv, "[::1]:0", NULL, NULL);
        expect(&sv, &q, 200, 0);
        srv_stop(&sv);
}
END_TEST

/* ---- /healthz ------------------------------------------------------------ */

/* GET /healthz of a server whose engine is at engine_host. */
static void healthz(struct reply *r, const char *engine_host)
{
        struct srv sv = {0};
        struct req q = {.method = "GET", .path = "/healthz"};

        srv_start(&sv, NULL, engine_host);
        http_ok(r, &sv, &q);
        ck_assert_str_eq(r->type, "text/plain; charset=utf-8");
        srv_stop(&sv);
}

START_TEST(healthz_engine_up)
{
        struct fake_engine *fe = fake_engine_start(NULL, 0);
        static struct reply r;
        char last[512];

        ck_assert_ptr_nonnull(fe);
        healthz(&r, fake_engine_host(fe));
        ck_assert_int_eq(r.status, 200);
        ck_assert_str_eq(r.body, "ok\n");
        ck_assert_uint_ge(fake_engine_requests(fe), 1);
        fake_engine_last(fe, last, sizeof(last));
        ck_assert_msg(strstr(last, "/_ping") != NULL, "last request: %s", last);
        fake_engine_stop(fe);
}
END_TEST

static const struct fake_route ping_fails[] = {
    {.method = "GET", .path = "/_ping", .status = 500, .body = "{\"message\":\"engine is sick\"}"},
};
static const struct fake_route ping_hangs[] = {
    {.method = "GET", .path = "/_ping", .hang = 1},
};

START_TEST(healthz_engine_down)
{
        struct fake_engine *fe = fake_engine_start(ping_fails, N(ping_fails));
        static struct reply r;

        ck_assert_ptr_nonnull(fe);
        healthz(&r, fake_engine_host(fe));
        ck_assert_int_eq(r.status, 503);
        ck_assert_str_eq(r.body, "engine unreachable: GET /_ping failed: engine is sick\n");
        fake_engine_stop(fe);
}
END_TEST

/* No engine at all: no socket where DOCKER_HOST points. */
START_TEST(healthz_engine_gone)
{
        struct fake_engine *fe = fake_engine_start(NULL, 0);
        static const char want[] =
            "engine unreachable: the Docker engine is not running: no socket at ";
        static struct reply r;
        char host[256];

        ck_assert_ptr_nonnull(fe);
        snprintf(host, sizeof(host), "%s", fake_engine_host(fe));
        fake_engine_stop(fe); /* its socket goes with it */
        healthz(&r, host);
        ck_assert_int_eq(r.status, 503);
        ck_assert_msg(!strncmp(r.body, want, strlen(want)), "body: %s", r.body);
}
END_TEST

/* An engine that never answers: 503 within the ping's time bound, and
 * meanwhile the other endpoints answer (a thread per connection). */
struct healthz_call {
        const struct srv *sv;
        struct reply r;
        double took;
};

static void *healthz_thread(void *arg)
{
        struct healthz_call *c = arg;
        struct req q = {.method = "GET", .path = "/healthz"};
        double t0 = now_s();

        http(&c->r, c->sv, &q);
        c->took = now_s() - t0;
        return NULL;
}

START_TEST(healthz_engine_hangs)
{
        struct fake_engine *fe = fake_engine_start(ping_hangs, N(ping_hangs));
        struct srv sv = {0};
        struct healthz_call call = {.sv = &sv};
        struct reply r;
        struct req q = {.method = "GET", .path = "/metrics"};
        pthread_t t;
        double t0;

        ck_assert_ptr_nonnull(fe);
        srv_start(&sv, NULL, fake_engine_host(fe));
        ck_assert_int_eq(pthread_create(&t, NULL, healthz_thread, &call), 0);
        usleep(200 * 1000);
        t0 = now_s();
        http_ok(&r, &sv, &q);
        ck_assert_int_eq(r.status, 200);
        ck_assert_msg(now_s() - t0 < 1.0, "/metrics waited %.2f s for /healthz", now_s() - t0);
        pthread_join(t, NULL);
        ck_assert_int_eq(call.r.code, CURLE_OK);
        ck_assert_int_eq(call.r.status, 503);
        ck_assert_msg(call.took < 6.0, "/healthz took %.2f s", call.took);
        srv_stop(&sv);
        fake_engine_stop(fe);
}
END_TEST

/* ---- a populated state --------------------------------------------------- */

#define REV1 "1c2d3e4f5a6b7c8d9e0f1a2b3c4d5e6f7a8b9c0d"
#define REV2 "9f8e7d6c5b4a39281706f5e4d3c2b1a098765432"
#define WEIRD "we\"ird\\na\nme"

static void project_add(struct agent_state *s, const char *name, enum agent_result r,
                        const char *revision, const char *error, const char *error_revision,
                        long drifted)
{
        struct agent_project *p;

        s->projects = realloc(s->projects, (s->nprojects + 1) * sizeof(*s->projects));
        ck_assert_ptr_nonnull(s->projects);
        p = &s->projects[s->nprojects++];
        memset(p, 0, sizeof(*p));
        p->name = strdup(name);
        p->result = r;
        p->revision = strdup(revision);
        p->error = error ? strdup(error) : NULL;
        p->error_revision = error_revision ? strdup(error_revision) : NULL;
        p->drifted = drifted;
        p->last_reconcile = 1790000000.25;
}

/* What sync knows after a few rounds: a fetch that went well then one
 * that failed, a project fine, one whose manifest broke at REV2, one whose
 * operation failed (with a name full of characters to escape). */
static void populate(struct agent_state *s, bool sync)
{
        if (sync) {
                agent_state_follow(s, "https://git.example/infra.git", "main", "hosts/a");
                agent_state_fetch_ok(s, REV2, "deploy: \"new\" \\ shop\nsecond line caf\xe9");
                agent_state_checked_out(s, REV2);
                agent_state_fetch_failed(s, "cannot fetch 'main': connection refused");
        }
        agent_state_lock(s);
        s->engine_up = 1;
        s->reconciles[AGENT_OK] = 5;
        s->reconciles[AGENT_FAILED] = 2;
        s->reconciles[AGENT_INVALID] = 1;
        s->api_calls = 321;
        s->ops[PLAN_CONTAINER_CREATE][PLAN_DONE] = 4;
        s->ops[PLAN_CONTAINER_RECREATE][PLAN_ROLLED_BACK] = 1;
        s->ops[PLAN_IMAGE_PULL][PLAN_FAILED] = 2;
        snprintf(s->applied, sizeof(s->applied), "%s", REV2);
        s->last_sync = 1790000000.5;
        s->last_reconcile = 1790000060.125;
        s->drifted = 3;
        project_add(s, "shop", AGENT_OK, REV2, NULL, NULL, 0);
        project_add(s, "team", AGENT_INVALID, REV1,
                    "manifests/team.yaml:4:5: services.api.imag: unknown key 'imag' (did you "
                    "mean 'image'?)",
                    sync ? REV2 : "", 0);
        project_add(s, WEIRD, AGENT_FAILED, "",
                    "cannot start container 'x-web-1': port 8080 is already allocated", NULL, 3);
        agent_state_unlock(s);
}

/* ---- /status ------------------------------------------------------------- */

static json_t *get_status(const struct srv *sv)
{
        struct req q = {.method = "GET", .path = "/status"};
        struct reply r;
        json_error_t e;
        json_t *j;

        http_ok(&r, sv, &q);
        ck_assert_int_eq(r.status, 200);
        ck_assert_str_eq(r.type, "application/json");
        j = json_loads(r.body, 0, &e);
        ck_assert_msg(j != NULL, "/status is not JSON: %s\n%s", e.text, r.body);
        return j;
}

START_TEST(status_document)
{
        struct srv fresh = {0}, watching = {0}, syncing = {0}, following = {0};
        char *errout = NULL;
        json_t *docs[4], *all;
        size_t i;

        srv_start(&fresh, NULL, NULL);
        watching.state = agent_state_new("test", "/srv/manifests");
        populate(watching.state, false);
        srv_start(&watching, NULL, NULL);
        syncing.state = agent_state_new("prod", "/var/lib/berth/checkout/hosts/a");
        populate(syncing.state, true);
        srv_start(&syncing, NULL, NULL);
        following.state = agent_state_new("prod", "/var/lib/berth/checkout");
        agent_state_follow(following.state, "/srv/git/infra.git", NULL, NULL);
        srv_start(&following, NULL, NULL);
        docs[0] = get_status(&fresh);
        docs[1] = get_status(&watching);
        docs[2] = get_status(&syncing);
        docs[3] = get_status(&following);

        /* what the documents say */
        ck_assert(json_is_null(bt_json_at(docs[0], "sync")));
        ck_assert(json_is_null(bt_json_at(docs[0], "last_reconcile")));
        ck_assert_int_eq(json_array_size(bt_json_at(docs[0], "projects")), 0);
        ck_assert(json_is_null(bt_json_at(docs[1], "sync")));
        ck_assert_str_eq(json_string_value(bt_json_at(docs[2], "scope")), "prod");
        ck_assert_str_eq(json_string_value(bt_json_at(docs[2], "sync.fetched")), REV2);
        ck_assert_str_eq(json_string_value(bt_json_at(docs[2], "sync.subject")),
                         "deploy: \"new\" \\ shop\nsecond line caf\xef\xbf\xbd");
        ck_assert_int_eq(json_integer_value(bt_json_at(docs[2], "sync.fetch_failures")), 1);
        ck_assert_str_eq(json_string_value(bt_json_at(docs[2], "sync.fetch_error")),
                         "cannot fetch 'main': connection refused");
        ck_assert_str_eq(json_string_value(bt_json_at(docs[2], "last_sync")),
                         "2026-09-21T14:13:20.500Z");
        ck_assert_str_eq(json_string_value(bt_json_at(docs[2], "last_reconcile")),
                         "2026-09-21T14:14:20.125Z");
        ck_assert_int_eq(json_integer_value(bt_json_at(docs[2], "reconciles.invalid")), 1);
        {
                json_t *team = json_array_get(bt_json_at(docs[2], "projects"), 1);

                ck_assert_str_eq(json_string_value(json_object_get(team, "name")), "team");
                ck_assert_str_eq(json_string_value(json_object_get(team, "result")), "invalid");
                ck_assert_str_eq(json_string_value(json_object_get(team, "revision")), REV1);
                ck_assert_str_eq(json_string_value(json_object_get(team, "error_revision")), REV2);
        }
        ck_assert(json_is_null(bt_json_at(docs[3], "sync.fetched")));
        ck_assert(json_is_null(bt_json_at(docs[3], "sync.ref")));
        ck_assert(json_is_null(bt_json_at(docs[3], "sync.last_fetch")));

        /* and python-jsonschema finds them valid */
        all = json_array();
        for (i = 0; i < N(docs); i++)
                json_array_append_new(all, docs[i]);
        ck_assert_msg(bt_jsonschema_check(STATUS_SCHEMA, all, &errout) == 0,
                      "python-jsonschema refuses /status:\n%s", errout ? errout : "");
        json_decref(all);
        free(errout);
        srv_stop(&fresh);
        srv_stop(&watching);
        srv_stop(&syncing);
        srv_stop(&following);
}
END_TEST

/* The schema is strict enough to catch a document that is wrong. */
START_TEST(status_schema_refuses_wrong)
{
        static const char *const wrong[] = {
            "{\"scope\":\"x\"}",
            "{\"format_version\":1,\"scope\":\"s\",\"root\":\"/r\",\"engine_up\":1,\"sync\":null,"
            "\"last_reconcile\":null,\"last_sync\":null,\"applied\":null,\"reconciles\":{\"ok\":0,"
            "\"failed\":0,\"invalid\":0},\"api_calls\":0,\"drifted\":0,\"projects\":[]}",
            "{\"format_version\":1,\"scope\":\"s\",\"root\":\"/r\",\"engine_up\":true,\"sync\":"
            "null,\"last_reconcile\":null,\"last_sync\":null,\"applied\":null,\"reconciles\":{"
            "\"ok\":0,\"failed\":0,\"invalid\":0},\"api_calls\":0,\"drifted\":0,\"projects\":[{"
            "\"name\":\"p\",\"result\":\"broken\",\"revision\":null,\"error\":null,"
            "\"error_revision\":null,\"drifted\":0,\"last_reconcile\":null}]}",
        };
        size_t i;

        for (i = 0; i < N(wrong); i++) {
                json_t *one = json_pack("[o]", json_loads(wrong[i], 0, NULL));
                char *errout = NULL;

                ck_assert_ptr_nonnull(one);
                ck_assert_msg(bt_jsonschema_check(STATUS_SCHEMA, one, &errout) == 1,
                              "document %zu accepted", i);
                json_decref(one);
                free(errout);
        }
}
END_TEST

/* ---- /metrics: a strict reader of the text format ------------------------ */

struct family {
        char name[128];
        bool help, type, closed; /* closed: another family's samples came after */
};

struct series {
        char key[1024]; /* name{labels as sent} */
        double value;
};

struct exposition {
        struct family fam[64];
        size_t nfam;
        struct series ser[512];
        size_t nser;
        char problem[512];
};

static bool metric_name_ok(const char *s, size_t n)
{
        size_t i;

        if (!n)
                return false;
        for (i = 0; i < n; i++) {
                char c = s[i];
                bool alpha =
                    (c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') || c == '_' || c == ':';

                if (!alpha && !(i > 0 && c >= '0' && c <= '9'))
                        return false;
        }
        return true;
}

static bool label_name_ok(const char *s, size_t n)
{
        return metric_name_ok(s, n) && !memchr(s, ':', n);
}

static struct family *family_of(struct exposition *x, const char *name, size_t n)
{
        size_t i;

        for (i = 0; i < x->nfam; i++)
                if (strlen(x->fam[i].name) == n && !strncmp(x->fam[i].name, name, n))
                        return &x->fam[i];
        return NULL;
}

#define BAD(...) (snprintf(x->problem, sizeof(x->problem), __VA_ARGS__), false)

/* One "# HELP name text" or "# TYPE name type" line. */
static bool parse_comment(struct exposition *x, const char *line, struct family **last)
{
        bool help = !strncmp(line, "# HELP ", 7), type = !strncmp(line, "# TYPE ", 7);
        const char *name = line + 7, *sp;
        struct family *f;

        if (!help && !type)
                return true; /* an ordinary comment */
        sp = strchr(name, ' ');
        if (!sp || !metric_name_ok(name, (size_t)(sp - name)))
                return BAD("bad metric name in: %s", line);
        f = family_of(x, name, (size_t)(sp - name));
        if (!f) {
                ck_assert_uint_lt(x->nfam, N(x->fam));
                f = &x->fam[x->nfam++];
                snprintf(f->name, sizeof(f->name), "%.*s", (int)(sp - name), name);
        }
        if ((help && f->help) || (type && f->type))
                return BAD("second %s for %s", help ? "HELP" : "TYPE", f->name);
        if (type && strcmp(sp + 1, "counter") && strcmp(sp + 1, "gauge") &&
            strcmp(sp + 1, "untyped") && strcmp(sp + 1, "histogram") && strcmp(sp + 1, "summary"))
                return BAD("unknown type in: %s", line);
        if (help && !sp[1])
                return BAD("empty help in: %s", line);
        if (*last && *last != f)
                (*last)->closed = true;
        if (f->closed)
                return BAD("%s declared after its samples ended", f->name);
        f->help |= help;
        f->type |= type;
        *last = f;
        return true;
}

/* One sample line: name{label="value",...} value. */
static bool parse_sample(struct exposition *x, const char *line, struct family **last)
{
        const char *p = line, *name = line;
        struct family *f;
        struct series *s;
        char *end;
        size_t i;

        while (*p && *p != '{' && *p != ' ')
                p++;
        if (!metric_name_ok(name, (size_t)(p - name)))
                return BAD("bad metric name in: %s", line);
        f = family_of(x, name, (size_t)(p - name));
        if (!f || !f->help || !f->type)
                return BAD("sample before its HELP and TYPE: %s", line);
        if (f->closed || (*last && *last != f))
                return BAD("samples of %s are not together: %s", f->name, line);
        *last = f;
        if (*p == '{') {
                p++;
                while (*p != '}') {
                        const char *ln = p;

                        while (*p && *p != '=')
                                p++;
                        if (!label_name_ok(ln, (size_t)(p - ln)) || p[0] != '=' || p[1] != '"')
                                return BAD("bad label in: %s", line);
                        for (p += 2; *p != '"'; p++) {
                                if (!*p)
                                        return BAD("unterminated label value in: %s", line);
                                if (*p == '\\' && p[1] != '\\' && p[1] != '"' && p[1] != 'n')
                                        return BAD("bad escape in: %s", line);
                                if (*p == '\\')
                                        p++;
                        }
                        p++;
                        if (*p == ',')
                                p++;
                        else if (*p != '}')
                                return BAD("bad label list in: %s", line);
                }
                p++;
        }
        if (*p != ' ')
                return BAD("no value in: %s", line);
        ck_assert_uint_lt(x->nser, N(x->ser));
        s = &x->ser[x->nser];
        snprintf(s->key, sizeof(s->key), "%.*s", (int)(p - line), line);
        for (i = 0; i < x->nser; i++)
                if (!strcmp(x->ser[i].key, s->key))
                        return BAD("duplicate series: %s", s->key);
        p++;
        if (!strcmp(p, "+Inf") || !strcmp(p, "-Inf") || !strcmp(p, "NaN")) {
                s->value = strtod(p, NULL);
        } else {
                s->value = strtod(p, &end);
                if (end == p || (*end && *end != ' '))
                        return BAD("value is not a float in: %s", line);
                if (*end == ' ') { /* an optional timestamp */
                        strtoll(end + 1, &end, 10);
                        if (*end)
                                return BAD("bad timestamp in: %s", line);
                }
        }
        x->nser++;
        return true;
}

/* Read text as Prometheus text format 0.0.4; false with x->problem. */
static bool exposition_parse(struct exposition *x, const char *text)
{
        struct family *last = NULL;
        const char *p = text;
        char line[2048];

        memset(x, 0, sizeof(*x));
        if (*text && text[strlen(text) - 1] != '\n')
                return BAD("does not end with a newline");
        while (*p) {
                const char *nl = strchr(p, '\n');
                size_t n = (size_t)(nl - p);

                if (n >= sizeof(line))
                        return BAD("line too long");
                memcpy(line, p, n);
                line[n] = '\0';
                p = nl + 1;
                if (!n)
                        continue;
                if (line[0] == '#' ? !parse_comment(x, line, &last) : !parse_sample(x, line, &last))
                        return false;
        }
        return true;
}

/* The value of series key (exactly as written), or NAN when absent. */
static double series_value(const struct exposition *x, const char *key)
{
        size_t i;

        for (i = 0; i < x->nser; i++)
                if (!strcmp(x->ser[i].key, key))
                        return x->ser[i].value;
        return NAN;
}

static bool has_family(struct exposition *x, const char *name)
{
        return family_of(x, name, strlen(name)) != NULL;
}

/* The checker itself refuses what it should. */
START_TEST(metrics_checker_refuses)
{
        static const char *const bad[] = {
            "x 1\n",                                                              /* no HELP/TYPE */
            "# HELP x h\nx 1\n",                                                  /* no TYPE */
            "# HELP x h\n# TYPE x gauge\nx{a=\"b\"} one\n",                       /* value */
            "# HELP x h\n# TYPE x gauge\nx{a=\"b\\q\"} 1\n",                      /* escape */
            "# HELP x h\n# TYPE x gauge\nx{a=\"b} 1\n",                           /* unterminated */
            "# HELP x h\n# TYPE x gauge\nx{1a=\"b\"} 1\n",                        /* label name */
            "# HELP 1x h\n# TYPE 1x gauge\n1x 1\n",                               /* metric name */
            "# HELP x h\n# TYPE x gauge\nx 1\nx 2\n",                             /* duplicate */
            "# HELP x h\n# TYPE x gauge\n# HELP y h\n# TYPE y gauge\ny 1\nx 1\n", /* apart */
            "# HELP x h\n# TYPE x gauge\nx 1",      /* no final newline */
            "# HELP x h\n# TYPE x gaugeish\nx 1\n", /* type */
        };
        struct exposition *x = malloc(sizeof(*x));
        size_t i;

        ck_assert_ptr_nonnull(x);
        for (i = 0; i < N(bad); i++)
                ck_assert_msg(!exposition_parse(x, bad[i]), "accepted: %s", bad[i]);
        ck_assert_msg(exposition_parse(x, "# HELP x h\n# TYPE x gauge\nx{a=\"\\\\\\\"\\n\"} 1.5 "
                                          "123\n"),
                      "%s", x->problem);
        ck_assert(series_value(x, "x{a=\"\\\\\\\"\\n\"}") == 1.5);
        free(x);
}
END_TEST

START_TEST(metrics_text)
{
        struct srv watching = {0}, syncing = {0};
        struct exposition *x = malloc(sizeof(*x));
        struct req q = {.method = "GET", .path = "/metrics"};
        struct reply r;

        ck_assert_ptr_nonnull(x);
        watching.state = agent_state_new("test", "/srv/manifests");
        populate(watching.state, false);
        srv_start(&watching, NULL, NULL);
        syncing.state = agent_state_new("prod", "/var/lib/berth/checkout");
        populate(syncing.state, true);
        srv_start(&syncing, NULL, NULL);

        http_ok(&r, &syncing, &q);
        ck_assert_int_eq(r.status, 200);
        ck_assert_str_eq(r.type, "text/plain; version=0.0.4; charset=utf-8");
        ck_assert_msg(exposition_parse(x, r.body), "%s\n%s", x->problem, r.body);
        ck_assert(series_value(x, "berth_engine_up") == 1);
        ck_assert(series_value(x, "berth_reconciles_total{result=\"ok\"}") == 5);
        ck_assert(series_value(x, "berth_reconciles_total{result=\"failed\"}") == 2);
        ck_assert(series_value(x, "berth_reconciles_total{result=\"invalid\"}") == 1);
        ck_assert(series_value(x, "berth_api_calls_total") == 321);
        ck_assert(series_value(x, "berth_operations_total{kind=\"container-create\",result="
                                  "\"done\"}") == 4);
        ck_assert(series_value(x, "berth_operations_total{kind=\"container-recreate\",result="
                                  "\"rolled_back\"}") == 1);
        ck_assert(series_value(x, "berth_operations_total{kind=\"image-pull\",result="
                                  "\"failed\"}") == 2);
        ck_assert(series_value(x, "berth_operations_total{kind=\"volume-remove\",result="
                                  "\"skipped\"}") == 0);
        ck_assert(series_value(x, "berth_last_sync_timestamp_seconds") == 1790000000.5);
        ck_assert(series_value(x, "berth_last_reconcile_timestamp_seconds") == 1790000060.125);
        ck_assert(series_value(x, "berth_drifted_services") == 3);
        /* the subject, its quote, backslash and newline escaped; the byte
         * that is not UTF-8 replaced */
        ck_assert(series_value(x, "berth_revision_info{revision=\"" REV2
                                  "\",subject=\"deploy: \\\"new\\\" \\\\ shop\\nsecond line "
                                  "caf\xef\xbf\xbd\"}") == 1);
        /* the failing commit shows: team's manifest broke at REV2 */
        ck_assert(series_value(x, "berth_project_result{project=\"team\",result=\"invalid\"}") ==
                  1);
        ck_assert(series_value(x, "berth_project_result{project=\"team\",result=\"ok\"}") == 0);
        ck_assert(series_value(x, "berth_project_invalid_info{project=\"team\",revision=\"" REV2
                                  "\"}") == 1);
        ck_assert(series_value(x, "berth_project_revision_info{project=\"team\",revision=\"" REV1
                                  "\"}") == 1);
        ck_assert(series_value(x, "berth_project_result{project=\"shop\",result=\"ok\"}") == 1);
        /* a project name with a quote, a backslash and a newline */
        ck_assert(series_value(x, "berth_project_result{project=\"we\\\"ird\\\\na\\nme\","
                                  "result=\"failed\"}") == 1);
        ck_assert(series_value(x, "berth_project_drifted_services{project=\"we\\\"ird\\\\na\\nme"
                                  "\"}") == 3);
        ck_assert(series_value(x, "berth_git_fetches_total{result=\"ok\"}") == 1);
        ck_assert(series_value(x, "berth_git_fetches_total{result=\"failed\"}") == 1);
        ck_assert(series_value(x, "berth_git_fetch_failures") == 1);
        ck_assert(series_value(x, "berth_git_last_fetch_timestamp_seconds") > 1.7e9);
        ck_assert(has_family(x, "berth_git_fetched_info"));

        /* berth watch: no git families */
        http_ok(&r, &watching, &q);
        ck_assert_int_eq(r.status, 200);
        ck_assert_msg(exposition_parse(x, r.body), "%s\n%s", x->problem, r.body);
        ck_assert(!has_family(x, "berth_git_fetches_total"));
        ck_assert(!has_family(x, "berth_git_fetch_failures"));
        ck_assert(series_value(x, "berth_project_invalid_info{project=\"team\",revision=\"\"}") ==
                  1);
        ck_assert(series_value(x, "berth_revision_info{revision=\"" REV2 "\",subject=\"\"}") == 1);
        srv_stop(&watching);
        srv_stop(&syncing);
        free(x);
}
END_TEST

/* A fresh state: every family there, nothing invented. */
START_TEST(metrics_fresh)
{
        struct srv sv = {0};
        struct exposition *x = malloc(sizeof(*x));
        char *text;

        ck_assert_ptr_nonnull(x);
        sv.state = agent_state_new("test", "/srv");
        text = agent_metrics_text(sv.state);
        ck_assert_ptr_nonnull(text);
        ck_assert_msg(exposition_parse(x, text), "%s\n%s", x->problem, text);
        ck_assert(series_value(x, "berth_engine_up") == 0);
        ck_assert(series_value(x, "berth_last_sync_timestamp_seconds") == 0);
        ck_assert(has_family(x, "berth_revision_info"));
        ck_assert(!strstr(text, "berth_revision_info{"));
        free(text);
        agent_state_free(sv.state);
        free(x);
}
END_TEST

/* ---- the server's life --------------------------------------------------- */

static int open_fds(void)
{
        DIR *d = opendir("/proc/self/fd");
        struct dirent *e;
        int n = 0;

        ck_assert_ptr_nonnull(d);
        while ((e = readdir(d)))
                n += e->d_name[0] != '.';
        closedir(d);
        return n;
}

/* Stopping does not wait for a client that holds a connection open, and
 * leaves no descriptor and no listener behind. */
START_TEST(stop_with_connection_open)
{
        struct srv sv = {0};
        struct reply r;
        struct req q = {.method = "GET", .path = "/status"};
        int before, idle, partial, port;
        double t0;

        curl_global_init(CURL_GLOBAL_DEFAULT);
        http(&r, &sv, &q); /* nothing listens yet: curl's own setup happens now */
        before = open_fds();
        srv_start(&sv, NULL, NULL);
        port = sv.port;
        expect(&sv, &q, 200, 0);
        idle = raw_connect(port);
        partial = raw_connect(port);
        raw_send(partial, "GET /status HTTP/1.1\r\nHost: x\r\n");
        usleep(100 * 1000);
        t0 = now_s();
        agent_http_stop(sv.h);
        ck_assert_msg(now_s() - t0 < 2.0, "stop took %.2f s", now_s() - t0);
        sv.h = NULL;
        close(idle);
        close(partial);
        ck_assert_int_eq(open_fds(), before);
        /* nothing listens any more */
        {
                struct sockaddr_in a = {.sin_family = AF_INET, .sin_port = htons((uint16_t)port)};
                int fd = socket(AF_INET, SOCK_STREAM | SOCK_CLOEXEC, 0);

                a.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
                ck_assert_int_ne(connect(fd, (struct sockaddr *)&a, sizeof(a)), 0);
                ck_assert_int_eq(errno, ECONNREFUSED);
                close(fd);
        }
        srv_stop(&sv);
}
END_TEST

/* Context switches of every thread of this process but the caller. */
static long others_switches(void)
{
        long self = (long)syscall(SYS_gettid), total = 0;
        DIR *d = opendir("/proc/self/task");
        struct dirent *e;

        ck_assert_ptr_nonnull(d);
        while ((e = readdir(d))) {
                char path[300], line[256];
                FILE *f;

                if (e->d_name[0] == '.' || atol(e->d_name) == self)
                        continue;
                snprintf(path, sizeof(path), "/proc/self/task/%s/status", e->d_name);
                f = fopen(path, "re");
                if (!f)
                        continue; /* it ended meanwhile */
                while (fgets(line, sizeof(line), f)) {
                        long v;

                        if (sscanf(line, "voluntary_ctxt_switches: %ld", &v) == 1 ||
                            sscanf(line, "nonvoluntary_ctxt_switches: %ld", &v) == 1)
                                total += v;
                }
                fclose(f);
        }
        closedir(d);
        return total;
}

/* An idle server sleeps: its threads are not woken for 3 s. */
START_TEST(idle_costs_nothing)
{
        struct srv sv = {0};
        struct req q = {.method = "GET", .path = "/metrics"};
        long a, b;

        srv_start(&sv, NULL, NULL);
        expect(&sv, &q, 200, 0); /* the connection's thread comes and goes */
        usleep(300 * 1000);
        a = others_switches();
        sleep(3);
        b = others_switches();
        ck_assert_msg(b - a <= 1, "the server's threads were woken %ld times in 3 s", b - a);
        srv_stop(&sv);
}
END_TEST

/* A client that connects and says nothing is cut off after the timeout;
 * clients past the connection limit are turned away at once. */
START_TEST(slow_clients_bounded)
{
        struct srv sv = {0};
        int fds[AGENT_HTTP_MAX_CONNECTIONS], extra, i;
        char buf[256];
        double t0;

        srv_start(&sv, NULL, NULL);
        for (i = 0; i < AGENT_HTTP_MAX_CONNECTIONS; i++)
                fds[i] = raw_connect(sv.port);
        t0 = now_s();
        extra = raw_connect(sv.port);
        /* "at once": before the idle timeout could have cut it off (the
         * bound is that, not a figure: a loaded machine under valgrind
         * takes seconds to accept the 16 before it) */
        ck_assert_msg(raw_read(extra, buf, sizeof(buf), (AGENT_HTTP_TIMEOUT_S - 1) * 1000) == 1,
                      "connection %d past the limit was kept", AGENT_HTTP_MAX_CONNECTIONS + 1);
        ck_assert_msg(now_s() - t0 < AGENT_HTTP_TIMEOUT_S - 1, "turned away after %.2f s",
                      now_s() - t0);
        close(extra);
        ck_assert_msg(raw_read(fds[0], buf, sizeof(buf), (AGENT_HTTP_TIMEOUT_S + 5) * 1000) == 1,
                      "a silent client was kept over %d s", AGENT_HTTP_TIMEOUT_S + 5);
        ck_assert_msg(now_s() - t0 >= AGENT_HTTP_TIMEOUT_S - 1,
                      "a silent client was cut off after %.2f s", now_s() - t0);
        for (i = 0; i < AGENT_HTTP_MAX_CONNECTIONS; i++)
                close(fds[i]);
        srv_stop(&sv);
}
END_TEST

static Suite *http_suite(void)
{
        Suite *s = suite_create("http");
        TCase *hook = tcase_create("hook"), *route = tcase_create("route"),
              *addr = tcase_create("listen"), *health = tcase_create("healthz"),
              *doc = tcase_create("documents"), *life = tcase_create("life");

        tcase_add_test(hook, hook_valid_signature);
        tcase_add_test(hook, hook_github_example);
        tcase_add_test(hook, hook_refused_signatures);
        tcase_add_test(hook, hook_without_secret);
        tcase_add_test(hook, hook_secret_refused);
        tcase_add_test(hook, hook_content_length_over_limit);
        tcase_add_test(hook, hook_body_limit);
        tcase_add_test(hook, early_answer_lingers);
        tcase_add_test(hook, hook_signed_body_over_limit);
        tcase_add_test(route, routes_not_found_and_methods);
        tcase_add_test(addr, listen_bad_addresses);
        tcase_add_test(addr, listen_port_in_use);
        tcase_add_test(addr, listen_ipv6);
        tcase_add_test(health, healthz_engine_up);
        tcase_add_test(health, healthz_engine_down);
        tcase_add_test(health, healthz_engine_gone);
        tcase_add_test(health, healthz_engine_hangs);
        tcase_add_test(doc, status_document);
        tcase_add_test(doc, status_schema_refuses_wrong);
        tcase_add_test(doc, metrics_checker_refuses);
        tcase_add_test(doc, metrics_text);
        tcase_add_test(doc, metrics_fresh);
        tcase_add_test(life, stop_with_connection_open);
        tcase_add_test(life, idle_costs_nothing);
        tcase_add_test(life, slow_clients_bounded);
        suite_add_tcase(s, hook);
        suite_add_tcase(s, route);
        suite_add_tcase(s, addr);
        suite_add_tcase(s, health);
        suite_add_tcase(s, doc);
        suite_add_tcase(s, life);
        return s;
}

int main(void)
{
        return bt_unit_main(http_suite());
}
