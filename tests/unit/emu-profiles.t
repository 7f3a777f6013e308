#!/usr/bin/python3
"""The emulated NTB's hardware profiles say the same thing in the three
places they are written: the profile table the driver is built from
(emu/ntbe_profiles.c), the values the lab test expects from a running
emulator (tests/lab/emu-profiles.expect, used by tests/lab/02-emu-profiles.t)
and the table in docs/emulator.md. No kernel, no lab: it reads the files.

Checked per profile: scratchpads, message registers, doorbell valid mask,
vector count, window count, alignment and (where the C table fixes them)
window size, port numbers.
"""
import os
import re
import sys

ROOT = os.path.dirname(os.path.dirname(os.path.dirname(
    os.path.realpath(__file__))))
fails = []


def fail(msg):
    fails.append(msg)
    print("FAIL: " + msg)


def num(text):
    """An integer from C or doc notation: 0x1f, 32, SZ_2M, PAGE_SIZE,
    GENMASK_ULL(h, l)."""
    text = text.strip()
    m = re.fullmatch(r"GENMASK_ULL\((\d+),\s*(\d+)\)", text)
    if m:
        h, lo = int(m.group(1)), int(m.group(2))
        return ((1 << (h + 1)) - 1) & ~((1 << lo) - 1)
    m = re.fullmatch(r"SZ_(\d+)([KM])", text)
    if m:
        return int(m.group(1)) << (10 if m.group(2) == "K" else 20)
    if text == "PAGE_SIZE":
        return 4096
    return int(text, 0)


def c_profiles():
    """{name: {field: text}} from the designated initialisers."""
    src = open(os.path.join(ROOT, "emu", "ntbe_profiles.c")).read()
    out = {}
    for block in re.findall(r"\[NTBE_HW_\w+\]\s*=\s*\{(.*?)\n\t\},", src,
                            re.S):
        fields = dict(re.findall(r"\.(\w+)\s*=\s*((?:[^,({\n]|\([^)]*\)|\{[^}]*\})+)",
                                 block))
        name = fields["name"].strip().strip('"')
        out[name] = fields
    return out


def expect():
    """{profile: {key: value}} from the lab test's expectations."""
    rows = [line.split() for line in
            open(os.path.join(ROOT, "tests", "lab", "emu-profiles.expect"))
            if line.strip() and not line.startswith("#")]
    header = rows[0][1:]
    out = {p: {} for p in header}
    for row in rows[1:]:
        for p, v in zip(header, row[1:]):
            if v != "-":
                out[p][row[0]] = v
    return out


def doc_table():
    """{row label: {profile: first word of the cell}} from the profile
    table of docs/emulator.md."""
    text = open(os.path.join(ROOT, "docs", "emulator.md")).read()
    sec = text[text.index("## Hardware profiles"):]
    lines = [l for l in sec.splitlines() if l.startswith("|")]
    header = [c.strip() for c in lines[0].strip("|").split("|")]
    out = {}
    for line in lines[2:]:
        cells = [c.strip() for c in line.strip("|").split("|")]
        out[cells[0]] = dict(zip(header[1:], cells[1:]))
    return out


cp = c_profiles()
ex = expect()
doc = doc_table()

if sorted(cp) != sorted(ex):
    fail(f"profiles in ntbe_profiles.c {sorted(cp)} and the expect file "
         f"{sorted(ex)} differ")
for p in ex:
    if p not in doc.get("models", {}):
        fail(f"docs/emulator.md has no column for {p}")

for p, e in sorted(ex.items()):
    c = cp.get(p)
    if not c:
        continue
    want = {k: num(e[k]) for k in
            ("a.spad_count", "a.msg_count", "a.db_valid_mask",
             "a.db_vector_count", "a.mw_count", "a.mw0_addr_align",
             "a.mw0_size_align", "a.mw0_size_max", "a.port_number",
             "b.port_number")}
    # the C table against the expected values
    checks = [("spad_count", "a.spad_count"), ("msg_count", "a.msg_count"),
              ("db_valid", "a.db_valid_mask"),
              ("db_vectors", "a.db_vector_count"),
              ("size_align", "a.mw0_size_align")]
    if "ALIAS_MW" not in c.get("flags", ""):
        checks.append(("mw_count", "a.mw_count"))
    for field, key in checks:
        got = num(c.get(field, "0"))
        if got != want[key]:
            fail(f"{p}: ntbe_profiles.c .{field} = {got:#x}, expect file "
                 f"{key} = {want[key]:#x}")
    align = num(c.get("addr_align", "0"))
    if align == 0:
        align = want["a.mw0_size_max"]     # Intel: the window size
    if align != want["a.mw0_addr_align"]:
        fail(f"{p}: addr_align {align:#x} in C, "
             f"{want['a.mw0_addr_align']:#x} expected")
    if "mw_size" in c and num(c["mw_size"]) != want["a.mw0_size_max"]:
        fail(f"{p}: .mw_size {c['mw_size']} but size_max "
             f"{want['a.mw0_size_max']:#x} expected")
    if "port_number" in c:
        ports = [int(x) for x in re.findall(r"\d+", c["port_number"])]
        if ports != [want["a.port_number"], want["b.port_number"]]:
            fail(f"{p}: port numbers {ports} in C")

    # the documentation table against the expected values
    rows = {"scratchpads (per side)": "a.spad_count",
            "message registers": "a.msg_count",
            "db_valid_mask": "a.db_valid_mask",
            "db_vector_count": "a.db_vector_count",
            "addr_align": "a.mw0_addr_align",
            "size_align": "a.mw0_size_align",
            "size_max": "a.mw0_size_max",
            "memory windows": "a.mw_count"}
    for label, key in rows.items():
        cell = doc.get(label, {}).get(p)
        if cell is None:
            fail(f"docs/emulator.md: no '{label}' row or {p} column")
            continue
        try:
            got = num(cell.split()[0])
        except (ValueError, IndexError):
            fail(f"docs/emulator.md: '{label}' of {p} is '{cell}'")
            continue
        if got != want[key]:
            fail(f"docs/emulator.md: '{label}' of {p} says {got:#x}, "
                 f"expected {want[key]:#x}")
    cell = doc.get("port numbers (port 0 / 1)", {}).get(p, "")
    m = re.match(r"(\d+) / (\d+)", cell)
    if not m or [int(m.group(1)), int(m.group(2))] != \
            [want["a.port_number"], want["b.port_number"]]:
        fail(f"docs/emulator.md: port numbers of {p} are '{cell}'")

if fails:
    print(f"{len(fails)} disagreements")
    sys.exit(1)
print(f"{len(ex)} profiles agree in ntbe_profiles.c, "
      "tests/lab/emu-profiles.expect and docs/emulator.md")
