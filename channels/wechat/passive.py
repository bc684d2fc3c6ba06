"""The 服务号's passive reply: the answer to a person's message may travel inside the HTTP answer to WeChat's
callback, if it is ready within WeChat's 5 seconds (channels/wechat/official.py). The callback opens a slot for
the person; the first message the turn sends them is offered to it and waits until the HTTP answer carrying it
is written (so the outbox marks it sent only then); every later message, or one offered after the answer left
without it, goes as a customer-service message instead."""

from __future__ import annotations

import asyncio


class PassiveSlot:
    def __init__(self, account_id: str) -> None:
        self.account_id = account_id  # the 服务号's original id (gh_…): the reply's sender
        loop = asyncio.get_running_loop()
        self.offered: asyncio.Future[str] = loop.create_future()
        self._delivered: asyncio.Future[bool] = loop.create_future()

    @property
    def open(self) -> bool:
        return not self.offered.done()

    async def offer(self, reply_xml: str) -> bool:
        """Put this message in the HTTP answer; True once it was written, False if the answer left without it."""
        if not self.open:
            return False
        self.offered.set_result(reply_xml)
        return await self._delivered

    def close(self, delivered: bool = False) -> None:
        """The answer has left (with the offered message, or without any)."""
        if not self.offered.done():
            self.offered.cancel()
        if not self._delivered.done():
            self._delivered.set_result(delivered)


class PassiveSlots:
    """This process's open slots, one per person: the latest callback of theirs."""

    def __init__(self) -> None:
        self._slots: dict[int, PassiveSlot] = {}

    def open(self, person_id: int, account_id: str) -> PassiveSlot:
        previous = self._slots.get(person_id)
        if previous is not None and previous.open:
            previous.close()  # an earlier message of theirs is answered without a passive reply
        # (one already offered a reply is settled by its own callback, which is writing it)
        slot = self._slots[person_id] = PassiveSlot(account_id)
        return slot

    def get(self, person_id: int) -> PassiveSlot | None:
        slot = self._slots.get(person_id)
        return slot if slot is not None and slot.open else None

    def release(self, person_id: int, slot: PassiveSlot) -> None:
        if self._slots.get(person_id) is slot:
            del self._slots[person_id]
