/* Finding manifests under the root: recursion and order, ignored names,
 * symlinks inside and outside the root, loops, and the root forms (a
 * directory, "dir/", ".", a file, a symlink, a missing path). */
#include <errno.h>
#include <limits.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "berth_test.h"
#include "common/err.h"
#include "manifest/diag.h"
#include "manifest/scan.h"

/* The temporary directory, resolved (messages show real paths). */
static char top[PATH_MAX];

static void mkdirs(const char *rel)
{
        char path[PATH_MAX * 2];

        snprintf(path, sizeof(path), "%s/%s", top, rel);
        ck_assert_msg(mkdir(path, 0755) == 0, "mkdir %s: %s", path, strerror(errno));
}

static void write_file(const char *rel)
{
        char path[PATH_MAX * 2];
        FILE *f;

        snprintf(path, sizeof(path), "%s/%s", top, rel);
        f = fopen(path, "we");
        ck_assert_msg(f != NULL, "cannot write %s: %s", path, strerror(errno));
        fputs("services: {}\n", f);
        ck_assert_int_eq(fclose(f), 0);
}

static void symlink_to(const char *target, const char *rel)
{
        char path[PATH_MAX * 2];

        snprintf(path, sizeof(path), "%s/%s", top, rel);
        ck_assert_msg(symlink(target, path) == 0, "symlink %s: %s", path, strerror(errno));
}

/* A fresh temporary directory as the working directory. */
static void enter_tmp(void)
{
        ck_assert_ptr_nonnull(realpath(bt_tmpdir(), top));
        ck_assert_int_eq(chdir(top), 0);
}

/* The manifest tree most tests scan: m/ with everything a real one gets
 * (editor leftovers, a .git, symlinks of every kind), and outside/ next
 * to it. */
static void make_tree(void)
{
        char abs[PATH_MAX * 2];

        enter_tmp();
        mkdirs("outside");
        mkdirs("outside/dir");
        write_file("outside/secret.yaml");
        write_file("outside/dir/x.yaml");
        write_file("outside.md");

        mkdirs("m");
        write_file("m/b.yaml");
        write_file("m/a.yml");
        mkdirs("m/a");
        write_file("m/a/x.yaml");
        write_file("m/a/.hidden.yaml");
        mkdirs("m/.git");
        write_file("m/.git/config.yaml");
        write_file("m/notes.txt");
        write_file("m/UPPER.YAML");
        write_file("m/shop.yaml~");
        write_file("m/.shop.yaml.swp");
        write_file("m/shop.yaml.swp");
        write_file("m/shop.yaml.swx");
        write_file("m/4913");
        write_file("m/old.yaml.bak");
        write_file("m/new.yaml.tmp");
        mkdirs("m/bak.bak");
        write_file("m/bak.bak/z.yaml");
        mkdirs("m/dir.yaml");
        write_file("m/dir.yaml/inner.yaml");
        mkdirs("m/sub");
        mkdirs("m/sub/deeper");
        write_file("m/sub/deeper/c.yaml");
        /* emacs' lock file: a dangling symlink with a dot name */
        symlink_to("me@host.1234:1", "m/sub/deeper/.#c.yaml");
        symlink_to("b.yaml", "m/link-in.yaml");
        symlink_to("sub", "m/linkdir");
        symlink_to("../outside/secret.yaml", "m/evil.yaml");
        symlink_to("../outside/dir", "m/evildir");
        snprintf(abs, sizeof(abs), "%s/outside/secret.yaml", top);
        symlink_to(abs, "m/evilabs.yml");
        symlink_to(".", "m/loop");
        symlink_to("missing.yaml", "m/dangling.yaml");
        symlink_to("../outside.md", "m/README.md");
        ck_assert_int_eq(mkfifo("m/fifo.yaml", 0600), 0);
}

/* The diagnostics are exactly want (each line ending in a newline). */
static void expect_diags(const struct diag_list *l, const char *want)
{
        char *all = diag_list_format(l);

        ck_assert_ptr_nonnull(all);
        ck_assert_str_eq(all, want);
        free(all);
}

/* "rel name" per file, one per line */
static char *files_text(const struct manifest_list *l)
{
        static char out[8192];
        size_t i, n = 0;

        out[0] = '\0';
        for (i = 0; i < l->n; i++)
                n += (size_t)snprintf(out + n, sizeof(out) - n, "%s%s %s", i ? "\n" : "",
                                      l->v[i].rel, l->v[i].name);
        return out;
}

struct scanned {
        struct manifest_list list;
        struct diag_list diags;
        struct berth_err err;
        int rc;
};

static void scan(struct scanned *s, const char *root)
{
        manifest_list_init(&s->list);
        diag_list_init(&s->diags);
        berth_err_clear(&s->err);
        s->rc = manifest_scan(&s->list, root, 0, &s->diags, &s->err);
}

static void scanned_release(struct scanned *s)
{
        manifest_list_release(&s->list);
        diag_list_release(&s->diags);
}

START_TEST(tree_with_everything)
{
        char expect[8192];
        struct scanned s;
        size_t i;

        make_tree();
        scan(&s, "m");
        ck_assert_str_eq(files_text(&s.list), "a.yml m/a.yml\n"
                                              "a/x.yaml m/a/x.yaml\n"
                                              "b.yaml m/b.yaml\n"
                                              "dir.yaml/inner.yaml m/dir.yaml/inner.yaml\n"
                                              "link-in.yaml m/link-in.yaml\n"
                                              "linkdir/deeper/c.yaml m/linkdir/deeper/c.yaml\n"
                                              "sub/deeper/c.yaml m/sub/deeper/c.yaml");
        snprintf(
            expect, sizeof(expect),
            "m/dangling.yaml: symlink to 'missing.yaml' cannot be followed: No such file or "
            "directory\n"
            "m/evil.yaml: symlink leads outside the manifest root (to '%s/outside/secret.yaml'); "
            "berth reads only files inside the root: move what it points to into the root, or "
            "remove the link\n"
            "m/evilabs.yml: symlink leads outside the manifest root (to "
            "'%s/outside/secret.yaml'); berth reads only files inside the root: move what it "
            "points to into the root, or remove the link\n"
            "m/evildir: symlink leads outside the manifest root (to '%s/outside/dir'); berth "
            "reads only files inside the root: move what it points to into the root, or remove "
            "the link\n"
            "m/fifo.yaml: not a regular file\n"
            "m/loop: warning: ignoring symlink loop: it leads back to a directory being "
            "scanned\n",
            top, top, top);
        expect_diags(&s.diags, expect);
        ck_assert_int_eq(s.rc, BERTH_EINVALID);
        ck_assert_str_eq(s.err.file, "m/dangling.yaml");
        ck_assert_str_eq(s.err.msg,
                         "symlink to 'missing.yaml' cannot be followed: No such file or directory");
        ck_assert(!s.list.root_is_file);
        /* absolute paths under the root's real path */
        for (i = 0; i < s.list.n; i++) {
                snprintf(expect, sizeof(expect), "%s/m/%s", top, s.list.v[i].rel);
                ck_assert_str_eq(s.list.v[i].path, expect);
                ck_assert_int_eq(access(s.list.v[i].path, R_OK), 0);
        }
        scanned_release(&s);
}
END_TEST

START_TEST(clean_tree)
{
        struct scanned s;

        enter_tmp();
        mkdirs("m");
        mkdirs("m/z");
        write_file("m/z/a.yaml");
        write_file("m/a.yaml");
        write_file("m/a-b.yaml");
        write_file("m/a_b.yaml");
        mkdirs("m/a");
        write_file("m/a/b.yaml");
        scan(&s, "m");
        /* byte order of the whole relative path: '-' < '.' < '/' < '_' */
        ck_assert_str_eq(files_text(&s.list), "a-b.yaml m/a-b.yaml\n"
                                              "a.yaml m/a.yaml\n"
                                              "a/b.yaml m/a/b.yaml\n"
                                              "a_b.yaml m/a_b.yaml\n"
                                              "z/a.yaml m/z/a.yaml");
        expect_diags(&s.diags, "");
        ck_assert_int_eq(s.rc, 0);
        ck_assert_int_eq(s.err.code, 0);
        scanned_release(&s);
}
END_TEST

START_TEST(root_forms)
{
        char expect[PATH_MAX * 2];
        struct scanned s;

        enter_tmp();
        mkdirs("m");
        write_file("m/a.yaml");
        write_file("m/notes.txt");
        symlink_to("m", "current");
        symlink_to("m/a.yaml", "shop.yaml");

        /* trailing slashes are not doubled */
        scan(&s, "m//");
        ck_assert_str_eq(files_text(&s.list), "a.yaml m/a.yaml");
        scanned_release(&s);

        /* an absolute root: absolute names */
        snprintf(expect, sizeof(expect), "%s/m", top);
        scan(&s, expect);
        snprintf(expect, sizeof(expect), "a.yaml %s/m/a.yaml", top);
        ck_assert_str_eq(files_text(&s.list), expect);
        scanned_release(&s);

        /* the root a symlink (as git-sync swaps them): names through the
         * link, paths under its target */
        scan(&s, "current");
        ck_assert_str_eq(files_text(&s.list), "a.yaml current/a.yaml");
        snprintf(expect, sizeof(expect), "%s/m/a.yaml", top);
        ck_assert_str_eq(s.list.v[0].path, expect);
        scanned_release(&s);

        /* a single file, whatever its name; rel is the name as given */
        scan(&s, "m/notes.txt");
        ck_assert_int_eq(s.rc, 0);
        ck_assert(s.list.root_is_file);
        ck_assert_str_eq(files_text(&s.list), "notes.txt m/notes.txt");
        scanned_release(&s);
        scan(&s, "shop.yaml");
        ck_assert_str_eq(files_text(&s.list), "shop.yaml shop.yaml");
        ck_assert_str_eq(s.list.v[0].path, expect); /* the target */
        scanned_release(&s);

        /* "." */
        ck_assert_int_eq(chdir("m"), 0);
        scan(&s, ".");
        ck_assert_str_eq(files_text(&s.list), "a.yaml a.yaml");
        scanned_release(&s);
        scan(&s, "./");
        ck_assert_str_eq(files_text(&s.list), "a.yaml a.yaml");
        scanned_release(&s);
}
END_TEST

START_TEST(root_missing_or_odd)
{
        struct scanned s;

        enter_tmp();
        scan(&s, "manifests");
        ck_assert_int_eq(s.rc, BERTH_ENOTFOUND);
        ck_assert_str_eq(s.err.msg, "manifest root 'manifests' does not exist");
        ck_assert_uint_eq(s.list.n, 0);
        ck_assert_uint_eq(s.diags.n, 0);
        scanned_release(&s);

        ck_assert_int_eq(mkfifo("pipe", 0600), 0);
        scan(&s, "pipe");
        ck_assert_int_eq(s.rc, BERTH_EIO);
        ck_assert_str_eq(s.err.msg, "manifest root 'pipe' is neither a directory nor a file");
        scanned_release(&s);

        /* an empty root is not an error here; the caller decides */
        mkdirs("empty");
        scan(&s, "empty");
        ck_assert_int_eq(s.rc, 0);
        ck_assert_uint_eq(s.list.n, 0);
        ck_assert_uint_eq(s.diags.n, 0);
        scanned_release(&s);
}
END_TEST

START_TEST(directory_depth_limit)
{
        char rel[PATH_MAX], file[PATH_MAX], expect[PATH_MAX * 2];
        struct scanned s;
        int i;

        /* m/d/d/...: 32 levels are scanned, the 33rd is refused */
        enter_tmp();
        snprintf(rel, sizeof(rel), "m");
        mkdirs(rel);
        for (i = 1; i <= 34; i++) {
                strcat(rel, "/d");
                mkdirs(rel);
                if (i == 32) {
                        snprintf(file, sizeof(file), "%s/ok.yaml", rel);
                        write_file(file);
                }
        }
        scan(&s, "m");
        snprintf(expect, sizeof(expect), "%s %s", file + 2, file);
        ck_assert_str_eq(files_text(&s.list), expect);
        rel[strlen(file) - strlen("/ok.yaml") + 2] = '\0'; /* 33 levels */
        snprintf(expect, sizeof(expect),
                 "%s: directory is nested more than 32 levels below the manifest root\n", rel);
        expect_diags(&s.diags, expect);
        ck_assert_int_eq(s.rc, BERTH_EINVALID);
        scanned_release(&s);
}
END_TEST

START_TEST(symlink_loops_through_subdirs)
{
        struct scanned s;

        enter_tmp();
        mkdirs("m");
        mkdirs("m/a");
        mkdirs("m/a/b");
        write_file("m/a/b/x.yaml");
        symlink_to("../..", "m/a/b/up");  /* back to the root */
        symlink_to("../b", "m/a/b/self"); /* back to itself */
        scan(&s, "m");
        ck_assert_str_eq(files_text(&s.list), "a/b/x.yaml m/a/b/x.yaml");
        expect_diags(&s.diags, "m/a/b/self: warning: ignoring symlink loop: it leads back to a "
                               "directory being scanned\n"
                               "m/a/b/up: warning: ignoring symlink loop: it leads back to a "
                               "directory being scanned\n");
        ck_assert_int_eq(s.rc, 0);
        scanned_release(&s);
}
END_TEST

struct name_case {
        const char *name;
        bool ignored, manifest;
};

static const struct name_case name_cases[] = {
    {"shop.yaml", false, true},
    {"shop.yml", false, true},
    {"a.b.yaml", false, true},
    {"shop.YAML", false, false},
    {"shop.json", false, false},
    {"yaml", false, false},
    {".shop.yaml", true, false},
    {".git", true, false},
    {".", true, false},
    {"..", true, false},
    {"shop.yaml~", true, false},
    {"shop.yaml.swp", true, false},
    {"shop.yaml.swx", true, false},
    {"shop.yaml.bak", true, false},
    {"x.tmp", true, false},
    {"4913", true, false},
    {"49130", false, false},
    {"#shop.yaml#", false, false},
    {"shop.yaml.orig", false, false},
};

START_TEST(name_rules)
{
        const struct name_case *c = &name_cases[_i];

        ck_assert_msg(manifest_name_ignored(c->name) == c->ignored, "%s", c->name);
        ck_assert_msg(manifest_name_is_manifest(c->name) == c->manifest, "%s", c->name);
}
END_TEST

static Suite *scan_suite(void)
{
        Suite *s = suite_create("scan");
        TCase *tc = tcase_create("scan");

        tcase_add_test(tc, tree_with_everything);
        tcase_add_test(tc, clean_tree);
        tcase_add_test(tc, root_forms);
        tcase_add_test(tc, root_missing_or_odd);
        tcase_add_test(tc, directory_depth_limit);
        tcase_add_test(tc, symlink_loops_through_subdirs);
        tcase_add_loop_test(tc, name_rules, 0, (int)(sizeof(name_cases) / sizeof(name_cases[0])));
        suite_add_tcase(s, tc);
        return s;
}

int main(void)
{
        return bt_unit_main(scan_suite());
}
