/* volumes: (short and long syntax), tmpfs: and devices: of a service, and
 * host paths made absolute the way Compose makes them. */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "common/arena.h"
#include "common/err.h"
#include "manifest/normalize_int.h"

/* ---- host paths ---- */

/* The components of in (absolute) with "." and ".." resolved, into out
 * (at least strlen(in) + 2 bytes). */
static void clean_path(char *out, const char *in)
{
        size_t n = 0, len;
        const char *p = in, *q;

        while (*p) {
                while (*p == '/')
                        p++;
                if (!*p)
                        break;
                q = strchr(p, '/');
                len = q ? (size_t)(q - p) : strlen(p);
                if (len == 2 && p[0] == '.' && p[1] == '.') {
                        while (n > 0 && out[n - 1] != '/')
                                n--;
                        if (n > 0)
                                n--;
                } else if (!(len == 1 && p[0] == '.')) {
                        out[n++] = '/';
                        memcpy(out + n, p, len);
                        n += len;
                }
                p += len;
        }
        if (n == 0)
                out[n++] = '/';
        out[n] = '\0';
}

char *nz_host_path(struct nz *z, const char *written, const struct doc_node *at, const char *path)
{
        const char *base = "", *rest = written;
        char *joined, *clean, *result;
        size_t len;

        if (written[0] == '~') {
                if (written[1] && written[1] != '/') {
                        nz_error(z, at, path,
                                 "'%s': ~user paths are not supported: write the absolute path",
                                 written);
                        return NULL;
                }
                if (!z->ctx->home || !*z->ctx->home) {
                        nz_error(z, at, path, "'%s' starts with ~ but HOME is not set", written);
                        return NULL;
                }
                base = z->ctx->home;
                rest = written + 1;
        } else if (written[0] != '/') {
                if (!z->ctx->dir || z->ctx->dir[0] != '/') {
                        nz_error(z, at, path,
                                 "'%s' is relative, but the manifest's directory is not known",
                                 written);
                        return NULL;
                }
                base = z->ctx->dir;
        }
        len = strlen(base) + strlen(rest) + 3;
        joined = malloc(len);
        clean = malloc(len);
        if (joined && clean) {
                snprintf(joined, len, "%s/%s", base, rest);
                clean_path(clean, joined);
                result = nz_strdup(z, clean);
        } else {
                z->nomem = 1;
                result = NULL;
        }
        free(joined);
        free(clean);
        return result;
}

/* ---- targets ---- */

/* target (a path in the container) cleaned the way Compose and the engine
 * clean it ("//" collapsed, "." and ".." resolved, no trailing "/"), in
 * the arena; NULL after an error (or out of memory). */
static char *clean_target(struct nz *z, const char *target, const struct doc_node *at,
                          const char *path)
{
        char *clean;

        if (target[0] != '/') {
                nz_error(z, at, path, "target '%s' must be an absolute path in the container",
                         target);
                return NULL;
        }
        if (!(clean = berth_arena_alloc(z->a, strlen(target) + 2))) {
                z->nomem = 1;
                return NULL;
        }
        clean_path(clean, target);
        if (strcmp(clean, "/") == 0) {
                nz_error(z, at, path, "cannot mount over the container's root directory");
                return NULL;
        }
        return clean;
}

/* -1 after reporting a target already used by one of s's mounts
 * (mounts[i] came from volumes[item[i]]). */
static int target_free(struct nz *z, const struct model_service *s, const size_t *item,
                       const char *target, const struct doc_node *at, const char *path)
{
        size_t i;

        for (i = 0; i < s->nmounts; i++)
                if (strcmp(s->mounts[i].target, target) == 0) {
                        nz_error(z, at, path, "target %s is already mounted by volumes[%zu]",
                                 target, item[i]);
                        return -1;
                }
        return 0;
}

static void add_mount(struct nz *z, struct model_service *s, size_t *item, size_t index,
                      const struct model_mount *m, const struct doc_node *at, const char *path)
{
        struct model_mount *v;

        char *target;

        if (!m->target || !(target = clean_target(z, m->target, at, path)) ||
            target_free(z, s, item, target, at, path) < 0)
                return;
        if (!(v = nz_grow(z, s->mounts, s->nmounts, sizeof(*v))))
                return;
        s->mounts = v;
        item[s->nmounts] = index;
        v[s->nmounts] = *m;
        v[s->nmounts++].target = target;
}

/* A named volume: it must be declared. */
static int volume_source(struct nz *z, struct model_mount *m, const char *name,
                         const struct doc_node *at, const char *path)
{
        const struct model_volume *vol = model_volume_find(z->p, name);

        if (!vol) {
                nz_error(z, at, path, "volume '%s' is not declared under the top-level volumes key",
                         name);
                return -1;
        }
        m->source = vol->engine_name;
        m->volume = vol->name;
        return 0;
}

static int is_propagation(const char *s)
{
        static const char *const v[] = {"rprivate", "private", "rshared", "shared",
                                        "rslave",   "slave",   NULL};
        const char *const *p;

        for (p = v; *p; p++)
                if (strcmp(s, *p) == 0)
                        return 1;
        return 0;
}

/* Is every comma-separated word of s a mode of the short syntax? */
static int all_modes(const char *s)
{
        static const char *const modes[] = {"ro",     "rw",       "z",       "Z",
                                            "nocopy", "rprivate", "private", "rshared",
                                            "shared", "rslave",   "slave",   NULL};
        const char *const *m;
        size_t len;

        for (;;) {
                len = strcspn(s, ",");
                for (m = modes; *m; m++)
                        if (strlen(*m) == len && strncmp(*m, s, len) == 0)
                                break;
                if (!*m)
                        return 0;
                if (!s[len])
                        return 1;
                s += len + 1;
        }
}

/* The modes after the second ':' ("ro,z"); -1 after an error. */
static int short_modes(struct nz *z, struct model_mount *m, const char *modes,
                       const struct doc_node *at, const char *path)
{
        char buf[128], *tok, *save = NULL;
        int rw = 0, ro = 0;

        if (strlen(modes) >= sizeof(buf)) {
                nz_error(z, at, path, "'%s' is not a volume mode", modes);
                return -1;
        }
        strcpy(buf, modes);
        for (tok = strtok_r(buf, ",", &save); tok; tok = strtok_r(NULL, ",", &save)) {
                if (strcmp(tok, "ro") == 0) {
                        ro = 1;
                } else if (strcmp(tok, "rw") == 0) {
                        rw = 1;
                } else if (strcmp(tok, "z") == 0 || strcmp(tok, "Z") == 0) {
                        nz_warn(z, at, path,
                                "ignored: '%s': berth does not relabel for SELinux; label the "
                                "host path yourself where SELinux is enforcing",
                                tok);
                } else if (strcmp(tok, "nocopy") == 0) {
                        if (m->type != MODEL_MOUNT_VOLUME) {
                                nz_error(z, at, path,
                                         "nocopy applies only to volumes, not to "
                                         "bind mounts");
                                return -1;
                        }
                        m->nocopy = 1;
                } else if (is_propagation(tok)) {
                        if (m->type != MODEL_MOUNT_BIND) {
                                nz_error(z, at, path,
                                         "propagation '%s' applies only to bind mounts", tok);
                                return -1;
                        }
                        m->propagation = nz_strdup(z, tok);
                } else {
                        nz_error(z, at, path,
                                 "'%s' is not a volume mode (ro, rw, nocopy, z, Z or a "
                                 "propagation)",
                                 tok);
                        return -1;
                }
        }
        if (ro && rw) {
                nz_error(z, at, path, "'%s' says both ro and rw", modes);
                return -1;
        }
        m->read_only = ro;
        return 0;
}

/* [SOURCE:]TARGET[:MODES] */
static void mount_short(struct nz *z, struct model_service *s, size_t *item, size_t index,
                        const struct doc_node *at, const char *path)
{
        struct model_mount m = {.tmpfs_size = MODEL_UNSET, .tmpfs_mode = MODEL_UNSET};
        const char *t = at->scalar.text, *c1 = strchr(t, ':'), *c2 = NULL;
        char *source = NULL, *modes = NULL;

        if (c1)
                c2 = strchr(c1 + 1, ':');
        if (c2 && strchr(c2 + 1, ':')) {
                nz_error(z, at, path, "'%s' is not a volume (expected [SOURCE:]TARGET[:MODE])", t);
                return;
        }
        if (!c1) { /* TARGET */
                m.target = nz_strdup(z, t);
        } else if (!c2 && all_modes(c1 + 1)) { /* TARGET:MODES */
                m.target = nz_strndup(z, t, (size_t)(c1 - t));
                modes = nz_strdup(z, c1 + 1);
        } else { /* SOURCE:TARGET[:MODES] */
                source = nz_strndup(z, t, (size_t)(c1 - t));
                m.target = c2 ? nz_strndup(z, c1 + 1, (size_t)(c2 - c1 - 1)) : nz_strdup(z, c1 + 1);
                modes = c2 ? nz_strdup(z, c2 + 1) : NULL;
        }
        if (!m.target || (c1 && !modes && !source))
                return; /* out of memory */
        if (source && !*source) {
                nz_error(z, at, path, "'%s' has an empty source before ':'", t);
                return;
        }
        if (!source) {
                m.type = MODEL_MOUNT_VOLUME; /* anonymous */
        } else if (strchr("/.~", source[0])) {
                m.type = MODEL_MOUNT_BIND;
                m.create_host_path = 1;
                if (!(m.source = nz_host_path(z, source, at, path)))
                        return;
        } else {
                m.type = MODEL_MOUNT_VOLUME;
                if (volume_source(z, &m, source, at, path) < 0)
                        return;
        }
        if (modes && short_modes(z, &m, modes, at, path) < 0)
                return;
        add_mount(z, s, item, index, &m, at, path);
}

/* type, source, target, read_only, bind, volume, tmpfs */
static void mount_long(struct nz *z, struct model_service *s, size_t *item, size_t index,
                       const struct doc_node *n, const char *path)
{
        static const char *const options[] = {"bind", "volume", "tmpfs"};
        struct model_mount m = {.tmpfs_size = MODEL_UNSET, .tmpfs_mode = MODEL_UNSET};
        const struct doc_node *v, *opt;
        const char *type, *source = NULL;
        char p[NZ_PATH], q[NZ_PATH];
        int b;
        size_t i;

        if (!(v = doc_map_get(n, "type"))) {
                nz_error(z, n, path,
                         "a volume in the long syntax needs a type (volume, bind or "
                         "tmpfs)");
                return;
        }
        if (!(type = nz_text(z, v, nz_key_path(p, path, "type"))))
                return;
        if (strcmp(type, "volume") == 0) {
                m.type = MODEL_MOUNT_VOLUME;
        } else if (strcmp(type, "bind") == 0) {
                m.type = MODEL_MOUNT_BIND;
        } else if (strcmp(type, "tmpfs") == 0) {
                m.type = MODEL_MOUNT_TMPFS;
        } else {
                nz_error(z, v, p, "'%s' is not a mount type berth supports (volume, bind or tmpfs)",
                         type);
                return;
        }
        for (i = 0; i < 3; i++)
                if (i != (size_t)(m.type == MODEL_MOUNT_BIND     ? 0
                                  : m.type == MODEL_MOUNT_VOLUME ? 1
                                                                 : 2) &&
                    (opt = doc_map_get(n, options[i]))) {
                        nz_error(z, opt, nz_key_path(p, path, options[i]),
                                 "%s options do not apply to a %s mount", options[i], type);
                        return;
                }
        if (!(v = doc_map_get(n, "target"))) {
                nz_error(z, n, path, "a volume needs a target (the path in the container)");
                return;
        }
        if (!(m.target = nz_text_dup(z, v, nz_key_path(p, path, "target"))))
                return;
        if ((v = doc_map_get(n, "source")) && !doc_scalar_is_null(v) &&
            !(source = nz_text(z, v, nz_key_path(p, path, "source"))))
                return;
        if (source && !*source)
                source = NULL;
        if ((v = doc_map_get(n, "read_only")) &&
            nz_bool(z, v, nz_key_path(p, path, "read_only"), &b) == 0)
                m.read_only = b;
        switch (m.type) {
        case MODEL_MOUNT_VOLUME:
                if (source && volume_source(z, &m, source, doc_map_get(n, "source"),
                                            nz_key_path(p, path, "source")) < 0)
                        return;
                if ((opt = doc_map_get(n, "volume")) &&
                    nz_is_map(z, opt, nz_key_path(p, path, "volume")) &&
                    (v = doc_map_get(opt, "nocopy")) &&
                    nz_bool(z, v, nz_key_path(q, p, "nocopy"), &b) == 0)
                        m.nocopy = b;
                break;
        case MODEL_MOUNT_BIND:
                if (!source) {
                        nz_error(z, n, path, "a bind mount needs a source (the host path)");
                        return;
                }
                if (!(m.source = nz_host_path(z, source, doc_map_get(n, "source"),
                                              nz_key_path(p, path, "source"))))
                        return;
                if (!(opt = doc_map_get(n, "bind")) ||
                    !nz_is_map(z, opt, nz_key_path(p, path, "bind")))
                        break;
                if ((v = doc_map_get(opt, "propagation")) &&
                    (m.propagation = nz_text_dup(z, v, nz_key_path(q, p, "propagation"))) &&
                    !is_propagation(m.propagation))
                        nz_error(z, v, q,
                                 "'%s' is not a propagation (rprivate, private, rshared, "
                                 "shared, rslave or slave)",
                                 m.propagation);
                if ((v = doc_map_get(opt, "create_host_path")) &&
                    nz_bool(z, v, nz_key_path(q, p, "create_host_path"), &b) == 0)
                        m.create_host_path = b;
                nz_ignored(z, opt, "selinux", p,
                           "berth does not relabel for SELinux; label the host path yourself "
                           "where SELinux is enforcing");
                break;
        case MODEL_MOUNT_TMPFS:
                if (source) {
                        nz_error(z, doc_map_get(n, "source"), nz_key_path(p, path, "source"),
                                 "a tmpfs mount has no source");
                        return;
                }
                if (!(opt = doc_map_get(n, "tmpfs")) ||
                    !nz_is_map(z, opt, nz_key_path(p, path, "tmpfs")))
                        break;
                if ((v = doc_map_get(opt, "size")))
                        nz_size(z, v, nz_key_path(q, p, "size"), &m.tmpfs_size);
                if ((v = doc_map_get(opt, "mode")) &&
                    nz_int(z, v, nz_key_path(q, p, "mode"), &m.tmpfs_mode) == 0 &&
                    (m.tmpfs_mode < 0 || m.tmpfs_mode > 07777)) {
                        nz_error(z, v, q, "%lld is not a file mode (0 to 0o7777)",
                                 (long long)m.tmpfs_mode);
                        m.tmpfs_mode = MODEL_UNSET;
                }
                break;
        }
        add_mount(z, s, item, index, &m, n, path);
}

void nz_mounts(struct nz *z, struct model_service *s, const struct doc_node *n, const char *path)
{
        char p[NZ_PATH];
        size_t *item, i;

        if (!nz_is_seq(z, n, path) || !n->seq.n)
                return;
        /* which volumes[] item each mount came from, for messages */
        if (!(item = berth_arena_alloc(z->a, n->seq.n * sizeof(*item)))) {
                z->nomem = 1;
                return;
        }
        z->mount_item = item;
        for (i = 0; i < n->seq.n; i++) {
                const struct doc_node *v = n->seq.v[i];

                nz_index_path(p, path, i);
                if (v->kind == DOC_MAP)
                        mount_long(z, s, item, i, v, p);
                else if (nz_text(z, v, p))
                        mount_short(z, s, item, i, v, p);
        }
}

void nz_tmpfs(struct nz *z, struct model_service *s, const struct doc_node *n, const char *path)
{
        char p[NZ_PATH];
        const char *t, *colon, *at = path;
        char *written, *target, *entry;
        size_t i, j, len;

        if (n->kind != DOC_SCALAR && !nz_is_seq(z, n, path))
                return;
        nz_strlist(z, n, path, &s->tmpfs, 1);
        for (i = 0; i < s->tmpfs.n; i++) {
                const struct doc_node *item = n->kind == DOC_SEQ ? n->seq.v[i] : n;

                if (n->kind == DOC_SEQ)
                        at = nz_index_path(p, path, i);
                t = s->tmpfs.v[i];
                colon = strchr(t, ':');
                if (!(written = nz_strndup(z, t, colon ? (size_t)(colon - t) : strlen(t))) ||
                    !(target = clean_target(z, written, item, at)) ||
                    (z->mount_item && target_free(z, s, z->mount_item, target, item, at) < 0))
                        continue;
                /* the cleaned target, with the options as written */
                if (!(entry = nz_printf(z, "%s%s", target, colon ? colon : "")))
                        continue;
                s->tmpfs.v[i] = entry;
                len = strlen(target);
                for (j = 0; j < i; j++)
                        if (strncmp(s->tmpfs.v[j], target, len) == 0 &&
                            (s->tmpfs.v[j][len] == '\0' || s->tmpfs.v[j][len] == ':')) {
                                nz_error(z, item, at, "target %s is already mounted by tmpfs[%zu]",
                                         target, j);
                                break;
                        }
        }
}

/* ---- devices ---- */

/* perm (n bytes) as cgroup device permissions: one or more of r, w and m,
 * each once; into out in that order ("mr" is "rm").  -1 when it is not. */
static int device_permissions(char out[4], const char *perm, size_t n)
{
        static const char order[] = "rwm";
        size_t i, k = 0;
        int seen[3] = {0, 0, 0};
        const char *c;

        if (n == 0 || n > 3)
                return -1;
        for (i = 0; i < n; i++) {
                if (!perm[i] || !(c = strchr(order, perm[i])) || seen[c - order]++)
                        return -1;
        }
        for (i = 0; i < 3; i++)
                if (seen[i])
                        out[k++] = order[i];
        out[k] = '\0';
        return 0;
}

/* path (n bytes, absolute) cleaned, in the arena; NULL when out of memory. */
static char *device_path(struct nz *z, const char *path, size_t n)
{
        char *written = nz_strndup(z, path, n), *clean;

        if (!written || !(clean = berth_arena_alloc(z->a, n + 2))) {
                z->nomem = 1;
                return NULL;
        }
        clean_path(clean, written);
        return clean;
}

/* One devices: entry, HOST[:CONTAINER[:PERMISSIONS]] (or HOST:PERMISSIONS,
 * as Docker reads it), at item i. */
static void device(struct nz *z, struct model_service *s, const char *t, size_t i,
                   const struct doc_node *at, const char *path)
{
        const char *part[3] = {t, NULL, NULL}, *c;
        size_t len[3], nparts = 1, k;
        struct model_device d = {.item = i}, *v;
        char perm[4] = "rwm";

        for (c = strchr(t, ':'); c && nparts < 3; c = strchr(c + 1, ':'))
                part[nparts++] = c + 1;
        if (c) {
                nz_error(z, at, path,
                         "'%s' has more than three parts: write HOST[:CONTAINER[:PERMISSIONS]] "
                         "(like /dev/sda:/dev/xvda:rw)",
                         t);
                return;
        }
        for (k = 0; k < nparts; k++)
                len[k] = k + 1 < nparts ? (size_t)(part[k + 1] - 1 - part[k]) : strlen(part[k]);
        if (part[0][0] != '/') {
                nz_error(z, at, path,
                         "'%s': the host path '%.*s' is not absolute: write the device from '/' "
                         "(like /dev/fuse)",
                         t, (int)len[0], part[0]);
                return;
        }
        if (nparts == 2 && part[1][0] != '/') {
                /* HOST:PERMISSIONS */
                if (device_permissions(perm, part[1], len[1]) < 0) {
                        nz_error(z, at, path,
                                 "'%s': '%s' is neither a path in the container (from '/') nor "
                                 "permissions (r, w and m): write HOST[:CONTAINER[:PERMISSIONS]]",
                                 t, part[1]);
                        return;
                }
                nparts = 1;
        }
        if (nparts > 1 && part[1][0] != '/') {
                nz_error(z, at, path,
                         "'%s': the container path '%.*s' is not absolute: write it from '/' (like "
                         "/dev/fuse:/dev/fuse)",
                         t, (int)len[1], part[1]);
                return;
        }
        if (nparts == 3 && device_permissions(perm, part[2], len[2]) < 0) {
                nz_error(z, at, path,
                         "'%s': '%s' are not device permissions: write one or more of r, w and m, "
                         "each once (like r, rw or rwm)",
                         t, part[2]);
                return;
        }
        if (!(d.host = device_path(z, part[0], len[0])) ||
            !(d.container = nparts > 1 ? device_path(z, part[1], len[1]) : d.host) ||
            !(d.permissions = nz_strdup(z, perm)))
                return;
        for (k = 0; k < s->ndevices; k++)
                if (!strcmp(s->devices[k].container, d.container)) {
                        nz_error(z, at, path,
                                 "%s in the container is already given by devices[%zu]",
                                 d.container, s->devices[k].item);
                        return;
                }
        if (!(v = nz_grow(z, s->devices, s->ndevices, sizeof(*v))))
                return;
        s->devices = v;
        v[s->ndevices++] = d;
}

/* The engine does not mind the order: by host path, then container path
 * (compose's order too), so that reordering them changes nothing. */
static int device_cmp(const void *a, const void *b)
{
        const struct model_device *x = a, *y = b;
        int c = strcmp(x->host, y->host);

        return c ? c : strcmp(x->container, y->container);
}

void nz_devices(struct nz *z, struct model_service *s, const struct doc_node *n, const char *path)
{
        char p[NZ_PATH];
        const char *t;
        size_t i;

        if (!nz_is_seq(z, n, path))
                return;
        for (i = 0; i < n->seq.n; i++)
                if ((t = nz_text(z, n->seq.v[i], nz_index_path(p, path, i))))
                        device(z, s, t, i, n->seq.v[i], p);
        nz_sort(s->devices, s->ndevices, sizeof(*s->devices), device_cmp);
}
