/* watch/fswatch.c - inotify over the manifest root (see watch/fswatch.h).
 *
 * The watch set is kept by mark and sweep: a sync resolves the root,
 * watches what it needs (inotify_add_watch returns the watch a directory
 * already has, so this is cheap for the ones held), and removes the
 * watches no longer needed.  Events only decide whether something
 * matters and whether a sync is due; a sync runs at the end of fsw_read.
 */
#include "watch/fswatch.h"

#include <dirent.h>
#include <errno.h>
#include <fcntl.h>
#include <limits.h>
#include <stdbool.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/inotify.h>
#include <sys/stat.h>
#include <unistd.h>

#include "manifest/scan.h"

/* Every watch asks for the same events: the ones a tree directory needs
 * are a superset of a parent's (whose other names are filtered here). */
#define FSW_MASK                                                                                   \
        (IN_CLOSE_WRITE | IN_CREATE | IN_DELETE | IN_MOVED_FROM | IN_MOVED_TO | IN_DELETE_SELF |   \
         IN_MOVE_SELF | IN_ONLYDIR | IN_DONT_FOLLOW | IN_EXCL_UNLINK)
#define FSW_MAX_DEPTH 32 /* as manifest_scan: directories below the root */
#define FSW_MAX_LINKS 40 /* symlinks followed resolving the root (the kernel's ELOOP) */
#define FSW_READS 16     /* buffers read per fsw_read: the rest waits for the next poll */
#define FSW_BUF (64 * 1024)

enum fsw_flags {
        FSW_TREE = 1 << 0, /* a directory of the root's tree: manifests and directories matter */
        FSW_ROOT = 1 << 1, /* the root directory: its .env matters too */
};

/* One inotify watch: a directory, by its real path. */
struct fsw_watch {
        int wd;
        unsigned flags; /* enum fsw_flags, set by the current sync */
        bool wanted;    /* by the current sync; the sweep removes the others */
        char *path;     /* real path */
        char **names;   /* names in it that matter whatever they are: the root's own
                         * name, symlinks on the way, a file root and its .env */
        size_t nnames, capnames;
};

/* The root's identity after a sync, to tell when it was replaced. */
struct fsw_root_id {
        bool found;
        dev_t dev;
        ino_t ino;
        char *real;
};

struct fsw {
        int fd;
        char *root;           /* absolute, as written otherwise (symlinks kept) */
        struct fsw_watch **v; /* sorted by wd; each owned */
        size_t n, cap;
        struct fsw_root_id id;
        bool pending; /* a sync is due (the last one failed) */
        struct fsw_stats st;
        _Alignas(struct inotify_event) char buf[FSW_BUF];
};

/* a + "/" + b (a "" or "/" gives "/b"); NULL on ENOMEM */
static char *path_join(const char *a, const char *b)
{
        size_t la = strlen(a), lb = strlen(b);
        char *s;

        if (la && a[la - 1] == '/')
                la--;
        s = malloc(la + lb + 2);
        if (!s)
                return NULL;
        memcpy(s, a, la);
        s[la] = '/';
        memcpy(s + la + 1, b, lb + 1);
        return s;
}

static bool path_inside(const char *root, const char *path)
{
        size_t n = strlen(root);

        if (strcmp(root, "/") == 0)
                return true;
        return strncmp(path, root, n) == 0 && (path[n] == '/' || path[n] == '\0');
}

/* The position of wd in w->v, or where it would go. */
static size_t fsw_find(const struct fsw *w, int wd, bool *found)
{
        size_t lo = 0, hi = w->n, mid;

        while (lo < hi) {
                mid = lo + (hi - lo) / 2;
                if (w->v[mid]->wd < wd)
                        lo = mid + 1;
                else
                        hi = mid;
        }
        *found = lo < w->n && w->v[lo]->wd == wd;
        return lo;
}

static void fsw_names_clear(struct fsw_watch *e)
{
        while (e->nnames)
                free(e->names[--e->nnames]);
}

static void fsw_watch_free(struct fsw_watch *e)
{
        fsw_names_clear(e);
        free(e->names);
        free(e->path);
        free(e);
}

/* Drop entry i from the table (the watch itself is the caller's business). */
static void fsw_drop(struct fsw *w, size_t i)
{
        fsw_watch_free(w->v[i]);
        memmove(w->v + i, w->v + i + 1, (w->n - i - 1) * sizeof(*w->v));
        w->n--;
}

static bool fsw_has_name(const struct fsw_watch *e, const char *name)
{
        size_t i;

        for (i = 0; i < e->nnames; i++)
                if (strcmp(e->names[i], name) == 0)
                        return true;
        return false;
}

/* Watch directory path (a real path, no symlink in it) and mark it wanted.
 * 0 with *out set; 0 with *out NULL when it cannot be watched now (gone,
 * not a directory, not readable: what replaced it sends its own event, and
 * the scan reports what cannot be read); BERTH_EIO/BERTH_ENOMEM. */
static int fsw_watch_dir(struct fsw *w, struct fsw_watch **out, const char *path,
                         struct berth_err *err)
{
        struct fsw_watch *e, **grown;
        bool found;
        size_t i;
        int wd;

        *out = NULL;
        wd = inotify_add_watch(w->fd, path, FSW_MASK);
        if (wd < 0) {
                if (errno == ENOSPC)
                        return berth_err_set(err, BERTH_EIO,
                                             "cannot watch '%s': the inotify watch limit "
                                             "(fs.inotify.max_user_watches) is reached; raise it "
                                             "with sysctl",
                                             path);
                if (errno == ENOMEM)
                        return berth_err_set(err, BERTH_ENOMEM, "cannot watch '%s': %s", path,
                                             strerror(errno));
                return 0;
        }
        i = fsw_find(w, wd, &found);
        if (found) {
                e = w->v[i];
                if (strcmp(e->path, path) != 0) { /* renamed, or another name for it */
                        char *p = strdup(path);

                        if (!p)
                                return berth_err_set(err, BERTH_ENOMEM, "out of memory");
                        free(e->path);
                        e->path = p;
                }
        } else {
                if (w->n == w->cap) {
                        size_t cap = w->cap ? w->cap * 2 : 16;

                        grown = realloc(w->v, cap * sizeof(*grown));
                        if (!grown)
                                goto oom;
                        w->v = grown;
                        w->cap = cap;
                }
                e = calloc(1, sizeof(*e));
                if (!e || !(e->path = strdup(path))) {
                        free(e);
                        goto oom;
                }
                e->wd = wd;
                memmove(w->v + i + 1, w->v + i, (w->n - i) * sizeof(*w->v));
                w->v[i] = e;
                w->n++;
        }
        e->wanted = true;
        *out = e;
        return 0;
oom:
        inotify_rm_watch(w->fd, wd);
        return berth_err_set(err, BERTH_ENOMEM, "out of memory");
}

/* Watch dir for name (which matters whatever it is). */
static int fsw_watch_name(struct fsw *w, const char *dir, const char *name, struct berth_err *err)
{
        struct fsw_watch *e;
        char **grown;
        int r;

        r = fsw_watch_dir(w, &e, dir[0] ? dir : "/", err);
        if (r < 0 || !e || fsw_has_name(e, name))
                return r;
        if (e->nnames == e->capnames) {
                size_t cap = e->capnames ? e->capnames * 2 : 4;

                grown = realloc(e->names, cap * sizeof(*grown));
                if (!grown)
                        return berth_err_set(err, BERTH_ENOMEM, "out of memory");
                e->names = grown;
                e->capnames = cap;
        }
        if (!(e->names[e->nnames] = strdup(name)))
                return berth_err_set(err, BERTH_ENOMEM, "out of memory");
        e->nnames++;
        return 0;
}

/* Watch the directory holding real path p for name (NULL: p's own name). */
static int fsw_watch_beside(struct fsw *w, const char *p, const char *name, struct berth_err *err)
{
        const char *slash = strrchr(p, '/');
        char dir[PATH_MAX];

        if (!slash || !slash[1]) /* "/" itself has no parent to watch */
                return 0;
        if ((size_t)(slash - p) >= sizeof(dir))
                return 0;
        memcpy(dir, p, (size_t)(slash - p));
        dir[slash - p] = '\0';
        return fsw_watch_name(w, dir, name ? name : slash + 1, err);
}

/* Resolve w->root one component at a time, as the kernel does, watching
 * the directory that holds each symlink on the way (for the link's name)
 * and the one that holds the root's real path (for its name); when a
 * component is missing, the directory that should hold it.  On success
 * *real is the real path (caller frees) and *st its stat, or *real is NULL
 * when the root does not exist (yet) or cannot be resolved. */
static int fsw_resolve(struct fsw *w, char **real, struct stat *st, struct berth_err *err)
{
        char cur[PATH_MAX] = "", rest[PATH_MAX], next[PATH_MAX], target[PATH_MAX],
             comp[NAME_MAX + 1];
        const char *p;
        size_t len, links = 0;
        ssize_t n;
        int r;

        *real = NULL;
        if (strlen(w->root) >= sizeof(rest))
                return 0;
        strcpy(rest, w->root);
        for (;;) {
                for (p = rest; *p == '/'; p++)
                        ;
                if (!*p)
                        break;
                len = strcspn(p, "/");
                if (len > NAME_MAX)
                        return 0;
                memcpy(comp, p, len);
                comp[len] = '\0';
                memmove(rest, p + len, strlen(p + len) + 1);
                if (strcmp(comp, ".") == 0)
                        continue;
                if (strcmp(comp, "..") == 0) {
                        if (cur[0])
                                *strrchr(cur, '/') = '\0';
                        continue;
                }
                if ((size_t)snprintf(next, sizeof(next), "%s/%s", cur, comp) >= sizeof(next))
                        return 0;
                if (lstat(next, st) < 0 ||
                    (rest[strspn(rest, "/")] && !S_ISDIR(st->st_mode) && !S_ISLNK(st->st_mode))) {
                        /* missing, or not a directory where one should be: wait for it */
                        return fsw_watch_name(w, cur, comp, err);
                }
                if (S_ISLNK(st->st_mode)) {
                        r = fsw_watch_name(w, cur, comp, err);
                        if (r < 0)
                                return r;
                        n = readlink(next, target, sizeof(target) - 1);
                        if (n < 0 || ++links > FSW_MAX_LINKS)
                                return 0;
                        target[n] = '\0';
                        if ((size_t)n + 1 + strlen(rest) >= sizeof(rest))
                                return 0;
                        memmove(rest + n + 1, rest, strlen(rest) + 1);
                        memcpy(rest, target, (size_t)n);
                        rest[n] = '/';
                        if (target[0] == '/')
                                cur[0] = '\0';
                        continue;
                }
                strcpy(cur, next);
        }
        if (!cur[0]) /* the root is "/" */
                strcpy(cur, "/");
        else if ((r = fsw_watch_beside(w, cur, NULL, err)) < 0)
                return r;
        if (stat(cur, st) < 0)
                return 0;
        *real = strdup(cur);
        if (!*real)
                return berth_err_set(err, BERTH_ENOMEM, "out of memory");
        return 0;
}

static int fsw_walk(struct fsw *w, const char *dir, const char *root, unsigned depth,
                    struct berth_err *err);

/* A symlink in a tree directory that leads to a directory, or has a
 * manifest's name: its own name matters (replacing it changes what it
 * leads to), and what it leads to is watched as manifest_scan follows it,
 * when that is inside the root. */
static int fsw_follow(struct fsw *w, const char *dir, const char *name, const char *path,
                      const char *root, unsigned depth, struct berth_err *err)
{
        struct stat st;
        char *real;
        int r;

        if (stat(path, &st) < 0 || (!S_ISDIR(st.st_mode) && !manifest_name_is_manifest(name)))
                return 0;
        r = fsw_watch_name(w, dir, name, err);
        if (r < 0)
                return r;
        real = realpath(path, NULL);
        if (!real)
                return errno == ENOMEM ? berth_err_set(err, BERTH_ENOMEM, "out of memory") : 0;
        if (path_inside(root, real)) {
                if (S_ISDIR(st.st_mode))
                        r = fsw_walk(w, real, root, depth + 1, err);
                else if (S_ISREG(st.st_mode))
                        r = fsw_watch_beside(w, real, NULL, err);
        }
        free(real);
        return r;
}

/* Watch directory dir (a real path) of the tree under root, and below. */
static int fsw_walk(struct fsw *w, const char *dir, const char *root, unsigned depth,
                    struct berth_err *err)
{
        struct fsw_watch *e;
        struct dirent *de;
        struct stat st;
        DIR *d = NULL;
        char *child;
        int r, fd;

        r = fsw_watch_dir(w, &e, dir, err);
        /* a directory seen twice (a loop, or a second link to it) is walked once */
        if (r < 0 || !e || (e->flags & FSW_TREE))
                return r;
        e->flags |= FSW_TREE | (depth == 0 ? FSW_ROOT : 0);
        if (depth > FSW_MAX_DEPTH)
                return 0;
        /* watched before read: whatever appears after the read sends an event */
        fd = open(dir, O_RDONLY | O_DIRECTORY | O_CLOEXEC);
        if (fd < 0)
                return 0;
        d = fdopendir(fd);
        if (!d) {
                close(fd);
                return 0;
        }
        while (r == 0 && (de = readdir(d))) {
                if (manifest_name_ignored(de->d_name)) /* also "." and ".." */
                        continue;
                if (fstatat(dirfd(d), de->d_name, &st, AT_SYMLINK_NOFOLLOW) < 0)
                        continue;
                if (!S_ISDIR(st.st_mode) && !S_ISLNK(st.st_mode))
                        continue;
                child = path_join(dir, de->d_name);
                if (!child) {
                        r = berth_err_set(err, BERTH_ENOMEM, "out of memory");
                        break;
                }
                if (S_ISDIR(st.st_mode))
                        r = fsw_walk(w, child, root, depth + 1, err);
                else
                        r = fsw_follow(w, dir, de->d_name, child, root, depth, err);
                free(child);
        }
        closedir(d);
        return r;
}

static bool fsw_same_root(const struct fsw_root_id *a, const struct fsw_root_id *b)
{
        if (a->found != b->found)
                return false;
        return !a->found || (a->dev == b->dev && a->ino == b->ino && strcmp(a->real, b->real) == 0);
}

/* Bring the watch set in line with the tree as it is now.  overflow: the
 * events since the last sync are lost, which counts as a rebuild. */
static int fsw_sync(struct fsw *w, bool overflow, struct berth_err *err)
{
        struct fsw_root_id id = {0};
        struct stat st;
        size_t i;
        int r;

        for (i = 0; i < w->n; i++) {
                w->v[i]->wanted = false;
                w->v[i]->flags = 0;
                fsw_names_clear(w->v[i]);
        }
        w->pending = true;
        r = fsw_resolve(w, &id.real, &st, err);
        if (r < 0)
                goto out;
        if (id.real) {
                id.found = true;
                id.dev = st.st_dev;
                id.ino = st.st_ino;
        }
        if (id.real && S_ISDIR(st.st_mode)) {
                r = fsw_walk(w, id.real, id.real, 0, err);
        } else if (id.real) {
                /* a file root: its name (watched by fsw_resolve) and the .env beside it */
                r = fsw_watch_beside(w, id.real, ".env", err);
        }
        if (r < 0)
                goto out; /* keep every watch held: the next fsw_read tries again */
        for (i = w->n; i-- > 0;) {
                if (w->v[i]->wanted)
                        continue;
                inotify_rm_watch(w->fd, w->v[i]->wd); /* EINVAL when already gone */
                fsw_drop(w, i);
        }
        if (overflow || (w->id.real && !fsw_same_root(&w->id, &id)))
                w->st.rebuilds++;
        free(w->id.real);
        w->id = id;
        id.real = NULL;
        w->pending = false;
out:
        free(id.real);
        w->st.watches = w->n;
        return r;
}

enum fsw_link { FSW_NOT_LINK, FSW_LINK, FSW_LINK_DIR };

/* What name in e's directory is now: a new symlink may lead to a directory
 * or to a manifest elsewhere in the tree, and then the watches need a sync. */
static enum fsw_link fsw_link_kind(const struct fsw_watch *e, const char *name)
{
        char *path = path_join(e->path, name);
        enum fsw_link kind = FSW_NOT_LINK;
        struct stat st;

        if (!path)
                return FSW_LINK_DIR; /* a sync finds out */
        if (lstat(path, &st) == 0 && S_ISLNK(st.st_mode))
                kind = stat(path, &st) == 0 && S_ISDIR(st.st_mode) ? FSW_LINK_DIR : FSW_LINK;
        free(path);
        return kind;
}

/* One event: does it matter (returns true), does the watch set need a
 * sync (*sync set, never cleared)? */
/* "app.env": what env_file: entries are usually called (a dotfile such as
 * a subdirectory's .env is ignored before this). */
static bool name_is_env_file(const char *name)
{
        size_t n = strlen(name);

        return n > 4 && !strcmp(name + n - 4, ".env");
}

static bool fsw_event(struct fsw *w, const struct inotify_event *ev, bool *sync, bool *overflow)
{
        const uint32_t created = IN_CREATE | IN_MOVED_TO;
        struct fsw_watch *e;
        bool found, used;
        size_t i;

        if (ev->mask & IN_Q_OVERFLOW) {
                w->st.overflows++;
                *sync = *overflow = true;
                return true;
        }
        i = fsw_find(w, ev->wd, &found);
        if (!found)
                return false; /* a watch removed by a sync: its last events */
        e = w->v[i];
        used = e->flags || e->nnames; /* else left over from a sync that failed */
        if (ev->mask & IN_IGNORED) {  /* the kernel dropped the watch */
                fsw_drop(w, i);
                *sync = *sync || used;
                return used;
        }
        if (ev->mask & (IN_DELETE_SELF | IN_MOVE_SELF | IN_UNMOUNT)) {
                *sync = *sync || used;
                return used;
        }
        if (!ev->len || !ev->name[0])
                return false;
        if (fsw_has_name(e, ev->name)) {
                if (!(ev->mask & IN_CLOSE_WRITE))
                        *sync = true;
                return true;
        }
        if ((e->flags & FSW_ROOT) && strcmp(ev->name, ".env") == 0)
                return true;
        if (!(e->flags & FSW_TREE) || manifest_name_ignored(ev->name))
                return false;
        if (ev->mask & IN_ISDIR) {
                /* new directories may hold files written before their watch */
                *sync = true;
                return true;
        }
        if (manifest_name_is_manifest(ev->name) || name_is_env_file(ev->name)) {
                if ((ev->mask & created) && fsw_link_kind(e, ev->name) != FSW_NOT_LINK)
                        *sync = true;
                return true;
        }
        if ((ev->mask & created) && fsw_link_kind(e, ev->name) == FSW_LINK_DIR) {
                *sync = true;
                return true;
        }
        return false;
}

int fsw_read(struct fsw *w, int *changed, struct berth_err *err)
{
        bool relevant = false, sync = w->pending, overflow = false;
        const struct inotify_event *ev;
        ssize_t n;
        size_t off;
        int i, r = 0;

        for (i = 0; i < FSW_READS; i++) {
                n = read(w->fd, w->buf, sizeof(w->buf));
                if (n < 0 && errno == EINTR)
                        continue;
                if (n < 0 && errno == EAGAIN)
                        break;
                if (n <= 0) {
                        r = berth_err_set(err, BERTH_EIO, "cannot read inotify events for '%s': %s",
                                          w->root, n < 0 ? strerror(errno) : "end of file");
                        break;
                }
                for (off = 0; off + sizeof(*ev) <= (size_t)n; off += sizeof(*ev) + ev->len) {
                        ev = (const struct inotify_event *)(const void *)(w->buf + off);
                        w->st.events++;
                        if (fsw_event(w, ev, &sync, &overflow)) {
                                w->st.relevant++;
                                relevant = true;
                        }
                }
        }
        if (sync && r == 0)
                r = fsw_sync(w, overflow, err);
        else if (sync)
                w->pending = true;
        if (relevant || r < 0)
                *changed = 1;
        return r;
}

int fsw_open(struct fsw **out, const char *root, struct berth_err *err)
{
        char cwd[PATH_MAX];
        struct fsw *w;
        int r;

        *out = NULL;
        if (!root || !root[0])
                return berth_err_set(err, BERTH_EINVALID, "the manifest root is empty");
        w = calloc(1, sizeof(*w));
        if (!w)
                return berth_err_set(err, BERTH_ENOMEM, "out of memory");
        w->fd = -1;
        if (root[0] == '/') {
                w->root = strdup(root);
        } else if (!getcwd(cwd, sizeof(cwd))) {
                r = berth_err_set(err, BERTH_EIO,
                                  "cannot watch '%s': cannot get the working "
                                  "directory: %s",
                                  root, strerror(errno));
                goto fail;
        } else {
                w->root = path_join(cwd, root);
        }
        if (!w->root) {
                r = berth_err_set(err, BERTH_ENOMEM, "out of memory");
                goto fail;
        }
        w->fd = inotify_init1(IN_NONBLOCK | IN_CLOEXEC);
        if (w->fd < 0) {
                r = berth_err_set(err, BERTH_EIO, "cannot watch '%s': %s%s", root, strerror(errno),
                                  errno == EMFILE ? " (the inotify instance limit, "
                                                    "fs.inotify.max_user_instances, is reached)"
                                                  : "");
                goto fail;
        }
        r = fsw_sync(w, false, err);
        if (r < 0)
                goto fail;
        *out = w;
        return 0;
fail:
        fsw_free(w);
        return r;
}

void fsw_free(struct fsw *w)
{
        if (!w)
                return;
        while (w->n)
                fsw_drop(w, w->n - 1);
        free(w->v);
        if (w->fd >= 0)
                close(w->fd); /* drops every watch */
        free(w->id.real);
        free(w->root);
        free(w);
}

int fsw_fd(const struct fsw *w)
{
        return w->fd;
}

void fsw_stats(const struct fsw *w, struct fsw_stats *out)
{
        *out = w->st;
        out->watches = w->n;
}
