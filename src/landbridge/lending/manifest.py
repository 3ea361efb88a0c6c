"""Lending's manifest: property-right loans with shared risk, close of business, disposal (issue #17)."""

from landbridge.kernel.modules import CliGroup, Fact, Layer, Manifest, NavLink, Router

MANIFEST = Manifest(
    name="lending", layer=Layer.process, order=110,
    routers=(Router("landbridge.lending.views:router", order=350),
             Router("landbridge.lending.pages:router", order=351),
             Router("landbridge.lending.claim_views:router", order=352),
             Router("landbridge.lending.contract_views:router", order=353),
             Router("landbridge.lending.disposal_views:router", order=356)),
    models=("landbridge.lending.models",),
    jobs=("landbridge.lending.jobs:run_due",),
    long_jobs=("landbridge.lending.contract:render_pending",),
    cli=(CliGroup("lending", "landbridge.lending.cli:app", order=110),),
    rule_sets=("lending",),
    templates="templates",
    facts=(Fact("lending.secured_claim", "landbridge.lending.disposal:secured_claim"),),
    nav=(NavLink("/lending", "普惠金融", "Inclusive finance", order=60,
                 roles=("member", "bank_officer", "guarantor_officer", "insurer_officer", "fund_manager",
                        "supervisor")),),
    todos=("landbridge.lending.todos:todos",),
    search=("landbridge.lending.search:search",),
)
