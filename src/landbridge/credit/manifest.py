"""Credit's manifest: credit records, the indicator grade, objections, court listings, designations and the
statistical scorecard (issue #18)."""

from landbridge.kernel.modules import CliGroup, Fact, Layer, Manifest, NavLink, Router

MANIFEST = Manifest(
    name="credit", layer=Layer.credit, order=120,
    routers=(Router("landbridge.credit.views:router", order=360),
             Router("landbridge.credit.pages:router", order=361),
             Router("landbridge.credit.supervision_pages:router", order=362)),
    templates="templates",
    models=("landbridge.credit.models", "landbridge.credit.scorecard.models"),
    cli=(CliGroup("credit", "landbridge.credit.cli:app", order=125),),
    jobs=("landbridge.credit.actions:run_due",),
    rule_sets=("credit", "credit_scorecard"),
    facts=(Fact("credit.grade", "landbridge.credit.service:grade_fact"),
           Fact("credit.application_score", "landbridge.credit.scorecard.applications:application_score")),
    nav=(NavLink("/credit", "我的信用", "My credit", order=70, roles=("member",), needs_party=True),
         NavLink("/credit", "信用档案", "Credit files", order=71, roles=("bank_officer",)),
         NavLink("/credit/designations", "信用村镇", "Credit villages", order=72),
         NavLink("/credit/supervision", "信用监管", "Credit supervision", order=73, roles=("supervisor", "admin"))),
    todos=("landbridge.credit.todos:todos",),
)
