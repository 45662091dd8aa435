/* clock.h - the monotonic clock in milliseconds, for deadlines: the one
 * helper where a wait counts down (a child process, a credential helper,
 * a lingering connection).
 *
 * May not use: anything but libc.
 */
#ifndef BERTH_CLOCK_H
#define BERTH_CLOCK_H

/* CLOCK_MONOTONIC in milliseconds: only differences mean anything. */
long berth_mono_ms(void);

#endif
