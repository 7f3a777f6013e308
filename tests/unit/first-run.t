#!/bin/bash
# The README's two commands, `make demo` and `make check`, work the first time
# in a clean clone on a machine whose kernel packages are not installed yet.
#
# A copy of the tree stands in for the fresh machine: its userspace/kver
# answers as it does before install-deps ("no kernel headers found") until
# its userspace/install-deps stub has "installed" the packages, then it gives
# the real answer. The build itself is real (modules, upstream NTB core);
# the demo and the test runner are stubs that check the build they were
# handed. Before the fix, make computed KDIR=/lib/modules//build while reading
# the Makefile, before deps ran, and the first `make demo` failed.
set -eu
ROOT=$(cd "$(dirname "$0")/../.." && pwd)
real_kver=$("$ROOT/userspace/kver" 2>/dev/null) ||
	{ echo "FAIL: no kernel headers on this machine: run make deps"; exit 1; }
work=$(mktemp -d /tmp/ntbnet-first-run.XXXXXX)
trap 'rm -rf "$work"' EXIT
clone=$work/ntbnet
state=$work/state
mkdir -p "$clone" "$state"
# the working tree as committed or staged, without build products
(cd "$ROOT" && git ls-files -z --cached --others --exclude-standard |
	xargs -0 tar -cf - --no-recursion) | tar -xf - -C "$clone"

cat >"$clone/userspace/install-deps" <<EOF
#!/bin/bash
echo "install-deps (stub): installing kernel headers"
touch "$state/installed"
EOF
cat >"$clone/userspace/kver" <<EOF
#!/bin/bash
if [ ! -e "$state/installed" ]; then
	echo "kver: no kernel headers found for the running kernel nor any" \\
		"Debian linux-headers-*-amd64; run: userspace/install-deps" >&2
	exit 1
fi
exec "$ROOT/userspace/kver" "\$@"
EOF
cat >"$clone/userspace/demo" <<'EOF'
#!/bin/bash
set -eu
[ -n "${KVER:-}" ] || { echo "demo (stub): KVER is empty"; exit 1; }
[ -f "$BUILD/modules/$KVER/ntbnet.ko" ] ||
	{ echo "demo (stub): no $BUILD/modules/$KVER/ntbnet.ko"; exit 1; }
echo "demo (stub): modules for $KVER built, KDIR=$KDIR"
EOF
cat >"$clone/tests/run" <<'EOF'
#!/bin/bash
[ -f "$BUILD/modules/$KVER/ntbnet.ko" ] || { echo "run (stub): no ntbnet.ko"; exit 1; }
echo "run (stub): modules for $KVER"
echo "0 passed, 0 failed"
EOF
chmod +x "$clone/userspace/install-deps" "$clone/userspace/kver" \
	"$clone/userspace/demo" "$clone/tests/run"

# the situation of a fresh machine: no release to build for yet
if "$clone/userspace/kver" >/dev/null 2>&1; then
	echo "FAIL: the stub kver answers before install-deps ran"
	exit 1
fi

if ! make -C "$clone" demo >"$work/demo.log" 2>&1; then
	tail -n 30 "$work/demo.log"
	echo "FAIL: first make demo in a fresh clone"
	exit 1
fi
grep -q "demo (stub): modules for $real_kver built, KDIR=/lib/modules/$real_kver/build" \
	"$work/demo.log" || { tail -n 30 "$work/demo.log"; echo "FAIL: demo not run on a build for $real_kver"; exit 1; }
echo "ok: first make demo installs, builds for $real_kver and runs the demo"

rm -f "$state/installed"
if ! make -C "$clone" check >"$work/check.log" 2>&1; then
	tail -n 30 "$work/check.log"
	echo "FAIL: make check in a fresh clone"
	exit 1
fi
grep -q "run (stub): modules for $real_kver" "$work/check.log" ||
	{ tail -n 30 "$work/check.log"; echo "FAIL: make check did not run the tests"; exit 1; }
echo "ok: make check installs, builds and runs the tests"
