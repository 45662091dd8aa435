/* yaml.c - libyaml's event parser to the document tree (manifest/doc.h).
 *
 * The input is checked before libyaml sees it (NUL bytes, invalid UTF-8,
 * control characters) so those errors carry a line and column.  Events
 * are consumed with an explicit stack, never recursion, and the stack
 * stops at the depth limit: libyaml reads only about 1 KiB ahead of the
 * event it returns, so a 1,000,000-deep "[[[[" is refused after reading
 * about a kilobyte of it.  Aliases are expanded by copying, and each copy
 * is counted against the node limit before it is made, so a "billion
 * laughs" file fails after at most max_nodes nodes were built.
 */
#include <errno.h>
#include <fcntl.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include <yaml.h>

#include "common/arena.h"
#include "common/buf.h"
#include "common/err.h"
#include "manifest/diag.h"
#include "manifest/doc.h"

#define MERGE_TAG "tag:yaml.org,2002:merge"
#define KEY_SHOWN 80 /* characters of a key quoted in a message */

struct frame {
        struct doc_node *node;
        struct doc_node **items; /* a map's are key, value, key, value, ... */
        size_t n, cap;
        const char *anchor; /* the anchor naming this collection, if any (its
                             * name: the table moves its slots when it grows) */
};

struct anchor {
        const char *name; /* NULL: free slot */
        uint64_t hash;
        struct doc_node *node;
        int open; /* the node is a collection still being read */
};

struct loader {
        struct doc *doc;
        struct doc_limits lim;
        struct diag_list *diags;
        const char *data;
        size_t len;

        struct frame *stack;
        size_t depth, stack_cap;
        size_t nodes; /* nodes built, copies of aliases included */

        struct anchor *anchors; /* open addressing, power of two */
        size_t nanchors, anchors_cap;

        size_t errors;
        int fatal; /* a problem after which the tree is not returned */
        int oom;
        int docs;
};

/* ---- positions and diagnostics ---- */

__attribute__((format(printf, 4, 5))) static void lerror(struct loader *l, int line, int col,
                                                         const char *fmt, ...)
{
        va_list ap;

        va_start(ap, fmt);
        diag_addv(l->diags, DIAG_ERROR, l->doc->file, line, col, "", fmt, ap);
        va_end(ap);
        l->errors++;
}

/* The length of a line break at p (libyaml's: LF, CR, CRLF, NEL, LS, PS),
 * 0 when p is no break. */
static size_t break_len(const unsigned char *p, const unsigned char *end)
{
        if (*p == '\n')
                return 1;
        if (*p == '\r')
                return p + 1 < end && p[1] == '\n' ? 2 : 1;
        if (*p == 0xC2 && p + 1 < end && p[1] == 0x85)
                return 2;
        if (*p == 0xE2 && p + 2 < end && p[1] == 0x80 && (p[2] == 0xA8 || p[2] == 0xA9))
                return 3;
        return 0;
}

/* Length of the UTF-8 sequence at p, 0 when it is not valid UTF-8
 * (overlong forms, surrogates and values past U+10FFFF included);
 * *cp is its code point. */
static size_t utf8_len(const unsigned char *p, const unsigned char *end, uint32_t *cp)
{
        size_t n, i;
        uint32_t c, min;

        if (p[0] < 0x80) {
                *cp = p[0];
                return 1;
        }
        if ((p[0] & 0xE0) == 0xC0)
                n = 2, c = p[0] & 0x1F, min = 0x80;
        else if ((p[0] & 0xF0) == 0xE0)
                n = 3, c = p[0] & 0x0F, min = 0x800;
        else if ((p[0] & 0xF8) == 0xF0)
                n = 4, c = p[0] & 0x07, min = 0x10000;
        else
                return 0;
        if ((size_t)(end - p) < n)
                return 0;
        for (i = 1; i < n; i++) {
                if ((p[i] & 0xC0) != 0x80)
                        return 0;
                c = c << 6 | (p[i] & 0x3F);
        }
        if (c < min || c > 0x10FFFF || (c >= 0xD800 && c <= 0xDFFF))
                return 0;
        *cp = c;
        return n;
}

/* What libyaml's reader accepts (YAML's c-printable). */
static int printable(uint32_t c)
{
        return c == 0x9 || c == 0xA || c == 0xD || (c >= 0x20 && c <= 0x7E) || c == 0x85 ||
               (c >= 0xA0 && c <= 0xD7FF) || (c >= 0xE000 && c <= 0xFFFD) ||
               (c >= 0x10000 && c <= 0x10FFFF);
}

static size_t skip_bom(const unsigned char *p, size_t len)
{
        return len >= 3 && p[0] == 0xEF && p[1] == 0xBB && p[2] == 0xBF ? 3 : 0;
}

/* Line and column (1-based, columns in characters, as libyaml counts)
 * of byte offset off. */
static void pos_of_offset(const struct loader *l, size_t off, int *line, int *col)
{
        const unsigned char *p = (const unsigned char *)l->data, *end = p + l->len;
        const unsigned char *stop = p + (off < l->len ? off : l->len);
        uint32_t cp;
        size_t n;

        *line = 1, *col = 1;
        p += skip_bom(p, l->len);
        while (p < stop) {
                if ((n = break_len(p, end))) {
                        p += n;
                        (*line)++, *col = 1;
                        continue;
                }
                n = utf8_len(p, end, &cp);
                p += n ? n : 1;
                (*col)++;
        }
}

/* Reject what libyaml would reject without a useful position, and what it
 * would accept but berth cannot use (NUL). */
static int check_bytes(struct loader *l)
{
        const unsigned char *start = (const unsigned char *)l->data;
        const unsigned char *p = start + skip_bom(start, l->len), *end = start + l->len;
        int line = 1, col = 1;
        uint32_t cp;
        size_t n;

        while (p < end) {
                if ((n = break_len(p, end))) {
                        p += n;
                        line++, col = 1;
                        continue;
                }
                if (*p == 0) {
                        lerror(l, line, col, "NUL byte in the file; a manifest is UTF-8 text");
                        return -1;
                }
                n = utf8_len(p, end, &cp);
                if (!n && p == start && l->len >= 2 &&
                    ((p[0] == 0xFF && p[1] == 0xFE) || (p[0] == 0xFE && p[1] == 0xFF))) {
                        lerror(l, line, col, "the file is UTF-16; save it as UTF-8");
                        return -1;
                }
                if (!n) {
                        lerror(l, line, col, "invalid UTF-8 (byte 0x%02x); save the file as UTF-8",
                               *p);
                        return -1;
                }
                if (!printable(cp)) {
                        lerror(l, line, col,
                               "control character U+%04X is not allowed in YAML; remove it or "
                               "write it as an escape in a double-quoted string",
                               (unsigned)cp);
                        return -1;
                }
                p += n;
                col++;
        }
        return 0;
}

/* The start of 1-based line number line, or NULL. */
static const unsigned char *line_start(const struct loader *l, int line)
{
        const unsigned char *p = (const unsigned char *)l->data, *end = p + l->len;
        size_t n;
        int at = 1;

        p += skip_bom(p, l->len);
        while (at < line && p < end) {
                if ((n = break_len(p, end))) {
                        p += n;
                        at++;
                } else {
                        p++;
                }
        }
        return at == line ? p : NULL;
}

/* A tab in the indentation of a line: *col set to its column. */
static int indent_tab(const struct loader *l, int line, int *col)
{
        const unsigned char *p = line_start(l, line),
                            *end = (const unsigned char *)l->data + l->len;
        int c = 1;

        if (!p)
                return 0;
        for (; p < end && (*p == ' ' || *p == '\t'); p++, c++)
                if (*p == '\t') {
                        *col = c;
                        return 1;
                }
        return 0;
}

/* The character at line:col for messages ("'@'"), or "" past the end. */
static void char_at(const struct loader *l, int line, int col, char *out, size_t size)
{
        const unsigned char *p = line_start(l, line),
                            *end = (const unsigned char *)l->data + l->len;
        uint32_t cp;
        size_t n = 0;

        out[0] = '\0';
        for (; p && p < end && col > 1; col--) {
                if (break_len(p, end))
                        return;
                n = utf8_len(p, end, &cp);
                p += n ? n : 1;
        }
        if (!p || p >= end || break_len(p, end))
                return;
        n = utf8_len(p, end, &cp);
        if (n && n + 1 <= size) {
                memcpy(out, p, n);
                out[n] = '\0';
        }
}

/* libyaml's error, said with a position and, for the common causes, what
 * to do. */
static void syntax_error(struct loader *l, const yaml_parser_t *p)
{
        int line = (int)p->problem_mark.line + 1, col = (int)p->problem_mark.column + 1;
        const char *problem = p->problem ? p->problem : "syntax error";
        char context[128] = "", ch[8], hint[128] = "";
        int tcol;

        if (p->error == YAML_MEMORY_ERROR) {
                l->oom = 1;
                return;
        }
        if (p->error == YAML_READER_ERROR)
                pos_of_offset(l, p->problem_offset, &line, &col);
        if (indent_tab(l, line, &tcol)) {
                lerror(l, line, tcol, "tab character in indentation; YAML indents with spaces");
                return;
        }
        if (p->context && (p->context_mark.line != p->problem_mark.line ||
                           p->context_mark.column != p->problem_mark.column))
                snprintf(context, sizeof(context), " (%s at line %d, column %d)", p->context,
                         (int)p->context_mark.line + 1, (int)p->context_mark.column + 1);
        if (strcmp(problem, "mapping values are not allowed in this context") == 0) {
                snprintf(hint, sizeof(hint), "; quote the value if it contains ': '");
        } else if (strcmp(problem, "found character that cannot start any token") == 0) {
                char_at(l, line, col, ch, sizeof(ch));
                if (ch[0])
                        snprintf(hint, sizeof(hint), "; a value starting with '%s' must be quoted",
                                 ch);
        } else if (strcmp(problem, "did not find expected key") == 0 ||
                   strcmp(problem, "did not find expected '-' indicator") == 0) {
                snprintf(hint, sizeof(hint), "; check the indentation of this line");
        }
        lerror(l, line, col, "invalid YAML: %s%s%s", problem, context, hint);
}

/* ---- anchors ---- */

static uint64_t hash_str(const char *s)
{
        uint64_t h = 1469598103934665603ULL; /* FNV-1a */

        for (; *s; s++)
                h = (h ^ (unsigned char)*s) * 1099511628211ULL;
        return h;
}

static struct anchor *anchor_slot(struct loader *l, const char *name, uint64_t h)
{
        size_t mask = l->anchors_cap - 1, i = (size_t)h & mask;

        while (l->anchors[i].name &&
               (l->anchors[i].hash != h || strcmp(l->anchors[i].name, name) != 0))
                i = (i + 1) & mask;
        return &l->anchors[i];
}

static struct anchor *anchor_find(struct loader *l, const char *name)
{
        struct anchor *a;

        if (!l->anchors_cap)
                return NULL;
        a = anchor_slot(l, name, hash_str(name));
        return a->name ? a : NULL;
}

/* Define (or redefine: YAML lets a later anchor reuse a name) name. */
static struct anchor *anchor_set(struct loader *l, const char *name, struct doc_node *node,
                                 int open)
{
        uint64_t h = hash_str(name);
        struct anchor *a;
        size_t i;

        if ((l->nanchors + 1) * 2 > l->anchors_cap) {
                size_t cap = l->anchors_cap ? l->anchors_cap * 2 : 64;
                struct anchor *old = l->anchors, *v = calloc(cap, sizeof(*v));

                if (!v)
                        return NULL;
                l->anchors = v;
                l->anchors_cap = cap;
                for (i = 0; old && i < cap / 2; i++)
                        if (old[i].name)
                                *anchor_slot(l, old[i].name, old[i].hash) = old[i];
                free(old);
        }
        a = anchor_slot(l, name, h);
        if (!a->name) {
                a->name = berth_arena_strdup(l->doc->arena, name);
                if (!a->name)
                        return NULL;
                a->hash = h;
                l->nanchors++;
        }
        a->node = node;
        a->open = open;
        return a;
}

/* ---- building ---- */

static int count_nodes(struct loader *l, size_t add, int line, int col, const char *alias)
{
        if (add <= l->lim.max_nodes - l->nodes) {
                l->nodes += add;
                return 0;
        }
        if (alias)
                lerror(l, line, col,
                       "alias '*%s' expands past the limit of %zu nodes (billion laughs?)", alias,
                       l->lim.max_nodes);
        else
                lerror(l, line, col, "more than %zu nodes in the file", l->lim.max_nodes);
        l->fatal = 1;
        return -1;
}

static int push_item(struct loader *l, struct doc_node *node)
{
        struct frame *f;

        if (!l->depth) {
                l->doc->root = node;
                return 0;
        }
        f = &l->stack[l->depth - 1];
        if (f->n == f->cap) {
                size_t cap = f->cap ? f->cap * 2 : 8;
                struct doc_node **v = realloc(f->items, cap * sizeof(*v));

                if (!v)
                        return -1;
                f->items = v;
                f->cap = cap;
        }
        f->items[f->n++] = node;
        return 0;
}

static const char *tag_of(struct loader *l, const yaml_char_t *tag)
{
        return tag ? berth_arena_strdup(l->doc->arena, (const char *)tag) : NULL;
}

static int on_scalar(struct loader *l, const yaml_event_t *ev)
{
        int line = (int)ev->start_mark.line + 1, col = (int)ev->start_mark.column + 1;
        const char *text = (const char *)ev->data.scalar.value;
        size_t len = ev->data.scalar.length;
        const char *nul = memchr(text, '\0', len);
        enum doc_style style = DOC_PLAIN;
        struct doc_node *n;

        if (len > l->lim.max_scalar) {
                lerror(l, line, col, "scalar is longer than %zu bytes", l->lim.max_scalar);
                l->fatal = 1;
                return 0;
        }
        if (nul) {
                lerror(l, line, col,
                       "string contains a NUL character (\\0), which berth "
                       "cannot pass on; remove it");
                len = (size_t)(nul - text);
        }
        if (count_nodes(l, 1, line, col, NULL) < 0)
                return 0;
        switch (ev->data.scalar.style) {
        case YAML_SINGLE_QUOTED_SCALAR_STYLE:
                style = DOC_SINGLE_QUOTED;
                break;
        case YAML_DOUBLE_QUOTED_SCALAR_STYLE:
                style = DOC_DOUBLE_QUOTED;
                break;
        case YAML_LITERAL_SCALAR_STYLE:
                style = DOC_LITERAL;
                break;
        case YAML_FOLDED_SCALAR_STYLE:
                style = DOC_FOLDED;
                break;
        default:
                break;
        }
        n = doc_node_scalar(l->doc, line, col, text, len, style);
        if (!n)
                return -1;
        n->tag = tag_of(l, ev->data.scalar.tag);
        if (ev->data.scalar.tag && !n->tag)
                return -1;
        if (ev->data.scalar.anchor && !anchor_set(l, (const char *)ev->data.scalar.anchor, n, 0))
                return -1;
        return push_item(l, n);
}

static int on_alias(struct loader *l, const yaml_event_t *ev)
{
        int line = (int)ev->start_mark.line + 1, col = (int)ev->start_mark.column + 1;
        const char *name = (const char *)ev->data.alias.anchor;
        struct anchor *a = anchor_find(l, name);
        struct doc_node *n;

        if (!a) {
                lerror(l, line, col, "alias '*%s' has no anchor '&%s' before it", name, name);
                l->fatal = 1;
                return 0;
        }
        if (a->open) {
                lerror(l, line, col,
                       "alias '*%s' is inside the node it names (anchor '&%s' at line %d): "
                       "recursive aliases are not allowed",
                       name, name, a->node->pos.line);
                l->fatal = 1;
                return 0;
        }
        if (l->depth + (size_t)a->node->height > l->lim.max_depth) {
                lerror(l, line, col, "alias '*%s' nests deeper than %zu levels when expanded", name,
                       l->lim.max_depth);
                l->fatal = 1;
                return 0;
        }
        if (count_nodes(l, a->node->size, line, col, name) < 0)
                return 0;
        n = doc_node_copy(l->doc, a->node);
        if (!n)
                return -1;
        return push_item(l, n);
}

static int on_collection_start(struct loader *l, const yaml_event_t *ev)
{
        int line = (int)ev->start_mark.line + 1, col = (int)ev->start_mark.column + 1;
        int is_map = ev->type == YAML_MAPPING_START_EVENT;
        const yaml_char_t *tag = is_map ? ev->data.mapping_start.tag : ev->data.sequence_start.tag;
        const yaml_char_t *anchor =
            is_map ? ev->data.mapping_start.anchor : ev->data.sequence_start.anchor;
        struct frame *f;
        struct doc_node *n;

        if (l->depth >= l->lim.max_depth) {
                lerror(l, line, col, "nesting is deeper than %zu levels", l->lim.max_depth);
                l->fatal = 1;
                return 0;
        }
        if (count_nodes(l, 1, line, col, NULL) < 0)
                return 0;
        if (l->depth == l->stack_cap) {
                size_t cap = l->stack_cap ? l->stack_cap * 2 : 16;
                struct frame *v = realloc(l->stack, cap * sizeof(*v));

                if (!v)
                        return -1;
                memset(v + l->stack_cap, 0, (cap - l->stack_cap) * sizeof(*v));
                l->stack = v;
                l->stack_cap = cap;
        }
        n = doc_node_collection(l->doc, is_map ? DOC_MAP : DOC_SEQ, line, col);
        if (!n)
                return -1;
        n->tag = tag_of(l, tag);
        if (tag && !n->tag)
                return -1;
        f = &l->stack[l->depth++];
        f->node = n;
        f->n = 0;
        f->anchor = NULL;
        if (anchor) {
                struct anchor *a = anchor_set(l, (const char *)anchor, n, 1);

                if (!a)
                        return -1;
                f->anchor = a->name;
        }
        return 0;
}

static int key_cmp(const struct doc_node *a, const struct doc_node *b)
{
        size_t n = a->scalar.len < b->scalar.len ? a->scalar.len : b->scalar.len;
        int c = memcmp(a->scalar.text, b->scalar.text, n);

        if (c)
                return c;
        return a->scalar.len < b->scalar.len ? -1 : a->scalar.len > b->scalar.len;
}

/* A map entry being decided: which key wins when keys repeat. */
struct cand {
        struct doc_pair pair;
        size_t prio; /* 0: written in this map; k: from the k-th merged map */
        size_t seq;  /* order in the result */
        int drop;
};

static int cand_cmp(const void *pa, const void *pb)
{
        const struct cand *a = *(const struct cand *const *)pa,
                          *b = *(const struct cand *const *)pb;
        int c = key_cmp(a->pair.key, b->pair.key);

        if (c)
                return c;
        if (a->prio != b->prio)
                return a->prio < b->prio ? -1 : 1;
        return a->seq < b->seq ? -1 : a->seq > b->seq;
}

/* How much of a key to quote in a message: at most KEY_SHOWN bytes, cut
 * at a character boundary. */
static int shown_len(const char *s, size_t len)
{
        size_t n = len < KEY_SHOWN ? len : KEY_SHOWN;

        while (n < len && n > 0 && ((unsigned char)s[n] & 0xC0) == 0x80)
                n--;
        return (int)n;
}

/* Mark every candidate whose key an earlier one (by prio, then seq)
 * already has; report those written in this map (prio 0) as duplicates. */
static int resolve_keys(struct loader *l, struct cand *c, size_t n)
{
        struct cand **idx = n ? malloc(n * sizeof(*idx)) : NULL;
        size_t i, first = 0;

        if (n && !idx)
                return -1;
        for (i = 0; i < n; i++)
                idx[i] = &c[i];
        if (n > 1)
                qsort(idx, n, sizeof(*idx), cand_cmp);
        for (i = 1; i < n; i++) {
                if (key_cmp(idx[i]->pair.key, idx[first]->pair.key) != 0) {
                        first = i;
                        continue;
                }
                idx[i]->drop = 1;
                if (idx[i]->prio == 0) {
                        const struct doc_node *k = idx[i]->pair.key;
                        int shown = shown_len(k->scalar.text, k->scalar.len);

                        lerror(l, k->pos.line, k->pos.col,
                               "duplicate key '%.*s%s' (first at line %d)", shown, k->scalar.text,
                               (size_t)shown < k->scalar.len ? "..." : "",
                               idx[first]->pair.key->pos.line);
                }
        }
        free(idx);
        return 0;
}

static int is_merge_key(const struct doc_node *k)
{
        return k->kind == DOC_SCALAR && k->scalar.style == DOC_PLAIN &&
               (!k->tag || strcmp(k->tag, MERGE_TAG) == 0) && strcmp(k->scalar.text, "<<") == 0;
}

/* The maps the `<<` entry at key merges (value v), in priority order;
 * reports the ones that are not maps at the `<<` itself, since v and its
 * items are usually aliases whose positions are those of their anchors. */
static size_t merge_sources(struct loader *l, const struct doc_node *key, struct doc_node *v,
                            struct doc_node ***out)
{
        size_t i;

        *out = NULL;
        if (v->kind == DOC_MAP)
                return 1;
        if (v->kind == DOC_SEQ) {
                for (i = 0; i < v->seq.n; i++)
                        if (v->seq.v[i]->kind != DOC_MAP)
                                lerror(l, key->pos.line, key->pos.col,
                                       "merge key '<<': item %zu is a %s; only mappings can be "
                                       "merged",
                                       i + 1, doc_kind_name(v->seq.v[i]->kind));
                *out = v->seq.v;
                return v->seq.n;
        }
        lerror(l, key->pos.line, key->pos.col,
               "merge key '<<' needs a mapping or a list of mappings, not a %s",
               doc_kind_name(v->kind));
        return 0;
}

/* Build a map's entries from its frame: written keys first checked for
 * duplicates, then a `<<` entry replaced by the entries of the maps it
 * merges, which lose to keys written in this map and to earlier maps. */
static int finish_map(struct loader *l, struct frame *f)
{
        struct doc_node *map = f->node, **src = NULL;
        size_t n = f->n / 2, nw = 0, nm = 0, cap, i, k, p, nsrc = 0;
        struct cand *w = calloc(n ? n : 1, sizeof(*w)), *m = NULL, *res;
        struct doc_node *merge = NULL, *merge_key = NULL;
        int r = -1;

        if (!w)
                return -1;
        for (i = 0; i < n; i++) {
                struct doc_node *key = f->items[2 * i], *val = f->items[2 * i + 1];

                if (key->kind != DOC_SCALAR) {
                        lerror(l, key->pos.line, key->pos.col,
                               "a mapping key must be a string, not a %s",
                               doc_kind_name(key->kind));
                        continue;
                }
                w[nw] = (struct cand){.pair = {key, val}, .seq = nw};
                nw++;
        }
        if (resolve_keys(l, w, nw) < 0)
                goto out;
        res = w;
        for (i = 0; i < nw && !merge; i++)
                if (!w[i].drop && is_merge_key(w[i].pair.key)) {
                        merge_key = w[i].pair.key;
                        merge = w[i].pair.value;
                }
        if (merge) {
                nsrc = merge_sources(l, merge_key, merge, &src);
                cap = nw;
                for (k = 0; k < nsrc; k++)
                        if ((src ? src[k] : merge)->kind == DOC_MAP)
                                cap += (src ? src[k] : merge)->map.n;
                m = calloc(cap, sizeof(*m));
                if (!m)
                        goto out;
                for (i = 0; i < nw; i++) {
                        if (w[i].drop)
                                continue;
                        if (w[i].pair.key != merge_key) {
                                m[nm] = w[i];
                                m[nm].seq = nm;
                                nm++;
                                continue;
                        }
                        for (k = 0; k < nsrc; k++) {
                                struct doc_node *from = src ? src[k] : merge;

                                for (p = 0; from->kind == DOC_MAP && p < from->map.n; p++) {
                                        m[nm] = (struct cand){
                                            .pair = from->map.v[p], .prio = k + 1, .seq = nm};
                                        nm++;
                                }
                        }
                }
                if (resolve_keys(l, m, nm) < 0)
                        goto out;
                res = m;
                nw = nm;
        }
        map->map.v = berth_arena_alloc(l->doc->arena, (nw ? nw : 1) * sizeof(*map->map.v));
        if (!map->map.v)
                goto out;
        for (i = 0; i < nw; i++) {
                if (res[i].drop)
                        continue;
                map->map.v[map->map.n++] = res[i].pair;
                map->size += res[i].pair.key->size + res[i].pair.value->size;
                if (res[i].pair.value->height + 1 > map->height)
                        map->height = res[i].pair.value->height + 1;
        }
        r = 0;
out:
        free(w);
        free(m);
        return r;
}

static int on_collection_end(struct loader *l)
{
        struct frame *f = &l->stack[l->depth - 1];
        struct doc_node *n = f->node;
        size_t i;

        if (n->kind == DOC_MAP) {
                if (finish_map(l, f) < 0)
                        return -1;
        } else if (f->n) {
                n->seq.v = berth_arena_alloc(l->doc->arena, f->n * sizeof(*n->seq.v));
                if (!n->seq.v)
                        return -1;
                memcpy(n->seq.v, f->items, f->n * sizeof(*n->seq.v));
                n->seq.n = f->n;
                for (i = 0; i < f->n; i++) {
                        n->size += f->items[i]->size;
                        if (f->items[i]->height + 1 > n->height)
                                n->height = f->items[i]->height + 1;
                }
        }
        if (f->anchor) {
                struct anchor *a = anchor_find(l, f->anchor);

                if (a && a->node == n) /* not redefined inside */
                        a->open = 0;
        }
        l->depth--;
        return push_item(l, n);
}

static int on_event(struct loader *l, const yaml_event_t *ev)
{
        switch (ev->type) {
        case YAML_DOCUMENT_START_EVENT:
                if (++l->docs > 1) {
                        lerror(l, (int)ev->start_mark.line + 1, (int)ev->start_mark.column + 1,
                               "more than one YAML document; berth reads one project per file");
                        return 1;
                }
                return 0;
        case YAML_SCALAR_EVENT:
                return on_scalar(l, ev);
        case YAML_ALIAS_EVENT:
                return on_alias(l, ev);
        case YAML_SEQUENCE_START_EVENT:
        case YAML_MAPPING_START_EVENT:
                return on_collection_start(l, ev);
        case YAML_SEQUENCE_END_EVENT:
        case YAML_MAPPING_END_EVENT:
                return on_collection_end(l);
        case YAML_STREAM_END_EVENT:
                return 1;
        default:
                return 0;
        }
}

/* Parse events until the stream ends, a second document starts, or a
 * fatal problem; -1 only when out of memory. */
static int run_parser(struct loader *l)
{
        yaml_parser_t parser;
        yaml_event_t ev;
        int r = 0;

        if (!yaml_parser_initialize(&parser))
                return -1;
        yaml_parser_set_input_string(&parser, (const unsigned char *)l->data, l->len);
        while (!l->fatal) {
                if (!yaml_parser_parse(&parser, &ev)) {
                        syntax_error(l, &parser);
                        l->fatal = 1;
                        break;
                }
                r = on_event(l, &ev);
                yaml_event_delete(&ev);
                if (r)
                        break;
        }
        yaml_parser_delete(&parser);
        return r < 0 || l->oom ? -1 : 0;
}

static void limits_fill(struct doc_limits *out, const struct doc_limits *in)
{
        static const struct doc_limits none;

        if (!in)
                in = &none;
        out->max_file_size = in->max_file_size ? in->max_file_size : DOC_DEFAULT_MAX_FILE_SIZE;
        out->max_depth = in->max_depth ? in->max_depth : DOC_DEFAULT_MAX_DEPTH;
        out->max_nodes = in->max_nodes ? in->max_nodes : DOC_DEFAULT_MAX_NODES;
        out->max_scalar = in->max_scalar ? in->max_scalar : DOC_DEFAULT_MAX_SCALAR;
}

/* The first error this load added, into err. */
static int first_error(struct diag_list *diags, size_t from, struct berth_err *err)
{
        size_t i;

        for (i = from; i < diags->n; i++)
                if (diags->v[i].severity == DIAG_ERROR)
                        return diag_to_err(err, BERTH_EINVALID, &diags->v[i]);
        return berth_err_set(err, BERTH_EINVALID, "invalid manifest");
}

int doc_parse(struct doc **out, const char *name, const char *data, size_t len,
              const struct doc_limits *lim, struct diag_list *diags, struct berth_err *err)
{
        struct loader l = {.diags = diags, .data = data, .len = len};
        size_t from = diags->n, i;
        int r = 0;

        *out = NULL;
        limits_fill(&l.lim, lim);
        l.doc = doc_new(name);
        if (!l.doc)
                return berth_err_set(err, BERTH_ENOMEM, "out of memory loading '%s'", name);
        if (len > l.lim.max_file_size) {
                lerror(&l, 0, 0, "the file is larger than %zu bytes, the limit for a manifest",
                       l.lim.max_file_size);
                l.fatal = 1;
        } else if (check_bytes(&l) < 0) {
                l.fatal = 1;
        } else if (run_parser(&l) < 0) {
                r = berth_err_set(err, BERTH_ENOMEM, "out of memory loading '%s'", name);
        }
        for (i = 0; i < l.stack_cap; i++)
                free(l.stack[i].items);
        free(l.stack);
        free(l.anchors);
        if (r == 0 && !l.fatal && doc_scalar_is_null(l.doc->root))
                l.doc->root = NULL; /* `---` alone, `~`: nothing written */
        if (r == 0 && !l.fatal && !l.doc->root && !l.errors)
                diag_add(diags, DIAG_WARNING, l.doc->file, 0, 0, "",
                         "empty manifest: the file defines no project");
        if (r == 0 && l.errors)
                r = first_error(diags, from, err);
        if (l.fatal || !l.doc->root || (r < 0 && r != BERTH_EINVALID))
                doc_free(l.doc);
        else
                *out = l.doc;
        return r;
}

/* Read a manifest into b: 0, BERTH_EINVALID (the problem is in diags) or
 * BERTH_ENOMEM. */
static int read_manifest(struct berth_buf *b, const char *path, const char *name,
                         struct diag_list *diags)
{
        char chunk[65536];
        struct stat st;
        ssize_t got;
        int fd, r = BERTH_EINVALID;

        /* O_NONBLOCK: a FIFO named like a manifest must not hang berth */
        fd = open(path, O_RDONLY | O_CLOEXEC | O_NONBLOCK | O_NOCTTY);
        if (fd < 0) {
                diag_add(diags, DIAG_ERROR, name, 0, 0, "", "cannot open the file: %s",
                         strerror(errno));
                return r;
        }
        if (fstat(fd, &st) < 0) {
                diag_add(diags, DIAG_ERROR, name, 0, 0, "", "cannot read the file: %s",
                         strerror(errno));
                goto out;
        }
        if (!S_ISREG(st.st_mode)) {
                diag_add(diags, DIAG_ERROR, name, 0, 0, "", "not a regular file");
                goto out;
        }
        for (;;) {
                got = read(fd, chunk, sizeof(chunk));
                if (got < 0 && errno == EINTR)
                        continue;
                if (got < 0) {
                        diag_add(diags, DIAG_ERROR, name, 0, 0, "", "cannot read the file: %s",
                                 strerror(errno));
                        goto out;
                }
                if (got == 0)
                        break;
                r = berth_buf_add(b, chunk, (size_t)got);
                if (r == BERTH_ETOOBIG) {
                        diag_add(diags, DIAG_ERROR, name, 0, 0, "",
                                 "the file is larger than %zu bytes, the limit for a manifest",
                                 b->max);
                        r = BERTH_EINVALID;
                }
                if (r < 0)
                        goto out;
        }
        r = 0;
out:
        close(fd);
        return r;
}

int doc_load_file(struct doc **out, const char *path, const char *name,
                  const struct doc_limits *lim, struct diag_list *diags, struct berth_err *err)
{
        struct doc_limits l;
        struct berth_buf b;
        size_t from = diags->n;
        int r;

        *out = NULL;
        if (!name)
                name = path;
        limits_fill(&l, lim);
        berth_buf_init(&b, l.max_file_size);
        r = read_manifest(&b, path, name, diags);
        if (r == BERTH_EINVALID) {
                r = first_error(diags, from, err);
                goto out;
        }
        if (r < 0) {
                r = berth_err_set(err, r, "out of memory reading '%s'", name);
                goto out;
        }
        r = doc_parse(out, name, b.data ? b.data : "", b.len, &l, diags, err);
out:
        berth_buf_release(&b);
        return r;
}
