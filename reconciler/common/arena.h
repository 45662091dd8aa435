/* arena.h - a bump allocator for objects that live and die together (a
 * loaded project, a plan).  Freeing the arena frees everything in it; no
 * single object is ever freed on its own.
 *
 * May not use: anything but libc.
 */
#ifndef BERTH_COMMON_ARENA_H
#define BERTH_COMMON_ARENA_H

#include <stddef.h>

struct berth_arena;

struct berth_arena *berth_arena_new(void);
void berth_arena_free(struct berth_arena *a); /* NULL is a no-op */

/* Zeroed memory aligned for any type; NULL only when out of memory. */
void *berth_arena_alloc(struct berth_arena *a, size_t size);
/* Copies (NULL in, NULL out). */
char *berth_arena_strdup(struct berth_arena *a, const char *s);
char *berth_arena_strndup(struct berth_arena *a, const char *s, size_t n);
char *berth_arena_printf(struct berth_arena *a, const char *fmt, ...)
    __attribute__((format(printf, 2, 3)));

/* Grow an array held in the arena: returns a copy of old (n elements of
 * size bytes) with room for at least want, the room past the copy zeroed,
 * or NULL on ENOMEM. */
void *berth_arena_grow(struct berth_arena *a, void *old, size_t n, size_t want, size_t size);

#endif
