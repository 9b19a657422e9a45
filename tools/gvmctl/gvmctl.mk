# SPDX-License-Identifier: GPL-2.0
#
# gvmctl, included by the top-level Makefile (B, Q, VERSION, KSFT, CFLAGS_*).
#
#   make gvmctl   build/gvmctl/gvmctl (dynamic) and build/gvmctl/gvmctl-static
#                 (no shared libraries at all: it goes into test initramfs)
#   make unit     also builds build/test/test_gvmctl_*, which need no module
#
# Only nl.c includes libnl: the parsers, the formats and the subcommands
# link into the tests without it.

GVMCTL := tools/gvmctl
GVMCTL_PURE := $(addprefix $(GVMCTL)/,config.c parse.c options.c format.c psk.c)
GVMCTL_CMDS := $(addprefix $(GVMCTL)/,join.c leave.c status.c monitor.c)
GVMCTL_SRC := $(GVMCTL)/gvmctl.c $(GVMCTL_CMDS) $(GVMCTL_PURE) $(GVMCTL)/nl.c
GVMCTL_HDR := $(wildcard $(GVMCTL)/*.h) uapi/linux/giantvm.h

# Deferred (=): libnl may only be installed by "deps" during this make.
NL_CFLAGS = $(shell pkg-config --cflags libnl-genl-3.0)
NL_LIBS = $(shell pkg-config --libs libnl-genl-3.0)
NL_STATIC_LIBS = $(shell pkg-config --static --libs libnl-genl-3.0)
# As in the kernel: messages are snprintf()ed into fixed buffers and may be
# cut short on purpose, which -Wformat-truncation cannot tell from a bug.
GVMCTL_WARN := -Wno-format-truncation
# GVMCTL_EXTRA_CFLAGS/LDFLAGS: a distribution's (debian/rules: hardening).
GVMCTL_CFLAGS = $(CFLAGS_FAST) $(GVMCTL_WARN) -DGVMCTL_VERSION=\"$(VERSION)\" \
		$(NL_CFLAGS) $(GVMCTL_EXTRA_CFLAGS)
GVMCTL_TEST_CFLAGS = $(CFLAGS_TEST) $(GVMCTL_WARN)

# glibc warns at static link time about the NSS functions (getaddrinfo,
# getprotobyname) that libnl's addr.o and utils.o call; gvmctl never calls
# the libnl functions that use them, so those lines are dropped and every
# other message is kept, as is the linker's exit status.
GLIBC_NSS_NOISE := -e 'in statically linked applications requires' \
		   -e 'libnl-3\.a(libnl_3_la-[a-z]*\.o): in function'

$(B)/gvmctl/gvmctl: $(GVMCTL_SRC) $(GVMCTL_HDR) | deps
	$(Q)mkdir -p $(dir $@)
	$(Q)$(CC) $(GVMCTL_CFLAGS) -o $@ $(GVMCTL_SRC) $(NL_LIBS) \
		$(GVMCTL_EXTRA_LDFLAGS)

$(B)/gvmctl/gvmctl-static: $(GVMCTL_SRC) $(GVMCTL_HDR) | deps
	$(Q)mkdir -p $(dir $@)
	$(Q)$(CC) $(GVMCTL_CFLAGS) -static -o $@ $(GVMCTL_SRC) \
		$(NL_STATIC_LIBS) 2>$@.log; rc=$$?; \
		grep -v $(GLIBC_NSS_NOISE) $@.log >&2; rm -f $@.log; exit $$rc

.PHONY: gvmctl
gvmctl: $(B)/gvmctl/gvmctl $(B)/gvmctl/gvmctl-static

# ---- tests (selftests/gvmctl), under ASan/UBSan ------------------------

GVMCTL_T := selftests/gvmctl
GVMCTL_TESTS := $(addprefix $(B)/test/test_gvmctl_, \
		  parse config format commands nl cli psk)
GVMCTL_TEST_DEPS := $(GVMCTL_HDR) $(KSFT)/.stamp

$(B)/test/test_gvmctl_parse: $(GVMCTL_T)/test_gvmctl_parse.c \
			     $(GVMCTL)/parse.c $(GVMCTL_TEST_DEPS)
	$(Q)mkdir -p $(dir $@)
	$(Q)$(CC) $(GVMCTL_TEST_CFLAGS) -o $@ $(filter %.c,$^)

$(B)/test/test_gvmctl_config: $(GVMCTL_T)/test_gvmctl_config.c \
			      $(GVMCTL)/config.c $(GVMCTL)/parse.c \
			      $(GVMCTL_TEST_DEPS)
	$(Q)mkdir -p $(dir $@)
	$(Q)$(CC) $(GVMCTL_TEST_CFLAGS) -o $@ $(filter %.c,$^)

$(B)/test/test_gvmctl_format: $(GVMCTL_T)/test_gvmctl_format.c \
			      $(GVMCTL)/format.c $(GVMCTL)/parse.c \
			      $(GVMCTL_TEST_DEPS)
	$(Q)mkdir -p $(dir $@)
	$(Q)$(CC) $(GVMCTL_TEST_CFLAGS) -o $@ $(filter %.c,$^)

$(B)/test/test_gvmctl_psk: $(GVMCTL_T)/test_gvmctl_psk.c $(GVMCTL)/psk.c \
			   $(GVMCTL)/options.c $(GVMCTL)/parse.c \
			   $(GVMCTL_TEST_DEPS)
	$(Q)mkdir -p $(dir $@)
	$(Q)$(CC) $(GVMCTL_TEST_CFLAGS) -o $@ $(filter %.c,$^)

# The subcommands against a fake kernel boundary (fake_nl.c implements nl.h).
$(B)/test/test_gvmctl_commands: $(GVMCTL_T)/test_gvmctl_commands.c \
				$(GVMCTL_T)/fake_nl.c $(GVMCTL_T)/fake_nl.h \
				$(GVMCTL_CMDS) $(GVMCTL_PURE) \
				$(GVMCTL_TEST_DEPS)
	$(Q)mkdir -p $(dir $@)
	$(Q)$(CC) $(GVMCTL_TEST_CFLAGS) -o $@ $(filter %.c,$^)

# nl.c's encoders and decoders on messages built as the kernel builds them;
# libnl is linked statically so that the test needs no libnl at run time.
$(B)/test/test_gvmctl_nl: $(GVMCTL_T)/test_gvmctl_nl.c $(GVMCTL)/nl.c \
			  $(GVMCTL_TEST_DEPS) | deps
	$(Q)mkdir -p $(dir $@)
	$(Q)$(CC) $(GVMCTL_TEST_CFLAGS) $(NL_CFLAGS) -o $@ $< \
		-Wl,-Bstatic $(NL_LIBS) -Wl,-Bdynamic -lpthread

# Runs both built binaries on a kernel without the giantvm family.
$(B)/test/test_gvmctl_cli: $(GVMCTL_T)/test_gvmctl_cli.c $(GVMCTL_TEST_DEPS) \
			   $(B)/gvmctl/gvmctl $(B)/gvmctl/gvmctl-static
	$(Q)mkdir -p $(dir $@)
	$(Q)$(CC) $(GVMCTL_TEST_CFLAGS) -DGVMCTL_DIR=\"$(abspath $(B)/gvmctl)\" \
		-o $@ $<

unit: $(GVMCTL_TESTS)
