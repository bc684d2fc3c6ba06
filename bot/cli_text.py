"""The command line's own words, from the same gettext catalogues as the bot's chat texts (keys `cli.…`).

Operators and staff read both languages, so the command line says things in Chinese first, then in English:
`both("cli.cannot_read")` gives "无法读取文件 / cannot read file". Only the catalogue files are read (no token,
no database): from the settings' `locales_dir`, or from its default when the settings themselves are broken,
so that even "invalid setting" can be said.
"""

from __future__ import annotations

from functools import cache
from pathlib import Path
from zoneinfo import ZoneInfo

from pydantic import ValidationError

from bot.config import Settings
from bot.i18n import I18n, Translator

# The languages of the command line, in the order a line says them.
OPERATOR_LOCALES = ("zh_CN", "en")


@cache
def cli_i18n() -> I18n:
    """The catalogues, read once; a missing or broken one raises CatalogueError like the bot's start-up."""
    try:
        settings = Settings()
        directory, tz = settings.locales_dir, settings.tz
    except ValidationError:  # the caller names each bad value; the words are still needed for that
        fields = Settings.model_fields
        directory, tz = Path(fields["locales_dir"].default), ZoneInfo(fields["timezone"].default)
    return I18n.load(directory, OPERATOR_LOCALES[0], tz)


def translator(locale: str) -> Translator:
    return cli_i18n().translator(locale)


def both(key: str, /, sep: str = " / ", **values: object) -> str:
    """`key` in every operator language, Chinese first, joined by `sep` (said once where they agree)."""
    texts = (translator(locale)(key, **values) for locale in OPERATOR_LOCALES)
    return sep.join(dict.fromkeys(texts))
