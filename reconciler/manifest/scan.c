/* scan.c - walk the manifest root (see manifest/scan.h for the rules). */
#include "manifest/scan.h"

#include <dirent.h>
#include <errno.h>
#include <fcntl.h>
#include <limits.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "common/err.h"
#include "manifest/diag.h"
#include "policy/trust.h"

/* Directories deeper than this below the root are refused: a manifest
 * tree is a few levels deep, and the walk holds one descriptor per level. */
#define SCAN_MAX_DEPTH 32

struct scan {
        struct manifest_list *out;
        struct diag_list *diags;
        const char *real_root; /* realpath of the root */
        char *show_root;       /* the root as written, trailing '/' cut; "" for "." */
        struct {
                dev_t dev;
                ino_t ino;
        } open_dirs[SCAN_MAX_DEPTH + 2]; /* the directories being walked */
        size_t depth;
        size_t errors;
        int oom;
        unsigned flags;
};

#define REFUSED_HINT " (or pass --insecure-manifests to accept it with a warning)"
#define ACCEPTED_HINT " (accepted because of --insecure-manifests)"

void manifest_list_init(struct manifest_list *l)
{
        memset(l, 0, sizeof(*l));
}

void manifest_list_release(struct manifest_list *l)
{
        size_t i;

        for (i = 0; i < l->n; i++) {
                free(l->v[i].path);
                free(l->v[i].rel);
                free(l->v[i].name);
        }
        for (i = 0; i < l->nrefused; i++) {
                free(l->refused[i].path);
                free(l->refused[i].rel);
                free(l->refused[i].name);
        }
        free(l->v);
        free(l->refused);
        free(l->real_dir);
        manifest_list_init(l);
}

static bool has_suffix(const char *s, const char *suffix)
{
        size_t n = strlen(s), m = strlen(suffix);

        return n >= m && memcmp(s + n - m, suffix, m) == 0;
}

bool manifest_name_ignored(const char *name)
{
        static const char *const leftovers[] = {"~", ".swp", ".swx", ".bak", ".tmp", NULL};
        const char *const *p;

        if (name[0] == '.' || strcmp(name, "4913") == 0)
                return true;
        for (p = leftovers; *p; p++)
                if (has_suffix(name, *p))
                        return true;
        return false;
}

bool manifest_name_is_manifest(const char *name)
{
        return !manifest_name_ignored(name) &&
               (has_suffix(name, ".yaml") || has_suffix(name, ".yml"));
}

/* a + "/" + b, or b alone when a is empty; NULL on ENOMEM */
static char *join(const char *a, const char *b)
{
        size_t la = strlen(a), lb = strlen(b);
        int slash = la && a[la - 1] != '/';
        char *s;

        if (!la)
                return strdup(b);
        s = malloc(la + (size_t)slash + lb + 1);
        if (!s)
                return NULL;
        memcpy(s, a, la);
        if (slash)
                s[la] = '/';
        memcpy(s + la + (size_t)slash, b, lb + 1);
        return s;
}

__attribute__((format(printf, 4, 5))) static void scan_diag(struct scan *s, enum diag_severity sev,
                                                            const char *rel, const char *fmt, ...)
{
        char *name =
            rel[0] ? join(s->show_root, rel) : strdup(s->show_root[0] ? s->show_root : ".");
        va_list ap;

        if (sev == DIAG_ERROR)
                s->errors++;
        va_start(ap, fmt);
        diag_addv(s->diags, sev, name ? name : rel, 0, 0, "", fmt, ap);
        va_end(ap);
        free(name);
}

static bool inside_root(const struct scan *s, const char *real)
{
        size_t n = strlen(s->real_root);

        if (strcmp(s->real_root, "/") == 0)
                return true;
        return strncmp(real, s->real_root, n) == 0 && (real[n] == '/' || real[n] == '\0');
}

static int file_push(struct manifest_file **v, size_t *n, size_t *cap, const char *rel,
                     const char *path, const char *name)
{
        struct manifest_file f;

        if (*n == *cap) {
                size_t grown = *cap ? *cap * 2 : 16;
                struct manifest_file *nv = realloc(*v, grown * sizeof(*nv));

                if (!nv)
                        return -1;
                *v = nv;
                *cap = grown;
        }
        f.path = strdup(path);
        f.rel = strdup(rel);
        f.name = strdup(name);
        if (!f.path || !f.rel || !f.name) {
                free(f.path);
                free(f.rel);
                free(f.name);
                return -1;
        }
        (*v)[(*n)++] = f;
        return 0;
}

static int add_file(struct scan *s, const char *rel, const char *path, const char *name)
{
        return file_push(&s->out->v, &s->out->n, &s->out->cap, rel, path, name);
}

static void scan_dir(struct scan *s, const char *rel);

/* false after refusing the entry rel (st: what it is, symlinks followed)
 * because another user could write it; with MANIFEST_SCAN_INSECURE only a
 * warning. */
static bool trusted(struct scan *s, const char *rel, const char *shown, const struct stat *st)
{
        char why[PATH_MAX + 256];

        if (!trust_stat_problem(why, sizeof(why), st, shown, TRUST_INSIDE))
                return true;
        if (s->flags & MANIFEST_SCAN_INSECURE) {
                scan_diag(s, DIAG_WARNING, rel, "%s" ACCEPTED_HINT, why);
                return true;
        }
        scan_diag(s, DIAG_ERROR, rel, "refused: %s" REFUSED_HINT, why);
        return false;
}

/* One directory entry; st is from lstat (symlinks not followed). */
static void scan_entry(struct scan *s, int dirfd, const char *name, const char *rel,
                       struct stat *st)
{
        bool is_manifest = manifest_name_is_manifest(name);
        size_t errors = s->errors;
        char *path = join(s->real_root, rel), *shown = join(s->show_root, rel), *real = NULL;
        char target[PATH_MAX];
        ssize_t n;
        size_t i;

        if (!path || !shown)
                goto oom;
        if (S_ISLNK(st->st_mode)) {
                if (fstatat(dirfd, name, st, 0) < 0) {
                        int e = errno;

                        if (is_manifest) {
                                n = readlinkat(dirfd, name, target, sizeof(target) - 1);
                                target[n < 0 ? 0 : n] = '\0';
                                scan_diag(s, DIAG_ERROR, rel,
                                          "symlink to '%s' cannot be followed: %s", target,
                                          strerror(e));
                        }
                        goto out;
                }
                if (!S_ISDIR(st->st_mode) && !is_manifest)
                        goto out;
                real = realpath(path, NULL);
                if (!real) {
                        if (errno == ENOMEM)
                                goto oom;
                        scan_diag(s, DIAG_ERROR, rel, "cannot resolve symlink: %s",
                                  strerror(errno));
                        goto out;
                }
                if (!inside_root(s, real)) {
                        scan_diag(s, DIAG_ERROR, rel,
                                  "symlink leads outside the manifest root (to '%s'); berth reads "
                                  "only files inside the root: move what it points to into the "
                                  "root, or remove the link",
                                  real);
                        goto out;
                }
        }
        if ((S_ISDIR(st->st_mode) || (is_manifest && S_ISREG(st->st_mode))) &&
            !trusted(s, rel, shown, st))
                goto out;
        if (S_ISDIR(st->st_mode)) {
                for (i = 0; i < s->depth; i++)
                        if (s->open_dirs[i].dev == st->st_dev && s->open_dirs[i].ino == st->st_ino)
                                break;
                if (i < s->depth) {
                        scan_diag(s, DIAG_WARNING, rel,
                                  "ignoring symlink loop: it leads back to a directory being "
                                  "scanned");
                        goto out;
                }
                if (s->depth > SCAN_MAX_DEPTH) {
                        scan_diag(s, DIAG_ERROR, rel,
                                  "directory is nested more than %d levels below the manifest root",
                                  SCAN_MAX_DEPTH);
                        goto out;
                }
                scan_dir(s, rel);
        } else if (is_manifest && S_ISREG(st->st_mode)) {
                if (add_file(s, rel, path, shown) < 0)
                        goto oom;
        } else if (is_manifest) {
                scan_diag(s, DIAG_ERROR, rel, "not a regular file");
        }
        goto out;
oom:
        s->oom = 1;
out:
        /* a manifest found and refused: its project is left alone */
        if (is_manifest && !S_ISDIR(st->st_mode) && s->errors > errors && !s->oom &&
            file_push(&s->out->refused, &s->out->nrefused, &s->out->refused_cap, rel, path, shown) <
                0)
                s->oom = 1;
        free(real);
        free(path);
        free(shown);
}

static int name_cmp(const void *a, const void *b)
{
        return strcmp(*(char *const *)a, *(char *const *)b);
}

/* The names in dir that are not ignored, sorted (so diagnostics come in
 * the same order on every file system); NULL with *n 0 on ENOMEM. */
static char **dir_names(struct scan *s, DIR *dir, const char *rel, size_t *n)
{
        char **v = NULL, **grown;
        size_t cap = 0;
        struct dirent *de;

        *n = 0;
        for (;;) {
                errno = 0;
                de = readdir(dir);
                if (!de) {
                        if (errno)
                                scan_diag(s, DIAG_ERROR, rel, "cannot read directory: %s",
                                          strerror(errno));
                        break;
                }
                if (manifest_name_ignored(de->d_name)) /* also "." and ".." */
                        continue;
                if (*n == cap) {
                        cap = cap ? cap * 2 : 32;
                        grown = realloc(v, cap * sizeof(*v));
                        if (!grown)
                                goto oom;
                        v = grown;
                }
                if (!(v[*n] = strdup(de->d_name)))
                        goto oom;
                (*n)++;
        }
        if (*n)
                qsort(v, *n, sizeof(*v), name_cmp);
        return v;
oom:
        s->oom = 1;
        while (*n)
                free(v[--*n]);
        free(v);
        return NULL;
}

static void scan_dir(struct scan *s, const char *rel)
{
        char *path = join(s->real_root, rel), *child, **names = NULL;
        size_t n = 0, i;
        struct stat st;
        DIR *dir = NULL;
        int fd = -1;

        if (!path) {
                s->oom = 1;
                return;
        }
        fd = open(path, O_RDONLY | O_DIRECTORY | O_CLOEXEC);
        if (fd < 0 || fstat(fd, &st) < 0 || !(dir = fdopendir(fd))) {
                scan_diag(s, DIAG_ERROR, rel, "cannot read directory: %s", strerror(errno));
                if (fd >= 0)
                        close(fd);
                goto out;
        }
        s->open_dirs[s->depth].dev = st.st_dev;
        s->open_dirs[s->depth].ino = st.st_ino;
        s->depth++;
        names = dir_names(s, dir, rel, &n);
        for (i = 0; i < n && !s->oom; i++) {
                if (fstatat(dirfd(dir), names[i], &st, AT_SYMLINK_NOFOLLOW) < 0)
                        continue; /* removed while we read the directory */
                child = join(rel, names[i]);
                if (!child) {
                        s->oom = 1;
                        break;
                }
                scan_entry(s, dirfd(dir), names[i], child, &st);
                free(child);
        }
        for (i = 0; i < n; i++)
                free(names[i]);
        free(names);
        s->depth--;
        closedir(dir);
out:
        free(path);
}

static int rel_cmp(const void *a, const void *b)
{
        return strcmp(((const struct manifest_file *)a)->rel,
                      ((const struct manifest_file *)b)->rel);
}

/* The root (a directory or a file) and the directories above it, which
 * decide what the whole tree holds: another user able to write one of them
 * is fatal (BERTH_EFORBIDDEN), or a warning with MANIFEST_SCAN_INSECURE. */
static int root_trusted(struct scan *s, const char *root, const char *real, const struct stat *st,
                        struct berth_err *err)
{
        char why[PATH_MAX + 256], bad[PATH_MAX], what[PATH_MAX + 64];
        const char *kind = S_ISDIR(st->st_mode) ? "manifest root" : "manifest";

        if (trust_stat_problem(why, sizeof(why), st, root, TRUST_INSIDE))
                snprintf(what, sizeof(what), "%s '%s'", kind, root);
        else if (trust_check_above(why, sizeof(why), bad, sizeof(bad), real))
                snprintf(what, sizeof(what), "directory '%s' (above the %s '%s')", bad, kind, root);
        else
                return 0;
        if (s->flags & MANIFEST_SCAN_INSECURE) {
                diag_add(s->diags, DIAG_WARNING, root, 0, 0, "", "%s is %s" ACCEPTED_HINT, what,
                         why);
                return 0;
        }
        return berth_err_set(err, BERTH_EFORBIDDEN, "%s is %s" REFUSED_HINT, what, why);
}

int manifest_scan(struct manifest_list *out, const char *root, unsigned flags,
                  struct diag_list *diags, struct berth_err *err)
{
        struct scan s = {.out = out, .diags = diags, .flags = flags};
        size_t from = diags->n, len, i;
        char *real = NULL;
        const char *base;
        struct stat st;
        int r = 0;

        if (stat(root, &st) < 0) {
                if (errno == ENOENT)
                        return berth_err_set(err, BERTH_ENOTFOUND,
                                             "manifest root '%s' does not exist", root);
                return berth_err_set(err, BERTH_EIO, "cannot read manifest root '%s': %s", root,
                                     strerror(errno));
        }
        if (!S_ISDIR(st.st_mode) && !S_ISREG(st.st_mode))
                return berth_err_set(err, BERTH_EIO,
                                     "manifest root '%s' is neither a directory nor a file", root);
        real = realpath(root, NULL);
        if (!real) {
                r = errno == ENOMEM ? BERTH_ENOMEM : BERTH_EIO;
                berth_err_set(err, r, "cannot resolve manifest root '%s': %s", root,
                              strerror(errno));
                goto out;
        }
        if ((r = root_trusted(&s, root, real, &st, err)) < 0)
                goto out;
        out->real_dir = strdup(real);
        if (!out->real_dir) {
                s.oom = 1;
                goto done;
        }
        if (S_ISREG(st.st_mode)) { /* "/a/b.yaml" -> "/a", "/b.yaml" -> "/" */
                char *slash = strrchr(out->real_dir, '/');

                slash[slash == out->real_dir] = '\0';
        }
        if (S_ISREG(st.st_mode)) {
                out->root_is_file = true;
                /* the name as given: a symlink's target may be called anything */
                base = strrchr(root, '/');
                if (add_file(&s, base ? base + 1 : root, real, root) < 0)
                        s.oom = 1;
                goto done;
        }
        s.real_root = real;
        s.show_root = strdup(strcmp(root, ".") == 0 || strcmp(root, "./") == 0 ? "" : root);
        if (!s.show_root) {
                s.oom = 1;
                goto done;
        }
        for (len = strlen(s.show_root); len > 1 && s.show_root[len - 1] == '/'; len--)
                s.show_root[len - 1] = '\0';
        scan_dir(&s, "");
        if (out->n > 1)
                qsort(out->v, out->n, sizeof(*out->v), rel_cmp);
done:
        if (s.oom) {
                manifest_list_release(out);
                r = berth_err_set(err, BERTH_ENOMEM, "out of memory scanning '%s'", root);
        } else if (s.errors) {
                for (i = from; i < diags->n; i++)
                        if (diags->v[i].severity == DIAG_ERROR)
                                break;
                r = i < diags->n ? diag_to_err(err, BERTH_EINVALID, &diags->v[i])
                                 : berth_err_set(err, BERTH_EINVALID, "cannot scan '%s'", root);
        }
out:
        free(s.show_root);
        free(real);
        return r;
}
