"""The error codes of ``landbridge.employment`` with their zh-CN and English messages (issue #20 item 4)."""

from __future__ import annotations

from landbridge.errors import Conflict, ErrorCode, Forbidden, NotFound, RuleViolation


class EmploymentError(ErrorCode):
    """Every answer ``landbridge.employment`` refuses a request with."""

    JOB_NOT_FOUND = (NotFound, "employment.job_not_found", "岗位不存在", "job not found")
    SEEKER_NOT_FOUND = (NotFound, "employment.seeker_not_found", "求职登记不存在", "job seeker not found")
    APPLICATION_NOT_FOUND = (NotFound, "employment.application_not_found", "求职申请不存在",
                             "application not found")
    INVALID_STEP = (Conflict, "employment.invalid_step", "当前状态为“{status}”，不能{step}",
                    "in status {status} the step {step} is not possible")
    INVALID_TEXT = (RuleViolation, "employment.invalid_text", "{field} 不能为空且不超过 {max_length} 个字符",
                    "{field} must be given and at most {max_length} characters")
    UNKNOWN_INDUSTRY = (RuleViolation, "employment.unknown_industry", "未知的产业：{industry}",
                        "unknown industry: {industry}")
    INVALID_REGION = (RuleViolation, "employment.invalid_region", "地点代码无效：{region_code}",
                      "invalid place: {region_code}")
    INVALID_WAGE = (RuleViolation, "employment.invalid_wage", "工资须为 0 至 {max_yuan} 元且下限不高于上限",
                    "the wage must be from 0 to {max_yuan} yuan, its minimum not above its maximum")
    INVALID_HEADCOUNT = (RuleViolation, "employment.invalid_headcount", "招聘人数须为 1 至 {max_headcount}",
                         "the headcount must be from 1 to {max_headcount}")
    INVALID_SKILLS = (RuleViolation, "employment.invalid_skills",
                      "技能最多 {max_skills} 项，每项不超过 {max_length} 个字符",
                      "at most {max_skills} skills of at most {max_length} characters each")
    INVALID_CLOSING = (RuleViolation, "employment.invalid_closing", "截止日期须在今天之后、{max_days} 天以内",
                       "the closing date must be after today and within {max_days} days")
    EMPLOYER_UNVERIFIED = (Forbidden, "employment.employer_unverified",
                           "用人单位须有有效的统一社会信用代码", "an employer needs a valid unified social credit code")
    PERSON_REQUIRED = (RuleViolation, "employment.person_required", "求职登记须使用已关联本人身份的账号",
                       "registering as a job seeker needs a login linked to a registered person")
    CONSENT_REQUIRED = (RuleViolation, "employment.consent_required", "须明确授权向用人单位展示求职信息",
                        "the explicit consent to share the profile with employers is required")
    NO_CONSENT = (Forbidden, "employment.no_consent", "求职者未授权或已撤回授权", "the job seeker has not consented")
    ALREADY_APPLIED = (Conflict, "employment.already_applied", "已申请该岗位", "already applied for this job")
    JOB_CLOSED = (Conflict, "employment.job_closed", "岗位未在招聘中", "the job is not open")
    NOT_YOURS = (Forbidden, "employment.not_yours", "只能办理本单位或本人的事项",
                 "only the employer concerned or the person concerned may do this")
    COURSE_NOT_FOUND = (NotFound, "employment.course_not_found", "培训班不存在", "training course not found")
    ENROLMENT_NOT_FOUND = (NotFound, "employment.enrolment_not_found", "报名记录不存在", "enrolment not found")
    CERTIFICATE_NOT_FOUND = (NotFound, "employment.certificate_not_found", "证书不存在", "certificate not found")
    COURSE_FULL = (Conflict, "employment.course_full", "培训班已满或已停止报名", "the course is full or closed")
    ALREADY_ENROLLED = (Conflict, "employment.already_enrolled", "已报名该培训班", "already enrolled in this course")
    INVALID_COURSE = (RuleViolation, "employment.invalid_course",
                      "课时须为 1 至 {max_sessions}，名额须为 1 至 {max_capacity}",
                      "sessions must be from 1 to {max_sessions} and capacity from 1 to {max_capacity}")
    INVALID_SESSION = (RuleViolation, "employment.invalid_session", "课次须为 1 至 {sessions}",
                       "the session must be from 1 to {sessions}")
    ATTENDANCE_SHORT = (RuleViolation, "employment.attendance_short",
                        "出勤 {attended} 次，须至少 {needed} 次方可结业",
                        "attended {attended} sessions; {needed} are needed for the certificate")
    ALREADY_CERTIFIED = (Conflict, "employment.already_certified", "证书已发放", "the certificate was issued already")
    NO_RULE_SET = (RuleViolation, "employment.no_rule_set", "{day} 没有生效的就业服务规则",
                   "no employment rule set in force on {day}")
