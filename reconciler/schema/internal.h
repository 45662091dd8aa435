/* schema/internal.h - the compiled form of a JSON Schema, shared by
 * compile.c (which builds it) and validate.c (which reads it).  Private to
 * reconciler/schema/.
 *
 * A struct schema owns the parsed JSON (every string below points into
 * it), an arena holding the nodes, and the compiled regular expressions.
 * Nothing in it changes after schema_parse() returns.
 *
 * May not use: anything but libc, jansson and common/.
 */
#ifndef BERTH_SCHEMA_INTERNAL_H
#define BERTH_SCHEMA_INTERNAL_H

#include <regex.h>
#include <stdbool.h>
#include <stddef.h>

#include <jansson.h>

/* JSON instance types as bits; "number" is SCH_INTEGER | SCH_NUMBER. */
enum sch_type {
        SCH_NULL = 1 << 0,
        SCH_BOOLEAN = 1 << 1,
        SCH_INTEGER = 1 << 2, /* also a real with no fraction */
        SCH_NUMBER = 1 << 3,  /* a real with a fraction */
        SCH_STRING = 1 << 4,
        SCH_ARRAY = 1 << 5,
        SCH_OBJECT = 1 << 6,
};

struct sch_regex {
        const char *src; /* the pattern as written */
        regex_t re;
};

struct sch_node;

struct sch_prop {
        const char *name;
        struct sch_node *schema;
};

struct sch_pattern_prop {
        const struct sch_regex *re;
        struct sch_node *schema;
};

struct sch_list {
        struct sch_node **v;
        size_t n;
};

struct sch_node {
        const char *where;    /* JSON pointer of this schema ("#/definitions/x") */
        bool is_false;        /* the schema `false`: nothing is valid */
        bool is_empty;        /* no assertion at all (`{}`, `true`, annotations only) */
        struct sch_node *ref; /* $ref target: every other keyword is ignored */

        unsigned types;        /* enum sch_type bits; 0: any type */
        const json_t *enum_v;  /* array, or NULL */
        const json_t *const_v; /* NULL when absent (a const null is json_null()) */

        const struct sch_regex *pattern;
        long min_length, max_length; /* -1 when absent */
        const json_t *minimum, *maximum;

        struct sch_node *items;
        long min_items, max_items; /* -1 when absent */
        bool unique_items;

        struct sch_prop *props;
        size_t nprops;
        struct sch_pattern_prop *pattern_props;
        size_t npattern_props;
        struct sch_node *additional; /* NULL: any key is allowed */
        struct sch_node *property_names;
        const char **required;
        size_t nrequired;

        struct sch_list all_of, any_of, one_of;
        struct sch_node *not_;

        const char *x_message;          /* berth's annotation, or NULL */
        const char *x_required_message; /* idem, for required */
};

struct schema {
        json_t *json; /* owns every string the nodes point to */
        struct berth_arena *arena;
        struct sch_regex **regexes; /* compiled once each, freed with the schema */
        size_t nregexes;
        struct sch_node *root;
};

#endif
