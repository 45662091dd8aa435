/* Manifest trust (policy/trust.h, manifest/scan.c, env files): what other
 * users can write is refused with the chmod or chown that fixes it, or
 * only warned about with --insecure-manifests; symlinks and env files
 * leading out of the root are refused.  Each case through manifest_load()
 * with its exact message.
 *
 * The test chowns files to nobody, so it runs as root (tests/run does);
 * run otherwise it fails saying so. */
#include <errno.h>
#include <limits.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "berth_cli.h"
#include "berth_test.h"
#include "common/err.h"
#include "manifest/diag.h"
#include "manifest/load.h"
#include "model/model.h"

static const char *const no_environment[] = {NULL};
static char top[PATH_MAX]; /* the test's directory (real path), its cwd */

#define HINT " (or pass --insecure-manifests to accept it with a warning)"
#define ACCEPTED " (accepted because of --insecure-manifests)"

/* A fresh directory holding m/ with two good manifests, the test in it. */
static void here(void)
{
        const char *dir = bt_tmpdir();

        ck_assert_msg(geteuid() == 0, "run as root (tests/run does): the test chowns files");
        ck_assert_msg(chdir(dir) == 0, "cd %s: %s", dir, strerror(errno));
        ck_assert_ptr_nonnull(getcwd(top, sizeof(top)));
        bt_write_file("m", "shop.yaml", "services:\n  web:\n    image: busybox\n");
        bt_write_file("m/team", "blog.yaml", "services:\n  web:\n    image: busybox\n");
}

struct loaded {
        int rc;
        struct manifest_set set;
        struct berth_err err;
        char *diags;
        char projects[256]; /* the projects that loaded, space-separated */
};

static void load(struct loaded *l, const char *root, bool insecure)
{
        struct manifest_load_opts opts = {.root = root,
                                          .environ = no_environment,
                                          .policy = bt_policy_allow_all(),
                                          .insecure = insecure};
        size_t i;

        berth_err_clear(&l->err);
        l->rc = manifest_load(&l->set, &opts, &l->err);
        l->diags = diag_list_format(&l->set.diags);
        ck_assert_ptr_nonnull(l->diags);
        l->projects[0] = '\0';
        for (i = 0; l->rc == 0 && i < l->set.state->nprojects; i++)
                snprintf(l->projects + strlen(l->projects),
                         sizeof(l->projects) - strlen(l->projects), "%s%s", i ? " " : "",
                         l->set.state->projects[i].name);
}

static void loaded_release(struct loaded *l)
{
        free(l->diags);
        manifest_set_release(&l->set);
}

/* Load m; it must load with exactly these diagnostics and projects. */
static void expect_load(bool insecure, const char *diags, const char *projects)
{
        struct loaded l;

        load(&l, "m", insecure);
        ck_assert_msg(l.rc == 0, "manifest_load: %s", l.err.msg);
        ck_assert_str_eq(l.diags, diags);
        ck_assert_str_eq(l.projects, projects);
        /* a refused entry: absent projects must not be pruned */
        ck_assert(l.set.complete ==
                  (!strstr(diags, ": refused: ") && !strstr(diags, ": symlink leads outside")));
        loaded_release(&l);
}

/* Loading root must fail as a whole with this message. */
static void expect_fatal(const char *root, const char *msg)
{
        struct loaded l;

        load(&l, root, false);
        ck_assert_int_eq(l.rc, BERTH_EFORBIDDEN);
        ck_assert_str_eq(l.err.msg, msg);
        loaded_release(&l);
}

START_TEST(trusted_tree_loads)
{
        here();
        expect_load(false, "", "shop team-blog");
}
END_TEST

START_TEST(manifest_writable_by_others)
{
        struct loaded l;

        here();
        ck_assert_int_eq(chmod("m/shop.yaml", 0666), 0);
        expect_load(false,
                    "m/shop.yaml: refused: writable by every user (mode 0666), so anyone can "
                    "change what berth runs: run 'chmod go-w m/shop.yaml'" HINT "\n",
                    "team-blog");
        /* a failed file: its project, as its path names it, is left alone */
        load(&l, "m", false);
        ck_assert_uint_eq(l.set.nfailed, 1);
        ck_assert_str_eq(l.set.failed[0].project, "shop");
        ck_assert_str_eq(l.set.failed[0].rel, "shop.yaml");
        ck_assert_uint_eq(l.set.nfiles, 2);
        loaded_release(&l);
        expect_load(true,
                    "m/shop.yaml: warning: writable by every user (mode 0666), so anyone can "
                    "change what berth runs: run 'chmod go-w m/shop.yaml'" ACCEPTED "\n",
                    "shop team-blog");
        ck_assert_int_eq(chmod("m/shop.yaml", 0664), 0);
        expect_load(false,
                    "m/shop.yaml: refused: writable by its group (mode 0664), so its group can "
                    "change what berth runs: run 'chmod go-w m/shop.yaml'" HINT "\n",
                    "team-blog");
}
END_TEST

START_TEST(directory_writable_by_group)
{
        here();
        ck_assert_int_eq(chmod("m/team", 0775), 0);
        expect_load(false,
                    "m/team: refused: writable by its group (mode 0775), so its group can change "
                    "what berth runs: run 'chmod go-w m/team'" HINT "\n",
                    "shop");
}
END_TEST

START_TEST(owned_by_another_user)
{
        here();
        ck_assert_int_eq(chown("m/team/blog.yaml", 65534, 65534), 0);
        expect_load(false,
                    "m/team/blog.yaml: refused: owned by user 'nobody' (uid 65534), not by root, "
                    "so that user can change what berth runs: run 'chown root "
                    "m/team/blog.yaml'" HINT "\n",
                    "shop");
        ck_assert_int_eq(chown("m/team/blog.yaml", 0, 0), 0);
        ck_assert_int_eq(chown("m/team", 65534, 65534), 0);
        expect_load(false,
                    "m/team: refused: owned by user 'nobody' (uid 65534), not by root, so that "
                    "user can change what berth runs: run 'chown root m/team'" HINT "\n",
                    "shop");
}
END_TEST

START_TEST(root_and_above)
{
        char *msg;
        struct loaded l;

        here();
        ck_assert_int_eq(chmod("m", 0777), 0);
        expect_fatal("m", "manifest root 'm' is writable by every user (mode 0777), so anyone can "
                          "change what berth runs: run 'chmod go-w m'" HINT);
        load(&l, "m", true);
        ck_assert_int_eq(l.rc, 0);
        ck_assert_str_eq(l.diags, "m: warning: manifest root 'm' is writable by every user (mode "
                                  "0777), so anyone can change what berth runs: run 'chmod go-w "
                                  "m'" ACCEPTED "\n");
        ck_assert_str_eq(l.projects, "shop team-blog");
        loaded_release(&l);
        ck_assert_int_eq(chmod("m", 0755), 0);

        /* a directory above the root: anyone could swap the whole tree */
        ck_assert_int_eq(chmod(".", 0777), 0);
        msg = bt_fmt("directory '%s' (above the manifest root 'm') is writable by every user (mode "
                     "0777), so anyone can change what berth runs: run 'chmod go-w %s'" HINT,
                     top, top);
        expect_fatal("m", msg);
        free(msg);
        /* one file as the root: the same */
        msg = bt_fmt("directory '%s' (above the manifest 'm/shop.yaml') is writable by every user "
                     "(mode 0777), so anyone can change what berth runs: run 'chmod go-w %s'" HINT,
                     top, top);
        expect_fatal("m/shop.yaml", msg);
        free(msg);
        /* sticky and root's, as /tmp: nobody can rename what is not theirs */
        ck_assert_int_eq(chmod(".", 01777), 0);
        expect_load(false, "", "shop team-blog");
        ck_assert_int_eq(chmod(".", 0700), 0);

        ck_assert_int_eq(chmod("m/shop.yaml", 0646), 0);
        expect_fatal("m/shop.yaml", "manifest 'm/shop.yaml' is writable by every user (mode 0646), "
                                    "so anyone can change what berth runs: run 'chmod go-w "
                                    "m/shop.yaml'" HINT);
}
END_TEST

/* The layouts watch and sync use: the root reached through a symlink (a
 * swapped "current" link, a link in the path). */
START_TEST(symlinked_root_layouts)
{
        here();
        ck_assert_int_eq(rename("m", "rev1"), 0);
        ck_assert_int_eq(symlink("rev1", "m"), 0);
        expect_load(false, "", "shop team-blog");
        ck_assert_int_eq(mkdir("repo", 0755), 0);
        ck_assert_int_eq(rename("rev1", "repo/manifests"), 0);
        ck_assert_int_eq(unlink("m"), 0);
        ck_assert_int_eq(symlink("repo", "current"), 0);
        ck_assert_int_eq(symlink("current/manifests", "m"), 0);
        expect_load(false, "", "shop team-blog");
        /* what the link leads to is what is judged */
        ck_assert_int_eq(chmod("repo/manifests/team", 0777), 0);
        expect_load(false,
                    "m/team: refused: writable by every user (mode 0777), so anyone can change "
                    "what berth runs: run 'chmod go-w m/team'" HINT "\n",
                    "shop");
}
END_TEST

START_TEST(symlink_out_of_the_root)
{
        char *want;

        here();
        bt_write_file(".", "elsewhere.yaml", "services:\n  evil:\n    image: busybox\n");
        ck_assert_int_eq(symlink("../elsewhere.yaml", "m/evil.yaml"), 0);
        ck_assert_int_eq(symlink("/etc", "m/etc"), 0);
        want = bt_fmt("m/etc: symlink leads outside the manifest root (to '/etc'); berth reads "
                      "only files inside the root: move what it points to into the root, or "
                      "remove the link\n"
                      "m/evil.yaml: symlink leads outside the manifest root (to "
                      "'%s/elsewhere.yaml'); berth reads only files inside the root: move what "
                      "it points to into the root, or remove the link\n",
                      top);
        expect_load(false, want, "shop team-blog");
        free(want);
}
END_TEST

START_TEST(dotenv_and_env_files)
{
        struct loaded l;
        char *want;

        here();
        bt_write_file("m", ".env", "TAG=1\n");
        ck_assert_int_eq(chmod("m/.env", 0666), 0);
        expect_fatal("m", "env file 'm/.env' is writable by every user (mode 0666), so anyone can "
                          "change what berth runs: run 'chmod go-w m/.env'" HINT);
        ck_assert_int_eq(chmod("m/.env", 0644), 0);

        /* an env_file outside the root (directly, or through a link in it) */
        bt_write_file(".", "host.env", "A=1\n");
        ck_assert_int_eq(symlink("../host.env", "m/linked.env"), 0);
        want = bt_fmt("services:\n  web:\n    image: busybox\n"
                      "    env_file: [../host.env, linked.env, %s/host.env]\n",
                      top);
        bt_write_file("m", "shop.yaml", want);
        free(want);
        want = bt_fmt("m/shop.yaml:4:16: services.web.env_file[0]: env file '../host.env' is "
                      "outside the manifest root (it is %s/host.env): berth reads only files "
                      "inside the root; move it there\n"
                      "m/shop.yaml:4:29: services.web.env_file[1]: env file 'linked.env' is "
                      "outside the manifest root (it is %s/host.env): berth reads only files "
                      "inside the root; move it there\n"
                      "m/shop.yaml:4:41: services.web.env_file[2]: env file '%s/host.env' is "
                      "outside the manifest root (it is %s/host.env): berth reads only files "
                      "inside the root; move it there\n",
                      top, top, top, top);
        load(&l, "m", false);
        ck_assert_int_eq(l.rc, 0);
        ck_assert_str_eq(l.diags, want);
        ck_assert_str_eq(l.projects, "team-blog");
        ck_assert_uint_eq(l.set.nfailed, 1);
        loaded_release(&l);
        free(want);

        /* one inside that others can write */
        bt_write_file("m", "web.env", "A=1\n");
        ck_assert_int_eq(chmod("m/web.env", 0660), 0);
        bt_write_file("m", "shop.yaml",
                      "services:\n  web:\n    image: busybox\n    env_file: web.env\n");
        want = bt_fmt("m/shop.yaml:4:15: services.web.env_file: env file 'web.env' is refused: "
                      "writable by its group (mode 0660), so its group can change what berth "
                      "runs: run 'chmod go-w %s/m/web.env'" HINT "\n",
                      top);
        expect_load(false, want, "team-blog");
        free(want);
        want = bt_fmt("m/shop.yaml:4:15: warning: services.web.env_file: env file 'web.env' is "
                      "writable by its group (mode 0660), so its group can change what berth "
                      "runs: run 'chmod go-w %s/m/web.env'" ACCEPTED "\n",
                      top);
        expect_load(true, want, "shop team-blog");
        free(want);
}
END_TEST

static Suite *suite(void)
{
        Suite *s = suite_create("trust");
        TCase *tc = tcase_create("trust");

        tcase_add_test(tc, trusted_tree_loads);
        tcase_add_test(tc, manifest_writable_by_others);
        tcase_add_test(tc, directory_writable_by_group);
        tcase_add_test(tc, owned_by_another_user);
        tcase_add_test(tc, root_and_above);
        tcase_add_test(tc, symlinked_root_layouts);
        tcase_add_test(tc, symlink_out_of_the_root);
        tcase_add_test(tc, dotenv_and_env_files);
        suite_add_tcase(s, tc);
        return s;
}

int main(void)
{
        return bt_unit_main(suite());
}
