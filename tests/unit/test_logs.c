/* Unit tests of the output demultiplexer (docker/logs.h): frames split
 * across chunks at every point, zero-length frames, bad stream types,
 * truncated streams, engine error frames, TTY streams, the collector. */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "berth_test.h"
#include "docker/logs.h"

/* A stream built from frames, and what it should demultiplex to. */
struct stream {
        char bytes[1 << 18];
        size_t len;
};

static void add_frame(struct stream *s, int type, const char *payload, size_t n)
{
        unsigned char h[8] = {(unsigned char)type,
                              0,
                              0,
                              0,
                              (unsigned char)(n >> 24),
                              (unsigned char)(n >> 16),
                              (unsigned char)(n >> 8),
                              (unsigned char)n};

        ck_assert_uint_le(s->len + 8 + n, sizeof(s->bytes));
        memcpy(s->bytes + s->len, h, 8);
        memcpy(s->bytes + s->len + 8, payload, n);
        s->len += 8 + n;
}

/* What the callback saw: "<stream>:<text>|" per run of one stream, so the
 * order of the streams is checked as well as their contents. */
struct seen {
        char transcript[1 << 18];
        size_t len;
        int last;
        int calls;
        int stop_after; /* return non-zero on this call (1-based); 0 never */
        int zero_len;   /* a piece of length 0 was passed */
};

static void seen_init(struct seen *s)
{
        memset(s, 0, sizeof(*s));
}

static int seen_fn(enum docker_stream stream, const char *data, size_t len, void *ud)
{
        struct seen *s = ud;

        s->calls++;
        if (len == 0)
                s->zero_len = 1;
        if ((int)stream != s->last) {
                if (s->last)
                        s->transcript[s->len++] = '|';
                s->len += (size_t)snprintf(s->transcript + s->len, 8, "%d:", (int)stream);
                s->last = (int)stream;
        }
        ck_assert_uint_lt(s->len + len, sizeof(s->transcript) - 2);
        memcpy(s->transcript + s->len, data, len);
        s->len += len;
        s->transcript[s->len] = '\0';
        return s->stop_after && s->calls == s->stop_after;
}

static int count_fn(enum docker_stream stream, const char *data, size_t len, void *ud)
{
        (void)stream, (void)data, (void)len;
        ++*(int *)ud;
        return 0;
}

/* Feed st in pieces cut at the given points (sorted, within [0, len]),
 * then finish; returns the first error. */
static int feed_cut(struct seen *seen, const struct stream *st, int raw, const size_t *cuts,
                    size_t ncuts, struct berth_err *err)
{
        struct docker_demux d;
        size_t start = 0, i;
        int r;

        docker_demux_init(&d, raw);
        seen_init(seen);
        for (i = 0; i <= ncuts; i++) {
                size_t end = i < ncuts ? cuts[i] : st->len;

                r = docker_demux_feed(&d, st->bytes + start, end - start, seen_fn, seen, err);
                if (r < 0)
                        return r;
                start = end;
        }
        return docker_demux_finish(&d, err);
}

/* Every way of cutting st into one, two or three pieces gives expect. */
static void check_all_cuts(const struct stream *st, int raw, const char *expect)
{
        struct berth_err err;
        struct seen *seen = malloc(sizeof(*seen));
        size_t cuts[2], i, j;
        int r;

        ck_assert_ptr_nonnull(seen);
        for (i = 0; i <= st->len; i++) {
                cuts[0] = i;
                r = feed_cut(seen, st, raw, cuts, 1, &err);
                ck_assert_msg(r == 0, "cut at %zu: %s", i, err.msg);
                ck_assert_str_eq(seen->transcript, expect);
                ck_assert_int_eq(seen->zero_len, 0);
                for (j = i; j <= st->len && st->len <= 200; j++) {
                        cuts[1] = j;
                        r = feed_cut(seen, st, raw, cuts, 2, &err);
                        ck_assert_msg(r == 0, "cuts at %zu, %zu: %s", i, j, err.msg);
                        ck_assert_str_eq(seen->transcript, expect);
                }
        }
        free(seen);
}

/* Byte by byte, the hardest split. */
static void check_bytewise(const struct stream *st, int raw, const char *expect)
{
        struct berth_err err;
        struct seen *seen = malloc(sizeof(*seen));
        struct docker_demux d;
        size_t i;

        ck_assert_ptr_nonnull(seen);
        seen_init(seen);
        docker_demux_init(&d, raw);
        for (i = 0; i < st->len; i++)
                ck_assert_int_eq(docker_demux_feed(&d, st->bytes + i, 1, seen_fn, seen, &err), 0);
        ck_assert_int_eq(docker_demux_finish(&d, &err), 0);
        ck_assert_str_eq(seen->transcript, expect);
        free(seen);
}

struct frame_case {
        const char *name;
        int types[6]; /* -1 ends */
        const char *payloads[6];
        const char *expect;
};

static const struct frame_case frame_cases[] = {
    {"stderr then stdout (as the engine sent it)",
     {2, 1, -1},
     {"hello-err\n", "hello-out\n"},
     "2:hello-err\n|1:hello-out\n"},
    {"one stdout frame", {1, -1}, {"out\n"}, "1:out\n"},
    {"consecutive frames of one stream join",
     {1, 1, 2, 2, 1, -1},
     {"a", "bc", "d", "ef", "g"},
     "1:abc|2:def|1:g"},
    {"zero-length frames are skipped", {1, 2, 1, 2, 1, -1}, {"", "", "x", "", ""}, "1:x"},
    {"only zero-length frames", {2, 1, -1}, {"", ""}, ""},
    {"stdin frames are written on stdout", {0, 2, -1}, {"typed\n", "e"}, "1:typed\n|2:e"},
    {"binary payload with header-like bytes",
     {1, 2, -1},
     {"\x01\x02\x03\x04\x05\x06\x07\x08\x09", "\x02\x01"},
     "1:\x01\x02\x03\x04\x05\x06\x07\x08\x09|2:\x02\x01"},
};

START_TEST(test_frames_split_everywhere)
{
        const struct frame_case *fc = &frame_cases[_i];
        struct stream *st = calloc(1, sizeof(*st));
        int k;

        ck_assert_ptr_nonnull(st);
        for (k = 0; fc->types[k] >= 0; k++)
                add_frame(st, fc->types[k], fc->payloads[k], strlen(fc->payloads[k]));
        if (st->len == 0)
                ck_abort_msg("%s: empty case", fc->name);
        check_all_cuts(st, 0, fc->expect);
        check_bytewise(st, 0, fc->expect);
        free(st);
}
END_TEST

START_TEST(test_empty_stream)
{
        struct berth_err err;
        struct docker_demux d;
        int calls = 0;

        docker_demux_init(&d, 0);
        ck_assert_int_eq(docker_demux_feed(&d, "", 0, count_fn, &calls, &err), 0);
        ck_assert_int_eq(docker_demux_finish(&d, &err), 0);
        ck_assert_int_eq(calls, 0);
}
END_TEST

/* A frame longer than 65535 bytes uses all four size bytes. */
START_TEST(test_large_frame)
{
        struct stream *st = calloc(1, sizeof(*st));
        char *big = malloc(70000), *expect = malloc(70000 + 16);
        struct seen *seen = malloc(sizeof(*seen));
        struct berth_err err;
        size_t i;

        ck_assert_ptr_nonnull(st);
        ck_assert_ptr_nonnull(big);
        ck_assert_ptr_nonnull(expect);
        ck_assert_ptr_nonnull(seen);
        for (i = 0; i < 70000; i++)
                big[i] = (char)('a' + i % 26);
        add_frame(st, 2, big, 70000);
        add_frame(st, 1, "end", 3);
        memcpy(expect, "2:", 2);
        memcpy(expect + 2, big, 70000);
        memcpy(expect + 70002, "|1:end", 7);
        check_bytewise(st, 0, expect);
        /* cuts in and around both headers (every cut would take minutes) */
        for (i = 0; i <= st->len; i = i == 24 ? st->len - 24 : i + 1) {
                ck_assert_msg(feed_cut(seen, st, 0, &i, 1, &err) == 0, "cut %zu: %s", i, err.msg);
                ck_assert_int_eq(memcmp(seen->transcript, expect, 70009), 0);
                ck_assert_uint_eq(seen->len, 70008);
        }
        free(seen);
        free(st);
        free(big);
        free(expect);
}
END_TEST

/* Bad stream types anywhere in the stream, under any split, are EPROTO
 * naming the type and where it was. */
START_TEST(test_bad_stream_type)
{
        static const unsigned char bad_types[] = {4, 5, 'h', 0xff};
        struct stream *st = calloc(1, sizeof(*st));
        struct berth_err err;
        struct seen *seen = malloc(sizeof(*seen));
        char want[64];
        size_t b, i, bad_at;
        int r;

        ck_assert_ptr_nonnull(st);
        ck_assert_ptr_nonnull(seen);
        for (b = 0; b < sizeof(bad_types); b++) {
                st->len = 0;
                add_frame(st, 1, "ok\n", 3);
                bad_at = st->len;
                add_frame(st, 1, "never\n", 6);
                st->bytes[bad_at] = (char)bad_types[b];
                snprintf(want, sizeof(want), "at byte %zu has stream type %u", bad_at,
                         (unsigned)bad_types[b]);
                for (i = 0; i <= st->len; i++) {
                        berth_err_clear(&err);
                        r = feed_cut(seen, st, 0, &i, 1, &err);
                        ck_assert_int_eq(r, BERTH_EPROTO);
                        ck_assert_int_eq(err.code, BERTH_EPROTO);
                        ck_assert_msg(strstr(err.msg, want), "'%s' lacks '%s'", err.msg, want);
                        ck_assert_msg(strstr(err.msg, "TTY"), "'%s' does not mention TTY", err.msg);
                        ck_assert_str_eq(seen->transcript, "1:ok\n");
                }
        }
        free(st);
        free(seen);
}
END_TEST

/* A raw TTY stream fed to the framed demultiplexer fails at once. */
START_TEST(test_tty_text_is_not_framed)
{
        struct berth_err err;
        struct docker_demux d;
        const char *text = "hello from a tty\r\n";
        int calls = 0;

        docker_demux_init(&d, 0);
        ck_assert_int_eq(docker_demux_feed(&d, text, strlen(text), count_fn, &calls, &err),
                         BERTH_EPROTO);
        ck_assert_ptr_nonnull(strstr(err.msg, "stream type 104"));
        ck_assert_int_eq(calls, 0);
}
END_TEST

/* Every truncation point of a two-frame stream: at a frame boundary it is
 * a complete (shorter) stream; anywhere else EPROTO saying what is missing. */
START_TEST(test_truncated_stream)
{
        struct stream *st = calloc(1, sizeof(*st)), *cut = calloc(1, sizeof(*cut));
        struct seen *seen = malloc(sizeof(*seen));
        struct berth_err err;
        size_t n, first_end, split;
        char want[128];
        int r;

        ck_assert_ptr_nonnull(st);
        ck_assert_ptr_nonnull(cut);
        ck_assert_ptr_nonnull(seen);
        add_frame(st, 1, "first\n", 6);
        first_end = st->len;
        add_frame(st, 2, "second\n", 7);
        for (n = 0; n < st->len; n++) {
                memcpy(cut->bytes, st->bytes, n);
                cut->len = n;
                for (split = 0; split <= n; split++) {
                        berth_err_clear(&err);
                        r = feed_cut(seen, cut, 0, &split, 1, &err);
                        if (n == 0 || n == first_end) {
                                ck_assert_msg(r == 0, "cut %zu: %s", n, err.msg);
                                continue;
                        }
                        ck_assert_msg(r == BERTH_EPROTO, "cut %zu gave %d", n, r);
                        ck_assert_ptr_nonnull(strstr(err.msg, "truncated"));
                        if (n < 8)
                                snprintf(want, sizeof(want), "inside a frame header (%zu of 8", n);
                        else if (n < first_end)
                                snprintf(want, sizeof(want),
                                         "%zu bytes short of the end of a 6-byte stdout frame",
                                         first_end - n);
                        else if (n < first_end + 8)
                                snprintf(want, sizeof(want), "inside a frame header (%zu of 8",
                                         n - first_end);
                        else
                                snprintf(want, sizeof(want),
                                         "%zu bytes short of the end of a 7-byte stderr frame",
                                         st->len - n);
                        ck_assert_msg(strstr(err.msg, want), "cut %zu: '%s' lacks '%s'", n, err.msg,
                                      want);
                }
        }
        free(st);
        free(cut);
        free(seen);
}
END_TEST

/* Stream type 3 carries an error from the engine: ESERVER with its text. */
START_TEST(test_engine_error_frame)
{
        struct stream *st = calloc(1, sizeof(*st));
        struct seen *seen = malloc(sizeof(*seen));
        struct berth_err err;
        size_t i;

        ck_assert_ptr_nonnull(st);
        ck_assert_ptr_nonnull(seen);
        add_frame(st, 1, "partial", 7);
        add_frame(st, 3, "container exited unexpectedly\n", 30);
        add_frame(st, 1, "never", 5);
        for (i = 0; i <= st->len; i++) {
                ck_assert_int_eq(feed_cut(seen, st, 0, &i, 1, &err), BERTH_ESERVER);
                ck_assert_str_eq(err.msg, "the engine reported an error in the stream: "
                                          "container exited unexpectedly");
                ck_assert_str_eq(seen->transcript, "1:partial");
        }
        free(st);
        free(seen);
}
END_TEST

/* A TTY's stream passes through untouched, header-like bytes included. */
START_TEST(test_raw_stream)
{
        struct stream *st = calloc(1, sizeof(*st));
        const char *text = "\x02\x01\x01\x01\xff\xff\xff\xff raw tty bytes\r\n";

        ck_assert_ptr_nonnull(st);
        st->len = strlen(text);
        memcpy(st->bytes, text, st->len);
        check_all_cuts(st, 1, "1:\x02\x01\x01\x01\xff\xff\xff\xff raw tty bytes\r\n");
        check_bytewise(st, 1, "1:\x02\x01\x01\x01\xff\xff\xff\xff raw tty bytes\r\n");
        free(st);
}
END_TEST

/* The callback asking to stop ends the feed with ECANCELLED. */
START_TEST(test_callback_stops)
{
        struct stream *st = calloc(1, sizeof(*st));
        struct seen *seen = malloc(sizeof(*seen));
        struct berth_err err;
        struct docker_demux d;

        ck_assert_ptr_nonnull(st);
        ck_assert_ptr_nonnull(seen);
        add_frame(st, 1, "one", 3);
        add_frame(st, 2, "two", 3);
        add_frame(st, 1, "three", 5);
        seen_init(seen);
        seen->stop_after = 2;
        docker_demux_init(&d, 0);
        ck_assert_int_eq(docker_demux_feed(&d, st->bytes, st->len, seen_fn, seen, &err),
                         BERTH_ECANCELLED);
        ck_assert_int_eq(seen->calls, 2);
        ck_assert_str_eq(seen->transcript, "1:one|2:two");
        free(seen);
        free(st);
}
END_TEST

START_TEST(test_collector_limits)
{
        struct docker_output o;

        docker_output_init(&o, 5);
        ck_assert_str_eq(docker_output_stdout(&o), "");
        ck_assert_str_eq(docker_output_stderr(&o), "");
        ck_assert_int_eq(docker_output_collect(DOCKER_STREAM_STDOUT, "abc", 3, &o), 0);
        ck_assert_int_eq(docker_output_collect(DOCKER_STREAM_STDERR, "xy", 2, &o), 0);
        ck_assert_int_eq(o.truncated, 0);
        ck_assert_int_eq(docker_output_collect(DOCKER_STREAM_STDOUT, "defg", 4, &o), 0);
        ck_assert_int_eq(o.truncated, 1);
        ck_assert_int_eq(docker_output_collect(DOCKER_STREAM_STDOUT, "h", 1, &o), 0);
        ck_assert_str_eq(docker_output_stdout(&o), "abcde");
        ck_assert_str_eq(docker_output_stderr(&o), "xy");
        docker_output_release(&o);

        docker_output_init(&o, 0);
        ck_assert_uint_eq(o.out.max, DOCKER_OUTPUT_DEFAULT_MAX);
        docker_output_release(&o);
}
END_TEST

static Suite *logs_suite(void)
{
        Suite *s = suite_create("logs");
        TCase *tc = tcase_create("demux");

        tcase_set_timeout(tc, 120);
        tcase_add_loop_test(tc, test_frames_split_everywhere, 0,
                            (int)(sizeof(frame_cases) / sizeof(frame_cases[0])));
        tcase_add_test(tc, test_empty_stream);
        tcase_add_test(tc, test_large_frame);
        tcase_add_test(tc, test_bad_stream_type);
        tcase_add_test(tc, test_tty_text_is_not_framed);
        tcase_add_test(tc, test_truncated_stream);
        tcase_add_test(tc, test_engine_error_frame);
        tcase_add_test(tc, test_raw_stream);
        tcase_add_test(tc, test_callback_stops);
        suite_add_tcase(s, tc);
        tc = tcase_create("collector");
        tcase_add_test(tc, test_collector_limits);
        suite_add_tcase(s, tc);
        return s;
}

int main(void)
{
        return bt_unit_main(logs_suite());
}
