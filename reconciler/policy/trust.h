/* policy/trust.h - whether a file that tells berth what to run can be
 * trusted: sshd's StrictModes, for the manifests, their env files and the
 * policy file.
 *
 * berth usually runs as root, and what it reads decides what runs on the
 * host.  A file or directory that another user can write lets that user
 * decide it instead.  So a file, or a directory that holds one, is
 * trusted only when
 *   - it is owned by root or by the user running berth (the effective
 *     uid), and
 *   - neither its group nor other users may write it; a directory above
 *     the manifest root (or above the policy file) may be writable by
 *     everyone when it has the sticky bit and is owned by root, as /tmp
 *     is: others cannot rename or replace what they do not own there.
 * Symbolic links are judged by what they point at (their own mode means
 * nothing on Linux).
 *
 * The messages say what is wrong and the command that fixes it:
 *     writable by every user (mode 0777), so anyone can change what berth
 *     runs: run 'chmod go-w manifests'
 * The caller adds what to do instead (--insecure-manifests).
 *
 * May not use: anything but libc and common/err.
 */
#ifndef BERTH_POLICY_TRUST_H
#define BERTH_POLICY_TRUST_H

#include <stddef.h>
#include <sys/stat.h>

/* Where a path is, for the sticky exemption. */
enum trust_place {
        TRUST_INSIDE, /* the root, the policy file, or anything below the root */
        TRUST_ABOVE,  /* a directory holding the root or the policy file */
};

/* NULL when st (from stat(), symlinks followed) is trusted; otherwise the
 * problem in buf, as above, shown naming the path in the fix command (as
 * the user should type it), and buf is returned. */
const char *trust_stat_problem(char *buf, size_t size, const struct stat *st, const char *shown,
                               enum trust_place place);

/* The first directory above real (an absolute path without symlinks, as
 * realpath() gives) that is not trusted as TRUST_ABOVE, checked from '/'
 * down: its path goes to bad (bsize bytes), the problem to buf, and buf is
 * returned.  NULL when every one is trusted (or cannot be read: the
 * caller fails on what it reads itself). */
const char *trust_check_above(char *buf, size_t size, char *bad, size_t bsize, const char *real);

#endif
