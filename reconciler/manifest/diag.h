/* manifest/diag.h - a list of diagnostics: the problems found in the
 * manifests, each with the place it was written.
 *
 * Every layer that reads manifests (scan, YAML loading, interpolation,
 * schema validation) appends to one struct diag_list, so the user sees all
 * the problems of a run at once, sorted by file and position, instead of
 * fixing them one at a time.  The list owns copies of everything added to
 * it: the file name, path and message strings passed in may be freed
 * right after the call.
 *
 * A formatted diagnostic reads
 *     manifests/shop.yaml:9:3: services.web.ports[1]: message
 *     manifests/shop.yaml:9:3: warning: services.web: message
 * with "line:col" left out when the line is 0 (a problem with the whole
 * file) and "path: " left out when the path is empty.
 *
 * May not use: anything but libc and common/err.
 */
#ifndef BERTH_MANIFEST_DIAG_H
#define BERTH_MANIFEST_DIAG_H

#include <stdarg.h>
#include <stddef.h>

enum diag_severity {
        DIAG_ERROR,
        DIAG_WARNING,
};

struct diag {
        enum diag_severity severity;
        char *file;    /* as the user named it: "manifests/shop.yaml"; never NULL */
        int line, col; /* 1-based; 0 when the problem is the whole file */
        char *path;    /* "services.web.ports[1]", "" at the YAML layer; never NULL */
        char *message; /* lower case, no full stop; never NULL */
        size_t seq;    /* order of addition: keeps diag_list_sort() stable */
};

struct diag_list {
        struct diag *v; /* owned, v[0..n) */
        size_t n, cap;
        size_t errors;  /* how many of v are DIAG_ERROR */
        size_t dropped; /* entries lost because memory ran out */
};

void diag_list_init(struct diag_list *l);
/* Frees every entry; the list is empty and usable again afterwards. */
void diag_list_release(struct diag_list *l);

/* Append one diagnostic (message printf-style).  file and path may be NULL
 * (stored as "").  Adding never fails visibly: when memory runs out the
 * entry is counted in l->dropped, and an error still counts in l->errors,
 * so a caller that checks diag_list_errors() never mistakes an out of
 * memory for a clean file. */
void diag_add(struct diag_list *l, enum diag_severity sev, const char *file, int line, int col,
              const char *path, const char *fmt, ...) __attribute__((format(printf, 7, 8)));
void diag_addv(struct diag_list *l, enum diag_severity sev, const char *file, int line, int col,
               const char *path, const char *fmt, va_list ap) __attribute__((format(printf, 7, 0)));

/* Drop the entries from n on (those added after l->n was n), for a caller
 * that says the same thing better; n above l->n is a no-op. */
void diag_list_truncate(struct diag_list *l, size_t n);

/* Number of DIAG_ERROR entries added since the last release. */
size_t diag_list_errors(const struct diag_list *l);

/* Sort by file (byte order), line, column, then order of addition. */
void diag_list_sort(struct diag_list *l);

/* The line shown to the user (format above), cut to fit size; returns buf. */
const char *diag_format(const struct diag *d, char *buf, size_t size);

/* Every entry formatted, each line ending in '\n' ("" for an empty list),
 * in list order; malloc'd (free() it), NULL on ENOMEM. */
char *diag_list_format(const struct diag_list *l);

/* Copy d into err (code, message with the path in front, position) for
 * callers that report one problem; returns code. */
struct berth_err;
int diag_to_err(struct berth_err *err, int code, const struct diag *d);

#endif
