/* manifest/scan.h - finding the manifest files under the manifest root.
 *
 * The root is a directory (default ./manifests) or a single file.  In a
 * directory, every *.yaml and *.yml file below it is a manifest, found
 * recursively and sorted by the path relative to the root (byte order, so
 * "a.yaml" < "a/b.yaml" < "b.yaml" on every machine).  Ignored, in files
 * and directories alike: names starting with '.' (.git, .shop.yaml.swp),
 * editor and tool leftovers (*~, *.swp, *.swx, *.bak, *.tmp, and vim's
 * "4913" probe file), and files with any other extension.  A file given
 * as the root is read whatever its name.
 *
 * Symlinks inside the root are followed, to files and to directories,
 * when their target (resolved with realpath) is inside the root too; one
 * that leads outside the root is refused, an error naming it, so that a
 * manifest tree cannot pull in files from elsewhere.  A directory symlink
 * that leads back to a directory being scanned (a loop) is skipped with a
 * warning.  Symlinks with ignored names are not looked at.
 *
 * Trust (policy/trust.h, sshd's StrictModes): the root, every directory
 * above it and every directory and manifest below it must be owned by root
 * or by the user running berth and not be writable by group or others
 * (a root-owned sticky directory above the root, such as /tmp, is fine).
 * A directory or manifest below the root that is not is refused, an error
 * naming it and the chmod or chown that fixes it; the root or a directory
 * above it fails the whole scan.  MANIFEST_SCAN_INSECURE
 * (--insecure-manifests) makes each of these a warning.
 *
 * May not use: anything but libc, common/, manifest/diag and policy/trust.
 */
#ifndef BERTH_MANIFEST_SCAN_H
#define BERTH_MANIFEST_SCAN_H

#include <stdbool.h>
#include <stddef.h>

struct berth_err;
struct diag_list;

struct manifest_file {
        char *path; /* absolute: the root's real path joined with rel */
        char *rel;  /* relative to the root, '/'-separated: "team/shop.yaml";
                     * for a file root, its base name.  berth.source label. */
        char *name; /* for messages: the root as the user wrote it joined with
                     * rel ("manifests/team/shop.yaml"); a file root as written */
};

struct manifest_list {
        struct manifest_file *v; /* owned, sorted by rel */
        size_t n, cap;
        bool root_is_file;
        char *real_dir; /* owned: the root's real path (a file root: its
                         * directory's), which env files must be inside */
        struct manifest_file *refused; /* owned: manifests found but refused
                                        * (with an error in diags), by rel */
        size_t nrefused, refused_cap;
};

enum manifest_scan_flags {
        MANIFEST_SCAN_INSECURE = 1 << 0, /* trust problems are warnings */
};

void manifest_list_init(struct manifest_list *l);
void manifest_list_release(struct manifest_list *l);

/* Fill out (initialized, empty) with the manifests under root.
 *
 * 0: done (warnings may have been added to diags).  BERTH_EINVALID: some
 * entries were refused (errors in diags, err holds the first); out holds
 * the others, so the caller can still load them, but must not treat the
 * set as complete (no pruning of projects it does not see).
 * BERTH_ENOTFOUND: root does not exist; BERTH_EIO: root cannot be read or
 * is neither a directory nor a regular file; BERTH_EFORBIDDEN: the root or
 * a directory above it is not trusted; BERTH_ENOMEM.  These four say so in
 * err only, and leave out empty.  flags: enum manifest_scan_flags. */
int manifest_scan(struct manifest_list *out, const char *root, unsigned flags,
                  struct diag_list *diags, struct berth_err *err);

/* The name rules above, for a single path component (for watchers that
 * must tell which changed names matter). */
bool manifest_name_ignored(const char *name);
bool manifest_name_is_manifest(const char *name); /* *.yaml / *.yml, not ignored */

#endif
