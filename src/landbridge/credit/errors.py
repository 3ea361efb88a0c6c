"""The error codes of ``landbridge.credit`` with their zh-CN and English messages (issue #18); here the statistical
scorecard's (scope 3), each code ``credit.scorecard_…``."""

from __future__ import annotations

from landbridge.errors import ErrorCode, NotFound, RuleViolation


class CreditError(ErrorCode):
    """Every answer ``landbridge.credit`` refuses a request with; the scorecard's members start SCORECARD_."""

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
