#!/bin/sh
# mutate-one.sh SEED: one image of the mutation campaign (called by
# mutate-campaign.sh, which exports O, ASAN_O, MUT_O, TMP, NBASES, TOP and the
# sanitizer options).  Prints "SEED CLASS STATUS", "SEED CLASS STATUS repair"
# when the scan went well but `repair --apply` on the mutant did not
# (CLASS srcwritten: it changed the mutant itself).
set -u
seed=$1
base="$MUT_O/bases/base$((seed % NBASES)).img"
img="$TMP/m$seed.img"
rec="$MUT_O/results/$seed.recipe"
if ! "$O/testdata/mutate" "$base" "$img" --seed "$seed" --recipe-out "$rec"; then
	echo "$seed mutatefail 0"
	exit 0
fi
timeout -s KILL 10 "$ASAN_O/vssdoctor" scan --shadows --format json "$img" >/dev/null 2>"$TMP/e$seed"
st=$?
. "$TOP/scripts/mutate-lib.sh"
cls=$(mutate_class "$st" "$TMP/e$seed")
if [ "$cls" != ok ]; then
	cp "$TMP/e$seed" "$MUT_O/failures/$seed.stderr"
	{ echo "# base $(basename "$base") status $st ($cls)"; cat "$rec"; } > "$MUT_O/failures/$seed.recipe"
fi
# repair on the mutant too (issue 21): no crash, and the mutant (the
# source) is never written; a repair failure is reported with " repair"
if [ "$cls" = ok ]; then
	sum0=$(sha256sum "$img")
	timeout -s KILL 20 "$ASAN_O/vssdoctor" repair --apply --output "$TMP/r$seed.qcow2" \
		--format json "$img" >/dev/null 2>"$TMP/e$seed"
	rst=$?
	rcls=$(mutate_class "$rst" "$TMP/e$seed")
	[ "$(sha256sum "$img")" = "$sum0" ] || rcls=srcwritten
	if [ "$rcls" != ok ]; then
		cp "$TMP/e$seed" "$MUT_O/failures/$seed.stderr"
		{ echo "# base $(basename "$base") repair --apply status $rst ($rcls)"; cat "$rec"; } > "$MUT_O/failures/$seed.recipe"
		cls=$rcls st="$rst repair"
	fi
	rm -f "$TMP/r$seed.qcow2" "$TMP/r$seed.qcow2.undo.json"
fi
echo "$seed $cls $st"
rm -f "$img" "$TMP/e$seed" "$rec"
