#!/usr/bin/env bash
# Checks that two builds of desk-archive render byte-identical archives: the bundled demo
# and generated records, in both UI languages. For refactoring steps that must not change
# any output (issue 13); figures and pages differ only where a change says so.
#
# Usage: scripts/same-output.sh OLD_BINARY NEW_BINARY [WORKDIR]
#   e.g. git stash; cargo build --release; cp target/release/desk-archive /tmp/old;
#        git stash pop; cargo build --release;
#        scripts/same-output.sh /tmp/old target/release/desk-archive
# Exits 0 when every archive is identical, 1 with `diff -r` output otherwise.
set -euo pipefail

old="$1" new="$2"
work="${3:-$(mktemp -d)}"
root="$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)"
export SOURCE_DATE_EPOCH=1700000000

gen="$work/gen-records"
if [[ ! -d "$gen" ]]; then
	cargo run --quiet --release --example gen-records -- \
		--sessions 300 --messages 60 --seed 7 --out "$gen" >/dev/null
fi

status=0
for bin in old new; do
	exe="${!bin}"
	for lang in en zh-CN; do
		"$exe" render -q --records "$root/examples/demo/records" --out "$work/$bin/demo-$lang" \
			--lang "$lang" --timezone Asia/Shanghai
		"$exe" render -q --records "$gen" --out "$work/$bin/gen-$lang" --lang "$lang"
	done
done
# The state file carries the build id, which differs between any two builds by design.
if ! diff -r -x desk-archive-state.json -x 'tagmanifest-*.txt' "$work/old" "$work/new"; then
	status=1
fi
[[ $status -eq 0 ]] && echo "same-output: identical (state file and tag manifests aside: they carry the build id)"
exit $status
