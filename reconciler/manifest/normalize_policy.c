/* The policy gate on one normalized service (policy/policy.h decides, this
 * file points at the keys that ask), and the trust of env files. */
#include <limits.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>

#include "manifest/diag.h"
#include "manifest/normalize_int.h"
#include "policy/policy.h"
#include "policy/trust.h"

struct gate {
        struct nz *z;
        const struct policy *policy;
        const char *project, *service;
        char name[PATH_MAX + 32]; /* "the default policy", "the policy FILE" */
};

/* The error for a refused power: what, then how to allow it (allow is
 * the allow entry's line that would, e.g. "privileged: true"). */
__attribute__((format(printf, 5, 6))) static void refuse(struct gate *g, const struct doc_node *at,
                                                         const char *path, const char *allow,
                                                         const char *fmt, ...)
{
        char what[1024];
        va_list ap;

        va_start(ap, fmt);
        vsnprintf(what, sizeof(what), fmt, ap);
        va_end(ap);
        if (g->policy)
                nz_error(g->z, at, path,
                         "%s is refused by %s: to allow it, add \"%s\" to an allow entry there for "
                         "project '%s', service '%s'",
                         what, g->name, allow, g->project, g->service);
        else
                nz_error(g->z, at, path,
                         "%s is refused by the default policy: to allow it, write a policy file "
                         "with an allow entry for project '%s', service '%s' that has \"%s\", and "
                         "pass it with --policy (README \"Policy\")",
                         what, g->project, g->service, allow);
}

static bool allowed(const struct gate *g, enum policy_power what, const char *detail)
{
        return policy_allows(g->policy, g->project, g->service, what, detail);
}

static void privileged(struct gate *g, const struct model_service *s, const struct doc_node *svc,
                       const char *path)
{
        const struct doc_pair *pair = doc_map_find(svc, "privileged");
        char p[NZ_PATH];

        if (s->privileged && !allowed(g, POLICY_PRIVILEGED, ""))
                refuse(g, pair ? pair->key : svc, nz_key_path(p, path, "privileged"),
                       "privileged: true", "privileged mode (every power of the host's root)");
}

static void capabilities(struct gate *g, const struct doc_node *svc, const char *path)
{
        const struct doc_node *n = doc_map_get(svc, "cap_add");
        char p[NZ_PATH], q[NZ_PATH], cap[64], allow[128];
        size_t i;

        if (!n || n->kind != DOC_SEQ)
                return;
        nz_key_path(p, path, "cap_add");
        for (i = 0; i < n->seq.n; i++) {
                const struct doc_node *item = n->seq.v[i];

                if (item->kind != DOC_SCALAR)
                        continue; /* normalize said so */
                policy_cap_name(cap, sizeof(cap), item->scalar.text);
                nz_index_path(q, p, i);
                if (!policy_cap_is_known(cap)) {
                        nz_error(g->z, item, q,
                                 "'%s' is not a Linux capability: correct the name (see "
                                 "capabilities(7))",
                                 item->scalar.text);
                } else if (!policy_cap_is_default(cap) && !allowed(g, POLICY_CAPABILITY, cap)) {
                        snprintf(allow, sizeof(allow), "capabilities: [%s]", cap);
                        refuse(g, item, q, allow, "capability %s (%s)", cap,
                               !strcmp(cap, "ALL") ? "every capability the kernel has"
                                                   : "not in Docker's default set");
                }
        }
}

static void network_mode(struct gate *g, const struct model_service *s, const struct doc_node *svc,
                         const char *path)
{
        const struct doc_pair *pair = doc_map_find(svc, "network_mode");
        const struct doc_node *o;
        char p[NZ_PATH];
        const char *what;

        if (!s->network_mode || !pair || allowed(g, POLICY_HOST_NAMESPACE, "network"))
                return;
        if (!strcmp(s->network_mode, "host")) {
                what = "the host's network namespace (network_mode: host)";
        } else if (!strncmp(s->network_mode, "container:", 10)) {
                what = "the network namespace of a container berth does not manage, which may be "
                       "the host's (network_mode: container:...)";
        } else if (!strncmp(s->network_mode, "service:", 8)) {
                /* the other service may come later in the file: read its key */
                o = doc_map_get(g->z->services, s->network_mode + 8);
                o = o && o->kind == DOC_MAP ? doc_map_get(o, "network_mode") : NULL;
                if (!o || o->kind != DOC_SCALAR || strcmp(o->scalar.text, "host"))
                        return;
                what = "the host's network namespace, through a service on the host network";
        } else {
                return;
        }
        refuse(g, pair->key, nz_key_path(p, path, "network_mode"), "host_namespaces: [network]",
               "%s", what);
}

/* pid, ipc and userns_mode: "host" shares the host's namespace (the
 * other ipc modes are the container's own). */
static void namespaces(struct gate *g, const struct model_service *s, const struct doc_node *svc,
                       const char *path)
{
        static const struct {
                const char *key;  /* in the manifest */
                const char *name; /* in host_namespaces */
                const char *what;
        } ns[] = {
            {"pid", "pid",
             "the host's PID namespace (pid: host; the container sees and can signal every "
             "process of the host)"},
            {"ipc", "ipc",
             "the host's IPC namespace (ipc: host; the container shares the host's shared memory, "
             "semaphores and message queues)"},
            {"userns_mode", "userns",
             "the host's user namespace (userns_mode: host; the engine's user namespace "
             "remapping is off for the container)"},
        };
        const char *const modes[] = {s->pid, s->ipc, s->userns_mode};
        const struct doc_pair *pair;
        char p[NZ_PATH], allow[64];
        size_t i;

        for (i = 0; i < sizeof(ns) / sizeof(ns[0]); i++) {
                if (!modes[i] || strcmp(modes[i], "host") ||
                    allowed(g, POLICY_HOST_NAMESPACE, ns[i].name))
                        continue;
                pair = doc_map_find(svc, ns[i].key);
                snprintf(allow, sizeof(allow), "host_namespaces: [%s]", ns[i].name);
                refuse(g, pair ? pair->key : svc, nz_key_path(p, path, ns[i].key), allow, "%s",
                       ns[i].what);
        }
}

/* Device permissions in words: "rw" is "read and write". */
static const char *access_words(char *buf, size_t size, const char *perm)
{
        static const char *const words[] = {"read", "write", "mknod"};
        const char *w[3];
        size_t n = 0, i;

        for (i = 0; i < 3; i++)
                if (strchr(perm, "rwm"[i]))
                        w[n++] = words[i];
        if (n == 3)
                snprintf(buf, size, "%s, %s and %s", w[0], w[1], w[2]);
        else if (n == 2)
                snprintf(buf, size, "%s and %s", w[0], w[1]);
        else
                snprintf(buf, size, "%s", n ? w[0] : "no");
        return buf;
}

/* Every device is refused unless an allow entry names it. */
static void devices(struct gate *g, const struct model_service *s, const struct doc_node *svc,
                    const char *path)
{
        const struct doc_node *n = doc_map_get(svc, "devices"), *at;
        char p[NZ_PATH], q[NZ_PATH], allow[PATH_MAX + 32], access[32];
        size_t i;

        nz_key_path(p, path, "devices");
        for (i = 0; i < s->ndevices; i++) {
                const struct model_device *d = &s->devices[i];

                if (allowed(g, POLICY_DEVICE, d->host))
                        continue;
                at = n && n->kind == DOC_SEQ && d->item < n->seq.n ? n->seq.v[d->item] : svc;
                snprintf(allow, sizeof(allow), "devices: [%s]", d->host);
                refuse(g, at, nz_index_path(q, p, d->item), allow,
                       "the host's device %s (%s access)", d->host,
                       access_words(access, sizeof(access), d->permissions));
        }
}

static void security_opt(struct gate *g, const struct doc_node *svc, const char *path)
{
        const struct doc_node *n = doc_map_get(svc, "security_opt");
        char p[NZ_PATH], q[NZ_PATH], allow[600];
        const char *why;
        size_t i;

        if (!n || n->kind != DOC_SEQ)
                return;
        nz_key_path(p, path, "security_opt");
        for (i = 0; i < n->seq.n; i++) {
                const struct doc_node *item = n->seq.v[i];

                if (item->kind != DOC_SCALAR ||
                    !(why = policy_security_opt_unconfining(item->scalar.text)) ||
                    allowed(g, POLICY_SECURITY_OPT, item->scalar.text))
                        continue;
                snprintf(allow, sizeof(allow), "security_opt: ['%.500s']", item->scalar.text);
                refuse(g, item, nz_index_path(q, p, i), allow, "security_opt '%s' (it %s)",
                       item->scalar.text, why);
        }
}

enum verdict { REFUSED, PASSED, ALLOWED }; /* ALLOWED: by an allow entry */

/* Is src inside the manifest root's directory (the operator's own, trusted
 * tree: "./config" beside the manifest), when that directory is no system
 * path and holds none?  A root below one (/root/deploy/manifests) is
 * fine; "-f /" or "-f /etc" exempts nothing. */
static bool in_manifest_tree(const struct gate *g, const char *src)
{
        const char *root = g->z->ctx->root_dir, *which, *what;

        if (!root || !policy_path_within(src, root))
                return false;
        if (policy_system_path(root, false, &which, &what) &&
            (!strcmp(which, root) || !policy_path_within(root, which)))
                return false;
        return true;
}

/* One host path a mount takes (src, absolute and clean; via: how it gets
 * there, for messages: "bind mount of", "volume 'x' binding"). */
static enum verdict host_path(struct gate *g, const char *src, bool read_only, const char *via,
                              const struct doc_node *at, const char *path)
{
        const char *which, *what;
        char allow[PATH_MAX + 32], roots[1024];

        if (allowed(g, POLICY_BIND_MOUNT, src))
                return ALLOWED;
        snprintf(allow, sizeof(allow), "bind_mounts: [%s]", src);
        if (!in_manifest_tree(g, src) && policy_system_path(src, read_only, &which, &what)) {
                if (!strcmp(which, src))
                        refuse(g, at, path, allow, "%s %s (%s)", via, src, what);
                else if (policy_path_within(src, which))
                        refuse(g, at, path, allow, "%s %s (below %s, %s)", via, src, which, what);
                else
                        refuse(g, at, path, allow, "%s %s (it holds %s, %s)", via, src, which,
                               what);
                return REFUSED;
        }
        if (policy_bind_root_ok(g->policy, src))
                return PASSED;
        nz_error(g->z, at, path,
                 "%s %s is outside the bind roots of %s (%s): bind a path below one of them, or "
                 "add \"%s\" to an allow entry there for project '%s', service '%s'",
                 via, src, g->name, policy_bind_roots(g->policy, roots, sizeof(roots)), allow,
                 g->project, g->service);
        return REFUSED;
}

/* src as written and, when it passed only for not being a system path (no
 * allow entry names it) and it exists here through a symlink, as the host
 * resolves it: /srv/app/etc -> /etc is a bind of /etc. */
static void host_path_resolved(struct gate *g, const char *src, bool read_only, const char *via,
                               const struct doc_node *at, const char *path)
{
        char *real, link_via[PATH_MAX + 320];

        if (host_path(g, src, read_only, via, at, path) != PASSED)
                return;
        real = realpath(src, NULL);
        if (real && strcmp(real, src)) {
                snprintf(link_via, sizeof(link_via), "%s %s, a symlink to", via, src);
                host_path(g, real, read_only, link_via, at, path);
        }
        free(real);
}

/* A local volume with driver_opts o=bind and device=PATH is a bind mount
 * of PATH: the device, or NULL. */
static const char *volume_device(const struct model_volume *v)
{
        const char *o = NULL, *device = NULL, *t;
        size_t i, n;

        if (!v || v->external || (v->driver && strcmp(v->driver, "local")))
                return NULL;
        for (i = 0; i < v->driver_opts.n; i++) {
                if (!strcmp(v->driver_opts.v[i].key, "o"))
                        o = v->driver_opts.v[i].value;
                else if (!strcmp(v->driver_opts.v[i].key, "device"))
                        device = v->driver_opts.v[i].value;
        }
        if (!o || !device)
                return NULL;
        for (t = o; *t; t += n + (t[n] == ',')) {
                n = strcspn(t, ",");
                if ((n == 4 && !strncmp(t, "bind", 4)) || (n == 5 && !strncmp(t, "rbind", 5)))
                        return device;
        }
        return NULL;
}

static void mounts(struct gate *g, const struct model_service *s, const struct doc_node *svc,
                   const char *path)
{
        const struct doc_node *n = doc_map_get(svc, "volumes");
        char p[NZ_PATH], q[NZ_PATH], via[300], dev[PATH_MAX];
        const struct doc_node *at;
        const char *device;
        size_t i, item;

        nz_key_path(p, path, "volumes");
        for (i = 0; i < s->nmounts; i++) {
                const struct model_mount *m = &s->mounts[i];

                item = g->z->mount_item ? g->z->mount_item[i] : 0;
                at = n && n->kind == DOC_SEQ && item < n->seq.n ? n->seq.v[item] : svc;
                nz_index_path(q, p, item);
                if (m->type == MODEL_MOUNT_BIND && m->source) {
                        host_path_resolved(g, m->source, m->read_only, "bind mount of", at, q);
                } else if (m->type == MODEL_MOUNT_VOLUME && m->volume &&
                           (device = volume_device(model_volume_find(g->z->p, m->volume)))) {
                        if (device[0] != '/' || strlen(device) >= sizeof(dev)) {
                                nz_error(g->z, at, q,
                                         "volume '%s' binds '%s' (driver_opts device), which is "
                                         "not an absolute path",
                                         m->volume, device);
                                continue;
                        }
                        snprintf(via, sizeof(via), "volume '%s' binding", m->volume);
                        strcpy(dev, device);
                        host_path_resolved(g, policy_path_clean(dev), m->read_only, via, at, q);
                }
        }
}

static void image(struct gate *g, const struct model_service *s, const struct doc_node *svc,
                  const char *path)
{
        const struct doc_pair *pair = doc_map_find(svc, "image");
        char p[NZ_PATH], patterns[1024];

        if (!s->image || !pair || policy_image_ok(g->policy, s->image))
                return;
        nz_error(g->z, pair->key, nz_key_path(p, path, "image"),
                 "image '%s' matches none of the images %s allows (%s): use an image from "
                 "there, or add a pattern for it to images",
                 s->image, g->name, policy_images(g->policy, patterns, sizeof(patterns)));
}

void nz_policy(struct nz *z, const struct model_service *s, const struct doc_node *svc,
               const char *path)
{
        struct gate g = {
            .z = z, .policy = z->ctx->policy, .project = z->p->name, .service = s->name};

        if (!s->name || !g.project || svc->kind != DOC_MAP)
                return;
        policy_name(g.policy, g.name, sizeof(g.name));
        privileged(&g, s, svc, path);
        capabilities(&g, svc, path);
        network_mode(&g, s, svc, path);
        namespaces(&g, s, svc, path);
        security_opt(&g, svc, path);
        devices(&g, s, svc, path);
        mounts(&g, s, svc, path);
        image(&g, s, svc, path);
}

int nz_env_file_trusted(struct nz *z, const char *abs, const char *written,
                        const struct doc_node *at, const char *path)
{
        char *real, why[PATH_MAX + 256];
        struct stat st;
        int r = 0;

        if (!z->ctx->root_dir || !(real = realpath(abs, NULL)))
                return 0; /* not there: reading it says so */
        if (!policy_path_within(real, z->ctx->root_dir)) {
                nz_error(z, at, path,
                         "env file '%s' is outside the manifest root (it is %s): berth reads only "
                         "files inside the root; move it there",
                         written, real);
                r = -1;
        } else if (stat(real, &st) == 0 &&
                   trust_stat_problem(why, sizeof(why), &st, real, TRUST_INSIDE)) {
                if (z->ctx->insecure) {
                        nz_warn(z, at, path,
                                "env file '%s' is %s (accepted because of --insecure-manifests)",
                                written, why);
                } else {
                        nz_error(z, at, path,
                                 "env file '%s' is refused: %s (or pass --insecure-manifests to "
                                 "accept it with a warning)",
                                 written, why);
                        r = -1;
                }
        }
        free(real);
        return r;
}
