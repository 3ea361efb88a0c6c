"""Benchmark: bulk first registration with rights (what the demo world's city scale needs, issue #3).

n households (one person each, valid unique resident IDs via ``demo.people.PeopleFactory``) through
``registry.bulk_register.bulk_create_parties``, then n land contract rights on n generated parcels
through ``registry.bulk_register`` (parcels, units, rights, holders, certificates, one ledger event per
chunk), into a fresh database. Prints one JSON line: seconds per step, units/s, peak RSS.
"""

from __future__ import annotations

import json
import random
import sys
import time
from fractions import Fraction

from _common import city_batch, default_url, fresh_database, parser, peak_rss_mb


def run(n: int, url: str, seed: int) -> dict[str, object]:
    from landbridge.demo.people import PeopleFactory
    from landbridge.kernel.clock import now
    from landbridge.registry import UnitRegistration, bulk_register
    from landbridge.registry.bulk_register import PartyIn, bulk_create_parties

    db = fresh_database(url)
    t0 = time.perf_counter()
    factory = PeopleFactory(random.Random(seed))
    people = []
    for _ in range(n):
        head = factory.household("360622")[0].person
        people.append(PartyIn(kind="person", name=head.name, id_number=head.resident_id))
    batch = city_batch(n, seed)
    generate_s = time.perf_counter() - t0
    t1 = time.perf_counter()
    with db.transaction() as s:
        ids = bulk_create_parties(s, people, actor="bench")
    parties_s = time.perf_counter() - t1
    rows = [UnitRegistration(geometry=g, region_code=str(r), land_use_class="0101", right_type="land_contract_right",
                             holders=[(pid, Fraction(1))])
            for g, r, pid in zip(batch.geoms, batch.region_codes, ids, strict=True)]
    t2 = time.perf_counter()
    with db.transaction() as s:
        report = bulk_register(s, rows, actor="bench")
    register_s = time.perf_counter() - t2
    db.dispose()
    return {
        "bench": "registry_bulk_register", "dialect": "postgresql" if url.startswith("postgres") else "sqlite",
        "n": n, "generate_s": round(generate_s, 1), "parties_s": round(parties_s, 1),
        "register_s": round(register_s, 1), "units_per_s": round(n / register_s),
        "certificates": report.certificate_count, "ledger_events": len(report.ledger_seqs),
        "peak_rss_mb": peak_rss_mb(), "at": now().isoformat(),
    }


def main() -> None:
    args = parser(__doc__ or "").parse_args()
    url = args.database or default_url(args.n)
    print(json.dumps(run(args.n, url, args.seed), ensure_ascii=False))
    sys.stdout.flush()


if __name__ == "__main__":
    main()
