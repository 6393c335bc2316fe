# concertation: build, run and test the nginx module.
#
#   make run     build the module, start a private Redis and nginx on
#                http://127.0.0.1:8080 (Ctrl-C stops both)
#   make test    every suite: unit, integration (prove), browser, fuzz replay
#   make browser the site in headless Chromium (t/browser/, node --test)
#   make bench   the benchmark (wrk on loopback)

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
                  gcc make
DEB_PACKAGES   := $(BUILD_PACKAGES) redis-server redis-tools perl wrk \
                  clang libclang-rt-14-dev chromium nodejs $(NPM_PACKAGE)

MODULE_SOURCES := $(wildcard src/*.c src/*.h src/core/*.c src/core/*.h)
SCRIPTS        := $(wildcard src/scripts/*.lua)

.PHONY: all deps deps-build module run test unit integration browser \
        fuzz fuzz-replay bench clean FORCE

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

run: deps module
	conf/run-dev.sh

unit: deps
	$(MAKE) -C t/unit

integration: deps module
	prove -v t/*.t

# The site in Debian's Chromium, driven by playwright-core (t/browser/):
# npm installs the exact versions of package-lock.json, and no browser.
BROWSER_NPM := t/browser/node_modules/.installed

$(BROWSER_NPM): t/browser/package.json t/browser/package-lock.json | deps
	PLAYWRIGHT_SKIP_BROWSER_DOWNLOAD=1 npm ci --prefix t/browser \
	    --no-audit --no-fund
	touch $@

browser: deps module $(BROWSER_NPM)
	CONCERTATION_MODULE=$${CONCERTATION_MODULE:-$(MODULE)} \
	BROWSER_SCREENSHOTS=$(BUILD)/browser-screenshots \
	    node --test --test-reporter=spec --test-timeout=120000 t/browser/

fuzz-replay: deps
	$(MAKE) -C t/fuzz replay

FUZZ_SECONDS ?= 10

fuzz: deps
	$(MAKE) -C t/fuzz fuzz FUZZ_SECONDS=$(FUZZ_SECONDS)

test: unit module integration browser fuzz-replay fuzz

bench: deps module
	t/bench/run

clean:
	rm -rf $(BUILD)
	-$(MAKE) -C t/unit clean
	-$(MAKE) -C t/fuzz clean

FORCE:
