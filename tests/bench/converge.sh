#!/usr/bin/env bash
# tests/bench/converge.sh - benchmark: converging a Docker host with berth
# beside docker-compose on the same manifests, in the same run on the same
# engine, and beside the floor (berth's own mutating calls sent straight to
# the engine with the same parallelism).
#
# A report, not a test: no thresholds.  It fails only when it cannot
# measure (no engine, berth does not build, berth or docker-compose rejects
# the generated files, a step fails).  See tests/bench/README.md.
#
# Usage: tests/bench/converge.sh [--quick] [-n "10 100 500"] [-r RUNS]
#                                [-o FILE | --no-results]
set -euo pipefail
export LC_ALL=C # EPOCHREALTIME with a '.', sort and awk as expected

here=$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)
root=$(cd "$here/../.." && pwd)
sizes="10 100 500"
runs=3
results="$here/results-converge.md"
results_set=0
quick=0
given=
parallel=4 # berth's default; the floor uses the same

usage() {
        sed -n '11,12p' "${BASH_SOURCE[0]}" | sed 's/^# \{0,1\}//'
        cat <<'EOF'

  --quick         N=10, 1 run, results file not written (for CI); -n, -r
                  and -o given as well still apply
  -n "SIZES"      numbers of services, one set each (default "10 100 500")
  -r RUNS         timed runs of every step (default 3)
  -o FILE         write the markdown report to FILE as well as to stdout
                  (default tests/bench/results-converge.md, except --quick)
  --no-results    write the report to stdout only
Environment: BERTH=path uses that binary instead of building build-bench/
(Release); BUILD_DIR changes that directory.  DOCKER_HOST, when set, must
be unix://PATH (the proxy and the floor speak to a unix socket).
EOF
}

while [ $# -gt 0 ]; do
        case $1 in
        --quick) quick=1 ;;
        -n) sizes=${2:?-n needs sizes}; given+=" n"; shift ;;
        -r) runs=${2:?-r needs a number}; given+=" r"; shift ;;
        -o) results=${2:?-o needs a file}; results_set=1; shift ;;
        --no-results) results=; results_set=1 ;;
        -h | --help) usage; exit 0 ;;
        *) usage >&2; exit 2 ;;
        esac
        shift
done
if [ "$quick" = 1 ]; then
        [[ $given == *n* ]] || sizes=10
        [[ $given == *r* ]] || runs=1
        [ "$results_set" = 1 ] || results=
fi

# shellcheck source-path=SCRIPTDIR source=../../.ci/lib.sh
. "$root/.ci/lib.sh"
say() { printf 'converge.sh: %s\n' "$*" >&2; }

for n in $sizes; do
        [[ $n =~ ^[1-9][0-9]*$ ]] || die "-n: sizes are positive numbers, not '$n'"
done
[[ $runs =~ ^[1-9][0-9]*$ ]] || die "-r must be a positive number, not '$runs'"
for tool in python3 docker docker-compose; do
        command -v "$tool" >/dev/null || die "$tool is needed"
done
case ${DOCKER_HOST:-unix:///var/run/docker.sock} in
unix://*) sock=${DOCKER_HOST:-unix:///var/run/docker.sock}; sock=${sock#unix://} ;;
*) die "DOCKER_HOST=$DOCKER_HOST: the proxy and the floor need the engine on a unix socket" ;;
esac
engine_answers >/dev/null || die "no Docker engine answers on $sock: run .ci/up first"

image="berth-test/busybox:bench"
docker image inspect "$image" >/dev/null 2>&1 || busybox_import "$image"

commit=$(git -C "$root" rev-parse --short HEAD 2>/dev/null || echo unknown)
if [ -n "$(git -C "$root" status --porcelain -- reconciler CMakeLists.txt 2>/dev/null)" ]; then
        commit="$commit (+ uncommitted changes in reconciler/)"
fi
if [ -n "${BERTH:-}" ]; then
        berth=$(command -v "$BERTH") || die "BERTH='$BERTH' is not a program"
        build_note="given as BERTH"
else
        build=${BUILD_DIR:-$root/build-bench}
        say "building berth (Release) in $build"
        cmake -S "$root" -B "$build" -DCMAKE_BUILD_TYPE=Release -DBERTH_TESTS=OFF >/dev/null
        cmake --build "$build" --target berth -j"$(nproc)" >/dev/null
        berth=$build/berth
        build_note="Release, $(cc --version 2>/dev/null | head -n1)"
fi

# Everything this run makes is named or labelled after $prefix: berth's
# scope and projects ($prefix-000...), compose's projects ($prefix-c000...),
# the floor's ($prefix-f000..., label berth.scope=$prefix-floor).
prefix=bench-conv-$$
scope=$prefix
floor_scope=$prefix-floor
# The projects' networks: one /24 each of a 10.X.0.0/16 clear of every
# engine network and host route (the engine's default address pools hold
# about 30 networks, fewer than the 50 projects of N=500).
subnet=$({
        ip -4 route show 2>/dev/null | awk '{ print $1 }'
        docker network ls -q | xargs -r docker network inspect \
                --format '{{range .IPAM.Config}}{{.Subnet}} {{end}}'
} | python3 -c '
import ipaddress, sys
used = []
for w in sys.stdin.read().split():
    try:
        used.append(ipaddress.ip_network(w, strict=False))
    except ValueError:
        pass
for x in range(230, 255):
    c = ipaddress.ip_network("10.%d.0.0/16" % x)
    if not any(u.version == 4 and c.overlaps(u) for u in used):
        print("10.%d" % x)
        break
')
[ -n "$subnet" ] || die "no 10.230-254.0.0/16 is free for the projects' networks"
tmp=$(mktemp -d "${TMPDIR:-/tmp}/berth-bench-converge.XXXXXX")
cd "$tmp" # no ./manifests or .env of the caller's directory plays a part
proxy_pid=

# Every measured command runs with this environment only, so that variables
# of the caller (COMPOSE_FILE, COMPOSE_PROJECT_NAME...) change nothing; $env
# is switched to $proxy_env for the untimed runs that count calls.
real_env=(env -i "PATH=$PATH" "HOME=${HOME:-/root}" LC_ALL=C.UTF-8 "DOCKER_HOST=unix://$sock")
proxy_env=(env -i "PATH=$PATH" "HOME=${HOME:-/root}" LC_ALL=C.UTF-8
        "DOCKER_HOST=unix://$tmp/proxy.sock")
env=("${real_env[@]}")

compose_project() { # FILE: compose's project name for berth's $prefix-NNN.yaml
        local stem
        stem=$(basename "$1" .yaml)
        echo "$prefix-c${stem##*-}"
}

# owned KIND LABEL PATTERN: IDs of objects of KIND (container, network,
# volume) whose label LABEL matches the extended regex PATTERN, whole.
owned() {
        local kind=$1 key=$2 re=$3 fmt
        case $kind in
        container) fmt="{{.ID}} {{.Label \"$key\"}}"; docker ps -a --filter "label=$key" --format "$fmt" ;;
        network) fmt="{{.ID}} {{.Label \"$key\"}}"; docker network ls --filter "label=$key" --format "$fmt" ;;
        volume) fmt="{{.Name}} {{.Label \"$key\"}}"; docker volume ls --filter "label=$key" --format "$fmt" ;;
        esac | awk -v re="^($re)\$" '$2 ~ re { print $1 }'
}
# remove_owned KEY PATTERN KIND...: remove what owned finds, kinds in order.
remove_owned() {
        local key=$1 re=$2 kind
        shift 2
        for kind in "$@"; do
                case $kind in
                container) owned container "$key" "$re" | xargs -r docker rm -f -v >/dev/null ;;
                network) owned network "$key" "$re" | xargs -r docker network rm >/dev/null ;;
                volume) owned volume "$key" "$re" | xargs -r docker volume rm -f >/dev/null ;;
                esac
        done
}
compose_re="$prefix-c[0-9]+"

cleanup() {
        local rc=$? dir f p
        trap - EXIT INT TERM
        set +eu
        [ -z "$proxy_pid" ] || { kill "$proxy_pid" 2>/dev/null; wait "$proxy_pid" 2>/dev/null; }
        "${real_env[@]}" "$berth" down --scope "$scope" --volumes --yes >/dev/null 2>&1
        for dir in "$tmp"/set-*; do
                [ -d "$dir" ] || continue
                for f in "$dir"/*.yaml; do
                        p=$(compose_project "$f")
                        [ -z "$(docker ps -aq --filter "label=com.docker.compose.project=$p")" ] ||
                                "${real_env[@]}" docker-compose -p "$p" -f "$f" down -v >/dev/null 2>&1
                done
        done
        # What is left of any of the three, by label (names carry $prefix too).
        remove_owned com.docker.compose.project "$compose_re" container network volume
        remove_owned berth.scope "$floor_scope|$scope" container network volume
        rm -rf "$tmp"
        exit "$rc"
}
trap cleanup EXIT
trap 'exit 130' INT TERM

# ---- measuring ------------------------------------------------------------

# timed ID CMD...: run CMD (in $env) and append its wall-clock seconds to
# $tmp/ID.t; berth's --stats line, when CMD prints one, to $tmp/ID.calls;
# when counting through the proxy, what the proxy logged to $tmp/ID.log.
counting=0
timed() {
        local id=$1 t0 t1 us
        shift
        sleep 1 # let the engine finish what the last step set going
        [ "$counting" = 0 ] || : >"$tmp/proxy.log"
        t0=$EPOCHREALTIME
        "$@" >"$tmp/last.out" 2>"$tmp/last.err" ||
                { cat "$tmp/last.out" "$tmp/last.err" >&2; die "$id failed: $*"; }
        t1=$EPOCHREALTIME
        [ "$counting" = 0 ] || cp "$tmp/proxy.log" "$tmp/$id.log"
        us=$((${t1/./} - ${t0/./}))
        printf '%d.%06d\n' $((us / 1000000)) $((us % 1000000)) >>"$tmp/$id.t"
        sed -n 's/^berth: \([0-9]*\) API calls (\([0-9]*\) mutating)$/\1 \2/p' "$tmp/last.err" \
                >>"$tmp/$id.calls"
}

b() { "${env[@]}" "$berth" "$@"; }
# compose_each ARGS...: docker-compose -p P -f FILE ARGS for every file of
# the set, one after the other (compose reads one project per process).
compose_each() {
        local f
        for f in "$mset"/*.yaml; do
                "${env[@]}" docker-compose -p "$(compose_project "$f")" -f "$f" "$@"
        done
}
compose_one() { "${env[@]}" docker-compose -p "$(compose_project "$first")" -f "$first" "$@"; }

gen=0
# change FILE: give the changed service (gen-converge.py's GEN) a new value.
change() {
        gen=$((gen + 1))
        sed -i "s/GEN: \"[0-9]*\"/GEN: \"$gen\"/" "$1"
        grep -q "GEN: \"$gen\"" "$1" || die "no GEN in $1"
}

# nothing_left WHAT: die when an object of the set's projects exists: each
# first converge starts from nothing.
nothing_left() {
        local left
        left=$(docker ps -aq --filter "name=^$prefix-" | wc -l)
        left=$((left + $(docker volume ls -q --filter "name=^$prefix-" | wc -l)))
        left=$((left + $(docker network ls -q --filter "name=^$prefix-" | wc -l)))
        [ "$left" = 0 ] || die "$1: $left objects named $prefix-* are still there"
}

running() { # NAME-REGEX: how many containers run whose names match
        docker ps -q --filter "name=^$1" | wc -l
}

# The proxy: the engine's API on $tmp/proxy.sock, every request logged.
proxy_start() {
        python3 "$here/apiproxy.py" "$tmp/proxy.sock" "$sock" "$tmp/proxy.log" >/dev/null &
        proxy_pid=$!
        socket_wait "$tmp/proxy.sock" 10 || die "apiproxy.py did not answer"
        : >"$tmp/proxy.log"
}
count_log() { # LOG: "calls mutating"
        awk -F'"' '{ n++; if ($4 != "GET" && $4 != "HEAD") m++ } END { print n + 0, m + 0 }' "$1"
}

# What the last docker-compose step did: its "Creating X ... done" lines.
compose_did() {
        tr -d '\r' <"$tmp/last.err" |
                grep -E '^(Creating|Recreating|Starting|Stopping|Removing) .* done$' || true
}

# ---- the steps ------------------------------------------------------------

# berth_steps PFX: the berth side, timings as PFX.berth.STEP.
berth_steps() {
        local p=$1.berth
        nothing_left "berth, first converge"
        timed "$p.up" b apply -f "$mset" --scope "$scope" --parallel "$parallel" --stats
        [ "$(running "$prefix-[0-9]")" = "$n" ] || die "berth apply: not $n containers running"
        timed "$p.noop" b apply -f "$mset" --scope "$scope" --parallel "$parallel" --stats
        grep -q '^No changes' "$tmp/last.out" || die "berth: the no-op apply changed something"
        timed "$p.plan" b plan -f "$mset" --scope "$scope" --stats
        # the engine's own time for the plan's reads, on the same state
        [ "$counting" = 1 ] || floor_observe
        change "$first"
        timed "$p.change" b apply -f "$mset" --scope "$scope" --parallel "$parallel" --stats
        grep -q '1 to recreate' "$tmp/last.out" || die "berth: the change is not one recreate"
        change "$first"
        timed "$p.change1" b apply -f "$first" --scope "$scope" --parallel "$parallel" --stats
        timed "$p.down" b down --scope "$scope" --yes --parallel "$parallel" --stats
        b down --scope "$scope" --volumes --yes >/dev/null # untimed: the volumes
}

compose_steps() {
        local p=$1.compose
        nothing_left "docker-compose, first converge"
        timed "$p.up" compose_each up -d
        [ "$(running "$prefix-c")" = "$n" ] || die "docker-compose up: not $n containers running"
        timed "$p.noop" compose_each up -d
        [ -z "$(compose_did)" ] || die "docker-compose: the no-op up changed something"
        change "$first"
        timed "$p.change" compose_each up -d
        [[ $(compose_did) =~ ^Recreating\ [^$'\n']*$ ]] ||
                die "docker-compose: the change is not one recreate: $(compose_did)"
        change "$first"
        timed "$p.change1" compose_one up -d
        timed "$p.down" compose_each down
        remove_owned com.docker.compose.project "$compose_re" volume # untimed
}

floor_observe() {
        local out
        sleep 1
        out=$(python3 "$here/floor.py" observe "$sock" "$tmp/$n.cal.berth.plan.log") ||
                die "floor.py observe failed"
        echo "${out%% *}" >>"$tmp/$n.floor.observe.t"
        echo "${out#* }" >>"$tmp/$n.floor.observe.calls"
}
floor() { # STEP LOG
        local out
        out=$(python3 "$here/floor.py" "$1" "$sock" "$2" --rename "$prefix" "$prefix-f" \
                --scope "$floor_scope" -P "$parallel") || die "floor.py $1 failed"
        echo "${out%% *}" >>"$tmp/$n.floor.$1.t"
        echo "${out#* }" >>"$tmp/$n.floor.$1.calls"
}
floor_steps() {
        nothing_left "floor, first converge"
        sleep 1
        floor up "$tmp/$n.cal.berth.up.log"
        [ "$(running "$prefix-f")" = "$n" ] || die "floor: not $n containers running"
        sleep 1
        floor recreate "$tmp/$n.cal.berth.change.log"
        sleep 1
        floor down "$tmp/$n.cal.berth.up.log"
        remove_owned berth.scope "$floor_scope" volume # untimed
}

# ---- the sizes ------------------------------------------------------------

load_start=$(cut -d' ' -f1-3 /proc/loadavg)
proxy_start
for n in $sizes; do
        mset=$tmp/set-$n # the manifest set
        python3 "$here/gen-converge.py" "$mset" -n "$n" --prefix "$prefix" --image "$image" \
                --subnet "$subnet" ||
                die "gen-converge.py failed"
        first=$(find "$mset" -name '*.yaml' | sort | head -n1)
        files=$(find "$mset" -name '*.yaml' | wc -l)
        echo "$files" >"$tmp/$n.files"

        # The comparison only means something if both accept every file.
        "${real_env[@]}" "$berth" validate -f "$mset" >"$tmp/check.out" 2>&1 ||
                { cat "$tmp/check.out" >&2; die "berth validate rejects the N=$n set"; }
        for f in "$mset"/*.yaml; do
                "${real_env[@]}" docker-compose -p "$(compose_project "$f")" -f "$f" config -q \
                        >"$tmp/check.out" 2>&1 ||
                        { cat "$tmp/check.out" >&2; die "docker-compose rejects $(basename "$f")"; }
                [ ! -s "$tmp/check.out" ] ||
                        { cat "$tmp/check.out" >&2; die "docker-compose warns on $(basename "$f")"; }
        done

        # Untimed, through the proxy: the calls of every step, berth's
        # create bodies for the floor, and a warm-up of both tools (page
        # cache, compose's Python modules).
        say "N=$n ($files files): counting API calls through the proxy (untimed)"
        env=("${proxy_env[@]}")
        counting=1
        berth_steps "$n.cal"
        compose_steps "$n.cal"
        counting=0
        env=("${real_env[@]}")

        for ((r = 1; r <= runs; r++)); do
                for tool in berth compose floor; do
                        say "N=$n run $r/$runs: $tool"
                        "${tool}_steps" "$n"
                done
                timed "$n.berth.validate" b validate -f "$mset"
        done
done
load_end=$(cut -d' ' -f1-3 /proc/loadavg)

# ---- report ---------------------------------------------------------------

{
        printf 'date\t%s\n' "$(date -u +%Y-%m-%dT%H:%MZ)"
        printf 'machine\t%s CPUs (nproc), %s, %s\n' "$(nproc)" \
                "$(sed -n 's/^model name[[:space:]]*: //p' /proc/cpuinfo | head -n1)" "$(uname -sr)"
        printf 'engine\tDocker %s\n' \
                "$(docker version --format '{{.Server.Version}} (API {{.Server.APIVersion}})')"
        printf 'berth\t%s, commit %s, %s\n' "$("$berth" --version)" "$commit" "$build_note"
        printf 'docker-compose\t%s (%s)\n' "$(docker-compose version --short 2>/dev/null)" \
                "$(command -v docker-compose)"
        printf 'load average\t(1, 5, 15 min) %s at the start, %s at the end\n' \
                "$load_start" "$load_end"
        printf 'runs\t%s\n' "$runs"
        printf 'sizes\t%s\n' "$sizes"
        printf 'subnet\t%s\n' "$subnet"
} >"$tmp/meta"
python3 "$here/converge-report.py" "$tmp" >"$tmp/report.md" || die "converge-report.py failed"
cat "$tmp/report.md"
if [ -n "$results" ]; then
        cp "$tmp/report.md" "$results"
        say "wrote $results"
fi
