/* labels.h - the ownership labels berth puts on every object it creates
 * (DESIGN.md §4).  berth never touches an object without BERTH_LABEL_SCOPE
 * set to its own scope.
 *
 * May not use: anything.
 */
#ifndef BERTH_COMMON_LABELS_H
#define BERTH_COMMON_LABELS_H

#define BERTH_LABEL_SCOPE "berth.scope"             /* the owning instance (--scope) */
#define BERTH_LABEL_PROJECT "berth.project"
#define BERTH_LABEL_SERVICE "berth.service"
#define BERTH_LABEL_REPLICA "berth.replica"         /* 1-based, decimal */
#define BERTH_LABEL_CONFIG_HASH "berth.config-hash" /* sha256 of the canonical spec */
#define BERTH_LABEL_APPLIED "berth.applied"         /* the canonical spec, redacted */
#define BERTH_LABEL_SOURCE "berth.source"           /* manifest path under the root */
#define BERTH_LABEL_REVISION "berth.revision"       /* git commit of the manifests */
#define BERTH_LABEL_NETWORK "berth.network"         /* key under networks: */
#define BERTH_LABEL_VOLUME "berth.volume"           /* key under volumes: */
#define BERTH_LABEL_TEMP "berth.temp"               /* a start-first replacement's temporary name */
#define BERTH_LABEL_DEPENDS_ON "berth.depends-on"   /* "db,cache": removal order */

#define BERTH_DEFAULT_SCOPE "default"

#endif
