"""The shipped ranker and gate (core/matching/data/gate.json) are what the fitting code in the repository makes
of the labelled data in the repository."""

from __future__ import annotations

import pytest

from core.matching import fit_gate


@pytest.mark.timeout(900)
def test_fitting_reproduces_the_shipped_gate() -> None:
    assert fit_gate.main(["--check"]) == 0
