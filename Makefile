# tjx - scanned Swedish municipal case documents to validated XML records.
#
#   make          build bin/tjx
#   make run      install what is missing, build, run the pipeline over corpus/ into out/
#   make test     install what is missing, build, run every test (unit tests plain and
#                 under AddressSanitizer+UBSan, CLI tests, corpus cases, tjx eval)
#   make bench    throughput and memory against the peer tools, printed as ratios
#   make fuzz     libFuzzer targets, each for FUZZ_SECONDS
#   make format   clang-format the C sources
#   make clean
#
# Knobs: V=1 shows the commands; JOBS=N for `make run` (default 2);
# SANITIZE=address,undefined builds bin/tjx itself with sanitizers.

CC       ?= cc
V        ?= 0
JOBS     ?= 2
FUZZ_SECONDS ?= 60

PKGS     := tesseract lept libpcre2-8 libxml-2.0 hunspell libexif
MUPDF_LIBS := -lmupdf -lmupdf-third -lmujs -lgumbo -lopenjp2 -ljbig2dec -ljpeg -lz \
              -lharfbuzz -lfreetype -lm

# Debian packages: build and run, then test-only.
DEB_BUILD := gcc make libc6-dev pkg-config libtesseract-dev tesseract-ocr tesseract-ocr-swe \
             tesseract-ocr-eng tesseract-ocr-osd libleptonica-dev libpcre2-dev libxml2-dev \
             libmupdf-dev libmujs-dev libgumbo-dev libopenjp2-7-dev libjbig2dec0-dev \
             libjpeg-dev libfreetype-dev libharfbuzz-dev libhunspell-dev hunspell-sv \
             libunistring-dev libexif-dev
DEB_TEST  := libcriterion-dev valgrind libxml2-utils
DEB_BENCH := hunspell time poppler-utils
DEB_FUZZ  := clang libclang-rt-14-dev

ifeq ($(V),1)
Q :=
else
Q := @
endif

CPPFLAGS += -D_GNU_SOURCE -Iextract
CFLAGS   ?= -O2 -g
CFLAGS   += -std=c11 -Wall -Wextra -Werror -Wstrict-prototypes -Wno-unused-result -MMD -MP
PKG_CFLAGS = $(shell pkg-config --cflags $(PKGS) 2>/dev/null)
PKG_LIBS   = $(shell pkg-config --libs $(PKGS) 2>/dev/null)
LDLIBS   += $(PKG_LIBS) $(MUPDF_LIBS) -lunistring -lpthread

ifneq ($(SANITIZE),)
CFLAGS  += -fsanitize=$(SANITIZE) -fno-omit-frame-pointer
LDFLAGS += -fsanitize=$(SANITIZE)
endif

# The library: every stage.  One object per line.
LIB_OBJS :=
LIB_OBJS += error.o
LIB_OBJS += strbuf.o
LIB_OBJS += utf8.o
LIB_OBJS += doc.o
LIB_OBJS += rules.o
LIB_OBJS += normalise.o
LIB_OBJS += lexicon.o
LIB_OBJS += fields.o
LIB_OBJS += record.o
LIB_OBJS += pipeline.o
LIB_OBJS += batch.o
LIB_OBJS += quiet.o
LIB_OBJS += image.o
LIB_OBJS += pdfin.o
LIB_OBJS += ocr.o
LIB_OBJS += ocrout.o
LIB_OBJS += diff.o
LIB_OBJS += eval.o

# The command-line layer.
CLI_OBJS :=
CLI_OBJS += main.o
CLI_OBJS += cmd_run.o
CLI_OBJS += cmd_normalise.o
CLI_OBJS += cmd_fields.o
CLI_OBJS += cmd_validate.o
CLI_OBJS += cmd_check_rules.o
CLI_OBJS += cmd_ocr.o
CLI_OBJS += cmd_eval.o
CLI_OBJS += cmd_diff.o

# Unit tests (Criterion), one file per module.
TEST_SRCS := $(sort $(wildcard tests/test_*.c))

OBJDIR   := bin/obj
ASANDIR  := bin/asan
REL_LIB  := $(addprefix $(OBJDIR)/,$(LIB_OBJS))
REL_CLI  := $(addprefix $(OBJDIR)/,$(CLI_OBJS))
ASAN_LIB := $(addprefix $(ASANDIR)/,$(LIB_OBJS))
ASAN_CLI := $(addprefix $(ASANDIR)/,$(CLI_OBJS))
REL_TEST := $(patsubst tests/%.c,$(OBJDIR)/tests/%.o,$(TEST_SRCS))
ASAN_TEST:= $(patsubst tests/%.c,$(ASANDIR)/tests/%.o,$(TEST_SRCS))
ASAN_FLAGS := -fsanitize=address,undefined -fno-omit-frame-pointer -fno-sanitize-recover=undefined

.PHONY: all deps deps-test run test test-unit test-asan test-valgrind \
        bench fuzz format clean

all: bin/tjx

bin/tjx: $(REL_LIB) $(REL_CLI)
	@echo "  LINK    $@"
	$(Q)$(CC) $(LDFLAGS) -o $@ $^ $(LDLIBS)

bin/asan/tjx: $(ASAN_LIB) $(ASAN_CLI)
	@echo "  LINK    $@"
	$(Q)$(CC) $(LDFLAGS) $(ASAN_FLAGS) -o $@ $^ $(LDLIBS)

$(OBJDIR)/%.o: extract/%.c
	@mkdir -p $(dir $@)
	@echo "  CC      $<"
	$(Q)$(CC) $(CPPFLAGS) $(CFLAGS) $(PKG_CFLAGS) -c -o $@ $<

$(ASANDIR)/%.o: extract/%.c
	@mkdir -p $(dir $@)
	@echo "  CC      $< (asan)"
	$(Q)$(CC) $(CPPFLAGS) $(CFLAGS) $(ASAN_FLAGS) $(PKG_CFLAGS) -c -o $@ $<

$(OBJDIR)/tests/%.o: tests/%.c
	@mkdir -p $(dir $@)
	@echo "  CC      $<"
	$(Q)$(CC) $(CPPFLAGS) $(CFLAGS) $(PKG_CFLAGS) -Wno-missing-field-initializers -c -o $@ $<

$(ASANDIR)/tests/%.o: tests/%.c
	@mkdir -p $(dir $@)
	@echo "  CC      $< (asan)"
	$(Q)$(CC) $(CPPFLAGS) $(CFLAGS) $(ASAN_FLAGS) $(PKG_CFLAGS) -Wno-missing-field-initializers -c -o $@ $<

bin/unit-tests: $(REL_TEST) $(REL_LIB)
	@echo "  LINK    $@"
	$(Q)$(CC) $(LDFLAGS) -o $@ $^ $(LDLIBS) -lcriterion

bin/asan/unit-tests: $(ASAN_TEST) $(ASAN_LIB)
	@echo "  LINK    $@"
	$(Q)$(CC) $(LDFLAGS) $(ASAN_FLAGS) -o $@ $^ $(LDLIBS) -lcriterion

-include $(REL_LIB:.o=.d) $(REL_CLI:.o=.d) $(ASAN_LIB:.o=.d) $(ASAN_CLI:.o=.d)
-include $(REL_TEST:.o=.d) $(ASAN_TEST:.o=.d)

# ---- dependencies ------------------------------------------------------------
# Install the Debian packages that are missing: `apt-get update` once, then
# `apt-get install -y --no-install-recommends`.  Without root, print the command
# and stop.
define install_missing
	@missing=""; for p in $(1); do \
	  dpkg-query -W -f='$${Status}\n' $$p 2>/dev/null | grep -q '^install ok installed' \
	    || missing="$$missing $$p"; \
	done; \
	if [ -n "$$missing" ]; then \
	  if [ "$$(id -u)" = 0 ]; then \
	    echo "  DEPS   $$missing"; \
	    apt-get update -qq && \
	    DEBIAN_FRONTEND=noninteractive apt-get install -y --no-install-recommends $$missing; \
	  else \
	    echo "missing Debian packages; run:"; \
	    echo "  sudo apt-get update && sudo apt-get install -y --no-install-recommends$$missing"; \
	    exit 3; \
	  fi; \
	fi
endef

deps:
	$(call install_missing,$(DEB_BUILD))

deps-test: deps
	$(call install_missing,$(DEB_TEST))

# ---- the two commands --------------------------------------------------------

run: deps
	$(Q)$(MAKE) --no-print-directory bin/tjx
	bin/tjx run -j $(JOBS) -o out corpus

test: deps-test
	$(Q)$(MAKE) --no-print-directory bin/tjx bin/asan/tjx bin/unit-tests bin/asan/unit-tests
	$(Q)$(MAKE) --no-print-directory test-unit test-asan test-eval test-valgrind

test-unit: bin/unit-tests bin/tjx
	@echo "  TEST    unit"
	$(Q)TJX_BIN=bin/tjx bin/unit-tests --jobs 2

test-asan: bin/asan/unit-tests bin/asan/tjx
	@echo "  TEST    unit (AddressSanitizer+UBSan)"
	$(Q)TJX_BIN=bin/asan/tjx ASAN_OPTIONS=detect_leaks=1:abort_on_error=1 \
	  LSAN_OPTIONS=suppressions=$(CURDIR)/tests/lsan.supp:print_suppressions=0 \
	  UBSAN_OPTIONS=print_stacktrace=1:halt_on_error=1 \
	  bin/asan/unit-tests --jobs 2

# The corpus scored against the committed thresholds (tjx eval; see corpus/README.md);
# the JUnit report is left in bin/eval-junit.xml for CI.
.PHONY: test-eval
test-eval: bin/tjx
	@echo "  TEST    eval"
	$(Q)bin/tjx eval -q -j $(JOBS) --thresholds corpus/thresholds.conf \
	  --junit bin/eval-junit.xml corpus

test-valgrind: bin/tjx
	@echo "  TEST    valgrind"
	$(Q)tests/valgrind.sh bin/tjx

# ---- the rest ----------------------------------------------------------------

bin/bench-fields: $(OBJDIR)/bench/fields.o $(REL_LIB)
	@echo "  LINK    $@"
	$(Q)$(CC) $(LDFLAGS) -o $@ $^ $(LDLIBS)

$(OBJDIR)/bench/%.o: bench/%.c
	@mkdir -p $(dir $@)
	@echo "  CC      $<"
	$(Q)$(CC) $(CPPFLAGS) $(CFLAGS) $(PKG_CFLAGS) -c -o $@ $<

bench: deps
	$(call install_missing,$(DEB_BENCH))
	$(Q)$(MAKE) --no-print-directory bin/tjx bin/bench-fields
	bench/run

# libFuzzer targets (clang): every object of extract/ but the CLI, built with
# -fsanitize=fuzzer-no-link,address,undefined, linked with each tests/fuzz/fuzz_*.c.
FUZZ_CC    := clang
FUZZDIR    := bin/fuzz
FUZZ_SAN   := -fsanitize=address,undefined -fno-sanitize-recover=undefined -fno-omit-frame-pointer
FUZZ_LIB   := $(addprefix $(FUZZDIR)/,$(LIB_OBJS))
FUZZ_BINS  := $(patsubst tests/fuzz/%.c,$(FUZZDIR)/%,$(wildcard tests/fuzz/fuzz_*.c))

$(FUZZDIR)/%.o: extract/%.c
	@mkdir -p $(dir $@)
	@echo "  CC      $< (fuzz)"
	$(Q)$(FUZZ_CC) $(CPPFLAGS) -std=c11 -g -O1 -Wall -Wextra -Werror -MMD -MP \
	  -fsanitize=fuzzer-no-link $(FUZZ_SAN) $(PKG_CFLAGS) -c -o $@ $<

$(FUZZDIR)/fuzz_%: tests/fuzz/fuzz_%.c tests/fuzz/fuzz.h $(FUZZ_LIB)
	@echo "  LINK    $@"
	$(Q)$(FUZZ_CC) $(CPPFLAGS) -std=c11 -g -O1 -Wall -Wextra -Werror -fsanitize=fuzzer $(FUZZ_SAN) \
	  $(PKG_CFLAGS) -o $@ $< $(FUZZ_LIB) $(LDLIBS)

-include $(FUZZ_LIB:.o=.d)
.SECONDARY: $(FUZZ_LIB)

fuzz: deps
	$(call install_missing,$(DEB_FUZZ))
	$(Q)$(MAKE) --no-print-directory $(FUZZ_BINS)
	$(Q)tests/fuzz/run $(FUZZ_SECONDS)

format:
	clang-format -i extract/*.c extract/*.h tests/*.c tests/*.h tests/fuzz/*.c tests/fuzz/*.h bench/*.c

clean:
	rm -rf bin out
