#!/usr/bin/env bash
# Runs the W3C Nu HTML checker (vnu.jar from the npm package vnu-jar) on every .html file
# under a folder, and fails on any error.
#
# Usage: tests/browser/vnu.sh <site-data-dir>
# Exit status: 0 no errors, 1 the checker reported errors, 2 usage or set-up error.
set -euo pipefail

here="$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)"
jar="$here/node_modules/vnu-jar/build/dist/vnu.jar"

die() {
	printf 'vnu.sh: %s\n' "$1" >&2
	exit 2
}

[[ $# -eq 1 ]] || die "usage: tests/browser/vnu.sh <site-data-dir>"
site="$1"
[[ -d "$site" ]] || die "not a folder: $site"
[[ -f "$jar" ]] || die "no $jar: run scripts/test.sh, which installs the browser-test tools"
command -v java >/dev/null || die "no java on PATH: run scripts/test.sh, which installs it"

count="$(find "$site" -type f -name '*.html' | wc -l)"
[[ "$count" -gt 0 ]] || die "no .html files under $site"

# vnu checks a folder recursively; --skip-non-html leaves CSS, Markdown and JSON alone.
# A larger thread stack avoids StackOverflowError on deeply nested pages.
if output="$(java -Xss1m -jar "$jar" --errors-only --format gnu --skip-non-html "$site" 2>&1)"; then
	printf 'vnu.sh: %s HTML files checked, no errors\n' "$count"
else
	printf '%s\n' "$output"
	errors="$(printf '%s\n' "$output" | grep -c ':[0-9.-]*: error:' || true)"
	printf 'vnu.sh: %s HTML files checked, %s errors\n' "$count" "$errors"
	exit 1
fi
