# Klankbord — build, run, test, bench.
#   make run     install what is missing, build, serve surveys/ on 127.0.0.1:8080
#   make test    install what is missing, build, run every test
#   make test SAN=1   the same under AddressSanitizer and UBSan

CC      ?= cc
PKGS    := libmicrohttpd sqlite3 jansson libsodium libqrencode libpng \
           libcurl zlib espeak-ng libopusenc opus
PKGS    += nettle
PKGS    += libsystemd
CFLAGS  ?= -O2 -g
WARN    := -std=c11 -Wall -Wextra -Wshadow -Wstrict-prototypes \
           -Wmissing-prototypes -Wpointer-arith -Wcast-qual -Werror
DEFS    := -D_DEFAULT_SOURCE -D_POSIX_C_SOURCE=200809L
BUILD   := build

ifeq ($(SAN),1)
  CFLAGS := -O1 -g -fsanitize=address,undefined -fno-omit-frame-pointer \
            -fno-sanitize-recover=undefined
  BUILD  := build/san
endif

# Debian packages the build and the tests need.
DEB_BUILD := gcc make pkg-config libmicrohttpd-dev libsqlite3-dev \
             libjansson-dev libsodium-dev libcurl4-openssl-dev \
             libqrencode-dev libpng-dev zlib1g-dev tzdata \
             libunistring-dev libespeak-ng-dev libopusenc-dev libopus-dev
# ReadStat (SPSS and Stata files) ships no pkg-config file.
DEB_BUILD += libreadstat-dev
DEB_BUILD += nettle-dev
DEB_BUILD += libsystemd-dev
DEB_TEST  := libcmocka-dev python3 sqlite3 curl chromium nodejs npm \
             zbar-tools librsvg2-bin wrk openssl clang libclang-rt-14-dev
DEB_TEST  += readstat r-cran-haven
DEB_TEST  += systemd lintian procps man-db

# Every .c under server/ but main.c; folders follow the data path (ARCHITECTURE.md).
SRC_LIB := $(sort $(wildcard server/*/*.c))
SRC_BIN := server/main.c
OBJ_LIB := $(SRC_LIB:server/%.c=$(BUILD)/obj/%.o)
OBJ_BIN := $(SRC_BIN:server/%.c=$(BUILD)/obj/%.o)

PKG_CFLAGS := $(shell pkg-config --cflags $(PKGS) 2>/dev/null)
PKG_LIBS   := $(shell pkg-config --libs $(PKGS) 2>/dev/null)
ALL_CFLAGS := $(WARN) $(DEFS) $(CFLAGS) -Iinclude $(PKG_CFLAGS) -pthread
# libunistring ships no .pc file on Debian: pkg-config if it can, else -l.
UNISTRING_LIBS := $(shell pkg-config --libs libunistring 2>/dev/null || echo -lunistring)
LDLIBS     := $(PKG_LIBS) $(UNISTRING_LIBS) -pthread -lm
LDLIBS     += -lreadstat

UNIT_TESTS := test_util test_config test_jsonpos test_survey test_answers \
              test_redact test_response test_store test_qr \
              test_stats test_report test_sms test_auth test_i18n
UNIT_TESTS += test_participants
UNIT_TESTS += test_goals
UNIT_TESTS += test_quickjson
UNIT_BINS  := $(UNIT_TESTS:%=$(BUILD)/%)

# Options for `make run`; override on the command line.
PORT ?= 8080
DB   ?= data/klankbord.db
BIND ?= 127.0.0.1

# Where `make install` puts things (README: "Installing").
PREFIX     ?= /usr/local
DESTDIR    ?=
SYSCONFDIR ?= /etc
BINDIR     := $(PREFIX)/bin
DATADIR    := $(PREFIX)/share/klankbord
MANDIR     := $(PREFIX)/share/man
DOCDIR     := $(PREFIX)/share/doc/klankbord
LIBEXECDIR := $(PREFIX)/lib/klankbord
UNITDIR    ?= $(PREFIX)/lib/systemd/system
INST_SURVEYS := $(wildcard surveys/*.json) $(wildcard surveys/i18n/*)
INST_WEB     := $(wildcard kiosk/*.html kiosk/*.css kiosk/*.js)
INST_KIOSK   := kiosk/klankbord-kiosk.sh kiosk/klankbord-kiosk.service
INST_UNITS   := klankbord.service klankbord-backup.service \
                klankbord-backup.timer
SUBST = sed -e 's|@BINDIR@|$(BINDIR)|g' -e 's|@DATADIR@|$(DATADIR)|g' \
            -e 's|@LIBEXECDIR@|$(LIBEXECDIR)|g' -e 's|@SYSCONFDIR@|$(SYSCONFDIR)|g'

.PHONY: all deps deps-test run test unit integration browser lint \
        check-banned clean bench valgrind fuzz fuzz-replay
.PHONY: install uninstall deb

all: $(BUILD)/klankbord

deps:
	@sh tests/deps.sh $(DEB_BUILD)

deps-test:
	@sh tests/deps.sh $(DEB_BUILD) $(DEB_TEST)

$(BUILD)/obj/%.o: server/%.c include/*.h $(wildcard server/*/*.h)
	@mkdir -p $(dir $@)
	$(CC) $(ALL_CFLAGS) -c -o $@ $<

$(BUILD)/klankbord: check-banned $(OBJ_LIB) $(OBJ_BIN)
	$(CC) $(CFLAGS) -o $@ $(OBJ_BIN) $(OBJ_LIB) $(LDLIBS)

# The functions STYLE.md bans never reach a build.
check-banned:
	@if grep -nE '\b(atoi|atol|sprintf|vsprintf|strcpy|strcat|strncpy|gets|strtok)[[:space:]]*\(' \
	    server/*.c server/*/*.c server/*/*.h include/*.h tests/unit/*.c 2>/dev/null; then \
	  echo "banned function used (see STYLE.md)"; exit 1; fi

$(BUILD)/test_%: tests/unit/test_%.c $(OBJ_LIB) tests/unit/*.h
	$(CC) $(ALL_CFLAGS) -Itests/unit $(shell pkg-config --cflags cmocka) \
	    -o $@ $< $(OBJ_LIB) $(LDLIBS) $(shell pkg-config --libs cmocka)

run: deps
	@$(MAKE) --no-print-directory all
	@sh tests/run.sh $(BUILD)/klankbord $(PORT) $(DB) $(BIND)

# The files each of these installs are listed in README.md, "Installing".
install: $(BUILD)/klankbord
	install -d $(DESTDIR)$(BINDIR) $(DESTDIR)$(DATADIR)/surveys \
	    $(DESTDIR)$(DATADIR)/web $(DESTDIR)$(DATADIR)/kiosk \
	    $(DESTDIR)$(MANDIR)/man1 $(DESTDIR)$(MANDIR)/man5 \
	    $(DESTDIR)$(DOCDIR) $(DESTDIR)$(LIBEXECDIR) $(DESTDIR)$(UNITDIR) \
	    $(DESTDIR)$(SYSCONFDIR)/klankbord
	install -m 755 $(BUILD)/klankbord $(DESTDIR)$(BINDIR)/klankbord
	$(if $(wildcard surveys/i18n/*),install -d $(DESTDIR)$(DATADIR)/surveys/i18n)
	for f in $(INST_SURVEYS); do \
	    install -m 644 $$f $(DESTDIR)$(DATADIR)/$$f || exit 1; done
	install -m 644 $(INST_WEB) $(DESTDIR)$(DATADIR)/web/
	install -m 755 kiosk/klankbord-kiosk.sh $(DESTDIR)$(DATADIR)/kiosk/
	install -m 644 kiosk/klankbord-kiosk.service $(DESTDIR)$(DATADIR)/kiosk/
	install -m 644 man/klankbord.1 $(DESTDIR)$(MANDIR)/man1/
	install -m 644 man/klankbord.conf.5 $(DESTDIR)$(MANDIR)/man5/
	install -m 644 README.md kiosk/README-kiosk.md $(DESTDIR)$(DOCDIR)/
	$(SUBST) dist/klankbord.conf.in > $(DESTDIR)$(DOCDIR)/klankbord.conf.example
	chmod 644 $(DESTDIR)$(DOCDIR)/klankbord.conf.example
	$(SUBST) dist/klankbord-backup.in > $(DESTDIR)$(LIBEXECDIR)/klankbord-backup
	chmod 755 $(DESTDIR)$(LIBEXECDIR)/klankbord-backup
	for u in klankbord.service klankbord-backup.service; do \
	    $(SUBST) dist/$$u.in > $(DESTDIR)$(UNITDIR)/$$u || exit 1; \
	    chmod 644 $(DESTDIR)$(UNITDIR)/$$u; done
	install -m 644 dist/klankbord-backup.timer $(DESTDIR)$(UNITDIR)/
	@# A configuration already there is the operator's: never overwritten.
	test -e $(DESTDIR)$(SYSCONFDIR)/klankbord/klankbord.conf || \
	    install -m 640 $(DESTDIR)$(DOCDIR)/klankbord.conf.example \
	    $(DESTDIR)$(SYSCONFDIR)/klankbord/klankbord.conf

# Removes what install put there; a changed configuration stays.
uninstall:
	rm -f $(DESTDIR)$(BINDIR)/klankbord
	for f in $(INST_SURVEYS); do rm -f $(DESTDIR)$(DATADIR)/$$f; done
	rm -f $(INST_WEB:kiosk/%=$(DESTDIR)$(DATADIR)/web/%)
	rm -f $(INST_KIOSK:kiosk/%=$(DESTDIR)$(DATADIR)/kiosk/%)
	rm -f $(DESTDIR)$(MANDIR)/man1/klankbord.1 \
	    $(DESTDIR)$(MANDIR)/man5/klankbord.conf.5
	if [ -f $(DESTDIR)$(DOCDIR)/klankbord.conf.example ] && cmp -s \
	    $(DESTDIR)$(DOCDIR)/klankbord.conf.example \
	    $(DESTDIR)$(SYSCONFDIR)/klankbord/klankbord.conf; then \
	    rm -f $(DESTDIR)$(SYSCONFDIR)/klankbord/klankbord.conf; fi
	rm -f $(DESTDIR)$(DOCDIR)/README.md $(DESTDIR)$(DOCDIR)/README-kiosk.md \
	    $(DESTDIR)$(DOCDIR)/klankbord.conf.example
	rm -f $(DESTDIR)$(LIBEXECDIR)/klankbord-backup
	rm -f $(INST_UNITS:%=$(DESTDIR)$(UNITDIR)/%)
	-rmdir $(DESTDIR)$(DATADIR)/surveys/i18n $(DESTDIR)$(DATADIR)/surveys \
	    $(DESTDIR)$(DATADIR)/web $(DESTDIR)$(DATADIR)/kiosk \
	    $(DESTDIR)$(DATADIR) $(DESTDIR)$(DOCDIR) $(DESTDIR)$(LIBEXECDIR) \
	    $(DESTDIR)$(SYSCONFDIR)/klankbord 2>/dev/null

# A Debian package in build/: dpkg-deb, no debhelper (dist/mkdeb.sh).
deb: deps
	@sh dist/mkdeb.sh

test: deps-test
	@$(MAKE) --no-print-directory all $(UNIT_BINS)
	@$(MAKE) --no-print-directory unit integration fuzz-replay browser

unit: $(UNIT_BINS)
	@sh tests/unit/run.sh $(UNIT_BINS)

integration: $(BUILD)/klankbord
	@KLANKBORD_BIN=$(BUILD)/klankbord SAN=$(SAN) \
	    python3 tests/integration/run.py

# libFuzzer targets (clang, ASan, UBSan): replay the corpora in tests/fuzz/,
# or fuzz each target for FUZZ_SECONDS.
FUZZ_SECONDS ?= 60
fuzz-replay:
	@sh tests/fuzz/run.sh replay

fuzz:
	@sh tests/fuzz/run.sh fuzz $(FUZZ_SECONDS)

# The integration tests with every server under valgrind (slow: minutes).
valgrind: $(BUILD)/klankbord
	@KLANKBORD_BIN=$(BUILD)/klankbord KLANKBORD_VALGRIND=1 \
	    python3 tests/integration/run.py

browser: $(BUILD)/klankbord
	@KLANKBORD_BIN=$(BUILD)/klankbord sh tests/browser/run.sh
	@KLANKBORD_BIN=$(BUILD)/klankbord node tests/browser/restart.mjs

# Speed and memory beside the ceilings measured in the same run (minutes).
bench: deps-test
	@$(MAKE) --no-print-directory all
	@sh bench/run.sh $(BUILD)/klankbord

lint: check-banned
	cppcheck --quiet --error-exitcode=1 --enable=warning,portability \
	    --inline-suppr -Iinclude server/

clean:
	rm -rf build
