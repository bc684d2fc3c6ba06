from __future__ import annotations

from core.community_search import normalise, search
from storage.records import Community

CITY = [Community(i, n) for i, n in enumerate(["阳光社区", "侯家塘社区", "左家塘社区", "望月湖社区", "雨花亭社区"], 1)]


def names(found: list[Community]) -> list[str]:
    return [c.name for c in found]


def test_exact_name_with_or_without_suffix_wins_alone() -> None:
    assert names(search(CITY, "阳光社区")) == ["阳光社区"]
    assert names(search(CITY, " 阳光 ")) == ["阳光社区"]
    assert names(search(CITY, "阳光居委会")) == ["阳光社区"]


def test_partial_names_offer_every_candidate() -> None:
    assert names(search(CITY, "家塘")) == ["侯家塘社区", "左家塘社区"]


def test_typo_still_finds_and_nonsense_finds_nothing() -> None:
    assert names(search(CITY, "望月胡"))[0] == "望月湖社区"
    assert search(CITY, "火星") == []
    assert search(CITY, "!!!") == []


def test_normalise_full_width_and_case() -> None:
    assert normalise("ＡＢＣ社区") == "abc"
