"""Which building a resident lives in, typed the many ways people write it, kept one way (3号楼 → 3栋), so that
an announcement to 3栋 reaches everyone who wrote 3号楼, 3幢 or ３栋."""

from __future__ import annotations

import re
import unicodedata

MAX_LENGTH = 20
_NUMBERED = re.compile(r"^([0-9]+|[A-Z])\s*(?:号楼|号|栋|幢|座|楼|#)$")


class BadBuilding(ValueError):
    pass


def normalize_building(text: str) -> str:
    """'3号楼', '３幢', '3#' → '3栋'; 'b座' → 'B栋'; other names (e.g. 综合楼) kept as typed, without spaces."""
    cleaned = re.sub(r"\s+", "", unicodedata.normalize("NFKC", text)).upper()
    if not cleaned or len(cleaned) > MAX_LENGTH:
        raise BadBuilding(text)
    if cleaned.isascii() and cleaned.isdigit():  # not '❶' or '𑁙', which isdigit() accepts and int() refuses
        return f"{int(cleaned)}栋"
    if m := _NUMBERED.match(cleaned):
        number = m[1] if not m[1].isdigit() else str(int(m[1]))
        return f"{number}栋"
    return cleaned
