"""Nothing lost, nothing leaked — the long run of tests/faults/: the hypothesis fuzz of every dialog step and
button, and the role × command × callback matrix (plus every button the bot showed, pressed by every role).

    .venv/bin/python bench/faults.py [--fuzz 3000] [--seed 0] [--no-matrix] [--kills 150]

Progress goes to stderr; stdout gets ONE JSON line: fuzz_inputs, tracebacks (logged while the bot handled the
inputs, in the matrix, and in the killed bot's log), distinct_crashes ("Type at file:line ← input"), dead_chats
(no answer to /help after an input), matrix_cases, wrong_grants, wrong_refusals, matrix_failed; kills,
updates_lost, replies_lost, requests_lost, requests_doubled, messages_doubled (and the same with two processes on
one database, two_process_*), seconds. Not part of the test suite.
"""

from __future__ import annotations

import argparse
import asyncio
import json
import math
import sys
import tempfile
import time
from pathlib import Path
from typing import Any

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))

from core.dialog import State  # noqa: E402
from tests.faults import crashes, matrix  # noqa: E402
from tests.faults.fuzz import FuzzResult, fuzz_state  # noqa: E402
from tests.faults.harness import ThreadedStand, distinct  # noqa: E402
from tests.faults.scenarios import scout  # noqa: E402


def _progress(text: str) -> None:
    print(text, file=sys.stderr, flush=True)


def run_fuzz(n_inputs: int, seed: int) -> dict[str, Any]:
    """About `n_inputs` hypothesis-drawn hostile inputs, spread evenly over every dialog step (seeded)."""
    started = time.monotonic()
    total = FuzzResult()
    with ThreadedStand() as ts:
        atlas = ts.call(scout)
        scouting = list(ts.stand.capture.crashes)  # tracebacks while the real flows ran, before any fuzz
        per_state = math.ceil(n_inputs / len(State)) if n_inputs > 0 else 0
        for state in State:
            result = fuzz_state(ts, atlas, state, per_state, rng_seed=seed)
            total.merge(result)
            _progress(f"fuzz {state.value}: {result.inputs} inputs, {len(result.failures)} failed")
    crashes = distinct(total.crashes)
    return {
        "fuzz_inputs": total.inputs,
        "fuzz_not_sent": total.not_sent,
        "tracebacks": len(total.crashes) + len(scouting),
        "distinct_crashes": [c.line() for c in crashes],
        "dead_chats": len(total.dead_chats),
        "dead_chat_inputs": [p.label for p in total.dead_chats[:20]],
        "steps": len(State),
        "steps_unreached": [s.value for s in atlas.missing()],
        "scouting_problems": atlas.problems + [c.line() for c in scouting],
        "fuzz_seconds": round(time.monotonic() - started, 1),
    }


def run_matrix() -> dict[str, Any]:
    """The test's table, then every button the scouts were shown, pressed by each of the nine roles."""
    started = time.monotonic()
    with ThreadedStand() as ts:
        result = matrix.run(ts, extended=True)
    _progress(result.report())
    return {
        "matrix_cases": len(result.outcomes),
        "wrong_grants": len(result.wrong_grants),
        "wrong_refusals": len(result.wrong_refusals),
        "matrix_tracebacks": len(result.crashes),
        "matrix_failed": [o.line() for o in result.failed][:50],
        "matrix_seconds": round(time.monotonic() - started, 1),
    }


def run_kills(kills: int, seed: int) -> dict[str, Any]:
    """kill -9 at every failpoint in turn (tests/faults/crashes.py) until `kills` kills have landed, then two
    processes on one database with no kills."""
    if kills <= 0:
        return {}
    with tempfile.TemporaryDirectory() as tmp:
        _progress(f"kill -9: {kills} kills …")
        figures = asyncio.run(crashes.run(Path(tmp), kills=kills, max_episodes=kills * 3, seed=seed))
        _progress(f"kill -9: {figures}")
        figures.update(asyncio.run(crashes.two_processes(Path(tmp), residents=20)))
    return figures


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--fuzz", type=int, default=3000, metavar="N", help="hostile inputs in all (default 3000)")
    parser.add_argument("--seed", type=int, default=0, help="hypothesis seed (default 0)")
    parser.add_argument("--no-matrix", action="store_true", help="skip the role × command × callback matrix")
    parser.add_argument("--kills", type=int, default=150, metavar="N", help="kill -9 kills to land (default 150)")
    args = parser.parse_args(argv)
    started = time.monotonic()
    line: dict[str, Any] = {"seed": args.seed}
    line.update(run_fuzz(args.fuzz, args.seed))
    if args.no_matrix:
        line.update({"matrix_cases": 0, "wrong_grants": 0})
    else:
        line.update(run_matrix())
        line["tracebacks"] += line["matrix_tracebacks"]
    line.update(run_kills(args.kills, args.seed))
    if "kill_tracebacks" in line:
        line["tracebacks"] += line["kill_tracebacks"]
    line["seconds"] = round(time.monotonic() - started, 1)
    print(json.dumps(line, ensure_ascii=False))
    return 0


if __name__ == "__main__":
    sys.exit(main())
