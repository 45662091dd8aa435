/* plan/render.h - a plan, and the outcome of running it, for people (text
 * like terraform's) and for programs (JSON as schema/plan.schema.json
 * describes it).  Only formatting: every decision is made in diff and
 * plan.
 *
 * Text (no colour shown; with colour, the symbol and the action word are
 * green for +, yellow for ~ and >, red for -, and field paths dim):
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
 *
 * A start-first recreate adds "(start-first)" after the reason; an op's
 * note (plan_op.note) follows on its own indented line.  With no change:
 *   No changes. The engine matches the manifests (scope default).
 * Sensitive values were redacted by diff already ("(sensitive)").
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
};

/* The plan as text, as above. */
void plan_render_text(FILE *out, const struct plan *p, const struct plan_render_options *o);

/* One line when an operation ends during apply:
 *   shop-web-1: created and started (1.2s)
 *   shop-api-1: recreated (start-first) (3.4s)
 *   shop-db-1: failed: cannot start container 'shop-db-1': ...
 *   shop-web-2: skipped: 'shop-db-1' failed
 */
void plan_render_progress(FILE *out, const struct plan *p, size_t op,
                          const struct plan_op_result *r, const struct plan_render_options *o);

/* After apply: one line per operation that did not succeed, then
 *   Apply complete: 3 succeeded.
 *   Apply failed: 2 succeeded, 1 failed, 1 skipped, 1 rolled back, 2 not started (interrupted).
 * (zero counts left out). */
void plan_render_summary(FILE *out, const struct plan *p, const struct plan_run *run,
                         const struct plan_render_options *o);

/* The plan (and, when run is not NULL, the outcome) as the JSON document
 * of schema/plan.schema.json.  calls/mutating: API calls made so far.
 * A new reference; NULL on ENOMEM. */
json_t *plan_to_json(const struct plan *p, const struct plan_run *run,
                     const struct plan_render_options *o, unsigned long calls,
                     unsigned long mutating);

#endif
