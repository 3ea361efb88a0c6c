"""The registry's manifest: parcels, rights, applications, certificates (issue #14 item 1)."""

from landbridge.kernel.modules import Layer, Manifest, NavLink, Router

MANIFEST = Manifest(
    name="registry", layer=Layer.registry, order=40, templates="templates",
    routers=(Router("landbridge.registry.views:router", order=100),
             Router("landbridge.registry.map_page:router", order=110),
             Router("landbridge.registry.pages:router", order=130),
             Router("landbridge.registry.basemap:router", order=340),
             Router("landbridge.registry.signup_views:router", order=135),
             Router("landbridge.registry.org_signup_views:router", order=134)),
    models=("landbridge.registry.models", "landbridge.registry.signup", "landbridge.registry.org_signup"),
    jobs=("landbridge.registry.jobs:run_due",),
    rule_sets=("registry", "registry_import", "registry_service", "registry_signup"),
    nav=(NavLink("/", "全景看地", "Public map", order=10),
         NavLink("/registrar/queue", "登记审核", "Registration queue", order=20, roles=("registrar",)),
         NavLink("/admin/org-signups", "机构注册审核", "Organisation sign-ups", order=985, roles=("admin",)),
         NavLink("/privacy/reads", "个人信息查阅记录", "Record reads", order=900, roles=("supervisor", "admin")),
         NavLink("/me/record-reads", "谁查阅了我的信息", "Who read my record", order=910, needs_party=True)),
    todos=("landbridge.registry.todos:todos",),
    search=("landbridge.registry.search:search",),
)
