/* berth's validator and python-jsonschema's Draft7Validator must give the
 * same verdict (valid or not) on the same documents.
 *
 * The documents: every YAML fixture under tests/fixtures/ that berth's
 * YAML layer loads without errors (manifests from tests/fixtures/schema/
 * and tests/fixtures/manifests/, and any other), each as written and in
 * many mutated forms: one node at a time replaced by other scalars
 * (strings, numbers, booleans, null, quoted numbers, YAML 1.1 forms),
 * by empty and small collections, or a key renamed; a list with an item
 * repeated; a mapping without one of its keys.  Each is validated by
 * schema_validate() and converted with doc_node_to_json(); python runs
 * once over all of them against schema/manifest.schema.json.
 *
 * Needs python3 with jsonschema (Debian: python3-jsonschema; tests/run
 * installs it).  Without it the test fails, saying so: it is never
 * skipped.  BERTH_TEST_PYTHON names another interpreter. */
#include <ftw.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "berth_test.h"
#include "common/err.h"
#include "manifest/diag.h"
#include "manifest/doc.h"
#include "schema/validate.h"

#define FIXTURES BERTH_TEST_DATA "/fixtures"
#define SCHEMA BERTH_TEST_DATA "/../schema/manifest.schema.json"
#define MAX_FILES 1024
#define MUTATIONS_PER_NODE 4

static const char python_check[] =
    "import json, sys\n"
    "try:\n"
    "    import jsonschema\n"
    "except ImportError as e:\n"
    "    sys.stderr.write('cannot import jsonschema: %s\\n' % e)\n"
    "    sys.exit(3)\n"
    "with open(sys.argv[1]) as f:\n"
    "    schema = json.load(f)\n"
    "jsonschema.Draft7Validator.check_schema(schema)\n"
    "v = jsonschema.Draft7Validator(schema)\n"
    "out = []\n"
    "with open(sys.argv[2]) as f:\n"
    "    for line in f:\n"
    "        out.append('1' if v.is_valid(json.loads(line)) else '0')\n"
    "sys.stdout.write(''.join(out) + '\\n')\n";

static char *files[MAX_FILES];
static size_t nfiles;

static int collect(const char *path, const struct stat *st, int type, struct FTW *ftw)
{
        size_t n = strlen(path);

        (void)st;
        (void)ftw;
        if (type == FTW_F && nfiles < MAX_FILES &&
            ((n > 5 && strcmp(path + n - 5, ".yaml") == 0) ||
             (n > 4 && strcmp(path + n - 4, ".yml") == 0)))
                files[nfiles++] = strdup(path);
        return 0;
}

static int by_name(const void *a, const void *b)
{
        return strcmp(*(char *const *)a, *(char *const *)b);
}

/* One document validated by berth, waiting for python's verdict. */
struct verdict {
        const char *file; /* relative to tests/fixtures */
        char *what;       /* the mutation, or "as written" */
        char *first;      /* berth's first error, or NULL */
        bool valid;
};

struct run {
        const struct schema *schema;
        FILE *jsonl;
        struct verdict *v;
        size_t n, cap;
        size_t valid, invalid;
};

static void add_case(struct run *r, const char *file, const struct doc_node *root, char *what)
{
        struct diag_list dl;
        json_t *j = doc_node_to_json(root);
        char *first = NULL, line[4096];
        size_t i;
        int errors;

        ck_assert_ptr_nonnull(j);
        ck_assert_int_eq(json_dumpf(j, r->jsonl, JSON_COMPACT | JSON_ENCODE_ANY), 0);
        fputc('\n', r->jsonl);
        json_decref(j);
        diag_list_init(&dl);
        errors = schema_validate(r->schema, root, file, &dl);
        ck_assert_int_ge(errors, 0);
        for (i = 0; i < dl.n && !first; i++)
                if (dl.v[i].severity == DIAG_ERROR)
                        first = strdup(diag_format(&dl.v[i], line, sizeof(line)));
        diag_list_release(&dl);
        if (r->n == r->cap) {
                r->cap = r->cap ? 2 * r->cap : 1024;
                r->v = realloc(r->v, r->cap * sizeof(*r->v));
                ck_assert_ptr_nonnull(r->v);
        }
        r->v[r->n++] =
            (struct verdict){.file = file, .what = what, .first = first, .valid = errors == 0};
        if (errors == 0)
                r->valid++;
        else
                r->invalid++;
}

/* ---- mutations ---- */

struct target {
        struct doc_node *node;
        struct doc_node *parent; /* the map a key belongs to, else NULL */
        char *path;
        bool is_key;
};

struct targets {
        struct target *v;
        size_t n, cap;
};

static void target_add(struct targets *t, struct doc_node *node, struct doc_node *parent,
                       const char *path, bool is_key)
{
        if (t->n == t->cap) {
                t->cap = t->cap ? 2 * t->cap : 256;
                t->v = realloc(t->v, t->cap * sizeof(*t->v));
                ck_assert_ptr_nonnull(t->v);
        }
        t->v[t->n++] = (struct target){node, parent, strdup(path[0] ? path : "(root)"), is_key};
}

static void walk(struct targets *t, struct doc_node *n, char *path)
{
        size_t i, len = strlen(path);

        target_add(t, n, NULL, path, false);
        if (n->kind == DOC_SEQ) {
                for (i = 0; i < n->seq.n; i++) {
                        snprintf(path + len, 4096 - len, "[%zu]", i);
                        walk(t, n->seq.v[i], path);
                }
        } else if (n->kind == DOC_MAP) {
                for (i = 0; i < n->map.n; i++) {
                        snprintf(path + len, 4096 - len, "%s%s", len ? "." : "",
                                 n->map.v[i].key->scalar.text);
                        target_add(t, n->map.v[i].key, n, path, true);
                        walk(t, n->map.v[i].value, path);
                }
        }
        path[len] = '\0';
}

struct scalar_mut {
        const char *text;
        enum doc_style style;
};

static const struct scalar_mut scalar_muts[] = {
    {"x", DOC_PLAIN},
    {"1", DOC_PLAIN},
    {"-1", DOC_PLAIN},
    {"0", DOC_PLAIN},
    {"1.5", DOC_PLAIN},
    {"1.0", DOC_PLAIN},
    {"65536", DOC_PLAIN},
    {"99999999999999999999", DOC_PLAIN},
    {"true", DOC_PLAIN},
    {"", DOC_PLAIN},
    {"yes", DOC_PLAIN},
    {".inf", DOC_PLAIN},
    {"0o17", DOC_PLAIN},
    {"1", DOC_DOUBLE_QUOTED},
    {"true", DOC_DOUBLE_QUOTED},
    {"", DOC_DOUBLE_QUOTED},
    {"80:80", DOC_PLAIN},
    {"/abs", DOC_PLAIN},
    {"always", DOC_PLAIN},
    {"30s", DOC_PLAIN},
    {"512m", DOC_PLAIN},
    {"service_healthy", DOC_PLAIN},
    {"tcp", DOC_PLAIN},
    {"\xc3\xa9", DOC_PLAIN},
};

#define NSCALAR (sizeof(scalar_muts) / sizeof(scalar_muts[0]))

enum { MUT_EMPTY_MAP = NSCALAR, MUT_EMPTY_SEQ, MUT_SEQ_ONE, MUT_MAP_ONE, NMUT };

static const char *const key_muts[] = {"zz", "x-zz", "Image", "imag", "80", "a b"};

#define NKEY (sizeof(key_muts) / sizeof(key_muts[0]))

static bool sibling_has(const struct doc_node *map, const char *key)
{
        return doc_map_find(map, key) != NULL;
}

/* Replace t's node by mutation m, add the case, put the node back. */
static void mutate(struct run *r, struct doc *d, const char *file, struct target *t, size_t m,
                   struct doc_node **one, struct doc_pair *pair)
{
        struct doc_node saved = *t->node;
        char what[4200];

        if (t->is_key) {
                const char *k = key_muts[m % NKEY];

                if (sibling_has(t->parent, k))
                        return;
                snprintf(what, sizeof(what), "key %s renamed to '%s'", t->path, k);
                ck_assert_int_eq(doc_scalar_set(d, t->node, k, strlen(k)), 0);
        } else if (m < NSCALAR) {
                const struct scalar_mut *s = &scalar_muts[m];

                snprintf(what, sizeof(what), "%s := %s%s%s", t->path,
                         s->style == DOC_PLAIN ? "" : "\"", s->text,
                         s->style == DOC_PLAIN ? "" : "\"");
                t->node->kind = DOC_SCALAR;
                t->node->tag = NULL;
                ck_assert_int_eq(doc_scalar_set(d, t->node, s->text, strlen(s->text)), 0);
                t->node->scalar.style = s->style;
        } else {
                t->node->tag = NULL;
                switch (m) {
                case MUT_EMPTY_MAP:
                case MUT_MAP_ONE:
                        t->node->kind = DOC_MAP;
                        t->node->map.v = m == MUT_MAP_ONE ? pair : NULL;
                        t->node->map.n = m == MUT_MAP_ONE;
                        snprintf(what, sizeof(what), "%s := %s", t->path,
                                 m == MUT_MAP_ONE ? "{zz: x}" : "{}");
                        break;
                default:
                        t->node->kind = DOC_SEQ;
                        t->node->seq.v = m == MUT_SEQ_ONE ? one : NULL;
                        t->node->seq.n = m == MUT_SEQ_ONE;
                        snprintf(what, sizeof(what), "%s := %s", t->path,
                                 m == MUT_SEQ_ONE ? "[x]" : "[]");
                        break;
                }
        }
        add_case(r, file, d->root, strdup(what));
        *t->node = saved;
}

/* Collections also get: a list with its first item repeated at the end
 * (uniqueItems), a mapping without its first key (required). */
static void reshape(struct run *r, struct doc *d, const char *file, struct target *t)
{
        struct doc_node *n = t->node, saved = *n;
        char what[4200];

        if (t->is_key || n->kind == DOC_SCALAR)
                return;
        if (n->kind == DOC_SEQ && n->seq.n >= 1) {
                struct doc_node **v = malloc((n->seq.n + 1) * sizeof(*v));

                ck_assert_ptr_nonnull(v);
                memcpy(v, n->seq.v, n->seq.n * sizeof(*v));
                v[n->seq.n] = n->seq.v[0];
                n->seq.v = v;
                n->seq.n++;
                snprintf(what, sizeof(what), "%s[0] repeated at the end", t->path);
                add_case(r, file, d->root, strdup(what));
                free(v);
        } else if (n->kind == DOC_MAP && n->map.n >= 1) {
                snprintf(what, sizeof(what), "%s without its key '%s'", t->path,
                         n->map.v[0].key->scalar.text);
                n->map.v++;
                n->map.n--;
                add_case(r, file, d->root, strdup(what));
        }
        *n = saved;
}

static void add_file(struct run *r, const char *path, size_t *loaded)
{
        const char *file = path + strlen(FIXTURES) + 1;
        struct targets t = {0};
        struct diag_list dl;
        struct berth_err err = {0};
        struct doc *d = NULL;
        struct doc_node *x, *zz, *one[1];
        struct doc_pair pair;
        char buf[4096] = "";
        size_t i, k;

        diag_list_init(&dl);
        if (doc_load_file(&d, path, file, NULL, &dl, &err) != 0 || !d) {
                /* not a document berth's YAML layer accepts: nothing to compare */
                diag_list_release(&dl);
                doc_free(d);
                return;
        }
        diag_list_release(&dl);
        (*loaded)++;
        add_case(r, file, d->root, strdup("as written"));

        x = doc_node_scalar(d, 1, 1, "x", 1, DOC_PLAIN);
        zz = doc_node_scalar(d, 1, 1, "zz", 2, DOC_PLAIN);
        ck_assert(x && zz);
        one[0] = x;
        pair = (struct doc_pair){zz, x};
        walk(&t, d->root, buf);
        for (i = 0; i < t.n; i++) {
                for (k = 0; k < MUTATIONS_PER_NODE; k++) {
                        size_t m = (i * MUTATIONS_PER_NODE + k) % (t.v[i].is_key ? NKEY : NMUT);

                        mutate(r, d, file, &t.v[i], m, one, &pair);
                }
                reshape(r, d, file, &t.v[i]);
                free(t.v[i].path);
        }
        free(t.v);
        doc_free(d);
}

static void explain(const struct verdict *c)
{
        fprintf(stderr, "  %s (%s): berth says %s, python-jsonschema says %s%s%s\n", c->file,
                c->what, c->valid ? "valid" : "invalid", c->valid ? "invalid" : "valid",
                c->first ? "\n    berth: " : "", c->first ? c->first : "");
}

START_TEST(agreement)
{
        struct berth_err err = {0};
        struct run r = {0};
        const char *dir = bt_tmpdir(), *py = getenv("BERTH_TEST_PYTHON");
        char jsonl[4096], *out = NULL, *errout = NULL;
        size_t i, loaded = 0, disagree = 0;
        int status;

        r.schema = schema_load_builtin(&err);
        ck_assert_msg(r.schema != NULL, "%s", err.msg);
        ck_assert_msg(nftw(FIXTURES, collect, 16, FTW_PHYS) == 0, "cannot walk %s", FIXTURES);
        qsort(files, nfiles, sizeof(files[0]), by_name);

        snprintf(jsonl, sizeof(jsonl), "%s/cases.jsonl", dir);
        r.jsonl = fopen(jsonl, "we");
        ck_assert_ptr_nonnull(r.jsonl);
        for (i = 0; i < nfiles; i++)
                add_file(&r, files[i], &loaded);
        ck_assert_int_eq(fclose(r.jsonl), 0);
        ck_assert_msg(loaded >= 30, "only %zu fixture documents load under %s", loaded, FIXTURES);
        ck_assert_msg(r.valid >= 100 && r.invalid >= 100,
                      "too one-sided to mean anything: %zu valid, %zu invalid", r.valid, r.invalid);

        {
                const char *argv[] = {
                    py && *py ? py : "python3", "-c", python_check, SCHEMA, jsonl, NULL};

                status = bt_run(&out, &errout, argv);
        }
        ck_assert_msg(status != 3 && status != 127 && status != -1,
                      "%s cannot check the schema: %s\ninstall python3-jsonschema "
                      "(apt-get install python3-jsonschema; tests/run does)",
                      py && *py ? py : "python3", errout ? errout : "");
        ck_assert_msg(status == 0, "python-jsonschema failed (status %d): %s", status,
                      errout ? errout : "");
        ck_assert_msg(out && strlen(out) == r.n + 1, "python gave %zu verdicts for %zu documents",
                      out ? strlen(out) - 1 : 0, r.n);
        for (i = 0; i < r.n; i++) {
                if ((out[i] == '1') != r.v[i].valid) {
                        if (disagree++ < 40)
                                explain(&r.v[i]);
                }
        }
        fprintf(stderr,
                "%zu documents from %zu fixture files: %zu valid, %zu invalid, %zu "
                "disagreements\n",
                r.n, loaded, r.valid, r.invalid, disagree);
        ck_assert_msg(disagree == 0,
                      "berth and python-jsonschema disagree on %zu of %zu documents (listed "
                      "above)",
                      disagree, r.n);
        for (i = 0; i < r.n; i++) {
                free(r.v[i].what);
                free(r.v[i].first);
        }
        free(r.v);
        free(out);
        free(errout);
}
END_TEST

int main(void)
{
        Suite *s = suite_create("schema_agreement");
        TCase *tc = tcase_create("agreement");

        tcase_set_timeout(tc, 300);
        tcase_add_test(tc, agreement);
        suite_add_tcase(s, tc);
        return bt_unit_main(s);
}
