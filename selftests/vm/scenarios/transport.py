# SPDX-License-Identifier: GPL-2.0
"""transport: a plain TCP client greets a domain with malformed, foreign,
misaddressed, other-version, silent and good HELLOs, then heartbeats,
coherence traffic, a frame in another node's name and LEAVE; each gets the
answer and the event it should."""
from vmtest import vm, start, wait_exit

VMS = [vm("vm", "transport")]
FILES = ["build/kselftest"]
STEPS = [start("vm"), wait_exit("vm")]
