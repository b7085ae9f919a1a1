#!/bin/sh
# klankbord-kiosk.sh: shows a Klankbord kiosk page full-screen in Chromium
# and starts Chromium again whenever it exits.
#
#   klankbord-kiosk.sh URL
#   KLANKBORD_KIOSK_URL=URL klankbord-kiosk.sh
#
# URL is the kiosk page, e.g. http://klankbord.local:8080/kiosk/overvecht?survey=jongeren
# The browser profile is kept in KLANKBORD_KIOSK_PROFILE (default
# ~/.local/state/klankbord-kiosk/profile) only for the kiosk page's local
# storage: finished answers waiting for the network survive a restart of
# Chromium or a power cut.  Before every start everything else in it goes
# (cookies, history, form data, cache, sessions), so nothing else a
# respondent did survives a restart.
# KLANKBORD_CHROMIUM may name another Chromium binary (default /usr/bin/chromium).

set -u

URL=${1:-${KLANKBORD_KIOSK_URL:-}}
CHROMIUM=${KLANKBORD_CHROMIUM:-/usr/bin/chromium}
PROFILE=${KLANKBORD_KIOSK_PROFILE:-${XDG_STATE_HOME:-$HOME/.local/state}/klankbord-kiosk/profile}

log() { printf '%s klankbord-kiosk: %s\n' "$(date '+%Y-%m-%dT%H:%M:%S')" "$*" >&2; }

if [ -z "$URL" ]; then
	echo "usage: $0 URL   (or set KLANKBORD_KIOSK_URL)" >&2
	exit 64
fi
case $URL in
http://*/kiosk/* | https://*/kiosk/*) ;;
http://* | https://*) log "warning: $URL is not a /kiosk/ page" ;;
*)
	echo "$0: not an http(s) address: $URL" >&2
	exit 64
	;;
esac
if [ ! -x "$CHROMIUM" ]; then
	echo "$0: $CHROMIUM not found; install it with: sudo apt-get install chromium" >&2
	exit 69
fi

# scheme://host:port of the URL, for the health check
BASE=$(printf '%s\n' "$URL" | sed 's|^\(https*://[^/?#]*\).*|\1|')

CHILD=

cleanup() {
	if [ -n "$CHILD" ]; then
		kill "$CHILD" 2>/dev/null
		wait "$CHILD" 2>/dev/null
	fi
}

# Keeps only the pages' local storage (the kiosk's queue) of the profile.
prune_profile() {
	mkdir -p "$PROFILE/Default" || return 1
	chmod 700 "$PROFILE"
	find "$PROFILE" -mindepth 1 -maxdepth 1 ! -name Default -exec rm -rf {} +
	find "$PROFILE/Default" -mindepth 1 -maxdepth 1 ! -name 'Local Storage' \
		-exec rm -rf {} +
}
trap 'cleanup; exit 0' TERM INT HUP

# Waits until the server answers, so the kiosk does not start on an error page.
wait_for_server() {
	if command -v curl >/dev/null 2>&1; then
		check() { curl -fsS -m 5 -o /dev/null "$BASE/healthz"; }
	elif command -v wget >/dev/null 2>&1; then
		check() { wget -q -T 5 -O /dev/null "$BASE/healthz"; }
	else
		return 0
	fi
	n=0
	until check 2>/dev/null; do
		[ $n -eq 0 ] && log "waiting for $BASE/healthz"
		n=$((n + 1))
		sleep 5
	done
}

# Keep the screen on, where the X tools are there (GNOME: see README-kiosk.md).
if [ -n "${DISPLAY:-}" ] && command -v xset >/dev/null 2>&1; then
	xset s off -dpms s noblank 2>/dev/null || true
fi

while :; do
	wait_for_server
	prune_profile || exit 1
	log "starting Chromium on $URL"
	"$CHROMIUM" \
		--kiosk \
		--user-data-dir="$PROFILE" \
		--disable-sync \
		--disable-features=AutofillServerCommunication,Translate,TranslateUI \
		--noerrdialogs \
		--disable-translate \
		--disable-pinch \
		--overscroll-history-navigation=0 \
		--disable-session-crashed-bubble \
		--no-first-run \
		--no-default-browser-check \
		--disable-infobars \
		--check-for-update-interval=31536000 \
		--autoplay-policy=no-user-gesture-required \
		--enable-speech-dispatcher \
		--password-store=basic \
		--ozone-platform-hint=auto \
		"$URL" &
	CHILD=$!
	wait "$CHILD"
	rc=$?
	CHILD=
	log "Chromium exited (status $rc); starting it again in 3 seconds"
	sleep 3
done
