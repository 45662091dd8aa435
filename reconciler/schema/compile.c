/* Parsing a draft-07 JSON Schema into struct sch_node trees (internal.h):
 * keywords checked once, $ref resolved to nodes, patterns compiled once
 * each.  The compiled-in manifest schema is parsed once per process. */
#include "schema/validate.h"

#include <pthread.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "common/arena.h"
#include "common/err.h"
#include "schema/internal.h"
#include "schema/schema.h"

const char *schema_text(void)
{
        return berth_manifest_schema;
}

struct memo {
        const json_t *json;
        struct sch_node *node;
};

struct compiler {
        struct schema *s;
        struct memo *memo; /* every schema object compiled so far */
        size_t nmemo, capmemo;
        struct berth_err *err;
};

static int fail(struct compiler *c, const char *where, const char *fmt, ...)
    __attribute__((format(printf, 3, 4)));

static int fail(struct compiler *c, const char *where, const char *fmt, ...)
{
        char msg[768];
        va_list ap;

        va_start(ap, fmt);
        vsnprintf(msg, sizeof(msg), fmt, ap);
        va_end(ap);
        return berth_err_set(c->err, BERTH_EINVALID, "schema %s: %s", where, msg);
}

static int nomem(struct compiler *c)
{
        return berth_err_set(c->err, BERTH_ENOMEM, "cannot load the schema: out of memory");
}

/* "where/key" with key escaped as a JSON pointer token (~0, ~1). */
static const char *where_join(struct compiler *c, const char *where, const char *key)
{
        size_t n = strlen(key), i, j = 0;
        char *tok = malloc(2 * n + 1);
        const char *r;

        if (!tok)
                return NULL;
        for (i = 0; i < n; i++) {
                if (key[i] == '~' || key[i] == '/') {
                        tok[j++] = '~';
                        tok[j++] = key[i] == '~' ? '0' : '1';
                } else {
                        tok[j++] = key[i];
                }
        }
        tok[j] = '\0';
        r = berth_arena_printf(c->s->arena, "%s/%s", where, tok);
        free(tok);
        return r;
}

static const char *where_index(struct compiler *c, const char *where, size_t i)
{
        return berth_arena_printf(c->s->arena, "%s/%zu", where, i);
}

/* Does regcomp read p as ECMA-262 does?  Not escapes of letters and
 * digits (\d, \w, \s, \b, \1), not (?...) groups. */
static bool pattern_portable(const char *p)
{
        for (; *p; p++) {
                if (*p == '\\') {
                        p++;
                        if (!*p || (*p >= '0' && *p <= '9') || (*p >= 'a' && *p <= 'z') ||
                            (*p >= 'A' && *p <= 'Z'))
                                return false;
                } else if (p[0] == '(' && p[1] == '?') {
                        return false;
                }
        }
        return true;
}

/* The compiled regex for src, compiling it on first use. */
static int regex_get(struct compiler *c, const struct sch_regex **out, const char *src,
                     const char *where)
{
        struct schema *s = c->s;
        struct sch_regex *r, **v;
        char msg[256];
        size_t i;
        int rc;

        for (i = 0; i < s->nregexes; i++) {
                if (strcmp(s->regexes[i]->src, src) == 0) {
                        *out = s->regexes[i];
                        return 0;
                }
        }
        if (!pattern_portable(src))
                return fail(c, where,
                            "pattern '%s' uses ECMA-262 syntax that POSIX regular expressions "
                            "read differently (\\d, \\w, (?...)): write [0-9], [a-zA-Z0-9_], ...",
                            src);
        v = realloc(s->regexes, (s->nregexes + 1) * sizeof(*v));
        if (!v)
                return nomem(c);
        s->regexes = v;
        if (!(r = berth_arena_alloc(s->arena, sizeof(*r))))
                return nomem(c);
        rc = regcomp(&r->re, src, REG_EXTENDED | REG_NOSUB);
        if (rc != 0) {
                regerror(rc, &r->re, msg, sizeof(msg));
                return fail(c, where, "pattern '%s' does not compile: %s", src, msg);
        }
        r->src = src;
        s->regexes[s->nregexes++] = r;
        *out = r;
        return 0;
}

static struct sch_node *compile(struct compiler *c, json_t *j, const char *where);

/* Keywords this validator refuses rather than ignore: python-jsonschema
 * applies them, so ignoring them would change the verdict. */
static const char *const refused[] = {
    "additionalItems",
    "contains",
    "dependencies",
    "if",
    "then",
    "else",
    "minProperties",
    "maxProperties",
    "exclusiveMinimum",
    "exclusiveMaximum",
    "multipleOf",
    NULL,
};

static int type_bit(const char *name)
{
        static const struct {
                const char *name;
                unsigned bits;
        } t[] = {
            {"null", SCH_NULL},       {"boolean", SCH_BOOLEAN},
            {"integer", SCH_INTEGER}, {"number", SCH_INTEGER | SCH_NUMBER},
            {"string", SCH_STRING},   {"array", SCH_ARRAY},
            {"object", SCH_OBJECT},
        };
        size_t i;

        for (i = 0; i < sizeof(t) / sizeof(t[0]); i++)
                if (strcmp(name, t[i].name) == 0)
                        return (int)t[i].bits;
        return -1;
}

static int compile_type(struct compiler *c, struct sch_node *n, json_t *v, const char *where)
{
        size_t i;
        json_t *e;
        int bit;

        if (json_is_string(v)) {
                if ((bit = type_bit(json_string_value(v))) < 0)
                        return fail(c, where, "unknown type '%s'", json_string_value(v));
                n->types = (unsigned)bit;
                return 0;
        }
        if (!json_is_array(v) || json_array_size(v) == 0)
                return fail(c, where, "type must be a type name or a list of them");
        json_array_foreach(v, i, e)
        {
                if (!json_is_string(e) || (bit = type_bit(json_string_value(e))) < 0)
                        return fail(c, where, "type must be a type name or a list of them");
                n->types |= (unsigned)bit;
        }
        return 0;
}

static int compile_count(struct compiler *c, long *out, json_t *v, const char *where,
                         const char *kw)
{
        if (!json_is_integer(v) || json_integer_value(v) < 0)
                return fail(c, where, "%s must be a non-negative integer", kw);
        *out = (long)json_integer_value(v);
        return 0;
}

static int compile_list(struct compiler *c, struct sch_list *out, json_t *v, const char *where,
                        const char *kw)
{
        size_t i;
        json_t *e;

        if (!json_is_array(v) || json_array_size(v) == 0)
                return fail(c, where, "%s must be a non-empty list of schemas", kw);
        out->v = berth_arena_alloc(c->s->arena, json_array_size(v) * sizeof(*out->v));
        if (!out->v)
                return nomem(c);
        json_array_foreach(v, i, e)
        {
                const char *w = where_index(c, where, i);

                if (!w || !(out->v[i] = compile(c, e, w)))
                        return w ? c->err->code : nomem(c);
        }
        out->n = json_array_size(v);
        return 0;
}

static int compile_props(struct compiler *c, struct sch_node *n, json_t *v, const char *where,
                         bool patterns)
{
        size_t i = 0, count = json_object_size(v);
        const char *key;
        json_t *e;

        if (!json_is_object(v))
                return fail(c, where, "%s must be an object of schemas",
                            patterns ? "patternProperties" : "properties");
        if (patterns)
                n->pattern_props =
                    berth_arena_alloc(c->s->arena, (count + 1) * sizeof(*n->pattern_props));
        else
                n->props = berth_arena_alloc(c->s->arena, (count + 1) * sizeof(*n->props));
        if (patterns ? !n->pattern_props : !n->props)
                return nomem(c);
        json_object_foreach(v, key, e)
        {
                const char *w = where_join(c, where, key);
                struct sch_node *sub;
                int rc;

                if (!w)
                        return nomem(c);
                if (!(sub = compile(c, e, w)))
                        return c->err->code;
                if (patterns) {
                        if ((rc = regex_get(c, &n->pattern_props[i].re, key, w)) < 0)
                                return rc;
                        n->pattern_props[i++].schema = sub;
                } else {
                        n->props[i].name = key;
                        n->props[i++].schema = sub;
                }
        }
        if (patterns)
                n->npattern_props = i;
        else
                n->nprops = i;
        return 0;
}

static int compile_required(struct compiler *c, struct sch_node *n, json_t *v, const char *where)
{
        size_t i;
        json_t *e;

        if (!json_is_array(v))
                return fail(c, where, "required must be a list of names");
        n->required = berth_arena_alloc(c->s->arena, (json_array_size(v) + 1) * sizeof(char *));
        if (!n->required)
                return nomem(c);
        json_array_foreach(v, i, e)
        {
                if (!json_is_string(e))
                        return fail(c, where, "required must be a list of names");
                n->required[i] = json_string_value(e);
        }
        n->nrequired = json_array_size(v);
        return 0;
}

/* A sub-schema under keyword kw. */
static int compile_sub(struct compiler *c, struct sch_node **out, json_t *v, const char *where,
                       const char *kw)
{
        const char *w = where_join(c, where, kw);

        if (!w)
                return nomem(c);
        *out = compile(c, v, w);
        return *out ? 0 : c->err->code;
}

static int compile_keyword(struct compiler *c, struct sch_node *n, const char *kw, json_t *v,
                           const char *where)
{
        const char *w = where_join(c, where, kw);
        size_t i;

        if (!w)
                return nomem(c);
        for (i = 0; refused[i]; i++)
                if (strcmp(kw, refused[i]) == 0)
                        return fail(c, where,
                                    "keyword '%s' is not implemented by berth's validator", kw);
        if (strcmp(kw, "type") == 0)
                return compile_type(c, n, v, w);
        if (strcmp(kw, "enum") == 0) {
                if (!json_is_array(v) || json_array_size(v) == 0)
                        return fail(c, w, "enum must be a non-empty list");
                n->enum_v = v;
                return 0;
        }
        if (strcmp(kw, "const") == 0) {
                n->const_v = v;
                return 0;
        }
        if (strcmp(kw, "pattern") == 0) {
                if (!json_is_string(v))
                        return fail(c, w, "pattern must be a string");
                return regex_get(c, &n->pattern, json_string_value(v), w);
        }
        if (strcmp(kw, "minLength") == 0)
                return compile_count(c, &n->min_length, v, w, kw);
        if (strcmp(kw, "maxLength") == 0)
                return compile_count(c, &n->max_length, v, w, kw);
        if (strcmp(kw, "minItems") == 0)
                return compile_count(c, &n->min_items, v, w, kw);
        if (strcmp(kw, "maxItems") == 0)
                return compile_count(c, &n->max_items, v, w, kw);
        if (strcmp(kw, "minimum") == 0 || strcmp(kw, "maximum") == 0) {
                if (!json_is_number(v))
                        return fail(c, w, "%s must be a number", kw);
                *(kw[1] == 'i' ? &n->minimum : &n->maximum) = v;
                return 0;
        }
        if (strcmp(kw, "uniqueItems") == 0) {
                if (!json_is_boolean(v))
                        return fail(c, w, "uniqueItems must be true or false");
                n->unique_items = json_is_true(v);
                return 0;
        }
        if (strcmp(kw, "items") == 0) {
                if (json_is_array(v))
                        return fail(c, w, "a list of item schemas is not implemented");
                return compile_sub(c, &n->items, v, where, kw);
        }
        if (strcmp(kw, "properties") == 0)
                return compile_props(c, n, v, w, false);
        if (strcmp(kw, "patternProperties") == 0)
                return compile_props(c, n, v, w, true);
        if (strcmp(kw, "additionalProperties") == 0)
                return compile_sub(c, &n->additional, v, where, kw);
        if (strcmp(kw, "propertyNames") == 0)
                return compile_sub(c, &n->property_names, v, where, kw);
        if (strcmp(kw, "required") == 0)
                return compile_required(c, n, v, w);
        if (strcmp(kw, "allOf") == 0)
                return compile_list(c, &n->all_of, v, w, kw);
        if (strcmp(kw, "anyOf") == 0)
                return compile_list(c, &n->any_of, v, w, kw);
        if (strcmp(kw, "oneOf") == 0)
                return compile_list(c, &n->one_of, v, w, kw);
        if (strcmp(kw, "not") == 0)
                return compile_sub(c, &n->not_, v, where, kw);
        if (strcmp(kw, "definitions") == 0) {
                const char *key;
                json_t *e;

                if (!json_is_object(v))
                        return fail(c, w, "definitions must be an object of schemas");
                json_object_foreach(v, key, e)
                {
                        struct sch_node *unused;
                        int rc = compile_sub(c, &unused, e, w, key);

                        if (rc < 0)
                                return rc;
                }
                return 0;
        }
        if (strcmp(kw, "x-message") == 0 || strcmp(kw, "x-required-message") == 0) {
                if (!json_is_string(v))
                        return fail(c, w, "%s must be a string", kw);
                *(kw[2] == 'm' ? &n->x_message : &n->x_required_message) = json_string_value(v);
                return 0;
        }
        /* annotations ($schema, $id, title, description, default, format,
         * x-*) and unknown keywords, which draft-07 ignores */
        return 0;
}

/* The schema a local "#/a/b" reference names, or NULL. */
static json_t *ref_resolve(json_t *root, const char *ref)
{
        json_t *cur = root;
        char tok[256];

        if (ref[0] != '#')
                return NULL;
        ref++;
        while (*ref) {
                size_t n = 0;

                if (*ref++ != '/')
                        return NULL;
                for (; *ref && *ref != '/'; ref++) {
                        char ch = *ref;

                        if (ch == '~') {
                                if (ref[1] != '0' && ref[1] != '1')
                                        return NULL;
                                ch = ref[1] == '0' ? '~' : '/';
                                ref++;
                        } else if (ch == '%') {
                                return NULL; /* percent-encoding: not used, not implemented */
                        }
                        if (n + 1 >= sizeof(tok))
                                return NULL;
                        tok[n++] = ch;
                }
                tok[n] = '\0';
                if (json_is_object(cur)) {
                        cur = json_object_get(cur, tok);
                } else if (json_is_array(cur)) {
                        char *end;
                        unsigned long i = strtoul(tok, &end, 10);

                        cur = *tok && !*end ? json_array_get(cur, i) : NULL;
                } else {
                        cur = NULL;
                }
                if (!cur)
                        return NULL;
        }
        return cur;
}

static bool node_is_empty(const struct sch_node *n)
{
        return !n->is_false && !n->ref && !n->types && !n->enum_v && !n->const_v && !n->pattern &&
               n->min_length < 0 && n->max_length < 0 && !n->minimum && !n->maximum && !n->items &&
               n->min_items < 0 && n->max_items < 0 && !n->unique_items && !n->nprops &&
               !n->npattern_props && !n->additional && !n->property_names && !n->nrequired &&
               !n->all_of.n && !n->any_of.n && !n->one_of.n && !n->not_;
}

static struct sch_node *compile(struct compiler *c, json_t *j, const char *where)
{
        struct sch_node *n;
        const char *kw;
        json_t *v;
        size_t i;

        for (i = 0; i < c->nmemo; i++)
                if (c->memo[i].json == j)
                        return c->memo[i].node;
        if (!json_is_object(j) && !json_is_boolean(j)) {
                fail(c, where, "a schema must be an object, true or false");
                return NULL;
        }
        if (!(n = berth_arena_alloc(c->s->arena, sizeof(*n)))) {
                nomem(c);
                return NULL;
        }
        if (c->nmemo == c->capmemo) {
                size_t cap = c->capmemo ? 2 * c->capmemo : 64;
                struct memo *m = realloc(c->memo, cap * sizeof(*m));

                if (!m) {
                        nomem(c);
                        return NULL;
                }
                c->memo = m;
                c->capmemo = cap;
        }
        c->memo[c->nmemo].json = j;
        c->memo[c->nmemo++].node = n;
        n->where = where;
        n->min_length = n->max_length = n->min_items = n->max_items = -1;
        if (json_is_boolean(j)) {
                n->is_false = json_is_false(j);
                n->is_empty = !n->is_false;
                return n;
        }
        if ((v = json_object_get(j, "$ref"))) {
                json_t *target;

                if (!json_is_string(v)) {
                        fail(c, where, "$ref must be a string");
                        return NULL;
                }
                if (!(target = ref_resolve(c->s->json, json_string_value(v)))) {
                        fail(c, where, "$ref '%s' does not name a schema in this document",
                             json_string_value(v));
                        return NULL;
                }
                /* draft-07: keywords beside $ref are ignored */
                n->x_message = json_string_value(json_object_get(j, "x-message"));
                n->ref = compile(c, target, json_string_value(v));
                return n->ref ? n : NULL;
        }
        json_object_foreach(j, kw, v)
        {
                if (compile_keyword(c, n, kw, v, where) < 0)
                        return NULL;
        }
        n->is_empty = node_is_empty(n);
        return n;
}

/* A $ref that leads back to itself through other $refs names no schema
 * (and would loop for ever). */
static int refs_check(struct compiler *c)
{
        size_t i, steps;

        for (i = 0; i < c->nmemo; i++) {
                const struct sch_node *n = c->memo[i].node;

                for (steps = 0; n->ref && steps <= c->nmemo; steps++)
                        n = n->ref;
                if (n->ref)
                        return fail(c, c->memo[i].node->where, "$ref leads back to itself");
        }
        return 0;
}

void schema_free(struct schema *s)
{
        size_t i;

        if (!s)
                return;
        for (i = 0; i < s->nregexes; i++)
                regfree(&s->regexes[i]->re);
        free(s->regexes);
        json_decref(s->json);
        berth_arena_free(s->arena);
        free(s);
}

int schema_parse(struct schema **out, const char *text, size_t len, struct berth_err *err)
{
        struct berth_err local;
        struct compiler c = {.err = err ? err : &local};
        struct schema *s = calloc(1, sizeof(*s));
        json_error_t jerr;
        int rc = 0;

        *out = NULL;
        berth_err_clear(c.err);
        c.s = s;
        if (!s || !(s->arena = berth_arena_new())) {
                rc = nomem(&c);
                goto out;
        }
        s->json = json_loadb(text, len, JSON_REJECT_DUPLICATES, &jerr);
        if (!s->json) {
                rc = berth_err_set(c.err, BERTH_EINVALID, "schema is not valid JSON: %d:%d: %s",
                                   jerr.line, jerr.column, jerr.text);
                goto out;
        }
        if (!(s->root = compile(&c, s->json, "#")))
                rc = c.err->code < 0 ? c.err->code : BERTH_EINVALID;
        else
                rc = refs_check(&c);
out:
        free(c.memo);
        if (rc < 0)
                schema_free(s);
        else
                *out = s;
        return rc;
}

static pthread_once_t builtin_once = PTHREAD_ONCE_INIT;
static struct schema *builtin;
static struct berth_err builtin_err;

static void builtin_load(void)
{
        if (schema_parse(&builtin, berth_manifest_schema, (size_t)berth_manifest_schema_len,
                         &builtin_err) < 0)
                berth_err_prefix(&builtin_err, "cannot load the built-in manifest schema");
}

const struct schema *schema_load_builtin(struct berth_err *err)
{
        pthread_once(&builtin_once, builtin_load);
        if (!builtin && err)
                *err = builtin_err;
        return builtin;
}
