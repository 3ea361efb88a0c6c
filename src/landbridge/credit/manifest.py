"""Credit's manifest: credit records, the indicator grade, objections, court listings and designations (#18)."""

from landbridge.kernel.modules import Fact, Layer, Manifest

MANIFEST = Manifest(
    name="credit", layer=Layer.credit, order=120,
    models=("landbridge.credit.models",),
    jobs=("landbridge.credit.actions:run_due",),
    rule_sets=("credit",),
    facts=(Fact("credit.grade", "landbridge.credit.service:grade_fact"),),
)
