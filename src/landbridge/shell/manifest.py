"""The shell's manifest: the pages around every module (home and session, the account, the rules in force), issue
#14 items 1 and 4.

The shell sits beside the domains (it reads auth and the city profile, and no domain): the web toolkit below it
imports no auth, so the login, password and token pages live here.
"""

from landbridge.kernel.modules import Layer, Manifest, NavLink, Router

MANIFEST = Manifest(
    name="shell", layer=Layer.domain, order=85, templates="templates",
    routers=(Router("landbridge.shell.session_pages:router", order=115),
             Router("landbridge.shell.account:router", order=120),
             Router("landbridge.shell.hall:router", order=116),
             Router("landbridge.shell.admin_users:router", order=117),
             Router("landbridge.shell.notices_pages:router", order=118),
             Router("landbridge.shell.search:router", order=119),
             Router("landbridge.shell.rules_pages:router", order=999)),
    nav=(NavLink("/hall", "办事大厅", "Service hall", order=5, signed_in=True),
         NavLink("/notices", "站内消息", "Notices", order=6, signed_in=True),
         NavLink("/search", "搜索", "Search", order=970),
         NavLink("/admin/users", "账号管理", "Accounts", order=980, roles=("admin", "org_admin")),
         NavLink("/rules", "政策规则", "Rules in force", order=990)),
)
