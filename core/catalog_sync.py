"""Bringing a parsed catalogue file into the database, and reading the catalogue back.

An import is planned first (`plan_import`: read-only, says what would be added, updated, deactivated and
created, and what stops it) and then applied (`apply_plan`) in the same transaction, so it is all or nothing.
Re-import upserts by service_id; a service missing from the new file is deactivated, never deleted (requests and
statistics refer to it); a service's `active` is what the file says, never reset. Categories and organisations
named in the file are created; a community that is not known is an error with the nearest known names, unless
the import is told to create communities.

Who imports decides what the file may touch (its *scope*):
- the command line and an administrator in the chat: the whole city (scope None);
- community staff in the chat: their own community only. A row's 社区 cell must be blank (it then means their
  community) or name their community (in any spelling community_search folds: 阳光, 阳光社区居委会); a row that
  names any other community, or whose service_id belongs to a service that is not their community's alone (a
  neighbour's, or one shared by several communities), is an error on that row; and only their community's own
  services are deactivated when missing from the file.
"""

from __future__ import annotations

import dataclasses
import hashlib
import secrets
from collections.abc import Collection, Mapping, Sequence
from dataclasses import dataclass, field, fields
from datetime import datetime
from typing import Any

from core.catalog import (
    CatalogParseResult,
    Problem,
    RowError,
    ServiceEntry,
    Translate,
    category_by_code,
    category_key,
    parse_catalog_bytes,
    parse_catalog_xlsx_bytes,
)
from core.community_setup import SetupError, check_name, nearest, same_community
from core.people import STAFF
from storage.protocols import UnitOfWork
from storage.records import CategoryRecord, Community, ServiceRecord

# A file sent in the chat: what the bot reads at most (the command line has no limit).
MAX_UPLOAD_BYTES = 2 * 1024 * 1024
MAX_UPLOAD_ROWS = 5000
UPLOAD_TYPES = (".csv", ".xlsx")


class CatalogChanged(RuntimeError):
    """The catalogue changed between planning an import and applying it: plan again."""


class ImportRefused(ValueError):
    """The plan has errors or unknown communities; nothing was written."""

    def __init__(self, plan: ImportPlan) -> None:
        super().__init__("catalogue import refused")
        self.plan = plan


@dataclass(frozen=True)
class UnknownCommunity:
    name: str
    lines: tuple[int, ...]  # the file's rows that name it
    nearest: tuple[str, ...]  # known communities spelled most like it, best first

    MAX_LINES_NAMED = 10

    def render(self, t: Translate) -> str:
        """ "未知社区“火星社区”（第 3、5 行），最接近的已有社区：…" in the language of `t`."""
        join = t("catalog.list_join")
        lines = [str(line) for line in self.lines if line]
        rows = join.join(lines[: self.MAX_LINES_NAMED]) + ("…" if len(lines) > self.MAX_LINES_NAMED else "")
        if self.nearest:
            nearest = join.join(self.nearest)
            return t("catalog.unknown_community_nearest", community=self.name, lines=rows, nearest=nearest)
        return t("catalog.unknown_community", community=self.name, lines=rows)


@dataclass
class Changes:
    """What an import changes, by service id or name: planned (ImportPlan) or done (ImportReport)."""

    added: list[str] = field(default_factory=list)
    updated: list[str] = field(default_factory=list)
    unchanged: list[str] = field(default_factory=list)
    deactivated: list[str] = field(default_factory=list)
    new_organizations: list[str] = field(default_factory=list)
    new_communities: list[str] = field(default_factory=list)  # created on apply (the import was told to)
    new_categories: list[str] = field(default_factory=list)


@dataclass
class ImportPlan(Changes):
    version: int = 0  # the catalogue's version when planned (applying checks it is still the same)
    scope: str | None = None  # the one community the file may touch, or None for the whole city
    entries: list[ServiceEntry] = field(default_factory=list)  # as they will be stored
    unknown_communities: list[UnknownCommunity] = field(default_factory=list)
    errors: list[RowError] = field(default_factory=list)
    missing_categories: list[CategoryRecord] = field(default_factory=list)  # created on apply

    @property
    def ok(self) -> bool:
        return not self.errors and not self.unknown_communities

    @property
    def only_unknown_communities(self) -> bool:
        """Creating the unknown communities is all it would take."""
        return not self.errors and bool(self.unknown_communities)


@dataclass
class ImportReport(Changes):
    version: int = 0  # the catalogue's version after the import


def to_record(entry: ServiceEntry) -> ServiceRecord:
    # Communities are a set; sorting them makes an unchanged re-import compare equal to what is stored.
    return dataclasses.replace(ServiceRecord(**dataclasses.asdict(entry)), communities=tuple(sorted(entry.communities)))


def to_entry(record: ServiceRecord) -> ServiceEntry:
    values = {f.name: getattr(record, f.name) for f in dataclasses.fields(ServiceRecord)}
    return ServiceEntry(**values)


async def load_entries(uow: UnitOfWork, *, include_inactive: bool = True) -> list[ServiceEntry]:
    return [to_entry(r) for r in await uow.catalog.services(include_inactive=include_inactive)]


class _Categories:
    """The categories known to the database, and those a file adds, by every spelling."""

    def __init__(self, stored: Sequence[CategoryRecord]) -> None:
        self.codes = {c.code for c in stored}
        self.by_key: dict[str, str] = {}
        for category in stored:
            for spelling in (category.code, category.name_zh, category.name_en):
                self.by_key.setdefault(category_key(spelling), category.code)
        self.new: list[str] = []
        self.missing: list[CategoryRecord] = []

    def code(self, code: str) -> str:
        category = category_by_code(code)
        if category.builtin:
            if code not in self.codes:  # a built-in category newer than the database's seed
                self.codes.add(code)
                self.missing.append(CategoryRecord(code, category.zh, category.en, builtin=True))
            return code
        key = category_key(code)
        if key not in self.by_key:
            self.by_key[key] = code
            self.new.append(code)
            self.missing.append(CategoryRecord(code, code, code))
        return self.by_key[key]


async def plan_import(
    uow: UnitOfWork,
    entries: Sequence[ServiceEntry],
    *,
    lines: Mapping[str, int] | None = None,
    scope: Community | None = None,
    create_communities: bool = False,
) -> ImportPlan:
    """What importing `entries` would do, without writing anything. `lines` gives each service's row in the
    file (for errors); `scope` is the one community the file may touch (see the module's docstring)."""
    lines = lines or {}
    plan = ImportPlan(version=await uow.catalog.version(), scope=scope.name if scope else None)
    stored = {r.service_id: r for r in await uow.catalog.services(include_inactive=True)}
    known = list(await uow.communities.list_all())
    categories = _Categories(await uow.catalog.categories())
    organizations = await uow.catalog.organization_names()
    unknown: dict[str, list[int]] = {}
    for entry in entries:
        line = lines.get(entry.service_id, 0)
        problems: list[Problem] = []
        if scope is not None:
            communities = _own_communities(entry, scope, stored.get(entry.service_id), problems)
        else:
            communities = _communities(entry, known, create_communities, plan, unknown, line, problems)
        if problems:
            plan.errors.append(RowError(line, tuple(problems)))
            continue
        codes = list(dict.fromkeys(categories.code(code) for code in entry.categories))
        planned = dataclasses.replace(
            entry, category=codes[0], other_categories=tuple(codes[1:]), communities=tuple(communities)
        )
        plan.entries.append(planned)
        old = stored.get(entry.service_id)
        if old is None:
            plan.added.append(entry.service_id)
        elif old == to_record(planned):
            plan.unchanged.append(entry.service_id)
            continue
        else:
            plan.updated.append(entry.service_id)
        if entry.organization and entry.organization not in organizations:
            organizations.add(entry.organization)
            plan.new_organizations.append(entry.organization)
    in_file = {entry.service_id for entry in entries}
    plan.deactivated = [
        record.service_id
        for record in stored.values()
        if record.active and record.service_id not in in_file and (scope is None or record.communities == (scope.name,))
    ]
    plan.new_categories, plan.missing_categories = categories.new, categories.missing
    plan.unknown_communities = [
        UnknownCommunity(name, tuple(rows), tuple(nearest(known, name))) for name, rows in unknown.items()
    ]
    return plan


def _own_communities(
    entry: ServiceEntry, scope: Community, old: ServiceRecord | None, problems: list[Problem]
) -> list[str]:
    """A community's own import: blank means their community; any other community is refused."""
    for name in entry.communities:
        if same_community([scope], name) is None:
            problems.append(Problem("catalog.error.other_community", {"community": name, "own": scope.name}))
    if old is not None and old.communities != (scope.name,):
        problems.append(Problem("catalog.error.not_own_service", {"id": entry.service_id, "own": scope.name}))
    return [scope.name]


def _communities(
    entry: ServiceEntry,
    known: list[Community],
    create: bool,
    plan: ImportPlan,
    unknown: dict[str, list[int]],
    line: int,
    problems: list[Problem],
) -> list[str]:
    """The city's import: each name is a known community (in any spelling), else unknown or to be created."""
    names: list[str] = []
    for name in entry.communities:
        found = same_community(known, name)
        if found is not None:
            names.append(found.name)
            continue
        try:
            cleaned = check_name(name)
        except SetupError:
            problems.append(Problem("catalog.error.bad_community", {"community": name}))
            continue
        if create:
            known.append(Community(-1 - len(plan.new_communities), cleaned))  # later rows fold onto it
            plan.new_communities.append(cleaned)
        else:
            unknown.setdefault(cleaned, []).append(line)
        names.append(cleaned)
    return list(dict.fromkeys(names))


async def apply_plan(uow: UnitOfWork, plan: ImportPlan, now: datetime) -> ImportReport:
    """Write a plan made in this same transaction (or re-checked: CatalogChanged if the catalogue moved since)."""
    if not plan.ok:
        raise ImportRefused(plan)
    if await uow.catalog.version() != plan.version:
        raise CatalogChanged("the catalogue changed after the import was planned")
    for category in plan.missing_categories:
        await uow.catalog.add_category(category, now)
    for name in plan.new_communities:
        await uow.communities.add(name, now)
    changed = set(plan.added) | set(plan.updated)
    for entry in plan.entries:
        if entry.service_id in changed:
            await uow.catalog.upsert(to_record(entry), now)
    await uow.catalog.deactivate(plan.deactivated, now)
    done = {f.name: list(getattr(plan, f.name)) for f in fields(Changes)}
    # Every import moves the version, so each bot process's matcher (core.matcher_cache) sees it.
    return ImportReport(**done, version=await uow.catalog.bump_version())


async def import_entries(
    uow: UnitOfWork,
    entries: Sequence[ServiceEntry],
    now: datetime,
    *,
    lines: Mapping[str, int] | None = None,
    scope: Community | None = None,
    create_communities: bool = False,
) -> ImportReport:
    """Plan and apply in one go; ImportRefused (nothing written) when the plan has errors."""
    plan = await plan_import(uow, entries, lines=lines, scope=scope, create_communities=create_communities)
    return await apply_plan(uow, plan, now)


# --- A file sent in the chat -----------------------------------------------------------------------------------


def upload_type(file_name: str | None) -> str | None:
    """ ".csv" or ".xlsx" by the file's name (any case), or None for any other file."""
    name = (file_name or "").strip().lower()
    return next((file_type for file_type in UPLOAD_TYPES if name.endswith(file_type)), None)


def parse_upload(file_type: str, data: bytes) -> CatalogParseResult:
    """A catalogue sent in the chat, with the chat's row limit. Raises WorkbookError for a broken workbook."""
    if file_type == ".xlsx":
        return parse_catalog_xlsx_bytes(data, max_rows=MAX_UPLOAD_ROWS)
    return parse_catalog_bytes(data, max_rows=MAX_UPLOAD_ROWS)


def digest(data: bytes) -> str:
    return hashlib.sha256(data).hexdigest()[:32]


@dataclass(frozen=True)
class Importer:
    """Who may import in the chat, and what: `community` None is the whole city (an administrator)."""

    telegram_id: int
    community: Community | None


async def importer(uow: UnitOfWork, telegram_id: int, admin_ids: Collection[int]) -> Importer | None:
    """An administrator (SANSHE_ADMIN_IDS) imports for the city; community staff for their community; anyone else
    may not import (None)."""
    if telegram_id in admin_ids:
        return Importer(telegram_id, None)
    community_id = await uow.users.role_community(telegram_id, STAFF)
    community = await uow.communities.get(community_id) if community_id is not None else None
    return Importer(telegram_id, community) if community is not None else None


@dataclass(frozen=True)
class PendingImport:
    """A previewed file waiting for 确认导入, kept in the chat's dialog data: small, since the file is fetched
    again on confirmation and must still have the same digest."""

    token: str  # in the preview's buttons, so that an older preview's buttons cannot confirm this one
    file_id: str
    file_name: str
    file_type: str
    digest: str
    version: int  # the catalogue's version at the preview

    KEY = "catalog_import"

    @classmethod
    def new(cls, file_id: str, file_name: str, file_type: str, file_digest: str, version: int) -> PendingImport:
        return cls(secrets.token_hex(4), file_id, file_name[:100], file_type, file_digest, version)

    def renewed(self, version: int) -> PendingImport:
        """The same file previewed again against the catalogue at `version`, with a new token."""
        return dataclasses.replace(self, token=secrets.token_hex(4), version=version)

    def to_data(self) -> dict[str, Any]:
        return {self.KEY: dataclasses.asdict(self)}

    @classmethod
    def from_data(cls, data: Mapping[str, Any]) -> PendingImport | None:
        """The pending import in dialog data, or None (none, or not one we wrote)."""
        raw = data.get(cls.KEY)
        if not isinstance(raw, dict):
            return None
        try:
            pending = cls(**raw)
        except TypeError:
            return None
        texts = (pending.token, pending.file_id, pending.file_name, pending.file_type, pending.digest)
        if not all(isinstance(v, str) for v in texts) or not isinstance(pending.version, int):
            return None
        return pending
