"""The error codes of ``landbridge.land_quota`` with their zh-CN and English messages (issue #16)."""

from __future__ import annotations

from landbridge.errors import Conflict, ErrorCode, NotFound, RuleViolation


class QuotaError(ErrorCode):
    """Every answer ``landbridge.land_quota`` refuses a request with."""

    INVALID_AREA = (RuleViolation, "land_quota.invalid_area", "{field} 须为正数面积（平方米，最多两位小数）",
                    "{field} must be a positive area in square metres with at most two decimals")
    INVALID_GRADE = (RuleViolation, "land_quota.invalid_grade", "耕地质量等别 {grade} 无效（应为 1 至 15）",
                     "land quality grade {grade} must be 1 to 15")
    INVALID_KIND = (RuleViolation, "land_quota.invalid_kind", "复垦项目类型 {kind} 无效",
                    "unknown reclamation project kind {kind}")
    INVALID_TEXT = (RuleViolation, "land_quota.invalid_text", "{field} 不能为空且不超过 {max_length} 个字符",
                    "{field} must be 1 to {max_length} characters")
    INVALID_YEAR = (RuleViolation, "land_quota.invalid_year", "年度 {year} 无效", "invalid year {year}")
    PROJECT_NOT_FOUND = (NotFound, "land_quota.project_not_found", "复垦项目 {project_id} 不存在",
                         "reclamation project {project_id} does not exist")
    INVALID_TRANSITION = (Conflict, "land_quota.invalid_transition", "复垦项目状态为 {status}，不能变为 {target}",
                          "a {status} reclamation project cannot become {target}")
    NOT_ACCEPTED = (Conflict, "land_quota.not_accepted", "复垦项目状态为 {status}，未经验收不能入库指标",
                    "a {status} reclamation project is not accepted: no quota may be credited from it")
    ALREADY_CREDITED = (Conflict, "land_quota.already_credited", "复垦项目 {project_id} 的指标已入库",
                        "the quota of reclamation project {project_id} is already credited")
    BALANCE_NOT_FOUND = (NotFound, "land_quota.balance_not_found", "{county_code} 县 {year} 年度没有指标台账",
                         "county {county_code} has no quota balance for {year}")
    OVER_ALLOCATION = (Conflict, "land_quota.over_allocation",
                       "可分配指标不足：已入库 {accepted} 平方米，已分配 {allocated} 平方米，申请 {requested} 平方米",
                       "not enough quota to allocate: {accepted} m² accepted, {allocated} m² allocated, "
                       "{requested} m² asked for")
    ALLOCATION_NOT_FOUND = (NotFound, "land_quota.allocation_not_found", "宗地 {parcel_id} 在 {year} 年度没有指标分配",
                            "parcel {parcel_id} has no quota allocated for {year}")
    OVER_CONSUMPTION = (Conflict, "land_quota.over_consumption",
                        "可使用指标不足：已分配 {allocated} 平方米，已使用 {consumed} 平方米，申请 {requested} 平方米",
                        "not enough allocated quota: {allocated} m² allocated, {consumed} m² consumed, "
                        "{requested} m² asked for")
