#!/usr/bin/python3
"""ntbtool - what every ntbnet tool shares: argument conventions, one size
and one duration parser, running commands on the lab's nodes (lab_sh,
lab_ok, lab_cmd, wait_for, the lab lock; Failed for a step that failed),
progress lines, and the kernel-log pattern the lab tests use too.

Used by ntblab, ntbnetctl, ntbnet-sweep, ntbnet-mirror, ntbnet-faults and
ntbnet-soak (imported from this directory), and by the shell tools (demo,
bench-drivers) through its command line. How to use, by example:
  userspace/ntbtool.py size 1.5M         # prints 1572864, or exit 2
  userspace/ntbtool.py duration 10m      # prints 600, or exit 2
  userspace/ntbtool.py rate 200M         # prints 200M, or exit 2
  userspace/ntbtool.py bad-log           # the kernel-log pattern (grep -E)

Conventions (docs/operations.md, "Tool conventions"):
  sizes      a number of bytes, optionally with a decimal point and one
             suffix K, M, G or T, in either case, with or without "iB"/"B":
             8K = 8k = 8KiB = 8192, 1.5M = 1572864, 2G. Always powers of
             1024, as iperf3 -l and fio read them. Anything else is refused.
  durations  seconds (10, 2.5), or with one suffix s, m or h (90s, 10m,
             1h): -t/--time is the length of a run in every tool.
  rates      iperf3 -b syntax: a number and an optional k, m, g or t
             (bits/s, powers of 1000 as iperf3 counts them).
  --json     JSON on stdout instead of the text report; --json FILE (or
             --json=FILE) writes it to FILE and keeps the text on stdout.
  errors     bad usage is one line on stderr, exit status 2, before any
             work starts; --help/-h prints usage and examples and exits 0.
"""

import argparse
import os
import re
import subprocess
import sys
import time

# Kernel log lines that fail a run: warnings, BUG (also "kernel BUG at"),
# oopses, refcount errors, general protection faults, hung tasks, lockups,
# RCU stalls, any call trace. An extended regular expression: the lab
# tests read it with `ntbtool.py bad-log` (tests/lab/lib.sh).
BAD_LOG_RE = (r"WARNING:|BUG[: ]|Oops|refcount_t|general protection|"
              r"hung_task|hung task|blocked for more than|"
              r"soft lockup|hard LOCKUP|rcu.*stall|"
              r"rcu_sched self-detected|Call Trace")
BAD_LOG = re.compile(BAD_LOG_RE)

ROOT = os.path.dirname(os.path.dirname(os.path.realpath(__file__)))
NTBLAB = os.path.join(ROOT, "userspace", "ntblab")
# One lab at a time on a machine: the lab tests and tools queue on it.
LAB_LOCK = "/tmp/ntbnet-lab.lock"

_SIZE_RE = re.compile(r"^\s*(\d+(?:\.\d*)?|\.\d+)\s*([kmgt]?)(?:i?b)?\s*$",
                      re.IGNORECASE)
_SHIFT = {"": 0, "k": 10, "m": 20, "g": 30, "t": 40}
_DUR_RE = re.compile(r"^\s*(\d+(?:\.\d*)?|\.\d+)\s*([smh]?)\s*$",
                     re.IGNORECASE)
_DUR_MULT = {"": 1, "s": 1, "m": 60, "h": 3600}
_RATE_RE = re.compile(r"^\d+(\.\d+)?[kmgt]?$", re.IGNORECASE)


def parse_size(text):
    """'8K' -> 8192, '1.5M' -> 1572864, '4096' -> 4096; ValueError else."""
    m = _SIZE_RE.match(str(text))
    if not m:
        raise ValueError("bad size '%s' (e.g. 4096, 8K, 1.5M, 2G)" % text)
    n = float(m.group(1)) * (1 << _SHIFT[m.group(2).lower()])
    if n != int(n):
        raise ValueError("size '%s' is not a whole number of bytes" % text)
    return int(n)


def parse_duration(text):
    """'10' -> 10.0, '2.5' -> 2.5, '90s', '10m' -> 600.0, '1h'."""
    m = _DUR_RE.match(str(text))
    if not m:
        raise ValueError("bad duration '%s' (seconds, or e.g. 90s, 10m, 1h)"
                         % text)
    return float(m.group(1)) * _DUR_MULT[m.group(2).lower()]


def check_rate(text):
    """An iperf3 -b rate ('200M', '1.5G', '0'); returned as given."""
    if not _RATE_RE.match(str(text)):
        raise ValueError("bad rate '%s' (iperf3 -b syntax: 0, 500K, 200M, 2G)"
                         % text)
    return text


# -------------------------------------------------------- argparse types

def _type(fn, check, what):
    def conv(text):
        try:
            v = fn(text)
        except ValueError as e:
            raise argparse.ArgumentTypeError(str(e))
        if check and not check(v):
            raise argparse.ArgumentTypeError("'%s': %s" % (text, what))
        return v
    conv.__name__ = what
    return conv


def size(minimum=1):
    return _type(parse_size, lambda v: v >= minimum,
                 "must be at least %d bytes" % minimum)


def duration(minimum=0.0, allow_zero=False):
    return _type(parse_duration,
                 lambda v: (allow_zero and v == 0) or v > 0 and v >= minimum,
                 "must be %s%s seconds" % ("0 or " if allow_zero else "",
                                           "at least %g" % minimum if minimum
                                           else "more than 0"))


def whole_duration(minimum=1):
    """A duration in whole seconds (iperf3 -t, fio runtime)."""
    def check(v):
        return v == int(v) and v >= minimum
    conv = _type(parse_duration, check,
                 "must be a whole number of seconds, at least %d" % minimum)

    def to_int(text):
        return int(conv(text))
    return to_int


def count(minimum=0):
    return _type(int, lambda v: v >= minimum, "must be at least %d" % minimum)


def real(minimum=0.0):
    return _type(float, lambda v: v >= minimum, "must be at least %g" % minimum)


def rate(text):
    try:
        return check_rate(text)
    except ValueError as e:
        raise argparse.ArgumentTypeError(str(e))


class ArgumentParser(argparse.ArgumentParser):
    """argparse with the tools' error convention: one line, exit 2."""

    def error(self, message):
        usage_error(self.prog, message)


def usage_error(prog, message):
    print("%s: %s (%s --help)" % (prog, message, prog.split()[0]),
          file=sys.stderr)
    sys.exit(2)


def add_json(parser, what="the report"):
    parser.add_argument(
        "--json", nargs="?", const="-", metavar="FILE",
        help="%s as JSON: alone on stdout instead of the text, with FILE "
        "(or --json=FILE) into FILE" % what)


def check_json(prog, path):
    """Fail now, with exit 2, when --json FILE could not be written later."""
    if path in (None, "-"):
        return
    d = os.path.dirname(os.path.abspath(path))
    if os.path.isdir(path):
        usage_error(prog, "--json %s: is a directory" % path)
    if not os.path.isdir(d):
        usage_error(prog, "--json %s: no directory %s" % (path, d))
    if not os.access(d, os.W_OK) or (os.path.exists(path) and
                                     not os.access(path, os.W_OK)):
        usage_error(prog, "--json %s: not writable" % path)


def write_json(path, doc):
    """--json: doc on stdout (path '-') or into path. True when on stdout."""
    import json
    if path is None:
        return False
    if path == "-":
        print(json.dumps(doc, indent=1))
        sys.stdout.flush()
        return True
    tmp = path + ".tmp"
    with open(tmp, "w") as f:
        json.dump(doc, f, indent=1)
        f.write("\n")
    os.replace(tmp, path)
    return False


def env_value(prog, name, default, conv):
    """An environment variable through an argument type; exit 2 if bad."""
    text = os.environ.get(name)
    if text is None or text == "":
        return default
    try:
        return conv(text)
    except argparse.ArgumentTypeError as e:
        usage_error(prog, "%s=%s: %s" % (name, text, e))


# ---------------------------------------------------------- running things

class Failed(Exception):
    """A step of a tool that went wrong; the message says which."""


def run(argv, timeout, stdin=subprocess.DEVNULL, timeout_error=None):
    """Run argv; (rc, stdout, stderr) as text. rc 124 on timeout (unless
    timeout_error is given: what it returns for the message is raised), 127
    when argv[0] cannot be run."""
    try:
        p = subprocess.run(argv, stdout=subprocess.PIPE, stderr=subprocess.PIPE,
                           stdin=stdin, timeout=timeout)
    except subprocess.TimeoutExpired:
        msg = "%s: no answer within %d s" % (" ".join(argv), timeout)
        if timeout_error:
            raise timeout_error(msg)
        return 124, "", msg
    except OSError as e:
        return 127, "", "cannot run %s: %s" % (argv[0], e.strerror)
    return (p.returncode, p.stdout.decode(errors="replace"),
            p.stderr.decode(errors="replace"))


def lab_argv(node, argv, timeout):
    """ntblab exec on node, killed in the guest after timeout seconds. The
    output is read at the end (--no-stream): nothing else runs in the guest
    meanwhile, which matters for what the tools measure there."""
    return [NTBLAB, "exec", "--no-stream", "-t", str(int(timeout)), node,
            "--"] + list(argv)


def lab_run(node, argv, timeout=120):
    """argv on lab node a or b: (rc, stdout, stderr)."""
    return run(lab_argv(node, argv, timeout), timeout + 60)


def lab_sh(node, cmd, timeout=120, check=False):
    """A sh command line on lab node a or b: (rc, stdout, stderr). With
    check, an exit status other than 0 raises Failed."""
    rc, out, err = lab_run(node, ["sh", "-c", cmd], timeout)
    if check and rc:
        raise Failed("on %s: %s: rc %d: %s" % (node, cmd, rc,
                                               err.strip()[-300:]))
    return rc, out, err


def lab_ok(node, cmd, timeout=60):
    """True when the sh command line exits 0 on the node (a condition)."""
    return lab_sh(node, cmd, timeout)[0] == 0


def lab_cmd(*args, timeout=300, check=False):
    """ntblab itself (up, down, crash, boot): (rc, stdout, stderr). With
    check, a failure raises Failed."""
    rc, out, err = run([NTBLAB] + list(args), timeout)
    if check and rc:
        raise Failed("ntblab %s: %s" % (" ".join(args), err.strip()[-500:]))
    return rc, out, err


_lab_lock = None


def lab_lock():
    """Wait for the lab lock; held until the process ends."""
    global _lab_lock
    import fcntl
    if _lab_lock is None:
        f = open(LAB_LOCK, "a")
        fcntl.flock(f, fcntl.LOCK_EX)
        _lab_lock = f


def wait_for(secs, what, fn, interval=0.2):
    """Poll fn() every interval seconds until it is true; Failed after
    secs seconds."""
    end = time.monotonic() + secs
    while not fn():
        if time.monotonic() > end:
            raise Failed("timeout (%gs): %s" % (secs, what))
        time.sleep(interval)


# ---------------------------------------------------------------- progress

class Progress:
    """'[i/n mm:ss] what' lines on stderr."""

    def __init__(self, total=None, out=None):
        self.total = total
        self.i = 0
        self.t0 = time.monotonic()
        self.out = out

    def step(self, msg):
        self.i += 1
        secs = int(time.monotonic() - self.t0)
        n = "%d/%d" % (self.i, self.total) if self.total else "%d" % self.i
        note("[%s %02d:%02d] %s" % (n, secs // 60, secs % 60, msg), self.out)


def note(msg, out=None):
    """One progress line on stderr, at once."""
    print(msg, file=out or sys.stderr, flush=True)


def _main(argv):
    what = {"size": parse_size, "duration": parse_duration,
            "rate": check_rate}
    if argv in (["-h"], ["--help"]):
        print("usage: ntbtool.py size|duration|rate VALUE | bad-log\n\n"
              + __doc__)
        return 0
    if argv == ["bad-log"]:
        print(BAD_LOG_RE)
        return 0
    if len(argv) != 2 or argv[0] not in what:
        print("ntbtool.py: want size|duration|rate VALUE (ntbtool.py --help)",
              file=sys.stderr)
        return 2
    try:
        v = what[argv[0]](argv[1])
    except ValueError as e:
        print("ntbtool: %s" % e, file=sys.stderr)
        return 2
    if isinstance(v, float) and v == int(v):
        v = int(v)
    print(v)
    return 0


if __name__ == "__main__":
    sys.exit(_main(sys.argv[1:]))
