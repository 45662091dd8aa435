/* watch/log.h - the daemon's log lines (berth watch and berth sync): one
 * line per event, text (`TIME LEVEL msg key=value...`) or one JSON object
 * per line.  Lines from several threads never interleave.
 *
 * May not use: cli.
 */
#ifndef BERTH_WATCH_LOG_H
#define BERTH_WATCH_LOG_H

#include <stdio.h>

struct wlog {
        FILE *f;  /* NULL: stderr */
        int json; /* one JSON object per line */
};

/* One line: level ("info", "warn", "error"), msg, then key and value
 * strings in pairs, ending with NULL. */
void wlog_line(const struct wlog *l, const char *level, const char *msg, ...);

#endif
