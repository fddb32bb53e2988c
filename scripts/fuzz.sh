#!/bin/sh
# fuzz.sh FUZZ_O LIMIT [TARGET...]: run each libFuzzer target of FUZZ_O
# (all when none is named) with LIMIT (-runs=N or -max_total_time=S), its
# own corpus and the seeds from mkseeds.  Prints one line per target:
#   fuzz_NAME: N executions, cov C, ft F, corpus K, crashes 0
# and exits 1 when any target crashed, leaked or timed out.
set -u
out=$1
limit=$2
shift 2
targets=${*:-$(cd "$out" && ls fuzz_* 2>/dev/null | grep -v '\.')}
failed=0
export LSAN_OPTIONS="suppressions=$(cd "$(dirname "$0")/.." && pwd)/tests/lsan.supp:print_suppressions=0"
# Full stacks at malloc: libntfs-3g has no frame pointers, and the
# suppressions in tests/lsan.supp name frames below its allocators.  A
# caller's own ASAN_OPTIONS come after and win (fuzz-short turns leak
# detection, and so this, off).
export ASAN_OPTIONS="fast_unwind_on_malloc=0${ASAN_OPTIONS:+:$ASAN_OPTIONS}"
export ASAN_SYMBOLIZER_PATH=${ASAN_SYMBOLIZER_PATH:-/usr/bin/llvm-symbolizer}
for t in $targets; do
	bin=$out/$t
	[ -x "$bin" ] || { echo "$t: not built" >&2; failed=1; continue; }
	rm -rf "$out/artifacts/$t"
	mkdir -p "$out/corpus/$t" "$out/artifacts/$t"
	seeds=""
	[ -d "$out/seeds/$t" ] && seeds="$out/seeds/$t"
	max_len=1048576
	case $t in fuzz_scan) max_len=8388608 ;; esac
	log=$out/artifacts/$t/last.log
	# shellcheck disable=SC2086
	"$bin" $limit -artifact_prefix="$out/artifacts/$t/" -print_final_stats=1 \
		-rss_limit_mb=2048 -timeout=20 -max_len=$max_len \
		"$out/corpus/$t" $seeds >"$log" 2>&1
	rc=$?
	execs=$(sed -n 's/^stat::number_of_executed_units: *//p' "$log" | tail -1)
	cov=$(grep -oE 'cov: [0-9]+ ft: [0-9]+' "$log" | tail -1)
	corpus=$(ls "$out/corpus/$t" | wc -l)
	crashes=$(ls "$out/artifacts/$t" | grep -cE '^(crash|leak|timeout|oom)-')
	echo "$t: ${execs:-0} executions, ${cov:-cov: ?}, corpus $corpus, crashes $crashes (exit $rc)"
	if [ "$rc" -ne 0 ] || [ "$crashes" -ne 0 ]; then
		failed=1
		grep -E 'ERROR|SUMMARY|^    #[0-9]' "$log" | head -20 >&2
	fi
done
exit $failed
