"""Who may do what, as a table (tests/faults/matrix.py): nine roles — a stranger who never sent /start, a
resident mid-onboarding, residents of 阳光社区 and 桂花社区, a volunteer, a social worker, an organisation member,
staff of 阳光社区 and of 桂花社区 — × every command of handlers.COMMANDS, and × forged buttons pointing at
things that are not theirs (another resident's request, a task offered to or taken by another provider,
another community's case, round or application, a volunteer's task they do not supervise, a registration,
announcement or vote-opening step they are not in).

Each row is checked against the running bot: a refusal means nothing changed in the database (nor the person's
dialog step) and the answer or reply says no; anything else is a grant. Wrong grants must be 0.
"""

from __future__ import annotations

from collections.abc import Iterator

import pytest

from tests.faults import matrix
from tests.faults.harness import ThreadedStand
from tests.faults.inputs import callback_prefixes, command_names

# The whole table is built in the module fixture (about 1,000 rows through the running bot, ~2.5 min on two idle
# cores), which pytest-timeout counts against the first test that asks for it.
pytestmark = pytest.mark.timeout(600)


@pytest.fixture(scope="module")
def table() -> Iterator[tuple[ThreadedStand, matrix.MatrixResult]]:
    with ThreadedStand() as ts:
        yield ts, matrix.run(ts)


def test_every_command_is_in_the_matrix() -> None:
    unknown = [c for c in command_names() if c not in matrix.COMMAND_ROLES]
    assert not unknown, f"say who may use {unknown} in tests/faults/matrix.py COMMAND_ROLES"


def test_every_callback_prefix_is_in_the_matrix(table: tuple[ThreadedStand, matrix.MatrixResult]) -> None:
    ts, _ = table
    covered = {spec.data.split(":")[0] for spec in matrix.BUTTONS}
    missing = [p for p in callback_prefixes(ts.stand.r.app) if p not in covered]
    assert not missing, f"add rows for the buttons {missing} to tests/faults/matrix.py BUTTONS"


def test_the_targets_were_made_by_real_flows(table: tuple[ThreadedStand, matrix.MatrixResult]) -> None:
    _, result = table
    assert not result.problems, result.problems
    statuses = result.atlas.targets.get("statuses", {})
    assert list(statuses.values()) == ["done", "accepted", "dispatched"], statuses


@pytest.mark.parametrize("row", matrix.rows(), ids=lambda r: r.id.replace(" 志愿者", "").replace(" as ", "-"))
def test_row(table: tuple[ThreadedStand, matrix.MatrixResult], row: matrix.Row) -> None:
    _, result = table
    outcome = result.by_id()[row.id]
    assert outcome.ok, outcome.line()


def test_no_wrong_grants(table: tuple[ThreadedStand, matrix.MatrixResult]) -> None:
    _, result = table
    assert len(result.outcomes) == len(matrix.rows())
    assert len(result.wrong_grants) == 0, result.report()


def test_a_wrong_grant_would_be_counted(table: tuple[ThreadedStand, matrix.MatrixResult]) -> None:
    """The matrix can fail: a row that (wrongly) expects staff to be refused /invite and /rounds, and residents
    to be refused a look at their own round, is counted as a wrong grant each time."""
    ts, result = table
    flipped = [
        matrix.Row("self-test /invite", "staff_yg", "command", "/invite 社工", allowed=False),
        matrix.Row("self-test /rounds", "staff_gh", "command", "/rounds", allowed=False),
        matrix.Row("self-test ballot", "resident_yg", "callback", "vt:show:{round_yangguang}", allowed=False),
    ]

    async def run() -> list[matrix.Outcome]:
        refusal = matrix.Refusals(ts.stand)
        return [await matrix.run_row(ts.stand, result.atlas, refusal, row) for row in flipped]

    outcomes = ts.run(run())
    assert [o.wrong_grant for o in outcomes] == [True, True, True], [o.line() for o in outcomes]
