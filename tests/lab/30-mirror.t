#!/bin/bash
# Storage mirroring over ntbnet (userspace/ntbnet-mirror) on the pair
# topology: a DRBD protocol C resource over ntb0 on RAM disks, fio random
# and sequential writes with verification on node a, then both checks that
# b holds what a holds (online verify: 0 out of sync; sha256 of the backing
# disks equal). The check must also catch a divergence made behind DRBD's
# back, and teardown must leave neither DRBD nor the RAM disk behind.
# Any kernel warning in either log (clean_logs) fails the test.
set -eu
. "$(dirname "$0")/lib.sh"
need_module ntbnet
command -v fio >/dev/null || { echo "fio not installed"; exit 77; }
command -v drbdadm >/dev/null || { echo "drbd-utils not installed"; exit 77; }
ls /lib/modules/"$KVER"/kernel/drivers/block/drbd/drbd.ko* >/dev/null 2>&1 ||
	{ echo "kernel $KVER has no drbd.ko"; exit 77; }

MIRROR=$ROOT/userspace/ntbnet-mirror
OUT=$ROOT/build/test-mirror
rm -rf "$OUT"
mkdir -p "$OUT"

lab_up --topology pair --driver ntbnet >/dev/null
ok "lab up with ntbnet"

"$MIRROR" --lab setup --size 64M || fail "ntbnet-mirror setup"
st=$("$MIRROR" --lab status) || fail "ntbnet-mirror status"
echo "$st"
echo "$st" | grep -q "^a: Connected Primary/Secondary UpToDate/UpToDate oos 0 KiB$" || fail "a not Primary, UpToDate, connected"
echo "$st" | grep -q "^b: Connected Secondary/Primary UpToDate/UpToDate oos 0 KiB$" || fail "b not Secondary, UpToDate, connected"
ok "DRBD resource up: a Primary, both UpToDate, connected over ntb0"
on a 'cat /proc/drbd' | grep -q " C r" || fail "resource not in protocol C"
ok "protocol C"

# fio: 8 MiB of 4 KiB random writes (queue depth 16), 8 MiB sequential
# 1 MiB writes, 8 MiB of 4 KiB writes one at a time; each block read back
# and checked (verify=crc32c, verify_fatal)
"$MIRROR" --lab run --jobs randwrite,seqwrite,latency --fio-size 8M --out "$OUT" ||
	fail "ntbnet-mirror run (fio failed or a verify error)"
python3 - "$OUT/mirror.json" <<'EOF' || fail "mirror.json"
import json, sys
r = json.load(open(sys.argv[1]))
assert r["label"] == "ntbnet", r["label"]
assert r["resource"]["protocol"] == "C"
assert r["link"]["interface"] == "ntb0" and r["link"]["netdev_driver"] == "ntbnet", r["link"]
jobs = {j["job"]: j for j in r["jobs"]}
assert sorted(jobs) == ["latency", "randwrite", "seqwrite"], sorted(jobs)
assert jobs["latency"]["size_bytes"] == 8 << 20 and jobs["latency"]["iodepth"] == 1
assert jobs["randwrite"]["size_bytes"] == 8 << 20 and jobs["seqwrite"]["bs"] == "1M"
for j in jobs.values():
    name = j["job"]
    assert j["fio_rc"] == 0 and j["fio_error"] == 0, (name, j["fio_rc"], j["fio_error"])
    assert j["verify_errors"] == 0, (name, j["fio_stderr"])
    assert j["written_bytes"] == j["size_bytes"], (name, j["written_bytes"])
    assert j["verified_bytes"] == j["size_bytes"], (name, j["verified_bytes"])
    assert j["iops"] > 0 and j["bw_MBps"] > 0, (name, j["iops"], j["bw_MBps"])
    c = j["clat_us"]
    assert 0 < c["p50"] <= c["p99"] <= c["p99.9"], (name, c)
    assert j["ok"] is True
    print("ok: %s: %.0f IOPS, %.1f MB/s, p50/p99/p99.9 %s/%s/%s us, %d MiB verified"
          % (name, j["iops"], j["bw_MBps"], c["p50"], c["p99"], c["p99.9"],
             j["verified_bytes"] >> 20))
assert r["ok"] is True
EOF
ok "fio exit 0, zero verify errors, mirror.json well formed with positive IOPS"

"$MIRROR" --lab check --json >"$OUT/check.json" || fail "check: b differs from a: $(cat "$OUT/check.json")"
python3 - "$OUT/check.json" <<'EOF' || fail "check.json"
import json, sys
c = json.load(open(sys.argv[1]))
assert c["oos_kib_after_verify"] == [0, 0], c
assert c["sha256_equal"] is True and c["sha256"]["a"] == c["sha256"]["b"], c
assert c["compared_bytes"] > 60 << 20, c["compared_bytes"]
assert c["ok"] is True
EOF
ok "b == a: online verify 0 KiB out of sync, sha256 of $(( $(python3 -c 'import json,sys; print(json.load(open(sys.argv[1]))["compared_bytes"])' "$OUT/check.json") >> 20 )) MiB equal"

# a divergence behind DRBD's back (4 KiB written straight into b's RAM disk)
on b 'dd if=/dev/urandom of=/dev/ram0 bs=4k seek=100 count=1 oflag=direct status=none'
if "$MIRROR" --lab check --json >"$OUT/check-bad.json"; then
	fail "check passed although b's disk was changed behind DRBD"
fi
python3 - "$OUT/check-bad.json" <<'EOF' || fail "check-bad.json"
import json, sys
c = json.load(open(sys.argv[1]))
assert c["oos_kib_after_verify"][0] >= 4, c
assert c["sha256_equal"] is False and c["ok"] is False, c
EOF
ok "check catches a 4 KiB divergence (online verify and sha256)"

"$MIRROR" --lab teardown || fail "ntbnet-mirror teardown"
for n in a b; do
	on "$n" '! grep -q "^ *0: cs:" /proc/drbd 2>/dev/null && [ ! -e /sys/module/brd ]' ||
		fail "node $n: DRBD minor or brd left after teardown"
done
ok "teardown: no DRBD minor, no RAM disk on either node"

clean_logs a b
echo "PASS"
