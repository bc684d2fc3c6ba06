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
    PICK = "need.pick"
    WHEN = "need.when"
    WHEN_TEXT = "need.when_text"
    WHERE = "need.where"
    CONTACT = "need.contact"
    NOTE = "need.note"
    CONFIRM = "need.confirm"
    RESUME = "need.resume"  # an intake left alone too long: continue it or drop it
    RATE_COMMENT = "rate.comment"
    STAFF_CLOSE_NOTE = "staff.close_note"
    PROVIDER_NOTE = "task.note"  # 完成 note or 无法完成 reason
    HOURS = "hours.minutes"  # how long a finished task took (handlers.hours)
    REG_NAME = "register.name"
    REG_SERVICES = "register.services"
    REG_COMMUNITIES = "register.communities"
    REG_SUPERVISOR = "register.supervisor"
    ANNOUNCE_TEXT = "announce.text"
    ANNOUNCE_CONFIRM = "announce.confirm"
    ROUND_TITLE = "round.title"  # staff opening a vote on projects
    ROUND_CLOSES = "round.closes"
    ROUND_PROJECT = "round.project"
    ROUND_CONFIRM = "round.confirm"
    ROUND_PAPER = "round.paper"  # staff typing in paper ballots
    BUILDING = "building.ask"  # a resident saying which building they live in
    WORK = "work.menu"  # the home of a provider or staff member who is not (also) a resident here
    PROJECT_INPUT = "project.input"  # a street office typing an amount, a formula, a milestone (/projects)
    CALL_INPUT = "call.input"  # a call, an application or an award's reason being typed (/calls)
    FAMILY_CODE = "family.code"  # a family member typing the resident's one-time code (代办)
    FAMILY_CALLS = "family.calls"  # … how they call the resident
    FAMILY_LABEL = "family.label"  # … how the resident calls them
    BEHALF_SEARCH = "behalf.search"  # a grid worker or staff member looking up a resident to file for
    BEHALF_NAME = "behalf.name"  # … recording a resident without a chat: name, phone, address, building, consent
    BEHALF_PHONE = "behalf.phone"
    BEHALF_ADDRESS = "behalf.address"
    BEHALF_BUILDING = "behalf.building"
    BEHALF_CONSENT = "behalf.consent"

    @property
    def is_intake(self) -> bool:
        return self.value.startswith("need.") and self is not State.RESUME

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
