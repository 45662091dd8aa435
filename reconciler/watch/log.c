/* log.c - the daemon's log lines (see log.h). */
#include "watch/log.h"

#include <stdarg.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include <jansson.h>

/* key="value" with the quote, backslash and newline escaped: one line
 * stays one line whatever a commit subject or an error says. */
static void quoted(FILE *f, const char *k, const char *v)
{
        fprintf(f, " %s=\"", k);
        for (; *v; v++) {
                if (*v == '"' || *v == '\\')
                        fputc('\\', f);
                if (*v == '\n')
                        fputs("\\n", f);
                else
                        fputc(*v, f);
        }
        fputc('"', f);
}

void wlog_line(const struct wlog *l, const char *level, const char *msg, ...)
{
        char when[40];
        struct timespec ts;
        struct tm tm;
        const char *k, *v;
        va_list ap;
        FILE *f = l->f ? l->f : stderr;

        clock_gettime(CLOCK_REALTIME, &ts);
        gmtime_r(&ts.tv_sec, &tm);
        strftime(when, sizeof(when), "%Y-%m-%dT%H:%M:%S", &tm);
        snprintf(when + strlen(when), sizeof(when) - strlen(when), ".%03ldZ",
                 ts.tv_nsec / 1000000L);
        va_start(ap, msg);
        flockfile(f);
        if (l->json) {
                json_t *o = json_pack("{s:s, s:s, s:s}", "time", when, "level", level, "msg", msg);

                while (o && (k = va_arg(ap, const char *)) && (v = va_arg(ap, const char *)))
                        json_object_set_new(o, k, json_string(v));
                if (o) {
                        char *line = json_dumps(o, JSON_COMPACT | JSON_PRESERVE_ORDER);

                        if (line)
                                fprintf(f, "%s\n", line);
                        free(line);
                }
                json_decref(o);
        } else {
                fprintf(f, "%s %-5s %s", when, level, msg);
                while ((k = va_arg(ap, const char *)) && (v = va_arg(ap, const char *))) {
                        if (strpbrk(v, " \"=\\\n") || !*v)
                                quoted(f, k, v);
                        else
                                fprintf(f, " %s=%s", k, v);
                }
                fputc('\n', f);
        }
        va_end(ap);
        fflush(f);
        funlockfile(f);
}
