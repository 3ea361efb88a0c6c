"""Credit's manifest: the rural credit system (issue #18); here its statistical scorecard (scope 3)."""

from landbridge.kernel.modules import CliGroup, Layer, Manifest

MANIFEST = Manifest(
    name="credit", layer=Layer.readers, order=125,
    models=("landbridge.credit.scorecard.models",),
    cli=(CliGroup("credit", "landbridge.credit.cli:app", order=125),),
    rule_sets=("credit_scorecard",),
)
