"""Wage arrears' manifest: complaints of unpaid wages and the labour inspection's orders (欠薪, 治欠保支; issue #20
item 4)."""

from landbridge.kernel.modules import Layer, Manifest, NavLink, Router

MANIFEST = Manifest(
    name="wage_arrears", layer=Layer.domain, order=97,
    routers=(Router("landbridge.wage_arrears.views:router", order=380),
             Router("landbridge.wage_arrears.pages:router", order=381)),
    templates="templates",
    models=("landbridge.wage_arrears.models",),
    jobs=("landbridge.wage_arrears.service:escalate_overdue",),
    rule_sets=("wage_arrears",),
    nav=(NavLink("/wage-arrears", "欠薪投诉", "Unpaid wages", order=89, signed_in=True),
         NavLink("/wage-arrears/work", "欠薪处置", "Wage-arrears desk", order=90, roles=("labour_inspector",)),
         NavLink("/wage-arrears/stats", "欠薪统计", "Wage-arrears statistics", order=91)),
    todos=("landbridge.wage_arrears.todos:todos",),
)
