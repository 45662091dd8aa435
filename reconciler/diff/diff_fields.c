/* diff_fields.c - field-level differences between two canonical service
 * specs, rendered short for the plan (diff.h says how). */
#include "diff/diff.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "common/arena.h"

#define NONE "(none)"
#define SENSITIVE "(sensitive)"

struct field_list {
        struct berth_arena *a;
        struct diff_field *v;
        size_t n, cap;
        int oom;
};

/* "sha256:" and 64 lower-case hex digits: what model_service_canonical()
 * puts in place of a sensitive value. */
static int is_redacted(const json_t *v)
{
        const char *s = json_string_value(v);
        size_t i;

        if (!s || strncmp(s, "sha256:", 7) || strlen(s) != 7 + 64)
                return 0;
        for (i = 7; s[i]; i++)
                if (!strchr("0123456789abcdef", s[i]))
                        return 0;
        return 1;
}

static int is_string_list(const json_t *v)
{
        size_t i;
        json_t *e;

        if (!json_is_array(v))
                return 0;
        json_array_foreach(v, i, e)
        {
                if (!json_is_string(e))
                        return 0;
        }
        return 1;
}

static int is_duration_key(const char *key)
{
        static const char *const keys[] = {"stop_grace_period", "interval", "timeout",
                                           "start_period"};
        size_t i;

        for (i = 0; key && i < sizeof(keys) / sizeof(keys[0]); i++)
                if (!strcmp(key, keys[i]))
                        return 1;
        return 0;
}

/* The array an element belongs to, when it has a short form. */
enum shape { SHAPE_NONE, SHAPE_PORT, SHAPE_MOUNT };

static const char *obj_str(const json_t *o, const char *key)
{
        return json_string_value(json_object_get(o, key));
}

static char *render_port(struct berth_arena *a, const json_t *o)
{
        const char *ip = obj_str(o, "host_ip"), *proto = obj_str(o, "protocol");
        json_int_t target = json_integer_value(json_object_get(o, "target"));
        json_int_t published = json_integer_value(json_object_get(o, "published"));
        const char *colon = ip && strchr(ip, ':') ? "]" : "";

        if (!proto)
                proto = "tcp";
        if (ip && published)
                return berth_arena_printf(a, "%s%s%s:%lld:%lld/%s", *colon ? "[" : "", ip, colon,
                                          (long long)published, (long long)target, proto);
        if (ip)
                return berth_arena_printf(a, "%s%s%s::%lld/%s", *colon ? "[" : "", ip, colon,
                                          (long long)target, proto);
        if (published)
                return berth_arena_printf(a, "%lld:%lld/%s", (long long)published,
                                          (long long)target, proto);
        return berth_arena_printf(a, "%lld/%s", (long long)target, proto);
}

static char *render_mount(struct berth_arena *a, const json_t *o)
{
        const char *type = obj_str(o, "type"), *src = obj_str(o, "source");
        const char *dst = obj_str(o, "target");
        const char *ro = json_is_true(json_object_get(o, "read_only")) ? ":ro" : "";

        if (!type || !dst)
                return NULL;
        if (!src)
                return berth_arena_printf(a, "%s %s%s", type, dst, ro);
        return berth_arena_printf(a, "%s %s:%s%s", type, src, dst, ro);
}

static char *render_json(struct berth_arena *a, const json_t *v)
{
        json_t *shown = NULL, *e;
        char *dump, *copy;
        size_t i;

        /* a list (a command) with a redacted element shows it as such */
        json_array_foreach(v, i, e)
        {
                if (!is_redacted(e))
                        continue;
                if (!shown && !(shown = json_deep_copy(v)))
                        return NULL;
                json_array_set_new(shown, i, json_string(SENSITIVE));
        }
        dump = json_dumps(shown ? shown : v, JSON_COMPACT | JSON_SORT_KEYS | JSON_ENCODE_ANY);
        copy = dump ? berth_arena_strdup(a, dump) : NULL;
        free(dump);
        json_decref(shown);
        return copy;
}

/* One side of a leaf.  key is the object key the value sits under (NULL
 * in an array), shape the short form of an array element. */
static char *render(struct berth_arena *a, const char *path, const char *key, enum shape shape,
                    const json_t *v)
{
        char buf[64];

        if (!v)
                return berth_arena_strdup(a, NONE);
        if (shape == SHAPE_PORT && json_is_object(v))
                return render_port(a, v);
        if (shape == SHAPE_MOUNT && json_is_object(v)) {
                char *m = render_mount(a, v);

                return m ? m : render_json(a, v);
        }
        if (json_is_string(v) && !strcmp(path, "image"))
                return berth_arena_strdup(a, json_string_value(v));
        if (json_is_integer(v) && is_duration_key(key))
                return berth_arena_strdup(
                    a, model_duration_format((int64_t)json_integer_value(v), buf, sizeof(buf)));
        return render_json(a, v);
}

static int field_add(struct field_list *l, const char *path, const char *before, const char *after)
{
        if (l->oom || !path || !before || !after) {
                l->oom = 1;
                return -1;
        }
        if (l->n == l->cap) {
                size_t cap = l->cap ? 2 * l->cap : 8;
                struct diff_field *v = berth_arena_grow(l->a, l->v, l->n, cap, sizeof(*v));

                if (!v) {
                        l->oom = 1;
                        return -1;
                }
                l->v = v;
                l->cap = cap;
        }
        l->v[l->n].path = path;
        l->v[l->n].before = before;
        l->v[l->n].after = after;
        l->n++;
        return 0;
}

static void leaf(struct field_list *l, const char *path, const char *key, enum shape shape,
                 const json_t *before, const json_t *after)
{
        /* An image may be named by its id, which looks redacted. */
        int secret = strcmp(path, "image") && (is_redacted(before) || is_redacted(after) ||
                                               (key && model_name_is_sensitive(key) &&
                                                (json_is_string(before) || json_is_string(after))));
        const char *b, *a;

        if (secret) {
                b = json_is_string(before) ? SENSITIVE : render(l->a, path, key, shape, before);
                a = json_is_string(after) ? SENSITIVE : render(l->a, path, key, shape, after);
        } else {
                b = render(l->a, path, key, shape, before);
                a = render(l->a, path, key, shape, after);
        }
        field_add(l, path, b, a);
}

static enum shape element_shape(const char *key)
{
        if (key && !strcmp(key, "ports"))
                return SHAPE_PORT;
        if (key && !strcmp(key, "mounts"))
                return SHAPE_MOUNT;
        return SHAPE_NONE;
}

static int cmp_str(const void *x, const void *y)
{
        return strcmp(*(const char *const *)x, *(const char *const *)y);
}

static void walk(struct field_list *l, const char *path, const char *key, enum shape shape,
                 const json_t *before, const json_t *after);

static void walk_object(struct field_list *l, const char *path, const json_t *before,
                        const json_t *after)
{
        size_t n = json_object_size(before) + json_object_size(after), k = 0, i;
        const char **keys = n ? malloc(n * sizeof(*keys)) : NULL;
        const char *key;
        json_t *v, *b, *a;

        if (n && !keys) {
                l->oom = 1;
                return;
        }
        json_object_foreach((json_t *)before, key, v)
        {
                keys[k++] = key;
        }
        json_object_foreach((json_t *)after, key, v)
        {
                if (!json_object_get(before, key))
                        keys[k++] = key;
        }
        qsort(keys, k, sizeof(*keys), cmp_str);
        for (i = 0; i < k && !l->oom; i++) {
                const char *sub = *path ? berth_arena_printf(l->a, "%s.%s", path, keys[i])
                                        : berth_arena_strdup(l->a, keys[i]);

                if (!sub) {
                        l->oom = 1;
                        break;
                }
                b = json_object_get(before, keys[i]);
                a = json_object_get(after, keys[i]);
                /* a top-level key a spec leaves out is unset, as null is
                 * (the applied label leaves every null out) */
                if (!*path) {
                        b = b ? b : json_null();
                        a = a ? a : json_null();
                }
                walk(l, sub, keys[i], SHAPE_NONE, b, a);
        }
        free(keys);
}

static void walk_array(struct field_list *l, const char *path, const char *key,
                       const json_t *before, const json_t *after)
{
        size_t nb = json_array_size(before), na = json_array_size(after);
        size_t n = nb > na ? nb : na, i;
        enum shape shape = element_shape(key);

        for (i = 0; i < n && !l->oom; i++) {
                const char *sub = berth_arena_printf(l->a, "%s[%zu]", path, i);

                if (!sub) {
                        l->oom = 1;
                        break;
                }
                walk(l, sub, NULL, shape, json_array_get(before, i), json_array_get(after, i));
        }
}

/* Does the short form of a port or mount tell the two apart?  When it
 * does not, the element is compared field by field. */
static int shape_differs(struct field_list *l, enum shape shape, const json_t *before,
                         const json_t *after)
{
        char *b = render(l->a, "", NULL, shape, before);
        char *a = render(l->a, "", NULL, shape, after);

        if (!a || !b) {
                l->oom = 1;
                return 0;
        }
        return strcmp(a, b) != 0;
}

static void walk(struct field_list *l, const char *path, const char *key, enum shape shape,
                 const json_t *before, const json_t *after)
{
        if (before && after && json_equal((json_t *)before, (json_t *)after))
                return;
        if (json_is_object(before) && json_is_object(after)) {
                if (shape != SHAPE_NONE && shape_differs(l, shape, before, after))
                        leaf(l, path, key, shape, before, after);
                else
                        walk_object(l, path, before, after);
                return;
        }
        /* Lists of strings are one value (a command is read whole). */
        if (json_is_array(before) && json_is_array(after) &&
            !(is_string_list(before) && is_string_list(after))) {
                walk_array(l, path, key, before, after);
                return;
        }
        leaf(l, path, key, shape, before, after);
}

int diff_fields(struct diff_field **fields, size_t *n, struct berth_arena *a, const json_t *before,
                const json_t *after, struct berth_err *err)
{
        struct field_list l = {.a = a};
        struct diff_field *all;
        size_t i;

        walk(&l, "", NULL, SHAPE_NONE, before, after);
        if (l.oom)
                return berth_err_set(err, BERTH_ENOMEM, "out of memory comparing fields");
        if (!l.n)
                return 0;
        all = berth_arena_grow(a, *fields, *n, *n + l.n, sizeof(*all));
        if (!all)
                return berth_err_set(err, BERTH_ENOMEM, "out of memory comparing fields");
        for (i = 0; i < l.n; i++)
                all[*n + i] = l.v[i];
        *fields = all;
        *n += l.n;
        return 0;
}
