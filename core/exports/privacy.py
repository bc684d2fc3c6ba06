"""Last line of defence for printed reports: numbers a resident typed into free text are masked.

Storage already blanks the phone and address the request was filed with; this catches the rest, such as
a neighbour's mobile number or an ID card number written into the need ("请联系138 1234 5678").
"""

from __future__ import annotations

import re

NUMBER_MARK = "［号码已隐去］"
# Seven or more digits (ASCII or full-width), optionally split by spaces or dashes: phone numbers,
# landlines and ID numbers, but not house numbers, dates or floors.
_LONG_NUMBER = re.compile(r"[0-9０-９](?:[ \t\-－—]*[0-9０-９]){6,}[xX]?")


def mask_numbers(text: str) -> str:
    return _LONG_NUMBER.sub(NUMBER_MARK, text)
