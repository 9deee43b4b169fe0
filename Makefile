# sonata: build, test and demo.  `make check` and `make demo` install the
# Debian packages they need first (see tools/deps.sh).

CC       ?= cc
SHARED   ?= ../shared
TRACES   ?= $(SHARED)/traces
PREFIX   ?= /usr/local
VERSION  := 0.1.0

WARN     := -Wall -Wextra -Werror -Wshadow -Wstrict-prototypes \
            -Wmissing-prototypes -Wpointer-arith -Wformat=2 -Wvla \
            -Wcast-qual -Wundef -Wno-unused-parameter
CFLAGS   ?= -O2 -g
ALL_CFLAGS = -std=gnu11 $(WARN) $(CFLAGS) -Iinclude -Isrc \
             -DSONATA_VERSION='"$(VERSION)"' -D_GNU_SOURCE
LDLIBS   := -lpcap -lglpk -ljansson -lbpf -lm -lpthread

ifeq ($(SANITIZE),1)
BUILD    ?= build/asan
ALL_CFLAGS += -O1 -fsanitize=address,undefined -fno-omit-frame-pointer \
              -fno-sanitize-recover=all
LDFLAGS  += -fsanitize=address,undefined
else
BUILD    ?= build
endif

LIB_SRC  := $(sort $(shell find src -name '*.c' ! -path 'src/cli/*'))
CLI_SRC  := $(sort $(wildcard src/cli/*.c))
TEST_SRC := $(sort $(wildcard tests/unit/test_*.c))
LIB_OBJ  := $(LIB_SRC:%.c=$(BUILD)/obj/%.o)
CLI_OBJ  := $(CLI_SRC:%.c=$(BUILD)/obj/%.o)
TEST_BIN := $(TEST_SRC:tests/unit/%.c=$(BUILD)/tests/%)
DEPS     := $(LIB_OBJ:.o=.d) $(CLI_OBJ:.o=.d)

LIBSONATA := $(BUILD)/libsonata.a
SONATA    := $(BUILD)/sonata

.PHONY: all deps check demo install clean fuzz tests bench soak

all: $(SONATA) $(LIBSONATA)

$(BUILD)/obj/%.o: %.c
	@mkdir -p $(dir $@)
	$(CC) $(ALL_CFLAGS) -MMD -MP -c $< -o $@

$(LIBSONATA): $(LIB_OBJ)
	@mkdir -p $(dir $@)
	rm -f $@
	ar rcs $@ $^

$(SONATA): $(CLI_OBJ) $(LIBSONATA)
	$(CC) $(LDFLAGS) -o $@ $(CLI_OBJ) $(LIBSONATA) $(LDLIBS)

$(BUILD)/tests/%: tests/unit/%.c tests/unit/testutil.h $(LIBSONATA)
	@mkdir -p $(dir $@)
	$(CC) $(ALL_CFLAGS) -Itests/unit -o $@ $< $(LIBSONATA) $(LDFLAGS) $(LDLIBS) -lcmocka

tests: $(TEST_BIN) $(SONATA)

deps:
	@sh tools/deps.sh build

# Every unit test binary, then the end-to-end scripts; one total at the end.
check: deps
	$(MAKE) tests
	BUILD=$(BUILD) TRACES=$(TRACES) sh tests/run.sh $(TEST_BIN)

demo: deps
	$(MAKE) all
	$(SONATA) run -r $(TRACES)/stopddos_pkt.TCP.synflood.spoofed.pcap

# sonata against a C loop, tcpdump and tshark; writes docs/benchmarks.md.
# BENCH_LONG=1 adds a 50 M packet run that checks memory stays flat.
BENCH_LONG ?= 0
bench:
	@sh tools/deps.sh bench
	$(MAKE) all
	BUILD=$(BUILD) BENCH_LONG=$(BENCH_LONG) sh bench/run.sh

# 50 M packets of spoofed-source flood through all queries: peak memory
# against the key ceiling (slow; appends to docs/hardening.md).
soak: deps
	$(MAKE) all
	BUILD=$(BUILD) sh bench/soak.sh

install: all
	install -d $(DESTDIR)$(PREFIX)/bin $(DESTDIR)$(PREFIX)/lib \
	    $(DESTDIR)$(PREFIX)/include/sonata $(DESTDIR)$(PREFIX)/share/man/man1 \
	    $(DESTDIR)$(PREFIX)/share/sonata/queries
	install -m 755 $(SONATA) $(DESTDIR)$(PREFIX)/bin/sonata
	install -m 644 $(LIBSONATA) $(DESTDIR)$(PREFIX)/lib/libsonata.a
	install -m 644 include/sonata/*.h $(DESTDIR)$(PREFIX)/include/sonata/
	install -m 644 docs/sonata.1 $(DESTDIR)$(PREFIX)/share/man/man1/sonata.1
	install -m 644 queries/*.sq $(DESTDIR)$(PREFIX)/share/sonata/queries/ 2>/dev/null || true

FUZZ_TARGETS := $(patsubst tests/fuzz/fuzz_%.c,%,$(wildcard tests/fuzz/fuzz_*.c))
FUZZ_SECONDS ?= 60
# UB aborts so libFuzzer reports it. clang's -Wformat-nonliteral flags
# vsnprintf wrappers that gcc accepts; the gcc build keeps that check.
FUZZ_CFLAGS := -O1 -g -fsanitize=fuzzer-no-link,address,undefined \
               -fno-sanitize-recover=all -Wno-format-nonliteral
fuzz: deps
	$(MAKE) BUILD=build/fuzz CC=clang CFLAGS='$(FUZZ_CFLAGS)' build/fuzz/libsonata.a
	@set -e; passed=0; for t in $(FUZZ_TARGETS); do \
	    clang -std=gnu11 -O1 -g -Iinclude -Isrc -D_GNU_SOURCE \
	        -fsanitize=fuzzer,address,undefined -fno-sanitize-recover=all \
	        -o build/fuzz/fuzz_$$t tests/fuzz/fuzz_$$t.c build/fuzz/libsonata.a $(LDLIBS); \
	    mkdir -p build/fuzz/corpus_$$t build/fuzz/crashes_$$t; \
	    sh tests/fuzz/seed.sh $$t build/fuzz/corpus_$$t $(TRACES); \
	    echo "fuzz: $$t for $(FUZZ_SECONDS) s"; \
	    if ! build/fuzz/fuzz_$$t -max_total_time=$(FUZZ_SECONDS) -timeout=10 \
	        -print_final_stats=1 -artifact_prefix=build/fuzz/crashes_$$t/ \
	        build/fuzz/corpus_$$t >build/fuzz/fuzz_$$t.log 2>&1; then \
	        tail -n 40 build/fuzz/fuzz_$$t.log; \
	        echo "fuzz: $$t found a crash, leak or hang: see build/fuzz/crashes_$$t"; \
	        exit 1; \
	    fi; \
	    tail -n 4 build/fuzz/fuzz_$$t.log; \
	    passed=$$((passed + 1)); \
	done; \
	echo "fuzz: $$passed passed, 0 failed"

clean:
	rm -rf build

-include $(DEPS)
