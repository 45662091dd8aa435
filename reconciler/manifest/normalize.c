/* normalize_project(): the project level (name, top-level networks and
 * volumes, checks across services) and the helpers the service code
 * shares.  The service keys are in normalize_service.c, ports in
 * normalize_ports.c, mounts in normalize_volumes.c. */
#include "manifest/normalize.h"

#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "common/arena.h"
#include "common/err.h"
#include "manifest/diag.h"
#include "manifest/interp.h"
#include "manifest/normalize_int.h"
#include "manifest/units.h"

/* ---- reporting ---- */

static void nz_report(struct nz *z, enum diag_severity sev, const struct doc_node *at,
                      const char *path, const char *fmt, va_list ap)
{
        if (sev == DIAG_ERROR)
                z->errors++;
        diag_addv(z->diags, sev, z->ctx->file, at ? at->pos.line : 0, at ? at->pos.col : 0, path,
                  fmt, ap);
}

void nz_error(struct nz *z, const struct doc_node *at, const char *path, const char *fmt, ...)
{
        va_list ap;

        va_start(ap, fmt);
        nz_report(z, DIAG_ERROR, at, path, fmt, ap);
        va_end(ap);
}

void nz_warn(struct nz *z, const struct doc_node *at, const char *path, const char *fmt, ...)
{
        va_list ap;

        va_start(ap, fmt);
        nz_report(z, DIAG_WARNING, at, path, fmt, ap);
        va_end(ap);
}

void nz_ignored(struct nz *z, const struct doc_node *parent, const char *key, const char *path,
                const char *why)
{
        struct doc_pair *pair = doc_map_find(parent, key);
        char p[NZ_PATH];

        if (pair)
                nz_warn(z, pair->key, nz_key_path(p, path, key), "ignored: %s", why);
}

/* Without printf: a path is made for every key read. */
const char *nz_key_path(char *buf, const char *parent, const char *key)
{
        size_t np = strlen(parent), nk = strlen(key), dot = np ? 1 : 0;

        if (np > NZ_PATH - 1)
                np = NZ_PATH - 1;
        if (dot > NZ_PATH - 1 - np)
                dot = 0;
        if (nk > NZ_PATH - 1 - np - dot)
                nk = NZ_PATH - 1 - np - dot;
        memmove(buf, parent, np); /* parent may be buf itself */
        memcpy(buf + np, ".", dot);
        memcpy(buf + np + dot, key, nk);
        buf[np + dot + nk] = '\0';
        return buf;
}

const char *nz_index_path(char *buf, const char *parent, size_t i)
{
        snprintf(buf, NZ_PATH, "%s[%zu]", parent, i);
        return buf;
}

/* ---- memory ---- */

void *nz_check(struct nz *z, void *p)
{
        if (!p)
                z->nomem = 1;
        return p;
}

char *nz_strdup(struct nz *z, const char *s)
{
        return s ? nz_check(z, berth_arena_strdup(z->a, s)) : NULL;
}

char *nz_strndup(struct nz *z, const char *s, size_t n)
{
        return nz_check(z, berth_arena_strndup(z->a, s, n));
}

/* Arrays grown only here have a capacity of max(4, the next power of two
 * >= n), so they grow exactly when n is 0 or a power of two >= 4. */
void *nz_grow(struct nz *z, void *arr, size_t n, size_t size)
{
        if (n == 0 || (n >= 4 && (n & (n - 1)) == 0))
                return nz_check(z, berth_arena_grow(z->a, arr, n, n ? 2 * n : 4, size));
        return arr;
}

/* ---- typed values ---- */

static const char *what_is(const struct doc_node *n)
{
        if (!n)
                return "nothing";
        if (n->kind != DOC_SCALAR)
                return doc_kind_name(n->kind);
        return doc_type_name(doc_scalar_type(n));
}

const char *nz_text(struct nz *z, const struct doc_node *n, const char *path)
{
        if (!n || n->kind != DOC_SCALAR || doc_scalar_is_null(n)) {
                nz_error(z, n, path, "expected a string, got %s", what_is(n));
                return NULL;
        }
        return n->scalar.text;
}

char *nz_text_dup(struct nz *z, const struct doc_node *n, const char *path)
{
        const char *t;

        if (!n)
                return NULL;
        t = nz_text(z, n, path);
        return t ? nz_strdup(z, t) : NULL;
}

int nz_bool(struct nz *z, const struct doc_node *n, const char *path, int *out)
{
        bool b = false;
        char hint[256];

        switch (doc_scalar_bool(n, &b)) {
        case DOC_CONV_OK:
                *out = b;
                return 0;
        case DOC_CONV_YAML11:
                nz_error(z, n, path, "expected true or false: %s",
                         doc_scalar_yaml11_hint(n, hint, sizeof(hint)));
                return -1;
        case DOC_CONV_QUOTED:
                nz_error(z, n, path, "expected true or false, got the string \"%s\"",
                         n->scalar.text);
                return -1;
        default:
                nz_error(z, n, path, "expected true or false, got %s", what_is(n));
                return -1;
        }
}

void nz_flag(struct nz *z, const struct doc_node *map, const char *key, const char *path, int *out)
{
        const struct doc_node *n = doc_map_get(map, key);
        char p[NZ_PATH];

        if (n && !doc_scalar_is_null(n))
                nz_bool(z, n, nz_key_path(p, path, key), out);
}

int nz_int(struct nz *z, const struct doc_node *n, const char *path, int64_t *out)
{
        int64_t v = 0;
        char hint[256];

        switch (doc_scalar_int(n, &v)) {
        case DOC_CONV_OK:
                *out = v;
                return 0;
        case DOC_CONV_RANGE:
                nz_error(z, n, path, "%s is out of range", n->scalar.text);
                return -1;
        case DOC_CONV_YAML11:
                nz_error(z, n, path, "expected an integer: %s",
                         doc_scalar_yaml11_hint(n, hint, sizeof(hint)));
                return -1;
        case DOC_CONV_QUOTED:
                nz_error(z, n, path, "expected an integer, got the string \"%s\"", n->scalar.text);
                return -1;
        default:
                nz_error(z, n, path, "expected an integer, got %s", what_is(n));
                return -1;
        }
}

int nz_count(struct nz *z, const struct doc_node *n, const char *path, int64_t *out)
{
        if (nz_int(z, n, path, out) < 0)
                return -1;
        if (*out < 0) {
                nz_error(z, n, path, "cannot be negative");
                return -1;
        }
        return 0;
}

typedef int (*unit_parse_fn)(int64_t *out, const char *text, struct berth_err *err);

/* A scalar's text through one of the units.h parsers. */
static int with_unit(struct nz *z, const struct doc_node *n, const char *path, int64_t *out,
                     unit_parse_fn parse)
{
        const char *t = nz_text(z, n, path);
        struct berth_err e;

        if (!t)
                return -1;
        if (parse(out, t, &e) < 0) {
                nz_error(z, n, path, "%s", e.msg);
                return -1;
        }
        return 0;
}

int nz_duration(struct nz *z, const struct doc_node *n, const char *path, int64_t *out)
{
        return with_unit(z, n, path, out, units_duration_parse);
}

int nz_size(struct nz *z, const struct doc_node *n, const char *path, int64_t *out)
{
        /* an integer in any YAML form is bytes */
        if (n && n->kind == DOC_SCALAR && doc_scalar_type(n) == DOC_T_INT)
                return nz_count(z, n, path, out);
        return with_unit(z, n, path, out, units_size_parse);
}

int nz_cpus(struct nz *z, const struct doc_node *n, const char *path, int64_t *out)
{
        return with_unit(z, n, path, out, units_cpus_parse);
}

static int nz_is(struct nz *z, const struct doc_node *n, const char *path, enum doc_kind kind)
{
        if (n && n->kind == kind)
                return 1;
        nz_error(z, n, path, "expected a %s, got %s", doc_kind_name(kind), what_is(n));
        return 0;
}

int nz_is_map(struct nz *z, const struct doc_node *n, const char *path)
{
        return nz_is(z, n, path, DOC_MAP);
}

int nz_is_seq(struct nz *z, const struct doc_node *n, const char *path)
{
        return nz_is(z, n, path, DOC_SEQ);
}

/* ---- model lists ---- */

void nz_strlist_add(struct nz *z, struct model_strlist *l, const char *s)
{
        char **v = nz_grow(z, l->v, l->n, sizeof(*l->v));
        char *copy = nz_strdup(z, s);

        if (!v || !copy)
                return;
        l->v = v;
        l->v[l->n++] = copy;
}

void nz_strlist(struct nz *z, const struct doc_node *n, const char *path, struct model_strlist *l,
                int one_ok)
{
        char p[NZ_PATH];
        const char *t;
        size_t i;

        if (!n)
                return;
        l->set = 1;
        if (one_ok && n->kind == DOC_SCALAR) {
                if ((t = nz_text(z, n, path)))
                        nz_strlist_add(z, l, t);
                return;
        }
        if (!nz_is_seq(z, n, path))
                return;
        for (i = 0; i < n->seq.n; i++)
                if ((t = nz_text(z, n->seq.v[i], nz_index_path(p, path, i))))
                        nz_strlist_add(z, l, t);
}

void nz_kv_add(struct nz *z, struct model_kvlist *l, const char *key, size_t klen,
               const char *value)
{
        struct model_kv *v = nz_grow(z, l->v, l->n, sizeof(*l->v));
        char *k = nz_strndup(z, key, klen);
        char *val = nz_strdup(z, value);

        if (!v || !k || (value && !val))
                return;
        l->v = v;
        l->v[l->n].key = k;
        l->v[l->n].value = val;
        l->v[l->n].sensitive = model_name_is_sensitive(k);
        l->n++;
}

/* The value of a key written without one. */
static const char *kv_bare(struct nz *z, const char *key, size_t klen, enum nz_kv_mode mode)
{
        if (mode == NZ_KV_ENV)
                return z->ctx->env ? interp_env_get(z->ctx->env, key, klen) : NULL;
        return "";
}

static void kv_item(struct nz *z, const struct doc_node *n, const char *path,
                    struct model_kvlist *l, enum nz_kv_mode mode)
{
        const char *t = nz_text(z, n, path), *eq;
        size_t klen;

        if (!t)
                return;
        eq = strchr(t, '=');
        klen = eq ? (size_t)(eq - t) : strlen(t);
        if (klen == 0) {
                nz_error(z, n, path, "'%s' has no name before '='", t);
                return;
        }
        if (!eq && mode == NZ_KV_VALUES) {
                nz_error(z, n, path, "'%s' has no value: write %s=VALUE", t, t);
                return;
        }
        nz_kv_add(z, l, t, klen, eq ? eq + 1 : kv_bare(z, t, klen, mode));
}

void nz_kv(struct nz *z, const struct doc_node *n, const char *path, struct model_kvlist *l,
           enum nz_kv_mode mode, int list_ok)
{
        char p[NZ_PATH];
        size_t i;

        if (!n)
                return;
        if (list_ok && n->kind == DOC_SEQ) {
                for (i = 0; i < n->seq.n; i++)
                        kv_item(z, n->seq.v[i], nz_index_path(p, path, i), l, mode);
                return;
        }
        if (n->kind != DOC_MAP) {
                nz_error(z, n, path, "expected a mapping%s, got %s",
                         list_ok ? " or a list of KEY=VALUE" : "", what_is(n));
                return;
        }
        for (i = 0; i < n->map.n; i++) {
                const struct doc_node *k = n->map.v[i].key, *v = n->map.v[i].value;
                const char *t;

                if (v->kind == DOC_SCALAR && doc_scalar_is_null(v)) {
                        nz_kv_add(z, l, k->scalar.text, k->scalar.len,
                                  kv_bare(z, k->scalar.text, k->scalar.len,
                                          mode == NZ_KV_VALUES ? NZ_KV_LABELS : mode));
                } else if ((t = nz_text(z, v, nz_key_path(p, path, k->scalar.text)))) {
                        nz_kv_add(z, l, k->scalar.text, k->scalar.len, t);
                }
        }
}

void nz_sort(void *v, size_t n, size_t size, int (*cmp)(const void *, const void *))
{
        if (n > 1)
                qsort(v, n, size, cmp);
}

struct kv_seq {
        struct model_kv kv;
        size_t seq;
};

static int kv_seq_cmp(const void *a, const void *b)
{
        const struct kv_seq *x = a, *y = b;
        int c = strcmp(x->kv.key, y->kv.key);

        if (c)
                return c;
        return x->seq < y->seq ? -1 : x->seq > y->seq;
}

void nz_kv_finish(struct nz *z, struct model_kvlist *l)
{
        struct kv_seq *t;
        size_t i, n = 0;

        if (l->n < 2)
                return;
        t = malloc(l->n * sizeof(*t));
        if (!t) {
                z->nomem = 1;
                return;
        }
        for (i = 0; i < l->n; i++) {
                t[i].kv = l->v[i];
                t[i].seq = i;
        }
        qsort(t, l->n, sizeof(*t), kv_seq_cmp);
        for (i = 0; i < l->n; i++) {
                if (i + 1 < l->n && strcmp(t[i].kv.key, t[i + 1].kv.key) == 0)
                        continue; /* a later one of the same key follows */
                l->v[n++] = t[i].kv;
        }
        l->n = n;
        free(t);
}

void nz_labels_check(struct nz *z, const struct doc_node *n, const char *path,
                     const struct model_kvlist *l)
{
        size_t i;

        for (i = 0; i < l->n; i++)
                if (strncmp(l->v[i].key, "berth.", 6) == 0)
                        nz_error(z, n, path,
                                 "label '%s': labels starting with 'berth.' are reserved for "
                                 "berth's own",
                                 l->v[i].key);
}

/* ---- shell words ---- */

int normalize_shell_split(char ***out, size_t *n, const char *s, struct berth_arena *a,
                          struct berth_err *err)
{
        size_t len = strlen(s), wl = 0, nv = 0, cap = 0;
        char *word = malloc(len + 1), **v = NULL, **g;
        const char *p = s;
        int in_word = 0, rc = 0;

        if (!word)
                return berth_err_set(err, BERTH_ENOMEM, "out of memory splitting a command");
        for (;;) {
                char c = *p;

                if (c == '\0' || c == ' ' || c == '\t' || c == '\n') {
                        if (in_word) {
                                if (nv == cap) {
                                        g = berth_arena_grow(a, v, nv, cap ? 2 * cap : 8,
                                                             sizeof(*v));
                                        if (!g)
                                                goto nomem;
                                        v = g;
                                        cap = cap ? 2 * cap : 8;
                                }
                                if (!(v[nv++] = berth_arena_strndup(a, word, wl)))
                                        goto nomem;
                                wl = 0;
                                in_word = 0;
                        }
                        if (c == '\0')
                                break;
                        p++;
                } else if (c == '\'') {
                        const char *q = strchr(p + 1, '\'');

                        if (!q) {
                                rc =
                                    berth_err_set(err, BERTH_EINVALID, "unterminated single quote");
                                goto done;
                        }
                        memcpy(word + wl, p + 1, (size_t)(q - p - 1));
                        wl += (size_t)(q - p - 1);
                        in_word = 1;
                        p = q + 1;
                } else if (c == '"') {
                        for (p++; *p && *p != '"'; p++) {
                                if (*p == '\\' && p[1] && strchr("$`\"\\\n", p[1])) {
                                        p++;
                                        if (*p == '\n')
                                                continue;
                                }
                                word[wl++] = *p;
                        }
                        if (!*p) {
                                rc =
                                    berth_err_set(err, BERTH_EINVALID, "unterminated double quote");
                                goto done;
                        }
                        in_word = 1;
                        p++;
                } else if (c == '\\') {
                        if (!p[1]) {
                                rc = berth_err_set(err, BERTH_EINVALID,
                                                   "a backslash at the end escapes nothing");
                                goto done;
                        }
                        if (p[1] != '\n') {
                                word[wl++] = p[1];
                                in_word = 1;
                        }
                        p += 2;
                } else {
                        word[wl++] = c;
                        in_word = 1;
                        p++;
                }
        }
        *out = v;
        *n = nv;
        goto done;
nomem:
        rc = berth_err_set(err, BERTH_ENOMEM, "out of memory splitting a command");
done:
        free(word);
        return rc;
}

/* ---- the project ---- */

/* Compose's rule for a name from a path: lower-case, keep [a-z0-9_-],
 * then drop leading '_' and '-'.  '/' becomes '-' first. */
const char *normalize_project_name(char *buf, size_t size, const char *source)
{
        const char *slash = strrchr(source, '/'), *dot = strrchr(source, '.');
        size_t len = dot && (!slash || dot > slash) ? (size_t)(dot - source) : strlen(source);
        size_t i, n = 0;

        for (i = 0; i < len && n + 1 < size; i++) {
                char c = source[i];

                if (c == '/')
                        c = '-';
                if (c >= 'A' && c <= 'Z')
                        c = (char)(c - 'A' + 'a');
                if ((c >= 'a' && c <= 'z') || (c >= '0' && c <= '9') || c == '_' || c == '-') {
                        if (n == 0 && (c == '_' || c == '-'))
                                continue;
                        buf[n++] = c;
                }
        }
        if (size)
                buf[n] = '\0';
        return buf;
}

static char *name_from_source(struct nz *z, const char *source)
{
        char buf[256];

        return nz_strdup(z, normalize_project_name(buf, sizeof(buf), source));
}

static int valid_project_name(const char *s)
{
        if (!((*s >= 'a' && *s <= 'z') || (*s >= '0' && *s <= '9')))
                return 0;
        for (; *s; s++)
                if (!((*s >= 'a' && *s <= 'z') || (*s >= '0' && *s <= '9') || *s == '_' ||
                      *s == '-'))
                        return 0;
        return 1;
}

static void project_name(struct nz *z, const struct doc_node *root)
{
        const struct doc_node *n = doc_map_get(root, "name");
        const char *t;

        if (n) {
                if (!(t = nz_text(z, n, "name")))
                        return;
                if (!valid_project_name(t)) {
                        nz_error(z, n, "name",
                                 "'%s' is not a project name (lower-case letters, digits, _ and "
                                 "-, starting with a letter or digit)",
                                 t);
                        return;
                }
                z->p->name = nz_strdup(z, t);
                return;
        }
        z->p->name = name_from_source(z, z->ctx->source ? z->ctx->source : "");
        if (z->p->name && !*z->p->name)
                nz_error(z, NULL, "",
                         "cannot make a project name from the file name '%s': add a top-level "
                         "name: (lower-case letters, digits, _ and -)",
                         z->ctx->source ? z->ctx->source : "");
}

/* Keys an external network or volume may not have (Compose's rule). */
static void external_conflicts(struct nz *z, const struct doc_node *n, const char *path,
                               const char *what, const char *const *keys)
{
        struct doc_pair *pair;
        char p[NZ_PATH];

        for (; *keys; keys++)
                if ((pair = doc_map_find(n, *keys)))
                        nz_error(z, pair->key, nz_key_path(p, path, *keys),
                                 "an external %s cannot set %s: it is created outside berth", what,
                                 *keys);
}

/* What top-level networks and volumes have in common. */
struct top_common {
        const char *section, *what;      /* "networks", "network" */
        const char *const *not_external; /* keys an external one may not have */
        char **name, **engine_name, **driver;
        int *external;
        struct model_kvlist *driver_opts, *labels;
        struct model_pos *pos;
};

/* The keys every top-level network and volume has; path is set to
 * "networks.KEY".  Returns the settings mapping for the caller's own keys,
 * or NULL (null or not a mapping). */
static const struct doc_node *top_common(struct nz *z, const struct top_common *c,
                                         const struct doc_pair *pair, char *path)
{
        const struct doc_node *v = pair->value, *map = NULL;
        char p[NZ_PATH];
        char *name = NULL;

        *c->name = nz_strdup(z, pair->key->scalar.text);
        *c->pos = (struct model_pos){z->p->file, pair->key->pos.line, pair->key->pos.col};
        nz_key_path(path, c->section, pair->key->scalar.text);
        if (!doc_scalar_is_null(v) && nz_is_map(z, v, path)) {
                map = v;
                nz_flag(z, v, "external", path, c->external);
                name = nz_text_dup(z, doc_map_get(v, "name"), nz_key_path(p, path, "name"));
                if (*c->external)
                        external_conflicts(z, v, path, c->what, c->not_external);
                *c->driver =
                    nz_text_dup(z, doc_map_get(v, "driver"), nz_key_path(p, path, "driver"));
                nz_kv(z, doc_map_get(v, "driver_opts"), nz_key_path(p, path, "driver_opts"),
                      c->driver_opts, NZ_KV_VALUES, 0);
                nz_kv_finish(z, c->driver_opts);
                nz_kv(z, doc_map_get(v, "labels"), nz_key_path(p, path, "labels"), c->labels,
                      NZ_KV_LABELS, 1);
                nz_kv_finish(z, c->labels);
                nz_labels_check(z, doc_map_get(v, "labels"), p, c->labels);
        }
        if (name)
                *c->engine_name = name;
        else if (*c->external)
                *c->engine_name = *c->name;
        else if (*c->name)
                *c->engine_name = nz_printf(z, "%s_%s", z->p->name, *c->name);
        return map;
}

static void top_ipam(struct nz *z, struct model_network *net, const struct doc_node *ipam,
                     const char *path)
{
        const struct doc_node *drv = doc_map_get(ipam, "driver"), *cfg, *c0;
        char p[NZ_PATH], q[NZ_PATH], r[NZ_PATH];

        if (drv && !(drv->kind == DOC_SCALAR && strcmp(drv->scalar.text, "default") == 0))
                nz_ignored(z, ipam, "driver", path,
                           "berth creates networks with the default IPAM driver");
        cfg = doc_map_get(ipam, "config");
        if (!cfg || !nz_is_seq(z, cfg, nz_key_path(p, path, "config")) || !cfg->seq.n)
                return;
        c0 = cfg->seq.v[0];
        if (nz_is_map(z, c0, nz_index_path(q, p, 0))) {
                net->subnet =
                    nz_text_dup(z, doc_map_get(c0, "subnet"), nz_key_path(r, q, "subnet"));
                net->gateway =
                    nz_text_dup(z, doc_map_get(c0, "gateway"), nz_key_path(r, q, "gateway"));
                nz_ignored(z, c0, "ip_range", q, "berth does not set an IP range");
        }
        if (cfg->seq.n > 1)
                nz_warn(z, cfg->seq.v[1], nz_index_path(q, p, 1),
                        "ignored: berth uses only the first IPAM config");
}

static void top_network(struct nz *z, struct model_network *net, const struct doc_pair *pair)
{
        static const char *const not_external[] = {"driver",   "driver_opts", "labels",
                                                   "internal", "attachable",  "enable_ipv6",
                                                   "ipam",     NULL};
        const struct top_common c = {
            "networks",   "network",      not_external,      &net->name,   &net->engine_name,
            &net->driver, &net->external, &net->driver_opts, &net->labels, &net->pos};
        const struct doc_node *v, *ipam;
        char path[NZ_PATH], p[NZ_PATH];

        if (!(v = top_common(z, &c, pair, path)))
                return;
        nz_flag(z, v, "internal", path, &net->internal);
        nz_flag(z, v, "attachable", path, &net->attachable);
        nz_flag(z, v, "enable_ipv6", path, &net->enable_ipv6);
        if ((ipam = doc_map_get(v, "ipam")) && nz_is_map(z, ipam, nz_key_path(p, path, "ipam")))
                top_ipam(z, net, ipam, p);
}

static void top_volume(struct nz *z, struct model_volume *vol, const struct doc_pair *pair)
{
        static const char *const not_external[] = {"driver", "driver_opts", "labels", NULL};
        const struct top_common c = {
            "volumes",    "volume",       not_external,      &vol->name,   &vol->engine_name,
            &vol->driver, &vol->external, &vol->driver_opts, &vol->labels, &vol->pos};
        char path[NZ_PATH];

        top_common(z, &c, pair, path);
}

static void top_networks(struct nz *z, const struct doc_node *n)
{
        struct model_network *v;
        size_t i;

        if (!n || doc_scalar_is_null(n) || !nz_is_map(z, n, "networks"))
                return;
        for (i = 0; i < n->map.n; i++) {
                if (!(v = nz_grow(z, z->p->networks, z->p->nnetworks, sizeof(*v))))
                        return;
                z->p->networks = v;
                top_network(z, &v[z->p->nnetworks++], &n->map.v[i]);
        }
}

static void top_volumes(struct nz *z, const struct doc_node *n)
{
        struct model_volume *v;
        size_t i;

        if (!n || doc_scalar_is_null(n) || !nz_is_map(z, n, "volumes"))
                return;
        for (i = 0; i < n->map.n; i++) {
                if (!(v = nz_grow(z, z->p->volumes, z->p->nvolumes, sizeof(*v))))
                        return;
                z->p->volumes = v;
                top_volume(z, &v[z->p->nvolumes++], &n->map.v[i]);
        }
}

static void default_network(struct nz *z)
{
        struct model_network *v;

        if (!z->default_used || model_network_find(z->p, "default"))
                return;
        if (!(v = nz_grow(z, z->p->networks, z->p->nnetworks, sizeof(*v))))
                return;
        z->p->networks = v;
        v += z->p->nnetworks++;
        v->name = nz_strdup(z, "default");
        v->engine_name = nz_printf(z, "%s_default", z->p->name);
        v->pos = (struct model_pos){z->p->file, 0, 0};
}

/* ---- dependency cycles ---- */

struct dfs {
        const struct model_project *p;
        int *state;    /* 0 new, 1 on the stack, 2 done */
        size_t *stack; /* service indexes */
        size_t *edge;  /* stack[i]'s dependency taken to stack[i + 1] */
        size_t depth;
};

static long service_index(const struct model_project *p, const char *name)
{
        size_t i;

        for (i = 0; i < p->nservices; i++)
                if (strcmp(p->services[i].name, name) == 0)
                        return (long)i;
        return -1;
}

static void cycle_report(struct nz *z, struct dfs *d, size_t from)
{
        const struct model_service *first = &z->p->services[d->stack[from]];
        const struct model_dependency *dep = &first->depends_on[d->edge[from]];
        char msg[1024], path[NZ_PATH];
        size_t i, off = 0;
        struct doc_node at = {.kind = DOC_SCALAR};

        for (i = from; i < d->depth && off < sizeof(msg); i++)
                off += (size_t)snprintf(msg + off, sizeof(msg) - off, "%s -> ",
                                        z->p->services[d->stack[i]].name);
        if (off < sizeof(msg))
                snprintf(msg + off, sizeof(msg) - off, "%s", first->name);
        at.pos.file = dep->pos.file;
        at.pos.line = dep->pos.line;
        at.pos.col = dep->pos.col;
        snprintf(path, sizeof(path), "services.%s.depends_on", first->name);
        nz_error(z, &at, path, "dependency cycle: %s", msg);
}

static void dfs_visit(struct nz *z, struct dfs *d, size_t s)
{
        const struct model_service *svc = &d->p->services[s];
        size_t i, k;
        long t;

        d->state[s] = 1;
        d->stack[d->depth++] = s;
        for (i = 0; i < svc->ndepends_on; i++) {
                if ((t = service_index(d->p, svc->depends_on[i].service)) < 0)
                        continue;
                d->edge[d->depth - 1] = i;
                if (d->state[t] == 1) {
                        for (k = 0; d->stack[k] != (size_t)t; k++)
                                ;
                        cycle_report(z, d, k);
                } else if (d->state[t] == 0) {
                        dfs_visit(z, d, (size_t)t);
                }
        }
        d->depth--;
        d->state[s] = 2;
}

static void check_cycles(struct nz *z)
{
        struct dfs d = {.p = z->p};
        size_t i, n = z->p->nservices;

        if (!n)
                return;
        d.state = calloc(n, sizeof(*d.state));
        d.stack = calloc(n, sizeof(*d.stack));
        d.edge = calloc(n, sizeof(*d.edge));
        if (!d.state || !d.stack || !d.edge)
                z->nomem = 1;
        else
                for (i = 0; i < n; i++)
                        if (d.state[i] == 0)
                                dfs_visit(z, &d, i);
        free(d.state);
        free(d.stack);
        free(d.edge);
}

/* ---- sorting and the whole ---- */

static int service_cmp(const void *a, const void *b)
{
        return strcmp(((const struct model_service *)a)->name,
                      ((const struct model_service *)b)->name);
}

static int network_cmp(const void *a, const void *b)
{
        return strcmp(((const struct model_network *)a)->name,
                      ((const struct model_network *)b)->name);
}

static int volume_cmp(const void *a, const void *b)
{
        return strcmp(((const struct model_volume *)a)->name,
                      ((const struct model_volume *)b)->name);
}

static void services(struct nz *z, const struct doc_node *n)
{
        struct model_service *v;
        size_t i;

        if (!n || doc_scalar_is_null(n) || !nz_is_map(z, n, "services"))
                return;
        z->services = n;
        if (!n->map.n)
                return;
        /* The count is known: one array (a model_service is over 800 bytes, and the
         * doubling of nz_grow() would leave fresh pages behind). */
        if (!(v = nz_check(z, berth_arena_alloc(z->a, n->map.n * sizeof(*v)))))
                return;
        z->p->services = v;
        for (i = 0; i < n->map.n && !z->nomem; i++)
                nz_service(z, &v[z->p->nservices++], &n->map.v[i]);
}

static void duplicate_project(struct nz *z, struct model_state *st, const struct doc_node *root)
{
        const struct model_project *other = model_project_find(st, z->p->name);
        struct doc_pair *pair = doc_map_find(root, "name");

        if (!other)
                return;
        nz_error(z, pair ? pair->value : NULL, pair ? "name" : "",
                 "project '%s' is already defined by %s: two files cannot make one project "
                 "(set a different top-level name:)",
                 z->p->name, other->file);
}

/* One secret for p->secrets (long enough, not there yet). */
static void secret_add(struct nz *z, const char *value)
{
        struct model_project *p = z->p;
        char **v;
        size_t i;

        if (!value || strlen(value) < MODEL_SECRET_MIN)
                return;
        for (i = 0; i < p->nsecrets; i++)
                if (!strcmp(p->secrets[i], value))
                        return;
        if (!(v = nz_grow(z, p->secrets, p->nsecrets, sizeof(*v))))
                return;
        p->secrets = v;
        p->secrets[p->nsecrets++] = nz_strdup(z, value);
}

static void secrets_of(struct nz *z, const struct model_kvlist *l)
{
        size_t i;

        for (i = 0; i < l->n; i++)
                if (l->v[i].sensitive)
                        secret_add(z, l->v[i].value);
}

/* p->secrets (model.h): sensitive values of its services, and the values
 * of sensitive variables interpolated so far (those of this file among
 * them: a secret in DATABASE_URL: postgres://app:${DB_PASSWORD}@db). */
static void collect_secrets(struct nz *z)
{
        const char *name, *value;
        size_t i;

        for (i = 0; i < z->p->nservices; i++) {
                secrets_of(z, &z->p->services[i].environment);
                secrets_of(z, &z->p->services[i].labels);
                secrets_of(z, &z->p->services[i].log_options);
        }
        for (i = 0; z->ctx->env && i < interp_env_uses(z->ctx->env); i++) {
                name = interp_env_use(z->ctx->env, i);
                value = interp_env_lookup(z->ctx->env, name, strlen(name), NULL);
                if (model_name_is_sensitive(name))
                        secret_add(z, value);
        }
}

static int insert_project(struct model_state *st, const struct model_project *p)
{
        struct model_project *v =
            berth_arena_grow(st->arena, st->projects, st->nprojects, st->nprojects + 1, sizeof(*v));
        size_t at = 0;

        if (!v)
                return BERTH_ENOMEM;
        while (at < st->nprojects && strcmp(v[at].name, p->name) < 0)
                at++;
        memmove(&v[at + 1], &v[at], (st->nprojects - at) * sizeof(*v));
        v[at] = *p;
        st->projects = v;
        st->nprojects++;
        return 0;
}

int normalize_project(struct model_state *st, const struct doc_node *root,
                      const struct normalize_ctx *ctx, struct diag_list *diags,
                      struct berth_err *err)
{
        struct model_project p = {0};
        struct nz z = {.a = st->arena, .ctx = ctx, .diags = diags, .err = err, .p = &p};
        size_t first = diags->n, i;
        int rc = 0;

        p.file = nz_strdup(&z, ctx->file ? ctx->file : "");
        p.source = nz_strdup(&z, ctx->source ? ctx->source : "");
        if (!root || root->kind != DOC_MAP) {
                nz_error(&z, root, "",
                         "expected a mapping of top-level keys (services, networks, volumes), "
                         "got %s",
                         root ? what_is(root) : "nothing");
                goto done;
        }
        project_name(&z, root);
        if (!p.name)
                goto done;
        top_networks(&z, doc_map_get(root, "networks"));
        top_volumes(&z, doc_map_get(root, "volumes"));
        services(&z, doc_map_get(root, "services"));
        default_network(&z);
        if (z.nomem)
                goto done;
        nz_sort(p.services, p.nservices, sizeof(*p.services), service_cmp);
        nz_sort(p.networks, p.nnetworks, sizeof(*p.networks), network_cmp);
        nz_sort(p.volumes, p.nvolumes, sizeof(*p.volumes), volume_cmp);
        check_cycles(&z);
        duplicate_project(&z, st, root);
        collect_secrets(&z);
done:
        if (z.nomem) {
                rc = berth_err_set(err, BERTH_ENOMEM, "out of memory normalizing %s", ctx->file);
        } else if (z.errors) {
                rc = BERTH_EINVALID;
                for (i = first; i < diags->n; i++)
                        if (diags->v[i].severity == DIAG_ERROR)
                                break;
                if (i < diags->n)
                        diag_to_err(err, rc, &diags->v[i]);
                else
                        berth_err_set(err, rc, "%s: invalid manifest", ctx->file);
        } else {
                rc = insert_project(st, &p);
                if (rc < 0)
                        berth_err_set(err, rc, "out of memory normalizing %s", ctx->file);
        }
        return rc;
}
