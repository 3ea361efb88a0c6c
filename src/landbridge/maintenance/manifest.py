"""Maintenance's manifest: the rural infrastructure maintenance inventory (管护清单, issue #20 item 5)."""

from landbridge.kernel.modules import Layer, Manifest, NavLink, Router

MANIFEST = Manifest(
    name="maintenance", layer=Layer.process, order=108,
    routers=(Router("landbridge.maintenance.overlay:router", order=375),
             Router("landbridge.maintenance.views:router", order=376),
             Router("landbridge.maintenance.pages:router", order=377),
             Router("landbridge.maintenance.forms:router", order=378)),
    templates="templates",
    models=("landbridge.maintenance.models",),
    jobs=("landbridge.maintenance.overdue:escalate_overdue",),
    rule_sets=("maintenance",),
    nav=(NavLink("/maintenance", "管护清单", "Maintenance inventory", order=58,
                 roles=("township_official", "collective_clerk", "nr_official", "supervisor", "admin")),),
    todos=("landbridge.maintenance.todos:todos",),
)
