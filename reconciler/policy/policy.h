/* policy/policy.h - the policy gate: which host-level powers manifests may
 * ask for, and the operator's file that allows them (README "Policy").
 *
 * Owns the policy file (YAML, read with the manifest loader's YAML layer,
 * manifest/doc.h, so that its problems are `file:line:col: key: message`)
 * and the decisions: is a capability in Docker's default set, does a
 * security option turn confinement off, is a host path a system path, is
 * a power allowed for a project and service, is a bind source under the
 * bind roots, is an image one the policy allows.  Applying the gate to a
 * manifest, with the positions of the keys that ask, is the manifest
 * loader's job (manifest/normalize_policy.c): a refused key is an error of
 * that manifest like any other, so its project is frozen and nothing of it
 * is applied or pruned.
 *
 * With no policy file (a NULL struct policy *) nothing is allowed: the
 * default policy refuses every power below (every host namespace, every
 * device) and sets no bind roots and no image patterns.
 *
 * The file:
 *     allow:                          # entries; a power is allowed when one allows it
 *       - project: monitoring         # a glob (fnmatch), required
 *         service: node-exporter      # a glob; omitted: every service of the project
 *         privileged: true
 *         capabilities: [SYS_ADMIN]   # CAP_ prefix and case do not matter; ALL: any
 *         host_namespaces: [network, pid, ipc, userns]  # what berth can share
 *         bind_mounts: [/proc, /sys]  # a path allows itself and what is below it
 *         devices: [/dev/fuse, /dev/dri]    # host paths or globs, and what is below
 *         security_opt: ["apparmor=unconfined", "seccomp=*"]   # globs
 *     bind_roots: [/srv, /var/lib/apps]   # set: every bind source must be below one
 *     images: ["registry.example.com/app*"]  # set: every image must match one
 * Unknown keys, wrong types, unknown capabilities, relative paths and
 * namespaces other than those four are errors with their position.  An
 * empty file is the default policy.  The file must be trusted as manifests
 * are (policy/trust.h).
 *
 * May not use: anything but libc, common/, manifest/doc, manifest/diag and
 * policy/trust.  (The manifest loader uses this module, as it uses
 * schema/, which reads manifest/doc too.)
 */
#ifndef BERTH_POLICY_H
#define BERTH_POLICY_H

#include <stdbool.h>
#include <stddef.h>

struct berth_err;
struct diag_list;

struct policy;

enum policy_load_flags {
        POLICY_LOAD_INSECURE = 1 << 0, /* trust problems of the file are warnings */
};

/* Read the policy file at path.  Problems (and trust warnings) go to diags
 * as `path:line:col: key: message`.  Returns 0 with *out set (owned by the
 * caller: policy_free()); BERTH_EINVALID when errors were added to diags
 * (err holds the first); BERTH_ENOTFOUND, BERTH_EIO (cannot be read),
 * BERTH_EFORBIDDEN (not trusted), BERTH_ENOMEM with err set.  *out is NULL
 * on failure. */
int policy_load(struct policy **out, const char *path, unsigned flags, struct diag_list *diags,
                struct berth_err *err);
void policy_free(struct policy *p); /* NULL is a no-op */

/* How messages name p: "the policy /etc/berth/policy.yaml" or, for NULL,
 * "the default policy". */
const char *policy_name(const struct policy *p, char *buf, size_t size);

/* The powers an allow entry can grant. */
enum policy_power {
        POLICY_PRIVILEGED,
        POLICY_CAPABILITY,     /* detail: "SYS_ADMIN" (policy_cap_name form) */
        POLICY_HOST_NAMESPACE, /* detail: "network", "pid", "ipc" or "userns" */
        POLICY_BIND_MOUNT,     /* detail: the host path, absolute and clean */
        POLICY_SECURITY_OPT,   /* detail: the option as written */
        POLICY_DEVICE,         /* detail: the device's host path, absolute and clean */
};

/* Does an allow entry whose project and service globs match allow what?
 * Always false for a NULL policy. */
bool policy_allows(const struct policy *p, const char *project, const char *service,
                   enum policy_power what, const char *detail);

/* ---- what the default policy refuses ---- */

/* A capability as Docker reads it: upper-cased, "CAP_" dropped. */
const char *policy_cap_name(char *buf, size_t size, const char *written);
/* In Docker's default set (moby oci/caps/defaults.go)?  cap in
 * policy_cap_name() form. */
bool policy_cap_is_default(const char *cap);
/* A capability Linux has (or ALL)?  cap in policy_cap_name() form. */
bool policy_cap_is_known(const char *cap);

/* NULL when the security option leaves the container confined; otherwise
 * what it does ("turns seccomp off"): seccomp=unconfined or any custom
 * seccomp profile, apparmor=unconfined, label=disable, label:disable,
 * label=type:spc_t, systempaths=unconfined (also with ':' for '='). */
const char *policy_security_opt_unconfining(const char *opt);

/* Is the absolute, clean host path a system path, below one, or above one
 * (a bind of /var holds /var/lib/docker)?  Some files below /etc and /usr
 * that containers commonly read (the time zone, CA certificates) are no
 * system paths when bound read-only.  Returns false, or true with *which
 * the system path and *what a few words on it ("the Docker engine's
 * socket"). */
bool policy_system_path(const char *path, bool read_only, const char **which, const char **what);

/* Is path (absolute, clean) below one of p's bind roots (or equal to one)?
 * True when p sets none. */
bool policy_bind_root_ok(const struct policy *p, const char *path);
/* p's bind roots (or image patterns) for messages: "/srv, /var/lib/apps";
 * "" when none. */
const char *policy_bind_roots(const struct policy *p, char *buf, size_t size);
const char *policy_images(const struct policy *p, char *buf, size_t size);

/* Does image match one of p's image patterns?  True when p sets none.  A
 * pattern is a glob matched against the reference as written and as
 * Docker reads it (docker.io/library/ and :latest filled in), each with
 * and without its tag or digest. */
bool policy_image_ok(const struct policy *p, const char *image);

/* Clean an absolute path lexically: "//a/./b/../c/" is "/a/c".  In place;
 * returns path. */
char *policy_path_clean(char *path);

/* Is path equal to dir or below it (both absolute and clean)? */
bool policy_path_within(const char *path, const char *dir);

#endif
