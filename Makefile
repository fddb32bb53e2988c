# vssdoctor: plain GNU make + pkg-config (STYLE.md "Build").
#   make            build the program and the fixture generators
#   make check      install what is missing, build, run every test
#   make demo       install what is missing, build, make a broken image, scan it
#   make test       the same without the short fuzz and mutation runs
#   make SANITIZE=address,undefined check
#   make DEVELOPER=1  -Werror and stricter warnings
#   make O=/tmp/b   build somewhere else (several trees side by side)
.DEFAULT_GOAL := all
.SUFFIXES:
.DELETE_ON_ERROR:
.SECONDARY:

O        ?= build
PREFIX   ?= /usr/local
VERSION  := 0.1.0
SAMPLES  ?= $(abspath ../shared/samples)

PKGS     := libntfs-3g libregf libevtx libbfio libvhdi libewf libvmdk libqcow libvshadow jansson libxml-2.0 nettle
CC       ?= cc
ifeq ($(origin CC),default)
CC       := cc
endif

WARN     := -Wall -Wextra -Wpedantic -Wshadow -Wstrict-prototypes \
            -Wmissing-prototypes -Wformat=2 -Wvla -Wpointer-arith \
            -Wwrite-strings -Wundef -Wno-unused-parameter
ifeq ($(CI),true)
WERROR   ?= 1
endif
# make DEVELOPER=1: -Werror and the stricter warnings (git's switch)
ifeq ($(DEVELOPER),1)
WERROR   := 1
WARN     += -Wmissing-declarations -Wold-style-definition -Wnested-externs \
            -Wredundant-decls -Wnull-dereference -Wduplicated-cond \
            -Wlogical-op -Wcast-align=strict
endif
ifeq ($(WERROR),1)
WARN     += -Werror
endif
OPT      ?= -O2 -g
# the layers, lowest first (docs/ARCHITECTURE.md; `make layers` checks the
# includes follow this order); testdata/lib only for testdata and tests
LAYERS   := parsers src/image src/volume src/fs src/evidence rules rules/checks src/report src/repair src/cli
CPPFLAGS += -D_FILE_OFFSET_BITS=64 \
            -DVSSD_VERSION='"$(VERSION)"' -DVSSD_RULES_DIR='"$(PREFIX)/share/vssdoctor/rules"'
CFLAGS   += -std=c11 $(OPT) $(WARN) -MMD -MP
ifneq ($(SANITIZE),)
CFLAGS   += -fsanitize=$(SANITIZE) -fno-omit-frame-pointer -fno-sanitize-recover=all
LDFLAGS  += -fsanitize=$(SANITIZE)
endif

# pkg-config may be missing before `make deps`; only ask it when building.
PKG_CFLAGS = $(shell pkg-config --cflags $(PKGS) 2>/dev/null)
# The image libraries (libvhdi, libewf, libvmdk, libqcow, libvshadow) are
# not linked:
# every libyal .so exports its bundled libbfio/libcdata/libfvalue... copies
# and they bound across libraries (libewf crashed opening any E01), so
# src/image/image_lib.c loads each with dlopen(RTLD_DEEPBIND) (dlmopen
# under ASan).  libbfio stays first for libregf and libevtx.
LINK_PKGS  := libntfs-3g libregf libevtx libbfio jansson libxml-2.0 nettle
PKG_LIBS   = -lbfio $(shell pkg-config --libs $(LINK_PKGS) 2>/dev/null)
CHECK_LIBS = $(shell pkg-config --libs check libpng hivex 2>/dev/null)
CFLAGS   += $(PKG_CFLAGS)

LIB_SRC  := $(sort $(wildcard parsers/*.c rules/*.c rules/checks/*.c) $(filter-out src/cli/main.c,$(wildcard src/*/*.c)))
TD_LIB   := $(sort $(wildcard testdata/lib/*.c))
TD_TOOLS := $(sort $(wildcard testdata/*.c))
TEST_SRC := $(sort $(wildcard tests/check_*.c))
TEST_AUX := $(sort $(filter-out $(TEST_SRC),$(wildcard tests/*.c)))
FAULTBIN := $(O)/vssdoctor-faultalloc
SUITES   := $(patsubst tests/check_%.c,%,$(TEST_SRC))

LIB_OBJ  := $(LIB_SRC:%.c=$(O)/obj/%.o)
TD_OBJ   := $(TD_LIB:%.c=$(O)/obj/%.o)
TEST_OBJ := $(TEST_SRC:%.c=$(O)/obj/%.o) $(TEST_AUX:%.c=$(O)/obj/%.o)
TOOLS    := $(patsubst testdata/%.c,$(O)/testdata/%,$(TD_TOOLS))

# quiet by default; make V=1 shows the commands
ifeq ($(V),1)
Q :=
say = @true
else
Q := @
say = @printf '  %-6s %s\n' $(1) $(2)
endif

LIB      := $(O)/libvssdoctor.a
TDLIBA   := $(O)/libtestdata.a
BIN      := $(O)/vssdoctor
RUNNER   := $(O)/check_runner

.PHONY: all deps check layers compare test demo install clean bench fuzz fuzz-short fuzz-build libcheck asan-build mutate mutate-short

all: $(BIN) $(TOOLS) $(FAULTBIN)

deps:
	@sh scripts/deps.sh

# A stamp of the flags: changing SANITIZE, CC, CFLAGS, OPT, WERROR or
# DEVELOPER rebuilds everything in $(O) (the stamp is rewritten, so it is
# newer than every object), instead of "up to date" with the old flags.
FLAGS_NOW   = $(strip $(CC) $(CPPFLAGS) $(CFLAGS) $(LDFLAGS))
FLAGS_STAMP = $(O)/flags.stamp
# (goals that compile nothing leave the stamp alone)
ifneq ($(filter-out clean layers deps,$(or $(MAKECMDGOALS),all)),)
ifneq ($(FLAGS_NOW),$(strip $(file <$(FLAGS_STAMP))))
$(shell mkdir -p $(O))
$(file >$(FLAGS_STAMP),$(FLAGS_NOW))
endif
endif

$(O)/obj/%.o: %.c $(FLAGS_STAMP)
	@mkdir -p $(dir $@)
	$(call say,CC,$<)
	$(Q)$(CC) $(CPPFLAGS) $(CFLAGS) -c -o $@ $<

$(LIB): $(LIB_OBJ)
	@mkdir -p $(dir $@)
	$(call say,AR,$@)
	$(Q)rm -f $@ && ar rcs $@ $^

$(TDLIBA): $(TD_OBJ)
	@mkdir -p $(dir $@)
	$(call say,AR,$@)
	$(Q)rm -f $@ && ar rcs $@ $^

$(BIN): $(O)/obj/src/cli/main.o $(LIB)
	$(call say,LINK,$@)
	$(Q)$(CC) $(LDFLAGS) -o $@ -Wl,--start-group $^ -Wl,--end-group $(PKG_LIBS) -lm

# the same program with allocation failures injectable (tests only)
$(FAULTBIN): $(O)/obj/src/cli/main.o $(O)/obj/tests/fault/faultalloc.o $(LIB)
	$(call say,LINK,$@)
	$(Q)$(CC) $(LDFLAGS) -Wl,--wrap=malloc,--wrap=calloc,--wrap=realloc,--wrap=strdup \
	  -o $@ -Wl,--start-group $^ -Wl,--end-group $(PKG_LIBS) -lm

$(O)/testdata/%: $(O)/obj/testdata/%.o $(TDLIBA) $(LIB)
	@mkdir -p $(dir $@)
	$(call say,LINK,$@)
	$(Q)$(CC) $(LDFLAGS) -o $@ -Wl,--start-group $^ -Wl,--end-group $(PKG_LIBS) -lm

# One Check runner; every tests/check_NAME.c provides Suite *NAME_suite(void).
$(O)/suites.h: $(TEST_SRC) Makefile
	@mkdir -p $(dir $@)
	@printf '%s\n' $(foreach s,$(SUITES),'SUITE($(s))') > $@.tmp && mv $@.tmp $@

$(O)/obj/tests/runner.o: $(O)/suites.h
$(O)/obj/tests/runner.o: CPPFLAGS += -iquote $(O)
FUZZ_O    ?= build-fuzz
# Each layer's objects see only their own layer's headers and those below
# (so an upward include does not even compile); testdata/ and tests/ see
# every layer and the fixture writers, which the product never does.
layer_inc = $(addprefix -iquote ,$(wordlist 1,$(1),$(LAYERS)))
define layer_flags
$$(O)/obj/$(word $(1),$(LAYERS))/%.o $$(FUZZ_O)/obj/$(word $(1),$(LAYERS))/%.o: CPPFLAGS += $$(call layer_inc,$(1))
endef
$(foreach i,$(shell seq 1 $(words $(LAYERS))),$(eval $(call layer_flags,$(i))))
ALL_INC := $(addprefix -iquote ,$(LAYERS)) -iquote testdata/lib
$(O)/obj/testdata/%.o $(O)/obj/tests/%.o $(FUZZ_O)/obj/testdata/%.o $(FUZZ_O)/obj/tests/%.o: CPPFLAGS += $(ALL_INC)

# The checks table: every `const struct check_def check_def_NAME` of
# rules/checks/*.c as CHECK(NAME) (rules/checks/table.c), so a new check is
# one new file.
CHECK_SRC := $(sort $(wildcard rules/checks/*.c))
$(O)/checks_table.h: $(CHECK_SRC) Makefile
	@mkdir -p $(dir $@)
	@sed -n 's/^const struct check_def check_def_\([a-z0-9_]*\) = .*/CHECK(\1)/p' $(CHECK_SRC) > $@.tmp && mv $@.tmp $@
$(O)/obj/rules/checks/table.o $(FUZZ_O)/obj/rules/checks/table.o: $(O)/checks_table.h
$(O)/obj/rules/checks/table.o $(FUZZ_O)/obj/rules/checks/table.o: CPPFLAGS += -iquote $(O)


$(RUNNER): $(TEST_OBJ) $(TDLIBA) $(LIB)
	$(call say,LINK,$@)
	$(Q)$(CC) $(LDFLAGS) -o $@ -Wl,--start-group $^ -Wl,--end-group $(PKG_LIBS) $(CHECK_LIBS) -lm

# Tests find what they need through the environment, so a fresh clone, an
# O= tree and a sanitizer build all run the same way.
TEST_ENV = VSSD_FAULT_BIN=$(abspath $(if $(wildcard $(ASAN_O)/vssdoctor-faultalloc),$(ASAN_O),$(O)))/vssdoctor-faultalloc \
           LSAN_OPTIONS=suppressions=$(abspath tests/lsan.supp):print_suppressions=0 \
           ASAN_SYMBOLIZER_PATH=/usr/bin/llvm-symbolizer \
           VSSD_BIN=$(abspath $(BIN)) VSSD_TOOLS=$(abspath $(O)/testdata) \
           VSSD_RULES=$(abspath rules) VSSD_SAMPLES=$(SAMPLES) \
           VSSD_TMP=$(abspath $(O)/tmp) VSSD_SRC=$(abspath .) VSSD_SANITIZE=$(SANITIZE)

libcheck: $(BIN) $(TOOLS) $(RUNNER)
	@rm -rf $(O)/tmp && mkdir -p $(O)/tmp
	$(TEST_ENV) $(RUNNER) $(SUITE_ARGS)

# check: the short fuzz and mutation runs first, so that Check's summary
# closes the output.
check: deps
	@$(MAKE) --no-print-directory layers
	@$(MAKE) --no-print-directory all
	@$(MAKE) --no-print-directory fuzz-short
	@$(MAKE) --no-print-directory mutate-short
	@$(MAKE) --no-print-directory compare COMPARE_SUITES=
	@$(MAKE) --no-print-directory libcheck

# layers: includes point down the layers only, no product file over 700
# lines or function over 120 (scripts/layers.py, docs/ARCHITECTURE.md)
layers:
	@python3 scripts/layers.py $(LAYERS)

# test: the fast loop (build, unit and end-to-end suites), without the
# short fuzz and mutation runs that check adds
test: deps
	@$(MAKE) --no-print-directory all
	@$(MAKE) --no-print-directory libcheck

# The scan finds causes on purpose: exit status 1 is the expected outcome.
demo: deps
	@$(MAKE) --no-print-directory all
	@rm -rf $(O)/demo
	@$(BIN) demo $(O)/demo; st=$$?; \
	 if [ $$st -eq 1 ]; then echo "(exit status 1: causes present, as this demo image intends)"; \
	 elif [ $$st -ne 0 ] && [ $$st -ne 3 ]; then exit $$st; fi

install: $(BIN) $(O)/testdata/mkscenario
	install -d $(DESTDIR)$(PREFIX)/bin $(DESTDIR)$(PREFIX)/share/vssdoctor/rules \
	        $(DESTDIR)$(PREFIX)/share/man/man1
	install -m 755 $(BIN) $(DESTDIR)$(PREFIX)/bin/vssdoctor
	install -d $(DESTDIR)$(PREFIX)/libexec/vssdoctor
	install -m 755 $(O)/testdata/mkscenario $(DESTDIR)$(PREFIX)/libexec/vssdoctor/mkscenario
	install -m 644 rules/*.json $(DESTDIR)$(PREFIX)/share/vssdoctor/rules/
	install -m 644 man/vssdoctor.1 $(DESTDIR)$(PREFIX)/share/man/man1/vssdoctor.1

# --- fuzzing (issue 8): libFuzzer targets tests/fuzz/fuzz_NAME.c, built with
# clang into $(FUZZ_O); seeds from the testdata generators (mkseeds).
#   make fuzz FUZZ_TIME=600        each target FUZZ_TIME seconds
#   make fuzz-short                each target FUZZ_RUNS executions (CI)
FUZZ_TIME ?= 600
FUZZ_RUNS ?= 3000
FUZZ_CC   ?= clang
FUZZ_SAN  := -fsanitize=address,undefined -fno-sanitize-recover=all -fno-omit-frame-pointer
FUZZ_SRC  := $(sort $(wildcard tests/fuzz/fuzz_*.c))
FUZZERS   := $(patsubst tests/fuzz/%.c,$(FUZZ_O)/%,$(FUZZ_SRC))
FUZZ_LIBOBJ := $(LIB_SRC:%.c=$(FUZZ_O)/obj/%.o) $(TD_LIB:%.c=$(FUZZ_O)/obj/%.o)
FUZZ_CFLAGS = -std=c11 -g -O1 $(FUZZ_SAN) -fsanitize=fuzzer-no-link $(PKG_CFLAGS) -Wno-unused-parameter -MMD -MP

$(FUZZ_O)/obj/%.o: %.c
	@mkdir -p $(dir $@)
	$(call say,CC,$<)
	$(Q)$(FUZZ_CC) $(CPPFLAGS) $(FUZZ_CFLAGS) -c -o $@ $<

$(FUZZ_O)/libfuzzlib.a: $(FUZZ_LIBOBJ)
	$(call say,AR,$@)
	$(Q)rm -f $@ && ar rcs $@ $^

$(FUZZ_O)/fuzz_%: $(FUZZ_O)/obj/tests/fuzz/fuzz_%.o $(FUZZ_O)/libfuzzlib.a
	$(call say,LINK,$@)
	$(Q)$(FUZZ_CC) $(FUZZ_SAN) -fsanitize=fuzzer -o $@ $^ $(PKG_LIBS) -lm

$(FUZZ_O)/seeds.stamp: $(TOOLS)
	@rm -rf $(FUZZ_O)/seeds && mkdir -p $(FUZZ_O)/seeds
	$(Q)if [ -x $(O)/testdata/mkseeds ]; then $(O)/testdata/mkseeds $(FUZZ_O)/seeds; fi
	@touch $@

fuzz-build: $(FUZZERS) $(FUZZ_O)/seeds.stamp

# scripts/fuzz.sh runs each target in its own corpus folder, seeded from
# $(FUZZ_O)/seeds/NAME; a crash leaves crash-* in $(FUZZ_O)/artifacts/NAME
# and fails the run.  One summary line per target.
fuzz: all fuzz-build
	@VSSD_RULES=$(abspath rules) sh scripts/fuzz.sh $(FUZZ_O) -max_total_time=$(FUZZ_TIME) $(FUZZ_TARGETS)

# CI's short run looks for crashes; leaks are checked in make check by the
# ASan suites and the mutation run (slow-unwind leak tracking would take
# fuzz_evtx_collector to ~1 execution a second).  Its random seed is fixed
# (FUZZ_SEED), so that a CI run is repeatable: a fresh clone's fuzz-short
# once found a skim/libevtx difference with an unseeded run, which the
# next run would not have; `make fuzz` keeps exploring with random seeds.
FUZZ_SEED ?= 1
fuzz-short: all fuzz-build
	@ASAN_OPTIONS=detect_leaks=0:fast_unwind_on_malloc=1 VSSD_RULES=$(abspath rules) sh scripts/fuzz.sh $(FUZZ_O) "-runs=$(FUZZ_RUNS) -seed=$(FUZZ_SEED)" $(FUZZ_TARGETS)

# --- the mutation campaign (issue 8): scripts/mutate-campaign.sh over an
# ASan+UBSan build.   make mutate MUTATE_N=10000
ASAN_O   ?= build-asan
MUTATE_N ?= 10000
asan-build:
	@$(MAKE) --no-print-directory O=$(ASAN_O) SANITIZE=address,undefined all

# and its directory-mode twin (issue 14): hostile trees under strace
MUTATE_DIRS_N ?= 500
mutate: all asan-build
	@O=$(O) ASAN_O=$(ASAN_O) sh scripts/mutate-campaign.sh $(MUTATE_N)
	@O=$(O) ASAN_O=$(ASAN_O) sh scripts/mutate-dirs.sh $(MUTATE_DIRS_N)

mutate-short: all asan-build
	@O=$(O) ASAN_O=$(ASAN_O) sh scripts/mutate-campaign.sh 300
	@O=$(O) ASAN_O=$(ASAN_O) sh scripts/mutate-dirs.sh 60

# --- the benchmark (issue 9): builds its fixture once, outside the tree
# compare: the reports of the fixture scenarios (every format, alone and in
# one batch) and of the end-to-end suites in COMPARE_SUITES, byte for byte
# against a build of COMPARE_REF (issue 15: the redesign changed no
# report; bump COMPARE_REF when a report changes on purpose).  The
# reference is built once into $(O)/ref-REF from `git archive`: its binary
# only, -O1 without debug information (11 s; `all` at -O2 -g took 3 min),
# and without -Werror: CI=true turns it on, and the reference's code has two
# warnings GCC gives only at -O1 (a CI run failed on them; its code is
# history, not ours to mend).
COMPARE_REF    ?= 6522ed4
COMPARE_SUITES ?= findings causes23 windir
compare: all $(RUNNER)
	@ref=$(O)/ref-$(COMPARE_REF); \
	 if ! git cat-file -e $(COMPARE_REF)^{commit} 2>/dev/null; then \
	   echo "compare: skipped: no git history holding $(COMPARE_REF) (a clone has it; a tarball does not)"; exit 0; \
	 fi; \
	 if [ ! -x $$ref/build/vssdoctor ]; then \
	   echo "compare: building the reference $(COMPARE_REF) in $$ref"; \
	   rm -rf $$ref && mkdir -p $$ref && git archive $(COMPARE_REF) | tar -x -C $$ref && \
	   MAKEFLAGS= $(MAKE) --no-print-directory -j2 -C $$ref O=build SANITIZE= WERROR=0 OPT='-O1 -g0' build/vssdoctor >$$ref.log 2>&1 || \
	   { echo "compare: the reference did not build; the end of $$ref.log:"; tail -n 15 $$ref.log; exit 2; }; \
	 fi; \
	 O=$(O) sh scripts/compare-reports.sh -b $$ref/build/vssdoctor $(if $(COMPARE_SUITES),$(COMPARE_SUITES),-)

bench: deps
	@$(MAKE) --no-print-directory all $(RUNNER)
	@O=$(O) /usr/bin/python3 scripts/bench.py

clean:
	rm -rf $(O) $(FUZZ_O) $(ASAN_O) build-mutate

-include $(shell find $(O)/obj $(FUZZ_O)/obj -name '*.d' 2>/dev/null)
