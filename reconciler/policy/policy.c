/* policy.c - the policy file and the gate's decisions (see policy/policy.h). */
#include "policy/policy.h"

#include <ctype.h>
#include <errno.h>
#include <fnmatch.h>
#include <limits.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>

#include "common/arena.h"
#include "common/err.h"
#include "manifest/diag.h"
#include "manifest/doc.h"
#include "policy/trust.h"

/* A policy file is a few lines; the manifest limits are far above it. */
#define POLICY_MAX_FILE_SIZE (1u << 20)

struct strs {
        char **v;
        size_t n;
};

struct policy_allow {
        const char *project, *service; /* globs; service NULL: every one */
        bool privileged;
        struct strs caps;    /* policy_cap_name() form; "ALL" allows any */
        struct strs ns;      /* host_namespaces: network, pid, ipc, userns */
        struct strs binds;   /* absolute, clean */
        struct strs devices; /* globs of absolute, clean paths */
        struct strs secopts; /* globs */
};

struct policy {
        struct berth_arena *a;
        char *file;
        struct policy_allow *allow;
        size_t nallow;
        struct strs roots; /* absolute, clean */
        bool roots_set;
        struct strs images; /* globs */
        bool images_set;
};

/* ---- names, paths ---------------------------------------------------- */

const char *policy_name(const struct policy *p, char *buf, size_t size)
{
        if (p)
                snprintf(buf, size, "the policy %s", p->file);
        else
                snprintf(buf, size, "the default policy");
        return buf;
}

char *policy_path_clean(char *path)
{
        char *out = path, *in = path, *seg;
        size_t len;

        /* out always ends without a '/' except for the root itself */
        *out++ = '/';
        while (*in) {
                while (*in == '/')
                        in++;
                if (!*in)
                        break;
                seg = in;
                while (*in && *in != '/')
                        in++;
                len = (size_t)(in - seg);
                if (len == 1 && seg[0] == '.')
                        continue;
                if (len == 2 && seg[0] == '.' && seg[1] == '.') {
                        while (out > path + 1 && out[-1] != '/')
                                out--;
                        if (out > path + 1)
                                out--;
                        continue;
                }
                if (out > path + 1)
                        *out++ = '/';
                memmove(out, seg, len);
                out += len;
        }
        *out = '\0';
        return path;
}

bool policy_path_within(const char *path, const char *dir)
{
        size_t n = strlen(dir);

        if (!strcmp(dir, "/"))
                return path[0] == '/';
        return !strncmp(path, dir, n) && (path[n] == '\0' || path[n] == '/');
}

/* ---- the built-in lists --------------------------------------------- */

/* moby oci/caps/defaults.go */
static const char *const default_caps[] = {
    "CHOWN",  "DAC_OVERRIDE", "FSETID",  "FOWNER",           "MKNOD",      "NET_RAW", "SETGID",
    "SETUID", "SETFCAP",      "SETPCAP", "NET_BIND_SERVICE", "SYS_CHROOT", "KILL",    "AUDIT_WRITE",
    NULL};

/* capabilities(7), Linux 5.9 */
static const char *const other_caps[] = {"DAC_READ_SEARCH",
                                         "LINUX_IMMUTABLE",
                                         "NET_BROADCAST",
                                         "NET_ADMIN",
                                         "IPC_LOCK",
                                         "IPC_OWNER",
                                         "SYS_MODULE",
                                         "SYS_RAWIO",
                                         "SYS_PTRACE",
                                         "SYS_PACCT",
                                         "SYS_ADMIN",
                                         "SYS_BOOT",
                                         "SYS_NICE",
                                         "SYS_RESOURCE",
                                         "SYS_TIME",
                                         "SYS_TTY_CONFIG",
                                         "LEASE",
                                         "AUDIT_CONTROL",
                                         "MAC_OVERRIDE",
                                         "MAC_ADMIN",
                                         "SYSLOG",
                                         "WAKE_ALARM",
                                         "BLOCK_SUSPEND",
                                         "AUDIT_READ",
                                         "PERFMON",
                                         "BPF",
                                         "CHECKPOINT_RESTORE",
                                         "ALL",
                                         NULL};

static bool in_list(const char *const *list, const char *s)
{
        for (; *list; list++)
                if (!strcmp(*list, s))
                        return true;
        return false;
}

const char *policy_cap_name(char *buf, size_t size, const char *written)
{
        size_t i;

        if (!strncasecmp(written, "CAP_", 4))
                written += 4;
        for (i = 0; written[i] && i + 1 < size; i++)
                buf[i] = (char)toupper((unsigned char)written[i]);
        buf[i] = '\0';
        return buf;
}

bool policy_cap_is_default(const char *cap)
{
        return in_list(default_caps, cap);
}

bool policy_cap_is_known(const char *cap)
{
        return in_list(default_caps, cap) || in_list(other_caps, cap);
}

const char *policy_security_opt_unconfining(const char *opt)
{
        size_t k = strcspn(opt, "=:");
        const char *v = opt[k] ? opt + k + 1 : "";

        if (k == 7 && !strncmp(opt, "seccomp", 7))
                return !strcmp(v, "unconfined")
                           ? "turns seccomp filtering off"
                           : "replaces Docker's seccomp profile, which may then allow any system "
                             "call";
        if (k == 8 && !strncmp(opt, "apparmor", 8) && !strcmp(v, "unconfined"))
                return "turns AppArmor confinement off";
        if (k == 5 && !strncmp(opt, "label", 5) && !strcmp(v, "disable"))
                return "turns SELinux confinement off";
        if (k == 5 && !strncmp(opt, "label", 5) && !strcmp(v, "type:spc_t"))
                return "runs the container as SELinux's super-privileged type";
        if (k == 11 && !strncmp(opt, "systempaths", 11) && !strcmp(v, "unconfined"))
                return "unmasks the /proc and /sys paths Docker hides";
        return NULL;
}

static const struct {
        const char *path, *what;
} system_paths[] = {
    {"/", "the host's root file system"},
    {"/etc", "the host's configuration"},
    {"/proc", "the host's processes and kernel settings"},
    {"/sys", "the host's kernel and devices"},
    {"/dev", "the host's devices"},
    {"/boot", "the host's kernel and boot loader"},
    {"/root", "root's home"},
    {"/usr", "the host's programs"},
    {"/bin", "the host's programs"},
    {"/sbin", "the host's programs"},
    {"/lib", "the host's libraries and kernel modules"},
    {"/lib32", "the host's libraries"},
    {"/lib64", "the host's libraries"},
    {"/libx32", "the host's libraries"},
    {"/var/run/docker.sock", "the Docker engine's socket"},
    {"/run/docker.sock", "the Docker engine's socket"},
    {"/var/lib/docker", "the Docker engine's data"},
    {"/run/docker", "the Docker engine's state"},
    {"/var/run/docker", "the Docker engine's state"},
    {"/run/containerd", "containerd's socket and state"},
    {"/var/run/containerd", "containerd's socket and state"},
    {"/var/lib/containerd", "containerd's data"},
    {"/run/dbus", "the host's system bus"},
    {"/var/run/dbus", "the host's system bus"},
    {"/run/systemd", "systemd's control sockets"},
    {"/var/run/systemd", "systemd's control sockets"},
};

/* Read-only, these are what containers commonly borrow from the host. */
static const char *const read_only_ok[] = {"/etc/localtime",
                                           "/etc/timezone",
                                           "/usr/share/zoneinfo",
                                           "/etc/ssl/certs",
                                           "/etc/ca-certificates",
                                           "/usr/share/ca-certificates",
                                           "/etc/pki/ca-trust/extracted",
                                           NULL};

bool policy_system_path(const char *path, bool read_only, const char **which, const char **what)
{
        const char *const *ok;
        size_t i, n = sizeof(system_paths) / sizeof(system_paths[0]);

        if (read_only)
                for (ok = read_only_ok; *ok; ok++)
                        if (policy_path_within(path, *ok))
                                return false;
        /* the path itself, or below one (the root only as itself) */
        for (i = n; i-- > 0;) {
                const char *sp = system_paths[i].path;

                if (!strcmp(sp, "/") ? !strcmp(path, "/") : policy_path_within(path, sp)) {
                        *which = sp;
                        *what = system_paths[i].what;
                        return true;
                }
        }
        /* above one */
        for (i = 1; i < n; i++) {
                if (policy_path_within(system_paths[i].path, path)) {
                        *which = system_paths[i].path;
                        *what = system_paths[i].what;
                        return true;
                }
        }
        return false;
}

/* ---- decisions -------------------------------------------------------- */

static bool glob(const char *pattern, const char *s)
{
        return fnmatch(pattern, s, 0) == 0;
}

/* Does the glob (of a clean absolute path) match path, or a directory
 * above it?  A '*' stops at '/': "/dev/tty*" matches /dev/ttyS0 and,
 * through /dev/ttyS0, anything below it, but not /dev/pts/0. */
static bool path_glob_within(const char *path, const char *pattern)
{
        char prefix[PATH_MAX];
        size_t n, len = strlen(path);

        if (len >= sizeof(prefix))
                return false;
        memcpy(prefix, path, len + 1);
        for (n = len; n > 0; n--) {
                if (n < len && path[n] != '/')
                        continue;
                prefix[n] = '\0';
                if (fnmatch(pattern, prefix, FNM_PATHNAME) == 0)
                        return true;
        }
        return fnmatch(pattern, "/", FNM_PATHNAME) == 0;
}

static bool entry_allows(const struct policy_allow *e, enum policy_power what, const char *detail)
{
        size_t i;

        switch (what) {
        case POLICY_PRIVILEGED:
                return e->privileged;
        case POLICY_CAPABILITY:
                for (i = 0; i < e->caps.n; i++)
                        if (!strcmp(e->caps.v[i], "ALL") || !strcmp(e->caps.v[i], detail))
                                return true;
                return false;
        case POLICY_HOST_NAMESPACE:
                for (i = 0; i < e->ns.n; i++)
                        if (!strcmp(e->ns.v[i], detail))
                                return true;
                return false;
        case POLICY_BIND_MOUNT:
                for (i = 0; i < e->binds.n; i++)
                        if (policy_path_within(detail, e->binds.v[i]))
                                return true;
                return false;
        case POLICY_SECURITY_OPT:
                for (i = 0; i < e->secopts.n; i++)
                        if (glob(e->secopts.v[i], detail))
                                return true;
                return false;
        case POLICY_DEVICE:
                for (i = 0; i < e->devices.n; i++)
                        if (path_glob_within(detail, e->devices.v[i]))
                                return true;
                return false;
        }
        return false;
}

bool policy_allows(const struct policy *p, const char *project, const char *service,
                   enum policy_power what, const char *detail)
{
        size_t i;

        if (!p)
                return false;
        for (i = 0; i < p->nallow; i++) {
                const struct policy_allow *e = &p->allow[i];

                if (glob(e->project, project) && (!e->service || glob(e->service, service)) &&
                    entry_allows(e, what, detail))
                        return true;
        }
        return false;
}

bool policy_bind_root_ok(const struct policy *p, const char *path)
{
        size_t i;

        if (!p || !p->roots_set)
                return true;
        for (i = 0; i < p->roots.n; i++)
                if (policy_path_within(path, p->roots.v[i]))
                        return true;
        return false;
}

static const char *join_list(const struct strs *l, char *buf, size_t size)
{
        size_t i, used = 0;

        buf[0] = '\0';
        for (i = 0; i < l->n && used < size; i++) {
                int w = snprintf(buf + used, size - used, "%s%s", i ? ", " : "", l->v[i]);

                if (w < 0)
                        break;
                used += (size_t)w;
        }
        return buf;
}

const char *policy_bind_roots(const struct policy *p, char *buf, size_t size)
{
        static const struct strs none;

        return join_list(p ? &p->roots : &none, buf, size);
}

const char *policy_images(const struct policy *p, char *buf, size_t size)
{
        static const struct strs none;

        return join_list(p ? &p->images : &none, buf, size);
}

/* ref without its tag or digest ("a/b:1" -> "a/b"), in buf. */
static const char *untagged(char *buf, size_t size, const char *ref)
{
        const char *slash = strrchr(ref, '/'), *at = strchr(ref, '@'), *colon;
        size_t n = strlen(ref);

        if (at)
                n = (size_t)(at - ref);
        colon = memchr(slash ? slash : ref, ':', n - (size_t)((slash ? slash : ref) - ref));
        if (colon)
                n = (size_t)(colon - ref);
        snprintf(buf, size, "%.*s", (int)n, ref);
        return buf;
}

/* ref as Docker reads it: "busybox" -> "docker.io/library/busybox:latest". */
static const char *qualified(char *buf, size_t size, const char *ref)
{
        const char *slash = strchr(ref, '/'), *rest = ref, *domain = "docker.io";
        char name[1024];
        int has_tag;

        if (slash && (memchr(ref, '.', (size_t)(slash - ref)) ||
                      memchr(ref, ':', (size_t)(slash - ref)) || !strncmp(ref, "localhost/", 10))) {
                snprintf(name, sizeof(name), "%.*s", (int)(slash - ref), ref);
                domain = name;
                rest = slash + 1;
                if (!strcmp(domain, "index.docker.io"))
                        domain = "docker.io";
        }
        untagged(buf, size, rest);
        has_tag = strlen(buf) != strlen(rest);
        return snprintf(buf, size, "%s/%s%s%s", domain,
                        !strcmp(domain, "docker.io") && !strchr(rest, '/') ? "library/" : "", rest,
                        has_tag ? "" : ":latest") < (int)size
                   ? buf
                   : ref;
}

bool policy_image_ok(const struct policy *p, const char *image)
{
        char full[1100], a[1100], b[1100];
        const char *forms[4];
        size_t i, k;

        if (!p || !p->images_set)
                return true;
        forms[0] = image;
        forms[1] = untagged(a, sizeof(a), image);
        forms[2] = qualified(full, sizeof(full), image);
        forms[3] = untagged(b, sizeof(b), full);
        for (i = 0; i < p->images.n; i++)
                for (k = 0; k < 4; k++)
                        if (glob(p->images.v[i], forms[k]))
                                return true;
        return false;
}

/* ---- loading ---------------------------------------------------------- */

struct loader {
        struct policy *p;
        struct diag_list *diags;
        size_t errors;
        int nomem;
};

__attribute__((format(printf, 4, 5))) static void fail(struct loader *l, const struct doc_node *at,
                                                       const char *path, const char *fmt, ...)
{
        va_list ap;

        l->errors++;
        va_start(ap, fmt);
        diag_addv(l->diags, DIAG_ERROR, l->p->file, at ? at->pos.line : 0, at ? at->pos.col : 0,
                  path, fmt, ap);
        va_end(ap);
}

/* "a mapping", "a list", "the integer 5", "the string \"x\"", "null", in
 * buf (for "expected ..., got ..."). */
static const char *what_is(char *buf, size_t size, const struct doc_node *n)
{
        enum doc_type t;

        if (n->kind != DOC_SCALAR)
                return n->kind == DOC_MAP ? "a mapping" : "a list";
        t = doc_scalar_type(n);
        if (t == DOC_T_NULL)
                return "null";
        snprintf(buf, size, t == DOC_T_STR ? "the %s \"%.64s\"" : "the %s %.64s", doc_type_name(t),
                 n->scalar.text);
        return buf;
}

/* A string scalar, or NULL after an error. */
static const char *text(struct loader *l, const struct doc_node *n, const char *path)
{
        char buf[128];

        if (n->kind != DOC_SCALAR || doc_scalar_type(n) != DOC_T_STR) {
                fail(l, n, path, "expected a string, got %s", what_is(buf, sizeof(buf), n));
                return NULL;
        }
        if (!n->scalar.len) {
                fail(l, n, path, "expected a string, got an empty one");
                return NULL;
        }
        return n->scalar.text;
}

static void add_str(struct loader *l, struct strs *s, const char *v)
{
        char **grown = berth_arena_grow(l->p->a, s->v, s->n, s->n + 1, sizeof(*s->v));
        char *copy = berth_arena_strdup(l->p->a, v);

        if (!grown || !copy) {
                l->nomem = 1;
                return;
        }
        s->v = grown;
        s->v[s->n++] = copy;
}

enum item_kind { ITEM_GLOB, ITEM_PATH, ITEM_CAP, ITEM_NAMESPACE };

/* A list of strings into out, each checked as kind says.  An empty list is
 * an error when empty_why says why. */
static void string_list(struct loader *l, const struct doc_node *n, const char *path,
                        enum item_kind kind, struct strs *out, const char *empty_why)
{
        char p[512], buf[PATH_MAX];
        const char *t;
        size_t i;

        if (n->kind != DOC_SEQ) {
                fail(l, n, path, "expected a list, got %s", what_is(buf, sizeof(buf), n));
                return;
        }
        if (!n->seq.n && empty_why)
                fail(l, n, path, "%s", empty_why);
        for (i = 0; i < n->seq.n; i++) {
                snprintf(p, sizeof(p), "%s[%zu]", path, i);
                if (!(t = text(l, n->seq.v[i], p)))
                        continue;
                switch (kind) {
                case ITEM_GLOB:
                        add_str(l, out, t);
                        break;
                case ITEM_PATH:
                        if (t[0] != '/' || strlen(t) >= sizeof(buf)) {
                                fail(l, n->seq.v[i], p,
                                     "'%s' is not an absolute path: write it from '/'", t);
                                break;
                        }
                        strcpy(buf, t);
                        add_str(l, out, policy_path_clean(buf));
                        break;
                case ITEM_CAP:
                        policy_cap_name(buf, sizeof(buf), t);
                        if (policy_cap_is_known(buf))
                                add_str(l, out, buf);
                        else
                                fail(l, n->seq.v[i], p,
                                     "'%s' is not a Linux capability (see capabilities(7); ALL "
                                     "allows every one)",
                                     t);
                        break;
                case ITEM_NAMESPACE:
                        if (!strcmp(t, "network") || !strcmp(t, "pid") || !strcmp(t, "ipc") ||
                            !strcmp(t, "userns"))
                                add_str(l, out, t);
                        else
                                fail(l, n->seq.v[i], p,
                                     "'%s' is not a namespace berth can share: write network, "
                                     "pid, ipc or userns",
                                     t);
                        break;
                }
        }
}

/* A string in the policy's arena, or NULL after an error. */
static const char *glob_copy(struct loader *l, const struct doc_node *n, const char *path)
{
        const char *t = text(l, n, path);
        char *copy = t ? berth_arena_strdup(l->p->a, t) : NULL;

        if (t && !copy)
                l->nomem = 1;
        return copy;
}

static void allow_entry(struct loader *l, struct policy_allow *e, const struct doc_node *n,
                        const char *path)
{
        static const char keys[] = "project, service, privileged, capabilities, host_namespaces, "
                                   "bind_mounts, devices or security_opt";
        char p[512], buf[128];
        const char *key;
        size_t i;
        bool b;

        if (n->kind != DOC_MAP) {
                fail(l, n, path, "expected a mapping (project, service and what to allow), got %s",
                     what_is(buf, sizeof(buf), n));
                return;
        }
        for (i = 0; i < n->map.n; i++) {
                const struct doc_node *k = n->map.v[i].key, *v = n->map.v[i].value;

                key = k->scalar.text;
                snprintf(p, sizeof(p), "%s.%s", path, key);
                if (!strcmp(key, "project")) {
                        e->project = glob_copy(l, v, p);
                } else if (!strcmp(key, "service")) {
                        e->service = glob_copy(l, v, p);
                } else if (!strcmp(key, "privileged")) {
                        if (v->kind != DOC_SCALAR || doc_scalar_bool(v, &b) != DOC_CONV_OK)
                                fail(l, v, p, "expected true or false, got %s",
                                     what_is(buf, sizeof(buf), v));
                        else
                                e->privileged = b;
                } else if (!strcmp(key, "capabilities")) {
                        string_list(l, v, p, ITEM_CAP, &e->caps, NULL);
                } else if (!strcmp(key, "host_namespaces")) {
                        string_list(l, v, p, ITEM_NAMESPACE, &e->ns, NULL);
                } else if (!strcmp(key, "bind_mounts")) {
                        string_list(l, v, p, ITEM_PATH, &e->binds, NULL);
                } else if (!strcmp(key, "devices")) {
                        string_list(l, v, p, ITEM_PATH, &e->devices, NULL);
                } else if (!strcmp(key, "security_opt")) {
                        string_list(l, v, p, ITEM_GLOB, &e->secopts, NULL);
                } else {
                        fail(l, k, p, "unknown key '%s' (an allow entry has %s)", key, keys);
                }
        }
        if (!doc_map_get(n, "project"))
                fail(l, n, path,
                     "an allow entry needs a project: its name, or a glob such as \"team-*\" or "
                     "\"*\"");
}

static void allow_list(struct loader *l, const struct doc_node *n)
{
        char p[64];
        size_t i;

        if (n->kind != DOC_SEQ) {
                fail(l, n, "allow", "expected a list of allow entries, got %s",
                     what_is(p, sizeof(p), n));
                return;
        }
        l->p->allow = berth_arena_alloc(l->p->a, (n->seq.n ? n->seq.n : 1) * sizeof(*l->p->allow));
        if (!l->p->allow) {
                l->nomem = 1;
                return;
        }
        for (i = 0; i < n->seq.n; i++) {
                snprintf(p, sizeof(p), "allow[%zu]", i);
                allow_entry(l, &l->p->allow[l->p->nallow++], n->seq.v[i], p);
        }
}

static void policy_tree(struct loader *l, const struct doc_node *root)
{
        char buf[128];
        size_t i;

        if (root->kind != DOC_MAP) {
                fail(l, root, "", "expected a mapping with allow, bind_roots and images, got %s",
                     what_is(buf, sizeof(buf), root));
                return;
        }
        for (i = 0; i < root->map.n; i++) {
                const struct doc_node *k = root->map.v[i].key, *v = root->map.v[i].value;
                const char *key = k->scalar.text;

                if (strcmp(key, "allow") && strcmp(key, "bind_roots") && strcmp(key, "images"))
                        fail(l, k, key,
                             "unknown key '%s' (a policy has allow, bind_roots and images)", key);
                else if (doc_scalar_is_null(v))
                        continue; /* written without a value: not set */
                else if (!strcmp(key, "allow"))
                        allow_list(l, v);
                else if (!strcmp(key, "bind_roots"))
                        string_list(l, v, key, ITEM_PATH, &l->p->roots,
                                    "an empty list allows no bind mount at all: list the "
                                    "directories bind mounts may come from, or remove the key");
                else
                        string_list(l, v, key, ITEM_GLOB, &l->p->images,
                                    "an empty list allows no image at all: list patterns such as "
                                    "\"registry.example.com/*\", or remove the key");
        }
        l->p->roots_set =
            doc_map_get(root, "bind_roots") && !doc_scalar_is_null(doc_map_get(root, "bind_roots"));
        l->p->images_set =
            doc_map_get(root, "images") && !doc_scalar_is_null(doc_map_get(root, "images"));
}

/* The file and the directories above it must be trusted. */
static int policy_trusted(const char *path, unsigned flags, struct diag_list *diags,
                          struct berth_err *err)
{
        char why[PATH_MAX + 256], bad[PATH_MAX], what[PATH_MAX + 64], *real = NULL;
        struct stat st;
        int r = 0;

        if (stat(path, &st) < 0)
                return errno == ENOENT
                           ? berth_err_set(err, BERTH_ENOTFOUND, "policy file '%s' does not exist",
                                           path)
                           : berth_err_set(err, BERTH_EIO, "cannot read policy file '%s': %s", path,
                                           strerror(errno));
        if (!S_ISREG(st.st_mode))
                return berth_err_set(err, BERTH_EIO, "policy file '%s' is not a regular file",
                                     path);
        real = realpath(path, NULL);
        if (!real)
                return berth_err_set(err, BERTH_EIO, "cannot resolve policy file '%s': %s", path,
                                     strerror(errno));
        if (trust_stat_problem(why, sizeof(why), &st, path, TRUST_INSIDE))
                snprintf(what, sizeof(what), "policy file '%s'", path);
        else if (trust_check_above(why, sizeof(why), bad, sizeof(bad), real))
                snprintf(what, sizeof(what), "directory '%s' (above the policy file '%s')", bad,
                         path);
        else
                goto out;
        if (flags & POLICY_LOAD_INSECURE)
                diag_add(diags, DIAG_WARNING, path, 0, 0, "",
                         "%s is %s (accepted because of --insecure-manifests)", what, why);
        else
                r = berth_err_set(err, BERTH_EFORBIDDEN,
                                  "%s is %s (or pass --insecure-manifests to accept it with a "
                                  "warning)",
                                  what, why);
out:
        free(real);
        return r;
}

int policy_load(struct policy **out, const char *path, unsigned flags, struct diag_list *diags,
                struct berth_err *err)
{
        struct doc_limits lim = {.max_file_size = POLICY_MAX_FILE_SIZE};
        struct loader l = {.diags = diags};
        size_t errors = diag_list_errors(diags), before, i;
        struct doc *d = NULL;
        int r;

        *out = NULL;
        if ((r = policy_trusted(path, flags, diags, err)) < 0)
                return r;
        l.p = calloc(1, sizeof(*l.p));
        if (!l.p || !(l.p->a = berth_arena_new()) ||
            !(l.p->file = berth_arena_strdup(l.p->a, path))) {
                r = berth_err_set(err, BERTH_ENOMEM, "out of memory reading '%s'", path);
                goto out;
        }
        before = diags->n;
        r = doc_load_file(&d, path, path, &lim, diags, err);
        if (r == BERTH_ENOMEM)
                goto out;
        if (d && d->root && diag_list_errors(diags) == errors) {
                policy_tree(&l, d->root);
        } else if (diag_list_errors(diags) == errors) {
                /* the YAML layer calls it an empty manifest */
                diag_list_truncate(diags, before);
                diag_add(diags, DIAG_WARNING, path, 0, 0, "",
                         "empty policy file: nothing is allowed (the default policy)");
        }
        if (l.nomem) {
                r = berth_err_set(err, BERTH_ENOMEM, "out of memory reading '%s'", path);
                goto out;
        }
        if (diag_list_errors(diags) > errors) {
                for (i = 0; i < diags->n; i++)
                        if (diags->v[i].severity == DIAG_ERROR)
                                break;
                r = i < diags->n ? diag_to_err(err, BERTH_EINVALID, &diags->v[i])
                                 : berth_err_set(err, BERTH_EINVALID, "%s: invalid policy", path);
                goto out;
        }
        *out = l.p;
        l.p = NULL;
        r = 0;
out:
        doc_free(d);
        policy_free(l.p);
        return r;
}

void policy_free(struct policy *p)
{
        if (!p)
                return;
        berth_arena_free(p->a);
        free(p);
}
