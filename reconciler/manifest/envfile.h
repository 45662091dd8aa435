/* manifest/envfile.h - `.env` and `env_file` files: KEY=value lines, read
 * the way docker compose v2 reads them.
 *
 * Format (compose v2's dotenv parser, as far as sensible):
 *   - one `KEY=value` per line; blank lines and lines whose first non-blank
 *     character is `#` are ignored; a leading `export ` is ignored;
 *     blanks around `=` are ignored; a UTF-8 byte order mark at the start
 *     is skipped; `\r\n` line ends read as `\n`;
 *   - KEY is [A-Za-z_][A-Za-z0-9_.-]* (compose v2 also takes a leading
 *     digit and non-ASCII letters; berth does not);
 *   - an unquoted value runs to the end of the line, trailing blanks
 *     removed; a `#` after a blank starts a comment (`a#b` is kept whole);
 *     `KEY=` is the empty string;
 *   - '...' is literal (only `\'` is unescaped, to `'`), and may span lines;
 *   - "..." may span lines and knows \n \r \t \\ \" and \$ (a literal `$`);
 *     any other backslash is kept as written;
 *   - after a closing quote only blanks and a `# comment` may follow;
 *   - unquoted and double-quoted values are interpolated (interp.h) with
 *     opts->env first and then the keys set earlier in the same file, as
 *     compose v2 does; single-quoted values are not;
 *   - a key set twice keeps its first place in the order and the last value
 *     (and the last line);
 *   - a line that is only `KEY` (no `=`) is an error, except with
 *     ENVFILE_BARE_KEYS (env_file): KEY then takes its value from opts->env
 *     (environment over .env, as compose does), and is left out when that
 *     does not set it;
 *   - at most ENVFILE_MAX_SIZE bytes; no NUL bytes.
 *
 * Errors stop the parse: the error names file:line:col (err->file, line,
 * col; the message has no position).  Warnings (a value that uses an
 * unset variable) go to opts->diags as `file:line:col: message`.
 *
 * May not use: anything but libc, common/ and manifest/interp, manifest/diag.
 */
#ifndef BERTH_MANIFEST_ENVFILE_H
#define BERTH_MANIFEST_ENVFILE_H

#include <stddef.h>

struct berth_err;
struct diag_list;
struct interp_env;

#define ENVFILE_MAX_SIZE (1u << 20)

struct envfile_entry {
        char *key;   /* owned */
        char *value; /* owned, interpolated; never NULL */
        int line;    /* 1-based line of the assignment that set value */
};

struct envfile {
        char *path;              /* owned copy of the name given */
        struct envfile_entry *v; /* owned, v[0..n) in the order first set */
        size_t n, cap;
};

enum envfile_flags {
        ENVFILE_BARE_KEYS = 1 << 0,  /* `KEY` alone takes KEY from opts->env (env_file) */
        ENVFILE_MISSING_OK = 1 << 1, /* envfile_load: a missing file reads as empty (.env) */
};

struct envfile_opts {
        unsigned flags;          /* enum envfile_flags */
        struct interp_env *env;  /* what values and bare keys read; NULL: nothing */
        struct diag_list *diags; /* warnings; NULL: dropped */
};

/* Parse text[0..len) read from path (the name used in messages).  opts may
 * be NULL (no flags, no variables, no warnings).  On success *out is owned
 * by the caller: envfile_free() it.  BERTH_EINVALID (a syntax or
 * interpolation error, positioned), BERTH_ETOOBIG or BERTH_ENOMEM. */
int envfile_parse(struct envfile **out, const char *path, const char *text, size_t len,
                  const struct envfile_opts *opts, struct berth_err *err);

/* Read and parse the file at path.  A missing file is BERTH_ENOTFOUND
 * (`cannot read 'app.env': no such file`, no position: the caller puts the
 * manifest's in front) unless ENVFILE_MISSING_OK, which gives an empty
 * envfile.  A directory or other non-regular file, or one that cannot be
 * read, is BERTH_EIO; one over ENVFILE_MAX_SIZE is BERTH_ETOOBIG. */
int envfile_load(struct envfile **out, const char *path, const struct envfile_opts *opts,
                 struct berth_err *err);

void envfile_free(struct envfile *f); /* NULL is a no-op */

/* The value of key (borrowed), or NULL when the file does not set it. */
const char *envfile_get(const struct envfile *f, const char *key);

/* The `.env` of a manifest root: read path (missing is fine), with its
 * values interpolated from env, and add its variables to env under the
 * environment's (INTERP_FROM_DOTENV).  Warnings go to diags (may be NULL). */
int envfile_load_dotenv(struct interp_env *env, const char *path, struct diag_list *diags,
                        struct berth_err *err);

#endif
