"""The land finder's manifest (issue #23): an API and a page, no tables, no jobs."""

from landbridge.kernel.modules import Layer, Manifest, NavLink, Router

MANIFEST = Manifest(
    name="finder", layer=Layer.process, order=107, templates="templates",
    routers=(Router("landbridge.finder.views:router", order=303),
             Router("landbridge.finder.pages:router", order=304)),
    nav=(NavLink("/finder", "找地", "Land finder", order=15),),
)
