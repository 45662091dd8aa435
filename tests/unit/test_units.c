/* Durations, sizes and CPU counts: tables of text -> value, and of text ->
 * the exact error message. */
#include <stdint.h>
#include <string.h>

#include "berth_test.h"
#include "common/err.h"
#include "manifest/units.h"

typedef int (*parse_fn)(int64_t *out, const char *text, struct berth_err *err);

static void value_is(parse_fn parse, const char *text, int64_t want)
{
        struct berth_err err;
        int64_t v = -1;

        ck_assert_msg(parse(&v, text, &err) == 0, "%s: %s", text, err.msg);
        ck_assert_msg(v == want, "%s: got %lld, want %lld", text, (long long)v, (long long)want);
}

static void error_is(parse_fn parse, const char *text, const char *msg)
{
        struct berth_err err;
        int64_t v = 42;

        ck_assert_int_eq(parse(&v, text, &err), BERTH_EINVALID);
        ck_assert_str_eq(err.msg, msg);
        ck_assert_int_eq(v, 42); /* untouched on error */
}

#define S 1000000000LL
#define MS 1000000LL
#define US 1000LL
#define MIN (60 * S)
#define H (60 * MIN)

static const struct {
        const char *text;
        int64_t ns;
} durations[] = {
    {"0", 0},
    {"0s", 0},
    {"1ns", 1},
    {"10us", 10 * US},
    {"10\xc2\xb5s", 10 * US},
    {"10\xce\xbcs", 10 * US},
    {"500ms", 500 * MS},
    {"1s", S},
    {"30s", 30 * S},
    {"1.5s", 1500 * MS},
    {".5s", 500 * MS},
    {"5.s", 5 * S},
    {"1m30s", 90 * S},
    {"1m30.5s", 90 * S + 500 * MS},
    {"1.5h", 90 * MIN},
    {"2h45m", 2 * H + 45 * MIN},
    {"1h1m1s1ms1us1ns", H + MIN + S + MS + US + 1},
    {"1s1s", 2 * S},
    {"0.000000001s", 1},
    {"0.0000000019s", 1},       /* truncated, as Go does */
    {"1.0000000001h", H + 360}, /* 0.0000000001 h is 360 ns */
    {"0.1h", 6 * MIN},
    {"2562047h47m16.854775807s", INT64_MAX},
    {"9223372036854775807ns", INT64_MAX},
};

START_TEST(duration_values)
{
        value_is(units_duration_parse, durations[_i].text, durations[_i].ns);
}
END_TEST

static const struct {
        const char *text;
        const char *msg;
} duration_errors[] = {
    {"", "a duration cannot be empty (write it like 30s, 1m30s or 500ms)"},
    {"30", "'30' is not a duration: missing unit after '30' (use ns, us, ms, s, m or h)"},
    {"1m30", "'1m30' is not a duration: missing unit after '30' (use ns, us, ms, s, m or h)"},
    {"1x", "'1x' is not a duration: unknown unit 'x' (use ns, us, ms, s, m or h)"},
    {"1sec", "'1sec' is not a duration: unknown unit 'sec' (use ns, us, ms, s, m or h)"},
    {"1 s", "'1 s' is not a duration: unknown unit ' s' (use ns, us, ms, s, m or h)"},
    {"-1s", "'-1s' is not a duration (write it like 30s, 1m30s or 500ms)"},
    {"s", "'s' is not a duration (write it like 30s, 1m30s or 500ms)"},
    {".s", "'.s' is not a duration (write it like 30s, 1m30s or 500ms)"},
    {"1.2.3s", "'1.2.3s' is not a duration: missing unit after '1.2' (use ns, us, ms, s, m or h)"},
    {"2562047h47m16.854775808s",
     "'2562047h47m16.854775808s' is out of range for a duration (at most about 292 years)"},
    {"9223372036854775808ns",
     "'9223372036854775808ns' is out of range for a duration (at most about 292 years)"},
    {"3000000h", "'3000000h' is out of range for a duration (at most about 292 years)"},
    {"99999999999999999999999s",
     "'99999999999999999999999s' is out of range for a duration (at most about 292 years)"},
};

START_TEST(duration_errors_say_why)
{
        error_is(units_duration_parse, duration_errors[_i].text, duration_errors[_i].msg);
}
END_TEST

#define K 1024LL
#define M (1024 * K)
#define G (1024 * M)

static const struct {
        const char *text;
        int64_t bytes;
} sizes[] = {
    {"0", 0},
    {"1024", 1024},
    {"100b", 100},
    {"100B", 100},
    {"64k", 64 * K},
    {"64K", 64 * K},
    {"64kb", 64 * K},
    {"64KiB", 64 * K},
    {"512m", 512 * M},
    {"512MB", 512 * M},
    {"1g", G},
    {"2gb", 2 * G},
    {"1.5g", G + G / 2},
    {"0.5k", 512},
    {"1.1k", 1126}, /* 1126.4, truncated as docker does */
    {"1 g", G},
    {"1t", 1024 * G},
    {"1p", 1024 * 1024 * G},
    {"7.99999p", 9007187995741923LL},
    {"9223372036854775807", INT64_MAX},
    {"8191.999999p", 9223372035728875901LL},
};

START_TEST(size_values)
{
        value_is(units_size_parse, sizes[_i].text, sizes[_i].bytes);
}
END_TEST

static const struct {
        const char *text;
        const char *msg;
} size_errors[] = {
    {"", "'' is not a size (write bytes as a number, or like 512m, 1g, 64k)"},
    {"m", "'m' is not a size (write bytes as a number, or like 512m, 1g, 64k)"},
    {"1x", "'1x' is not a size (write bytes as a number, or like 512m, 1g, 64k)"},
    {"1mm", "'1mm' is not a size (write bytes as a number, or like 512m, 1g, 64k)"},
    {"1bb", "'1bb' is not a size (write bytes as a number, or like 512m, 1g, 64k)"},
    {"1ib", "'1ib' is not a size (write bytes as a number, or like 512m, 1g, 64k)"},
    {".5g", "'.5g' is not a size (write bytes as a number, or like 512m, 1g, 64k)"},
    {"1.g", "'1.g' is not a size (write bytes as a number, or like 512m, 1g, 64k)"},
    {"1.2.3g", "'1.2.3g' is not a size (write bytes as a number, or like 512m, 1g, 64k)"},
    {"-1", "'-1' is not a size (write bytes as a number, or like 512m, 1g, 64k)"},
    {"1  g", "'1  g' is not a size (write bytes as a number, or like 512m, 1g, 64k)"},
    {"9223372036854775808", "'9223372036854775808' is out of range for a size"},
    {"8192p", "'8192p' is out of range for a size"},
};

START_TEST(size_errors_say_why)
{
        error_is(units_size_parse, size_errors[_i].text, size_errors[_i].msg);
}
END_TEST

static const struct {
        const char *text;
        int64_t nano;
} cpus[] = {
    {"0", 0},
    {"0.5", 500000000},
    {"1.25", 1250000000},
    {"2", 2000000000},
    {".5", 500000000},
    {"0.1", 100000000},
    {"0.000000001", 1},
    {"1.500000000000", 1500000000},
    {"1e-3", 1000000},
    {"1.5E1", 15000000000LL},
    {"32", 32000000000LL},
    {"9223372036.854775807", INT64_MAX},
    {"000.5", 500000000},
};

START_TEST(cpus_values)
{
        value_is(units_cpus_parse, cpus[_i].text, cpus[_i].nano);
}
END_TEST

static const struct {
        const char *text;
        const char *msg;
} cpus_errors[] = {
    {"", "'' is not a number of CPUs (like 0.5 or 2)"},
    {"-1", "'-1' is not a number of CPUs (like 0.5 or 2)"},
    {"half", "'half' is not a number of CPUs (like 0.5 or 2)"},
    {"1/2", "'1/2' is not a number of CPUs (like 0.5 or 2)"},
    {"1e", "'1e' is not a number of CPUs (like 0.5 or 2)"},
    {"0.0000000001", "'0.0000000001' is too precise a number of CPUs (at most 9 decimal places)"},
    {"1e-10", "'1e-10' is too precise a number of CPUs (at most 9 decimal places)"},
    {"9223372036.854775808", "'9223372036.854775808' is out of range for a number of CPUs"},
    {"1e20", "'1e20' is out of range for a number of CPUs"},
};

START_TEST(cpus_errors_say_why)
{
        error_is(units_cpus_parse, cpus_errors[_i].text, cpus_errors[_i].msg);
}
END_TEST

#define N(a) (int)(sizeof(a) / sizeof((a)[0]))

int main(void)
{
        Suite *s = suite_create("units");
        TCase *tc = tcase_create("units");

        tcase_add_loop_test(tc, duration_values, 0, N(durations));
        tcase_add_loop_test(tc, duration_errors_say_why, 0, N(duration_errors));
        tcase_add_loop_test(tc, size_values, 0, N(sizes));
        tcase_add_loop_test(tc, size_errors_say_why, 0, N(size_errors));
        tcase_add_loop_test(tc, cpus_values, 0, N(cpus));
        tcase_add_loop_test(tc, cpus_errors_say_why, 0, N(cpus_errors));
        suite_add_tcase(s, tc);
        return bt_unit_main(s);
}
