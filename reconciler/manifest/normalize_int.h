/* manifest/normalize_int.h - what the normalize_*.c files share: the
 * state of one normalize_project() run and the helpers that read typed
 * values from the tree, report problems, and build model lists in the
 * model's arena.  Not a public interface: only normalize*.c include it
 * (and test_normalize.c, for the helpers' own tests).
 *
 * May not use: what manifest/normalize.h may not.
 */
#ifndef BERTH_MANIFEST_NORMALIZE_INT_H
#define BERTH_MANIFEST_NORMALIZE_INT_H

#include <stddef.h>
#include <stdint.h>

#include "common/arena.h"
#include "manifest/doc.h"
#include "manifest/normalize.h"
#include "model/model.h"

/* Paths like "services.web.volumes[3]" fit in this; longer ones are cut. */
#define NZ_PATH 512

/* A host port published so far (for conflicts between services). */
struct nz_binding {
        const char *service;
        struct model_port port; /* its strings in the model's arena */
};

/* A container_name used so far. */
struct nz_cname {
        const char *name;
        const char *service;
};

struct nz {
        struct berth_arena *a; /* the model's */
        const struct normalize_ctx *ctx;
        struct diag_list *diags;
        struct berth_err *err;
        struct model_project *p;         /* being built */
        const struct doc_node *services; /* the services: map, for existence checks */
        int nomem;
        size_t errors; /* errors this run added */
        struct nz_binding *bindings;
        size_t nbindings;
        struct nz_cname *cnames;
        size_t ncnames;
        int default_used;   /* some service is on the "default" network */
        size_t *mount_item; /* the service's mounts[i] came from volumes[mount_item[i]] */
};

/* ---- reporting (normalize.c) ---- */

void nz_error(struct nz *z, const struct doc_node *at, const char *path, const char *fmt, ...)
    __attribute__((format(printf, 4, 5)));
void nz_warn(struct nz *z, const struct doc_node *at, const char *path, const char *fmt, ...)
    __attribute__((format(printf, 4, 5)));
/* The warning for a key berth accepts but does not act on. */
void nz_ignored(struct nz *z, const struct doc_node *parent, const char *key, const char *path,
                const char *why);

/* "parent.key" and "parent[i]" in buf; buf returned. */
const char *nz_key_path(char *buf, const char *parent, const char *key);
const char *nz_index_path(char *buf, const char *parent, size_t i);

/* ---- memory (normalize.c): each sets z->nomem on failure ---- */

char *nz_strdup(struct nz *z, const char *s); /* NULL in, NULL out */
char *nz_strndup(struct nz *z, const char *s, size_t n);
/* p, after noting in z when it is NULL (out of memory). */
void *nz_check(struct nz *z, void *p);
#define nz_printf(z, ...) ((char *)nz_check((z), berth_arena_printf((z)->a, __VA_ARGS__)))
/* arr (n elements of size bytes, grown only by this) with room for one
 * more, or NULL when out of memory. */
void *nz_grow(struct nz *z, void *arr, size_t n, size_t size);

/* ---- typed values (normalize.c): 0, or -1 after adding an error ---- */

/* A scalar's text, numbers and booleans as written; null and
 * collections are errors.  NULL after an error. */
const char *nz_text(struct nz *z, const struct doc_node *n, const char *path);
/* nz_text() into the arena, or NULL (n NULL: NULL without an error). */
char *nz_text_dup(struct nz *z, const struct doc_node *n, const char *path);
int nz_bool(struct nz *z, const struct doc_node *n, const char *path, int *out);
/* map.key as a boolean into *out, when written and not null. */
void nz_flag(struct nz *z, const struct doc_node *map, const char *key, const char *path, int *out);
int nz_int(struct nz *z, const struct doc_node *n, const char *path, int64_t *out);
/* nz_int(), not negative. */
int nz_count(struct nz *z, const struct doc_node *n, const char *path, int64_t *out);
int nz_duration(struct nz *z, const struct doc_node *n, const char *path, int64_t *out);
int nz_size(struct nz *z, const struct doc_node *n, const char *path, int64_t *out);
int nz_cpus(struct nz *z, const struct doc_node *n, const char *path, int64_t *out);
/* n must be a DOC_MAP / DOC_SEQ; an error naming what it is otherwise. */
int nz_is_map(struct nz *z, const struct doc_node *n, const char *path);
int nz_is_seq(struct nz *z, const struct doc_node *n, const char *path);

/* ---- model lists (normalize.c) ---- */

void nz_strlist_add(struct nz *z, struct model_strlist *l, const char *s);
/* A list of strings, or one string when one_ok; sets l->set. */
void nz_strlist(struct nz *z, const struct doc_node *n, const char *path, struct model_strlist *l,
                int one_ok);

enum nz_kv_mode {
        NZ_KV_ENV,    /* `KEY` and `KEY:` take KEY from ctx->env (NULL when unset) */
        NZ_KV_LABELS, /* `KEY` and `KEY:` are "" */
        NZ_KV_VALUES, /* `KEY` alone is an error; `KEY:` is "" (sysctls, options) */
};

void nz_kv_add(struct nz *z, struct model_kvlist *l, const char *key, size_t klen,
               const char *value);
/* A map, or (not for NZ_KV_VALUES maps only) a list of KEY=VALUE. */
void nz_kv(struct nz *z, const struct doc_node *n, const char *path, struct model_kvlist *l,
           enum nz_kv_mode mode, int list_ok);
/* qsort() that takes an empty (NULL) array. */
void nz_sort(void *v, size_t n, size_t size, int (*cmp)(const void *, const void *));
/* Sort by key; of equal keys the one added last stays. */
void nz_kv_finish(struct nz *z, struct model_kvlist *l);
/* Labels named berth.* are berth's own: an error for each. */
void nz_labels_check(struct nz *z, const struct doc_node *n, const char *path,
                     const struct model_kvlist *l);

/* ---- paths (normalize_volumes.c) ---- */

/* A host path as written (absolute, relative to ctx->dir, or ~/...) made
 * absolute and cleaned; NULL after an error (or out of memory). */
char *nz_host_path(struct nz *z, const char *written, const struct doc_node *at, const char *path);

/* ---- parts of a service ---- */

/* normalize_ports.c */
void nz_ports(struct nz *z, struct model_service *s, const struct doc_node *n, const char *path);
void nz_expose(struct nz *z, struct model_service *s, const struct doc_node *n, const char *path);
/* normalize_volumes.c */
void nz_mounts(struct nz *z, struct model_service *s, const struct doc_node *n, const char *path);
void nz_tmpfs(struct nz *z, struct model_service *s, const struct doc_node *n, const char *path);
void nz_devices(struct nz *z, struct model_service *s, const struct doc_node *n, const char *path);
/* normalize_service.c */
void nz_service(struct nz *z, struct model_service *s, const struct doc_pair *pair);
/* normalize_policy.c: the policy gate on a normalized service (svc its
 * node, path "services.NAME"), errors at the keys that ask for a power
 * the policy does not allow */
void nz_policy(struct nz *z, const struct model_service *s, const struct doc_node *svc,
               const char *path);
/* An env file (abs: resolved, written: as in the manifest) must be inside
 * ctx->root_dir and trusted (policy/trust.h): 0, or -1 after an error. */
int nz_env_file_trusted(struct nz *z, const char *abs, const char *written,
                        const struct doc_node *at, const char *path);

#endif
