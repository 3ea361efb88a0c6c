"""The notices manifest: users' inboxes and their delivery outbox (issue #20 item 1). Notices sit beside auth: they
know users by id only, and every module above may send one."""

from landbridge.kernel.modules import Layer, Manifest

MANIFEST = Manifest(
    name="notices", layer=Layer.auth, order=25,
    models=("landbridge.notices.models",),
    jobs=("landbridge.notices.service:deliver_pending",),
)
