"""Supply and demand per community and category (issue 15, point 3): which community lacks which service.

Demand is the period's requests (and how many of them went unmet: no service fitted, nobody took it, or time
ran out); supply is what is registered now: active services for the community, and on-duty providers who serve
the community and offer one of them. A community lacks a category when some of its needs there went unmet, or
when residents asked and nobody available offers it. The list is ranked by the gap: unmet needs first, then
needs per available provider, so the worst-covered place heads it.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from dataclasses import dataclass

from storage.street_records import Demand, Supply


@dataclass(frozen=True)
class Cell:
    community_id: int
    name: str
    category: str | None  # None: needs no service fitted
    filed: int
    unmet: int
    services: int
    providers: int

    @property
    def lacking(self) -> bool:
        return self.unmet > 0 or (self.filed > 0 and self.providers == 0)

    @property
    def gap(self) -> int:
        """Needs this place could not cover: the unmet ones, or all of them where no provider is available."""
        return max(self.unmet, self.filed if self.providers == 0 else 0)

    @property
    def load(self) -> float:
        """Needs per available provider (all of them when there is none)."""
        return self.filed / self.providers if self.providers else float(self.filed)


def table(names: Mapping[int, str], demand: Sequence[Demand], supply: Sequence[Supply]) -> list[Cell]:
    """Every community × category with demand or supply, by community name then category."""
    cells: dict[tuple[int, str | None], list[int]] = {}
    for d in demand:
        cell = cells.setdefault((d.community_id, d.category), [0, 0, 0, 0])
        cell[0] += d.filed
        cell[1] += d.unmet
    for s in supply:
        cell = cells.setdefault((s.community_id, s.category), [0, 0, 0, 0])
        cell[2] += s.services
        cell[3] += s.providers
    return sorted(
        (Cell(cid, names.get(cid, ""), category, *values) for (cid, category), values in cells.items() if cid in names),
        key=lambda c: (c.name, c.community_id, c.category is None, c.category or ""),
    )


def shortages(cells: Sequence[Cell]) -> list[Cell]:
    """The places that lack a service, the largest gap first."""
    return sorted(
        (c for c in cells if c.lacking),
        key=lambda c: (-c.gap, -c.load, c.providers, c.name, c.category or ""),
    )
