#!/usr/bin/env bash
# tests/bench/validate.sh - benchmark: berth validate / berth config beside
# docker-compose config on the same generated manifest set.
#
# A report, not a test: it has no thresholds and fails only when it cannot
# measure (berth does not build, or a generated file does not pass berth or
# docker-compose, which would make the comparison meaningless).
#
# Usage: tests/bench/validate.sh [--quick] [-n N] [-k PER_FILE] [-r RUNS]
#                                [-w WARMUP] [--layout both|files|single]
#                                [-o FILE | --no-results] [--no-install]
#                                [--no-hyperfine]
# See tests/bench/README.md.
set -euo pipefail

here=$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)
root=$(cd "$here/../.." && pwd)

services=1000
per_file=10
runs=5
warmup=1
layout=both
quick=0
install=1
use_hyperfine=1
results="$here/results-validate.md"
results_set=0
given= # options given explicitly, which --quick does not override

usage() {
        sed -n '9,13p' "${BASH_SOURCE[0]}" | sed 's/^# \{0,1\}//'
        cat <<'EOF'

  --quick         N=50, 1 run, no warm-up, results file not written (for CI);
                  -n, -r, -w and -o given as well still apply
  -n N            services in the set (1000)
  -k PER_FILE     services per project file in the multi-file layout (10)
  -r RUNS         timed runs of each command (5)
  -w WARMUP       untimed runs before them (1)
  --layout L      files: N/PER_FILE files; single: one file of N services;
                  both (default)
  -o FILE         write the markdown report to FILE as well as to stdout
                  (default tests/bench/results-validate.md, except --quick)
  --no-results    write the report to stdout only
  --no-install    do not apt-get install hyperfine or time when missing
  --no-hyperfine  time with a bash loop even when hyperfine is installed
Environment: BERTH=path uses that binary instead of building
build-bench/ (Release); BUILD_DIR changes that directory.
EOF
}

die() {
        echo "validate.sh: $*" >&2
        exit 1
}

while [ $# -gt 0 ]; do
        case $1 in
        --quick) quick=1 ;;
        -n) services=${2:?-n needs a number}; given+=" n"; shift ;;
        -k) per_file=${2:?-k needs a number}; shift ;;
        -r) runs=${2:?-r needs a number}; given+=" r"; shift ;;
        -w) warmup=${2:?-w needs a number}; given+=" w"; shift ;;
        --layout) layout=${2:?--layout needs files, single or both}; shift ;;
        -o) results=${2:?-o needs a file}; results_set=1; shift ;;
        --no-results) results=; results_set=1 ;;
        --no-install) install=0 ;;
        --no-hyperfine) use_hyperfine=0 ;;
        -h | --help) usage; exit 0 ;;
        *) usage >&2; exit 2 ;;
        esac
        shift
done
if [ "$quick" = 1 ]; then
        [[ $given == *n* ]] || services=50
        [[ $given == *r* ]] || runs=1
        [[ $given == *w* ]] || warmup=0
        [ "$results_set" = 1 ] || results=
fi
for v in services per_file runs; do
        [[ ${!v} =~ ^[1-9][0-9]*$ ]] || die "$v must be a positive number, not '${!v}'"
done
[[ $warmup =~ ^[0-9]+$ ]] || die "warm-up must be a number, not '$warmup'"
case $layout in files | single | both) ;; *) die "--layout: files, single or both, not '$layout'" ;; esac

# --- tools -----------------------------------------------------------------

command -v python3 >/dev/null || die "python3 is needed (the generator and the report)"

apt_install() { # package: install it if allowed and possible, quietly
        [ "$install" = 1 ] && [ "$(id -u)" = 0 ] && command -v apt-get >/dev/null || return 1
        echo "validate.sh: installing $1" >&2
        DEBIAN_FRONTEND=noninteractive apt-get install -y -qq "$1" >/dev/null 2>&1 ||
                { apt-get update -qq >/dev/null 2>&1 &&
                  DEBIAN_FRONTEND=noninteractive apt-get install -y -qq "$1" >/dev/null 2>&1; }
}

have_hyperfine=0
if [ "$use_hyperfine" = 1 ]; then
        command -v hyperfine >/dev/null || apt_install hyperfine || true
        command -v hyperfine >/dev/null && have_hyperfine=1
fi
[ -x /usr/bin/time ] || apt_install time || true
have_time=0
[ -x /usr/bin/time ] && have_time=1
have_compose=0
command -v docker-compose >/dev/null && have_compose=1
[ "$have_compose" = 1 ] || echo "validate.sh: docker-compose not found: berth only" >&2

tmp=$(mktemp -d "${TMPDIR:-/tmp}/berth-bench.XXXXXX")
trap 'rm -rf "$tmp"' EXIT
trap 'exit 130' INT TERM

# --- berth -----------------------------------------------------------------

# The commit of the sources built, taken before the build.
commit=$(git -C "$root" rev-parse --short HEAD 2>/dev/null || echo unknown)
if [ -n "$(git -C "$root" status --porcelain -- reconciler CMakeLists.txt 2>/dev/null)" ]; then
        commit="$commit (+ uncommitted changes in reconciler/)"
fi
if [ -n "${BERTH:-}" ]; then
        berth=$(command -v "$BERTH") || die "BERTH='$BERTH' is not a program"
        build_note="given as BERTH"
else
        build=${BUILD_DIR:-$root/build-bench}
        echo "validate.sh: building berth (Release) in $build" >&2
        if ! grep -qs '^CMAKE_BUILD_TYPE:STRING=Release$' "$build/CMakeCache.txt"; then
                cmake -S "$root" -B "$build" -DCMAKE_BUILD_TYPE=Release >"$tmp/build.log" 2>&1 ||
                        { cat "$tmp/build.log" >&2; die "cmake configure failed"; }
        fi
        cmake --build "$build" --target berth -j"$(nproc)" >>"$tmp/build.log" 2>&1 ||
                { cat "$tmp/build.log" >&2; die "build failed"; }
        berth=$build/berth
        build_note="Release, $(cc --version 2>/dev/null | head -n1)"
fi

# Every measured command runs with this environment only, so that variables
# of the caller (TAG, COMPOSE_FILE, COMPOSE_PROJECT_NAME...) change nothing.
clean=(env -i "PATH=$PATH" "HOME=${HOME:-/root}" LC_ALL=C.UTF-8)

# --- timing ----------------------------------------------------------------

# measure ID CMD...: time CMD (stdout and stderr discarded) $warmup + $runs
# times and write $tmp/ID.json as {"times": [seconds...]}.
measure() {
        local id=$1
        shift
        echo "validate.sh: timing $id ($runs runs)" >&2
        if [ "$have_hyperfine" = 1 ]; then
                local quoted
                printf -v quoted '%q ' "$@"
                "${clean[@]}" hyperfine -N --style none --runs "$runs" --warmup "$warmup" \
                        --export-json "$tmp/$id.hf.json" "$quoted" >/dev/null 2>"$tmp/$id.err" ||
                        { cat "$tmp/$id.err" >&2; die "$id failed"; }
                python3 -c 'import json,sys; r=json.load(open(sys.argv[1]))["results"][0]
json.dump({"times": r["times"], "cpu": r["user"] + r["system"]}, open(sys.argv[2], "w"))' \
                        "$tmp/$id.hf.json" "$tmp/$id.json"
        else
                # bash's time keyword: wall, user and system seconds of the
                # command and all its children.
                local i TIMEFORMAT='%3R %3U %3S'
                : >"$tmp/$id.times"
                for ((i = 0; i < warmup + runs; i++)); do
                        { time "${clean[@]}" "$@" >/dev/null 2>&1 || die "$id failed"; } \
                                2>"$tmp/$id.time1"
                        [ "$i" -lt "$warmup" ] || cat "$tmp/$id.time1" >>"$tmp/$id.times"
                done
                python3 -c 'import json,sys; t=[l.split() for l in open(sys.argv[1]) if l.strip()]
json.dump({"times": [float(r[0]) for r in t],
           "cpu": sum(float(r[1]) + float(r[2]) for r in t) / len(t)}, open(sys.argv[2], "w"))' \
                        "$tmp/$id.times" "$tmp/$id.json"
        fi
}

# rss ID CMD...: peak resident set size in KiB of CMD (for a shell loop, the
# largest of its processes: wait4 reports the maximum over waited children).
rss() {
        local id=$1
        shift
        if [ "$have_time" = 1 ]; then
                "${clean[@]}" /usr/bin/time -f '%M' -o "$tmp/$id.rss" "$@" >/dev/null 2>&1 ||
                        die "$id failed under /usr/bin/time"
        else
                echo "" >"$tmp/$id.rss"
        fi
}

# --- the sets and the runs -------------------------------------------------

rows=$tmp/rows.tsv # id, layout, files, command label, processes
: >"$rows"

bench_layout() { # name per-file
        local name=$1 k=$2 dir=$tmp/$1 files f
        python3 "$here/gen-manifests.py" -n "$services" -k "$k" "$dir" 2>/dev/null ||
                die "gen-manifests.py failed"
        files=$(find "$dir" -maxdepth 1 -name '*.yaml' | wc -l)
        local desc="$files × $k"
        [ "$files" = 1 ] && desc="1 × $services"
        [ "$files" -gt 1 ] && [ $((services % k)) != 0 ] && desc="$files × ≤$k"

        # The comparison only means something if both accept every file.
        "${clean[@]}" "$berth" validate -f "$dir" >"$tmp/check.out" 2>&1 ||
                { cat "$tmp/check.out" >&2; die "berth validate rejects the generated $name set"; }
        grep -q " $services services," "$tmp/check.out" ||
                { cat "$tmp/check.out" >&2; die "berth did not count $services services in $name"; }
        {
                echo 'set -e'
                for f in "$dir"/*.yaml; do
                        printf 'docker-compose -p %q -f %q config "$@" >/dev/null\n' \
                                "$(basename "$f" .yaml)" "$f"
                done
        } >"$tmp/$name-compose.sh"
        if [ "$have_compose" = 1 ]; then
                "${clean[@]}" bash "$tmp/$name-compose.sh" -q >"$tmp/check.out" 2>&1 ||
                        { cat "$tmp/check.out" >&2; die "docker-compose rejects the generated $name set"; }
                [ ! -s "$tmp/check.out" ] ||
                        { cat "$tmp/check.out" >&2; die "docker-compose warns on the generated $name set"; }
        fi

        measure "$name-bv" "$berth" validate -f "$dir"
        rss "$name-bv" "$berth" validate -f "$dir"
        printf '%s\t%s\t%s\t%s\t%s\n' "$name-bv" "$desc" "$files" "berth validate -f DIR" 1 >>"$rows"
        measure "$name-bc" "$berth" config -f "$dir"
        rss "$name-bc" "$berth" config -f "$dir"
        printf '%s\t%s\t%s\t%s\t%s\n' "$name-bc" "$desc" "$files" "berth config -f DIR" 1 >>"$rows"
        if [ "$have_compose" = 1 ]; then
                measure "$name-dq" bash "$tmp/$name-compose.sh" -q
                rss "$name-dq" bash "$tmp/$name-compose.sh" -q
                printf '%s\t%s\t%s\t%s\t%s\n' "$name-dq" "$desc" "$files" \
                        "docker-compose config -q, per file" "$files" >>"$rows"
                measure "$name-dc" bash "$tmp/$name-compose.sh"
                rss "$name-dc" bash "$tmp/$name-compose.sh"
                printf '%s\t%s\t%s\t%s\t%s\n' "$name-dc" "$desc" "$files" \
                        "docker-compose config, per file" "$files" >>"$rows"
        fi
}

load_start=$(cut -d' ' -f1-3 /proc/loadavg)
[ "$layout" = single ] || bench_layout files "$per_file"
[ "$layout" = files ] || bench_layout single "$services"
# What one process of each costs before it reads any file.
measure berth-start "$berth" --help
[ "$have_compose" = 0 ] || measure compose-start docker-compose version --short

# --- report ----------------------------------------------------------------

load_end=$(cut -d' ' -f1-3 /proc/loadavg)
compose_version=none
[ "$have_compose" = 1 ] &&
        compose_version="$(docker-compose version --short 2>/dev/null) ($(command -v docker-compose))"
timer="bash loop with the time keyword"
[ "$have_hyperfine" = 1 ] && timer="$(hyperfine --version) -N"

python3 - "$tmp" "$rows" "$services" "$runs" "$warmup" >"$tmp/report.md" <<EOF
import json, os, statistics, sys
tmp, rows_path, n, runs, warmup = sys.argv[1], sys.argv[2], int(sys.argv[3]), sys.argv[4], sys.argv[5]

def dur(s):
    if s >= 10: return "%.1f s" % s
    if s >= 1: return "%.2f s" % s
    if s >= 0.01: return "%.0f ms" % (s * 1e3)
    return "%.1f ms" % (s * 1e3)

def per(s):
    ms = s * 1e3 / n
    return "%.3f ms" % ms if ms < 1 else "%.1f ms" % ms

rows, med = [], {}
for line in open(rows_path):
    id_, desc, files, label, procs = line.rstrip("\n").split("\t")
    j = json.load(open(os.path.join(tmp, id_ + ".json")))
    t = j["times"]
    med[id_] = statistics.median(t)
    r = open(os.path.join(tmp, id_ + ".rss")).read().strip()
    rss = "%.1f MiB" % (int(r) / 1024) if r else "n/a"
    if int(procs) > 1 and r: rss += " (largest process)"
    rows.append((id_, desc, label, procs, med[id_], min(t), max(t), j["cpu"], rss))

cpu = "unknown"
for l in open("/proc/cpuinfo"):
    if l.startswith("model name"):
        cpu = l.split(":", 1)[1].strip(); break
print("# berth validate beside docker-compose config: $services services")
print()
print("- date: $(date -u +%Y-%m-%dT%H:%MZ)")
print("- machine: %d CPUs (nproc), %s, %s" % (os.cpu_count(), cpu, "$(uname -sr)"))
print("- berth: commit $commit, $build_note")
print("- docker-compose: $compose_version")
print("- timing: $timer; %s timed run%s per command after %s warm-up run%s"
      % (runs, "" if runs == "1" else "s", warmup, "" if warmup == "1" else "s"))
print("- load average (1, 5, 15 min) at start: $load_start; at end: $load_end")
print("- manifests: tests/bench/gen-manifests.py -n $services (sets × services per file below)")
print()
print("| set (files × services) | command | processes | median | min–max | per service | CPU (user+sys) | peak RSS |")
print("|---|---|--:|--:|--:|--:|--:|--:|")
for id_, desc, label, procs, m, lo, hi, cpu, rss in rows:
    print("| %s | \`%s\` | %s | %s | %s–%s | %s | %s | %s |"
          % (desc, label, procs, dur(m), dur(lo), dur(hi), per(m), dur(cpu), rss))
print()
print("Median and min–max: wall-clock time of the whole command. Per service: median ÷ %d. "
      "CPU: mean user + system time of the command and its children (less affected than "
      "wall-clock by other load on the machine). Peak RSS: /usr/bin/time %%M. docker-compose "
      "reads one project per process, so its rows run \`docker-compose -p STEM -f FILE config\` "
      "once per file, in sequence." % n)
def start(name):
    p = os.path.join(tmp, name + "-start.json")
    if not os.path.exists(p): return None
    t = json.load(open(p))["times"]
    return "%s (%s–%s)" % (dur(statistics.median(t)), dur(min(t)), dur(max(t)))
print()
print("Start-up alone, a process that reads no manifest (median, min–max): "
      "\`berth --help\` %s" % start("berth"), end="")
if start("compose"):
    print("; \`docker-compose version --short\` %s, paid once per project file" % start("compose"),
          end="")
print(".")
pairs = [("dc", "bv", "docker-compose config ÷ berth validate"),
         ("dq", "bv", "docker-compose config -q ÷ berth validate"),
         ("dc", "bc", "docker-compose config ÷ berth config")]
lines = []
for layout in ("files", "single"):
    desc = next((r[1] for r in rows if r[0].startswith(layout + "-")), None)
    for a, b, what in pairs:
        ka, kb = layout + "-" + a, layout + "-" + b
        if ka in med and kb in med:
            lines.append("| %s | %s | %.0f× |" % (desc, what, med[ka] / med[kb]))
if lines:
    print()
    print("| set | ratio of medians | |")
    print("|---|---|--:|")
    print("\n".join(lines))
EOF

cat "$tmp/report.md"
if [ -n "$results" ]; then
        cp "$tmp/report.md" "$results"
        echo "validate.sh: wrote $results" >&2
fi
