"""Synthetic people for the demo world: IDs valid and unique at scale, plausible households (issue #3)."""

from __future__ import annotations

import random
from datetime import date

from hypothesis import given, settings
from hypothesis import strategies as st

from landbridge.demo.people import PeopleFactory
from landbridge.kernel.ids import valid_resident_id

TODAY = date(2026, 1, 1)


def test_ids_stay_unique_when_one_day_is_crowded() -> None:
    factory = PeopleFactory(random.Random(1), today=TODAY)
    day = date(1980, 5, 5)
    ids = [factory.person("360622", born_after=day, born_before=day, male=True).resident_id for _ in range(1200)]
    assert len(set(ids)) == 1200 and all(valid_resident_id(i) == i for i in ids)
    assert all(int(i[16]) % 2 == 1 for i in ids)  # men: odd 17th digit
    assert {i[6:14] for i in ids} == {"19800505", "19800506", "19800507"}  # overflow moves to the next day


@settings(max_examples=15, deadline=None)
@given(seed=st.integers(0, 2**32 - 1))
def test_households_are_plausible(seed: int) -> None:
    factory = PeopleFactory(random.Random(seed), today=TODAY)
    people = []
    for _ in range(300):
        household = factory.household("360681")
        head = household[0]
        assert head.relation == "户主" and TODAY.year - head.person.birth_date.year >= 25
        parents = [m.person.birth_date for m in household if m.relation in ("户主", "配偶")]
        for m in household[1:]:
            if m.relation in ("子", "女"):
                assert (m.person.birth_date - max(parents)).days >= 20 * 365
            if m.relation in ("父", "母"):
                assert m.person.birth_date < head.person.birth_date
        people += [m.person for m in household]
    ids = [p.resident_id for p in people]
    assert len(set(ids)) == len(ids) and all(valid_resident_id(i) == i for i in ids)
    assert all(p.birth_date <= TODAY for p in people)
    assert 2.6 < len(people) / 300 < 4.2


def test_same_seed_same_people() -> None:
    def build(seed: int) -> list[object]:
        factory = PeopleFactory(random.Random(seed))
        return [m for _ in range(50) for m in factory.household("360603")]

    assert build(9) == build(9) and build(9) != build(10)
