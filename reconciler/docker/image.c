#include "docker/image.h"

#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include <openssl/crypto.h>

#include "common/buf.h"

#define NAME_MAX_TOTAL 255
#define TAG_MAX 128

/* ---- references ---- */

static int is_lower_alnum(char c)
{
        return (c >= 'a' && c <= 'z') || (c >= '0' && c <= '9');
}

static int is_alnum(char c)
{
        return is_lower_alnum(c) || (c >= 'A' && c <= 'Z');
}

static int is_hex_lower(char c)
{
        return (c >= '0' && c <= '9') || (c >= 'a' && c <= 'f');
}

static int ref_fail(struct berth_err *err, const char *s, const char *fmt, const char *what)
{
        char why[512];

        snprintf(why, sizeof(why), fmt, what);
        return berth_err_set(err, BERTH_EINVALID, "invalid image reference '%s': %s", s, why);
}

/* One path component: [a-z0-9]+ joined by '.', '_', '__' or runs of '-'. */
static int path_component_ok(const char *p, size_t n)
{
        size_t i = 0, sep;

        if (n == 0 || !is_lower_alnum(p[0]) || !is_lower_alnum(p[n - 1]))
                return 0;
        while (i < n) {
                if (is_lower_alnum(p[i])) {
                        i++;
                        continue;
                }
                sep = i;
                if (p[i] == '.')
                        i++;
                else if (p[i] == '_')
                        i += (i + 1 < n && p[i + 1] == '_') ? 2 : 1;
                else if (p[i] == '-')
                        while (i < n && p[i] == '-')
                                i++;
                else
                        return 0;
                if (i >= n || !is_lower_alnum(p[i]) || i == sep)
                        return 0;
        }
        return 1;
}

static int path_ok(const char *path, const char *s, struct berth_err *err)
{
        const char *p = path, *slash;
        size_t n;

        for (const char *q = path; *q; q++)
                if (*q >= 'A' && *q <= 'Z')
                        return ref_fail(err, s, "repository name must be lowercase%s", "");
        for (;;) {
                slash = strchr(p, '/');
                n = slash ? (size_t)(slash - p) : strlen(p);
                if (!path_component_ok(p, n))
                        return ref_fail(err, s, "'%s' is not a valid repository path", path);
                if (!slash)
                        return 0;
                p = slash + 1;
        }
}

/* host[:port], a host being dot-separated [a-zA-Z0-9]([a-zA-Z0-9-]*[a-zA-Z0-9])?
 * components or a bracketed IPv6 address. */
static int domain_ok(const char *d)
{
        const char *p = d, *port;
        size_t n;

        if (*p == '[') {
                p++;
                while (*p &&
                       (is_hex_lower(*p) || (*p >= 'A' && *p <= 'F') || *p == ':' || *p == '.'))
                        p++;
                if (*p != ']' || p == d + 1)
                        return 0;
                p++;
        } else {
                for (;;) {
                        n = 0;
                        while (is_alnum(p[n]) || p[n] == '-')
                                n++;
                        if (n == 0 || p[0] == '-' || p[n - 1] == '-')
                                return 0;
                        p += n;
                        if (*p != '.')
                                break;
                        p++;
                }
        }
        if (*p == '\0')
                return 1;
        if (*p != ':')
                return 0;
        port = ++p;
        while (*p >= '0' && *p <= '9')
                p++;
        return p > port && *p == '\0';
}

static int tag_ok(const char *t)
{
        size_t i, n = strlen(t);

        if (n == 0 || n > TAG_MAX || !(is_alnum(t[0]) || t[0] == '_'))
                return 0;
        for (i = 1; i < n; i++)
                if (!(is_alnum(t[i]) || t[i] == '_' || t[i] == '.' || t[i] == '-'))
                        return 0;
        return 1;
}

static int digest_ok(const char *d, struct berth_err *err, const char *s)
{
        static const struct {
                const char *name;
                size_t hex;
        } algs[] = {{"sha256", 64}, {"sha384", 96}, {"sha512", 128}};
        const char *colon = strchr(d, ':');
        size_t i, n;

        if (!colon)
                return ref_fail(err, s, "digest '%s' is not algorithm:hex", d);
        for (i = 0; i < sizeof(algs) / sizeof(algs[0]); i++) {
                if (strlen(algs[i].name) == (size_t)(colon - d) &&
                    strncmp(d, algs[i].name, (size_t)(colon - d)) == 0)
                        break;
        }
        if (i == sizeof(algs) / sizeof(algs[0]))
                return ref_fail(err, s, "unsupported digest algorithm in '%s'", d);
        n = strlen(colon + 1);
        for (const char *p = colon + 1; *p; p++)
                if (!is_hex_lower(*p))
                        return ref_fail(err, s, "digest '%s' is not lower-case hex", d);
        if (n != algs[i].hex)
                return ref_fail(err, s, "digest '%s' has the wrong length", d);
        return 0;
}

int docker_image_ref_parse(struct docker_image_ref *out, const char *s, struct berth_err *err)
{
        char name[512];
        const char *at, *colon, *slash, *first_end, *rest;
        size_t n, i;

        memset(out, 0, sizeof(*out));
        berth_err_clear(err);
        if (!s || !*s)
                return berth_err_set(err, BERTH_EINVALID, "invalid image reference '': empty");
        n = strlen(s);
        if (n >= sizeof(name))
                return ref_fail(err, s, "longer than %s characters", "255");
        if (n == 64) {
                for (i = 0; i < n && is_hex_lower(s[i]); i++)
                        ;
                if (i == n)
                        return ref_fail(err, s,
                                        "a 64-character hexadecimal string is an image id, "
                                        "not a repository name%s",
                                        "");
        }
        at = strchr(s, '@');
        if (at) {
                if (strlen(at + 1) >= sizeof(out->digest))
                        return ref_fail(err, s, "digest too long%s", "");
                if (digest_ok(at + 1, err, s) < 0)
                        return BERTH_EINVALID;
                strcpy(out->digest, at + 1);
                n = (size_t)(at - s);
        }
        memcpy(name, s, n);
        name[n] = '\0';
        colon = strrchr(name, ':');
        slash = strrchr(name, '/');
        if (colon && (!slash || colon > slash)) {
                if (!tag_ok(colon + 1))
                        return ref_fail(err, s,
                                        "tag '%s' is not valid (letters, digits, '_', '.', '-'; "
                                        "at most 128; not starting with '.' or '-')",
                                        colon + 1);
                strcpy(out->tag, colon + 1);
                name[colon - name] = '\0';
        } else if (!at) {
                strcpy(out->tag, "latest");
        }
        if (!name[0])
                return ref_fail(err, s, "no repository name%s", "");
        if (strlen(name) > NAME_MAX_TOTAL)
                return ref_fail(err, s, "repository name longer than %s characters", "255");
        first_end = strchr(name, '/');
        rest = name;
        if (first_end) {
                size_t fl = (size_t)(first_end - name);
                int lower = 1;

                for (i = 0; i < fl; i++)
                        if (name[i] >= 'A' && name[i] <= 'Z')
                                lower = 0;
                if (memchr(name, '.', fl) || memchr(name, ':', fl) ||
                    (fl == 9 && strncmp(name, "localhost", 9) == 0) || !lower) {
                        memcpy(out->domain, name, fl);
                        out->domain[fl] = '\0';
                        rest = first_end + 1;
                        if (!domain_ok(out->domain))
                                return ref_fail(err, s, "'%s' is not a valid registry host",
                                                out->domain);
                }
        }
        if (!out->domain[0] || strcmp(out->domain, "index.docker.io") == 0)
                strcpy(out->domain, DOCKER_HUB_DOMAIN);
        if (strcmp(out->domain, DOCKER_HUB_DOMAIN) == 0 && !strchr(rest, '/'))
                snprintf(out->path, sizeof(out->path), "library/%s", rest);
        else
                snprintf(out->path, sizeof(out->path), "%s", rest);
        return path_ok(out->path, s, err);
}

const char *docker_image_ref_repo(const struct docker_image_ref *ref, char *buf, size_t size)
{
        const char *path = ref->path;

        if (strcmp(ref->domain, DOCKER_HUB_DOMAIN) == 0) {
                if (strncmp(path, "library/", 8) == 0 && !strchr(path + 8, '/'))
                        path += 8;
                snprintf(buf, size, "%s", path);
        } else {
                snprintf(buf, size, "%s/%s", ref->domain, path);
        }
        return buf;
}

const char *docker_image_ref_format(const struct docker_image_ref *ref, char *buf, size_t size)
{
        char repo[520];

        docker_image_ref_repo(ref, repo, sizeof(repo));
        snprintf(buf, size, "%s%s%s%s%s", repo, ref->tag[0] ? ":" : "", ref->tag,
                 ref->digest[0] ? "@" : "", ref->digest);
        return buf;
}

/* ---- helpers ---- */

void docker_image_strv_free(char **v)
{
        if (!v)
                return;
        for (char **p = v; *p; p++)
                free(*p);
        free(v);
}

static int nomem(struct berth_err *err)
{
        return berth_err_set(err, BERTH_ENOMEM, "out of memory");
}

/* Name the operation and object in err when r is a failure; returns r. */
static int fail_subject(struct berth_err *err, int r, const char *op, const char *object)
{
        if (r < 0)
                berth_err_subject(err, op, object);
        return r;
}

/* A name usable in a request path as it is: what references and ids are
 * made of. */
static int name_check(const char *name, const char *op, struct berth_err *err)
{
        const char *p;

        if (!name || !*name)
                return berth_err_set(err, BERTH_EINVALID, "cannot %s: no image name given", op);
        for (p = name; *p; p++) {
                if (!is_alnum(*p) && !strchr("._-/:@[]", *p))
                        return berth_err_set(err, BERTH_EINVALID,
                                             "cannot %s '%s': '%c' cannot appear in an image "
                                             "name",
                                             op, name, *p);
        }
        if (strlen(name) > 1024 || strstr(name, ".."))
                return berth_err_set(err, BERTH_EINVALID, "cannot %s '%s': not an image name", op,
                                     name);
        return 0;
}

/* A NULL-terminated copy of the strings in a JSON array (or of an
 * object's keys, sorted); NULL for anything else when null_ok, else an
 * empty vector.  *fail set on ENOMEM. */
static int cmp_str(const void *a, const void *b)
{
        return strcmp(*(char *const *)a, *(char *const *)b);
}

static char **strv_from_json(const json_t *v, int null_ok, int *fail)
{
        size_t n = 0, i, k = 0;
        const char *key;
        json_t *e;
        char **out;

        if (json_is_array(v))
                n = json_array_size(v);
        else if (json_is_object(v))
                n = json_object_size(v);
        else if (null_ok)
                return NULL;
        out = calloc(n + 1, sizeof(*out));
        if (!out)
                goto nomem;
        if (json_is_array(v)) {
                json_array_foreach(v, i, e)
                {
                        if (!json_is_string(e))
                                continue;
                        if (!(out[k++] = strdup(json_string_value(e))))
                                goto nomem;
                }
        } else if (json_is_object(v)) {
                json_object_foreach((json_t *)v, key, e)
                {
                        if (!(out[k++] = strdup(key)))
                                goto nomem;
                }
                qsort(out, k, sizeof(*out), cmp_str);
        }
        return out;
nomem:
        docker_image_strv_free(out);
        *fail = 1;
        return NULL;
}

static int cmp_label(const void *a, const void *b)
{
        return strcmp(((const struct docker_image_label *)a)->key,
                      ((const struct docker_image_label *)b)->key);
}

static void labels_free(struct docker_image_label *l, size_t n)
{
        size_t i;

        for (i = 0; l && i < n; i++) {
                free(l[i].key);
                free(l[i].value);
        }
        free(l);
}

static int labels_from_json(struct docker_image_label **out, size_t *n, const json_t *obj)
{
        struct docker_image_label *l;
        const char *key;
        json_t *v;
        size_t k = 0;

        *out = NULL;
        *n = 0;
        if (!json_is_object(obj) || json_object_size(obj) == 0)
                return 0;
        l = calloc(json_object_size(obj), sizeof(*l));
        if (!l)
                return BERTH_ENOMEM;
        json_object_foreach((json_t *)obj, key, v)
        {
                l[k].key = strdup(key);
                l[k].value = strdup(json_is_string(v) ? json_string_value(v) : "");
                k++;
                if (!l[k - 1].key || !l[k - 1].value) {
                        labels_free(l, k);
                        return BERTH_ENOMEM;
                }
        }
        qsort(l, k, sizeof(*l), cmp_label);
        *out = l;
        *n = k;
        return 0;
}

static const char *label_find(const struct docker_image_label *l, size_t n, const char *key)
{
        struct docker_image_label probe = {(char *)key, NULL}, *hit;

        if (!l)
                return NULL;
        hit = bsearch(&probe, l, n, sizeof(*l), cmp_label);
        return hit ? hit->value : NULL;
}

static char *str_dup_json(const json_t *obj, const char *key, int *fail)
{
        const json_t *v = json_object_get(obj, key);
        char *s = strdup(json_is_string(v) ? json_string_value(v) : "");

        if (!s)
                *fail = 1;
        return s;
}

/* "2026-11-23T10:01:32.432009679Z" -> seconds since the epoch, 0 if not. */
static time_t parse_rfc3339(const char *s)
{
        struct tm tm;
        const char *end;
        long off = 0;

        memset(&tm, 0, sizeof(tm));
        end = s ? strptime(s, "%Y-%m-%dT%H:%M:%S", &tm) : NULL;
        if (!end)
                return 0;
        if (*end == '.')
                for (end++; *end >= '0' && *end <= '9'; end++)
                        ;
        if ((*end == '+' || *end == '-') && strlen(end) == 6 && end[3] == ':')
                off = (*end == '-' ? -1 : 1) * (((end[1] - '0') * 10 + end[2] - '0') * 3600L +
                                                ((end[4] - '0') * 10 + end[5] - '0') * 60L);
        else if (*end != 'Z')
                return 0;
        return timegm(&tm) - off;
}

/* ---- inspect ---- */

void docker_image_info_init(struct docker_image_info *info)
{
        memset(info, 0, sizeof(*info));
}

void docker_image_info_release(struct docker_image_info *info)
{
        if (!info)
                return;
        free(info->id);
        docker_image_strv_free(info->repo_tags);
        docker_image_strv_free(info->repo_digests);
        free(info->created);
        docker_image_strv_free(info->exposed_ports);
        labels_free(info->labels, info->n_labels);
        docker_image_strv_free(info->env);
        docker_image_strv_free(info->cmd);
        docker_image_strv_free(info->entrypoint);
        free(info->user);
        free(info->working_dir);
        docker_image_strv_free(info->healthcheck.test);
        free(info->os);
        free(info->architecture);
        json_decref(info->json);
        docker_image_info_init(info);
}

const char *docker_image_info_label(const struct docker_image_info *info, const char *key)
{
        return label_find(info->labels, info->n_labels, key);
}

static int info_fill(struct docker_image_info *out, json_t *j, struct berth_err *err)
{
        const json_t *cfg = json_object_get(j, "Config"), *hc;
        int fail = 0;

        out->json = json_incref(j);
        out->id = str_dup_json(j, "Id", &fail);
        out->repo_tags = strv_from_json(json_object_get(j, "RepoTags"), 0, &fail);
        out->repo_digests = strv_from_json(json_object_get(j, "RepoDigests"), 0, &fail);
        out->created = str_dup_json(j, "Created", &fail);
        out->created_unix = parse_rfc3339(out->created);
        out->os = str_dup_json(j, "Os", &fail);
        out->architecture = str_dup_json(j, "Architecture", &fail);
        out->size = docker_json_int(j, "Size");
        out->exposed_ports = strv_from_json(json_object_get(cfg, "ExposedPorts"), 0, &fail);
        out->env = strv_from_json(json_object_get(cfg, "Env"), 0, &fail);
        out->cmd = strv_from_json(json_object_get(cfg, "Cmd"), 1, &fail);
        out->entrypoint = strv_from_json(json_object_get(cfg, "Entrypoint"), 1, &fail);
        out->user = str_dup_json(cfg, "User", &fail);
        out->working_dir = str_dup_json(cfg, "WorkingDir", &fail);
        if (labels_from_json(&out->labels, &out->n_labels, json_object_get(cfg, "Labels")) < 0)
                fail = 1;
        hc = json_object_get(cfg, "Healthcheck");
        if (json_is_object(hc)) {
                out->healthcheck.test = strv_from_json(json_object_get(hc, "Test"), 1, &fail);
                out->healthcheck.interval_ns = docker_json_int(hc, "Interval");
                out->healthcheck.timeout_ns = docker_json_int(hc, "Timeout");
                out->healthcheck.start_period_ns = docker_json_int(hc, "StartPeriod");
                out->healthcheck.retries = (int)docker_json_int(hc, "Retries");
        }
        if (fail)
                return nomem(err);
        return 0;
}

int docker_image_inspect(struct docker_image_info *out, struct docker_client *c, const char *name,
                         struct berth_err *err)
{
        struct docker_request req = {0};
        char path[1200];
        json_t *j = NULL;
        int r;

        berth_err_clear(err);
        docker_image_info_release(out);
        r = name_check(name, "inspect image", err);
        if (r < 0)
                goto out;
        snprintf(path, sizeof(path), "/images/%s/json", name);
        req.method = "GET";
        req.path = path;
        req.op = "inspect image";
        req.object = name;
        r = docker_call_json(c, &req, &j, err);
        if (r < 0)
                goto out;
        if (!json_is_object(j)) {
                r = berth_err_set(err, BERTH_EPROTO,
                                  "cannot inspect image '%s': the engine's answer is not an "
                                  "object",
                                  name);
                goto out;
        }
        r = info_fill(out, j, err);
out:
        if (r < 0)
                docker_image_info_release(out);
        json_decref(j);
        return fail_subject(err, r, "inspect image", name);
}

/* ---- list ---- */

void docker_image_list_free(struct docker_image_summary *list, size_t n)
{
        size_t i;

        for (i = 0; list && i < n; i++) {
                free(list[i].id);
                docker_image_strv_free(list[i].repo_tags);
                docker_image_strv_free(list[i].repo_digests);
                labels_free(list[i].labels, list[i].n_labels);
        }
        free(list);
}

int docker_image_list(struct docker_image_summary **out, size_t *n, struct docker_client *c,
                      const char *filters, unsigned flags, struct berth_err *err)
{
        struct docker_image_summary *list = NULL;
        struct docker_request req = {0};
        struct berth_buf path;
        size_t i, count = 0;
        json_t *j = NULL, *e;
        int r, fail = 0;

        berth_err_clear(err);
        *out = NULL;
        *n = 0;
        berth_buf_init(&path, 1UL << 16);
        r = berth_buf_printf(&path, "/images/json?all=%d", (flags & DOCKER_IMAGE_LIST_ALL) ? 1 : 0);
        if (r == 0 && filters)
                r = berth_buf_printf(&path, "&filters=%s", filters);
        if (r < 0) {
                r = berth_err_set(err, r, "cannot list images: filters too long");
                goto out;
        }
        req.method = "GET";
        req.path = path.data;
        req.op = "list images";
        r = docker_call_json(c, &req, &j, err);
        if (r < 0)
                goto out;
        if (!json_is_array(j)) {
                r = berth_err_set(err, BERTH_EPROTO,
                                  "cannot list images: the engine's answer is not an array");
                goto out;
        }
        if (json_array_size(j) > 0) {
                list = calloc(json_array_size(j), sizeof(*list));
                if (!list) {
                        r = nomem(err);
                        goto out;
                }
        }
        json_array_foreach(j, i, e)
        {
                struct docker_image_summary *s = &list[count++];

                s->id = str_dup_json(e, "Id", &fail);
                s->repo_tags = strv_from_json(json_object_get(e, "RepoTags"), 0, &fail);
                s->repo_digests = strv_from_json(json_object_get(e, "RepoDigests"), 0, &fail);
                if (labels_from_json(&s->labels, &s->n_labels, json_object_get(e, "Labels")) < 0)
                        fail = 1;
                s->created = (time_t)docker_json_int(e, "Created");
                s->size = docker_json_int(e, "Size");
        }
        if (fail) {
                r = nomem(err);
                goto out;
        }
        *out = list;
        *n = count;
        list = NULL;
out:
        docker_image_list_free(list, count);
        berth_buf_release(&path);
        json_decref(j);
        return fail_subject(err, r, "list images", "");
}

/* ---- tag and remove ---- */

int docker_image_tag(struct docker_client *c, const char *source, const char *target,
                     struct berth_err *err)
{
        struct docker_request req = {0};
        struct docker_image_ref ref;
        char repo[520], *erepo = NULL, *etag = NULL, *path = NULL;
        int r;

        berth_err_clear(err);
        r = name_check(source, "tag image", err);
        if (r < 0)
                goto out;
        r = docker_image_ref_parse(&ref, target, err);
        if (r < 0) {
                berth_err_prefix(err, "cannot tag image '%s'", source);
                goto out;
        }
        if (ref.digest[0]) {
                r = berth_err_set(err, BERTH_EINVALID,
                                  "cannot tag image '%s' as '%s': a new name cannot have a digest",
                                  source, target);
                goto out;
        }
        erepo = docker_escape(docker_image_ref_repo(&ref, repo, sizeof(repo)));
        etag = docker_escape(ref.tag);
        if (!erepo || !etag ||
            asprintf(&path, "/images/%s/tag?repo=%s&tag=%s", source, erepo, etag) < 0) {
                path = NULL;
                r = nomem(err);
                goto out;
        }
        req.method = "POST";
        req.path = path;
        req.op = "tag image";
        req.object = source;
        r = docker_call(c, &req, NULL, err);
out:
        free(erepo);
        free(etag);
        free(path);
        return fail_subject(err, r, "tag image", source);
}

int docker_image_remove(struct docker_client *c, const char *name, unsigned flags,
                        struct berth_err *err)
{
        struct docker_request req = {0};
        char path[1200];
        int r;

        berth_err_clear(err);
        r = name_check(name, "remove image", err);
        if (r < 0)
                return fail_subject(err, r, "remove image", name);
        snprintf(path, sizeof(path), "/images/%s?force=%d&noprune=%d", name,
                 (flags & DOCKER_IMAGE_REMOVE_FORCE) ? 1 : 0,
                 (flags & DOCKER_IMAGE_REMOVE_NO_PRUNE) ? 1 : 0);
        req.method = "DELETE";
        req.path = path;
        req.op = "remove image";
        req.object = name;
        return fail_subject(err, docker_call(c, &req, NULL, err), "remove image", name);
}

/* ---- pull ---- */

/* An {"error": ..., "errorDetail": {"message": ...}} object of a JSON
 * stream: copy its message to buf and return 1; 0 for other objects. */
static int stream_error(const json_t *obj, char *buf, size_t size)
{
        const json_t *e = json_object_get(obj, "error"), *v;

        if (!e)
                return 0;
        v = json_object_get(json_object_get(obj, "errorDetail"), "message");
        if (!json_is_string(v))
                v = e;
        snprintf(buf, size, "%s", json_is_string(v) ? json_string_value(v) : "unknown error");
        return 1;
}

/* An error body ({"message": ...}) that reached the stream callback: the
 * transport hands bodies of 4xx/5xx answers to on_data too, so keep the
 * message for the error (see fix_status_message()). */
static int stream_status_body(const json_t *obj, char *buf, size_t size)
{
        const json_t *m = json_object_get(obj, "message");

        if (!json_is_string(m) || json_object_get(obj, "status") || json_object_get(obj, "stream"))
                return 0;
        snprintf(buf, size, "%s", json_string_value(m));
        return 1;
}

/* When the transport could only say "HTTP status N", put the engine's
 * message from the body back. */
static void fix_status_message(struct berth_err *err, const struct docker_request *req,
                               const char *body_msg)
{
        if (!err || !body_msg[0] || strncmp(err->engine_msg, "HTTP status ", 12) != 0)
                return;
        snprintf(err->engine_msg, sizeof(err->engine_msg), "%s", body_msg);
        if (req->object)
                berth_err_set(err, err->code, "cannot %s '%s': %s", req->op, req->object, body_msg);
        else
                berth_err_set(err, err->code, "cannot %s: %s", req->op, body_msg);
}

struct pull_ctx {
        docker_pull_fn progress;
        void *userdata;
        int user_stopped;
        char error[512];    /* an {"error"} seen in the stream */
        char body_msg[512]; /* the {"message"} of an error answer */
};

enum docker_pull_msg docker_image_pull_decode(struct docker_pull_progress *out, char *text,
                                              size_t size, const json_t *obj)
{
        const json_t *detail, *v;

        if (stream_error(obj, text, size))
                return DOCKER_PULL_MSG_ERROR;
        if (stream_status_body(obj, text, size))
                return DOCKER_PULL_MSG_STATUS_BODY;
        memset(out, 0, sizeof(*out));
        out->raw = obj;
        v = json_object_get(obj, "status");
        out->status = json_is_string(v) ? json_string_value(v) : NULL;
        v = json_object_get(obj, "id");
        out->id = json_is_string(v) ? json_string_value(v) : NULL;
        v = json_object_get(obj, "progress");
        out->progress = json_is_string(v) ? json_string_value(v) : NULL;
        detail = json_object_get(obj, "progressDetail");
        v = json_object_get(detail, "current");
        out->current = json_is_integer(v) ? (long long)json_integer_value(v) : -1;
        v = json_object_get(detail, "total");
        out->total = json_is_integer(v) ? (long long)json_integer_value(v) : -1;
        return DOCKER_PULL_MSG_PROGRESS;
}

static int pull_on_json(json_t *obj, void *userdata)
{
        struct pull_ctx *ctx = userdata;
        struct docker_pull_progress p;
        char text[sizeof(ctx->error)];

        switch (docker_image_pull_decode(&p, text, sizeof(text), obj)) {
        case DOCKER_PULL_MSG_ERROR:
                memcpy(ctx->error, text, sizeof(ctx->error));
                return 1;
        case DOCKER_PULL_MSG_STATUS_BODY:
                memcpy(ctx->body_msg, text, sizeof(ctx->body_msg));
                return 0;
        case DOCKER_PULL_MSG_PROGRESS:
                break;
        }
        if (ctx->progress && ctx->progress(&p, ctx->userdata)) {
                ctx->user_stopped = 1;
                return 1;
        }
        return 0;
}

/* Rewrite err for a registry failure the engine described in msg. */
static int pull_fail(struct berth_err *err, int code, const char *reference,
                     const struct docker_image_ref *ref, const struct docker_auth *auth,
                     const char *msg)
{
        char login[300], engine_msg[sizeof(err->engine_msg)];
        const char *host = ref->domain;
        int kind = docker_registry_error_kind(msg);

        snprintf(engine_msg, sizeof(engine_msg), "%s", msg);
        if (strcmp(host, DOCKER_HUB_DOMAIN) == 0)
                snprintf(login, sizeof(login), "docker login");
        else
                snprintf(login, sizeof(login), "docker login %s", host);
        if (kind == BERTH_EAUTH && !docker_auth_has_credentials(auth))
                code = berth_err_set(err, BERTH_EAUTH,
                                     "cannot pull image '%s': registry '%s' requires "
                                     "authentication: add credentials with '%s' (engine said: %s)",
                                     reference, host, login, engine_msg);
        else if (kind == BERTH_EAUTH)
                code = berth_err_set(err, BERTH_EAUTH,
                                     "cannot pull image '%s': registry '%s' rejected the "
                                     "credentials for '%s': check them with '%s' (engine said: "
                                     "%s)",
                                     reference, host,
                                     auth->username ? auth->username : "(identity token)", login,
                                     engine_msg);
        else if (kind == BERTH_ENOTFOUND)
                code = berth_err_set(err, BERTH_ENOTFOUND,
                                     "cannot pull image '%s': not found in registry '%s' (engine "
                                     "said: %s)",
                                     reference, host, engine_msg);
        else if (kind == BERTH_ESERVER)
                code = berth_err_set(err, BERTH_ESERVER,
                                     "cannot pull image '%s': the engine cannot reach registry "
                                     "'%s' (engine said: %s)",
                                     reference, host, engine_msg);
        else
                code =
                    berth_err_set(err, code, "cannot pull image '%s': %s", reference, engine_msg);
        if (err)
                snprintf(err->engine_msg, sizeof(err->engine_msg), "%s", engine_msg);
        return code;
}

int docker_image_pull(struct docker_client *c, const char *reference,
                      const struct docker_auth *auth, docker_pull_fn progress, void *userdata,
                      atomic_int *cancel, struct berth_err *err)
{
        struct pull_ctx ctx = {progress, userdata, 0, "", ""};
        const char *headers[2] = {NULL, NULL};
        struct docker_request req = {0};
        struct docker_image_ref ref;
        char repo[520], *erepo = NULL, *etag = NULL, *path = NULL, *hdr = NULL, *enc = NULL;
        int r;

        berth_err_clear(err);
        r = docker_image_ref_parse(&ref, reference, err);
        if (r < 0) {
                berth_err_prefix(err, "cannot pull image");
                goto out;
        }
        erepo = docker_escape(docker_image_ref_repo(&ref, repo, sizeof(repo)));
        etag = docker_escape(ref.digest[0] ? ref.digest : ref.tag);
        if (!erepo || !etag ||
            asprintf(&path, "/images/create?fromImage=%s&tag=%s", erepo, etag) < 0) {
                path = NULL;
                r = nomem(err);
                goto out;
        }
        if (docker_auth_has_credentials(auth)) {
                r = docker_auth_header(&enc, auth, err);
                if (r < 0)
                        goto out;
                if (asprintf(&hdr, "X-Registry-Auth: %s", enc) < 0) {
                        hdr = NULL;
                        r = nomem(err);
                        goto out;
                }
                headers[0] = hdr;
        }
        req.method = "POST";
        req.path = path;
        req.headers = headers;
        req.timeout_ms = -1;
        req.idle_timeout_ms = DOCKER_PULL_IDLE_MS;
        req.cancel = cancel;
        req.op = "pull image";
        req.object = reference;
        r = docker_call_json_stream(c, &req, pull_on_json, &ctx, err);
        if (ctx.error[0]) {
                r = pull_fail(err, BERTH_ESERVER, reference, &ref, auth, ctx.error);
                if (err)
                        err->http_status = 200;
        } else if (ctx.user_stopped) {
                r = berth_err_set(err, BERTH_ECANCELLED,
                                  "cannot pull image '%s': stopped by the caller", reference);
        } else if (r < 0 && r != BERTH_ECANCELLED && err && err->engine_msg[0]) {
                fix_status_message(err, &req, ctx.body_msg);
                r = pull_fail(err, r, reference, &ref, auth, err->engine_msg);
        }
out:
        free(erepo);
        free(etag);
        free(path);
        if (hdr) {
                OPENSSL_cleanse(hdr, strlen(hdr));
                free(hdr);
        }
        if (enc) {
                OPENSSL_cleanse(enc, strlen(enc));
                free(enc);
        }
        return fail_subject(err, r, "pull image", reference);
}

int docker_image_pull_auto(struct docker_client *c, const char *reference, const char *config_path,
                           docker_pull_fn progress, void *userdata, atomic_int *cancel,
                           struct berth_err *err)
{
        struct docker_auth_config *cfg = NULL;
        struct docker_image_ref ref;
        struct docker_auth auth;
        int r;

        berth_err_clear(err);
        docker_auth_init(&auth);
        r = docker_image_ref_parse(&ref, reference, err);
        if (r < 0) {
                berth_err_prefix(err, "cannot pull image");
                goto out;
        }
        r = docker_auth_config_load(&cfg, config_path, err);
        if (r == 0)
                r = docker_auth_lookup(&auth, cfg, ref.domain, err);
        if (r < 0) {
                berth_err_prefix(err, "cannot pull image '%s'", reference);
                goto out;
        }
        r = docker_image_pull(c, reference, &auth, progress, userdata, cancel, err);
out:
        docker_auth_release(&auth);
        docker_auth_config_free(cfg);
        return fail_subject(err, r, "pull image", reference);
}

/* ---- load ---- */

struct load_ctx {
        char **loaded;
        size_t n;
        int fail;           /* ENOMEM */
        char error[512];    /* an {"error"} seen in the stream */
        char body_msg[512]; /* the {"message"} of an error answer */
};

static int load_on_json(json_t *obj, void *userdata)
{
        static const char *const prefixes[] = {"Loaded image: ", "Loaded image ID: "};
        struct load_ctx *ctx = userdata;
        const json_t *v;
        const char *s;
        size_t i, len;
        char **grown;

        if (stream_error(obj, ctx->error, sizeof(ctx->error)))
                return 1;
        if (stream_status_body(obj, ctx->body_msg, sizeof(ctx->body_msg)))
                return 0;
        v = json_object_get(obj, "stream");
        s = json_is_string(v) ? json_string_value(v) : NULL;
        for (i = 0; s && i < sizeof(prefixes) / sizeof(prefixes[0]); i++) {
                if (strncmp(s, prefixes[i], strlen(prefixes[i])) != 0)
                        continue;
                s += strlen(prefixes[i]);
                len = strcspn(s, "\r\n");
                grown = realloc(ctx->loaded, (ctx->n + 2) * sizeof(*grown));
                if (!grown) {
                        ctx->fail = 1;
                        return 1;
                }
                ctx->loaded = grown;
                ctx->loaded[ctx->n] = strndup(s, len);
                if (!ctx->loaded[ctx->n]) {
                        ctx->fail = 1;
                        return 1;
                }
                ctx->loaded[++ctx->n] = NULL;
                break;
        }
        return 0;
}

int docker_image_load(char ***loaded, struct docker_client *c, docker_read_fn reader,
                      void *userdata, struct berth_err *err)
{
        struct load_ctx ctx = {NULL, 0, 0, "", ""};
        struct docker_request req = {0};
        int r;

        berth_err_clear(err);
        if (loaded)
                *loaded = NULL;
        req.method = "POST";
        req.path = "/images/load?quiet=1";
        req.upload = reader;
        req.upload_data = userdata;
        req.content_type = "application/x-tar";
        req.timeout_ms = -1;
        req.op = "load images";
        r = docker_call_json_stream(c, &req, load_on_json, &ctx, err);
        if (r < 0)
                fix_status_message(err, &req, ctx.body_msg);
        if (ctx.fail) {
                r = nomem(err);
        } else if (ctx.error[0]) {
                r = berth_err_set(err, BERTH_EINVALID, "cannot load images: %s", ctx.error);
                if (err) {
                        err->http_status = 200;
                        snprintf(err->engine_msg, sizeof(err->engine_msg), "%s", ctx.error);
                }
        } else if (r == 0 && ctx.n == 0) {
                r = berth_err_set(err, BERTH_EPROTO,
                                  "cannot load images: the engine reported no image loaded");
        }
        if (r == 0 && loaded) {
                *loaded = ctx.loaded;
                ctx.loaded = NULL;
        }
        docker_image_strv_free(ctx.loaded);
        return fail_subject(err, r, "load images", "");
}

struct fd_reader {
        int fd;
        int error; /* errno of a failed read */
};

static long fd_read(char *buf, size_t size, void *userdata)
{
        struct fd_reader *fr = userdata;
        ssize_t n;

        do
                n = read(fr->fd, buf, size);
        while (n < 0 && errno == EINTR);
        if (n < 0) {
                fr->error = errno;
                return -1;
        }
        return (long)n;
}

int docker_image_load_fd(char ***loaded, struct docker_client *c, int fd, struct berth_err *err)
{
        struct fd_reader fr = {fd, 0};
        int r;

        berth_err_clear(err);
        r = docker_image_load(loaded, c, fd_read, &fr, err);
        if (r < 0 && fr.error)
                r = berth_err_set(err, BERTH_EIO, "cannot load images: cannot read the archive: %s",
                                  strerror(fr.error));
        return fail_subject(err, r, "load images", "");
}
