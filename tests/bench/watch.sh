#!/usr/bin/env bash
# tests/bench/watch.sh - benchmark: berth watch's latency from a manifest
# save to the new container running, and its memory (RSS) while watching
# N services, for each N given.
#
# A report, not a test: no thresholds.  It needs a Docker engine (the one
# on $DOCKER_HOST or the default socket; .ci/up or tests/run start one) and
# makes its objects in a scope of its own, removed at the end.
#
# Usage: tests/bench/watch.sh [-n "100 500"] [-r RUNS] [-o FILE | --no-results]
set -euo pipefail

here=$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)
root=$(cd "$here/../.." && pwd)
sizes="100 500"
runs=5
results="$here/results-watch.md"

while [ $# -gt 0 ]; do
        case $1 in
        -n) sizes=$2; shift ;;
        -r) runs=$2; shift ;;
        -o) results=$2; shift ;;
        --no-results) results= ;;
        -h | --help) sed -n '2,11p' "$0" | sed 's/^# \{0,1\}//'; exit 0 ;;
        *) echo "watch.sh: unknown option '$1'" >&2; exit 64 ;;
        esac
        shift
done

# shellcheck source=../../.ci/lib.sh
. "$root/.ci/lib.sh"
BERTH_TEST_RUN=${BERTH_TEST_RUN:-bench$$}
export BERTH_TEST_RUN
engine_answers >/dev/null || die "no Docker engine answers: run .ci/up first"
image=berth-test/busybox:bench
docker image inspect "$image" >/dev/null 2>&1 || busybox_import "$image" >/dev/null

build=${BUILD_DIR:-$root/build-bench}
if [ -z "${BERTH:-}" ]; then
        cmake -S "$root" -B "$build" -DCMAKE_BUILD_TYPE=Release -DBERTH_TESTS=OFF >/dev/null
        cmake --build "$build" -j"$(nproc)" >/dev/null
        BERTH=$build/berth
fi

scope=bench-watch-$$
work=$(mktemp -d)
watch_pid=
cleanup() {
        [ -z "$watch_pid" ] || kill "$watch_pid" 2>/dev/null || true
        [ -z "$watch_pid" ] || wait "$watch_pid" 2>/dev/null || true
        "$BERTH" down --scope "$scope" --yes >/dev/null 2>&1 || true
        rm -rf "$work"
}
trap cleanup EXIT

now_ms() { date +%s%3N; }
running() { docker ps -q --filter "label=berth.scope=$scope" | wc -l; }

# N services in at most 10 project files (at least 10 services each: each
# project has a network, and a default engine has address pools for about
# 30); service s0 of p0 carries GEN.
generate() {
        local n=$1 gen=$2 dir=$3 f s k
        k=$(((n + 9) / 10))
        [ "$k" -ge 10 ] || k=10
        rm -rf "$dir" && mkdir -p "$dir"
        for ((f = 0; f * k < n; f++)); do
                {
                        echo "name: p$f"
                        echo "services:"
                        for ((s = 0; s < k && f * k + s < n; s++)); do
                                echo "  s$s:"
                                echo "    image: $image"
                                echo "    command: [\"sleep\", \"86400\"]"
                                echo "    stop_signal: SIGKILL"
                                [ "$f$s" != 00 ] || echo "    environment: {GEN: \"$gen\"}"
                        done
                } >"$dir/p$f.yaml"
        done
}

# Rewrite p0.yaml with GEN=$1 the way editors save: a new file renamed over.
save() {
        local dir=$1 gen=$2
        sed "s/GEN: \"[0-9]*\"/GEN: \"$gen\"/" "$dir/p0.yaml" >"$dir/.p0.yaml.new"
        mv "$dir/.p0.yaml.new" "$dir/p0.yaml"
}

median() { sort -n | awk '{ v[NR] = $1 } END { print (NR % 2) ? v[(NR + 1) / 2] : int((v[NR / 2] + v[NR / 2 + 1]) / 2) }'; }

report=$(mktemp)
{
        echo "| services | initial converge | RSS watching (KiB) | save → running, median of $runs (ms) | min–max (ms) | of it berth's plan (ms) | and the run of the plan (ms) |"
        echo "|---:|---:|---:|---:|---:|---:|---:|"
} >"$report"

for n in $sizes; do
        dir=$work/m$n
        generate "$n" 0 "$dir"
        t0=$(now_ms)
        "$BERTH" watch -f "$dir" --scope "$scope" --debounce 100 --log-format json \
                2>"$work/watch-$n.log" &
        watch_pid=$!
        until [ "$(running)" -ge "$n" ]; do sleep 0.2; done
        converge=$(($(now_ms) - t0))
        sleep 2
        rss=$(awk '/^VmRSS/ { print $2 }' "/proc/$watch_pid/status")
        lat=() plans=() execs=()
        for ((r = 1; r <= runs; r++)); do
                old=$(docker ps -q --filter "label=berth.scope=$scope" --filter "name=^p0-s0-1$")
                t0=$(now_ms)
                save "$dir" "$r"
                while :; do
                        id=$(docker ps -q --filter "label=berth.scope=$scope" --filter "name=^p0-s0-1$")
                        [ -z "$id" ] || [ "$id" = "$old" ] || break
                        sleep 0.01
                done
                lat+=($(($(now_ms) - t0)))
                sleep 1
                # the save's reconcile: its plan, and the run of it
                # (berth's log line, written once the run is over)
                read -r p e < <(python3 -c '
import json, sys
r = [json.loads(l) for l in open(sys.argv[1]) if "\"reconcile\"" in l]
r = [x for x in r if x.get("msg") == "reconcile" and "manifests" in x.get("trigger", "")][-1]
p, d = float(r["plan_duration"]), float(r["duration"])
print(round(p * 1000), round((d - p) * 1000))' "$work/watch-$n.log")
                plans+=("$p") execs+=("$e")
        done
        med=$(printf '%s\n' "${lat[@]}" | median)
        min=$(printf '%s\n' "${lat[@]}" | sort -n | head -1)
        max=$(printf '%s\n' "${lat[@]}" | sort -n | tail -1)
        printf '| %d | %.1f s | %d | %d | %d–%d | %d | %d |\n' "$n" \
                "$(echo "$converge / 1000" | bc -l)" "$rss" "$med" "$min" "$max" \
                "$(printf '%s\n' "${plans[@]}" | median)" "$(printf '%s\n' "${execs[@]}" | median)" \
                >>"$report"
        kill "$watch_pid"
        wait "$watch_pid" || true
        watch_pid=
        "$BERTH" down --scope "$scope" --yes >/dev/null
done

{
        echo "# berth watch: save-to-running latency and memory"
        echo
        echo "$(date -u +%Y-%m-%d), $(nproc) cores, engine $(docker version --format '{{.Server.Version}}'), berth $("$BERTH" --version | awk '{ print $2 }') (commit $(git -C "$root" rev-parse --short HEAD 2>/dev/null || echo unknown))."
        echo "Latency: p0.yaml rewritten editor-style (new file renamed over it) with one"
        echo "environment value changed, until \`docker ps\` shows the replacement container"
        echo "running (debounce 100 ms; polled every 10 ms). Of it, from berth's reconcile"
        echo "log line: berth's plan (plan_duration: reading the manifests and the engine,"
        echo "diff, plan) and the run of the plan (the engine's stop, remove, create, start),"
        echo "medians. RSS: /proc/PID/status VmRSS of the watch process, idle, 2 s after"
        echo "converging."
        echo
        cat "$report"
} | if [ -n "$results" ]; then tee "$results"; else cat; fi
rm -f "$report"
