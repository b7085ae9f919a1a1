#!/bin/sh
# make deb: builds build/klankbord_VERSION_ARCH.deb with dpkg-deb (no
# debhelper): make install with PREFIX=/usr into a staging tree, Debian's
# compressed man pages and changelog, maintainer scripts from dist/debian/.
set -eu
version=$(sed -n 's/^#define KB_VERSION[[:space:]]*"\(.*\)"/\1/p' server/cli/cli.h)
arch=$(dpkg --print-architecture)
out=build/deb
root=$out/root
rm -rf "$root"
mkdir -p "$root/DEBIAN"
# A hardened, stripped build of its own.
make --no-print-directory BUILD=build/deb/obj \
	CFLAGS="-O2 -g -D_FORTIFY_SOURCE=2 -fstack-protector-strong -fPIE -Wl,-z,relro,-z,now -pie" \
	build/deb/obj/klankbord >/dev/null
make --no-print-directory -s BUILD=build/deb/obj install DESTDIR="$PWD/$root" \
	PREFIX=/usr SYSCONFDIR=/etc UNITDIR=/lib/systemd/system >/dev/null
strip --strip-unneeded --remove-section=.comment --remove-section=.note \
	"$root/usr/bin/klankbord"
gzip -9n "$root/usr/share/man/man1/klankbord.1" "$root/usr/share/man/man5/klankbord.conf.5"
doc=$root/usr/share/doc/klankbord
gzip -9n "$doc/README.md"
install -m 644 dist/debian/copyright "$doc/copyright"
{
	printf 'klankbord (%s) unstable; urgency=medium\n\n' "$version"
	printf '  * Built from the Klankbord source with make deb.\n\n'
	printf ' -- Klankbord developers <klankbord@example.org>  %s\n' \
		"$(date -R -d @"${SOURCE_DATE_EPOCH:-$(git log -1 --format=%ct 2>/dev/null || date +%s)}")"
} | gzip -9n > "$doc/changelog.gz"
chmod 644 "$doc/changelog.gz"
# postinst makes it 0640 root:klankbord once the user exists.
chmod 644 "$root/etc/klankbord/klankbord.conf"
for s in postinst prerm postrm; do
	install -m 755 "dist/debian/$s" "$root/DEBIAN/$s"
done
echo /etc/klankbord/klankbord.conf > "$root/DEBIAN/conffiles"
# Depends: the package of each shared library the program names.
needed=$(readelf -d "$root/usr/bin/klankbord" | sed -n 's/.*Shared library: \[\(.*\)\]/\1/p')
deps=$(ldd "$root/usr/bin/klankbord" | awk '/=> \//{print $1, $3}' | while read -r name lib; do
	echo "$needed" | grep -qxF "$name" || continue
	dpkg -S "$(readlink -f "$lib")" 2>/dev/null || dpkg -S "$lib" 2>/dev/null || true
done | cut -d: -f1 | sort -u | while read -r p; do
	printf '%s (>= %s)\n' "$p" "$(dpkg-query -W -f='${Version}' "$p" | sed 's/-[^-]*$//')"
done | paste -sd, - | sed 's/,/, /g')
size=$(du -sk --exclude=DEBIAN "$root" | cut -f1)
sed -e "s|@VERSION@|$version|" -e "s|@ARCH@|$arch|" -e "s|@SIZE@|$size|" \
	-e "s|@DEPENDS@|$deps|" dist/debian/control.in > "$root/DEBIAN/control"
(cd "$root" && find . -path ./DEBIAN -prune -o -type f -printf '%P\n' | sort |
	xargs md5sum) > "$root/DEBIAN/md5sums"
chmod 644 "$root/DEBIAN/control" "$root/DEBIAN/conffiles" "$root/DEBIAN/md5sums"
deb=build/klankbord_${version}_${arch}.deb
dpkg-deb --root-owner-group -Zxz --build "$root" "$deb" >/dev/null
echo "built $deb"
