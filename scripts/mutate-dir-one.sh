#!/bin/sh
# mutate-dir-one.sh SEED: one tree of mutate-dirs.sh (which exports O,
# ASAN_O, MUT_O, TMP, TOP, B, C, CFG, LOGS, V2 and the sanitizer options).
# Prints "SEED CLASS STATUS CHANGE...".
set -u
seed=$1
T="$TMP/t$seed"
cp -a "$B" "$T"

# the places a scan reads, and the changes
places="$CFG/SYSTEM $CFG/SOFTWARE $CFG/SYSTEM.LOG1 $LOGS/System.evtx $LOGS/Application.evtx
$V2/CONFIG/Web.config $V2/CONFIG Windows/WinSxS/FileMaps Windows/WinSxS/Temp/PendingRenames
Windows/WinSxS/FileMaps/f1.cdf-ms Users ProgramData Windows/System32 $V2"
set -- $(awk -v s="$seed" -v p="$places" 'BEGIN {
	srand(s); n = split(p, a, /[ \n]+/); k = 1 + int(rand() * 6)
	for (i = 0; i < k; i++) printf "%d:%s ", int(rand() * 11), a[1 + int(rand() * n)]
}')
acts=""
grower=""
exec 3>&2 2>/dev/null
for a in "$@"; do
	kind=${a%%:*}
	path=$T/${a#*:}
	mkdir -p "$(dirname "$path")"
	case $kind in
	0) rm -rf "$path"; mkfifo "$path"; acts="$acts fifo" ;;
	1) rm -rf "$path"; python3 -c 'import socket,sys; socket.socket(socket.AF_UNIX).bind(sys.argv[1])' "$path" 2>/dev/null; acts="$acts socket" ;;
	2) rm -rf "$path"; if mknod "$path" c 1 5 2>/dev/null; then acts="$acts chardev"; else acts="$acts nomknod"; fi ;;
	3) rm -rf "$path"; if mknod "$path" b 7 0 2>/dev/null; then acts="$acts blockdev"; else acts="$acts nomknod"; fi ;;
	4) rm -rf "$path"; ln -s "$C/$(basename "$path" | sed 's/^SYSTEM.*/SYSTEM/;s/^Web.config$/Web.config/;t;s/.*/plain/')" "$path"; acts="$acts abslink" ;;
	5) rm -rf "$path"; up=$(echo "${a#*:}" | sed 's|[^/]*|..|g'); ln -s "$up/../outside/plain" "$path"; acts="$acts dotdotlink" ;;
	6) rm -rf "$path"; ln -s "$(basename "$path")" "$path"; acts="$acts looplink" ;;
	7) rm -rf "$path"; ln -s "../../../../Users" "$path"; acts="$acts relink" ;;
	8) rm -rf "$path"; truncate -s 200G "$path"; acts="$acts sparse" ;;
	9) [ -e "$path" ] || touch "$path"; [ -f "$path" ] && grower=$path; acts="$acts growing" ;;
	10) [ -e "$path" ] && chmod 000 "$path"; acts="$acts mode000" ;;
	esac
done
exec 2>&3
gpid=""
if [ -n "$grower" ]; then
	( i=0; while [ $i -lt 4000 ]; do printf 'xxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxx' >> "$grower"; i=$((i + 1)); done ) 2>/dev/null &
	gpid=$!
fi
tr="$TMP/s$seed"
# LeakSanitizer cannot run under ptrace: the strace run looks for escapes
# with leak detection off, a second run without strace for leaks
ASAN_OPTIONS="$ASAN_OPTIONS:detect_leaks=0" timeout -s KILL 20 strace -f -qq -y -o "$tr" \
	-e trace=open,openat,openat2,creat \
	"$ASAN_O/vssdoctor" scan --format json --rules "$TOP/rules" "$T" > "$TMP/o$seed" 2> "$TMP/e$seed"
st=$?
if [ "$st" -le 3 ]; then
	timeout -s KILL 20 "$ASAN_O/vssdoctor" scan --format json --rules "$TOP/rules" "$T" \
		> /dev/null 2> "$TMP/l$seed"
	st2=$?
	if [ "$st2" -gt 3 ]; then
		st=$st2
		cat "$TMP/l$seed" >> "$TMP/e$seed"
	fi
	rm -f "$TMP/l$seed"
fi
[ -n "$gpid" ] && kill "$gpid" 2>/dev/null; wait 2>/dev/null
. "$TOP/scripts/mutate-lib.sh"
cls=$(mutate_class "$st" "$TMP/e$seed")
# escapes: files opened outside the program's own files, the rules and
# the tree; the canary's text anywhere in the report
why=""
if [ "$cls" = ok ]; then
	# strace -y: "= 3</resolved/path>" is where an open really landed,
	# links followed
	esc=$(grep -oE '= [0-9]+<[^>]*>$' "$tr" | sed 's/^= [0-9]*<\(.*\)>$/\1/' |
		grep -vE '^(/usr/|/lib|/etc/ld\.so|/proc/|/sys/|/dev/(null|tty|urandom)$)' |
		grep -vF -e "$TOP/rules" -e "$T" | head -3)
	if [ -n "$esc" ]; then
		cls=escape; why="opened outside the tree: $esc"
	elif grep -q CANARYOUTSIDE "$TMP/o$seed" "$TMP/e$seed"; then
		cls=escape; why="the canary's text is in the report"
	fi
fi
if [ "$cls" != ok ]; then
	d="$MUT_O/dirs-failures/$seed"
	cp "$TMP/e$seed" "$d.stderr"; cp "$tr" "$d.strace" 2>/dev/null
	echo "seed $seed status $st ($cls):$acts $why ($*)" > "$d.why"
fi
echo "$seed $cls $st$acts"
rm -rf "$T" "$tr" "$TMP/o$seed" "$TMP/e$seed"
