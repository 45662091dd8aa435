/* The manifest loader: YAML to the document tree with positions, aliases,
 * merge keys, limits, bad input, YAML 1.2 scalar typing and the YAML 1.1
 * traps; and the diagnostics list it reports into.
 *
 * Every bad fixture in tests/fixtures/yaml/ is asserted with its exact
 * message and position; the same files seed the loader's fuzzer. */
#include <errno.h>
#include <fcntl.h>
#include <math.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "berth_test.h"
#include "common/err.h"
#include "manifest/diag.h"
#include "manifest/doc.h"

#define FIXTURES BERTH_TEST_DATA "/fixtures/yaml/"

/* All diagnostics of a list, formatted, one per line, no trailing newline. */
/* All diagnostics, one per line, without the last newline. */
static char *diags_text(const struct diag_list *l)
{
        static char out[16384];
        char *all = diag_list_format(l);
        size_t n;

        ck_assert_ptr_nonnull(all);
        n = strlen(all);
        ck_assert_uint_lt(n, sizeof(out));
        memcpy(out, all, n + 1);
        if (n)
                out[n - 1] = '\0';
        free(all);
        return out;
}

struct loaded {
        struct doc *doc;
        struct diag_list diags;
        struct berth_err err;
        int rc;
};

static void load_fixture(struct loaded *l, const char *name, const struct doc_limits *lim)
{
        char path[1024];

        snprintf(path, sizeof(path), FIXTURES "%s", name);
        diag_list_init(&l->diags);
        berth_err_clear(&l->err);
        l->rc = doc_load_file(&l->doc, path, name, lim, &l->diags, &l->err);
}

static void parse_text(struct loaded *l, const char *text, size_t len, const struct doc_limits *lim)
{
        diag_list_init(&l->diags);
        berth_err_clear(&l->err);
        l->rc = doc_parse(&l->doc, "t.yaml", text, len, lim, &l->diags, &l->err);
}

static void loaded_release(struct loaded *l)
{
        doc_free(l->doc);
        diag_list_release(&l->diags);
}

/* The node at a dotted path of map keys ("services.web.image"). */
static struct doc_node *at(struct doc_node *n, const char *path)
{
        char buf[256], *save = NULL, *key;

        snprintf(buf, sizeof(buf), "%s", path);
        for (key = strtok_r(buf, ".", &save); key && n; key = strtok_r(NULL, ".", &save))
                n = doc_map_get(n, key);
        ck_assert_msg(n != NULL, "no node at %s", path);
        return n;
}

static char *to_json(const struct doc_node *n)
{
        static char out[8192];
        json_t *j = doc_node_to_json(n);
        char *s;

        ck_assert_ptr_nonnull(j);
        s = json_dumps(j, JSON_COMPACT | JSON_ENCODE_ANY);
        ck_assert_ptr_nonnull(s);
        snprintf(out, sizeof(out), "%s", s);
        free(s);
        json_decref(j);
        return out;
}

/* ---- fixtures: exact messages ---- */

struct fixture_case {
        const char *file;
        int rc;   /* 0 or BERTH_EINVALID */
        int tree; /* a tree is returned */
        const char *diags;
};

static const struct fixture_case fixture_cases[] = {
    /* alias expansion is bounded */
    {"billion-laughs.yaml", BERTH_EINVALID, 0,
     "billion-laughs.yaml:7:8: alias '*e' expands past the limit of 100000 nodes (billion "
     "laughs?)"},
    {"billion-laughs-map.yaml", BERTH_EINVALID, 0,
     "billion-laughs-map.yaml:5:34: alias '*d' expands past the limit of 100000 nodes (billion "
     "laughs?)"},
    {"self-alias.yaml", BERTH_EINVALID, 0,
     "self-alias.yaml:4:13: alias '*web' is inside the node it names (anchor '&web' at line 2): "
     "recursive aliases are not allowed"},
    {"self-alias-seq.yaml", BERTH_EINVALID, 0,
     "self-alias-seq.yaml:1:20: alias '*loop' is inside the node it names (anchor '&loop' at "
     "line 1): recursive aliases are not allowed"},
    {"undefined-alias.yaml", BERTH_EINVALID, 0,
     "undefined-alias.yaml:3:12: alias '*image' has no anchor '&image' before it"},
    {"alias-depth.yaml", BERTH_EINVALID, 0,
     "alias-depth.yaml:2:37: alias '*deep' nests deeper than 64 levels when expanded"},
    /* nesting */
    {"depth-64.yaml", 0, 1, ""},
    {"depth-65.yaml", BERTH_EINVALID, 0, "depth-65.yaml:1:65: nesting is deeper than 64 levels"},
    {"depth-65-block.yaml", BERTH_EINVALID, 0,
     "depth-65-block.yaml:65:129: nesting is deeper than 64 levels"},
    /* duplicate keys: both lines named, loading goes on */
    {"duplicate-key.yaml", BERTH_EINVALID, 1,
     "duplicate-key.yaml:9:5: duplicate key 'image' (first at line 4)\n"
     "duplicate-key.yaml:12:3: duplicate key 'web' (first at line 3)"},
    {"crlf.yaml", BERTH_EINVALID, 1, "crlf.yaml:4:5: duplicate key 'image' (first at line 3)"},
    {"bom.yaml", BERTH_EINVALID, 1, "bom.yaml:4:5: duplicate key 'image' (first at line 3)"},
    {"utf8-columns.yaml", BERTH_EINVALID, 1,
     "utf8-columns.yaml:2:20: duplicate key 'image' (first at line 2)"},
    {"non-scalar-key.yaml", BERTH_EINVALID, 1,
     "non-scalar-key.yaml:2:5: a mapping key must be a string, not a sequence\n"
     "non-scalar-key.yaml:4:3: a mapping key must be a string, not a mapping"},
    /* bytes */
    {"tab-indent.yaml", BERTH_EINVALID, 0,
     "tab-indent.yaml:3:1: tab character in indentation; YAML indents with spaces"},
    {"tab-indent-mixed.yaml", BERTH_EINVALID, 0,
     "tab-indent-mixed.yaml:4:3: tab character in indentation; YAML indents with spaces"},
    {"tab-inside-ok.yaml", 0, 1, ""},
    {"nul-byte.yaml", BERTH_EINVALID, 0,
     "nul-byte.yaml:3:15: NUL byte in the file; a manifest is UTF-8 text"},
    {"nul-escape.yaml", BERTH_EINVALID, 1,
     "nul-escape.yaml:3:12: string contains a NUL character (\\0), which berth cannot pass on; "
     "remove it"},
    {"invalid-utf8.yaml", BERTH_EINVALID, 0,
     "invalid-utf8.yaml:3:15: invalid UTF-8 (byte 0xe9); save the file as UTF-8"},
    {"truncated-utf8.yaml", BERTH_EINVALID, 0,
     "truncated-utf8.yaml:3:12: invalid UTF-8 (byte 0xe2); save the file as UTF-8"},
    {"overlong-utf8.yaml", BERTH_EINVALID, 0,
     "overlong-utf8.yaml:3:12: invalid UTF-8 (byte 0xc0); save the file as UTF-8"},
    {"utf16.yaml", BERTH_EINVALID, 0, "utf16.yaml:1:1: the file is UTF-16; save it as UTF-8"},
    {"control-char.yaml", BERTH_EINVALID, 0,
     "control-char.yaml:3:14: control character U+0007 is not allowed in YAML; remove it or write "
     "it as an escape in a double-quoted string"},
    /* documents */
    {"multi-doc.yaml", BERTH_EINVALID, 1,
     "multi-doc.yaml:3:1: more than one YAML document; berth reads one project per file"},
    {"multi-doc-trailing.yaml", BERTH_EINVALID, 1,
     "multi-doc-trailing.yaml:2:1: more than one YAML document; berth reads one project per "
     "file"},
    {"single-doc-markers.yaml", 0, 1, ""},
    {"empty.yaml", 0, 0, "empty.yaml: warning: empty manifest: the file defines no project"},
    {"comment-only.yaml", 0, 0,
     "comment-only.yaml: warning: empty manifest: the file defines no project"},
    {"doc-start-only.yaml", 0, 0,
     "doc-start-only.yaml: warning: empty manifest: the file defines no project"},
    {"null-root.yaml", 0, 0,
     "null-root.yaml: warning: empty manifest: the file defines no project"},
    /* merge keys */
    {"merge-single.yaml", 0, 1, ""},
    {"merge-list.yaml", 0, 1, ""},
    {"merge-inline.yaml", 0, 1, ""},
    {"merge-nested.yaml", 0, 1, ""},
    {"merge-quoted.yaml", 0, 1, ""},
    {"x-fragments.yaml", 0, 1, ""},
    {"merge-non-map.yaml", BERTH_EINVALID, 1,
     "merge-non-map.yaml:4:5: merge key '<<' needs a mapping or a list of mappings, not a scalar"},
    {"merge-list-non-map.yaml", BERTH_EINVALID, 1,
     "merge-list-non-map.yaml:6:5: merge key '<<': item 2 is a sequence; only mappings can be "
     "merged\n"
     "merge-list-non-map.yaml:6:5: merge key '<<': item 3 is a scalar; only mappings can be "
     "merged"},
    {"merge-duplicate.yaml", BERTH_EINVALID, 1,
     "merge-duplicate.yaml:6:5: duplicate key '<<' (first at line 5)"},
    /* libyaml's syntax errors, with positions and hints */
    {"syntax-colon.yaml", BERTH_EINVALID, 0,
     "syntax-colon.yaml:4:20: invalid YAML: mapping values are not allowed in this context; "
     "quote the value if it contains ': '"},
    {"syntax-indent.yaml", BERTH_EINVALID, 0,
     "syntax-indent.yaml:4:4: invalid YAML: did not find expected key (while parsing a block "
     "mapping at line 2, column 3); check the indentation of this line"},
    {"syntax-unclosed.yaml", BERTH_EINVALID, 0,
     "syntax-unclosed.yaml:4:3: invalid YAML: did not find expected ',' or ']' (while parsing a "
     "flow sequence at line 3, column 12)"},
    {"syntax-at.yaml", BERTH_EINVALID, 0,
     "syntax-at.yaml:3:12: invalid YAML: found character that cannot start any token; a value "
     "starting with '@' must be quoted"},
    {"scalars.yaml", 0, 1, ""},
};

START_TEST(fixture_messages)
{
        const struct fixture_case *c = &fixture_cases[_i];
        struct loaded l;

        load_fixture(&l, c->file, NULL);
        ck_assert_str_eq(diags_text(&l.diags), c->diags);
        ck_assert_msg(l.rc == c->rc, "%s: rc %d, expected %d", c->file, l.rc, c->rc);
        ck_assert_msg((l.doc != NULL) == c->tree, "%s: tree %p", c->file, (void *)l.doc);
        if (l.doc)
                ck_assert_ptr_nonnull(l.doc->root);
        if (c->rc == BERTH_EINVALID) {
                /* err is the first error, with its position */
                char line[2048];

                ck_assert_int_eq(l.err.code, BERTH_EINVALID);
                berth_err_format(&l.err, line, sizeof(line));
                ck_assert_msg(strncmp(c->diags, line, strlen(line)) == 0, "err '%s'", line);
        } else {
                ck_assert_int_eq(l.err.code, 0);
        }
        loaded_release(&l);
}
END_TEST

/* ---- limits on generated input ---- */

static char *repeat(const char *unit, size_t times, const char *tail)
{
        size_t u = strlen(unit), t = strlen(tail), i;
        char *s = malloc(u * times + t + 1);

        ck_assert_ptr_nonnull(s);
        for (i = 0; i < times; i++)
                memcpy(s + i * u, unit, u);
        memcpy(s + u * times, tail, t + 1);
        return s;
}

static void expect_parse(const char *text, size_t len, const struct doc_limits *lim,
                         const char *diags)
{
        struct loaded l;

        parse_text(&l, text, len, lim);
        ck_assert_str_eq(diags_text(&l.diags), diags);
        loaded_release(&l);
}

START_TEST(deep_flow_million)
{
        char *s = repeat("[", 1000000, "");

        expect_parse(s, strlen(s), NULL, "t.yaml:1:65: nesting is deeper than 64 levels");
        free(s);
        s = repeat("{", 1000000, "");
        expect_parse(s, strlen(s), NULL, "t.yaml:1:65: nesting is deeper than 64 levels");
        free(s);
}
END_TEST

START_TEST(deep_block_million)
{
        char *s = repeat("- ", 1000000, "x\n");

        expect_parse(s, strlen(s), NULL, "t.yaml:1:129: nesting is deeper than 64 levels");
        free(s);
}
END_TEST

START_TEST(depth_limit_configurable)
{
        struct doc_limits lim = {.max_depth = 3};

        expect_parse("[[[x]]]", 7, &lim, "");
        expect_parse("[[[[x]]]]", 9, &lim, "t.yaml:1:4: nesting is deeper than 3 levels");
        expect_parse("a: &a [[x]]\nb: [*a]\n", 20, &lim,
                     "t.yaml:2:5: alias '*a' nests deeper than 3 levels when expanded");
}
END_TEST

START_TEST(file_size_limit)
{
        size_t max = DOC_DEFAULT_MAX_FILE_SIZE;
        char *s = malloc(max + 2);
        struct doc_limits small = {.max_file_size = 40};
        struct loaded l;

        ck_assert_ptr_nonnull(s);
        /* exactly the limit: read (a comment: an empty manifest) */
        s[0] = '#';
        memset(s + 1, 'x', max - 2);
        s[max - 1] = '\n';
        expect_parse(s, max, NULL, "t.yaml: warning: empty manifest: the file defines no project");
        /* one byte more: refused before parsing */
        s[max - 1] = 'x';
        s[max] = '\n';
        expect_parse(s, max + 1, NULL,
                     "t.yaml: the file is larger than 4194304 bytes, the limit for a manifest");
        free(s);
        /* the same from a file (merge-single.yaml is 200 bytes) */
        load_fixture(&l, "merge-single.yaml", &small);
        ck_assert_str_eq(diags_text(&l.diags),
                         "merge-single.yaml: the file is larger than 40 bytes, the limit for a "
                         "manifest");
        ck_assert_int_eq(l.rc, BERTH_EINVALID);
        ck_assert_ptr_null(l.doc);
        loaded_release(&l);
}
END_TEST

START_TEST(node_limit)
{
        struct doc_limits lim = {.max_nodes = 7};

        /* map + 3 keys + 3 values = 7 */
        expect_parse("a: 1\nb: 2\nc: 3\n", 15, &lim, "");
        expect_parse("a: 1\nb: 2\nc: 3\nd: 4\n", 20, &lim,
                     "t.yaml:4:1: more than 7 nodes in the file");
        /* an alias counts every node it copies: map, a, [1, 2], b, copy = 9 */
        lim.max_nodes = 9;
        expect_parse("a: &x [1, 2]\nb: *x\n", 19, &lim, "");
        expect_parse("a: &x [1, 2]\nb: *x\nc: *x\n", 25, &lim,
                     "t.yaml:3:1: more than 9 nodes in the file");
        lim.max_nodes = 12;
        expect_parse("a: &x [1, 2]\nb: *x\nc: *x\n", 25, &lim,
                     "t.yaml:3:4: alias '*x' expands past the limit of 12 nodes (billion "
                     "laughs?)");
        lim.max_nodes = 13;
        expect_parse("a: &x [1, 2]\nb: *x\nc: *x\n", 25, &lim, "");
}
END_TEST

START_TEST(scalar_limit)
{
        struct doc_limits lim = {.max_scalar = 8};

        expect_parse("image: 12345678\n", 16, &lim, "");
        expect_parse("image: 123456789\n", 17, &lim, "t.yaml:1:8: scalar is longer than 8 bytes");
        expect_parse("image: |\n  1234567890\n", 22, &lim,
                     "t.yaml:1:8: scalar is longer than 8 bytes");
}
END_TEST

START_TEST(load_file_errors)
{
        struct loaded l;
        char dir[] = "/tmp/berth-yaml-XXXXXX", fifo[64];

        diag_list_init(&l.diags);
        l.rc = doc_load_file(&l.doc, FIXTURES "no-such.yaml", "m/no-such.yaml", NULL, &l.diags,
                             &l.err);
        ck_assert_int_eq(l.rc, BERTH_EINVALID);
        ck_assert_ptr_null(l.doc);
        ck_assert_str_eq(diags_text(&l.diags),
                         "m/no-such.yaml: cannot open the file: No such file or directory");
        ck_assert_str_eq(l.err.file, "m/no-such.yaml");
        loaded_release(&l);

        diag_list_init(&l.diags);
        l.rc = doc_load_file(&l.doc, FIXTURES, "dir.yaml", NULL, &l.diags, &l.err);
        ck_assert_int_eq(l.rc, BERTH_EINVALID);
        ck_assert_str_eq(diags_text(&l.diags), "dir.yaml: not a regular file");
        loaded_release(&l);

        /* a FIFO: refused, and opening it does not wait for a writer */
        ck_assert_ptr_nonnull(mkdtemp(dir));
        snprintf(fifo, sizeof(fifo), "%s/p.yaml", dir);
        ck_assert_int_eq(mkfifo(fifo, 0600), 0);
        diag_list_init(&l.diags);
        l.rc = doc_load_file(&l.doc, fifo, NULL, NULL, &l.diags, &l.err);
        unlink(fifo);
        rmdir(dir);
        ck_assert_int_eq(l.rc, BERTH_EINVALID);
        ck_assert_uint_eq(l.diags.n, 1);
        ck_assert_str_eq(l.diags.v[0].message, "not a regular file");
        ck_assert_str_eq(l.diags.v[0].file, fifo); /* name NULL: the path */
        loaded_release(&l);
}
END_TEST

START_TEST(errors_keep_going)
{
        /* a duplicate key, a bad merge and another duplicate: all three */
        static const char text[] = "a: 1\n"
                                   "a: 2\n"
                                   "b:\n"
                                   "  <<: [1]\n"
                                   "  c: 1\n"
                                   "  c: 2\n";
        struct loaded l;

        parse_text(&l, text, strlen(text), NULL);
        ck_assert_str_eq(diags_text(&l.diags),
                         "t.yaml:6:3: duplicate key 'c' (first at line 5)\n"
                         "t.yaml:4:3: merge key '<<': item 1 is a scalar; only mappings can be "
                         "merged\n"
                         "t.yaml:2:1: duplicate key 'a' (first at line 1)");
        /* err is the first one added */
        ck_assert_str_eq(l.err.msg, "duplicate key 'c' (first at line 5)");
        ck_assert_int_eq(l.err.line, 6);
        ck_assert_int_eq(l.err.col, 3);
        ck_assert_str_eq(to_json(l.doc->root), "{\"a\":1,\"b\":{\"c\":1}}");
        loaded_release(&l);
}
END_TEST

/* ---- merge keys and anchors: the trees ---- */

struct tree_case {
        const char *file;
        const char *json;
};

static const struct tree_case tree_cases[] = {
    /* keys written in the map win over merged ones; merged keys take the
     * place of the `<<` */
    {"merge-single.yaml",
     "{\"x-defaults\":{\"restart\":\"always\",\"image\":\"base\",\"labels\":{\"team\":\"shop\"}},"
     "\"services\":{\"web\":{\"restart\":\"always\",\"labels\":{\"team\":\"shop\"},\"image\":"
     "\"nginx\"},\"worker\":{\"image\":\"worker\",\"restart\":\"always\",\"labels\":{\"team\":"
     "\"shop\"}}}}"},
    /* earlier maps in the list win over later ones */
    {"merge-list.yaml",
     "{\"x-first\":{\"image\":\"first\",\"user\":\"first\"},\"x-second\":{\"image\":\"second\","
     "\"user\":\"second\",\"hostname\":\"second\"},\"x-third\":{\"tty\":true,\"hostname\":"
     "\"third\"},\"services\":{\"web\":{\"user\":\"web\",\"image\":\"first\",\"hostname\":"
     "\"second\",\"tty\":true,\"init\":true}}}"},
    {"merge-inline.yaml",
     "{\"services\":{\"web\":{\"image\":\"inline\",\"restart\":\"always\"},\"db\":{\"image\":"
     "\"a\",\"tty\":false}}}"},
    /* a merged map may itself merge */
    {"merge-nested.yaml",
     "{\"x-base\":{\"restart\":\"always\",\"user\":\"base\"},\"x-mid\":{\"restart\":\"always\","
     "\"user\":\"mid\"},\"services\":{\"web\":{\"restart\":\"always\",\"user\":\"mid\",\"image\":"
     "\"nginx\"}}}"},
    /* a quoted "<<" is an ordinary key */
    {"merge-quoted.yaml",
     "{\"x-a\":{\"image\":\"a\"},\"services\":{\"web\":{\"<<\":{\"image\":\"a\"}}}}"},
    /* bad merge sources are dropped, the good ones still apply */
    {"merge-list-non-map.yaml",
     "{\"x-base\":{\"restart\":\"always\"},\"x-ports\":[\"80\"],\"services\":{\"web\":{\"image\":"
     "\"nginx\",\"restart\":\"always\"}}}"},
    {"merge-duplicate.yaml",
     "{\"x-a\":{\"image\":\"a\"},\"x-b\":{\"user\":\"b\"},\"services\":{\"web\":{\"image\":"
     "\"a\"}}}"},
    {"x-fragments.yaml",
     "{\"name\":\"shop\",\"x-logging\":{\"driver\":\"json-file\",\"options\":{\"max-size\":"
     "\"10m\"}},\"x-env\":{\"TZ\":\"UTC\",\"LOG_LEVEL\":\"info\"},\"x-service\":{\"restart\":"
     "\"unless-stopped\",\"logging\":{\"driver\":\"json-file\",\"options\":{\"max-size\":"
     "\"10m\"}},\"environment\":{\"TZ\":\"UTC\",\"LOG_LEVEL\":\"info\"}},\"services\":{\"web\":{"
     "\"restart\":\"unless-stopped\",\"logging\":{\"driver\":\"json-file\",\"options\":{\"max-"
     "size\":\"10m\"}},\"environment\":{\"TZ\":\"UTC\",\"LOG_LEVEL\":\"info\"},\"image\":"
     "\"nginx:1.25\",\"ports\":[\"8080:80\"]},\"api\":{\"restart\":\"unless-stopped\","
     "\"logging\":{\"driver\":\"json-file\",\"options\":{\"max-size\":\"10m\"}},\"image\":"
     "\"shop/api:2\",\"environment\":{\"TZ\":\"UTC\",\"LOG_LEVEL\":\"debug\"}}}}"},
    /* core schema in JSON: 0755 is decimal, 22:22 and yes are strings */
    {"scalars.yaml",
     "{\"null-empty\":null,\"null-tilde\":null,\"null-word\":null,\"bool-true\":true,"
     "\"bool-False\":false,\"str-yes\":\"yes\",\"str-on\":\"on\",\"int\":42,\"int-neg\":-17,"
     "\"int-octal\":15,\"int-hex\":31,\"float\":1.5,\"float-exp\":1000.0,\"float-inf\":\"-.inf\","
     "\"port-trap\":\"22:22\",\"mode-trap\":755,\"quoted-port\":\"22:22\",\"quoted-true\":"
     "\"true\",\"tagged-str\":\"80\",\"tagged-int\":80,\"reset\":[],\"literal\":\"line one\\nline "
     "two\\n\",\"folded\":\"folded text\\n\"}"},
    {"tab-inside-ok.yaml",
     "{\"services\":{\"web\":{\"image\":\"nginx\",\"command\":\"cat <<-EOF\\n\\tindented with a "
     "tab inside the block: fine\\nEOF\\n\",\"entrypoint\":[\"sh\",\"-c\"]}}}"},
    {"multi-doc.yaml", "{\"name\":\"one\",\"services\":{}}"},
    {"bom.yaml", "{\"services\":{\"web\":{\"image\":\"a\"}}}"},
};

START_TEST(tree_json)
{
        const struct tree_case *c = &tree_cases[_i];
        struct loaded l;

        load_fixture(&l, c->file, NULL);
        ck_assert_ptr_nonnull(l.doc);
        ck_assert_str_eq(to_json(l.doc->root), c->json);
        loaded_release(&l);
}
END_TEST

/* size and height are what the expanded tree really has */
static void count(const struct doc_node *n, size_t *size, int *height)
{
        size_t i, s = 1;
        int h = n->kind == DOC_SCALAR ? 0 : 1, ch;

        for (i = 0; n->kind == DOC_SEQ && i < n->seq.n; i++) {
                size_t cs = 0;

                count(n->seq.v[i], &cs, &ch);
                s += cs;
                h = ch + 1 > h ? ch + 1 : h;
        }
        for (i = 0; n->kind == DOC_MAP && i < n->map.n; i++) {
                size_t ks = 0, vs = 0;
                int kh;

                count(n->map.v[i].key, &ks, &kh);
                count(n->map.v[i].value, &vs, &ch);
                ck_assert_int_eq(n->map.v[i].key->kind, DOC_SCALAR);
                s += ks + vs;
                h = ch + 1 > h ? ch + 1 : h;
        }
        ck_assert_uint_eq(n->size, s);
        ck_assert_int_eq(n->height, h);
        *size = s;
        *height = h;
}

START_TEST(tree_sizes)
{
        const struct tree_case *c = &tree_cases[_i];
        struct loaded l;
        size_t s;
        int h;

        load_fixture(&l, c->file, NULL);
        count(l.doc->root, &s, &h);
        loaded_release(&l);
}
END_TEST

static void assert_pos(struct doc_node *n, int line, int col)
{
        ck_assert_str_eq(n->pos.file, "merge-single.yaml");
        ck_assert_int_eq(n->pos.line, line);
        ck_assert_int_eq(n->pos.col, col);
}

START_TEST(merged_positions)
{
        struct loaded l;
        struct doc_node *web, *worker;
        struct doc_pair *p;

        load_fixture(&l, "merge-single.yaml", NULL);
        ck_assert_int_eq(l.rc, 0);
        web = at(l.doc->root, "services.web");
        worker = at(l.doc->root, "services.worker");
        /* merged values point where they were written: in x-defaults */
        assert_pos(at(web, "restart"), 2, 12);
        assert_pos(at(worker, "restart"), 2, 12);
        assert_pos(at(web, "labels.team"), 5, 11);
        /* the keys too */
        p = doc_map_find(web, "labels");
        assert_pos(p->key, 4, 3);
        /* written values where they were written */
        assert_pos(at(web, "image"), 10, 12);
        assert_pos(at(worker, "image"), 12, 12);
        assert_pos(web, 9, 5);
        assert_pos(l.doc->root, 1, 1);
        /* alias copies are copies: changing one leaves the others */
        ck_assert_int_eq(doc_scalar_set(l.doc, at(web, "restart"), "no", 2), 0);
        ck_assert_str_eq(at(web, "restart")->scalar.text, "no");
        ck_assert_str_eq(at(worker, "restart")->scalar.text, "always");
        ck_assert_str_eq(at(l.doc->root, "x-defaults.restart")->scalar.text, "always");
        ck_assert_int_eq(at(web, "restart")->pos.line, 2); /* position kept */
        loaded_release(&l);
}
END_TEST

START_TEST(anchor_redefined)
{
        /* YAML lets an anchor name be reused: an alias means the latest */
        static const char text[] = "a: &x 1\n"
                                   "b: *x\n"
                                   "c: &x [2, &x 3, *x]\n"
                                   "d: *x\n";
        struct loaded l;

        parse_text(&l, text, strlen(text), NULL);
        ck_assert_str_eq(diags_text(&l.diags), "");
        ck_assert_str_eq(to_json(l.doc->root), "{\"a\":1,\"b\":1,\"c\":[2,3,3],\"d\":3}");
        loaded_release(&l);
}
END_TEST

START_TEST(anchors_many)
{
        /* enough anchors inside an anchored map that the anchor table
         * grows while the map is open; the alias after it still works */
        char text[4096];
        size_t n = 0, i;
        struct loaded l;

        n += (size_t)snprintf(text + n, sizeof(text) - n, "a: &outer\n");
        for (i = 0; i < 100; i++)
                n += (size_t)snprintf(text + n, sizeof(text) - n, "  k%zu: &x%zu %zu\n", i, i, i);
        n += (size_t)snprintf(text + n, sizeof(text) - n, "b: *outer\nc: *x99\n");
        parse_text(&l, text, n, NULL);
        ck_assert_str_eq(diags_text(&l.diags), "");
        ck_assert_uint_eq(at(l.doc->root, "b")->map.n, 100);
        ck_assert_str_eq(at(l.doc->root, "b.k42")->scalar.text, "42");
        ck_assert_str_eq(at(l.doc->root, "c")->scalar.text, "99");
        loaded_release(&l);
}
END_TEST

START_TEST(long_duplicate_key)
{
        /* the message quotes at most 80 bytes of a key, whole characters */
        char text[1024], key[300];
        struct loaded l;

        memset(key, 'k', 79);
        strcpy(key + 79, "\xc3\xa9tail-that-is-not-shown");
        snprintf(text, sizeof(text), "%s: 1\n%s: 2\n", key, key);
        parse_text(&l, text, strlen(text), NULL);
        key[79] = '\0';
        snprintf(text, sizeof(text), "t.yaml:2:1: duplicate key '%s...' (first at line 1)", key);
        ck_assert_str_eq(diags_text(&l.diags), text);
        loaded_release(&l);
}
END_TEST

START_TEST(scalar_node_fields)
{
        struct loaded l;
        struct doc_node *r;

        load_fixture(&l, "scalars.yaml", NULL);
        r = l.doc->root;
        ck_assert_int_eq(r->kind, DOC_MAP);
        ck_assert_uint_eq(r->map.n, 23);
        ck_assert_int_eq(at(r, "literal")->scalar.style, DOC_LITERAL);
        ck_assert_int_eq(at(r, "folded")->scalar.style, DOC_FOLDED);
        ck_assert_int_eq(at(r, "quoted-port")->scalar.style, DOC_DOUBLE_QUOTED);
        ck_assert_int_eq(at(r, "int")->scalar.style, DOC_PLAIN);
        ck_assert_str_eq(at(r, "tagged-str")->tag, "tag:yaml.org,2002:str");
        ck_assert_str_eq(at(r, "reset")->tag, "!reset");
        ck_assert_int_eq(at(r, "reset")->kind, DOC_SEQ);
        ck_assert_ptr_null(at(r, "int")->tag);
        ck_assert_str_eq(at(r, "literal")->scalar.text, "line one\nline two\n");
        ck_assert_uint_eq(at(r, "literal")->scalar.len, 18);
        ck_assert_int_eq(at(r, "null-empty")->pos.line, 1);
        ck_assert_int_eq(at(r, "null-empty")->pos.col, 12);
        ck_assert_str_eq(at(r, "null-empty")->scalar.text, "");
        loaded_release(&l);
}
END_TEST

/* ---- scalar typing: YAML 1.2 core schema and the YAML 1.1 traps ---- */

#define NA 99 /* conversion not checked */

struct scalar_case {
        const char *yaml; /* the value, written after "v: " */
        enum doc_type type;
        int bool_conv, bool_val;
        int int_conv;
        long long int_val;
        int float_conv;
        double float_val;
        enum doc_trap trap;
};

static const struct scalar_case scalar_cases[] = {
    /* null */
    {"", DOC_T_NULL, DOC_CONV_TYPE, 0, DOC_CONV_TYPE, 0, DOC_CONV_TYPE, 0, DOC_TRAP_NONE},
    {"~", DOC_T_NULL, DOC_CONV_TYPE, 0, DOC_CONV_TYPE, 0, DOC_CONV_TYPE, 0, DOC_TRAP_NONE},
    {"null", DOC_T_NULL, DOC_CONV_TYPE, 0, DOC_CONV_TYPE, 0, DOC_CONV_TYPE, 0, DOC_TRAP_NONE},
    {"Null", DOC_T_NULL, NA, 0, NA, 0, NA, 0, DOC_TRAP_NONE},
    {"NULL", DOC_T_NULL, NA, 0, NA, 0, NA, 0, DOC_TRAP_NONE},
    {"nULL", DOC_T_STR, DOC_CONV_TYPE, 0, NA, 0, NA, 0, DOC_TRAP_NONE},
    {"\"\"", DOC_T_STR, NA, 0, NA, 0, NA, 0, DOC_TRAP_NONE},
    {"'null'", DOC_T_STR, NA, 0, NA, 0, NA, 0, DOC_TRAP_NONE},
    /* booleans: only true/false */
    {"true", DOC_T_BOOL, DOC_CONV_OK, 1, DOC_CONV_TYPE, 0, DOC_CONV_TYPE, 0, DOC_TRAP_NONE},
    {"True", DOC_T_BOOL, DOC_CONV_OK, 1, NA, 0, NA, 0, DOC_TRAP_NONE},
    {"TRUE", DOC_T_BOOL, DOC_CONV_OK, 1, NA, 0, NA, 0, DOC_TRAP_NONE},
    {"false", DOC_T_BOOL, DOC_CONV_OK, 0, NA, 0, NA, 0, DOC_TRAP_NONE},
    {"FALSE", DOC_T_BOOL, DOC_CONV_OK, 0, NA, 0, NA, 0, DOC_TRAP_NONE},
    {"tRUE", DOC_T_STR, DOC_CONV_TYPE, 0, NA, 0, NA, 0, DOC_TRAP_NONE},
    {"\"true\"", DOC_T_STR, DOC_CONV_QUOTED, 1, NA, 0, NA, 0, DOC_TRAP_NONE},
    {"'false'", DOC_T_STR, DOC_CONV_QUOTED, 0, NA, 0, NA, 0, DOC_TRAP_NONE},
    /* YAML 1.1 booleans are strings, flagged */
    {"yes", DOC_T_STR, DOC_CONV_YAML11, 1, DOC_CONV_TYPE, 0, DOC_CONV_TYPE, 0, DOC_TRAP_BOOL},
    {"Yes", DOC_T_STR, DOC_CONV_YAML11, 1, NA, 0, NA, 0, DOC_TRAP_BOOL},
    {"NO", DOC_T_STR, DOC_CONV_YAML11, 0, NA, 0, NA, 0, DOC_TRAP_BOOL},
    {"on", DOC_T_STR, DOC_CONV_YAML11, 1, NA, 0, NA, 0, DOC_TRAP_BOOL},
    {"Off", DOC_T_STR, DOC_CONV_YAML11, 0, NA, 0, NA, 0, DOC_TRAP_BOOL},
    {"y", DOC_T_STR, DOC_CONV_YAML11, 1, NA, 0, NA, 0, DOC_TRAP_BOOL},
    {"n", DOC_T_STR, DOC_CONV_YAML11, 0, NA, 0, NA, 0, DOC_TRAP_BOOL},
    {"yES", DOC_T_STR, DOC_CONV_TYPE, 0, NA, 0, NA, 0, DOC_TRAP_NONE},
    {"\"yes\"", DOC_T_STR, DOC_CONV_TYPE, 0, NA, 0, NA, 0, DOC_TRAP_NONE},
    {"!!bool yes", DOC_T_BOOL, DOC_CONV_YAML11, 1, DOC_CONV_TYPE, 0, NA, 0, DOC_TRAP_NONE},
    {"!!bool \"true\"", DOC_T_BOOL, DOC_CONV_OK, 1, NA, 0, NA, 0, DOC_TRAP_NONE},
    /* integers: decimal, 0o, 0x */
    {"42", DOC_T_INT, DOC_CONV_TYPE, 0, DOC_CONV_OK, 42, DOC_CONV_OK, 42, DOC_TRAP_NONE},
    {"-17", DOC_T_INT, NA, 0, DOC_CONV_OK, -17, DOC_CONV_OK, -17, DOC_TRAP_NONE},
    {"+5", DOC_T_INT, NA, 0, DOC_CONV_OK, 5, NA, 0, DOC_TRAP_NONE},
    {"0", DOC_T_INT, NA, 0, DOC_CONV_OK, 0, NA, 0, DOC_TRAP_NONE},
    {"0o17", DOC_T_INT, NA, 0, DOC_CONV_OK, 15, DOC_CONV_OK, 15, DOC_TRAP_NONE},
    {"0x1F", DOC_T_INT, NA, 0, DOC_CONV_OK, 31, DOC_CONV_OK, 31, DOC_TRAP_NONE},
    {"0x1f", DOC_T_INT, NA, 0, DOC_CONV_OK, 31, NA, 0, DOC_TRAP_NONE},
    {"0O17", DOC_T_STR, NA, 0, DOC_CONV_TYPE, 0, DOC_CONV_TYPE, 0, DOC_TRAP_NONE},
    {"0o8", DOC_T_STR, NA, 0, DOC_CONV_TYPE, 0, NA, 0, DOC_TRAP_NONE},
    {"9223372036854775807", DOC_T_INT, NA, 0, DOC_CONV_OK, INT64_MAX, NA, 0, DOC_TRAP_NONE},
    {"-9223372036854775808", DOC_T_INT, NA, 0, DOC_CONV_OK, INT64_MIN, NA, 0, DOC_TRAP_NONE},
    {"9223372036854775808", DOC_T_INT, NA, 0, DOC_CONV_RANGE, 0, DOC_CONV_OK, 9223372036854775808.0,
     DOC_TRAP_NONE},
    {"0xFFFFFFFFFFFFFFFF", DOC_T_INT, NA, 0, DOC_CONV_RANGE, 0, DOC_CONV_RANGE, 0, DOC_TRAP_NONE},
    {"\"80\"", DOC_T_STR, NA, 0, DOC_CONV_QUOTED, 80, DOC_CONV_QUOTED, 80, DOC_TRAP_NONE},
    {"!!str 80", DOC_T_STR, NA, 0, DOC_CONV_QUOTED, 80, NA, 0, DOC_TRAP_NONE},
    {"!!int \"80\"", DOC_T_INT, NA, 0, DOC_CONV_OK, 80, DOC_CONV_OK, 80, DOC_TRAP_NONE},
    {"!!int x", DOC_T_INT, NA, 0, DOC_CONV_TYPE, 0, NA, 0, DOC_TRAP_NONE},
    {"! 80", DOC_T_STR, NA, 0, DOC_CONV_QUOTED, 80, NA, 0, DOC_TRAP_NONE},
    {"!reset 80", DOC_T_INT, NA, 0, DOC_CONV_OK, 80, NA, 0, DOC_TRAP_NONE},
    {"|\n  80", DOC_T_STR, NA, 0, DOC_CONV_TYPE, 0, NA, 0, DOC_TRAP_NONE}, /* "80\n" */
    {"|-\n  80", DOC_T_STR, NA, 0, DOC_CONV_QUOTED, 80, NA, 0, DOC_TRAP_NONE},
    /* YAML 1.1 numbers */
    {"0755", DOC_T_INT, NA, 0, DOC_CONV_YAML11, 493, DOC_CONV_YAML11, 493, DOC_TRAP_OCTAL},
    {"-010", DOC_T_INT, NA, 0, DOC_CONV_YAML11, -8, NA, 0, DOC_TRAP_OCTAL},
    {"\"0755\"", DOC_T_STR, NA, 0, DOC_CONV_QUOTED, 755, NA, 0, DOC_TRAP_NONE},
    {"089", DOC_T_INT, NA, 0, DOC_CONV_OK, 89, DOC_CONV_OK, 89, DOC_TRAP_LEADING_ZERO},
    {"22:22", DOC_T_STR, NA, 0, DOC_CONV_YAML11, 1342, DOC_CONV_YAML11, 1342, DOC_TRAP_SEXAGESIMAL},
    {"1:30", DOC_T_STR, NA, 0, DOC_CONV_YAML11, 90, NA, 0, DOC_TRAP_SEXAGESIMAL},
    {"-1:00:00", DOC_T_STR, NA, 0, DOC_CONV_YAML11, -3600, NA, 0, DOC_TRAP_SEXAGESIMAL},
    {"1:30.5", DOC_T_STR, NA, 0, DOC_CONV_TYPE, 0, DOC_CONV_YAML11, 90.5, DOC_TRAP_SEXAGESIMAL},
    {"8080:80", DOC_T_STR, NA, 0, DOC_CONV_TYPE, 0, DOC_CONV_TYPE, 0, DOC_TRAP_NONE},
    {"0:30", DOC_T_STR, NA, 0, DOC_CONV_TYPE, 0, NA, 0, DOC_TRAP_NONE},
    {"1:60", DOC_T_STR, NA, 0, DOC_CONV_TYPE, 0, NA, 0, DOC_TRAP_NONE},
    {"1:300", DOC_T_STR, NA, 0, DOC_CONV_TYPE, 0, NA, 0, DOC_TRAP_NONE},
    {"127.0.0.1:80:80", DOC_T_STR, NA, 0, DOC_CONV_TYPE, 0, NA, 0, DOC_TRAP_NONE},
    {"\"22:22\"", DOC_T_STR, NA, 0, DOC_CONV_TYPE, 0, NA, 0, DOC_TRAP_NONE},
    {"1_000", DOC_T_STR, NA, 0, DOC_CONV_YAML11, 1000, DOC_CONV_YAML11, 1000, DOC_TRAP_NUMBER},
    {"0b101", DOC_T_STR, NA, 0, DOC_CONV_YAML11, 5, NA, 0, DOC_TRAP_NUMBER},
    {"-0x1F", DOC_T_STR, NA, 0, DOC_CONV_YAML11, -31, NA, 0, DOC_TRAP_NUMBER},
    {"1_000.5", DOC_T_STR, NA, 0, DOC_CONV_TYPE, 0, DOC_CONV_YAML11, 1000.5, DOC_TRAP_NUMBER},
    /* floats */
    {"1.5", DOC_T_FLOAT, NA, 0, DOC_CONV_TYPE, 0, DOC_CONV_OK, 1.5, DOC_TRAP_NONE},
    {"-1.5e3", DOC_T_FLOAT, NA, 0, DOC_CONV_TYPE, 0, DOC_CONV_OK, -1500, DOC_TRAP_NONE},
    {"1e3", DOC_T_FLOAT, NA, 0, NA, 0, DOC_CONV_OK, 1000, DOC_TRAP_NONE},
    {".5", DOC_T_FLOAT, NA, 0, NA, 0, DOC_CONV_OK, 0.5, DOC_TRAP_NONE},
    {"5.", DOC_T_FLOAT, NA, 0, NA, 0, DOC_CONV_OK, 5, DOC_TRAP_NONE},
    {"1e400", DOC_T_FLOAT, NA, 0, NA, 0, DOC_CONV_RANGE, 0, DOC_TRAP_NONE},
    {"1.2.3", DOC_T_STR, NA, 0, DOC_CONV_TYPE, 0, DOC_CONV_TYPE, 0, DOC_TRAP_NONE},
    {"e3", DOC_T_STR, NA, 0, NA, 0, DOC_CONV_TYPE, 0, DOC_TRAP_NONE},
    {".", DOC_T_STR, NA, 0, NA, 0, DOC_CONV_TYPE, 0, DOC_TRAP_NONE},
    {"!!float 1", DOC_T_FLOAT, NA, 0, DOC_CONV_TYPE, 0, DOC_CONV_OK, 1, DOC_TRAP_NONE},
    {"!!int 7", DOC_T_INT, NA, 0, DOC_CONV_OK, 7, DOC_CONV_OK, 7, DOC_TRAP_NONE},
    /* strings */
    {"nginx:1.25", DOC_T_STR, DOC_CONV_TYPE, 0, DOC_CONV_TYPE, 0, DOC_CONV_TYPE, 0, DOC_TRAP_NONE},
    {"'it''s'", DOC_T_STR, NA, 0, NA, 0, NA, 0, DOC_TRAP_NONE},
};

START_TEST(scalar_typing)
{
        const struct scalar_case *c = &scalar_cases[_i];
        char text[256];
        struct loaded l;
        struct doc_node *v;
        bool b = false;
        int64_t i = 0;
        double f = 0;
        enum doc_conv r;

        snprintf(text, sizeof(text), "v: %s\n", c->yaml);
        parse_text(&l, text, strlen(text), NULL);
        ck_assert_msg(l.rc == 0, "%s: %s", c->yaml, diags_text(&l.diags));
        v = doc_map_get(l.doc->root, "v");
        ck_assert_ptr_nonnull(v);
        ck_assert_msg(doc_scalar_type(v) == c->type, "%s: type %s, expected %s", c->yaml,
                      doc_type_name(doc_scalar_type(v)), doc_type_name(c->type));
        ck_assert_int_eq(doc_scalar_is_null(v), c->type == DOC_T_NULL);
        if (c->bool_conv != NA) {
                r = doc_scalar_bool(v, &b);
                ck_assert_msg((int)r == c->bool_conv, "%s: bool conv %d", c->yaml, r);
                if (r != DOC_CONV_TYPE)
                        ck_assert_msg(b == (c->bool_val != 0), "%s: bool %d", c->yaml, b);
        }
        if (c->int_conv != NA) {
                r = doc_scalar_int(v, &i);
                ck_assert_msg((int)r == c->int_conv, "%s: int conv %d", c->yaml, r);
                if (r != DOC_CONV_TYPE && r != DOC_CONV_RANGE)
                        ck_assert_msg(i == c->int_val, "%s: int %lld", c->yaml, (long long)i);
        }
        if (c->float_conv != NA) {
                r = doc_scalar_float(v, &f);
                ck_assert_msg((int)r == c->float_conv, "%s: float conv %d", c->yaml, r);
                if (r != DOC_CONV_TYPE && r != DOC_CONV_RANGE)
                        ck_assert_msg(f == c->float_val, "%s: float %g", c->yaml, f);
        }
        ck_assert_msg(doc_scalar_yaml11_trap(v) == c->trap, "%s: trap %d", c->yaml,
                      doc_scalar_yaml11_trap(v));
        ck_assert_int_eq(doc_scalar_yaml11_hint(v, text, sizeof(text)) != NULL,
                         c->trap != DOC_TRAP_NONE);
        loaded_release(&l);
}
END_TEST

START_TEST(special_floats)
{
        static const char text[] = "a: .inf\nb: -.Inf\nc: .NaN\nd: +.INF\n";
        struct loaded l;
        double f;

        parse_text(&l, text, strlen(text), NULL);
        ck_assert_int_eq(doc_scalar_float(at(l.doc->root, "a"), &f), DOC_CONV_OK);
        ck_assert(isinf(f) && f > 0);
        ck_assert_int_eq(doc_scalar_float(at(l.doc->root, "b"), &f), DOC_CONV_OK);
        ck_assert(isinf(f) && f < 0);
        ck_assert_int_eq(doc_scalar_float(at(l.doc->root, "c"), &f), DOC_CONV_OK);
        ck_assert(isnan(f));
        ck_assert_int_eq(doc_scalar_float(at(l.doc->root, "d"), &f), DOC_CONV_OK);
        ck_assert(isinf(f) && f > 0);
        /* JSON cannot hold them: they stay strings there */
        ck_assert_str_eq(to_json(l.doc->root), "{\"a\":\".inf\",\"b\":\"-.Inf\",\"c\":\".NaN\","
                                               "\"d\":\"+.INF\"}");
        loaded_release(&l);
}
END_TEST

START_TEST(non_scalars_do_not_convert)
{
        static const char text[] = "m: {a: 1}\ns: [1]\n";
        struct loaded l;
        bool b;
        int64_t i;
        double f;

        parse_text(&l, text, strlen(text), NULL);
        ck_assert_int_eq(doc_scalar_bool(at(l.doc->root, "m"), &b), DOC_CONV_TYPE);
        ck_assert_int_eq(doc_scalar_int(at(l.doc->root, "s"), &i), DOC_CONV_TYPE);
        ck_assert_int_eq(doc_scalar_float(at(l.doc->root, "s"), &f), DOC_CONV_TYPE);
        ck_assert_int_eq(doc_scalar_bool(NULL, &b), DOC_CONV_TYPE);
        ck_assert(!doc_scalar_is_null(at(l.doc->root, "m")));
        ck_assert(!doc_scalar_is_null(NULL));
        ck_assert_int_eq(doc_scalar_yaml11_trap(at(l.doc->root, "s")), DOC_TRAP_NONE);
        loaded_release(&l);
}
END_TEST

struct hint_case {
        const char *yaml;
        const char *hint;
};

static const struct hint_case hint_cases[] = {
    {"yes", "YAML 1.1 reads yes as the boolean true, YAML 1.2 as a string: write true for a "
            "boolean or \"yes\" for a string"},
    {"off", "YAML 1.1 reads off as the boolean false, YAML 1.2 as a string: write false for a "
            "boolean or \"off\" for a string"},
    {"22:22", "YAML 1.1 reads 22:22 as the base-60 number 1342: quote it (\"22:22\")"},
    {"1:30.5", "YAML 1.1 reads 1:30.5 as the base-60 number 90.5: quote it (\"1:30.5\")"},
    {"0755", "YAML 1.1 reads 0755 as the octal number 493, YAML 1.2 as decimal: write 0o755 for "
             "octal or quote it (\"0755\")"},
    {"089", "YAML 1.1 reads 089 as a string, YAML 1.2 as a number: quote it (\"089\") or drop "
            "the leading zero"},
    {"1_000", "YAML 1.1 reads 1_000 as a number, YAML 1.2 as a string: quote it (\"1_000\") or "
              "write the number without '_' or 0b"},
};

START_TEST(trap_hints)
{
        const struct hint_case *c = &hint_cases[_i];
        char text[64], hint[512];
        struct loaded l;

        snprintf(text, sizeof(text), "v: %s\n", c->yaml);
        parse_text(&l, text, strlen(text), NULL);
        ck_assert_ptr_nonnull(doc_scalar_yaml11_hint(at(l.doc->root, "v"), hint, sizeof(hint)));
        ck_assert_str_eq(hint, c->hint);
        loaded_release(&l);
}
END_TEST

/* ---- the tree API on its own ---- */

START_TEST(tree_api)
{
        struct doc *d = doc_new("m.yaml");
        struct doc_node *map, *k, *v, *copy;

        ck_assert_ptr_nonnull(d);
        map = doc_node_collection(d, DOC_MAP, 1, 1);
        k = doc_node_scalar(d, 1, 1, "image", 5, DOC_PLAIN);
        v = doc_node_scalar(d, 1, 8, "nginx", 5, DOC_PLAIN);
        ck_assert(map && k && v);
        ck_assert_str_eq(map->pos.file, "m.yaml");
        ck_assert_ptr_eq(map->pos.file, d->file);
        map->map.v = &(struct doc_pair){k, v};
        map->map.n = 1;
        ck_assert_ptr_eq(doc_map_get(map, "image"), v);
        ck_assert_ptr_null(doc_map_get(map, "imag"));
        ck_assert_ptr_null(doc_map_get(map, "image2"));
        ck_assert_ptr_null(doc_map_get(v, "image"));
        ck_assert_ptr_null(doc_map_get(NULL, "image"));
        ck_assert_ptr_eq(doc_map_find(map, "image")->key, k);
        copy = doc_node_copy(d, map);
        ck_assert_ptr_nonnull(copy);
        ck_assert_ptr_ne(copy->map.v, map->map.v);
        ck_assert_ptr_ne(copy->map.v[0].value, v);
        ck_assert_int_eq(doc_scalar_set(d, copy->map.v[0].value, "httpd", 5), 0);
        ck_assert_str_eq(v->scalar.text, "nginx");
        ck_assert_str_eq(doc_map_get(copy, "image")->scalar.text, "httpd");
        ck_assert_str_eq(doc_kind_name(DOC_MAP), "mapping");
        ck_assert_str_eq(doc_kind_name(DOC_SEQ), "sequence");
        ck_assert_str_eq(doc_type_name(DOC_T_BOOL), "boolean");
        ck_assert_str_eq(doc_type_name(DOC_T_STR), "string");
        doc_free(d);
        doc_free(NULL);
}
END_TEST

START_TEST(keys_compare_as_text)
{
        static const char text[] = "1: a\n\"1\": b\n";
        struct loaded l;

        parse_text(&l, text, strlen(text), NULL);
        ck_assert_str_eq(diags_text(&l.diags), "t.yaml:2:1: duplicate key '1' (first at line 1)");
        ck_assert_str_eq(doc_map_get(l.doc->root, "1")->scalar.text, "a");
        loaded_release(&l);
}
END_TEST

START_TEST(many_keys)
{
        /* 20000 keys, one repeated at the end: found without a quadratic
         * search (this would take minutes if it were) */
        size_t n = 20000, i, len = 0;
        char *s = malloc(n * 16 + 32);
        struct loaded l;

        ck_assert_ptr_nonnull(s);
        for (i = 0; i < n; i++)
                len += (size_t)sprintf(s + len, "k%zu: %zu\n", i, i);
        len += (size_t)sprintf(s + len, "k7: dup\n");
        parse_text(&l, s, len, NULL);
        ck_assert_str_eq(diags_text(&l.diags),
                         "t.yaml:20001:1: duplicate key 'k7' (first at line 8)");
        ck_assert_uint_eq(l.doc->root->map.n, n);
        loaded_release(&l);
        free(s);
}
END_TEST

/* ---- diagnostics ---- */

START_TEST(diag_format_and_sort)
{
        struct diag_list l;
        struct berth_err err;
        char buf[256];

        diag_list_init(&l);
        diag_add(&l, DIAG_ERROR, "b.yaml", 3, 5, "services.web.ports[1]", "bad port '%s'", "x");
        diag_add(&l, DIAG_WARNING, "a.yaml", 9, 1, "", "unquoted %d", 22);
        diag_add(&l, DIAG_ERROR, "a.yaml", 0, 0, NULL, "cannot open the file");
        diag_add(&l, DIAG_ERROR, "a.yaml", 9, 1, "x", "second at the same place");
        diag_add(&l, DIAG_WARNING, NULL, 2, 2, NULL, "no file");
        ck_assert_uint_eq(l.n, 5);
        ck_assert_uint_eq(diag_list_errors(&l), 3);
        ck_assert_str_eq(diag_format(&l.v[0], buf, sizeof(buf)),
                         "b.yaml:3:5: services.web.ports[1]: bad port 'x'");
        ck_assert_str_eq(diag_format(&l.v[1], buf, sizeof(buf)),
                         "a.yaml:9:1: warning: unquoted 22");
        ck_assert_str_eq(diag_format(&l.v[2], buf, sizeof(buf)), "a.yaml: cannot open the file");
        diag_list_sort(&l);
        ck_assert_str_eq(diags_text(&l), ":2:2: warning: no file\n"
                                         "a.yaml: cannot open the file\n"
                                         "a.yaml:9:1: warning: unquoted 22\n"
                                         "a.yaml:9:1: x: second at the same place\n"
                                         "b.yaml:3:5: services.web.ports[1]: bad port 'x'");
        /* cut to fit */
        ck_assert_str_eq(diag_format(&l.v[4], buf, 8), "b.yaml:");
        berth_err_clear(&err);
        ck_assert_int_eq(diag_to_err(&err, BERTH_EINVALID, &l.v[4]), BERTH_EINVALID);
        ck_assert_str_eq(berth_err_format(&err, buf, sizeof(buf)),
                         "b.yaml:3:5: services.web.ports[1]: bad port 'x'");
        diag_list_release(&l);
        ck_assert_uint_eq(l.n, 0);
        ck_assert_uint_eq(diag_list_errors(&l), 0);
        diag_add(&l, DIAG_WARNING, "c", 1, 1, "", "reusable after release");
        ck_assert_uint_eq(l.n, 1);
        diag_list_release(&l);
}
END_TEST

static Suite *yaml_suite(void)
{
        Suite *s = suite_create("yaml");
        TCase *tc;

        tc = tcase_create("fixtures");
        tcase_add_loop_test(tc, fixture_messages, 0,
                            (int)(sizeof(fixture_cases) / sizeof(fixture_cases[0])));
        tcase_add_loop_test(tc, tree_json, 0, (int)(sizeof(tree_cases) / sizeof(tree_cases[0])));
        tcase_add_loop_test(tc, tree_sizes, 0, (int)(sizeof(tree_cases) / sizeof(tree_cases[0])));
        tcase_add_test(tc, merged_positions);
        tcase_add_test(tc, anchor_redefined);
        tcase_add_test(tc, anchors_many);
        tcase_add_test(tc, long_duplicate_key);
        tcase_add_test(tc, scalar_node_fields);
        tcase_add_test(tc, errors_keep_going);
        tcase_add_test(tc, load_file_errors);
        suite_add_tcase(s, tc);

        tc = tcase_create("limits");
        tcase_add_test(tc, deep_flow_million);
        tcase_add_test(tc, deep_block_million);
        tcase_add_test(tc, depth_limit_configurable);
        tcase_add_test(tc, file_size_limit);
        tcase_add_test(tc, node_limit);
        tcase_add_test(tc, scalar_limit);
        tcase_add_test(tc, many_keys);
        suite_add_tcase(s, tc);

        tc = tcase_create("scalars");
        tcase_add_loop_test(tc, scalar_typing, 0,
                            (int)(sizeof(scalar_cases) / sizeof(scalar_cases[0])));
        tcase_add_loop_test(tc, trap_hints, 0, (int)(sizeof(hint_cases) / sizeof(hint_cases[0])));
        tcase_add_test(tc, special_floats);
        tcase_add_test(tc, non_scalars_do_not_convert);
        suite_add_tcase(s, tc);

        tc = tcase_create("api");
        tcase_add_test(tc, tree_api);
        tcase_add_test(tc, keys_compare_as_text);
        tcase_add_test(tc, diag_format_and_sort);
        suite_add_tcase(s, tc);
        return s;
}

int main(void)
{
        return bt_unit_main(yaml_suite());
}
