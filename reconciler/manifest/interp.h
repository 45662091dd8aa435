/* manifest/interp.h - Compose variable interpolation: `$VAR`, `${VAR}`
 * and the `${VAR<op>word}` forms in manifest values, and the variables
 * they read (the process environment over the `.env` file).
 *
 * Syntax (the Compose Specification's "Interpolation" page; compose v2):
 *   $$               a literal `$`
 *   $NAME, ${NAME}   the value of NAME; unset is a warning and ""
 *   ${NAME:-word}    word when NAME is unset or empty
 *   ${NAME-word}     word when NAME is unset
 *   ${NAME:?word}    an error when NAME is unset or empty (word is the
 *   ${NAME?word}     message); `?` only when unset
 *   ${NAME:+word}    word when NAME is set and not empty, else ""
 *   ${NAME+word}     word when NAME is set, else ""
 * NAME is [A-Za-z_][A-Za-z0-9_]*.  word may itself hold interpolations
 * (`${A:-${B:-x}}`), nested at most INTERP_MAX_DEPTH deep; it ends at the
 * `}` that balances the opening one, counting every `{` inside as compose
 * does (`${A:-{x}}` gives `{x}`).  word is expanded only when it is used,
 * so an unused default warns about nothing, but its syntax is always
 * checked.
 *
 * A `$` followed by anything else (a space, a digit, `-`, the end of the
 * text) is kept as a literal `$`, as the Compose Specification says and
 * compose v2 does.  docker-compose 1.x rejects it ("Invalid interpolation
 * format"); berth follows the specification.  After `${`, anything but
 * the forms above is an error: `${`, `${}`, `${VAR`, `${1X}`, `${VAR:x}`,
 * `${VAR x}`.
 *
 * Messages (the caller puts "file:line:col: path: " in front):
 *   warning  variable 'TAG' is not set; using an empty string
 *   error    required variable TAG is missing a value: <word, expanded>
 *   error    required variable TAG is missing a value: set TAG in the
 *            environment or .env            (when word is empty)
 *   error    invalid interpolation '${1X}': ...
 * Each issue carries the byte offset of its `$` in the text interpolated.
 *
 * Only values are interpolated, never mapping keys: the Compose
 * Specification says "Interpolation applies only to YAML values, not to
 * keys" (manifest_interpolate follows it).
 *
 * May not use: anything but libc, common/ and manifest/diag, manifest/doc.
 */
#ifndef BERTH_MANIFEST_INTERP_H
#define BERTH_MANIFEST_INTERP_H

#include <stddef.h>

#include "manifest/diag.h"

struct berth_err;
struct doc;

/* How deep `${A:-${B:-...}}` may nest (the outermost `${` is depth 1). */
#define INTERP_MAX_DEPTH 16
/* Longest result of interpolating one text, in bytes. */
#define INTERP_MAX_RESULT (4u << 20)

/* ---- issues found while interpolating one text ---- */

struct interp_issue {
        enum diag_severity severity;
        size_t offset; /* of the `$` that caused it, in bytes from the start */
        char *message; /* owned; lower case, no full stop */
};

struct interp_report {
        struct interp_issue *v; /* owned, v[0..n) in the order found */
        size_t n, cap;
        size_t errors;  /* how many of v are DIAG_ERROR */
        size_t dropped; /* issues lost because memory ran out */
};

void interp_report_init(struct interp_report *r);
/* Frees every issue; the report is empty and usable again afterwards. */
void interp_report_release(struct interp_report *r);

/* ---- variables ---- */

enum interp_origin {
        INTERP_FROM_ENVIRONMENT, /* the process environment */
        INTERP_FROM_DOTENV,      /* the .env file of the manifest root */
};

/* The variables interpolation reads: the process environment (copied at
 * interp_env_new, so later setenv() calls do not change a run) and, under
 * it, the .env values (a name the environment sets keeps the environment's
 * value, as compose does).  It also records which names were looked up,
 * set or not, in the order first used, for `berth config`. */
struct interp_env;

/* environ is a NULL-terminated array of "NAME=value" (pass `environ`, or
 * NULL for none); entries without '=' are skipped and the first of two
 * equal names wins, as getenv() does.  On success *out is owned by the
 * caller: interp_env_free() it.  0 or BERTH_ENOMEM. */
int interp_env_new(struct interp_env **out, const char *const *environ, struct berth_err *err);
void interp_env_free(struct interp_env *env); /* NULL is a no-op */

/* Add name=value from origin (both copied).  A name the environment set
 * is not replaced by INTERP_FROM_DOTENV; anything else is.  0 or
 * BERTH_ENOMEM. */
int interp_env_set(struct interp_env *env, const char *name, const char *value,
                   enum interp_origin origin, struct berth_err *err);

/* The value of name[0..len) (borrowed, valid until env changes) or NULL
 * when unset; *origin (may be NULL) says where it came from.  Does not
 * record a use. */
const char *interp_env_lookup(const struct interp_env *env, const char *name, size_t len,
                              enum interp_origin *origin);

/* interp_env_lookup() that also records the use of name. */
const char *interp_env_get(struct interp_env *env, const char *name, size_t len);

/* The names looked up with interp_env_get() so far, each once, in the
 * order first used: i in [0, interp_env_uses()).  Borrowed. */
size_t interp_env_uses(const struct interp_env *env);
const char *interp_env_use(const struct interp_env *env, size_t i);

/* ---- interpolating ---- */

/* Where interp_expand() finds variables: the value of name[0..len)
 * (borrowed, valid until the call returns) or NULL when it is unset. */
typedef const char *(*interp_get_fn)(void *ctx, const char *name, size_t len);

/* Interpolate in[0..len) (which may hold NUL bytes only if the caller
 * wants them copied).  Issues are appended to rep (may be NULL).
 *
 * Returns 0 and sets *out (owned by the caller, free() it; NUL-terminated,
 * *out_len its length when out_len is not NULL) when no error was found;
 * warnings may have been added.  Otherwise *out is NULL and the return is
 * BERTH_EINVALID (errors added to rep: every error in the text, not only
 * the first), BERTH_ETOOBIG (result over INTERP_MAX_RESULT) or
 * BERTH_ENOMEM; the last two also add an error to rep at offset 0. */
int interp_expand(char **out, size_t *out_len, const char *in, size_t len, interp_get_fn get,
                  void *ctx, struct interp_report *rep);

/* interp_expand() of the string in with the variables of env (recording
 * each name used). */
int interp_string(char **out, const char *in, struct interp_env *env, struct interp_report *rep);

/* ---- a whole document ---- */

/* Interpolate every scalar value of d in place (mapping keys are left as
 * written), appending warnings and errors to diags as
 *     file:line:col: services.web.image: message
 * The column: for a plain scalar on one line, the scalar's column plus the
 * characters before the `$` in it, i.e. the `$` itself in the file; for
 * quoted and block scalars, whose text differs from the source (escapes,
 * folding), the scalar's own position.  (The tree does not say whether a
 * plain scalar was folded from several lines; a plain scalar that was is
 * reported as if on one line.)
 *
 * A plain scalar is typed by the YAML core schema after interpolation, as
 * compose casts interpolated values (`replicas: ${N:-2}` is the integer
 * 2), except that an empty result stays the empty string (compose gives
 * "", not null): the node is then tagged !!str.
 *
 * Returns 0 when no error was added (scalars with errors keep their text),
 * BERTH_EINVALID when errors were added (err holds the first), or
 * BERTH_ENOMEM. */
int manifest_interpolate(struct doc *d, struct interp_env *env, struct diag_list *diags,
                         struct berth_err *err);

#endif
