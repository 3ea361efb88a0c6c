"""Planning's manifest: territorial-plan zones and planning conditions (issue #14 item 1).

The template for a new module (docs/howto/add-a-module.md): one router, one table module, one rule set.
"""

from landbridge.kernel.modules import Layer, Manifest, Router

MANIFEST = Manifest(
    name="planning", layer=Layer.reference, order=50,
    routers=(Router("landbridge.planning.views:router", order=140),),
    models=("landbridge.planning.models",),
    rule_sets=("planning",),
)
