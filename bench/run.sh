#!/bin/sh
# bench/run.sh — `make bench`: measures Klankbord on this machine and prints
# each figure beside its ceiling, measured in the same run, so the ratios
# hold on a noisy shared machine.
#
#   sh bench/run.sh [build/klankbord]
#
# Load comes from wrk on loopback; the server runs with --rate-limit off.
# The ceiling is bench/ceiling.c: a bare libmicrohttpd daemon with the
# daemon flags of http_start that reads each request and answers without
# doing any work.  Everything happens in a temporary folder that is removed
# at the end (BENCH_KEEP=1 keeps it, with every wrk and server log); every
# process started here is stopped on exit.
#
# Output: a header line, then one line per figure: name, value, unit,
# ceiling, ratio (value / ceiling), target, and ok, BELOW TARGET or NOT
# BUILT.  A missed target does not fail the bench (exit 0); a broken bench
# does (exit 1: missing tool, server did not start, wrk failed).

set -u

BIN=${1:-build/klankbord}
case $BIN in
/*) ;;
*) BIN=$(pwd)/$BIN ;;
esac
ROOT=$(cd "$(dirname "$0")/.." && pwd)
cd "$ROOT" || exit 1

# Each measurement runs in slices that alternate between the server and
# its ceiling (see wrk_pair).
SLICE=2		# seconds per ingest slice
LONG_N=5		# slices of the 64-connection ingest run: 10 s each side
SHORT_N=3	# slices of the 256 and 1,024 repeats: 6 s each side
PAGE_SLICE=1	# seconds per page slice
PAGE_N=5	# slices of each page run: 5 s each side
QRS=3		# seconds: each QR format
THREADS=2	# wrk threads (this is a 2-core machine)
ROWS=1000000	# responses loaded for the dashboard

TMP=
PIDS=
T_START=$(date +%s)

say() {
	echo "bench [$(($(date +%s) - T_START)) s]: $*" >&2
}

die() {
	echo "bench: $*" >&2
	exit 1
}

# Stops (SIGTERM, then SIGKILL after 30 s) and reaps one process we started.
stop_pid() {
	_p=$1
	_i=0
	kill -TERM "$_p" 2>/dev/null
	while kill -0 "$_p" 2>/dev/null && [ $_i -lt 300 ]; do
		sleep 0.1
		_i=$((_i + 1))
	done
	if kill -0 "$_p" 2>/dev/null; then
		say "process $_p did not stop within 30 s; killing it"
		kill -KILL "$_p" 2>/dev/null
	fi
	wait "$_p" 2>/dev/null
	_rc=$?
	_rest=
	for _q in $PIDS; do
		[ "$_q" = "$_p" ] || _rest="$_rest $_q"
	done
	PIDS=$_rest
	return $_rc
}

cleanup() {
	for _q in $PIDS; do
		stop_pid "$_q"
	done
	if [ -n "$TMP" ] && [ -d "$TMP" ]; then
		if [ "${BENCH_KEEP:-0}" = 1 ]; then
			say "kept $TMP"
		else
			rm -rf "$TMP"
		fi
	fi
}
trap cleanup EXIT
trap 'exit 130' INT TERM HUP

for tool in wrk sqlite3 curl cc pkg-config python3 awk; do
	command -v $tool >/dev/null 2>&1 ||
	    die "$tool is missing (Debian: apt-get install -y wrk sqlite3 curl gcc pkg-config python3)"
done
pkg-config --exists libmicrohttpd || die "libmicrohttpd-dev is missing"
[ -x "$BIN" ] || die "$BIN: no such program (run make first)"
case $BIN in
*/san/*) say "warning: $BIN is the sanitizer build; figures mean little" ;;
esac

# 1,024 connections need more than the usual 1,024 descriptors.
ulimit -n 65536 2>/dev/null || ulimit -n "$(ulimit -Hn)" 2>/dev/null
[ "$(ulimit -n)" = unlimited ] || [ "$(ulimit -n)" -ge 4096 ] ||
    die "cannot raise the open-file limit to 4096 (ulimit -n)"

TMP=$(mktemp -d "${TMPDIR:-/tmp}/klankbord-bench.XXXXXX") || die "mktemp failed"

say "building the ceiling (cc -O2)"
cc -O2 -std=c11 -D_DEFAULT_SOURCE -D_POSIX_C_SOURCE=200809L -Wall -Wextra \
    $(pkg-config --cflags libmicrohttpd) -o "$TMP/ceiling" bench/ceiling.c \
    $(pkg-config --libs libmicrohttpd) -pthread ||
    die "bench/ceiling.c does not build"

# --- helpers ---------------------------------------------------------------

now_ns() {
	date +%s%N
}

# server_start DB [options...]: starts klankbord on a free port.  Sets
# SPID, SPORT, SLOG (its log) and SUP (seconds from start to `listening`).
server_start() {
	_db=$1
	shift
	_log="$TMP/server.$(basename "$_db").log"
	: >"$_log"
	_t0=$(now_ns)
	# wrk's connections all come from 127.0.0.1: lift the per-address
	# cap (128 by default) that would otherwise close half of them.
	"$BIN" serve --port 0 --db "$_db" --surveys surveys --web-dir kiosk \
	    --rate-limit off --connections-per-address 10000 "$@" \
	    2>>"$_log" &
	SPID=$!
	PIDS="$PIDS $SPID"
	SPORT=
	# Up to 5 minutes: on many rows the server may rebuild its summaries.
	_deadline=$(($(date +%s) + 300))
	while [ "$(date +%s)" -lt $_deadline ]; do
		SPORT=$(sed -n 's/.*listening on http:\/\/127\.0\.0\.1:\([0-9][0-9]*\).*/\1/p' \
		    "$_log" | tail -n 1)
		[ -n "$SPORT" ] && break
		kill -0 $SPID 2>/dev/null || break
		sleep 0.01
	done
	_t1=$(now_ns)
	if [ -z "$SPORT" ]; then
		tail -n 20 "$_log" >&2
		die "the server did not start"
	fi
	SUP=$(awk -v a="$_t0" -v b="$_t1" 'BEGIN { printf "%.2f", (b - a) / 1e9 }')
	# A fresh log per start, so the next start finds its own port.
	SLOG="$_log.$SPID"
	mv "$_log" "$SLOG"
}

# server_stop: SIGTERM and wait; a non-zero exit breaks the bench.
server_stop() {
	stop_pid $SPID || die "the server exited with status $? on SIGTERM"
}

# rss_mib PID: peak resident set (VmHWM) in MiB.
rss_mib() {
	awk '/^VmHWM:/ { printf "%.1f", $2 / 1024 }' /proc/$1/status
}

# ceiling_start SIZE [suspend]: sets CPID, CPORT.
NCEIL=0
ceiling_start() {
	NCEIL=$((NCEIL + 1))
	_pf="$TMP/ceiling.$NCEIL.port"
	: >"$_pf"
	"$TMP/ceiling" "$@" >"$_pf" &
	CPID=$!
	PIDS="$PIDS $CPID"
	CPORT=
	_i=0
	while [ -z "$CPORT" ] && [ $_i -lt 500 ]; do
		CPORT=$(head -n 1 "$_pf")
		kill -0 $CPID 2>/dev/null || break
		[ -n "$CPORT" ] || sleep 0.01
		_i=$((_i + 1))
	done
	[ -n "$CPORT" ] || die "the ceiling did not start"
}

ceiling_stop() {
	stop_pid $CPID || die "the ceiling exited with status $?"
}

# wrk_run NAME CONNECTIONS SECONDS URL [wrk options...]: one wrk run.
# Leaves TMP/NAME.wrk (wrk's output, whose BENCH line bench/report.lua
# writes) and TMP/NAME.hist (the latency histogram), and sets W_* as
# summarise does.  The script gets a fresh random word as its argument
# (ingest.lua's prefix for submission ids).
wrk_run() {
	_name=$1 _c=$2 _d=$3 _url=$4
	shift 4
	BENCH_HIST="$TMP/$_name.hist" wrk -t$THREADS -c"$_c" -d"${_d}s" \
	    --latency "$@" "$_url" -- "b$(rand_hex)" >"$TMP/$_name.wrk" 2>&1 || {
		cat "$TMP/$_name.wrk" >&2
		die "wrk failed ($_name)"
	}
	grep -q '^BENCH ' "$TMP/$_name.wrk" && [ -s "$TMP/$_name.hist" ] || {
		cat "$TMP/$_name.wrk" >&2
		die "wrk printed no summary ($_name)"
	}
	eval "$(summarise W "$_name")"
	_e=$(grep '^BENCH ' "$TMP/$_name.wrk" | tr ' ' '\n' |
	    grep -E '^(status|connect|read|write|timeout)=' | tr '\n' ' ')
	say "  $_name: $W_RPS/s, p50 $W_P50 ms, p99 $W_P99 ms," \
	    "errors $W_ERR (${_e% })"
}

# summarise PREFIX NAME...: shell assignments over the wrk runs NAME...
# taken as one: PREFIX_REQ (completed), PREFIX_OK (2xx/3xx), PREFIX_RPS,
# PREFIX_ERR (non-2xx/3xx answers and socket errors), and PREFIX_P50 and
# PREFIX_P99 in ms over all the runs' latencies together: each run's
# quantiles (TMP/NAME.hist), weighted by its requests, make one
# distribution.
summarise() {
	_pre=$1
	shift
	for _r in "$@"; do
		grep -h '^BENCH ' "$TMP/$_r.wrk"
	done >"$TMP/summarise.bench"
	awk -v p="$_pre" '{
		for (i = 2; i <= NF; i++) { split($i, kv, "="); v[kv[1]] = kv[2] }
		req += v["requests"]; dur += v["duration_us"]
		ok += v["requests"] - v["status"]
		err += v["status"] + v["connect"] + v["read"] + v["write"] + \
		    v["timeout"]
	} END {
		printf "%s_REQ=%d\n%s_OK=%d\n%s_ERR=%d\n", p, req, p, ok, p, err
		printf "%s_RPS=%.0f\n", p, (dur > 0 ? req / (dur / 1e6) : 0)
	}' "$TMP/summarise.bench"
	# Lines "microseconds run percent weight", by latency.  Walking up,
	# a run's share at or below x is the largest percent it has shown so
	# far; the merged share is the runs' mean weighted by their requests.
	_k=0 _tot=0
	for _r in "$@"; do
		_n=$(sed -n 's/^BENCH requests=\([0-9]*\).*/\1/p' "$TMP/$_r.wrk")
		_tot=$((_tot + _n))
	done
	for _r in "$@"; do
		_k=$((_k + 1))
		_n=$(sed -n 's/^BENCH requests=\([0-9]*\).*/\1/p' "$TMP/$_r.wrk")
		awk -v r=$_k -v n="$_n" '{ print $2, r, $1, n }' "$TMP/$_r.hist"
	done | sort -n -k1,1 | awk -v p="$_pre" -v tot=$((_tot * 100)) '
	function check() {
		if (a == "" && f >= 0.5 * tot) a = x
		if (b == "" && f >= 0.99 * tot) b = x
	}
	{
		if (NR > 1 && $1 != x) check()
		x = $1
		if (!($2 in w)) w[$2] = $4
		if ($3 > got[$2]) {
			f += w[$2] * ($3 - got[$2])
			got[$2] = $3
		}
	}
	END {
		check()
		printf "%s_P50=%.2f\n%s_P99=%.2f\n", p, a / 1000, p, b / 1000
	}'
}

# wrk_pair NAME CONNECTIONS SLICES SECONDS PATH [wrk options...]: measures
# the ceiling (CPORT) and klankbord (SPORT) in SLICES alternating slices
# of SECONDS each (ceiling, server, server, ceiling, ...), so a burst of
# load from elsewhere on the machine hits both alike.  Sets C_* and S_*
# as summarise does.
wrk_pair() {
	_pn=$1 _pc=$2 _ps=$3 _pd=$4 _pp=$5
	shift 5
	_cr= _sr=
	_k=1
	while [ $_k -le "$_ps" ]; do
		# Whichever goes first alternates, so a drift cancels.
		if [ $((_k % 2)) = 1 ]; then
			_order="ceiling klankbord"
		else
			_order="klankbord ceiling"
		fi
		for _who in $_order; do
			if [ $_who = ceiling ]; then
				_port=$CPORT
				_cr="$_cr $_pn-$_who-$_k"
			else
				_port=$SPORT
				_sr="$_sr $_pn-$_who-$_k"
			fi
			wrk_run "$_pn-$_who-$_k" "$_pc" "$_pd" \
			    "http://127.0.0.1:$_port$_pp" "$@"
		done
		_k=$((_k + 1))
	done
	# shellcheck disable=SC2086
	eval "$(summarise C $_cr)"
	# shellcheck disable=SC2086
	eval "$(summarise S $_sr)"
}

# test A OP B on decimal numbers.
num() {
	awk -v a="$1" -v b="$3" -v op="$2" 'BEGIN {
		if (op == ">=") exit !(a + 0 >= b + 0)
		if (op == "<")  exit !(a + 0 <  b + 0)
		if (op == "<=") exit !(a + 0 <= b + 0)
		if (op == "==") exit !(a + 0 == b + 0)
		exit 2
	}'
}

ratio() {
	awk -v a="$1" -v b="$2" 'BEGIN {
		if (b + 0 > 0) printf "%.1f%%", 100 * a / b; else print "-"
	}'
}

verdict() {
	if "$@"; then echo ok; else echo "BELOW TARGET"; fi
}

FMT='%-26s %12s %-9s %12s %7s %-14s %s\n'
TABLE="$TMP/table"
NOTES="$TMP/notes"
: >"$TABLE"
: >"$NOTES"

# row NAME VALUE UNIT CEILING RATIO TARGET VERDICT
row() {
	printf "$FMT" "$1" "$2" "$3" "$4" "$5" "$6" "$7" >>"$TABLE"
}

note() {
	echo "  $*" >>"$NOTES"
}

rand_hex() {
	od -An -N6 -tx1 /dev/urandom | tr -d ' \n'
}

# http_code URL [curl options...]
http_code() {
	_u=$1
	shift
	curl -s -o /dev/null -w '%{http_code}' "$@" "$_u"
}

# --- 1. durable ingest --------------------------------------------------
# At each connection count: the ceiling and a fresh server on a fresh
# database, measured in alternating slices.  Then the server is stopped
# cleanly and the rows in its database must be at least the 2xx answers
# wrk saw.

bench_ingest() {
	for C in ${BENCH_CONNECTIONS:-64 256 1024}; do
		if [ $C = 64 ]; then N=$LONG_N; else N=$SHORT_N; fi
		say "ingest, $C connections, $N x $SLICE s each: ceiling and klankbord"
		DB="$TMP/ingest$C.db"
		ceiling_start 0
		server_start "$DB" ${BENCH_SERVER_ARGS:-}
		# The -wal file's size, sampled while the load runs.
		( peak=0; while kill -0 $SPID 2>/dev/null; do
			s=$(stat -c %s "$DB-wal" 2>/dev/null || echo 0)
			[ "$s" -gt "$peak" ] && peak=$s && echo $peak >"$TMP/walpeak.$C"
			sleep 0.2; done ) &
		WPID=$!
		wrk_pair "ingest-$C" $C $N $SLICE / -s bench/ingest.lua
		RSS=$(rss_mib $SPID)
		CRSS=$(rss_mib $CPID)
		sleep 5
		WAL_IDLE=$(stat -c %s "$DB-wal" 2>/dev/null || echo 0)
		METRICS=$(curl -s --max-time 10 "http://127.0.0.1:$SPORT/metrics")
		echo "$METRICS" >"$TMP/metrics.$C"
		[ -n "$METRICS" ] || note "ingest ${C}c: /metrics did not answer after the load"
		ceiling_stop
		server_stop
		kill $WPID 2>/dev/null
		wait $WPID 2>/dev/null
		WAL_PEAK=$(cat "$TMP/walpeak.$C" 2>/dev/null || echo 0)
		M_ROWS=$(echo "$METRICS" | awk '$1 == "klankbord_responses_stored_total" { print $2 }')
		M_COMMITS=$(echo "$METRICS" | awk '$1 == "klankbord_commits_total" { print $2 }')
		M_PAGES=$(echo "$METRICS" | awk '$1 == "klankbord_store_pages_written_total" { print $2 }')
		# Acknowledged rows: the released ones and the intake.
		ROWS_IN=$(sqlite3 "$DB" 'SELECT (SELECT count(*) FROM responses) +
		    (SELECT count(*) FROM intake)') ||
		    die "cannot count the rows in $DB"

		row "ingest ${C}c" "$S_RPS" "resp/s" "$C_RPS" \
		    "$(ratio "$S_RPS" "$C_RPS")" ">= 60%" \
		    "$(verdict num "$S_RPS" ">=" "$(awk -v c="$C_RPS" 'BEGIN { print 0.6 * c }')")"
		row "ingest ${C}c p50" "$S_P50" "ms" "$C_P50" - - -
		if [ $C = 64 ]; then
			row "ingest ${C}c p99" "$S_P99" "ms" "$C_P99" - "< 10 ms" \
			    "$(verdict num "$S_P99" "<" 10)"
		else
			row "ingest ${C}c p99" "$S_P99" "ms" "$C_P99" - - -
		fi
		row "ingest ${C}c errors" "$S_ERR" "errors" "$C_ERR" - "0" \
		    "$(verdict num "$S_ERR" "==" 0)"
		row "ingest ${C}c durable" "$ROWS_IN" "rows" - - ">= $S_OK 2xx" \
		    "$(verdict num "$ROWS_IN" ">=" "$S_OK")"
		if [ $C = 64 ]; then
			row "ingest ${C}c peak RSS" "$RSS" "MiB" "$CRSS" - "< 32 MiB" \
			    "$(verdict num "$RSS" "<" 32)"
		else
			row "ingest ${C}c peak RSS" "$RSS" "MiB" "$CRSS" - - -
		fi
		row "ingest ${C}c rows per commit" "$(awk -v r="${M_ROWS:-0}" -v c="${M_COMMITS:-0}" \
		    'BEGIN { printf "%.1f", (c > 0 ? r / c : 0) }')" "rows" - - - -
		row "ingest ${C}c pages per response" "$(awk -v p="${M_PAGES:-0}" -v r="${M_ROWS:-0}" \
		    'BEGIN { printf "%.2f", (r > 0 ? p / r : 0) }')" "pages" - - - -
		row "ingest ${C}c WAL peak" "$(awk -v b="$WAL_PEAK" 'BEGIN { printf "%.1f", b / 1048576 }')" \
		    "MiB" - - "<= 64 MiB" "$(verdict num "$WAL_PEAK" "<=" 67108864)"
		row "ingest ${C}c WAL 5 s idle" "$WAL_IDLE" "bytes" - - "0" \
		    "$(verdict num "$WAL_IDLE" "==" 0)"
		note "ingest ${C}c: $ROWS_IN rows stored; $S_OK answered 2xx of" \
		    "$S_REQ completed; $(nproc) HTTP threads (one per core)"
		bench_suspend_only
	done
}

# The ceiling with suspend and resume and still no work (ceiling.c
# "suspend"), against the plain ceiling: what the design's way of holding a
# request until its commit costs by itself, whatever the server does.
bench_suspend_only() {
	say "ingest, $C connections: the ceiling with suspend/resume, no work"
	ceiling_start 0 suspend
	_spid=$CPID _sport=$CPORT
	ceiling_start 0
	SPORT=$_sport
	wrk_pair "suspend-$C" $C $SHORT_N $SLICE / -s bench/ingest.lua
	ceiling_stop
	stop_pid $_spid || die "the suspend ceiling exited with status $?"
	row "ingest ${C}c suspend only" "$S_RPS" "resp/s" "$C_RPS" \
	    "$(ratio "$S_RPS" "$C_RPS")" - -
	row "ingest ${C}c suspend p99" "$S_P99" "ms" "$C_P99" - - -
}

# --- 2. respondent page, 3. QR ------------------------------------------
# The phone page a QR code leads to, and the survey definition it loads.
# Asked as a phone asks (Accept-Encoding: gzip); the ceiling answers a
# body of the same size as the server's answer.

bench_pages() {
	say "pages and QR: starting klankbord"
	DB="$TMP/pages.db"
	KEY=$("$BIN" apikey add bench --role viewer --db "$DB" 2>>"$TMP/apikey.log") ||
	    die "apikey add failed: $(cat "$TMP/apikey.log")"
	server_start "$DB"
	for page in "/s/ouders?loc=overvecht" "/api/surveys/ouders"; do
		name="page ${page%%\?*}"
		tag=$(echo "${page%%\?*}" | tr -c 'a-z0-9\n' '_')
		out=$(curl -s -D "$TMP/h$tag" -o "$TMP/b$tag" \
		    -H 'Accept-Encoding: gzip' -w '%{http_code} %{size_download}' \
		    "http://127.0.0.1:$SPORT$page")
		code=${out% *} size=${out#* }
		if [ "$code" != 200 ]; then
			row "$name" n/a "req/s" - - ">= 80%" "FAILED (HTTP $code)"
			continue
		fi
		say "$name ($size bytes), 64 connections, $PAGE_N x $PAGE_SLICE s" \
		    "each: ceiling and klankbord"
		ceiling_start "$size"
		wrk_pair "get$tag" 64 $PAGE_N $PAGE_SLICE "$page" -s bench/report.lua \
		    -H 'Accept-Encoding: gzip'
		ceiling_stop
		if [ "$S_ERR" -gt 0 ]; then
			v="BELOW TARGET"
			note "$name: $S_ERR errors"
		else
			v=$(verdict num "$S_RPS" ">=" "$(awk -v c="$C_RPS" 'BEGIN { print 0.8 * c }')")
		fi
		row "$name" "$S_RPS" "req/s" "$C_RPS" "$(ratio "$S_RPS" "$C_RPS")" \
		    ">= 80%" "$v"
	done
	# What a phone gets: compressed when it asks, and a validator for its cache.
	for page in "/s/ouders?loc=overvecht" "/api/surveys/ouders" \
	    "/assets/app.js" "/assets/app.css"; do
		curl -s -o /dev/null -D "$TMP/hdr" -H 'Accept-Encoding: gzip' \
		    -w '%{http_code} %{size_download}' "http://127.0.0.1:$SPORT$page" \
		    >"$TMP/out"
		enc=$(awk -F': *' 'tolower($1) == "content-encoding" { sub(/\r$/, "", $2); print $2 }' "$TMP/hdr")
		etag=$(awk -F': *' 'tolower($1) == "etag" { sub(/\r$/, "", $2); print $2 }' "$TMP/hdr")
		cc=$(awk -F': *' 'tolower($1) == "cache-control" { sub(/\r$/, "", $2); print $2 }' "$TMP/hdr")
		note "GET ${page%%\?*} with Accept-Encoding: gzip: HTTP $(cut -d' ' -f1 "$TMP/out")," \
		    "$(cut -d' ' -f2 "$TMP/out") bytes, Content-Encoding ${enc:-none}," \
		    "ETag ${etag:-none}, Cache-Control ${cc:-none}"
	done

	for fmt in svg png; do
		URL="http://127.0.0.1:$SPORT/admin/qr.$fmt?survey=ouders&loc=overvecht"
		code=$(http_code "$URL" -H "Authorization: Bearer $KEY")
		case $code in
		404)
			row "qr $fmt" n/a "codes/s" - - - "NOT BUILT" ;;
		200)
			say "qr $fmt, 8 connections, ${QRS} s"
			wrk_run "qr-$fmt" 8 $QRS "$URL" -s bench/report.lua \
			    -H "Authorization: Bearer $KEY"
			if [ "$W_ERR" -gt 0 ]; then v="BELOW TARGET"; else v=-; fi
			row "qr $fmt" "$W_RPS" "codes/s" - - - "$v"
			[ "$W_ERR" -eq 0 ] || note "qr $fmt: $W_ERR errors" ;;
		*)
			row "qr $fmt" n/a "codes/s" - - - "FAILED (HTTP $code)" ;;
		esac
	done
	bench_speech
	server_stop
}

# Read-aloud: every question of ouders in every language, each rendered
# once (eSpeak NG, then Opus), fetched one after the other; then the size
# of one question's audio.
bench_speech() {
	curl -s "http://127.0.0.1:$SPORT/api/surveys/ouders" >"$TMP/ouders.json"
	python3 -c 'import json, sys
d = json.load(open(sys.argv[1]))
for l in d["languages"]:
    for q in d["questions"]:
        print("survey=ouders&lang=%s&text=%s" % (l, q["id"]))' "$TMP/ouders.json" >"$TMP/speech.keys"
	n=$(wc -l <"$TMP/speech.keys")
	say "speech: $n renders, one at a time"
	t0=$(now_ns)
	bad=0
	while read -r q; do
		c=$(http_code "http://127.0.0.1:$SPORT/api/speech?$q")
		[ "$c" = 200 ] || bad=$((bad + 1))
	done <"$TMP/speech.keys"
	t1=$(now_ns)
	if [ "$bad" -gt 0 ]; then
		row "speech renders" n/a "renders/s" - - - "FAILED ($bad of $n)"
		return
	fi
	row "speech renders" "$(awk -v n="$n" -v ns=$((t1 - t0)) \
	    'BEGIN { printf "%.1f", n / (ns / 1e9) }')" "renders/s" - - - -
	size=$(curl -s -o /dev/null -w '%{size_download}' \
	    "http://127.0.0.1:$SPORT/api/speech?survey=ouders&lang=nl&text=gehoord")
	row "speech question audio" "$size" "bytes" - - - -
	note "speech: $n texts (ouders, every question, every language) rendered" \
	    "with eSpeak NG and encoded as Opus in Ogg at 24 kbit/s; the" \
	    "audio of 'gehoord' in Dutch is $size bytes"
}

# --- 4. dashboard over 1,000,000 responses ------------------------------
# The rows go straight into the database with the sqlite3 CLI (server
# stopped; bench/load.sql), then the server starts on them: the load
# figures are the SQL itself and the time from start to `listening` (the
# server may build summaries at start-up).  The stats request is timed
# with curl, sequentially; the median counts.

bench_dashboard() {
	say "dashboard: loading $ROWS responses"
	DB="$TMP/dash.db"
	KEY=$("$BIN" apikey add bench --role viewer --db "$DB" 2>>"$TMP/apikey.log") ||
	    die "apikey add failed: $(cat "$TMP/apikey.log")"
	t0=$(now_ns)
	sqlite3 "$DB" <bench/load.sql >"$TMP/load.log" 2>&1 ||
	    die "loading the responses failed: $(cat "$TMP/load.log")"
	t1=$(now_ns)
	LOAD_S=$(awk -v a="$t0" -v b="$t1" 'BEGIN { printf "%.1f", (b - a) / 1e9 }')
	n=$(sqlite3 "$DB" 'SELECT count(*) FROM responses')
	[ "$n" = $ROWS ] || die "loaded $n responses, not $ROWS"
	row "dashboard load (SQL)" "$LOAD_S" "s" - - - -

	say "dashboard: starting klankbord on $ROWS responses"
	server_start "$DB"
	row "dashboard start-up" "$SUP" "s" - - - -
	rebuilt=$(grep -o 'summaries rebuilt from.*' "$SLOG" | tail -n 1)
	[ -z "$rebuilt" ] || note "dashboard start-up: the server logged: $rebuilt"
	URL="http://127.0.0.1:$SPORT/admin/api/stats?survey=ouders&interval=month&by=location"
	# After the release at start the server builds and keeps the protected
	# table set (as at a period close) and logs how long that took.
	PT=
	i=0
	while [ -z "$PT" ] && [ $i -lt 600 ]; do
		PT=$(sed -n 's/.*protected set of ouders .* built in \([0-9]*\) ms.*/\1/p' \
		    "$SLOG" | head -n 1)
		[ -n "$PT" ] || sleep 0.5
		i=$((i + 1))
	done
	row "protected set, 1M responses" "${PT:-n/a}" "ms" - - - -
	code=$(http_code "$URL" -H "Authorization: Bearer $KEY")
	case $code in
	404)
		row "dashboard stats" n/a "ms" - - "< 100 ms" "NOT BUILT" ;;
	200)
		say "dashboard: 20 stats requests"
		: >"$TMP/stats.times"
		i=0
		while [ $i -lt 20 ]; do
			curl -s -o /dev/null -w '%{time_total}\n' \
			    -H "Authorization: Bearer $KEY" "$URL" >>"$TMP/stats.times"
			i=$((i + 1))
		done
		MED=$(sort -n "$TMP/stats.times" | awk '{ t[NR] = $1 } END {
			printf "%.1f", 1000 * (t[int((NR + 1) / 2)] + t[int(NR / 2) + 1]) / 2 }')
		MAX=$(sort -n "$TMP/stats.times" | tail -n 1 | awk '{ printf "%.1f", 1000 * $1 }')
		row "dashboard stats" "$MED" "ms" - - "< 100 ms" \
		    "$(verdict num "$MED" "<" 100)"
		note "dashboard stats: median of 20 sequential requests, slowest $MAX ms" ;;
	*)
		row "dashboard stats" n/a "ms" - - "< 100 ms" "FAILED (HTTP $code)" ;;
	esac
	# The goal board (GET /admin/api/goals: every goal, per location), timed alike.
	GURL="http://127.0.0.1:$SPORT/admin/api/goals?survey=ouders"
	code=$(http_code "$GURL" -H "Authorization: Bearer $KEY")
	if [ "$code" = 200 ]; then
		: >"$TMP/goals.times"
		i=0
		while [ $i -lt 20 ]; do
			curl -s -o /dev/null -w '%{time_total}\n' \
			    -H "Authorization: Bearer $KEY" "$GURL" >>"$TMP/goals.times"
			i=$((i + 1))
		done
		MED=$(sort -n "$TMP/goals.times" | awk '{ t[NR] = $1 } END {
			printf "%.1f", 1000 * (t[int((NR + 1) / 2)] + t[int(NR / 2) + 1]) / 2 }')
		row "goal board" "$MED" "ms" - - "< 100 ms" "$(verdict num "$MED" "<" 100)"
		note "goal board: median of 20 sequential requests of /admin/api/goals?survey=ouders"
	else
		row "goal board" n/a "ms" - - "< 100 ms" "FAILED (HTTP $code)"
	fi
	row "dashboard peak RSS" "$(rss_mib $SPID)" "MiB" - - - -
	server_stop
}

# --- 6. SMS ---------------------------------------------------------------
# SMS_N invitations are queued with `klankbord invite` while the server is
# stopped (not timed), then the server starts with the generic provider
# pointed at bench/fake_gateway.py, which answers every message after
# 50 ms.  The figure is SMS_N divided by the seconds from the gateway's
# first request to its last answer.  --sms-rate is raised to its maximum so
# that the figure shows what the sender's concurrency achieves, not the
# configured cap (20/s by default).
# The invitations are queued with `klankbord invite` before the server
# starts, so the figure is the sender alone, not the API that feeds it
# (POST /admin/api/invitations queues the same rows; its tests are in
# tests/integration/test_sms.py).

bench_sms() {
	SMS_N=600
	if "$BIN" serve --help 2>/dev/null | grep -q -- '--sms' &&
	    "$BIN" invite --help >/dev/null 2>&1; then
		say "sms: queueing $SMS_N invitations"
		DB="$TMP/sms.db"
		# The first one alone: it creates the database.
		awk -v n=$SMS_N 'BEGIN { for (i = 0; i < n; i++) printf "06%08d\n", 10000000 + i }' \
		    >"$TMP/phones"
		head -n 1 "$TMP/phones" | xargs -I % "$BIN" invite --survey ouders \
		    --location overvecht --phone % --db "$DB" --surveys surveys \
		    >/dev/null 2>>"$TMP/invite.log"
		tail -n +2 "$TMP/phones" | xargs -P 4 -I % "$BIN" invite \
		    --survey ouders --location overvecht --phone % --db "$DB" \
		    --surveys surveys >/dev/null 2>>"$TMP/invite.log"
		n=$(sqlite3 "$DB" 'SELECT count(*) FROM invitations' 2>/dev/null)
		[ "$n" = $SMS_N ] || {
			tail -n 5 "$TMP/invite.log" >&2
			die "queued ${n:-no} invitations, not $SMS_N"
		}
		: >"$TMP/gateway.port"
		python3 bench/fake_gateway.py >"$TMP/gateway.port" 2>"$TMP/gateway.log" &
		GPID=$!
		PIDS="$PIDS $GPID"
		GPORT=
		i=0
		while [ -z "$GPORT" ] && [ $i -lt 500 ]; do
			GPORT=$(head -n 1 "$TMP/gateway.port")
			kill -0 $GPID 2>/dev/null || break
			[ -n "$GPORT" ] || sleep 0.02
			i=$((i + 1))
		done
		[ -n "$GPORT" ] || die "the fake gateway did not start"
		say "sms: sending through the fake gateway (50 ms per message)"
		server_start "$DB" --sms-provider generic \
		    --sms-url "http://127.0.0.1:$GPORT/send" --sms-quiet-hours off \
		    --sms-rate 1000
		got=0 secs=0 peak=0
		i=0
		while [ $i -lt 600 ]; do	# 60 s
			out=$(curl -s "http://127.0.0.1:$GPORT/count")
			got=$(echo "$out" | sed -n 's/.*"count": *\([0-9]*\).*/\1/p')
			secs=$(echo "$out" | sed -n 's/.*"seconds": *\([0-9.]*\).*/\1/p')
			peak=$(echo "$out" | sed -n 's/.*"peak_in_flight": *\([0-9]*\).*/\1/p')
			[ "${got:-0}" -ge $SMS_N ] && break
			sleep 0.1
			i=$((i + 1))
		done
		server_stop
		stop_pid $GPID
		sent=$(sqlite3 "$DB" "SELECT count(*) FROM invitations WHERE state <> 'queued'" 2>/dev/null)
		RATE=$(awk -v n="${got:-0}" -v s="${secs:-0}" 'BEGIN {
			if (s > 0) printf "%.0f", n / s; else print 0 }')
		row "sms invitations" "$RATE" "inv/s" - - ">= 200/s" \
		    "$(verdict num "$RATE" ">=" 200)"
		note "sms: the gateway answered ${got:-0} of $SMS_N messages in" \
		    "${secs:-0} s (first request to last answer), at most" \
		    "${peak:-?} at once; invitations no longer queued afterwards:" \
		    "${sent:-?}; --sms-concurrency at its default, --sms-rate 1000"
	else
		row "sms invitations" n/a "inv/s" - - ">= 200/s" "NOT BUILT"
	fi
}

# --- run ----------------------------------------------------------------
# BENCH_ONLY="ingest pages dashboard sms" (any of them) runs a part.
# BENCH_CONNECTIONS="64" limits the ingest part to those connection counts;
# BENCH_SERVER_ARGS adds options to its servers (say "--threads 1").

for part in ${BENCH_ONLY:-ingest pages dashboard sms}; do
	case $part in
	ingest|pages|dashboard|sms) bench_$part ;;
	*) die "BENCH_ONLY: unknown part '$part' (ingest pages dashboard sms)" ;;
	esac
done

# --- report -------------------------------------------------------------

printf "$FMT" figure value unit ceiling ratio target verdict
cat "$TABLE"
echo
echo "notes:"
cat "$NOTES"
echo "  the bench took $(($(date +%s) - T_START)) s; machine: $(nproc) cores," \
    "load average $(cut -d' ' -f1-3 /proc/loadavg)"
exit 0
