/* manifest/doc.h - the document tree: one YAML manifest as maps,
 * sequences and scalars, every node with the file, line and column where
 * it was written.
 *
 * Loading (doc_load_file, doc_parse; implemented in yaml.c) reads one file
 * with libyaml and builds the tree with aliases expanded and `<<` merge
 * keys applied, so the layers above (interpolation, schema validation,
 * model) see plain data and never meet an anchor.  Problems go to a
 * struct diag_list as `file:line:col: message`.
 *
 * The tree is a real tree: an alias is expanded into a copy of the
 * anchored node (scalar text is shared, nodes are not), so every node has
 * one parent and may be changed in place (doc_scalar_set).  Copied and
 * merged nodes keep the position where they were written, i.e. inside
 * the anchored node, which is where a user has to fix them.
 *
 * Scalars are not typed at load time.  A plain (unquoted) scalar is typed
 * by the consumer with the YAML 1.2 core schema (doc_scalar_type and the
 * doc_scalar_* converters): null is `null`/`Null`/`NULL`/`~`/empty, the
 * only booleans are true/True/TRUE/false/False/FALSE, integers are decimal,
 * 0o octal or 0x hex, floats as in JSON plus .inf/.nan.  Quoted and block
 * scalars are strings.  An explicit standard tag (!!str, !!int, !!bool,
 * !!float, !!null) decides the type; other tags (compose's !reset,
 * !override) are kept in node->tag and do not change typing.
 * doc_scalar_yaml11_trap() says when a plain scalar means something else
 * to YAML 1.1 readers (docker-compose 1.x, PyYAML): `22:22`, `0755`,
 * `yes`, so the validator can ask for quotes.
 *
 * Defined behaviours (see doc_parse):
 *   - an empty file, a comment-only file, and a file whose only document
 *     is empty (`---` alone) load as *out == NULL, 0 returned, and the
 *     warning `file: empty manifest: the file defines no project`;
 *   - a second document (`---` after content, even an empty one) is the
 *     error `file:L:C: more than one YAML document; berth reads one project
 *     per file` at the second `---`; the first document is still returned;
 *   - NUL bytes, invalid UTF-8, control characters and tabs in indentation
 *     are errors naming line and column (tabs: the line of the problem
 *     libyaml reports, when its indentation holds a tab);
 *   - duplicate keys are errors naming both lines; the first one is kept.
 *
 * Memory: a struct doc owns every node, string and array in it (one
 * arena); free it with doc_free().  Nodes and strings are never freed one
 * by one.
 *
 * May not use: anything but libc, libyaml, jansson, common/ and manifest/diag.
 */
#ifndef BERTH_MANIFEST_DOC_H
#define BERTH_MANIFEST_DOC_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include <jansson.h>

struct berth_arena;
struct berth_err;
struct diag_list;

enum doc_kind {
        DOC_SCALAR,
        DOC_SEQ,
        DOC_MAP,
};

enum doc_style {
        DOC_PLAIN,
        DOC_SINGLE_QUOTED,
        DOC_DOUBLE_QUOTED,
        DOC_LITERAL, /* | */
        DOC_FOLDED,  /* > */
};

/* The YAML 1.2 core schema type of a scalar. */
enum doc_type {
        DOC_T_NULL,
        DOC_T_BOOL,
        DOC_T_INT,
        DOC_T_FLOAT,
        DOC_T_STR,
};

struct doc_pos {
        const char *file; /* shared by every node of a document; never NULL */
        int line, col;    /* 1-based; col counts characters, not bytes */
};

struct doc_node;

struct doc_pair {
        struct doc_node *key; /* always a DOC_SCALAR */
        struct doc_node *value;
};

struct doc_node {
        enum doc_kind kind;
        struct doc_pos pos;
        const char *tag; /* as resolved by libyaml ("tag:yaml.org,2002:str",
                          * "!reset", "!" for the non-specific tag); NULL if none */
        union {
                struct {
                        const char *text; /* NUL-terminated, holds no NUL */
                        size_t len;
                        enum doc_style style;
                } scalar;
                struct {
                        struct doc_node **v;
                        size_t n;
                } seq;
                struct {
                        struct doc_pair *v; /* in file order, merged keys at the `<<` */
                        size_t n;
                } map;
        };
        size_t size; /* nodes in this subtree, this one included */
        int height;  /* 0 for a scalar, 1 + the highest child for a collection */
};

struct doc {
        struct doc_node *root; /* NULL only while being built */
        const char *file;      /* the name used in positions and messages */
        struct berth_arena *arena;
};

/* Limits on one file.  A field left 0 takes the default. */
struct doc_limits {
        size_t max_file_size; /* bytes; default 4 MiB */
        size_t max_depth;     /* nested collections; default 64 */
        size_t max_nodes;     /* after alias expansion; default 100000 */
        size_t max_scalar;    /* bytes in one scalar; default 1 MiB */
};

#define DOC_DEFAULT_MAX_FILE_SIZE (4u << 20)
#define DOC_DEFAULT_MAX_DEPTH 64u
#define DOC_DEFAULT_MAX_NODES 100000u
#define DOC_DEFAULT_MAX_SCALAR (1u << 20)

/* ---- loading (yaml.c) ---- */

/* Parse data[0..len) as one manifest named name (used in every position
 * and message).  lim may be NULL for the defaults.
 *
 * Returns 0 when the file has no errors (warnings may have been added):
 * *out is the tree, or NULL for an empty manifest.  Returns BERTH_EINVALID
 * when errors were added to diags; err then holds the first of them.  In
 * that case *out may still be a tree (after duplicate keys, a bad merge, a
 * second document), which callers may validate to report more problems
 * but must not act on; after a syntax error or a limit, *out is NULL.
 * BERTH_ENOMEM when memory ran out.  On success *out is owned by the
 * caller: doc_free() it. */
int doc_parse(struct doc **out, const char *name, const char *data, size_t len,
              const struct doc_limits *lim, struct diag_list *diags, struct berth_err *err);

/* Read path (at most lim->max_file_size bytes, a regular file) and parse it
 * as doc_parse() does; name is what messages call it (NULL: path).  A file
 * that cannot be read is an error in diags (BERTH_EINVALID), like any
 * other problem with the input. */
int doc_load_file(struct doc **out, const char *path, const char *name,
                  const struct doc_limits *lim, struct diag_list *diags, struct berth_err *err);

/* ---- building (doc.c; the loader and tests use these) ---- */

/* An empty document named file (copied); NULL on ENOMEM. */
struct doc *doc_new(const char *file);
void doc_free(struct doc *d); /* NULL is a no-op */

/* New nodes in d's arena at line:col; NULL on ENOMEM.  text is copied. */
struct doc_node *doc_node_scalar(struct doc *d, int line, int col, const char *text, size_t len,
                                 enum doc_style style);
struct doc_node *doc_node_collection(struct doc *d, enum doc_kind kind, int line, int col);

/* Replace a scalar's text (copied into d; for interpolation), keeping its
 * position, style and tag.  0 or BERTH_ENOMEM. */
int doc_scalar_set(struct doc *d, struct doc_node *n, const char *text, size_t len);

/* A deep copy of n in d (text shared); NULL on ENOMEM. */
struct doc_node *doc_node_copy(struct doc *d, const struct doc_node *n);

/* ---- reading ---- */

/* The value under key in a map, or NULL (also when map is NULL or not a
 * map).  Keys compare as text: `1` and "1" are the same key. */
struct doc_node *doc_map_get(const struct doc_node *map, const char *key);
/* The same, giving the whole pair (for the key's position). */
struct doc_pair *doc_map_find(const struct doc_node *map, const char *key);

/* "mapping", "sequence", "scalar" / "null", "boolean", "integer",
 * "number", "string": for messages like "expected a mapping". */
const char *doc_kind_name(enum doc_kind kind);
const char *doc_type_name(enum doc_type type);

/* Core-schema type of a scalar (DOC_T_STR for quoted and block scalars;
 * the tag's type for !!str, !!int, ...).  Check n->kind first: a
 * collection gives DOC_T_STR. */
enum doc_type doc_scalar_type(const struct doc_node *n);
/* True for a scalar of type DOC_T_NULL (`key:` with nothing after it). */
bool doc_scalar_is_null(const struct doc_node *n);

/* Results of the converters below. */
enum doc_conv {
        DOC_CONV_OK = 0,
        DOC_CONV_TYPE,   /* not a value of that type (or not a scalar) */
        DOC_CONV_QUOTED, /* the right text, but quoted: a string ("true", "80");
                          * *out is set to what it says, the caller decides */
        DOC_CONV_YAML11, /* a YAML 1.1 form of that type that YAML 1.2 reads
                          * differently (yes/no/on/off, 0755, 1:30); *out is
                          * set to the YAML 1.1 meaning, for the hint */
        DOC_CONV_RANGE,  /* a number that does not fit */
};

/* Convert a scalar.  *out is written only as said above. */
enum doc_conv doc_scalar_bool(const struct doc_node *n, bool *out);
enum doc_conv doc_scalar_int(const struct doc_node *n, int64_t *out);
enum doc_conv doc_scalar_float(const struct doc_node *n, double *out);

/* How YAML 1.1 would misread a plain untagged scalar. */
enum doc_trap {
        DOC_TRAP_NONE,
        DOC_TRAP_BOOL,         /* yes/no/on/off/y/n: a boolean to YAML 1.1, a string here */
        DOC_TRAP_SEXAGESIMAL,  /* 22:22, 1:30, 1:30.5: base-60 number to YAML 1.1 */
        DOC_TRAP_OCTAL,        /* 0755: octal 493 to YAML 1.1, decimal 755 here */
        DOC_TRAP_LEADING_ZERO, /* 089: a string to YAML 1.1, the integer 89 here */
        DOC_TRAP_NUMBER,       /* 0b101, 1_000: a number to YAML 1.1, a string here */
};

enum doc_trap doc_scalar_yaml11_trap(const struct doc_node *n);

/* A hint for a trap, e.g. "YAML 1.1 reads 22:22 as the number 1342: quote
 * it (\"22:22\")", written into buf; NULL when n is no trap. */
const char *doc_scalar_yaml11_hint(const struct doc_node *n, char *buf, size_t size);

/* The tree as JSON with core-schema types (new reference, NULL on ENOMEM).
 * Integers that do not fit in json_int_t become reals; .inf and .nan, which
 * JSON cannot hold, stay strings.  Positions are lost: validate the tree,
 * not this, when messages need them. */
json_t *doc_node_to_json(const struct doc_node *n);

#endif
