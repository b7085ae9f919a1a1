#!/bin/sh
# `make run`: creates the database if needed and serves surveys/ here.
bin=$1 port=$2 db=$3
base="http://127.0.0.1:$port"
cat <<MSG

Klankbord starts on $base  (stop with Ctrl-C)

  Kiosk (touchscreen):   $base/kiosk/overvecht?survey=jongeren
  Phone survey (QR):     $base/s/ouders?loc=overvecht
  Dashboard:             $base/admin/
  Health check:          $base/healthz

  Database:              $db  (back it up with: $bin backup --db $db FILE)

  First time? Make an admin account for the dashboard, in another terminal:
      $bin user add YOURNAME --role admin --db $db

MSG
exec "$bin" serve --port "$port" --db "$db" --surveys surveys --base-url "$base"
