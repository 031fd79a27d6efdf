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


class Session:
    """One long TCP connection, cli:sport -> srv:dport, with sequence numbers kept; its
    frames as (ts ns, frame) in .frames."""

    def __init__(self, t_ns, cli, srv, sport, dport):
        ms = 10**6
        self.cli, self.srv, self.sport, self.dport = cli, srv, sport, dport
        self.c, self.s = 1000, 5000
        self.frames = [(t_ns, segment(cli, srv, sport, dport, SYN, self.c, 0)),
                       (t_ns + 20 * ms, segment(srv, cli, dport, sport, SYN | ACK, self.s,
                                                self.c + 1)),
                       (t_ns + 40 * ms, segment(cli, srv, sport, dport, ACK, self.c + 1,
                                                self.s + 1))]
        self.c += 1
        self.s += 1

    def send(self, t_ns, from_client, n):
        """n payload bytes (segments of 1400) one way at t_ns, ACKed 20 ms later."""
        ms = 10**6
        while n > 0:
            k = min(n, 1400)
            if from_client:
                self.frames.append((t_ns, segment(self.cli, self.srv, self.sport, self.dport,
                                                  ACK | PSH, self.c, self.s, b"u" * k)))
                self.c += k
                self.frames.append((t_ns + 20 * ms, segment(self.srv, self.cli, self.dport,
                                                            self.sport, ACK, self.s, self.c)))
            else:
                self.frames.append((t_ns, segment(self.srv, self.cli, self.dport, self.sport,
                                                  ACK | PSH, self.s, self.c, b"d" * k)))
                self.s += k
                self.frames.append((t_ns + 20 * ms, segment(self.cli, self.srv, self.sport,
                                                            self.dport, ACK, self.c, self.s)))
            n -= k
            t_ns += ms


def in_flow_heartbeat(period_s=30, jitter=0.2, beats=40, dport=443, seed=30):
    """One TLS-like flow (implant -> C2:dport) kept open, a heartbeat every period_s +/-
    jitter (uniform), beats times (40 x 30 s: 20 minutes): each beat a 150-byte record up,
    a 90-byte answer 40 ms later, their ACKs: 4 packets, one burst."""
    rnd = random.Random(seed)
    ses = Session(0, IMPLANT, C2, 41000, dport)
    t = 0.0
    for _ in range(beats):
        t += period_s * (1 + jitter * (2 * rnd.random() - 1))
        ses.send(int(t * 10**9), True, 150 + rnd.randrange(30))
        ses.send(int(t * 10**9) + 40 * 10**6, False, 90 + rnd.randrange(30))
    return ses.frames


def in_flow_human(minutes=20, seed=22):
    """An SSH session typed by a person for 20 minutes (implant -> server:22): bursts of
    2-12 keystrokes 100-300 ms apart, each echoed, then a pause of a few seconds to 55 s
    (log-normal: thinking, reading; under the idle timeout, so the flow stays one)."""
    rnd = random.Random(seed)
    ses = Session(0, IMPLANT, synth.addr(0x1616), 42000, 22)
    t, end = 1.0, minutes * 60.0
    while t < end:
        for _ in range(rnd.randrange(2, 13)):
            ses.send(int(t * 10**9), True, 36)
            ses.send(int(t * 10**9) + 30 * 10**6, False, 36)
            t += rnd.uniform(0.1, 0.3)
        t += min(55.0, max(1.5, rnd.lognormvariate(2.0, 0.9)))
    return ses.frames


def in_flow_audio_stream(segments=100, seed=8):
    """An audio stream fetched over one kept-alive HTTPS connection: a 64 KB segment every
    8 s +/- 5%, each asked for with a 400-byte request: as regular as a heartbeat, but each
    burst is 64 KB (a beat is a few hundred bytes)."""
    rnd = random.Random(seed)
    ses = Session(0, IMPLANT, synth.addr(0x5002), 43000, 443)
    t = 0.0
    for _ in range(segments):
        t += 8 * (1 + 0.05 * (2 * rnd.random() - 1))
        ses.send(int(t * 10**9), True, 400)
        ses.send(int(t * 10**9) + 50 * 10**6, False, 64 * 1024)
    return ses.frames


def in_flow_poller(devices=5, polls=60, period_s=15):
    """A monitoring poller keeps one HTTP connection open to each of 5 devices and scrapes
    them every 15 s (Prometheus-style keep-alive): regular, small, from one source to
    several destinations on one port (peers)."""
    frames = []
    for d in range(devices):
        ses = Session(d * 10**8, synth.addr(0x0505), synth.addr(0x0610 + d), 44000 + d, 9100)
        for i in range(1, polls + 1):
            t = int((i * period_s + d * 0.1) * 10**9)
            ses.send(t, True, 120)
            ses.send(t + 30 * 10**6, False, 900)
        frames += ses.frames
    return frames


def in_flow_wireguard(beats=60):
    """An idle WireGuard tunnel: a persistent keepalive every 25 s each way (udp/51820)."""
    gw, peer = synth.addr(0x0101), synth.addr(0xC901)
    frames = []
    for i in range(beats):
        t = i * 25 * 10**9
        frames.append((t, synth.eth(synth.udp(gw, peer, 51820, 51820, b"k" * 32))))
        frames.append((t + 30 * 10**6, synth.eth(synth.udp(peer, gw, 51820, 51820,
                                                           b"k" * 32))))
    return frames


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
