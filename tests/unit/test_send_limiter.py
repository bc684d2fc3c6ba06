"""The outbox sender's parts without a network or a clock: its flood limiter, the handling of each Telegram
answer, and the in-memory backlog that keeps a row from being read twice."""

from __future__ import annotations

import math
from datetime import timedelta

import pytest
from telegram import ForceReply, InlineKeyboardMarkup, ReplyKeyboardMarkup, ReplyKeyboardRemove
from telegram.error import BadRequest, ChatMigrated, Forbidden, NetworkError, RetryAfter, TimedOut

from bot.outbox import SendLimiter
from bot.outbox.attempt import MAX_ATTEMPTS, Outcome, backoff, classify, reply_markup
from bot.outbox.backlog import Backlog
from storage.records import OutboxMessage

# PTB itself reads RetryAfter.retry_after in the exception's constructor, which warns about its future type.
pytestmark = pytest.mark.filterwarnings("ignore::telegram.warnings.PTBDeprecationWarning")


def test_starts_are_spaced_evenly() -> None:
    limiter = SendLimiter(per_second=4, per_chat_interval=1.0)
    assert limiter.wait(0.0) == 0.0
    limiter.started(1, 0.0)
    assert limiter.wait(0.0) == pytest.approx(0.25)
    assert limiter.wait(0.25) == 0.0


def test_a_send_holds_its_slot_until_a_window_after_its_answer() -> None:
    limiter = SendLimiter(per_second=2, per_chat_interval=1.0)
    limiter.started(1, 0.0)
    limiter.started(2, 0.5)
    assert limiter.wait(0.6) is None  # both slots in flight: only an answer can free one
    limiter.answered(1, 0.7, delivered=True)
    # Telegram may have counted it as late as its answer, so the slot frees a full window after that.
    assert limiter.wait(0.7) == pytest.approx(1.0)
    assert limiter.wait(1.7) == 0.0
    limiter.started(3, 1.7)
    assert limiter.in_flight == 2


def test_a_chat_is_busy_while_in_flight_then_paced_from_the_answer() -> None:
    limiter = SendLimiter(per_second=30, per_chat_interval=1.0)
    assert limiter.chat_wait(7, 0.0) == 0.0
    limiter.started(7, 0.0)
    assert limiter.chat_wait(7, 5.0) == math.inf
    limiter.answered(7, 0.2, delivered=True)
    limiter.free_chat(7, 0.2)
    assert limiter.chat_wait(7, 0.7) == pytest.approx(0.5)
    assert limiter.chat_wait(8, 0.7) == 0.0  # other chats are not held up
    limiter.started(8, 0.7)
    limiter.answered(8, 0.8, delivered=False)
    limiter.free_chat(8, 0.8, pause=4.0)
    assert limiter.chat_wait(8, 1.8) == pytest.approx(3.0)


def test_a_429_on_a_quiet_chat_slows_everyone_briefly_once_per_window() -> None:
    limiter = SendLimiter(per_second=10, per_chat_interval=1.0)
    limiter.started(1, 0.0)
    limiter.answered(1, 0.1, delivered=False)
    limiter.rate_limited(1, 0.1, retry_after=3.0)
    assert limiter.chat_wait(1, 0.1) == pytest.approx(3.0)
    limiter.started(2, 0.2)
    assert limiter.wait(0.2) == pytest.approx(0.2)  # spacing doubled: 1/10 s → 2/10 s
    limiter.answered(2, 0.3, delivered=False)
    limiter.rate_limited(2, 0.3, retry_after=1.0)  # same window: no second halving
    assert limiter.wait(0.3) == pytest.approx(0.1)
    assert limiter.wait(3.2) == 0.0  # after the slow period, the full pace again
    limiter.started(3, 3.2)
    assert limiter.wait(3.2) == pytest.approx(0.1)


def test_a_429_right_after_a_message_to_the_same_chat_pauses_only_that_chat() -> None:
    limiter = SendLimiter(per_second=10, per_chat_interval=0.0)
    limiter.started(1, 0.0)
    limiter.answered(1, 0.05, delivered=True)
    limiter.free_chat(1, 0.05)
    limiter.started(1, 0.1)
    limiter.answered(1, 0.15, delivered=False)
    limiter.rate_limited(1, 0.15, retry_after=1.0)  # Telegram's per-chat limit: our interval is too short
    assert limiter.chat_wait(1, 0.15) == pytest.approx(1.0)
    limiter.started(2, 0.2)
    assert limiter.wait(0.2) == pytest.approx(0.1)  # the global pace is untouched


@pytest.mark.parametrize("bad", [{"per_second": 0, "per_chat_interval": 1}, {"per_second": 1, "per_chat_interval": -1}])
def test_nonsense_limits_are_refused(bad: dict[str, float]) -> None:
    with pytest.raises(ValueError):
        SendLimiter(**bad)


def test_telegram_answers_become_outcomes() -> None:
    assert classify(RetryAfter(7), attempts=9) == Outcome(
        "retry", delay=7.0, error="RetryAfter: Flood control exceeded. Retry in 7 seconds", rate_limited=True
    )
    assert classify(RetryAfter(timedelta(seconds=2)), attempts=0).delay == 2.0
    assert classify(Forbidden("bot was blocked by the user"), attempts=0).kind == "blocked"
    assert classify(BadRequest("message is too long"), attempts=0).kind == "failed"
    assert classify(ChatMigrated(-100123), attempts=0).kind == "failed"


def test_transient_errors_back_off_then_give_up() -> None:
    assert [backoff(n) for n in range(8)] == [1, 2, 4, 8, 16, 32, 60, 60]
    retry = classify(TimedOut(), attempts=2)
    assert (retry.kind, retry.delay, retry.rate_limited) == ("retry", 4.0, False)
    assert classify(NetworkError("connection reset"), attempts=MAX_ATTEMPTS - 2).kind == "retry"
    given_up = classify(NetworkError("connection reset"), attempts=MAX_ATTEMPTS - 1)
    assert given_up.kind == "failed" and "gave up after 10 attempts" in given_up.error
    assert classify(RuntimeError("a bug"), attempts=0).kind == "retry"


def test_stored_markup_becomes_the_matching_ptb_object() -> None:
    inline = {"inline_keyboard": [[{"text": "接单", "callback_data": "take:1"}]]}
    reply = {"keyboard": [[{"text": "返回"}]], "resize_keyboard": True}
    assert reply_markup(None, None) is None
    made = reply_markup(inline, None)
    assert isinstance(made, InlineKeyboardMarkup) and made.to_dict() == inline
    made = reply_markup(reply, None)
    assert isinstance(made, ReplyKeyboardMarkup) and made.to_dict() == reply
    assert isinstance(reply_markup({"remove_keyboard": True}, None), ReplyKeyboardRemove)
    made = reply_markup({"force_reply": True, "input_field_placeholder": "地址"}, None)
    assert isinstance(made, ForceReply) and made.input_field_placeholder == "地址"
    with pytest.raises(ValueError):
        reply_markup({"keyboard_of_sorts": []}, None)


def _row(outbox_id: int, chat_id: int) -> OutboxMessage:
    return OutboxMessage(outbox_id, chat_id, f"text {outbox_id}", None, 0)


def test_a_row_is_read_into_memory_once_even_if_it_finishes_during_a_read() -> None:
    backlog = Backlog()
    with backlog.reading() as add:
        add([_row(1, 10), _row(2, 10), _row(3, 20)])
    assert backlog.chats_oldest_first() == [10, 20]
    first = backlog.pop(10)
    with backlog.reading() as add:
        # The read saw rows 1 and 3 still pending; row 1's mark_sent commits before the rows are added.
        backlog.finish(10, {first.id})
        add([_row(1, 10), _row(2, 10), _row(3, 20), _row(4, 30)])
    assert [backlog.pop(chat).id for chat in backlog.chats_oldest_first()] == [2, 3, 4]
    assert backlog.size == 3 and not backlog


def test_a_retried_row_goes_back_to_the_head_of_its_chat_and_holds_it() -> None:
    backlog = Backlog()
    with backlog.reading() as add:
        add([_row(1, 10), _row(2, 10)])
    first = backlog.pop(10)
    backlog.put_back(first)
    assert not backlog.has_unheld()
    assert backlog.queued(10) == [first, _row(2, 10)]
