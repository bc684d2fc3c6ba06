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
    category: str  # the first (main) category's code; see core.catalog.categories
    description: str = ""
    keywords: tuple[str, ...] = ()
    organization: str | None = None
    communities: tuple[str, ...] = ()  # empty: serves every community
    eligibility: str = ""  # 适用对象: who may ask for it
    active: bool = True
    other_categories: tuple[str, ...] = ()  # further categories (为老;助残), in the order the file gives them
    # How a resident gets the service, as the printed directory shows it; kept as written.
    phone: str = ""  # 联系电话, e.g. 0731-84567890
    address: str = ""  # 地址
    hours: str = ""  # 服务时间
    fee: str = ""  # 收费

    @property
    def categories(self) -> tuple[str, ...]:
        return (self.category, *self.other_categories)

    def serves(self, community: str | None) -> bool:
        """True when the service is offered in `community` (None means "any community")."""
        if community is None or not self.communities:
            return True
        wanted = community.strip().casefold()
        return any(c.casefold() == wanted for c in self.communities)
