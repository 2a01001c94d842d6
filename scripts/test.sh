#!/usr/bin/env bash
# The one test command: installs the test tools that are missing, then runs every test.
#
# Usage: scripts/test.sh [extra cargo test arguments, e.g. a test name filter]
#
# Installs only what is missing, so a second run goes straight to cargo:
#   - Chromium (/usr/bin/chromium), Java and pdftotext (poppler-utils), from Debian's
#     packages (needs root);
#   - the Python `bagit` tool (bagit.py), pinned, with pip;
#   - the S3-compatible test server `moto_server` (PyPI moto[server], pinned, with boto3),
#     which the publish tests start on 127.0.0.1;
#   - tests/browser/node_modules (playwright-core, axe-core, vnu-jar), pinned by
#     tests/browser/package-lock.json, with `npm ci`.
# Then runs `cargo test --all-targets`, the doc tests, scripts/readme-walk.sh (the
# README's own commands from a fresh clone) and scripts/test-package.sh (builds the Debian
# package with cargo-deb, installs it with dpkg -i, checks it, purges it; needs root;
# DESK_ARCHIVE_SKIP_PACKAGE_TEST=1 skips it); any failure fails the script. With arguments,
# only the filtered `cargo test` runs.
set -euo pipefail

BAGIT_VERSION="1.9.0"
MOTO_VERSION="5.2.1"

root="$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)"
cd "$root"

say() {
	printf 'test.sh: %s\n' "$*" >&2
}

die() {
	say "error: $*"
	exit 1
}

# Installs Debian packages; apt's lists are refreshed once, and only when needed.
apt_install() {
	if [[ "$(id -u)" -ne 0 ]]; then
		die "missing $*: install it (Debian: apt-get install -y $*) or run this script as root"
	fi
	say "installing $* with apt-get"
	export DEBIAN_FRONTEND=noninteractive
	apt-get update -qq
	apt-get install -y -qq --no-install-recommends "$@" >/dev/null
}

ensure_system_tools() {
	local missing=()
	[[ -x /usr/bin/chromium ]] || missing+=(chromium)
	command -v java >/dev/null || missing+=(default-jre-headless)
	command -v node >/dev/null || missing+=(nodejs)
	command -v npm >/dev/null || missing+=(npm)
	# `share --pdf` tests read the PDF's text back.
	command -v pdftotext >/dev/null || missing+=(poppler-utils)
	# Fonts for the screenshots: most desk users write Chinese, and customers use emoji.
	[[ -d /usr/share/fonts/opentype/noto ]] || missing+=(fonts-noto-cjk)
	[[ -f /usr/share/fonts/truetype/noto/NotoColorEmoji.ttf ]] || missing+=(fonts-noto-color-emoji)
	if [[ ${#missing[@]} -gt 0 ]]; then
		apt_install "${missing[@]}"
	fi
}

ensure_bagit() {
	if command -v bagit.py >/dev/null; then
		return
	fi
	command -v python3 >/dev/null || apt_install python3 python3-pip
	say "installing bagit==$BAGIT_VERSION with pip"
	python3 -m pip install --quiet --disable-pip-version-check "bagit==$BAGIT_VERSION"
	# pyenv puts new console scripts on PATH only after a rehash.
	if command -v pyenv >/dev/null; then
		pyenv rehash
	fi
	hash -r
	command -v bagit.py >/dev/null || die "bagit.py is not on PATH after installing bagit (PATH=$PATH)"
}

ensure_moto() {
	if command -v moto_server >/dev/null && python3 -c "import boto3" 2>/dev/null; then
		return
	fi
	command -v python3 >/dev/null || apt_install python3 python3-pip
	say "installing moto[server]==$MOTO_VERSION with pip"
	python3 -m pip install --quiet --disable-pip-version-check "moto[server]==$MOTO_VERSION"
	if command -v pyenv >/dev/null; then
		pyenv rehash
	fi
	hash -r
	command -v moto_server >/dev/null || die "moto_server is not on PATH after installing moto (PATH=$PATH)"
}

ensure_node_modules() {
	local dir="tests/browser"
	# node_modules/.package-lock.json is npm's record of what it installed: reinstall when
	# it is missing or older than the committed lock file.
	if [[ -f "$dir/node_modules/.package-lock.json" &&
		! "$dir/package-lock.json" -nt "$dir/node_modules/.package-lock.json" ]]; then
		return
	fi
	say "installing the browser-test tools with npm ci in $dir"
	(cd "$dir" && npm ci --no-audit --no-fund --loglevel=error)
	[[ -f "$dir/node_modules/vnu-jar/build/dist/vnu.jar" ]] || die "npm ci did not install vnu.jar"
}

ensure_system_tools
ensure_bagit
ensure_moto
ensure_node_modules

say "running cargo test --all-targets $*"
cargo test --all-targets "$@"
if [[ $# -eq 0 ]]; then
	say "running cargo test --doc"
	cargo test --doc
	# The README's set-up, install and quick start, from a fresh clone (a release build).
	say "running scripts/readme-walk.sh"
	scripts/readme-walk.sh
	if [[ ${DESK_ARCHIVE_SKIP_PACKAGE_TEST:-0} == 1 ]]; then
		say "skipping the Debian package test (DESK_ARCHIVE_SKIP_PACKAGE_TEST=1)"
	else
		say "running scripts/test-package.sh"
		scripts/test-package.sh
	fi
fi
say "all tests passed"
