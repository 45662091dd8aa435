/* Schema validation: the manifest fixtures under tests/fixtures/schema/
 * (each NAME.yaml with the exact diagnostics in NAME.expected), the
 * generic draft-07 keywords on small inline schemas, loading errors, the
 * compiled-in schema, typing after interpolation, and concurrent use. */
#include <dirent.h>
#include <pthread.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "berth_test.h"
#include "common/err.h"
#include "manifest/diag.h"
#include "manifest/doc.h"
#include "schema/validate.h"

#define FIXTURES BERTH_TEST_DATA "/fixtures/schema"
#define MIN_FIXTURES 30

static char *fixtures[256];
static size_t nfixtures;

static char *slurp(const char *path)
{
        FILE *f = fopen(path, "re");
        char *text = NULL;
        size_t len = 0;

        if (!f)
                return NULL;
        {
                FILE *m = open_memstream(&text, &len);
                char chunk[4096];
                size_t n;

                ck_assert_ptr_nonnull(m);
                while ((n = fread(chunk, 1, sizeof(chunk), f)) > 0)
                        fwrite(chunk, 1, n, m);
                fclose(m);
        }
        fclose(f);
        return text;
}

/* Every diagnostic in l, formatted, one per line. */
static char *format_all(const struct diag_list *l)
{
        char *text = NULL, line[4096];
        size_t len = 0, i;
        FILE *m = open_memstream(&text, &len);

        ck_assert_ptr_nonnull(m);
        for (i = 0; i < l->n; i++)
                fprintf(m, "%s\n", diag_format(&l->v[i], line, sizeof(line)));
        fclose(m);
        return text;
}

static const struct schema *builtin(void)
{
        struct berth_err err = {0};
        const struct schema *s = schema_load_builtin(&err);

        ck_assert_msg(s != NULL, "built-in schema: %s", err.msg);
        return s;
}

static struct schema *parse_schema(const char *json)
{
        struct berth_err err = {0};
        struct schema *s = NULL;

        ck_assert_msg(schema_parse(&s, json, strlen(json), &err) == 0, "schema %s: %s", json,
                      err.msg);
        return s;
}

/* Validate yaml (named t.yaml) against s: the diagnostics, one per line;
 * *errors is what schema_validate returned. */
static char *run(const struct schema *s, const char *yaml, int *errors)
{
        struct diag_list dl;
        struct berth_err err = {0};
        struct doc *d = NULL;
        char *out;
        int rc;

        diag_list_init(&dl);
        rc = doc_parse(&d, "t.yaml", yaml, strlen(yaml), NULL, &dl, &err);
        ck_assert_msg(rc == 0 && d, "yaml does not load: %s\n%s", err.msg, yaml);
        rc = schema_validate(s, d->root, NULL, &dl);
        ck_assert_int_ge(rc, 0);
        ck_assert_int_eq((size_t)rc, diag_list_errors(&dl));
        if (errors)
                *errors = rc;
        out = format_all(&dl);
        diag_list_release(&dl);
        doc_free(d);
        return out;
}

/* Validate yaml against the inline schema json; expect exactly want. */
static void expect(const char *json, const char *yaml, const char *want)
{
        struct schema *s = parse_schema(json);
        char *got = run(s, yaml, NULL);

        ck_assert_msg(strcmp(got, want) == 0, "schema %s\nyaml:\n%s\nwant:\n%sgot:\n%s", json, yaml,
                      want, got);
        free(got);
        schema_free(s);
}

/* ---- fixtures ---- */

static int by_name(const void *a, const void *b)
{
        return strcmp(*(char *const *)a, *(char *const *)b);
}

static void fixtures_scan(void)
{
        DIR *dir = opendir(FIXTURES);
        struct dirent *e;

        if (!dir)
                return; /* fixtures_present fails */
        while ((e = readdir(dir)) && nfixtures < sizeof(fixtures) / sizeof(fixtures[0])) {
                size_t n = strlen(e->d_name);

                if (n > 5 && strcmp(e->d_name + n - 5, ".yaml") == 0)
                        fixtures[nfixtures++] = strndup(e->d_name, n - 5);
        }
        closedir(dir);
        qsort(fixtures, nfixtures, sizeof(fixtures[0]), by_name);
}

START_TEST(fixtures_present)
{
        ck_assert_msg(nfixtures >= MIN_FIXTURES, "%zu fixtures in %s, expected at least %d",
                      nfixtures, FIXTURES, MIN_FIXTURES);
}
END_TEST

START_TEST(fixture)
{
        const char *name = fixtures[_i];
        char path[1024], file[512], *want, *got, *line, *nl;
        struct diag_list dl;
        struct berth_err err = {0};
        struct doc *d = NULL;
        size_t want_errors = 0;
        int rc;

        snprintf(path, sizeof(path), "%s/%s.expected", FIXTURES, name);
        want = slurp(path);
        ck_assert_msg(want != NULL, "%s is missing: every fixture states its diagnostics", path);
        snprintf(path, sizeof(path), "%s/%s.yaml", FIXTURES, name);
        snprintf(file, sizeof(file), "%s.yaml", name);
        diag_list_init(&dl);
        rc = doc_load_file(&d, path, file, NULL, &dl, &err);
        ck_assert_msg(rc == 0 && d && dl.n == 0, "%s does not load cleanly: %s", file, err.msg);
        rc = schema_validate(builtin(), d->root, NULL, &dl);
        got = format_all(&dl);
        ck_assert_msg(strcmp(got, want) == 0, "%s:\nwant:\n%sgot:\n%s", file, want, got);
        for (line = want; *line; line = nl + 1) {
                nl = strchr(line, '\n');
                ck_assert_ptr_nonnull(nl);
                *nl = '\0';
                if (!strstr(line, ": warning: "))
                        want_errors++;
        }
        ck_assert_msg(rc >= 0 && (size_t)rc == want_errors,
                      "%s: schema_validate returned %d, expected %zu errors", file, rc,
                      want_errors);
        free(want);
        free(got);
        diag_list_release(&dl);
        doc_free(d);
}
END_TEST

/* ---- the generic keywords ---- */

START_TEST(type_integer_and_number)
{
        const char *intg = "{\"type\": \"integer\"}", *num = "{\"type\": \"number\"}";

        /* a float with no fraction is an integer, as in python-jsonschema */
        expect(intg, "1.0\n", "");
        expect(intg, "1e3\n", "");
        expect(intg, "0x10\n", "");
        expect(intg, "1.5\n", "t.yaml:1:1: expected an integer, found the number 1.5\n");
        expect(intg, "\"7\"\n",
               "t.yaml:1:1: expected an integer, found the string \"7\": write 7 without quotes\n");
        expect(num, "3\n", "");
        expect(num, "-2.5\n", "");
        expect(num, ".inf\n", "t.yaml:1:1: expected a number, found the string \".inf\"\n");
        expect(num, "true\n", "t.yaml:1:1: expected a number, found the boolean true\n");
}
END_TEST

START_TEST(type_lists)
{
        const char *s = "{\"type\": [\"null\", \"string\", \"array\"]}";

        expect(s, "x\n", "");
        expect(s, "[1]\n", "");
        expect("{\"items\": {\"type\": [\"null\", \"string\"]}}", "[~, null, \"\", x]\n", "");
        expect(s, "{a: 1}\n", "t.yaml:1:1: expected a string, a list or null, found a mapping\n");
        expect(s, "12\n",
               "t.yaml:1:1: expected a string, a list or null, found the integer 12: quote it "
               "(\"12\")\n");
}
END_TEST

START_TEST(type_hints)
{
        const char *s = "{\"properties\": {\"b\": {\"type\": \"boolean\"}, \"s\": {\"type\": "
                        "\"string\"}, \"r\": {\"type\": \"string\", \"pattern\": \"^[a-z]+$\"}}}";

        expect(s, "b: yes\n",
               "t.yaml:1:4: b: expected a boolean, found the string \"yes\": \"yes\" is not a "
               "boolean in YAML 1.2, write true or false\n");
        expect(s, "b: 'false'\n",
               "t.yaml:1:4: b: expected a boolean, found the string \"false\": write false without "
               "quotes\n");
        expect(s, "b: 1\n", "t.yaml:1:4: b: expected a boolean, found the integer 1\n");
        /* quoting would make it valid: say so */
        expect(s, "s: 1.10\n",
               "t.yaml:1:4: s: expected a string, found the number 1.10: quote it (\"1.10\")\n");
        expect(s, "s:\n", "t.yaml:1:3: s: expected a string, found null\n");
        /* quoting would not help: no hint */
        expect(s, "r: 42\n", "t.yaml:1:4: r: expected a string, found the integer 42\n");
}
END_TEST

START_TEST(one_of)
{
        const char *s = "{\"oneOf\": [{\"type\": \"integer\"}, {\"minimum\": 0}]}";
        const char *t = "{\"oneOf\": [{\"type\": \"string\"}, {\"type\": \"array\", \"items\": "
                        "{\"type\": \"string\"}}]}";

        expect(s, "-5\n", "");
        expect(s, "x\n", ""); /* minimum says nothing of strings: one branch */
        expect(s, "5\n", "t.yaml:1:1: matches more than one form\n");
        expect(t, "{a: 1}\n",
               "t.yaml:1:1: expected a string or a list of strings, found a mapping\n");
        /* the branch that takes a list reports its own errors, not a summary */
        expect(t, "[a, 1, b]\n",
               "t.yaml:1:5: [1]: expected a string, found the integer 1: quote it (\"1\")\n");
}
END_TEST

START_TEST(any_of)
{
        const char *s = "{\"anyOf\": [{\"type\": \"string\", \"pattern\": \"^a\"}, {\"type\": "
                        "\"integer\"}, {\"type\": \"integer\", \"minimum\": 0}]}";

        expect(s, "abc\n", "");
        expect(s, "5\n", ""); /* two branches match: fine for anyOf */
        expect(s, "b\n", "t.yaml:1:1: \"b\" does not match ^a\n");
        expect(s, "true\n",
               "t.yaml:1:1: expected a string, an integer or an integer, found the boolean true\n");
}
END_TEST

START_TEST(not_and_false)
{
        const char *s = "{\"properties\": {\"k\": {\"not\": {\"type\": \"string\"}}, \"f\": false, "
                        "\"m\": {\"not\": {}, \"x-message\": \"not supported: use n\"}}}";

        expect(s, "k: 1\n", "");
        expect(s, "k: x\n", "t.yaml:1:1: k: is not allowed here\n");
        expect(s, "f: 1\n", "t.yaml:1:1: f: is not allowed here\n");
        expect(s, "x: 1\nm:\n  a: 1\n", "t.yaml:2:1: m: not supported: use n\n");
}
END_TEST

START_TEST(enum_and_const)
{
        const char *e = "{\"enum\": [1, \"a\", null]}";

        expect(e, "1.0\n", "");
        expect(e, "a\n", "");
        expect("{\"items\": {\"enum\": [1, \"a\", null]}}", "[~, a, 1]\n", "");
        expect(e, "2\n", "t.yaml:1:1: 2 must be one of 1, a, null\n");
        expect(e, "true\n", "t.yaml:1:1: true must be one of 1, a, null\n");
        expect(e, "[1]\n", "t.yaml:1:1: must be one of 1, a, null\n");
        expect("{\"const\": \"x\"}", "y\n", "t.yaml:1:1: \"y\" must be x\n");
        expect("{\"const\": \"x\", \"x-message\": \"is not x\"}", "[y]\n",
               "t.yaml:1:1: a list is not x\n");
}
END_TEST

START_TEST(lengths_count_characters)
{
        const char *s = "{\"minLength\": 2, \"maxLength\": 3}";

        expect(s, "\"\xc3\xa9\xc3\xa9\"\n", ""); /* 4 bytes, 2 characters */
        expect(s, "\"\xc3\xa9\"\n",
               "t.yaml:1:1: \"\xc3\xa9\" must be at least 2 characters long\n");
        expect(s, "\xc3\xa9\xc3\xa9\xc3\xa9\xc3\xa9\n",
               "t.yaml:1:1: \"\xc3\xa9\xc3\xa9\xc3\xa9\xc3\xa9\" must be at most 3 characters "
               "long\n");
        expect(s, "12345\n", ""); /* an integer: lengths do not apply */
        expect("{\"minLength\": 1}", "\"\"\n", "t.yaml:1:1: \"\" must not be empty\n");
}
END_TEST

START_TEST(bounds)
{
        const char *s = "{\"minimum\": 1, \"maximum\": 2.5}";

        expect(s, "1\n", "");
        expect(s, "2.5\n", "");
        expect(s, "0.5\n", "t.yaml:1:1: 0.5 must be at least 1\n");
        expect(s, "3\n", "t.yaml:1:1: 3 must be at most 2.5\n");
        expect(s, "\"9\"\n", ""); /* a string: bounds do not apply */
}
END_TEST

START_TEST(arrays)
{
        const char *s = "{\"minItems\": 2, \"maxItems\": 3, \"uniqueItems\": true}";

        expect(s, "[1, true]\n", ""); /* true is not 1 */
        expect(s, "[1]\n", "t.yaml:1:1: must have at least 2 items\n");
        expect(s, "[1, 2, 3, 4]\n", "t.yaml:1:1: must have at most 3 items\n");
        expect(s, "[1, 1.0]\n", "t.yaml:1:5: [1]: duplicate item 1.0 (same as [0])\n");
        expect(s, "- {a: 1}\n- {a: 1}\n",
               "t.yaml:2:3: [1]: duplicate item a mapping (same as [0])\n");
        expect("{\"minItems\": 1}", "[]\n", "t.yaml:1:1: must not be empty\n");
        expect("{\"items\": {\"type\": \"integer\"}}", "[1, x, 3, y]\n",
               "t.yaml:1:5: [1]: expected an integer, found the string \"x\"\n"
               "t.yaml:1:11: [3]: expected an integer, found the string \"y\"\n");
}
END_TEST

START_TEST(objects)
{
        const char *s = "{\"required\": [\"a\", \"b\"], \"properties\": {\"a\": {}, \"b\": {}, "
                        "\"image\": {}, \"environment\": {}, \"build\": {\"not\": {}}}, "
                        "\"patternProperties\": {\"^x-\": {}}, \"additionalProperties\": false}";
        const char *p = "{\"patternProperties\": {\"^[a-z]+$\": {\"type\": \"integer\"}}, "
                        "\"additionalProperties\": false}";

        expect(s, "a: 1\nb: 2\nx-any: {deep: [1]}\n", "");
        expect(s, "c: 1\n",
               "t.yaml:1:1: missing required key 'a'\nt.yaml:1:1: missing required key 'b'\n"
               "t.yaml:1:1: c: unknown key 'c'\n");
        /* suggestions: transpositions, case, never a refused key, not too far */
        expect(s, "a: 1\nb: 2\nimgae: x\nEnvironment: x\nbuil: x\nim: x\n",
               "t.yaml:3:1: imgae: unknown key 'imgae' (did you mean 'image'?)\n"
               "t.yaml:4:1: Environment: unknown key 'Environment' (did you mean "
               "'environment'?)\n"
               "t.yaml:5:1: buil: unknown key 'buil'\n"
               "t.yaml:6:1: im: unknown key 'im'\n");
        expect(p, "ab: 1\nAb: 2\ncd: x\n",
               "t.yaml:2:1: Ab: unknown key 'Ab' (keys here must match ^[a-z]+$)\n"
               "t.yaml:3:5: cd: expected an integer, found the string \"x\"\n");
        expect("{\"additionalProperties\": {\"type\": \"integer\"}}", "a: 1\nb: x\n",
               "t.yaml:2:4: b: expected an integer, found the string \"x\"\n");
        expect("{\"required\": [\"a\", \"b\"], \"x-required-message\": \"give a and b\"}", "{}\n",
               "t.yaml:1:1: give a and b\n");
}
END_TEST

START_TEST(property_names_are_strings)
{
        /* the key 800 is the string "800" to JSON Schema, not an integer */
        expect("{\"propertyNames\": {\"maxLength\": 2}}", "800: x\n12: y\n",
               "t.yaml:1:1: 800: \"800\" must be at most 2 characters long\n");
        expect("{\"propertyNames\": {\"pattern\": \"^[a-z]+$\", \"x-message\": \"is not a "
               "name\"}}",
               "ok: 1\nNo: 2\n", "t.yaml:2:1: No: \"No\" is not a name\n");
}
END_TEST

START_TEST(patterns_search)
{
        expect("{\"pattern\": \"b\"}", "abc\n", "");
        expect("{\"pattern\": \"^b\"}", "abc\n", "t.yaml:1:1: \"abc\" does not match ^b\n");
        expect("{\"pattern\": \"^a\\\\.b$\"}", "a.b\n", "");
        expect("{\"pattern\": \"^a\\\\.b$\"}", "axb\n",
               "t.yaml:1:1: \"axb\" does not match ^a\\.b$\n");
        expect("{\"pattern\": \"^(x|y){2,3}$\"}", "xyx\n", "");
}
END_TEST

START_TEST(refs)
{
        const char *s = "{\"definitions\": {\"n\": {\"type\": \"object\", \"properties\": {\"c\": "
                        "{\"type\": \"array\", \"items\": {\"$ref\": \"#/definitions/n\"}}, "
                        "\"v\": {\"$ref\": \"#/definitions/v\"}}, \"additionalProperties\": "
                        "false}, \"v\": {\"type\": \"integer\", \"x-message\": \"is not a v\"}}, "
                        "\"$ref\": \"#/definitions/n\"}";

        expect(s, "c:\n  - c: []\n  - c:\n      - v: 1\n      - x: 1\n",
               "t.yaml:5:9: c[1].c[1].x: unknown key 'x'\n");
        expect(s, "v: no\n", "t.yaml:1:4: v: \"no\" is not a v\n");
}
END_TEST

START_TEST(self_applying_schema)
{
        int errors = 0;
        struct schema *s = parse_schema("{\"anyOf\": [{\"$ref\": \"#\"}]}");
        char *got = run(s, "a: 1\n", &errors);

        ck_assert_int_gt(errors, 0);
        ck_assert_msg(strstr(got, "the schema nests deeper than 256 here"), "%s", got);
        free(got);
        schema_free(s);
}
END_TEST

START_TEST(x_message)
{
        const char *s =
            "{\"properties\": {\"p\": {\"type\": \"string\", \"pattern\": \"^[0-9]+$\", "
            "\"x-message\": \"is not digits\"}, \"q\": {\"oneOf\": [{\"type\": "
            "\"integer\"}, {\"type\": \"object\", \"required\": [\"r\"]}], "
            "\"x-message\": \"is not a q\"}}}";

        expect(s, "p: 12a\n", "t.yaml:1:4: p: \"12a\" is not digits\n");
        expect(s, "p: [1]\n", "t.yaml:1:4: p: a list is not digits\n");
        expect(s, "q: x\n", "t.yaml:1:4: q: \"x\" is not a q\n");
        expect(s, "q: [1]\n", "t.yaml:1:4: q: a list is not a q\n");
        /* a mapping goes into the branch that takes mappings */
        expect(s, "q: {s: 1}\n", "t.yaml:1:4: q: missing required key 'r'\n");
}
END_TEST

START_TEST(values_in_messages)
{
        const char *s = "{\"items\": {\"type\": \"string\", \"pattern\": \"^a\"}}";

        expect(s, "- \"q\\\"b\\\\c\\td\"\n",
               "t.yaml:1:3: [0]: \"q\\\"b\\\\c\\td\" does not match ^a\n");
        expect(
            s,
            "- "
            "bbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbb"
            "\n",
            "t.yaml:1:3: [0]: "
            "\"bbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbb...\" does not match "
            "^a\n");
}
END_TEST

START_TEST(yaml11_warnings)
{
        const char *s = "{\"items\": {\"type\": [\"string\", \"integer\"]}}";
        int errors = -1;
        char *got;

        expect(s, "[\"22:22\", 0o755, 0x1F, 22:77]\n", "");
        got = run(builtin(), "services:\n  web:\n    image: x\n    ports: [22:22]\n", &errors);
        ck_assert_int_eq(errors, 0); /* warnings are not errors */
        ck_assert_str_eq(got, "t.yaml:4:13: warning: services.web.ports[0]: YAML 1.1 reads 22:22 "
                              "as the base-60 number 1342: quote it (\"22:22\")\n");
        free(got);
        /* no warning where nothing is expected (x- extensions) */
        got = run(builtin(), "x-a: 22:22\nservices: {}\n", &errors);
        ck_assert_str_eq(got, "");
        free(got);
}
END_TEST

/* ---- loading ---- */

static void expect_load_error(const char *json, const char *want)
{
        struct berth_err err = {0};
        struct schema *s = NULL;
        int rc = schema_parse(&s, json, strlen(json), &err);

        ck_assert_msg(rc == BERTH_EINVALID && !s, "schema %s loaded (rc %d)", json, rc);
        ck_assert_msg(strstr(err.msg, want), "schema %s: message '%s' lacks '%s'", json, err.msg,
                      want);
}

START_TEST(load_errors)
{
        expect_load_error("{\"type\": ", "schema is not valid JSON: 1:");
        expect_load_error("{\"type\": \"float\"}", "schema #/type: unknown type 'float'");
        expect_load_error("{\"properties\": {\"a\": {\"if\": {}}}}",
                          "schema #/properties/a: keyword 'if' is not implemented");
        expect_load_error("{\"$ref\": \"#/definitions/nope\"}",
                          "$ref '#/definitions/nope' does not name a schema");
        expect_load_error("{\"$ref\": \"other.json#/x\"}", "does not name a schema");
        expect_load_error("{\"pattern\": \"(\"}", "schema #/pattern: pattern '(' does not compile");
        expect_load_error("{\"patternProperties\": {\"\\\\d+\": {}}}",
                          "pattern '\\d+' uses ECMA-262 syntax");
        expect_load_error("{\"items\": [{}]}", "a list of item schemas is not implemented");
        expect_load_error("{\"properties\": {\"a/b\": 5}}",
                          "schema #/properties/a~1b: a schema must be an object, true or false");
        expect_load_error("[]", "schema #: a schema must be an object");
        expect_load_error("{\"definitions\": {\"a\": {\"$ref\": \"#/definitions/b\"}, \"b\": "
                          "{\"$ref\": \"#/definitions/a\"}}}",
                          "$ref leads back to itself");
}
END_TEST

START_TEST(builtin_schema)
{
        struct berth_err err = {0};
        const struct schema *a = schema_load_builtin(&err), *b = schema_load_builtin(&err);
        char *file = slurp(BERTH_TEST_DATA "/../schema/manifest.schema.json");
        const char *text = schema_text();

        ck_assert_ptr_nonnull(a);
        ck_assert_ptr_eq(a, b); /* parsed once */
        ck_assert_ptr_nonnull(file);
        ck_assert_str_eq(text, file);
        free(file);
        ck_assert_int_eq(schema_validate(a, NULL, "empty.yaml", NULL), 0);
}
END_TEST

/* Interpolation replaces text in place (style kept): a plain ${PORT} that
 * became 8080 is an integer, a quoted one the string "8080". */
START_TEST(typing_after_interpolation)
{
        const char *yaml = "services:\n  web:\n    image: x\n    privileged: ${PRIV}\n"
                           "    ports:\n      - ${PORT}\n      - \"${PORT}\"\n";
        struct diag_list dl;
        struct berth_err err = {0};
        struct doc *d = NULL;
        struct doc_node *web, *ports;
        char *got;

        diag_list_init(&dl);
        ck_assert_int_eq(doc_parse(&d, "i.yaml", yaml, strlen(yaml), NULL, &dl, &err), 0);
        ck_assert_int_eq(schema_validate(builtin(), d->root, NULL, &dl), 3);
        diag_list_release(&dl);

        web = doc_map_get(doc_map_get(d->root, "services"), "web");
        ports = doc_map_get(web, "ports");
        ck_assert_int_eq(doc_scalar_set(d, doc_map_get(web, "privileged"), "true", 4), 0);
        ck_assert_int_eq(doc_scalar_set(d, ports->seq.v[0], "8080", 4), 0);
        ck_assert_int_eq(doc_scalar_set(d, ports->seq.v[1], "8080", 4), 0);
        ck_assert_int_eq(doc_scalar_type(ports->seq.v[0]), DOC_T_INT);
        ck_assert_int_eq(doc_scalar_type(ports->seq.v[1]), DOC_T_STR);
        ck_assert_int_eq(schema_validate(builtin(), d->root, NULL, &dl), 0);
        ck_assert_uint_eq(dl.n, 0);

        ck_assert_int_eq(doc_scalar_set(d, ports->seq.v[0], "99999", 5), 0);
        ck_assert_int_eq(doc_scalar_set(d, ports->seq.v[1], "8080:80:80", 10), 0);
        ck_assert_int_eq(schema_validate(builtin(), d->root, "other.yaml", &dl), 2);
        got = format_all(&dl);
        ck_assert_str_eq(got, "other.yaml:6:9: services.web.ports[0]: 99999 is not a port "
                              "mapping (expected [HOST:]CONTAINER[/PROTOCOL])\n"
                              "other.yaml:7:9: services.web.ports[1]: \"8080:80:80\" is not a "
                              "port mapping (expected [HOST:]CONTAINER[/PROTOCOL])\n");
        free(got);
        diag_list_release(&dl);
        doc_free(d);
}
END_TEST

/* ---- concurrency: one schema, many validating threads ---- */

struct job {
        const struct doc_node *root;
        const char *want;
        int failures;
};

static void *validate_many(void *arg)
{
        struct job *j = arg;
        int i;

        for (i = 0; i < 50; i++) {
                struct diag_list dl;
                char *got;

                diag_list_init(&dl);
                schema_validate(builtin(), j->root, NULL, &dl);
                got = format_all(&dl);
                j->failures += strcmp(got, j->want) != 0;
                free(got);
                diag_list_release(&dl);
        }
        return NULL;
}

START_TEST(threads)
{
        char path[1024], *want;
        struct diag_list dl;
        struct berth_err err = {0};
        struct doc *d = NULL;
        struct job jobs[4];
        pthread_t t[4];
        int i;

        snprintf(path, sizeof(path), "%s/multiple-errors.yaml", FIXTURES);
        diag_list_init(&dl);
        ck_assert_int_eq(doc_load_file(&d, path, "multiple-errors.yaml", NULL, &dl, &err), 0);
        want = slurp(FIXTURES "/multiple-errors.expected");
        ck_assert_ptr_nonnull(want);
        for (i = 0; i < 4; i++) {
                jobs[i] = (struct job){.root = d->root, .want = want};
                ck_assert_int_eq(pthread_create(&t[i], NULL, validate_many, &jobs[i]), 0);
        }
        for (i = 0; i < 4; i++) {
                pthread_join(t[i], NULL);
                ck_assert_int_eq(jobs[i].failures, 0);
        }
        free(want);
        doc_free(d);
}
END_TEST

int main(void)
{
        Suite *s = suite_create("schema");
        TCase *tc = tcase_create("fixtures");

        fixtures_scan();
        tcase_add_test(tc, fixtures_present);
        tcase_add_loop_test(tc, fixture, 0, (int)nfixtures);
        suite_add_tcase(s, tc);

        tc = tcase_create("keywords");
        tcase_add_test(tc, type_integer_and_number);
        tcase_add_test(tc, type_lists);
        tcase_add_test(tc, type_hints);
        tcase_add_test(tc, one_of);
        tcase_add_test(tc, any_of);
        tcase_add_test(tc, not_and_false);
        tcase_add_test(tc, enum_and_const);
        tcase_add_test(tc, lengths_count_characters);
        tcase_add_test(tc, bounds);
        tcase_add_test(tc, arrays);
        tcase_add_test(tc, objects);
        tcase_add_test(tc, property_names_are_strings);
        tcase_add_test(tc, patterns_search);
        tcase_add_test(tc, refs);
        tcase_add_test(tc, x_message);
        tcase_add_test(tc, self_applying_schema);
        tcase_add_test(tc, values_in_messages);
        tcase_add_test(tc, yaml11_warnings);
        suite_add_tcase(s, tc);

        tc = tcase_create("schema");
        tcase_add_test(tc, load_errors);
        tcase_add_test(tc, builtin_schema);
        tcase_add_test(tc, typing_after_interpolation);
        tcase_add_test(tc, threads);
        suite_add_tcase(s, tc);
        return bt_unit_main(s);
}
