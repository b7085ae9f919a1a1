#!/bin/sh
# Runs each cmocka binary and sums the results into one closing line.
pass=0 fail=0
for t in "$@"; do
	out=$("$t" 2>&1); rc=$?
	echo "$out" | grep -E '^\[  (PASSED|FAILED)  \]' | sed "s|^|$(basename "$t"): |"
	echo "$out" | grep -E '^# ' | sed "s|^|$(basename "$t"): |"	# figures
	p=$(echo "$out" | sed -nE 's/^\[  PASSED  \] ([0-9]+) test.*/\1/p')
	f=$(echo "$out" | sed -nE 's/^\[  FAILED  \] ([0-9]+) test.*/\1/p')
	pass=$((pass + ${p:-0})); fail=$((fail + ${f:-0}))
	if [ $rc -ne 0 ] && [ -z "$f" ]; then
		echo "$out" | tail -20; fail=$((fail + 1))
	fi
done
echo "unit: $pass passed, $fail failed"
[ $fail -eq 0 ]
