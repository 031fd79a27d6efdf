# edgewatch build. `make help` lists the targets.
#
# Artefacts go to .output/ (release) and .output/asan/ (the test build: ASan + UBSan).
# -MMD -MP: every object depends on the headers it included, so header edits rebuild
# what uses them (BPF objects and skeletons included).

HOST_ARCH := $(shell uname -m | sed 's/x86_64/x86/' | sed 's/aarch64/arm64/')
ARCH := $(HOST_ARCH)
OUTPUT := .output
VMLINUX := vmlinux/$(ARCH)/vmlinux.h

CLANG ?= clang
CC ?= cc
BPFTOOL ?= bpftool
PKG_CONFIG := pkg-config
PKG_LIBS := libbpf libelf zlib libhs yaml-0.1 json-c libcrypto libpcap libpcre2-8 \
	libmicrohttpd
# the syslog sink's TLS (RFC 5425)
PKG_LIBS += libssl
# the Kafka sink (output/kafka_sink.c) and its mock cluster in the tests
PKG_LIBS += rdkafka
# edgewatch top (userspace/top.c)
PKG_LIBS += ncursesw
# sd_notify: readiness, reload and the watchdog under systemd (userspace/service_notify.c)
PKG_LIBS += libsystemd
# the privilege drop (userspace/privdrop.c): libcap, with libpsx so that capability changes
# reach every thread (its pkg-config adds -Wl,-wrap,pthread_create). libpsx first: libcap.so
# carries a weak psx_load_syscalls of its own, and the dynamic linker takes the first
# definition in NEEDED order, so with libcap first it never learns of libpsx and changes
# the calling thread only (test_privdrop.sh: every_thread_dropped).
PKG_LIBS += libpsx libcap

# Cross build: `make ARCH=arm64` on an x86 host (README "arm64"). Debian's cross gcc and
# the :arm64 multiarch libraries (`make deps-arm64`), into .output/arm64 unless OUTPUT is
# given, so the native objects in .output are never mixed with arm64 ones. The BPF objects
# need no cross compiler (clang -target bpf); only vmlinux/arm64/vmlinux.h differs.
ifneq ($(ARCH),$(HOST_ARCH))
CROSS_arm64 := aarch64-linux-gnu
CROSS := $(CROSS_$(ARCH))
ifeq ($(CROSS),)
$(error ARCH=$(ARCH): there is no cross build for it on $(HOST_ARCH) (ARCH=arm64 is the one))
endif
ifneq ($(origin OUTPUT),command line)
OUTPUT := .output/$(ARCH)
endif
ifeq ($(origin CC),default)
CC := $(CROSS)-gcc
endif
PKG_CONFIG := $(CROSS)-pkg-config
# Debian 12 has no Hyperscan for arm64 (it is x86-only); its fork Vectorscan (same API,
# NEON) is packaged, but libvectorscan5:arm64 Conflicts with the native libhyperscan5 the
# x86 build needs, so scripts/deps.sh --arm64 unpacks it here instead of installing it.
VECTORSCAN_ARM64 ?= /opt/edgewatch-arm64/vectorscan
PKG_LIBS := $(filter-out libhs,$(PKG_LIBS))
HS_CFLAGS := -I$(VECTORSCAN_ARM64)/usr/include
HS_LIBS := -L$(VECTORSCAN_ARM64)/usr/lib/$(CROSS) -lhs
endif
ASAN_OUT := $(OUTPUT)/asan

ifeq ($(V),1)
Q :=
msg =
else
Q := @
msg = @printf '  %-8s %s\n' "$(1)" "$(2)";
endif

BPF_CFLAGS := -g -O2 -target bpf -mcpu=v3 -D__TARGET_ARCH_$(ARCH) -Wall -Werror \
	-I$(dir $(VMLINUX)) -Ibpf -MMD -MP
CFLAGS ?= -O2 -g
CFLAGS += -std=gnu11 -Wall -Wextra -Wno-unused-parameter -Wno-missing-field-initializers \
	-Werror -D_GNU_SOURCE -Iuserspace -Ibpf -I$(OUTPUT) -MMD -MP \
	$(shell $(PKG_CONFIG) --cflags $(PKG_LIBS) 2>/dev/null) $(HS_CFLAGS)
LDLIBS := $(shell $(PKG_CONFIG) --libs $(PKG_LIBS) 2>/dev/null) $(HS_LIBS) -lpthread -lm
SAN_FLAGS := -fsanitize=address,undefined -fno-sanitize-recover=undefined \
	-fno-omit-frame-pointer

# BPF programs: bpf/NAME.bpf.c -> .output/NAME.bpf.o -> .output/NAME.skel.h
BPF_SRCS := $(wildcard bpf/*.bpf.c)
BPF_OBJS := $(patsubst bpf/%.bpf.c,$(OUTPUT)/%.bpf.o,$(BPF_SRCS))
SKELS := $(patsubst bpf/%.bpf.c,$(OUTPUT)/%.skel.h,$(BPF_SRCS))

# Userspace: every .c under userspace/ (subdirectories by concern); main.c is the CLI.
USER_SRCS := $(shell find userspace -name '*.c' | sort)
LIB_SRCS := $(filter-out userspace/main.c,$(USER_SRCS))
LIB_OBJS := $(patsubst %.c,$(OUTPUT)/%.o,$(LIB_SRCS))
ASAN_LIB_OBJS := $(patsubst %.c,$(ASAN_OUT)/%.o,$(LIB_SRCS))

# Tests: tests/unit/test_*.c and tests/bpf/test_*.c are programs linked with the
# userspace library (sanitized); tests/bench/*.c are benchmark programs (release).
UNIT_TESTS := $(patsubst tests/unit/%.c,$(ASAN_OUT)/tests/%,$(wildcard tests/unit/test_*.c))
BPF_TESTS := $(patsubst tests/bpf/%.c,$(ASAN_OUT)/tests/%,$(wildcard tests/bpf/test_*.c))
TEST_SUPPORT := $(patsubst %.c,$(ASAN_OUT)/%.o,$(wildcard tests/support/*.c))
BENCH_PROGS := $(patsubst tests/bench/%.c,$(OUTPUT)/bench/%,$(wildcard tests/bench/*.c))
FUZZ_SRCS := $(wildcard tests/fuzz/fuzz_*.c)
FUZZ_PROGS := $(patsubst tests/fuzz/%.c,$(OUTPUT)/fuzz/%,$(FUZZ_SRCS))

.PHONY: all deps deps-arm64 build test-build unit-test-build test test-kernels demo bench rules-coverage fuzz vmlinux install uninstall man deb \
	packaging-files clean help FORCE
.DELETE_ON_ERROR:
# Keep intermediates (skeletons, test objects): they are real build outputs.
.SECONDARY:

all: build

help:
	@echo 'edgewatch targets:'
	@echo '  make             build BPF objects, skeletons and .output/edgewatch'
	@echo '  make deps        install the Debian packages needed (no-op when present)'
	@echo '  make deps-arm64  the arm64 cross toolchain, libraries and qemu-user (no-op when present)'
	@echo '  make ARCH=arm64  cross-build for arm64 into .output/arm64 (OUTPUT=DIR elsewhere)'
	@echo '  make test        the whole suite (root): unit, BPF table, pcap, end-to-end'
	@echo '  make test-kernels  the kernel matrix: BPF table, e2e and replay tests in qemu guests (root)'
	@echo '  make demo        veth lab with attack traffic, edgewatch on its uplink (root)'
	@echo '  make bench       benchmarks, written to BENCHMARKS.md tables (root)'
	@echo '  make rules-coverage  regenerate rules/COVERAGE.md from the rules metadata'
	@echo '  make fuzz        build the libFuzzer targets in .output/fuzz/ (run: tests/fuzz/run.sh SECONDS)'
	@echo '  make vmlinux     regenerate vmlinux/$(ARCH)/vmlinux.h from this kernel'\''s BTF'
	@echo '                   (ARCH=arm64: from Debian'\''s arm64 kernel package)'
	@echo '  make install     binary, rules, config, systemd unit, logrotate, completion (PREFIX=/usr/local, DESTDIR)'
	@echo '  make uninstall   remove what make install installed (an edited config stays)'
	@echo '  make man         the man pages edgewatch(8) and edgewatch.yaml(5) in .output/man'
	@echo '  make deb         the Debian package (debhelper, lintian-clean) in .output/deb'
	@echo '  make clean       remove .output/'
	@echo 'V=1 shows the commands.'

deps:
	$(Q)scripts/deps.sh

# the arm64 cross build's toolchain, :arm64 libraries, Vectorscan and qemu-user (README "arm64")
deps-arm64:
	$(Q)scripts/deps.sh --arm64

build: $(OUTPUT)/edgewatch

# --- BPF -------------------------------------------------------------------------
$(OUTPUT)/%.bpf.o: bpf/%.bpf.c $(VMLINUX) | $(OUTPUT)
	$(call msg,BPF,$@)
	$(Q)$(CLANG) $(BPF_CFLAGS) -c $< -o $@

$(OUTPUT)/%.skel.h: $(OUTPUT)/%.bpf.o
	$(call msg,GEN-SKEL,$@)
	$(Q)$(BPFTOOL) gen skeleton $< name $(subst -,_,$*) > $@.tmp
	@# global variables of the shared header's types (bpf/datapath.h: struct ew_*) need
	@# it in the skeleton (datapath and the benches built from datapath.bpf.c)
	$(Q)if grep -q 'struct ew_' $@.tmp; then \
		sed -i '0,/^#include <bpf\/libbpf.h>/s//&\n#include "datapath.h"/' $@.tmp; fi
	$(Q)mv $@.tmp $@

vmlinux:
	$(Q)scripts/gen-vmlinux.sh $(VMLINUX) $(ARCH)

# `edgewatch --version` names the git revision it was built from: regenerated on every
# make, rewritten (and version.c rebuilt) only when the revision changed.
$(OUTPUT)/build_revision.h: FORCE | $(OUTPUT)
	$(Q)rev=$$(git describe --always --dirty 2>/dev/null || echo unknown); \
	printf '#define EW_GIT_REVISION "%s"\n' "$$rev" > $@.tmp; \
	cmp -s $@.tmp $@ && rm -f $@.tmp || mv $@.tmp $@
$(OUTPUT)/userspace/version.o $(ASAN_OUT)/userspace/version.o $(FUZZ_PROGS): $(OUTPUT)/build_revision.h
FORCE:

# --- userspace -------------------------------------------------------------------
$(OUTPUT)/%.o: %.c $(SKELS) | $(OUTPUT)
	$(call msg,CC,$@)
	$(Q)mkdir -p $(@D)
	$(Q)$(CC) $(CPPFLAGS) $(CFLAGS) -c $< -o $@

$(ASAN_OUT)/%.o: %.c $(SKELS) | $(OUTPUT)
	$(call msg,CC-SAN,$@)
	$(Q)mkdir -p $(@D)
	$(Q)$(CC) $(CFLAGS) $(SAN_FLAGS) -c $< -o $@

$(OUTPUT)/edgewatch: $(OUTPUT)/userspace/main.o $(LIB_OBJS)
	$(call msg,LINK,$@)
	$(Q)$(CC) $(CFLAGS) $(LDFLAGS) $^ $(LDLIBS) -o $@

$(ASAN_OUT)/edgewatch: $(ASAN_OUT)/userspace/main.o $(ASAN_LIB_OBJS)
	$(call msg,LINK-SAN,$@)
	$(Q)$(CC) $(CFLAGS) $(SAN_FLAGS) $^ $(LDLIBS) -o $@

# --- tests -----------------------------------------------------------------------
$(ASAN_OUT)/tests/%: $(ASAN_OUT)/tests/unit/%.o $(ASAN_LIB_OBJS) $(TEST_SUPPORT)
	$(call msg,LINK-SAN,$@)
	$(Q)$(CC) $(CFLAGS) $(SAN_FLAGS) $^ $(LDLIBS) -o $@

$(ASAN_OUT)/tests/%: $(ASAN_OUT)/tests/bpf/%.o $(ASAN_LIB_OBJS) $(TEST_SUPPORT)
	$(call msg,LINK-SAN,$@)
	$(Q)$(CC) $(CFLAGS) $(SAN_FLAGS) $^ $(LDLIBS) -o $@

test-build: $(OUTPUT)/edgewatch $(ASAN_OUT)/edgewatch $(UNIT_TESTS) $(BPF_TESTS) $(BENCH_PROGS)

# the unit test programs alone: what the arm64 tier runs under qemu-user (BPF tests need
# the bpf syscall, which qemu-user does not emulate)
unit-test-build: $(UNIT_TESTS)

# The fuzz targets too when clang can link libFuzzer; when it cannot, tests/run.sh's fuzz
# tier says SKIP and why, and the rest of the suite still runs.
# deps-arm64 too: the arm64 tier (tests/arm64/run.sh) cross-builds and runs the unit tests
# under qemu-user, and says SKIP only where the cross toolchain could not be installed.
test: deps
	$(Q)scripts/deps.sh --arm64 || echo "  arm64 cross toolchain not installed: the arm64 tier will say why"
	$(Q)$(MAKE) --no-print-directory test-build
	$(Q)$(MAKE) --no-print-directory fuzz || echo "  fuzz targets not built: the fuzz tier will say why"
	$(Q)tests/run.sh

# Every kernel of the matrix (scripts/test-kernels.sh; KERNELS="debian-cloud ..." for some).
test-kernels: deps
	$(Q)$(MAKE) --no-print-directory test-build
	$(Q)scripts/test-kernels.sh

demo: deps
	$(Q)$(MAKE) --no-print-directory build
	$(Q)scripts/demo.sh

# rules/COVERAGE.md is generated from the rules' metadata (tests/pcap/test_rules_coverage.py
# checks it is up to date)
rules-coverage:
	$(Q)scripts/rules_coverage.py --write

# --- benchmarks ------------------------------------------------------------------
BENCH_SUPPORT := $(OUTPUT)/tests/support/packet_builder.o

$(OUTPUT)/bench/%: tests/bench/%.c $(LIB_OBJS) $(BENCH_SUPPORT) $(SKELS)
	$(call msg,LINK,$@)
	$(Q)mkdir -p $(@D)
	$(Q)$(CC) $(CFLAGS) $< $(LIB_OBJS) $(BENCH_SUPPORT) $(LDLIBS) -o $@

bench: deps
	$(Q)$(MAKE) --no-print-directory build $(BENCH_PROGS)
	$(Q)tests/bench/run.sh

# --- fuzzing (clang libFuzzer) ---------------------------------------------------
$(OUTPUT)/fuzz/%: tests/fuzz/%.c $(LIB_SRCS) $(SKELS)
	$(call msg,FUZZ,$@)
	$(Q)mkdir -p $(@D)
	$(Q)$(CLANG) $(filter-out -Werror,$(CFLAGS)) -O1 -fsanitize=fuzzer,address,undefined \
		$< $(LIB_SRCS) $(LDLIBS) -o $@

fuzz: $(FUZZ_PROGS)

# --- install ---------------------------------------------------------------------
# `make install` (DESTDIR and PREFIX honoured; the Debian package uses PREFIX=/usr):
# the binary, the shipped rules, a commented configuration that loads them (never over
# an existing one), the systemd unit, logrotate, bash completion, the example and the
# README, and the log and cache directories. `make uninstall` removes what it installed;
# the configuration only when it is still the one installed (an edited one stays, and it
# says so), the logs only when there are none.
PREFIX ?= /usr/local
SBINDIR ?= $(PREFIX)/sbin
DATADIR ?= $(PREFIX)/share/edgewatch
DOCDIR ?= $(PREFIX)/share/doc/edgewatch
SYSCONFDIR ?= /etc
LOCALSTATEDIR ?= /var
# /usr/local/lib/systemd/system is in systemd's unit search path, as /usr/lib/... is
UNITDIR ?= $(PREFIX)/lib/systemd/system
COMPLETIONDIR ?= $(PREFIX)/share/bash-completion/completions
MANDIR ?= $(PREFIX)/share/man
MAN_PAGES := $(OUTPUT)/man/edgewatch.8 $(OUTPUT)/man/edgewatch.yaml.5
RULESDIR := $(DATADIR)/rules
CONFIG_FILE := $(SYSCONFDIR)/edgewatch/edgewatch.yaml
PKG_OUT := $(OUTPUT)/packaging
PKG_SUBST := sed -e 's|@SBINDIR@|$(SBINDIR)|g' -e 's|@RULESDIR@|$(RULESDIR)|g' \
	-e 's|@SYSCONFDIR@|$(SYSCONFDIR)|g' -e 's|@LOGDIR@|$(LOCALSTATEDIR)/log/edgewatch|g' \
	-e 's|@CACHEDIR@|$(LOCALSTATEDIR)/cache/edgewatch|g' -e 's|@DOCDIR@|$(DOCDIR)|g'
SHIPPED_RULES := $(wildcard rules/*.rules) rules/classification.config rules/edge-software.txt

# the paths are substituted at every install: PREFIX may differ from the last one
packaging-files: FORCE
	$(Q)mkdir -p $(PKG_OUT)
	$(Q)for f in edgewatch@.service edgewatch.logrotate edgewatch.yaml; do \
		$(PKG_SUBST) packaging/$$f.in > $(PKG_OUT)/$$f || exit 1; done

# edgewatch(8) from the commands' --help, edgewatch.yaml(5) from the config README and
# the detectors' table (scripts/gen-man.sh, pandoc)
$(MAN_PAGES) &: $(OUTPUT)/edgewatch scripts/gen-man.sh scripts/md_tables_to_deflists.py \
		userspace/config/README.md
	$(call msg,MAN,$(OUTPUT)/man)
	$(Q)scripts/gen-man.sh $(OUTPUT)/edgewatch $(OUTPUT)/man

man: $(MAN_PAGES)

# the Debian package (debhelper), lintian-clean: .output/deb/edgewatch_*.deb
deb:
	$(Q)scripts/make-deb.sh

install: $(OUTPUT)/edgewatch $(MAN_PAGES) packaging-files
	install -D -m 0755 $(OUTPUT)/edgewatch $(DESTDIR)$(SBINDIR)/edgewatch
	install -D -m 0644 $(OUTPUT)/man/edgewatch.8 $(DESTDIR)$(MANDIR)/man8/edgewatch.8
	install -D -m 0644 $(OUTPUT)/man/edgewatch.yaml.5 $(DESTDIR)$(MANDIR)/man5/edgewatch.yaml.5
	install -d -m 0755 $(DESTDIR)$(RULESDIR)
	install -m 0644 $(SHIPPED_RULES) $(DESTDIR)$(RULESDIR)/
	install -D -m 0644 $(PKG_OUT)/edgewatch@.service $(DESTDIR)$(UNITDIR)/edgewatch@.service
	install -D -m 0644 $(PKG_OUT)/edgewatch.logrotate $(DESTDIR)$(SYSCONFDIR)/logrotate.d/edgewatch
	install -D -m 0644 packaging/edgewatch.bash-completion $(DESTDIR)$(COMPLETIONDIR)/edgewatch
	install -D -m 0644 edgewatch.example.yaml $(DESTDIR)$(DOCDIR)/edgewatch.example.yaml
	install -D -m 0644 README.md $(DESTDIR)$(DOCDIR)/README.md
	install -d -m 0755 $(DESTDIR)$(SYSCONFDIR)/edgewatch
	install -d -m 0750 $(DESTDIR)$(LOCALSTATEDIR)/log/edgewatch $(DESTDIR)$(LOCALSTATEDIR)/cache/edgewatch
	@if [ -e $(DESTDIR)$(CONFIG_FILE) ]; then \
		echo "install: $(DESTDIR)$(CONFIG_FILE) exists: kept (the new default is $(PKG_OUT)/edgewatch.yaml)"; \
	else \
		install -m 0640 $(PKG_OUT)/edgewatch.yaml $(DESTDIR)$(CONFIG_FILE); \
		: "the service runs as edgewatch (run.user): its group reads the file"; \
		if getent group edgewatch > /dev/null && [ "$$(id -u)" = 0 ]; then \
			chgrp edgewatch $(DESTDIR)$(CONFIG_FILE); \
		fi; \
	fi

uninstall: packaging-files
	rm -f $(DESTDIR)$(SBINDIR)/edgewatch $(DESTDIR)$(UNITDIR)/edgewatch@.service \
		$(DESTDIR)$(SYSCONFDIR)/logrotate.d/edgewatch $(DESTDIR)$(COMPLETIONDIR)/edgewatch \
		$(DESTDIR)$(DOCDIR)/edgewatch.example.yaml $(DESTDIR)$(DOCDIR)/README.md \
		$(DESTDIR)$(MANDIR)/man8/edgewatch.8 $(DESTDIR)$(MANDIR)/man5/edgewatch.yaml.5
	rm -f $(addprefix $(DESTDIR)$(RULESDIR)/,$(notdir $(SHIPPED_RULES)))
	-rmdir $(DESTDIR)$(RULESDIR) $(DESTDIR)$(DATADIR) $(DESTDIR)$(DOCDIR) 2>/dev/null
	# the compiled rules are remade from the rule files; the EVE logs are the operator's
	rm -rf $(DESTDIR)$(LOCALSTATEDIR)/cache/edgewatch
	-rmdir $(DESTDIR)$(LOCALSTATEDIR)/log/edgewatch 2>/dev/null
	@if cmp -s $(PKG_OUT)/edgewatch.yaml $(DESTDIR)$(CONFIG_FILE); then \
		rm -f $(DESTDIR)$(CONFIG_FILE); rmdir $(DESTDIR)$(SYSCONFDIR)/edgewatch 2>/dev/null; \
	elif [ -e $(DESTDIR)$(CONFIG_FILE) ]; then \
		echo "uninstall: $(DESTDIR)$(CONFIG_FILE) was changed: kept"; \
	fi

$(OUTPUT):
	$(Q)mkdir -p $@

clean:
	$(call msg,CLEAN,$(OUTPUT))
	$(Q)rm -rf $(OUTPUT)

# (a cross build's own tree, .output/arm64, is not this build's)
-include $(shell find $(OUTPUT) -path $(OUTPUT)/deb -prune -o -path $(OUTPUT)/arm64 -prune \
	-o -name '*.d' -type f -print 2>/dev/null)
