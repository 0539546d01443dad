#!/bin/sh
# SPDX-License-Identifier: BSD-3-Clause
# Run one libFuzzer target for the "fuzz" test suite.
#   run-fuzz.sh TARGET replay DIR
#       every input in DIR once (the regression inputs; none is fine)
#   run-fuzz.sh TARGET fuzz SEEDS WORKDIR DICT SECONDS
#       fuzz for SECONDS from SEEDS (left untouched); new inputs go to
#       WORKDIR, a crash or leak to WORKDIR/crashes/ and fails the test
set -eu
target=$1
mode=$2
case $mode in
replay)
	dir=$3
	set --
	for f in "$dir"/*; do
		[ -f "$f" ] && set -- "$@" "$f"
	done
	if [ "$#" -eq 0 ]; then
		echo "no regression inputs in $dir"
		exit 0
	fi
	echo "replaying $# input(s) from $dir"
	exec "$target" "$@"
	;;
fuzz)
	seeds=$3 work=$4 dict=$5 seconds=$6
	mkdir -p "$work/crashes"
	# -timeout: an input that takes a second is a bug (the daemon's main
	# thread parses configs and serves control clients).
	exec "$target" -max_total_time="$seconds" -timeout=10 -max_len=8192 \
		-dict="$dict" -print_final_stats=1 \
		-artifact_prefix="$work/crashes/" "$work" "$seeds"
	;;
esac
echo "usage: run-fuzz.sh TARGET replay DIR | TARGET fuzz SEEDS WORKDIR DICT SECONDS" >&2
exit 2
