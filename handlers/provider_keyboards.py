"""Buttons on task pushes and on a provider's own tasks."""

from __future__ import annotations

from telegram import InlineKeyboardButton, InlineKeyboardMarkup

from bot.i18n import Translator

TASK = "tk"


def offer(t: Translator, request_id: int) -> InlineKeyboardMarkup:
    return InlineKeyboardMarkup(
        [[InlineKeyboardButton(t("task.accept"), callback_data=f"{TASK}:accept:{request_id}"),
          InlineKeyboardButton(t("task.decline"), callback_data=f"{TASK}:decline:{request_id}")]]
    )  # fmt: skip


def progress(t: Translator, request_id: int, started: bool) -> InlineKeyboardMarkup:
    rows = [] if started else [[InlineKeyboardButton(t("task.set_off"), callback_data=f"{TASK}:start:{request_id}")]]
    rows.append([InlineKeyboardButton(t("task.done"), callback_data=f"{TASK}:done:{request_id}")])
    rows.append([InlineKeyboardButton(t("task.cannot"), callback_data=f"{TASK}:cannot:{request_id}")])
    return InlineKeyboardMarkup(rows)
