"""Land quota's manifest: reclamation projects and the construction-quota ledger (建设用地指标, issue #16)."""

from landbridge.kernel.modules import Layer, Manifest

MANIFEST = Manifest(
    name="land_quota", layer=Layer.process, order=105,
    models=("landbridge.land_quota.models",),
)
