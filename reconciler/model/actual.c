#include "model/actual.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "common/arena.h"

/* The state struct itself lives in its arena. */
void actual_state_free(struct actual_state *s)
{
        if (!s)
                return;
        berth_arena_free(s->arena);
}

static int label_cmp(const void *key, const void *elem)
{
        return strcmp(key, ((const struct actual_label *)elem)->key);
}

const char *actual_container_label(const struct actual_container *c, const char *key)
{
        const struct actual_label *hit;

        if (!c->nlabels)
                return NULL;
        hit = bsearch(key, c->labels, c->nlabels, sizeof(*c->labels), label_cmp);
        return hit ? hit->value : NULL;
}

/* The longest reference looked up: the engine allows 255 characters of
 * name and 128 of tag, so nothing longer can be a local tag. */
#define REF_MAX 512

/* Drop what the engine leaves out of the names it lists: a "docker.io/"
 * (or "index.docker.io/") registry, and then "library/" before a
 * single-component name. */
static const char *ref_familiar(const char *ref)
{
        static const char *const registries[] = {"docker.io/", "index.docker.io/"};
        size_t i, n;

        for (i = 0; i < sizeof(registries) / sizeof(registries[0]); i++) {
                n = strlen(registries[i]);
                if (!strncmp(ref, registries[i], n)) {
                        ref += n;
                        break;
                }
        }
        /* "library/busybox" is "busybox"; "library/a/b" stays as it is */
        if (!strncmp(ref, "library/", 8) && !strchr(ref + 8, '/'))
                ref += 8;
        return ref;
}

static int image_cmp(const void *key, const void *elem)
{
        return strcmp(key, ((const struct actual_image *)elem)->tag);
}

const char *actual_image_id(const struct actual_state *s, const char *ref)
{
        char want[REF_MAX];
        const char *name, *slash, *colon;
        const struct actual_image *hit;
        int n;

        if (!s || !ref || !*ref || strchr(ref, '@'))
                return NULL;
        name = ref_familiar(ref);
        slash = strrchr(name, '/');
        colon = strrchr(name, ':');
        /* a ':' before the last '/' is a registry port, not a tag */
        if (colon && (!slash || colon > slash))
                n = snprintf(want, sizeof(want), "%s", name);
        else
                n = snprintf(want, sizeof(want), "%s:latest", name);
        if (n < 0 || (size_t)n >= sizeof(want))
                return NULL;
        if (!s->nimages)
                return NULL;
        hit = bsearch(want, s->images, s->nimages, sizeof(*s->images), image_cmp);
        return hit ? hit->id : NULL;
}
