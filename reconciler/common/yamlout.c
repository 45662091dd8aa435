#include "common/yamlout.h"

#include <ctype.h>
#include <stdio.h>
#include <string.h>

#include <yaml.h>

#include "common/err.h"

static int write_handler(void *data, unsigned char *buffer, size_t size)
{
        return fwrite(buffer, 1, size, data) == size;
}

/* Would a plain scalar s read back as something other than this string,
 * in YAML 1.2 or 1.1?  Then it is quoted. */
static int needs_quotes(const char *s)
{
        static const char *const words[] = {"true", "false", "yes",   "no",   "on",
                                            "off",  "y",     "n",     "null", "~",
                                            ".inf", "-.inf", "+.inf", ".nan", "<<"};
        char lower[16] = "";
        size_t i, len = strlen(s);
        int digits_or_punct = 1;

        if (len == 0)
                return 1;
        if (len < sizeof(lower)) {
                for (i = 0; i < len; i++)
                        lower[i] = (char)tolower((unsigned char)s[i]);
                lower[len] = '\0';
                for (i = 0; i < sizeof(words) / sizeof(words[0]); i++)
                        if (!strcmp(lower, words[i]))
                                return 1;
        }
        /* numbers of any YAML version: 80, -1.5, 0x1f, 0o17, 1_000, 1:30, 1e3 */
        for (i = 0; i < len; i++)
                if (!isdigit((unsigned char)s[i]) && !strchr("+-._:eExXoOabcdefABCDEF", s[i]))
                        digits_or_punct = 0;
        if (digits_or_punct && (isdigit((unsigned char)s[0]) || strchr("+-.", s[0])))
                return 1;
        return 0;
}

static int emit(yaml_emitter_t *em, const json_t *v)
{
        yaml_event_t ev;
        const char *key;
        json_t *item;
        size_t i;
        char num[64];
        const char *text;
        yaml_scalar_style_t style = YAML_PLAIN_SCALAR_STYLE;

        switch (json_typeof(v)) {
        case JSON_OBJECT:
                yaml_mapping_start_event_initialize(&ev, NULL, NULL, 1, YAML_BLOCK_MAPPING_STYLE);
                if (!yaml_emitter_emit(em, &ev))
                        return -1;
                json_object_foreach((json_t *)v, key, item)
                {
                        yaml_scalar_event_initialize(
                            &ev, NULL, NULL, (yaml_char_t *)key, (int)strlen(key), 1, 1,
                            needs_quotes(key) ? YAML_DOUBLE_QUOTED_SCALAR_STYLE
                                              : YAML_PLAIN_SCALAR_STYLE);
                        if (!yaml_emitter_emit(em, &ev) || emit(em, item) < 0)
                                return -1;
                }
                yaml_mapping_end_event_initialize(&ev);
                return yaml_emitter_emit(em, &ev) ? 0 : -1;
        case JSON_ARRAY:
                yaml_sequence_start_event_initialize(&ev, NULL, NULL, 1, YAML_BLOCK_SEQUENCE_STYLE);
                if (!yaml_emitter_emit(em, &ev))
                        return -1;
                json_array_foreach((json_t *)v, i, item)
                {
                        if (emit(em, item) < 0)
                                return -1;
                }
                yaml_sequence_end_event_initialize(&ev);
                return yaml_emitter_emit(em, &ev) ? 0 : -1;
        case JSON_STRING:
                text = json_string_value(v);
                if (needs_quotes(text) || strchr(text, '\n'))
                        style = strchr(text, '\n') ? YAML_LITERAL_SCALAR_STYLE
                                                   : YAML_DOUBLE_QUOTED_SCALAR_STYLE;
                break;
        case JSON_INTEGER:
                snprintf(num, sizeof(num), "%" JSON_INTEGER_FORMAT, json_integer_value(v));
                text = num;
                break;
        case JSON_REAL:
                snprintf(num, sizeof(num), "%.17g", json_real_value(v));
                text = num;
                break;
        case JSON_TRUE:
                text = "true";
                break;
        case JSON_FALSE:
                text = "false";
                break;
        default:
                text = "null";
                break;
        }
        yaml_scalar_event_initialize(&ev, NULL, NULL, (yaml_char_t *)text, (int)strlen(text), 1, 1,
                                     style);
        return yaml_emitter_emit(em, &ev) ? 0 : -1;
}

int yamlout_write(FILE *f, const json_t *v, int explicit_start, struct berth_err *err)
{
        yaml_emitter_t em;
        yaml_event_t ev;
        int ok;

        if (!yaml_emitter_initialize(&em))
                return berth_err_set(err, BERTH_ENOMEM, "out of memory");
        yaml_emitter_set_output(&em, write_handler, f);
        yaml_emitter_set_unicode(&em, 1);
        yaml_emitter_set_width(&em, -1);
        yaml_emitter_set_indent(&em, 2);
        yaml_stream_start_event_initialize(&ev, YAML_UTF8_ENCODING);
        ok = yaml_emitter_emit(&em, &ev);
        yaml_document_start_event_initialize(&ev, NULL, NULL, NULL, !explicit_start);
        ok = ok && yaml_emitter_emit(&em, &ev);
        ok = ok && emit(&em, v) == 0;
        yaml_document_end_event_initialize(&ev, 1);
        ok = ok && yaml_emitter_emit(&em, &ev);
        yaml_stream_end_event_initialize(&ev);
        ok = ok && yaml_emitter_emit(&em, &ev);
        ok = ok && yaml_emitter_flush(&em);
        if (!ok)
                berth_err_set(err, BERTH_EIO, "cannot write YAML: %s",
                              em.problem ? em.problem : "write failed");
        yaml_emitter_delete(&em);
        return ok ? 0 : BERTH_EIO;
}
