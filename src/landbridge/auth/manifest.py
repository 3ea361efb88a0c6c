"""Auth's manifest: users, organisations, sessions (issue #14 item 1)."""

from landbridge.kernel.modules import Layer, Manifest, Router

MANIFEST = Manifest(
    name="auth", layer=Layer.auth, order=10,
    routers=(Router("landbridge.auth.views:router", order=10),),
    models=("landbridge.auth.models",),
    rule_sets=("auth",),
)
