#!/usr/bin/env python3
# SPDX-License-Identifier: GPL-2.0
"""Run VM test scenarios: run.py --kver KVER [SCENARIO...] (make vmtest)."""
import os
import sys

# No __pycache__ in the source tree.
sys.dont_write_bytecode = True
# The scenarios import the vocabulary from vmtest; keep one copy of it.
sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
import vmtest  # noqa: E402

if __name__ == "__main__":
    sys.exit(vmtest.main(sys.argv[1:]))
