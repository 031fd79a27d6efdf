#!/usr/bin/env bash
# `make deb`: the Debian package, built with the Debian tools (dpkg-buildpackage,
# debhelper) from a copy of the source tree (the files git tracks, as they are in the
# working tree) and packaging/debian/, then checked with lintian at its default level.
# The .deb lands in .output/deb/. usage: scripts/make-deb.sh
set -euo pipefail
cd "$(dirname "$0")/.."
version=$(sed -n '1s/^edgewatch (\([^)]*\)).*/\1/p' packaging/debian/changelog)
upstream=${version%-*}
out=$PWD/.output/deb
src=$out/edgewatch-$upstream
rm -rf "$out"
mkdir -p "$src"
# the files git tracks or would (not ignored): no .output/, nothing left on the machine
git ls-files -z --cached --others --exclude-standard | tar --null -T - -cf - | tar -xf - -C "$src"
cp -r packaging/debian "$src/debian"
(cd "$src" && dpkg-buildpackage -b -us -uc) > "$out/build.log" 2>&1 || {
	tail -n 40 "$out/build.log" >&2
	echo "make deb: dpkg-buildpackage failed (log: $out/build.log)" >&2
	exit 1
}
deb=$(ls "$out"/edgewatch_"$version"_*.deb)
echo "make deb: $deb"
# lintian's default level: errors and warnings fail the build
if ! lintian --fail-on error,warning "$deb" > "$out/lintian.log" 2>&1; then
	cat "$out/lintian.log" >&2
	echo "make deb: lintian is not clean (log: $out/lintian.log)" >&2
	exit 1
fi
echo "make deb: lintian clean"
