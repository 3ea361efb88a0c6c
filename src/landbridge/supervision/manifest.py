"""Supervision's manifest: the city's view (城市大脑, issue #19): indicators as versioned data, their daily time
series, the dashboard with drill-down to the records behind a figure and its XLSX / PDF exports, and the anomaly
queue fed by the exchange, market entry and lending. It reads the other modules through their
public read functions; no module imports it."""

from landbridge.kernel.modules import Layer, Manifest, NavLink, Router

MANIFEST = Manifest(
    name="supervision", layer=Layer.readers, order=190,
    routers=(Router("landbridge.supervision.pages:router", order=390),
             Router("landbridge.supervision.anomaly_pages:router", order=391),
             Router("landbridge.supervision.exports:router", order=392)),
    templates="templates",
    models=("landbridge.supervision.models",),
    jobs=("landbridge.supervision.jobs:run_due",),
    nav=(NavLink("/supervision/dashboard", "监管驾驶舱", "Supervision dashboard", order=95,
                 roles=("supervisor", "nr_official", "township_official", "admin")),
         NavLink("/supervision/anomalies", "异常督办", "Anomaly queue", order=96, roles=("supervisor", "admin"))),
)
