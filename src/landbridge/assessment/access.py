"""Who may do what in assessment and on the task board (issue #19 scope 4), shared by the API and the pages.

The supervisor and the admin manage both: they score, adjust with a reason, review and publish assessments, and
put tasks on the board. A task's owner (a user of its owner organisation, whatever the role) reports its progress,
marks its milestones and the task done, and sees it. Everyone, anonymous included, sees published results only.
"""

from __future__ import annotations

from landbridge.assessment.errors import AssessmentError
from landbridge.assessment.models import BoardTask
from landbridge.auth import Principal, Role

MANAGERS = (Role.supervisor, Role.admin)


def is_manager(principal: Principal | None) -> bool:
    return principal is not None and principal.role in MANAGERS


def may_update(principal: Principal, task: BoardTask) -> None:
    """The supervisor, the admin or a user of the task's owner organisation; anyone else is refused."""
    if not is_manager(principal) and principal.organisation_id != task.owner_org_id:
        raise AssessmentError.NOT_OWNER.error(task_id=task.id)
