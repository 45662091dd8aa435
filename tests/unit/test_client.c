/* The transport: DOCKER_HOST parsing, status mapping, version negotiation,
 * call counting, and the faults the fake engine produces on demand. */
#include <pthread.h>
#include <sys/wait.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "berth_test.h"
#include "fake_engine.h"

/* ---- DOCKER_HOST ---- */

struct host_case {
        const char *host, *tls_verify, *cert_path;
        int code;
        const char *describe_or_msg; /* describe on success, message on failure */
        int tls;
};

static const struct host_case host_cases[] = {
    {NULL, NULL, NULL, 0, "unix:///var/run/docker.sock", 0},
    {"", NULL, NULL, 0, "unix:///var/run/docker.sock", 0},
    {"unix:///run/x.sock", NULL, NULL, 0, "unix:///run/x.sock", 0},
    {"tcp://10.0.0.5:2375", NULL, NULL, 0, "tcp://10.0.0.5:2375", 0},
    {"tcp://engine.example", NULL, NULL, 0, "tcp://engine.example:2375", 0},
    {"tcp://engine.example", "1", "/certs", 0, "tcp://engine.example:2376", 1},
    {"tcp://engine.example:9999/", "1", NULL, 0, "tcp://engine.example:9999", 1},
    {"tcp://[::1]:2376", "1", NULL, 0, "tcp://[::1]:2376", 1},
    {"tcp://[::1]", NULL, NULL, 0, "tcp://[::1]:2375", 0},
    {"unix://", NULL, NULL, BERTH_EINVALID,
     "DOCKER_HOST 'unix://' names no socket path (expected unix:///path)", 0},
    {"unix://run/x.sock", NULL, NULL, BERTH_EINVALID,
     "DOCKER_HOST 'unix://run/x.sock': the socket path must be absolute "
     "(unix:///var/run/docker.sock)",
     0},
    {"tcp://", NULL, NULL, BERTH_EINVALID,
     "DOCKER_HOST 'tcp://' names no host (expected tcp://HOST:PORT)", 0},
    {"tcp://h:0", NULL, NULL, BERTH_EINVALID,
     "DOCKER_HOST 'tcp://h:0': '0' is not a port number (1-65535)", 0},
    {"tcp://h:http", NULL, NULL, BERTH_EINVALID,
     "DOCKER_HOST 'tcp://h:http': 'http' is not a port number (1-65535)", 0},
    {"tcp://h:2375/path", NULL, NULL, BERTH_EINVALID,
     "DOCKER_HOST 'tcp://h:2375/path': '2375/path' is not a port number (1-65535)", 0},
    {"tcp://[::1", NULL, NULL, BERTH_EINVALID,
     "DOCKER_HOST 'tcp://[::1': unterminated '[' in IPv6 address", 0},
    {"ssh://me@box", NULL, NULL, BERTH_EINVALID,
     "DOCKER_HOST 'ssh://me@box': berth supports unix:// and tcp:// engines only", 0},
    {"npipe:////./pipe/docker_engine", NULL, NULL, BERTH_EINVALID,
     "DOCKER_HOST 'npipe:////./pipe/docker_engine': berth supports unix:// and tcp:// "
     "engines only",
     0},
    {"http://h:2375", NULL, NULL, BERTH_EINVALID,
     "DOCKER_HOST 'http://h:2375': unknown scheme (expected unix:// or tcp://)", 0},
    {"/var/run/docker.sock", NULL, NULL, BERTH_EINVALID,
     "DOCKER_HOST '/var/run/docker.sock': write unix:///var/run/docker.sock for a socket path", 0},
    {"localhost:2375", NULL, NULL, BERTH_EINVALID,
     "DOCKER_HOST 'localhost:2375': expected unix:///path or tcp://host:port", 0},
};

START_TEST(host_parse_table)
{
        const struct host_case *hc = &host_cases[_i];
        struct docker_host h;
        struct berth_err err;
        char buf[300];
        int r;

        berth_err_clear(&err);
        r = docker_host_parse(&h, hc->host, hc->tls_verify, hc->cert_path, &err);
        ck_assert_int_eq(r, hc->code);
        if (r == 0) {
                ck_assert_str_eq(docker_host_describe(&h, buf, sizeof(buf)), hc->describe_or_msg);
                ck_assert_int_eq(h.tls, hc->tls);
                ck_assert_int_eq(h.tls_verify, hc->tls);
                if (hc->cert_path)
                        ck_assert_str_eq(h.cert_dir, hc->cert_path);
        } else {
                ck_assert_str_eq(err.msg, hc->describe_or_msg);
        }
}
END_TEST

START_TEST(host_cert_path_defaults_to_home)
{
        struct docker_host h;
        struct berth_err err;

        setenv("HOME", "/home/someone", 1);
        ck_assert_int_eq(docker_host_parse(&h, "tcp://h", "1", NULL, &err), 0);
        ck_assert_str_eq(h.cert_dir, "/home/someone/.docker");
}
END_TEST

START_TEST(host_override_names_flag)
{
        struct docker_client *c = NULL;
        struct berth_err err;

        berth_err_clear(&err);
        ck_assert_int_eq(docker_client_from_env(&c, "ssh://box", &err), BERTH_EINVALID);
        ck_assert_ptr_null(c);
        ck_assert_str_eq(err.msg, "-H 'ssh://box': berth supports unix:// and tcp:// engines only");
}
END_TEST

START_TEST(status_mapping)
{
        ck_assert_int_eq(docker_status_to_code(200), 0);
        ck_assert_int_eq(docker_status_to_code(304), 0);
        ck_assert_int_eq(docker_status_to_code(400), BERTH_EINVALID);
        ck_assert_int_eq(docker_status_to_code(401), BERTH_EAUTH);
        ck_assert_int_eq(docker_status_to_code(403), BERTH_EFORBIDDEN);
        ck_assert_int_eq(docker_status_to_code(404), BERTH_ENOTFOUND);
        ck_assert_int_eq(docker_status_to_code(409), BERTH_ECONFLICT);
        ck_assert_int_eq(docker_status_to_code(500), BERTH_ESERVER);
        ck_assert_int_eq(docker_status_to_code(503), BERTH_ESERVER);
        ck_assert_int_eq(docker_status_to_code(418), BERTH_ERROR);
}
END_TEST

START_TEST(escape_and_filters)
{
        char *e = docker_escape("a b/c=d&e");
        char *f = docker_filters("label", "berth.scope=x", "label", "a=b", "name", "web", NULL);

        ck_assert_str_eq(e, "a%20b%2Fc%3Dd%26e");
        /* {"label":["berth.scope=x","a=b"],"name":["web"]} escaped */
        ck_assert_str_eq(f, "%7B%22label%22%3A%5B%22berth.scope%3Dx%22%2C%22a%3Db%22%5D%2C%22name%"
                            "22%3A%5B%22web%22%5D%7D");
        free(e);
        free(f);
}
END_TEST

/* ---- against the fake engine ---- */

static struct docker_client *fake_client(struct fake_engine *fe)
{
        struct docker_client *c = NULL;
        struct berth_err err;

        ck_assert_ptr_nonnull(fe);
        ck_assert_msg(docker_client_from_env(&c, fake_engine_host(fe), &err) == 0, "%s", err.msg);
        return c;
}

static int call(struct docker_client *c, const char *method, const char *path, const char *op,
                const char *object, struct docker_response *resp, struct berth_err *err)
{
        struct docker_request req = {.method = method, .path = path, .op = op, .object = object};

        berth_err_clear(err);
        return docker_call(c, &req, resp, err);
}

static const struct fake_route status_routes[] = {
    {.method = "GET",
     .path = "/containers/nope/json",
     .status = 404,
     .body = "{\"message\":\"No such container: nope\"}"},
    {.method = "POST",
     .path = "/containers/create",
     .status = 409,
     .body = "{\"message\":\"Conflict. The container name \\\"/web\\\" is already in use\"}"},
    {.method = "POST", .path = "/containers/x/start", .status = 304, .body = ""},
    {.method = "POST",
     .path = "/containers/bad",
     .status = 400,
     .body = "{\"message\":\"invalid restart policy\"}"},
    {.method = "GET", .path = "/info", .status = 500, .body = "plain text failure\n"},
    {.method = "GET",
     .path = "/forbidden",
     .status = 403,
     .body = "{\"message\":\"authorization denied by plugin\"}"},
    {.method = "GET", .path = "/ok", .status = 200, .body = "{\"a\":1}"},
};

START_TEST(status_errors_name_operation_and_object)
{
        struct fake_engine *fe = fake_engine_start(status_routes, 7);
        struct docker_client *c = fake_client(fe);
        struct docker_response resp;
        struct berth_err err;

        ck_assert_int_eq(
            call(c, "GET", "/containers/nope/json", "inspect container", "nope", NULL, &err),
            BERTH_ENOTFOUND);
        ck_assert_str_eq(err.msg, "cannot inspect container 'nope': No such container: nope");
        ck_assert_int_eq(err.http_status, 404);
        ck_assert_str_eq(err.engine_msg, "No such container: nope");

        ck_assert_int_eq(
            call(c, "POST", "/containers/create?name=web", "create container", "web", NULL, &err),
            BERTH_ECONFLICT);
        ck_assert_str_eq(err.msg, "cannot create container 'web': Conflict. The container name "
                                  "\"/web\" is already in use");

        ck_assert_int_eq(
            call(c, "POST", "/containers/x/start", "start container", "x", &resp, &err), 0);
        ck_assert_int_eq(resp.status, 304);
        docker_response_release(&resp);

        ck_assert_int_eq(call(c, "POST", "/containers/bad", "create container", "bad", NULL, &err),
                         BERTH_EINVALID);
        ck_assert_str_eq(err.msg, "cannot create container 'bad': invalid restart policy");

        ck_assert_int_eq(call(c, "GET", "/info", "read engine info", NULL, NULL, &err),
                         BERTH_ESERVER);
        ck_assert_str_eq(err.msg, "cannot read engine info: plain text failure");

        ck_assert_int_eq(call(c, "GET", "/forbidden", "list containers", NULL, NULL, &err),
                         BERTH_EFORBIDDEN);
        ck_assert_str_eq(err.msg, "cannot list containers: authorization denied by plugin");

        ck_assert_int_eq(call(c, "GET", "/ok", "x", NULL, &resp, &err), 0);
        ck_assert_int_eq(resp.status, 200);
        ck_assert_str_eq(resp.body, "{\"a\":1}");
        docker_response_release(&resp);
        docker_client_free(c);
        fake_engine_stop(fe);
}
END_TEST

static const struct fake_route new_engine[] = {
    {.method = "GET", .path = "/_ping", .status = 200, .body = "OK", .api_version = "1.47"},
    {.method = "GET", .path = "/ok", .status = 200, .body = "{}"},
};

START_TEST(negotiates_down_to_berths_maximum)
{
        struct fake_engine *fe = fake_engine_start(new_engine, 2);
        struct docker_client *c = fake_client(fe);
        struct berth_err err;
        char last[512];

        ck_assert_ptr_null(docker_client_api_version(c));
        ck_assert_int_eq(call(c, "GET", "/ok", "x", NULL, NULL, &err), 0);
        ck_assert_str_eq(docker_client_api_version(c), DOCKER_API_MAX);
        fake_engine_last(fe, last, sizeof(last));
        ck_assert_str_eq(last, "GET /v" DOCKER_API_MAX "/ok");
        ck_assert_uint_eq(fake_engine_requests(fe), 2); /* ping once, then the call */
        ck_assert_int_eq(call(c, "GET", "/ok", "x", NULL, NULL, &err), 0);
        ck_assert_uint_eq(fake_engine_requests(fe), 3);
        docker_client_free(c);
        fake_engine_stop(fe);
}
END_TEST

static const struct fake_route older_engine[] = {
    {.method = "GET", .path = "/_ping", .status = 200, .body = "OK", .api_version = "1.40"},
    {.method = "GET", .path = "/ok", .status = 200, .body = "{}"},
};

START_TEST(negotiates_down_to_engines_version)
{
        struct fake_engine *fe = fake_engine_start(older_engine, 2);
        struct docker_client *c = fake_client(fe);
        struct berth_err err;
        char last[512];

        ck_assert_int_eq(call(c, "GET", "/ok", "x", NULL, NULL, &err), 0);
        ck_assert_str_eq(docker_client_api_version(c), "1.40");
        fake_engine_last(fe, last, sizeof(last));
        ck_assert_str_eq(last, "GET /v1.40/ok");
        docker_client_free(c);
        fake_engine_stop(fe);
}
END_TEST

static const struct fake_route ancient_engine[] = {
    {.method = "GET", .path = "/_ping", .status = 200, .body = "OK", .api_version = "1.24"},
};
static const struct fake_route silent_engine[] = {
    {.method = "GET", .path = "/_ping", .status = 200, .body = "OK", .api_version = ""},
};

START_TEST(refuses_too_old_engines)
{
        struct fake_engine *fe = fake_engine_start(ancient_engine, 1);
        struct docker_client *c = fake_client(fe);
        struct berth_err err;
        char msg[512];

        ck_assert_int_eq(call(c, "GET", "/ok", "x", NULL, NULL, &err), BERTH_EPROTO);
        snprintf(msg, sizeof(msg),
                 "the Docker engine at %s speaks API 1.24; berth needs 1.30 or newer (upgrade "
                 "docker)",
                 fake_engine_host(fe));
        ck_assert_str_eq(err.msg, msg);
        ck_assert_uint_eq(fake_engine_requests(fe), 1);
        docker_client_free(c);
        fake_engine_stop(fe);

        fe = fake_engine_start(silent_engine, 1);
        c = fake_client(fe);
        ck_assert_int_eq(docker_client_negotiate(c, &err), BERTH_EPROTO);
        snprintf(msg, sizeof(msg),
                 "the Docker engine at %s did not say its API version; berth needs API 1.30 or "
                 "newer",
                 fake_engine_host(fe));
        ck_assert_str_eq(err.msg, msg);
        docker_client_free(c);
        fake_engine_stop(fe);
}
END_TEST

static const struct fake_route counted[] = {
    {.method = "GET", .path = "/a", .status = 200, .body = "{}"},
    {.method = "POST", .path = "/b", .status = 204, .body = ""},
    {.method = "DELETE", .path = "/c", .status = 204, .body = ""},
};

START_TEST(counts_calls_and_mutations)
{
        struct fake_engine *fe = fake_engine_start(counted, 3);
        struct docker_client *c = fake_client(fe);
        struct docker_call_stats st;
        struct berth_err err;

        call(c, "GET", "/a", "x", NULL, NULL, &err);
        call(c, "GET", "/a", "x", NULL, NULL, &err);
        call(c, "POST", "/b", "x", NULL, NULL, &err);
        call(c, "DELETE", "/c", "x", NULL, NULL, &err);
        docker_client_stats(c, &st);
        ck_assert_uint_eq(st.total, 5); /* the ping counts */
        ck_assert_uint_eq(st.mutating, 2);
        ck_assert_uint_eq(fake_engine_requests(fe), 5);
        docker_client_free(c);
        fake_engine_stop(fe);
}
END_TEST

static const struct fake_route faulty[] = {
    {.method = "GET",
     .path = "/truncated",
     .status = 200,
     .body = "{\"Id\":\"abcdef\",\"Names\":[\"/x\"]}",
     .truncate_at = 10},
    {.method = "GET", .path = "/notjson", .status = 200, .body = "<html>proxy error</html>"},
    {.method = "GET", .path = "/hang", .status = 200, .hang = 1},
    {.method = "GET",
     .path = "/big",
     .status = 200,
     .body =
         "[\"aaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaa\"]"},
};

/* ---- a list read element by element --------------------------------- */

/* What a walk's fn saw: "i:json i:json ...", each element dumped compact
 * with its index. */
struct seen {
        char text[512];
        int stop_at; /* index at which fn returns BERTH_EPROTO; -1: never */
};

static int seen_element(const json_t *obj, size_t index, void *data)
{
        struct seen *s = data;
        char *dump = json_dumps(obj, JSON_COMPACT | JSON_SORT_KEYS | JSON_ENCODE_ANY);
        size_t len = strlen(s->text);

        ck_assert_ptr_nonnull(dump);
        snprintf(s->text + len, sizeof(s->text) - len, "%s%zu:%s", len ? " " : "", index, dump);
        free(dump);
        return (int)index == s->stop_at ? BERTH_EPROTO : 0;
}

static int walk(const char *body, struct seen *s, int stop_at)
{
        memset(s, 0, sizeof(*s));
        s->stop_at = stop_at;
        return docker_json_array_walk(body, strlen(body), seen_element, s);
}

START_TEST(array_walk_hands_each_object_in_order)
{
        static const struct {
                const char *body;
                int r;
                const char *seen;
        } cases[] = {
            {"[]", 0, ""},
            {" \r\n\t[ ]\n", 0, ""},
            {"[{}]", 0, "0:{}"},
            {"[{\"a\":1},{\"b\":[1,{\"c\":\"]}\"}]}]", 0,
             "0:{\"a\":1} 1:{\"b\":[1,{\"c\":\"]}\"}]}"},
            {"[ {\"a\" : 1}\n ,\t{ } ]\n", 0, "0:{\"a\":1} 1:{}"},
            /* not read this way: the caller decodes the whole body */
            {"", 1, ""},
            {"{\"Volumes\":[]}", 1, ""},
            {"[1]", 1, ""},
            {"[{\"a\":1},2]", 1, "0:{\"a\":1}"},
            {"[{\"a\":1}", 1, "0:{\"a\":1}"},
            {"[{\"a\":1},]", 1, "0:{\"a\":1}"},
            {"[{\"a\":1}]x", 1, "0:{\"a\":1}"},
            {"[{\"a\":1} {}]", 1, "0:{\"a\":1}"},
            {"[{\"a\":}]", 1, ""},
        };
        struct seen s;
        size_t i;

        for (i = 0; i < sizeof(cases) / sizeof(cases[0]); i++) {
                ck_assert_msg(walk(cases[i].body, &s, -1) == cases[i].r, "%s: not %d",
                              cases[i].body, cases[i].r);
                ck_assert_msg(!strcmp(s.text, cases[i].seen), "%s: saw '%s', not '%s'",
                              cases[i].body, s.text, cases[i].seen);
        }
        /* fn's error ends the walk, and is its result */
        ck_assert_int_eq(walk("[{\"a\":1},{\"b\":2},{}]", &s, 1), BERTH_EPROTO);
        ck_assert_str_eq(s.text, "0:{\"a\":1} 1:{\"b\":2}");
}
END_TEST

static const struct fake_route lists[] = {
    {.method = "GET", .path = "/objects", .status = 200, .body = "[{\"a\":1},\n{\"b\":2}]"},
    {.method = "GET", .path = "/mixed", .status = 200, .body = "[{\"a\":1},2]"},
    {.method = "GET", .path = "/object", .status = 200, .body = "{\"message\":\"page not found\"}"},
    {.method = "GET", .path = "/empty", .status = 200, .body = ""},
    {.method = "GET", .path = "/notjson", .status = 200, .body = "[{\"a\":1},<html>"},
};

static int each(struct docker_client *c, const char *path, struct seen *s, struct berth_err *err)
{
        struct docker_request req = {.method = "GET", .path = path, .op = "list things"};

        memset(s, 0, sizeof(*s));
        s->stop_at = -1;
        berth_err_clear(err);
        return docker_call_json_each(c, &req, seen_element, s, err);
}

START_TEST(call_json_each_reads_a_list_or_says_what_it_is)
{
        struct fake_engine *fe = fake_engine_start(lists, 5);
        struct docker_client *c = fake_client(fe);
        struct berth_err err;
        struct seen s;

        ck_assert_int_eq(each(c, "/objects", &s, &err), 0);
        ck_assert_str_eq(s.text, "0:{\"a\":1} 1:{\"b\":2}");
        /* the walk stops at 2, the whole decode hands it all from 0 again */
        ck_assert_int_eq(each(c, "/mixed", &s, &err), 0);
        ck_assert_str_eq(s.text, "0:{\"a\":1} 0:{\"a\":1} 1:2");
        ck_assert_int_eq(each(c, "/object", &s, &err), BERTH_EPROTO);
        ck_assert_str_eq(err.msg, "cannot list things: the engine's answer is not a JSON array");
        ck_assert_int_eq(each(c, "/empty", &s, &err), BERTH_EPROTO);
        ck_assert_str_eq(err.msg, "cannot list things: the engine's answer is not a JSON array");
        ck_assert_int_eq(each(c, "/notjson", &s, &err), BERTH_EPROTO);
        /* the whole body's position, as docker_call_json() says it */
        ck_assert_str_eq(err.msg, "cannot list things: the engine's answer is not valid JSON: "
                                  "invalid token near '<' (line 1 column 10)");
        docker_client_free(c);
        fake_engine_stop(fe);
}
END_TEST

START_TEST(truncated_answer_is_a_protocol_error)
{
        struct fake_engine *fe = fake_engine_start(faulty, 4);
        struct docker_client *c = fake_client(fe);
        struct berth_err err;

        ck_assert_int_eq(call(c, "GET", "/truncated", "list containers", NULL, NULL, &err),
                         BERTH_EPROTO);
        ck_assert_msg(strstr(err.msg, "cannot list containers: the Docker engine at unix://") ==
                          err.msg,
                      "%s", err.msg);
        ck_assert_msg(strstr(err.msg, "closed the connection"), "%s", err.msg);
        docker_client_free(c);
        fake_engine_stop(fe);
}
END_TEST

START_TEST(non_json_answer_is_a_protocol_error)
{
        struct fake_engine *fe = fake_engine_start(faulty, 4);
        struct docker_client *c = fake_client(fe);
        struct docker_request req = {.method = "GET", .path = "/notjson", .op = "list containers"};
        struct berth_err err;
        json_t *j = NULL;

        ck_assert_int_eq(docker_call_json(c, &req, &j, &err), BERTH_EPROTO);
        ck_assert_ptr_null(j);
        ck_assert_str_eq(err.msg, "cannot list containers: the engine's answer is not valid JSON: "
                                  "'[' or '{' expected near '<' (line 1 column 1)");
        docker_client_free(c);
        fake_engine_stop(fe);
}
END_TEST

START_TEST(hang_times_out)
{
        struct fake_engine *fe = fake_engine_start(faulty, 4);
        struct docker_client *c = fake_client(fe);
        struct berth_err err;

        docker_client_set_timeout(c, 300);
        ck_assert_int_eq(call(c, "GET", "/hang", "inspect container", "web", NULL, &err),
                         BERTH_ETIMEOUT);
        ck_assert_msg(
            strstr(err.msg, "cannot inspect container 'web': the Docker engine at unix://"), "%s",
            err.msg);
        ck_assert_msg(strstr(err.msg, "did not answer in time"), "%s", err.msg);
        docker_client_free(c);
        fake_engine_stop(fe);
}
END_TEST

START_TEST(body_over_limit_is_refused)
{
        struct fake_engine *fe = fake_engine_start(faulty, 4);
        struct docker_client *c = fake_client(fe);
        struct docker_request req = {
            .method = "GET", .path = "/big", .op = "list images", .max_body = 16};
        struct berth_err err;

        ck_assert_int_eq(docker_call(c, &req, NULL, &err), BERTH_ETOOBIG);
        ck_assert_str_eq(err.msg,
                         "cannot list images: the engine's answer is larger than 16 bytes");
        docker_client_free(c);
        fake_engine_stop(fe);
}
END_TEST

static const struct fake_route streams[] = {
    {.method = "GET",
     .path = "/events",
     .status = 200,
     .body = "{\"Action\":\"start\"}\n{\"Action\":\"die\"}\r\n\n{\"Action\":\"destroy\"}",
     .chunks_ms = 20},
    {.method = "GET",
     .path = "/badstream",
     .status = 200,
     .body = "{\"Action\":\"start\"}\nnot json\n{\"Action\":\"x\"}\n",
     .chunks_ms = 5},
    {.method = "GET",
     .path = "/slow",
     .status = 200,
     .body = "{\"n\":1}\n{\"n\":2}\n",
     .chunks_ms = 60000},
};

struct collected {
        char actions[256];
        int stop_after;
        int seen;
        atomic_int *cancel;
};

static int collect(json_t *obj, void *ud)
{
        struct collected *col = ud;
        const char *a = json_string_value(json_object_get(obj, "Action"));

        col->seen++;
        if (a) {
                strcat(col->actions, a);
                strcat(col->actions, ",");
        }
        if (col->cancel)
                atomic_store(col->cancel, 1);
        return col->stop_after && col->seen >= col->stop_after;
}

START_TEST(json_stream_delivers_objects_until_the_end)
{
        struct fake_engine *fe = fake_engine_start(streams, 3);
        struct docker_client *c = fake_client(fe);
        struct docker_request req = {
            .method = "GET", .path = "/events", .op = "follow events", .timeout_ms = -1};
        struct collected col = {0};
        struct berth_err err;

        ck_assert_int_eq(docker_call_json_stream(c, &req, collect, &col, &err), 0);
        ck_assert_str_eq(col.actions, "start,die,destroy,");
        docker_client_free(c);
        fake_engine_stop(fe);
}
END_TEST

START_TEST(json_stream_stopped_by_callback)
{
        struct fake_engine *fe = fake_engine_start(streams, 3);
        struct docker_client *c = fake_client(fe);
        struct docker_request req = {
            .method = "GET", .path = "/events", .op = "follow events", .timeout_ms = -1};
        struct collected col = {.stop_after = 2};
        struct berth_err err;

        ck_assert_int_eq(docker_call_json_stream(c, &req, collect, &col, &err), BERTH_ECANCELLED);
        ck_assert_str_eq(col.actions, "start,die,");
        ck_assert_str_eq(err.msg, "cannot follow events: stopped by the caller");
        docker_client_free(c);
        fake_engine_stop(fe);
}
END_TEST

START_TEST(json_stream_bad_line_is_a_protocol_error)
{
        struct fake_engine *fe = fake_engine_start(streams, 3);
        struct docker_client *c = fake_client(fe);
        struct docker_request req = {.method = "GET",
                                     .path = "/badstream",
                                     .op = "pull image",
                                     .object = "app:1",
                                     .timeout_ms = -1};
        struct collected col = {0};
        struct berth_err err;

        ck_assert_int_eq(docker_call_json_stream(c, &req, collect, &col, &err), BERTH_EPROTO);
        ck_assert_str_eq(col.actions, "start,");
        ck_assert_str_eq(err.msg, "cannot pull image 'app:1': the engine sent a stream line that "
                                  "is not JSON: '[' or '{' expected near 'not'");
        docker_client_free(c);
        fake_engine_stop(fe);
}
END_TEST

struct canceller {
        atomic_int *flag;
        int delay_ms;
};

static void *cancel_later(void *ud)
{
        struct canceller *k = ud;

        usleep((useconds_t)k->delay_ms * 1000);
        atomic_store(k->flag, 1);
        return NULL;
}

START_TEST(stream_cancelled_from_another_thread)
{
        struct fake_engine *fe = fake_engine_start(streams, 3);
        struct docker_client *c = fake_client(fe);
        atomic_int cancel = 0;
        struct docker_request req = {.method = "GET",
                                     .path = "/slow",
                                     .op = "follow events",
                                     .timeout_ms = -1,
                                     .cancel = &cancel};
        struct canceller k = {&cancel, 2000}; /* after the first line, even under valgrind */
        struct collected col = {0};
        struct berth_err err;
        pthread_t t;

        pthread_create(&t, NULL, cancel_later, &k);
        /* the second line comes a minute later: only the cancel ends this */
        ck_assert_int_eq(docker_call_json_stream(c, &req, collect, &col, &err), BERTH_ECANCELLED);
        pthread_join(t, NULL);
        ck_assert_int_eq(col.seen, 1);
        ck_assert_str_eq(err.msg, "cannot follow events: cancelled");
        docker_client_free(c);
        fake_engine_stop(fe);
}
END_TEST

START_TEST(unreachable_engine_says_what_to_do)
{
        struct docker_client *c = NULL;
        struct berth_err err;
        const char *dir = bt_tmpdir();
        char host[300], msg[600];

        snprintf(host, sizeof(host), "unix://%s/none.sock", dir);
        ck_assert_int_eq(docker_client_from_env(&c, host, &err), 0);
        ck_assert_int_eq(call(c, "GET", "/containers/json", "list containers", NULL, NULL, &err),
                         BERTH_ECONNECT);
        snprintf(msg, sizeof(msg),
                 "the Docker engine is not running: no socket at %s (start dockerd, or point "
                 "DOCKER_HOST or -H at the engine)",
                 host);
        ck_assert_str_eq(err.msg, msg);
        docker_client_free(c);

        ck_assert_int_eq(docker_client_from_env(&c, "tcp://127.0.0.1:1", &err), 0);
        ck_assert_int_eq(docker_client_negotiate(c, &err), BERTH_ECONNECT);
        ck_assert_str_eq(err.msg, "cannot connect to the Docker engine at tcp://127.0.0.1:1: "
                                  "connection refused (is dockerd running? check DOCKER_HOST or "
                                  "-H)");
        docker_client_free(c);
}
END_TEST

/* The engine socket is root's: a user without access gets EPERM and a
 * message saying how to get it.  The test drops to nobody in a child,
 * since root may connect anywhere. */
START_TEST(permission_denied_on_the_socket)
{
        struct fake_engine *fe = fake_engine_start(counted, 3);
        char host[300], want[600];
        int pipefd[2], status;
        pid_t pid;

        ck_assert_ptr_nonnull(fe);
        ck_assert_msg(getuid() == 0, "this test runs as root (tests/run does) to drop to nobody");
        snprintf(host, sizeof(host), "%s", fake_engine_host(fe));
        ck_assert_int_eq(pipe(pipefd), 0);
        pid = fork();
        ck_assert_int_ge(pid, 0);
        if (pid == 0) {
                struct docker_client *c = NULL;
                struct berth_err err;
                char msg[sizeof(err.msg) + 16];
                int code;

                close(pipefd[0]);
                if (setgid(65534) < 0 || setuid(65534) < 0)
                        _exit(2);
                docker_client_from_env(&c, host, &err);
                code = docker_client_negotiate(c, &err);
                snprintf(msg, sizeof(msg), "%d %s", code, err.msg);
                if (write(pipefd[1], msg, strlen(msg)) < 0)
                        _exit(3);
                docker_client_free(c);
                _exit(0);
        }
        close(pipefd[1]);
        {
                char got[1200] = "";
                ssize_t n = read(pipefd[0], got, sizeof(got) - 1);

                close(pipefd[0]);
                waitpid(pid, &status, 0);
                ck_assert_int_eq(WEXITSTATUS(status), 0);
                ck_assert_int_gt(n, 0);
                got[n] = '\0';
                snprintf(want, sizeof(want),
                         "%d permission denied on the Docker engine socket %s (run berth as root "
                         "or as a member of the 'docker' group)",
                         BERTH_EPERM, host);
                ck_assert_str_eq(got, want);
        }
        ck_assert_uint_eq(fake_engine_requests(fe), 0);
        fake_engine_stop(fe);
}
END_TEST

static Suite *client_suite(void)
{
        Suite *s = suite_create("client");
        TCase *tc = tcase_create("host");

        tcase_add_loop_test(tc, host_parse_table, 0, sizeof(host_cases) / sizeof(host_cases[0]));
        tcase_add_test(tc, host_cert_path_defaults_to_home);
        tcase_add_test(tc, host_override_names_flag);
        tcase_add_test(tc, status_mapping);
        tcase_add_test(tc, escape_and_filters);
        suite_add_tcase(s, tc);

        tc = tcase_create("fake-engine");
        tcase_add_test(tc, status_errors_name_operation_and_object);
        tcase_add_test(tc, negotiates_down_to_berths_maximum);
        tcase_add_test(tc, negotiates_down_to_engines_version);
        tcase_add_test(tc, refuses_too_old_engines);
        tcase_add_test(tc, counts_calls_and_mutations);
        tcase_add_test(tc, array_walk_hands_each_object_in_order);
        tcase_add_test(tc, call_json_each_reads_a_list_or_says_what_it_is);
        tcase_add_test(tc, truncated_answer_is_a_protocol_error);
        tcase_add_test(tc, non_json_answer_is_a_protocol_error);
        tcase_add_test(tc, hang_times_out);
        tcase_add_test(tc, body_over_limit_is_refused);
        tcase_add_test(tc, json_stream_delivers_objects_until_the_end);
        tcase_add_test(tc, json_stream_stopped_by_callback);
        tcase_add_test(tc, json_stream_bad_line_is_a_protocol_error);
        tcase_add_test(tc, stream_cancelled_from_another_thread);
        tcase_add_test(tc, unreachable_engine_says_what_to_do);
        tcase_add_test(tc, permission_denied_on_the_socket);
        tcase_set_timeout(tc, 30);
        suite_add_tcase(s, tc);
        return s;
}

int main(void)
{
        return bt_unit_main(client_suite());
}
