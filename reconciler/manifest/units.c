/* Durations, sizes and CPU counts: exact integer parsing (no floating
 * point, so 0.1 CPUs is 100000000 nano-CPUs and not one off). */
#include "manifest/units.h"

#include <stddef.h>
#include <string.h>

#include "common/err.h"

#define DURATION_HINT "write it like 30s, 1m30s or 500ms"
#define SIZE_HINT "write bytes as a number, or like 512m, 1g, 64k"

static int is_digit(char c)
{
        return c >= '0' && c <= '9';
}

static int lower(char c)
{
        return c >= 'A' && c <= 'Z' ? c - 'A' + 'a' : c;
}

/* Digits [s, e) as a whole number; -1 when it does not fit in int64. */
static int digits_value(uint64_t *out, const char *s, const char *e)
{
        uint64_t v = 0;

        for (; s < e; s++) {
                if (v > ((uint64_t)INT64_MAX - (uint64_t)(*s - '0')) / 10)
                        return -1;
                v = v * 10 + (uint64_t)(*s - '0');
        }
        *out = v;
        return 0;
}

/* floor(0.DIGITS * unit) for the fraction digits [s, e), exactly: Horner's
 * rule from the last digit, each step floor((d * unit + x) / 10), which
 * equals flooring once at the end.  unit * 10 must fit in uint64. */
static uint64_t fraction_of(const char *s, const char *e, uint64_t unit)
{
        uint64_t x = 0;

        while (e > s) {
                e--;
                x = ((uint64_t)(*e - '0') * unit + x) / 10;
        }
        return x;
}

/* A decimal NUMBER at *s: digits, then an optional '.' and digits, at
 * least one digit in all (strict: digits on both sides of a '.').  Sets
 * the digit spans and moves *s past it; -1 when there is no number. */
static int scan_decimal(const char **s, const char **ws, const char **we, const char **fs,
                        const char **fe, int strict)
{
        const char *p = *s;
        int dot = 0;

        *ws = p;
        while (is_digit(*p))
                p++;
        *we = p;
        *fs = *fe = p;
        if (*p == '.') {
                dot = 1;
                *fs = ++p;
                while (is_digit(*p))
                        p++;
                *fe = p;
        }
        if (*we == *ws && *fe == *fs)
                return -1;
        if (strict && (*we == *ws || (dot && *fe == *fs)))
                return -1;
        *s = p;
        return 0;
}

static const struct {
        const char *name;
        uint64_t ns;
} duration_units[] = {
    {"ns", 1},           {"us", 1000},         {"\xc2\xb5s", 1000}, /* µs, U+00B5 micro sign */
    {"\xce\xbcs", 1000},                                            /* μs, U+03BC greek mu */
    {"ms", 1000000},     {"s", 1000000000ULL}, {"m", 60000000000ULL}, {"h", 3600000000000ULL},
};

int units_duration_parse(int64_t *out, const char *text, struct berth_err *err)
{
        const char *s = text, *ws, *we, *fs, *fe, *us;
        uint64_t total = 0, whole, unit, v;
        size_t i, ulen;

        if (!*text)
                return berth_err_set(err, BERTH_EINVALID,
                                     "a duration cannot be empty (" DURATION_HINT ")");
        if (strcmp(text, "0") == 0) {
                *out = 0;
                return 0;
        }
        while (*s) {
                if (scan_decimal(&s, &ws, &we, &fs, &fe, 0) < 0)
                        return berth_err_set(err, BERTH_EINVALID,
                                             "'%s' is not a duration (" DURATION_HINT ")", text);
                for (us = s; *s && *s != '.' && !is_digit(*s); s++)
                        ;
                ulen = (size_t)(s - us);
                if (!ulen)
                        return berth_err_set(err, BERTH_EINVALID,
                                             "'%s' is not a duration: missing unit after '%.*s' "
                                             "(use ns, us, ms, s, m or h)",
                                             text, (int)(fe - ws), ws);
                unit = 0;
                for (i = 0; i < sizeof(duration_units) / sizeof(duration_units[0]); i++)
                        if (strlen(duration_units[i].name) == ulen &&
                            memcmp(duration_units[i].name, us, ulen) == 0)
                                unit = duration_units[i].ns;
                if (!unit)
                        return berth_err_set(err, BERTH_EINVALID,
                                             "'%s' is not a duration: unknown unit '%.*s' "
                                             "(use ns, us, ms, s, m or h)",
                                             text, (int)ulen, us);
                if (digits_value(&whole, ws, we) < 0 || whole > (uint64_t)INT64_MAX / unit)
                        goto range;
                v = whole * unit + fraction_of(fs, fe, unit);
                if (v > (uint64_t)INT64_MAX - total)
                        goto range;
                total += v;
        }
        *out = (int64_t)total;
        return 0;
range:
        return berth_err_set(err, BERTH_EINVALID,
                             "'%s' is out of range for a duration (at most about 292 years)", text);
}

int units_size_parse(int64_t *out, const char *text, struct berth_err *err)
{
        static const char letters[] = "kmgtp";
        const char *s = text, *ws, *we, *fs, *fe, *l;
        uint64_t mult = 1, whole, v;
        int k;

        if (scan_decimal(&s, &ws, &we, &fs, &fe, 1) < 0)
                goto bad;
        if (*s == ' ')
                s++;
        if (*s && (l = strchr(letters, lower(*s)))) {
                for (k = 0; k <= l - letters; k++)
                        mult *= 1024;
                s++;
                if (lower(*s) == 'i')
                        s++;
        }
        if (lower(*s) == 'b')
                s++;
        if (*s)
                goto bad;
        if (digits_value(&whole, ws, we) < 0 || whole > (uint64_t)INT64_MAX / mult)
                goto range;
        v = whole * mult + fraction_of(fs, fe, mult);
        if (v > (uint64_t)INT64_MAX)
                goto range;
        *out = (int64_t)v;
        return 0;
bad:
        return berth_err_set(err, BERTH_EINVALID, "'%s' is not a size (" SIZE_HINT ")", text);
range:
        return berth_err_set(err, BERTH_EINVALID, "'%s' is out of range for a size", text);
}

int units_cpus_parse(int64_t *out, const char *text, struct berth_err *err)
{
        char digits[64];
        const char *s = text, *ws, *we, *fs, *fe, *p;
        size_t n = 0;
        long exp = 0, shift;
        int neg = 0;
        uint64_t v;

        if (scan_decimal(&s, &ws, &we, &fs, &fe, 0) < 0)
                goto bad;
        if (*s == 'e' || *s == 'E') {
                s++;
                if (*s == '+' || *s == '-')
                        neg = *s++ == '-';
                if (!is_digit(*s))
                        goto bad;
                for (; is_digit(*s); s++)
                        if (exp < 10000)
                                exp = exp * 10 + (*s - '0');
                if (neg)
                        exp = -exp;
        }
        if (*s)
                goto bad;
        while (fe > fs && fe[-1] == '0')
                fe--;
        /* the significant digits (leading zeros dropped) and where the
         * decimal point goes: value = DIGITS * 10^shift nano-CPUs */
        for (p = ws; p < fe; p++) {
                if (p == we)
                        p = fs;
                if (p == fe)
                        break;
                if (n == 0 && *p == '0')
                        continue;
                if (n == sizeof(digits))
                        goto range;
                digits[n++] = *p;
        }
        shift = exp - (long)(fe - fs) + 9;
        while (shift < 0 && n > 0) {
                if (digits[n - 1] != '0')
                        return berth_err_set(err, BERTH_EINVALID,
                                             "'%s' is too precise a number of CPUs (at most 9 "
                                             "decimal places)",
                                             text);
                n--;
                shift++;
        }
        if (digits_value(&v, digits, digits + n) < 0)
                goto range;
        for (; v && shift > 0; shift--) {
                if (v > (uint64_t)INT64_MAX / 10)
                        goto range;
                v *= 10;
        }
        *out = (int64_t)v;
        return 0;
bad:
        return berth_err_set(err, BERTH_EINVALID, "'%s' is not a number of CPUs (like 0.5 or 2)",
                             text);
range:
        return berth_err_set(err, BERTH_EINVALID, "'%s' is out of range for a number of CPUs",
                             text);
}
