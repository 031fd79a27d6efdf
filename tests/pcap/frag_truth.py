"""Which flow each IP fragment of a capture belongs to, decided by tshark, not by edgewatch.

tshark runs with reassembly off (`ip.defragment`, `ipv6.defragment` FALSE), so every frame
is dissected on its own: a first fragment (offset 0, more fragments) still carries its L4
header and so its ports; a later fragment carries none. The rules applied here are the
ones any flow monitor without reassembly must follow, written from the RFCs (791, 8200),
not from edgewatch's code:
- the datagram a fragment belongs to is (source, destination, identification, protocol) of
  the outermost fragmented IP header (plus the outer VLAN: two VLANs are two networks);
- a later fragment belongs to the flow of its datagram's first fragment, if that first
  fragment came before it and not more than FRAG_TIMEOUT_S earlier (the reassembly timeout
  edgewatch documents; RFC 8200 says 60 s), or if the first fragment comes after it, not
  more than FRAG_TIMEOUT_S after the first of the datagram's later fragments that came
  before it (they "join" then, as a reassembling host would still put the datagram
  together); otherwise its first fragment is missing;
- a frame that is not a fragment is keyed by its innermost IP header and the L4 header that
  follows it (an ICMP error's quoted header is payload, not a layer).

The truth is per frame, so it gives each unidirectional flow's exact packets and frame
bytes, fragments included, with no slack, plus how many later fragments were attributed
(their first fragment came before them), joined (it came after them) and how many had no
first fragment.
"""
import ipaddress
import shutil
import subprocess

FRAG_TIMEOUT_S = 60.0
# Reassembly off for every dissector that reassembles IP datagrams on its own.
TSHARK_PREFS = ["-o", "ip.defragment:FALSE", "-o", "ipv6.defragment:FALSE"]
FIELDS = ["frame.number", "frame.time_epoch", "frame.len", "frame.protocols", "vlan.id",
          "ip.src", "ip.dst", "ip.id", "ip.flags.mf", "ip.frag_offset", "ip.proto",
          "ipv6.src", "ipv6.dst", "ipv6.fraghdr.ident", "ipv6.fraghdr.offset",
          "ipv6.fraghdr.more", "ipv6.fraghdr.nxt",
          "tcp.srcport", "tcp.dstport", "udp.srcport", "udp.dstport",
          "sctp.srcport", "sctp.dstport"]
L4_PROTO = {"tcp": 6, "udp": 17, "sctp": 132, "icmp": 1, "icmpv6": 58}
PORTED = ("tcp", "udp", "sctp")
FRAG_FILTER = "ip.flags.mf == 1 || ip.frag_offset > 0 || ipv6.fraghdr"


class TruthError(Exception):
    """tshark is missing, failed, or decoded something these rules do not cover."""


def tshark_path():
    path = shutil.which("tshark")
    if not path:
        raise TruthError("tshark not found (Debian package tshark: run `make deps`)")
    return path


def tshark(pcap, args):
    proc = subprocess.run([tshark_path(), "-n", "-r", pcap] + TSHARK_PREFS + args,
                          capture_output=True, text=True, timeout=300)
    if proc.returncode != 0:
        raise TruthError("tshark -r %s exited %d: %s" %
                         (pcap, proc.returncode, proc.stderr.strip()[-300:]))
    return proc.stdout


def has_fragments(pcap):
    return tshark(pcap, ["-Y", FRAG_FILTER, "-T", "fields", "-e", "frame.number"]).strip() != ""


class Frame:
    """One frame's fields; each field a list of its occurrences, layer by layer."""

    def __init__(self, line):
        cols = line.rstrip("\n").split("\t")
        if len(cols) != len(FIELDS):
            raise TruthError("tshark line with %d fields, want %d: %r" %
                             (len(cols), len(FIELDS), line))
        self.values = {name: (col.split(",") if col else []) for name, col in zip(FIELDS, cols)}
        self.number = int(self.one("frame.number"))
        self.time = float(self.one("frame.time_epoch"))
        self.length = int(self.one("frame.len"))
        self.layers = self.one("frame.protocols").split(":")
        self.next_index = {}

    def one(self, name):
        return self.values[name][0]

    def take(self, name):
        """The next occurrence of a field, in the order the layers come in the frame."""
        i = self.next_index.get(name, 0)
        occ = self.values[name]
        if i >= len(occ):
            raise TruthError("frame %d: layer without its %s" % (self.number, name))
        self.next_index[name] = i + 1
        return occ[i]


def ip_layers(frame):
    """The frame's IP headers, outermost first, up to its L4 header:
    dicts with family, src, dst and frag (None, or (first, id, proto)); then the L4 layer
    name and its ports (or None)."""
    headers, l4, ports = [], None, None
    layers = frame.layers
    for i, name in enumerate(layers):
        if name == "ip":
            mf = frame.take("ip.flags.mf") in ("1", "True")
            offset = int(frame.take("ip.frag_offset"))
            hdr = {"family": 4, "src": frame.take("ip.src"), "dst": frame.take("ip.dst"),
                   "id": int(frame.take("ip.id"), 0), "proto": int(frame.take("ip.proto")),
                   "frag": None}
            if mf or offset:
                hdr["frag"] = (offset == 0, hdr["id"], hdr["proto"])
            headers.append(hdr)
        elif name == "ipv6":
            headers.append({"family": 6, "src": frame.take("ipv6.src"),
                            "dst": frame.take("ipv6.dst"), "frag": None, "proto": None})
        elif name == "ipv6.fraghdr":
            ident = int(frame.take("ipv6.fraghdr.ident"), 0)
            offset = int(frame.take("ipv6.fraghdr.offset"))
            more = frame.take("ipv6.fraghdr.more") in ("1", "True")
            nxt = int(frame.take("ipv6.fraghdr.nxt"))
            headers[-1]["proto"] = nxt
            if offset or more:	# offset 0 without M is an atomic fragment (RFC 6946)
                headers[-1]["frag"] = (offset == 0, ident, nxt)
        elif name in L4_PROTO and headers:
            l4 = name
            if name in PORTED:
                ports = (int(frame.take(name + ".srcport")), int(frame.take(name + ".dstport")))
            # what follows an L4 header is payload (an ICMP error's quoted datagram), or a
            # tunnel (VXLAN, Geneve, Teredo in UDP): only a tunnel brings more IP layers
            rest = layers[i + 1:]
            if name in ("icmp", "icmpv6") or not any(n in ("ip", "ipv6") for n in rest):
                break
            l4, ports = None, None
    return headers, l4, ports


def frame_key(frame, headers, l4, ports):
    """The unidirectional flow key of a frame that is not a later fragment."""
    inner = headers[-1]
    if l4:
        proto = L4_PROTO[l4]
    elif inner["proto"] is not None:
        proto = inner["proto"]	# e.g. ESP, or a first fragment tshark did not dissect
    else:
        raise TruthError("frame %d: no L4 protocol after its innermost IP header (%s)" %
                         (frame.number, ":".join(frame.layers)))
    sport, dport = ports if ports else (0, 0)
    return (str(ipaddress.ip_address(inner["src"])), str(ipaddress.ip_address(inner["dst"])),
            proto, sport, dport)


def derive(pcap):
    """-> dict: flows {key: [pkts, frame bytes]}, attributed (later fragments put in their
    first fragment's flow), joined (later fragments that came before their first fragment
    and were put in its flow when it came), first_missing (never placed), fragments
    (frames that are fragments)."""
    out = tshark(pcap, ["-T", "fields", "-E", "occurrence=a", "-E", "separator=/t"] +
                 sum((["-e", f] for f in FIELDS), []))
    # held: datagram -> [time of its first held fragment, packets, frame bytes]
    flows, datagrams, held = {}, {}, {}
    truth = {"flows": flows, "attributed": 0, "joined": 0, "first_missing": 0,
             "fragments": 0}
    for line in out.splitlines():
        frame = Frame(line)
        headers, l4, ports = ip_layers(frame)
        if not headers:
            continue	# ARP, CDP, ...: no IP flow
        outer_frag = next((h for h in headers if h["frag"]), None)
        key = None
        if outer_frag:
            truth["fragments"] += 1
            first, ident, proto = outer_frag["frag"]
            vlan = frame.values["vlan.id"][0] if frame.values["vlan.id"] else None
            dgram = (outer_frag["family"], vlan, outer_frag["src"], outer_frag["dst"],
                     ident, proto)
            if first:
                key = frame_key(frame, headers, l4, ports)	# it carries the ports
                seen = datagrams.get(dgram)
                # a repeated first fragment within the timeout keeps the datagram's flow
                if not seen or frame.time > seen[1] + FRAG_TIMEOUT_S:
                    datagrams[dgram] = (key, frame.time)
                wait = held.pop(dgram, None)
                if wait and frame.time <= wait[0] + FRAG_TIMEOUT_S:
                    cur = flows.setdefault(key, [0, 0])
                    cur[0] += wait[1]
                    cur[1] += wait[2]
                    truth["joined"] += wait[1]
                    truth["first_missing"] -= wait[1]
            else:
                seen = datagrams.get(dgram)
                if seen and frame.time <= seen[1] + FRAG_TIMEOUT_S:
                    key = seen[0]
                    truth["attributed"] += 1
                else:
                    truth["first_missing"] += 1	# until its first fragment comes
                    wait = held.get(dgram)
                    if not wait or frame.time > wait[0] + FRAG_TIMEOUT_S:
                        wait = held[dgram] = [frame.time, 0, 0]
                    wait[1] += 1
                    wait[2] += frame.length
                    continue
        else:
            key = frame_key(frame, headers, l4, ports)
        cur = flows.setdefault(key, [0, 0])
        cur[0] += 1
        cur[1] += frame.length
    return truth
