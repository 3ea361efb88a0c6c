"""The demo world's manifest: its truth tables and the rule sets that shape it (issue #14 item 1)."""

from landbridge.kernel.modules import Layer, Manifest

MANIFEST = Manifest(name="demo", layer=Layer.readers, order=90, models=("landbridge.demo.models",),
                    rule_sets=("demo_geography", "demo_price_model", "demo_world"))
