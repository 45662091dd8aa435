/* yamlout.h - write a JSON value as YAML (block style, keys in the
 * object's order) with libyaml's emitter, for `berth config`.
 *
 * Strings that YAML would read as something else (true, null, 80, 1:30,
 * yes, "") are quoted, so the output reads back as the same data in YAML
 * 1.1 and 1.2 readers alike.
 *
 * May not use: anything but libc, libyaml, jansson and common/.
 */
#ifndef BERTH_COMMON_YAMLOUT_H
#define BERTH_COMMON_YAMLOUT_H

#include <stdio.h>

#include <jansson.h>

struct berth_err;

/* Write v as one YAML document to f (with a leading "---" when
 * explicit_start).  0, or BERTH_EIO. */
int yamlout_write(FILE *f, const json_t *v, int explicit_start, struct berth_err *err);

#endif
