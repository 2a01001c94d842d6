#!/usr/bin/env bash
# Tests the Debian package: builds it with scripts/package.sh, checks what it holds, installs
# it with `dpkg -i`, checks the installed program, man page, completions, system user and
# systemd unit (installed, not enabled), starts the installed `listen` with the packaged
# settings file, then purges the package again.
#
# Usage: scripts/test-package.sh
#   Needs root (dpkg -i). scripts/test.sh runs it after the cargo tests; it packages the
#   release build when one is newer than the sources, else the debug build the tests just
#   made, so it compiles nothing in the usual case. Set DESK_ARCHIVE_SKIP_PACKAGE_TEST=1 to
#   skip it (CI never does).
set -euo pipefail

root="$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)"
cd "$root"
say() { printf 'test-package.sh: %s\n' "$*" >&2; }
fail() {
	say "FAIL: $*"
	exit 1
}

[[ "$(id -u)" -eq 0 ]] || fail "dpkg -i needs root: run as root, or set DESK_ARCHIVE_SKIP_PACKAGE_TEST=1 to skip the package test"

target=${CARGO_TARGET_DIR:-$root/target}
# The release binary is reused when it is newer than every source file; otherwise the debug
# build (which `cargo test` has just made) is packaged.
profile=dev
release=$target/release/desk-archive
if [[ -x $release ]] && [[ -z $(find src templates Cargo.toml Cargo.lock -newer "$release" -print -quit) ]]; then
	profile=release
fi
say "packaging the $profile build"
deb=$(scripts/package.sh --profile "$profile" | tail -n 1)
say "built $deb"

# What the package holds.
contents=$(dpkg-deb -c "$deb" | awk '{print $6}')
for path in ./usr/bin/desk-archive \
	./usr/share/man/man1/desk-archive.1.gz \
	./usr/share/bash-completion/completions/desk-archive \
	./usr/share/zsh/vendor-completions/_desk-archive \
	./usr/share/fish/vendor_completions.d/desk-archive.fish \
	./usr/lib/sysusers.d/desk-archive.conf \
	./etc/desk-archive/listen.toml \
	./usr/share/doc/desk-archive/listen.md; do
	grep -qxF "$path" <<<"$contents" || fail "the package lacks $path"
done
unit_path=$(grep -E '^\./(usr/)?lib/systemd/system/desk-archive-listen\.service$' <<<"$contents") ||
	fail "the package lacks the systemd unit desk-archive-listen.service"
unit=${unit_path#.}
dpkg-deb -f "$deb" Package | grep -qx desk-archive || fail "the package is not named desk-archive"
ctrl_files=$(dpkg-deb --ctrl-tarfile "$deb" | tar -t)
grep -q conffiles <<<"$ctrl_files" || fail "no conffiles: /etc/desk-archive/listen.toml must be one"

say "installing with dpkg -i"
dpkg --purge desk-archive >/dev/null 2>&1 || true
dpkg -i "$deb" >/dev/null
trap 'dpkg --purge desk-archive >/dev/null 2>&1 || true' EXIT

[[ $(command -v desk-archive) == /usr/bin/desk-archive ]] || fail "desk-archive is not /usr/bin/desk-archive on PATH"
[[ $(/usr/bin/desk-archive --version) == "desk-archive "* ]] || fail "the installed binary does not run"
# Read the page whole first: under pipefail, `zcat | grep -q` fails when grep stops early and
# zcat gets SIGPIPE.
man_page=$(zcat /usr/share/man/man1/desk-archive.1.gz)
grep -q '^\.TH' <<<"$man_page" || fail "the man page is not a man page"
grep -q 'listen' <<<"$man_page" || fail "the man page does not mention listen"
bash -c 'source /usr/share/bash-completion/completions/desk-archive && complete -p desk-archive' >/dev/null ||
	fail "the bash completion does not register"
grep -q 'listen' /usr/share/bash-completion/completions/desk-archive || fail "the bash completion lacks listen"
getent passwd desk-archive >/dev/null || fail "the system user desk-archive was not created"
[[ -f $unit ]] || fail "$unit is not installed"
grep -q '^LoadCredential=secret-key:' "$unit" || fail "the unit does not pass the key with LoadCredential="
grep -q '^Environment=.*\(KEY\|SECRET\)' "$unit" && fail "the unit passes a secret through Environment="
grep -q '^User=desk-archive$' "$unit" || fail "the unit does not run as desk-archive"
# Installed, not enabled: no *.wants link, and systemctl (which reads the unit files even
# without a running systemd) agrees.
if compgen -G "/etc/systemd/system/*.wants/desk-archive-listen.service" >/dev/null; then
	fail "the unit was enabled on install"
fi
if command -v systemctl >/dev/null; then
	state=$(systemctl is-enabled desk-archive-listen.service 2>/dev/null || true)
	[[ $state == disabled ]] || fail "systemctl is-enabled says '$state', not 'disabled'"
fi
if command -v systemd-analyze >/dev/null; then
	systemd-analyze verify "$unit" 2>&1 | grep -v -e '^$' -e 'Failed to .*connect' -e 'offline' |
		grep -i "desk-archive-listen.service" && fail "systemd-analyze verify finds fault with the unit"
fi

# The packaged settings file is read by the installed program, as the service's user:
# `listen` starts with it (on free loopback ports and a temporary archive), answers
# /healthz, and stops on SIGTERM with exit 0.
say "starting the installed listen as desk-archive with /etc/desk-archive/listen.toml"
work=$(mktemp -d)
trap 'dpkg --purge desk-archive >/dev/null 2>&1 || true; rm -rf "$work"' EXIT
printf 'package-test-secret\n' >"$work/secret-key"
chown -R desk-archive:desk-archive "$work"
chmod 700 "$work"
setpriv --reuid desk-archive --regid desk-archive --init-groups \
	env HOME="$work" XDG_CACHE_HOME="$work/cache" /usr/bin/desk-archive listen --config /etc/desk-archive/listen.toml \
	--secret-key-file "$work/secret-key" --out "$work/archive" \
	--bind 127.0.0.1:0 --admin-bind 127.0.0.1:0 --endpoint http://127.0.0.1:9 2>"$work/err" &
pid=$!
admin=
for _ in $(seq 1 100); do
	admin=$(grep -o '/healthz and /metrics on http://127.0.0.1:[0-9]*' "$work/err" | sed 's|.*http://||' || true)
	[[ -n $admin ]] && break
	kill -0 "$pid" 2>/dev/null || break
	sleep 0.1
done
[[ -n $admin ]] || {
	kill "$pid" 2>/dev/null || true
	fail "the installed listen did not start: $(cat "$work/err")"
}
exec 3<>"/dev/tcp/${admin%:*}/${admin#*:}"
printf 'GET /healthz HTTP/1.1\r\nHost: %s\r\nConnection: close\r\n\r\n' "$admin" >&3
status=$(head -n 1 <&3 | tr -d '\r')
exec 3<&-
[[ $status == "HTTP/1.1 200 OK" ]] || fail "/healthz of the installed listen answered '$status'"
kill -TERM "$pid"
code=0
wait "$pid" || code=$?
[[ $code -eq 0 ]] || fail "the installed listen exited $code on SIGTERM: $(cat "$work/err")"
grep -q 'package-test-secret' "$work/err" && fail "the secret key reached the log"

dpkg --purge desk-archive >/dev/null
[[ ! -e /usr/bin/desk-archive ]] || fail "dpkg --purge left /usr/bin/desk-archive"
say "the package builds, installs, runs and purges"
