/* stopsig.c - SIGINT/SIGTERM/SIGHUP for berth's runs (see stopsig.h). */
#include "common/stopsig.h"

#include <errno.h>
#include <signal.h>
#include <string.h>
#include <unistd.h>

atomic_int stopsig_stop;
atomic_int stopsig_hup;

static const char *stop_message;
static size_t stop_message_len;
static volatile sig_atomic_t wake_fd = -1;

static void on_signal(int sig)
{
        int saved = errno, fd = wake_fd;
        char c = sig == SIGHUP ? 'h' : 's';

        if (sig == SIGHUP) {
                atomic_store(&stopsig_hup, 1);
        } else if (atomic_exchange(&stopsig_stop, 1)) {
                signal(sig, SIG_DFL);
                raise(sig);
        } else if (stop_message && write(2, stop_message, stop_message_len) < 0) {
                /* nothing to do about it in a handler */
        }
        if (fd >= 0 && write(fd, &c, 1) < 0) {
                /* the pipe is full: a wake-up is pending anyway */
        }
        errno = saved;
}

void stopsig_install(const char *message, int catch_hup)
{
        struct sigaction sa;

        stop_message = message;
        stop_message_len = message ? strlen(message) : 0;
        memset(&sa, 0, sizeof(sa));
        sa.sa_handler = on_signal;
        sa.sa_flags = SA_RESTART;
        sigemptyset(&sa.sa_mask);
        sigaction(SIGINT, &sa, NULL);
        sigaction(SIGTERM, &sa, NULL);
        if (catch_hup)
                sigaction(SIGHUP, &sa, NULL);
}

void stopsig_set_wake(int fd)
{
        wake_fd = fd;
}
