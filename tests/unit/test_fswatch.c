/* The manifest watcher on real files: which names matter, editors' and
 * git's ways of writing, new and removed directories, the root replaced
 * (renamed, a symlink switched as git-sync does, not there yet), symlinks
 * inside the root, queue overflow, a file as the root.
 *
 * Each case acts on the files, then polls the watcher's descriptor and
 * reads until it reports a change or a deadline passes.  A case that
 * expects no change also checks that the events did arrive (where they
 * come from a watched directory), so that it fails when nothing is
 * watched at all. */
#include <errno.h>
#include <fcntl.h>
#include <limits.h>
#include <poll.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <time.h>
#include <unistd.h>

#include "berth_test.h"
#include "common/err.h"
#include "watch/fswatch.h"

#define CHANGE_MS 2000 /* how long a change may take to be reported */
#define QUIET_MS 300   /* how long nothing must be reported */

/* The temporary directory, resolved (no symlink in it). */
static char top[PATH_MAX];

/* A fresh directory for each test: one temporary directory per process
 * (with CK_FORK=no, as under valgrind, every test shares the process). */
static void enter_tmp(void)
{
        static char base[PATH_MAX];
        static pid_t owner;
        static int n;

        if (owner != getpid()) {
                ck_assert_ptr_nonnull(realpath(bt_tmpdir(), base));
                owner = getpid();
        }
        snprintf(top, sizeof(top), "%s/t%d", base, n++);
        ck_assert_int_eq(mkdir(top, 0755), 0);
        ck_assert_int_eq(chdir(top), 0);
}

/* top/rel, in one of 8 rotating buffers */
static const char *at(const char *rel)
{
        static char ring[8][PATH_MAX * 2];
        static int next;
        char *b = ring[next++ % 8];

        snprintf(b, sizeof(ring[0]), "%s/%s", top, rel);
        return b;
}

static void put(const char *rel, const char *text)
{
        int fd = open(at(rel), O_WRONLY | O_CREAT | O_TRUNC | O_CLOEXEC, 0644);

        ck_assert_msg(fd >= 0, "cannot write %s: %s", at(rel), strerror(errno));
        ck_assert_int_eq(write(fd, text, strlen(text)), (ssize_t)strlen(text));
        ck_assert_int_eq(close(fd), 0);
}

static void mk(const char *rel)
{
        ck_assert_msg(mkdir(at(rel), 0755) == 0, "mkdir %s: %s", rel, strerror(errno));
}

static void rm(const char *rel)
{
        ck_assert_msg(unlink(at(rel)) == 0, "unlink %s: %s", rel, strerror(errno));
}

static void mv(const char *from, const char *to)
{
        ck_assert_msg(rename(at(from), at(to)) == 0, "rename %s %s: %s", from, to, strerror(errno));
}

static void ln(const char *target, const char *rel)
{
        ck_assert_msg(symlink(target, at(rel)) == 0, "symlink %s: %s", rel, strerror(errno));
}

static struct fsw *open_root(const char *root)
{
        struct berth_err err;
        struct fsw *w = NULL;

        berth_err_clear(&err);
        ck_assert_msg(fsw_open(&w, root, &err) == 0, "fsw_open %s: %s", root, err.msg);
        ck_assert_ptr_nonnull(w);
        return w;
}

static long now_ms(void)
{
        struct timespec ts;

        clock_gettime(CLOCK_MONOTONIC, &ts);
        return ts.tv_sec * 1000 + ts.tv_nsec / 1000000;
}

/* Poll and read until a change is reported or ms pass; with quiet, a
 * reported change ends the wait only after ms more without events (to
 * drain what an action left). */
static int wait_events(struct fsw *w, int ms, int quiet)
{
        struct pollfd p = {.fd = fsw_fd(w), .events = POLLIN};
        long end = now_ms() + ms;
        struct berth_err err;
        int changed = 0, n;

        for (;;) {
                long left = end - now_ms();

                if (left <= 0 || (changed && !quiet))
                        return changed;
                n = poll(&p, 1, (int)left);
                ck_assert_int_ge(n, 0);
                if (n == 0)
                        continue;
                berth_err_clear(&err);
                ck_assert_msg(fsw_read(w, &changed, &err) == 0, "fsw_read: %s", err.msg);
                if (quiet)
                        end = now_ms() + ms;
        }
}

/* Read everything an action left, whatever it was. */
static void drain(struct fsw *w)
{
        wait_events(w, 150, 1);
}

#define expect_changed(w, what)                                                                    \
        ck_assert_msg(wait_events(w, CHANGE_MS, 0), "no change reported for %s", what)

static unsigned long events_seen(struct fsw *w)
{
        struct fsw_stats st;

        fsw_stats(w, &st);
        return st.events;
}

/* Nothing that matters for QUIET_MS; returns how many events came. */
static unsigned long expect_quiet(struct fsw *w, const char *what)
{
        unsigned long before = events_seen(w);

        ck_assert_msg(!wait_events(w, QUIET_MS, 0), "a change was reported for %s", what);
        return events_seen(w) - before;
}

/* Nothing that matters, though the events of the action did arrive. */
#define expect_ignored(w, what)                                                                    \
        ck_assert_msg(expect_quiet(w, what) > 0, "no event at all for %s", what)

/* Write rel, see the change reported, and read what else the write left. */
static void put_changed(struct fsw *w, const char *rel, const char *text, const char *what)
{
        put(rel, text);
        expect_changed(w, what);
        drain(w);
}

/* After the root moved on: edits in the new place matter, in the old one
 * nothing is even watched. */
static void expect_moved_on(struct fsw *w, const char *now, const char *before)
{
        put_changed(w, now, "services: {y: {image: y}}\n", now);
        put(before, "services: {y: {image: y}}\n");
        ck_assert_int_eq(expect_quiet(w, before), 0);
}

static size_t watches(struct fsw *w)
{
        struct fsw_stats st;

        fsw_stats(w, &st);
        return st.watches;
}

START_TEST(names_that_matter)
{
        static const char *const ignored[] = {
            ".hidden.yaml", "x.swp",      "x~",         "4913",       "notes.txt",
            "a.yaml.tmp",   "a.yaml.bak", "a.yaml.swx", "UPPER.YAML", NULL};
        const char *const *p;
        char rel[64];
        struct fsw *w;

        enter_tmp();
        mk("m");
        mk("m/sub");
        w = open_root(at("m"));
        put_changed(w, "m/a.yaml", "services: {}\n", "a new manifest");
        put_changed(w, "m/b.yml", "services: {}\n", "a new .yml manifest");
        for (p = ignored; *p; p++) {
                snprintf(rel, sizeof(rel), "m/%s", *p);
                put(rel, "x\n");
                expect_ignored(w, *p);
        }
        put_changed(w, "m/.env", "A=1\n", "the root's .env");
        put("m/sub/.env", "A=1\n");
        expect_ignored(w, "a .env below the root");
        put_changed(w, "m/app.env", "A=1\n", "an env_file (*.env)");
        put_changed(w, "m/sub/db.env", "A=1\n", "an env_file in a subdirectory");
        put_changed(w, "m/sub/c.yaml", "services: {}\n", "a manifest in a subdirectory");
        /* a dot directory is not watched at all */
        mk("m/.cache");
        expect_ignored(w, "a new dot directory");
        put("m/.cache/d.yaml", "services: {}\n");
        ck_assert_int_eq(expect_quiet(w, "a manifest in a dot directory"), 0);
        fsw_free(w);
}
END_TEST

/* vim's :w with its defaults: swap file, the 4913 probe, a temporary
 * file, then the new file renamed over the old one. */
START_TEST(editor_atomic_save)
{
        struct fsw *w;

        enter_tmp();
        mk("m");
        put("m/a.yaml", "services: {}\n");
        w = open_root(at("m"));
        put("m/.a.yaml.swp", "swap");
        put("m/4913", "");
        rm("m/4913");
        put("m/a.yaml.tmp", "services: {web: {image: x}}\n");
        expect_ignored(w, "the swap, probe and temporary files");
        mv("m/a.yaml.tmp", "m/a.yaml");
        expect_changed(w, "a file renamed over a.yaml");
        drain(w);
        /* emacs: a backup by rename, then the file written anew */
        mv("m/a.yaml", "m/a.yaml~");
        expect_changed(w, "a.yaml renamed away");
        drain(w);
        put("m/a.yaml", "services: {}\n");
        expect_changed(w, "a.yaml written anew");
        fsw_free(w);
}
END_TEST

START_TEST(delete_and_new_directories)
{
        struct fsw *w;

        enter_tmp();
        mk("m");
        put("m/a.yaml", "services: {}\n");
        mk("outside");
        mk("outside/tree");
        mk("outside/tree/deep");
        put("outside/tree/deep/c.yaml", "services: {}\n");
        w = open_root(at("m"));
        ck_assert_uint_eq(watches(w), 2); /* m, and top for the name "m" */
        rm("m/a.yaml");
        expect_changed(w, "a manifest deleted");
        drain(w);

        /* written before the new directory's watch can exist */
        mk("m/sub");
        put_changed(w, "m/sub/b.yaml", "services: {}\n", "a new directory with a manifest");
        ck_assert_uint_eq(watches(w), 3);
        put_changed(w, "m/sub/b.yaml", "services: {x: {image: y}}\n",
                    "an edit in the new directory");

        /* a whole tree moved in: every directory of it gets a watch */
        mv("outside/tree", "m/tree");
        expect_changed(w, "a tree moved in");
        drain(w);
        ck_assert_uint_eq(watches(w), 5);
        put_changed(w, "m/tree/deep/c.yaml", "services: {}\n", "an edit deep in the moved tree");

        /* renamed inside the root: still watched under its new name */
        mv("m/tree", "m/tree2");
        expect_changed(w, "a directory renamed");
        drain(w);
        put_changed(w, "m/tree2/deep/c.yaml", "services: {}\n", "an edit in the renamed directory");

        /* moved out: no longer watched */
        mv("m/tree2", "outside/gone");
        expect_changed(w, "a directory moved out");
        drain(w);
        ck_assert_uint_eq(watches(w), 3);
        put("outside/gone/deep/c.yaml", "services: {}\n");
        ck_assert_int_eq(expect_quiet(w, "an edit in a directory moved out"), 0);

        rm("m/sub/b.yaml");
        drain(w);
        ck_assert_int_eq(rmdir(at("m/sub")), 0);
        expect_changed(w, "a directory removed");
        drain(w);
        ck_assert_uint_eq(watches(w), 2);
        fsw_free(w);
}
END_TEST

START_TEST(many_files_replaced)
{
        char rel[64];
        struct fsw *w;
        int i;

        enter_tmp();
        mk("m");
        for (i = 0; i < 200; i++) {
                snprintf(rel, sizeof(rel), "m/p%03d.yaml", i);
                put(rel, "services: {}\n");
        }
        w = open_root(at("m"));
        for (i = 0; i < 200; i++) {
                snprintf(rel, sizeof(rel), "m/p%03d.yaml", i);
                rm(rel);
        }
        for (i = 0; i < 200; i++) {
                snprintf(rel, sizeof(rel), "m/p%03d.yaml", i);
                put(rel, "services: {a: {image: b}}\n");
        }
        expect_changed(w, "200 manifests removed and written again");
        fsw_free(w);
}
END_TEST

START_TEST(git_checkout)
{
        struct fsw *w;

        enter_tmp();
        mk("m");
        mk("m/team");
        put("m/a.yaml", "services: {a: {image: a}}\n");
        put("m/team/b.yaml", "services: {b: {image: b}}\n");
        BT_GIT(at("m"), "init", "-q", "-b", "main");
        BT_GIT(at("m"), "add", ".");
        BT_GIT(at("m"), "commit", "-q", "-m", "one");
        BT_GIT(at("m"), "checkout", "-q", "-b", "other");
        put("m/a.yaml", "services: {a: {image: a2}}\n");
        put("m/c.yaml", "services: {c: {image: c}}\n");
        BT_GIT(at("m"), "add", ".");
        BT_GIT(at("m"), "commit", "-q", "-m", "two");
        BT_GIT(at("m"), "checkout", "-q", "main");

        w = open_root(at("m"));
        ck_assert_uint_eq(watches(w), 3); /* m, m/team, top: never .git */
        BT_GIT(at("m"), "checkout", "-q", "other");
        expect_changed(w, "git checkout of another branch");
        drain(w);
        BT_GIT(at("m"), "gc", "-q");
        BT_GIT(at("m"), "update-ref", "refs/heads/x", "HEAD");
        put("m/.git/description", "changed\n");
        ck_assert_int_eq(expect_quiet(w, "git gc and writes under .git"), 0);
        BT_GIT(at("m"), "checkout", "-q", "main");
        expect_changed(w, "git checkout back");
        fsw_free(w);
}
END_TEST

START_TEST(root_renamed_and_made_again)
{
        struct fsw_stats st;
        struct fsw *w;

        enter_tmp();
        mk("m");
        put("m/a.yaml", "services: {}\n");
        w = open_root(at("m"));
        mv("m", "m.old");
        mk("m");
        put_changed(w, "m/b.yaml", "services: {}\n", "the root replaced");
        fsw_stats(w, &st);
        ck_assert_uint_ge(st.rebuilds, 1);
        expect_moved_on(w, "m/b.yaml", "m.old/a.yaml");
        put("m.old/c.yaml", "services: {}\n");
        ck_assert_int_eq(expect_quiet(w, "a new file in the old root"), 0);

        /* deleted, then made again */
        rm("m/b.yaml");
        ck_assert_int_eq(rmdir(at("m")), 0);
        expect_changed(w, "the root deleted");
        drain(w);
        mk("m");
        expect_changed(w, "the root made again");
        drain(w);
        put("m/d.yaml", "services: {}\n");
        expect_changed(w, "a manifest in the root made again");
        fsw_free(w);
}
END_TEST

/* git-sync: the root is a symlink switched atomically to a new checkout */
START_TEST(symlink_swap)
{
        struct fsw_stats st;
        struct fsw *w;

        enter_tmp();
        mk("v1");
        mk("v2");
        put("v1/a.yaml", "services: {}\n");
        put("v2/a.yaml", "services: {}\n");
        ln("v1", "current");
        w = open_root(at("current"));
        put_changed(w, "v1/a.yaml", "services: {x: {image: x}}\n", "an edit through the link");
        put("v2/a.yaml", "services: {x: {image: x}}\n");
        ck_assert_int_eq(expect_quiet(w, "an edit in the other checkout"), 0);

        ln("v2", "current.new");
        mv("current.new", "current");
        expect_changed(w, "the link switched");
        drain(w);
        fsw_stats(w, &st);
        ck_assert_uint_eq(st.rebuilds, 1);
        expect_moved_on(w, "v2/a.yaml", "v1/a.yaml");
        fsw_free(w);
}
END_TEST

/* The link is a directory on the way: root current/manifests, as git-sync
 * users point at a folder of the checkout; the checkouts are hidden in
 * .worktrees as git-sync keeps them. */
START_TEST(symlink_on_the_way)
{
        struct fsw *w;

        enter_tmp();
        mk(".worktrees");
        mk(".worktrees/abc");
        mk(".worktrees/abc/manifests");
        mk(".worktrees/def");
        mk(".worktrees/def/manifests");
        put(".worktrees/abc/manifests/a.yaml", "services: {}\n");
        put(".worktrees/def/manifests/a.yaml", "services: {}\n");
        ln(".worktrees/abc", "current");
        w = open_root("current/manifests"); /* relative: resolved now */
        ck_assert_int_eq(chdir("/"), 0);
        put_changed(w, ".worktrees/abc/manifests/a.yaml", "services: {x: {image: x}}\n",
                    "an edit through the link");
        ln(".worktrees/def", "tmp-link");
        mv("tmp-link", "current");
        expect_changed(w, "the link switched");
        drain(w);
        expect_moved_on(w, ".worktrees/def/manifests/a.yaml", ".worktrees/abc/manifests/a.yaml");
        fsw_free(w);
}
END_TEST

START_TEST(symlinks_inside_the_root)
{
        struct fsw *w;

        enter_tmp();
        mk("m");
        mk("m/.shared");
        put("m/.shared/x.yaml", "services: {}\n");
        put("m/.shared/y.conf", "\n");
        mk("outside");
        put("outside/o.yaml", "services: {}\n");
        ln(".shared", "m/linked");
        ln("../outside", "m/out");
        ln(".", "m/loop");
        ln(".shared/y.conf", "m/y.yaml");
        w = open_root(at("m"));
        /* m, m/.shared, top: not outside, and the loop walked once */
        ck_assert_uint_eq(watches(w), 3);
        put_changed(w, "m/.shared/x.yaml", "services: {x: {image: x}}\n",
                    "an edit in a directory reached through a link");
        put_changed(w, "m/.shared/y.conf", "x\n", "an edit of a file a manifest link leads to");
        put("m/.shared/z.txt", "x\n");
        expect_ignored(w, "another file in the linked directory");
        put("outside/o.yaml", "services: {x: {image: x}}\n");
        ck_assert_int_eq(expect_quiet(w, "an edit outside the root"), 0);

        /* the link removed: its target no longer matters */
        rm("m/linked");
        rm("m/y.yaml");
        expect_changed(w, "the links removed");
        drain(w);
        put("m/.shared/x.yaml", "services: {}\n");
        ck_assert_int_eq(expect_quiet(w, "an edit in the unlinked directory"), 0);
        /* and made again */
        ln(".shared", "m/again");
        expect_changed(w, "a new link to a directory");
        drain(w);
        put("m/.shared/x.yaml", "services: {y: {image: y}}\n");
        expect_changed(w, "an edit through the new link");
        fsw_free(w);
}
END_TEST

START_TEST(root_not_there_yet)
{
        struct fsw *w;

        enter_tmp();
        w = open_root(at("m"));
        ck_assert_uint_eq(watches(w), 1);
        put("other.yaml", "services: {}\n");
        expect_ignored(w, "a file beside the missing root");
        mk("m");
        expect_changed(w, "the root made");
        drain(w);
        put("m/a.yaml", "services: {}\n");
        expect_changed(w, "a manifest in the new root");
        fsw_free(w);

        /* several levels missing */
        w = open_root(at("x/y/m"));
        mk("x");
        expect_changed(w, "the first missing directory made");
        drain(w);
        mk("x/y");
        expect_changed(w, "the second missing directory made");
        drain(w);
        mk("x/y/m");
        expect_changed(w, "the root made");
        drain(w);
        put("x/y/m/a.yaml", "services: {}\n");
        expect_changed(w, "a manifest in the new root");
        fsw_free(w);
}
END_TEST

static long max_queued_events(void)
{
        FILE *f = fopen("/proc/sys/fs/inotify/max_queued_events", "re");
        long n = 16384;

        if (f) {
                if (fscanf(f, "%ld", &n) != 1)
                        n = 16384;
                fclose(f);
        }
        return n;
}

START_TEST(queue_overflow)
{
        long i, n = max_queued_events() + 1000;
        struct fsw_stats st;
        char rel[64];
        struct fsw *w;
        int fd;

        ck_assert_int_le(n, 2000000);
        enter_tmp();
        mk("m");
        w = open_root(at("m"));
        /* names that do not matter: only the overflow reports a change */
        for (i = 0; i < n; i++) {
                snprintf(rel, sizeof(rel), "m/f%07ld", i);
                fd = open(at(rel), O_WRONLY | O_CREAT | O_CLOEXEC, 0644);
                ck_assert_int_ge(fd, 0);
                close(fd);
        }
        expect_changed(w, "a queue overflow");
        drain(w);
        fsw_stats(w, &st);
        ck_assert_uint_ge(st.overflows, 1);
        ck_assert_uint_ge(st.rebuilds, 1);
        ck_assert_uint_eq(st.watches, 2);
        put("m/a.yaml", "services: {}\n");
        expect_changed(w, "an edit after the overflow");
        fsw_free(w);
}
END_TEST

START_TEST(file_root)
{
        struct fsw *w;

        enter_tmp();
        mk("d");
        put("d/a.yaml", "services: {}\n");
        put("d/b.yaml", "services: {}\n");
        w = open_root(at("d/a.yaml"));
        ck_assert_uint_eq(watches(w), 1);
        put_changed(w, "d/a.yaml", "services: {x: {image: x}}\n", "an edit of the file root");
        put("d/b.yaml", "services: {x: {image: x}}\n");
        expect_ignored(w, "another manifest beside the file root");
        put_changed(w, "d/.env", "A=1\n", "the .env beside the file root");
        put("d/a.yaml.tmp", "services: {}\n");
        expect_ignored(w, "a temporary file");
        mv("d/a.yaml.tmp", "d/a.yaml");
        expect_changed(w, "a file renamed over the file root");
        fsw_free(w);

        /* a symlink to a file, switched */
        ln("d/a.yaml", "cur.yaml");
        w = open_root(at("cur.yaml"));
        ck_assert_uint_eq(watches(w), 2); /* top for cur.yaml, d for a.yaml and .env */
        put_changed(w, "d/a.yaml", "services: {}\n", "an edit of the linked file");
        ln("d/b.yaml", "new.yaml");
        mv("new.yaml", "cur.yaml");
        expect_changed(w, "the link switched to another file");
        drain(w);
        put("d/a.yaml", "services: {x: {image: x}}\n");
        expect_ignored(w, "an edit of the old target");
        put("d/b.yaml", "services: {}\n");
        expect_changed(w, "an edit of the new target");
        fsw_free(w);
}
END_TEST

START_TEST(stats_and_descriptor)
{
        struct fsw_stats st;
        struct berth_err err;
        struct fsw *w;
        int fd;

        fsw_free(NULL);
        enter_tmp();
        mk("m");
        w = open_root(at("m"));
        fd = fsw_fd(w);
        ck_assert_int_ge(fd, 0);
        ck_assert(fcntl(fd, F_GETFD) & FD_CLOEXEC);
        ck_assert(fcntl(fd, F_GETFL) & O_NONBLOCK);
        fsw_stats(w, &st);
        ck_assert_uint_eq(st.events, 0);
        ck_assert_uint_eq(st.relevant, 0);
        ck_assert_uint_eq(st.overflows, 0);
        ck_assert_uint_eq(st.rebuilds, 0);
        ck_assert_uint_eq(st.watches, 2);

        put("m/notes.txt", "x\n"); /* create + close_write */
        drain(w);
        fsw_stats(w, &st);
        ck_assert_uint_eq(st.events, 2);
        ck_assert_uint_eq(st.relevant, 0);
        put("m/a.yaml", "services: {}\n");
        drain(w);
        fsw_stats(w, &st);
        ck_assert_uint_eq(st.events, 4);
        ck_assert_uint_eq(st.relevant, 2);
        ck_assert_uint_eq(st.rebuilds, 0);

        /* nothing pending: reads nothing, changes nothing */
        fd = 0;
        berth_err_clear(&err);
        ck_assert_int_eq(fsw_read(w, &fd, &err), 0);
        ck_assert_int_eq(fd, 0);
        fd = 1; /* accumulates: never cleared */
        ck_assert_int_eq(fsw_read(w, &fd, &err), 0);
        ck_assert_int_eq(fd, 1);
        fsw_free(w);

        berth_err_clear(&err);
        w = (struct fsw *)&err;
        ck_assert_int_eq(fsw_open(&w, "", &err), BERTH_EINVALID);
        ck_assert_ptr_null(w);
}
END_TEST

static Suite *fswatch_suite(void)
{
        Suite *s = suite_create("fswatch");
        TCase *tc = tcase_create("fswatch");

        tcase_set_timeout(tc, 60);
        tcase_add_test(tc, names_that_matter);
        tcase_add_test(tc, editor_atomic_save);
        tcase_add_test(tc, delete_and_new_directories);
        tcase_add_test(tc, many_files_replaced);
        tcase_add_test(tc, git_checkout);
        tcase_add_test(tc, root_renamed_and_made_again);
        tcase_add_test(tc, symlink_swap);
        tcase_add_test(tc, symlink_on_the_way);
        tcase_add_test(tc, symlinks_inside_the_root);
        tcase_add_test(tc, root_not_there_yet);
        tcase_add_test(tc, queue_overflow);
        tcase_add_test(tc, file_root);
        tcase_add_test(tc, stats_and_descriptor);
        suite_add_tcase(s, tc);
        return s;
}

int main(void)
{
        return bt_unit_main(fswatch_suite());
}
