"""The error codes of ``landbridge.assessment`` with their zh-CN and English messages (issue #19 scope 4)."""

from __future__ import annotations

from landbridge.errors import Conflict, ErrorCode, Forbidden, NotFound, RuleViolation


class AssessmentError(ErrorCode):
    """Every answer ``landbridge.assessment`` refuses a request with."""

    SETS_INVALID = (RuleViolation, "assessment.sets_invalid", "考核指标体系定义无效：{reason}",
                    "the assessment sets are invalid: {reason}")
    SETS_CHANGED = (Conflict, "assessment.sets_changed", "考核指标体系 {version} 已生效，不能修改（请新增版本）",
                    "assessment set {version} is in force and cannot be edited (add a new version)")
    NO_SET = (NotFound, "assessment.no_set", "{year} 年没有 {subject_kind} 类考核指标体系",
              "no assessment set for {subject_kind} in {year}")
    INVALID_YEAR = (RuleViolation, "assessment.invalid_year", "考核年度 {year} 无效", "invalid assessment year {year}")
    RUN_NOT_FOUND = (NotFound, "assessment.run_not_found", "考核 {run_id} 不存在", "assessment {run_id} does not exist")
    ALREADY_SCORED = (Conflict, "assessment.already_scored", "{year} 年 {subject_kind} 类考核已按 {version} 版评分",
                      "the {year} {subject_kind} assessment is already scored with set {version}")
    SUBJECT_NOT_FOUND = (NotFound, "assessment.subject_not_found", "考核对象 {subject} 不在本次考核中",
                         "{subject} is not a subject of this assessment")
    INVALID_SCORE = (RuleViolation, "assessment.invalid_score", "调整后得分须在 0 到 {cap} 之间",
                     "an adjusted score must be between 0 and {cap}")
    REASON_REQUIRED = (RuleViolation, "assessment.reason_required", "调整得分须写明理由（1 至 {max_length} 个字符）",
                       "an adjustment needs a written reason (1 to {max_length} characters)")
    INVALID_TRANSITION = (Conflict, "assessment.invalid_transition", "状态为 {status} 的{what}不能{action}",
                          "a {status} {what} cannot be {action}")
    TASK_NOT_FOUND = (NotFound, "assessment.task_not_found", "任务 {task_id} 不存在", "task {task_id} does not exist")
    MILESTONE_NOT_FOUND = (NotFound, "assessment.milestone_not_found", "节点 {milestone_id} 不存在",
                           "milestone {milestone_id} does not exist")
    INVALID_TEXT = (RuleViolation, "assessment.invalid_text", "{field} 不能为空且不超过 {max_length} 个字符",
                    "{field} must be 1 to {max_length} characters")
    INVALID_SCHEDULE = (RuleViolation, "assessment.invalid_schedule", "工期无效：{reason}",
                        "invalid schedule: {reason}")
    INVALID_PLACE = (RuleViolation, "assessment.invalid_place", "任务地点无效：{reason}",
                     "invalid task place: {reason}")
    OWNER_NOT_FOUND = (NotFound, "assessment.owner_not_found", "责任单位 {organisation_id} 不存在",
                       "owner organisation {organisation_id} does not exist")
    NOT_OWNER = (Forbidden, "assessment.not_owner", "只有任务 {task_id} 的责任单位或督查部门可以更新进度",
                 "only the owner of task {task_id} or the supervisor may update it")
    MILESTONES_OPEN = (Conflict, "assessment.milestones_open", "任务 {task_id} 还有 {open} 个节点未完成",
                       "task {task_id} still has {open} open milestones")
