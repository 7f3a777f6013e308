#!/bin/bash
# Every tool in userspace/ answers --help and -h with usage and examples
# (exit 0) and does nothing else; bad arguments are refused before any work
# starts: exit status 2, one line on stderr, never a Python traceback. The
# shared parsers read a size, a duration and --json the same way in every
# tool. Nothing here needs root, a kernel or a lab.
#
# "Does nothing else": the commands a tool would start (apt-get, make,
# qemu, flock, iperf3, ssh, modprobe, ...) are stand-ins that log their
# call, the repository must not change, no lab directory appears, and
# demo's output directory keeps what it held.
set -u
ROOT=$(cd "$(dirname "$0")/../.." && pwd)
U=$ROOT/userspace
work=$(mktemp -d /tmp/ntbnet-tools-args.XXXXXX)
trap 'rm -rf "$work"' EXIT
nfail=0
fail() { echo "FAIL: $*"; nfail=$((nfail + 1)); }

# stand-ins for what a tool runs when it does real work
mkdir -p "$work/bin"
for c in apt-get dpkg-query make qemu-system-x86_64 flock iperf3 fio ssh \
	modprobe rmmod depmod dkms gnuplot ip ethtool mount sudo; do
	printf '#!/bin/sh\necho "%s $*" >>%s/called\nexit 0\n' "$c" "$work" >"$work/bin/$c"
	chmod +x "$work/bin/$c"
done
export PATH=$work/bin:$PATH
export NTBLAB_DIR=$work/lab DEMO_OUT=$work/demo
mkdir -p "$DEMO_OUT" && echo keep >"$DEMO_OUT/summary.txt"
unset SOAK_SECS DEMO_DRIVERS DEMO_SIZES DEMO_SECS ROUNDS RUNS SECS DMA CPUS KVER KDIR \
	NTBLAB_EXEC_TIMEOUT
touch "$work/marker"
sleep 1	# mtimes have a granularity of a second on some file systems

# --- every executable in userspace/ is covered
tools=$(cd "$U" && find . -maxdepth 1 -type f -perm -u+x -printf '%f\n' | sort)
[ -n "$tools" ] || fail "no tools found in $U"
for t in $tools; do
	for h in --help -h; do
		out=$(timeout 20 "$U/$t" $h 2>"$work/err")
		rc=$?
		if [ $rc -ne 0 ]; then
			fail "$t $h: exit status $rc: $(head -c 300 "$work/err")"
		elif ! echo "$out" | grep -qi 'usage\|how to use'; then
			fail "$t $h: no usage in: $(echo "$out" | head -n 3)"
		elif ! echo "$out" | grep -qi 'example'; then
			fail "$t $h: no examples"
		elif ! echo "$out" | grep -q "${t%.py}"; then
			fail "$t $h: does not name the tool"
		else
			echo "ok: $t $h ($(echo "$out" | wc -l) lines)"
		fi
	done
done
# subcommands' help too
for c in "ntblab exec" "ntblab up" "ntbnetctl status" "ntbnetctl watch"; do
	if timeout 20 "$U/${c% *}" ${c#* } --help >"$work/out" 2>&1 &&
		grep -q '^usage:' "$work/out"; then
		echo "ok: $c --help"
	else
		fail "$c --help: $(head -n 3 "$work/out")"
	fi
done

# --- bad arguments: TOOL | ENVIRONMENT (- for none) | ARGUMENTS
while IFS='|' read -r tool envs args; do
	case $tool in ''|'#'*) continue ;; esac
	[ "$envs" = - ] && envs=
	# shellcheck disable=SC2086
	timeout 20 env $envs "$U/$tool" $args >"$work/out" 2>"$work/err"
	rc=$?
	what="${envs:+$envs }$tool $args"
	n=$(wc -l <"$work/err")
	if grep -q Traceback "$work/err" "$work/out"; then
		fail "$what: a traceback: $(tail -n 1 "$work/err")"
	elif [ $rc -ne 2 ]; then
		fail "$what: exit status $rc, not 2: $(head -c 300 "$work/err")"
	elif [ "$n" -ne 1 ]; then
		fail "$what: $n lines on stderr, not one: $(head -c 300 "$work/err")"
	else
		echo "ok: $what -> $(cat "$work/err")"
	fi
done <<'EOF'
ntbnet-faults|-|--json /no/such/dir/f.json
ntbnet-faults|-|--json /
ntbnet-faults|-|--drbd-size 12XB
ntbnet-faults|-|--drbd-disk 1.5X
ntbnet-faults|-|--hold -1
ntbnet-faults|-|--hold soon
ntbnet-faults|-|--rate fast
ntbnet-faults|-|--drbd-crash -2
ntbnet-faults|-|--drbd-crash-after 0
ntbnet-faults|-|--resume-limit x
ntbnet-faults|-|--cycles 0
ntbnet-faults|-|--crash-every 0
ntbnet-faults|-|--faults crash,nope
ntbnet-faults|-|--no-such-option
ntbnet-soak|SOAK_SECS=ten|
ntbnet-soak|SOAK_SECS=5|
ntbnet-soak|-|-t 10XB
ntbnet-soak|-|-t 9
ntbnet-soak|-|--secs 600
ntbnet-soak|-|--storm 0
ntbnet-soak|-|--json /no/such/dir/s.json
ntbnetctl|-|
ntbnetctl|-|frob
ntbnetctl|-|watch -i -1
ntbnetctl|-|watch -i 0
ntbnetctl|-|watch -n -3
ntbnetctl|-|watch -t x
ntbnetctl|-|status --json /no/such/dir/s.json
ntbnet-mirror|-|
ntbnet-mirror|-|--lab --secs 5
ntbnet-mirror|-|--lab --time 0
ntbnet-mirror|-|--lab -t 1.5
ntbnet-mirror|-|--lab --size 12XB
ntbnet-mirror|-|--lab --fio-size 1.5X
ntbnet-mirror|-|--lab --bs-rand 100
ntbnet-mirror|-|--lab --runs 0
ntbnet-mirror|-|--lab --port 70000
ntbnet-mirror|-|--lab --jobs foo
ntbnet-mirror|-|--lab frob
ntbnet-mirror|-|--lab --only b run
ntbnet-mirror|-|--lab --json /no/such/dir/m.json
ntbnet-mirror|-|--lab --transport iscsi
ntbnet-mirror|-|--peer 198.18.0.2 failover
ntbnet-mirror|-|--lab failover -t 5 --crash-after 5
ntbnet-mirror|-|--lab failover --fault power
ntbnet-mirror|-|--lab --transport nvme --keep-alive-tmo 0
ntbnet-mirror|-|--lab --transport nvme --ctrl-loss-tmo 1.5
ntbnet-sweep|-|
ntbnet-sweep|-|--lab -t 0
ntbnet-sweep|-|--lab --sizes 8K,12XB
ntbnet-sweep|-|--lab --sizes 8
ntbnet-sweep|-|--lab -b fast
ntbnet-sweep|-|--lab --runs 0
ntbnet-sweep|-|--lab --min 1M --max 8K
ntbnet-sweep|-|--netns nocolon
ntbnet-sweep|-|--merge /no/such.json
ntbnet-sweep|-|--lab --json /no/such/dir/x.json
ntblab|-|
ntblab|-|frob
ntblab|-|up --topology ring
ntblab|-|up --kernel 0.1
ntblab|-|up --kernel c=6.1
ntblab|-|up --cpus 0
ntblab|-|exec -t -1 a -- true
ntblab|-|exec -t soon a -- true
ntblab|NTBLAB_EXEC_TIMEOUT=soon|exec a -- true
demo|-|-x
demo|-|--sizes 8K
demo|DEMO_DRIVERS=foo|
demo|DEMO_DRIVERS=ntbnet,upstream|
demo|DEMO_SIZES=8K,12XB|
demo|DEMO_SIZES=8|
demo|DEMO_SECS=0|
demo|DEMO_SWEEP_SECS=soon|
demo|DEMO_RUNS=x|
demo|DEMO_FIO_SIZE=lots|
bench-drivers|-|-x
bench-drivers|-|-t 0
bench-drivers|-|-t
bench-drivers|ROUNDS=0|
bench-drivers|RUNS=two|
bench-drivers|CPUS=9|
bench-drivers|DMA=2|
bench-drivers|QUEUES=x|
bench-drivers|QUEUES=2|
bench-drivers|HW=foo|
bench-drivers|BUSY_US=0|
kver|-|--bogus
install-deps|-|--bogus
install-deps|-|--check extra
check-kernel-versions|-|--bogus
check-kernel-versions|-|a b
ntbtool.py|-|size 12XB
ntbtool.py|-|duration soon
ntbtool.py|-|rate fast
ntbtool.py|-|
EOF

# --- one size, duration and --json parser: what one tool takes, all take.
# A good value followed by a bad --json FILE: the error must be about --json.
while IFS='|' read -r tool args; do
	case $tool in ''|'#'*) continue ;; esac
	# shellcheck disable=SC2086
	timeout 20 "$U/$tool" $args --json /no/such/dir/x.json >/dev/null 2>"$work/err"
	rc=$?
	if [ $rc -eq 2 ] && grep -q -- '--json /no/such/dir/x.json' "$work/err"; then
		echo "ok: $tool $args accepted"
	else
		fail "$tool $args: rc $rc: $(cat "$work/err")"
	fi
done <<'EOF'
ntbnet-faults|--drbd-size 1.5M --drbd-disk 2G --hold 1.5 --drbd-crash-after 10s --rate 1.5G
ntbnet-faults|--drbd-size 8K --drbd-disk 96MiB --hold 0 --resume-limit 2.5
ntbnet-soak|-t 10m
ntbnet-mirror|--lab --size 1.5M --fio-size 8K -t 1m --bs-rand 4k --bs-seq 1M --timeout 10m
ntbnet-sweep|--lab --sizes 8K,1.5M,1M,64KiB -t 2 -O 1s
ntbnetctl|status
EOF
for v in 8K:8192 8k:8192 8KiB:8192 1.5M:1572864 1M:1048576 2G:2147483648 4096:4096; do
	got=$("$U/ntbtool.py" size "${v%%:*}")
	[ "$got" = "${v#*:}" ] && echo "ok: size ${v%%:*} = $got" || fail "size ${v%%:*}: $got, not ${v#*:}"
done
for v in 10:10 2.5:2.5 90s:90 10m:600 1h:3600; do
	got=$("$U/ntbtool.py" duration "${v%%:*}")
	[ "$got" = "${v#*:}" ] && echo "ok: duration ${v%%:*} = $got" || fail "duration ${v%%:*}: $got, not ${v#*:}"
done

# --- nothing was started or changed
if [ -s "$work/called" ]; then
	fail "commands ran: $(sort -u "$work/called" | head -n 5 | tr '\n' ';')"
else
	echo "ok: no tool started anything (apt-get, make, qemu, flock, iperf3, ...)"
fi
[ "$(cat "$DEMO_OUT/summary.txt" 2>/dev/null)" = keep ] || fail "demo removed or changed its output directory"
[ -d "$NTBLAB_DIR" ] && fail "a lab directory was created"
# (not the lab lock's mtime: other labs on this machine take it)
changed=$(find "$ROOT" -newer "$work/marker" \
	-not -path "$ROOT/build/test-logs*" -not -path "$ROOT/.git*" 2>/dev/null | head -n 5)
[ -z "$changed" ] && echo "ok: the repository is untouched" ||
	fail "files changed: $changed"
echo "$nfail failed"
[ $nfail -eq 0 ]
