#!/usr/bin/env bash
# fuzz/run.sh - build the fuzzers with clang (build-fuzz/, -DBERTH_FUZZ=ON:
# libFuzzer, ASan, UBSan) and run each one for SECONDS over its corpus in
# fuzz/corpus/<target>/.  The committed corpus is only read: what the run
# finds goes to OUTDIR/<target>/corpus, crashes and their logs to
# OUTDIR/<target>/.  Exits 1 when a fuzzer found a crash, a leak, a
# timeout (an input taking over 10 s) or ran out of memory (2 GiB).
#
# Usage: fuzz/run.sh SECONDS [OUTDIR] [TARGET...]
#   OUTDIR defaults to a new temporary directory, removed when nothing
#   was found; kept (and named) otherwise.  Targets: manifest, engine
#   (default: both).  FUZZ_ARGS adds libFuzzer options, e.g.
#   FUZZ_ARGS="-max_len=16384" (-jobs/-workers write fuzz-N.log files
#   into OUTDIR/<target>/ instead of fuzz.log).
set -euo pipefail

here=$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)
root=$(cd "$here/.." && pwd)

usage()
{
        sed -n '2,15p' "$0" | sed 's/^# \{0,1\}//'
}

[ $# -ge 1 ] || {
        usage >&2
        exit 2
}
case $1 in
-h | --help)
        usage
        exit 0
        ;;
*[!0-9]* | '')
        printf 'fuzz/run.sh: SECONDS must be a number, not %s\n' "$1" >&2
        exit 2
        ;;
esac
seconds=$1
shift
out=${1:-}
[ $# -eq 0 ] || shift
targets=("$@")
[ ${#targets[@]} -gt 0 ] || targets=(manifest engine)
for t in "${targets[@]}"; do
        [ -d "$here/corpus/$t" ] || {
                printf 'fuzz/run.sh: no target %s (no fuzz/corpus/%s)\n' "$t" "$t" >&2
                exit 2
        }
done
command -v clang >/dev/null || {
        echo 'fuzz/run.sh: clang not found: apt-get install clang libclang-rt-14-dev' >&2
        exit 1
}

own_out=0
if [ -z "$out" ]; then
        out=$(mktemp -d "${TMPDIR:-/tmp}/berth-fuzz.XXXXXX")
        own_out=1
fi
mkdir -p "$out"

build=$root/build-fuzz
# clang does not know gcc's -Wno-format-truncation (BERTH_WARNINGS).
cmake -S "$root" -B "$build" -DCMAKE_C_COMPILER=clang -DBERTH_FUZZ=ON -DBERTH_TESTS=OFF \
        -DCMAKE_BUILD_TYPE=RelWithDebInfo -DCMAKE_C_FLAGS=-Wno-unknown-warning-option >/dev/null
cmake --build "$build" -j"$(nproc)" --target "${targets[@]/#/fuzz_}"

export ASAN_OPTIONS=detect_leaks=1
export UBSAN_OPTIONS=print_stacktrace=1:halt_on_error=1
failed=()
for t in "${targets[@]}"; do
        dir=$out/$t
        mkdir -p "$dir/corpus"
        # findings of an earlier run into the same OUTDIR (its corpus stays)
        rm -f "$dir"/crash-* "$dir"/leak-* "$dir"/timeout-* "$dir"/oom-* "$dir"/slow-unit-*
        args=(-max_total_time="$seconds" -timeout=10 -rss_limit_mb=2048 -print_final_stats=1
                -artifact_prefix="$dir/")
        [ ! -f "$here/$t.dict" ] || args+=(-dict="$here/$t.dict")
        # shellcheck disable=SC2206 # FUZZ_ARGS is words
        args+=(${FUZZ_ARGS:-})
        printf '\n== fuzz_%s for %s s\n' "$t" "$seconds"
        rc=0
        (cd "$dir" && "$build/fuzz/fuzz_$t" "${args[@]}" "$dir/corpus" "$here/corpus/$t") \
                >"$dir/fuzz.log" 2>&1 || rc=$?
        grep -E '^#[0-9]+.*(DONE|cov:)' "$dir/fuzz.log" | tail -n 1 || true
        grep -E '^(stat::number_of_executed_units|stat::peak_rss_mb|Done )' "$dir/fuzz.log" || true
        found=$(find "$dir" -maxdepth 1 -type f \( -name 'crash-*' -o -name 'leak-*' -o \
                -name 'timeout-*' -o -name 'oom-*' -o -name 'slow-unit-*' \) | sort)
        if [ "$rc" -ne 0 ] || [ -n "$found" ]; then
                failed+=("$t")
                printf 'fuzz_%s FAILED (exit %s); the report:\n' "$t" "$rc"
                grep -E -A40 '^==[0-9]+==ERROR|runtime error|^SUMMARY|ALARM|out-of-memory' \
                        "$dir/fuzz.log" | head -n 80 || tail -n 40 "$dir/fuzz.log"
                for f in $found; do
                        # the input itself, so that a CI log is enough to reproduce it
                        printf '%s (base64):\n' "$f"
                        base64 "$f" | head -c 65536
                        echo
                done
        fi
done

if [ ${#failed[@]} -gt 0 ]; then
        printf '\nfuzz/run.sh: fuzz_%s found problems; inputs and logs in %s\n' \
                "${failed[*]}" "$out"
        printf 'reproduce: %s/fuzz/fuzz_TARGET FILE\n' "$build"
        exit 1
fi
printf '\nfuzz/run.sh: %s: no crash in %s s each\n' "${targets[*]}" "$seconds"
[ "$own_out" -eq 0 ] || rm -rf "$out"
