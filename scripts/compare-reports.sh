#!/bin/sh
# Reports byte-identical to a reference build (issue 22): every `scan` the
# end-to-end suites run goes through scripts/compare_shim.py, which runs
# both binaries and compares their reports (timings aside); then the
# fixtures below are scanned by both, one by one and as one batch.
#
#   sh scripts/compare-reports.sh [-b BASE_BIN] [SUITE...]
#
# BASE_BIN (default $CMP_BASE, else /tmp/speed-base/build/vssdoctor) is the
# reference, e.g. the branch's start:
#   mkdir /tmp/speed-base && git archive dc41a5b | tar -x -C /tmp/speed-base &&
#   make -C /tmp/speed-base -j2 all
# The binary under test is $O/vssdoctor (O=build), with $O/check_runner.
# On main, the reference for issue 22 is main before the speed merge
# (7bd0ae6: conditional ACEs, the Windows directory and issue 18's
# findings, no skim).  SUITEs default to the suites that run the program
# (valgrind excluded: it runs the binary under valgrind, which the shim is
# not; speed excluded: it runs `scan -j`, which the reference lacks).  Exit status
# 0 when every compared scan matched; the differences are in
# $O/compare/diffs.log.
set -u
TOP=$(cd "$(dirname "$0")/.." && pwd)
O=${O:-build}
BASE=${CMP_BASE:-/tmp/speed-base/build/vssdoctor}
if [ "${1:-}" = "-b" ]; then
	BASE=$2
	shift 2
fi
# "-" alone: no suites, the fixtures only (make compare with COMPARE_SUITES=)
[ "${1:-}" = "-" ] && { shift; SUITES_NONE=1; }
SUITES=${*:-"cli formats cause1 cause4 causes23 events dirmode baseline regressions registry rules schema vhdx_diff readonly findings windir sdvalid"}
NEW=$TOP/$O/vssdoctor
OUT=$TOP/$O/compare
[ -x "$BASE" ] || { echo "compare-reports: no reference binary $BASE" >&2; exit 2; }
[ -x "$NEW" ] && [ -x "$TOP/$O/check_runner" ] || {
	echo "compare-reports: build first: make -j2 all $O/check_runner" >&2; exit 2; }
rm -rf "$OUT" && mkdir -p "$OUT/tmp" "$OUT/bin" "$OUT/fixtures"
cat > "$OUT/bin/vssdoctor" <<EOF
#!/bin/sh
exec /usr/bin/python3 "$TOP/scripts/compare_shim.py" "\$@"
EOF
chmod +x "$OUT/bin/vssdoctor"
: > "$OUT/diffs.log"
: > "$OUT/runs.log"
export CMP_NEW="$NEW" CMP_BASE="$BASE" CMP_LOG="$OUT/diffs.log" CMP_COUNT="$OUT/runs.log"
export VSSDOCTOR_RULES="$TOP/rules"
# the reference's own rules folder, when BASE_BIN is BASE/build/vssdoctor
# of a tree that has one (make compare's): the tree's may hold parameters
# the reference does not know
BASE_RULES=$(cd "$(dirname "$BASE")/.." && pwd)/rules
[ -d "$BASE_RULES" ] && export CMP_NEW_RULES="$TOP/rules" CMP_BASE_RULES="$BASE_RULES"

# 1. the suites, through the shim
[ -n "${SUITES_NONE:-}" ] && SUITES=
for s in $SUITES; do
	VSSD_BIN="$OUT/bin/vssdoctor" VSSD_FAULT_BIN="$TOP/$O/vssdoctor-faultalloc" \
	VSSD_TOOLS="$TOP/$O/testdata" VSSD_RULES="$TOP/rules" \
	VSSD_SAMPLES="${SAMPLES:-$TOP/../shared/samples}" VSSD_TMP="$OUT/tmp" \
	VSSD_SRC="$TOP" "$TOP/$O/check_runner" "$s" 2>&1 | grep -E '^[0-9]+%:' | sed "s/^/  $s: /"
	rm -rf "$OUT/tmp" && mkdir -p "$OUT/tmp"
done

# 2. scenario fixtures, each scanned alone and all in one batch, every format
F=$OUT/fixtures
mk() { printf "$2" | "$TOP/$O/testdata/mkscenario" "$F/$1.img" - >/dev/null 2>&1 || echo "  fixture $1 failed"; }
mk healthy 'size 96M\n'
mk cause1 'size 96M\nbreak cause1\n'
mk cause2 'size 96M\nos 2016\nbreak cause2\nevtx system bulk 3000 seed=3\n'
mk cause3 'size 96M\nos 2012r2\nbreak cause3\nbreak mslldp\n'
mk cause4 'size 128M\nbreak cause4\naspnet_folders 1500\n'
mk binary 'size 96M\nos 2019\nbreak binary\nbreak vssacl\n'
mk events 'size 128M\nos 2016\nevtx system bulk 8000 seed=2\nevtx application bulk 3000 seed=1\nevtx capi2 bulk 500 seed=5\n'
mk dirty 'size 96M\nevtx system dirty 1\nevtx system bulk 2000 seed=4\nevtx application bulk 2000 seed=6\n'
mk hivelog 'size 96M\nlog system new\nreg system dword ControlSet001\\Services\\CryptSvc Start 4\n'
mk findings 'size 96M\nos 2022\nbreak diagacl comsec imagepath vssacl\n'
mk winnt 'size 96M\nos 2008r2\nwindir WINNT\nbreak cause1 cause3\n'
mk w2003 'size 64M\nos 2003\n'
mk all 'size 128M\nos 2016\nbreak cause1 cause2 cause3 cause4 mslldp binary vssacl diagacl comsec imagepath\naspnet_folders 1100\n'
mk issue 'size 256M\nos 2016\nbreak cause1\nfolders "Windows\\Microsoft.NET\\Framework64\\v4.0.30319\\Temporary ASP.NET Files" 5000 t\nevtx system bulk 47000 seed=2\nevtx application bulk 5600 seed=1\n'
"$NEW" demo "$F/demo" >/dev/null 2>&1
DEMO=$(ls "$F"/demo/*.img 2>/dev/null | head -1)
for fmt in json text junit markdown html; do
	for img in "$F"/*.img $DEMO; do
		"$OUT/bin/vssdoctor" scan --format "$fmt" "$img" >/dev/null 2>&1
	done
	"$OUT/bin/vssdoctor" scan --format "$fmt" "$F"/*.img $DEMO >/dev/null 2>&1
	"$OUT/bin/vssdoctor" scan -v --format "$fmt" "$F"/*.img $DEMO >/dev/null 2>&1
done

n=$(wc -l < "$OUT/runs.log")
d=$(grep -c '^diff' "$OUT/runs.log")
echo "compare-reports: $n scans compared with $BASE, $d differ (details: $OUT/diffs.log)"
[ "$d" -eq 0 ]
