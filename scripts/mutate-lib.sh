# Shared by the mutation campaigns (sourced; POSIX sh).

# Where the builds are and how many scans at once (the campaigns' environment).
O=${O:-build}
ASAN_O=${ASAN_O:-build-asan}
MUT_O=${MUT_O:-build-mutate}
JOBS=${JOBS:-2}

# The sanitizer options: reports get their own exit codes, apart from ours.
mutate_sanitizer_env() {
	export ASAN_OPTIONS="exitcode=86:detect_leaks=1:abort_on_error=0:symbolize=1:fast_unwind_on_malloc=0"
	export UBSAN_OPTIONS="halt_on_error=1:exitcode=87:print_stacktrace=1"
	export LSAN_OPTIONS="exitcode=88:suppressions=$1/tests/lsan.supp:print_suppressions=0"
	export ASAN_SYMBOLIZER_PATH=${ASAN_SYMBOLIZER_PATH:-/usr/bin/llvm-symbolizer}
}

# mutate_class STATUS STDERR: the class of one scan's outcome (ok,
# sanitizer, leak, hang, crash, badexit).  ASan may report and still exit
# with our status: its stderr is read too.
mutate_class() {
	case $1 in
	0|1|2|3) c=ok ;;
	86|87) c=sanitizer ;;
	88) c=leak ;;
	124|137) c=hang ;;
	*) if [ "$1" -gt 128 ]; then c=crash; else c=badexit; fi ;;
	esac
	if [ "$c" = ok ] && grep -qE 'ERROR: (Address|Leak)Sanitizer|runtime error:' "$2"; then
		c=sanitizer
	fi
	echo "$c"
}
