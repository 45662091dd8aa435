#include "manifest/interp.h"

#include <stdarg.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "common/buf.h"
#include "common/err.h"
#include "manifest/doc.h"

/* ---- report ---- */

void interp_report_init(struct interp_report *r)
{
        memset(r, 0, sizeof(*r));
}

void interp_report_release(struct interp_report *r)
{
        size_t i;

        for (i = 0; i < r->n; i++)
                free(r->v[i].message);
        free(r->v);
        interp_report_init(r);
}

static void report_addv(struct interp_report *r, enum diag_severity sev, size_t offset,
                        const char *fmt, va_list ap) __attribute__((format(printf, 4, 0)));

static void report_addv(struct interp_report *r, enum diag_severity sev, size_t offset,
                        const char *fmt, va_list ap)
{
        va_list copy;
        char *msg = NULL;
        int len;

        if (sev == DIAG_ERROR)
                r->errors++;
        if (r->n == r->cap) {
                size_t cap = r->cap ? r->cap * 2 : 8;
                struct interp_issue *v =
                    cap < SIZE_MAX / sizeof(*v) ? realloc(r->v, cap * sizeof(*v)) : NULL;

                if (!v)
                        goto oom;
                r->v = v;
                r->cap = cap;
        }
        va_copy(copy, ap);
        len = vsnprintf(NULL, 0, fmt, copy);
        va_end(copy);
        msg = len >= 0 ? malloc((size_t)len + 1) : NULL;
        if (!msg)
                goto oom;
        vsnprintf(msg, (size_t)len + 1, fmt, ap);
        r->v[r->n].severity = sev;
        r->v[r->n].offset = offset;
        r->v[r->n].message = msg;
        r->n++;
        return;
oom:
        r->dropped++;
}

/* ---- variables ---- */

struct interp_var {
        char *name;
        char *value;
        enum interp_origin origin;
};

struct interp_env {
        struct interp_var *v;
        size_t n, cap;
        char **uses; /* names, each once, in the order first used */
        size_t nuses, capuses;
};

/* Grow *v (n used of *cap elements of size bytes) to hold one more. */
static int grow(void **v, size_t *cap, size_t n, size_t size)
{
        size_t c;
        void *p;

        if (n < *cap)
                return 0;
        c = *cap ? *cap * 2 : 32;
        if (c > SIZE_MAX / size)
                return BERTH_ENOMEM;
        p = realloc(*v, c * size);
        if (!p)
                return BERTH_ENOMEM;
        *v = p;
        *cap = c;
        return 0;
}

static struct interp_var *env_find(const struct interp_env *env, const char *name, size_t len)
{
        size_t i;

        for (i = 0; i < env->n; i++)
                if (strncmp(env->v[i].name, name, len) == 0 && env->v[i].name[len] == '\0')
                        return &env->v[i];
        return NULL;
}

/* Add or replace name[0..nlen) = value[0..vlen). */
static int env_put(struct interp_env *env, const char *name, size_t nlen, const char *value,
                   size_t vlen, enum interp_origin origin)
{
        struct interp_var *var = env_find(env, name, nlen);
        char *v = malloc(vlen + 1), *n = NULL;

        if (!v)
                return BERTH_ENOMEM;
        memcpy(v, value, vlen);
        v[vlen] = '\0';
        if (var) {
                free(var->value);
                var->value = v;
                var->origin = origin;
                return 0;
        }
        n = malloc(nlen + 1);
        if (!n || grow((void **)&env->v, &env->cap, env->n, sizeof(*env->v)) < 0) {
                free(n);
                free(v);
                return BERTH_ENOMEM;
        }
        memcpy(n, name, nlen);
        n[nlen] = '\0';
        env->v[env->n++] = (struct interp_var){.name = n, .value = v, .origin = origin};
        return 0;
}

int interp_env_new(struct interp_env **out, const char *const *environ, struct berth_err *err)
{
        struct interp_env *env = calloc(1, sizeof(*env));
        size_t i;
        int r = 0;

        *out = NULL;
        if (!env)
                return berth_err_set(err, BERTH_ENOMEM, "out of memory reading the environment");
        for (i = 0; environ && environ[i]; i++) {
                const char *eq = strchr(environ[i], '=');
                size_t nlen = eq ? (size_t)(eq - environ[i]) : 0;

                if (!eq || nlen == 0 || env_find(env, environ[i], nlen))
                        continue;
                r = env_put(env, environ[i], nlen, eq + 1, strlen(eq + 1), INTERP_FROM_ENVIRONMENT);
                if (r < 0) {
                        interp_env_free(env);
                        return berth_err_set(err, r, "out of memory reading the environment");
                }
        }
        *out = env;
        return 0;
}

void interp_env_free(struct interp_env *env)
{
        size_t i;

        if (!env)
                return;
        for (i = 0; i < env->n; i++) {
                free(env->v[i].name);
                free(env->v[i].value);
        }
        for (i = 0; i < env->nuses; i++)
                free(env->uses[i]);
        free(env->v);
        free(env->uses);
        free(env);
}

int interp_env_set(struct interp_env *env, const char *name, const char *value,
                   enum interp_origin origin, struct berth_err *err)
{
        size_t nlen = strlen(name);
        struct interp_var *var = env_find(env, name, nlen);

        if (var && var->origin == INTERP_FROM_ENVIRONMENT && origin != INTERP_FROM_ENVIRONMENT)
                return 0;
        if (env_put(env, name, nlen, value, strlen(value), origin) < 0)
                return berth_err_set(err, BERTH_ENOMEM, "out of memory setting variable '%s'",
                                     name);
        return 0;
}

const char *interp_env_lookup(const struct interp_env *env, const char *name, size_t len,
                              enum interp_origin *origin)
{
        const struct interp_var *var = env_find(env, name, len);

        if (var && origin)
                *origin = var->origin;
        return var ? var->value : NULL;
}

const char *interp_env_get(struct interp_env *env, const char *name, size_t len)
{
        size_t i;
        char *n;

        for (i = 0; i < env->nuses; i++)
                if (strncmp(env->uses[i], name, len) == 0 && env->uses[i][len] == '\0')
                        break;
        /* A use that cannot be recorded for lack of memory is only lost
         * from the record; the lookup itself still works. */
        if (i == env->nuses &&
            grow((void **)&env->uses, &env->capuses, env->nuses, sizeof(*env->uses)) == 0 &&
            (n = malloc(len + 1))) {
                memcpy(n, name, len);
                n[len] = '\0';
                env->uses[env->nuses++] = n;
        }
        return interp_env_lookup(env, name, len, NULL);
}

size_t interp_env_uses(const struct interp_env *env)
{
        return env->nuses;
}

const char *interp_env_use(const struct interp_env *env, size_t i)
{
        return i < env->nuses ? env->uses[i] : NULL;
}

/* ---- the interpolator ---- */

struct interp_ctx {
        const char *in;
        size_t len;
        interp_get_fn get;
        void *getctx;
        struct interp_report *rep;
        size_t errors;
        int fatal; /* BERTH_ENOMEM or BERTH_ETOOBIG once the result cannot be built */
};

static int name_start(char c)
{
        return (c >= 'A' && c <= 'Z') || (c >= 'a' && c <= 'z') || c == '_';
}

static int name_char(char c)
{
        return name_start(c) || (c >= '0' && c <= '9');
}

/* c as messages show it: `'x'`, or `byte 0x0a` when it is not printable. */
static const char *char_name(char c, char buf[8])
{
        unsigned char u = (unsigned char)c;

        if (u > 0x20 && u < 0x7f)
                snprintf(buf, 8, "'%c'", c);
        else if (u == ' ')
                snprintf(buf, 8, "space");
        else
                snprintf(buf, 8, "0x%02x", u);
        return buf;
}

static void issue(struct interp_ctx *c, enum diag_severity sev, size_t offset, const char *fmt, ...)
    __attribute__((format(printf, 4, 5)));

static void issue(struct interp_ctx *c, enum diag_severity sev, size_t offset, const char *fmt, ...)
{
        va_list ap;

        if (sev == DIAG_ERROR)
                c->errors++;
        if (!c->rep)
                return;
        va_start(ap, fmt);
        report_addv(c->rep, sev, offset, fmt, ap);
        va_end(ap);
}

static void emit(struct interp_ctx *c, struct berth_buf *out, const char *s, size_t n)
{
        int r;

        if (!out || c->fatal)
                return;
        r = berth_buf_add(out, s, n);
        if (r < 0)
                c->fatal = r;
}

/* The index of the `}` that closes the `${` whose body starts at from, or
 * end when there is none.  Every `{` opens a level, as compose counts. */
static size_t close_brace(const char *in, size_t from, size_t end)
{
        size_t level = 1, i;

        for (i = from; i < end; i++) {
                if (in[i] == '{')
                        level++;
                else if (in[i] == '}' && --level == 0)
                        return i;
        }
        return end;
}

/* A syntax error about the expression in[dollar..stop) (stop just past its
 * `}`, or the end), quoted in the message: at most 40 bytes of it, never
 * past a line break. */
static void syntax_error(struct interp_ctx *c, size_t dollar, size_t stop, const char *why)
{
        const char *nl = memchr(c->in + dollar, '\n', stop - dollar);
        size_t n = nl ? (size_t)(nl - (c->in + dollar)) : stop - dollar;
        int cut = n < stop - dollar || n > 40;

        if (n > 40)
                n = 40;
        issue(c, DIAG_ERROR, dollar, "invalid interpolation '%.*s%s': %s", (int)n, c->in + dollar,
              cut ? "..." : "", why);
}

static void expand(struct interp_ctx *c, size_t pos, size_t end, int depth, struct berth_buf *out);

/* ${...} at in[dollar]; out is NULL when the expression is only checked
 * (an unused default), not evaluated.  Returns the index after it. */
static size_t braced(struct interp_ctx *c, size_t dollar, size_t end, int depth,
                     struct berth_buf *out)
{
        const char *in = c->in;
        size_t close = close_brace(in, dollar + 2, end);
        size_t next = close < end ? close + 1 : end;
        size_t name = dollar + 2, nend = name, word;
        const char *val = NULL;
        char why[160];
        int colon;
        char op;

        if (depth > INTERP_MAX_DEPTH) {
                snprintf(why, sizeof(why), "nested deeper than %d levels", INTERP_MAX_DEPTH);
                syntax_error(c, dollar, next, why);
                return next;
        }
        if (close == end) {
                syntax_error(c, dollar, end, "no closing '}'; write '$$' for a literal '$'");
                return end;
        }
        if (name == close) {
                syntax_error(c, dollar, next,
                             "missing variable name; write '$$' for a literal '$'");
                return next;
        }
        if (!name_start(in[name])) {
                syntax_error(c, dollar, next,
                             "a variable name starts with a letter or '_'; write '$$' for a "
                             "literal '$'");
                return next;
        }
        while (nend < close && name_char(in[nend]))
                nend++;
        if (out)
                val = c->get(c->getctx, in + name, nend - name);
        if (nend == close) {
                if (out && !val)
                        issue(c, DIAG_WARNING, dollar,
                              "variable '%.*s' is not set; using an empty string",
                              (int)(nend - name), in + name);
                if (val)
                        emit(c, out, val, strlen(val));
                return next;
        }
        colon = in[nend] == ':';
        op = nend + colon < close ? in[nend + colon] : '\0';
        if (op != '-' && op != '?' && op != '+') {
                int shown = nend - name > 64 ? 64 : (int)(nend - name);
                char ch[8];

                if (colon)
                        snprintf(why, sizeof(why),
                                 "unknown operator ':%s' after '%.*s'; use :-, -, :?, ?, :+ or +",
                                 op > 0x20 && op < 0x7f ? (char[2]){op, '\0'} : "", shown,
                                 in + name);
                else
                        snprintf(why, sizeof(why), "unexpected %s after the variable name '%.*s'",
                                 char_name(in[nend], ch), shown, in + name);
                syntax_error(c, dollar, next, why);
                return next;
        }
        word = nend + colon + 1;
        if (op == '-') {
                int use = out && (!val || (colon && !*val));

                expand(c, word, close, depth, use ? out : NULL);
                if (out && !use)
                        emit(c, out, val, strlen(val));
        } else if (op == '+') {
                int use = out && val && (!colon || *val);

                expand(c, word, close, depth, use ? out : NULL);
        } else if (out && (!val || (colon && !*val))) {
                struct berth_buf msg;

                berth_buf_init(&msg, 4096);
                expand(c, word, close, depth, &msg);
                if (msg.len)
                        issue(c, DIAG_ERROR, dollar,
                              "required variable %.*s is missing a value: %s", (int)(nend - name),
                              in + name, msg.data);
                else
                        issue(c, DIAG_ERROR, dollar,
                              "required variable %.*s is missing a value: set %.*s in the "
                              "environment or .env",
                              (int)(nend - name), in + name, (int)(nend - name), in + name);
                berth_buf_release(&msg);
                if (c->fatal == BERTH_ETOOBIG)
                        c->fatal = 0; /* only the message was too long: it was cut */
        } else {
                expand(c, word, close, depth, NULL);
                if (out)
                        emit(c, out, val, strlen(val));
        }
        return next;
}

/* Interpolate in[pos..end) into out, or only check it when out is NULL. */
static void expand(struct interp_ctx *c, size_t pos, size_t end, int depth, struct berth_buf *out)
{
        const char *in = c->in;

        while (pos < end && !c->fatal) {
                const char *d = memchr(in + pos, '$', end - pos);
                size_t dollar = d ? (size_t)(d - in) : end;
                char next;

                emit(c, out, in + pos, dollar - pos);
                if (dollar == end)
                        break;
                next = dollar + 1 < end ? in[dollar + 1] : '\0';
                if (next == '$') {
                        emit(c, out, "$", 1);
                        pos = dollar + 2;
                } else if (next == '{') {
                        pos = braced(c, dollar, end, depth + 1, out);
                } else if (name_start(next)) {
                        size_t name = dollar + 1, nend = name;
                        const char *val;

                        while (nend < end && name_char(in[nend]))
                                nend++;
                        if (out) {
                                val = c->get(c->getctx, in + name, nend - name);
                                if (val)
                                        emit(c, out, val, strlen(val));
                                else
                                        issue(c, DIAG_WARNING, dollar,
                                              "variable '%.*s' is not set; using an empty string",
                                              (int)(nend - name), in + name);
                        }
                        pos = nend;
                } else {
                        /* Not an interpolation: the Compose Specification
                         * keeps the `$` as written. */
                        emit(c, out, "$", 1);
                        pos = dollar + 1;
                }
        }
}

int interp_expand(char **out, size_t *out_len, const char *in, size_t len, interp_get_fn get,
                  void *ctx, struct interp_report *rep)
{
        struct interp_ctx c = {.in = in, .len = len, .get = get, .getctx = ctx, .rep = rep};
        struct berth_buf b;

        *out = NULL;
        if (out_len)
                *out_len = 0;
        berth_buf_init(&b, INTERP_MAX_RESULT);
        expand(&c, 0, len, 0, &b);
        if (!c.fatal && !b.data)
                c.fatal = berth_buf_add(&b, "", 0);
        if (c.fatal == BERTH_ETOOBIG)
                issue(&c, DIAG_ERROR, 0, "the value is longer than %u MiB after interpolation",
                      INTERP_MAX_RESULT >> 20);
        else if (c.fatal)
                issue(&c, DIAG_ERROR, 0, "out of memory interpolating the value");
        if (c.fatal || c.errors) {
                berth_buf_release(&b);
                return c.fatal ? c.fatal : BERTH_EINVALID;
        }
        if (out_len)
                *out_len = b.len;
        *out = berth_buf_steal(&b);
        return 0;
}

static const char *env_get(void *ctx, const char *name, size_t len)
{
        return interp_env_get(ctx, name, len);
}

int interp_string(char **out, const char *in, struct interp_env *env, struct interp_report *rep)
{
        return interp_expand(out, NULL, in, strlen(in), env_get, env, rep);
}

/* ---- a whole document ---- */

struct walk {
        struct doc *d;
        struct interp_env *env;
        struct diag_list *diags;
        struct berth_err *err;
        struct berth_buf path; /* "services.web.ports[1]" of the node being walked */
        struct interp_report rep;
        int failed; /* BERTH_EINVALID once an error was added, or BERTH_ENOMEM */
};

/* Characters (not bytes: doc positions count characters) in s[0..n). */
static int utf8_chars(const char *s, size_t n)
{
        int chars = 0;
        size_t i;

        for (i = 0; i < n; i++)
                if (((unsigned char)s[i] & 0xc0) != 0x80)
                        chars++;
        return chars;
}

static void walk_scalar(struct walk *w, struct doc_node *n)
{
        const char *text = n->scalar.text;
        int one_line = n->scalar.style == DOC_PLAIN && !memchr(text, '\n', n->scalar.len);
        size_t i, len;
        char *res;
        int r;

        if (!memchr(text, '$', n->scalar.len))
                return;
        interp_report_release(&w->rep); /* empty again, ready for this scalar */
        r = interp_expand(&res, &len, text, n->scalar.len, env_get, w->env, &w->rep);
        for (i = 0; i < w->rep.n; i++) {
                const struct interp_issue *is = &w->rep.v[i];
                struct diag d = {.severity = is->severity,
                                 .file = (char *)n->pos.file,
                                 .line = n->pos.line,
                                 .col = n->pos.col,
                                 .path = w->path.data ? w->path.data : (char *)"",
                                 .message = is->message};

                if (one_line)
                        d.col += utf8_chars(text, is->offset);
                diag_add(w->diags, d.severity, d.file, d.line, d.col, d.path, "%s", d.message);
                if (d.severity == DIAG_ERROR && !w->failed)
                        w->failed = diag_to_err(w->err, BERTH_EINVALID, &d);
        }
        if (r == BERTH_ENOMEM)
                w->failed = berth_err_set(w->err, BERTH_ENOMEM, "out of memory interpolating");
        if (r < 0)
                return;
        if (doc_scalar_set(w->d, n, res, len) < 0)
                w->failed = berth_err_set(w->err, BERTH_ENOMEM, "out of memory interpolating");
        else if (len == 0 && n->scalar.style == DOC_PLAIN && !n->tag)
                n->tag = "tag:yaml.org,2002:str"; /* "" as compose gives, not null */
        free(res);
}

static void walk_node(struct walk *w, struct doc_node *n)
{
        size_t i, mark = w->path.len;

        switch (n->kind) {
        case DOC_SCALAR:
                walk_scalar(w, n);
                break;
        case DOC_SEQ:
                for (i = 0; i < n->seq.n && w->failed != BERTH_ENOMEM; i++) {
                        /* A path too long to hold stays cut: still a good hint. */
                        berth_buf_printf(&w->path, "[%zu]", i);
                        walk_node(w, n->seq.v[i]);
                        w->path.len = mark;
                        if (w->path.data)
                                w->path.data[mark] = '\0';
                }
                break;
        case DOC_MAP:
                for (i = 0; i < n->map.n && w->failed != BERTH_ENOMEM; i++) {
                        const struct doc_node *k = n->map.v[i].key;

                        if (mark)
                                berth_buf_add(&w->path, ".", 1);
                        berth_buf_add(&w->path, k->scalar.text, k->scalar.len);
                        walk_node(w, n->map.v[i].value);
                        w->path.len = mark;
                        if (w->path.data)
                                w->path.data[mark] = '\0';
                }
                break;
        }
}

int manifest_interpolate(struct doc *d, struct interp_env *env, struct diag_list *diags,
                         struct berth_err *err)
{
        struct walk w = {.d = d, .env = env, .diags = diags, .err = err};

        if (!d || !d->root)
                return 0;
        berth_buf_init(&w.path, 64u << 10);
        interp_report_init(&w.rep);
        walk_node(&w, d->root);
        interp_report_release(&w.rep);
        berth_buf_release(&w.path);
        return w.failed;
}
