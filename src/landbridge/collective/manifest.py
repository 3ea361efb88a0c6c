"""The collective's manifest: members, shares, meetings, votes, dividends (issue #14 item 1)."""

from landbridge.kernel.modules import Fact, Layer, Manifest, NavLink, Router

MANIFEST = Manifest(
    name="collective", layer=Layer.domain, order=70, templates="templates",
    routers=(Router("landbridge.collective.views:router", order=160),
             Router("landbridge.collective.pages:router", order=170)),
    models=("landbridge.collective.models",),
    jobs=("landbridge.collective.jobs:run_due",),
    rule_sets=("collective",),
    nav=(NavLink("/collective", "集体经济", "Collective economy", order=40, roles=("collective_clerk", "member")),),
    todos=("landbridge.collective.todos:todos",),
    facts=(Fact("collective.member_of_village", "landbridge.collective.facts:member_of_village"),),
)
