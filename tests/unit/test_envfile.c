/* .env and env_file reading: quotes, escapes, comments, export, CRLF, BOM,
 * interpolation inside values, and every error with its file:line:col;
 * the files on disk (missing, directory, oversize) and the .env of a root
 * under the environment; and docker-compose reading the same .env. */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>

#include "berth_test.h"
#include "common/buf.h"
#include "common/err.h"
#include "manifest/diag.h"
#include "manifest/envfile.h"
#include "manifest/interp.h"

#define FIXTURE(name) BERTH_TEST_DATA "/fixtures/env/" name

static const char *const test_environ[] = {"SET=value", "A=from-env", NULL};

/* The entries as "KEY=value\n" lines, in order. */
static char *entries_text(const struct envfile *f)
{
        struct berth_buf b;
        size_t i;

        berth_buf_init(&b, 1 << 20);
        berth_buf_add(&b, "", 0);
        for (i = 0; i < f->n; i++)
                berth_buf_printf(&b, "%s=%s\n", f->v[i].key, f->v[i].value);
        return berth_buf_steal(&b);
}

static char *diags_text(const struct diag_list *l)
{
        struct berth_buf b;
        char line[1024];
        size_t i;

        berth_buf_init(&b, 1 << 20);
        berth_buf_add(&b, "", 0);
        for (i = 0; i < l->n; i++)
                berth_buf_printf(&b, "%s\n", diag_format(&l->v[i], line, sizeof(line)));
        return berth_buf_steal(&b);
}

static const struct {
        const char *text;
        unsigned flags;
        const char *entries; /* "KEY=value\n" each, or NULL for an error */
        const char *message; /* berth_err_format() of the error, or the warnings */
} cases[] = {
    {"", 0, "", ""},
    {" \n\n\t\n", 0, "", ""},
    {"A=1\nB=2\n", 0, "A=1\nB=2\n", ""},
    {"# comment\n\n   # indented comment\nA=1", 0, "A=1\n", ""},
    {"export A=1\nexport\tB=2\nexport=3\nexportC=4\n", 0, "A=1\nB=2\nexport=3\nexportC=4\n", ""},
    {"A = 1 \nB\t=\t2\n", 0, "A=1\nB=2\n", ""},
    {"A=\nB=''\nC=\"\"\n", 0, "A=\nB=\nC=\n", ""},
    {"A=a b  c   \n", 0, "A=a b  c\n", ""},
    {"A=x # comment\nB=x#notcomment\nC=#start\nD=x\t# tab comment\n", 0,
     "A=x\nB=x#notcomment\nC=#start\nD=x\n", ""},
    {"A='x # y $SET \\n'\n", 0, "A=x # y $SET \\n\n", ""},
    {"A='it\\'s'\nB='a\\\\b'\n", 0, "A=it's\nB=a\\\\b\n", ""},
    {"A=\"a\\nb\\tc\\\\d\\\"e\\$f\\qg\\rh\"\n", 0, "A=a\nb\tc\\d\"e$f\\qg\rh\n", ""},
    {"A=\"line1\nline2\"\nB=2\n", 0, "A=line1\nline2\nB=2\n", ""},
    {"A='x\ny'\n", 0, "A=x\ny\n", ""},
    {"A=\"v\" # c\nB='w'#c\nC='q'   \n", 0, "A=v\nB=w\nC=q\n", ""},
    {"A=it's\nB=say \"hi\"\n", 0, "A=it's\nB=say \"hi\"\n", ""},
    {"B=$SET\nC=${B}-x\nD=\"${C}\"\nE='${C}'\nF=$$SET\nG=\"\\$SET\"\nH=${NOPE:-${SET}}\n", 0,
     "B=value\nC=value-x\nD=value-x\nE=${C}\nF=$SET\nG=$SET\nH=value\n", ""},
    /* the caller's variables come before the file's own */
    {"A=file\nB=$A\n", 0, "A=file\nB=from-env\n", ""},
    {"A=1\r\nB=\"x\r\ny\"\r\n# c\r\nC='q' \r\nD=v # c\r\n", 0, "A=1\nB=x\ny\nC=q\nD=v\n", ""},
    {"\xef\xbb\xbf"
     "A=1\n",
     0, "A=1\n", ""},
    {"A=1\nB=2\nA=3\n", 0, "A=3\nB=2\n", ""},
    {"spring.profile-x=1\n_x=2\n", 0, "spring.profile-x=1\n_x=2\n", ""},
    {"A=caf\xc3\xa9\n", 0, "A=caf\xc3\xa9\n", ""},
    /* warnings, positioned */
    {"A=x${NOPE}y\n", 0, "A=xy\n",
     "t.env:1:4: warning: variable 'NOPE' is not set; using an empty string\n"},
    {"A=\"a\n  $NOPE\"\n", 0, "A=a\n  \n",
     "t.env:2:3: warning: variable 'NOPE' is not set; using an empty string\n"},
    {"\xef\xbb\xbf"
     "A=\"\\t\xc3\xa9$NOPE\"\n",
     0, "A=\t\xc3\xa9\n",
     "t.env:1:7: warning: variable 'NOPE' is not set; using an empty string\n"},
    /* bare keys: env_file only */
    {"SET\nNOPE\nexport A\nB=1\n", ENVFILE_BARE_KEYS, "SET=value\nA=from-env\nB=1\n", ""},
    {"SET\r\n", ENVFILE_BARE_KEYS, "SET=value\n", ""},
    /* errors */
    {"A=1\nNOEQ\n", 0, NULL, "t.env:2:1: 'NOEQ' has no '=': write NOEQ=value"},
    {"A=1\r\nB\r\n", 0, NULL, "t.env:2:1: 'B' has no '=': write B=value"},
    {"export A", 0, NULL, "t.env:1:8: 'A' has no '=': write A=value"},
    {"1A=x\n", 0, NULL,
     "t.env:1:1: invalid variable name '1A': it must start with a letter or '_'"},
    {"-A=x\n", 0, NULL,
     "t.env:1:1: invalid variable name '-A': it must start with a letter or '_'"},
    {"A B=1\n", 0, NULL, "t.env:1:3: expected '=' after 'A', found 'B'"},
    {"A:1\n", 0, NULL,
     "t.env:1:2: invalid character ':' in variable name 'A' (letters, digits, '_', '.' and '-')"},
    {"=1\n", 0, NULL, "t.env:1:1: missing variable name before '='"},
    {"  ?x\n", 0, NULL, "t.env:1:3: unexpected '?': expected a line KEY=value"},
    {"\xc3\xa9=1\n", 0, NULL, "t.env:1:1: unexpected byte 0xc3: expected a line KEY=value"},
    {"A=\"abc\nB=1\n", 0, NULL,
     "t.env:1:3: the value of 'A' has no closing '\"': add one, or quote the value the other way"},
    {"A='abc\\'\n", 0, NULL,
     "t.env:1:3: the value of 'A' has no closing ''': add one, or quote the value the other way"},
    {"A='x' y\n", 0, NULL,
     "t.env:1:7: unexpected 'y' after the quoted value of 'A'; only a '# comment' may follow it"},
    {"A=1\nB=${\n", 0, NULL,
     "t.env:2:3: invalid interpolation '${': no closing '}'; write '$$' for a literal '$'"},
    {"A=${X:?need X}\n", 0, NULL, "t.env:1:3: required variable X is missing a value: need X"},
    {"A=\"\\t${1}\"\n", 0, NULL,
     "t.env:1:6: invalid interpolation '${1}': a variable name starts with a letter or '_'; "
     "write '$$' for a literal '$'"},
    {"A=\"x\n\\\"${1}\"\n", 0, NULL,
     "t.env:2:3: invalid interpolation '${1}': a variable name starts with a letter or '_'; "
     "write '$$' for a literal '$'"},
};

START_TEST(table)
{
        struct envfile_opts opts = {.flags = cases[_i].flags};
        struct envfile *f = (struct envfile *)&opts;
        struct diag_list diags;
        struct berth_err err;
        char line[1024];
        int r;

        diag_list_init(&diags);
        berth_err_clear(&err);
        ck_assert_int_eq(interp_env_new(&opts.env, test_environ, &err), 0);
        opts.diags = &diags;
        r = envfile_parse(&f, "t.env", cases[_i].text, strlen(cases[_i].text), &opts, &err);
        if (cases[_i].entries) {
                char *got = NULL, *warnings = diags_text(&diags);

                ck_assert_msg(r == 0, "case %d: %s", _i, berth_err_format(&err, line, 1024));
                got = entries_text(f);
                ck_assert_msg(strcmp(got, cases[_i].entries) == 0, "case %d: got\n%s\nwanted\n%s",
                              _i, got, cases[_i].entries);
                ck_assert_msg(strcmp(warnings, cases[_i].message) == 0,
                              "case %d: warnings\n%s\nwanted\n%s", _i, warnings, cases[_i].message);
                ck_assert_str_eq(f->path, "t.env");
                free(got);
                free(warnings);
        } else {
                ck_assert_int_eq(r, BERTH_EINVALID);
                ck_assert_ptr_null(f);
                ck_assert_str_eq(berth_err_format(&err, line, sizeof(line)), cases[_i].message);
                ck_assert_str_eq(err.file, "t.env");
        }
        envfile_free(f);
        interp_env_free(opts.env);
        diag_list_release(&diags);
}
END_TEST

START_TEST(nul_byte)
{
        static const char text[] = "A=1\nB=x\0y\n";
        struct envfile *f;
        struct berth_err err;
        char line[256];

        ck_assert_int_eq(envfile_parse(&f, "n.env", text, sizeof(text) - 1, NULL, &err),
                         BERTH_EINVALID);
        ck_assert_str_eq(berth_err_format(&err, line, sizeof(line)),
                         "n.env:2:4: NUL byte in the file: env files are text");
}
END_TEST

START_TEST(lines_and_lookup)
{
        static const char text[] = "A=1\nB=\"x\ny\"\n\nC=3\nA=4\n";
        struct envfile *f;
        struct berth_err err;

        /* no options at all: no variables, nothing interpolated from outside */
        ck_assert_int_eq(envfile_parse(&f, "l.env", text, strlen(text), NULL, &err), 0);
        ck_assert_uint_eq(f->n, 3);
        ck_assert_int_eq(f->v[0].line, 6); /* A: the line that set the value kept */
        ck_assert_int_eq(f->v[1].line, 2);
        ck_assert_int_eq(f->v[2].line, 5);
        ck_assert_str_eq(envfile_get(f, "A"), "4");
        ck_assert_str_eq(envfile_get(f, "B"), "x\ny");
        ck_assert_ptr_null(envfile_get(f, "D"));
        ck_assert_ptr_null(envfile_get(f, "AA"));
        envfile_free(f);
        envfile_free(NULL);
}
END_TEST

START_TEST(fixture_good)
{
        static const char *const want[][2] = {
            {"GREETING", "hello world"},
            {"PLAIN", "overridden"},
            {"EMPTY", ""},
            {"SPACED", "around equals"},
            {"INLINE", "kept"},
            {"HASH", "a#b"},
            {"SINGLE", "literal $PLAIN \\n # not a comment"},
            {"DOUBLE", "tab\there\nnewline \"quoted\" \\ $PLAIN"},
            {"REF", "value-ref"},
            {"NESTED", "value"},
            {"MULTI", "first\nsecond"},
            {"dotted.key-name", "ok"},
        };
        struct envfile *f;
        struct berth_err err;
        size_t i;

        ck_assert_msg(envfile_load(&f, FIXTURE("good.env"), NULL, &err) == 0, "%s", err.msg);
        ck_assert_uint_eq(f->n, sizeof(want) / sizeof(want[0]));
        for (i = 0; i < f->n; i++) {
                ck_assert_str_eq(f->v[i].key, want[i][0]);
                ck_assert_str_eq(f->v[i].value, want[i][1]);
        }
        ck_assert_int_eq(f->v[1].line, 15);
        envfile_free(f);
}
END_TEST

START_TEST(fixture_crlf_bom_bare_keys)
{
        static const char *const envv[] = {"D=from-env", NULL};
        struct envfile_opts opts = {.flags = ENVFILE_BARE_KEYS};
        struct envfile *f;
        struct berth_err err;
        char line[512], *got;

        ck_assert_int_eq(interp_env_new(&opts.env, envv, &err), 0);
        ck_assert_msg(envfile_load(&f, FIXTURE("crlf-bom.env"), &opts, &err) == 0, "%s", err.msg);
        got = entries_text(f);
        ck_assert_str_eq(got, "A=1\nB=x\ny\nC=q\nD=from-env\n");
        free(got);
        envfile_free(f);
        /* the same file as a .env: a bare key is an error there */
        opts.flags = 0;
        ck_assert_int_eq(envfile_load(&f, FIXTURE("crlf-bom.env"), &opts, &err), BERTH_EINVALID);
        ck_assert_str_eq(berth_err_format(&err, line, sizeof(line)),
                         FIXTURE("crlf-bom.env") ":6:1: 'D' has no '=': write D=value");
        interp_env_free(opts.env);
}
END_TEST

START_TEST(fixture_errors)
{
        struct envfile *f;
        struct berth_err err;
        char line[512];

        ck_assert_int_eq(envfile_load(&f, FIXTURE("missing-eq.env"), NULL, &err), BERTH_EINVALID);
        ck_assert_str_eq(berth_err_format(&err, line, sizeof(line)),
                         FIXTURE("missing-eq.env") ":3:1: 'C' has no '=': write C=value");
        ck_assert_int_eq(envfile_load(&f, FIXTURE("bad-key.env"), NULL, &err), BERTH_EINVALID);
        ck_assert_str_eq(berth_err_format(&err, line, sizeof(line)),
                         FIXTURE("bad-key.env") ":2:5: expected '=' after 'BAD', found 'K'");
}
END_TEST

START_TEST(files_that_cannot_be_read)
{
        struct envfile_opts missing_ok = {.flags = ENVFILE_MISSING_OK};
        const char *dir = bt_tmpdir();
        char path[1024], line[1024];
        struct envfile *f = NULL;
        struct berth_err err;

        snprintf(path, sizeof(path), "%s/app.env", dir);
        berth_err_clear(&err);
        ck_assert_int_eq(envfile_load(&f, path, NULL, &err), BERTH_ENOTFOUND);
        ck_assert_ptr_null(f);
        snprintf(line, sizeof(line), "cannot read '%s': no such file", path);
        ck_assert_str_eq(err.msg, line);
        ck_assert_int_eq(err.line, 0); /* the position is the caller's */
        ck_assert_str_eq(err.file, "");

        ck_assert_int_eq(envfile_load(&f, path, &missing_ok, &err), 0);
        ck_assert_uint_eq(f->n, 0);
        envfile_free(f);

        ck_assert_int_eq(envfile_load(&f, dir, NULL, &err), BERTH_EIO);
        snprintf(line, sizeof(line), "cannot read '%s': it is a directory", dir);
        ck_assert_str_eq(err.msg, line);
        ck_assert_int_eq(envfile_load(&f, "/dev/null", NULL, &err), BERTH_EIO);
        ck_assert_str_eq(err.msg, "cannot read '/dev/null': not a regular file");
}
END_TEST

START_TEST(size_limit)
{
        const char *dir = bt_tmpdir();
        char path[1024], msg[1200];
        struct envfile *f = NULL;
        struct berth_err err;
        char *text = malloc(ENVFILE_MAX_SIZE + 2);
        FILE *fp;

        /* exactly the limit is fine */
        memcpy(text, "A=", 2);
        memset(text + 2, 'x', ENVFILE_MAX_SIZE - 3);
        text[ENVFILE_MAX_SIZE - 1] = '\n';
        snprintf(path, sizeof(path), "%s/big.env", dir);
        fp = fopen(path, "we");
        ck_assert_ptr_nonnull(fp);
        ck_assert_uint_eq(fwrite(text, 1, ENVFILE_MAX_SIZE, fp), ENVFILE_MAX_SIZE);
        ck_assert_int_eq(fclose(fp), 0);
        ck_assert_msg(envfile_load(&f, path, NULL, &err) == 0, "%s", err.msg);
        ck_assert_uint_eq(strlen(envfile_get(f, "A")), ENVFILE_MAX_SIZE - 3);
        envfile_free(f);
        /* one byte more is not */
        fp = fopen(path, "ae");
        ck_assert_ptr_nonnull(fp);
        fputc('\n', fp);
        ck_assert_int_eq(fclose(fp), 0);
        ck_assert_int_eq(envfile_load(&f, path, NULL, &err), BERTH_ETOOBIG);
        ck_assert_ptr_null(f);
        snprintf(msg, sizeof(msg), "cannot read '%s': larger than 1 MiB, the limit for env files",
                 path);
        ck_assert_str_eq(err.msg, msg);
        text[ENVFILE_MAX_SIZE] = '\n';
        ck_assert_int_eq(envfile_parse(&f, "t.env", text, ENVFILE_MAX_SIZE + 1, NULL, &err),
                         BERTH_ETOOBIG);
        ck_assert_str_eq(err.msg,
                         "cannot read 't.env': larger than 1 MiB, the limit for env files");
        free(text);
}
END_TEST

START_TEST(dotenv_under_the_environment)
{
        static const char *const envv[] = {"SET=value", "A=from-env", NULL};
        const char *dir = bt_tmpdir();
        struct interp_env *env;
        struct diag_list diags;
        struct berth_err err;
        enum interp_origin o;
        char path[1024], *warnings, want[1200];

        bt_write_file(dir, ".env", "A=from-file\nB=${A}\nC=${SET}-$NOPE\nD='$SET'\n");
        snprintf(path, sizeof(path), "%s/.env", dir);
        diag_list_init(&diags);
        ck_assert_int_eq(interp_env_new(&env, envv, &err), 0);
        ck_assert_int_eq(envfile_load_dotenv(env, path, &diags, &err), 0);
        ck_assert_str_eq(interp_env_lookup(env, "A", 1, &o), "from-env");
        ck_assert_int_eq(o, INTERP_FROM_ENVIRONMENT);
        ck_assert_str_eq(interp_env_lookup(env, "B", 1, &o), "from-env");
        ck_assert_int_eq(o, INTERP_FROM_DOTENV);
        ck_assert_str_eq(interp_env_lookup(env, "C", 1, NULL), "value-");
        ck_assert_str_eq(interp_env_lookup(env, "D", 1, NULL), "$SET");
        warnings = diags_text(&diags);
        snprintf(want, sizeof(want),
                 "%s:3:10: warning: variable 'NOPE' is not set; using an empty string\n", path);
        ck_assert_str_eq(warnings, want);
        free(warnings);
        interp_env_free(env);
        diag_list_release(&diags);

        /* a root without .env: nothing added, nothing wrong */
        snprintf(path, sizeof(path), "%s/nothing/.env", dir);
        ck_assert_int_eq(interp_env_new(&env, NULL, &err), 0);
        ck_assert_int_eq(envfile_load_dotenv(env, path, NULL, &err), 0);
        ck_assert_ptr_null(interp_env_lookup(env, "A", 1, NULL));
        interp_env_free(env);

        /* an error in .env is reported with its position */
        bt_write_file(dir, ".env", "OK=1\nnot valid\n");
        snprintf(path, sizeof(path), "%s/.env", dir);
        ck_assert_int_eq(interp_env_new(&env, NULL, &err), 0);
        ck_assert_int_eq(envfile_load_dotenv(env, path, NULL, &err), BERTH_EINVALID);
        ck_assert_int_eq(err.line, 2);
        ck_assert_int_eq(err.col, 5);
        interp_env_free(env);
}
END_TEST

/* Undo docker-compose config's YAML for one label value: '' in '...',
 * \t \n \\ \" in "...", and $$, its re-escaped $. */
static void yaml_unquote(char *v)
{
        size_t n = strlen(v);
        char q = n >= 2 && (v[0] == '\'' || v[0] == '"') && v[n - 1] == v[0] ? v[0] : 0;
        char *w = v, *r = v + (q != 0);

        if (q)
                v[n - 1] = '\0';
        for (; *r; r++) {
                if (q == '"' && r[0] == '\\' && r[1]) {
                        r++;
                        *w++ = *r == 't' ? '\t' : *r == 'n' ? '\n' : *r;
                        continue;
                }
                if ((q == '\'' && r[0] == '\'' && r[1] == '\'') || (r[0] == '$' && r[1] == '$'))
                        r++;
                *w++ = *r;
        }
        *w = '\0';
}

/* docker-compose 1.29 reads compose-shared.env as its .env; each variable
 * is shown through a label, and berth must read the same values. */
START_TEST(dotenv_matches_docker_compose)
{
        const char *dir = bt_tmpdir();
        struct berth_buf yaml, envtext;
        struct envfile *f;
        struct berth_err err;
        char path[1024], *out = NULL, *errout = NULL;
        const char *argv[] = {"env",    "-i", "PATH=/usr/bin:/bin", "docker-compose", "-f", path,
                              "config", NULL};
        size_t i;
        int rc;

        ck_assert_int_eq(envfile_load(&f, FIXTURE("compose-shared.env"), NULL, &err), 0);
        ck_assert_uint_ge(f->n, 10);
        berth_buf_init(&envtext, 1 << 20);
        ck_assert_int_eq(berth_buf_read_file(&envtext, FIXTURE("compose-shared.env"), &err), 0);
        bt_write_file(dir, ".env", envtext.data);
        berth_buf_init(&yaml, 1 << 20);
        berth_buf_addstr(&yaml, "version: \"3.7\"\nservices:\n  s:\n    image: busybox\n"
                                "    labels:\n");
        for (i = 0; i < f->n; i++)
                berth_buf_printf(&yaml, "      %s: \"${%s}\"\n", f->v[i].key, f->v[i].key);
        bt_write_file(dir, "docker-compose.yml", yaml.data);
        snprintf(path, sizeof(path), "%s/docker-compose.yml", dir);
        rc = bt_run(&out, &errout, argv);
        ck_assert_msg(rc == 0, "docker-compose config failed (%d): %s", rc, errout);
        for (i = 0; i < f->n; i++) {
                char key[64], theirs[256], *line;
                size_t n;

                snprintf(key, sizeof(key), "      %s: ", f->v[i].key);
                line = strstr(out, key);
                ck_assert_msg(line != NULL, "no %s in\n%s", key, out);
                line += strlen(key);
                n = strcspn(line, "\n");
                ck_assert_uint_lt(n, sizeof(theirs));
                memcpy(theirs, line, n);
                theirs[n] = '\0';
                yaml_unquote(theirs);
                ck_assert_msg(strcmp(f->v[i].value, theirs) == 0,
                              "%s: berth '%s', docker-compose '%s'", f->v[i].key, f->v[i].value,
                              theirs);
        }
        free(out);
        free(errout);
        berth_buf_release(&yaml);
        berth_buf_release(&envtext);
        envfile_free(f);
}
END_TEST

static Suite *envfile_suite(void)
{
        Suite *s = suite_create("envfile");
        TCase *tc = tcase_create("parse");

        tcase_add_loop_test(tc, table, 0, sizeof(cases) / sizeof(cases[0]));
        tcase_add_test(tc, nul_byte);
        tcase_add_test(tc, lines_and_lookup);
        suite_add_tcase(s, tc);
        tc = tcase_create("files");
        tcase_add_test(tc, fixture_good);
        tcase_add_test(tc, fixture_crlf_bom_bare_keys);
        tcase_add_test(tc, fixture_errors);
        tcase_add_test(tc, files_that_cannot_be_read);
        tcase_add_test(tc, size_limit);
        tcase_add_test(tc, dotenv_under_the_environment);
        suite_add_tcase(s, tc);
        tc = tcase_create("docker-compose");
        tcase_set_timeout(tc, 60);
        tcase_add_test(tc, dotenv_matches_docker_compose);
        suite_add_tcase(s, tc);
        return s;
}

int main(void)
{
        return bt_unit_main(envfile_suite());
}
