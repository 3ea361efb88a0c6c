"""The error codes of ``landbridge.open_data`` with their zh-CN and English messages (issue #19 item 6)."""

from __future__ import annotations

from landbridge.errors import ErrorCode, NotFound, RuleViolation


class OpenDataError(ErrorCode):
    """Every answer ``landbridge.open_data`` refuses a request with."""

    UNKNOWN_DATASET = (NotFound, "open_data.unknown_dataset", "没有该数据集：{dataset}", "no such dataset: {dataset}")
    UNKNOWN_CATEGORY = (RuleViolation, "open_data.unknown_category", "数据集“{dataset}”没有分类“{category}”",
                        "dataset {dataset} has no category {category}")
    BAD_RANGE = (RuleViolation, "open_data.bad_range", "起始日期 {start} 晚于截止日期 {end}",
                 "the start {start} is after the end {end}")
    TOO_MANY_PERIODS = (RuleViolation, "open_data.too_many_periods", "查询含 {periods} 个统计期，最多 {max} 个",
                        "the query spans {periods} periods, at most {max}")
    BAD_REGION = (RuleViolation, "open_data.bad_region", "地区代码须为 6 至 12 位数字：{region}",
                  "a region code is 6 to 12 digits: {region}")
    NO_RULE_SET = (RuleViolation, "open_data.no_rule_set", "{day} 没有生效的开放数据规则",
                   "no open data rule set in force on {day}")
