"""An independent model of the funds ledger for tests: plain balances per account, kept by the rules as the issue
states them, never by reading the ledger. A test does the same movement on the model and on core.funds and
compares: the same refusals, the same balance on every account."""

from __future__ import annotations

from collections import defaultdict


class LedgerModel:
    def __init__(self, budgets: dict[int, int], serves: dict[int, tuple[int, ...]]) -> None:
        self.budgets, self.serves = budgets, serves  # project id → budget in fen / the communities it serves
        self.balances: dict[str, int] = defaultdict(int)

    def nonzero(self) -> dict[str, int]:
        return {k: v for k, v in self.balances.items() if v}

    def _book(self, source: str, target: str, amount: int) -> None:
        self.balances[source] -= amount
        self.balances[target] += amount

    def fund_in(self, amount: int) -> str | None:
        self._book("source", "pool", amount)
        return None

    def move(self, source: str, target: str, amount: int) -> str | None:
        """The key of the refusal expected, or None (and the movement applied)."""
        kinds = {a.split(":")[0]: int(a.split(":")[1]) for a in (source, target) if ":" in a}
        if "community" in kinds and "project" in kinds and kinds["community"] not in self.serves[kinds["project"]]:
            return "fund.community_not_served"
        if self.balances[source] < amount:
            return "fund.not_enough"
        if "project" in kinds and target.startswith("project:"):
            project = kinds["project"]
            if self.balances[target] + self.balances[f"spent:{project}"] + amount > self.budgets[project]:
                return "fund.over_budget"
        self._book(source, target, amount)
        return None

    def spend(self, project: int, amount: int) -> str | None:
        if self.balances[f"project:{project}"] < amount:
            return "fund.not_enough"
        self._book(f"project:{project}", f"spent:{project}", amount)
        return None

    @property
    def funded(self) -> int:
        return -self.balances["source"]

    def allocated(self, project: int) -> int:
        return self.balances[f"project:{project}"] + self.balances[f"spent:{project}"]
