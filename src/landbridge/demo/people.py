"""Synthetic people and organisations for the demo world and tests: names, valid resident IDs, USCCs.

Every number generated here passes the same validators the registry applies
(``kernel.ids.valid_resident_id`` / ``valid_uscc``); the people are invented.
"""

from __future__ import annotations

import random
from dataclasses import dataclass
from datetime import date, timedelta

from stdnum.cn import ric, uscc

SURNAMES = ("张王李刘陈杨黄吴周徐胡朱高林何郭罗郑梁谢宋唐许邓冯韩曹彭曾肖田董袁潘蒋蔡余杜叶程魏苏吕丁任卢姚"
            "沈钟姜崔谭陆范汪廖石金夏付方邹熊白孟秦邱侯江尹薛段雷龙黎史陶贺毛顾龚邵万钱戴严孔汤康易赖文施洪")
GIVEN = ("建国华明伟芳敏静丽强磊军洋勇艳杰娟涛超秀英霞平刚桂兰红玉春梅海燕志国文辉鹏飞俊峰晓云林斌波浩宇"
         "婷佳欣怡梓涵子轩浩然雨桐思远德福贵荣发金水根生茂长保安")
# Birth-place codes used on ID cards: 月湖区, 余江县 (now 余江区), 贵溪 (county-level city since 1996).
BIRTH_PLACES = ("360602", "360622", "360681", "360600")
USCC_CHARS = "0123456789ABCDEFGHJKLMNPQRTUWXY"


@dataclass(frozen=True)
class Person:
    name: str
    resident_id: str
    birth_date: date
    male: bool


def make_resident_id(birth_place: str, birth: date, sequence: int, male: bool) -> str:
    """An 18-character resident ID (GB 11643-1999) with a correct ISO 7064 MOD 11-2 check character."""
    seq = sequence % 500 * 2 + (1 if male else 0)  # the 17th digit is odd for men, even for women
    body = f"{birth_place}{birth:%Y%m%d}{seq:03d}"
    return body + str(ric.calc_check_digit(body + "0"))


def make_uscc(rng: random.Random, region6: str, org_type: str = "93") -> str:
    """A unified social credit code (GB 32100-2015) with a correct check character.

    ``org_type``: 93 rural collective economic organisation, 91 company, 11 government body, …
    """
    body = org_type + region6 + "".join(rng.choice(USCC_CHARS) for _ in range(9))
    return body + str(uscc.calc_check_digit(body + "0"))


def make_person(rng: random.Random, birth_place: str | None = None, *, min_age: int = 18, max_age: int = 85,
                today: date = date(2026, 1, 1), male: bool | None = None) -> Person:
    """A random adult with a plausible birth date and a valid ID number."""
    is_male = rng.random() < 0.5 if male is None else male
    age_days = rng.randint(min_age * 365, max_age * 365)
    birth = today - timedelta(days=age_days)
    place = birth_place or rng.choice(BIRTH_PLACES)
    name = rng.choice(SURNAMES) + "".join(rng.choice(GIVEN) for _ in range(rng.choice((1, 2))))
    return Person(name, make_resident_id(place, birth, rng.randint(0, 499), is_male), birth, is_male)


@dataclass(frozen=True)
class Member:
    """A household member: the person and their relation to the head (户主, 配偶, 子, 女, 父, 母)."""

    person: Person
    relation: str


class PeopleFactory:
    """Makes people with resident IDs that are valid *and unique* across a whole city (demo world, issue #3).

    A resident ID is unique by birth place, birth date and a 3-digit sequence whose parity gives the
    sex, so at 10⁶ people random sequences would collide; the factory keeps a counter per
    (place, date, sex) and moves to the next day when the 500 numbers of a day are used up.
    """

    def __init__(self, rng: random.Random, today: date = date(2026, 1, 1)) -> None:
        self.rng = rng
        self.today = today
        self._used: dict[tuple[str, date, bool], int] = {}

    def _id(self, place: str, birth: date, male: bool) -> tuple[str, date]:
        while True:
            key = (place, birth, male)
            seq = self._used.get(key, 0)
            if seq < 500:
                self._used[key] = seq + 1
                return make_resident_id(place, birth, seq, male), birth
            birth += timedelta(days=1)

    def person(self, place: str, *, born_after: date, born_before: date, male: bool, surname: str | None = None,
               ) -> Person:
        """A person born in [born_after, born_before] at ``place`` with a unique, valid resident ID."""
        span = max(0, (born_before - born_after).days)
        birth = born_after + timedelta(days=self.rng.randint(0, span))
        rid, birth = self._id(place, birth, male)
        name = (surname or self.rng.choice(SURNAMES)) + "".join(
            self.rng.choice(GIVEN) for _ in range(self.rng.choice((1, 2))))
        return Person(name, rid, birth, male)

    def household(self, place: str) -> list[Member]:
        """A rural household (户): a head, usually a spouse, children, sometimes a parent of the head.

        Sizes average a little over 3 (Yingtan: about 1.15 M people in some 350,000 households).
        """
        rng = self.rng
        years = timedelta(days=365)
        head_birth_lo = self.today - 78 * years
        head = self.person(place, born_after=head_birth_lo, born_before=self.today - 26 * years,
                           male=rng.random() < 0.9)
        surname = head.name[0]
        members = [Member(head, "户主")]
        if rng.random() < 0.85:
            lo, hi = head.birth_date - 6 * years, head.birth_date + 6 * years
            members.append(Member(self.person(place, born_after=lo, born_before=min(hi, self.today - 22 * years),
                                              male=not head.male), "配偶"))
        youngest_parent = max(m.person.birth_date for m in members)
        for _ in range(rng.choice((0, 1, 1, 2, 2, 2, 3))):
            lo = youngest_parent + 20 * years
            if lo >= self.today:
                break
            hi = min(youngest_parent + 42 * years, self.today)
            son = rng.random() < 0.52
            members.append(Member(self.person(place, born_after=lo, born_before=hi, male=son,
                                              surname=surname if rng.random() < 0.9 else None),
                                  "子" if son else "女"))
        if rng.random() < 0.2 and head.birth_date > self.today - 60 * years:
            lo, hi = head.birth_date - 40 * years, head.birth_date - 20 * years
            father = rng.random() < 0.4
            members.append(Member(self.person(place, born_after=max(lo, self.today - 100 * years), born_before=hi,
                                              male=father, surname=surname if father else None),
                                  "父" if father else "母"))
        return members
