"""Privacy's manifest: data keys and record reads (issue #14 item 1)."""

from landbridge.kernel.modules import Layer, Manifest

MANIFEST = Manifest(name="privacy", layer=Layer.privacy, order=30, models=("landbridge.privacy.models",))
