"""Staff tasks that interrupt whatever the chat was doing (writing an announcement, opening a vote, typing in
paper ballots) remember where the chat was, and go back there when they end."""

from __future__ import annotations

from typing import Any

from core.dialog import State
from handlers import keyboards as kb
from handlers.turn import Turn

_SIDE_TASKS = ("announce.", "round.")


def begin(turn: Turn, state: State, **data: Any) -> None:
    """Move to a side task's first step; from inside another side task, keep the original place to go back to."""
    if turn.state.value.startswith(_SIDE_TASKS):
        back = str(turn.data.get("return_to", State.MENU.value))
    else:
        back = turn.state.value
    turn.goto(state, return_to=back, **data)


def leave(turn: Turn, text: str) -> None:
    back = State.parse(str(turn.data.get("return_to", State.MENU.value)))
    turn.say(text, kb.main_menu_keyboard(turn.t) if back is State.MENU else kb.remove_keyboard())
    turn.goto(back)
