#!/bin/sh
# mutate-dirs.sh N [FIRST_SEED]
#
# Issue 14's campaign for directory mode: N hostile copies of a Windows
# volume's tree, each scanned by the ASan+UBSan build under strace.  Each
# tree gets 1 to 6 random changes at the places a scan reads (hives, their
# logs, event logs, Web.config, WinSxS, the Framework folders, Users):
# a FIFO, a socket, a character or block device, an absolute link out, a
# ".." link climbing out, a link loop, a relative link that stays inside,
# a huge sparse file, a file that grows while it is read, an unreadable
# file (mode 000: root still reads it, so this checks nothing breaks).
# Outside every tree sits a canary (a hive, a log and a Web.config holding
# CANARYOUTSIDE) that the links point at.
#
# Counted: crashes, sanitizer reports, leaks, hangs (20 s), exit statuses
# outside 0-3, and escapes: a file outside the tree opened (strace -y shows
# where each open/openat really landed, links followed; the program's own
# libraries and the rules are allowed), or the canary's text in the report.
# Exit 1 when anything failed; failing seeds keep their strace and report
# in $MUT_O/dirs-failures.
#
# Environment: O, ASAN_O, MUT_O as mutate-campaign.sh; JOBS (default 2).
set -u
N=${1:-100}
FIRST=${2:-1}
TOP=$(cd "$(dirname "$0")/.." && pwd)
TMP=${TMPDIR:-/tmp}/vssd-mutdirs.$$
command -v strace >/dev/null || { echo "mutate-dirs: strace is not installed" >&2; exit 1; }
command -v ntfscat >/dev/null || { echo "mutate-dirs: ntfscat (ntfs-3g) is not installed" >&2; exit 1; }

. "$TOP/scripts/mutate-lib.sh"
mutate_sanitizer_env "$TOP"

rm -rf "$MUT_O/dirs-failures" "$TMP" && mkdir -p "$MUT_O/dirs-failures" "$TMP"
trap 'rm -rf "$TMP"' EXIT
MUT_O=$(cd "$MUT_O" && pwd)

# the base tree: a broken scenario volume's files, copied out with ntfscat
"$O/testdata/mkscenario" "$TMP/base.img" "$TOP/tests/mutate/broken.scenario" || exit 1
B="$TMP/base"
CFG=Windows/System32/config
LOGS=Windows/System32/winevt/Logs
V2=Windows/Microsoft.NET/Framework/v4.0.30319
mkdir -p "$B/$CFG" "$B/$LOGS" "$B/$V2/CONFIG" "$B/$V2/Temporary ASP.NET Files" \
	"$B/Windows/WinSxS/FileMaps" "$B/Windows/WinSxS/Temp" "$B/Users/Public" "$B/ProgramData"
for f in $CFG/SYSTEM $CFG/SOFTWARE $LOGS/Application.evtx $LOGS/System.evtx; do
	ntfscat "$TMP/base.img" "$f" > "$B/$f" 2>/dev/null || rm -f "$B/$f"
done
printf '<configuration><system.web><compilation tempDirectory="c:\\INSIDE"/></system.web></configuration>' \
	> "$B/$V2/CONFIG/Web.config"
: > "$B/Windows/WinSxS/Temp/PendingRenames"
for i in 1 2 3 4 5; do : > "$B/Windows/WinSxS/FileMaps/f$i.cdf-ms"; mkdir -p "$B/$V2/Temporary ASP.NET Files/d$i"; done
# the canary outside every tree
C="$TMP/outside"
mkdir -p "$C"
printf '<configuration><system.web><compilation tempDirectory="c:\\CANARYOUTSIDE"/></system.web></configuration>' > "$C/Web.config"
printf 'CANARYOUTSIDE' > "$C/plain"
cp "$B/$CFG/SYSTEM" "$C/SYSTEM"

export O ASAN_O MUT_O TMP TOP B C CFG LOGS V2
start=$(date +%s)
seq "$FIRST" $((FIRST + N - 1)) | xargs -P "$JOBS" -n 1 sh "$TOP/scripts/mutate-dir-one.sh" > "$MUT_O/dirs-results.txt"
end=$(date +%s)

count() { grep -c " $1 " "$MUT_O/dirs-results.txt" || true; }
total=$(wc -l < "$MUT_O/dirs-results.txt")
crash=$(count crash); san=$(count sanitizer); leak=$(count leak); hang=$(count hang)
bad=$(count badexit); esc=$(count escape)
acts=$(awk '{for (i = 4; i <= NF; i++) n[$i]++} END {for (k in n) printf " %s:%d", k, n[k]}' "$MUT_O/dirs-results.txt")
s=""
for k in 0 1 2 3; do s="$s $k:$(grep -c " ok $k" "$MUT_O/dirs-results.txt")"; done
echo "mutate-dirs: $total trees in $((end - start)) s: crashes $crash, sanitizer reports $san, hangs $hang, leaks $leak, exit outside 0-3 $bad, escapes $esc; exit$s; changes:$acts"
[ $((crash + san + hang + leak + bad + esc)) -eq 0 ] && exit 0
head -5 "$MUT_O"/dirs-failures/*.why 2>/dev/null
exit 1
