"""The error codes of ``landbridge.planning`` with their zh-CN and English messages (issue #14 item 5)."""

from __future__ import annotations

from landbridge.errors import Conflict, ErrorCode, NotFound, RuleViolation


class PlanningError(ErrorCode):
    """Every answer ``landbridge.planning`` refuses a request with."""

    # a required text missing or too long (service._check_text)
    INVALID_CODE = (RuleViolation, "planning.invalid_code", "{field} 不能为空且不超过 {max_length} 个字符",
                    "{field} must be 1 to {max_length} characters")
    INVALID_PLAN_VERSION = (RuleViolation, "planning.invalid_plan_version",
                            "{field} 不能为空且不超过 {max_length} 个字符",
                            "{field} must be 1 to {max_length} characters")
    INVALID_REASON = (RuleViolation, "planning.invalid_reason", "{field} 不能为空且不超过 {max_length} 个字符",
                      "{field} must be 1 to {max_length} characters")
    INVALID_SUBKIND = (RuleViolation, "planning.invalid_subkind", "{field} 不能为空且不超过 {max_length} 个字符",
                       "{field} must be 1 to {max_length} characters")

    ZONE_NOT_FOUND = (NotFound, "planning.zone_not_found", "规划分区 {zone_id} 不存在",
                      "plan zone {zone_id} does not exist")

    NO_RULE_SET = (RuleViolation, "planning.no_rule_set", "{day} 没有生效的规划规则（最早 {first}）",
                   "no planning rule set is in force on {day} (the first starts {first})")

    INVALID_TRANSITION = (Conflict, "planning.invalid_transition",
                          "规划分区状态为 {state.value}，不能变为 {target.value}",
                          "a {state.value} zone cannot become {target.value}")

    INVALID_CONDITIONS = (RuleViolation, "planning.invalid_conditions", "规划指标 {name} 须为十进制数",
                          "{name} must be a decimal number, not {type_value___name}")

    INVALID_CONDITIONS_2 = (RuleViolation, "planning.invalid_conditions", "规划指标 {name} 超出范围",
                            "{name} is out of range")

    INVALID_CONDITIONS_3 = (RuleViolation, "planning.invalid_conditions", "规划指标 {name} 最多 {places} 位小数",
                            "{name} has more than {places} decimal places")

    INVALID_CONDITIONS_4 = (RuleViolation, "planning.invalid_conditions", "未知的规划指标",
                            "unknown indicators {sorted_unknown}")

    INVALID_CONDITIONS_5 = (RuleViolation, "planning.invalid_conditions", "容积率下限大于上限",
                            "the minimum plot ratio exceeds the maximum")

    INVALID_ZONE_KIND = (RuleViolation, "planning.invalid_zone_kind", "规划分区类型 {value} 无效",
                         "unknown zone kind {value!r}")

    INVALID_FEATURE_KIND = (RuleViolation, "planning.invalid_feature_kind", "图层类型 {value} 无效",
                            "unknown layer kind {value!r}")

    INVALID_LAND_USE_CLASS = (RuleViolation, "planning.invalid_land_use_class", "地类代码 {code} 无效（GB/T 21010）",
                              "{code!r} is not a GB/T 21010 land-use class")

    INVALID_CONDITIONS_6 = (RuleViolation, "planning.invalid_conditions", "规划指标 {name} 格式错误",
                            "{name} is not a number")

    INVALID_CONDITIONS_7 = (RuleViolation, "planning.invalid_conditions", "规划指标 {name} 不能为负数",
                            "{name} is negative")

    INVALID_CONDITIONS_8 = (RuleViolation, "planning.invalid_conditions", "规划指标 {name} 不能大于 1",
                            "{name} is a fraction and cannot exceed 1")

    INVALID_GEOMETRY = (RuleViolation, "planning.invalid_geometry", "图形无效：{reason}", "invalid geometry: {reason}")

    ZONE_CODE_EXISTS = (Conflict, "planning.zone_code_exists", "规划版本中已有分区编号 {codes_shown}",
                        "zone code(s) {codes_shown} already exist in plan version {plan_version}")

    ZONE_OVERLAP = (Conflict, "planning.zone_overlap", "规划分区重叠：{names_shown}",
                    "approved zones of one plan version may not overlap: {names_shown}")

    INVALID_REGION_CODE = (RuleViolation, "planning.invalid_region_code", "区划代码 {region_code} 不是本市的区县或乡镇",
                           "region code {region_code} is not a county or township of the city profile")

    INVALID_DATES = (RuleViolation, "planning.invalid_dates", "失效日期须晚于生效日期",
                     "effective_to must be after effective_from")

    INVALID_STATUS = (RuleViolation, "planning.invalid_status", "批量导入的分区只能是草案或已批准",
                      "zones are loaded as draft or approved")

    INVALID_NAME = (RuleViolation, "planning.invalid_name", "名称不超过 200 个字符",
                    "name must be at most 200 characters")

    INVALID_REGION_CODE_2 = (RuleViolation, "planning.invalid_region_code", "区划代码 {feature.code} 无效",
                             "region code {feature.code!r} is not 12 digits")

    NO_ZONE = (NotFound, "planning.no_zone", "该地块不在任何已批准的规划分区内",
               "no approved plan zone in force covers this land")

    INVALID_BBOX = (RuleViolation, "planning.invalid_bbox", "bbox 范围无效", "bbox is empty or inverted")

    INVALID_GEOMETRY_2 = (RuleViolation, "planning.invalid_geometry", "图形无法解析",
                          "the geometry cannot be parsed: {exc}")

    INVALID_BBOX_2 = (RuleViolation, "planning.invalid_bbox", "bbox 应为 minx,miny,maxx,maxy",
                      "bbox must be minx,miny,maxx,maxy")

    USE_NOT_PERMITTED = (RuleViolation, "planning.use_not_permitted", "规划不允许该地块用于 {land_use}",
                         "the plan does not permit the use {land_use} on this land")

    CONDITIONS_NOT_FOUND = (NotFound, "planning.conditions_not_found", "规划条件 {conditions_id} 不存在",
                            "issued planning conditions {conditions_id} do not exist")

    CONDITIONS_NOT_IN_FORCE = (Conflict, "planning.conditions_not_in_force", "规划条件 {conditions_id} 已不在有效状态",
                               "planning conditions {conditions_id} are no longer in force")
