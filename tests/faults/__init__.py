"""Fault finding: a hypothesis fuzz of every dialog step and button, and the role × command × callback matrix.

The same code runs in the test suite (short) and in bench/faults.py (long). See harness.py."""
