"""Demands' manifest: residents' demands and feedback (群众诉求 / 评价反馈, the 12345 practice; issue #20 item 3)."""

from landbridge.kernel.modules import Layer, Manifest, NavLink, Router

MANIFEST = Manifest(
    name="demands", layer=Layer.domain, order=95,
    routers=(Router("landbridge.demands.views:router", order=370),
             Router("landbridge.demands.pages:router", order=371)),
    templates="templates",
    models=("landbridge.demands.models",),
    jobs=("landbridge.demands.service:escalate_overdue",),
    rule_sets=("demands",),
    nav=(NavLink("/demands", "我要诉求", "My demands", order=86, signed_in=True),
         NavLink("/demands/work", "诉求办理", "Demand desk", order=87,
                 roles=("township_official", "nr_official", "registrar", "exchange_operator", "supervisor")),
         NavLink("/demands/stats", "诉求统计", "Demand statistics", order=88)),
    todos=("landbridge.demands.todos:todos",),
)
