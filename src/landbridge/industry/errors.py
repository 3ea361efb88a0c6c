"""The error codes of ``landbridge.industry`` with their zh-CN and English messages (issue #19 item 5)."""

from __future__ import annotations

from landbridge.errors import Conflict, ErrorCode, Forbidden, NotFound, RuleViolation


class IndustryError(ErrorCode):
    """Every answer ``landbridge.industry`` refuses a request with."""

    INVALID_KIND = (RuleViolation, "industry.invalid_kind", "载体类型 {kind} 无效", "unknown kind of place {kind}")
    INVALID_INDUSTRY = (RuleViolation, "industry.invalid_industry", "产业 {industry} 不在规则清单内",
                        "industry {industry} is not in the rule set's list")
    INVALID_FUNDING = (RuleViolation, "industry.invalid_funding", "资金来源 {source} 无效",
                       "unknown funding source {source}")
    INVALID_AMOUNT = (RuleViolation, "industry.invalid_amount", "{field} 金额无效（应为 0 至 {most} 元，最多两位小数）",
                      "{field} is not a valid amount (0 to {most} yuan, at most two decimals)")
    INVALID_TEXT = (RuleViolation, "industry.invalid_text", "{field} 不能为空且不超过 {max_length} 个字符",
                    "{field} must be 1 to {max_length} characters")
    INVALID_REGION = (RuleViolation, "industry.invalid_region", "区划代码 {region_code} 无效（应为 12 位代码）",
                      "invalid region code {region_code} (12 digits)")
    INVALID_BOUNDARY = (RuleViolation, "industry.invalid_boundary", "载体边界无效：{reason}",
                        "invalid boundary: {reason}")
    BOUNDARY_TOO_MANY_VERTICES = (RuleViolation, "industry.boundary_too_many_vertices",
                                  "载体边界有 {vertices} 个顶点，最多 {max_vertices} 个",
                                  "the boundary has {vertices} vertices; at most {max_vertices} are allowed")
    BOUNDARY_TOO_LARGE = (RuleViolation, "industry.boundary_too_large", "载体边界面积 {area} m² 超过上限 {limit} m²",
                          "the boundary covers {area} m², more than {limit} m²")
    INVALID_BBOX = (RuleViolation, "industry.invalid_bbox", "地图范围无效", "invalid map viewport")
    INVALID_NATURE = (RuleViolation, "industry.invalid_nature", "项目性质 {nature} 无效（经营性或公益性）",
                      "unknown project nature {nature} (operating or public welfare)")
    PLACE_NOT_FOUND = (NotFound, "industry.place_not_found", "产业载体 {place_id} 不存在",
                       "place {place_id} does not exist")
    PROJECT_NOT_FOUND = (NotFound, "industry.project_not_found", "项目 {project_id} 不存在",
                         "project {project_id} does not exist")
    INVALID_TRANSITION = (Conflict, "industry.invalid_transition", "状态为 {status} 的{what}不能{action}",
                          "a {status} {what} cannot be {action}")
    LINK_NOT_FOUND = (NotFound, "industry.link_not_found", "{what} {ref} 不存在", "{what} {ref} does not exist")
    LINK_OUTSIDE_PLACE = (RuleViolation, "industry.link_outside_place", "{what} {ref} 的宗地不在载体 {place_no} 范围内",
                          "the parcel of {what} {ref} lies outside place {place_no}")
    BUNDLE_NOT_FOUND = (NotFound, "industry.bundle_not_found", "打捆项目 {bundle_id} 不存在",
                        "bundle {bundle_id} does not exist")
    BUNDLE_INVALID = (RuleViolation, "industry.bundle_invalid", "打捆项目无效：{reason}",
                      "invalid project bundle: {reason}")
    BUNDLE_NOT_COVERED = (RuleViolation, "industry.bundle_not_covered",
                          "打捆项目收益 {revenue} 元不足以覆盖融资 {financing} 元"
                          "（覆盖倍数 {ratio}，应不低于 {minimum}）",
                          "the bundle's revenue {revenue} yuan does not cover its financing {financing} yuan "
                          "(coverage {ratio}, at least {minimum})")
    OUTSIDE_REGION = (Forbidden, "industry.outside_region", "区划 {region_code} 不在您所在单位的辖区",
                      "region {region_code} lies outside your organisation's area")
