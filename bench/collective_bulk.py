"""Collective bulk paths at village-to-township scale: enrol n members in households of 3, quantify their
shares, open a members' assembly vote (roster of n), seal it, verify it, and pay a dividend over every
account. Prints one JSON line: seconds per step, rows/s, peak RSS."""

from __future__ import annotations

import json
from datetime import UTC, date, datetime
from fractions import Fraction

from _common import Timer, fresh_database, parser, peak_rss_mb


def main() -> None:
    p = parser(__doc__ or "")
    p.set_defaults(n=20_000)
    args = p.parse_args()
    url = args.database or f"sqlite:////tmp/landbridge_bench_collective_{args.n}.db"
    db = fresh_database(url)
    import random

    from landbridge import collective
    from landbridge.collective import MemberIn
    from landbridge.demo.people import make_person, make_uscc
    from landbridge.registry.bulk_register import PartyIn, bulk_create_parties

    rng = random.Random(args.seed)
    actor = "system:bench"
    figures: dict[str, object] = {"n": args.n, "database": "sqlite" if url.startswith("sqlite") else "postgresql"}
    t = Timer()
    with db.transaction() as s:
        seen: set[str] = set()
        people: list[PartyIn] = []
        while len(people) < args.n:
            person = make_person(rng, "360622")
            if person.resident_id not in seen:
                seen.add(person.resident_id)
                people.append(PartyIn("person", person.name, person.resident_id))
        person_ids = bulk_create_parties(s, people, actor=actor)
        households = bulk_create_parties(s, [
            PartyIn("group", f"户{i}", members=[(pid, "成员", Fraction(1, len(person_ids[i:i + 3])))
                                               for pid in person_ids[i:i + 3]])
            for i in range(0, len(person_ids), 3)], actor=actor)
        coll = collective.create_collective(
            s, party_id=bulk_create_parties(s, [PartyIn("organisation", "测试股份经济合作社",
                                                        make_uscc(rng, "360603", "93"))], actor=actor)[0],
            region_code="360603101001", name="测试股份经济合作社", actor=actor)
        collective.record_asset(s, collective_id=coll.id, name="厂房", category="building", value="10000000.00",
                                acquired_on=date(2015, 1, 1), actor=actor)
    figures["parties_s"] = t.lap()
    with db.transaction() as s:
        rows = [MemberIn(pid, households[i // 3], date(1990, 1, 1)) for i, pid in enumerate(person_ids)]
        collective.enrol_members_bulk(s, collective_party_id=coll.party_id, members=rows, as_of=date(2019, 6, 30),
                                      actor=actor)
    figures["enrol_s"] = t.lap()
    figures["enrol_rows_per_s"] = round(args.n / max(figures["enrol_s"], 1e-9))  # type: ignore[arg-type]
    with db.transaction() as s:
        q = collective.quantify_shares_bulk(s, collective_party_id=coll.party_id, base_date=date(2019, 12, 31),
                                            actor=actor, resolution_ref="bench")
    figures["quantify_s"] = t.lap()
    figures["accounts"] = q.account_count
    with db.transaction() as s:
        meeting = collective.convene_meeting(s, collective_id=coll.id, body="members_assembly", title="bench",
                                             scheduled_at=datetime(2026, 3, 2, tzinfo=UTC), actor=actor)
        motion = collective.create_motion(s, meeting_id=meeting.id, title="m", text="", actor=actor)
        opened = collective.open_vote(s, motion_id=motion.id, actor=actor)
        figures["roster"] = opened.roster_size
    figures["open_vote_s"] = t.lap()
    with db.transaction() as s:
        collective.seal_vote(s, motion_id=motion.id, actor=actor)
        figures["verified"] = collective.vote_verdict(s, motion.id, "simple_majority").verified
    figures["seal_and_verify_s"] = t.lap()
    with db.transaction() as s:
        book = next(b for b in collective.queries.books_of(s, coll.id) if b.owner == "collective")
        collective.record_book_entry(s, book_id=book.id, direction="income", amount="1234567.89",
                                     category="operating_income", memo="bench", actor=actor)
        collective.run_dividend(s, collective_id=coll.id, period="2025", amount="1234567.89", resolution_ref="bench",
                                actor=actor)
    figures["dividend_s"] = t.lap()
    with db.transaction() as s:
        figures["reconciles"] = collective.reconcile_shares(s, coll.id).ok
    figures["reconcile_s"] = t.lap()
    figures["peak_rss_mb"] = peak_rss_mb()
    print(json.dumps(figures))


if __name__ == "__main__":
    main()
