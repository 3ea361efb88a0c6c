"""The ledger's manifest: the event log, its tree heads and proofs, and the history panel other pages include (issue
#14 items 1 and 7)."""

from landbridge.kernel.modules import Layer, Manifest, Router

MANIFEST = Manifest(
    name="ledger", layer=Layer.ledger, order=20, templates="templates",
    routers=(Router("landbridge.ledger.views:router", order=30),),
    models=("landbridge.ledger.models",),
)
