"""Translations from gettext `.po` catalogues under `locales/<locale>/LC_MESSAGES/sanshe.po`.

Messages are addressed by key (`msgid "consent.prompt"`) with Python brace placeholders (`{name}`), which
gettext tools (Poedit, Weblate) know as python-brace-format. Catalogues are read once at start-up with
Babel and kept as plain dicts; a missing catalogue or a broken file fails start-up loudly.
Babel also gives dates, times and numbers the local way (2026年11月28日 10:16 for zh_CN).

Messages that show a count have plural forms, gettext's way: `msgid "key"`, `msgid_plural "key"` and one
`msgstr[i]` per form of the language (Chinese has one, English two). Which form a number takes is the catalogue's
`Plural-Forms` header or, without one, Babel's plural rule for the catalogue's language; `t.plural(key, n, …)` says
it (gettext's ngettext).
"""

from __future__ import annotations

import functools
import gettext
import logging
import string
import unicodedata
from collections.abc import Callable, Iterable, Mapping
from dataclasses import dataclass, field
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


PluralRule = Callable[[int], int]  # a number → the index of its plural form (gettext's `plural=` expression)


def _one_form(n: int) -> int:
    return 0


@dataclass(frozen=True)
class Catalogue:
    """One language: its plain messages, its messages with plural forms, and which form a number takes."""

    messages: dict[str, str]
    plurals: dict[str, tuple[str, ...]] = field(default_factory=dict)
    num_plurals: int = 1
    plural_expr: str = "0"

    @functools.cached_property
    def plural_index(self) -> PluralRule:
        return gettext.c2py(self.plural_expr)


def read_catalogue(path: Path) -> Catalogue:
    with path.open("rb") as handle:
        catalog = read_po(handle, abort_invalid=True)
    messages: dict[str, str] = {}
    plurals: dict[str, tuple[str, ...]] = {}
    for message in catalog:
        if not message.id:
            continue  # the header entry
        if isinstance(message.id, str):
            if not isinstance(message.string, str) or not message.string:
                raise CatalogueError(f"{path}: {message.id!r} has no translation")
            messages[message.id] = message.string
            continue
        key = message.id[0]
        forms = tuple(message.string) if isinstance(message.string, tuple | list) else (message.string,)
        if len(forms) != catalog.num_plurals or not all(forms):
            raise CatalogueError(f"{path}: {key!r} needs {catalog.num_plurals} plural form(s), all translated")
        plurals[key] = forms
    return Catalogue(messages, plurals, catalog.num_plurals, catalog.plural_expr)


def load_catalogue(path: Path) -> dict[str, str]:
    return read_catalogue(path).messages


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
    plurals: Mapping[str, tuple[str, ...]] = field(default_factory=dict)
    plural_index: PluralRule = _one_form
    fallback_plurals: Mapping[str, tuple[str, ...]] = field(default_factory=dict)
    fallback_index: PluralRule = _one_form
    # The person's channel ("wechat"), when it needs other words: "key@wechat" is said instead of "key" where
    # the catalogue has it (WeChat has no button that shares a phone number, say). Empty: Telegram.
    channel: str = ""

    def __call__(self, key: str, /, **values: object) -> str:
        template = self.messages.get(f"{key}@{self.channel}") if self.channel else None
        template = template if template is not None else self.messages.get(key)
        if template is None:
            log.error("missing %s translation for %r", self.locale, key)
            template = self.fallback.get(key, key)
        return template.format(**values) if values else template

    def plural(self, key: str, n: int, /, **values: object) -> str:
        """The form of `key` that goes with the number `n` (ngettext): "1 person" / "3 people"; Chinese has one
        form. `n` only chooses the form: pass the number to show among `values` (formatted, e.g. t.number(n))."""
        forms, index = self.plurals.get(key), self.plural_index
        if forms is None:
            log.error("missing %s plural translation for %r", self.locale, key)
            forms, index = self.fallback_plurals.get(key, (key,)), self.fallback_index
        template = forms[min(max(index(abs(n)), 0), len(forms) - 1)]
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
    def __init__(
        self, catalogues: Mapping[str, Mapping[str, str]], default_locale: str, tz: ZoneInfo,
        plurals: Mapping[str, Catalogue] | None = None,
    ) -> None:  # fmt: skip
        if default_locale not in catalogues:
            raise CatalogueError(f"default locale {default_locale!r} has no catalogue")
        self.catalogues = dict(catalogues)
        self.default_locale = default_locale
        self.tz = tz
        # Per language: the messages with plural forms and the rule that picks one (see Translator.plural).
        self.plural_catalogues = {locale: (plurals or {}).get(locale) or Catalogue({}) for locale in catalogues}

    @classmethod
    def load(cls, directory: Path, default_locale: str, tz: ZoneInfo) -> I18n:
        files = sorted(directory.glob(f"*/LC_MESSAGES/{DOMAIN}.po"))
        if not files:
            raise CatalogueError(f"no catalogues found under {directory}")
        read = {path.parent.parent.name: read_catalogue(path) for path in files}
        return cls({locale: c.messages for locale, c in read.items()}, default_locale, tz, read)

    @property
    def locales(self) -> list[str]:
        # The default language first, the rest in a stable order.
        return sorted(self.catalogues, key=lambda loc: (loc != self.default_locale, loc))

    def translator(self, locale: str | None, channel: str = "") -> Translator:
        chosen = locale if locale in self.catalogues else self.default_locale
        own, default = self.plural_catalogues[chosen], self.plural_catalogues[self.default_locale]
        return Translator(chosen, self.catalogues[chosen], self.catalogues[self.default_locale], self.tz,
                          own.plurals, own.plural_index, default.plurals, default.plural_index, channel)  # fmt: skip

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

    def plural_keys(self, locale: str) -> Iterable[str]:
        """The keys of the messages with plural forms (`t.plural`), which `keys` does not list."""
        return self.plural_catalogues[locale].plurals.keys()
