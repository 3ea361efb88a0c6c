"""Credit (农村信用体系): credit records, the indicator grade, objections, court listings, designations, and the
statistical scorecard in ``credit.scorecard`` (issue #18).

Other modules use only the names exported here; lending reads a grade through the fact ``credit.grade``.
"""

from landbridge.credit.actions import (
    authorise,
    designate,
    extend_listing,
    file_objection,
    flag_overdue_objections,
    is_authorised,
    lapse_listings,
    lift_listing,
    list_defaulter,
    reject_objection,
    revoke_authorisation,
    uphold_objection,
)
from landbridge.credit.rules import Facts, Grade, Scale, grade
from landbridge.credit.service import current_grade, gather, grade_fact, grade_parties, grade_party, records_of

__all__ = [
    "Facts",
    "Grade",
    "Scale",
    "authorise",
    "current_grade",
    "designate",
    "extend_listing",
    "file_objection",
    "flag_overdue_objections",
    "gather",
    "grade",
    "grade_fact",
    "grade_parties",
    "grade_party",
    "is_authorised",
    "lapse_listings",
    "lift_listing",
    "list_defaulter",
    "records_of",
    "reject_objection",
    "revoke_authorisation",
    "uphold_objection",
]
