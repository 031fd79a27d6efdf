#!/usr/bin/env bash
# The Debian package's round trip on this machine (issue 13): `make deb` builds it with
# debhelper and lintian finds nothing at its default level; `dpkg -i` installs it (the
# edgewatch system user made, nothing enabled); the installed files alone replay an
# exploit capture with the installed configuration and the shipped rules; `dpkg -P`
# purges it: no file of it is left (configuration, logs, cache), the user stays (as
# Debian keeps system users).
# It installs into the machine's own /usr and /etc: skipped when edgewatch is already
# installed there (a package or `make install`), so nobody's installation is touched.
set -u
cd "$(dirname "$0")/../.."
E2E_PREFIX=e2e/deb
. tests/e2e/lib.sh

for tool in dpkg-buildpackage dh lintian; do
	if ! command -v $tool > /dev/null; then
		e2e_skip all "$tool not installed (make deps)"
		exit 0
	fi
done
if dpkg-query -W -f='${Status}' edgewatch 2>/dev/null | grep -q "installed" ||
	[ -e /usr/sbin/edgewatch ] || [ -e /etc/edgewatch ]; then
	e2e_skip all "edgewatch is installed on this machine already (/usr/sbin/edgewatch, /etc/edgewatch or the package): not touching it"
	exit 0
fi
purge() { dpkg -P edgewatch > /dev/null 2>&1; }
trap 'purge; e2e_teardown' EXIT

if ! make -s deb > "$E2E_TMP/deb.out" 2>&1; then
	e2e_fail build_lintian_clean "$(tail -n 8 "$E2E_TMP/deb.out")"
	exit 1
fi
e2e_pass build_lintian_clean
deb=$(ls .output/deb/edgewatch_*.deb)

if ! dpkg -i "$deb" > "$E2E_TMP/install.out" 2>&1; then
	e2e_fail install "$(tail -n 5 "$E2E_TMP/install.out")"
	exit 1
fi
files=(/usr/sbin/edgewatch /etc/edgewatch/edgewatch.yaml /usr/share/edgewatch/rules/classification.config
       /lib/systemd/system/edgewatch@.service /etc/logrotate.d/edgewatch
       /usr/share/man/man8/edgewatch.8.gz /usr/share/man/man5/edgewatch.yaml.5.gz)
missing=""
for f in "${files[@]}"; do [ -e "$f" ] || missing+=" $f"; done
enabled=$(find /etc/systemd/system -name 'edgewatch*' 2>/dev/null | tr '\n' ' ')
if [ -n "$missing" ]; then
	e2e_fail install "missing after dpkg -i:$missing"
elif ! getent passwd edgewatch > /dev/null; then
	e2e_fail install "no edgewatch system user"
elif [ -n "$enabled" ]; then
	e2e_fail install "something was enabled: $enabled"
elif [ "$(stat -c %a /var/log/edgewatch)" != 750 ]; then
	e2e_fail install "/var/log/edgewatch is $(stat -c %a /var/log/edgewatch 2>&1), want 750"
else
	e2e_pass install
fi

capture=$PWD/tests/pcaps/exploit_log4shell-useragent.pcap
(cd "$E2E_TMP" && /usr/sbin/edgewatch replay -c /etc/edgewatch/edgewatch.yaml \
	-o "$E2E_TMP/eve.json" "$capture") > "$E2E_TMP/replay.out" 2>&1
rc=$?
if [ $rc != 0 ]; then
	e2e_fail replay_from_installed_files "exit $rc: $(tail -n 3 "$E2E_TMP/replay.out")"
elif ! grep -q '"signature_id":9104001' "$E2E_TMP/eve.json"; then
	e2e_fail replay_from_installed_files "no alert of the shipped Log4Shell rule 9104001"
else
	e2e_pass replay_from_installed_files
fi
man -w edgewatch.yaml > /dev/null 2>&1 && man -w 8 edgewatch > /dev/null 2>&1 &&
	e2e_pass man_pages_found || e2e_fail man_pages_found "man -w cannot find edgewatch(8) or edgewatch.yaml(5)"

dpkg -r edgewatch > /dev/null 2>&1
[ -e /etc/edgewatch/edgewatch.yaml ] && [ ! -e /usr/sbin/edgewatch ] &&
	e2e_pass remove_keeps_config ||
	e2e_fail remove_keeps_config "after dpkg -r: binary $([ -e /usr/sbin/edgewatch ] && echo left || echo gone), config $([ -e /etc/edgewatch/edgewatch.yaml ] && echo kept || echo gone)"
purge
left=""
for f in /etc/edgewatch /var/log/edgewatch /var/cache/edgewatch /usr/share/edgewatch "${files[@]}"; do
	[ -e "$f" ] && left+=" $f"
done
[ -z "$left" ] && e2e_pass purge_leaves_nothing || e2e_fail purge_leaves_nothing "left:$left"
exit $E2E_FAILED
