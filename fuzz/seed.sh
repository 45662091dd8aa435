#!/bin/sh
# fuzz/seed.sh: copy the test fixtures into the seed corpus (run it from
# anywhere after fixtures change; commit what it writes).  Every manifest
# fixture becomes corpus/manifest/fixture-<path>; the engine answers
# become corpus/engine/fixture-<name>, prefixed with the byte that picks
# their decoder (fuzz/fuzz_engine.c).  Inputs the fuzzers found and the
# hand-made seed-* files are left alone.
set -eu
fuzz=$(cd "$(dirname "$0")" && pwd)
fixtures=$fuzz/../tests/fixtures
m=$fuzz/corpus/manifest
e=$fuzz/corpus/engine
mkdir -p "$m" "$e"
rm -f "$m"/fixture-* "$e"/fixture-*

(cd "$fixtures" && find . -type f \( -name '*.yaml' -o -name '*.yml' \)) | sort |
        while read -r rel; do
                name=$(printf '%s' "${rel#./}" | tr '/' '-')
                cp "$fixtures/$rel" "$m/fixture-$name"
        done

# prefix KEY NAME FILE...: KEY, then the files, as corpus/engine/fixture-NAME
prefix()
{
        key=$1 name=$2
        shift 2
        { printf '%s' "$key" && cat "$@"; } >"$e/fixture-$name"
}
for f in "$fixtures"/events/*.jsonl; do
        prefix e "events-$(basename "$f" .jsonl)" "$f"
done
o=$fixtures/observe
prefix c containers "$o/containers.json"
prefix n networks "$o/networks.json"
prefix v volumes "$o/volumes.json"
# observe_from_json's four answers as one array
{ printf 'o[' && cat "$o/containers.json" && printf ',' && cat "$o/networks.json" &&
        printf ',' && cat "$o/volumes.json" && printf ',' && cat "$o/images.json" &&
        printf ']'; } >"$e/fixture-observe"
echo "seeded $(find "$m" -type f | wc -l) manifest and $(find "$e" -type f | wc -l) engine inputs"
