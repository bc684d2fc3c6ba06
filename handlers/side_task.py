"""Short tasks that interrupt whatever the chat was doing (staff writing an announcement, opening a vote, typing
in paper ballots; a resident giving their building) remember where the chat was and what it had gathered
there, and go back to it when they end."""

from __future__ import annotations

from typing import Any

from core.dialog import State
from handlers import keyboards as kb
from handlers.turn import Turn

_SIDE_TASKS = ("announce.", "round.", "building.", "project.", "call.")


def active(turn: Turn) -> bool:
    return turn.state.value.startswith(_SIDE_TASKS)


def begin(turn: Turn, state: State, **data: Any) -> None:
    """Move to a side task's first step; from inside another side task, keep the original place to go back to."""
    if active(turn):
        back, back_data = turn.data.get("return_to", State.MENU.value), turn.data.get("return_data", {})
    else:
        back, back_data = turn.state.value, dict(turn.data)
    turn.goto(state, return_to=back, return_data=back_data, **data)


async def leave(turn: Turn, text: str) -> None:
    """Say `text` and go back; a step that was interrupted (a resident's half-filed need, say) asks again."""
    back = State.parse(str(turn.data.get("return_to", State.MENU.value)))
    back_data = turn.data.get("return_data", {})
    turn.goto(back, **(back_data if isinstance(back_data, dict) else {}))
    if back is State.MENU:
        turn.say(text, kb.main_menu_keyboard(turn.t))
        return
    turn.say(text, kb.remove_keyboard())
    from handlers import steps  # steps imports the side tasks' modules, which import this one

    await steps.prompt(turn)
