/* plan/render.h - a plan, and the outcome of running it, for people (text
 * like terraform's) and for programs (JSON as schema/plan.schema.json
 * describes it).  Only formatting: every decision is made in diff and
 * plan.
 *
 * Text (no colour shown):
 *
 *   berth will perform these actions (scope default):
 *
 *   project shop (manifests/shop.yaml)
 *     + network shop_default: not created yet
 *     + container shop-web-1: not created yet
 *     ~ container shop-api-1: configuration changed
 *         environment.LOG_LEVEL: "info" → "debug"
 *         image: app:1.2 → app:1.3
 *     > container shop-worker-1: not running (exited 137)
 *     - container shop-web-3: scaled from 3 to 1
 *     = container shop-migrate-1: completed (exited 0)
 *     ! container shop-db-1: left alone: the project's manifest did not load
 *
 *   Plan: 2 to create, 1 to recreate, 1 to start, 1 to remove.
 *   Left alone: 1 object of projects whose manifests did not load or were not all read.
 *
 * One group per project, in the order of the diff's changes, each followed
 * by an empty line; the header shows the project's file when a change of
 * it knows its desired project (not for a project only the engine knows),
 * and an owned container without a berth.project label is under "no
 * project (berth.project label missing)".  One line per change, completed
 * (=) and frozen (!) included.  A start-first recreate adds
 * "(start-first)" after the reason; the fields of a recreate follow, then
 * an op's note (plan_op.note) on its own line "      note: ...".  The
 * count line leaves out zero counts and never counts = and !; the "Left
 * alone" line follows when there is at least one frozen entry.  With
 * nothing to do there is no first line and no count line; the groups
 * (only = and ! entries) are still listed, then:
 *   No changes. The engine matches the manifests (scope default).
 * Sensitive values were redacted by diff already ("(sensitive)").
 *
 * Colour (ANSI, only when o->color): the symbol green for +, yellow for ~
 * and >, red for -, dim for =, bold for !; project headers bold; field
 * paths dim; each part of the count line in its symbol's colour; in
 * progress lines, the word saying what happened (created ... green,
 * recreated and started yellow, removed, failed and rolled back red,
 * skipped yellow).
 *
 * May not use: docker, manifest, observe, exec, cli.
 */
#ifndef BERTH_PLAN_RENDER_H
#define BERTH_PLAN_RENDER_H

#include <stdbool.h>
#include <stdio.h>

#include <jansson.h>

#include "plan/plan.h"

struct plan_render_options {
        bool color;        /* ANSI colours (the caller decides: TTY and no NO_COLOR) */
        const char *scope; /* for the header and the JSON */
        bool incomplete;   /* a manifest did not load: with no change, say
                            * "No changes to the projects that loaded" (also
                            * said when the plan has frozen entries) */
};

/* The plan as text, as above. */
void plan_render_text(FILE *out, const struct plan *p, const struct plan_render_options *o);

/* One line when an operation ends during apply:
 *   shop-web-1: created and started (1.2s)
 *   shop-api-1: recreated (start-first) (3.4s)
 *   shop-worker-1: started (0.3s)
 *   shop-web-3: removed (0.5s)
 *   network shop_default: created (0.1s)      (volume ... likewise; removed)
 *   image app:1.3: pulled (2.0s)              ("ready" for pull_policy missing)
 *   shop-db-1: failed: cannot start container 'shop-db-1': ...
 *   shop-api-1: rolled back: container 'shop-api-1-new' did not become healthy
 *   shop-web-2: skipped: 'shop-db-1' failed
 *   shop-web-4: not started (interrupted)     ("not started" for PENDING,
 *   shop-web-5: not started: the Docker engine stopped answering    with its message)
 */
void plan_render_progress(FILE *out, const struct plan *p, size_t op,
                          const struct plan_op_result *r, const struct plan_render_options *o);

/* After apply: the progress line of each operation that did not succeed
 * (an operation without a result, i >= run->nresults, is PENDING), then
 *   Apply complete: 3 succeeded.
 *   Apply failed: 2 succeeded, 1 failed, 1 skipped, 1 rolled back, 2 not started (interrupted).
 * (zero counts left out; "not started" counts PENDING and INTERRUPTED, and
 * says "(interrupted)" when run->interrupted, "(" PLAN_ENGINE_LOST ")" when
 * run->engine_lost), or "Apply complete: nothing to do." for a plan without
 * operations. */
void plan_render_summary(FILE *out, const struct plan *p, const struct plan_run *run,
                         const struct plan_render_options *o);

/* The plan (and, when run is not NULL, the outcome) as the JSON document
 * of schema/plan.schema.json (the schema's descriptions are its reference):
 *   {"format_version": 1, "scope": "default",
 *    "changes": [{"kind", "action", "project", "source"?, "service"?,
 *                 "replica"?, "name", "reason", "fields"?: [{"path",
 *                 "before", "after"}], "update_order"?, "note"?,
 *                 "operation"?: op id}],
 *    "operations": [{"id", "op": plan_op_kind_name(), "name", "project"?,
 *                    "change"?: index in changes, "pull_policy"?,
 *                    "temp_name"?, "depends_on": [ids], "gates"?:
 *                    [{"container", "service", "condition"}],
 *                    "status"?, "message"?, "seconds"? (with a run)}],
 *    "summary": {"create", "recreate", "start", "remove", "completed",
 *                "frozen"},
 *    "changed": true when there is any operation or change to make,
 *    "api_calls": {"total": calls, "mutating": mutating},
 *    "result"?: {"succeeded", "failed", "skipped", "rolled_back",
 *                "not_started", "interrupted_by_signal", "engine_lost"}
 *               (with a run)}
 * o->scope NULL is "default".  A new reference; NULL on ENOMEM. */
json_t *plan_to_json(const struct plan *p, const struct plan_run *run,
                     const struct plan_render_options *o, unsigned long calls,
                     unsigned long mutating);

#endif
