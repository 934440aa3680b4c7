# SPDX-License-Identifier: Apache-2.0
# kubectl-mesh: one non-recursive GNU Makefile for three plugins over common/.

PREFIX     ?= /usr/local
BINDIR     ?= $(PREFIX)/bin
DATADIR    ?= $(PREFIX)/share
MANDIR     ?= $(DATADIR)/man
BASHCOMPDIR ?= $(DATADIR)/bash-completion/completions
ZSHCOMPDIR ?= $(DATADIR)/zsh/site-functions
DESTDIR    ?=
INSTALL    ?= install
PKG_CONFIG ?= pkg-config
CC         ?= cc
STRIP      ?= strip
BATS       ?= bats

VERSION := $(shell cat VERSION)
ifeq ($(SANITIZE),1)
BUILD ?= build/san
else
BUILD ?= build
endif
BIN := $(BUILD)/bin

ifeq ($(V),1)
Q :=
else
Q := @
endif

CFLAGS ?= -O2 -g
override CFLAGS += -std=c11 -Wall -Wextra -Wshadow -Wformat=2 -Wno-format-nonliteral \
	-Wmissing-prototypes -Wstrict-prototypes -Wpointer-arith -Wvla \
	-fno-strict-aliasing -ffile-prefix-map=$(CURDIR)/= -D_GNU_SOURCE -DMESH_VERSION='"$(VERSION)"' -Icommon \
	$(shell $(PKG_CONFIG) --cflags libcurl openssl jansson yaml-0.1 2>/dev/null)
ifeq ($(WERROR),1)
override CFLAGS += -Werror
endif
ifeq ($(SANITIZE),1)
override CFLAGS += -fsanitize=address,undefined -fno-omit-frame-pointer -fno-sanitize-recover=undefined
override LDFLAGS += -fsanitize=address,undefined
endif

# jansson and libyaml are linked statically so a Krew install needs only
# libcurl and OpenSSL, which every workstation has (by soname).
STATIC_LIBDIR := $(shell $(PKG_CONFIG) --variable=libdir jansson 2>/dev/null)
STATIC_LIBS := $(wildcard $(STATIC_LIBDIR)/libjansson.a $(shell $(PKG_CONFIG) --variable=libdir yaml-0.1 2>/dev/null)/libyaml.a)
ifeq ($(words $(STATIC_LIBS)),2)
DEP_LIBS := $(STATIC_LIBS)
else
DEP_LIBS := $(shell $(PKG_CONFIG) --libs jansson yaml-0.1 2>/dev/null)
endif
# libcurl is not linked: common/curl_lazy.c opens libcurl.so.4 on first use,
# so commands that never reach a server do not pay for loading it.
LIBS := $(DEP_LIBS) $(shell $(PKG_CONFIG) --libs openssl 2>/dev/null) -ldl -lpthread

COMMON_SRC := $(sort $(wildcard common/*.c common/*/*.c))
COMMON_OBJ := $(COMMON_SRC:%.c=$(BUILD)/obj/%.o)
LIBCOMMON  := $(BUILD)/libmeshcommon.a

PLUGINS := tls authz proxy
TLS_SRC   := $(sort $(wildcard kubectl-mesh-tls/*.c))
AUTHZ_SRC := $(sort $(wildcard kubectl-mesh-authz/*.c))
PROXY_SRC := $(sort $(wildcard kubectl-mesh-proxy/*.c))
BINS := $(BIN)/kubectl-mesh_tls $(BIN)/kubectl-mesh_authz $(BIN)/kubectl-mesh_proxy

HELPER_SRC := $(sort $(wildcard tests/helper/*.c))
FAKE_SRC   := $(sort $(wildcard tests/fake-apiserver/*.c))
TEST_BINS  := $(BUILD)/tests/test-common $(BUILD)/tests/fake-apiserver

ALL_OBJ := $(COMMON_OBJ) $(TLS_SRC:%.c=$(BUILD)/obj/%.o) $(AUTHZ_SRC:%.c=$(BUILD)/obj/%.o) \
	$(PROXY_SRC:%.c=$(BUILD)/obj/%.o) $(HELPER_SRC:%.c=$(BUILD)/obj/%.o) $(FAKE_SRC:%.c=$(BUILD)/obj/%.o)

.PHONY: all check test deps-build deps-test demo install uninstall clean dist man bench krew-test
.DEFAULT_GOAL := all

all: $(BINS) $(TEST_BINS)

$(BUILD)/obj/%.o: %.c
	@mkdir -p $(dir $@)
	@$(if $(Q),echo "  CC      $<")
	$(Q)$(CC) $(CFLAGS) -MMD -MP -c -o $@ $<

$(LIBCOMMON): $(COMMON_OBJ)
	@rm -f $@
	$(Q)$(AR) rcs $@ $^

$(BIN)/kubectl-mesh_tls: $(TLS_SRC:%.c=$(BUILD)/obj/%.o) $(LIBCOMMON)
	@mkdir -p $(dir $@)
	@$(if $(Q),echo "  LINK    $@")
	$(Q)$(CC) $(LDFLAGS) -o $@ $^ $(LIBS)
$(BIN)/kubectl-mesh_authz: $(AUTHZ_SRC:%.c=$(BUILD)/obj/%.o) $(LIBCOMMON)
	@mkdir -p $(dir $@)
	@$(if $(Q),echo "  LINK    $@")
	$(Q)$(CC) $(LDFLAGS) -o $@ $^ $(LIBS)
$(BIN)/kubectl-mesh_proxy: $(PROXY_SRC:%.c=$(BUILD)/obj/%.o) $(LIBCOMMON)
	@mkdir -p $(dir $@)
	@$(if $(Q),echo "  LINK    $@")
	$(Q)$(CC) $(LDFLAGS) -o $@ $^ $(LIBS)
$(BUILD)/tests/test-common: $(HELPER_SRC:%.c=$(BUILD)/obj/%.o) $(LIBCOMMON)
	@mkdir -p $(dir $@)
	@$(if $(Q),echo "  LINK    $@")
	$(Q)$(CC) $(LDFLAGS) -o $@ $^ $(LIBS)
$(BUILD)/tests/fake-apiserver: $(FAKE_SRC:%.c=$(BUILD)/obj/%.o) $(LIBCOMMON)
	@mkdir -p $(dir $@)
	@$(if $(Q),echo "  LINK    $@")
	$(Q)$(CC) $(LDFLAGS) -o $@ $^ $(LIBS) -lz

-include $(ALL_OBJ:.o=.d)

# Build and test packages: installed with apt-get as root, else the
# exact command is printed.
deps-build:
	@tests/deps.sh build
deps-test:
	@tests/deps.sh test

# The test command the README and CI use.
check: deps-test
	$(MAKE) WERROR=1 all
	$(MAKE) test

# Run the bats suite against the current build (TAP on stdout).
test:
	MESH_BUILD=$(abspath $(BUILD)) $(BATS) --tap tests/

demo: deps-build
	$(MAKE) all
	@examples/demo.sh $(BIN)

MAN_PAGES := $(BUILD)/man/kubectl-mesh-tls.1 $(BUILD)/man/kubectl-mesh-authz.1 \
	$(BUILD)/man/kubectl-mesh-proxy.1
COMPLETION_HELPERS := $(wildcard completions/kubectl_complete-*)

# Man pages are generated from the same tables as -h.
man: $(MAN_PAGES)
$(BUILD)/man/kubectl-mesh-%.1: $(BIN)/kubectl-mesh_%
	@mkdir -p $(dir $@)
	$(Q)$< __man >$@

install: all man
	$(INSTALL) -m 0755 -d $(DESTDIR)$(BINDIR) $(DESTDIR)$(MANDIR)/man1 \
		$(DESTDIR)$(BASHCOMPDIR) $(DESTDIR)$(ZSHCOMPDIR)
	$(INSTALL) -m 0755 $(BINS) $(DESTDIR)$(BINDIR)/
	$(INSTALL) -m 0755 $(COMPLETION_HELPERS) $(DESTDIR)$(BINDIR)/
	$(INSTALL) -m 0644 $(MAN_PAGES) $(DESTDIR)$(MANDIR)/man1/
	$(INSTALL) -m 0644 completions/kubectl-mesh.bash $(DESTDIR)$(BASHCOMPDIR)/kubectl-mesh_tls
	ln -sf kubectl-mesh_tls $(DESTDIR)$(BASHCOMPDIR)/kubectl-mesh_authz
	ln -sf kubectl-mesh_tls $(DESTDIR)$(BASHCOMPDIR)/kubectl-mesh_proxy
	$(INSTALL) -m 0644 completions/_kubectl-mesh $(DESTDIR)$(ZSHCOMPDIR)/_kubectl-mesh

uninstall:
	rm -f $(addprefix $(DESTDIR)$(BINDIR)/,kubectl-mesh_tls kubectl-mesh_authz kubectl-mesh_proxy)
	rm -f $(addprefix $(DESTDIR)$(BINDIR)/,$(notdir $(COMPLETION_HELPERS)))
	rm -f $(addprefix $(DESTDIR)$(MANDIR)/man1/,$(notdir $(MAN_PAGES)))
	rm -f $(addprefix $(DESTDIR)$(BASHCOMPDIR)/,kubectl-mesh_tls kubectl-mesh_authz kubectl-mesh_proxy)
	rm -f $(DESTDIR)$(ZSHCOMPDIR)/_kubectl-mesh

# Release archives for linux-amd64 (reproducible) and the Krew manifests,
# built from a plain optimised build of their own.
DIST_BUILD ?= build/dist
DIST_OUT ?= dist
dist:
	$(MAKE) BUILD=$(DIST_BUILD) SANITIZE=0 WERROR= all
	krew/dist.sh $(DIST_BUILD) $(VERSION) $(DIST_OUT)

# Unpack the archives into a throwaway Krew root and run them through kubectl.
krew-test:
	MESH_BUILD=$(abspath $(BUILD)) $(BATS) tests/krew.bats

bench: all
	tests/bench/run.sh $(BUILD)

clean:
	rm -rf build dist
