#!/bin/sh
# Browser tests (make browser): installs playwright-core and axe-core from
# package-lock.json when they are missing, then runs run.mjs against the real
# server (KLANKBORD_BIN, default build/klankbord) in /usr/bin/chromium.
set -e
dir=$(cd "$(dirname "$0")" && pwd)
cd "$dir"
if [ ! -x /usr/bin/chromium ] && [ "${KLANKBORD_BROWSER_OPTIONAL:-}" = 1 ]; then
	exec node run.mjs	# prints why it skips
fi
if [ ! -f node_modules/playwright-core/package.json ] ||
    [ ! -f node_modules/axe-core/axe.min.js ] ||
    [ package-lock.json -nt node_modules/.package-lock.json ]; then
	npm ci --no-audit --no-fund --loglevel=error
fi
rc=0
node signup.mjs || rc=$?	# the participation sign-up (issue #16)
node run.mjs || rc=$?
# The goal board and quarterly report (goals.mjs) after the main run.
node goals.mjs || rc=$?
exit $rc
