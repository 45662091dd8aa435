/* schema/schema.h - the manifest JSON Schema, compiled into berth from
 * schema/manifest.schema.json (see CMakeLists.txt), and its validator.
 *
 * May not use: model, diff, plan, exec, docker, watch.
 */
#ifndef BERTH_SCHEMA_H
#define BERTH_SCHEMA_H

/* The schema text, NUL-terminated, berth_manifest_schema_len bytes. */
extern const char berth_manifest_schema[];
extern const unsigned long berth_manifest_schema_len;

#endif
