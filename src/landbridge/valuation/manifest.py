"""Valuation's manifest: benchmark prices, mass appraisal, learning, reports, ratio studies (issue #14 item 1).

Its revaluation runs for minutes, so its job is a long one (a thread of its own in the worker).
"""

from landbridge.kernel.modules import CliGroup, Fact, Layer, Manifest, NavLink, Router

MANIFEST = Manifest(
    name="valuation", layer=Layer.domain, order=60, templates="templates",
    routers=(Router("landbridge.valuation.sales.views:router", order=150),
             Router("landbridge.valuation.benchmark.views:router", order=180),
             Router("landbridge.valuation.benchmark.pages:router", order=190),
             Router("landbridge.valuation.mass.views:router", order=200),
             Router("landbridge.valuation.mass.pages:router", order=210),
             Router("landbridge.valuation.export_views:router", order=215),
             Router("landbridge.valuation.learn.views:router", order=240),
             Router("landbridge.valuation.report.views:router", order=250),
             Router("landbridge.valuation.map_views:router", order=255)),
    models=("landbridge.valuation.sales.models", "landbridge.valuation.benchmark.models",
            "landbridge.valuation.mass.models", "landbridge.valuation.learn.models",
            "landbridge.valuation.sales.feed_models"),
    jobs=("landbridge.valuation.sales.feed:run_due",),
    long_jobs=("landbridge.valuation.mass.jobs:run_due",),
    cli=(CliGroup("valuation", "landbridge.valuation.cli:app", order=10),),
    rule_sets=("valuation", "valuation_jobs", "valuation_mass"),
    nav=(NavLink("/valuation/benchmark", "基准地价", "Benchmark prices", order=80,
                 roles=("nr_official", "registrar", "bank_officer", "supervisor", "admin")),
         NavLink("/valuation/sale-flags", "成交价核查", "Sale flags", order=81, roles=("nr_official", "supervisor")),
         NavLink("/valuation/runs", "批量评估", "Mass appraisal", order=82, roles=("nr_official", "bank_officer"))),
    # the price context of a parcel (issue #23): the registry's parcel page asks it (ADR 0016)
    facts=(Fact("valuation.price_context", "landbridge.valuation.price_context:price_context"),),
)
