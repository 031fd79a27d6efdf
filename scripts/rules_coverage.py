#!/usr/bin/env python3
"""Write rules/COVERAGE.md from the shipped rules' metadata: ATT&CK techniques x platforms,
with the count and the sids of the rules in each cell, so that what is not covered shows.

    scripts/rules_coverage.py            # print the table
    scripts/rules_coverage.py --write    # rewrite rules/COVERAGE.md (make rules-coverage)

Every shipped rule names its techniques (`mitre_technique_id`) and the systems its request or
command belongs to (`platform`, one value per key; see PLATFORMS). A rule without a platform,
an unknown platform, or a technique missing from TECHNIQUES is an error naming the file and
line: the table must not leave a rule out silently. tests/pcap/test_rules_coverage.py checks
that the committed file is this script's output.
"""
import collections
import glob
import os
import re
import sys

ROOT = os.path.join(os.path.dirname(os.path.abspath(__file__)), "..")
OUTPUT = os.path.join("rules", "COVERAGE.md")

# metadata value -> column heading, in column order
PLATFORMS = [
    ("linux", "Linux"),
    ("bsd", "BSD"),
    ("busybox", "BusyBox / embedded"),
    ("windows", "Windows"),
    ("container", "Containers / orchestration"),
    ("appliance", "Appliance web UI / management"),
]

TACTICS = {
    "TA0001": "Initial Access", "TA0002": "Execution", "TA0003": "Persistence",
    "TA0004": "Privilege Escalation", "TA0005": "Defense Evasion", "TA0006": "Credential Access",
    "TA0007": "Discovery", "TA0009": "Collection", "TA0011": "Command and Control",
    "TA0040": "Impact", "TA0043": "Reconnaissance",
}

# ATT&CK names of the techniques the rules use (a new technique needs its name here)
TECHNIQUES = {
    "T1003.001": "OS Credential Dumping: LSASS Memory",
    "T1003.002": "OS Credential Dumping: Security Account Manager",
    "T1003.003": "OS Credential Dumping: NTDS",
    "T1003.008": "OS Credential Dumping: /etc/passwd and /etc/shadow",
    "T1005": "Data from Local System",
    "T1027": "Obfuscated Files or Information",
    "T1027.010": "Obfuscated Files or Information: Command Obfuscation",
    "T1033": "System Owner/User Discovery",
    "T1037.004": "Boot or Logon Initialization Scripts: RC Scripts",
    "T1053.003": "Scheduled Task/Job: Cron",
    "T1053.005": "Scheduled Task/Job: Scheduled Task",
    "T1059": "Command and Scripting Interpreter",
    "T1059.001": "Command and Scripting Interpreter: PowerShell",
    "T1059.003": "Command and Scripting Interpreter: Windows Command Shell",
    "T1059.004": "Command and Scripting Interpreter: Unix Shell",
    "T1059.006": "Command and Scripting Interpreter: Python",
    "T1059.007": "Command and Scripting Interpreter: JavaScript",
    "T1068": "Exploitation for Privilege Escalation",
    "T1070.001": "Indicator Removal: Clear Windows Event Logs",
    "T1070.002": "Indicator Removal: Clear Linux or Mac System Logs",
    "T1070.003": "Indicator Removal: Clear Command History",
    "T1078": "Valid Accounts",
    "T1082": "System Information Discovery",
    "T1083": "File and Directory Discovery",
    "T1098": "Account Manipulation",
    "T1098.004": "Account Manipulation: SSH Authorized Keys",
    "T1105": "Ingress Tool Transfer",
    "T1133": "External Remote Services",
    "T1136.001": "Create Account: Local Account",
    "T1140": "Deobfuscate/Decode Files or Information",
    "T1190": "Exploit Public-Facing Application",
    "T1197": "BITS Jobs",
    "T1203": "Exploitation for Client Execution",
    "T1218.005": "System Binary Proxy Execution: Mshta",
    "T1218.007": "System Binary Proxy Execution: Msiexec",
    "T1218.010": "System Binary Proxy Execution: Regsvr32",
    "T1218.011": "System Binary Proxy Execution: Rundll32",
    "T1220": "XSL Script Processing",
    "T1222.002": "File and Directory Permissions Modification: Linux and Mac",
    "T1490": "Inhibit System Recovery",
    "T1496": "Resource Hijacking",
    "T1505.003": "Server Software Component: Web Shell",
    "T1543.002": "Create or Modify System Process: Systemd Service",
    "T1547.001": "Boot or Logon Autostart Execution: Registry Run Keys / Startup Folder",
    "T1552.001": "Unsecured Credentials: Credentials In Files",
    "T1552.007": "Unsecured Credentials: Container API",
    "T1562.001": "Impair Defenses: Disable or Modify Tools",
    "T1562.004": "Impair Defenses: Disable or Modify System Firewall",
    "T1574.006": "Hijack Execution Flow: Dynamic Linker Hijacking",
    "T1595.001": "Active Scanning: Scanning IP Blocks",
    "T1595.002": "Active Scanning: Vulnerability Scanning",
    "T1602.002": "Data from Configuration Repository: Network Device Configuration Dump",
    "T1609": "Container Administration Command",
    "T1610": "Deploy Container",
    "T1611": "Escape to Host",
    "T1613": "Container and Resource Discovery",
}

# What issue 10 asked to cover and no rule does, and why (kept here so the table says it)
GAPS = [
    ("Cisco Smart Install abuse (TCP 4786, CVE-2018-0171, config pulls)", "T1602.002",
     "no message layout we are sure enough of to write a byte rule; the management policy "
     "(port 4786 in the management list) is the detection"),
    ("etcd v3 native gRPC API (HTTP/2 on 2379)", "T1552.007",
     "the method path is HPACK-coded (often Huffman) in HTTP/2 frames: no stable bytes; only "
     "the JSON gateway (/v3/kv/range) and v2 are matched"),
    ("Docker API on 2376, kubelet on 10250 and the Kubernetes API on 6443", "T1609, T1610",
     "TLS: the rules see these requests only on plain-text ports (2375, 10255, 8080) or behind "
     "TLS termination"),
    ("Fortinet FGFM, Ivanti IF-T/TLS, NETCONF and SSH management, SNMPv3 authPriv", "T1133",
     "encrypted: there is no clear-text request to match"),
    ("C2 over common protocols (HTTP/HTTPS beacons, DNS tunnels)", "T1071",
     "no fixed bytes; periodic callbacks are found by the beacon detector (userspace/detect), "
     "not by payload rules"),
    ("Discovery commands alone (ifconfig, ip a, netstat, ps, whoami)", "T1016, T1049, T1057",
     "the same words fill every administrator's session; they alert only where an injection "
     "carries them (9101030, 9104030, 9104034)"),
    (".NET ViewState deserialisation (ysoserial.net)", "T1190",
     "the payload is an opaque base64 blob in __VIEWSTATE, as legitimate state is"),
    ("PowerShell string-level obfuscation (Invoke-Obfuscation ticks, concatenation, -f)",
     "T1027.010", "no finite shape; the encoded-command and FromBase64String forms are covered "
     "(9102010, 9102018)"),
]


def fail(msg):
    sys.stderr.write("rules_coverage: %s\n" % msg)
    sys.exit(1)


def load_rules(root):
    """[(file, line, sid, msg, {key: [values]})] of the shipped rules."""
    rules = []
    for path in sorted(glob.glob(os.path.join(root, "rules", "*.rules"))):
        name = os.path.basename(path)
        with open(path) as f:
            for lineno, text in enumerate(f, 1):
                if not text.startswith(("alert ", "drop ")):
                    continue
                where = "rules/%s:%d" % (name, lineno)
                sid = re.search(r"[(;]\s*sid:(\d+);", text)
                msg = re.search(r'msg:"([^"]*)"', text)
                meta = re.search(r"[(;]\s*metadata:([^;]*);", text)
                if not (sid and msg and meta):
                    fail("%s: a rule needs msg, metadata and sid" % where)
                fields = collections.defaultdict(list)
                for pair in meta.group(1).split(","):
                    key, _, value = pair.strip().partition(" ")
                    fields[key].append(value.strip())
                known = [p for p, _ in PLATFORMS]
                if not fields["platform"]:
                    fail("%s: sid %s has no platform metadata (one of %s)"
                         % (where, sid.group(1), ", ".join(known)))
                for p in fields["platform"]:
                    if p not in known:
                        fail("%s: sid %s: unknown platform '%s' (one of %s)"
                             % (where, sid.group(1), p, ", ".join(known)))
                for t in fields["mitre_technique_id"]:
                    if t not in TECHNIQUES:
                        fail("%s: sid %s: technique %s has no name in TECHNIQUES of %s"
                             % (where, sid.group(1), t, os.path.relpath(__file__, root)))
                if not fields["mitre_technique_id"]:
                    fail("%s: sid %s has no mitre_technique_id" % (where, sid.group(1)))
                rules.append((name, lineno, int(sid.group(1)), msg.group(1), fields))
    if not rules:
        fail("no rules in %s/rules/*.rules" % root)
    return rules


def sid_label(rule):
    medium = rule[4]["confidence"] == ["Medium"]
    return "%d%s" % (rule[2], "\\*" if medium else "")


def render(rules):
    out = ["# Coverage of the shipped rules", "",
           "Generated by `scripts/rules_coverage.py` (`make rules-coverage`) from the rules' "
           "`mitre_technique_id` and `platform` metadata; do not edit by hand "
           "(`tests/pcap/test_rules_coverage.py` checks that this file is the script's output).",
           "",
           "A cell gives the number of rules for that technique on that platform and their sids "
           "(`\\*`: Medium confidence, listed in README.md); an empty cell is a gap. A rule "
           "counts once in every technique and platform it names.", ""]

    files = collections.Counter(r[0] for r in rules)
    plat_count = collections.Counter(p for r in rules for p in r[4]["platform"])
    medium = sum(1 for r in rules if r[4]["confidence"] == ["Medium"])
    out += ["## Totals", "",
            "%d rules in %d files (%d with Medium confidence), %d techniques." % (
                len(rules), len(files), medium,
                len({t for r in rules for t in r[4]["mitre_technique_id"]})), "",
            "| file | rules |", "|---|---|"]
    out += ["| `%s` | %d |" % (f, n) for f, n in sorted(files.items())]
    out += ["", "| platform | rules |", "|---|---|"]
    out += ["| %s | %d |" % (heading, plat_count[p]) for p, heading in PLATFORMS]

    cells = collections.defaultdict(list)
    tactics = collections.defaultdict(set)
    for r in rules:
        for t in r[4]["mitre_technique_id"]:
            tactics[t].update(r[4]["mitre_tactic_id"])
            for p in r[4]["platform"]:
                cells[(t, p)].append(r)
    out += ["", "## Techniques x platforms", "",
            "| technique | tactic | " + " | ".join(h for _, h in PLATFORMS) + " |",
            "|---|---|" + "---|" * len(PLATFORMS)]
    for t in sorted({t for t, _ in cells}, key=lambda x: [int(n) for n in x[1:].split(".")]):
        row = ["%s %s" % (t, TECHNIQUES[t]),
               ", ".join(TACTICS.get(ta, ta) for ta in sorted(tactics[t]))]
        for p, _ in PLATFORMS:
            rs = sorted(cells.get((t, p), []), key=lambda r: r[2])
            row.append("%d: %s" % (len(rs), " ".join(sid_label(r) for r in rs)) if rs else "")
        out.append("| " + " | ".join(row) + " |")

    out += ["", "## Asked for and not covered", "",
            "Tradecraft from issue 10's list that no rule matches, and why.", "",
            "| what | technique | why not |", "|---|---|---|"]
    out += ["| %s | %s | %s |" % gap for gap in GAPS]
    return "\n".join(out) + "\n"


def main():
    text = render(load_rules(ROOT))
    if sys.argv[1:] == ["--write"]:
        with open(os.path.join(ROOT, OUTPUT), "w") as f:
            f.write(text)
    elif sys.argv[1:]:
        fail("usage: scripts/rules_coverage.py [--write]")
    else:
        sys.stdout.write(text)


if __name__ == "__main__":
    main()
