/* report.c - the documents agent/http.h serves: /status (JSON, per
 * schema/status.schema.json) and /metrics (Prometheus text format 0.0.4).
 * Each is rendered under the state's lock into memory of its own. */
#include "agent/http.h"

#include <stdarg.h>
#include <stdbool.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include <jansson.h>

#include "common/buf.h"

/* Nothing served is allowed to grow past this (a million projects would). */
#define REPORT_MAX (64UL << 20)

static const char *const op_results[AGENT_OP_RESULTS] = {
    [PLAN_PENDING] = "pending",         [PLAN_DONE] = "done",
    [PLAN_FAILED] = "failed",           [PLAN_SKIPPED] = "skipped",
    [PLAN_ROLLED_BACK] = "rolled_back", [PLAN_INTERRUPTED] = "interrupted",
};

/* ---- text from outside: valid UTF-8 -------------------------------------- */

/* Length of the well-formed UTF-8 sequence at s, or 0. */
static size_t utf8_seq(const unsigned char *s)
{
        unsigned long cp;
        size_t n, i;

        if (s[0] < 0x80)
                return 1;
        if (s[0] >= 0xc2 && s[0] <= 0xdf)
                n = 2, cp = s[0] & 0x1f;
        else if (s[0] >= 0xe0 && s[0] <= 0xef)
                n = 3, cp = s[0] & 0x0f;
        else if (s[0] >= 0xf0 && s[0] <= 0xf4)
                n = 4, cp = s[0] & 0x07;
        else
                return 0;
        for (i = 1; i < n; i++) {
                if ((s[i] & 0xc0) != 0x80)
                        return 0;
                cp = cp << 6 | (s[i] & 0x3f);
        }
        if ((n == 3 && cp < 0x800) || (n == 4 && (cp < 0x10000 || cp > 0x10ffff)) ||
            (cp >= 0xd800 && cp <= 0xdfff))
                return 0;
        return n;
}

/* Append s with each byte that is not UTF-8 as U+FFFD; in a label value,
 * with \, " and newline escaped as the text format wants. */
static int add_text(struct berth_buf *b, const char *s, bool label)
{
        const unsigned char *p = (const unsigned char *)s;
        int r = 0;

        while (*p && r == 0) {
                size_t n = utf8_seq(p);

                if (!n) {
                        r = berth_buf_addstr(b, "\xef\xbf\xbd");
                        p++;
                        continue;
                }
                if (label && *p == '\\')
                        r = berth_buf_addstr(b, "\\\\");
                else if (label && *p == '"')
                        r = berth_buf_addstr(b, "\\\"");
                else if (label && *p == '\n')
                        r = berth_buf_addstr(b, "\\n");
                else
                        r = berth_buf_add(b, p, n);
                p += n;
        }
        return r;
}

/* ---- /status ------------------------------------------------------------- */

/* A JSON string of s, made valid UTF-8. */
static json_t *jtext(const char *s)
{
        struct berth_buf b;
        json_t *j;

        j = json_string(s);
        if (j)
                return j;
        berth_buf_init(&b, REPORT_MAX);
        j = add_text(&b, s, false) == 0 ? json_string(b.data ? b.data : "") : NULL;
        berth_buf_release(&b);
        return j;
}

/* The same, or null for NULL or "". */
static json_t *jstr(const char *s)
{
        return s && *s ? jtext(s) : json_null();
}

/* RFC 3339 in UTC with milliseconds, or null for 0 (never). */
static json_t *jtime(double t)
{
        char when[40];
        time_t sec = (time_t)t;
        struct tm tm;

        if (t <= 0 || !gmtime_r(&sec, &tm))
                return json_null();
        strftime(when, sizeof(when), "%Y-%m-%dT%H:%M:%S", &tm);
        snprintf(when + strlen(when), sizeof(when) - strlen(when), ".%03dZ",
                 (int)((t - (double)sec) * 1000) % 1000);
        return json_string(when);
}

static json_t *jcount(unsigned long n)
{
        return json_integer((json_int_t)n);
}

/* o[k] = v; v is taken whatever happens; false when o, v or the set
 * failed (out of memory). */
static bool put(json_t *o, const char *k, json_t *v)
{
        if (!o || !v) {
                json_decref(v);
                return false;
        }
        return json_object_set_new(o, k, v) == 0;
}

static json_t *status_sync(const struct agent_state *s)
{
        json_t *o = json_object();
        bool ok;

        ok = put(o, "repo", jtext(s->repo)) && put(o, "ref", jstr(s->ref)) &&
             put(o, "path", jstr(s->path)) && put(o, "fetched", jstr(s->fetched)) &&
             put(o, "subject", jstr(s->subject)) && put(o, "checked_out", jstr(s->checked_out)) &&
             put(o, "last_fetch", jtime(s->last_fetch)) &&
             put(o, "fetch_error", jstr(s->fetch_error)) &&
             put(o, "fetch_failures", jcount(s->fetch_failures)) &&
             put(o, "fetches",
                 json_pack("{s:I, s:I}", "ok", (json_int_t)s->fetches[0], "failed",
                           (json_int_t)s->fetches[1]));
        if (!ok) {
                json_decref(o);
                return NULL;
        }
        return o;
}

static json_t *status_projects(const struct agent_state *s)
{
        json_t *a = json_array();
        size_t i;

        for (i = 0; a && i < s->nprojects; i++) {
                const struct agent_project *p = &s->projects[i];
                json_t *o = json_object();
                bool ok;

                ok = put(o, "name", jtext(p->name)) &&
                     put(o, "result", json_string(agent_result_name(p->result))) &&
                     put(o, "revision", jstr(p->revision)) && put(o, "error", jstr(p->error)) &&
                     put(o, "error_revision", jstr(p->error_revision)) &&
                     put(o, "drifted", json_integer(p->drifted)) &&
                     put(o, "last_reconcile", jtime(p->last_reconcile));
                if (!ok)
                        json_decref(o);
                if (!ok || json_array_append_new(a, o) < 0) {
                        json_decref(a);
                        return NULL;
                }
        }
        return a;
}

char *agent_status_json(struct agent_state *s)
{
        json_t *root = json_object();
        char *doc = NULL, *out = NULL;
        bool ok;

        agent_state_lock(s);
        ok = put(root, "format_version", json_integer(1)) && put(root, "scope", jtext(s->scope)) &&
             put(root, "root", jtext(s->root)) &&
             put(root, "engine_up", json_boolean(s->engine_up)) &&
             put(root, "sync", s->repo ? status_sync(s) : json_null()) &&
             put(root, "last_reconcile", jtime(s->last_reconcile)) &&
             put(root, "last_sync", jtime(s->last_sync)) &&
             put(root, "applied", jstr(s->applied)) &&
             put(root, "reconciles",
                 json_pack("{s:I, s:I, s:I}", "ok", (json_int_t)s->reconciles[AGENT_OK], "failed",
                           (json_int_t)s->reconciles[AGENT_FAILED], "invalid",
                           (json_int_t)s->reconciles[AGENT_INVALID])) &&
             put(root, "api_calls", jcount(s->api_calls)) &&
             put(root, "drifted", json_integer(s->drifted)) &&
             put(root, "projects", status_projects(s));
        agent_state_unlock(s);
        if (ok)
                doc = json_dumps(root, JSON_INDENT(2));
        json_decref(root);
        if (doc && (out = malloc(strlen(doc) + 2)))
                sprintf(out, "%s\n", doc);
        free(doc);
        return out;
}

/* ---- /metrics ------------------------------------------------------------ */

struct metrics {
        struct berth_buf b;
        int err; /* the first append that failed */
};

static void emit(struct metrics *m, const char *fmt, ...) __attribute__((format(printf, 2, 3)));

static void emit(struct metrics *m, const char *fmt, ...)
{
        char line[512];
        va_list ap;

        va_start(ap, fmt);
        vsnprintf(line, sizeof(line), fmt, ap);
        va_end(ap);
        if (!m->err)
                m->err = berth_buf_addstr(&m->b, line);
}

static void family(struct metrics *m, const char *name, const char *type, const char *help)
{
        emit(m, "# HELP %s %s\n# TYPE %s %s\n", name, help, name, type);
}

/* One sample: name{k="v",...} value, the labels as (key, value) pairs
 * ending with NULL. */
static void sample(struct metrics *m, const char *name, double value, ...)
{
        const char *k, *v;
        bool first = true;
        va_list ap;

        emit(m, "%s", name);
        va_start(ap, value);
        while ((k = va_arg(ap, const char *)) && (v = va_arg(ap, const char *))) {
                emit(m, "%s%s=\"", first ? "{" : ",", k);
                if (!m->err)
                        m->err = add_text(&m->b, v, true);
                emit(m, "\"");
                first = false;
        }
        va_end(ap);
        emit(m, "%s %.15g\n", first ? "" : "}", value);
}

static void metrics_reconciles(struct metrics *m, const struct agent_state *s)
{
        size_t k, r;

        family(m, "berth_engine_up", "gauge",
               "1 when the last reconcile reached the Docker engine, else 0.");
        sample(m, "berth_engine_up", s->engine_up ? 1 : 0, NULL);
        family(m, "berth_reconciles_total", "counter",
               "Reconciles run, by result (ok, failed, invalid: a manifest did not load).");
        for (r = 0; r < AGENT_RESULTS; r++)
                sample(m, "berth_reconciles_total", (double)s->reconciles[r], "result",
                       agent_result_name((enum agent_result)r), NULL);
        family(m, "berth_last_reconcile_timestamp_seconds", "gauge",
               "Unix time of the last reconcile, whatever its result; 0 before the first.");
        sample(m, "berth_last_reconcile_timestamp_seconds", s->last_reconcile, NULL);
        family(m, "berth_last_sync_timestamp_seconds", "gauge",
               "Unix time of the last reconcile that ended ok; 0 before the first.");
        sample(m, "berth_last_sync_timestamp_seconds", s->last_sync, NULL);
        family(m, "berth_api_calls_total", "counter",
               "Docker Engine API calls made by reconciles.");
        sample(m, "berth_api_calls_total", (double)s->api_calls, NULL);
        family(m, "berth_operations_total", "counter", "Plan operations run, by kind and result.");
        for (k = 0; k < AGENT_OP_KINDS; k++)
                for (r = 0; r < AGENT_OP_RESULTS; r++)
                        sample(m, "berth_operations_total", (double)s->ops[k][r], "kind",
                               plan_op_kind_name((enum plan_op_kind)k), "result", op_results[r],
                               NULL);
        family(m, "berth_drifted_services", "gauge",
               "Services that differed from the manifests at the last reconcile.");
        sample(m, "berth_drifted_services", (double)s->drifted, NULL);
        family(m, "berth_revision_info", "gauge",
               "The manifest revision (git commit) the last reconcile read, and its subject "
               "when known.");
        if (s->applied[0])
                sample(m, "berth_revision_info", 1, "revision", s->applied, "subject",
                       s->subject && !strcmp(s->applied, s->fetched) ? s->subject : "", NULL);
}

static void metrics_projects(struct metrics *m, const struct agent_state *s)
{
        size_t i, r;

        family(m, "berth_project_result", "gauge",
               "1 for the result of the project's last reconcile (ok, failed, invalid: its "
               "manifest did not load and the project was left as it was), 0 for the others.");
        for (i = 0; i < s->nprojects; i++)
                for (r = 0; r < AGENT_RESULTS; r++)
                        sample(m, "berth_project_result", s->projects[i].result == r ? 1 : 0,
                               "project", s->projects[i].name, "result",
                               agent_result_name((enum agent_result)r), NULL);
        family(m, "berth_project_revision_info", "gauge",
               "The revision each project was last applied from with no failure.");
        for (i = 0; i < s->nprojects; i++)
                if (s->projects[i].revision && s->projects[i].revision[0])
                        sample(m, "berth_project_revision_info", 1, "project", s->projects[i].name,
                               "revision", s->projects[i].revision, NULL);
        family(m, "berth_project_invalid_info", "gauge",
               "Projects whose manifest did not load, with the revision that broke it ('' "
               "outside git).");
        for (i = 0; i < s->nprojects; i++)
                if (s->projects[i].result == AGENT_INVALID)
                        sample(m, "berth_project_invalid_info", 1, "project", s->projects[i].name,
                               "revision",
                               s->projects[i].error_revision ? s->projects[i].error_revision : "",
                               NULL);
        family(m, "berth_project_drifted_services", "gauge",
               "Services of each project that differed from the manifests at the last "
               "reconcile.");
        for (i = 0; i < s->nprojects; i++)
                sample(m, "berth_project_drifted_services", (double)s->projects[i].drifted,
                       "project", s->projects[i].name, NULL);
}

/* The git follower's families: only under berth sync (repo set). */
static void metrics_git(struct metrics *m, const struct agent_state *s)
{
        family(m, "berth_git_fetches_total", "counter", "Fetches of the followed ref, by result.");
        sample(m, "berth_git_fetches_total", (double)s->fetches[0], "result", "ok", NULL);
        sample(m, "berth_git_fetches_total", (double)s->fetches[1], "result", "failed", NULL);
        family(m, "berth_git_fetch_failures", "gauge",
               "Fetches that failed in a row; 0 after a good one.");
        sample(m, "berth_git_fetch_failures", (double)s->fetch_failures, NULL);
        family(m, "berth_git_last_fetch_timestamp_seconds", "gauge",
               "Unix time of the last good fetch; 0 before the first.");
        sample(m, "berth_git_last_fetch_timestamp_seconds", s->last_fetch, NULL);
        family(m, "berth_git_fetched_info", "gauge",
               "The commit the followed ref was at on the last good fetch, and its subject.");
        if (s->fetched[0])
                sample(m, "berth_git_fetched_info", 1, "commit", s->fetched, "subject",
                       s->subject ? s->subject : "", NULL);
}

char *agent_metrics_text(struct agent_state *s)
{
        struct metrics m = {.err = 0};

        berth_buf_init(&m.b, REPORT_MAX);
        agent_state_lock(s);
        metrics_reconciles(&m, s);
        metrics_projects(&m, s);
        if (s->repo)
                metrics_git(&m, s);
        agent_state_unlock(s);
        if (m.err) {
                berth_buf_release(&m.b);
                return NULL;
        }
        return m.b.data ? berth_buf_steal(&m.b) : strdup("");
}
