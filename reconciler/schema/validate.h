/* schema/validate.h - validation of a manifest's document tree against the
 * manifest JSON Schema (schema/manifest.schema.json, compiled into berth as
 * berth_manifest_schema), with every problem reported as a diagnostic
 * `file:line:col: path.to.key: message`.
 *
 * The validator is a generic JSON Schema draft-07 validator for the
 * keywords the manifest schema uses: type (a name or a list), enum, const,
 * pattern, minLength, maxLength (characters, not bytes), minimum, maximum,
 * properties, patternProperties, additionalProperties, propertyNames,
 * required, items (one schema), minItems, maxItems, uniqueItems, allOf,
 * anyOf, oneOf, not, $ref to `#...` JSON pointers, and the boolean schemas
 * true and false.  Its verdict (valid or not) is the one python-jsonschema's
 * Draft7Validator gives for doc_node_to_json() of the same tree; the test
 * tests/unit/test_schema_agreement.c holds it to that.  A schema using a
 * keyword it does not implement (if/then/else, dependencies, contains,
 * multipleOf, ...) is refused when it is loaded, never silently ignored.
 * Patterns are compiled once, with regcomp(REG_EXTENDED | REG_NOSUB): write
 * them in the common subset of ECMA-262 and POSIX ERE (`\.`, `[0-9]`, `^$`,
 * `(a|b)`, `{1,4}`); `\d`, `\w`, `(?...)` are refused at load.  A pattern
 * searches, as in JSON Schema: anchor it with ^ and $ to match the whole
 * string (a `$` matches only at the very end, not before a final newline as
 * in Python).
 *
 * Instance types are the JSON types doc_node_to_json() gives a node: YAML
 * 1.2 core schema for plain scalars (`80` an integer, `"80"` a string,
 * `yes` a string, `true` a boolean, empty / `~` / `null` null).  As in
 * python-jsonschema, a number with no fraction (`80.0`) is an integer.  Run
 * it after interpolation: a plain `${PORT}` that became `8080` is an
 * integer.
 *
 * Messages (lower case, no full stop; scalar values shown as JSON: strings
 * double-quoted, other scalars as written):
 *   - a schema with `x-message` (berth's annotation) that fails on a value
 *     for reasons of its own (type, enum, pattern, bounds, no branch of a
 *     oneOf): `"80:80:80" is not a port mapping (...)`, the subject being
 *     the value, or `a mapping` / `a list`;
 *   - a `not` or `false` schema (keys berth does not support): the
 *     x-message alone, at the key: `not supported: berth runs pre-built
 *     images; ...`;
 *   - required: `missing required key 'image'` for each missing key, or the
 *     map's `x-required-message` once, at the map;
 *   - additionalProperties false: `unknown key 'imag' (did you mean
 *     'image'?)` at the key, suggesting the supported key (not one the
 *     schema refuses) closest in edit distance (transpositions count 1,
 *     case does not count), if at most 2 and less than the key's length;
 *   - type: `expected a boolean, found the string "yes"`, followed by
 *     `: "yes" is not a boolean in YAML 1.2, write true or false` for the
 *     YAML 1.1 booleans (yes/no/on/off/y/n), by `: write 80 without
 *     quotes` when the unquoted text has a wanted type, by `: quote it
 *     ("3.8")` when the quoted text would pass; these three win over an
 *     x-message, which otherwise replaces the type message;
 *   - enum: `"sometimes" must be one of always, never, missing`;
 *   - oneOf / anyOf with no match: a scalar gets the x-message; otherwise
 *     the errors of the branch that takes the value's type (the one with
 *     fewest errors: a long-syntax port says which field is wrong), else
 *     the x-message, else `expected a string or a list of strings, found a
 *     mapping`; a oneOf matched more than once: `matches more than one
 *     form`;
 *   - pattern, bounds, lengths, uniqueItems without x-message: `"x" does
 *     not match ^...$`, `0 must be at least 1`, `must not be empty`,
 *     `duplicate item "NET_ADMIN" (same as [0])`.
 * An x-message belongs to the schema that carries it (or to the $ref that
 * does) and to the value that schema is applied to, not to the values
 * inside it.  Only the first failing check of a scalar is reported.
 * Inside a failed oneOf / anyOf only the chosen branch's errors are shown:
 * no cascades.  A plain scalar that YAML 1.1 (docker-compose 1.x, PyYAML)
 * reads differently (`22:22` base 60, `0755` octal, `1_000`) and that the
 * schema accepts gets a warning with doc_scalar_yaml11_hint().  Paths are
 * `services.web.ports[1]`: keys as written, joined by `.`, 0-based
 * indexes in brackets.  Positions are the node's own; for unknown,
 * unsupported and misnamed keys, the key's.
 *
 * Memory: a struct schema is immutable once loaded; any number of threads
 * may validate with it at the same time.
 *
 * May not use: model, diff, plan, exec, docker, watch.
 */
#ifndef BERTH_SCHEMA_VALIDATE_H
#define BERTH_SCHEMA_VALIDATE_H

#include <stddef.h>

struct berth_err;
struct diag_list;
struct doc_node;
struct schema;

/* The compiled-in manifest schema, as schema/manifest.schema.json says it
 * (NUL-terminated, static).  For `berth schema`. */
const char *schema_text(void);

/* Parse and compile a draft-07 schema from text[0..len).  On success *out
 * is owned by the caller: schema_free() it.  BERTH_EINVALID (err says
 * where: `schema #/definitions/service/properties/ports: ...`) for JSON
 * that is not a schema this validator implements, BERTH_ENOMEM. */
int schema_parse(struct schema **out, const char *text, size_t len, struct berth_err *err);

/* The compiled-in manifest schema, parsed once per process on first use
 * (thread-safe).  Shared and never freed: do not schema_free() it.  NULL
 * with err filled when it cannot be loaded (out of memory, or a schema
 * broken at build time). */
const struct schema *schema_load_builtin(struct berth_err *err);

void schema_free(struct schema *s); /* NULL is a no-op */

/* Validate the tree at root against s, appending every problem to diags
 * (errors and warnings, in order of position) under the name file (NULL:
 * the file in root's positions).  root NULL (an empty manifest) is valid.
 * diags may be NULL only when root is.  Returns the number of errors
 * added (0: valid), or BERTH_ENOMEM (some problems may have been added). */
int schema_validate(const struct schema *s, const struct doc_node *root, const char *file,
                    struct diag_list *diags);

#endif
