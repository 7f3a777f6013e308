#!/bin/bash
# userspace/ntbnet-sweep on a veth pair between two network namespaces (no
# lab): a short TCP+UDP sweep writes a well-formed CSV, JSON and PNG that
# agree, a --merge of two JSON files draws a PNG too, and an unreachable
# server fails fast with a message. Needs root, iperf3 and gnuplot.
# pipefail: the sweep's exit status counts, not tee's.
set -eu -o pipefail
cd "$(dirname "$0")/../.."
ROOT=$PWD
[ "$(id -u)" -eq 0 ] || { echo "needs root (network namespaces)"; exit 77; }
command -v iperf3 >/dev/null || { echo "iperf3 not installed"; exit 77; }
command -v gnuplot >/dev/null || { echo "gnuplot not installed"; exit 77; }
command -v ip >/dev/null || { echo "iproute2 not installed"; exit 77; }

CNS=sweepc$$ SNS=sweeps$$
TMP=$(mktemp -d "${TMPDIR:-/tmp}/ntbnet-sweep-test.XXXXXX")
cleanup() {
	# SWEEP_TEST_KEEP=DIR keeps the outputs (to look at the PNGs).
	[ -n "${SWEEP_TEST_KEEP:-}" ] && mkdir -p "$SWEEP_TEST_KEEP" && cp -r "$TMP"/a "$TMP"/b "$TMP"/m "$SWEEP_TEST_KEEP"/ 2>/dev/null
	[ -f "$TMP/iperf3.pid" ] && kill "$(cat "$TMP/iperf3.pid")" 2>/dev/null
	ip netns del "$CNS" 2>/dev/null
	ip netns del "$SNS" 2>/dev/null
	rm -rf "$TMP"
	true
}
trap cleanup EXIT
fail() { echo "FAIL: $*"; exit 1; }

ip netns add "$CNS" || { echo "cannot create network namespaces here"; exit 77; }
ip netns add "$SNS"
ip link add "swc$$" netns "$CNS" type veth peer name "sws$$" netns "$SNS"
ip -n "$CNS" addr add 198.18.7.1/24 dev "swc$$"
ip -n "$SNS" addr add 198.18.7.2/24 dev "sws$$"
for ns in "$CNS" "$SNS"; do ip -n "$ns" link set lo up; done
ip -n "$CNS" link set "swc$$" up
ip -n "$SNS" link set "sws$$" up
ip netns exec "$SNS" iperf3 -s -D -I "$TMP/iperf3.pid" >/dev/null 2>&1
for _ in $(seq 50); do
	ip netns exec "$SNS" ss -Hltn 'sport = :5201' | grep -q LISTEN && break
	sleep 0.1
done
ip netns exec "$SNS" ss -Hltn 'sport = :5201' | grep -q LISTEN || fail "iperf3 server not listening"

SWEEP=$ROOT/userspace/ntbnet-sweep
# TCP at 8K, 32K, 128K; UDP at 8K and 32K (128K is above the datagram limit).
start=$(date +%s)
timeout 45 "$SWEEP" --netns "$CNS:198.18.7.2" --label veth --proto tcp,udp -b 200M \
	--sizes 8K,32K,128K -t 1 --runs 2 --ceiling 5 --out "$TMP/a" 2>"$TMP/a.err" | tee "$TMP/a.out" \
	|| { cat "$TMP/a.err"; fail "sweep exited non-zero"; }
cat "$TMP/a.err"
echo "sweep took $(( $(date +%s) - start )) s"
grep -q '^\[5/5\] UDP P=1 32 KiB run 2/2' "$TMP/a.err" || fail "no progress lines 'point i of n'"
grep -q 'skipping 128 KiB' "$TMP/a.err" || fail "UDP above 65507 bytes not reported as skipped"

check_png() {
	[ -f "$1" ] || fail "$1 missing"
	sig=$(head -c 8 "$1" | od -An -tx1 | tr -d ' \n')
	[ "$sig" = 89504e470d0a1a0a ] || fail "$1 has no PNG signature ($sig)"
	[ "$(stat -c %s "$1")" -gt 10000 ] || fail "$1 is only $(stat -c %s "$1") bytes"
	echo "ok: $1 is a PNG of $(stat -c %s "$1") bytes"
}

python3 - "$TMP/a/sweep.csv" "$TMP/a/sweep.json" <<'PY'
import csv, json, sys
def check(cond, what):
    if not cond:
        print("FAIL:", what); sys.exit(1)
    print("ok:", what)
rows = list(csv.DictReader(open(sys.argv[1])))
hdr = open(sys.argv[1]).readline().strip().split(",")
check(hdr == ["label", "proto", "streams", "buffer_bytes", "runs", "median_gbits",
              "min_gbits", "max_gbits", "loss_pct"], "CSV header %s" % hdr)
want = [("tcp", 8192), ("tcp", 32768), ("tcp", 131072), ("udp", 8192), ("udp", 32768)]
check([(r["proto"], int(r["buffer_bytes"])) for r in rows] == want, "one CSV row per point")
for r in rows:
    med, lo, hi = float(r["median_gbits"]), float(r["min_gbits"]), float(r["max_gbits"])
    check(r["label"] == "veth" and r["streams"] == "1" and r["runs"] == "2",
          "row %s %s: label, streams, runs" % (r["proto"], r["buffer_bytes"]))
    check(0 < lo <= med <= hi, "row %s %s: 0 < min <= median <= max (%s)"
          % (r["proto"], r["buffer_bytes"], [lo, med, hi]))
    if r["proto"] == "udp":
        check(0 <= float(r["loss_pct"]) <= 100, "UDP row has a loss %% (%s)" % r["loss_pct"])
        check(med < 0.25, "UDP rate bounded by -b 200M (%s Gbit/s)" % med)
    else:
        check(r["loss_pct"] == "", "TCP row has no loss")
d = json.load(open(sys.argv[2]))
pts = d["points"]
check(d["ceiling_gbits"] == 5 and d["tool"] == "ntbnet-sweep", "JSON header fields")
check(len(pts) == len(rows), "JSON has as many points as the CSV")
for p, r in zip(pts, rows):
    for k in ("label", "proto", "streams", "buffer_bytes", "runs"):
        check(str(p[k]) == r[k], "JSON %s matches CSV (%s)" % (k, p[k]))
    for k in ("median_gbits", "min_gbits", "max_gbits"):
        check(abs(p[k] - float(r[k])) < 1e-9, "JSON %s matches CSV" % k)
    check(len(p["samples_gbits"]) == 2 and
          abs(sorted(p["samples_gbits"])[0] - p["min_gbits"]) < 1e-9, "JSON samples agree")
PY
check_png "$TMP/a/sweep.png"
grep -q 'logscale x 2' "$TMP/a/sweep.gp" || fail "x axis not log2"
grep -q '"128 KiB" 131072' "$TMP/a/sweep.gp" || fail "x tics not labelled in KiB"
grep -q 'link ceiling 5 Gbit/s' "$TMP/a/sweep.gp" || fail "no ceiling line"

# A second, smaller run under another label, then both in one plot.
timeout 30 "$SWEEP" --netns "$CNS:198.18.7.2" --label veth-P2 -P 2 --sizes 16K,64K \
	-t 1 --runs 2 --out "$TMP/b" >/dev/null 2>"$TMP/b.err" || { cat "$TMP/b.err"; fail "second sweep"; }
timeout 30 "$SWEEP" --merge "$TMP/a/sweep.json" "$TMP/b/sweep.json" --out "$TMP/m" \
	|| fail "merge exited non-zero"
check_png "$TMP/m/sweep.png"
[ "$(($(wc -l <"$TMP/m/sweep.csv") - 1))" -eq 7 ] || fail "merged CSV should hold 5+2 rows"
grep -q 'title "veth-P2 TCP P=2"' "$TMP/m/sweep.gp" || fail "merged plot lacks the second label's line"
grep -q 'link ceiling 5 Gbit/s' "$TMP/m/sweep.gp" || fail "merged plot lost the ceiling"
echo "ok: --merge of two JSON files draws one PNG"

# Nobody listens at .3: fail fast, with a message, non-zero.
start=$(date +%s)
if timeout 30 "$SWEEP" --netns "$CNS:198.18.7.3" --sizes 8K -t 1 --runs 1 --connect-timeout 2 \
	--out "$TMP/x" 2>"$TMP/x.err"; then
	fail "sweep against nobody succeeded"
fi
cat "$TMP/x.err"
grep -q 'unable to connect' "$TMP/x.err" || fail "no clear message for an unreachable server"
[ $(( $(date +%s) - start )) -le 15 ] || fail "unreachable server took over 15 s to report"
echo "ok: unreachable server fails fast"

# No such namespace: a message, exit status 1.
"$SWEEP" --netns "nosuch$$:198.18.7.2" --sizes 8K --out "$TMP/y" 2>"$TMP/y.err" && fail "bad netns accepted"
grep -q "no network namespace" "$TMP/y.err" || fail "no message for a missing namespace"
echo "ok: missing namespace reported"
echo "PASS"
