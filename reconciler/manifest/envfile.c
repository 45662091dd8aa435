#include "manifest/envfile.h"

#include <errno.h>
#include <stdarg.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>

#include "common/buf.h"
#include "common/err.h"
#include "manifest/diag.h"
#include "manifest/interp.h"

struct parser {
        const char *path;
        const char *text;
        size_t len;
        size_t pos;
        int line; /* of pos */
        const struct envfile_opts *opts;
        struct envfile *f;
        struct berth_err *err;
        /* Where the statement being parsed starts, and a cursor that
         * turns byte offsets after it into line:col (see where()). */
        size_t stmt_pos;
        int stmt_line, stmt_col;
        size_t cur_pos;
        int cur_line, cur_col;
};

static int is_blank(char c)
{
        return c == ' ' || c == '\t' || c == '\r' || c == '\f' || c == '\v';
}

static int key_start(char c)
{
        return (c >= 'A' && c <= 'Z') || (c >= 'a' && c <= 'z') || c == '_';
}

static int key_char(char c)
{
        return key_start(c) || (c >= '0' && c <= '9') || c == '.' || c == '-';
}

/* The line and column (in characters) of text[at].  Positions asked for
 * mostly move forward, so the cursor walks on from the last answer and
 * restarts at the statement only when asked for an earlier one. */
static void where(struct parser *p, size_t at, int *line, int *col)
{
        if (at < p->cur_pos) {
                p->cur_pos = p->stmt_pos;
                p->cur_line = p->stmt_line;
                p->cur_col = p->stmt_col;
        }
        for (; p->cur_pos < at; p->cur_pos++) {
                unsigned char c = (unsigned char)p->text[p->cur_pos];

                if (c == '\n') {
                        p->cur_line++;
                        p->cur_col = 1;
                } else if ((c & 0xc0) != 0x80) {
                        p->cur_col++;
                }
        }
        *line = p->cur_line;
        *col = p->cur_col;
}

static int fail_at(struct parser *p, size_t at, int code, const char *fmt, ...)
    __attribute__((format(printf, 4, 5)));

static int fail_at(struct parser *p, size_t at, int code, const char *fmt, ...)
{
        char msg[sizeof(p->err->msg)];
        va_list ap;
        int line, col;

        va_start(ap, fmt);
        vsnprintf(msg, sizeof(msg), fmt, ap);
        va_end(ap);
        where(p, at, &line, &col);
        berth_err_set(p->err, code, "%s", msg);
        berth_err_at(p->err, p->path, line, col);
        return code;
}

static int oom(struct parser *p)
{
        return berth_err_set(p->err, BERTH_ENOMEM, "out of memory reading '%s'", p->path);
}

/* c as messages show it: `'x'`, or `byte 0x0a` when it is not printable. */
static const char *char_name(char c, char buf[16])
{
        unsigned char u = (unsigned char)c;

        if (u > 0x20 && u < 0x7f)
                snprintf(buf, 16, "'%c'", c);
        else
                snprintf(buf, 16, "byte 0x%02x", u);
        return buf;
}

static struct envfile_entry *entry_find(const struct envfile *f, const char *key, size_t len)
{
        size_t i;

        for (i = 0; i < f->n; i++)
                if (strncmp(f->v[i].key, key, len) == 0 && f->v[i].key[len] == '\0')
                        return &f->v[i];
        return NULL;
}

/* Set key[0..klen) to value (taken over, also on failure). */
static int entry_set(struct parser *p, const char *key, size_t klen, char *value, int line)
{
        struct envfile *f = p->f;
        struct envfile_entry *e = entry_find(f, key, klen);
        char *k;

        if (e) {
                free(e->value);
                e->value = value;
                e->line = line;
                return 0;
        }
        if (f->n == f->cap) {
                size_t cap = f->cap ? f->cap * 2 : 16;
                struct envfile_entry *v =
                    cap < SIZE_MAX / sizeof(*v) ? realloc(f->v, cap * sizeof(*v)) : NULL;

                if (!v) {
                        free(value);
                        return oom(p);
                }
                f->v = v;
                f->cap = cap;
        }
        k = malloc(klen + 1);
        if (!k) {
                free(value);
                return oom(p);
        }
        memcpy(k, key, klen);
        k[klen] = '\0';
        f->v[f->n++] = (struct envfile_entry){.key = k, .value = value, .line = line};
        return 0;
}

/* Variables for values: the caller's first, then this file's so far. */
static const char *lookup(void *ctx, const char *name, size_t len)
{
        struct parser *p = ctx;
        const char *v = p->opts->env ? interp_env_get(p->opts->env, name, len) : NULL;
        const struct envfile_entry *e;

        if (v)
                return v;
        e = entry_find(p->f, name, len);
        return e ? e->value : NULL;
}

/* Interpolate the template t[0..n), whose byte i was written at
 * text[map ? map[i] : base + i], into *value. */
static int interpolate(struct parser *p, char **value, const char *t, size_t n, const size_t *map,
                       size_t base)
{
        struct interp_report rep;
        size_t i;
        int r, first_error = 1;

        interp_report_init(&rep);
        r = interp_expand(value, NULL, t, n, lookup, p, &rep);
        for (i = 0; i < rep.n; i++) {
                const struct interp_issue *is = &rep.v[i];
                size_t at = is->offset < n ? (map ? map[is->offset] : base + is->offset) : base;
                int line, col;

                if (is->severity == DIAG_ERROR && first_error) {
                        first_error = 0;
                        r = fail_at(p, at, r, "%s", is->message);
                } else if (is->severity == DIAG_WARNING && p->opts->diags) {
                        where(p, at, &line, &col);
                        diag_add(p->opts->diags, DIAG_WARNING, p->path, line, col, "", "%s",
                                 is->message);
                }
        }
        if (r < 0 && first_error)
                r = oom(p);
        interp_report_release(&rep);
        return r;
}

static int value_unquoted(struct parser *p, char **value)
{
        const char *t = p->text;
        const char *nl = memchr(t + p->pos, '\n', p->len - p->pos);
        size_t start = p->pos, eol = nl ? (size_t)(nl - t) : p->len, end = eol, i;

        for (i = start + 1; i < eol; i++) {
                if (t[i] == '#' && (t[i - 1] == ' ' || t[i - 1] == '\t')) {
                        end = i;
                        break;
                }
        }
        while (end > start && is_blank(t[end - 1]))
                end--;
        p->pos = eol;
        return interpolate(p, value, t + start, end - start, NULL, start);
}

/* The index of the quote that closes the one at open, or len when none
 * does: a backslash always takes the next character with it. */
static size_t closing_quote(const char *t, size_t open, size_t len)
{
        size_t i;

        for (i = open + 1; i < len && t[i] != t[open]; i++)
                if (t[i] == '\\')
                        i++;
        return i < len ? i : len;
}

/* A quoted value at p->pos.  '...' is taken literally but for \';
 * "..." has its escapes applied and is interpolated, each template byte
 * mapped back to where it was written for the messages. */
static int value_quoted(struct parser *p, char **value, const char *key, size_t klen)
{
        const char *t = p->text;
        char q = t[p->pos];
        size_t open = p->pos, close = closing_quote(t, open, p->len), i, n = 0, *map = NULL;
        struct berth_buf b;
        char ch[16];
        int r = 0;

        if (close == p->len)
                return fail_at(p, open, BERTH_EINVALID,
                               "the value of '%.*s' has no closing %s: add one, or quote the "
                               "value the other way",
                               (int)klen, key, char_name(q, ch));
        berth_buf_init(&b, 2 * (close - open) + 1);
        if (q == '"' && !(map = malloc((2 * (close - open) + 1) * sizeof(*map))))
                return oom(p);
        for (i = open + 1; i < close; i++) {
                const char *add = t + i;
                size_t addlen = 1, src = i;
                char e = t[i + 1]; /* t[close] at worst */

                if (t[i] == '\r' && e == '\n')
                        continue;
                if (t[i] == '\n')
                        p->line++;
                if (t[i] == '\\' && q == '\'') {
                        add = e == '\'' ? t + i + 1 : t + i; /* \' is ', \x stays \x */
                        addlen = e == '\'' ? 1 : 2;
                        p->line += e == '\n';
                        i++;
                } else if (t[i] == '\\' && (e == 'n' || e == 'r' || e == 't')) {
                        add = e == 'n' ? "\n" : e == 'r' ? "\r" : "\t";
                        i++;
                } else if (t[i] == '\\' && (e == '\\' || e == '"')) {
                        add = t + ++i;
                } else if (t[i] == '\\' && e == '$') {
                        add = "$$"; /* a literal `$` to the interpolator */
                        addlen = 2;
                        i++;
                }
                if (berth_buf_add(&b, add, addlen) < 0) {
                        r = oom(p);
                        goto out;
                }
                if (map) {
                        map[n++] = src;
                        if (addlen == 2)
                                map[n++] = src + 1;
                }
        }
        p->pos = close + 1;
        while (p->pos < p->len && is_blank(t[p->pos]))
                p->pos++;
        if (p->pos < p->len && t[p->pos] != '\n' && t[p->pos] != '#') {
                r = fail_at(p, p->pos, BERTH_EINVALID,
                            "unexpected %s after the quoted value of '%.*s'; only a '# comment' "
                            "may follow it",
                            char_name(t[p->pos], ch), (int)klen, key);
                goto out;
        }
        if (q == '"') {
                r = interpolate(p, value, b.data ? b.data : "", b.len, map, open);
        } else {
                *value = berth_buf_steal(&b);
                if (!*value)
                        r = oom(p);
        }
out:
        free(map);
        berth_buf_release(&b);
        return r;
}

static int statement(struct parser *p)
{
        const char *t = p->text;
        size_t key, kend;
        char *value = NULL;
        char ch[16];
        int line = p->line, r;

        if (p->len - p->pos > 7 && memcmp(t + p->pos, "export", 6) == 0 &&
            (t[p->pos + 6] == ' ' || t[p->pos + 6] == '\t')) {
                p->pos += 6;
                while (p->pos < p->len && (t[p->pos] == ' ' || t[p->pos] == '\t'))
                        p->pos++;
        }
        key = p->pos;
        while (p->pos < p->len && key_char(t[p->pos]))
                p->pos++;
        kend = p->pos;
        if (key == kend && p->pos < p->len && t[p->pos] == '=')
                return fail_at(p, p->pos, BERTH_EINVALID, "missing variable name before '='");
        if (key == kend)
                return fail_at(p, p->pos, BERTH_EINVALID,
                               "unexpected %s: expected a line KEY=value",
                               char_name(t[p->pos], ch));
        if (!key_start(t[key]))
                return fail_at(p, key, BERTH_EINVALID,
                               "invalid variable name '%.*s': it must start with a letter or '_'",
                               (int)(kend - key), t + key);
        if (p->pos < p->len && t[p->pos] != '=' && t[p->pos] != '\n' && !is_blank(t[p->pos]))
                return fail_at(p, p->pos, BERTH_EINVALID,
                               "invalid character %s in variable name '%.*s' (letters, digits, "
                               "'_', '.' and '-')",
                               char_name(t[p->pos], ch), (int)(kend - key), t + key);
        while (p->pos < p->len && is_blank(t[p->pos]))
                p->pos++;
        if (p->pos == p->len || t[p->pos] == '\n') {
                const char *v;

                if (!(p->opts->flags & ENVFILE_BARE_KEYS))
                        return fail_at(p, key, BERTH_EINVALID,
                                       "'%.*s' has no '=': write %.*s=value", (int)(kend - key),
                                       t + key, (int)(kend - key), t + key);
                v = p->opts->env ? interp_env_get(p->opts->env, t + key, kend - key) : NULL;
                if (!v)
                        return 0;
                value = strdup(v);
                if (!value)
                        return oom(p);
                return entry_set(p, t + key, kend - key, value, line);
        }
        if (t[p->pos] != '=')
                return fail_at(p, p->pos, BERTH_EINVALID, "expected '=' after '%.*s', found %s",
                               (int)(kend - key), t + key, char_name(t[p->pos], ch));
        p->pos++;
        while (p->pos < p->len && (t[p->pos] == ' ' || t[p->pos] == '\t'))
                p->pos++;
        if (p->pos < p->len && (t[p->pos] == '"' || t[p->pos] == '\''))
                r = value_quoted(p, &value, t + key, kend - key);
        else
                r = value_unquoted(p, &value);
        if (r < 0)
                return r;
        return entry_set(p, t + key, kend - key, value, line);
}

static int parse(struct parser *p)
{
        const char *t = p->text;
        const char *nul = memchr(t, '\0', p->len);
        int r;

        if (p->len >= 3 && memcmp(t, "\xef\xbb\xbf", 3) == 0)
                p->pos = 3;
        p->stmt_pos = p->cur_pos = p->pos;
        p->stmt_line = p->cur_line = p->line = 1;
        p->stmt_col = p->cur_col = 1;
        if (nul)
                return fail_at(p, (size_t)(nul - t), BERTH_EINVALID,
                               "NUL byte in the file: env files are text");
        while (p->pos < p->len) {
                char c = t[p->pos];

                if (c == '\n') {
                        p->pos++;
                        p->line++;
                        continue;
                }
                if (is_blank(c)) {
                        p->pos++;
                        continue;
                }
                if (c == '#') {
                        const char *nl = memchr(t + p->pos, '\n', p->len - p->pos);

                        p->pos = nl ? (size_t)(nl - t) : p->len;
                        continue;
                }
                where(p, p->pos, &p->stmt_line, &p->stmt_col);
                p->stmt_pos = p->pos;
                r = statement(p);
                if (r < 0)
                        return r;
        }
        return 0;
}

void envfile_free(struct envfile *f)
{
        size_t i;

        if (!f)
                return;
        for (i = 0; i < f->n; i++) {
                free(f->v[i].key);
                free(f->v[i].value);
        }
        free(f->v);
        free(f->path);
        free(f);
}

static int too_big(const char *path, struct berth_err *err)
{
        return berth_err_set(err, BERTH_ETOOBIG,
                             "cannot read '%s': larger than %u MiB, the limit for env files", path,
                             ENVFILE_MAX_SIZE >> 20);
}

int envfile_parse(struct envfile **out, const char *path, const char *text, size_t len,
                  const struct envfile_opts *opts, struct berth_err *err)
{
        static const struct envfile_opts none;
        struct parser p = {.path = path, .text = text, .len = len, .err = err};
        int r;

        *out = NULL;
        if (len > ENVFILE_MAX_SIZE)
                return too_big(path, err);
        p.opts = opts ? opts : &none;
        p.f = calloc(1, sizeof(*p.f));
        if (!p.f || !(p.f->path = strdup(path))) {
                free(p.f);
                return berth_err_set(err, BERTH_ENOMEM, "out of memory reading '%s'", path);
        }
        r = parse(&p);
        if (r < 0) {
                envfile_free(p.f);
                return r;
        }
        *out = p.f;
        return 0;
}

int envfile_load(struct envfile **out, const char *path, const struct envfile_opts *opts,
                 struct berth_err *err)
{
        struct berth_buf b;
        struct stat st;
        int r;

        *out = NULL;
        if (stat(path, &st) < 0) {
                if (errno == ENOENT && opts && (opts->flags & ENVFILE_MISSING_OK))
                        return envfile_parse(out, path, "", 0, opts, err);
                if (errno == ENOENT)
                        return berth_err_set(err, BERTH_ENOTFOUND, "cannot read '%s': no such file",
                                             path);
                return berth_err_set(err, BERTH_EIO, "cannot read '%s': %s", path,
                                     errno == EACCES    ? "permission denied"
                                     : errno == ENOTDIR ? "a parent is not a directory"
                                                        : strerror(errno));
        }
        if (S_ISDIR(st.st_mode))
                return berth_err_set(err, BERTH_EIO, "cannot read '%s': it is a directory", path);
        if (!S_ISREG(st.st_mode))
                return berth_err_set(err, BERTH_EIO, "cannot read '%s': not a regular file", path);
        if (st.st_size > (off_t)ENVFILE_MAX_SIZE)
                return too_big(path, err);
        berth_buf_init(&b, ENVFILE_MAX_SIZE);
        r = berth_buf_read_file(&b, path, err);
        if (r == BERTH_ETOOBIG)
                r = too_big(path, err); /* it grew since stat() */
        if (r == 0)
                r = envfile_parse(out, path, b.data, b.len, opts, err);
        berth_buf_release(&b);
        return r;
}

const char *envfile_get(const struct envfile *f, const char *key)
{
        const struct envfile_entry *e = entry_find(f, key, strlen(key));

        return e ? e->value : NULL;
}

int envfile_load_dotenv(struct interp_env *env, const char *path, struct diag_list *diags,
                        struct berth_err *err)
{
        struct envfile_opts opts = {.flags = ENVFILE_MISSING_OK, .env = env, .diags = diags};
        struct envfile *f;
        size_t i;
        int r;

        r = envfile_load(&f, path, &opts, err);
        for (i = 0; r == 0 && i < f->n; i++)
                r = interp_env_set(env, f->v[i].key, f->v[i].value, INTERP_FROM_DOTENV, err);
        envfile_free(f);
        return r;
}
