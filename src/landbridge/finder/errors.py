"""The error codes of ``landbridge.finder`` with their zh-CN and English messages (issue #23)."""

from __future__ import annotations

from landbridge.errors import ErrorCode, RuleViolation


class FinderError(ErrorCode):
    """Every answer the land finder refuses a search with."""

    INVALID_RANGE = (RuleViolation, "finder.invalid_range", "{field} 的下限不能大于上限",
                     "the lower bound of {field} is above its upper bound")
    UNKNOWN_USE = (RuleViolation, "finder.unknown_use", "用途 {use} 不是 GB/T 21010 地类代码",
                   "use {use} is not a GB/T 21010 land-use class")
    UNKNOWN_RIGHT_TYPE = (RuleViolation, "finder.unknown_right_type", "权利类型 {right_type} 不存在",
                          "right type {right_type} does not exist")
    INVALID_REGION = (RuleViolation, "finder.invalid_region",
                      "区域须为 6 位（县区）、9 位（乡镇）或 12 位（村）行政区划代码",
                      "the area must be a region code of 6 (county), 9 (township) or 12 (village) digits")
    INVALID_NUMBER = (RuleViolation, "finder.invalid_number", "{field} 须为不小于 0 的数值",
                      "{field} must be a number not below 0")
