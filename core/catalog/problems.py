"""What is wrong with a catalogue file, as locale keys with values, never as finished sentences.

Core has no translations: the chat renders a problem in the person's language (`render(turn.t)`), the command
line in both of its languages. Every key lives in locales/*/LC_MESSAGES/sanshe.po under `catalog.`.
"""

from __future__ import annotations

from collections.abc import Callable, Mapping
from dataclasses import dataclass, field

# A translator: key and values in, one sentence out (bot.i18n.Translator is one).
Translate = Callable[..., str]


@dataclass(frozen=True)
class Problem:
    key: str
    values: Mapping[str, object] = field(default_factory=dict)

    def render(self, t: Translate) -> str:
        return t(self.key, **self.values)


@dataclass(frozen=True)
class RowError:
    """Everything wrong with one row, by the row number the person sees: the physical line of a CSV (the header
    is line 1 unless title rows come first) or the Excel row."""

    line: int
    problems: tuple[Problem, ...]

    @classmethod
    def of(cls, line: int, key: str, **values: object) -> RowError:
        return cls(line, (Problem(key, values),))

    @property
    def keys(self) -> tuple[str, ...]:
        return tuple(p.key for p in self.problems)

    def reason(self, t: Translate) -> str:
        return t("catalog.separator").join(p.render(t) for p in self.problems)

    def render(self, t: Translate) -> str:
        """e.g. "第 5 行：服务名称为空" / "row 5: the service name is empty"."""
        return t("catalog.row", line=self.line, reason=self.reason(t))
