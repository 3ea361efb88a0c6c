"""The web toolkit's manifest: API docs and the base layout's templates (issue #14 item 1).

Its templates come first in the search path (the base layout every page extends), hence order 1.
"""

from landbridge.kernel.modules import Layer, Manifest, Router

MANIFEST = Manifest(
    name="web", layer=Layer.toolkit, order=1, templates="templates",
    routers=(Router("landbridge.web.docs:router", order=20),),
)
