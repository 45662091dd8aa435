#!/bin/sh
# valgrind-validate.sh BERTH FIXTURES_DIR: run `berth validate` under
# valgrind memcheck on every fixture directory that holds manifests (one
# process each, so every file of a directory goes through one load),
# failing on any memory error or leak.  berth's own exit status (1 for the
# invalid fixtures) is expected and ignored; valgrind's 99 is not.
set -eu
berth=$1
fixtures=$2
log=$(mktemp)
trap 'rm -f "$log"' EXIT
status=0
checked=0
for dir in $(find "$fixtures" -type f \( -name '*.yaml' -o -name '*.yml' \) -exec dirname {} \; | sort -u); do
        rc=0
        valgrind -q --error-exitcode=99 --leak-check=full --show-leak-kinds=definite,indirect \
                --errors-for-leak-kinds=definite,indirect \
                "$berth" validate -f "$dir" >/dev/null 2>"$log" || rc=$?
        if [ "$rc" -eq 99 ]; then
                echo "valgrind found errors in: berth validate -f $dir" >&2
                grep '^==' "$log" >&2
                status=1
        fi
        checked=$((checked + 1))
        echo "checked ($rc): $dir"
done
[ "$checked" -gt 0 ] || { echo "no fixture directories under $fixtures" >&2; exit 1; }
echo "$checked fixture directories checked under valgrind"
exit $status
