"""How a catalogue entry becomes searchable features, field by field."""

from __future__ import annotations

from core.catalog import ServiceEntry, category_by_code
from core.matching.analyzer import Analyzer

# What a service *is* (its name and keywords) is stronger evidence than what its description happens
# to mention; the organisation's name says little about one service (安康居家养老服务站 runs repairs too).
FIELD_BOOSTS: dict[str, float] = {
    "name": 1.0,
    "keywords": 0.9,
    "category": 0.3,
    "description": 0.4,
    "eligibility": 0.3,
    "organization": 0.2,
}


def service_fields(entry: ServiceEntry) -> dict[str, str]:
    category = category_by_code(entry.category)
    return {
        "name": entry.name,
        # Spaces keep one keyword's bigrams from running into the next keyword.
        "keywords": " ".join(entry.keywords),
        "category": f"{category.zh} {category.en}",
        "description": entry.description,
        "eligibility": entry.eligibility,
        "organization": entry.organization or "",
    }


def service_keys(analyzer: Analyzer, entry: ServiceEntry) -> dict[str, float]:
    """Every index key of the service with the boost of the best field holding it."""
    keys: dict[str, float] = {}
    for field, text in service_fields(entry).items():
        if not text:
            continue
        boost = FIELD_BOOSTS[field]
        for key in analyzer.index_keys(text):
            if keys.get(key, 0.0) < boost:
                keys[key] = boost
    return keys
