"""Make bot/data/fonts/NotoSansCJKscSanshe-Regular.otf, the chart font that ships inside the package.

The /report chart needs Chinese glyphs, and matplotlib has none. The full Noto Sans CJK SC Regular is 16 MB
(65,535 glyphs for Chinese, Japanese and Korean); a chart only ever writes simplified Chinese and English, so
we keep a subset and ship it under the same SIL Open Font License (OFL.txt beside it):

- printable ASCII, Latin-1, general punctuation (– — … “ ” ·), CJK symbols and punctuation, full-width forms;
- every character of GB2312 (its 6,763 hanzi and its symbols): the everyday simplified set;
- every character of the catalogues (locales/*/LC_MESSAGES/*.po) and of the shipped data (bot/data).

Characters outside this set (a rare hanzi in an organisation's name) fall back to a system Noto CJK font when
one is installed; see bot/charts.py. The family is renamed ("Noto Sans CJK SC Sanshe") so that matplotlib can never
confuse it with a system "Noto Sans CJK SC" of the same name: the chart's look does not depend on the host.

Regenerate (needs the source font, which is no longer a dependency):

    .venv/bin/pip install mplfonts==0.0.11 fonttools
    .venv/bin/python tools/subset_cjk_font.py                # writes the font, prints its size and count
    .venv/bin/python tools/subset_cjk_font.py --source PATH  # any NotoSansCJKsc-Regular.otf 1.004+

and run tests/unit/test_charts.py, which checks that every catalogue character is still covered.
"""

from __future__ import annotations

import argparse
import sys
from importlib.util import find_spec
from pathlib import Path

from fontTools import subset
from fontTools.ttLib import TTFont

ROOT = Path(__file__).resolve().parent.parent
TARGET = ROOT / "bot" / "data" / "fonts" / "NotoSansCJKscSanshe-Regular.otf"
FAMILY, POSTSCRIPT = "Noto Sans CJK SC Sanshe", "NotoSansCJKscSanshe-Regular"
RANGES = (
    (0x0020, 0x007E),  # ASCII
    (0x00A0, 0x00FF),  # Latin-1: ° · × and accented names
    (0x2000, 0x206F),  # general punctuation: – — ‘ ’ “ ” … ‰
    (0x2100, 0x218F),  # letter-like symbols and number forms: № ℃ Ⅰ
    (0x2190, 0x21FF),  # arrows
    (0x2460, 0x24FF),  # enclosed alphanumerics: ① ②
    (0x25A0, 0x25FF),  # geometric shapes: ● ○ ■ □ ▲
    (0x3000, 0x303F),  # CJK symbols and punctuation: 、 。 《 》 【 】
    (0xFF00, 0xFFEF),  # half- and full-width forms: （ ） ， ： ！ ？
)


def gb2312() -> set[str]:
    """Every character GB2312 encodes: rows 1–9 symbols, 16–55 level-1 hanzi, 56–87 level-2 hanzi."""
    chars = set()
    for high in range(0xA1, 0xF8):
        for low in range(0xA1, 0xFF):
            try:
                chars.add(bytes((high, low)).decode("gb2312"))
            except UnicodeDecodeError:
                continue
    return chars


def project_text() -> set[str]:
    paths = [*ROOT.glob("locales/*/LC_MESSAGES/*.po"), *(ROOT / "bot" / "data").rglob("*.csv")]
    return {ch for path in paths for ch in path.read_text(encoding="utf-8") if ch.isprintable()}


def wanted() -> set[str]:
    ranged = {chr(code) for first, last in RANGES for code in range(first, last + 1)}
    return ranged | gb2312() | project_text()


def default_source() -> Path:
    spec = find_spec("mplfonts")
    if spec is None or spec.origin is None:
        sys.exit("the source font comes from mplfonts: pip install mplfonts==0.0.11, or pass --source")
    return Path(spec.origin).parent / "fonts" / "NotoSansCJKsc-Regular.otf"


def rename(font: TTFont) -> None:
    """A modified OFL font gets its own name (and keeps the copyright, trademark and licence records)."""
    names = font["name"]
    for record in list(names.names):
        if record.nameID in (1, 3, 4, 6, 16, 17, 18, 21, 22):
            names.removeNames(nameID=record.nameID)
    for name_id, value in ((1, FAMILY), (2, "Regular"), (3, f"{POSTSCRIPT};subset-by-sanshe"),
                           (4, f"{FAMILY} Regular"), (6, POSTSCRIPT)):  # fmt: skip
        names.setName(value, name_id, 3, 1, 0x409)
        names.setName(value, name_id, 1, 0, 0)
    cff = font["CFF "].cff
    cff.fontNames = [POSTSCRIPT]
    top = cff.topDictIndex[0]
    top.FullName, top.FamilyName = f"{FAMILY} Regular", FAMILY


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--source", type=Path, help="NotoSansCJKsc-Regular.otf (default: mplfonts' copy)")
    parser.add_argument("--output", type=Path, default=TARGET)
    args = parser.parse_args()
    source = args.source or default_source()
    font = TTFont(source, recalcTimestamp=False)  # the same input gives the same bytes
    available = set(font.getBestCmap())
    codes = sorted(ord(ch) for ch in wanted() if ord(ch) in available)
    options = subset.Options()
    # fontTools' default layout features (kerning, ligatures, localized forms); vertical forms are not needed.
    # No hinting: matplotlib lets FreeType autohint anyway (text.hinting), and it saves half a megabyte.
    options.hinting = False
    options.name_IDs = ["*"]
    options.name_languages = ["*"]
    options.notdef_outline = True  # a missing character shows a box, not nothing
    options.desubroutinize = False
    subsetter = subset.Subsetter(options)
    subsetter.populate(unicodes=codes)
    subsetter.subset(font)
    rename(font)
    args.output.parent.mkdir(parents=True, exist_ok=True)
    font.save(args.output)
    hanzi = sum(0x4E00 <= code <= 0x9FFF for code in codes)
    size = args.output.stat().st_size
    print(f"{args.output}: {len(codes)} characters ({hanzi} hanzi), {size:,} bytes ({size / 2**20:.2f} MiB)")
    return 0


if __name__ == "__main__":
    sys.exit(main())
