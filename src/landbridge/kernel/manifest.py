"""The kernel's manifest: shared value types; it contributes the working-day calendar rule set (issue #14 item 1)."""

from landbridge.kernel.modules import Layer, Manifest

MANIFEST = Manifest(name="kernel", layer=Layer.base, order=0, rule_sets=("calendar",))
