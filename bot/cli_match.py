"""`sanshe match` — match needs against a service catalogue file, for staff and for other tools.

Contract (other tools depend on it exactly):
    sanshe match --catalog FILE [--top N] [--json] [--stdin | TEXT ...]
Each TEXT argument is one need; with --stdin, each non-blank line is one need. With --json, one JSON
object per need and per line, in input order: {"query": ..., "matches": [{"service_id", "name",
"score", "reason"}]}, best first, at most N, only matches at or above the threshold ([] = nothing fits).
Exit status 2 for usage errors and for a catalogue with errors (each printed to stderr with its line).
"""

from __future__ import annotations

import argparse
import json
import sys
import unicodedata
from collections.abc import Iterable, Iterator
from pathlib import Path
from typing import TextIO

from bot.cli_db import CliError, in_transaction
from core.catalog import ServiceEntry, parse_catalog
from core.catalog_sync import load_entries
from core.matching import Match, Matcher, load_synonyms

EXIT_USAGE = 2


def register(sub: argparse._SubParsersAction) -> None:
    parser = sub.add_parser(
        "match",
        help="match needs against a service catalogue / 按需求匹配服务",
        description="Match residents' needs against a service catalogue CSV. 按居民需求匹配服务目录。",
    )
    parser.add_argument("--catalog", type=Path, help="catalogue CSV (default: the database) / 服务目录 CSV")
    parser.add_argument("--top", type=int, default=3, help="at most N matches per need (default 3)")
    parser.add_argument("--json", action="store_true", help="one JSON object per need and line")
    parser.add_argument("--stdin", action="store_true", help="read one need per line from standard input")
    parser.add_argument("--community", help="only services that serve this community / 只看本社区的服务")
    parser.add_argument("--synonyms", type=Path, help="extra synonym file for this deployment")
    parser.add_argument("--threshold", type=float, help="minimum score 0–100 (default: the engine's)")
    parser.add_argument("texts", nargs="*", metavar="TEXT", help="needs, one per argument")
    parser.set_defaults(func=run)


def _error(message: str) -> int:
    print(f"sanshe match: {message}", file=sys.stderr)
    return EXIT_USAGE


def run(args: argparse.Namespace) -> int:
    if args.stdin and args.texts:
        return _error("--stdin 与 TEXT 只能二选一 / use either --stdin or TEXT arguments, not both")
    if not args.stdin and not args.texts:
        return _error("请给出需求文本或 --stdin / give TEXT arguments or --stdin")
    if args.top < 1:
        return _error("--top 必须 ≥ 1 / --top must be at least 1")
    try:
        synonyms = load_synonyms(args.synonyms) if args.synonyms else None
        entries = _entries_from_file(args.catalog) if args.catalog else _entries_from_database()
    except OSError as exc:
        return _error(f"无法读取文件 / cannot read file: {exc}")
    except _Unusable as exc:
        return _error(str(exc))

    matcher = Matcher.build(entries, synonyms=synonyms, threshold=args.threshold)
    needs = _stdin_needs(sys.stdin) if args.stdin else iter(args.texts)
    for need in needs:
        matches = matcher.match(need, top=args.top, community=args.community)
        if args.json:
            print(json.dumps(_as_json(need, matches), ensure_ascii=False), flush=True)
        else:
            print(_as_table(need, matches), flush=True)
    return 0


class _Unusable(Exception):
    """The catalogue cannot be used; the message says why, in one line."""


def _entries_from_file(path: Path) -> list[ServiceEntry]:
    result = parse_catalog(path)
    for warning in result.warnings:
        print(f"警告 / warning: {warning}", file=sys.stderr)
    if not result.ok:
        for row_error in result.errors:
            print(f"{path}: {row_error}", file=sys.stderr)
        raise _Unusable(f"目录有 {len(result.errors)} 处错误 / the catalogue has {len(result.errors)} error(s)")
    return result.entries


def _entries_from_database() -> list[ServiceEntry]:
    """Without --catalog: the active services imported with `sanshe catalog import`."""
    try:
        entries = in_transaction(lambda tx, _settings: load_entries(tx, include_inactive=False))
    except CliError as exc:
        raise _Unusable(str(exc)) from exc
    if not entries:
        raise _Unusable("数据库里还没有服务，请先 sanshe catalog import / no services yet: run sanshe catalog import")
    return entries


def _stdin_needs(stream: TextIO) -> Iterator[str]:
    for line in stream:
        need = line.strip()
        if need:
            yield need


def _as_json(need: str, matches: Iterable[Match]) -> dict[str, object]:
    return {
        "query": need,
        "matches": [
            {"service_id": m.service_id, "name": m.name, "score": m.score, "reason": m.reason} for m in matches
        ],
    }


def display_width(text: str) -> int:
    """Terminal columns: Chinese and other wide characters take two."""
    return sum(2 if unicodedata.east_asian_width(ch) in "WF" else 1 for ch in text)


def _pad(text: str, width: int) -> str:
    return text + " " * max(0, width - display_width(text))


def _as_table(need: str, matches: list[Match]) -> str:
    lines = [f"需求 / need: {need}"]
    if not matches:
        lines.append("  （没有合适的服务 / no service fits）")
        return "\n".join(lines) + "\n"
    header = ("#", "编号 ID", "服务 Service", "分数 Score", "原因 Reason")
    rows = [(str(i), m.service_id, m.name, f"{m.score:.1f}", m.reason) for i, m in enumerate(matches, 1)]
    widths = [max(display_width(row[col]) for row in (header, *rows)) for col in range(len(header))]
    for row in (header, *rows):
        cells = [_pad(cell, widths[col]) for col, cell in enumerate(row)]
        lines.append(("  " + "  ".join(cells)).rstrip())
    return "\n".join(lines) + "\n"
