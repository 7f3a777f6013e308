#!/bin/bash
# The emulated NTB's hardware profiles are what docs/emulator.md says: one
# single-VM lab (both ports in one guest, 16 interrupt vectors), the
# emulator reloaded with each profile, and upstream ntb_tool (a client
# nobody here wrote) checks counts, masks, vectors, windows, alignment,
# ports, the IDT message registers (a second write before the peer frees
# the register fails, only in the sender's status) and the translation
# direction, in strict mode. Expected values: tests/lab/emu-profiles.expect.
#
#   tests/run tests/lab/02-emu-profiles.t
#   PROFILES="idt epf" tests/lab/02-emu-profiles.t     # some of them
set -eu
. "$(dirname "$0")/lib.sh"
EXPECT=$ROOT/tests/lab/emu-profiles.expect
GUEST=$ROOT/tests/lab/emu-profiles-guest.sh
PCI_A=0000:00:10.0 PCI_B=0000:00:11.0
ALL=$(awk '$1 == "key" { $1 = ""; print; exit }' "$EXPECT")
PROFILES=${PROFILES:-$ALL}

# expected PROFILE: "KEY VALUE" lines of the profile's column, "-" left out
expected() {
	awk -v p="$1" '
		/^#/ || NF == 0 { next }
		$1 == "key" { for (i = 2; i <= NF; i++) col[$i] = i; next }
		!(p in col) { exit 1 }
		$(col[p]) != "-" { print $1, $(col[p]) }' "$EXPECT"
}

# amd wants the most vectors (16); every other profile runs on them too
lab_up --topology single --driver none --hw amd
ok "single lab up"

failed=0
for p in $PROFILES; do
	exp=$(expected "$p") || fail "profile $p is not in $EXPECT"
	bits=$(echo "$exp" | awk '$1 ~ /^dbvec\./ { sub(/^dbvec\./, "", $1); printf "%s ", $1 }')
	t0=$(date +%s)
	got=$(on_q a "$GUEST $p $PCI_A $PCI_B '$bits'") || { echo "$got"; fail "$p: guest script failed"; }
	bad=0
	while read -r key want; do
		have=$(echo "$got" | awk -v k="$key" '$1 == k { $1 = ""; sub(/^ /, ""); print; exit }')
		if [ "$have" != "$want" ]; then
			echo "  $p: $key is '$have', expected '$want'"
			bad=$((bad + 1))
		fi
	done <<<"$exp"
	if [ $bad -eq 0 ]; then
		ok "$p: $(echo "$exp" | wc -l) values as expected ($(( $(date +%s) - t0 ))s)"
	else
		echo "--- what $p showed"
		echo "$got"
		echo "FAIL: $p: $bad values differ"
		failed=$((failed + 1))
	fi
done
[ $failed -eq 0 ] || fail "$failed profile(s) differ from $EXPECT"
clean_logs a
exit 0
