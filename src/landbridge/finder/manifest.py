"""The land finder's manifest (issue #23): an API and a page, no tables, no jobs."""

from landbridge.kernel.modules import Layer, Manifest, Router

MANIFEST = Manifest(
    name="finder", layer=Layer.process, order=105, templates="templates",
    routers=(Router("landbridge.finder.views:router", order=303),
             Router("landbridge.finder.pages:router", order=304)),
)
