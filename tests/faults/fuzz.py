"""The fuzz: for one dialog step, hypothesis draws hostile inputs; each goes to a fresh person of the role that
reaches the step, put into the step as the real flow left it (scenarios.py). The property, per input: no traceback
is logged while the bot handles it (and the /help after it), and the chat still answers /help.

Failures are collected rather than raised, so that one run lists every distinct crash instead of stopping (and
shrinking) at the first; the caller asserts on the list. Used by tests/faults/test_fuzz.py and bench/faults.py.
"""

from __future__ import annotations

import zlib
from dataclasses import dataclass, field
from typing import Any

from hypothesis import HealthCheck, Phase, given, seed, settings
from hypothesis import strategies as st

from core.dialog import State
from tests.faults.harness import Crash, Input, Probe, ThreadedStand, distinct
from tests.faults.inputs import callback_prefixes, hostile_input
from tests.faults.scenarios import Atlas, Recorded, live_data


@dataclass
class FuzzResult:
    inputs: int = 0
    not_sent: int = 0  # inputs the sandbox itself refused, as Telegram would (they never reach the bot)
    failures: list[Probe] = field(default_factory=list)

    @property
    def crashes(self) -> list[Crash]:
        return [c for p in self.failures for c in p.crashes]

    @property
    def dead_chats(self) -> list[Probe]:
        return [p for p in self.failures if not p.answered_help or p.hung]

    def merge(self, other: FuzzResult) -> None:
        self.inputs += other.inputs
        self.not_sent += other.not_sent
        self.failures += other.failures

    def report(self, limit: int = 40) -> str:
        lines = [f"{self.inputs} inputs, {len(self.failures)} failed"]
        for crash in distinct(self.crashes)[:limit]:
            lines.append("  crash: " + crash.line())
        for probe in self.dead_chats[:limit]:
            lines.append(f"  no answer to /help{' (hung)' if probe.hung else ''} after: {probe.label}")
        return "\n".join(lines)


def variants(atlas: Atlas, state: State) -> list[Recorded]:
    return [r for r in atlas.scenarios() if r.state is state]


def fuzz_state(
    ts: ThreadedStand, atlas: Atlas, state: State, examples: int, *, rng_seed: int | None = None
) -> FuzzResult:
    """Run `examples` hypothesis-drawn inputs against every recorded variant of `state`. Deterministic: the seed is
    `rng_seed` (bench) or derived from the step's name (tests), so that each step gets its own inputs."""
    result = FuzzResult()
    chosen = variants(atlas, state)
    if not chosen or examples <= 0:
        return result
    prefixes = callback_prefixes(ts.stand.r.app)
    strategy = hostile_input(atlas, prefixes)
    salt = zlib.crc32(state.value.encode())

    @seed(salt if rng_seed is None else zlib.crc32(f"{rng_seed}:{state.value}".encode()))
    @settings(
        derandomize=True,  # a fixed seed (the @seed above): the same inputs on every run
        database=None,
        deadline=None,
        max_examples=examples,
        phases=[Phase.explicit, Phase.generate],  # failures are collected, not shrunk (see module doc)
        suppress_health_check=list(HealthCheck),
        report_multiple_bugs=False,
    )
    @given(scenario=st.sampled_from(chosen), inp=strategy)
    def run(scenario: Recorded, inp: Input) -> None:
        label = f"[{scenario.name} as {scenario.role}] {inp.label()}"

        async def prepare(user_id: int) -> dict[str, Any]:
            return await live_data(ts.stand, atlas, scenario, user_id)

        probe = ts.run(
            ts.stand.probe(
                scenario.role, scenario.state, scenario.data, inp, label, prepare if scenario.live else None
            ),
            timeout=60,
        )
        result.inputs += 1
        result.not_sent += probe.not_sent is not None
        if not probe.ok:
            result.failures.append(probe)

    run()
    return result


def fuzz_all(ts: ThreadedStand, atlas: Atlas, per_state: int, *, rng_seed: int | None = None) -> FuzzResult:
    total = FuzzResult()
    for state in State:
        total.merge(fuzz_state(ts, atlas, state, per_state, rng_seed=rng_seed))
    return total
