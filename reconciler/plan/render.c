/* plan/render.c - a plan as text and as the JSON of schema/plan.schema.json
 * (the contract is in render.h). */
#include "plan/render.h"

#include <stdio.h>
#include <string.h>

#define ARROW "\xe2\x86\x92" /* → */

#define C_RESET "\033[0m"
#define C_BOLD "\033[1m"
#define C_DIM "\033[2m"
#define C_RED "\033[31m"
#define C_GREEN "\033[32m"
#define C_YELLOW "\033[33m"

/* ---- shared -------------------------------------------------------------- */

/* table[i], or dflt when i is out of the table (an enum value it lacks). */
#define LOOKUP_OR(table, i, dflt)                                                                  \
        ((size_t)(i) < sizeof(table) / sizeof((table)[0]) && (table)[i] ? (table)[i] : (dflt))
#define LOOKUP(table, i) LOOKUP_OR(table, i, "unknown")

static const char *const kind_words[] = {
    [DIFF_CONTAINER] = "container",
    [DIFF_NETWORK] = "network",
    [DIFF_VOLUME] = "volume",
};

/* Each action's JSON name, text symbol and colour. */
static const char *const action_words[] = {
    [DIFF_CREATE] = "create", [DIFF_RECREATE] = "recreate",   [DIFF_START] = "start",
    [DIFF_REMOVE] = "remove", [DIFF_COMPLETED] = "completed", [DIFF_FROZEN] = "frozen",
};
static const char *const action_symbols[] = {
    [DIFF_CREATE] = "+", [DIFF_RECREATE] = "~",  [DIFF_START] = ">",
    [DIFF_REMOVE] = "-", [DIFF_COMPLETED] = "=", [DIFF_FROZEN] = "!",
};
static const char *const action_colors[] = {
    [DIFF_CREATE] = C_GREEN, [DIFF_RECREATE] = C_YELLOW, [DIFF_START] = C_YELLOW,
    [DIFF_REMOVE] = C_RED,   [DIFF_COMPLETED] = C_DIM,   [DIFF_FROZEN] = C_BOLD,
};

static const char *const condition_names[] = {
    [MODEL_COND_STARTED] = "service_started",
    [MODEL_COND_HEALTHY] = "service_healthy",
    [MODEL_COND_COMPLETED] = "service_completed_successfully",
};

static const char *const status_names[] = {
    [PLAN_PENDING] = "pending",         [PLAN_DONE] = "done",
    [PLAN_FAILED] = "failed",           [PLAN_SKIPPED] = "skipped",
    [PLAN_ROLLED_BACK] = "rolled-back", [PLAN_INTERRUPTED] = "interrupted",
};

/* The operation that carries change c, or NULL (completed, frozen). */
static const struct plan_op *op_of(const struct plan *p, const struct diff_change *c)
{
        size_t i;

        for (i = 0; i < p->nops; i++)
                if (p->ops[i].change == c)
                        return &p->ops[i];
        return NULL;
}

/* Op i's result in run: NULL without a run, PENDING when run has none. */
static const struct plan_op_result *result_of(const struct plan_run *run, size_t i)
{
        static const struct plan_op_result pending = {.status = PLAN_PENDING};

        if (!run)
                return NULL;
        return i < run->nresults ? &run->results[i] : &pending;
}

/* Write s in colour col when colour is on. */
static void paint(FILE *out, bool color, const char *col, const char *s)
{
        if (color && col[0])
                fprintf(out, "%s%s%s", col, s, C_RESET);
        else
                fputs(s, out);
}

static const char *scope_of(const struct plan_render_options *o)
{
        return o && o->scope ? o->scope : "default";
}

static bool color_of(const struct plan_render_options *o)
{
        return o && o->color;
}

/* Counts of the changes by action (enum diff_action order). */
struct counts {
        size_t n[DIFF_FROZEN + 1];
};

static struct counts count_changes(const struct plan *p)
{
        struct counts c = {{0}};
        size_t i;

        for (i = 0; p->diff && i < p->diff->nchanges; i++)
                c.n[p->diff->changes[i].action]++;
        return c;
}

/* ---- text ---------------------------------------------------------------- */

/* "project shop (manifests/shop.yaml)": the file of the first change of
 * the group [from, to) that knows its desired project. */
static void text_project(FILE *out, const struct diff_change *from, const struct diff_change *to,
                         bool color)
{
        const struct diff_change *c;
        const char *file = NULL;

        for (c = from; c < to && !file; c++)
                if (c->project_desired && c->project_desired->file)
                        file = c->project_desired->file;
        if (color)
                fputs(C_BOLD, out);
        if (from->project && from->project[0])
                fprintf(out, "project %s", from->project);
        else
                fputs("no project (berth.project label missing)", out);
        if (file)
                fprintf(out, " (%s)", file);
        if (color)
                fputs(C_RESET, out);
        fputc('\n', out);
}

static void text_change(FILE *out, const struct plan *p, const struct diff_change *c, bool color)
{
        const struct plan_op *op = op_of(p, c);
        size_t i;

        fputs("  ", out);
        paint(out, color, LOOKUP_OR(action_colors, c->action, ""),
              LOOKUP(action_symbols, c->action));
        fprintf(out, " %s %s: %s", LOOKUP(kind_words, c->kind), c->name ? c->name : "", c->reason);
        if (op && op->kind == PLAN_CONTAINER_RECREATE && op->start_first)
                fputs(" (start-first)", out);
        fputc('\n', out);
        for (i = 0; i < c->nfields; i++) {
                fputs("      ", out);
                paint(out, color, C_DIM, c->fields[i].path);
                fprintf(out, ": %s " ARROW " %s\n", c->fields[i].before, c->fields[i].after);
        }
        if (op && op->note)
                fprintf(out, "      note: %s\n", op->note);
}

static bool same_project(const struct diff_change *a, const struct diff_change *b)
{
        return strcmp(a->project ? a->project : "", b->project ? b->project : "") == 0;
}

/* One part of the "Plan:" line; *first says whether one was written. */
static void text_count(FILE *out, size_t n, const char *what, const char *col, bool color,
                       bool *first)
{
        char part[64];

        if (!n)
                return;
        snprintf(part, sizeof(part), "%zu to %s", n, what);
        fputs(*first ? " " : ", ", out);
        paint(out, color, col, part);
        *first = false;
}

void plan_render_text(FILE *out, const struct plan *p, const struct plan_render_options *o)
{
        const struct diff_change *v = p->diff ? p->diff->changes : NULL;
        size_t n = p->diff ? p->diff->nchanges : 0, i = 0, j;
        struct counts k = count_changes(p);
        bool color = color_of(o), first = true;
        size_t actions = k.n[DIFF_CREATE] + k.n[DIFF_RECREATE] + k.n[DIFF_START] + k.n[DIFF_REMOVE];

        if (actions)
                fprintf(out, "berth will perform these actions (scope %s):\n\n", scope_of(o));
        while (i < n) {
                for (j = i + 1; j < n && same_project(&v[i], &v[j]); j++)
                        ;
                text_project(out, &v[i], &v[j], color);
                for (; i < j; i++)
                        text_change(out, p, &v[i], color);
                fputc('\n', out);
        }
        if (actions) {
                fputs("Plan:", out);
                text_count(out, k.n[DIFF_CREATE], "create", C_GREEN, color, &first);
                text_count(out, k.n[DIFF_RECREATE], "recreate", C_YELLOW, color, &first);
                text_count(out, k.n[DIFF_START], "start", C_YELLOW, color, &first);
                text_count(out, k.n[DIFF_REMOVE], "remove", C_RED, color, &first);
                fputs(".\n", out);
        } else if (k.n[DIFF_FROZEN] || o->incomplete) {
                fprintf(out, "No changes to the projects that loaded (scope %s).\n", scope_of(o));
        } else {
                fprintf(out, "No changes. The engine matches the manifests (scope %s).\n",
                        scope_of(o));
        }
        if (k.n[DIFF_FROZEN])
                fprintf(out,
                        "Left alone: %zu object%s of projects whose manifests did not load or "
                        "were not all read.\n",
                        k.n[DIFF_FROZEN], k.n[DIFF_FROZEN] == 1 ? "" : "s");
}

/* ---- progress and summary ------------------------------------------------ */

/* "shop-web-1", "network shop_default", "image app:1". */
static void progress_subject(FILE *out, const struct plan_op *op)
{
        switch (op->kind) {
        case PLAN_NETWORK_CREATE:
        case PLAN_NETWORK_REMOVE:
                fputs("network ", out);
                break;
        case PLAN_VOLUME_CREATE:
        case PLAN_VOLUME_REMOVE:
                fputs("volume ", out);
                break;
        case PLAN_IMAGE_PULL:
                fputs("image ", out);
                break;
        default:
                break;
        }
        fputs(op->name ? op->name : "", out);
}

/* What a successful operation did, and its colour. */
static const char *done_word(const struct plan_op *op, const char **col)
{
        switch (op->kind) {
        case PLAN_NETWORK_CREATE:
        case PLAN_VOLUME_CREATE:
                *col = C_GREEN;
                return "created";
        case PLAN_IMAGE_PULL:
                *col = C_GREEN;
                return op->pull_policy == MODEL_PULL_ALWAYS ? "pulled" : "ready";
        case PLAN_CONTAINER_CREATE:
                *col = C_GREEN;
                return "created and started";
        case PLAN_CONTAINER_RECREATE:
                *col = C_YELLOW;
                return op->start_first ? "recreated (start-first)" : "recreated";
        case PLAN_CONTAINER_START:
                *col = C_YELLOW;
                return "started";
        case PLAN_CONTAINER_REMOVE:
        case PLAN_NETWORK_REMOVE:
        case PLAN_VOLUME_REMOVE:
                *col = C_RED;
                return "removed";
        }
        *col = "";
        return "done";
}

void plan_render_progress(FILE *out, const struct plan *p, size_t op,
                          const struct plan_op_result *r, const struct plan_render_options *o)
{
        const struct plan_op *x = &p->ops[op];
        bool color = color_of(o);
        const char *col = "", *word;

        progress_subject(out, x);
        fputs(": ", out);
        switch (r->status) {
        case PLAN_DONE:
                word = done_word(x, &col);
                paint(out, color, col, word);
                fprintf(out, " (%.1fs)\n", r->seconds);
                return;
        case PLAN_FAILED:
                paint(out, color, C_RED, "failed");
                break;
        case PLAN_ROLLED_BACK:
                paint(out, color, C_RED, "rolled back");
                break;
        case PLAN_SKIPPED:
                paint(out, color, C_YELLOW, "skipped");
                break;
        case PLAN_INTERRUPTED:
                fputs("not started (interrupted)\n", out);
                return;
        case PLAN_PENDING:
                fputs("not started", out);
                break;
        }
        if (r->message[0])
                fprintf(out, ": %.*s", (int)sizeof(r->message), r->message);
        fputc('\n', out);
}

/* A part of the closing line of the summary. */
static void summary_count(FILE *out, size_t n, const char *what, bool *first)
{
        if (!n)
                return;
        fprintf(out, "%s%zu %s", *first ? " " : ", ", n, what);
        *first = false;
}

void plan_render_summary(FILE *out, const struct plan *p, const struct plan_run *run,
                         const struct plan_render_options *o)
{
        size_t n[PLAN_INTERRUPTED + 1] = {0}, i;
        bool first = true;

        for (i = 0; i < p->nops; i++) {
                const struct plan_op_result *r = result_of(run, i);

                n[r->status]++;
                if (r->status != PLAN_DONE)
                        plan_render_progress(out, p, i, r, o);
        }
        if (!p->nops) {
                fputs("Apply complete: nothing to do.\n", out);
                return;
        }
        fputs(n[PLAN_DONE] < p->nops ? "Apply failed:" : "Apply complete:", out);
        summary_count(out, n[PLAN_DONE], "succeeded", &first);
        summary_count(out, n[PLAN_FAILED], "failed", &first);
        summary_count(out, n[PLAN_SKIPPED], "skipped", &first);
        summary_count(out, n[PLAN_ROLLED_BACK], "rolled back", &first);
        summary_count(out, n[PLAN_INTERRUPTED] + n[PLAN_PENDING],
                      run->interrupted   ? "not started (interrupted)"
                      : run->engine_lost ? "not started (" PLAN_ENGINE_LOST ")"
                                         : "not started",
                      &first);
        fputs(".\n", out);
}

/* ---- JSON ---------------------------------------------------------------- */

/* Set key to a new value v (stolen); false when v is NULL or setting failed. */
static bool put(json_t *obj, const char *key, json_t *v)
{
        return v && json_object_set_new(obj, key, v) == 0;
}

static bool put_str(json_t *obj, const char *key, const char *s)
{
        return put(obj, key, json_string(s ? s : ""));
}

static json_t *json_fields(const struct diff_change *c)
{
        json_t *a = json_array(), *f;
        size_t i;

        for (i = 0; a && i < c->nfields; i++) {
                f = json_object();
                if (!f || json_array_append_new(a, f) != 0 ||
                    !put_str(f, "path", c->fields[i].path) ||
                    !put_str(f, "before", c->fields[i].before) ||
                    !put_str(f, "after", c->fields[i].after)) {
                        json_decref(a);
                        return NULL;
                }
        }
        return a;
}

static json_t *json_change(const struct plan *p, const struct diff_change *c)
{
        const struct plan_op *op = op_of(p, c);
        json_t *j = json_object();
        bool ok;

        ok = j && put_str(j, "kind", LOOKUP(kind_words, c->kind)) &&
             put_str(j, "action", LOOKUP(action_words, c->action)) &&
             put_str(j, "project", c->project);
        if (ok && c->project_desired && c->project_desired->source)
                ok = put_str(j, "source", c->project_desired->source);
        if (ok && c->kind == DIFF_CONTAINER && c->service && c->service[0])
                ok = put_str(j, "service", c->service);
        if (ok && c->kind == DIFF_CONTAINER && c->replica >= 1)
                ok = put(j, "replica", json_integer(c->replica));
        ok = ok && put_str(j, "name", c->name) && put_str(j, "reason", c->reason);
        if (ok && c->nfields)
                ok = put(j, "fields", json_fields(c));
        if (ok && op && op->kind == PLAN_CONTAINER_RECREATE)
                ok = put_str(j, "update_order", op->start_first ? "start-first" : "stop-first");
        if (ok && op && op->note)
                ok = put_str(j, "note", op->note);
        if (ok && op)
                ok = put(j, "operation", json_integer((json_int_t)op->id));
        if (!ok) {
                json_decref(j);
                return NULL;
        }
        return j;
}

static json_t *json_gates(const struct plan_op *op)
{
        json_t *a = json_array(), *g;
        size_t i;

        for (i = 0; a && i < op->ngates; i++) {
                g = json_object();
                if (!g || json_array_append_new(a, g) != 0 ||
                    !put_str(g, "container", op->gates[i].container) ||
                    !put_str(g, "service", op->gates[i].service) ||
                    !put_str(g, "condition", LOOKUP(condition_names, op->gates[i].condition))) {
                        json_decref(a);
                        return NULL;
                }
        }
        return a;
}

static json_t *json_op(const struct plan *p, const struct plan_op *op,
                       const struct plan_op_result *r)
{
        json_t *j = json_object(), *deps = json_array();
        size_t i;
        bool ok = j && deps;

        for (i = 0; ok && i < op->ndeps; i++)
                ok = json_array_append_new(deps, json_integer((json_int_t)op->deps[i])) == 0;
        ok = ok && put(j, "id", json_integer((json_int_t)op->id)) &&
             put_str(j, "op", plan_op_kind_name(op->kind)) && put_str(j, "name", op->name);
        if (ok && op->project)
                ok = put_str(j, "project", op->project);
        if (ok && op->change && p->diff)
                ok = put(j, "change", json_integer((json_int_t)(op->change - p->diff->changes)));
        if (ok && op->kind == PLAN_IMAGE_PULL)
                ok = put_str(j, "pull_policy",
                             op->pull_policy == MODEL_PULL_ALWAYS ? "always" : "missing");
        if (ok && op->kind == PLAN_CONTAINER_RECREATE && op->start_first && op->temp_name)
                ok = put_str(j, "temp_name", op->temp_name);
        ok = ok && json_object_set(j, "depends_on", deps) == 0;
        if (ok && op->ngates)
                ok = put(j, "gates", json_gates(op));
        if (ok && r) {
                ok = put_str(j, "status", LOOKUP(status_names, r->status)) &&
                     put(j, "seconds", json_real(r->seconds));
                if (ok && r->message[0])
                        ok = put(j, "message",
                                 json_stringn(r->message, strnlen(r->message, sizeof(r->message))));
        }
        json_decref(deps);
        if (!ok) {
                json_decref(j);
                return NULL;
        }
        return j;
}

static json_t *json_summary(const struct plan *p)
{
        struct counts k = count_changes(p);
        json_t *j = json_object();
        enum diff_action a;

        for (a = DIFF_CREATE; j && a <= DIFF_FROZEN; a++)
                if (!put(j, LOOKUP(action_words, a), json_integer((json_int_t)k.n[a]))) {
                        json_decref(j);
                        return NULL;
                }
        return j;
}

static json_t *json_result(const struct plan *p, const struct plan_run *run)
{
        size_t n[PLAN_INTERRUPTED + 1] = {0}, i;
        json_t *j = json_object();

        for (i = 0; i < p->nops; i++)
                n[result_of(run, i)->status]++;
        if (!j || !put(j, "succeeded", json_integer((json_int_t)n[PLAN_DONE])) ||
            !put(j, "failed", json_integer((json_int_t)n[PLAN_FAILED])) ||
            !put(j, "skipped", json_integer((json_int_t)n[PLAN_SKIPPED])) ||
            !put(j, "rolled_back", json_integer((json_int_t)n[PLAN_ROLLED_BACK])) ||
            !put(j, "not_started",
                 json_integer((json_int_t)(n[PLAN_INTERRUPTED] + n[PLAN_PENDING]))) ||
            !put(j, "interrupted_by_signal", json_boolean(run->interrupted)) ||
            !put(j, "engine_lost", json_boolean(run->engine_lost))) {
                json_decref(j);
                return NULL;
        }
        return j;
}

json_t *plan_to_json(const struct plan *p, const struct plan_run *run,
                     const struct plan_render_options *o, unsigned long calls,
                     unsigned long mutating)
{
        json_t *j = json_object(), *changes = json_array(), *ops = json_array(), *api;
        struct counts k = count_changes(p);
        size_t i, n = p->diff ? p->diff->nchanges : 0;
        bool ok = j && changes && ops;

        ok = ok && put(j, "format_version", json_integer(1)) && put_str(j, "scope", scope_of(o));
        for (i = 0; ok && i < n; i++)
                ok = json_array_append_new(changes, json_change(p, &p->diff->changes[i])) == 0;
        for (i = 0; ok && i < p->nops; i++)
                ok = json_array_append_new(ops, json_op(p, &p->ops[i], result_of(run, i))) == 0;
        ok = ok && json_object_set(j, "changes", changes) == 0 &&
             json_object_set(j, "operations", ops) == 0 && put(j, "summary", json_summary(p)) &&
             put(j, "changed",
                 json_boolean(p->nops > 0 || k.n[DIFF_CREATE] || k.n[DIFF_RECREATE] ||
                              k.n[DIFF_START] || k.n[DIFF_REMOVE]));
        api = ok ? json_object() : NULL;
        ok = ok && put(j, "api_calls", api) && put(api, "total", json_integer((json_int_t)calls)) &&
             put(api, "mutating", json_integer((json_int_t)mutating));
        if (ok && run)
                ok = put(j, "result", json_result(p, run));
        json_decref(changes);
        json_decref(ops);
        if (!ok) {
                json_decref(j);
                return NULL;
        }
        return j;
}
