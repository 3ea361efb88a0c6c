"""Valuation's manifest: benchmark prices, mass appraisal, learning, reports, ratio studies (issue #14 item 1).

Its revaluation runs for minutes, so its job is a long one (a thread of its own in the worker).
"""

from landbridge.kernel.modules import CliGroup, Layer, Manifest, Router

MANIFEST = Manifest(
    name="valuation", layer=Layer.domain, order=60, templates="templates",
    routers=(Router("landbridge.valuation.views:router", order=150),
             Router("landbridge.valuation.benchmark_views:router", order=180),
             Router("landbridge.valuation.benchmark_pages:router", order=190),
             Router("landbridge.valuation.mass_views:router", order=200),
             Router("landbridge.valuation.mass_pages:router", order=210),
             Router("landbridge.valuation.learn_views:router", order=240),
             Router("landbridge.valuation.report_views:router", order=250)),
    models=("landbridge.valuation.models", "landbridge.valuation.benchmark_models",
            "landbridge.valuation.mass_models", "landbridge.valuation.learn_models"),
    long_jobs=("landbridge.valuation.jobs:run_due",),
    cli=(CliGroup("valuation", "landbridge.valuation.cli:app", order=10),),
    rule_sets=("valuation", "valuation_jobs", "valuation_mass"),
)
