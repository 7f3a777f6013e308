#!/bin/bash
# The ivshmem server speaks QEMU's protocol and hands out IDs lowest-free
# first. Built with ASan+UBSan; any sanitizer report fails the test.
set -eu
cd "$(dirname "$0")/../.."
ROOT=$PWD
command -v gcc >/dev/null || { echo "gcc not installed"; exit 77; }
make -s -f emu/emu.mk ROOT="$ROOT" ivshmem-server-asan
TMP=$(mktemp -d "$ROOT/build/ivshmem-test.XXXXXX")
SRV=
cleanup() {
	[ -n "$SRV" ] && kill "$SRV" 2>/dev/null && wait "$SRV" 2>/dev/null
	rm -rf "$TMP"
}
trap cleanup EXIT
export ASAN_OPTIONS=detect_leaks=1:abort_on_error=0:exitcode=99
export UBSAN_OPTIONS=print_stacktrace=1:halt_on_error=1:exitcode=99

# Bad arguments are refused with a message.
if build/ivshmem-server-asan -F -S "$TMP/x.sock" -l 3M 2>"$TMP/err"; then
	echo "FAIL: size 3M accepted"; exit 1
fi
grep -q "power of two" "$TMP/err"

cat >"$TMP/client.py" <<'PY'
import array, os, select, socket, struct, sys, time
path, pidfile, ANNOUNCE = sys.argv[1], sys.argv[2], sys.argv[3] == "-a"
VECTORS, SIZE = 3, 1 << 20

def check(cond, what):
    if not cond:
        print("FAIL:", what); sys.exit(1)
    print("ok:", what)

end = time.monotonic() + 10
while not (os.path.exists(pidfile) and os.path.exists(path)):
    check(time.monotonic() < end, "server listens within 10 s")
    time.sleep(0.02)

class Client:
    def __init__(self):
        self.s = socket.socket(socket.AF_UNIX, socket.SOCK_STREAM)
        self.s.connect(path)
        self.s.settimeout(5)
    def msg(self, timeout=5):
        """One message: (value, fd or None)."""
        self.s.settimeout(timeout)
        fds = array.array("i")
        data, anc, flags, _ = self.s.recvmsg(8, socket.CMSG_SPACE(4))
        if not data:
            return None, None
        if len(data) != 8:
            check(False, f"message of {len(data)} bytes, want 8")
        for lvl, typ, d in anc:
            if lvl == socket.SOL_SOCKET and typ == socket.SCM_RIGHTS:
                fds.frombytes(d[:len(d) - len(d) % 4])
        return struct.unpack("<q", data)[0], (fds[0] if fds else None)
    def setup(self, peers):
        v, fd = self.msg(); check(v == 0 and fd is None, "version 0")
        self.id, fd = self.msg(); check(fd is None, f"own id {self.id}")
        v, self.shm = self.msg()
        check(v == -1 and self.shm is not None, "-1 + shm fd")
        check(os.fstat(self.shm).st_size == SIZE, "shm size is 1 MiB")
        self.peer = {}
        for p in peers:
            self.peer[p] = self.vectors(p)
        self.own = self.vectors(self.id)
        return self
    def vectors(self, want):
        fds = []
        for _ in range(VECTORS):
            v, fd = self.msg()
            check(v == want and fd is not None, f"id {want} + eventfd")
            fds.append(fd)
        return fds
    def quiet(self):
        r, _, _ = select.select([self.s], [], [], 0.3)
        return not r
    def close(self):
        self.s.close()

a = Client().setup([])
check(a.id == 0, "first client gets ID 0")
b = Client().setup([0])
check(b.id == 1, "second client gets ID 1")
a.peer[1] = a.vectors(1)
check(True, "a hears of b")
# b's fds for ringing a deliver on a's own eventfds.
os.write(b.peer[0][1], struct.pack("<Q", 1))
check(struct.unpack("<Q", os.read(a.own[1], 8))[0] == 1,
      "b rings a's vector 1 through the eventfd pair")
# Shared memory is shared.
import mmap
ma = mmap.mmap(a.shm, SIZE); mb = mmap.mmap(b.shm, SIZE)
ma[100:105] = b"hello"; check(mb[100:105] == b"hello", "memory is shared")
ma.close(); mb.close()

c = Client().setup([0, 1])
check(c.id == 2, "third client gets ID 2")
a.peer[2] = a.vectors(2); b.peer[2] = b.vectors(2)

os.write(a.peer[1][0], struct.pack("<Q", 5))   # a ring left for b ...
b.close()                   # ... then client 1 "crashes"
time.sleep(0.2)
if ANNOUNCE:
    v, fd = a.msg(); check(v == 1 and fd is None, "-a: a told that 1 left (no fd)")
    v, fd = c.msg(); check(v == 1 and fd is None, "-a: c told that 1 left (no fd)")
else:
    check(a.quiet() and c.quiet(),
          "default: survivors not told (QEMU 7.2 use-after-free)")
b2 = Client().setup([0, 2])
check(b2.id == 1, "reconnect gets the lowest free ID (1) back")
if ANNOUNCE:
    a.peer[1] = a.vectors(1); c.peer[1] = c.vectors(1)
else:
    check(a.quiet() and c.quiet(), "default: survivors already hold 1's doorbells")
    try:
        os.read(b2.own[0], 8); check(False, "stale ring drained")
    except BlockingIOError:
        check(True, "stale ring from before the crash drained")
# Whatever the mode, a's doorbell for peer 1 now reaches the new client 1.
os.write(a.peer[1][1], struct.pack("<Q", 1))
check(struct.unpack("<Q", os.read(b2.own[1], 8))[0] == 1,
      "a rings the reconnected 1 with the fd it holds")

# A client that vanishes mid-setup or never reads must not hurt anyone.
for _ in range(20):
    x = socket.socket(socket.AF_UNIX, socket.SOCK_STREAM); x.connect(path); x.close()
time.sleep(0.2)
# Drain whatever the flapping clients caused, then the peers stay consistent.
for cl in (a, b2, c):
    while not cl.quiet():
        cl.msg()
clients = [Client() for _ in range(14)]   # 3 + 13 = 16 fill every slot
full = []
for cl in clients[:13]:
    cl.msg(); i, _ = cl.msg(); full.append(i)
check(sorted(full) == list(range(3, 16)), "IDs 3..15 handed out")
v, fd = clients[13].msg()
check(v is None, "17th client refused (connection closed)")
for cl in clients: cl.close()
time.sleep(0.2)
d = Client().setup([0, 1, 2])
check(d.id == 3, "after they leave, the next client gets ID 3")
print("all ok")
PY

for mode in default -a; do
	flag=; [ $mode = -a ] && flag=-a
	echo "=== mode $mode"
	rm -f "$TMP/s.sock" "$TMP/pid"
	build/ivshmem-server-asan -F -v $flag -S "$TMP/s.sock" -l 1M -n 3 -p "$TMP/pid" \
		2>"$TMP/server.log" &
	SRV=$!
	python3 "$TMP/client.py" "$TMP/s.sock" "$TMP/pid" "$mode"

	# SIGTERM: clean exit, socket and pidfile removed, no sanitizer report.
	kill -TERM "$SRV"
	rc=0; wait "$SRV" || rc=$?
	SRV=
	grep -v -- '->' "$TMP/server.log" | tail -n 3
	[ $rc -eq 0 ] || { echo "FAIL: server exited $rc"; cat "$TMP/server.log"; exit 1; }
	[ ! -e "$TMP/s.sock" ] || { echo "FAIL: socket left behind"; exit 1; }
	[ ! -e "$TMP/pid" ] || { echo "FAIL: pidfile left behind"; exit 1; }
	if grep -qE 'ERROR: AddressSanitizer|runtime error|LeakSanitizer' "$TMP/server.log"; then
		echo "FAIL: sanitizer report"; cat "$TMP/server.log"; exit 1
	fi
done
echo "ivshmem-server: all checks passed"
