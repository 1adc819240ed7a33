# Workforce OS: `make` builds build/wos; `make run` and `make test` are the
# two commands of the README. See docs/development.md for the other targets.

PKGS     := libmicrohttpd jansson libjwt hiredis libcurl libcrypt libcrypto libpq md4c-html
VERSION  := $(shell git describe --always --dirty 2>/dev/null || echo dev)
CC       ?= cc

PKG_CFLAGS = $(shell pkg-config --cflags $(PKGS) 2>/dev/null)
PKG_LIBS   = $(shell pkg-config --libs $(PKGS) 2>/dev/null)

WARN     := -Wall -Wextra -Werror -Wshadow -Wstrict-prototypes -Wmissing-prototypes \
            -Wformat=2 -Wno-format-nonliteral -Wvla
BASE     := -std=c17 -D_GNU_SOURCE -g -Isrc $(WARN)
HARDEN   := -fstack-protector-strong -D_FORTIFY_SOURCE=2 -fPIE
LDHARDEN := -pie -Wl,-z,relro,-z,now

CFLAGS_build     := $(BASE) -O2 $(HARDEN)
LDFLAGS_build    := $(LDHARDEN)
CFLAGS_build-san := $(BASE) -O1 -fno-omit-frame-pointer -fsanitize=address,undefined \
                    -fno-sanitize-recover=undefined -fPIE
LDFLAGS_build-san:= -fsanitize=address,undefined -pie
CFLAGS_build-torture := $(CFLAGS_build-san) -DWOS_TORTURE
LDFLAGS_build-torture:= $(LDFLAGS_build-san)

SRCS      := $(shell find src -name '*.c' | sort)
GEN       := gen/migrations_embedded.c gen/openapi.c gen/email_templates.c gen/version.c
TEST_SRCS := $(wildcard tests/unit/test_*.c)

objs   = $(SRCS:%.c=$(1)/obj/%.o) $(GEN:%.c=$(1)/obj/%.o)
libobj = $(filter-out $(1)/obj/src/main.o,$(call objs,$(1)))
tests  = $(TEST_SRCS:tests/unit/%.c=$(1)/tests/%)

.PHONY: all san torture unit test run clean bench fuzz security soak
all: build/wos $(call tests,build)
san: build-san/wos $(call tests,build-san)

define variant
$(1)/wos: $(call objs,$(1))
	@echo "  LD  $$@"
	@$$(CC) $$(LDFLAGS_$(1)) -o $$@ $$^ $$(PKG_LIBS) -lpthread

$(1)/obj/src/%.o: src/%.c
	@mkdir -p $$(dir $$@)
	@echo "  CC  $$@"
	@$$(CC) $$(CFLAGS_$(1)) $$(PKG_CFLAGS) -MMD -MP -c -o $$@ $$<

$(1)/obj/gen/%.o: build/gen/%.c
	@mkdir -p $$(dir $$@)
	@echo "  CC  $$@"
	@$$(CC) $$(CFLAGS_$(1)) $$(PKG_CFLAGS) -c -o $$@ $$<

$(1)/tests/%: tests/unit/%.c $(call libobj,$(1))
	@mkdir -p $$(dir $$@)
	@echo "  LD  $$@"
	@$$(CC) $$(CFLAGS_$(1)) $$(PKG_CFLAGS) $$(LDFLAGS_$(1)) -o $$@ $$^ $$(PKG_LIBS) -lcmocka -lpthread

-include $$(shell find $(1)/obj -name '*.d' 2>/dev/null)
endef
$(eval $(call variant,build))
$(eval $(call variant,build-san))
$(eval $(call variant,build-torture))

build/gen/migrations_embedded.c: migrations $(wildcard migrations/*.sql) scripts/embed-migrations
	@mkdir -p build/gen
	scripts/embed-migrations migrations > $@.tmp && mv $@.tmp $@

build/gen/email_templates.c: templates/email $(wildcard templates/email/*) scripts/embed-templates
	@mkdir -p build/gen
	scripts/embed-templates templates/email > $@.tmp && mv $@.tmp $@

# The version (git describe) is rewritten only when it changed, so a new commit
# relinks wos without recompiling anything else.
build/gen/version.c: FORCE
	@mkdir -p build/gen
	@printf 'const char wos_version[] = "%s";\n' '$(VERSION)' > $@.tmp
	@cmp -s $@.tmp $@ && rm $@.tmp || mv $@.tmp $@

.PHONY: FORCE
FORCE:

build/gen/openapi.c: docs/openapi.json scripts/embed-file
	@mkdir -p build/gen
	scripts/embed-file wos_openapi_json docs/openapi.json > $@.tmp && mv $@.tmp $@

test:
	@scripts/install-deps
	@$(MAKE) --no-print-directory all san build-torture/wos
	@scripts/run-tests

run:
	@scripts/install-deps
	@$(MAKE) --no-print-directory all
	@scripts/run-dev

bench:
	@scripts/install-deps
	@bench/run $(if $(QUICK),--quick)

torture: build-torture/wos
	@/usr/bin/python3 tests/torture/run.py --bin build-torture/wos --report var/torture/report.json $(TORTURE_ARGS)

soak: all
	@SOAK_MINUTES=$(or $(SOAK_MINUTES),10) /usr/bin/python3 tests/soak/soak.py --bin build/wos

security: all
	@scripts/install-deps
	@scripts/security --bin build/wos

fuzz:
	@scripts/install-deps
	@scripts/fuzz $(FUZZ_TARGETS)

clean:
	rm -rf build build-san build-torture build-fuzz
