"""The exchange's manifest: lots, methods, bids, documents, settlement, live streams (issue #14 item 1).

``BidLane`` answers bearer-token bids before the session and CSRF stack (inside the security headers).
"""

from landbridge.kernel.modules import Layer, Manifest, NavLink, Router

MANIFEST = Manifest(
    name="exchange", layer=Layer.domain, order=80, templates="templates",
    routers=(Router("landbridge.exchange.views:router", order=220),
             Router("landbridge.exchange.pages:router", order=230),
             Router("landbridge.exchange.method_views:router", order=260),
             Router("landbridge.exchange.document_views:router", order=270),
             Router("landbridge.exchange.export_views:router", order=275),
             Router("landbridge.exchange.live:router", order=280),
             Router("landbridge.exchange.legal_views:router", order=330),
             Router("landbridge.exchange.map_layer:router", order=337)),
    models=("landbridge.exchange.models", "landbridge.exchange.method_models", "landbridge.exchange.document_models",
            "landbridge.exchange.settlement_models", "landbridge.exchange.entry_models",
            "landbridge.exchange.legal_models"),
    jobs=("landbridge.exchange.jobs:run_due",),
    long_jobs=("landbridge.exchange.documents:render_pending",),
    middleware=("landbridge.exchange.bid_lane:BidLane",),
    rule_sets=("exchange", "exchange_legal", "exchange_live", "exchange_supervision"),
    nav=(NavLink("/exchange", "产权交易", "Exchange", order=30),
         NavLink("/exchange/supervision", "交易监管预警", "Exchange flags", order=31, roles=("supervisor",)),
         NavLink("/exchange/reconciliation", "交易对账", "Reconciliation", order=32,
                 roles=("exchange_operator", "supervisor"))),
    todos=("landbridge.exchange.todos:todos",),
    search=("landbridge.exchange.search:search",),
)
