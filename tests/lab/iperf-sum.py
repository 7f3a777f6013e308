#!/usr/bin/env python3
"""iperf-sum.py [--bidir] - summarise iperf3 -J output on stdin (lab tests).

Prints "X Gbit/s" (with --bidir: "X Gbit/s + Y Gbit/s reverse") and exits
1 unless every direction the run measured moved data: a bidirectional run
with nothing coming back is a failure, not a pass.
"""
import json
import sys

r = json.load(sys.stdin)
e = r["end"]
fwd = e.get("sum_received") or e.get("sum")
rev = e.get("sum_received_bidir_reverse")
bidir = "--bidir" in sys.argv[1:] or rev is not None
out = "%.2f Gbit/s" % (fwd["bits_per_second"] / 1e9)
ok = fwd["bytes"] > 0
if bidir:
    if rev is None:
        print(out + ", no reverse direction in the report")
        sys.exit(1)
    out += " + %.2f Gbit/s reverse" % (rev["bits_per_second"] / 1e9)
    ok = ok and rev["bytes"] > 0
print(out)
sys.exit(0 if ok else 1)
