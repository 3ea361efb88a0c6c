"""The error codes of ``landbridge.maintenance`` with their zh-CN and English messages (issue #20 item 5)."""

from __future__ import annotations

from landbridge.errors import Conflict, ErrorCode, Forbidden, NotFound, RuleViolation


class MaintenanceError(ErrorCode):
    """Every answer ``landbridge.maintenance`` refuses a request with."""

    INVALID_KIND = (RuleViolation, "maintenance.invalid_kind", "设施类型 {kind} 无效", "unknown asset kind {kind}")
    INVALID_FUNDING = (RuleViolation, "maintenance.invalid_funding", "管护经费来源 {funding} 无效",
                       "unknown funding source {funding}")
    INVALID_SEVERITY = (RuleViolation, "maintenance.invalid_severity", "问题等级 {severity} 无效",
                        "unknown defect severity {severity}")
    INVALID_TEXT = (RuleViolation, "maintenance.invalid_text", "{field} 不能为空且不超过 {max_length} 个字符",
                    "{field} must be 1 to {max_length} characters")
    INVALID_REGION = (RuleViolation, "maintenance.invalid_region",
                      "行政村代码 {region_code} 无效（应为 12 位村级代码）",
                      "invalid village code {region_code} (12 digits, a village)")
    INVALID_LOCATION = (RuleViolation, "maintenance.invalid_location", "设施位置无效：{reason}",
                        "invalid asset location: {reason}")
    LOCATION_TOO_MANY_VERTICES = (RuleViolation, "maintenance.location_too_many_vertices",
                                  "设施位置有 {vertices} 个顶点，最多 {max_vertices} 个",
                                  "the location has {vertices} vertices; at most {max_vertices} are allowed")
    LOCATION_TOO_LARGE = (RuleViolation, "maintenance.location_too_large", "设施位置过大：{measure}，最大 {limit}",
                          "the location is too large: {measure}, at most {limit}")
    INVALID_DATE = (RuleViolation, "maintenance.invalid_date", "{field} 日期无效：不能早于 {earliest} 或晚于今天",
                    "{field} is not a valid date: not before {earliest} and not after today")
    INVALID_BBOX = (RuleViolation, "maintenance.invalid_bbox", "地图范围无效", "invalid map viewport")
    MAINTAINER_NOT_FOUND = (NotFound, "maintenance.maintainer_not_found", "管护主体 {kind} {maintainer_id} 不存在",
                            "maintainer {kind} {maintainer_id} does not exist")
    MAINTAINER_IS_A_PERSON = (RuleViolation, "maintenance.maintainer_is_a_person",
                              "管护主体须为单位或村集体，不能是个人（组织 {maintainer_id}）",
                              "a maintainer must be an organisation or a collective, not a person (organisation "
                              "{maintainer_id})")
    MAINTAINER_REQUIRED = (Conflict, "maintenance.maintainer_required",
                           "设施 {asset_no} 未明确管护主体，不能通过竣工验收移交",
                           "asset {asset_no} has no maintainer: it cannot be accepted and handed over")
    ASSET_NOT_FOUND = (NotFound, "maintenance.asset_not_found", "设施 {asset_id} 不存在",
                       "asset {asset_id} does not exist")
    DEFECT_NOT_FOUND = (NotFound, "maintenance.defect_not_found", "问题 {defect_id} 不存在",
                        "defect {defect_id} does not exist")
    INVALID_TRANSITION = (Conflict, "maintenance.invalid_transition", "状态为 {status} 的{what}不能{action}",
                          "a {status} {what} cannot be {action}")
    NOT_IN_SERVICE = (Conflict, "maintenance.not_in_service", "设施 {asset_no} 尚未验收移交，不能登记巡查或问题",
                      "asset {asset_no} is not handed over yet: no inspection or defect can be recorded")
    OUTSIDE_REGION = (Forbidden, "maintenance.outside_region", "设施 {asset_no} 不在您所在单位的辖区",
                      "asset {asset_no} lies outside your organisation's area")
    NOT_MAINTAINER = (Forbidden, "maintenance.not_maintainer", "只有设施 {asset_no} 的管护主体或乡镇可以登记维修",
                      "only the maintainer of asset {asset_no} or the township may record its repair")
