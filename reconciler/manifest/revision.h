/* manifest/revision.h - the git commit the manifests are at, for the
 * berth.revision label: `git -C <dir> rev-parse HEAD`, where dir is the
 * root (or the directory of a root that is a file).  Not in a work tree,
 * no git installed, or git refusing (dubious ownership) all mean "not
 * known", never an error: the label is left out.
 *
 * May not use: docker, diff, plan, exec.
 */
#ifndef BERTH_MANIFEST_REVISION_H
#define BERTH_MANIFEST_REVISION_H

#include <stddef.h>

/* 0 with the 40 (or 64) hex digits in out, or -1 when not known. */
int manifest_revision(char out[65], const char *root);

/* The subject line of that commit (`git log -1 --format=%s`), cut to size;
 * -1 when not known. */
int manifest_revision_subject(char *out, size_t size, const char *root, const char *revision);

#endif
