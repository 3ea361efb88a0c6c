"""Industry information's manifest (产业信息, issue #19 item 5): places of the industry synergy platform, their
projects and funding, the investors' page and the map layer."""

from landbridge.kernel.modules import Layer, Manifest, NavLink, Router

MANIFEST = Manifest(
    name="industry", layer=Layer.credit, order=112,
    routers=(Router("landbridge.industry.overlay:router", order=385),
             Router("landbridge.industry.views:router", order=386),
             Router("landbridge.industry.pages:router", order=387),
             Router("landbridge.industry.forms:router", order=388)),
    templates="templates",
    models=("landbridge.industry.models",),
    rule_sets=("industry",),
    nav=(NavLink("/industry", "产业招商", "Invest", order=62),),
)
