#!/bin/sh
# valgrind-unit.sh TEST...: run each unit test program under valgrind
# memcheck with CK_FORK=no (every test of a suite in the one process
# valgrind watches; forked tests would be invisible to it), failing on any
# memory error or on memory definitely or indirectly lost.  What the
# programs start (berth, docker-compose, python) is not traced: the berth
# binary has its own valgrind test (valgrind-validate.sh).
set -eu
[ $# -gt 0 ] || {
        echo "usage: valgrind-unit.sh TEST..." >&2
        exit 2
}
logs=$(mktemp -d)
trap 'rm -rf "$logs"' EXIT

# one TEST: its log in $logs/NAME.log, its status in $logs/NAME.rc
one()
{
        name=$(basename "$1")
        start=$(date +%s)
        rc=0
        CK_FORK=no valgrind -q --error-exitcode=99 --leak-check=full \
                --show-leak-kinds=definite,indirect --errors-for-leak-kinds=definite,indirect \
                "$1" >"$logs/$name.log" 2>&1 || rc=$?
        echo "$rc" >"$logs/$name.rc"
        echo "valgrind ($rc, $(($(date +%s) - start)) s): $name"
}

if [ "${1:-}" = --one ]; then
        logs=$2
        trap - EXIT
        one "$3"
        exit 0
fi

# Twice as many as processors: several programs mostly wait for what they
# start (docker-compose, python, inotify timeouts).
jobs=$((2 * $(nproc 2>/dev/null || echo 2)))
printf '%s\n' "$@" | xargs -P "$jobs" -I{} "$0" --one "$logs" {}

status=0
for t in "$@"; do
        name=$(basename "$t")
        rc=$(cat "$logs/$name.rc" 2>/dev/null || echo missing)
        [ "$rc" = 0 ] && continue
        status=1
        if [ "$rc" = 99 ]; then
                echo "valgrind found errors in $name:" >&2
                grep '^==' "$logs/$name.log" >&2 || true
        else
                echo "$name failed under valgrind (exit $rc):" >&2
                tail -n 30 "$logs/$name.log" >&2 || true
        fi
done
echo "$# unit test programs checked under valgrind"
exit $status
