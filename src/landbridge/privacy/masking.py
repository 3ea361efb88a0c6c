"""Masking personal data for views whose reader has no need to see it whole (issue #12 item 4; ARCHITECTURE rule 11).

Shapes follow common Chinese government practice (GB/T 35273-2020 §A, de-identification by partial display):
a person's name keeps its first and last character (张*丰, 张*), a resident ID number its first and last
character, a mobile number its first three and last four digits.
"""

from __future__ import annotations

MASK = "*"


def mask_name(name: str) -> str:
    """A person's name with the middle hidden: 张三丰 → 张*丰, 张三 → 张*, 欧阳娜娜 → 欧**娜."""
    text = name.strip()
    if len(text) <= 1:
        return MASK
    if len(text) == 2:
        return text[0] + MASK
    return text[0] + MASK * (len(text) - 2) + text[-1]


def mask_id_number(number: str) -> str:
    """A resident ID or other identity number with all but its first and last character hidden."""
    text = number.strip()
    if len(text) <= 2:
        return MASK * len(text)
    return text[0] + MASK * (len(text) - 2) + text[-1]


def mask_phone(phone: str) -> str:
    """A phone number with all but its first three and last four digits hidden (138****5678)."""
    text = phone.strip()
    if len(text) <= 7:
        return MASK * len(text)
    return text[:3] + MASK * (len(text) - 7) + text[-4:]
