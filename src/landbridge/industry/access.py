"""Who may do what in industry information (issue #19 item 5): the natural-resources and planning bureau
(``nr_official``, which holds the plan's places and the quota and entry files they are computed from) and the admin
edit places, projects, funding and bundles; the supervisor reads drafts as well; anyone, anonymous included, reads
published places and projects (no personal data). No role is added for this module."""

from __future__ import annotations

from landbridge.auth import Role

EDITORS = (Role.nr_official, Role.admin)
READERS = (Role.nr_official, Role.supervisor, Role.admin)
