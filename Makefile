# concertation: build, run and test the nginx module.
#
#   make run     build the module, start a private Redis and nginx on
#                http://127.0.0.1:8080 (Ctrl-C stops both)
#   make test    every suite: unit, the layering check, integration (prove),
#                browser, fuzz replay, the integration suite again under ASan
#                (test-asan)
#   make layers  the module's structure: calls one way, file sizes
#   make browser the site in headless Chromium (t/browser/, node --test)
#   make bench   the benchmark (wrk on loopback)
#   make export  the back-office export tool; make install installs it
#                with the module (DESTDIR-aware)
#   make test-asan  nginx and the module with ASan/UBSan, the t/*.t suite

SHELL := /bin/bash

# Debian 12: the nginx-dev package ships the source tree and the flags the
# packaged nginx was configured with; a module built with them (and
# --with-compat) loads into the packaged /usr/sbin/nginx.
NGX_SRC    ?= /usr/share/nginx/src
NGX_CC_OPT ?= -g -O2 -fstack-protector-strong -Wformat \
              -Werror=format-security -fPIC -D_FORTIFY_SOURCE=2
NGX_LD_OPT ?= -Wl,-z,relro -Wl,-z,now -fPIC

BUILD  ?= $(CURDIR)/build
NGXDIR := $(BUILD)/nginx
MODULE := $(BUILD)/ngx_http_concertation_module.so

# Debian's npm only when there is no npm at all: a Node.js from elsewhere
# (NodeSource) ships its own and conflicts with Debian's package
NPM_PACKAGE := $(if $(shell command -v npm 2>/dev/null),,npm)

# what building the module needs, and what running and testing it adds
BUILD_PACKAGES := nginx nginx-dev libhiredis-dev libjansson-dev libssl-dev \
                  libcurl4-openssl-dev gcc make
DEB_PACKAGES   := $(BUILD_PACKAGES) redis-server redis-tools perl wrk \
                  clang libclang-rt-14-dev chromium nodejs $(NPM_PACKAGE) \
                  dpkg-dev python3 python3-aiosmtpd python3-icalendar \
                  curl openssl redis-sentinel prometheus debhelper mmdebstrap \
                  iproute2 poppler-utils
# (dpkg-dev: "apt-get source" of nginx for make test-asan)

MODULE_SOURCES := $(wildcard src/*.c src/*.h src/core/*.c src/core/*.h)
SCRIPTS        := $(wildcard src/scripts/*.lua)

.PHONY: all deps deps-build module run test unit layers integration browser deb \
        fuzz fuzz-replay bench clean asan-module test-asan FORCE

all: module

# Installs what is missing, and only that (apt-get needs root: sudo is used
# when it is there).
deps: PACKAGES = $(DEB_PACKAGES)
deps-build: PACKAGES = $(BUILD_PACKAGES)
deps deps-build:
	@missing=""; for p in $(PACKAGES); do \
	    dpkg-query -W -f='$${Status}' $$p 2>/dev/null \
	        | grep -q 'install ok installed' || missing="$$missing $$p"; \
	done; \
	if [ -n "$$missing" ]; then \
	    echo "installing:$$missing"; \
	    sudo=""; [ "$$(id -u)" = 0 ] || sudo=sudo; \
	    $$sudo env DEBIAN_FRONTEND=noninteractive apt-get update -qq && \
	    $$sudo env DEBIAN_FRONTEND=noninteractive \
	        apt-get install -y -qq --no-install-recommends $$missing; \
	fi

# The list of sources, rewritten only when it changes: adding a file to
# src/core/ configures again.
$(BUILD)/sources: FORCE
	@mkdir -p $(BUILD)
	@echo "$(MODULE_SOURCES)" | cmp -s - $@ \
	    || echo "$(MODULE_SOURCES)" > $@

$(NGXDIR)/objs/Makefile: config $(SCRIPTS) $(BUILD)/sources | deps-build
	rm -rf $(NGXDIR)
	cp -r $(NGX_SRC) $(NGXDIR)
	cd $(NGXDIR) && . ./conf_flags && ./configure "$${NGX_CONF_FLAGS[@]}" \
	    --with-cc-opt="$(NGX_CC_OPT)" --with-ld-opt="$(NGX_LD_OPT)" \
	    --add-dynamic-module=$(CURDIR) > $(BUILD)/configure.log 2>&1 \
	    || { tail -n 30 $(BUILD)/configure.log; exit 1; }

$(MODULE): $(NGXDIR)/objs/Makefile $(MODULE_SOURCES)
	$(MAKE) -C $(NGXDIR) -f objs/Makefile modules
	@# a new file, not overwritten in place: a running nginx has it mapped
	cp $(NGXDIR)/objs/ngx_http_concertation_module.so $@.tmp
	mv -f $@.tmp $@

module: $(MODULE)

run: deps module notify
	conf/run-dev.sh

unit: deps
	$(MAKE) -C t/unit

integration: deps module export notify
	CONCERTATION_EXPORT=$${CONCERTATION_EXPORT:-$(EXPORT)} \
	CONCERTATION_NOTIFY=$${CONCERTATION_NOTIFY:-$(NOTIFY)} prove -v t/*.t

# The site in Debian's Chromium, driven by playwright-core (t/browser/):
# npm installs the exact versions of package-lock.json, and no browser.
BROWSER_NPM := t/browser/node_modules/.installed

$(BROWSER_NPM): t/browser/package.json t/browser/package-lock.json | deps
	PLAYWRIGHT_SKIP_BROWSER_DOWNLOAD=1 npm ci --prefix t/browser \
	    --no-audit --no-fund
	touch $@

browser: deps module export $(BROWSER_NPM)
	CONCERTATION_MODULE=$${CONCERTATION_MODULE:-$(MODULE)} \
	CONCERTATION_EXPORT=$${CONCERTATION_EXPORT:-$(EXPORT)} \
	BROWSER_SCREENSHOTS=$(BUILD)/browser-screenshots \
	    node --test --test-reporter=spec --test-timeout=120000 t/browser/

fuzz-replay: deps
	$(MAKE) -C t/fuzz replay

FUZZ_SECONDS ?= 10
# libFuzzer's seed: 0 draws one; make test fuzzes from a fixed one, so that
# what CI explores is what a developer's run of make test explored (a fresh
# seed, FUZZ_SEED=0 and a longer FUZZ_SECONDS, is for make fuzz)
FUZZ_SEED    ?= 0
test: FUZZ_SEED = 1

fuzz: deps
	$(MAKE) -C t/fuzz fuzz FUZZ_SECONDS=$(FUZZ_SECONDS) FUZZ_SEED=$(FUZZ_SEED)

test: unit module layers integration browser fuzz-replay fuzz test-asan

# the glue's layers and the files' sizes, checked on the objects (t/layers)
layers: module
	t/layers $(NGXDIR)/objs/addon

# nginx itself and the module built with AddressSanitizer and UBSan (and
# NGX_DEBUG_PALLOC: every pool allocation its own malloc, so that ASan sees
# overflows inside a pool), in their own tree, then the whole t/*.t suite
# run on that binary.  nginx-dev ships headers only: the nginx source is
# Debian's (apt-get source, deb-src lines made from this machine's deb
# ones, in a private apt state), configured with the packaged flags.
# Sanitizer reports go to the workers' stderr, which nginx points at
# error.log; the harness fails a test on any such line.  The sanitizers'
# options are linked into nginx (t/asan/sanitizer_options.c).
ASAN        := $(BUILD)/asan
ASAN_NGXDIR := $(ASAN)/nginx
ASAN_FLAGS  := -fsanitize=address,undefined -fno-omit-frame-pointer
ASAN_NGINX  := $(ASAN_NGXDIR)/objs/nginx
ASAN_MODULE := $(ASAN)/ngx_http_concertation_module.so
ASAN_APT    := -o Dir::Etc::SourceList=/dev/null \
               -o Dir::Etc::SourceParts=$(ASAN)/apt/sources.list.d \
               -o Dir::State::Lists=$(ASAN)/apt/lists \
               -o Dir::Cache::pkgcache= -o Dir::Cache::srcpkgcache= \
               -o APT::Sandbox::User=root
ASAN_ENV    := CONCERTATION_NGINX=$(ASAN_NGINX) \
               CONCERTATION_MODULE=$(ASAN_MODULE)

$(ASAN)/nginx.orig.tar.gz: | deps-build
	rm -rf $(ASAN)/apt && mkdir -p $(ASAN)/apt/lists/partial \
	    $(ASAN)/apt/sources.list.d $(ASAN)/apt/src
	for f in /etc/apt/sources.list.d/*.sources; do \
	    [ -f "$$f" ] && sed 's/^Types:.*/Types: deb-src/' "$$f" \
	        > $(ASAN)/apt/sources.list.d/$$(basename $$f); \
	done; \
	for f in /etc/apt/sources.list /etc/apt/sources.list.d/*.list; do \
	    [ -f "$$f" ] && sed -n 's/^deb /deb-src /p' "$$f" \
	        > $(ASAN)/apt/sources.list.d/$$(basename $$f); \
	done; true
	@# a repository without sources (a third party's) must not stop it
	apt-get $(ASAN_APT) -qq update || echo "some source lists failed"
	cd $(ASAN)/apt/src && apt-get $(ASAN_APT) -qq source --tar-only \
	    --download-only nginx=$$(dpkg-query -W -f='$${Version}' nginx-dev)
	mv $(ASAN)/apt/src/nginx_*.orig.tar.gz $@

$(ASAN)/sanitizer_options.o: t/asan/sanitizer_options.c
	mkdir -p $(ASAN)
	$(CC) -c -O1 -fPIC -o $@ $< \
	    -DCC_UBSAN_SUPPRESSIONS='"$(CURDIR)/t/asan/ubsan.supp"'

$(ASAN_NGXDIR)/objs/Makefile: $(ASAN)/nginx.orig.tar.gz config $(SCRIPTS) \
                              $(BUILD)/sources $(ASAN)/sanitizer_options.o
	rm -rf $(ASAN_NGXDIR) && mkdir -p $(ASAN_NGXDIR)
	tar -xzf $< -C $(ASAN_NGXDIR) --strip-components=1
	cd $(ASAN_NGXDIR) && . $(NGX_SRC)/conf_flags \
	    && ./configure "$${NGX_CONF_FLAGS[@]}" \
	    --with-cc-opt="-g -O1 -fPIC $(ASAN_FLAGS) -DNGX_DEBUG_PALLOC=1" \
	    --with-ld-opt="-fPIC $(ASAN_FLAGS) $(ASAN)/sanitizer_options.o" \
	    --add-dynamic-module=$(CURDIR) > $(ASAN)/configure.log 2>&1 \
	    || { tail -n 30 $(ASAN)/configure.log; exit 1; }

$(ASAN_MODULE): $(ASAN_NGXDIR)/objs/Makefile $(MODULE_SOURCES)
	$(MAKE) -C $(ASAN_NGXDIR) -f objs/Makefile binary modules
	cp $(ASAN_NGXDIR)/objs/ngx_http_concertation_module.so $@.tmp
	mv -f $@.tmp $@

asan-module: $(ASAN_MODULE)

# ASAN_TESTS="t/04-redis.t t/13-resp-faults.t" narrows the run
ASAN_TESTS ?= t/*.t

test-asan: deps $(ASAN_MODULE) export notify
	CONCERTATION_EXPORT=$${CONCERTATION_EXPORT:-$(EXPORT)} \
	CONCERTATION_NOTIFY=$${CONCERTATION_NOTIFY:-$(NOTIFY)} \
	$(ASAN_ENV) prove $(ASAN_TESTS)

# The back-office export tool (tools/export/, README "The back-office
# export"): a plain program, its own pieces (the cc_export_*.c are unit-
# tested and fuzzed without Redis) and src/core/, which it shares with the
# module (the definitions, the programme, time).
EXPORT      := $(BUILD)/concertation-export
EXPORT_SRCS := $(wildcard tools/export/*.c tools/common/*.c src/core/*.c)
EXPORT_CC   := gcc -std=gnu11 -O2 -g -Wall -Wextra -Werror -D_GNU_SOURCE \
               -fstack-protector-strong -D_FORTIFY_SOURCE=2 \
               -Wl,-z,relro -Wl,-z,now -Isrc/core -Itools/common -Itools/export

.PHONY: export export-test notify install

$(EXPORT): $(EXPORT_SRCS) $(wildcard tools/export/*.h tools/common/*.h src/core/*.h) \
           | deps-build
	@mkdir -p $(BUILD)
	$(EXPORT_CC) -o $@ $(EXPORT_SRCS) -lhiredis -ljansson -lcrypto

export: $(EXPORT)

# The registrations' e-mails (tools/notify/, README "The registrations'
# e-mails"): hiredis, libcurl's SMTP client; its messages and invitation
# (cc_notify_*.c) are unit-tested without Redis or relay; it shares
# src/core/ (the programme, its words, the cancellation token) with the
# module.
NOTIFY      := $(BUILD)/concertation-notify
NOTIFY_SRCS := $(wildcard tools/notify/*.c tools/common/*.c src/core/*.c)

$(NOTIFY): $(NOTIFY_SRCS) $(wildcard tools/notify/*.h tools/common/*.h src/core/*.h) \
           | deps-build
	@mkdir -p $(BUILD)
	$(EXPORT_CC) -Itools/notify -o $@ $(NOTIFY_SRCS) \
	    -lcurl -lhiredis -ljansson -lcrypto

notify: $(NOTIFY)

export-test: deps module export
	CONCERTATION_MODULE=$${CONCERTATION_MODULE:-$(MODULE)} \
	CONCERTATION_EXPORT=$(EXPORT) prove -v t/19-export.t

# DESTDIR=/tmp/stage stages the files (packaging, tests)
PREFIX     ?= /usr/local
MODULE_DIR ?= /usr/lib/nginx/modules

install: module export notify
	install -d $(DESTDIR)$(MODULE_DIR) $(DESTDIR)$(PREFIX)/bin
	install -m 644 $(MODULE) \
	    $(DESTDIR)$(MODULE_DIR)/ngx_http_concertation_module.so
	install -m 755 $(EXPORT) $(DESTDIR)$(PREFIX)/bin/concertation-export
	install -m 755 $(NOTIFY) $(DESTDIR)$(PREFIX)/bin/concertation-notify

# The Debian packages (debian/, README "Installing on Debian 12"):
# dpkg-buildpackage on a copy of the tree, the .debs in DEB_DIR.
DEB_DIR ?= $(BUILD)/deb

deb: deps
	rm -rf $(DEB_DIR) && mkdir -p $(DEB_DIR)/src
	tar --exclude=./build --exclude=./.git --exclude=./t/browser/node_modules \
	    -cf - . | tar -C $(DEB_DIR)/src -xf -
	cd $(DEB_DIR)/src && dpkg-buildpackage -us -uc -b
	@ls $(DEB_DIR)/*.deb

bench: deps module export
	t/bench/run
	t/bench/synthese

clean:
	rm -rf $(BUILD)
	-$(MAKE) -C t/unit clean
	-$(MAKE) -C t/fuzz clean

FORCE:
