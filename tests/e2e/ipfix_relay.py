#!/usr/bin/env python3
"""A tiny IPFIX collector for tests/e2e/test_ipfix.sh: receives IPFIX messages over UDP
or TCP on 127.0.0.1:PORT, appends each message to FILE (an IPFIX file is its messages
one after another, RFC 5655, so ipfixDump reads it) and forwards each as one UDP
datagram to 127.0.0.1:FORWARD (nfcapd, which takes UDP only). Stops on SIGTERM or after
--seconds; prints "listening" once bound."""
import argparse
import select
import signal
import socket
import struct
import sys
import time


def main():
    ap = argparse.ArgumentParser()
    ap.add_argument("transport", choices=["udp", "tcp"])
    ap.add_argument("port", type=int)
    ap.add_argument("file")
    ap.add_argument("forward", type=int)
    ap.add_argument("--seconds", type=float, default=120)
    a = ap.parse_args()
    stop = []
    signal.signal(signal.SIGTERM, lambda *_: stop.append(1))
    out = open(a.file, "wb")
    fwd = socket.socket(socket.AF_INET, socket.SOCK_DGRAM)
    kind = socket.SOCK_DGRAM if a.transport == "udp" else socket.SOCK_STREAM
    srv = socket.socket(socket.AF_INET, kind)
    srv.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
    srv.bind(("127.0.0.1", a.port))
    if kind == socket.SOCK_STREAM:
        srv.listen(4)
    print("listening", flush=True)
    conns, bufs = [], {}
    deadline = time.monotonic() + a.seconds

    def emit(msg):
        out.write(msg)
        out.flush()
        fwd.sendto(msg, ("127.0.0.1", a.forward))
        time.sleep(0.002)   # nfcapd's socket buffer: no loss on the test's side

    while not stop and time.monotonic() < deadline:
        r, _, _ = select.select([srv] + conns, [], [], 0.2)
        for s in r:
            if s is srv and kind == socket.SOCK_DGRAM:
                emit(srv.recv(65535))
            elif s is srv:
                c, _ = srv.accept()
                conns.append(c)
                bufs[c] = b""
            else:
                data = s.recv(65535)
                if not data:
                    conns.remove(s)
                    s.close()
                    continue
                bufs[s] += data
                while len(bufs[s]) >= 4:
                    length = struct.unpack("!H", bufs[s][2:4])[0]
                    if length < 16 or len(bufs[s]) < length:
                        break
                    emit(bufs[s][:length])
                    bufs[s] = bufs[s][length:]
    out.close()
    return 0


if __name__ == "__main__":
    sys.exit(main())
