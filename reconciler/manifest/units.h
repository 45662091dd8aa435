/* manifest/units.h - the unit syntaxes of manifest values: durations,
 * sizes and CPU counts, each parsed to the integer the model keeps.
 *
 * Each parser is a pure function of its text.  On error it returns
 * BERTH_EINVALID and says what is wrong in err->msg, without a position
 * (the caller puts "file:line:col: path: " in front), e.g.
 *     '1x' is not a duration: unknown unit 'x' (use ns, us, ms, s, m or h)
 *
 * May not use: anything but libc and common/err.
 */
#ifndef BERTH_MANIFEST_UNITS_H
#define BERTH_MANIFEST_UNITS_H

#include <stdint.h>

struct berth_err;

/* A Go duration (what Compose reads): one or more NUMBER UNIT pairs,
 * NUMBER a decimal with an optional fraction (1, 1.5, .5), UNIT one of ns,
 * us (or µs), ms, s, m, h; "0" alone is zero.  `1m30s`, `500ms`, `1.5h`,
 * `2h45m`.  No sign: a negative duration is an error.  Fractions are exact
 * (truncated to whole nanoseconds).  *out in nanoseconds; more than
 * INT64_MAX ns (about 292 years) is an error. */
int units_duration_parse(int64_t *out, const char *text, struct berth_err *err);

/* A size as docker reads one (go-units RAMInBytes): a decimal NUMBER with
 * an optional fraction, an optional blank, an optional unit letter b, k,
 * m, g, t or p (any case; k = 1024, m = 1024^2, ...), then an optional
 * `i` (after a unit letter) and an optional `b`: 1024, 100b, 64k, 512m,
 * 1.5g, 2gb, 1GiB.  The result is truncated to whole bytes, as docker
 * does.  More than INT64_MAX bytes is an error. */
int units_size_parse(int64_t *out, const char *text, struct berth_err *err);

/* A number of CPUs as docker's --cpus reads it, to nano-CPUs: a decimal
 * with an optional fraction and an optional exponent (0.5, 2, 1.25, .5,
 * 1e-3).  The value is exact: 0.5 is 500000000; one that is not a whole
 * number of nano-CPUs (more than 9 decimal places) is an error, as it is
 * for docker ("too precise").  Negative values are errors. */
int units_cpus_parse(int64_t *out, const char *text, struct berth_err *err);

#endif
