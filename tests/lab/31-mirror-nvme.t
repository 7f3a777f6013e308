#!/bin/bash
# NVMe/TCP mirroring over ntbnet (userspace/ntbnet-mirror --transport nvme)
# on the pair topology: an nvmet-tcp target on b exporting b's RAM disk on
# b's ntb0 address, a connected to it, md RAID1 on a of a's RAM disk and
# the remote namespace (write-mostly, internal bitmap). fio writes with
# verification on a; the check (md check: mismatch_cnt 0; sha256 of both
# legs' data areas, each read on its own node) must pass, and must catch a
# divergence made behind md's back. Then b crashes during verified random
# writes: fio on a goes on without an error, b boots, the leg comes back
# (a full recovery: b's RAM disk is blank) and the check passes; the NTB
# link down for 15 s: the leg comes back by --re-add (bitmap). A setup
# that fails half way, and teardown, leave no target, connection, array
# or RAM disk behind.
# Any kernel warning in either log (clean_logs) fails the test.
set -eu
. "$(dirname "$0")/lib.sh"
need_module ntbnet
command -v fio >/dev/null || { echo "fio not installed"; exit 77; }
command -v mdadm >/dev/null || { echo "mdadm not installed"; exit 77; }
for m in nvme/target/nvmet-tcp nvme/host/nvme-tcp md/raid1; do
	ls /lib/modules/"$KVER"/kernel/drivers/$m.ko* >/dev/null 2>&1 ||
		{ echo "kernel $KVER has no ${m##*/}.ko"; exit 77; }
done

MIRROR="$ROOT/userspace/ntbnet-mirror --lab --transport nvme"
OUT=$ROOT/build/test-mirror-nvme
NQN=nqn.2026-12.net.ntbnet.mirror:ntbm
rm -rf "$OUT"
mkdir -p "$OUT"

# nothing of ours on node N: no target, controller, array, RAM disk
nothing_left() {
	on_q "$1" "[ ! -e /sys/kernel/config/nvmet/subsystems/$NQN ] &&
		[ ! -e /sys/kernel/config/nvmet/ports/4420 ] &&
		! grep -qx '$NQN' /sys/class/nvme/*/subsysnqn 2>/dev/null &&
		[ ! -e /sys/block/md0/md ] && [ ! -e /sys/module/brd ]"
}

lab_up --topology pair --driver ntbnet >/dev/null
ok "lab up with ntbnet"

# --- a setup that fails half way (b's port 4420 taken) undoes itself
on b 'iperf3 -s -p 4420 -D'
wait_until 5 "a listener on b's port 4420" listens b 4420
if $MIRROR setup --size 64M 2>"$OUT/setup-fail.err"; then
	fail "setup succeeded with b's port 4420 taken"
fi
grep -q "port 4420 on $B:4420" "$OUT/setup-fail.err" ||
	fail "setup failure does not name the port: $(tail -3 "$OUT/setup-fail.err")"
on b 'pkill -x iperf3' || true
for n in a b; do nothing_left $n || fail "node $n: left behind by a failed setup"; done
ok "a failed setup (port taken) says why and leaves nothing behind"

# --- setup, verified writes, check
$MIRROR setup --size 64M || fail "ntbnet-mirror setup"
st=$($MIRROR status) || fail "ntbnet-mirror status"
echo "$st"
echo "$st" | grep -q "^a: array clean, degraded 0, idle, legs .*ram0:in_sync.*nvme[0-9]*n1:in_sync+write_mostly.*, controller nvme[0-9]* live$" ||
	echo "$st" | grep -q "^a: array clean, degraded 0, idle, legs .*nvme[0-9]*n1:in_sync+write_mostly.*ram0:in_sync.*, controller nvme[0-9]* live$" ||
	fail "a: array not clean with both legs (remote write-mostly) and a live controller"
echo "$st" | grep -q "^b: target $NQN enabled on /dev/ram0$" || fail "b: no enabled target"
on a 'grep -q "md0 : active raid1" /proc/mdstat && cat /sys/block/md0/md/bitmap/location' | grep -q '^+' ||
	fail "no active RAID1 with an internal bitmap"
ok "target on b, a connected over ntb0, RAID1 of a's disk + the remote namespace (write-mostly, bitmap)"

$MIRROR run --jobs randwrite,seqwrite,latency --fio-size 8M --out "$OUT" ||
	fail "ntbnet-mirror run (fio failed or a verify error)"
python3 - "$OUT/mirror.json" <<'PY' || fail "mirror.json"
import json, sys
r = json.load(open(sys.argv[1]))
assert r["transport"] == "nvme" and r["resource"]["device"] == "/dev/md0", r["resource"]
assert r["link"]["netdev_driver"] == "ntbnet", r["link"]
jobs = {j["job"]: j for j in r["jobs"]}
assert sorted(jobs) == ["latency", "randwrite", "seqwrite"], sorted(jobs)
for j in jobs.values():
    assert j["fio_rc"] == 0 and j["fio_error"] == 0 and j["verify_errors"] == 0, j
    assert j["verified_bytes"] == j["size_bytes"] == 8 << 20, (j["job"], j["verified_bytes"])
    c = j["clat_us"]
    assert j["iops"] > 0 and 0 < c["p50"] <= c["p99"] <= c["p99.9"], (j["job"], c)
    print("ok: %s: %.0f IOPS, %.1f MB/s, p50/p99/p99.9 %s/%s/%s us" % (
        j["job"], j["iops"], j["bw_MBps"], c["p50"], c["p99"], c["p99.9"]))
PY
ok "fio exit 0, zero verify errors, mirror.json well formed"

$MIRROR check --json >"$OUT/check.json" || fail "check: $(cat "$OUT/check.json")"
python3 - "$OUT/check.json" <<'PY' || fail "check.json"
import json, sys
c = json.load(open(sys.argv[1]))
assert c["mismatch_cnt"] == 0 and c["sha256_equal"] and c["ok"], c
assert c["compared_bytes"] > 60 << 20, c["compared_bytes"]
PY
ok "b == a: md check mismatch_cnt 0, sha256 of both data areas equal"

# 4 KiB written into b's RAM disk behind md's back, 8 MiB in (data area)
on b 'dd if=/dev/urandom of=/dev/ram0 bs=4k seek=2048 count=1 oflag=direct status=none'
if $MIRROR check --json >"$OUT/check-bad.json"; then
	fail "check passed although b's leg was changed behind md"
fi
python3 - "$OUT/check-bad.json" <<'PY' || fail "check-bad.json"
import json, sys
c = json.load(open(sys.argv[1]))
assert c["mismatch_cnt"] > 0 and c["sha256_equal"] is False and c["ok"] is False, c
PY
ok "check catches a 4 KiB divergence (md check and sha256)"

# --- b crashes during verified random writes, comes back, rejoins
$MIRROR teardown || fail "teardown"
$MIRROR setup --size 64M || fail "setup after teardown"
$MIRROR failover -t 25 --crash-after 4 --json >"$OUT/failover.json" ||
	fail "failover: $(tail -c 600 "$OUT/failover.json")"
python3 - "$OUT/failover.json" <<'PY' || fail "failover.json"
import json, sys
r = json.load(open(sys.argv[1]))
f = r["failover"]
j = f["fio"]
assert f["fault"] == "crash" and f["rejoin"] == "add", f["rejoin"]
assert j["fio_rc"] == 0 and j["fio_error"] == 0 and j["verify_errors"] == 0, j
assert j["verified_bytes"] > 0 and f["writes_completed"] > 0, j
assert f["max_write_gap_s"] is not None and f["max_write_gap_s"] < 60, f["max_write_gap_s"]
c = f["check"]
assert c["mismatch_cnt"] == 0 and c["sha256_equal"] and f["ok"], c
print("ok: a ran without b %ss after the crash; longest pause of writes %ss; "
      "b rejoined %ss after; %d writes, %d MiB verified"
      % (f["degraded_after_s"], f["max_write_gap_s"], f["rejoined_after_s"],
         f["writes_completed"], j["verified_bytes"] >> 20))
PY
$MIRROR status | grep -q "^a: array clean, degraded 0, idle, legs .*nvme[0-9]*n1:in_sync+write_mostly" ||
	fail "after the rejoin the remote leg is not in sync and write-mostly: $($MIRROR status)"
ok "b crashed mid-write: fio on a without an error, b back, full recovery, b == a"

# --- the NTB link down for 12 s under verified writes: b's disk survives,
# the leg comes back with --re-add and only what the bitmap marked is copied
$MIRROR failover -t 25 --fault link --crash-after 4 --link-down 12 --json >"$OUT/failover-link.json" ||
	fail "failover --fault link: $(tail -c 600 "$OUT/failover-link.json")"
python3 - "$OUT/failover-link.json" <<'PY' || fail "failover-link.json"
import json, sys
f = json.load(open(sys.argv[1]))["failover"]
j = f["fio"]
assert f["fault"] == "link" and f["rejoin"] == "re-add", f["rejoin"]
assert j["fio_rc"] == 0 and j["fio_error"] == 0 and j["verify_errors"] == 0, j
assert f["check"]["mismatch_cnt"] == 0 and f["check"]["sha256_equal"] and f["ok"], f["check"]
print("ok: link down 12 s: a ran without b %ss after; longest pause of writes %ss; "
      "re-added %ss after" % (f["degraded_after_s"], f["max_write_gap_s"], f["rejoined_after_s"]))
PY
ok "NTB link down mid-write: fio on a without an error, leg re-added (bitmap), b == a"

$MIRROR teardown || fail "ntbnet-mirror teardown"
for n in a b; do nothing_left $n || fail "node $n: left behind by teardown"; done
ok "teardown: no target, connection, array or RAM disk on either node"

clean_logs a b
echo "PASS"
