#!/usr/bin/env bash
# bench-commands.sh [path/to/pkienroll] [results-dir]
#
# Whole-command timings, side by side on one machine, with hyperfine:
#   - `pkienroll sign` against the engine's openssl flow (scripts/openssl-sign-flow.sh)
#     at index sizes of 0, 2 000 and 100 000 lines: one certificate per process,
#     and an enrollment of BATCH hosts (default 20): one `pkienroll sign --name
#     h01,h02,...` against the flow run once per host, as the engine script is;
#   - `pkienroll request --keyout` against `openssl req -newkey rsa:2048 -nodes`.
# hyperfine's JSON goes to results-dir (default bench-results/), and the table
# of docs/performance.md to results-dir/commands.md. RUNS sets the number of
# runs per command (default 30).
#
# SETTLE=N waits N seconds (default 65, 0 for none) after a sync before
# the first run on an ext4 without a journal (see below).
# ONLY=one runs only the one-certificate-per-process part; SIZES="2000 100000"
# picks the index sizes (default 0 2000 100000); BEFORE=path/to/other/pkienroll
# adds that binary to the same hyperfine run as a third command, for an A/B of
# two builds (its table is then hyperfine's own, not commands.md).
# INTERLEAVE=1 (with ONLY=one) runs the commands one run each in turn, in a
# new random order every round, instead of hyperfine's all runs of one then
# all of the next: on a machine shared with other jobs the load then weighs
# on every command alike. Times are bash's $EPOCHREALTIME around each run;
# results-dir/sign-ROWS-interleaved.tsv holds them, and a table of means and
# medians is printed.
set -euo pipefail

here=$(cd "$(dirname "$0")/.." && pwd)
bin=$(realpath "${1:-$here/bin/pkienroll}")
results=$(realpath -m "${2:-bench-results}")
runs=${RUNS:-30}
batch=${BATCH:-20}
read -r -a sizes <<<"${SIZES:-0 2000 100000}"
only=${ONLY:-}
case $only in "" | one) ;; *) echo "ONLY=$only: want one or nothing" >&2; exit 2 ;; esac
interleave=${INTERLEAVE:-}
if [ -n "$interleave" ] && [ "$only" != one ]; then
	echo "INTERLEAVE=1 needs ONLY=one" >&2
	exit 2
fi
before=${BEFORE:+$(realpath "$BEFORE")}
command -v hyperfine >/dev/null || { echo "hyperfine is not installed: apt-get install -y hyperfine" >&2; exit 1; }
mkdir -p "$results"
work=$(mktemp -d)
trap 'rm -rf "$work"' EXIT

subject="/C=US/O=Example Inc./CN=proxy.example.com"
"$bin" -q ca init --pki-dir "$work/template" --subject "/C=US/O=Example Inc./CN=engine.example.com.81108"
"$bin" -q request --subject "$subject" --keyout "$work/proxy.key" --out "$work/template/requests/proxy.req"
hosts=()
for i in $(seq -w 1 "$batch"); do
	"$bin" -q request --subject "/C=US/O=Example Inc./CN=h$i.example.com" --key "$work/proxy.key" --out "$work/template/requests/h$i.req"
	hosts+=("h$i")
done
names=$(IFS=,; echo "${hosts[*]}")

# fill DIR ROWS: an index of ROWS valid certificates and serial.txt after them,
# from 1001: 1000 is the CA's own (certs/1000.pem).
# Serials are in openssl's form: uppercase hex with an even number of digits.
fill() {
	awk -v rows="$2" '
		function serial(n,  s) { s = sprintf("%X", n); return length(s) % 2 ? "0" s : s }
		BEGIN {
			for (i = 0; i < rows; i++)
				printf "V\t361231235959Z\t\t%s\tunknown\t/C=US/O=Example Inc./CN=host%d.example.com\n", serial(4097 + i), i
			print serial(4097 + rows) > "/dev/stderr"
		}' >"$1/database.txt" 2>"$1/serial.txt"
}

# interleaved TSV TITLE NAME CMD NAME CMD...: RUNS rounds (after 3 warm-up
# rounds) of one run of each command, in a new random order each round,
# each timed with $EPOCHREALTIME; the times (ms) go to TSV, and means,
# medians and how many times faster than the openssl flow each is are
# printed.
interleaved() {
	local tsv=$1 title=$2
	shift 2
	local -a names=() cmds=()
	while [ $# -gt 0 ]; do
		names+=("$1") cmds+=("$2")
		shift 2
	done
	: >"$tsv"
	local round i t0 t1
	for round in $(seq -2 "$runs"); do
		for i in $(seq 0 $((${#names[@]} - 1)) | shuf); do
			t0=$EPOCHREALTIME
			# Split on spaces, run without a shell: every path here is mktemp's.
			${cmds[$i]} >/dev/null 2>&1 || { echo "${names[$i]} failed: ${cmds[$i]}" >&2; exit 1; }
			t1=$EPOCHREALTIME
			[ "$round" -ge 1 ] && printf '%s\t%s\n' "${names[$i]}" "$(awk -v a="$t0" -v b="$t1" 'BEGIN { printf "%.3f", (b - a) * 1000 }')" >>"$tsv"
		done
	done
	echo "$title, $runs interleaved rounds (load: $(cut -d' ' -f1-3 /proc/loadavg)):"
	sort -k1,1 -k2,2n "$tsv" | awk -F'\t' '
		{ v[$1, ++n[$1]] = $2; sum[$1] += $2 }
		END {
			for (k in n) { mean[k] = sum[k] / n[k]; m = n[k]; med[k] = m % 2 ? v[k, (m + 1) / 2] : (v[k, m / 2] + v[k, m / 2 + 1]) / 2 }
			for (k in n) printf "  %-14s mean %7.2f ms  median %7.2f ms  openssl flow / this: means %5.2fx, medians %5.2fx\n", k, mean[k], med[k], mean["openssl-flow"] / mean[k], med["openssl-flow"] / med[k]
		}' | sort
}

# On an ext4 without a journal every file created skips each inode of its
# block group freed in the last 60 s (360 s while its table block is
# unwritten), reading the inode table for each: right after `make bench`'s
# build and Go benchmarks, which free thousands, that was a fifth of a
# `sign`'s CPU. Wait them out, after a sync, as internal/peerbench does
# (docs/performance.md), and telling such a file system the way it does:
# ext2/3/4's statfs magic, and no /proc/fs/jbd2/DEVICE-8 for the device
# (its name from /sys/dev/block/MAJOR:MINOR). SETTLE=0 skips the wait,
# SETTLE=N waits N seconds.
settle=${SETTLE:-65}
if [ "$settle" != 0 ] && [ "$(stat -f -c %t "$work")" = ef53 ] &&
	! [ -e "/proc/fs/jbd2/$(sed -n 's/^DEVNAME=//p' "/sys/dev/block/$(stat -c %Hd:%Ld "$work")/uevent")-8" ]; then
	echo "bench-commands: $work is on an ext4 without a journal: waiting ${settle}s for the inodes deleted before this run to stop slowing creates" >&2
	sync
	sleep "$settle"
fi

for rows in "${sizes[@]}"; do
	ours=$work/ours-$rows theirs=$work/openssl-$rows
	cp -a "$work/template" "$ours"
	fill "$ours" "$rows"
	cp -a "$ours" "$theirs"
	sed "s|@PKI_DIR@|$theirs|g" "$here/testdata/engine/openssl.cnf" >"$theirs/openssl.conf"
	printf '01\n' >"$theirs/crlnumber.txt"
	ab=()
	if [ -n "$before" ]; then
		old=$work/before-$rows
		cp -a "$ours" "$old"
		ab=(-n "before: pkienroll sign ($rows lines)" "$before -q sign --pki-dir $old --name proxy --days 730")
	fi
	if [ -n "$interleave" ]; then
		interleaved "$results/sign-$rows-interleaved.tsv" "$rows lines" \
			"pkienroll" "$bin -q sign --pki-dir $ours --name proxy --days 730" \
			"openssl-flow" "$here/scripts/openssl-sign-flow.sh $theirs proxy 730" \
			${before:+"before" "$before -q sign --pki-dir $old --name proxy --days 730"}
		continue
	fi
	hyperfine --style basic --warmup 3 --runs "$runs" --export-json "$results/sign-$rows.json" \
		-n "pkienroll sign ($rows lines)" "$bin -q sign --pki-dir $ours --name proxy --days 730" \
		-n "openssl flow ($rows lines)" "$here/scripts/openssl-sign-flow.sh $theirs proxy 730" \
		"${ab[@]}"
	[ "$only" = one ] && continue
	hyperfine --style basic --warmup 1 --runs "$runs" --export-json "$results/sign-batch-$rows.json" \
		-n "pkienroll sign, $batch hosts ($rows lines)" "$bin -q sign --pki-dir $ours --name $names --days 730" \
		-n "openssl flow, $batch hosts ($rows lines)" "for n in ${hosts[*]}; do $here/scripts/openssl-sign-flow.sh $theirs \$n 730; done"
done

if [ "$only" = one ]; then
	if [ -z "$before" ] && [ -z "$interleave" ]; then
		summary=()
		for rows in "${sizes[@]}"; do summary+=("$results/sign-$rows.json"); done
		(cd "$here" && go run ./internal/benchsummary "${summary[@]}") | tee "$results/commands.md"
	fi
	echo "results in $results"
	exit 0
fi
cd "$work"
hyperfine --style basic --warmup 3 --runs "$runs" --export-json "$results/request.json" \
	--prepare 'rm -f k.key r.req' \
	-n "pkienroll request --keyout" "$bin -q request --subject '$subject' --keyout k.key --out r.req" \
	-n "openssl req -newkey rsa:2048 -nodes" "openssl req -new -newkey rsa:2048 -nodes -keyout k.key -out r.req -subj '$subject' 2>/dev/null"
cd "$here"
summary=()
for rows in "${sizes[@]}"; do
	summary+=("$results/sign-$rows.json" "$results/sign-batch-$rows.json:$batch")
done
go run ./internal/benchsummary "${summary[@]}" "$results/request.json" | tee "$results/commands.md"
echo "results in $results"
