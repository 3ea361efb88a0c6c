"""Credit's manifest: credit records, the indicator grade, objections, court listings and designations (#18)."""

from landbridge.kernel.modules import Fact, Layer, Manifest, Router

MANIFEST = Manifest(
    name="credit", layer=Layer.credit, order=120,
    routers=(Router("landbridge.credit.views:router", order=360),),
    models=("landbridge.credit.models",),
    jobs=("landbridge.credit.actions:run_due",),
    rule_sets=("credit",),
    facts=(Fact("credit.grade", "landbridge.credit.service:grade_fact"),),
)
