"""Nothing breaks a dialog step: for every step of core.dialog.State, hypothesis draws hostile inputs — any unicode
(control characters, zero-width, RTL, emoji), texts up to and past the bot's limits, digits str.isdigit() accepts
and int() refuses, numbers past 2**63, format strings, HTML/Markdown, command lookalikes, the bot's own button
texts in the wrong step, forged callback data for every registered prefix (wrong step, other people's ids,
missing and extra parts, past 64 bytes), stickers, photos, voice notes, locations and contacts — and each one
goes to a fresh person of the role that reaches the step, in the step as a real flow left it.

Property, per input: no traceback is logged (tests/faults/harness.TracebackLog), and the chat still answers /help.
A failing step lists every distinct crash (file:line, type, input). `python bench/faults.py` is the longer run.
"""

from __future__ import annotations

import os
from collections.abc import Iterator

import pytest
from telegram.ext import CommandHandler

from core.dialog import State
from tests.faults.fuzz import fuzz_state, variants
from tests.faults.harness import Input, Probe, ThreadedStand, crash_report
from tests.faults.inputs import callback_prefixes
from tests.faults.scenarios import Atlas, scout

# Inputs per step: 31 steps × 25 ≈ 800 inputs, ≈ 40 s on two cores with the scouting. More: SANSHE_FUZZ_EXAMPLES.
EXAMPLES = int(os.environ.get("SANSHE_FUZZ_EXAMPLES", "25"))


@pytest.fixture(scope="module")
def fuzz() -> Iterator[tuple[ThreadedStand, Atlas]]:
    with ThreadedStand() as ts:
        yield ts, ts.call(scout)


def test_every_dialog_step_is_reached_by_a_real_flow(fuzz: tuple[ThreadedStand, Atlas]) -> None:
    ts, atlas = fuzz
    missing = [state.value for state in atlas.missing()]
    assert not missing, f"no flow in tests/faults/scenarios.py reaches {missing}; add one. Problems: {atlas.problems}"
    assert not atlas.problems, atlas.problems
    assert not ts.stand.capture.crashes, crash_report(ts.stand.capture.crashes)  # the flows themselves


def test_every_callback_prefix_is_fuzzed(fuzz: tuple[ThreadedStand, Atlas]) -> None:
    ts, atlas = fuzz
    prefixes = callback_prefixes(ts.stand.r.app)
    assert {"lang", "consent", "in", "rq", "rate", "st", "tk", "rg", "an", "rp", "sv", "vt", "vr"} <= set(prefixes)
    assert {b.split(":")[0] for b in atlas.buttons} <= set(prefixes)  # every button shown has a handler


def test_the_harness_sees_a_deliberate_crash(fuzz: tuple[ThreadedStand, Atlas]) -> None:
    """The property can fail: a handler that raises is caught as a crash at its own file and line, and a plain
    /help still works afterwards."""
    ts, _ = fuzz

    async def boom(update: object, context: object) -> None:
        raise RuntimeError("deliberate crash")

    handler = CommandHandler("faultsboom", boom)

    async def probe() -> Probe:
        ts.stand.r.app.add_handler(handler, group=-1)
        try:
            return await ts.stand.probe("resident_yg", State.MENU, {}, Input("command", "/faultsboom"), "self-test")
        finally:
            ts.stand.r.app.remove_handler(handler, group=-1)

    result = ts.run(probe())
    assert [c.kind for c in result.crashes] == ["RuntimeError"], result.crashes
    assert "deliberate crash" in result.crashes[0].message and "in boom" in result.crashes[0].text
    assert result.answered_help and not result.ok


@pytest.mark.parametrize("state", list(State), ids=lambda s: s.value)
def test_no_hostile_input_breaks_a_step(fuzz: tuple[ThreadedStand, Atlas], state: State) -> None:
    ts, atlas = fuzz
    if not variants(atlas, state):
        pytest.fail(f"no flow reaches {state.value}: add one to tests/faults/scenarios.py")
    result = fuzz_state(ts, atlas, state, EXAMPLES)
    assert result.inputs >= EXAMPLES // 2, f"hypothesis ran only {result.inputs} inputs"
    assert not result.failures, result.report()
