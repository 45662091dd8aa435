#include "common/arena.h"

#include <stdarg.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#define CHUNK_SIZE (64 * 1024)
#define ALIGN (sizeof(max_align_t))

struct chunk {
        struct chunk *next;
        size_t used, size;
        max_align_t data[];
};

struct berth_arena {
        struct chunk *head;
};

struct berth_arena *berth_arena_new(void)
{
        return calloc(1, sizeof(struct berth_arena));
}

void berth_arena_free(struct berth_arena *a)
{
        struct chunk *c, *next;

        if (!a)
                return;
        for (c = a->head; c; c = next) {
                next = c->next;
                free(c);
        }
        free(a);
}

/* Aligned memory, not zeroed. */
static void *raw_alloc(struct berth_arena *a, size_t size)
{
        struct chunk *c = a->head;
        size_t need = (size + ALIGN - 1) / ALIGN * ALIGN, csize;
        void *p;

        if (size > SIZE_MAX - ALIGN - sizeof(struct chunk))
                return NULL;
        if (!c || c->size - c->used < need) {
                csize = need > CHUNK_SIZE ? need : CHUNK_SIZE;
                c = malloc(sizeof(*c) + csize);
                if (!c)
                        return NULL;
                c->size = csize;
                c->used = 0;
                /* a big one-off goes behind the current chunk so the
                 * current chunk's free space is not wasted */
                if (need > CHUNK_SIZE && a->head) {
                        c->next = a->head->next;
                        a->head->next = c;
                } else {
                        c->next = a->head;
                        a->head = c;
                }
        }
        p = (char *)c->data + c->used;
        c->used += need;
        return p;
}

void *berth_arena_alloc(struct berth_arena *a, size_t size)
{
        void *p = raw_alloc(a, size);

        if (p)
                memset(p, 0, size);
        return p;
}

char *berth_arena_strndup(struct berth_arena *a, const char *s, size_t n)
{
        char *p;

        if (!s)
                return NULL;
        p = raw_alloc(a, n + 1);
        if (p) {
                memcpy(p, s, n);
                p[n] = '\0';
        }
        return p;
}

char *berth_arena_strdup(struct berth_arena *a, const char *s)
{
        return s ? berth_arena_strndup(a, s, strlen(s)) : NULL;
}

char *berth_arena_printf(struct berth_arena *a, const char *fmt, ...)
{
        va_list ap;
        char *p;
        int n;

        va_start(ap, fmt);
        n = vsnprintf(NULL, 0, fmt, ap);
        va_end(ap);
        if (n < 0)
                return NULL;
        p = raw_alloc(a, (size_t)n + 1);
        if (!p)
                return NULL;
        va_start(ap, fmt);
        vsnprintf(p, (size_t)n + 1, fmt, ap);
        va_end(ap);
        return p;
}

void *berth_arena_grow(struct berth_arena *a, void *old, size_t n, size_t want, size_t size)
{
        void *p;

        if (size && want > SIZE_MAX / size)
                return NULL;
        if (n > want)
                n = want;
        p = raw_alloc(a, want * size);
        if (!p)
                return NULL;
        if (old && n)
                memcpy(p, old, n * size);
        else
                n = 0;
        memset((char *)p + n * size, 0, (want - n) * size);
        return p;
}
