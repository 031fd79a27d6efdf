#!/usr/bin/env python3
"""The shipped rules without configuring them (issue 10, "Rules out of the box"):
  - `edgewatch replay capture` with no config, run from a directory that has nothing of
    the source tree, loads the shipped rules (found beside the binary), says so, and the
    exploit capture raises the shipped Log4Shell rule's alert;
  - a config that says nothing about rules does the same; `rules: {files: []}` turns them
    off (no payload-rule alert, and it does not say it loaded them);
  - a config in another directory naming rule files by absolute path, without
    rules.classification, loads them with the shipped classification (not a path
    relative to the current directory: one error per rule before);
  - EDGEWATCH_RULES_DIR pointing nowhere: no shipped rules, said once, the replay goes on.

Prints PASS/FAIL lines for tests/run.sh. usage: test_rules_out_of_box.py [EDGEWATCH]
"""
import json
import os
import subprocess
import sys
import tempfile

from result_lines import Results

BIN = os.path.abspath(sys.argv[1] if len(sys.argv) > 1 else ".output/asan/edgewatch")
ROOT = os.path.abspath(os.path.join(os.path.dirname(__file__), "..", ".."))
CAPTURE = os.path.join(ROOT, "tests/pcaps/exploit_log4shell-useragent.pcap")
LOG4SHELL = 9104001	# rules/web-attacks.rules
RESULTS = Results("pcap/rules_out_of_box")
result = RESULTS.result


def replay(cwd, config_text=None, env_rules_dir=None):
    """(exit code, stderr, rule sids alerted) of a replay run from cwd."""
    env = dict(os.environ)
    env.pop("EDGEWATCH_RULES_DIR", None)	# the suite turns the default off: not here
    if env_rules_dir is not None:
        env["EDGEWATCH_RULES_DIR"] = env_rules_dir
    eve = os.path.join(cwd, "eve.json")
    cmd = [BIN, "replay", "-q", "-o", eve]
    if config_text is not None:
        cfg = os.path.join(cwd, "edgewatch.yaml")
        with open(cfg, "w") as f:
            f.write(config_text)
        cmd += ["-c", cfg]
    proc = subprocess.run(cmd + [CAPTURE], cwd=cwd, env=env, capture_output=True, text=True,
                          timeout=600)
    sids = set()
    if os.path.exists(eve):
        with open(eve) as f:
            for line in f:
                e = json.loads(line)
                if e.get("event_type") == "alert":
                    sids.add(e["alert"]["signature_id"])
        os.unlink(eve)
    return proc.returncode, proc.stderr, sids


def check(name, rc, err, sids, want_alert, want_said):
    said = "shipped rule files in %s/rules" % ROOT in err
    if rc != 0:
        return result(name, "exit %d: %s" % (rc, err[-400:]))
    if (LOG4SHELL in sids) != want_alert:
        return result(name, "alert %d %s; alerts %s" % (
            LOG4SHELL, "missing" if want_alert else "raised", sorted(sids)))
    if said != want_said:
        return result(name, "the shipped rules %s: %s" % (
            "not named at start" if want_said else "named though off", err[:400]))
    if "unknown classtype" in err:
        return result(name, "classtype errors: %s" % err[:300])
    result(name)


with tempfile.TemporaryDirectory() as d:
    check("no_config", *replay(d), want_alert=True, want_said=True)
    check("config_without_rules", *replay(d, "flow:\n  idle-timeout: 30\n"),
          want_alert=True, want_said=True)
    check("files_empty_turns_off", *replay(d, "rules:\n  files: []\n"),
          want_alert=False, want_said=False)
    # a config elsewhere naming the rules by absolute path, no classification: the
    # shipped classification, whatever the current directory
    check("absolute_files_no_classification",
          *replay(d, "rules:\n  files: [%s/rules/web-attacks.rules]\n" % ROOT),
          want_alert=True, want_said=False)
    rc, err, sids = replay(d, env_rules_dir=os.path.join(d, "nowhere"))
    if rc != 0 or sids or "holds no shipped rules" not in err:
        result("rules_dir_nowhere", "exit %d, alerts %s: %s" % (rc, sorted(sids), err[-300:]))
    else:
        result("rules_dir_nowhere")

sys.exit(RESULTS.exit_code())
