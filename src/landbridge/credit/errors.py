"""The error codes of ``landbridge.credit`` with their zh-CN and English messages (issue #18); the statistical
scorecard's (scope 3) start ``credit.scorecard_``."""

from __future__ import annotations

from landbridge.errors import Conflict, ErrorCode, Forbidden, NotFound, RuleViolation


class CreditError(ErrorCode):
    """Every answer ``landbridge.credit`` refuses a request with."""

    BAD_RULES = (RuleViolation, "credit.bad_rules", "信用规则 {rule} 设置无效", "the credit rule {rule} is invalid")
    UNKNOWN_FACT = (RuleViolation, "credit.unknown_fact", "未知的信用事实 {fact}", "unknown credit fact {fact}")
    BAD_EXTENSION = (RuleViolation, "credit.bad_extension",
                     "失信名单延长期限 {years} 年无效（须为 {least} 至 {most} 年）",
                     "a listing extension of {years} years is invalid ({least} to {most} years)")
    BAD_INPUT = (RuleViolation, "credit.bad_input", "{field} 无效", "{field} is invalid")
    PARTY_NOT_FOUND = (NotFound, "credit.party_not_found", "当事人 {party_id} 不存在",
                       "party {party_id} does not exist")
    RECORD_NOT_FOUND = (NotFound, "credit.record_not_found", "信用记录 {record_id} 不存在",
                        "credit record {record_id} does not exist")
    OBJECTION_NOT_FOUND = (NotFound, "credit.objection_not_found", "异议 {objection_id} 不存在",
                           "objection {objection_id} does not exist")
    LISTING_NOT_FOUND = (NotFound, "credit.listing_not_found", "失信名单记录 {listing_id} 不存在",
                         "court listing {listing_id} does not exist")
    INVALID_TRANSITION = (Conflict, "credit.invalid_transition", "状态为 {status} 的{what}不能{action_zh}",
                          "a {status} {what_en} cannot be {action_en}")
    OBJECTION_OPEN = (Conflict, "credit.objection_open", "该信用记录已有未处理的异议 {objection_id}",
                      "the credit record already has an open objection {objection_id}")
    NOT_YOUR_RECORD = (Forbidden, "credit.not_your_record", "只能对本人（本户）的信用记录提出异议",
                       "you may object only to your own (your household's) credit records")
    COURT_RECORD = (Conflict, "credit.court_record", "失信被执行人名单由作出决定的法院纠正，请向该法院申请",
                    "a court listing is corrected by the court that listed the party: apply to that court")
    NOT_AUTHORISED = (Forbidden, "credit.not_authorised", "当事人未授权本机构查询其信用信息",
                      "the party has not authorised your organisation to read its credit file")
    AUTHORISATION_NOT_FOUND = (NotFound, "credit.authorisation_not_found", "授权 {authorisation_id} 不存在",
                               "authorisation {authorisation_id} does not exist")
    NOT_GRADED = (NotFound, "credit.not_graded", "当事人 {party_id} 尚无信用评级",
                  "party {party_id} has no credit grade yet")
    SCORECARD_INPUT_NOT_FOUND = (NotFound, "credit.scorecard_input_not_found", "找不到输入文件 {path}",
                                 "the input file {path} does not exist")
    SCORECARD_INPUT_UNREADABLE = (RuleViolation, "credit.scorecard_input_unreadable",
                                  "无法读取输入文件 {path}：{reason}", "the input file {path} cannot be read: {reason}")
    SCORECARD_TARGET_ABSENT = (RuleViolation, "credit.scorecard_target_absent", "输入没有目标列 {target}",
                               "the input has no target column {target}")
    SCORECARD_TARGET_NOT_BINARY = (
        RuleViolation, "credit.scorecard_target_not_binary",
        "目标列 {target} 须只含 0 和 1（1 = 坏）且两者都有，实际值：{values}",
        "the target column {target} must hold only 0 and 1 (1 = bad), both present; found {values}")
    SCORECARD_BAD_HOLDOUT = (RuleViolation, "credit.scorecard_bad_holdout",
                             "留出比例须大于 0 且小于 1，实际为 {holdout}",
                             "the holdout share must be above 0 and below 1, not {holdout}")
    SCORECARD_TOO_FEW_ROWS = (RuleViolation, "credit.scorecard_too_few_rows",
                              "样本太少：训练集和留出集都须含好、坏两类（{detail}）",
                              "too few rows: the training and held-out sets must each hold goods and bads ({detail})")
    SCORECARD_NO_FEATURES = (RuleViolation, "credit.scorecard_no_features", "除目标列外没有可用的特征列",
                             "no feature column besides the target")
    SCORECARD_TRAINING_FAILED = (RuleViolation, "credit.scorecard_training_failed", "评分卡训练失败：{reason}",
                                 "the scorecard could not be trained: {reason}")
    SCORECARD_BAD_POINTS_TABLE = (RuleViolation, "credit.scorecard_bad_points_table", "评分卡分值表无效：{reason}",
                                  "the points table is invalid: {reason}")
    SCORECARD_MODEL_NOT_FOUND = (NotFound, "credit.scorecard_model_not_found", "评分模型 {version} 不存在",
                                 "scorecard model {version} does not exist")
    SCORECARD_NO_OUTCOMES = (RuleViolation, "credit.scorecard_no_outcomes",
                             "已结清或违约的贷款不足以训练（{detail}）",
                             "too few closed or defaulted loans to train on ({detail})")
