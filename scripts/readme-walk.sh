#!/usr/bin/env bash
# Walks the README as a newcomer would, from a fresh clone: the first set-up command, the
# install commands (in a fresh home folder) and the quick start (against the bundled fake
# API, since CI has no Tencent account). The commands are taken from the README's own
# code blocks, so the README cannot drift from what works. Called by scripts/test.sh.
#
# Substitutions, and only these: the quick start's secret key placeholder becomes the fake
# API's test key, and DESK_ENDPOINT points the tool at the fake API on 127.0.0.1.
set -euo pipefail

root="$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)"
work="$(mktemp -d)"
fake_pid=""
cleanup() {
	[[ -n "$fake_pid" ]] && kill "$fake_pid" 2>/dev/null || true
	rm -rf "$work"
}
trap cleanup EXIT
say() { printf 'readme-walk: %s\n' "$*" >&2; }

# The ```sh block that follows a README heading, without comments.
block() {
	awk -v heading="$1" '
		$0 == heading { found = 1; next }
		found && /^## / { exit }
		found && /^```sh/ { inside = 1; next }
		inside && /^```/ { exit }
		inside { print }
	' "$work/clone/README.md"
}

git clone --quiet "$root" "$work/clone"
# Builds are shared with the checkout this runs from, so only what changed is compiled.
export CARGO_TARGET_DIR="${CARGO_TARGET_DIR:-$root/target}"
cd "$work/clone"

say "set-up command 1"
setup="$(block '## Set-up: the two commands' | grep -v 'scripts/test.sh')"
[[ -n "$setup" ]] || { say "no set-up block found"; exit 1; }
bash -euo pipefail -c "$setup"
[[ -f site/data/index.html ]] || { say "set-up did not render site/data/index.html"; exit 1; }

say "install, in a fresh home folder"
install="$(block '## Install')"
mkdir -p "$work/home"
# As for a user whose ~/.cargo/bin is on PATH (rustup's set-up puts it there).
export PATH="$work/home/.cargo/bin:$PATH"
# The toolchain stays where it is; only the user's own files go to the fresh home.
export RUSTUP_HOME="${RUSTUP_HOME:-$HOME/.rustup}" CARGO_HOME="${CARGO_HOME:-$HOME/.cargo}"
HOME="$work/home" CARGO_INSTALL_ROOT="$work/home/.cargo" bash -euo pipefail -c "$install"
[[ -s "$work/home/.local/share/man/man1/desk-archive.1" ]] || { say "no man page installed"; exit 1; }

say "quick start, against the fake API"
key=5bd2850fff3ecb11d7c805251c51ee463a25727bddc2385f3fa8bfee1bb93b5e
# A debug build: `cargo test --all-targets` has built it already, and speed does not matter.
cargo build --quiet --example fake-desk
"$CARGO_TARGET_DIR/debug/examples/fake-desk" --port 0 --records examples/demo/records \
	--sdkappid 1400000000 --secret-key "$key" >"$work/fake.txt" &
fake_pid=$!
for _ in $(seq 100); do
	grep -q 'http://' "$work/fake.txt" 2>/dev/null && break
	sleep 0.1
done
endpoint="$(grep -o 'http://127.0.0.1:[0-9]*' "$work/fake.txt")"
quick="$(block '## Quick start against the real API' | sed "s/YOUR-SECRET-KEY/$key/")"
mkdir -p "$work/quick" && cd "$work/quick"
DESK_ENDPOINT="$endpoint" bash -euo pipefail -c "$quick"
[[ -f archive/data/index.html ]] || { say "the quick start made no archive"; exit 1; }
say "the README's commands work"
