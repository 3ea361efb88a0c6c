"""The ledger's manifest: the event log, its tree heads and proofs (issue #14 item 1)."""

from landbridge.kernel.modules import Layer, Manifest, Router

MANIFEST = Manifest(
    name="ledger", layer=Layer.ledger, order=20,
    routers=(Router("landbridge.ledger.views:router", order=30),),
    models=("landbridge.ledger.models",),
)
