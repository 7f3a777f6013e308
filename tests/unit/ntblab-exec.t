#!/bin/bash
# `ntblab exec` without a VM: a stand-in guest agent (the qemu-ga requests
# exec uses: guest-sync-delimited, guest-exec, guest-exec-status) runs the
# commands on this host. exec streams output as it comes, relays stdout,
# stderr, stdin and the exit status, has a default timeout
# (NTBLAB_EXEC_TIMEOUT) with a clear message, passes output larger than one
# read, and leaves no output files behind.
set -eu -o pipefail
ROOT=$(cd "$(dirname "$0")/../.." && pwd)
NTBLAB=$ROOT/userspace/ntblab
work=$(mktemp -d /tmp/ntblab-exec-test.XXXXXX)
agent_pid=
cleanup() {
	[ -n "$agent_pid" ] && kill "$agent_pid" 2>/dev/null
	rm -rf "$work"
	true
}
trap cleanup EXIT
fail() { echo "FAIL: $*"; exit 1; }
export NTBLAB_DIR=$work/lab
mkdir -p "$NTBLAB_DIR"
echo '{"topology": "pair", "driver": "none", "kver": "x", "accel": "tcg"}' \
	>"$NTBLAB_DIR/state.json"

# The agent's command line holds the lab directory: ntblab takes its pid
# for node a's VM.
cat >"$work/agent.py" <<'EOF'
import base64, json, os, socket, subprocess, sys, threading
sock_path, lab_dir = sys.argv[1], sys.argv[2]
procs = {}
def handle(c):
    f = c.makefile("rb")
    line = f.readline()
    req = json.loads(line.lstrip(b"\xff"))
    c.sendall(b"\xff" + json.dumps({"return": req["arguments"]["id"]}).encode() + b"\n")
    req = json.loads(f.readline())
    cmd, a = req["execute"], req.get("arguments", {})
    if cmd == "guest-ping":
        ret = {}
    elif cmd == "guest-exec":
        inp = base64.b64decode(a["input-data"]) if "input-data" in a else None
        try:
            p = subprocess.Popen([a["path"]] + a.get("arg", []),
                                 stdin=subprocess.PIPE if inp is not None else subprocess.DEVNULL,
                                 stdout=subprocess.PIPE, stderr=subprocess.PIPE)
        except OSError as e:  # as qemu-ga words it
            c.sendall(json.dumps({"error": {"desc": "Failed to execute child process (%s)" % e.strerror}}).encode() + b"\n")
            return
        res = {}
        def reap(p=p, inp=inp, res=res):
            res["out"], res["err"] = p.communicate(inp)
        t = threading.Thread(target=reap, daemon=True)
        t.start()
        procs[p.pid] = (p, t, res)
        ret = {"pid": p.pid}
    elif cmd == "guest-exec-status":
        p, t, res = procs[a["pid"]]
        if t.is_alive():
            ret = {"exited": False}
        else:
            del procs[a["pid"]]
            ret = {"exited": True, "out-data": base64.b64encode(res["out"]).decode(),
                   "err-data": base64.b64encode(res["err"]).decode()}
            if p.returncode < 0:
                ret["signal"] = -p.returncode
            else:
                ret["exitcode"] = p.returncode
    else:
        c.sendall(json.dumps({"error": {"desc": "unknown " + cmd}}).encode() + b"\n")
        return
    c.sendall(json.dumps({"return": ret}).encode() + b"\n")
    c.close()
s = socket.socket(socket.AF_UNIX)
s.bind(sock_path)
s.listen(8)
while True:
    c, _ = s.accept()
    try:
        handle(c)
    except Exception as e:
        print("agent:", e, file=sys.stderr)
        c.close()
EOF
python3 "$work/agent.py" "$NTBLAB_DIR/a.qga" "$NTBLAB_DIR" 2>"$work/agent.log" &
agent_pid=$!
echo "$agent_pid" >"$NTBLAB_DIR/a.pid"
for _ in $(seq 50); do [ -S "$NTBLAB_DIR/a.qga" ] && break; sleep 0.1; done
[ -S "$NTBLAB_DIR/a.qga" ] || fail "stand-in agent did not start"

# Both ways of exec: captured by the agent (into a pipe or file: the
# default here) and streamed through files in the guest (--stream, the
# default on a terminal).
relay_checks() {	# MODE
M=$1
# stdout, stderr and the exit status
rc=0
"$NTBLAB" exec $M a -- sh -c 'echo out; echo err >&2; exit 3' >"$work/o" 2>"$work/e" || rc=$?
[ "$rc" = 3 ] || fail "exit status $rc, not 3"
[ "$(cat "$work/o")" = out ] || fail "stdout: $(cat "$work/o")"
[ "$(cat "$work/e")" = err ] || fail "stderr: $(cat "$work/e")"
echo "ok ($M): stdout, stderr and exit status relayed"
rc=0
"$NTBLAB" exec $M a -- /no/such/command 2>"$work/e" || rc=$?
[ "$rc" = 127 ] && grep -q 'not found' "$work/e" || fail "missing command: rc $rc: $(cat "$work/e")"
echo "ok ($M): a missing command is 127, with a message"

# stdin with -i
[ "$(echo hello | "$NTBLAB" exec $M -i a -- cat)" = hello ] || fail "-i: stdin not passed"
echo "ok ($M): -i passes stdin"

# more than one read's worth (4 MiB a read)
n=$("$NTBLAB" exec $M a -- head -c 9437185 /dev/zero | wc -c)
[ "$n" = 9437185 ] || fail "9437185 bytes sent, $n received"
echo "ok ($M): 9 MiB of output complete"

# the default timeout, and -t
start=$(date +%s)
rc=0
NTBLAB_EXEC_TIMEOUT=1 "$NTBLAB" exec $M a -- sleep 30 2>"$work/e" || rc=$?
[ "$rc" = 124 ] || fail "NTBLAB_EXEC_TIMEOUT=1: exit status $rc, not 124"
grep -q 'timeout after 1s' "$work/e" || fail "no timeout message: $(cat "$work/e")"
[ $(( $(date +%s) - start )) -le 10 ] || fail "timeout took over 10 s"
rc=0
"$NTBLAB" exec $M -t 1 a -- sh -c 'echo before; sleep 30' >"$work/o" 2>/dev/null || rc=$?
# (captured output dies with the command when a child still holds the
# pipe, as with qemu-ga: kept only when streamed)
[ "$rc" = 124 ] && { [ "$M" = --no-stream ] || [ "$(cat "$work/o")" = before ]; } ||
	fail "-t 1: rc $rc, output '$(cat "$work/o")'"
pgrep -f 'sleep 30' -P "$agent_pid" >/dev/null && fail "timed-out command still runs"
echo "ok ($M): default timeout (NTBLAB_EXEC_TIMEOUT) and -t kill the command, rc 124, output kept"

}
relay_checks --no-stream
relay_checks --stream

# streaming: the first line arrives long before the command ends (times
# from before ntblab starts, so a slow python start on a loaded host does
# not hide it)
T0=$(date +%s.%N) "$NTBLAB" exec --stream a -- sh -c 'echo first; sleep 5; echo second' |
	T0=$(date +%s.%N) python3 -c '
import os, sys, time
lines = []
for line in sys.stdin:
    lines.append((line.strip(), time.time() - float(os.environ["T0"])))
print(lines)
assert [l for l, _ in lines] == ["first", "second"], lines
assert lines[0][1] < 4.0 and lines[1][1] >= 4.9, lines
' || fail "output not streamed"
echo "ok: output streamed as it comes"
"$NTBLAB" exec --no-stream a -- sh -c 'echo first; sleep 2; echo second' |
	python3 -c '
import sys, time
t0 = time.monotonic()
lines = [(line.strip(), time.monotonic() - t0) for line in sys.stdin]
print(lines)
assert [l for l, _ in lines] == ["first", "second"], lines
assert lines[1][1] - lines[0][1] < 0.5, lines
' || fail "--no-stream: output not whole at the end"
echo "ok: --no-stream prints it all at the end"

# bad timeouts are usage errors
rc=0
"$NTBLAB" exec -t -1 a -- true 2>"$work/e" || rc=$?
[ "$rc" = 2 ] && [ "$(wc -l <"$work/e")" = 1 ] || fail "-t -1: rc $rc: $(cat "$work/e")"
rc=0
NTBLAB_EXEC_TIMEOUT=soon "$NTBLAB" exec a -- true 2>"$work/e" || rc=$?
[ "$rc" = 2 ] || fail "NTBLAB_EXEC_TIMEOUT=soon: rc $rc: $(cat "$work/e")"
echo "ok: bad timeouts rejected with exit status 2"

sleep 0.5
left=$(ls -a /tmp | grep -c '^\.ntblab-exec\.' || true)
ls -a /tmp | grep '^\.ntblab-exec\.' && fail "$left output files left in /tmp"
echo "PASS"
