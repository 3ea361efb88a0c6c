"""Assessment's manifest (考核评估 and the task board 挂图作战 / 倒排工期, issue #19 scope 4): yearly assessment sets
as versioned data, scores from supervision's figures, review and publication; the plan's tasks with milestones
scheduled backwards and overdue alerts. It reads supervision's public functions; no module imports it."""

from landbridge.kernel.modules import Fact, Layer, Manifest, NavLink, Router

MANIFEST = Manifest(
    name="assessment", layer=Layer.readers, order=192,
    routers=(Router("landbridge.assessment.views:router", order=394),
             Router("landbridge.assessment.pages:router", order=395)),
    templates="templates",
    models=("landbridge.assessment.models",),
    jobs=("landbridge.assessment.tasks:alert_overdue",),
    nav=(NavLink("/assessment", "考核评估", "Assessment", order=97),
         NavLink("/tasks", "挂图作战", "Task board", order=98, roles=("supervisor", "admin", "township_official"))),
    todos=("landbridge.assessment.todos:todos",),
    # open data publishes the published results (issue #19 item 6); it asks for the fact and never imports us
    facts=(Fact("assessment.published_results", "landbridge.assessment.facts:published_results"),),
)
