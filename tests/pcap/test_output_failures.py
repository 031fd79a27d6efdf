#!/usr/bin/env python3
"""What replay does when its EVE output cannot take the events (issue 7 items 3 and 8).

Item 3, nothing lost without saying so:
- a normal replay exits 0 and says nothing of errors;
- `-o /dev/full` exits non-zero; stderr names the output and the loss once (the capture
  fills several 64 KiB buffers, each of which fails: one message, the rest counted), and
  gives the final account in words (every packet "lost in writing") since the final stats
  event cannot be written;
- `-o /proc/version` exits non-zero with a message naming it (refused at open or failed
  write, whichever the kernel does).
Item 8, the daemon is root and must not be steered by what is planted at its output path:
- a symlink to a file the test made: refused ("symbolic link"), the file unchanged;
- a dangling symlink: refused, nothing created where it points;
- a FIFO with no reader: refused at once (no hang), saying FIFO; with a reader: the same;
- a UNIX socket, a directory: refused, non-zero exit.
"""
import os
import re
import socket
import subprocess
import sys
import tempfile

from result_lines import Results

PCAP_DIR = os.path.join(os.path.dirname(os.path.abspath(__file__)), "..", "pcaps")
# 250 flows: about 125 KiB of EVE, more than one 64 KiB write buffer
MANY_LINES = os.path.join(PCAP_DIR, "flood_dhcp.pcap")
MANY_LINES_PACKETS = 500
SMALL = os.path.join(PCAP_DIR, "mgmt_snmpv2c-get.pcap")
REPLAY_TIMEOUT = 120


def replay(binary, out, pcap):
    """(exit status, stderr); status None when it did not end in time."""
    try:
        proc = subprocess.run([binary, "replay", "-o", out, pcap], capture_output=True,
                              text=True, timeout=REPLAY_TIMEOUT, stdin=subprocess.DEVNULL)
    except subprocess.TimeoutExpired as exc:
        err = exc.stderr or b""
        return None, err.decode(errors="replace") if isinstance(err, bytes) else err
    return proc.returncode, proc.stderr


def errors_of(stderr):
    return [line for line in stderr.splitlines() if ": error: " in line]


def check_normal(binary, tmp):
    out = os.path.join(tmp, "normal.json")
    rc, err = replay(binary, out, MANY_LINES)
    if rc != 0:
        return "exited %s: %s" % (rc, err[-300:])
    if errors_of(err):
        return "errors on stderr: %s" % errors_of(err)
    with open(out) as f:
        if sum(1 for _ in f) < 250:
            return "fewer lines than flows in %s" % out
    return None


def check_dev_full(binary, _tmp):
    rc, err = replay(binary, "/dev/full", MANY_LINES)
    if rc is None:
        return "did not end in %ds" % REPLAY_TIMEOUT
    if rc == 0:
        return "exited 0 with every line lost"
    failed = [line for line in err.splitlines() if "/dev/full" in line and "write failed" in line]
    if len(failed) != 1:
        return "want the write failure logged once naming /dev/full, got %d: %s" % (
            len(failed), err[-500:])
    if "No space left on device" not in failed[0] or "lost" not in failed[0]:
        return "the failure does not say why or what was lost: %s" % failed[0]
    account = [line for line in err.splitlines() if "final account:" in line]
    if len(account) != 1:
        return "no final account on stderr: %s" % err[-500:]
    want = "%d packets seen, %d in flows: 0 exported" % (MANY_LINES_PACKETS, MANY_LINES_PACKETS)
    if want not in account[0] or \
            "%d in flow records lost in writing" % MANY_LINES_PACKETS not in account[0]:
        return "final account does not say every packet's flow was lost: %s" % account[0]
    lost = re.search(r"(\d+) EVE lines were lost", err)
    if not lost or int(lost.group(1)) < 250:
        return "the exit does not say how many lines were lost: %s" % err[-300:]
    return None


def check_proc_version(binary, _tmp):
    with open("/proc/version") as f:
        before = f.read()
    rc, err = replay(binary, "/proc/version", SMALL)
    if rc is None:
        return "did not end in %ds" % REPLAY_TIMEOUT
    if rc == 0:
        return "exited 0"
    named = [line for line in errors_of(err) if "/proc/version" in line]
    if not named or not any(w in " ".join(named) for w in ("write failed", "cannot open")):
        return "no error naming /proc/version and what failed: %s" % err[-300:]
    with open("/proc/version") as f:
        if f.read() != before:
            return "/proc/version changed"
    return None


def refused(binary, path, words):
    """None if replay -o path exits non-zero, in time, with an error naming path and
    containing one of words."""
    rc, err = replay(binary, path, SMALL)
    if rc is None:
        return "hung: did not end in %ds" % REPLAY_TIMEOUT
    if rc == 0:
        return "exited 0"
    named = [line for line in errors_of(err) if path in line]
    if not named or not any(w in named[0] for w in words):
        return "want an error naming %s and saying %s: %s" % (path, " or ".join(words),
                                                               err[-300:])
    return None


def check_symlink(binary, tmp):
    target = os.path.join(tmp, "precious")
    content = "root-owned data that must not grow\n"
    with open(target, "w") as f:
        f.write(content)
    link = os.path.join(tmp, "eve-link.json")
    os.symlink(target, link)
    why = refused(binary, link, ["symbolic link"])
    with open(target) as f:
        if f.read() != content:
            return "the symlink's target was written to" + ("; " + why if why else "")
    if not os.path.islink(link):
        return "the symlink was replaced"
    return why


def check_dangling_symlink(binary, tmp):
    target = os.path.join(tmp, "created-through-link")
    link = os.path.join(tmp, "eve-dangling.json")
    os.symlink(target, link)
    why = refused(binary, link, ["symbolic link"])
    if os.path.exists(target):
        return "a file was created where the symlink points" + ("; " + why if why else "")
    return why


def check_fifo(binary, tmp):
    fifo = os.path.join(tmp, "eve-fifo.json")
    os.mkfifo(fifo)
    return refused(binary, fifo, ["FIFO"])


def check_fifo_with_reader(binary, tmp):
    fifo = os.path.join(tmp, "eve-fifo-read.json")
    os.mkfifo(fifo)
    reader = os.open(fifo, os.O_RDONLY | os.O_NONBLOCK)	# the writer's open succeeds
    try:
        why = refused(binary, fifo, ["FIFO"])
        try:
            data = os.read(reader, 65536)
        except BlockingIOError:
            data = b""
        if data:
            return "wrote %d bytes into the FIFO" % len(data)
        return why
    finally:
        os.close(reader)


def check_socket(binary, tmp):
    path = os.path.join(tmp, "eve-sock.json")
    sock = socket.socket(socket.AF_UNIX, socket.SOCK_DGRAM)
    try:
        sock.bind(path)
        return refused(binary, path, ["not a regular file"])
    finally:
        sock.close()


def check_directory(binary, tmp):
    path = os.path.join(tmp, "eve-dir.json")
    os.mkdir(path)
    why = refused(binary, path, ["directory"])
    if os.listdir(path):
        return "something was created in the directory" + ("; " + why if why else "")
    return why


CHECKS = [
    ("normal_exits_0", check_normal),
    ("dev_full", check_dev_full),
    ("proc_version", check_proc_version),
    ("symlink_refused", check_symlink),
    ("dangling_symlink_refused", check_dangling_symlink),
    ("fifo_refused", check_fifo),
    ("fifo_with_reader_refused", check_fifo_with_reader),
    ("socket_refused", check_socket),
    ("directory_refused", check_directory),
]


def main():
    binary = sys.argv[1] if len(sys.argv) > 1 else ".output/asan/edgewatch"
    results = Results("pcap/output_failures")
    with tempfile.TemporaryDirectory(prefix="edgewatch-outfail.") as tmp:
        for name, check in CHECKS:
            results.result(name, check(binary, tmp))
    return results.exit_code()


if __name__ == "__main__":
    sys.exit(main())
