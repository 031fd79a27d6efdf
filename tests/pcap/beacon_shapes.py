"""Captures of regular call-backs and of ordinary periodic traffic, for the beacon
detector's tests (tests/pcap/test_anomaly_beacon.py) and tests/pcaps/anomaly/:
    python3 tests/pcap/beacon_shapes.py OUT_DIR
writes beacon_fixed-30s.pcap, beacon_jitter-60s-30pct.pcap, benign_ntp-poll.pcap,
benign_monitoring-poller.pcap and benign_browser-revisits.pcap. Synthetic timestamps
over hours (nothing waits), fixed seeds (the same bytes every time)."""
import os
import random
import struct
import sys

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
import synth  # noqa: E402

FIN, SYN, ACK, PSH = 0x01, 0x02, 0x10, 0x08
IMPLANT, C2 = synth.addr(0x010A), synth.addr(0xC801)


def segment(src, dst, sport, dport, flags, seq, ack, payload=b""):
    hdr = struct.pack("!HHIIBBHHH", sport, dport, seq, ack, 5 << 4, flags, 65535, 0, 0)
    return synth.eth(synth.ipv4(6, src, dst, hdr + payload))


def connection(t_ns, cli, srv, sport, dport, up, down):
    """A whole TCP connection starting at t_ns: handshake, up bytes, down bytes, FINs."""
    ms = 10**6
    c, s = 1000, 5000
    frames = [(t_ns, segment(cli, srv, sport, dport, SYN, c, 0)),
              (t_ns + 20 * ms, segment(srv, cli, dport, sport, SYN | ACK, s, c + 1)),
              (t_ns + 40 * ms, segment(cli, srv, sport, dport, ACK | PSH, c + 1, s + 1,
                                       b"q" * up)),
              (t_ns + 60 * ms, segment(srv, cli, dport, sport, ACK | PSH, s + 1, c + 1 + up,
                                       b"r" * down)),
              (t_ns + 80 * ms, segment(cli, srv, sport, dport, FIN | ACK, c + 1 + up,
                                       s + 1 + down)),
              (t_ns + 100 * ms, segment(srv, cli, dport, sport, FIN | ACK, s + 1 + down,
                                        c + 2 + up)),
              (t_ns + 120 * ms, segment(cli, srv, sport, dport, ACK, c + 2 + up,
                                        s + 2 + down))]
    return frames


def calls(starts, cli, srv, dport, sizes):
    frames = []
    for i, (t, (up, down)) in enumerate(zip(starts, sizes)):
        frames += connection(int(t * 10**9), cli, srv, 40000 + i, dport, up, down)
    return frames


def beacon_fixed():
    """The implant calls C2:443 every 30 s, 40 times, 300 bytes up, 120 down."""
    return calls([30 * i for i in range(40)], IMPLANT, C2, 443, [(300, 120)] * 40)


def beacon_jitter():
    """Every 60 s +/- 30% (uniform), 40 times; sizes vary a little, one task result."""
    rnd = random.Random(60)
    t, starts = 0.0, []
    for _ in range(40):
        starts.append(t)
        t += 60 * (1 + 0.3 * (2 * rnd.random() - 1))
    sizes = [(300 + rnd.randrange(20), 120 + rnd.randrange(20)) for _ in range(40)]
    sizes[17] = (1400, 120)
    return calls(starts, IMPLANT, C2, 8443, sizes)


def ntp_poll():
    """A client polls 2 NTP servers every 64 s for an hour (one exchange per poll)."""
    frames = []
    for i in range(56):
        for n, server in enumerate((synth.addr(0x7B01), synth.addr(0x7B02))):
            t = (i * 64 + n) * 10**9
            frames.append((t, synth.eth(synth.udp(IMPLANT, server, 50000 + i, 123, b"n" * 48))))
            frames.append((t + 10**7, synth.eth(synth.udp(server, IMPLANT, 123, 50000 + i,
                                                          b"s" * 48))))
    return sorted(frames, key=lambda f: f[0])


def monitoring_poller():
    """A poller GETs /health on 6 devices every 60 s for 40 minutes, same sizes."""
    frames = []
    for d in range(6):
        frames += calls([60 * i + d for i in range(40)], synth.addr(0x0505),
                        synth.addr(0x0600 + d), 80, [(90, 400)] * 40)
    return sorted(frames, key=lambda f: f[0])


def browser_revisits():
    """A browser revisits one site at random (exponential gaps, mean 5 min), 30 times."""
    rnd = random.Random(5)
    t, starts = 0.0, []
    for _ in range(30):
        starts.append(t)
        t += rnd.expovariate(1 / 300)
    sizes = [(400 + rnd.randrange(600), 200 + rnd.randrange(1200)) for _ in range(30)]
    return calls(starts, IMPLANT, synth.addr(0x5001), 443, sizes)


CAPTURES = {
    "beacon_fixed-30s.pcap": beacon_fixed,
    "beacon_jitter-60s-30pct.pcap": beacon_jitter,
    "benign_ntp-poll.pcap": ntp_poll,
    "benign_monitoring-poller.pcap": monitoring_poller,
    "benign_browser-revisits.pcap": browser_revisits,
}

if __name__ == "__main__":
    if len(sys.argv) != 2:
        sys.exit("usage: beacon_shapes.py OUT_DIR")
    for name, make in CAPTURES.items():
        with open(os.path.join(sys.argv[1], name), "wb") as f:
            f.write(synth.pcap(sorted(make(), key=lambda fr: fr[0])))
