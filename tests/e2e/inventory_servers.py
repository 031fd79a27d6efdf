#!/usr/bin/env python3
"""Servers and clients for tests/e2e/test_inventory_live.sh, every loop bounded:

  serve ADDR CERT KEY an SSH-like banner on ADDR:2222 (OpenSSH 5.3: end of life), an
                      SNMPv2c agent on ADDR:161/udp (Cisco IOS sysDescr) and a TLS 1.2
                      server on ADDR:8443 (a management port) with CERT, each answering
                      at most 4 times, for at most 20 s
  ask ADDR            connect to the banner once, ask the agent once, one TLS handshake
"""
import socket
import ssl
import sys
import threading

BANNER = b"SSH-2.0-OpenSSH_5.3\r\n"
DESCR = b"Cisco IOS Software, C2960 Software (C2960-I7V-M), Version 12.2(58)SE1, RELEASE " \
        b"SOFTWARE (fc1)"


def ber(tag, value):
    n = len(value)
    return bytes([tag, n] if n < 128 else [tag, 0x81, n]) + value


SYSDESCR_OID = ber(0x06, bytes([0x2B, 6, 1, 2, 1, 1, 1, 0]))


def message(pdu_tag, value):
    vb = ber(0x30, ber(0x30, SYSDESCR_OID + value))
    pdu = ber(0x02, b"\x01") + ber(0x02, b"\0") + ber(0x02, b"\0") + vb
    return ber(0x30, ber(0x02, b"\x01") + ber(0x04, b"public") + ber(pdu_tag, pdu))


def serve_tcp(addr, port, answer):
    """Up to four connections to addr:port, each handed to answer; 20 s without one ends."""
    s = socket.socket()
    s.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
    s.bind((addr, port))
    s.listen(4)
    s.settimeout(20)
    for _ in range(4):
        try:
            c, _ = s.accept()
        except socket.timeout:
            return
        answer(c)


def serve_banner(addr):
    def answer(c):
        c.sendall(BANNER)
        c.close()
    serve_tcp(addr, 2222, answer)


def serve_agent(addr):
    s = socket.socket(socket.AF_INET, socket.SOCK_DGRAM)
    s.bind((addr, 161))
    s.settimeout(20)
    for _ in range(4):
        try:
            _, peer = s.recvfrom(2048)
        except socket.timeout:
            return
        s.sendto(message(0xA2, ber(0x04, DESCR)), peer)


def serve_tls(addr, cert, key):
    # TLS 1.2: the certificate travels in clear (1.3 encrypts it)
    ctx = ssl.SSLContext(ssl.PROTOCOL_TLS_SERVER)
    ctx.maximum_version = ssl.TLSVersion.TLSv1_2
    ctx.load_cert_chain(cert, key)

    def answer(c):
        c.settimeout(5)
        try:
            with ctx.wrap_socket(c, server_side=True) as t:
                t.recv(1)   # until the client closes
        except (ssl.SSLError, OSError):
            pass
    serve_tcp(addr, 8443, answer)


def ask_tls(addr):
    ctx = ssl.SSLContext(ssl.PROTOCOL_TLS_CLIENT)
    ctx.check_hostname = False
    ctx.verify_mode = ssl.CERT_NONE     # self-signed: what the inventory is to flag
    ctx.maximum_version = ssl.TLSVersion.TLSv1_2
    with socket.create_connection((addr, 8443), timeout=5) as raw:
        with ctx.wrap_socket(raw) as t:
            return t.version() == "TLSv1.2"


def ask(addr):
    c = socket.create_connection((addr, 2222), timeout=5)
    got = c.recv(100)
    c.close()
    u = socket.socket(socket.AF_INET, socket.SOCK_DGRAM)
    u.settimeout(5)
    u.sendto(message(0xA0, b"\x05\x00"), (addr, 161))
    answer, _ = u.recvfrom(2048)
    return got == BANNER and DESCR in answer and ask_tls(addr)


def main():
    if sys.argv[1] == "serve":
        threads = [threading.Thread(target=f, args=(sys.argv[2],))
                   for f in (serve_banner, serve_agent)]
        threads.append(threading.Thread(target=serve_tls, args=tuple(sys.argv[2:5])))
        for t in threads:
            t.start()
        for t in threads:
            t.join()
        return 0
    return 0 if ask(sys.argv[2]) else 1


if __name__ == "__main__":
    sys.exit(main())
