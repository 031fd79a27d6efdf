#!/usr/bin/env bash
# Every libFuzzer target in tests/fuzz/ for a bounded time, from its seeds and dictionary,
# one result line each: "PASS fuzz/NAME: ...", "FAIL fuzz/NAME: why (reproducer)",
# "SKIP fuzz/NAME: why". tests/run.sh runs it short (20 s a target) in `make test`;
# for a long run give more seconds:
#   make fuzz && tests/fuzz/run.sh 3600
# Inputs libFuzzer finds go to a scratch directory, never into the repository's seeds;
# it is kept (and named) when a target fails, with the reproducer in it.
set -u
cd "$(dirname "$0")/../.."

seconds=${1:-${FUZZ_SECONDS:-20}}
work=$(mktemp -d /tmp/edgewatch-fuzz.XXXXXX)
failed=0

# Seed directories of a target (libFuzzer reads them all, writes into the first one it is
# given, which is the scratch directory).
seeds_of() {
	case "$1" in
	fuzz_rules) echo tests/rules/fuzz-corpus ;;
	fuzz_config) echo tests/config ;;
	*) [ -d "tests/fuzz/corpus/$1" ] && echo "tests/fuzz/corpus/$1" ;;
	esac
}

# Why clang cannot build a libFuzzer target (nothing when it can).
why_no_libfuzzer() {
	local clang=${CLANG:-clang}

	if ! command -v "$clang" > /dev/null; then
		echo "$clang is not installed (make deps installs clang and libclang-rt-14-dev)"
	elif ! printf 'int LLVMFuzzerTestOneInput(const unsigned char *d, unsigned long n)\n{ return 0; }\n' |
		"$clang" -fsanitize=fuzzer -x c - -o "$work/probe" > "$work/probe.log" 2>&1; then
		echo "clang's libFuzzer is not available ($clang -fsanitize=fuzzer: $(grep -m1 error "$work/probe.log"); make deps installs libclang-rt-14-dev)"
	fi
}
no_libfuzzer=$(why_no_libfuzzer)

for src in tests/fuzz/fuzz_*.c; do
	name=$(basename "$src" .c)
	bin=.output/fuzz/$name
	if [ -n "$no_libfuzzer" ]; then
		echo "SKIP fuzz/$name: $no_libfuzzer"
		continue
	fi
	# libFuzzer is there: a target that is missing or older than its source is a failure
	# (make fuzz failed, or was not run: make test runs it)
	if [ ! -x "$bin" ] || [ "$src" -nt "$bin" ]; then
		failed=1
		echo "FAIL fuzz/$name: $bin is missing or older than $src: make fuzz"
		continue
	fi
	mkdir -p "$work/$name/found"
	args=(-max_total_time="$seconds" -timeout=10 -rss_limit_mb=2048 -print_final_stats=1
	      -artifact_prefix="$work/$name/")
	[ -f "tests/fuzz/$name.dict" ] && args+=(-dict="tests/fuzz/$name.dict")
	# $(seeds_of) unquoted: zero or more directories
	# shellcheck disable=SC2046
	timeout $((seconds + 120)) "$bin" "${args[@]}" "$work/$name/found" $(seeds_of "$name") \
		> "$work/$name.log" 2>&1
	rc=$?
	runs=$(sed -n 's/^stat::number_of_executed_units: *//p' "$work/$name.log" | tail -n1)
	if [ $rc -eq 0 ]; then
		echo "PASS fuzz/$name: ${runs:-?} inputs in ${seconds}s"
		continue
	fi
	failed=1
	artifact=$(ls "$work/$name"/crash-* "$work/$name"/leak-* "$work/$name"/timeout-* \
		"$work/$name"/oom-* 2>/dev/null | head -n1)
	[ $rc -eq 124 ] && why="did not stop within $((seconds + 120))s" || why="exit $rc"
	echo "FAIL fuzz/$name: $why; reproducer: ${artifact:-none} (run: $bin ${artifact:-}); log: $work/$name.log: $(grep -m1 -E 'ERROR|SUMMARY|Sanitizer' "$work/$name.log")"
done

if [ $failed -eq 0 ]; then
	rm -rf "$work"
fi
exit $failed
