#!/bin/sh
# mutate-minimize.sh FAILURE.recipe: shrink a failing campaign recipe to the
# fewest bytes that still fail the same way (one byte at a time, then the
# shortest prefix), and print it.  Uses the same environment as
# mutate-campaign.sh (O, ASAN_O, MUT_O and the sanitizer options).
set -u
rec=$1
base=$(sed -n 's/^# base \([^ ]*\).*/\1/p' "$rec")
want=$(sed -n 's/^# base .*(\(.*\))$/\1/p' "$rec")
line=$(grep -E '^(set|truncate) ' "$rec" | head -1)
tmp=${TMPDIR:-/tmp}/vssd-min.$$
mkdir -p "$tmp"
trap 'rm -rf "$tmp"' EXIT

fails() {  # recipe-line -> 0 when it still fails as $want
	printf '%s\n' "$1" > "$tmp/r"
	"$O/testdata/mutate" "$MUT_O/bases/$base" "$tmp/img" --recipe "$tmp/r" || return 1
	timeout -s KILL 10 "$ASAN_O/vssdoctor" scan --format json "$tmp/img" >/dev/null 2>"$tmp/err"
	st=$?
	case $want in
	hang) [ "$st" -eq 124 ] || [ "$st" -eq 137 ] ;;
	leak) [ "$st" -eq 88 ] ;;
	sanitizer) [ "$st" -eq 86 ] || [ "$st" -eq 87 ] || grep -q 'runtime error' "$tmp/err" ;;
	*) [ "$st" -gt 3 ] ;;
	esac
}

best=$line
case $line in
set\ *)
	at=$(echo "$line" | cut -d' ' -f2)
	hex=$(echo "$line" | cut -d' ' -f3)
	n=$((${#hex} / 2))
	# one byte alone?
	i=0
	while [ $i -lt "$n" ]; do
		b=$(echo "$hex" | cut -c$((2 * i + 1))-$((2 * i + 2)))
		case $at in
		*+*) a="${at%+*}+$(( ${at##*+} + i ))" ;;
		*) a=$((at + i)) ;;
		esac
		if fails "set $a $b"; then best="set $a $b"; break; fi
		i=$((i + 1))
	done
	# else the shortest failing prefix
	if [ "$best" = "$line" ]; then
		k=1
		while [ $k -lt "$n" ]; do
			if fails "set $at $(echo "$hex" | cut -c1-$((2 * k)))"; then
				best="set $at $(echo "$hex" | cut -c1-$((2 * k)))"
				break
			fi
			k=$((k * 2))
		done
	fi
	;;
esac
printf '# base %s\n# minimised from %s (%s)\n%s\n' \
	"$(echo "$base" | sed 's/base0.img/healthy.scenario/; s/base1.img/broken.scenario/; s/base2.img/filemaps.scenario/')" \
	"$(basename "$rec")" "$want" "$best"
