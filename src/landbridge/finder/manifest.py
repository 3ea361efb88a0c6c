"""The land finder's manifest (issue #23): an API and a page; saved searches and the job that tells their users
of newly published lots that meet them."""

from landbridge.kernel.modules import Layer, Manifest, NavLink, Router

MANIFEST = Manifest(
    name="finder", layer=Layer.process, order=107, templates="templates",
    models=("landbridge.finder.models",), rule_sets=("finder",),
    routers=(Router("landbridge.finder.views:router", order=303),
             Router("landbridge.finder.pages:router", order=304),
             Router("landbridge.finder.saved_views:router", order=305)),
    nav=(NavLink("/finder", "找地", "Land finder", order=15),),
    jobs=("landbridge.finder.saved:notify_new_lots",),
)
