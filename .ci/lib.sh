# shellcheck shell=bash
# .ci/lib.sh - shell functions shared by tests/run and .ci/up: Debian
# packages, the CMake build, the engine (the one that answers, or a private
# dockerd), the busybox test image, an authenticated registry, and cleanup
# of everything one test run created.
#
# Source it from bash; it sets no shell options of its own.  Every engine
# object this file creates carries the label berth.test-run=$BERTH_TEST_RUN,
# every object a test program creates berth.test-run=$BERTH_TEST_RUN-<suite>
# (tests/support/berth_test.h), and cleanup_run removes only objects
# carrying one of these: objects of other runs and other users are never
# touched.

BERTH_ROOT=$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)

# What tests/run needs: build, check(1), the engine, the test image, the
# registry, docker-compose and the schema tools as references, valgrind,
# socat and openssl for a TLS proxy in front of the engine (test_tls), and
# clang with its runtime for the fuzzers (libFuzzer).
BERTH_TEST_PACKAGES=(build-essential cmake pkg-config libcurl4-openssl-dev libjansson-dev
        libyaml-dev libssl-dev check git docker.io busybox-static docker-registry
        apache2-utils docker-compose python3-jsonschema python3-yaml valgrind
        curl iproute2 socat openssl libmicrohttpd-dev clang libclang-rt-14-dev)
# What .ci/up needs: build berth and run it against a local engine.
# shellcheck disable=SC2034 # used by .ci/up
BERTH_RUN_PACKAGES=(build-essential cmake pkg-config libcurl4-openssl-dev libjansson-dev
        libyaml-dev libssl-dev libmicrohttpd-dev git docker.io curl busybox-static)

BERTH_TEST_STATE=/var/lib/berth-test # private dockerd data roots, one per run
BERTH_TEST_RUNTIME=/run/berth-test   # private dockerd sockets and exec roots

note() { printf '%s\n' "$*"; }
die()
{
        printf 'error: %s\n' "$*" >&2
        exit 1
}
# Under set -e, name the command that failed (for scripts: call after
# `set -eEuo pipefail`, -E so functions inherit it).
error_trap() { trap 'printf "error: %s failed (exit %s)\n" "$BASH_COMMAND" "$?" >&2' ERR; }
# "== build": a phase header, with the seconds the run has taken so far.
phase() { printf '\n== %s  (%ss)\n' "$*" "$SECONDS"; }

# install_deps [PACKAGE...]: install what is missing of the packages
# (default: BERTH_TEST_PACKAGES).  A machine that has them all does no
# network at all; otherwise one apt-get update, then one install.
install_deps()
{
        local pkgs=("$@") missing=() p
        [ ${#pkgs[@]} -gt 0 ] || pkgs=("${BERTH_TEST_PACKAGES[@]}")
        local installed
        # dpkg-query exits 1 when dpkg has never heard of one of them (a
        # package never installed on this machine): that is "missing", not
        # an error.
        installed=" $({ dpkg-query -W -f='${db:Status-Abbrev}${Package} \n' "${pkgs[@]}" 2>/dev/null || true; } |
                sed -n 's/^ii *//p' | tr -d '\n') "
        for p in "${pkgs[@]}"; do
                [[ $installed == *" $p "* ]] || missing+=("$p")
        done
        if [ ${#missing[@]} -eq 0 ]; then
                note "packages: all ${#pkgs[@]} installed"
                return 0
        fi
        [ "$(id -u)" -eq 0 ] || die "missing packages: ${missing[*]}: run as root or apt-get install them"
        note "packages: installing ${missing[*]}"
        export DEBIAN_FRONTEND=noninteractive
        local apt=(apt-get -q -o Dpkg::Use-Pty=0 -o DPkg::Lock::Timeout=300)
        "${apt[@]}" update </dev/null
        "${apt[@]}" install -y --no-install-recommends "${missing[@]}" </dev/null
}

# build DIR [CMAKE-ARG...]: configure and build the tree in DIR (relative to
# the repository root) with warnings as errors unless the arguments say
# otherwise (a later -D wins).
build()
{
        local dir=$1
        shift
        cmake -S "$BERTH_ROOT" -B "$BERTH_ROOT/$dir" -DBERTH_WERROR=ON "$@"
        cmake --build "$BERTH_ROOT/$dir" -j"$(nproc)"
}

# A fresh run id: "r" and 8 hex digits.  Never taken from the environment,
# so cleanup can never remove objects of a run id someone else uses.
run_id_new() { printf 'r%s' "$(od -An -N4 -tx1 /dev/urandom | tr -d ' \n')"; }

# Temporary files of this run (registry storage, rootfs, docker config).
run_tmpdir()
{
        if [ -z "${BT_TMP:-}" ]; then
                BT_TMP=$(mktemp -d "${TMPDIR:-/tmp}/berth-test-$BERTH_TEST_RUN.XXXXXX")
        fi
}

# run_start: the run id, the temporary directory, and cleanup on EXIT, INT
# and TERM.  Call once, before anything that needs cleaning up.
run_start()
{
        BERTH_TEST_RUN=$(run_id_new)
        export BERTH_TEST_RUN
        BT_TMP=
        run_tmpdir
        trap cleanup_run EXIT
        trap 'exit 130' INT
        trap 'exit 143' TERM
        note "run id: $BERTH_TEST_RUN (test objects carry label berth.test-run=${BERTH_TEST_RUN}[-<suite>])"
}

# ---- engine ---------------------------------------------------------------

engine_answers() { timeout 20 docker version --format '{{.Server.Version}}' 2>/dev/null; }

# Wait up to $2 seconds for _ping on unix socket $1.
socket_wait()
{
        local sock=$1 i
        for ((i = 0; i < $2 * 5; i++)); do
                [ "$(curl -s -m 2 --unix-socket "$sock" http://localhost/_ping 2>/dev/null)" = OK ] &&
                        return 0
                sleep 0.2
        done
        return 1
}

# engine_up: use the engine on $DOCKER_HOST (default the local socket) when
# it answers; otherwise start a private dockerd for this run.  Exports
# DOCKER_HOST either way, so the docker CLI and the tests agree.
engine_up()
{
        : "${DOCKER_HOST:=unix:///var/run/docker.sock}"
        export DOCKER_HOST
        local v
        if v=$(engine_answers); then
                note "engine: docker $v answers on $DOCKER_HOST"
                BT_ENGINE=1
                return 0
        fi
        note "engine: nothing answers on $DOCKER_HOST: starting a private dockerd"
        dockerd_private_start
        BT_ENGINE=1
        note "engine: private dockerd $(engine_answers) on $DOCKER_HOST"
}

# A private dockerd: its own data root, exec root, socket, pidfile, log and
# bridge, so it shares nothing with an engine the host may run.  When
# another dockerd runs on the host it owns the DOCKER iptables chains (a
# second dockerd with iptables on flushes them at start and would break the
# other's published ports), so the private one then runs with
# --iptables=false: published ports go through docker-proxy, and one
# FORWARD rule lets its containers talk across its bridges.
dockerd_private_start()
{
        [ "$(id -u)" -eq 0 ] || die "starting a private dockerd needs root (or set DOCKER_HOST to an engine)"
        command -v dockerd >/dev/null || die "dockerd not found: apt-get install docker.io"
        local run=$BERTH_TEST_RUN n args
        BT_FORWARD_RULE=()
        BT_DOCKERD_IPTABLES=1
        BT_DOCKERD_DATA=$BERTH_TEST_STATE/$run
        BT_DOCKERD_EXEC=$BERTH_TEST_RUNTIME/$run
        mkdir -p "$BT_DOCKERD_DATA" "$BT_DOCKERD_EXEC"
        chmod 0700 "$BT_DOCKERD_DATA" "$BT_DOCKERD_EXEC"
        BT_DOCKERD_LOG=$BT_DOCKERD_EXEC/dockerd.log
        printf '{}\n' >"$BT_DOCKERD_EXEC/daemon.json" # not the host's /etc/docker/daemon.json

        # The default bridge: bt-<run> on the first free 10.215.N.0/24;
        # user-defined networks come from 10.214.0.0/16, away from the
        # 172.x pools the host's engine uses.
        for ((n = 0; n < 256; n++)); do
                ip -4 route show 2>/dev/null | grep -q "^10\.215\.$n\." || break
        done
        [ "$n" -lt 256 ] || die "no free 10.215.N.0/24 for the private bridge"
        BT_BRIDGE=bt-$run
        ip link add "$BT_BRIDGE" type bridge
        ip addr add "10.215.$n.1/24" dev "$BT_BRIDGE"
        ip link set "$BT_BRIDGE" up

        args=(--config-file "$BT_DOCKERD_EXEC/daemon.json"
                --data-root "$BT_DOCKERD_DATA" --exec-root "$BT_DOCKERD_EXEC"
                --pidfile "$BT_DOCKERD_EXEC/dockerd.pid"
                --host "unix://$BT_DOCKERD_EXEC/docker.sock"
                --bridge "$BT_BRIDGE" --default-address-pool 'base=10.214.0.0/16,size=24'
                --containerd-namespace "berth-$run"
                --containerd-plugins-namespace "berth-$run-plugins")
        if grep -qx dockerd /proc/[0-9]*/comm 2>/dev/null; then
                note "engine: another dockerd runs on this host: private one without iptables"
                args+=(--iptables=false)
                BT_DOCKERD_IPTABLES=0
                BT_FORWARD_RULE=(FORWARD -s 10.214.0.0/15 -d 10.214.0.0/15 -j ACCEPT
                        -m comment --comment "berth-test-$run")
                iptables -I "${BT_FORWARD_RULE[@]}" 2>/dev/null || BT_FORWARD_RULE=()
        fi
        dockerd "${args[@]}" >"$BT_DOCKERD_LOG" 2>&1 </dev/null &
        BT_DOCKERD_PID=$!
        export DOCKER_HOST=unix://$BT_DOCKERD_EXEC/docker.sock
        if ! socket_wait "$BT_DOCKERD_EXEC/docker.sock" 30; then
                tail -n 30 "$BT_DOCKERD_LOG" >&2
                die "private dockerd did not answer on $DOCKER_HOST within 30 s (log above)"
        fi
}

# The rules dockerd left for the private bridge (it removes none at
# exit): each names the bridge, which names the run.
bridge_rules_remove()
{
        local t rule
        for t in filter nat; do
                iptables -t "$t" -S 2>/dev/null | grep -E -- "-A .* (-i|-o) $BT_BRIDGE( |\$)" |
                        while read -r rule; do
                                # shellcheck disable=SC2086 # a rule is words
                                iptables -t "$t" -D ${rule#-A } 2>/dev/null
                        done
        done
        return 0
}

# engine_down: stop the private dockerd if this run started one (it stops
# its containerd), then remove its bridge, rule and directories.  An engine
# this run did not start is left alone.
engine_down()
{
        [ -n "${BT_DOCKERD_PID:-}" ] || return 0
        local i ctr m
        kill -TERM "$BT_DOCKERD_PID" 2>/dev/null
        for ((i = 0; i < 150; i++)); do
                kill -0 "$BT_DOCKERD_PID" 2>/dev/null || break
                sleep 0.2
        done
        if kill -0 "$BT_DOCKERD_PID" 2>/dev/null; then
                note "engine: private dockerd did not stop in 30 s: killing it"
                kill -KILL "$BT_DOCKERD_PID" 2>/dev/null
        fi
        wait "$BT_DOCKERD_PID" 2>/dev/null
        ctr=$(cat "$BT_DOCKERD_EXEC/containerd/containerd.pid" 2>/dev/null)
        [ -n "$ctr" ] && kill -0 "$ctr" 2>/dev/null && kill -KILL "$ctr" 2>/dev/null
        BT_DOCKERD_PID=
        # Mounts it left behind (after a kill) go before the directories.
        for m in $(findmnt -rn -o TARGET | grep -E "^($BT_DOCKERD_DATA|$BT_DOCKERD_EXEC)/" |
                sort -r); do
                umount -l "$m" 2>/dev/null
        done
        ip link del "$BT_BRIDGE" 2>/dev/null
        [ ${#BT_FORWARD_RULE[@]} -eq 0 ] || iptables -D "${BT_FORWARD_RULE[@]}" 2>/dev/null
        [ "$BT_DOCKERD_IPTABLES" -eq 0 ] || bridge_rules_remove
        rm -rf --one-file-system "$BT_DOCKERD_DATA" "$BT_DOCKERD_EXEC"
        rmdir "$BERTH_TEST_STATE" "$BERTH_TEST_RUNTIME" 2>/dev/null
        return 0
}

# ---- test image and registry ------------------------------------------------

# busybox_import TAG [docker import -c CHANGE...]: an image TAG made from
# the host's static busybox (Debian's busybox-static), a symlink per
# applet, CMD ["sh"].  No registry is needed.
busybox_import()
{
        [ -x /bin/busybox ] || die "/bin/busybox not found: apt-get install busybox-static"
        local tag=$1 root a
        shift
        root=$(mktemp -d)
        mkdir -p "$root/bin"
        cp /bin/busybox "$root/bin/busybox"
        for a in $("$root/bin/busybox" --list); do
                [ "$a" = busybox ] || ln -s busybox "$root/bin/$a"
        done
        tar -C "$root" --owner=0 --group=0 --numeric-owner -c . |
                docker import -c 'CMD ["sh"]' "$@" - "$tag" >/dev/null
        rm -rf "$root"
}

# image_make: berth-test/busybox:<run>, labelled with the run.  Exports
# BERTH_TEST_IMAGE.
image_make()
{
        BERTH_TEST_IMAGE=berth-test/busybox:$BERTH_TEST_RUN
        busybox_import "$BERTH_TEST_IMAGE" -c "LABEL berth.test-run=$BERTH_TEST_RUN"
        export BERTH_TEST_IMAGE
        note "image: $BERTH_TEST_IMAGE"
}

# registry_up: Debian's docker-registry on a free 127.0.0.1 port with
# htpasswd (bcrypt) auth and a fresh random password, and the test image
# pushed there as berth-test/busybox:1 (and untagged locally, so pulls
# really pull).  Docker treats 127.0.0.0/8 as insecure: plain HTTP works.
# Needs image_make first.
registry_up()
{
        [ -x /usr/bin/docker-registry ] || die "docker-registry not found: apt-get install docker-registry"
        local dir=$BT_TMP/registry port try code i
        mkdir -p "$dir/data"
        BERTH_TEST_REGISTRY_USER=berth
        BERTH_TEST_REGISTRY_PASSWORD=$(od -An -N12 -tx1 /dev/urandom | tr -d ' \n')
        printf '%s' "$BERTH_TEST_REGISTRY_PASSWORD" |
                htpasswd -B -i -n "$BERTH_TEST_REGISTRY_USER" >"$dir/htpasswd" 2>/dev/null ||
                die "htpasswd failed: apt-get install apache2-utils"
        for try in 1 2 3 4 5; do
                port=$(python3 -c 'import socket; s = socket.socket(); s.bind(("127.0.0.1", 0)); print(s.getsockname()[1])')
                cat >"$dir/config.yml" <<EOF
version: 0.1
log:
  level: info
  accesslog:
    disabled: true
storage:
  filesystem:
    rootdirectory: $dir/data
  delete:
    enabled: true
  maintenance:
    uploadpurging:
      enabled: false
http:
  addr: 127.0.0.1:$port
  secret: $(od -An -N16 -tx1 /dev/urandom | tr -d ' \n')
auth:
  htpasswd:
    realm: berth-test
    path: $dir/htpasswd
EOF
                /usr/bin/docker-registry serve "$dir/config.yml" >"$dir/registry.log" 2>&1 </dev/null &
                BT_REGISTRY_PID=$!
                for ((i = 0; i < 50; i++)); do
                        code=$(curl -s -m 2 -o /dev/null -w '%{http_code}' \
                                "http://127.0.0.1:$port/v2/") || true
                        [ "$code" = 401 ] && break 2
                        kill -0 "$BT_REGISTRY_PID" 2>/dev/null || break
                        sleep 0.2
                done
                note "registry: no 401 on 127.0.0.1:$port (try $try):"
                tail -n 5 "$dir/registry.log"
                registry_down
        done
        [ "$code" = 401 ] || die "registry did not start (log above)"
        BERTH_TEST_REGISTRY=127.0.0.1:$port
        BERTH_TEST_REGISTRY_IMAGE=$BERTH_TEST_REGISTRY/berth-test/busybox:1
        export BERTH_TEST_REGISTRY BERTH_TEST_REGISTRY_USER BERTH_TEST_REGISTRY_PASSWORD \
                BERTH_TEST_REGISTRY_IMAGE

        # Log in with a throw-away client config: root's ~/.docker stays as
        # it is.  (The CLI's warning about unencrypted credentials is about
        # that throw-away file: shown only when something fails.)
        local cfg=$BT_TMP/docker-config out
        mkdir -p "$cfg"
        out=$(printf '%s' "$BERTH_TEST_REGISTRY_PASSWORD" |
                DOCKER_CONFIG=$cfg docker login -u "$BERTH_TEST_REGISTRY_USER" \
                        --password-stdin "$BERTH_TEST_REGISTRY" 2>&1) ||
                die "registry: docker login to $BERTH_TEST_REGISTRY failed: $out"
        docker tag "$BERTH_TEST_IMAGE" "$BERTH_TEST_REGISTRY_IMAGE"
        out=$(DOCKER_CONFIG=$cfg docker push "$BERTH_TEST_REGISTRY_IMAGE" 2>&1) ||
                die "registry: docker push $BERTH_TEST_REGISTRY_IMAGE failed: $out"
        docker rmi "$BERTH_TEST_REGISTRY_IMAGE" >/dev/null
        rm -rf "$cfg"
        code=$(curl -s -o /dev/null -w '%{http_code}' \
                -u "$BERTH_TEST_REGISTRY_USER:$BERTH_TEST_REGISTRY_PASSWORD" \
                -H 'Accept: application/vnd.docker.distribution.manifest.v2+json' \
                "http://$BERTH_TEST_REGISTRY/v2/berth-test/busybox/manifests/1") || true
        [ "$code" = 200 ] || die "registry: $BERTH_TEST_REGISTRY_IMAGE not found after push ($code)"
        note "registry: $BERTH_TEST_REGISTRY_IMAGE pushed (user $BERTH_TEST_REGISTRY_USER)"
}

registry_down()
{
        [ -n "${BT_REGISTRY_PID:-}" ] || return 0
        kill -TERM "$BT_REGISTRY_PID" 2>/dev/null
        wait "$BT_REGISTRY_PID" 2>/dev/null
        BT_REGISTRY_PID=
        return 0
}

# ---- cleanup ----------------------------------------------------------------

# Of "ID LABEL-VALUE" lines, the IDs of this run: value "<run>" (what this
# file makes) or "<run>-<suite>" (what each test program makes, see
# tests/support/berth_test.h).  Engine label filters match whole values
# only, so the prefix is matched here.
run_owned()
{
        local id v
        while read -r id v; do
                [[ $v == "$BERTH_TEST_RUN" || $v == "$BERTH_TEST_RUN"-* ]] && printf '%s\n' "$id"
        done
        return 0
}

# Remove every engine object this run labelled: containers (with their
# anonymous volumes), networks, volumes, then images (tags first: an image
# with two tags cannot go by id).
engine_objects_remove()
{
        local k i passes=1 ids lbl
        # After killing tests, look again: a create a killed test had in
        # flight can still complete in the engine after the first pass.
        [ -z "${BT_KILLED:-}" ] || passes=3
        # Tests label what they make themselves berth.test-run; what berth
        # makes in a test carries the test's scope, berth.scope=<run>-<suite>.
        for k in berth.test-run berth.scope; do
                lbl="{{.Label \"$k\"}}"
                for ((i = 0; i < passes; i++)); do
                        [ "$i" -eq 0 ] || sleep 1
                        docker ps -a --filter "label=$k" --format "{{.ID}} $lbl" | run_owned |
                                xargs -r docker rm -f -v >/dev/null
                done
                docker network ls --filter "label=$k" --format "{{.ID}} $lbl" | run_owned |
                        xargs -r docker network rm >/dev/null
                docker volume ls --filter "label=$k" --format "{{.Name}} $lbl" | run_owned |
                        xargs -r docker volume rm -f >/dev/null
        done
        k=berth.test-run
        ids=$(docker images -q --filter "label=$k" | sort -u | xargs -r docker image inspect \
                --format "{{.Id}} {{index .Config.Labels \"$k\"}}" | run_owned)
        [ -n "$ids" ] || return 0
        xargs -r docker image inspect --format '{{range .RepoTags}}{{println .}}{{end}}' <<<"$ids" |
                grep -v '^$' | xargs -r docker rmi >/dev/null
        # Untagged ones (a tag-less image a test made) go by id.
        ids=$(xargs -r docker image inspect --format '{{.Id}}' <<<"$ids" 2>/dev/null) || true
        [ -z "$ids" ] || xargs -r docker rmi <<<"$ids" >/dev/null
}

# cleanup_run: the EXIT trap.  Stops a running child (tests), removes this
# run's engine objects and images, stops the registry and the private
# dockerd, removes temporary files.  Keeps the exit status.
cleanup_run()
{
        local rc=$?
        trap - EXIT INT TERM ERR
        set +eu
        if [ -n "${BT_CHILD:-}" ]; then
                BT_KILLED=1
                session_kill "$BT_CHILD"
                wait "$BT_CHILD" 2>/dev/null
        fi
        if [ -n "${BT_ENGINE:-}" ] && [ -n "${BERTH_TEST_RUN:-}" ]; then
                note "cleanup: removing objects labelled berth.test-run=$BERTH_TEST_RUN or $BERTH_TEST_RUN-*"
                engine_objects_remove
        fi
        if [ "$rc" -ne 0 ]; then
                # What the services said, before their logs go.
                local log
                for log in "${BT_TMP:-/nonexistent}/registry/registry.log" "${BT_DOCKERD_LOG:-}"; do
                        [ -s "$log" ] || continue
                        note "--- last lines of $log"
                        tail -n 15 "$log"
                done
        fi
        registry_down
        engine_down
        [ -z "${BT_TMP:-}" ] || rm -rf "$BT_TMP"
        exit "$rc"
}

# The live processes of session SID (by /proc; procps may be missing).
session_pids()
{
        local f st
        for f in /proc/[0-9]*/stat; do
                { read -r st <"$f"; } 2>/dev/null || continue
                st=${st##*) } # after "pid (comm) ": state ppid pgrp session ...
                read -r -a st <<<"$st"
                [ "${st[3]}" = "$1" ] && [ "${st[0]}" != Z ] && f=${f#/proc/} && echo "${f%/stat}"
        done
        return 0
}

# Stop every process of session SID: TERM, then KILL after 10 s.  Only
# sessions this run started are passed here (run_child).
session_kill()
{
        local i pids
        for ((i = 0; i < 60; i++)); do
                mapfile -t pids < <(session_pids "$1")
                [ ${#pids[@]} -gt 0 ] || return 0
                [ "$i" -ne 0 ] || kill -TERM "${pids[@]}" 2>/dev/null
                [ "$i" -ne 50 ] || kill -KILL "${pids[@]}" 2>/dev/null
                sleep 0.2
        done
}

# run_child CMD...: run CMD in a session of its own and wait for it, so an
# interrupted run can stop it and everything it started, including the
# test processes check(1) puts in process groups of their own (cleanup_run).
run_child()
{
        local rc=0
        setsid -w "$@" </dev/null &
        BT_CHILD=$!
        wait "$BT_CHILD" || rc=$?
        BT_CHILD=
        return "$rc"
}
