"""Market entry's manifest: entry cases of collective operating construction land (issue #15, ADR 0014)."""

from landbridge.kernel.modules import Layer, Manifest

MANIFEST = Manifest(
    name="market_entry", layer=Layer.process, order=100,
    models=("landbridge.market_entry.models",),
    rule_sets=("market_entry",),
)
