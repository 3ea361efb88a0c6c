"""Land quota's manifest: reclamation projects and the construction-quota ledger (建设用地指标, issue #16)."""

from landbridge.kernel.modules import Layer, Manifest, Router

MANIFEST = Manifest(
    name="land_quota", layer=Layer.process, order=105,
    routers=(Router("landbridge.land_quota.views:router", order=320),
             Router("landbridge.land_quota.withdrawal_views:router", order=321)),
    models=("landbridge.land_quota.models", "landbridge.land_quota.withdrawal_models"),
    jobs=("landbridge.land_quota.transfer:run_due", "landbridge.land_quota.entry:run_due"),
    rule_sets=("land_quota", "homestead"),
)
