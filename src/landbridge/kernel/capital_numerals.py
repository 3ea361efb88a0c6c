"""Amounts of money in Chinese capital numerals (大写金额) as contracts and receipts print them.

Writing rules (会计基础工作规范 art. 52; 支付结算办法 附一): digits 零壹贰叁肆伍陆柒捌玖, units 拾佰仟万亿,
then 元角分; one 零 for any run of zeros inside the number; an amount ending in 元 or 角 takes 整, an amount
with 分 does not; 壹拾 is written in full. A 零 between 元 and 角 is optional and not written; a zero 角
before a non-zero 分 is written (壹元零伍分).
"""

from __future__ import annotations

from decimal import Decimal

DIGITS = "零壹贰叁肆伍陆柒捌玖"
SMALL_UNITS = ("", "拾", "佰", "仟")
WAN = 10**4
YI = 10**8


def _below_wan(n: int) -> str:
    """1 ≤ n < 10 000 in capitals, one 零 for each run of inner zeros (1001 → 壹仟零壹)."""
    out: list[str] = []
    zero = False
    for power in (3, 2, 1, 0):
        digit = n // 10**power % 10
        if digit == 0:
            zero = bool(out)
            continue
        if zero:
            out.append("零")
            zero = False
        out.append(DIGITS[digit] + SMALL_UNITS[power])
    return "".join(out)


def _integer(n: int) -> str:
    """A positive integer in capitals: split at 亿 then 万; a lower part shorter than its slot starts with 零."""
    for base, unit in ((YI, "亿"), (WAN, "万")):
        if n >= base:
            high, low = divmod(n, base)
            tail = "" if low == 0 else ("零" if low < base // 10 else "") + _integer(low)
            return _integer(high) + unit + tail
    return _below_wan(n)


def rmb_capital(amount: Decimal) -> str:
    """An amount of yuan (at most two places) in capital numerals (大写金额): 1234567.89 → 壹佰贰拾叁万…捌角玖分."""
    if not amount.is_finite():
        raise ValueError(f"not a finite amount: {amount}")
    fen_total = amount * 100
    if fen_total != fen_total.to_integral_value():
        raise ValueError(f"an amount of yuan has at most two decimal places: {amount}")
    fen_int = int(fen_total)
    sign = "负" if fen_int < 0 else ""
    yuan, rest = divmod(abs(fen_int), 100)
    jiao, fen = divmod(rest, 10)
    if yuan == 0 and rest == 0:
        return "零元整"
    out = _integer(yuan) + "元" if yuan else ""
    if jiao:
        out += DIGITS[jiao] + "角"
    elif fen and yuan:
        out += "零"
    if fen:
        return sign + out + DIGITS[fen] + "分"
    return sign + out + "整"
