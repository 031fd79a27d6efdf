#!/usr/bin/env python3
"""scripts/kernel_table.py writes the README's kernel table from the matrix's last run
(issue 15): a kernel that ran gets its row (replaced, or added in version order), a kernel
that did not keep its row, nothing outside the markers changes, and a README without the
markers or a line it cannot read is an error naming the file. Also: the committed
README has the markers around a table the script can read.

Runs in the pcap tier because that is where the Python tests live; it needs neither root
nor the binary (the argument tests/run.sh passes is ignored).
Prints PASS/FAIL kernel_table/<check>[: why] for tests/run.sh.
"""
import os
import subprocess
import sys
import tempfile

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
from result_lines import Results  # noqa: E402

ROOT = os.path.join(os.path.dirname(os.path.abspath(__file__)), "..", "..")
SCRIPT = os.path.join(ROOT, "scripts", "kernel_table.py")
RESULTS = Results("kernel_table")

README = """# x
before
<!-- kernel-table begin -->
| kernel | result | run on |
|---|---|---|
| 6.1.0-57-amd64 | 223 passed, 0 failed (450s under TCG) | 2026-12-01 |
| 6.1.0-57-cloud-amd64 | 223 passed, 0 failed (405s under TCG) | 2026-12-01 |
<!-- kernel-table end -->
after
"""


def run(readme_text, last_run_text):
    """(exit status, stderr, the README after) of the script on these two files."""
    with tempfile.TemporaryDirectory() as d:
        readme, last = os.path.join(d, "README.md"), os.path.join(d, "last-run.txt")
        with open(readme, "w") as f:
            f.write(readme_text)
        with open(last, "w") as f:
            f.write(last_run_text)
        p = subprocess.run([sys.executable, SCRIPT, "--readme", readme, "--date", "2026-12-03",
                            last], capture_output=True, text=True)
        with open(readme) as f:
            return p.returncode, p.stderr, f.read()


def main():
    rc, err, out = run(README, "kernel 6.1.0-57-cloud-amd64: 225 passed, 1 failed (249s under "
                       "TCG)\nkernel 6.12.118+deb12-cloud-amd64: 226 passed, 0 failed (300s "
                       "under TCG)\n")
    want = README.replace(
        "| 6.1.0-57-cloud-amd64 | 223 passed, 0 failed (405s under TCG) | 2026-12-01 |\n",
        "| 6.1.0-57-cloud-amd64 | 225 passed, 1 failed (249s under TCG) | 2026-12-03 |\n"
        "| 6.12.118+deb12-cloud-amd64 | 226 passed, 0 failed (300s under TCG) | 2026-12-03 |\n")
    RESULTS.result("rows_replaced_added_and_kept",
                   None if rc == 0 and out == want else
                   "exit %d (%s); got:\n%s" % (rc, err.strip(), out))
    rc, err, out = run(README.replace("<!-- kernel-table end -->\n", ""), "kernel x: not run (y)\n")
    RESULTS.result("no_markers_is_an_error",
                   None if rc != 0 and "README.md" in err and "kernel-table" in err else
                   "exit %d, stderr %r" % (rc, err))
    rc, err, out = run(README, "something else\n")
    RESULTS.result("unreadable_line_is_an_error",
                   None if rc != 0 and "last-run.txt:1" in err and out == README else
                   "exit %d, stderr %r" % (rc, err))
    with open(os.path.join(ROOT, "README.md")) as f:
        text = f.read()
    rc, err, out = run(text, "")
    RESULTS.result("readme_has_the_table",
                   None if rc == 0 and out == text and "| 6.1.0-57-cloud-amd64 |" in text else
                   "exit %d (%s), or the README's table is not the script's" % (rc, err.strip()))
    return RESULTS.exit_code()


if __name__ == "__main__":
    sys.exit(main())
