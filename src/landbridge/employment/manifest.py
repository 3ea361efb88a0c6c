"""Employment's manifest: the employment register (就业服务: 岗位、求职者、匹配、申请、技能培训; #20 item 4, E1, E2)."""

from landbridge.kernel.modules import Layer, Manifest, NavLink, Router

MANIFEST = Manifest(
    name="employment", layer=Layer.domain, order=96,
    routers=(Router("landbridge.employment.views:router", order=372),
             Router("landbridge.employment.training_views:router", order=373),
             Router("landbridge.employment.pages:router", order=374),
             Router("landbridge.employment.training_pages:router", order=379)),
    templates="templates",
    models=("landbridge.employment.models",),
    jobs=("landbridge.employment.service:expire_jobs",),
    rule_sets=("employment",),
    nav=(NavLink("/employment", "就业服务", "Jobs", order=92),),
    todos=("landbridge.employment.todos:todos",),
)
