#!/bin/bash
# The ring's instructions per frame (64 B, 1500 B, 64 KiB) under callgrind
# against the committed ringbuf/insn-baseline.txt: a count that grew by
# more than 10% fails, one that fell by more than 10% passes with a note.
# Instruction counts repeat exactly run after run, so unlike wall-clock
# benchmarks on this shared machine this can be a test. Both the total and
# the ring's own code (ntbring_*, without the libc memcpy it calls) are
# held to the baseline; when glibc picked another memcpy than the
# baseline's (another CPU), the total is shown but only the ring's own
# count can fail. RING_INSN_BASELINE=<file> compares with another file.
set -eu
ROOT=$(cd "$(dirname "$0")/../.." && pwd)
BASE=${RING_INSN_BASELINE:-$ROOT/ringbuf/insn-baseline.txt}
LIMIT=1.10
UPDATE="make bench-ring-baseline, then commit ringbuf/insn-baseline.txt in the same commit as the change that explains it"

if ! command -v valgrind >/dev/null; then
	echo "valgrind is missing (userspace/install-deps installs it)"
	exit 77
fi
[ -r "$BASE" ] || { echo "FAIL: no baseline $BASE: $UPDATE"; exit 1; }
out=$(mktemp)
trap 'rm -f "$out"' EXIT
make -s -C "$ROOT" --no-print-directory bench-ring-insn >"$out" ||
	{ cat "$out"; echo "FAIL: make bench-ring-insn"; exit 1; }
cat "$out"
echo "baseline: $BASE"

# What built and ran the baseline vs this run: a difference is said, and
# the comparison still made (the counts are then less comparable).
memcpy_same=1
for key in compiler flags glibc valgrind memcpy; do
	b=$(sed -n "s/^# $key: //p" "$BASE")
	m=$(sed -n "s/^# $key: //p" "$out")
	if [ "$b" != "$m" ]; then
		echo "note: $key differs from the baseline's: '$m' here, '$b' there"
		[ $key != memcpy ] || memcpy_same=0
	fi
done
[ $memcpy_same = 1 ] ||
	echo "note: another memcpy: the total is shown but not held to the baseline, the ring's own count is"

awk -v limit="$LIMIT" -v hold_total="$memcpy_same" -v update="$UPDATE" '
	FNR == 1 { file++ }
	/^#/ || $1 == "frame" || NF < 5 { next }
	file == 1 { bt[$1] = $4; br[$1] = $5; order[++n] = $1; next }
	{ mt[$1] = $4; mr[$1] = $5 }
	function cmp(size, what, m, b, held,   r, verdict) {
		r = m / b
		verdict = "ok"
		if (r > limit) {
			verdict = held ? "GREW" : "grew (not held: other memcpy)"
			if (held)
				fails = fails sprintf("FAIL: %s B frames: %s %.1f instructions per frame, baseline %.1f: ratio %.3f > %.2f\n",
					size, what, m, b, r, limit)
		} else if (r < 2 - limit) {
			verdict = "fell"
			notes = notes sprintf("note: %s B frames: %s %.1f instructions per frame, baseline %.1f: ratio %.3f, more than %d%% fewer: consider updating the baseline (%s)\n",
				size, what, m, b, r, (limit - 1) * 100 + 0.5, update)
		}
		printf "%8s %6s %12.1f %12.1f %7.3f  %s\n", size, what, m, b, r, verdict
	}
	END {
		printf "%8s %6s %12s %12s %7s\n", "frame B", "count", "measured", "baseline", "ratio"
		if (!n) { print "FAIL: no counts in the baseline"; exit 1 }
		for (i = 1; i <= n; i++) {
			s = order[i]
			if (!(s in mt)) { fails = fails "FAIL: no measurement for " s " B frames\n"; continue }
			cmp(s, "total", mt[s], bt[s], hold_total)
			cmp(s, "ring", mr[s], br[s], 1)
		}
		printf "%s", notes
		if (fails != "") {
			printf "%s", fails
			print "FAIL: the ring costs more than " limit "x the baseline instructions per frame. Intended? " update "."
			exit 1
		}
		print "ring instructions per frame within " limit "x of the baseline"
	}' "$BASE" "$out"
