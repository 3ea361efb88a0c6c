"""The error codes of ``landbridge.cityprofile`` with their zh-CN and English messages (issue #14 item 5)."""

from __future__ import annotations

from landbridge.errors import Conflict, ErrorCode, RuleViolation


class CityProfileError(ErrorCode):
    """Every answer ``landbridge.cityprofile`` refuses a request with."""

    BAD_DAY = (RuleViolation, "rules.bad_day", "日期格式应为 YYYY-MM-DD", "the day must be YYYY-MM-DD")
    NOT_IN_FORCE = (RuleViolation, "rules.not_in_force", "{day} 没有生效的“{rule_set}”规则版本",
                    "rule set {rule_set} has no version in force on {day}")
    VERSION_EDITED = (Conflict, "rules.version_edited",
                      "规则集 {rule_set} 在 {day} 生效的版本已被改动，无法复现当时的规则",
                      "rule set {rule_set} in force on {day} was edited in place: the numbers this record used "
                      "cannot be reproduced")
