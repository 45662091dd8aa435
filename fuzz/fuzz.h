/* fuzz/fuzz.h - the entry point every harness in fuzz/ defines, as
 * libFuzzer calls it.  Under clang with BERTH_FUZZ each harness links
 * libFuzzer's main; in every other build it links fuzz/replay.c, which
 * runs it over the corpus files named on its command line.
 *
 * A harness must not keep state between calls (each input stands alone),
 * must free all it allocates, and must never print: a crash, a sanitizer
 * report or a leak is the only finding.
 *
 * May use: berth_core.
 */
#ifndef BERTH_FUZZ_H
#define BERTH_FUZZ_H

#include <stddef.h>
#include <stdint.h>

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

#endif
