"""The catalogue's domain value: one service a community organisation offers."""

from __future__ import annotations

from dataclasses import dataclass

# Limits keep a catalogue readable in a chat message and stop a pasted paragraph ending up as a name.
MAX_SERVICE_ID_LEN = 64
MAX_NAME_LEN = 60


@dataclass(frozen=True)
class ServiceEntry:
    service_id: str
    name: str
    category: str  # a code from core.catalog.categories.CATEGORIES
    description: str = ""
    keywords: tuple[str, ...] = ()
    organization: str | None = None
    communities: tuple[str, ...] = ()  # empty: serves every community
    eligibility: str = ""
    active: bool = True

    def serves(self, community: str | None) -> bool:
        """True when the service is offered in `community` (None means "any community")."""
        if community is None or not self.communities:
            return True
        wanted = community.strip().casefold()
        return any(c.casefold() == wanted for c in self.communities)
