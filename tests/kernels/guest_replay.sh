#!/bin/sh
# The kernel matrix's replay test, inside the guest: `edgewatch replay` runs the same BPF
# programs over a capture (BPF_PROG_TEST_RUN) on this kernel; the Log4Shell capture must
# raise its JNDI alert (sid 9104001, as tests/pcap/test_alerts.py pins on the host) and
# end with balanced stats.
EVE=/tmp/replay.json
cd /ew
/ew/edgewatch replay -c tests/config/alerts.yaml -o $EVE tests/pcaps/exploit_log4shell-useragent.pcap \
	> /tmp/replay.out 2> /tmp/replay.err
rc=$?
if [ $rc -ne 0 ]; then
	echo "FAIL replay/log4shell: edgewatch replay exited $rc: $(tail -n 3 /tmp/replay.err | tr '\n' ' ')"
	exit 1
fi
if grep '"event_type":"alert"' $EVE | grep -q '"signature_id":9104001'; then
	echo "PASS replay/log4shell_alert"
else
	echo "FAIL replay/log4shell_alert: no alert 9104001 in $(grep -c '"event_type":"alert"' $EVE) alerts"
fi
if grep '"event_type":"stats"' $EVE | tail -n 1 | grep -q '"balanced":true'; then
	echo "PASS replay/log4shell_stats_balanced"
else
	echo "FAIL replay/log4shell_stats_balanced: the final stats event is not balanced"
fi
