"""Chinese capital numerals for amounts (大写金额): known cases from the accounting rules, and a round trip
through an independent reader for any amount to the fen (hypothesis)."""

from __future__ import annotations

from decimal import Decimal

import pytest
from hypothesis import given
from hypothesis import strategies as st

from landbridge.kernel.capital_numerals import rmb_capital

DIGIT = {c: i for i, c in enumerate("零壹贰叁肆伍陆柒捌玖")}
SMALL = {"拾": 10, "佰": 100, "仟": 1000}


def read_integer(text: str) -> int:
    """An independent reader: sections split by 亿 then 万, each a sum of digit × unit (零 is only a gap)."""
    if "亿" in text:
        high, low = text.rsplit("亿", 1)
        return read_integer(high) * 10**8 + (read_integer(low) if low else 0)
    if "万" in text:
        high, low = text.split("万", 1)
        return read_integer(high) * 10**4 + (read_integer(low) if low else 0)
    total, digit = 0, 0
    for ch in text:
        if ch in DIGIT:
            digit = DIGIT[ch]
        elif ch in SMALL:
            total += digit * SMALL[ch]
            digit = 0
        else:
            raise AssertionError(f"unexpected {ch!r} in {text!r}")
    return total + digit


def read_amount(text: str) -> Decimal:
    sign = -1 if text.startswith("负") else 1
    text = text.removeprefix("负").removesuffix("整")
    yuan = 0
    if "元" in text:
        head, text = text.split("元", 1)
        yuan = read_integer(head)
    jiao = fen = 0
    text = text.removeprefix("零")
    if "角" in text:
        head, text = text.split("角", 1)
        jiao = DIGIT[head]
    if "分" in text:
        fen = DIGIT[text.removesuffix("分")]
    return sign * (Decimal(yuan) + Decimal(jiao) / 10 + Decimal(fen) / 100)


@pytest.mark.parametrize(("amount", "words"), [
    ("1234567.89", "壹佰贰拾叁万肆仟伍佰陆拾柒元捌角玖分"),
    ("0", "零元整"),
    ("0.05", "伍分"),
    ("0.50", "伍角整"),
    ("1.05", "壹元零伍分"),
    ("10", "壹拾元整"),
    ("100000", "壹拾万元整"),
    ("1000001", "壹佰万零壹元整"),
    ("10010", "壹万零壹拾元整"),
    ("100100", "壹拾万零壹佰元整"),
    ("100000001", "壹亿零壹元整"),
    ("100010000", "壹亿零壹万元整"),
    ("110000000", "壹亿壹仟万元整"),
    ("1234500000000", "壹万贰仟叁佰肆拾伍亿元整"),
    ("1680.32", "壹仟陆佰捌拾元叁角贰分"),
    ("123456.79", "壹拾贰万叁仟肆佰伍拾陆元柒角玖分"),
    ("-3.20", "负叁元贰角整"),
])
def test_known_cases(amount: str, words: str) -> None:
    assert rmb_capital(Decimal(amount)) == words


def test_refuses_fractions_of_a_fen_and_non_numbers() -> None:
    for bad in ("1.001", "NaN", "Infinity"):
        with pytest.raises(ValueError):
            rmb_capital(Decimal(bad))


@given(st.integers(min_value=-(10**15), max_value=10**15))
def test_round_trip_to_the_fen(fen: int) -> None:
    amount = Decimal(fen) / 100
    words = rmb_capital(amount)
    assert read_amount(words) == amount
    assert "零零" not in words and not words.removesuffix("整").endswith("零")
    assert words.endswith("分") == (fen % 10 != 0)  # an amount with 分 takes no 整
    assert words.endswith("整") == (fen % 10 == 0)
    assert "零元" not in words[1:]  # a zero yuan digit is never spelled out before 元


@given(st.integers(min_value=1, max_value=10**12))
def test_whole_yuan_have_no_jiao_or_fen(yuan: int) -> None:
    words = rmb_capital(Decimal(yuan))
    assert words.endswith("元整") and "角" not in words and "分" not in words
