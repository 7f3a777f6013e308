#!/bin/bash
# Every Python program in the tree (userspace/ tools, test helpers) passes
# pyflakes: no undefined name, unused import or variable, or redefinition,
# in paths the lab runs rarely (error and failover paths) as in the rest.
# A planted undefined name must be caught, so a pyflakes that checks
# nothing cannot pass.
set -u
ROOT=$(cd "$(dirname "$0")/../.." && pwd)
command -v pyflakes3 >/dev/null || { echo "pyflakes3 not installed (userspace/install-deps)"; exit 77; }
work=$(mktemp -d /tmp/ntbnet-pyflakes.XXXXXX)
trap 'rm -rf "$work"' EXIT
printf 'import os\n\n\ndef f():\n    return undefined_name\n' >"$work/bad.py"
if pyflakes3 "$work/bad.py" >/dev/null 2>&1; then
	echo "FAIL: pyflakes3 passed a file with an undefined name"
	exit 1
fi
files=()
while IFS= read -r f; do
	case $f in
	*.py) files+=("$f") ;;
	*) head -n 1 "$f" | grep -q '^#!.*python' && files+=("$f") ;;
	esac
done < <(cd "$ROOT" && git ls-files userspace tests emu ntb_netdev dma ringbuf | grep -v '\.[ch]$')
[ ${#files[@]} -ge 8 ] || { echo "FAIL: found only ${#files[@]} Python programs"; exit 1; }
if ! (cd "$ROOT" && pyflakes3 "${files[@]}"); then
	echo "FAIL: pyflakes"
	exit 1
fi
echo "ok: pyflakes clean: ${#files[@]} Python programs"
echo PASS
