#!/usr/bin/env bash
# bench/run.sh — desk-archive's performance benchmark. Not part of the
# test suite (too slow); about 10 minutes on 2 cores with the defaults, and about 4 more
# for the parts peers and floor.
#
# Usage:  bench/run.sh                     # sizes 1000 and 10000 sessions × 100 messages
#         BENCH_SIZES=200 bench/run.sh     # quick mode (about a minute)
#
# Environment:
#   BENCH_SIZES      render sizes in sessions, space-separated (default "1000 10000");
#                    the RSS target compares the smallest and the largest
#   BENCH_MESSAGES   messages per session, on average (default 100)
#   BENCH_FETCH      sessions in the fast fetch runs (default 2000, about 3000 pages)
#   BENCH_FETCH_SLOW sessions in the runs with default tuning, 50 requests/s (default 150)
#   BENCH_RATE       the --rate that must be held within 5 % (default 1000)
#   BENCH_REPEAT     renders and copies per size; the median is reported (default 3)
#   BENCH_INDEX      sessions of the archive whose index is sorted and filtered in Chromium
#                    (default 100000, 2 messages each; 0 skips it)
#   BENCH_WORD       the word `search` and ripgrep look for (default "refunded", in about
#                    one message in 34 of the generated records)
#   BENCH_SHARE_MESSAGES  messages of the session `share` prints (default 2000)
#   BENCH_EXPORT     sessions of the archive `export` picks from (default 10000)
#   BENCH_EXPORT_PICK  sessions `export` takes (default 1000)
#   BENCH_SHARE_ONLY=1    run only the share/export part (step 6) and print its table
#   BENCH_PEERS_SESSIONS  sessions of the records tg-archive and render take turns on
#                    (part peers, default 1000)
#   BENCH_FLOOR_SESSIONS  sessions of the renders measured against the hashing floor (part
#                    floor, default 4000; rendered into /dev/shm, about 560 MB each)
#   BENCH_DIR        work directory (default: a new /tmp/desk-bench.XXXXXX, removed at
#                    the end unless BENCH_KEEP=1); a given one is kept, and emptied at the
#                    start but for tg-archive's virtual environment
#   BENCH_PARTS      which parts after the render run (default
#                    "sitesearch index search noop fetch publish lifecycle listen peers
#                    floor share")
#   BENCH_LISTEN_SECONDS      seconds of load on `listen` (default 20)
#   BENCH_LISTEN_CONNECTIONS  keep-alive connections of the load (default 64)
#   CARGO_TARGET_DIR where cargo builds (default: target/ in the repository)
#
# What it does, in one run, then prints ONE table and a PASS/FAIL line per target:
#   1. cargo build --release (binary and examples).
#   2. For each size N: examples/gen-records writes N records (seed 1); BENCH_REPEAT times,
#      `desk-archive render --records` builds a fresh archive under /usr/bin/time -v (wall
#      time, peak RSS) and `cp -r` copies it (wall time), then the same render with
#      `--no-search` (taking turns); the medians, messages/s, the largest peak RSS, `du -sh`, files,
#      render/copy, and what the search index adds in time (wall and user + sys) and files.
#   2b. Site search in Chromium (part sitesearch, bench/search-bytes.mjs) on the largest
#      archive served from 127.0.0.1: the bytes of index one query fetches. The index at
#      scale (part index, bench/index-scale.mjs): BENCH_INDEX sessions rendered, then in
#      Chromium the time index.js takes to sort and filter all of them.
#   3. On the largest archive (part search): `desk-archive search DIR WORD` and `rg -F -c WORD
#      DIR/data/records` (ripgrep, Debian's package, installed when missing), one warm-up
#      run each, then BENCH_REPEAT runs of each taking turns; the medians. Then one
#      `archive --no-media` run against fake-desk (it only adds
#      the SDKAppID to bag-info.txt, since every record is complete), then BENCH_REPEAT
#      measured no-op `archive` re-runs: their median wall time, and the files under the
#      archive newer than a marker touched just before the first (`find -newer`).
#   4. Fetch pages/s (`desk-archive fetch --no-media` wall time, so process start and writing the
#      records and bag are included: a slight under-estimate) against examples/fake-desk
#      at 0 ms and 20 ms latency, with the default tuning (--concurrency 8 --rate 50)
#      and with --concurrency 32 --rate 2000; and at 0 ms with --rate $BENCH_RATE.
#   5. Publish (needs moto[server] and awscli from PyPI; installed when missing): the largest
#      site to moto_server on 127.0.0.1 — first upload, MB/s and objects/s, then the no-op
#      republish — and the same site with `aws s3 sync` (its default 10 requests in flight)
#      as the baseline, and its no-op re-sync.
#
#   6. share/export (part share, run last): `share` of one BENCH_SHARE_MESSAGES-message
#      session (median of 5), plain and with `--redact external`; `export` of
#      BENCH_EXPORT_PICK of BENCH_EXPORT sessions (`--sessions FILE`), plain and redacted,
#      against `render --records` of the same sessions into a new archive.
#
#   7. Lifecycle, on a copy of the largest archive: `erase` of one session (wall time and
#      the files it wrote), `erase --sessions` of 100, and a `prune --dry-run` that finds
#      nothing to erase.
#
#   8. listen: examples/listen-load posts message events of 2,000 sessions (random picks,
#      new MsgKeys) over $BENCH_LISTEN_CONNECTIONS keep-alive connections for
#      $BENCH_LISTEN_SECONDS s to `listen --settle 0.5 --render-every 5` on loopback, which
#      meanwhile fetches them from fake-desk (5 ms latency) and renders: accepted events/s,
#      p50 and p99 time to the 200. Then the loss check: the same load for 6 s, kill -9 of
#      the listener after 3 s, `render` to take in the journal it left, and every event
#      answered 200 must be counted in coverage.json (message_events per session).
#
#   9. peers: desk-archive against tg-archive 1.3.1 (PyPI; installed into a virtual
#      environment in the work directory with setuptools < 81, whose pkg_resources its build
#      imports; if that fails the part is skipped with a log line). bench/to-tg-archive.py
#      converts the BENCH_PEERS_SESSIONS generated records into tg-archive's data.sqlite
#      through tg-archive's own tgarchive.db: it archives one chat, so all sessions become one
#      timeline ordered by time; each message keeps its sender (FromAccount as a user), its
#      time (to the second) and its text (text elements' text, any other element a
#      placeholder such as "[image]", so that every message is a row). Then, taking turns,
#      BENCH_REPEAT times: `tg-archive --build` in the site folder `tg-archive --new` made
#      (its config.yaml as written, per_page 500, with a group name and a new publish_dir),
#      `render --records` and `render --records --no-search` into new folders; medians of
#      wall and CPU time, and tg-archive's time over ours. Honesty check: tg-archive's month
#      pages (index.html, a copy of the last, left out) must hold one `<li class="message
#      type-…" id="N">` per converted message, and the records' every message converted.
#
#  10. floor: processor time against the hashing floor. `openssl speed -bytes 65536
#      -seconds 1 sha256 sha512` (the 65536 column, one core) in the same run; then
#      BENCH_REPEAT renders of BENCH_FLOOR_SESSIONS generated sessions into a new folder in
#      /dev/shm (no disk), with and without --no-search, taking turns: user + sys time from
#      /usr/bin/time (all threads), the archive's bytes (`du -sb`), the floor bytes/sha256 +
#      bytes/sha512 (every byte is hashed for both manifests) and CPU/floor. One more render
#      with -v puts each step's wall time in the log, and bench/write_floor.py writes its
#      files again from memory (temporary name + rename, as the render must): what creating
#      the files costs with no rendering at all; floor + writes is what no render can
#      avoid. Then `verify` of the largest archive
#      against `sha256sum -c manifest-sha256.txt` run in the bag's folder, one warm-up each,
#      BENCH_REPEAT runs taking turns, medians.
#
# Targets: share of a 2,000-message session < 0.5 s (without PDF); export of the picked
# sessions ≤ 1.5× the render of them (plain); render of the largest size ≤ 3× its cp -r;
# peak RSS(largest) ≤ 1.2 × RSS (smallest) + 1 KB per extra session (search index built);
# the site search index adds ≤ 25 % to the largest render's time and ≤ 20 % to its files;
# a query in the browser fetches ≤ 2 MB of index; sorting or filtering BENCH_INDEX
# sessions ≤ 200 ms; fetch at 20 ms with --concurrency 32 --rate 2000 ≥ 90 % of 1,600
# pages/s; --rate $BENCH_RATE held within 5 %; no-op re-run < 1 s, no file
# rewritten; search of the largest archive ≤ 2× ripgrep's time on its records; no-op
# republish of the largest site < 2 s; listen ≥ 2,000 accepted events/s with p99 ≤ 50 ms
# while fetching, and 0 events lost across kill -9; render of BENCH_PEERS_SESSIONS ≥ 10×
# faster (wall) than tg-archive --build of the same messages, every message on its pages;
# render CPU of BENCH_FLOOR_SESSIONS ≤ 2.5× the hashing floor; verify no slower than
# sha256sum -c of the same bag.

set -euo pipefail

SIZES=${BENCH_SIZES:-"1000 10000"}
MESSAGES=${BENCH_MESSAGES:-100}
FETCH_N=${BENCH_FETCH:-2000}
FETCH_SLOW_N=${BENCH_FETCH_SLOW:-150}
RATE=${BENCH_RATE:-1000}
REPEAT=${BENCH_REPEAT:-3}
INDEX_N=${BENCH_INDEX:-100000}
WORD=${BENCH_WORD:-refunded}
PARTS=${BENCH_PARTS:-"sitesearch index search noop fetch publish lifecycle listen peers floor share"}
LISTEN_SECONDS=${BENCH_LISTEN_SECONDS:-20}
LISTEN_CONNECTIONS=${BENCH_LISTEN_CONNECTIONS:-64}
has() { [[ " $PARTS " == *" $1 "* ]]; }
ROOT=$(cd "$(dirname "$0")/.." && pwd)
W=${BENCH_DIR:-$(mktemp -d /tmp/desk-bench.XXXXXX)}
mkdir -p "$W"
# A kept BENCH_DIR holds the last run's outputs, and every measured command must start from
# nothing (a render into the last run's archive is a no-op re-run, not a render), so they go
# now, before anything is timed. Only tg-archive's virtual environment is kept.
find "$W" -mindepth 1 -maxdepth 1 ! -name tg-venv -exec rm -rf {} +
SDKAPPID=1400000000
KEY=bench-secret-key
FAKE_PID=
MOTO_PID=
LISTEN_PID=
FLOOR_SHM= # the floor part's renders in /dev/shm

cleanup() {
    if [[ -n $FAKE_PID ]]; then kill "$FAKE_PID" 2>/dev/null || true; fi
    if [[ -n $MOTO_PID ]]; then kill "$MOTO_PID" 2>/dev/null || true; fi
    if [[ -n $LISTEN_PID ]]; then kill "$LISTEN_PID" 2>/dev/null || true; fi
    if [[ -n $FLOOR_SHM ]]; then rm -rf "$FLOOR_SHM"; fi
    if [[ ${BENCH_KEEP:-0} != 1 && -z ${BENCH_DIR:-} ]]; then rm -rf "$W"; fi
}
trap cleanup EXIT

log() { echo "bench: $*" >&2; }

apt_install() { # apt_install PACKAGE
    apt-get install -y "$1" >/dev/null 2>&1 || { apt-get update >/dev/null && apt-get install -y "$1" >/dev/null; }
}
if [[ ! -x /usr/bin/time ]]; then
    log "installing GNU time"
    apt_install time
fi
if has search && ! command -v rg >/dev/null; then
    log "installing ripgrep"
    apt_install ripgrep
fi

log "building release (binary and examples)"
(cd "$ROOT" && cargo build --release --quiet --bin desk-archive --examples)
TARGET=${CARGO_TARGET_DIR:-$ROOT/target}
BIN=$TARGET/release/desk-archive
GEN=$TARGET/release/examples/gen-records
FAKE=$TARGET/release/examples/fake-desk
LOAD=$TARGET/release/examples/listen-load
if { has sitesearch || has index; } && [[ ! -d $ROOT/tests/browser/node_modules/playwright-core ]]; then
    log "installing the browser tools (npm ci in tests/browser)"
    (cd "$ROOT/tests/browser" && npm ci --no-audit --no-fund --loglevel=error)
fi

now() { date +%s.%N; }
# elapsed START → seconds with 3 decimals
since() { awk -v a="$1" -v b="$(now)" 'BEGIN { printf "%.3f", b - a }'; }
calc() { awk "BEGIN { printf \"$1\", $2 }"; }
# median of the numbers given as arguments
median() { printf '%s\n' "$@" | sort -g | awk '{ v[NR] = $1 } END { print (NR % 2) ? v[(NR + 1) / 2] : (v[NR / 2] + v[NR / 2 + 1]) / 2 }'; }
# peak RSS in KB from a /usr/bin/time -v report
rss_kb() { awk -F': ' '/Maximum resident set size/ { print $2 }' "$1"; }
# User + system seconds from /usr/bin/time -v's report.
cpu_v() { awk -F': ' '/User time|System time/ { t += $2 } END { printf "%.2f", t }' "$1"; }

ROWS=()
row() { ROWS+=("$(printf '%-44s %s' "$1" "$2")"); }
VERDICTS=()
verdict() { # verdict NAME CONDITION(awk) DETAIL
    if awk "BEGIN { exit !($2) }"; then VERDICTS+=("PASS  $1 ($3)"); else VERDICTS+=("FAIL  $1 ($3)"); fi
}

# ---------------------------------------------------------------- share and export
SHARE_MESSAGES=${BENCH_SHARE_MESSAGES:-2000}
EXPORT_N=${BENCH_EXPORT:-10000}
EXPORT_PICK=${BENCH_EXPORT_PICK:-1000}
share_export() {
    log "share: one session of ~$SHARE_MESSAGES messages"
    # A session has M/2 to 3M/2 messages: of 8, the smallest with at least M is shared.
    "$GEN" --sessions 8 --messages "$SHARE_MESSAGES" --seed 3 --out "$W/share-recs" >/dev/null
    "$BIN" -q render --records "$W/share-recs" --out "$W/share-arch"
    local id n runs=() red=()
    read -r id n < <(awk -F'\t' -v m="$SHARE_MESSAGES" '$2 >= m { print $1, $2 }' "$W/share-recs.tsv" | sort -k2 -n | head -1)
    for _ in 1 2 3 4 5; do
        t0=$(now); "$BIN" -q share "$W/share-arch" "$id" --out "$W/shared.html"; runs+=("$(since "$t0")")
        t0=$(now); "$BIN" -q share "$W/share-arch" "$id" --out "$W/shared-red.html" --redact external; red+=("$(since "$t0")")
    done
    SHARE=$(median "${runs[@]}")
    SHARE_RED=$(median "${red[@]}")
    row "share of one $n-message session (median of 5)" "$SHARE s, $(du -h "$W/shared.html" | cut -f1); --redact external $SHARE_RED s"

    log "export: $EXPORT_PICK of $EXPORT_N sessions × ~$MESSAGES messages"
    local recs=$W/recs-$EXPORT_N arch=$W/arch-$EXPORT_N
    if [[ ! -d $arch ]]; then
        rm -rf "$recs"
        "$GEN" --sessions "$EXPORT_N" --messages "$MESSAGES" --seed 1 --out "$recs" >/dev/null
        "$BIN" -q render --records "$recs" --out "$arch"
    fi
    awk -F'\t' -v n="$EXPORT_PICK" 'NR <= n { print $1 }' "$recs.tsv" >"$W/pick"
    rm -rf "$W/pick-recs" "$W/pick-render" "$W/export" "$W/export-red"
    mkdir -p "$W/pick-recs"
    while read -r sid; do cp "$recs/$sid.json" "$W/pick-recs/"; done <"$W/pick"
    sync
    t0=$(now); "$BIN" -q render --records "$W/pick-recs" --out "$W/pick-render"; PICK_RENDER=$(since "$t0")
    sync
    t0=$(now); "$BIN" -q export "$arch" --sessions "$W/pick" --out "$W/export"; EXPORT=$(since "$t0")
    sync
    t0=$(now); "$BIN" -q export "$arch" --sessions "$W/pick" --out "$W/export-red" --redact external; EXPORT_RED=$(since "$t0")
    row "export $EXPORT_PICK of $EXPORT_N sessions" "$EXPORT s (render of them: $PICK_RENDER s, $(calc '%.2f' "$EXPORT / $PICK_RENDER")×)"
    row "export $EXPORT_PICK, --redact external" "$EXPORT_RED s ($(calc '%.2f' "$EXPORT_RED / $PICK_RENDER")× the render)"
    verdict "share of a $n-message session < 0.5 s" "$SHARE < 0.5" "$SHARE s"
    verdict "export of $EXPORT_PICK ≤ 1.5× their render" "$EXPORT <= 1.5 * $PICK_RENDER" \
        "$(calc '%.2f' "$EXPORT / $PICK_RENDER")×"
}
print_table() {
    echo
    echo "desk-archive benchmark — $(nproc) cores, $(date -u +%Y-%m-%d), commit $(cd "$ROOT" && git rev-parse --short HEAD)"
    echo
    printf '%-44s %s\n' "measure" "result"
    printf '%-44s %s\n' "-------" "------"
    printf '%s\n' "${ROWS[@]}"
    echo
    printf '%s\n' "${VERDICTS[@]}"
}
if [[ ${BENCH_SHARE_ONLY:-0} == 1 ]]; then
    share_export
    print_table
    exit 0
fi

# ---------------------------------------------------------------- render
declare -A RSS RENDER COPY PLAIN PLAIN_RSS FILES PLAIN_FILES
SMALL='' LARGE=''
for n in $SIZES; do
    [[ -z $SMALL ]] && SMALL=$n
    LARGE=$n
    recs=$W/recs-$n
    log "generating $n sessions × ~$MESSAGES messages"
    rm -rf "$recs"
    gen_out=$("$GEN" --sessions "$n" --messages "$MESSAGES" --seed 1 --out "$recs")
    msgs=$(echo "$gen_out" | awk '{ print $3 }')
    arch=$W/arch-$n
    # Each render is into a new folder, and so is each copy; the median of $REPEAT runs of
    # each is reported (the wall time of writing 1.4 GB varies up to 2x from run to run on
    # a virtual machine), peak RSS is the largest of the runs.
    # Renders with and without the search index take turns, so that both meet the disk
    # in the same state (the copies, the page cache, ext4's recently freed inodes).
    renders=() copies=() RSS[$n]=0 plains=() PLAIN_RSS[$n]=0 cpus=() plain_cpus=()
    for k in $(seq 1 "$REPEAT"); do
        out=$arch
        [[ $k -gt 1 ]] && out=$arch-$k
        log "render $n (run $k of $REPEAT)"
        sync
        t0=$(now)
        /usr/bin/time -v -o "$W/time-$n-$k.txt" "$BIN" -q render --records "$recs" --out "$out"
        renders+=("$(since "$t0")") cpus+=("$(cpu_v "$W/time-$n-$k.txt")")
        rss=$(rss_kb "$W/time-$n-$k.txt")
        [[ $rss -gt ${RSS[$n]} ]] && RSS[$n]=$rss
        sync
        t0=$(now)
        cp -r "$out" "$W/copy-$n-$k"
        copies+=("$(since "$t0")")
        # Copies and renders are removed at the end, not here: ext4 skips recently deleted
        # inodes when it allocates new ones, which would slow down whatever creates files
        # next and make the comparison unfair.
        plain=$W/plain-$n-$k
        log "render $n --no-search (run $k of $REPEAT)"
        sync
        t0=$(now)
        /usr/bin/time -v -o "$W/time-plain-$n-$k.txt" "$BIN" -q render --records "$recs" --out "$plain" --no-search
        plains+=("$(since "$t0")") plain_cpus+=("$(cpu_v "$W/time-plain-$n-$k.txt")")
        rss=$(rss_kb "$W/time-plain-$n-$k.txt")
        [[ $rss -gt ${PLAIN_RSS[$n]} ]] && PLAIN_RSS[$n]=$rss
    done
    RENDER[$n]=$(median "${renders[@]}")
    PLAIN[$n]=$(median "${plains[@]}")
    COPY[$n]=$(median "${copies[@]}")
    FILES[$n]=$(find "$arch/data" -type f | wc -l)
    PLAIN_FILES[$n]=$(find "$W/plain-$n-1/data" -type f | wc -l)
    size=$(du -sh "$arch" | cut -f1)
    row "render $n × $MESSAGES: wall (median of $REPEAT)" "${RENDER[$n]} s ($(calc '%.0f' "$msgs / ${RENDER[$n]}") messages/s, $msgs messages; runs ${renders[*]})"
    row "render $n: peak RSS" "$(calc '%.1f' "${RSS[$n]} / 1024") MB (--no-search $(calc '%.1f' "${PLAIN_RSS[$n]} / 1024") MB)"
    row "render $n --no-search: wall (median)" "${PLAIN[$n]} s (runs ${plains[*]})"
    cpu=$(median "${cpus[@]}") plain_cpu=$(median "${plain_cpus[@]}")
    row "render $n: search index adds" "$(calc '%.0f' "100 * (${RENDER[$n]} - ${PLAIN[$n]}) / ${PLAIN[$n]}") % time ($(calc '%.0f' "100 * ($cpu - $plain_cpu) / $plain_cpu") % processor time: user + sys medians $cpu s and $plain_cpu s), $(calc '%.1f' "100 * (${FILES[$n]} - ${PLAIN_FILES[$n]}) / ${PLAIN_FILES[$n]}") % files (${FILES[$n]} vs ${PLAIN_FILES[$n]}), $(du -sh "$arch/data/search" | cut -f1)"
    row "render $n: output size (du)" "$size"
    row "render $n: cp -r of the archive (median)" "${COPY[$n]} s (render/copy $(calc '%.1f' "${RENDER[$n]} / ${COPY[$n]}")×; runs ${copies[*]})"
done

# ---------------------------------------------------------------- site search, index at scale
QUERY_MAX=
if has sitesearch; then
    log "one query in Chromium on the $LARGE-session archive"
    QUERY_MAX=0
    while IFS=$'\t' read -r query bytes files ms results parts; do
        row "site search: one query \"$query\" fetches" "$(calc '%.2f' "$bytes / 1048576") MB in $files files, results in $ms ms ($results; $parts)"
        [[ $bytes -gt $QUERY_MAX ]] && QUERY_MAX=$bytes
    done < <(node "$ROOT/bench/search-bytes.mjs" "$W/arch-$LARGE/data" refund 退款 RF-77120)
fi
INDEX_MAX=
if has index && [[ $INDEX_N -gt 0 ]]; then
    log "generating $INDEX_N sessions × 2 messages for the index"
    "$GEN" --sessions "$INDEX_N" --messages 2 --seed 3 --out "$W/index-recs" >/dev/null
    "$BIN" -q render --records "$W/index-recs" --out "$W/index-arch" --no-search --no-markdown-pages
    log "sorting and filtering $INDEX_N sessions in Chromium"
    while IFS=$'\t' read -r what ms rest; do
        if [[ $what == max ]]; then INDEX_MAX=$ms; else row "index of $INDEX_N: $what" "$ms ms $rest"; fi
    done < <(node "$ROOT/bench/index-scale.mjs" "$W/index-arch/data")
    rm -rf "$W/index-recs" "$W/index-arch"
fi

# ---------------------------------------------------------------- search vs ripgrep
# Side by side on the same files, taking turns, after one warm-up run each (so both read
# from the page cache). `rg -c` counts matching lines, and records hold one message a line.
if has search; then
    log "search vs ripgrep on the $LARGE-session archive"
    SEARCH_DIR=$W/arch-$LARGE
    "$BIN" search "$SEARCH_DIR" "$WORD" >/dev/null
    rg -F -c "$WORD" "$SEARCH_DIR/data/records" >/dev/null
    searches=() rgs=()
    for _ in $(seq 1 "$REPEAT"); do
        t0=$(now)
        "$BIN" search "$SEARCH_DIR" "$WORD" >/dev/null
        searches+=("$(since "$t0")")
        t0=$(now)
        rg -F -c "$WORD" "$SEARCH_DIR/data/records" >/dev/null
        rgs+=("$(since "$t0")")
    done
    SEARCH=$(median "${searches[@]}")
    RG=$(median "${rgs[@]}")
    HITS=$("$BIN" search "$SEARCH_DIR" "$WORD" -c | awk -F'\t' '{ s += $2 } END { print s + 0 }')
    RG_HITS=$(rg -F -c "$WORD" "$SEARCH_DIR/data/records" | awk -F: '{ s += $NF } END { print s + 0 }')
    /usr/bin/time -v -o "$W/time-search.txt" "$BIN" search "$SEARCH_DIR" "$WORD" >/dev/null
    row "search $LARGE: \`search DIR $WORD\` (median)" "$SEARCH s, $HITS messages, peak RSS $(calc '%.1f' "$(rss_kb "$W/time-search.txt") / 1024") MB (runs ${searches[*]})"
    row "search $LARGE: \`rg -F -c $WORD\` (median)" "$RG s, $RG_HITS lines (runs ${rgs[*]}; search/rg $(calc '%.1f' "$SEARCH / $RG")×)"
fi

# ---------------------------------------------------------------- fake desk
start_fake() { # start_fake RECORDS LATENCY_MS
    if [[ -n $FAKE_PID ]]; then kill "$FAKE_PID" 2>/dev/null || true; wait "$FAKE_PID" 2>/dev/null || true; fi
    "$FAKE" --port 0 --records "$1" --latency-ms "$2" --sdkappid $SDKAPPID --secret-key $KEY \
        >"$W/fake.out" 2>"$W/fake.err" &
    FAKE_PID=$!
    for _ in $(seq 1 600); do
        if grep -q 'fake desk API on' "$W/fake.out" 2>/dev/null; then break; fi
        sleep 0.1
    done
    BASE=$(grep -o 'http://127.0.0.1:[0-9]*' "$W/fake.out" | head -1)
    [[ -n $BASE ]] || { log "fake-desk did not start: $(cat "$W/fake.err")"; exit 1; }
}

# ---------------------------------------------------------------- no-op re-run
if has noop; then
log "no-op re-run over $LARGE sessions"
start_fake "$W/recs-$LARGE" 0
cut -f1 "$W/recs-$LARGE.tsv" >"$W/list-$LARGE"
# --no-media: the generated records' media URLs name hosts this machine cannot reach, and
# media that failed are retried on every run by design (README: Media), so with capture on no
# run over them is a no-op.
archive() { "$BIN" -q archive --no-media --sessions "$W/list-$LARGE" --out "$W/arch-$LARGE" \
    --endpoint "$BASE" --sdkappid $SDKAPPID --secret-key $KEY; }
t0=$(now)
archive
FIRST=$(since "$t0")
sleep 1.1 # so that anything rewritten is newer than the marker on any file system
touch "$W/marker"
sleep 0.05
# BENCH_REPEAT no-op runs, the median compared (one run is at the mercy of this machine's
# slow phases, as every other row's would be); a file rewritten by any of them counts.
noops=()
for k in $(seq 1 "$REPEAT"); do
    t0=$(now)
    archive
    noops+=("$(since "$t0")")
done
NOOP=$(median "${noops[@]}")
REWRITTEN=$(find "$W/arch-$LARGE" -type f -newer "$W/marker" | wc -l)
row "archive over the rendered $LARGE (adds SDKAppID)" "$FIRST s"
row "no-op archive re-run over $LARGE (median)" "$NOOP s (runs ${noops[*]}), $REWRITTEN files rewritten"
fi

# ---------------------------------------------------------------- fetch
if has fetch; then
log "generating $FETCH_N sessions for fetch"
"$GEN" --sessions "$FETCH_N" --messages "$MESSAGES" --seed 2 --out "$W/fetch-recs" >/dev/null
cut -f1 "$W/fetch-recs.tsv" >"$W/fetch-all"
head -n "$FETCH_SLOW_N" "$W/fetch-recs.tsv" | cut -f1 >"$W/fetch-slow"
PAGES_ALL=$(awk -F'\t' '{ s += $3 } END { print s }' "$W/fetch-recs.tsv")
PAGES_SLOW=$(head -n "$FETCH_SLOW_N" "$W/fetch-recs.tsv" | awk -F'\t' '{ s += $3 } END { print s }')
declare -A PPS
fetch_run() { # fetch_run LABEL LIST PAGES ARGS...
    local label=$1 list=$2 pages=$3
    shift 3
    rm -rf "$W/fetched"
    local t0
    t0=$(now)
    "$BIN" -q fetch --no-media --sessions "$list" --out "$W/fetched" --endpoint "$BASE" \
        --sdkappid $SDKAPPID --secret-key $KEY "$@"
    local s
    s=$(since "$t0")
    PPS[$label]=$(calc '%.0f' "$pages / $s")
    row "fetch $label" "${PPS[$label]} pages/s ($pages pages in $s s)"
}
for latency in 0 20; do
    log "fetch at $latency ms"
    start_fake "$W/fetch-recs" "$latency"
    fetch_run "${latency} ms, defaults (8, 50/s)" "$W/fetch-slow" "$PAGES_SLOW"
    fetch_run "${latency} ms, --concurrency 32 --rate 2000" "$W/fetch-all" "$PAGES_ALL" \
        --concurrency 32 --rate 2000
    if [[ $latency == 0 ]]; then
        fetch_run "0 ms, --concurrency 32 --rate $RATE" "$W/fetch-all" "$PAGES_ALL" \
            --concurrency 32 --rate "$RATE"
    fi
done
fi

# ---------------------------------------------------------------- publish
if has publish; then
command -v moto_server >/dev/null || python3 -m pip install --quiet "moto[server]==5.2.1"
command -v aws >/dev/null || python3 -m pip install --quiet "awscli==1.45.11"
if command -v pyenv >/dev/null; then pyenv rehash; fi
hash -r
MOTO_PORT=$(python3 -c 'import socket; s = socket.socket(); s.bind(("127.0.0.1", 0)); print(s.getsockname()[1])')
moto_server -H 127.0.0.1 -p "$MOTO_PORT" >"$W/moto.log" 2>&1 &
MOTO_PID=$!
for _ in $(seq 1 300); do
    if (exec 3<>"/dev/tcp/127.0.0.1/$MOTO_PORT") 2>/dev/null; then break; fi
    sleep 0.1
done
export AWS_ACCESS_KEY_ID=bench AWS_SECRET_ACCESS_KEY=bench-secret AWS_DEFAULT_REGION=us-east-1
STORE=http://127.0.0.1:$MOTO_PORT
aws --endpoint-url "$STORE" s3 mb s3://bench-publish >/dev/null
aws --endpoint-url "$STORE" s3 mb s3://bench-sync >/dev/null
SITE=$W/arch-$LARGE/data
OBJECTS=$(find "$SITE" -type f | wc -l)
BYTES=$(find "$SITE" -type f -printf '%s\n' | awk '{ s += $1 } END { print s }')
MB=$(calc '%.1f' "$BYTES / 1000000")
log "publish $LARGE ($OBJECTS objects, $MB MB) to moto"
t0=$(now)
"$BIN" -q publish "$W/arch-$LARGE" --to s3://bench-publish/site --store-endpoint "$STORE"
PUB=$(since "$t0")
t0=$(now)
"$BIN" -q publish "$W/arch-$LARGE" --to s3://bench-publish/site --store-endpoint "$STORE"
PUB_NOOP=$(since "$t0")
log "aws s3 sync $LARGE to moto (baseline)"
t0=$(now)
aws --endpoint-url "$STORE" s3 sync "$SITE" s3://bench-sync/site --only-show-errors
SYNC=$(since "$t0")
t0=$(now)
aws --endpoint-url "$STORE" s3 sync "$SITE" s3://bench-sync/site --only-show-errors
SYNC_NOOP=$(since "$t0")
row "publish $LARGE to moto: first upload" "$PUB s, $(calc '%.1f' "$MB / $PUB") MB/s, $(calc '%.0f' "$OBJECTS / $PUB") objects/s ($OBJECTS objects, $MB MB, --upload-concurrency 16)"
row "aws s3 sync $LARGE to moto (baseline)" "$SYNC s, $(calc '%.1f' "$MB / $SYNC") MB/s, $(calc '%.0f' "$OBJECTS / $SYNC") objects/s (publish/sync $(calc '%.2f' "$PUB / $SYNC")×)"
row "no-op republish of $LARGE" "$PUB_NOOP s (aws s3 sync no-op: $SYNC_NOOP s)"
fi

# ---------------------------------------------------------------- listen
# start_listen ARCHIVE: starts `listen` on loopback ports; sets LISTEN_PID and LISTEN_ADDR.
start_listen() {
    "$BIN" listen --out "$1" --bind 127.0.0.1:0 --admin-bind 127.0.0.1:0 --endpoint "$BASE" \
        --sdkappid $SDKAPPID --secret-key $KEY --settle 0.5 --render-every 5 --no-media \
        --concurrency 16 --rate 500 2>"$W/listen.err" &
    LISTEN_PID=$!
    LISTEN_ADDR=
    for _ in $(seq 1 300); do
        LISTEN_ADDR=$(grep -o 'callbacks on http://127.0.0.1:[0-9]*' "$W/listen.err" 2>/dev/null | sed 's|.*http://||' || true)
        [[ -n $LISTEN_ADDR ]] && break
        sleep 0.1
    done
    [[ -n $LISTEN_ADDR ]] || { log "listen did not start: $(cat "$W/listen.err")"; exit 1; }
}
# load_field NAME FILE → the value after NAME in listen-load's output line
load_field() { awk -v k="$1" '{ for (i = 1; i < NF; i++) if ($i == k) print $(i + 1) }' "$2"; }
if has listen; then
log "listen: generating 2000 sessions"
"$GEN" --sessions 2000 --messages 20 --seed 3 --out "$W/listen-recs" >/dev/null
cut -f1 "$W/listen-recs.tsv" >"$W/listen-ids"
start_fake "$W/listen-recs" 5
start_listen "$W/listen-arch"
log "listen: $LISTEN_CONNECTIONS connections for $LISTEN_SECONDS s"
"$LOAD" --addr "$LISTEN_ADDR" --sdkappid $SDKAPPID --sessions-file "$W/listen-ids" \
    --connections "$LISTEN_CONNECTIONS" --duration "$LISTEN_SECONDS" >"$W/load.out"
FETCHED=$(grep -c '^desk-archive: fetched' "$W/listen.err" || true)
RENDERS=$(grep -c '^desk-archive: rendered' "$W/listen.err" || true)
kill -TERM "$LISTEN_PID"; wait "$LISTEN_PID" || true
L_RATE=$(load_field events_per_second "$W/load.out")
L_P50=$(load_field p50_ms "$W/load.out")
L_P99=$(load_field p99_ms "$W/load.out")
L_OTHER=$(load_field other "$W/load.out")
row "listen: accepted events/s while fetching" "$L_RATE events/s, p50 $L_P50 ms, p99 $L_P99 ms ($LISTEN_CONNECTIONS connections, $L_OTHER not 200; $FETCHED fetch batches, $RENDERS renders meanwhile)"
log "listen: kill -9 under load"
rm -rf "$W/listen-kill"
start_listen "$W/listen-kill"
"$LOAD" --addr "$LISTEN_ADDR" --sdkappid $SDKAPPID --sessions-file "$W/listen-ids" \
    --connections "$LISTEN_CONNECTIONS" --duration 6 --answered "$W/answered.tsv" >"$W/load-kill.out" &
LOAD_PID=$!
sleep 3
kill -9 "$LISTEN_PID"; wait "$LISTEN_PID" 2>/dev/null || true
wait "$LOAD_PID"
"$BIN" -q render --out "$W/listen-kill"
LOST=$(python3 - "$W/answered.tsv" "$W/listen-kill/data/coverage.json" <<'PY'
import collections, json, sys
answered = collections.Counter(line.split("\t")[0] for line in open(sys.argv[1]) if line.strip())
sessions = {e["session_id"]: e for e in json.load(open(sys.argv[2]))["sessions"]}
print(sum(max(0, n - sessions.get(s, {}).get("message_events", 0)) for s, n in answered.items()))
PY
)
ANSWERED=$(wc -l <"$W/answered.tsv")
row "listen: events lost across kill -9" "$LOST of $ANSWERED answered 200"
fi
# ---------------------------------------------------------------- lifecycle
# On a copy of the largest archive (the parts above keep theirs): `erase` of one session,
# then of 100 from a file (records go; index, stats and agent pages are rebuilt; the bag is
# written again), with the files the first one rewrote; and a `prune --dry-run` that finds
# nothing to erase (every record read for its last message's time). The copy has no stat
# cache (it is keyed by the archive's path), so the first erase also re-hashes every file
# once, as any first writing command on a copied archive does; the second shows erase alone.
if has lifecycle; then
    log "erase and prune on a copy of the $LARGE-session archive"
    LIFE=$W/life-$LARGE
    rm -rf "$LIFE"
    cp -r "$W/arch-$LARGE" "$LIFE"
    awk -F'\t' 'NR == 1 { print $1 }' "$W/recs-$LARGE.tsv" >"$W/erase-1"
    awk -F'\t' 'NR > 1 && NR <= 101 { print $1 }' "$W/recs-$LARGE.tsv" >"$W/erase-100"
    sleep 1.1 # as for the no-op re-run: anything rewritten is newer than the marker
    touch "$W/marker-life"
    sleep 0.05
    t0=$(now)
    "$BIN" -q erase "$LIFE" --sessions "$W/erase-1" --reason bench
    ERASE1=$(since "$t0")
    ERASE1_FILES=$(find "$LIFE" -type f -newer "$W/marker-life" | wc -l)
    t0=$(now)
    "$BIN" -q erase "$LIFE" --sessions "$W/erase-100" --reason bench
    ERASE100=$(since "$t0")
    t0=$(now)
    "$BIN" -q prune "$LIFE" --retention-days 36500 --dry-run >/dev/null
    PRUNE=$(since "$t0")
    row "erase 1 session of $LARGE" "$ERASE1 s, $ERASE1_FILES files written"
    row "erase 100 sessions of $LARGE (--sessions FILE)" "$ERASE100 s"
    row "prune --dry-run over $LARGE (nothing expired)" "$PRUNE s"
fi

# ---------------------------------------------------------------- peers: tg-archive
# tg-archive (PyPI, 1.3.1) builds a static site of one Telegram chat from its SQLite file: the
# closest peer that publishes a chat archive as static pages. bench/to-tg-archive.py puts the
# same generated records into its database (one timeline of every session's messages; see
# that script), then tg-archive's --build and our render take turns on the same records.
# Both are timed from the command's start to its end, Python's start included; CPU (user +
# sys) is shown beside the wall time since desk-archive uses both cores and tg-archive one.
cpu_of() { tail -1 "$1" | awk '{ printf "%.2f", $(NF - 1) + $NF }'; } # /usr/bin/time -f '%e %U %S'
PEERS_N=${BENCH_PEERS_SESSIONS:-1000}
PEERS_SPEED='' PEERS_DETAIL=''
peers() {
    local venv=$W/tg-venv site=$W/tg-site recs=$W/recs-$PEERS_N
    log "peers: installing tg-archive 1.3.1 into a virtual environment"
    # tg-archive's build.py imports pkg_resources, which setuptools 81 and later no longer
    # ship (and a new venv may hold any setuptools), so an older one is installed beside it.
    if ! { python3 -m venv "$venv" && "$venv/bin/pip" install --quiet "tg-archive==1.3.1" "setuptools<81" &&
        "$venv/bin/python" -W ignore -c 'import tgarchive.build'; } >"$W/tg-install.log" 2>&1; then
        log "peers: tg-archive could not be installed, part skipped: $(tail -3 "$W/tg-install.log" | tr '\n' ' ')"
        row "peers: tg-archive 1.3.1" "not installed (see the log), part skipped"
        return 0
    fi
    if [[ ! -d $recs ]]; then
        log "peers: generating $PEERS_N sessions × ~$MESSAGES messages"
        "$GEN" --sessions "$PEERS_N" --messages "$MESSAGES" --seed 1 --out "$recs" >/dev/null
    fi
    local msgs converted
    msgs=$(awk -F'\t' '{ s += $2 } END { print s + 0 }' "$recs.tsv")
    rm -rf "$site"
    "$venv/bin/tg-archive" --new --path "$site" 2>>"$W/tg-install.log"
    log "peers: converting $PEERS_N records into tg-archive's data.sqlite"
    converted=$("$venv/bin/python" "$ROOT/bench/to-tg-archive.py" "$recs" "$site/data.sqlite" | awk '{ print $1 }')
    local tgs=() tg_cpus=() desks=() desk_cpus=() plains=() plain_cpus=() k t0 out
    for k in $(seq 1 "$REPEAT"); do
        # The site skeleton's config.yaml as --new writes it (per_page 500, RSS feed on), with
        # a group name and a new output folder for each run (--build empties it first anyway).
        sed -e 's|^group: .*|group: "desk-archive-bench"|' -e "s|^publish_dir: .*|publish_dir: \"$W/tg-out-$k\"|" \
            "$site/config.yaml" >"$site/config-$k.yaml"
        log "peers: tg-archive --build (run $k of $REPEAT)"
        sync
        t0=$(now)
        if ! (cd "$site" && /usr/bin/time -f '%e %U %S' -o "$W/tg-time-$k" "$venv/bin/tg-archive" --build \
            -c "config-$k.yaml" 2>"$W/tg-build-$k.log"); then
            log "peers: tg-archive --build failed: $(tail -3 "$W/tg-build-$k.log" | tr '\n' ' ')"
            row "peers: tg-archive --build" "failed (see the log)"
            PEERS_SPEED="0 >= 1" PEERS_DETAIL="tg-archive --build failed"
            return 0
        fi
        tgs+=("$(since "$t0")") tg_cpus+=("$(cpu_of "$W/tg-time-$k")")
        log "peers: desk-archive render (run $k of $REPEAT)"
        out=$W/peer-arch-$k
        sync
        t0=$(now)
        /usr/bin/time -f '%e %U %S' -o "$W/peer-time-$k" "$BIN" -q render --records "$recs" --out "$out"
        desks+=("$(since "$t0")") desk_cpus+=("$(cpu_of "$W/peer-time-$k")")
        log "peers: desk-archive render --no-search (run $k of $REPEAT)"
        out=$W/peer-plain-$k
        sync
        t0=$(now)
        /usr/bin/time -f '%e %U %S' -o "$W/peer-plain-time-$k" "$BIN" -q render --records "$recs" --out "$out" --no-search
        plains+=("$(since "$t0")") plain_cpus+=("$(cpu_of "$W/peer-plain-time-$k")")
    done
    # Honesty check: every converted message must be on tg-archive's pages. Each one is an
    # `<li class="message type-…" id="N">` on the page of its month (see its template.html);
    # index.html is a copy of the last page and is left out. Distinct ids are counted too.
    local pages shown distinct
    pages=$(find "$W/tg-out-1" -maxdepth 1 -name '*.html' ! -name index.html | wc -l)
    shown=$(find "$W/tg-out-1" -maxdepth 1 -name '*.html' ! -name index.html -exec cat {} + |
        grep -o '<li class="message type-[^"]*" id="[0-9]*"' | wc -l || true)
    distinct=$(find "$W/tg-out-1" -maxdepth 1 -name '*.html' ! -name index.html -exec cat {} + |
        grep -o '<li class="message type-[^"]*" id="[0-9]*"' | sort -u | wc -l || true)
    local complete=1 held="its $pages pages hold all $converted messages"
    if [[ $converted != "$msgs" || $shown != "$converted" || $distinct != "$converted" ]]; then
        complete=0
        held="NOT ALL MESSAGES: $msgs in the records, $converted converted, $shown on its $pages pages ($distinct distinct)"
    fi
    local tg tg_cpu desk desk_cpu plain plain_cpu
    tg=$(median "${tgs[@]}") tg_cpu=$(median "${tg_cpus[@]}")
    desk=$(median "${desks[@]}") desk_cpu=$(median "${desk_cpus[@]}")
    plain=$(median "${plains[@]}") plain_cpu=$(median "${plain_cpus[@]}")
    row "peers: tg-archive --build $PEERS_N (median)" "$tg s, CPU $tg_cpu s (runs ${tgs[*]}; tg-archive 1.3.1, per_page 500); $held"
    row "peers: desk-archive render $PEERS_N (median)" "$desk s, CPU $desk_cpu s (runs ${desks[*]}); tg-archive/desk-archive $(calc '%.1f' "$tg / $desk")× wall, $(calc '%.1f' "$tg_cpu / $desk_cpu")× CPU"
    row "peers: render $PEERS_N --no-search (median)" "$plain s, CPU $plain_cpu s (runs ${plains[*]}); tg-archive/desk-archive $(calc '%.1f' "$tg / $plain")× wall, $(calc '%.1f' "$tg_cpu / $plain_cpu")× CPU"
    PEERS_SPEED="$complete == 1 && $tg >= 10 * $desk"
    PEERS_DETAIL="$(calc '%.1f' "$tg / $desk")× ($tg s vs $desk s)"
    [[ $complete == 1 ]] || PEERS_DETAIL="$PEERS_DETAIL; tg-archive did not show every message"
    # Removed here, not at the end: the parts after this one create no files on this disk.
    rm -rf "$W"/tg-out-* "$W"/peer-arch-* "$W"/peer-plain-*
}
if has peers; then peers; fi

# ---------------------------------------------------------------- floor: the hashing floor
# A render must hash every byte it writes twice (the bag's SHA-256 and SHA-512 manifests);
# at OpenSSL's single-core speed that is its floor: bytes / sha256 + bytes / sha512. The
# render runs into /dev/shm so that the disk adds nothing, and its processor time (user + sys,
# all threads) is compared with that floor. Then `verify` of the largest archive against
# `sha256sum -c` of its manifest in the bag's folder (both from the page cache, one warm-up
# each, taking turns).
FLOOR_N=${BENCH_FLOOR_SESSIONS:-4000}
FLOOR_RATIO=
floor() {
    log "floor: openssl speed sha256 sha512 (65536-byte blocks)"
    openssl speed -bytes 65536 -seconds 1 sha256 sha512 >"$W/openssl.txt" 2>/dev/null
    # "The 'numbers' are in 1000s of bytes per second processed": `sha256  1816538.76k`.
    local s256 s512
    s256=$(awk '$1 == "sha256" && $2 ~ /k$/ { print $2 * 1000 }' "$W/openssl.txt")
    s512=$(awk '$1 == "sha512" && $2 ~ /k$/ { print $2 * 1000 }' "$W/openssl.txt")
    if [[ -z $s256 || -z $s512 ]]; then
        log "floor: no figures from openssl speed, part skipped: $(cat "$W/openssl.txt")"
        row "floor: openssl speed sha256 sha512" "no figures, part skipped"
        return 0
    fi
    row "floor: openssl speed, 64 KiB blocks, 1 core" "sha256 $(calc '%.0f' "$s256 / 1e6") MB/s, sha512 $(calc '%.0f' "$s512 / 1e6") MB/s"
    local recs=$W/recs-$FLOOR_N
    if [[ ! -d $recs ]]; then
        log "floor: generating $FLOOR_N sessions × ~$MESSAGES messages"
        "$GEN" --sessions "$FLOOR_N" --messages "$MESSAGES" --seed 1 --out "$recs" >/dev/null
    fi
    FLOOR_SHM=$(mktemp -d /dev/shm/desk-floor.XXXXXX)
    local cpus=() plain_cpus=() bytes=0 plain_bytes=0 k out=$FLOOR_SHM/arch
    for k in $(seq 1 "$REPEAT"); do
        log "floor: render $FLOOR_N into /dev/shm (run $k of $REPEAT)"
        /usr/bin/time -f '%e %U %S' -o "$W/floor-time" "$BIN" -q render --records "$recs" --out "$out"
        cpus+=("$(cpu_of "$W/floor-time")")
        bytes=$(du -sb "$out" | cut -f1)
        rm -rf "$out"
        log "floor: render $FLOOR_N --no-search into /dev/shm (run $k of $REPEAT)"
        /usr/bin/time -f '%e %U %S' -o "$W/floor-time" "$BIN" -q render --records "$recs" --out "$out" --no-search
        plain_cpus+=("$(cpu_of "$W/floor-time")")
        plain_bytes=$(du -sb "$out" | cut -f1)
        rm -rf "$out"
    done
    # One more render with -v: which step takes how long, in the log.
    "$BIN" -v render --records "$recs" --out "$out" 2>"$W/floor-v.log" >/dev/null
    # What creating these files costs with no rendering at all: bench/write_floor.py writes
    # the archive's files again from memory, each to a temporary name then renamed, as the
    # render must (median of BENCH_REPEAT). Hashing floor + writes is the part of any
    # budget that no render, however fast its parsing, pages and index, can spend elsewhere.
    local writes=() write_cpu
    for k in $(seq 1 "$REPEAT"); do
        writes+=("$(python3 "$ROOT/bench/write_floor.py" "$out" "$out.copy")")
        rm -rf "$out.copy"
    done
    write_cpu=$(median "${writes[@]}")
    rm -rf "$out"
    log "floor: steps of one \`render -v\` of $FLOOR_N, wall time (a step with sub-steps includes them):"
    sed -n 's/^desk-archive: debug: \(.*\): \([0-9.]*\) s, peak \(.*\)$/\1\t\2\t\3/p' "$W/floor-v.log" |
        while IFS=$'\t' read -r step secs peak; do log "    $(printf '%-28s %8s s  (peak %s)' "$step" "$secs" "$peak")"; done
    local cpu plain_cpu floor_s plain_floor
    cpu=$(median "${cpus[@]}") plain_cpu=$(median "${plain_cpus[@]}")
    floor_s=$(calc '%.3f' "$bytes / $s256 + $bytes / $s512")
    plain_floor=$(calc '%.3f' "$plain_bytes / $s256 + $plain_bytes / $s512")
    FLOOR_RATIO=$(calc '%.2f' "$cpu / $floor_s")
    row "floor: render $FLOOR_N in /dev/shm: CPU (median)" "$cpu s user+sys for $(calc '%.0f' "$bytes / 1e6") MB; floor $floor_s s; CPU/floor $FLOOR_RATIO× (runs ${cpus[*]})"
    row "floor: render $FLOOR_N --no-search: CPU (median)" "$plain_cpu s for $(calc '%.0f' "$plain_bytes / 1e6") MB; floor $plain_floor s; CPU/floor $(calc '%.2f' "$plain_cpu / $plain_floor")× (runs ${plain_cpus[*]})"
    row "floor: writing that archive's files from memory (median)" "$write_cpu s CPU (bench/write_floor.py, temporary name + rename; runs ${writes[*]}) = $(calc '%.2f' "$write_cpu / $floor_s")× floor; floor + writes = $(calc '%.2f' "($floor_s + $write_cpu) / $floor_s")×, leaving $(calc '%.2f' "2.5 * $floor_s - $floor_s - $write_cpu") s of the 2.5× budget for reading, parsing, pages, index and stats"
    rm -rf "$FLOOR_SHM"

    # The render part above always writes the largest size's archive.
    local dir=$W/arch-$LARGE verifies=() sums=() payload
    log "floor: verify against sha256sum -c on the $LARGE-session archive"
    "$BIN" -q verify "$dir" >/dev/null
    (cd "$dir" && sha256sum --quiet -c manifest-sha256.txt) >/dev/null
    for k in $(seq 1 "$REPEAT"); do
        t0=$(now)
        "$BIN" -q verify "$dir" >/dev/null
        verifies+=("$(since "$t0")")
        t0=$(now)
        (cd "$dir" && sha256sum --quiet -c manifest-sha256.txt) >/dev/null
        sums+=("$(since "$t0")")
    done
    VERIFY=$(median "${verifies[@]}") SHA256SUM=$(median "${sums[@]}")
    payload=$(du -sb "$dir/data" | cut -f1)
    row "floor: verify $LARGE (median)" "$VERIFY s (runs ${verifies[*]}); $(calc '%.0f' "$payload / 1e6") MB of payload"
    row "floor: sha256sum -c of its manifest (median)" "$SHA256SUM s (runs ${sums[*]}; verify/sha256sum $(calc '%.2f' "$VERIFY / $SHA256SUM")×)"
}
if has floor; then floor; fi

if has share; then share_export; fi

# ---------------------------------------------------------------- verdicts
verdict "render $LARGE ≤ 3× cp -r" "${RENDER[$LARGE]} <= 3 * ${COPY[$LARGE]}" \
    "$(calc '%.1f' "${RENDER[$LARGE]} / ${COPY[$LARGE]}")×"
rss_limit=$(calc '%.0f' "1.2 * ${RSS[$SMALL]} + ($LARGE - $SMALL)")
verdict "peak RSS $LARGE ≤ 1.2 × RSS $SMALL + 1 KB/session" "${RSS[$LARGE]} <= $rss_limit" \
    "${RSS[$LARGE]} KB vs limit $rss_limit KB"
verdict "search index adds ≤ 25 % to render $LARGE" "${RENDER[$LARGE]} <= 1.25 * ${PLAIN[$LARGE]}" \
    "$(calc '%.0f' "100 * (${RENDER[$LARGE]} - ${PLAIN[$LARGE]}) / ${PLAIN[$LARGE]}") %"
verdict "search index adds ≤ 20 % files at $LARGE" "${FILES[$LARGE]} <= 1.2 * ${PLAIN_FILES[$LARGE]}" \
    "${FILES[$LARGE]} vs ${PLAIN_FILES[$LARGE]}"
if [[ -n $QUERY_MAX ]]; then
    verdict "site search: one query fetches ≤ 2 MB of index" "$QUERY_MAX <= 2097152" \
        "$(calc '%.2f' "$QUERY_MAX / 1048576") MB"
fi
if [[ -n $INDEX_MAX ]]; then
    verdict "index sorts/filters $INDEX_N sessions ≤ 200 ms" "$INDEX_MAX <= 200" "$INDEX_MAX ms"
fi
if has fetch; then
    fast=${PPS["20 ms, --concurrency 32 --rate 2000"]}
    verdict "fetch 20 ms, 32/2000 ≥ 1440 pages/s" "$fast >= 1440" "$fast pages/s"
    held=${PPS["0 ms, --concurrency 32 --rate $RATE"]}
    verdict "--rate $RATE held within 5 %" "$held >= 0.95 * $RATE && $held <= 1.05 * $RATE" \
        "$held pages/s"
fi
if has noop; then
    verdict "no-op re-run < 1 s" "$NOOP < 1" "$NOOP s"
    verdict "no-op re-run rewrites no file" "$REWRITTEN == 0" "$REWRITTEN files"
fi
if has listen; then
    verdict "listen ≥ 2000 accepted events/s" "$L_RATE >= 2000" "$L_RATE events/s"
    verdict "listen p99 ≤ 50 ms" "$L_P99 <= 50" "$L_P99 ms"
    verdict "listen loses no event across kill -9" "$LOST == 0" "$LOST lost of $ANSWERED"
fi
if has publish; then
    verdict "no-op republish of $LARGE < 2 s" "$PUB_NOOP < 2" "$PUB_NOOP s"
fi
if [[ -n $PEERS_SPEED ]]; then
    verdict "peers: render $PEERS_N ≥ 10× faster than tg-archive --build" "$PEERS_SPEED" "$PEERS_DETAIL"
fi
if [[ -n $FLOOR_RATIO ]]; then
    verdict "floor: render $FLOOR_N CPU ≤ 2.5× the hashing floor" "$FLOOR_RATIO <= 2.5" "$FLOOR_RATIO×"
    verdict "floor: verify $LARGE no slower than sha256sum -c" "$VERIFY <= $SHA256SUM" \
        "$(calc '%.2f' "$VERIFY / $SHA256SUM")×"
fi
if has search; then
    verdict "search $LARGE ≤ 2× rg -F -c" "$SEARCH <= 2 * $RG" "$(calc '%.1f' "$SEARCH / $RG")×"
fi

print_table
