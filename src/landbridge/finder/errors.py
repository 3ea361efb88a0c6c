"""The error codes of ``landbridge.finder`` with their zh-CN and English messages (issue #23)."""

from __future__ import annotations

from landbridge.errors import ErrorCode, NotFound, RuleViolation


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
    SAVED_SEARCH_NOT_FOUND = (NotFound, "finder.saved_search_not_found", "保存的搜索不存在",
                              "saved search not found")
    SAVED_SEARCHES_FULL = (RuleViolation, "finder.saved_searches_full", "最多保存 {limit} 个搜索，请先删除不用的",
                           "at most {limit} searches can be saved: delete one first")
    EMPTY_SEARCH = (RuleViolation, "finder.empty_search", "至少选择一个筛选条件才能保存搜索",
                    "choose at least one filter before saving a search")
    INVALID_NAME = (RuleViolation, "finder.invalid_name", "搜索名称须为 1 至 60 个字符",
                    "the search's name must be 1 to 60 characters")
