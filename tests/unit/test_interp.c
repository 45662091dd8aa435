/* Compose interpolation: every operator, empty against unset, `$$`, nested
 * defaults, malformed input with exact messages and offsets; the variable
 * record; the document walker's positions; and the shared cases checked
 * against docker-compose itself. */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "berth_test.h"
#include "common/buf.h"
#include "common/err.h"
#include "manifest/diag.h"
#include "manifest/doc.h"
#include "manifest/interp.h"

static const char *const test_environ[] = {
    "SET=value", "EMPTY=", "A=a", "B=b", "DOLLAR=$X ${Y}", "SPACE=a b", "UNI=\xc3\xa9t\xc3\xa9",
    NULL,
};

/* issues: one "W<offset> message" or "E<offset> message" per line. */
static const struct {
        const char *in;
        const char *out; /* NULL: an error */
        const char *issues;
} cases[] = {
    /* plain text and the two simple forms */
    {"plain text", "plain text", ""},
    {"", "", ""},
    {"$SET", "value", ""},
    {"${SET}", "value", ""},
    {"x${SET}y$SET.z",
     "xvaluey"
     "value.z",
     ""},
    {"$SET_x", "", "W0 variable 'SET_x' is not set; using an empty string\n"},
    {"${UNSET}", "", "W0 variable 'UNSET' is not set; using an empty string\n"},
    {"a-$UNSET-b", "a--b", "W2 variable 'UNSET' is not set; using an empty string\n"},
    {"$UNSET$UNSET", "",
     "W0 variable 'UNSET' is not set; using an empty string\n"
     "W6 variable 'UNSET' is not set; using an empty string\n"},
    {"${EMPTY}", "", ""},
    {"${DOLLAR}", "$X ${Y}", ""}, /* values are not interpolated again */
    {"${UNI}", "\xc3\xa9t\xc3\xa9", ""},
    /* :- and - */
    {"${UNSET:-def}", "def", ""},
    {"${EMPTY:-def}", "def", ""},
    {"${SET:-def}", "value", ""},
    {"${UNSET-def}", "def", ""},
    {"${EMPTY-def}", "", ""},
    {"${SET-def}", "value", ""},
    {"${UNSET:-}", "", ""},
    {"${UNSET:-a b:c-d}", "a b:c-d", ""},
    {"${UNSET:-x}y", "xy", ""},
    /* :? and ? */
    {"${UNSET:?need it}", NULL, "E0 required variable UNSET is missing a value: need it\n"},
    {"${EMPTY:?need it}", NULL, "E0 required variable EMPTY is missing a value: need it\n"},
    {"${SET:?need it}", "value", ""},
    {"${UNSET?need it}", NULL, "E0 required variable UNSET is missing a value: need it\n"},
    {"${EMPTY?need it}", "", ""},
    {"${SET?need it}", "value", ""},
    {"image:${TAG:?}", NULL,
     "E6 required variable TAG is missing a value: set TAG in the environment or .env\n"},
    {"${TAG?}", NULL,
     "E0 required variable TAG is missing a value: set TAG in the environment or .env\n"},
    {"${UNSET?$A is needed}", NULL, "E0 required variable UNSET is missing a value: a is needed\n"},
    /* :+ and + */
    {"${SET:+alt}", "alt", ""},
    {"${EMPTY:+alt}", "", ""},
    {"${UNSET:+alt}", "", ""},
    {"${SET+alt}", "alt", ""},
    {"${EMPTY+alt}", "alt", ""},
    {"${UNSET+alt}", "", ""},
    {"${SET:+[$A]}", "[a]", ""},
    /* $$ */
    {"$$", "$", ""},
    {"$$SET", "$SET", ""},
    {"$${SET}", "${SET}", ""},
    {"$$$SET", "$value", ""},
    {"$$$$", "$$", ""},
    {"${UNSET:-$$}", "$", ""},
    /* a $ that starts nothing is kept (Compose Specification) */
    {"$", "$", ""},
    {"5$", "5$", ""},
    {"a $ b", "a $ b", ""},
    {"$1", "$1", ""},
    {"$-x", "$-x", ""},
    {"$}", "$}", ""},
    {"100$%", "100$%", ""},
    /* nesting */
    {"${UNSET:-${A:-x}}", "a", ""},
    {"${UNSET:-${UNSET2:-x}}", "x", ""},
    {"${UNSET:-${UNSET2-${B}}}", "b", ""},
    {"${SET:-${UNSET}}", "value", ""}, /* an unused default warns about nothing */
    {"${UNSET:-$UNSET2}", "", "W9 variable 'UNSET2' is not set; using an empty string\n"},
    {"${UNSET:-{x}}", "{x}", ""},
    {"${UNSET:-a}b}", "ab}", ""},
    {"${A}${B}", "ab", ""},
    {"${UNSET:-${A}:${B}}", "a:b", ""},
    /* malformed */
    {"${", NULL, "E0 invalid interpolation '${': no closing '}'; write '$$' for a literal '$'\n"},
    {"${}", NULL,
     "E0 invalid interpolation '${}': missing variable name; write '$$' for a literal '$'\n"},
    {"${VAR", NULL,
     "E0 invalid interpolation '${VAR': no closing '}'; write '$$' for a literal '$'\n"},
    {"${1X}", NULL,
     "E0 invalid interpolation '${1X}': a variable name starts with a letter or '_'; write '$$' "
     "for a literal '$'\n"},
    {"${VAR:x}", NULL,
     "E0 invalid interpolation '${VAR:x}': unknown operator ':x' after 'VAR'; use :-, -, :?, ?, "
     ":+ or +\n"},
    {"${VAR:}", NULL,
     "E0 invalid interpolation '${VAR:}': unknown operator ':' after 'VAR'; use :-, -, :?, ?, :+ "
     "or +\n"},
    {"${VAR x}", NULL,
     "E0 invalid interpolation '${VAR x}': unexpected space after the variable name 'VAR'\n"},
    {"${VA.R}", NULL,
     "E0 invalid interpolation '${VA.R}': unexpected '.' after the variable name 'VA'\n"},
    {"${VAR/a/b}", NULL,
     "E0 invalid interpolation '${VAR/a/b}': unexpected '/' after the variable name 'VAR'\n"},
    {"ab ${B:x} c", NULL,
     "E3 invalid interpolation '${B:x}': unknown operator ':x' after 'B'; use :-, -, :?, ?, :+ "
     "or +\n"},
    {"${SET:-${1}}", NULL, /* checked even where unused */
     "E7 invalid interpolation '${1}': a variable name starts with a letter or '_'; write '$$' for "
     "a literal '$'\n"},
    {"${UNSET:-${}", NULL,
     "E0 invalid interpolation '${UNSET:-${}': no closing '}'; write '$$' for a literal '$'\n"},
    {"${1} $UNSET ${2}", NULL,
     "E0 invalid interpolation '${1}': a variable name starts with a letter or '_'; write '$$' "
     "for a literal '$'\n"
     "W5 variable 'UNSET' is not set; using an empty string\n"
     "E12 invalid interpolation '${2}': a variable name starts with a letter or '_'; write '$$' "
     "for a literal '$'\n"},
    {"${X:?a} ${Y:?b}", NULL,
     "E0 required variable X is missing a value: a\n"
     "E8 required variable Y is missing a value: b\n"},
    {"${"
     "AAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAA:x}",
     NULL,
     "E0 invalid interpolation '${AAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAA...': unknown operator "
     "':x' after 'AAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAA'; use :-, -, :?, ?, :+ "
     "or +\n"},
    {"${A\nB}", NULL,
     "E0 invalid interpolation '${A...': unexpected 0x0a after the variable name 'A'\n"},
};

static struct interp_env *test_env(void)
{
        struct interp_env *env;
        struct berth_err err;

        ck_assert_int_eq(interp_env_new(&env, test_environ, &err), 0);
        return env;
}

/* The report as the table writes it. */
static char *issues_text(const struct interp_report *rep)
{
        struct berth_buf b;
        size_t i;

        berth_buf_init(&b, 1 << 20);
        berth_buf_add(&b, "", 0);
        for (i = 0; i < rep->n; i++)
                berth_buf_printf(&b, "%c%zu %s\n", rep->v[i].severity == DIAG_ERROR ? 'E' : 'W',
                                 rep->v[i].offset, rep->v[i].message);
        return berth_buf_steal(&b);
}

START_TEST(table)
{
        struct interp_env *env = test_env();
        struct interp_report rep;
        char *out = (char *)"unchanged", *issues;
        int r;

        interp_report_init(&rep);
        r = interp_string(&out, cases[_i].in, env, &rep);
        issues = issues_text(&rep);
        ck_assert_msg(strcmp(issues, cases[_i].issues) == 0, "'%s': issues\n%s\nwanted\n%s",
                      cases[_i].in, issues, cases[_i].issues);
        if (cases[_i].out) {
                ck_assert_msg(r == 0, "'%s' failed: %d", cases[_i].in, r);
                ck_assert_msg(strcmp(out, cases[_i].out) == 0, "'%s' gave '%s', wanted '%s'",
                              cases[_i].in, out, cases[_i].out);
        } else {
                ck_assert_int_eq(r, BERTH_EINVALID);
                ck_assert_ptr_null(out);
        }
        ck_assert_int_eq(rep.errors, !cases[_i].out ? rep.errors : 0);
        ck_assert_msg(cases[_i].out || rep.errors > 0, "'%s': an error without an issue",
                      cases[_i].in);
        free(issues);
        free(out);
        interp_report_release(&rep);
        interp_env_free(env);
}
END_TEST

/* "${A:-" 'depth' times, "x", "}" 'depth' times. */
static char *nested(int depth)
{
        struct berth_buf b;
        int i;

        berth_buf_init(&b, 1 << 20);
        for (i = 0; i < depth; i++)
                berth_buf_addstr(&b, "${UNSET:-");
        berth_buf_addstr(&b, "x");
        for (i = 0; i < depth; i++)
                berth_buf_addstr(&b, "}");
        return berth_buf_steal(&b);
}

START_TEST(nesting_is_bounded)
{
        struct interp_env *env = test_env();
        struct interp_report rep;
        char *in = nested(INTERP_MAX_DEPTH), *out;

        interp_report_init(&rep);
        ck_assert_int_eq(interp_string(&out, in, env, &rep), 0);
        ck_assert_str_eq(out, "x");
        free(out);
        free(in);
        in = nested(INTERP_MAX_DEPTH + 1);
        ck_assert_int_eq(interp_string(&out, in, env, &rep), BERTH_EINVALID);
        ck_assert_uint_eq(rep.n, 1);
        ck_assert_uint_eq(rep.v[0].offset, 9 * INTERP_MAX_DEPTH);
        ck_assert_str_eq(rep.v[0].message,
                         "invalid interpolation '${UNSET:-x}': nested deeper than 16 levels");
        free(in);
        /* very deep input is refused without recursing through all of it */
        in = nested(100000);
        interp_report_release(&rep);
        ck_assert_int_eq(interp_string(&out, in, env, &rep), BERTH_EINVALID);
        ck_assert_uint_eq(rep.errors, 1);
        free(in);
        interp_report_release(&rep);
        interp_env_free(env);
}
END_TEST

/* Random text made of the characters that matter: whatever the input, an
 * error means no result, a result means no error, and every issue points
 * at a `$` of the input. */
START_TEST(random_input_keeps_the_contract)
{
        static const char alphabet[] = "${}:-?+$$AB_1 x{}";
        struct interp_env *env = test_env();
        unsigned long seed = 12345;
        char in[48], *out;
        int i, j, r;
        size_t k;

        for (i = 0; i < 50000; i++) {
                struct interp_report rep;
                int len;

                seed = seed * 6364136223846793005UL + 1442695040888963407UL;
                len = (int)((seed >> 33) % (sizeof(in) - 1));
                for (j = 0; j < len; j++) {
                        seed = seed * 6364136223846793005UL + 1442695040888963407UL;
                        in[j] = alphabet[(seed >> 33) % (sizeof(alphabet) - 1)];
                }
                in[len] = '\0';
                interp_report_init(&rep);
                r = interp_string(&out, in, env, &rep);
                ck_assert_msg((r == 0) == (out != NULL), "'%s': %d", in, r);
                ck_assert_msg((r == 0) == (rep.errors == 0), "'%s': %d, %zu errors", in, r,
                              rep.errors);
                ck_assert_msg(r == 0 || r == BERTH_EINVALID, "'%s': %d", in, r);
                for (k = 0; k < rep.n; k++)
                        ck_assert_msg(rep.v[k].offset < (size_t)len && in[rep.v[k].offset] == '$',
                                      "'%s': issue at %zu", in, rep.v[k].offset);
                free(out);
                interp_report_release(&rep);
        }
        interp_env_free(env);
}
END_TEST

START_TEST(result_is_bounded)
{
        static const char *const big_env[] = {"BIG=", NULL};
        struct interp_env *env;
        struct interp_report rep;
        struct berth_err err;
        char *big = malloc(1 << 20), *in, *out;
        size_t i;

        memset(big, 'x', (1 << 20) - 1);
        big[(1 << 20) - 1] = '\0';
        ck_assert_int_eq(interp_env_new(&env, big_env, &err), 0);
        ck_assert_int_eq(interp_env_set(env, "BIG", big, INTERP_FROM_ENVIRONMENT, &err), 0);
        in = malloc(6 * 5 + 1);
        for (i = 0; i < 5; i++)
                memcpy(in + 6 * i, "${BIG}", 6);
        in[30] = '\0';
        interp_report_init(&rep);
        ck_assert_int_eq(interp_string(&out, in, env, &rep), BERTH_ETOOBIG);
        ck_assert_ptr_null(out);
        ck_assert_uint_eq(rep.n, 1);
        ck_assert_str_eq(rep.v[0].message, "the value is longer than 4 MiB after interpolation");
        in[24] = '\0'; /* four times: just under the limit */
        interp_report_release(&rep);
        ck_assert_int_eq(interp_string(&out, in, env, &rep), 0);
        ck_assert_uint_eq(strlen(out), 4 * ((1 << 20) - 1));
        free(out);
        free(in);
        free(big);
        interp_report_release(&rep);
        interp_env_free(env);
}
END_TEST

static const char *get_var(void *ctx, const char *name, size_t len)
{
        return interp_env_get(ctx, name, len);
}

START_TEST(expand_takes_lengths_and_lookups)
{
        static const char text[] = "${A}|${B}|ignored";
        struct interp_env *env = test_env();
        size_t len = 99;
        char *out;

        /* only the first 9 bytes; no report wanted */
        ck_assert_int_eq(interp_expand(&out, &len, text, 9, get_var, env, NULL), 0);
        ck_assert_str_eq(out, "a|b");
        ck_assert_uint_eq(len, 3);
        free(out);
        ck_assert_int_eq(interp_expand(&out, &len, "${X:?}", 6, get_var, env, NULL),
                         BERTH_EINVALID);
        ck_assert_ptr_null(out);
        ck_assert_uint_eq(len, 0);
        interp_env_free(env);
}
END_TEST

START_TEST(environment_wins_over_dotenv)
{
        static const char *const envv[] = {"TAG=from-env", "NOEQUALS", "=bad", "TAG=second", NULL};
        struct interp_env *env;
        struct berth_err err;
        enum interp_origin o;

        ck_assert_int_eq(interp_env_new(&env, envv, &err), 0);
        ck_assert_str_eq(interp_env_lookup(env, "TAG", 3, &o), "from-env");
        ck_assert_int_eq(o, INTERP_FROM_ENVIRONMENT);
        ck_assert_ptr_null(interp_env_lookup(env, "NOEQUALS", 8, NULL));
        ck_assert_int_eq(interp_env_set(env, "TAG", "from-dotenv", INTERP_FROM_DOTENV, &err), 0);
        ck_assert_int_eq(interp_env_set(env, "ONLY", "dotenv", INTERP_FROM_DOTENV, &err), 0);
        ck_assert_str_eq(interp_env_lookup(env, "TAG", 3, NULL), "from-env");
        ck_assert_str_eq(interp_env_lookup(env, "ONLY", 4, &o), "dotenv");
        ck_assert_int_eq(o, INTERP_FROM_DOTENV);
        ck_assert_int_eq(interp_env_set(env, "ONLY", "again", INTERP_FROM_DOTENV, &err), 0);
        ck_assert_str_eq(interp_env_lookup(env, "ONLY", 4, NULL), "again");
        /* a name is looked up whole, not by prefix */
        ck_assert_ptr_null(interp_env_lookup(env, "TA", 2, NULL));
        ck_assert_str_eq(interp_env_lookup(env, "TAGX", 3, NULL), "from-env");
        interp_env_free(env);
        ck_assert_int_eq(interp_env_new(&env, NULL, &err), 0);
        ck_assert_ptr_null(interp_env_lookup(env, "PATH", 4, NULL));
        interp_env_free(env);
}
END_TEST

START_TEST(uses_are_recorded_once_in_order)
{
        struct interp_env *env = test_env();
        struct interp_report rep;
        char *out;

        interp_report_init(&rep);
        ck_assert_int_eq(
            interp_string(&out, "$B ${UNSET:-$A} ${B} ${SET:-$NOTREAD} $$C", env, &rep), 0);
        ck_assert_str_eq(out, "b a b value $C");
        ck_assert_uint_eq(interp_env_uses(env), 4);
        ck_assert_str_eq(interp_env_use(env, 0), "B");
        ck_assert_str_eq(interp_env_use(env, 1), "UNSET");
        ck_assert_str_eq(interp_env_use(env, 2), "A");
        ck_assert_str_eq(interp_env_use(env, 3), "SET");
        ck_assert_ptr_null(interp_env_use(env, 4));
        free(out);
        interp_report_release(&rep);
        interp_env_free(env);
}
END_TEST

/* ---- the walker ---- */

static const char manifest[] = "name: shop\n"                                /* 1 */
                               "services:\n"                                 /* 2 */
                               "  web:\n"                                    /* 3 */
                               "    image: \"app:${TAG:?}\"\n"               /* 4 */
                               "    command: [\"echo\", $UNSET, '$$HOME']\n" /* 5 */
                               "    hostname: h-${1}\n"                      /* 6 */
                               "    environment:\n"                          /* 7 */
                               "      $KEY: \xc3\xa9-$NOPE\n"                /* 8: é */
                               "      EMPTY: ${NOPE2}\n"                     /* 9 */
                               "      N: ${N:-3}\n"                          /* 10 */
                               "    labels: |\n"                             /* 11 */
                               "      a=${NOPE3}\n"                          /* 12 */
                               "      b=${A}\n";                             /* 13 */

START_TEST(walker_positions_and_paths)
{
        struct interp_env *env = test_env();
        struct diag_list diags;
        struct berth_err err;
        struct doc *d = NULL;
        struct doc_node *web, *cmd, *envmap;
        char line[512];
        int64_t n;
        static const char *const want[] = {
            "m.yaml:4:12: services.web.image: required variable TAG is missing a value: set TAG "
            "in the environment or .env",
            "m.yaml:5:23: warning: services.web.command[1]: variable 'UNSET' is not set; using an "
            "empty string",
            "m.yaml:6:17: services.web.hostname: invalid interpolation '${1}': a variable name "
            "starts with a letter or '_'; write '$$' for a literal '$'",
            "m.yaml:8:15: warning: services.web.environment.$KEY: variable 'NOPE' is not set; "
            "using an empty string",
            "m.yaml:9:14: warning: services.web.environment.EMPTY: variable 'NOPE2' is not set; "
            "using an empty string",
            "m.yaml:11:13: warning: services.web.labels: variable 'NOPE3' is not set; using an "
            "empty string",
        };
        size_t i;

        diag_list_init(&diags);
        ck_assert_msg(doc_parse(&d, "m.yaml", manifest, strlen(manifest), NULL, &diags, &err) == 0,
                      "%s", err.msg);
        ck_assert_int_eq(manifest_interpolate(d, env, &diags, &err), BERTH_EINVALID);
        ck_assert_int_eq(err.code, BERTH_EINVALID);
        ck_assert_str_eq(berth_err_format(&err, line, sizeof(line)),
                         "m.yaml:4:12: services.web.image: required variable TAG is missing a "
                         "value: set TAG in the environment or .env");
        ck_assert_uint_eq(diags.n, sizeof(want) / sizeof(want[0]));
        for (i = 0; i < diags.n; i++)
                ck_assert_str_eq(diag_format(&diags.v[i], line, sizeof(line)), want[i]);
        ck_assert_uint_eq(diag_list_errors(&diags), 2);

        web = doc_map_get(doc_map_get(d->root, "services"), "web");
        /* scalars with errors keep their text; the others are replaced */
        ck_assert_str_eq(doc_map_get(web, "image")->scalar.text, "app:${TAG:?}");
        cmd = doc_map_get(web, "command");
        ck_assert_str_eq(cmd->seq.v[1]->scalar.text, "");
        ck_assert_str_eq(cmd->seq.v[2]->scalar.text, "$HOME");
        ck_assert_str_eq(doc_map_get(web, "hostname")->scalar.text, "h-${1}");
        /* keys are not interpolated */
        envmap = doc_map_get(web, "environment");
        ck_assert_str_eq(envmap->map.v[0].key->scalar.text, "$KEY");
        ck_assert_str_eq(envmap->map.v[0].value->scalar.text, "\xc3\xa9-");
        /* an empty result is the empty string, not null */
        ck_assert_str_eq(doc_map_get(envmap, "EMPTY")->scalar.text, "");
        ck_assert_int_eq(doc_scalar_type(doc_map_get(envmap, "EMPTY")), DOC_T_STR);
        ck_assert_int_eq(doc_scalar_type(cmd->seq.v[1]), DOC_T_STR);
        /* a plain result is typed afterwards, as compose casts */
        ck_assert_int_eq(doc_scalar_int(doc_map_get(envmap, "N"), &n), DOC_CONV_OK);
        ck_assert_int_eq(n, 3);
        ck_assert_str_eq(doc_map_get(web, "labels")->scalar.text, "a=\nb=a\n");
        doc_free(d);
        diag_list_release(&diags);
        interp_env_free(env);
}
END_TEST

START_TEST(walker_clean_document)
{
        static const char text[] = "services:\n  web:\n    image: app:${SET}\n    x: [1, 2]\n";
        struct interp_env *env = test_env();
        struct diag_list diags;
        struct berth_err err;
        struct doc *d = NULL;

        diag_list_init(&diags);
        ck_assert_int_eq(doc_parse(&d, "ok.yaml", text, strlen(text), NULL, &diags, &err), 0);
        berth_err_clear(&err);
        ck_assert_int_eq(manifest_interpolate(d, env, &diags, &err), 0);
        ck_assert_int_eq(err.code, 0);
        ck_assert_uint_eq(diags.n, 0);
        ck_assert_str_eq(
            doc_map_get(doc_map_get(doc_map_get(d->root, "services"), "web"), "image")->scalar.text,
            "app:value");
        ck_assert_int_eq(manifest_interpolate(NULL, env, &diags, &err), 0);
        doc_free(d);
        diag_list_release(&diags);
        interp_env_free(env);
}
END_TEST

/* ---- docker-compose as the reference ---- */

/* Cases both docker-compose 1.29 and berth accept: berth's answer is
 * computed, docker-compose's read from `docker-compose config`, and they
 * must agree, warnings included. */
static const struct {
        const char *in;
        int warns;
} shared[] = {
    {"$SET", 0},          {"${SET}", 0},          {"x${SET}y", 0},       {"${UNSET:-def}", 0},
    {"${EMPTY:-def}", 0}, {"${SET:-def}", 0},     {"${UNSET-def}", 0},   {"${EMPTY-def}", 0},
    {"${SET-def}", 0},    {"$$SET", 0},           {"$${SET}", 0},        {"$$$SET", 0},
    {"${EMPTY?m}", 0},    {"${SET:?m}", 0},       {"${SPACE}", 0},       {"${UNSET}", 1},
    {"a-$UNSET-b", 1},    {"${UNSET:-a b:c}", 0}, {"pre-${A}${B}-p", 0}, {"${UNSET-}", 0},
    {"${UNSET:-{x}}", 0}, {"it's ${A}", 0},
};

/* Undo docker-compose config's YAML for one plain or '...' label value:
 * '' is ', and $$ is its re-escaped $. */
static void compose_unquote(char *v)
{
        char *w = v, *r = v;
        size_t n = strlen(v);

        if (n >= 2 && v[0] == '\'' && v[n - 1] == '\'') {
                v[n - 1] = '\0';
                r++;
        }
        for (; *r; r++) {
                if ((r[0] == '\'' && r[1] == '\'') || (r[0] == '$' && r[1] == '$'))
                        r++;
                *w++ = *r;
        }
        *w = '\0';
}

/* Run `docker-compose -f dir/docker-compose.yml config` with only the
 * test variables in its environment; returns the exit status. */
static int compose_config(const char *dir, const char *text, char **out, char **errout)
{
        static char path[1024];
        const char *argv[] = {
            "env", "-i",        "PATH=/usr/bin:/bin", "SET=value", "EMPTY=", "A=a",
            "B=b", "SPACE=a b", "docker-compose",     "-f",        path,     "config",
            NULL};

        bt_write_file(dir, "docker-compose.yml", text);
        snprintf(path, sizeof(path), "%s/docker-compose.yml", dir);
        return bt_run(out, errout, argv);
}

START_TEST(matches_docker_compose)
{
        static const char *const ref_env[] = {"SET=value", "EMPTY=",    "A=a",
                                              "B=b",       "SPACE=a b", NULL};
        struct interp_env *env;
        struct berth_err err;
        struct berth_buf yaml;
        char *out = NULL, *errout = NULL;
        size_t i, warned = 0;
        int rc;

        ck_assert_int_eq(interp_env_new(&env, ref_env, &err), 0);
        berth_buf_init(&yaml, 1 << 20);
        berth_buf_addstr(&yaml, "version: \"3.7\"\nservices:\n  s:\n    image: busybox\n"
                                "    labels:\n");
        for (i = 0; i < sizeof(shared) / sizeof(shared[0]); i++) {
                berth_buf_printf(&yaml, "      l%02zu: \"%s\"\n", i, shared[i].in);
                warned += (size_t)shared[i].warns;
        }
        rc = compose_config(bt_tmpdir(), yaml.data, &out, &errout);
        ck_assert_msg(rc == 0, "docker-compose config failed (%d): %s", rc, errout);
        for (i = 0; i < sizeof(shared) / sizeof(shared[0]); i++) {
                char key[16], theirs[256], *ours, *line;
                struct interp_report rep;
                size_t n;

                interp_report_init(&rep);
                ck_assert_int_eq(interp_string(&ours, shared[i].in, env, &rep), 0);
                snprintf(key, sizeof(key), "l%02zu: ", i);
                line = strstr(out, key);
                ck_assert_msg(line != NULL, "no %s in\n%s", key, out);
                line += strlen(key);
                n = strcspn(line, "\n");
                ck_assert_uint_lt(n, sizeof(theirs));
                memcpy(theirs, line, n);
                theirs[n] = '\0';
                compose_unquote(theirs);
                line = theirs;
                ck_assert_msg(strcmp(ours, line) == 0, "'%s': berth '%s', docker-compose '%s'",
                              shared[i].in, ours, line);
                ck_assert_msg(rep.n == (size_t)shared[i].warns, "'%s': %zu issues", shared[i].in,
                              rep.n);
                free(ours);
                interp_report_release(&rep);
        }
        /* docker-compose warns once per variable; berth once per use */
        ck_assert_uint_eq(warned, 2);
        ck_assert_msg(strstr(errout, "The UNSET variable is not set. Defaulting to a blank "
                                     "string.") != NULL,
                      "%s", errout);
        free(out);
        free(errout);
        berth_buf_release(&yaml);
        interp_env_free(env);
}
END_TEST

/* Where docker-compose 1.29 differs on purpose, berth following the
 * Compose Specification (and compose v2): a `$` that starts nothing is
 * an error there and kept here; nested defaults and :+ / + are not known
 * there.  The required-variable error carries the user's message in both. */
START_TEST(docker_compose_differences)
{
        static const struct {
                const char *in;
                const char *compose_error; /* NULL: docker-compose gives compose_value */
                const char *compose_value;
                const char *ours;
        } diffs[] = {
            {"cost: 5$", "Invalid interpolation format", NULL, "cost: 5$"},
            {"${SET:+alt}", "Invalid interpolation format", NULL, "alt"},
            {"${UNSET:-${A:-x}}", NULL, "${A:-x}", "a"},
            {"${UNSET:-$$}", NULL, "$$", "$"}, /* defaults are not interpolated there */
        };
        struct interp_env *env = test_env();
        char text[512], *out = NULL, *errout = NULL, *ours, *line;
        size_t i;
        int rc;

        for (i = 0; i < sizeof(diffs) / sizeof(diffs[0]); i++) {
                snprintf(text, sizeof(text),
                         "version: \"3.7\"\nservices:\n  s:\n    image: busybox\n"
                         "    labels:\n      a: \"%s\"\n",
                         diffs[i].in);
                rc = compose_config(bt_tmpdir(), text, &out, &errout);
                if (diffs[i].compose_error) {
                        ck_assert_int_ne(rc, 0);
                        ck_assert_msg(strstr(errout, diffs[i].compose_error) != NULL, "%s", errout);
                } else {
                        ck_assert_msg(rc == 0, "%s", errout);
                        line = strstr(out, "a: ");
                        ck_assert_ptr_nonnull(line);
                        line += 3;
                        *strchr(line, '\n') = '\0';
                        compose_unquote(line);
                        ck_assert_str_eq(line, diffs[i].compose_value);
                }
                ck_assert_int_eq(interp_string(&ours, diffs[i].in, env, NULL), 0);
                ck_assert_str_eq(ours, diffs[i].ours);
                free(ours);
                free(out);
                free(errout);
        }

        rc = compose_config(bt_tmpdir(),
                            "version: \"3.7\"\nservices:\n  s:\n"
                            "    image: \"busybox:${TAG:?set a tag}\"\n",
                            &out, &errout);
        ck_assert_int_ne(rc, 0);
        ck_assert_msg(strstr(errout, "set a tag") != NULL, "%s", errout);
        ck_assert_int_eq(interp_string(&ours, "busybox:${TAG:?set a tag}", env, NULL),
                         BERTH_EINVALID);
        free(out);
        free(errout);
        interp_env_free(env);
}
END_TEST

static Suite *interp_suite(void)
{
        Suite *s = suite_create("interp");
        TCase *tc = tcase_create("core");

        tcase_add_loop_test(tc, table, 0, sizeof(cases) / sizeof(cases[0]));
        tcase_add_test(tc, nesting_is_bounded);
        tcase_add_test(tc, random_input_keeps_the_contract);
        tcase_add_test(tc, result_is_bounded);
        tcase_add_test(tc, expand_takes_lengths_and_lookups);
        tcase_add_test(tc, environment_wins_over_dotenv);
        tcase_add_test(tc, uses_are_recorded_once_in_order);
        suite_add_tcase(s, tc);
        tc = tcase_create("walker");
        tcase_add_test(tc, walker_positions_and_paths);
        tcase_add_test(tc, walker_clean_document);
        suite_add_tcase(s, tc);
        tc = tcase_create("docker-compose");
        tcase_set_timeout(tc, 60);
        tcase_add_test(tc, matches_docker_compose);
        tcase_add_test(tc, docker_compose_differences);
        suite_add_tcase(s, tc);
        return s;
}

int main(void)
{
        return bt_unit_main(interp_suite());
}
