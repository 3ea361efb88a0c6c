"""The city profile's manifest: ``landbridge rules …`` (issue #14 item 1)."""

from landbridge.kernel.modules import CliGroup, Layer, Manifest

MANIFEST = Manifest(name="cityprofile", layer=Layer.foundation, order=2,
                    cli=(CliGroup("rules", "landbridge.cityprofile.cli:app", order=20),))
