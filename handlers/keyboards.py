"""Keyboards. Big buttons, few per row: many of our residents are elderly.

Callback data is `action:argument`, short (Telegram allows 64 bytes) and never carries personal data.
"""

from __future__ import annotations

from collections.abc import Sequence

from telegram import (
    InlineKeyboardButton,
    InlineKeyboardMarkup,
    KeyboardButton,
    ReplyKeyboardMarkup,
    ReplyKeyboardRemove,
)

from bot.i18n import I18n, Translator
from storage.records import Community

LANG = "lang"
CONSENT = "consent"
COMMUNITY = "comm"
PRIVACY = "privacy"


def data(action: str, argument: str | int) -> str:
    return f"{action}:{argument}"


def language_keyboard(i18n: I18n) -> InlineKeyboardMarkup:
    buttons = [
        InlineKeyboardButton(i18n.translator(locale)("language.name"), callback_data=data(LANG, locale))
        for locale in i18n.locales
    ]
    return InlineKeyboardMarkup([buttons])


def consent_keyboard(t: Translator) -> InlineKeyboardMarkup:
    return InlineKeyboardMarkup(
        [
            [InlineKeyboardButton(t("consent.button_yes"), callback_data=data(CONSENT, "yes"))],
            [InlineKeyboardButton(t("consent.button_no"), callback_data=data(CONSENT, "no"))],
        ]
    )


def reconsider_keyboard(t: Translator) -> InlineKeyboardMarkup:
    return InlineKeyboardMarkup(
        [[InlineKeyboardButton(t("consent.button_reconsider"), callback_data=data(CONSENT, "show"))]]
    )


def community_keyboard(
    t: Translator, communities: Sequence[Community], retype: bool, work_only: bool = False
) -> InlineKeyboardMarkup:
    rows = [[InlineKeyboardButton(c.name, callback_data=data(COMMUNITY, c.id))] for c in communities]
    if retype:
        rows.append([InlineKeyboardButton(t("community.button_retype"), callback_data=data(COMMUNITY, "retype"))])
    if work_only:  # a provider or staff member who lives in none of them
        rows.append([InlineKeyboardButton(t("community.button_work_only"), callback_data=data(COMMUNITY, "work"))])
    return InlineKeyboardMarkup(rows)


def work_only_keyboard(t: Translator) -> InlineKeyboardMarkup:
    return InlineKeyboardMarkup(
        [[InlineKeyboardButton(t("community.button_work_only"), callback_data=data(COMMUNITY, "work"))]]
    )


def main_menu_keyboard(t: Translator) -> ReplyKeyboardMarkup:
    return ReplyKeyboardMarkup(
        [
            [KeyboardButton(t("menu.ask_help"))],
            [KeyboardButton(t("menu.my_requests")), KeyboardButton(t("menu.help"))],
        ],
        resize_keyboard=True,
        is_persistent=True,
    )


def privacy_keyboard(t: Translator, consented: bool) -> InlineKeyboardMarkup:
    if consented:
        return InlineKeyboardMarkup(
            [
                [InlineKeyboardButton(t("privacy.button_export"), callback_data=data(PRIVACY, "export"))],
                [InlineKeyboardButton(t("privacy.button_withdraw"), callback_data=data(PRIVACY, "withdraw"))],
            ]
        )
    button = InlineKeyboardButton(t("consent.button_reconsider"), callback_data=data(CONSENT, "show"))
    return InlineKeyboardMarkup([[button]])


def withdraw_confirm_keyboard(t: Translator) -> InlineKeyboardMarkup:
    return InlineKeyboardMarkup(
        [
            [InlineKeyboardButton(t("privacy.button_confirm_withdraw"), callback_data=data(PRIVACY, "confirm"))],
            [InlineKeyboardButton(t("privacy.button_keep"), callback_data=data(PRIVACY, "keep"))],
        ]
    )


def remove_keyboard() -> ReplyKeyboardRemove:
    return ReplyKeyboardRemove()
