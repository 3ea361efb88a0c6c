"""Chart tick labels (web/charts.py): short, in 万/亿 for large values, never in exponent notation, which a
reader of a zh-CN report would not expect (a 4,000万 tick once read "4e+03万")."""

from hypothesis import given
from hypothesis import strategies as st

from landbridge.web.charts import tick_label


def test_tick_labels_by_magnitude() -> None:
    assert [tick_label(v) for v in (0, 0.25, 7, 1234, 12_500, 40_000_000, 250_000_000, 4e12)] == \
        ["0", "0.25", "7", "1234", "1.25万", "4000万", "2.5亿", "40000亿"]
    assert tick_label(-40_000_000) == "-4000万"
    assert (tick_label(9999.5), tick_label(9_999_000), tick_label(999.96)) == ("10000", "1000万", "1000")


@given(st.floats(min_value=-1e15, max_value=1e15, allow_nan=False))
def test_no_tick_label_has_an_exponent(v: float) -> None:
    label = tick_label(v)
    assert "e" not in label and "E" not in label and label
