#!/usr/bin/env python3
"""Sealed EVE (outputs.eve.seal) end to end: a replay's rotated, gzip'd, sealed files verify
with `edgewatch log verify` (in whatever order they are given), and each way of tampering with them fails with its reason at
the right line.

The replay: flood_dhcp.pcap (250 flows over 5 s of capture time), idle-timeout 1s,
max-size 32KiB + compress gzip, seal interval 1s: several files, several seals in each.
Then, each on a copy of the files (a .gz that is tampered with is written back plain):
  modified     one byte of a flow line flipped
  deleted      a line removed
  inserted     a made-up line added
  reordered    two lines swapped
  duplicate    an earlier line copied in again
  modified     a line changed and every chain tag after it recomputed (no key needed):
               caught at the seal, whose signed chain head differs
  truncated    the files cut after a seal: passes alone (nothing on the box says more),
               fails with --last-seal (the final seal, as a collector received it)
  sequence gap a whole rotated file dropped
  bad signature / epoch out of order: a seal replaced by one signed with the key the box
               holds after the run (a later epoch's), or by a later genuine seal
  key reused   a seal for the current epoch, validly signed with that epoch's key, naming
               epoch 0's key as the next
Also: the key file is 0600 and at the epoch after the last seal; a key file of mode 0644
is refused with a clear error.
"""
import glob
import gzip
import hashlib
import json
import os
import shutil
import subprocess
import sys
import tempfile

from result_lines import Results

try:
    from cryptography.hazmat.primitives.asymmetric.ed25519 import Ed25519PrivateKey
    from cryptography.hazmat.primitives import serialization
except ImportError:  # the forged-seal cases say SKIP
    Ed25519PrivateKey = None

PCAP_DIR = os.path.join(os.path.dirname(os.path.abspath(__file__)), "..", "pcaps")
CAPTURE = os.path.join(PCAP_DIR, "flood_dhcp.pcap")
TIMEOUT = 180


def run(args, **kw):
    return subprocess.run(args, capture_output=True, text=True, timeout=TIMEOUT,
                          stdin=subprocess.DEVNULL, env=dict(os.environ, TZ="UTC"), **kw)


def read_file(path):
    opener = gzip.open if path.endswith(".gz") else open
    with opener(path, "rb") as f:
        return f.read().split(b"\n")[:-1]


def write_plain(path, lines):
    """A tampered file is written back plain, under its own name without .gz."""
    out = path[:-3] if path.endswith(".gz") else path
    if out != path:
        os.unlink(path)
    with open(out, "wb") as f:
        f.write(b"".join(l + b"\n" for l in lines))
    return out


def is_seal(line):
    return b'"event_type":"seal"' in line


def split(line):
    """(body, seq) of a sealed line: body is what the chain covers."""
    body = line[:line.rindex(b',"chain":"')]
    return body, int(body[body.rindex(b'"seq":') + 6:])


def with_tag(body, chain):
    return body + b',"chain":"' + chain[:16].hex().encode() + b'"}'


class Run:
    def __init__(self, binary, d):
        self.binary, self.d = binary, d
        self.key = os.path.join(d, "seal.key")
        self.pub = self.key + ".pub"

    def verify(self, files, *extra):
        proc = run([self.binary, "log", "verify", "--key", self.pub, "--json", *extra, *files])
        try:
            return proc.returncode, json.loads(proc.stdout), proc
        except ValueError:
            return proc.returncode, None, proc


def chain_order(files):
    return sorted(files, key=lambda p: split(read_file(p)[0])[1])


def first_failure(report):
    """(file basename, bad_line, reason) of the first failed segment."""
    for f in report["files"]:
        for s in f["segments"]:
            if s["result"] == "FAIL":
                return os.path.basename(f["file"]), s["bad_line"], s["reason"]
    return None


def case(r, rn, name, files, expect, *extra, last_seal=None):
    """Verify files; expect (basename, line, reason) of the first failure, or None."""
    rc, report, proc = rn.verify(files, *extra)
    if report is None:
        return r.result(name, f"verify printed no JSON (exit {proc.returncode}): "
                              f"{proc.stderr[-300:]}")
    got = first_failure(report)
    if last_seal is not None:
        got = report.get("last_seal")
        ok = rc == 1 and got and got.startswith(last_seal)
        return r.result(name, None if ok else f"expected exit 1 and last_seal {last_seal}..., "
                                              f"got exit {rc}, {got!r}")
    if expect is None:
        ok = rc == 0 and got is None and report["result"] == "PASS"
    else:
        ok = rc == 1 and got == expect
    r.result(name, None if ok else f"expected {expect}, got exit {rc}, {got}")


def tampered(rn, files, idx, edit):
    """A copy of the files in a fresh directory, file idx's lines edited; the copies."""
    d = tempfile.mkdtemp(dir=rn.d)
    copies = []
    for i, p in enumerate(files):
        c = os.path.join(d, os.path.basename(p))
        shutil.copy(p, c)
        if i == idx:
            c = write_plain(c, edit(read_file(c)))
        copies.append(c)
    return copies


def plain_line(lines):
    """The index of a flow line not next to a seal (edits near it stay in one segment)."""
    for i in range(1, len(lines) - 2):
        if not any(is_seal(lines[j]) for j in (i - 1, i, i + 1, i + 2)):
            return i
    raise RuntimeError("no flow line away from the seals")


def main():
    binary = sys.argv[1] if len(sys.argv) > 1 else ".output/asan/edgewatch"
    r = Results("pcap/test_eve_seal")
    with tempfile.TemporaryDirectory() as d:
        rn = Run(binary, d)
        proc = run([binary, "log", "keygen", rn.key])
        if proc.returncode:
            r.result("keygen", f"exit {proc.returncode}: {proc.stderr}")
            return r.exit_code()
        mode = os.stat(rn.key).st_mode & 0o777
        r.result("keygen", None if mode == 0o600 else f"key file mode {mode:o}")
        with open(rn.pub) as f:
            pub0 = bytes.fromhex(f.read().split("key ")[1].strip())
        cfg = os.path.join(d, "edgewatch.yaml")
        with open(cfg, "w") as f:
            f.write(f"flow:\n  idle-timeout: 1s\noutputs:\n  eve:\n    path: {d}/eve.json\n"
                    f"    max-size: 32KiB\n    compress: gzip\n    seal:\n"
                    f"      key: {rn.key}\n      interval: 1s\n")
        proc = run([binary, "replay", "-c", cfg, CAPTURE])
        files = glob.glob(os.path.join(d, "eve.json*"))
        files = chain_order([p for p in files if read_file(p)])
        if proc.returncode or len(files) < 4:
            r.result("replay", f"exit {proc.returncode}, {len(files)} files: {proc.stderr[-300:]}")
            return r.exit_code()
        lines = [l for p in files for l in read_file(p)]
        seals = [l for l in lines if is_seal(l)]
        ok = all(is_seal(read_file(p)[-1]) for p in files) and len(seals) > len(files)
        r.result("replay_sealed", None if ok else
                 f"{len(files)} files, {len(seals)} seals: each file must end with one")
        stats = [(i, json.loads(l)) for i, l in enumerate(lines) if b'"event_type":"stats"' in l]
        si, st = stats[-1] if stats else (0, {})
        got = st.get("stats", {}).get("eve", {}).get("seal")
        # the snapshot is taken before its line is written: a seal that writing the
        # line brought about (the interval, a rotation) comes just before it, uncounted
        before = sum(1 for l in lines[:si] if is_seal(l)) - (1 if si and is_seal(lines[si - 1]) else 0)
        want = {"seals": before, "epoch": before, "failed": 0,
                "key_store_failed": 0}
        r.result("stats_seal", None if got and all(got[k] == v for k, v in want.items())
                 else f"the last stats event's eve.seal {got}, expected {want}")
        with open(rn.key) as f:
            state = dict(l.split(" ", 1) for l in f.read().splitlines()[1:])
        r.result("key_evolved", None if int(state["epoch"]) == len(seals) and
                 int(state["seq"]) == len(lines) else f"key file {state['epoch']=} "
                 f"{state['seq']=} after {len(seals)} seals and {len(lines)} lines")

        rc, report, p = rn.verify(files)
        ok = rc == 0 and report and report["result"] == "PASS" and \
            report["validated"] == len(lines) and all(f["result"] == "PASS" for f in report["files"])
        r.result("verify_pass", None if ok else f"exit {rc}: {p.stdout[-400:]} {p.stderr[-200:]}")
        # given newest first (as a glob may list eve.json before its rotated files)
        rc, report, p = rn.verify(list(reversed(files)))
        r.result("verify_any_order", None if rc == 0 and report["validated"] == len(lines)
                 else f"files newest first: exit {rc}: {p.stdout[-300:]}")
        text = run([binary, "log", "verify", "--key", rn.pub, *files]).stdout
        r.result("verify_text", None if f"PASS: {len(lines)} lines validated" in text and
                 "validated lines 1.." in text else f"text report: {text[-300:]}")

        # the tampering, in the second file (a .gz: rotated and compressed)
        idx, target = 1, files[1]
        tl = read_file(target)
        k = plain_line(tl)
        base = os.path.basename(target)[:-3] if target.endswith(".gz") else os.path.basename(target)

        def flip(ls):
            ls = list(ls)
            mid = ls[k].index(b'"flow":') + 10
            ls[k] = ls[k][:mid] + bytes([ls[k][mid] ^ 1]) + ls[k][mid + 1:]
            return ls
        case(r, rn, "flip_byte", tampered(rn, files, idx, flip), (base, k + 1, "modified"))
        case(r, rn, "delete_line", tampered(rn, files, idx, lambda ls: ls[:k] + ls[k + 1:]),
             (base, k + 1, "deleted"))
        fake = b'{"timestamp":"2022-07-14T13:35:00.000000+0000","event_type":"flow"}'
        case(r, rn, "insert_line",
             tampered(rn, files, idx, lambda ls: ls[:k] + [fake] + ls[k:]),
             (base, k + 1, "inserted"))
        case(r, rn, "swap_lines",
             tampered(rn, files, idx, lambda ls: ls[:k] + [ls[k + 1], ls[k]] + ls[k + 2:]),
             (base, k + 1, "reordered"))
        case(r, rn, "duplicate_line",
             tampered(rn, files, idx, lambda ls: ls[:k + 1] + [ls[k]] + ls[k + 1:]),
             (base, k + 2, "duplicate"))

        def rechain(ls):
            """Line k changed, every tag from it on recomputed: only the seal can tell."""
            ls = flip(ls)
            # the chain before file idx's line k: recomputed from the start of the files
            chain = hashlib.sha256(b"edgewatch-eve-chain-v1" + pub0).digest()
            before = [l for p in files[:idx] for l in read_file(p)] + ls[:k]
            for l in before:
                chain = hashlib.sha256(chain + split(l)[0]).digest()
            out = ls[:k]
            for l in ls[k:]:
                body, _ = split(l)
                if is_seal(l):
                    out += ls[len(out):]
                    return out, len(out) - len(ls) + ls.index(l, k)
                chain = hashlib.sha256(chain + body).digest()
                out.append(with_tag(body, chain))
            return out, None
        _, seal_at = rechain(tl)
        seal_line = next(i for i in range(k, len(tl)) if is_seal(tl[i]))
        case(r, rn, "modified_tags_recomputed",
             tampered(rn, files, idx, lambda ls: rechain(ls)[0]), (base, seal_line + 1, "modified"))

        # truncation after a seal: the last file cut after its first seal
        last = files[-1]
        ll = read_file(last)
        first_seal = next(i for i, l in enumerate(ll) if is_seal(l))
        if first_seal == len(ll) - 1:
            last, ll = files[-2], read_file(files[-2])
            first_seal = next(i for i, l in enumerate(ll) if is_seal(l))
        final_seal = os.path.join(d, "final.seal")
        with open(final_seal, "wb") as f:
            f.write(seals[-1] + b"\n")
        cut = tampered(rn, files, files.index(last), lambda ls: ls[:first_seal + 1])
        cut = cut[:files.index(last) + 1]
        case(r, rn, "truncate_alone_passes", cut, None)
        case(r, rn, "truncate_last_seal", cut, None, "--last-seal", final_seal,
             last_seal="truncated")
        case(r, rn, "untouched_last_seal", files, None, "--last-seal", final_seal)

        # a whole rotated file dropped
        nxt = files[2]
        nb = os.path.basename(nxt)
        case(r, rn, "drop_rotated_file", files[:1] + files[2:], (nb, 1, "sequence gap"))

        # a seal replaced by a later genuine one
        seal_idx = next(i for i, l in enumerate(tl) if is_seal(l))
        later = seals[-1]
        case(r, rn, "seal_of_later_epoch",
             tampered(rn, files, idx, lambda ls: ls[:seal_idx] + [later] + ls[seal_idx + 1:]),
             (base, seal_idx + 1, "deleted"))
        if Ed25519PrivateKey is None:
            r.skip("forged_seal", "python3-cryptography is not installed")
            r.skip("key_reused", "python3-cryptography is not installed")
        else:
            forge_cases(r, rn, files, idx, tl, seal_idx, base, state, pub0, lines)

        # mode 0644 refused
        os.chmod(rn.key, 0o644)
        proc = run([binary, "replay", "-c", cfg, CAPTURE])
        ok = proc.returncode != 0 and "mode 0644" in proc.stderr and "chmod 600" in proc.stderr
        r.result("key_mode_refused", None if ok else
                 f"exit {proc.returncode}: {proc.stderr[-300:]}")
    return r.exit_code()


def seal_fields(line):
    body, seq = split(line)
    s = json.loads(body + b"}")["seal"]
    return s, seq


def seal_message(s, seq):
    return (f"edgewatch-seal-v1 epoch={s['epoch']} first={s['first_seq']} last={s['last_seq']} "
            f"seq={seq} time={s['time_ns']} head={s['chain_head']} prev={s['prev_seal']} "
            f"next={s['next_key']}").encode()


def forged_line(line, key_seed, **changes):
    """line's seal with changes, signed with key_seed, its chain tag as the original's."""
    s, seq = seal_fields(line)
    s.update(changes)
    sk = Ed25519PrivateKey.from_private_bytes(key_seed)
    s["signature"] = sk.sign(seal_message(s, seq)).hex()
    head = line[:line.index(b'"seal":{')]
    body = head + b'"seal":' + json.dumps(s, separators=(",", ":")).encode() + \
        b',"seq":' + str(seq).encode()
    return body + line[line.rindex(b',"chain":"'):]


def forge_cases(r, rn, files, idx, tl, seal_idx, base, state, pub0, lines):
    """The key the box holds after the run (a later epoch's) forges earlier seals."""
    seed = bytes.fromhex(state["seed"])
    s, _ = seal_fields(tl[seal_idx])
    # a seal of the same epoch with a chain head of the attacker's choosing
    forged = forged_line(tl[seal_idx], seed, chain_head="00" * 32)
    case(r, rn, "forged_seal",
         tampered(rn, files, idx, lambda ls: ls[:seal_idx] + [forged] + ls[seal_idx + 1:]),
         (base, seal_idx + 1, "bad signature"))
    forged = forged_line(tl[seal_idx], seed, epoch=int(state["epoch"]))
    case(r, rn, "forged_seal_later_epoch",
         tampered(rn, files, idx, lambda ls: ls[:seal_idx] + [forged] + ls[seal_idx + 1:]),
         (base, seal_idx + 1, "epoch out of order"))
    # a new seal at the end, of the current epoch (a valid signature), naming epoch 0's key
    last = files[-1]
    ll = read_file(last)
    prev_line = [l for l in lines if is_seal(l)][-1]
    ps, pseq = seal_fields(prev_line)
    prev_hash = hashlib.sha256(seal_message(ps, pseq) + bytes.fromhex(ps["signature"])).digest()
    chain = bytes.fromhex(state["chain"])
    flow = ll[0][:ll[0].rindex(b',"seq":')] + b',"seq":' + str(int(state["seq"]) + 1).encode()
    chain = hashlib.sha256(chain + flow).digest()
    new_lines = [with_tag(flow, chain)]
    seq = int(state["seq"]) + 2
    s = {"epoch": int(state["epoch"]), "first_seq": seq - 1, "last_seq": seq - 1,
         "time_ns": ps["time_ns"] + 1, "chain_head": chain.hex(), "prev_seal": prev_hash.hex(),
         "next_key": pub0.hex()}
    s["signature"] = Ed25519PrivateKey.from_private_bytes(seed).sign(seal_message(s, seq)).hex()
    body = b'{"timestamp":"2022-07-14T13:40:00.000000+0000","event_type":"seal","seal":' + \
        json.dumps(s, separators=(",", ":")).encode() + b',"seq":' + str(seq).encode()
    chain = hashlib.sha256(chain + body).digest()
    new_lines.append(with_tag(body, chain))
    lb = os.path.basename(last)[:-3] if last.endswith(".gz") else os.path.basename(last)
    case(r, rn, "key_reused", tampered(rn, files, len(files) - 1, lambda ls: ls + new_lines),
         (lb, len(ll) + 2, "key reused"))


if __name__ == "__main__":
    sys.exit(main())
