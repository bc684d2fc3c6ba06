"""Translations from gettext `.po` catalogues under `locales/<locale>/LC_MESSAGES/sanshe.po`.

Messages are addressed by key (`msgid "consent.prompt"`) with Python brace placeholders (`{name}`), which
gettext tools (Poedit, Weblate) know as python-brace-format. Catalogues are read once at start-up with
Babel and kept as plain dicts; a missing catalogue or a broken file fails start-up loudly.
Babel also gives dates, times and numbers the local way (2026年11月28日 10:16 for zh_CN).
"""

from __future__ import annotations

import logging
import string
import unicodedata
from collections.abc import Iterable, Mapping
from dataclasses import dataclass
from datetime import date, datetime
from pathlib import Path
from zoneinfo import ZoneInfo

from babel.dates import format_date, format_interval, format_skeleton, format_time
from babel.messages.pofile import read_po
from babel.numbers import format_decimal, format_percent

DOMAIN = "sanshe"
log = logging.getLogger(__name__)


class CatalogueError(RuntimeError):
    pass


def load_catalogue(path: Path) -> dict[str, str]:
    with path.open("rb") as handle:
        catalog = read_po(handle, abort_invalid=True)
    messages: dict[str, str] = {}
    for message in catalog:
        if not message.id or not isinstance(message.id, str):
            continue  # the header entry, or a plural form we do not use
        if not isinstance(message.string, str) or not message.string:
            raise CatalogueError(f"{path}: {message.id!r} has no translation")
        messages[message.id] = message.string
    return messages


def placeholders(text: str) -> set[str]:
    return {field for _, field, _, _ in string.Formatter().parse(text) if field}


def fold(text: str) -> str:
    return "".join(ch for ch in unicodedata.normalize("NFKC", text).casefold() if ch.isalnum())


@dataclass(frozen=True)
class Translator:
    """Everything a handler needs to speak one language."""

    locale: str
    messages: Mapping[str, str]
    fallback: Mapping[str, str]
    tz: ZoneInfo

    def __call__(self, key: str, /, **values: object) -> str:
        template = self.messages.get(key)
        if template is None:
            log.error("missing %s translation for %r", self.locale, key)
            template = self.fallback.get(key, key)
        return template.format(**values) if values else template

    def datetime(self, value: datetime) -> str:
        local = value.astimezone(self.tz)
        date = format_date(local, "long", locale=self.locale)
        return f"{date} {format_time(local, 'short', locale=self.locale)}"

    def number(self, value: float) -> str:
        return format_decimal(value, locale=self.locale)

    def percent(self, value: float) -> str:
        return format_percent(value, locale=self.locale)

    def date(self, value: datetime) -> str:
        return format_date(value.astimezone(self.tz), "long", locale=self.locale)

    def day(self, value: date, skeleton: str = "MMMd") -> str:
        """A calendar day, short: 11月23日 / Nov 23 (a Babel skeleton: "EEE" gives 周一 / Mon)."""
        return format_skeleton(skeleton, value, locale=self.locale)

    def days(self, first: date, last: date, skeleton: str = "MMMd") -> str:
        """A span of days without repeating what both ends share: 11月23日至29日 / Nov 23 – 29."""
        return format_interval(first, last, skeleton, locale=self.locale)


class I18n:
    def __init__(self, catalogues: Mapping[str, Mapping[str, str]], default_locale: str, tz: ZoneInfo) -> None:
        if default_locale not in catalogues:
            raise CatalogueError(f"default locale {default_locale!r} has no catalogue")
        self.catalogues = dict(catalogues)
        self.default_locale = default_locale
        self.tz = tz

    @classmethod
    def load(cls, directory: Path, default_locale: str, tz: ZoneInfo) -> I18n:
        files = sorted(directory.glob(f"*/LC_MESSAGES/{DOMAIN}.po"))
        if not files:
            raise CatalogueError(f"no catalogues found under {directory}")
        catalogues = {path.parent.parent.name: load_catalogue(path) for path in files}
        return cls(catalogues, default_locale, tz)

    @property
    def locales(self) -> list[str]:
        # The default language first, the rest in a stable order.
        return sorted(self.catalogues, key=lambda loc: (loc != self.default_locale, loc))

    def translator(self, locale: str | None) -> Translator:
        chosen = locale if locale in self.catalogues else self.default_locale
        return Translator(chosen, self.catalogues[chosen], self.catalogues[self.default_locale], self.tz)

    def guess_locale(self, language_code: str | None) -> str:
        """Telegram sends IETF tags like zh-hans or en-GB; map them onto our catalogues."""
        if language_code:
            tag = language_code.replace("-", "_").lower()
            for locale in self.locales:
                if tag == locale.lower() or tag.split("_")[0] == locale.lower().split("_")[0]:
                    return locale
        return self.default_locale

    def all_texts(self, key: str) -> set[str]:
        """The text of one key in every language: a reply-keyboard button may arrive in any of them."""
        return {messages[key] for messages in self.catalogues.values() if key in messages}

    def matches(self, key: str, text: str) -> bool:
        """Does typed text equal one of the `|`-separated variants of `key`, in any language?

        Emoji, spaces and punctuation are ignored, so "求助" matches the button "🙋 求助"."""
        wanted = fold(text)
        return bool(wanted) and any(
            fold(variant) == wanted for value in self.all_texts(key) for variant in value.split("|")
        )

    def keys(self, locale: str) -> Iterable[str]:
        return self.catalogues[locale].keys()
