#!/bin/sh
# Fuzz targets for Klankbord's parsers: libFuzzer with ASan and UBSan.
#
#   sh tests/fuzz/run.sh build                    build every target into build/fuzz/
#   sh tests/fuzz/run.sh replay                   build, run each target over its seed
#                                                 corpus (tests/fuzz/corpus/NAME/); fast,
#                                                 for make test
#   sh tests/fuzz/run.sh fuzz SECONDS [NAME...]   fuzz each target (or the NAMEs) for
#                                                 SECONDS; new inputs go to
#                                                 build/fuzz/corpus/NAME/, crashes to
#                                                 build/fuzz/crash/NAME/
#
# It compiles the server sources it needs itself with clang (no Makefile
# changes), so the objects carry the fuzzer's coverage instrumentation.
# FUZZ_JOBS=2 runs two targets at a time in `fuzz` (this machine has 2 cores).
# KB_FUZZ_KNOWN=col0,ctl,nul,email-glued,digits-glued turns off the
# targets' checks of bugs already reported (see the targets), so a long run
# can look for new ones; replay always runs with every check on, so the
# corpus files named bug-* fail until those bugs are fixed.
set -eu

cd "$(dirname "$0")/../.."

CC=${FUZZ_CC:-clang}
OUT=build/fuzz
TARGETS="survey answers redact config jsonpos signup"
# Every module but main.c goes into an archive, so each target pulls in
# only the objects it needs (and new dependencies need no change here).
PKGS="libmicrohttpd sqlite3 jansson libsodium libqrencode libpng"
# The SMS sender links libcurl once it is there.
if pkg-config --exists libcurl 2>/dev/null; then
	PKGS="$PKGS libcurl"
fi
# The SMS callbacks' signatures use nettle.
if pkg-config --exists nettle 2>/dev/null; then
	PKGS="$PKGS nettle"
fi
# Read-aloud: eSpeak NG and Opus.
PKGS="$PKGS espeak-ng libopusenc opus"
SAN="-fsanitize=address,undefined -fno-sanitize-recover=undefined \
-fno-omit-frame-pointer"
DEFS="-Iinclude -D_DEFAULT_SOURCE -D_POSIX_C_SOURCE=200809L -std=c11"
WARN="-Wall -Wextra -Wshadow -Wstrict-prototypes -Wmissing-prototypes"

die() {
	echo "fuzz: $*" >&2
	exit 1
}

need_tools() {
	command -v "$CC" >/dev/null 2>&1 ||
	    die "$CC not found; apt-get install -y clang libclang-rt-14-dev"
	pkg-config --exists $PKGS ||
	    die "missing libraries; run make deps (pkg-config: $PKGS)"
	# libFuzzer's runtime ships apart from clang on Debian.
	[ -f "$OUT/.probed" ] && return 0
	printf 'int LLVMFuzzerTestOneInput(const unsigned char *d, unsigned long n)'\
'{(void)d;(void)n;return 0;}\n' >"$OUT/probe.c"
	"$CC" -fsanitize=fuzzer -o "$OUT/probe" "$OUT/probe.c" 2>/dev/null ||
	    die "clang cannot link -fsanitize=fuzzer; apt-get install -y libclang-rt-14-dev"
	rm -f "$OUT/probe" "$OUT/probe.c"
	touch "$OUT/.probed"
}

# Recompiles an object when its source or any header is newer; relinks a
# target when the archive or its own source is newer.
build() {
	mkdir -p "$OUT/obj"
	need_tools
	pkgcflags=$(pkg-config --cflags $PKGS)
	pkglibs=$(pkg-config --libs $PKGS)
	# libunistring has no .pc file on Debian (see the Makefile).
	pkglibs="$pkglibs $(pkg-config --libs libunistring 2>/dev/null || echo -lunistring)"
	newest_h=$(ls -t include/*.h | head -n 1)
	objs=""
	changed=0
	for src in server/*/*.c; do
		m=$(basename "$src" .c)
		[ "$m" = main ] && continue
		o=$OUT/obj/$m.o
		objs="$objs $o"
		if [ ! -f "$o" ] || [ "$src" -nt "$o" ] || [ "$newest_h" -nt "$o" ]; then
			$CC -g -O1 $SAN -fsanitize=fuzzer-no-link $DEFS $WARN \
			    $pkgcflags -pthread -c -o "$o" "$src"
			changed=1
		fi
	done
	lib=$OUT/libkbfuzz.a
	if [ $changed -eq 1 ] || [ ! -f "$lib" ]; then
		rm -f "$lib"
		ar rcs "$lib" $objs
	fi
	for t in $TARGETS; do
		bin=$OUT/fuzz_$t
		src=tests/fuzz/fuzz_$t.c
		if [ -f "$bin" ] && [ ! "$lib" -nt "$bin" ] && [ ! "$src" -nt "$bin" ]; then
			continue
		fi
		$CC -g -O1 $SAN -fsanitize=fuzzer $DEFS $WARN -Werror $pkgcflags \
		    -pthread -o "$bin" "$src" "$lib" $pkglibs -pthread -lm
	done
	echo "fuzz: $(echo $TARGETS | wc -w) targets up to date in $OUT/"
}

# Options shared by replay and fuzz.
target_opts() {
	t=$1
	opts="-rss_limit_mb=2048 -timeout=10"
	[ -f "tests/fuzz/$t.dict" ] && opts="$opts -dict=tests/fuzz/$t.dict"
	echo "$opts"
}

replay() {
	failed=0
	for t in $TARGETS; do
		dir=tests/fuzz/corpus/$t
		n=$(find "$dir" -type f | wc -l)
		[ "$n" -gt 0 ] || die "no seed corpus in $dir"
		# Files as arguments: libFuzzer runs each once and exits.
		if find "$dir" -type f | sort | KB_FUZZ_KNOWN= xargs "$OUT/fuzz_$t" \
		    $(target_opts "$t") >"$OUT/replay-$t.log" 2>&1; then
			echo "fuzz: $t: $n inputs ok"
		else
			echo "fuzz: $t: FAILED (see $OUT/replay-$t.log)"
			tail -n 40 "$OUT/replay-$t.log"
			failed=1
		fi
	done
	[ "$failed" -eq 0 ] || exit 1
}

fuzz_one() {
	t=$1
	secs=$2
	log=$OUT/fuzz-$t.log
	mkdir -p "$OUT/corpus/$t" "$OUT/crash/$t"
	if "$OUT/fuzz_$t" $(target_opts "$t") -max_total_time="$secs" \
	    -print_final_stats=1 -artifact_prefix="$OUT/crash/$t/" \
	    "$OUT/corpus/$t" "tests/fuzz/corpus/$t" >"$log" 2>&1; then
		runs=$(sed -n 's/^stat::number_of_executed_units: *//p' "$log")
		echo "fuzz: $t: no crash in ${secs}s, ${runs:-?} runs"
		return 0
	fi
	echo "fuzz: $t: CRASH, see $log and $OUT/crash/$t/"
	return 1
}

fuzz() {
	secs=$1
	shift
	case $secs in
	''|*[!0-9]*) die "usage: run.sh fuzz SECONDS [NAME...]" ;;
	esac
	names=${*:-$TARGETS}
	jobs=${FUZZ_JOBS:-1}
	failed=0
	set -- $names
	while [ $# -gt 0 ]; do
		pids=""
		i=0
		while [ $# -gt 0 ] && [ $i -lt "$jobs" ]; do
			fuzz_one "$1" "$secs" &
			pids="$pids $!"
			shift
			i=$((i + 1))
		done
		for p in $pids; do
			wait "$p" || failed=1
		done
	done
	[ "$failed" -eq 0 ] || exit 1
}

cmd=${1:-replay}
case $cmd in
build)
	build
	;;
replay)
	build
	replay
	;;
fuzz)
	[ $# -ge 2 ] || die "usage: run.sh fuzz SECONDS [NAME...]"
	build
	shift
	fuzz "$@"
	;;
*)
	die "usage: run.sh build | replay | fuzz SECONDS [NAME...]"
	;;
esac
