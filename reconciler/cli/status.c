/* berth status's output: one row per project and service, declared or
 * still running. */
#include "cli/cli.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <jansson.h>

#include "diff/diff.h"
#include "model/actual.h"
#include "model/model.h"

struct row {
        const char *project, *service;
        const struct model_service *desired;
        int frozen;
        long want, running, healthy, unhealthy, starting;
        const char *image, *revision;
        size_t create, recreate, start, remove;
};

static int row_cmp(const void *a, const void *b)
{
        const struct row *x = a, *y = b;
        int d = strcmp(x->project, y->project);

        return d ? d : strcmp(x->service, y->service);
}

static int in_list(const char *const *l, const char *s)
{
        for (; l && *l; l++)
                if (!strcmp(*l, s))
                        return 1;
        return 0;
}

/* Every (project, service) declared or observed, sorted and unique. */
static struct row *rows_collect(size_t *n, const struct model_state *d,
                                const struct actual_state *a)
{
        size_t cap = a->ncontainers + 1, i, j, k = 0;
        struct row *v;

        for (i = 0; d && i < d->nprojects; i++)
                cap += d->projects[i].nservices;
        v = calloc(cap, sizeof(*v));
        if (!v)
                return NULL;
        for (i = 0; d && i < d->nprojects; i++)
                for (j = 0; j < d->projects[i].nservices; j++) {
                        v[k].project = d->projects[i].name;
                        v[k].service = d->projects[i].services[j].name;
                        v[k++].desired = &d->projects[i].services[j];
                }
        for (i = 0; i < a->ncontainers; i++) {
                if (!*a->containers[i].project || !*a->containers[i].service)
                        continue;
                v[k].project = a->containers[i].project;
                v[k++].service = a->containers[i].service;
        }
        qsort(v, k, sizeof(*v), row_cmp);
        for (i = 0, j = 0; i < k; i++) {
                if (j && !row_cmp(&v[j - 1], &v[i])) {
                        if (!v[j - 1].desired)
                                v[j - 1].desired = v[i].desired;
                        continue;
                }
                v[j++] = v[i];
        }
        *n = j;
        return v;
}

static void row_fill(struct row *r, const struct actual_state *a, const struct diff_result *diff,
                     const char *const *frozen)
{
        size_t i;

        r->frozen = in_list(frozen, r->project);
        r->want = r->desired ? (long)r->desired->replicas : 0;
        r->image = r->desired ? r->desired->image : NULL;
        for (i = 0; i < a->ncontainers; i++) {
                const struct actual_container *c = &a->containers[i];

                if (strcmp(c->project, r->project) || strcmp(c->service, r->service) || c->temp)
                        continue;
                if (!r->image)
                        r->image = c->image;
                if (!r->revision && *c->revision)
                        r->revision = c->revision;
                if (c->state != ACTUAL_RUNNING)
                        continue;
                r->running++;
                r->healthy += c->health == ACTUAL_HEALTH_HEALTHY;
                r->unhealthy += c->health == ACTUAL_HEALTH_UNHEALTHY;
                r->starting += c->health == ACTUAL_HEALTH_STARTING;
        }
        for (i = 0; i < diff->nchanges; i++) {
                const struct diff_change *c = &diff->changes[i];

                if (c->kind != DIFF_CONTAINER || strcmp(c->project, r->project) ||
                    strcmp(c->service, r->service))
                        continue;
                r->create += c->action == DIFF_CREATE;
                r->recreate += c->action == DIFF_RECREATE;
                r->start += c->action == DIFF_START;
                r->remove += c->action == DIFF_REMOVE;
        }
}

static const char *health_text(const struct row *r, char *buf, size_t size)
{
        size_t n = 0;

        buf[0] = '\0';
        if (r->healthy)
                n += (size_t)snprintf(buf + n, size - n, "%ld healthy", r->healthy);
        if (r->unhealthy && n < size)
                n += (size_t)snprintf(buf + n, size - n, "%s%ld unhealthy", n ? ", " : "",
                                      r->unhealthy);
        if (r->starting && n < size)
                snprintf(buf + n, size - n, "%s%ld starting", n ? ", " : "", r->starting);
        return buf[0] ? buf : "-";
}

static const char *drift_text(const struct row *r, char *buf, size_t size)
{
        static const char *const words[] = {"to create", "to recreate", "to start", "to remove"};
        size_t counts[] = {r->create, r->recreate, r->start, r->remove}, i, n = 0;

        if (r->frozen)
                return "unknown: manifest did not load";
        buf[0] = '\0';
        for (i = 0; i < 4; i++)
                if (counts[i] && n < size)
                        n += (size_t)snprintf(buf + n, size - n, "%s%zu %s", n ? ", " : "",
                                              counts[i], words[i]);
        return buf[0] ? buf : "none";
}

static json_t *row_json(const struct row *r)
{
        json_t *o =
            json_pack("{s:s, s:I, s:I, s:I, s:I, s:I, s:s?, s:s?, s:b}", "name", r->service,
                      "desired", (json_int_t)r->want, "running", (json_int_t)r->running, "healthy",
                      (json_int_t)r->healthy, "unhealthy", (json_int_t)r->unhealthy, "starting",
                      (json_int_t)r->starting, "image", r->image, "revision", r->revision, "drift",
                      r->frozen || r->create || r->recreate || r->start || r->remove);

        if (o)
                json_object_set_new(
                    o, "pending",
                    json_pack("{s:I, s:I, s:I, s:I}", "create", (json_int_t)r->create, "recreate",
                              (json_int_t)r->recreate, "start", (json_int_t)r->start, "remove",
                              (json_int_t)r->remove));
        return o;
}

void cli_status_print(const struct model_state *desired, const struct actual_state *actual,
                      const struct diff_result *diff, const char *const *frozen, const char *scope,
                      int json)
{
        char health[96], drift[128], replicas[48], rev[16];
        json_t *doc = NULL, *projects = NULL, *proj = NULL, *services = NULL;
        size_t n = 0, i;
        struct row *rows = rows_collect(&n, desired, actual);

        if (!rows) {
                fprintf(stderr, "berth: out of memory\n");
                return;
        }
        for (i = 0; i < n; i++)
                row_fill(&rows[i], actual, diff, frozen);
        if (json) {
                projects = json_array();
                doc = json_pack("{s:s, s:o}", "scope", scope, "projects", projects);
                for (i = 0; doc && i < n; i++) {
                        if (!i || strcmp(rows[i - 1].project, rows[i].project)) {
                                services = json_array();
                                proj = json_pack("{s:s, s:b, s:o}", "name", rows[i].project,
                                                 "frozen", rows[i].frozen, "services", services);
                                json_array_append_new(projects, proj);
                        }
                        json_array_append_new(services, row_json(&rows[i]));
                }
                if (doc) {
                        json_dumpf(doc, stdout, JSON_INDENT(2) | JSON_PRESERVE_ORDER);
                        fputc('\n', stdout);
                }
                json_decref(doc);
                free(rows);
                return;
        }
        if (!n) {
                printf("Nothing declared or running in scope %s.\n", scope);
                free(rows);
                return;
        }
        printf("%-16s %-16s %-8s %-18s %-28s %-12s %s\n", "PROJECT", "SERVICE", "RUNNING", "HEALTH",
               "IMAGE", "REVISION", "DRIFT");
        for (i = 0; i < n; i++) {
                const struct row *r = &rows[i];

                snprintf(replicas, sizeof(replicas), "%ld/%ld", r->running, r->want);
                snprintf(rev, sizeof(rev), "%.12s", r->revision ? r->revision : "-");
                printf("%-16s %-16s %-8s %-18s %-28s %-12s %s\n", r->project, r->service, replicas,
                       health_text(r, health, sizeof(health)), r->image ? r->image : "-", rev,
                       drift_text(r, drift, sizeof(drift)));
        }
        free(rows);
}
