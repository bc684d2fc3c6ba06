"""What the matching tests share: the analyzer with the shipped synonyms and stop words."""

from __future__ import annotations

import pytest

from core.matching import load_synonyms
from core.matching.analyzer import Analyzer, load_stopwords


@pytest.fixture(scope="module")
def analyzer() -> Analyzer:
    return Analyzer(load_synonyms(), load_stopwords())
