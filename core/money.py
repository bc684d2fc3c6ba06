"""Money as integer fen (分): parsed exactly from what staff type, formatted the Chinese way.

Amounts are never floats: "12.5万" is Decimal("12.5") × 10,000 yuan × 100 fen, and anything that would leave a
fraction of a fen ("0.001元") is refused rather than rounded, so the ledger holds exactly what was typed.
"""

from __future__ import annotations

import re
import unicodedata
from decimal import Decimal, Inexact, InvalidOperation, localcontext

FEN_PER_YUAN = 100
# One amount may not exceed 100 亿元: far above any street's or district's yearly fund, far below SQLite's limit,
# so a slip such as an extra row of zeros is refused instead of booked.
MAX_FEN = 10_000_000_000 * FEN_PER_YUAN

_UNITS = {"万": Decimal(10_000), "千": Decimal(1_000), "百": Decimal(100), "亿": Decimal(100_000_000)}
# A thousands separator (3,000 / 3，000 / 3 000 / 3_000 / 3'000) only between groups of three digits: "1,5万" is no
# amount (it is not 15万, nor 1.5万), and "3000 2" is 3000 followed by something else, never 30002.
_GROUPED = r"\d{1,3}(?:[,，_' ]\d{3})+"
_NUMBER = re.compile(
    rf"^(?P<sign>[-+]?)(?P<number>(?:{_GROUPED}|\d+)(?:\.\d+)?|\.\d+)(?P<unit>[万千百亿]?)(?P<yuan>元|块|圆)?$"
)
_SEPARATOR = re.compile(r"[,，_' ]")
_AROUND_WORDS = re.compile(r"\s*([万千百亿元块圆整])\s*")  # "5 万 元" is 5万元
MAX_TYPED = 40  # characters: far more than any real amount, so Decimal below always works exactly


class MoneyError(ValueError):
    """What is wrong with a typed amount; `key` is the message key that says so."""

    def __init__(self, key: str) -> None:
        super().__init__(key)
        self.key = key


def parse_fen(text: str, *, allow_zero: bool = False, allow_negative: bool = False) -> int:
    """'12.5万' → 12,500,000 fen; '¥3,000.50' → 300,050; '3000元' → 300,000. Raises MoneyError."""
    cleaned = unicodedata.normalize("NFKC", text or "").strip()  # full-width digits and ￥ become ASCII
    cleaned = cleaned.removeprefix("¥").removeprefix("RMB").removeprefix("人民币").strip().lstrip("¥")
    cleaned = _AROUND_WORDS.sub(r"\1", " ".join(cleaned.split())).removesuffix("整")
    cleaned = re.sub(r"^([-+]) ", r"\1", cleaned)
    if cleaned.endswith("元") and cleaned[-2:-1] in _UNITS:  # 12.5万元: the unit then 元
        cleaned = cleaned[:-1]
    match = _NUMBER.match(cleaned) if len(cleaned) <= MAX_TYPED else None
    if match is None:
        raise MoneyError("fund.money_unreadable")
    number = _SEPARATOR.sub("", match["number"])
    # At most MAX_TYPED digits times 10¹⁰: exact within 60 digits, so nothing is silently rounded away (the
    # default 28 digits would turn 1.00000000000000000000000000001万 into exactly 1万).
    with localcontext(prec=60, traps=[Inexact, InvalidOperation]):
        try:
            value = Decimal(number) * _UNITS.get(match["unit"], Decimal(1)) * FEN_PER_YUAN
        except (InvalidOperation, Inexact) as exc:  # pragma: no cover - the pattern and length keep it exact
            raise MoneyError("fund.money_unreadable") from exc
    if match["sign"] == "-":
        value = -value
    if value != value.to_integral_value():
        raise MoneyError("fund.money_fraction_of_fen")
    fen = int(value)
    if fen < 0 and not allow_negative:
        raise MoneyError("fund.money_negative")
    if fen == 0 and not allow_zero:
        raise MoneyError("fund.money_zero")
    if abs(fen) > MAX_FEN:
        raise MoneyError("fund.money_too_large")
    return fen


def split_amount(text: str) -> tuple[int, str]:
    """The amount at the start of `text` and the words after it: the longest run of leading words that reads as
    an amount ("5 万元 首批" → 50,000元 and "首批"), so an amount written with spaces is never cut short."""
    words = text.split()
    first_error: MoneyError | None = None
    for count in range(min(len(words), 6), 0, -1):
        try:
            return parse_fen(" ".join(words[:count])), " ".join(words[count:])
        except MoneyError as exc:
            first_error = exc if count == 1 else first_error
    raise first_error or MoneyError("fund.money_unreadable")


def format_fen(fen: int) -> str:
    """12,345,600 fen → '¥123,456.00' (negative: '-¥1.00')."""
    sign = "-" if fen < 0 else ""
    yuan, cents = divmod(abs(fen), FEN_PER_YUAN)
    return f"{sign}¥{yuan:,}.{cents:02d}"


def format_wan(fen: int) -> str:
    """12,345,600 fen → '12.35万元'; below 1万元 the plain yuan ('3,000.50元'). For headlines; tables keep fen exact."""
    sign = "-" if fen < 0 else ""
    fen = abs(fen)
    if fen >= 10_000 * FEN_PER_YUAN:
        wan = (Decimal(fen) / (10_000 * FEN_PER_YUAN)).quantize(Decimal("0.01"))
        return f"{sign}{wan.normalize():f}万元" if wan == wan.to_integral_value() else f"{sign}{wan}万元"
    yuan, cents = divmod(fen, FEN_PER_YUAN)
    return f"{sign}{yuan:,}元" if cents == 0 else f"{sign}{yuan:,}.{cents:02d}元"


YUAN_FORMAT = "#,##0.00"  # the spreadsheet shows yuan with both decimals (3,000.50), however Excel stores them


def yuan_cell(fen: int) -> float:
    """For a spreadsheet cell: yuan with two decimals (the fen are exact up to 2⁵³, far above MAX_FEN); the
    column's number format (YUAN_FORMAT) shows both decimals."""
    return fen / FEN_PER_YUAN
