# kaoping build. `make` builds build/kaoping; `make asan` builds build-asan/kaoping with
# AddressSanitizer + UndefinedBehaviorSanitizer; `make check` runs every test (unit tests,
# CLI tests against the real binary, conformance), first with the normal build, then ASan.
# Sources are found by wildcard so a new module needs no Makefile edit.

CC      ?= gcc
PKGS    := sqlite3 jansson libsodium libmicrohttpd xlsxwriter cairo pangocairo libzip expat zlib libexif libjpeg
CFLAGS_BASE := -std=c17 -D_GNU_SOURCE -Wall -Wextra -Werror -Wstrict-prototypes \
               -Wno-unused-parameter -Isrc $(shell pkg-config --cflags $(PKGS))
LIBS    := $(shell pkg-config --libs $(PKGS)) -lm -pthread
OPT     ?= -O2 -g

SRC_ALL  := $(shell find src -name '*.c' | sort)
SRC_LIB  := $(filter-out src/main.c,$(SRC_ALL))
TEST_SRC := $(wildcard tests/unit/test_*.c)

.PHONY: all asan check check-fast unit cli conformance clean lint

UNIT_BINS      = $(patsubst tests/unit/test_%.c,build/test_%,$(TEST_SRC))
UNIT_BINS_ASAN = $(patsubst tests/unit/test_%.c,build-asan/test_%,$(TEST_SRC))

# The unit-test binaries too: a stale build/test_X would test yesterday's code.
all: build/kaoping $(UNIT_BINS)

define build_rules
$(1)/obj/%.o: %.c $$(shell find src -name '*.h')
	@mkdir -p $$(dir $$@)
	@echo "  CC $$<"
	@$$(CC) $$(CFLAGS_BASE) $(2) -c $$< -o $$@

$(1)/kaoping: $$(patsubst %.c,$(1)/obj/%.o,$$(SRC_ALL))
	@echo "  LINK $$@"
	@$$(CC) $(2) -o $$@ $$^ $$(LIBS)

$(1)/test_%: tests/unit/test_%.c $$(patsubst %.c,$(1)/obj/%.o,$$(SRC_LIB))
	@echo "  LINK $$@"
	@$$(CC) $$(CFLAGS_BASE) $(2) -o $$@ $$^ $$(LIBS) -lcmocka
endef

$(eval $(call build_rules,build,$(OPT)))
$(eval $(call build_rules,build-asan,-O1 -g -fsanitize=address,undefined -fno-omit-frame-pointer -fno-sanitize-recover=undefined))

asan: build-asan/kaoping $(UNIT_BINS_ASAN)

# Runs every test once against the given build directory (B=build or B=build-asan).
check-one:
	@B=$(B) tests/run-all.sh

check: build/kaoping $(UNIT_BINS) build-asan/kaoping $(UNIT_BINS_ASAN)
	tests/run-all.sh build
	ASAN_OPTIONS=detect_leaks=1 UBSAN_OPTIONS=print_stacktrace=1 tests/run-all.sh build-asan

check-fast: build/kaoping $(UNIT_BINS)
	tests/run-all.sh build

lint:
	scripts/lint.sh

clean:
	rm -rf build build-asan
