"""Example needs in residents' words, grouped by what they ask for (data/examples.txt), and messages that ask
for nothing (data/not_needs.txt).

Residents do not talk like a notice board: "钥匙锁在屋里了，进不去门" never says 开锁. So a message is also
compared with examples of how people ask for each kind of help. A section of examples is a *concept* (开锁换锁)
with its category and the official words a catalogue may use for it; it is tied to whichever services of a
catalogue offer it when that catalogue is loaded (semantic.py), so the bank serves any community's catalogue.
A section may also name service ids (`services: S020, S021`): its examples then belong to those services.

Format (UTF-8 text; staff may add sections and lines, and a deployment may add a file of its own):

    [开锁换锁]
    category: 家政维修
    terms: 开锁、换锁、锁芯
    services: S020            (optional)
    钥匙锁在屋里了，进不去门
    ...

not_needs.txt has the same shape with a kind per section ([greeting], [thanks], [remark_service] …) and no
header lines: greetings, thanks, small talk and remarks that name a service without asking for it.
"""

from __future__ import annotations

import hashlib
from collections.abc import Callable, Iterable
from dataclasses import dataclass, replace
from functools import cache
from pathlib import Path

from core.catalog import split_list
from core.matching.normalize import DATA_DIR

EXAMPLES_FILE = DATA_DIR / "examples.txt"
NOT_NEEDS_FILE = DATA_DIR / "not_needs.txt"
_HEADER_KEYS = ("category", "terms", "services")
# Beside the catalogue's list separators (core.catalog.split_list), commas and | (lists typed by hand).
_MORE_SEPARATORS = str.maketrans({",": "、", "，": "、", "|": "、"})


@dataclass(frozen=True)
class Section:
    name: str
    category: str
    terms: tuple[str, ...]
    services: tuple[str, ...]
    examples: tuple[str, ...]


def _split(value: str) -> tuple[str, ...]:
    return split_list(value.translate(_MORE_SEPARATORS))


def parse_sections(text: str) -> list[Section]:
    sections: list[Section] = []
    name: str | None = None
    header: dict[str, str] = {}
    examples: list[str] = []

    def close() -> None:
        if name is not None and examples:
            sections.append(
                Section(
                    name,
                    header.get("category", ""),
                    _split(header.get("terms", "")),
                    _split(header.get("services", "")),
                    tuple(dict.fromkeys(examples)),
                )
            )

    for raw in text.splitlines():
        line = raw.strip()
        if not line or line.startswith("#"):
            continue
        if line.startswith("[") and line.endswith("]"):
            close()
            name, header, examples = line[1:-1].strip(), {}, []
            continue
        key, colon, value = line.replace("：", ":", 1).partition(":")
        if colon and key.strip().lower() in _HEADER_KEYS and not examples:
            header[key.strip().lower()] = value.strip()
        elif name is not None:
            examples.append(line)
    close()
    return sections


@dataclass(frozen=True)
class ExampleBank:
    concepts: tuple[Section, ...]
    not_needs: tuple[Section, ...]

    @property
    def example_texts(self) -> list[str]:
        return [e for c in self.concepts for e in c.examples]

    @property
    def not_need_texts(self) -> list[str]:
        return [e for s in self.not_needs for e in s.examples]

    def fingerprint(self) -> str:
        """Changes whenever any text that gets encoded changes (for the shipped vectors, semantic.py)."""
        digest = hashlib.sha256()
        for text in (*self.example_texts, "\x00", *self.not_need_texts, "\x00", *self.concept_labels()):
            digest.update(text.encode("utf-8") + b"\n")
        return digest.hexdigest()[:16]

    def folded(self, fold: Callable[[str], str]) -> ExampleBank:
        """The same bank read as the engine reads a message (dialect and slips folded, dialect.py)."""

        def each(section: Section) -> Section:
            return replace(section, examples=tuple(fold(e) for e in section.examples))

        return ExampleBank(tuple(map(each, self.concepts)), tuple(map(each, self.not_needs)))

    def concept_labels(self) -> list[str]:
        """What a catalogue would call each concept: its name and official words."""
        return [" ".join((c.name, *c.terms)) for c in self.concepts]


def _read(paths: Iterable[Path]) -> list[Section]:
    """Sections of these files; sections of one name (in one file or several) are merged into the first."""
    merged: dict[str, Section] = {}
    for path in paths:
        # utf-8-sig: a BOM (Notepad's UTF-8) would hide the first section's "[name]" line, and so the section.
        for section in parse_sections(path.read_text(encoding="utf-8-sig")):
            first = merged.get(section.name)
            if first is None:
                merged[section.name] = section
                continue
            merged[section.name] = Section(
                first.name,
                first.category or section.category,
                tuple(dict.fromkeys((*first.terms, *section.terms))),
                tuple(dict.fromkeys((*first.services, *section.services))),
                tuple(dict.fromkeys((*first.examples, *section.examples))),
            )
    return list(merged.values())


@cache
def default_bank() -> ExampleBank:
    return load_bank()


def load_bank(extra_examples: Path | None = None, extra_not_needs: Path | None = None) -> ExampleBank:
    examples = [EXAMPLES_FILE] + ([extra_examples] if extra_examples else [])
    not_needs = [NOT_NEEDS_FILE] + ([extra_not_needs] if extra_not_needs else [])
    concepts = _read(p for p in examples if p.is_file())
    return ExampleBank(tuple(concepts), tuple(_read(p for p in not_needs if p.is_file())))
