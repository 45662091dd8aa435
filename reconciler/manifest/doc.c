/* The document tree: building, copying, lookups, and YAML 1.2 core schema
 * typing of scalars (with the YAML 1.1 readings users trip over). */
#include "manifest/doc.h"

#include <errno.h>
#include <inttypes.h>
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "common/arena.h"
#include "common/err.h"

#define TAG_PREFIX "tag:yaml.org,2002:"

/* ---- building ---- */

struct doc *doc_new(const char *file)
{
        struct berth_arena *a = berth_arena_new();
        struct doc *d;

        if (!a)
                return NULL;
        d = berth_arena_alloc(a, sizeof(*d));
        if (d)
                d->file = berth_arena_strdup(a, file ? file : "");
        if (!d || !d->file) {
                berth_arena_free(a);
                return NULL;
        }
        d->arena = a;
        return d;
}

void doc_free(struct doc *d)
{
        if (d)
                berth_arena_free(d->arena); /* d itself lives in the arena */
}

static struct doc_node *node_new(struct doc *d, enum doc_kind kind, int line, int col)
{
        struct doc_node *n = berth_arena_alloc(d->arena, sizeof(*n));

        if (!n)
                return NULL;
        n->kind = kind;
        n->pos.file = d->file;
        n->pos.line = line;
        n->pos.col = col;
        n->size = 1;
        n->height = kind == DOC_SCALAR ? 0 : 1;
        return n;
}

struct doc_node *doc_node_scalar(struct doc *d, int line, int col, const char *text, size_t len,
                                 enum doc_style style)
{
        struct doc_node *n = node_new(d, DOC_SCALAR, line, col);

        if (!n || doc_scalar_set(d, n, text, len) < 0)
                return NULL;
        n->scalar.style = style;
        return n;
}

struct doc_node *doc_node_collection(struct doc *d, enum doc_kind kind, int line, int col)
{
        return node_new(d, kind, line, col);
}

int doc_scalar_set(struct doc *d, struct doc_node *n, const char *text, size_t len)
{
        char *copy = berth_arena_strndup(d->arena, text ? text : "", text ? len : 0);

        if (!copy)
                return BERTH_ENOMEM;
        n->scalar.text = copy;
        n->scalar.len = text ? len : 0;
        return 0;
}

struct doc_node *doc_node_copy(struct doc *d, const struct doc_node *n)
{
        struct doc_node *c = berth_arena_alloc(d->arena, sizeof(*c));
        size_t i;

        if (!c)
                return NULL;
        *c = *n;
        switch (n->kind) {
        case DOC_SCALAR:
                break;
        case DOC_SEQ:
                if (!n->seq.n)
                        break;
                c->seq.v = berth_arena_alloc(d->arena, n->seq.n * sizeof(*c->seq.v));
                if (!c->seq.v)
                        return NULL;
                for (i = 0; i < n->seq.n; i++)
                        if (!(c->seq.v[i] = doc_node_copy(d, n->seq.v[i])))
                                return NULL;
                break;
        case DOC_MAP:
                if (!n->map.n)
                        break;
                c->map.v = berth_arena_alloc(d->arena, n->map.n * sizeof(*c->map.v));
                if (!c->map.v)
                        return NULL;
                for (i = 0; i < n->map.n; i++) {
                        c->map.v[i].key = doc_node_copy(d, n->map.v[i].key);
                        c->map.v[i].value = doc_node_copy(d, n->map.v[i].value);
                        if (!c->map.v[i].key || !c->map.v[i].value)
                                return NULL;
                }
                break;
        }
        return c;
}

/* ---- lookups ---- */

struct doc_pair *doc_map_find(const struct doc_node *map, const char *key)
{
        size_t i, len;

        if (!map || map->kind != DOC_MAP || !key)
                return NULL;
        len = strlen(key);
        for (i = 0; i < map->map.n; i++) {
                const struct doc_node *k = map->map.v[i].key;

                if (k->scalar.len == len && memcmp(k->scalar.text, key, len) == 0)
                        return &map->map.v[i];
        }
        return NULL;
}

struct doc_node *doc_map_get(const struct doc_node *map, const char *key)
{
        struct doc_pair *p = doc_map_find(map, key);

        return p ? p->value : NULL;
}

const char *doc_kind_name(enum doc_kind kind)
{
        switch (kind) {
        case DOC_SCALAR:
                return "scalar";
        case DOC_SEQ:
                return "sequence";
        case DOC_MAP:
                return "mapping";
        }
        return "?";
}

const char *doc_type_name(enum doc_type type)
{
        switch (type) {
        case DOC_T_NULL:
                return "null";
        case DOC_T_BOOL:
                return "boolean";
        case DOC_T_INT:
                return "integer";
        case DOC_T_FLOAT:
                return "number";
        case DOC_T_STR:
                return "string";
        }
        return "?";
}

/* ---- YAML 1.2 core schema ---- */

static bool is_one_of(const char *s, const char *const *list)
{
        for (; *list; list++)
                if (strcmp(s, *list) == 0)
                        return true;
        return false;
}

static const char *const core_null[] = {"", "~", "null", "Null", "NULL", NULL};
static const char *const core_true[] = {"true", "True", "TRUE", NULL};
static const char *const core_false[] = {"false", "False", "FALSE", NULL};
static const char *const yaml11_true[] = {"y", "Y", "yes", "Yes", "YES", "on", "On", "ON", NULL};
static const char *const yaml11_false[] = {"n", "N", "no", "No", "NO", "off", "Off", "OFF", NULL};

static bool all_in(const char *s, const char *set)
{
        if (!*s)
                return false;
        for (; *s; s++)
                if (!strchr(set, *s))
                        return false;
        return true;
}

#define DIGITS "0123456789"
#define HEXDIGITS DIGITS "abcdefABCDEF"

static const char *skip_sign(const char *s)
{
        return *s == '-' || *s == '+' ? s + 1 : s;
}

/* [-+]?[0-9]+ | 0o[0-7]+ | 0x[0-9a-fA-F]+ */
static bool core_is_int(const char *s)
{
        if (s[0] == '0' && s[1] == 'o')
                return all_in(s + 2, "01234567");
        if (s[0] == '0' && s[1] == 'x')
                return all_in(s + 2, HEXDIGITS);
        return all_in(skip_sign(s), DIGITS);
}

static size_t span(const char *s, const char *set)
{
        return strspn(s, set);
}

/* [-+]?(\.[0-9]+|[0-9]+(\.[0-9]*)?)([eE][-+]?[0-9]+)? | [-+]?\.inf | \.nan */
static bool core_is_float(const char *s)
{
        size_t n;

        if (is_one_of(s, (const char *const[]){".nan", ".NaN", ".NAN", NULL}))
                return true;
        s = skip_sign(s);
        if (is_one_of(s, (const char *const[]){".inf", ".Inf", ".INF", NULL}))
                return true;
        if (*s == '.') {
                n = span(s + 1, DIGITS);
                if (!n)
                        return false;
                s += 1 + n;
        } else {
                n = span(s, DIGITS);
                if (!n)
                        return false;
                s += n;
                if (*s == '.')
                        s += 1 + span(s + 1, DIGITS);
        }
        if (*s == 'e' || *s == 'E') {
                s = skip_sign(s + 1);
                n = span(s, DIGITS);
                if (!n)
                        return false;
                s += n;
        }
        return *s == '\0';
}

static enum doc_type plain_type(const char *s)
{
        if (is_one_of(s, core_null))
                return DOC_T_NULL;
        if (is_one_of(s, core_true) || is_one_of(s, core_false))
                return DOC_T_BOOL;
        if (core_is_int(s))
                return DOC_T_INT;
        if (core_is_float(s))
                return DOC_T_FLOAT;
        return DOC_T_STR;
}

/* The type an explicit tag gives, or -1 when the tag does not decide. */
static int tag_type(const char *tag)
{
        static const struct {
                const char *name;
                enum doc_type type;
        } tags[] = {
            {"str", DOC_T_STR}, {"null", DOC_T_NULL},   {"bool", DOC_T_BOOL},
            {"int", DOC_T_INT}, {"float", DOC_T_FLOAT},
        };
        size_t i;

        if (!tag)
                return -1;
        if (strcmp(tag, "!") == 0)
                return DOC_T_STR;
        if (strncmp(tag, TAG_PREFIX, strlen(TAG_PREFIX)) != 0)
                return -1;
        for (i = 0; i < sizeof(tags) / sizeof(tags[0]); i++)
                if (strcmp(tag + strlen(TAG_PREFIX), tags[i].name) == 0)
                        return (int)tags[i].type;
        return -1;
}

enum doc_type doc_scalar_type(const struct doc_node *n)
{
        int t;

        if (n->kind != DOC_SCALAR)
                return DOC_T_STR; /* a caller's mistake: say nothing typed */
        t = tag_type(n->tag);
        if (t >= 0)
                return (enum doc_type)t;
        if (n->scalar.style != DOC_PLAIN)
                return DOC_T_STR;
        return plain_type(n->scalar.text);
}

bool doc_scalar_is_null(const struct doc_node *n)
{
        return n && n->kind == DOC_SCALAR && doc_scalar_type(n) == DOC_T_NULL;
}

/* ---- YAML 1.1 traps ---- */

/* A YAML 1.1 sexagesimal: [-+]?[1-9][0-9_]*(:[0-5]?[0-9])+ for integers,
 * [-+]?[0-9][0-9_]*(:[0-5]?[0-9])+\.[0-9_]* for floats.  Sets *value. */
static bool yaml11_sexagesimal(const char *s, double *value)
{
        int neg = *s == '-';
        double v = 0, frac = 0, scale = 0.1;
        const char *p = skip_sign(s);
        int parts = 0;

        if (!(*p >= '0' && *p <= '9'))
                return false;
        for (; (*p >= '0' && *p <= '9') || *p == '_'; p++)
                if (*p != '_')
                        v = v * 10 + (*p - '0');
        while (*p == ':') {
                int d = 0, nd = 0;

                for (p++; *p >= '0' && *p <= '9' && nd < 2; p++, nd++)
                        d = d * 10 + (*p - '0');
                if (nd == 0 || d > 59 || (nd == 2 && p[-2] > '5'))
                        return false;
                v = v * 60 + d;
                parts++;
        }
        if (!parts)
                return false;
        if (*p == '.') {
                for (p++; (*p >= '0' && *p <= '9') || *p == '_'; p++)
                        if (*p != '_') {
                                frac += (*p - '0') * scale;
                                scale /= 10;
                        }
        } else if (skip_sign(s)[0] == '0') {
                return false; /* integers may not start with 0 */
        }
        if (*p)
                return false;
        *value = neg ? -(v + frac) : v + frac;
        return true;
}

/* YAML 1.1 integers that are not YAML 1.2 ones with the same value:
 * 0b binary, 0 octal, and any form with '_'.  Sets *value (saturating). */
static bool yaml11_int(const char *s, enum doc_trap *trap, int64_t *value)
{
        const char *p = skip_sign(s), *digits;
        int base = 10, neg = *s == '-';
        uint64_t v = 0;
        int any = 0;

        if (p[0] == '0' && p[1] == 'b') {
                base = 2, digits = "01_", p += 2;
                *trap = DOC_TRAP_NUMBER;
        } else if (p[0] == '0' && p[1] && all_in(p + 1, "01234567_")) {
                base = 8, digits = "01234567_", p++;
                *trap = DOC_TRAP_OCTAL;
        } else if (p[0] == '0' && p[1] == 'x') {
                base = 16, digits = HEXDIGITS "_", p += 2;
                *trap = DOC_TRAP_NUMBER;
        } else if (p[0] >= '1' && p[0] <= '9') {
                digits = DIGITS "_";
                *trap = DOC_TRAP_NUMBER;
        } else {
                return false;
        }
        if (!all_in(p, digits))
                return false;
        /* YAML 1.2 reads these the same unless there is a '_' (and for
         * octal, where 1.2 reads decimal) */
        if (*trap == DOC_TRAP_NUMBER && base != 2 && !strchr(p, '_') && !(base == 16 && p != s + 2))
                return false;
        for (; *p; p++) {
                int d;

                if (*p == '_')
                        continue;
                d = *p <= '9' ? *p - '0' : (*p | 0x20) - 'a' + 10;
                v = v > (UINT64_MAX - (uint64_t)d) / (uint64_t)base
                        ? UINT64_MAX
                        : v * (uint64_t)base + (uint64_t)d;
                any = 1;
        }
        if (!any)
                return false;
        if (v > (uint64_t)INT64_MAX)
                v = (uint64_t)INT64_MAX;
        *value = neg ? -(int64_t)v : (int64_t)v;
        return true;
}

/* 1.1 float with '_' ([-+]?[0-9][0-9_]*\.[0-9_]*...): 1.2 reads a string */
static bool yaml11_float_underscore(const char *s, double *value)
{
        char clean[64];
        size_t i = 0;
        const char *p;
        char *end;

        if (!strchr(s, '_') || !strchr(s, '.') || strlen(s) >= sizeof(clean))
                return false;
        for (p = s; *p; p++)
                if (*p != '_')
                        clean[i++] = *p;
        clean[i] = '\0';
        p = skip_sign(clean);
        if (!core_is_float(clean) || !(*p >= '0' && *p <= '9'))
                return false;
        *value = strtod(clean, &end);
        return *end == '\0';
}

struct trap_info {
        enum doc_trap trap;
        int is_float;
        int64_t i; /* the YAML 1.1 value */
        double f;
        bool b;
};

static enum doc_trap trap_of(const char *s, struct trap_info *t)
{
        memset(t, 0, sizeof(*t));
        if (is_one_of(s, yaml11_true) || is_one_of(s, yaml11_false)) {
                t->b = is_one_of(s, yaml11_true);
                return t->trap = DOC_TRAP_BOOL;
        }
        if (yaml11_sexagesimal(s, &t->f)) {
                t->is_float = strchr(s, '.') != NULL;
                t->i = t->f >= 9.2e18 ? INT64_MAX : t->f <= -9.2e18 ? INT64_MIN : (int64_t)t->f;
                return t->trap = DOC_TRAP_SEXAGESIMAL;
        }
        if (yaml11_int(s, &t->trap, &t->i)) {
                t->f = (double)t->i;
                return t->trap;
        }
        if (yaml11_float_underscore(s, &t->f)) {
                t->is_float = 1;
                return t->trap = DOC_TRAP_NUMBER;
        }
        /* 089: a YAML 1.2 integer, a YAML 1.1 string (not octal, not decimal) */
        if (skip_sign(s)[0] == '0' && skip_sign(s)[1] && all_in(skip_sign(s), DIGITS))
                return t->trap = DOC_TRAP_LEADING_ZERO;
        return t->trap = DOC_TRAP_NONE;
}

static bool is_plain_untagged(const struct doc_node *n)
{
        return n && n->kind == DOC_SCALAR && n->scalar.style == DOC_PLAIN && tag_type(n->tag) < 0;
}

enum doc_trap doc_scalar_yaml11_trap(const struct doc_node *n)
{
        struct trap_info t;

        return is_plain_untagged(n) ? trap_of(n->scalar.text, &t) : DOC_TRAP_NONE;
}

const char *doc_scalar_yaml11_hint(const struct doc_node *n, char *buf, size_t size)
{
        const char *s;
        struct trap_info t;

        if (!is_plain_untagged(n) || trap_of(n->scalar.text, &t) == DOC_TRAP_NONE)
                return NULL;
        s = n->scalar.text;
        switch (t.trap) {
        case DOC_TRAP_BOOL:
                snprintf(buf, size,
                         "YAML 1.1 reads %s as the boolean %s, YAML 1.2 as a string: write %s for "
                         "a boolean or \"%s\" for a string",
                         s, t.b ? "true" : "false", t.b ? "true" : "false", s);
                break;
        case DOC_TRAP_SEXAGESIMAL:
                if (t.is_float)
                        snprintf(buf, size,
                                 "YAML 1.1 reads %s as the base-60 number %g: quote it (\"%s\")", s,
                                 t.f, s);
                else
                        snprintf(buf, size,
                                 "YAML 1.1 reads %s as the base-60 number %" PRId64
                                 ": quote it (\"%s\")",
                                 s, t.i, s);
                break;
        case DOC_TRAP_OCTAL:
                snprintf(buf, size,
                         "YAML 1.1 reads %s as the octal number %" PRId64
                         ", YAML 1.2 as decimal: write 0o%s for octal or quote it (\"%s\")",
                         s, t.i, s + strspn(s, "-+0"), s);
                break;
        case DOC_TRAP_LEADING_ZERO:
                snprintf(buf, size,
                         "YAML 1.1 reads %s as a string, YAML 1.2 as a number: quote it (\"%s\") "
                         "or drop the leading zero",
                         s, s);
                break;
        case DOC_TRAP_NUMBER:
                snprintf(buf, size,
                         "YAML 1.1 reads %s as a number, YAML 1.2 as a string: quote it (\"%s\") "
                         "or write the number without '_' or 0b",
                         s, s);
                break;
        case DOC_TRAP_NONE:
                return NULL;
        }
        return buf;
}

/* ---- converters ---- */

/* The conversion class of a scalar before reading its value: OK for an
 * untagged plain or a matching tag, QUOTED for strings, or -1 for a node
 * that cannot convert at all. */
static int conv_class(const struct doc_node *n, enum doc_type want)
{
        int t;

        if (!n || n->kind != DOC_SCALAR)
                return -1;
        t = tag_type(n->tag);
        if (t == (int)want)
                return DOC_CONV_OK;
        if (t == DOC_T_STR || (t < 0 && n->scalar.style != DOC_PLAIN))
                return DOC_CONV_QUOTED;
        if (t >= 0)
                return -1; /* tagged as another type */
        return DOC_CONV_OK;
}

enum doc_conv doc_scalar_bool(const struct doc_node *n, bool *out)
{
        int cls = conv_class(n, DOC_T_BOOL);
        struct trap_info t;
        const char *s;

        if (cls < 0)
                return DOC_CONV_TYPE;
        s = n->scalar.text;
        if (is_one_of(s, core_true) || is_one_of(s, core_false)) {
                *out = is_one_of(s, core_true);
                return (enum doc_conv)cls;
        }
        if (cls == DOC_CONV_OK && trap_of(s, &t) == DOC_TRAP_BOOL) {
                *out = t.b;
                return DOC_CONV_YAML11;
        }
        return DOC_CONV_TYPE;
}

/* Core-schema integer text to int64: RANGE on overflow. */
static enum doc_conv parse_core_int(const char *s, int64_t *out)
{
        char *end;
        long long v;

        errno = 0;
        if (s[0] == '0' && (s[1] == 'o' || s[1] == 'x'))
                v = (long long)strtoull(s + 2, &end, s[1] == 'o' ? 8 : 16);
        else
                v = strtoll(s, &end, 10);
        if (errno == ERANGE || (s[0] == '0' && (s[1] == 'o' || s[1] == 'x') && v < 0))
                return DOC_CONV_RANGE;
        *out = v;
        return DOC_CONV_OK;
}

/* Core-schema number text (an integer or a float) to a double. */
static enum doc_conv parse_core_float(const char *s, double *out)
{
        const char *u = skip_sign(s);
        int64_t i;

        if (core_is_int(s) && (s[1] == 'o' || s[1] == 'x')) {
                if (parse_core_int(s, &i) != DOC_CONV_OK)
                        return DOC_CONV_RANGE;
                *out = (double)i;
                return DOC_CONV_OK;
        }
        if (!core_is_float(s))
                return DOC_CONV_TYPE;
        if (strcmp(u, ".inf") == 0 || strcmp(u, ".Inf") == 0 || strcmp(u, ".INF") == 0) {
                *out = *s == '-' ? -INFINITY : INFINITY;
        } else if (u[0] == '.' && (u[1] == 'n' || u[1] == 'N')) {
                *out = NAN;
        } else {
                errno = 0;
                *out = strtod(s, NULL);
                if (errno == ERANGE && isinf(*out))
                        return DOC_CONV_RANGE;
        }
        return DOC_CONV_OK;
}

enum doc_conv doc_scalar_int(const struct doc_node *n, int64_t *out)
{
        int cls = conv_class(n, DOC_T_INT);
        struct trap_info t;
        enum doc_conv r;

        if (cls < 0)
                return DOC_CONV_TYPE;
        if (cls == DOC_CONV_OK && trap_of(n->scalar.text, &t) != DOC_TRAP_NONE && !t.is_float &&
            t.trap != DOC_TRAP_BOOL && t.trap != DOC_TRAP_LEADING_ZERO) {
                *out = t.i;
                return DOC_CONV_YAML11;
        }
        if (!core_is_int(n->scalar.text))
                return DOC_CONV_TYPE;
        r = parse_core_int(n->scalar.text, out);
        return r == DOC_CONV_OK ? (enum doc_conv)cls : r;
}

enum doc_conv doc_scalar_float(const struct doc_node *n, double *out)
{
        int cls = conv_class(n, DOC_T_FLOAT);
        struct trap_info t;
        enum doc_conv r;

        /* an !!int is a number too */
        if (cls < 0 && n && n->kind == DOC_SCALAR && tag_type(n->tag) == DOC_T_INT)
                cls = DOC_CONV_OK;
        if (cls < 0)
                return DOC_CONV_TYPE;
        if (cls == DOC_CONV_OK && trap_of(n->scalar.text, &t) != DOC_TRAP_NONE &&
            t.trap != DOC_TRAP_BOOL && t.trap != DOC_TRAP_LEADING_ZERO) {
                *out = t.f;
                return DOC_CONV_YAML11;
        }
        r = parse_core_float(n->scalar.text, out);
        return r == DOC_CONV_OK ? (enum doc_conv)cls : r;
}

/* ---- JSON ---- */

static json_t *scalar_to_json(const struct doc_node *n)
{
        int64_t i;
        double f;

        switch (doc_scalar_type(n)) {
        case DOC_T_NULL:
                return json_null();
        case DOC_T_BOOL:
                if (is_one_of(n->scalar.text, core_true) || is_one_of(n->scalar.text, core_false))
                        return json_boolean(is_one_of(n->scalar.text, core_true));
                break;
        case DOC_T_INT:
                if (core_is_int(n->scalar.text) && parse_core_int(n->scalar.text, &i) == 0)
                        return json_integer((json_int_t)i);
                /* too big for an integer: a real */
                /* fall through */
        case DOC_T_FLOAT:
                if (parse_core_float(n->scalar.text, &f) == DOC_CONV_OK && isfinite(f))
                        return json_real(f);
                break;
        case DOC_T_STR:
                break;
        }
        return json_stringn(n->scalar.text, n->scalar.len);
}

json_t *doc_node_to_json(const struct doc_node *n)
{
        json_t *j = NULL, *c;
        size_t i;

        switch (n->kind) {
        case DOC_SCALAR:
                return scalar_to_json(n);
        case DOC_SEQ:
                j = json_array();
                for (i = 0; j && i < n->seq.n; i++)
                        if (!(c = doc_node_to_json(n->seq.v[i])) || json_array_append_new(j, c))
                                goto fail;
                return j;
        case DOC_MAP:
                j = json_object();
                for (i = 0; j && i < n->map.n; i++) {
                        const struct doc_node *k = n->map.v[i].key;

                        if (!(c = doc_node_to_json(n->map.v[i].value)) ||
                            json_object_setn_new(j, k->scalar.text, k->scalar.len, c))
                                goto fail;
                }
                return j;
        }
fail:
        json_decref(j);
        return NULL;
}
