"""Land quota's manifest: reclamation projects and the construction-quota ledger (建设用地指标, issue #16)."""

from landbridge.kernel.modules import Layer, Manifest, NavLink, Router

MANIFEST = Manifest(
    name="land_quota", layer=Layer.process, order=105,
    routers=(Router("landbridge.land_quota.views:router", order=320),
             Router("landbridge.land_quota.withdrawal_views:router", order=321),
             Router("landbridge.land_quota.pages:router", order=322),
             Router("landbridge.land_quota.overlay:router", order=323),
             Router("landbridge.land_quota.withdrawal_pages:router", order=324),
             Router("landbridge.land_quota.desk_pages:router", order=325)),
    templates="templates",
    models=("landbridge.land_quota.models", "landbridge.land_quota.withdrawal_models"),
    jobs=("landbridge.land_quota.transfer:run_due", "landbridge.land_quota.entry:run_due"),
    rule_sets=("land_quota", "homestead"),
    nav=(NavLink("/quota", "建设用地指标", "Construction-land quota", order=55,
                 roles=("nr_official", "reserve_officer",
                        "township_official", "collective_clerk", "supervisor", "admin")),),
    todos=("landbridge.land_quota.todos:todos",),
)
