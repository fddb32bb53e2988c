#!/bin/sh
# mutate-campaign.sh N [FIRST_SEED]
#
# Issue 8's mutation campaign: N mutated fixture images (testdata/mutate:
# bit flips, byte runs and truncations inside NTFS metadata, hive cells,
# EVTX chunks, VSS metadata of shadow copies, BitLocker metadata), each scanned by the ASan+UBSan build of vssdoctor with a
# 10 s limit.  Counts crashes (signals), sanitizer reports, hangs, leaks
# and exit statuses outside 0-3; keeps every failing recipe, minimised, in
# $MUT_O/failures.  Each mutant the scan survives is also repaired
# (`repair --apply --output` into an overlay, issue 21): no crash, the
# mutant itself never written.  Exit 1 when anything failed.
#
# Environment: O (normal build, default build), ASAN_O (default
# build-asan), MUT_O (default build-mutate), JOBS (default 2).
set -u
N=${1:-200}
FIRST=${2:-1}
TOP=$(cd "$(dirname "$0")/.." && pwd)
TMP=${TMPDIR:-/tmp}/vssd-mutate.$$
[ -d /dev/shm ] && TMP=/dev/shm/vssd-mutate.$$

. "$TOP/scripts/mutate-lib.sh"
mutate_sanitizer_env "$TOP"
export VSSDOCTOR_RULES="$TOP/rules"
MUT_BDE_RP=111111-222222-333333-444444-555555-666666-000000-123453
export VSSD_RECOVERY_PASSWORD=$MUT_BDE_RP

rm -rf "$MUT_O/results" && mkdir -p "$MUT_O/results" "$MUT_O/failures" "$MUT_O/bases" "$TMP"
trap 'rm -rf "$TMP"' EXIT

# the bases: three small Windows volumes with hives and logs, and one with
# two shadow copies (the healthy volume, then with cause 3; scanned with
# --shadows, so the stores' metadata is mutated and read too)
i=0
for name in healthy broken filemaps; do
	"$O/testdata/mkscenario" "$MUT_O/bases/base$i.img" "$TOP/tests/mutate/$name.scenario" || exit 1
	i=$((i + 1))
done
v="$MUT_O/bases/base$i.img"
"$O/testdata/mkscenario" "$TMP/state1.img" "$TOP/tests/mutate/healthy.scenario" &&
	"$O/testdata/mkscenario" "$TMP/state2.img" "$TOP/tests/mutate/healthy.scenario" &&
	{ cat "$TOP/tests/mutate/healthy.scenario"; echo "break cause3"; } | "$O/testdata/mkscenario" "$v" - &&
	"$O/testdata/mkvss" "$v" 2019-06-04T23:43:01Z "$TMP/state1.img" 2019-06-05T02:10:00Z "$TMP/state2.img" >/dev/null || exit 1
rm -f "$TMP/state1.img" "$TMP/state2.img"
i=$((i + 1))
# and the healthy one wrapped in BitLocker (issue 20: its metadata and
# volume header are the structures mutated; the scans get its recovery
# password from the environment, which the other bases ignore)
# The healthy scenario holds no event logs, so its verdict, plain or through
# BitLocker, is exit 3 (some checks could not run): a BitLocker mutant whose
# change libbde ignores (backup metadata, unused header bytes) keeps that 3;
# one whose metadata no longer opens is exit 2.
"$O/testdata/mkscenario" "$TMP/bde.img" "$TOP/tests/mutate/healthy.scenario" &&
	"$O/testdata/mkbde" --volume "$TMP/bde.img" --out "$MUT_O/bases/base$i.img" \
		--recovery-password "$MUT_BDE_RP" && rm -f "$TMP/bde.img" || exit 1
i=$((i + 1))
NBASES=$i

export O ASAN_O MUT_O TMP NBASES TOP
start=$(date +%s)
seq "$FIRST" $((FIRST + N - 1)) | xargs -P "$JOBS" -n 1 sh "$TOP/scripts/mutate-one.sh" > "$MUT_O/results.txt"
end=$(date +%s)

count() { grep -c " $1 " "$MUT_O/results.txt" || true; }
total=$(wc -l < "$MUT_O/results.txt")
crash=$(count crash); san=$(count sanitizer); leak=$(count leak); hang=$(count hang); bad=$(count badexit)
wrote=$(count srcwritten); rep=$(grep -c ' repair$' "$MUT_O/results.txt" || true)
s0=$(grep -c ' ok 0$' "$MUT_O/results.txt"); s1=$(grep -c ' ok 1$' "$MUT_O/results.txt")
s2=$(grep -c ' ok 2$' "$MUT_O/results.txt"); s3=$(grep -c ' ok 3$' "$MUT_O/results.txt")
echo "mutate: $total images in $((end - start)) s: crashes $crash, sanitizer reports $san, hangs $hang, leaks $leak, exit outside 0-3 $bad; exit 0:$s0 1:$s1 2:$s2 3:$s3; repair --apply on each: $rep failed, $wrote wrote the source"
[ $((crash + san + hang + leak + bad + wrote)) -eq 0 ] && exit 0
# minimise each failure into a regression recipe candidate
for f in "$MUT_O"/failures/*.recipe; do
	sh "$TOP/scripts/mutate-minimize.sh" "$f" > "${f%.recipe}.min.recipe" 2>/dev/null
	echo "failure: $f -> ${f%.recipe}.min.recipe ($(grep -E '^(set|truncate)' "${f%.recipe}.min.recipe"))"
done | head -20
echo "mutate: fix each bug, then add its .min.recipe to tests/regressions/" >&2
exit 1
