#!/usr/bin/env python3
"""Services of the demo's gateway: a web server (tcp/80), an SSH-like banner (tcp/22) and
a DNS-like UDP echo (udp/53), on the given addresses. Runs until killed (the demo bounds
it with timeout)."""
import socket
import sys
import threading


def web(addr, family):
    s = socket.socket(family, socket.SOCK_STREAM)
    s.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
    s.bind((addr, 80))
    s.listen(16)
    while True:
        c, _ = s.accept()
        c.settimeout(2)
        try:
            c.recv(65536)
            body = b"<html><body>edge device admin</body></html>"
            c.sendall(b"HTTP/1.0 200 OK\r\nContent-Length: %d\r\n\r\n%s" % (len(body), body))
        except OSError:
            pass
        c.close()


def banner(addr, family):
    s = socket.socket(family, socket.SOCK_STREAM)
    s.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
    s.bind((addr, 22))
    s.listen(16)
    while True:
        c, _ = s.accept()
        try:
            c.sendall(b"SSH-2.0-OpenSSH_9.2 demo\r\n")
            c.settimeout(1)
            c.recv(4096)
        except OSError:
            pass
        c.close()


def udp_echo(addr, family):
    s = socket.socket(family, socket.SOCK_DGRAM)
    s.bind((addr, 53))
    while True:
        data, peer = s.recvfrom(4096)
        s.sendto(data, peer)


def main():
    threads = []
    for addr, family in ((sys.argv[1], socket.AF_INET), (sys.argv[2], socket.AF_INET6)):
        for fn in (web, banner, udp_echo):
            threads.append(threading.Thread(target=fn, args=(addr, family), daemon=True))
    for t in threads:
        t.start()
    for t in threads:
        t.join()


if __name__ == "__main__":
    main()
