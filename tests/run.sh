#!/bin/sh
# `make run`: creates the database if needed and serves surveys/ here.
# BIND=0.0.0.0 lets kiosks and phones on the network in.
bin=$1 port=$2 db=$3 bind=${4:-127.0.0.1}
host=127.0.0.1
case $bind in
127.*|::1) ;;
*)
	# This computer's address on the network: what a kiosk or phone types.
	lan=$(ip -4 route get 192.0.2.1 2>/dev/null | sed -n 's/.* src \([0-9.]*\).*/\1/p')
	[ -n "$lan" ] || lan=$(hostname -I 2>/dev/null | cut -d' ' -f1)
	[ -n "$lan" ] && host=$lan
	[ "$bind" = 0.0.0.0 ] || [ "$bind" = :: ] || host=$bind
	;;
esac
base="http://$host:$port"
cat <<MSG

Klankbord starts on $base  (stop with Ctrl-C)

  Kiosk (touchscreen):   $base/kiosk/overvecht?survey=jongeren
  Phone survey (QR):     $base/s/ouders?loc=overvecht
  Dashboard:             $base/admin/
  Health check:          $base/healthz

  Database:              $db  (back it up with: $bin backup --db $db FILE)

MSG
if [ "$host" = 127.0.0.1 ]; then
	echo "  Only this computer can open these. For a kiosk or phone on the network:"
	echo "      make run BIND=0.0.0.0"
else
	echo "  Kiosks and phones on this network use $base"
	echo "  (the kiosk guide: kiosk/README-kiosk.md; a firewall must allow port $port)"
fi
cat <<MSG

  First time? Make an admin account for the dashboard, in another terminal:
      $bin user add YOURNAME --role admin --db $db

MSG
exec "$bin" serve --bind "$bind" --port "$port" --db "$db" --surveys surveys --base-url "$base"
