"""The registry's manifest: parcels, rights, applications, certificates (issue #14 item 1)."""

from landbridge.kernel.modules import Layer, Manifest, Router

MANIFEST = Manifest(
    name="registry", layer=Layer.registry, order=40, templates="templates",
    routers=(Router("landbridge.registry.views:router", order=100),
             Router("landbridge.registry.map_page:router", order=110),
             Router("landbridge.registry.pages:router", order=130),
             Router("landbridge.registry.basemap:router", order=340)),
    models=("landbridge.registry.models",),
    jobs=("landbridge.registry.jobs:run_due",),
    rule_sets=("registry", "registry_import"),
)
