"""Errors a repository raises that the caller is expected to handle."""

from __future__ import annotations


class StaleDialog(Exception):
    """A chat's dialog was saved by another turn since this turn read it (two turns of one chat at once, e.g.
    in two worker processes): this turn must be rolled back and run again on the fresh state."""

    def __init__(self, chat_id: int, expected_version: int) -> None:
        super().__init__(f"dialog of chat {chat_id} is no longer at version {expected_version}")
        self.chat_id = chat_id
        self.expected_version = expected_version
