/* Validating a document tree against a compiled schema (internal.h): every
 * problem found, one message each, no cascades out of failed oneOf/anyOf
 * branches.  See validate.h for the messages. */
#include "schema/validate.h"

#include <math.h>
#include <stdarg.h>
#include <stdbool.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "common/err.h"
#include "manifest/diag.h"
#include "manifest/doc.h"
#include "schema/internal.h"

/* ---- problems collected while validating ---- */

struct problem {
        enum diag_severity sev;
        int line, col;
        char *path;
        char *msg;
        size_t seq; /* order of creation */
};

struct problems {
        struct problem *v;
        size_t n, cap;
};

/* Schemas applied inside one another: documents are at most 64 deep
 * (doc_limits) and each level applies a few schemas. */
#define MAX_SCHEMA_DEPTH 256

struct vctx {
        char *path; /* the current instance's path, NUL-terminated */
        size_t len, cap;
        size_t seq;
        int depth; /* check() calls in progress */
        bool oom;
};

static void problems_release(struct problems *l)
{
        size_t i;

        for (i = 0; i < l->n; i++) {
                free(l->v[i].path);
                free(l->v[i].msg);
        }
        free(l->v);
        memset(l, 0, sizeof(*l));
}

/* Move every problem of src to the end of dst; src is left empty. */
static void problems_move(struct vctx *c, struct problems *dst, struct problems *src)
{
        size_t i;

        if (dst->n + src->n > dst->cap) {
                size_t cap = dst->n + src->n + 16;
                struct problem *v = realloc(dst->v, cap * sizeof(*v));

                if (!v) {
                        c->oom = true;
                        problems_release(src);
                        return;
                }
                dst->v = v;
                dst->cap = cap;
        }
        for (i = 0; i < src->n; i++)
                dst->v[dst->n++] = src->v[i];
        free(src->v);
        memset(src, 0, sizeof(*src));
}

static void add(struct vctx *c, struct problems *l, enum diag_severity sev,
                const struct doc_node *at, const char *fmt, ...)
    __attribute__((format(printf, 5, 6)));

static void add(struct vctx *c, struct problems *l, enum diag_severity sev,
                const struct doc_node *at, const char *fmt, ...)
{
        struct problem p = {.sev = sev, .line = at->pos.line, .col = at->pos.col};
        va_list ap;

        if (l->n == l->cap) {
                size_t cap = l->cap ? 2 * l->cap : 8;
                struct problem *v = realloc(l->v, cap * sizeof(*v));

                if (!v)
                        goto oom;
                l->v = v;
                l->cap = cap;
        }
        va_start(ap, fmt);
        if (vasprintf(&p.msg, fmt, ap) < 0)
                p.msg = NULL;
        va_end(ap);
        p.path = strdup(c->path ? c->path : "");
        if (!p.msg || !p.path) {
                free(p.msg);
                free(p.path);
                goto oom;
        }
        p.seq = c->seq++;
        l->v[l->n++] = p;
        return;
oom:
        c->oom = true;
}

/* ---- the instance path ---- */

static bool path_reserve(struct vctx *c, size_t more)
{
        char *p;
        size_t cap;

        if (c->len + more + 1 <= c->cap)
                return true;
        cap = (c->len + more + 1) * 2;
        if (!(p = realloc(c->path, cap))) {
                c->oom = true;
                return false;
        }
        c->path = p;
        c->cap = cap;
        return true;
}

/* Append ".key" (or "key" at the top); returns the length to restore. */
static size_t path_push_key(struct vctx *c, const struct doc_node *key)
{
        size_t old = c->len;

        if (!path_reserve(c, key->scalar.len + 1))
                return old;
        if (c->len)
                c->path[c->len++] = '.';
        memcpy(c->path + c->len, key->scalar.text, key->scalar.len);
        c->len += key->scalar.len;
        c->path[c->len] = '\0';
        return old;
}

static size_t path_push_index(struct vctx *c, size_t i)
{
        size_t old = c->len;

        if (path_reserve(c, 24))
                c->len += (size_t)snprintf(c->path + c->len, 24, "[%zu]", i);
        return old;
}

static void path_pop(struct vctx *c, size_t old)
{
        c->len = old;
        if (c->path)
                c->path[old] = '\0';
}

/* ---- instances ---- */

/* What validation needs to know of one node: its JSON value (scalars
 * always, collections only when an enum or const asks) and type. */
struct inst {
        const struct doc_node *node;
        const struct doc_node *key; /* the key it is the value of, or NULL */
        json_t *json;
        unsigned type; /* one SCH_* bit */
};

static unsigned json_type_bit(const json_t *j)
{
        double d;

        switch (json_typeof(j)) {
        case JSON_NULL:
                return SCH_NULL;
        case JSON_TRUE:
        case JSON_FALSE:
                return SCH_BOOLEAN;
        case JSON_INTEGER:
                return SCH_INTEGER;
        case JSON_REAL:
                /* python-jsonschema: a float with no fraction is an integer */
                d = json_real_value(j);
                return isfinite(d) && d == floor(d) ? SCH_INTEGER : SCH_NUMBER;
        case JSON_STRING:
                return SCH_STRING;
        case JSON_ARRAY:
                return SCH_ARRAY;
        case JSON_OBJECT:
                return SCH_OBJECT;
        }
        return 0;
}

static bool inst_init(struct vctx *c, struct inst *in, const struct doc_node *node,
                      const struct doc_node *key)
{
        in->node = node;
        in->key = key;
        in->json = NULL;
        switch (node->kind) {
        case DOC_SCALAR:
                if (!(in->json = doc_node_to_json(node))) {
                        c->oom = true;
                        return false;
                }
                in->type = json_type_bit(in->json);
                return true;
        case DOC_SEQ:
                in->type = SCH_ARRAY;
                return true;
        case DOC_MAP:
                in->type = SCH_OBJECT;
                return true;
        }
        return false;
}

static const json_t *inst_json(struct vctx *c, struct inst *in)
{
        if (!in->json && !(in->json = doc_node_to_json(in->node)))
                c->oom = true;
        return in->json;
}

static bool type_accepts(unsigned types, unsigned t)
{
        return !types || (types & t);
}

/* JSON equality as python-jsonschema sees it: 1 == 1.0, true != 1. */
static bool json_same(const json_t *a, const json_t *b)
{
        size_t i;
        const char *k;
        json_t *v;

        if (json_is_number(a) && json_is_number(b)) {
                if (json_is_integer(a) && json_is_integer(b))
                        return json_integer_value(a) == json_integer_value(b);
                return json_number_value(a) == json_number_value(b);
        }
        if (json_typeof(a) != json_typeof(b))
                return false;
        switch (json_typeof(a)) {
        case JSON_STRING:
                return json_string_length(a) == json_string_length(b) &&
                       memcmp(json_string_value(a), json_string_value(b), json_string_length(a)) ==
                           0;
        case JSON_ARRAY:
                if (json_array_size(a) != json_array_size(b))
                        return false;
                json_array_foreach(a, i, v)
                {
                        if (!json_same(v, json_array_get(b, i)))
                                return false;
                }
                return true;
        case JSON_OBJECT:
                if (json_object_size(a) != json_object_size(b))
                        return false;
                json_object_foreach((json_t *)a, k, v)
                {
                        const json_t *w = json_object_get(b, k);

                        if (!w || !json_same(v, w))
                                return false;
                }
                return true;
        default:
                return true; /* true, false, null: the type says it all */
        }
}

/* a <=> b for two JSON numbers */
static int num_cmp(const json_t *a, const json_t *b)
{
        double x, y;

        if (json_is_integer(a) && json_is_integer(b)) {
                json_int_t i = json_integer_value(a), j = json_integer_value(b);

                return i < j ? -1 : i > j;
        }
        x = json_number_value(a);
        y = json_number_value(b);
        return x < y ? -1 : x > y;
}

static size_t utf8_chars(const char *s, size_t len)
{
        size_t i, n = 0;

        for (i = 0; i < len; i++)
                if (((unsigned char)s[i] & 0xC0) != 0x80)
                        n++;
        return n;
}

/* ---- rendering values and types for messages ---- */

#define VALUE_MAX 60 /* longest value text quoted in a message, in bytes */

/* A string as a double-quoted JSON-like literal, cut to VALUE_MAX. */
static void render_string(char *buf, size_t size, const char *s, size_t len)
{
        size_t i, o = 0;

        if (size < 16)
                return;
        buf[o++] = '"';
        for (i = 0; i < len && o + 8 < size; i++) {
                unsigned char ch = (unsigned char)s[i];

                if (i >= VALUE_MAX && (ch & 0xC0) != 0x80) {
                        memcpy(buf + o, "...", 3);
                        o += 3;
                        break;
                }
                if (ch == '"' || ch == '\\') {
                        buf[o++] = '\\';
                        buf[o++] = (char)ch;
                } else if (ch == '\n') {
                        buf[o++] = '\\';
                        buf[o++] = 'n';
                } else if (ch == '\t') {
                        buf[o++] = '\\';
                        buf[o++] = 't';
                } else if (ch < 0x20 || ch == 0x7f) {
                        o += (size_t)snprintf(buf + o, size - o, "\\x%02x", ch);
                } else {
                        buf[o++] = (char)ch;
                }
        }
        buf[o++] = '"';
        buf[o] = '\0';
}

/* The value as a message shows it: strings quoted, other scalars as
 * written, collections as "a mapping" / "a list". */
static const char *render_inst(char *buf, size_t size, const struct inst *in)
{
        const struct doc_node *n = in->node;

        if (n->kind != DOC_SCALAR)
                snprintf(buf, size, "%s", n->kind == DOC_MAP ? "a mapping" : "a list");
        else if (in->type == SCH_STRING)
                render_string(buf, size, n->scalar.text, n->scalar.len);
        else if (in->type == SCH_NULL)
                snprintf(buf, size, "null");
        else
                snprintf(buf, size, "%.*s", VALUE_MAX, n->scalar.text);
        return buf;
}

/* "the string \"yes\"", "the integer 80", "null", "a mapping" */
static const char *render_found(char *buf, size_t size, const struct inst *in)
{
        char v[VALUE_MAX * 2 + 16];
        const char *what;

        if (in->node->kind != DOC_SCALAR || in->type == SCH_NULL)
                return render_inst(buf, size, in);
        switch (json_typeof(in->json)) {
        case JSON_STRING:
                what = "string";
                break;
        case JSON_INTEGER:
                what = "integer";
                break;
        case JSON_REAL:
                what = "number";
                break;
        default:
                what = "boolean";
                break;
        }
        snprintf(buf, size, "the %s %s", what, render_inst(v, sizeof(v), in));
        return buf;
}

/* A JSON value of the schema (enum, const) as a message shows it:
 * strings bare, as users write them in YAML. */
static void render_json(char *buf, size_t size, const json_t *j)
{
        char *s;

        if (json_is_string(j)) {
                snprintf(buf, size, "%s", json_string_value(j));
                return;
        }
        s = json_dumps(j, JSON_ENCODE_ANY | JSON_COMPACT);
        snprintf(buf, size, "%s", s ? s : "?");
        free(s);
}

/* Append the items of a list "a, b or c" to buf: call with i = 0..n-1. */
static void join_or(char *buf, size_t size, size_t i, size_t n, const char *item)
{
        size_t len = strlen(buf);

        snprintf(buf + len, size - len, "%s%s", i == 0 ? "" : i + 1 == n ? " or " : ", ", item);
}

struct type_name {
        unsigned bits;
        const char *one, *many;
};

/* in the order messages list them */
static const struct type_name type_names[] = {
    {SCH_STRING, "a string", "strings"},
    {SCH_NUMBER, "a number", "numbers"}, /* NUMBER set: "number" was asked */
    {SCH_INTEGER, "an integer", "integers"},
    {SCH_BOOLEAN, "a boolean", "booleans"},
    {SCH_OBJECT, "a mapping", "mappings"},
    {SCH_ARRAY, "a list", "lists"},
    {SCH_NULL, "null", "nulls"},
};

#define NTYPES (sizeof(type_names) / sizeof(type_names[0]))

/* "a string, a number or null" for a set of type bits. */
static void render_types(char *buf, size_t size, unsigned types)
{
        size_t i, n = 0, k = 0;

        if (types & SCH_NUMBER)
                types &= ~(unsigned)SCH_INTEGER;
        for (i = 0; i < NTYPES; i++)
                n += (types & type_names[i].bits) != 0;
        for (i = 0; i < NTYPES; i++)
                if (types & type_names[i].bits)
                        join_or(buf, size, k++, n, type_names[i].one);
}

static const struct sch_node *deref(const struct sch_node *s)
{
        while (s->ref)
                s = s->ref;
        return s;
}

/* What a oneOf/anyOf branch takes, for "expected ...": "a string",
 * "a list of strings", "one of a, b"; "" when it says nothing of types. */
static void render_branch(char *buf, size_t size, const struct sch_node *s)
{
        size_t i;

        buf[0] = '\0';
        s = deref(s);
        if (s->types == SCH_ARRAY && s->items) {
                const struct sch_node *it = deref(s->items);

                for (i = 0; i < NTYPES; i++) {
                        if (it->types == type_names[i].bits ||
                            (it->types == (SCH_NUMBER | SCH_INTEGER) &&
                             type_names[i].bits == SCH_NUMBER)) {
                                snprintf(buf, size, "a list of %s", type_names[i].many);
                                return;
                        }
                }
        }
        if (s->types) {
                render_types(buf, size, s->types);
        } else if (s->enum_v) {
                const json_t *v;
                char one[128];

                snprintf(buf, size, "one of ");
                json_array_foreach(s->enum_v, i, v)
                {
                        render_json(one, sizeof(one), v);
                        join_or(buf + strlen("one of "), size - strlen("one of "), i,
                                json_array_size(s->enum_v), one);
                }
        }
}

/* ---- validation ---- */

static int check(struct vctx *c, const struct sch_node *s, struct inst *in, struct problems *out);

/* Validate the value node (of key, or NULL) against s. */
static int visit(struct vctx *c, const struct sch_node *s, const struct doc_node *node,
                 const struct doc_node *key, struct problems *out)
{
        struct inst in;
        enum doc_trap trap;
        int n;

        if (!inst_init(c, &in, node, key))
                return 0;
        n = check(c, s, &in, out);
        json_decref(in.json);
        if (n || node->kind != DOC_SCALAR || deref(s)->is_empty)
                return n;
        /* accepted, but docker-compose 1.x would read it as something else */
        trap = doc_scalar_yaml11_trap(node);
        if (trap == DOC_TRAP_SEXAGESIMAL || trap == DOC_TRAP_OCTAL || trap == DOC_TRAP_NUMBER) {
                char hint[512];

                if (doc_scalar_yaml11_hint(node, hint, sizeof(hint)))
                        add(c, out, DIAG_WARNING, node, "%s", hint);
        }
        return n;
}

/* A value failing s for a reason of its own: "<value> <x-message>" or
 * "<value> <what>" (collections: "<what>" alone). */
static int local_error(struct vctx *c, struct problems *out, const char *xmsg, struct inst *in,
                       const char *fmt, ...) __attribute__((format(printf, 5, 6)));

static int local_error(struct vctx *c, struct problems *out, const char *xmsg, struct inst *in,
                       const char *fmt, ...)
{
        char v[VALUE_MAX * 2 + 16], what[1024];
        va_list ap;

        render_inst(v, sizeof(v), in);
        if (xmsg) {
                add(c, out, DIAG_ERROR, in->node, "%s %s", v, xmsg);
                return 1;
        }
        va_start(ap, fmt);
        vsnprintf(what, sizeof(what), fmt, ap);
        va_end(ap);
        if (in->node->kind == DOC_SCALAR)
                add(c, out, DIAG_ERROR, in->node, "%s %s", v, what);
        else
                add(c, out, DIAG_ERROR, in->node, "%s", what);
        return 1;
}

/* Would the quoted scalar n have one of types if it were written plain
 * ("true" for a boolean, "80" for an integer)? */
static bool unquoted_fits(struct vctx *c, const struct doc_node *n, unsigned types)
{
        struct doc_node plain = *n;
        json_t *j;
        unsigned t;

        if (types & SCH_STRING)
                return false;
        plain.tag = NULL;
        plain.scalar.style = DOC_PLAIN;
        if (!(j = doc_node_to_json(&plain))) {
                c->oom = true;
                return false;
        }
        t = json_type_bit(j);
        json_decref(j);
        return t != SCH_STRING && t != SCH_NULL && type_accepts(types, t);
}

/* Would the plain scalar in pass s if it were quoted (`name: 42`)? */
static bool quoted_passes(struct vctx *c, const struct sch_node *s, const struct inst *in)
{
        const struct doc_node *n = in->node;
        struct problems tmp = {0};
        struct doc_node quoted;
        struct inst q;
        int r;

        if (!(s->types & SCH_STRING) || n->kind != DOC_SCALAR || n->scalar.style != DOC_PLAIN ||
            n->tag || in->type == SCH_NULL)
                return false;
        quoted = *n;
        quoted.scalar.style = DOC_DOUBLE_QUOTED;
        if (!inst_init(c, &q, &quoted, in->key))
                return false;
        r = check(c, s, &q, &tmp);
        json_decref(q.json);
        problems_release(&tmp);
        return r == 0;
}

/* in is not of a type s takes. */
static int type_error(struct vctx *c, struct problems *out, const struct sch_node *s,
                      const char *xmsg, struct inst *in)
{
        const struct doc_node *n = in->node;
        char want[256] = "", found[VALUE_MAX * 2 + 32], v[VALUE_MAX * 2 + 16];

        render_types(want, sizeof(want), s->types);
        render_found(found, sizeof(found), in);
        render_inst(v, sizeof(v), in);
        if (s->types == SCH_BOOLEAN && doc_scalar_yaml11_trap(n) == DOC_TRAP_BOOL) {
                add(c, out, DIAG_ERROR, n,
                    "expected a boolean, found %s: %s is not a boolean in YAML 1.2, write true or "
                    "false",
                    found, v);
                return 1;
        }
        if (n->kind == DOC_SCALAR && n->scalar.style != DOC_PLAIN &&
            unquoted_fits(c, n, s->types)) {
                add(c, out, DIAG_ERROR, n, "expected %s, found %s: write %s without quotes", want,
                    found, n->scalar.text);
                return 1;
        }
        if (quoted_passes(c, s, in)) {
                render_string(v, sizeof(v), n->scalar.text, n->scalar.len);
                add(c, out, DIAG_ERROR, n, "expected %s, found %s: quote it (%s)", want, found, v);
                return 1;
        }
        if (xmsg)
                return local_error(c, out, xmsg, in, "%s", "");
        add(c, out, DIAG_ERROR, n, "expected %s, found %s", want, found);
        return 1;
}

/* `not` or `false`: the key is not allowed; say so at the key. */
static int not_allowed(struct vctx *c, struct problems *out, const char *xmsg, struct inst *in)
{
        add(c, out, DIAG_ERROR, in->key ? in->key : in->node, "%s",
            xmsg ? xmsg : "is not allowed here");
        return 1;
}

/* Checks of one scalar (or of a collection's enum/const); 1 when one
 * failed (only the first is reported), 0 when all pass. */
static int check_value(struct vctx *c, const struct sch_node *s, const char *xmsg, struct inst *in,
                       struct problems *out)
{
        char list[1024] = "", one[256];
        const json_t *j = NULL, *v;
        size_t i, chars;

        if (s->enum_v || s->const_v) {
                if (!(j = inst_json(c, in)))
                        return 0;
        }
        if (s->enum_v) {
                bool found = false;

                json_array_foreach(s->enum_v, i, v)
                {
                        found = found || json_same(j, v);
                }
                if (!found) {
                        json_array_foreach(s->enum_v, i, v)
                        {
                                render_json(one, sizeof(one), v);
                                snprintf(list + strlen(list), sizeof(list) - strlen(list), "%s%s",
                                         i ? ", " : "", one);
                        }
                        return local_error(c, out, xmsg, in, "must be one of %s", list);
                }
        }
        if (s->const_v && !json_same(j, s->const_v)) {
                render_json(one, sizeof(one), s->const_v);
                return local_error(c, out, xmsg, in, "must be %s", one);
        }
        if (in->type == SCH_STRING) {
                const char *text = json_string_value(in->json);

                if (s->pattern && regexec(&s->pattern->re, text, 0, NULL, 0) != 0)
                        return local_error(c, out, xmsg, in, "does not match %s", s->pattern->src);
                chars = utf8_chars(text, json_string_length(in->json));
                if (s->min_length > 0 && chars < (size_t)s->min_length)
                        return s->min_length == 1
                                   ? local_error(c, out, xmsg, in, "must not be empty")
                                   : local_error(c, out, xmsg, in,
                                                 "must be at least %ld characters long",
                                                 s->min_length);
                if (s->max_length >= 0 && chars > (size_t)s->max_length)
                        return local_error(c, out, xmsg, in, "must be at most %ld characters long",
                                           s->max_length);
        }
        if (in->type & (SCH_INTEGER | SCH_NUMBER)) {
                if (s->minimum && num_cmp(in->json, s->minimum) < 0) {
                        render_json(one, sizeof(one), s->minimum);
                        return local_error(c, out, xmsg, in, "must be at least %s", one);
                }
                if (s->maximum && num_cmp(in->json, s->maximum) > 0) {
                        render_json(one, sizeof(one), s->maximum);
                        return local_error(c, out, xmsg, in, "must be at most %s", one);
                }
        }
        return 0;
}

static int check_array(struct vctx *c, const struct sch_node *s, const char *xmsg, struct inst *in,
                       struct problems *out)
{
        const struct doc_node *node = in->node;
        size_t i, k, old, len = node->seq.n;
        json_t **items = NULL;
        int n = 0;

        if (s->min_items >= 0 && len < (size_t)s->min_items)
                n += s->min_items == 1 ? local_error(c, out, xmsg, in, "must not be empty")
                                       : local_error(c, out, xmsg, in,
                                                     "must have at least %ld items", s->min_items);
        if (s->max_items >= 0 && len > (size_t)s->max_items)
                n += local_error(c, out, xmsg, in, "must have at most %ld items", s->max_items);
        if (s->unique_items && len > 1) {
                if (!(items = calloc(len, sizeof(*items)))) {
                        c->oom = true;
                        return n;
                }
                for (i = 0; i < len; i++) {
                        if (!(items[i] = doc_node_to_json(node->seq.v[i]))) {
                                c->oom = true;
                                goto out;
                        }
                        for (k = 0; k < i; k++) {
                                struct inst dup;
                                char v[VALUE_MAX * 2 + 16];

                                if (!json_same(items[i], items[k]))
                                        continue;
                                dup.node = node->seq.v[i];
                                dup.json = items[i];
                                dup.type = json_type_bit(items[i]);
                                old = path_push_index(c, i);
                                add(c, out, DIAG_ERROR, dup.node,
                                    "duplicate item %s (same as [%zu])",
                                    render_inst(v, sizeof(v), &dup), k);
                                path_pop(c, old);
                                n++;
                                break;
                        }
                }
        }
        if (s->items) {
                for (i = 0; i < len; i++) {
                        old = path_push_index(c, i);
                        n += visit(c, s->items, node->seq.v[i], NULL, out);
                        path_pop(c, old);
                }
        }
out:
        if (items)
                for (i = 0; i < len; i++)
                        json_decref(items[i]);
        free(items);
        return n;
}

/* Optimal string alignment distance between a and b, ignoring case;
 * both at most 64 bytes. */
static int edit_distance(const char *a, const char *b)
{
        size_t la = strlen(a), lb = strlen(b), i, j;
        int d[65][65];

        for (i = 0; i <= la; i++)
                d[i][0] = (int)i;
        for (j = 0; j <= lb; j++)
                d[0][j] = (int)j;
        for (i = 1; i <= la; i++) {
                for (j = 1; j <= lb; j++) {
                        int ca = a[i - 1] | (a[i - 1] >= 'A' && a[i - 1] <= 'Z' ? 0x20 : 0);
                        int cb = b[j - 1] | (b[j - 1] >= 'A' && b[j - 1] <= 'Z' ? 0x20 : 0);
                        int v = d[i - 1][j - 1] + (ca != cb);

                        if (d[i - 1][j] + 1 < v)
                                v = d[i - 1][j] + 1;
                        if (d[i][j - 1] + 1 < v)
                                v = d[i][j - 1] + 1;
                        if (i > 1 && j > 1 && a[i - 1] == b[j - 2] && a[i - 2] == b[j - 1] &&
                            d[i - 2][j - 2] + 1 < v)
                                v = d[i - 2][j - 2] + 1;
                        d[i][j] = v;
                }
        }
        return d[la][lb];
}

/* A schema nothing passes: a key berth lists only to refuse it. */
static bool refuses_all(const struct sch_node *s)
{
        s = deref(s);
        return s->is_false || (s->not_ && deref(s->not_)->is_empty);
}

/* The supported key of s closest to key (edit distance at most 2, less
 * than key's length; or the same but for case), or NULL. */
static const char *suggest(const struct sch_node *s, const char *key)
{
        const char *best = NULL;
        int bestd = 3;
        size_t i, klen = strlen(key);

        if (klen > 64)
                return NULL;
        for (i = 0; i < s->nprops; i++) {
                const char *name = s->props[i].name;
                int d;

                if (strlen(name) > 64 || refuses_all(s->props[i].schema))
                        continue;
                d = edit_distance(key, name);
                if (d < bestd && (d == 0 || (size_t)d < klen)) {
                        best = name;
                        bestd = d;
                }
        }
        return best;
}

static int unknown_key(struct vctx *c, const struct sch_node *s, const struct doc_node *key,
                       struct problems *out)
{
        const char *k = key->scalar.text, *near;
        char pats[512] = "";
        size_t i;

        if (s->nprops) {
                near = suggest(s, k);
                if (near)
                        add(c, out, DIAG_ERROR, key, "unknown key '%s' (did you mean '%s'?)", k,
                            near);
                else
                        add(c, out, DIAG_ERROR, key, "unknown key '%s'", k);
        } else if (s->npattern_props) {
                for (i = 0; i < s->npattern_props; i++)
                        join_or(pats, sizeof(pats), i, s->npattern_props,
                                s->pattern_props[i].re->src);
                add(c, out, DIAG_ERROR, key, "unknown key '%s' (keys here must match %s)", k, pats);
        } else {
                add(c, out, DIAG_ERROR, key, "unknown key '%s'", k);
        }
        return 1;
}

static int check_object(struct vctx *c, const struct sch_node *s, struct inst *in,
                        struct problems *out)
{
        const struct doc_node *node = in->node;
        size_t i, k, old;
        int n = 0;

        for (i = 0; i < s->nrequired; i++) {
                if (doc_map_find(node, s->required[i]))
                        continue;
                if (!s->x_required_message) {
                        add(c, out, DIAG_ERROR, node, "missing required key '%s'", s->required[i]);
                        n++;
                } else if (!n) {
                        add(c, out, DIAG_ERROR, node, "%s", s->x_required_message);
                        n++;
                }
        }
        for (i = 0; i < node->map.n; i++) {
                const struct doc_node *key = node->map.v[i].key, *val = node->map.v[i].value;
                bool matched = false;

                old = path_push_key(c, key);
                if (s->property_names) {
                        /* the key as a JSON string, wherever YAML typed it */
                        struct doc_node name = *key;

                        name.tag = NULL;
                        name.scalar.style = DOC_DOUBLE_QUOTED;
                        n += visit(c, s->property_names, &name, key, out);
                }
                for (k = 0; k < s->nprops; k++) {
                        if (strcmp(s->props[k].name, key->scalar.text) == 0) {
                                matched = true;
                                n += visit(c, s->props[k].schema, val, key, out);
                                break;
                        }
                }
                for (k = 0; k < s->npattern_props; k++) {
                        if (regexec(&s->pattern_props[k].re->re, key->scalar.text, 0, NULL, 0) ==
                            0) {
                                matched = true;
                                n += visit(c, s->pattern_props[k].schema, val, key, out);
                        }
                }
                if (!matched && s->additional) {
                        if (deref(s->additional)->is_false)
                                n += unknown_key(c, s, key, out);
                        else
                                n += visit(c, s->additional, val, key, out);
                }
                path_pop(c, old);
        }
        return n;
}

/* Does branch s take values of type t at all?  Picks the branch whose
 * errors a failed oneOf/anyOf shows. */
static bool branch_takes(const struct sch_node *s, unsigned t, int depth)
{
        const json_t *v;
        size_t i;

        s = deref(s);
        if (depth > 16)
                return true; /* a schema that contains itself */
        if (s->is_false)
                return false;
        if (s->types)
                return type_accepts(s->types, t);
        if (s->enum_v) {
                json_array_foreach(s->enum_v, i, v)
                {
                        if (json_type_bit(v) & t || (t & (SCH_INTEGER | SCH_NUMBER) &&
                                                     json_type_bit(v) & (SCH_INTEGER | SCH_NUMBER)))
                                return true;
                }
                return false;
        }
        if (s->const_v)
                return (json_type_bit(s->const_v) & t) != 0;
        if (s->one_of.n || s->any_of.n) {
                const struct sch_list *l = s->one_of.n ? &s->one_of : &s->any_of;

                for (i = 0; i < l->n; i++)
                        if (branch_takes(l->v[i], t, depth + 1))
                                return true;
                return false;
        }
        return true;
}

static int check_choice(struct vctx *c, const struct sch_list *l, bool one, const char *xmsg,
                        struct inst *in, struct problems *out)
{
        struct problems *tmp = calloc(l->n, sizeof(*tmp));
        int *errs = calloc(l->n, sizeof(*errs));
        size_t i, valid = 0, first = 0, best = l->n;
        char want[512] = "", br[256], found[VALUE_MAX * 2 + 32];
        int n = 0;

        if (!tmp || !errs) {
                c->oom = true;
                goto out;
        }
        for (i = 0; i < l->n; i++) {
                errs[i] = check(c, l->v[i], in, &tmp[i]);
                if (errs[i] == 0 && valid++ == 0)
                        first = i;
        }
        if (valid == 1 || (valid > 1 && !one)) {
                problems_move(c, out, &tmp[first]); /* its warnings */
        } else if (valid > 1) {
                add(c, out, DIAG_ERROR, in->node, "matches more than one form");
                n = 1;
        } else if (in->node->kind == DOC_SCALAR && xmsg) {
                n = local_error(c, out, xmsg, in, "%s", "");
        } else {
                for (i = 0; i < l->n; i++)
                        if (branch_takes(l->v[i], in->type, 0) &&
                            (best == l->n || errs[i] < errs[best]))
                                best = i;
                if (best < l->n) {
                        n = errs[best];
                        problems_move(c, out, &tmp[best]);
                } else if (xmsg) {
                        n = local_error(c, out, xmsg, in, "%s", "");
                } else {
                        size_t k = 0, count = 0;

                        for (i = 0; i < l->n; i++) {
                                render_branch(br, sizeof(br), l->v[i]);
                                count += br[0] != '\0';
                        }
                        for (i = 0; i < l->n; i++) {
                                render_branch(br, sizeof(br), l->v[i]);
                                if (br[0])
                                        join_or(want, sizeof(want), k++, count, br);
                        }
                        render_found(found, sizeof(found), in);
                        add(c, out, DIAG_ERROR, in->node, "expected %s, found %s",
                            want[0] ? want : "another kind of value", found);
                        n = 1;
                }
        }
out:
        if (tmp)
                for (i = 0; i < l->n; i++)
                        problems_release(&tmp[i]);
        free(tmp);
        free(errs);
        return n;
}

static int check_node(struct vctx *c, const struct sch_node *s, struct inst *in,
                      struct problems *out);

/* Validate in against s; returns the number of errors added to out.  A
 * schema that applies itself to the same value (`{"anyOf": [{"$ref":
 * "#"}]}`) stops at a depth no manifest reaches instead of overflowing
 * the stack. */
static int check(struct vctx *c, const struct sch_node *s, struct inst *in, struct problems *out)
{
        int n;

        if (c->depth >= MAX_SCHEMA_DEPTH) {
                add(c, out, DIAG_ERROR, in->node, "the schema nests deeper than %d here",
                    MAX_SCHEMA_DEPTH);
                return 1;
        }
        c->depth++;
        n = check_node(c, s, in, out);
        c->depth--;
        return n;
}

static int check_node(struct vctx *c, const struct sch_node *s, struct inst *in,
                      struct problems *out)
{
        const char *xmsg = s->x_message;
        size_t i;
        int n = 0;

        s = deref(s);
        if (!xmsg)
                xmsg = s->x_message;
        if (s->is_false)
                return not_allowed(c, out, xmsg, in);
        if (s->is_empty)
                return 0;
        if (!type_accepts(s->types, in->type))
                return type_error(c, out, s, xmsg, in);
        if (check_value(c, s, xmsg, in, out))
                return 1;
        if (in->type == SCH_ARRAY)
                n += check_array(c, s, xmsg, in, out);
        else if (in->type == SCH_OBJECT)
                n += check_object(c, s, in, out);
        if (s->not_) {
                struct problems tmp = {0};
                int r = check(c, s->not_, in, &tmp);

                problems_release(&tmp);
                if (r == 0)
                        n += not_allowed(c, out, xmsg, in);
        }
        for (i = 0; i < s->all_of.n; i++)
                n += check(c, s->all_of.v[i], in, out);
        if (s->any_of.n)
                n += check_choice(c, &s->any_of, false, xmsg, in, out);
        if (s->one_of.n)
                n += check_choice(c, &s->one_of, true, xmsg, in, out);
        return n;
}

static int problem_cmp(const void *pa, const void *pb)
{
        const struct problem *a = pa, *b = pb;

        if (a->line != b->line)
                return a->line < b->line ? -1 : 1;
        if (a->col != b->col)
                return a->col < b->col ? -1 : 1;
        return a->seq < b->seq ? -1 : a->seq > b->seq;
}

static bool problem_same(const struct problem *a, const struct problem *b)
{
        return a->sev == b->sev && a->line == b->line && a->col == b->col &&
               strcmp(a->path, b->path) == 0 && strcmp(a->msg, b->msg) == 0;
}

int schema_validate(const struct schema *s, const struct doc_node *root, const char *file,
                    struct diag_list *diags)
{
        struct vctx c = {0};
        struct problems out = {0};
        size_t i, k;
        int errors = 0;

        if (!root)
                return 0;
        if (!file)
                file = root->pos.file;
        if (path_reserve(&c, 64))
                c.path[0] = '\0';
        visit(&c, s->root, root, NULL, &out);
        if (out.n > 1)
                qsort(out.v, out.n, sizeof(*out.v), problem_cmp);
        for (i = 0; i < out.n; i++) {
                const struct problem *p = &out.v[i];
                bool dup = false;

                /* the same node reached twice (merged anchors, two schemas) */
                for (k = i; k-- > 0 && out.v[k].line == p->line && out.v[k].col == p->col;)
                        dup = dup || problem_same(&out.v[k], p);
                if (dup)
                        continue;
                diag_add(diags, p->sev, file, p->line, p->col, p->path, "%s", p->msg);
                errors += p->sev == DIAG_ERROR;
        }
        problems_release(&out);
        free(c.path);
        return c.oom ? BERTH_ENOMEM : errors;
}
