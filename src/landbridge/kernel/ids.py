"""Identifier validators: resident ID (居民身份证号), USCC (统一社会信用代码), region codes (行政区划代码)."""

from __future__ import annotations

import re
from datetime import date

from stdnum.cn import ric, uscc
from stdnum.exceptions import ValidationError

REGION_CODE_RE = re.compile(r"^\d{12}$")
# GB/T 2260 province-level prefixes.
PROVINCE_PREFIXES = frozenset({
    "11", "12", "13", "14", "15", "21", "22", "23", "31", "32", "33", "34", "35", "36", "37",
    "41", "42", "43", "44", "45", "46", "50", "51", "52", "53", "54", "61", "62", "63", "64", "65",
    "71", "81", "82",
})


_RIC_RE = re.compile(r"^\d{17}[\dX]$")
_RIC_WEIGHTS = (7, 9, 10, 5, 8, 4, 2, 1, 6, 3, 7, 9, 10, 5, 8, 4, 2)  # 2^(17-i) mod 11 (ISO 7064 MOD 11-2)
_RIC_CHECK = "10X98765432"


def resident_id_check_char(body: str) -> str:
    """The GB 11643-1999 check character (ISO 7064 MOD 11-2) of the first 17 digits."""
    return _RIC_CHECK[sum(int(c) * w for c, w in zip(body, _RIC_WEIGHTS, strict=True)) % 11]


def valid_resident_id(value: str) -> str | None:
    """The compact resident ID if valid (18 chars, GB 11643 check character, real birth date, real province).

    python-stdnum's place table lacks some current county codes (e.g. 360681 贵溪市, a county-level
    city since 1996), so the birth place is checked at province level (GB/T 2260 prefixes); checksum
    and birth date are always enforced. Written out (not ``stdnum.cn.ric.validate``) because bulk
    paths check 10⁶ numbers and the place-table lookup cost a quarter of a millisecond each.
    """
    number = str(ric.compact(value)) if not _RIC_RE.match(value) else value
    if not _RIC_RE.match(number) or number[:2] not in PROVINCE_PREFIXES:
        return None
    try:
        date(int(number[6:10]), int(number[10:12]), int(number[12:14]))
    except ValueError:
        return None
    return number if resident_id_check_char(number[:17]) == number[17] else None


def valid_uscc(value: str) -> str | None:
    """The compact unified social credit code if valid (GB 32100 check character), else None."""
    try:
        return str(uscc.validate(value))
    except ValidationError:
        return None


def mask_id(value: str | None) -> str | None:
    """Mask an ID number for public or cross-organisation views (rule of thumb 11)."""
    if not value:
        return value
    if len(value) <= 8:
        return value[:2] + "*" * (len(value) - 2)
    return value[:4] + "*" * (len(value) - 8) + value[-4:]


def mask_phone(value: str | None) -> str | None:
    """Mask a phone number: keep the first 3 and last 4 digits."""
    if not value:
        return value
    if len(value) < 8:
        return "*" * len(value)
    return value[:3] + "*" * (len(value) - 7) + value[-4:]


def is_region_code(value: str) -> bool:
    """A 12-digit statistical division code."""
    return bool(REGION_CODE_RE.match(value))


def region_level(code: str) -> str:
    """The level of a 12-digit code: province, city, county, township or village."""
    if code[2:] == "0" * 10:
        return "province"
    if code[4:] == "0" * 8:
        return "city"
    if code[6:] == "0" * 6:
        return "county"
    if code[9:] == "000":
        return "township"
    return "village"


def mask_name(name: str) -> str:
    """Mask a person's or household's name for public views, keeping its first and last character: 张三丰 → 张*丰,
    张三 → 张*, 欧阳娜娜 → 欧**娜 (R1; issue #12: one shape everywhere; GB/T 35273-2020 §A partial display)."""
    text = name.strip()
    if len(text) <= 1:
        return "*"
    if len(text) == 2:
        return text[0] + "*"
    return text[0] + "*" * (len(text) - 2) + text[-1]
