"""Market entry's manifest: entry cases of collective operating construction land (issue #15, ADR 0014)."""

from landbridge.kernel.modules import Fact, Layer, Manifest, NavLink, Router

MANIFEST = Manifest(
    name="market_entry", layer=Layer.process, order=100,
    routers=(Router("landbridge.market_entry.views:router", order=300),
             Router("landbridge.market_entry.pages:router", order=301),
             Router("landbridge.market_entry.overlay:router", order=302)),
    templates="templates",
    models=("landbridge.market_entry.models",),
    jobs=("landbridge.market_entry.jobs:run_due",),
    rule_sets=("market_entry",),
    nav=(NavLink("/market-entry", "集体土地入市", "Market entry cases", order=50,
                 roles=("collective_clerk", "township_official", "nr_official", "exchange_operator", "registrar",
                        "supervisor", "admin")),),
    todos=("landbridge.market_entry.todos:todos",),
    search=("landbridge.market_entry.search:search",),
    facts=(Fact("market_entry.parcel_entered", "landbridge.market_entry.facts:parcel_entered"),),
)
