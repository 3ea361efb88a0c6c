"""Open data's manifest: public aggregate statistics, price indices and the data catalogue (issue #19 item 6)."""

from landbridge.kernel.modules import Layer, Manifest, NavLink, Router

MANIFEST = Manifest(
    name="open_data", layer=Layer.readers, order=196,
    routers=(Router("landbridge.open_data.views:router", order=396),
             Router("landbridge.open_data.pages:router", order=397)),
    templates="templates",
    rule_sets=("open_data",),
    nav=(NavLink("/open-data", "数据开放", "Open data", order=99),),
)
