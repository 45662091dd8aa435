#include "manifest/load.h"

#include <errno.h>
#include <libgen.h>
#include <limits.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>

#include "common/err.h"
#include "manifest/doc.h"
#include "manifest/envfile.h"
#include "manifest/interp.h"
#include "manifest/normalize.h"
#include "manifest/scan.h"
#include "model/model.h"
#include "policy/trust.h"
#include "schema/validate.h"

extern char **environ;

static int add_failed(struct manifest_set *s, const struct manifest_file *f, const char *project)
{
        struct manifest_failed *v = realloc(s->failed, (s->nfailed + 1) * sizeof(*v));

        if (!v)
                return BERTH_ENOMEM;
        s->failed = v;
        v = &s->failed[s->nfailed];
        v->rel = strdup(f->rel);
        v->name = strdup(f->name);
        v->project = project ? strdup(project) : NULL;
        s->nfailed++;
        if (!v->rel || !v->name || (project && !v->project))
                return BERTH_ENOMEM;
        return 0;
}

/* The project a file names: its top-level name: when that is a plain
 * string, else the name derived from its path. */
static void project_of(char *buf, size_t size, const struct doc *d, const struct manifest_file *f)
{
        const struct doc_node *n = d && d->root ? doc_map_get(d->root, "name") : NULL;

        if (n && n->kind == DOC_SCALAR && doc_scalar_type(n) == DOC_T_STR && n->scalar.len)
                snprintf(buf, size, "%s", n->scalar.text);
        else
                normalize_project_name(buf, size, f->rel);
}

/* Where a manifest comes from: its text in memory (data set) or f->path;
 * dir is where its relative paths resolve (NULL: f->path's directory). */
struct load_src {
        const char *data;
        size_t len;
        const char *dir;
};

/* The root's .env decides variables of every file: when it exists, it is
 * held to policy/trust.h like the root (fatal, or a warning when
 * insecure). */
static int dotenv_trusted(const char *path, const struct manifest_load_opts *opts,
                          struct diag_list *diags, struct berth_err *err)
{
        char why[PATH_MAX + 256];
        struct stat st;

        if (stat(path, &st) < 0 || !trust_stat_problem(why, sizeof(why), &st, path, TRUST_INSIDE))
                return 0; /* a missing .env is none; an unreadable one fails on reading */
        if (opts->insecure) {
                diag_add(diags, DIAG_WARNING, path, 0, 0, "",
                         "%s (accepted because of --insecure-manifests)", why);
                return 0;
        }
        return berth_err_set(err, BERTH_EFORBIDDEN,
                             "env file '%s' is %s (or pass --insecure-manifests to accept it with "
                             "a warning)",
                             path, why);
}

/* One file through parse, interpolation, validation and normalization.
 * Returns 0 or BERTH_ENOMEM; a file with errors is recorded as failed. */
static int load_one(struct manifest_set *s, const struct manifest_file *f,
                    const struct load_src *src, const struct schema *schema, struct interp_env *env,
                    const struct manifest_load_opts *opts, const char *root_dir)
{
        size_t errors_before = diag_list_errors(&s->diags);
        struct normalize_ctx ctx = {0};
        char project[256] = "", dir[PATH_MAX];
        struct doc *d = NULL;
        struct berth_err err;
        int r;

        berth_err_clear(&err);
        if (src && src->data)
                r = doc_parse(&d, f->name, src->data, src->len, opts->limits, &s->diags, &err);
        else
                r = doc_load_file(&d, f->path, f->name, opts->limits, &s->diags, &err);
        if (r == BERTH_ENOMEM)
                goto out;
        if (d && d->root) {
                r = manifest_interpolate(d, env, &s->diags, &err);
                if (r == BERTH_ENOMEM)
                        goto out;
                r = schema_validate(schema, d->root, f->name, &s->diags);
                if (r < 0)
                        goto out;
        }
        project_of(project, sizeof(project), d, f);
        if (diag_list_errors(&s->diags) > errors_before) {
                r = add_failed(s, f, project[0] ? project : NULL);
                goto out;
        }
        if (!d || !d->root) { /* empty manifest: a warning, and no project */
                r = 0;
                goto out;
        }
        snprintf(dir, sizeof(dir), "%s", f->path);
        ctx.file = f->name;
        ctx.source = f->rel;
        ctx.home = getenv("HOME");
        ctx.dir = src && src->dir ? src->dir : dirname(dir);
        ctx.env = env;
        ctx.policy = opts->policy;
        ctx.root_dir = root_dir;
        ctx.insecure = opts->insecure;
        r = normalize_project(s->state, d->root, &ctx, &s->diags, &err);
        if (r == BERTH_ENOMEM)
                goto out;
        r = 0;
        if (diag_list_errors(&s->diags) > errors_before)
                r = add_failed(s, f, project);
out:
        doc_free(d);
        return r;
}

static const struct manifest_file *file_of(const struct manifest_list *files,
                                           const struct model_project *p)
{
        size_t i;

        for (i = 0; i < files->n; i++)
                if (!strcmp(files->v[i].rel, p->source))
                        return &files->v[i];
        return NULL;
}

/* A project is acted on only when exactly one file names it and that file
 * loaded.  normalize refuses the second of two files naming one project,
 * and a file that failed for any reason may still name a project another
 * file defines: in both cases which file is meant cannot be known, so the
 * project is dropped from the state and frozen, and the file that did
 * load gets an error naming the other. */
static int freeze_shared_projects(struct manifest_set *s, const struct manifest_list *files)
{
        struct model_state *st = s->state;
        const struct manifest_file *f;
        size_t i, k, keep = 0, nfailed = s->nfailed;
        int r = 0;

        for (i = 0; i < st->nprojects; i++) {
                const struct model_project *p = &st->projects[i];
                const struct manifest_failed *other = NULL;

                for (k = 0; k < nfailed && !other; k++)
                        if (s->failed[k].project && !strcmp(s->failed[k].project, p->name))
                                other = &s->failed[k];
                if (!other) {
                        st->projects[keep++] = *p;
                        continue;
                }
                diag_add(&s->diags, DIAG_ERROR, p->file, 0, 0, "",
                         "project '%s' is also named by %s: two files cannot make one project "
                         "(set a different top-level name:); its containers are left as they are",
                         p->name, other->name);
                f = file_of(files, p);
                if (f && (r = add_failed(s, f, p->name)) < 0)
                        break;
        }
        st->nprojects = keep;
        return r;
}

/* ---- conflicts across projects ---- */

/* Where project p's file comes in scan order (files->n if not found). */
static size_t file_index(const struct manifest_list *files, const struct model_project *p)
{
        const struct manifest_file *f = file_of(files, p);

        return f ? (size_t)(f - files->v) : files->n;
}

/* The service of q that publishes a host port a overlaps, or NULL. */
static const struct model_service *port_user(const struct model_project *q,
                                             const struct model_port *a)
{
        size_t k, l;

        for (k = 0; k < q->nservices; k++)
                for (l = 0; l < q->services[k].nports; l++)
                        if (normalize_ports_overlap(a, &q->services[k].ports[l]))
                                return &q->services[k];
        return NULL;
}

/* The service of q that has a container named name, or NULL. */
static const struct model_service *name_user(const struct model_project *q, const char *name)
{
        size_t k, qlen = strlen(q->name);
        char buf[512];
        int t;
        /* q's generated names all start "{q}-": a name that does not can
         * only be one of q's fixed container_name values, so the names
         * are not built at all (this runs for every pair of projects). */
        int generated = !strncmp(name, q->name, qlen) && name[qlen] == '-';

        for (k = 0; k < q->nservices; k++) {
                if (!generated && !q->services[k].container_name)
                        continue;
                for (t = 1; t <= q->services[k].replicas; t++)
                        if (!strcmp(name,
                                    model_container_name(q, &q->services[k], t, buf, sizeof(buf))))
                                return &q->services[k];
        }
        return NULL;
}

/* 1 after reporting a host port or a container name (container_name: or
 * {project}-{service}-{replica}) of p that q (a project kept before it)
 * also has. */
static int conflict(struct diag_list *diags, const struct model_project *p,
                    const struct model_project *q)
{
        const struct model_service *s, *other;
        char path[512], what[512];
        size_t i, j;
        int r;

        for (i = 0; i < p->nservices; i++) {
                s = &p->services[i];
                for (j = 0; j < s->nports; j++) {
                        const struct model_port *a = &s->ports[j];

                        if (!(other = port_user(q, a)))
                                continue;
                        snprintf(path, sizeof(path), "services.%s.ports[%zu]", s->name, a->item);
                        diag_add(diags, DIAG_ERROR, p->file, a->pos.line, a->pos.col, path,
                                 "host port %s is already published by service '%s' of project "
                                 "'%s' (%s)",
                                 normalize_port_host(what, sizeof(what), a), other->name, q->name,
                                 q->file);
                        return 1;
                }
                for (r = 1; r <= s->replicas; r++) {
                        if (!(other =
                                  name_user(q, model_container_name(p, s, r, what, sizeof(what)))))
                                continue;
                        snprintf(path, sizeof(path), "services.%s%s", s->name,
                                 s->container_name ? ".container_name" : "");
                        diag_add(diags, DIAG_ERROR, p->file, s->pos.line, s->pos.col, path,
                                 "container name '%s' is already used by service '%s' of project "
                                 "'%s' (%s)",
                                 what, other->name, q->name, q->file);
                        return 1;
                }
        }
        return 0;
}

/* Two projects cannot publish one host port or name one container: the
 * project of the later file (in scan order) fails like a file with an
 * error, so its containers are left as they are. */
static int refuse_conflicts(struct manifest_set *s, const struct manifest_list *files)
{
        struct model_state *st = s->state;
        size_t *order, i, j, k, keep = 0;
        char *dropped;
        int r = 0;

        if (st->nprojects < 2)
                return 0;
        order = malloc(st->nprojects * sizeof(*order));
        dropped = calloc(st->nprojects, 1);
        if (!order || !dropped) {
                r = BERTH_ENOMEM;
                goto out;
        }
        /* the projects in scan order of their files */
        for (i = 0; i < st->nprojects; i++) {
                for (j = i; j > 0 && file_index(files, &st->projects[order[j - 1]]) >
                                         file_index(files, &st->projects[i]);
                     j--)
                        order[j] = order[j - 1];
                order[j] = i;
        }
        for (i = 1; i < st->nprojects; i++) {
                const struct model_project *p = &st->projects[order[i]];
                const struct manifest_file *f;

                for (k = 0; k < i; k++) {
                        const struct model_project *q = &st->projects[order[k]];

                        if (dropped[order[k]])
                                continue;
                        if (conflict(&s->diags, p, q)) {
                                dropped[order[i]] = 1;
                                break;
                        }
                }
                if (dropped[order[i]] && (f = file_of(files, p)) &&
                    (r = add_failed(s, f, p->name)) < 0)
                        goto out;
        }
        for (i = 0; i < st->nprojects; i++)
                if (!dropped[i])
                        st->projects[keep++] = st->projects[i];
        st->nprojects = keep;
out:
        free(order);
        free(dropped);
        return r;
}

/* msg with every occurrence of secret replaced by "(sensitive)", as a new
 * string; NULL when it has none or memory ran out (msg then stays: it is
 * only shown). */
static char *without_secret(const char *msg, const char *secret)
{
        size_t n = strlen(secret), count = 0;
        const char *at, *from;
        char *out, *o;

        for (at = strstr(msg, secret); at; at = strstr(at + n, secret))
                count++;
        if (!count || !(out = malloc(strlen(msg) + count * sizeof("(sensitive)") + 1)))
                return NULL;
        for (o = out, from = msg; (at = strstr(from, secret)); from = at + n) {
                memcpy(o, from, (size_t)(at - from));
                o += at - from;
                o += sprintf(o, "(sensitive)");
        }
        strcpy(o, from);
        return out;
}

static void redact_one(struct diag_list *diags, const char *secret)
{
        size_t i;
        char *m;

        if (!secret || strlen(secret) < MODEL_SECRET_MIN)
                return;
        for (i = 0; i < diags->n; i++) {
                if ((m = without_secret(diags->v[i].message, secret))) {
                        free(diags->v[i].message);
                        diags->v[i].message = m;
                }
        }
}

/* Problems may quote a value: none may show the value of a sensitive
 * variable any file interpolated (also one that failed).  These are the
 * secrets kept out of the manifests; a secret written in a manifest is
 * not quoted by any message about a key that may hold it. */
static void redact_diags(struct manifest_set *s, struct interp_env *env)
{
        const char *name;
        size_t i;

        for (i = 0; i < interp_env_uses(env); i++) {
                name = interp_env_use(env, i);
                if (model_name_is_sensitive(name))
                        redact_one(&s->diags, interp_env_lookup(env, name, strlen(name), NULL));
        }
}

/* out emptied, with an empty state: 0 or BERTH_ENOMEM (err set). */
static int set_init(struct manifest_set *out, struct berth_err *err)
{
        memset(out, 0, sizeof(*out));
        diag_list_init(&out->diags);
        out->state = model_state_new();
        if (!out->state)
                return berth_err_set(err, BERTH_ENOMEM, "out of memory");
        return 0;
}

/* Every file of files (src: where the one file of a buffer comes from,
 * or NULL) into out, then the checks across files.  0, or an error of
 * the built-in schema, or BERTH_ENOMEM (err set). */
static int load_files(struct manifest_set *out, const struct manifest_list *files,
                      const struct load_src *src, struct interp_env *env,
                      const struct manifest_load_opts *opts, const char *root_dir,
                      struct berth_err *err)
{
        const struct schema *schema = schema_load_builtin(err);
        size_t i;

        if (!schema)
                return err->code ? err->code : BERTH_ENOMEM;
        for (i = 0; i < files->n; i++)
                if (load_one(out, &files->v[i], src, schema, env, opts, root_dir) < 0)
                        goto nomem;
        if (freeze_shared_projects(out, files) < 0)
                goto nomem;
        if (refuse_conflicts(out, files) < 0)
                goto nomem;
        out->nvariables = interp_env_uses(env);
        if (out->nvariables) {
                out->variables = calloc(out->nvariables, sizeof(char *));
                if (!out->variables)
                        goto nomem;
                for (i = 0; i < out->nvariables; i++)
                        if (!(out->variables[i] = strdup(interp_env_use(env, i))))
                                goto nomem;
        }
        redact_diags(out, env);
        diag_list_sort(&out->diags);
        return 0;
nomem:
        return berth_err_set(err, BERTH_ENOMEM, "out of memory loading manifests");
}

static const char *const *environ_of(const struct manifest_load_opts *opts)
{
        return opts->environ ? opts->environ : (const char *const *)environ;
}

int manifest_load(struct manifest_set *out, const struct manifest_load_opts *opts,
                  struct berth_err *err)
{
        const char *root = opts->root ? opts->root : MANIFEST_DEFAULT_ROOT;
        struct manifest_list files;
        struct interp_env *env = NULL;
        char dotenv[PATH_MAX], dir[PATH_MAX];
        size_t i;
        int r;

        manifest_list_init(&files);
        r = set_init(out, err);
        if (r < 0)
                goto out;
        r = manifest_scan(&files, root, opts->insecure ? MANIFEST_SCAN_INSECURE : 0, &out->diags,
                          err);
        if (r == BERTH_ENOTFOUND || r == BERTH_EIO || r == BERTH_EFORBIDDEN || r == BERTH_ENOMEM)
                goto out;
        out->complete = r == 0;
        out->root_is_file = files.root_is_file;
        out->nfiles = files.n + files.nrefused;
        /* a manifest the scan refused is a file that failed: its project
         * (as its path names it; its name: is not read) is left alone */
        for (i = 0; i < files.nrefused; i++) {
                char project[256];

                normalize_project_name(project, sizeof(project), files.refused[i].rel);
                if (add_failed(out, &files.refused[i], project[0] ? project : NULL) < 0)
                        goto nomem;
        }

        r = interp_env_new(&env, environ_of(opts), err);
        if (r < 0)
                goto out;
        /* .env lives in the manifest root (a file root: its directory) */
        if (files.root_is_file && files.n) {
                snprintf(dir, sizeof(dir), "%s", files.v[0].path);
                snprintf(dotenv, sizeof(dotenv), "%s/.env", dirname(dir));
        } else {
                snprintf(dotenv, sizeof(dotenv), "%s/.env", root);
        }
        if ((r = dotenv_trusted(dotenv, opts, &out->diags, err)) < 0)
                goto out;
        r = envfile_load_dotenv(env, dotenv, &out->diags, err);
        if (r == BERTH_ENOMEM)
                goto out;
        if (r < 0) {
                /* a broken .env breaks every file: none is loaded */
                diag_add(&out->diags, DIAG_ERROR, err->file[0] ? err->file : dotenv, err->line,
                         err->col, "", "%s", err->msg);
                for (i = 0; i < files.n; i++)
                        if (add_failed(out, &files.v[i], NULL) < 0) {
                                r = berth_err_set(err, BERTH_ENOMEM,
                                                  "out of memory loading manifests");
                                goto out;
                        }
                r = 0;
                goto out;
        }
        r = load_files(out, &files, NULL, env, opts, files.real_dir, err);
        goto out;
nomem:
        r = berth_err_set(err, BERTH_ENOMEM, "out of memory loading manifests");
out:
        interp_env_free(env);
        manifest_list_release(&files);
        return r;
}

int manifest_load_buffer(struct manifest_set *out, const char *name, const char *rel,
                         const char *dir, const char *data, size_t len,
                         const struct manifest_load_opts *opts, struct berth_err *err)
{
        struct manifest_file f = {(char *)name, (char *)rel, (char *)name};
        struct manifest_list files = {.v = &f, .n = 1, .cap = 1, .root_is_file = true};
        struct load_src src = {data ? data : "", len, dir};
        struct interp_env *env = NULL;
        int r;

        r = set_init(out, err);
        if (r == 0)
                r = interp_env_new(&env, environ_of(opts), err);
        if (r == 0) {
                out->complete = true;
                out->root_is_file = true;
                out->nfiles = 1;
                r = load_files(out, &files, &src, env, opts, NULL, err);
        }
        interp_env_free(env);
        return r;
}

void manifest_set_release(struct manifest_set *s)
{
        size_t i;

        model_state_free(s->state);
        diag_list_release(&s->diags);
        for (i = 0; i < s->nfailed; i++) {
                free(s->failed[i].rel);
                free(s->failed[i].name);
                free(s->failed[i].project);
        }
        free(s->failed);
        for (i = 0; i < s->nvariables; i++)
                free(s->variables[i]);
        free(s->variables);
        memset(s, 0, sizeof(*s));
}
