/* trust.c - StrictModes for what berth reads (see policy/trust.h). */
#include "policy/trust.h"

#include <limits.h>
#include <pwd.h>
#include <stdio.h>
#include <string.h>
#include <unistd.h>

/* The name of uid, or its number, in buf. */
static const char *user_name(char *buf, size_t size, uid_t uid)
{
        struct passwd pw, *found = NULL;
        char scratch[1024];

        if (getpwuid_r(uid, &pw, scratch, sizeof(scratch), &found) == 0 && found)
                snprintf(buf, size, "%s", found->pw_name);
        else
                snprintf(buf, size, "%u", (unsigned)uid);
        return buf;
}

const char *trust_stat_problem(char *buf, size_t size, const struct stat *st, const char *shown,
                               enum trust_place place)
{
        uid_t me = geteuid();
        char owner[64], self[64];
        const char *who;

        if (st->st_uid != 0 && st->st_uid != me) {
                user_name(owner, sizeof(owner), st->st_uid);
                user_name(self, sizeof(self), me);
                if (me == 0)
                        snprintf(buf, size,
                                 "owned by user '%s' (uid %u), not by root, so that user can "
                                 "change what berth runs: run 'chown root %s'",
                                 owner, (unsigned)st->st_uid, shown);
                else
                        snprintf(
                            buf, size,
                            "owned by user '%s' (uid %u), not by root or by '%s' who runs "
                            "berth, so that user can change what berth runs: run 'chown %s %s'",
                            owner, (unsigned)st->st_uid, self, self, shown);
                return buf;
        }
        if (!(st->st_mode & (S_IWGRP | S_IWOTH)))
                return NULL;
        if (place == TRUST_ABOVE && S_ISDIR(st->st_mode) && (st->st_mode & S_ISVTX) &&
            st->st_uid == 0)
                return NULL;
        who = st->st_mode & S_IWOTH ? "every user" : "its group";
        snprintf(buf, size,
                 "writable by %s (mode %04o), so %s can change what berth runs: run 'chmod go-w "
                 "%s'",
                 who, (unsigned)(st->st_mode & 07777),
                 st->st_mode & S_IWOTH ? "anyone" : "its group", shown);
        return buf;
}

const char *trust_check_above(char *buf, size_t size, char *bad, size_t bsize, const char *real)
{
        char path[PATH_MAX];
        struct stat st;
        size_t i, len = strlen(real);

        if (real[0] != '/' || len >= sizeof(path))
                return NULL;
        /* "/", then "/a", "/a/b", ... up to the last '/' of real */
        for (i = 0; i < len; i++) {
                if (real[i] != '/')
                        continue;
                memcpy(path, real, i ? i : 1);
                path[i ? i : 1] = '\0';
                if (stat(path, &st) < 0)
                        return NULL;
                if (trust_stat_problem(buf, size, &st, path, TRUST_ABOVE)) {
                        snprintf(bad, bsize, "%s", path);
                        return buf;
                }
        }
        return NULL;
}
