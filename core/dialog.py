"""The names of the dialog steps a chat can be in. Stored as text in dialog_states.state."""

from __future__ import annotations

from enum import StrEnum


class State(StrEnum):
    NEW = "new"  # never talked to us, or state was cleared
    LANGUAGE = "onboarding.language"
    CONSENT = "onboarding.consent"
    DECLINED = "onboarding.declined"
    COMMUNITY = "onboarding.community"
    MENU = "menu"
    NEED = "need.describe"

    @property
    def is_onboarding(self) -> bool:
        return self in {State.NEW, State.LANGUAGE, State.CONSENT, State.DECLINED, State.COMMUNITY}

    @classmethod
    def parse(cls, value: str) -> State:
        """Unknown names (a step renamed in a newer version) fall back to NEW, never crash."""
        try:
            return cls(value)
        except ValueError:
            return cls.NEW
