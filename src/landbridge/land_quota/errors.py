"""The error codes of ``landbridge.land_quota`` with their zh-CN and English messages (issue #16)."""

from __future__ import annotations

from landbridge.errors import Conflict, ErrorCode, Forbidden, NotFound, RuleViolation


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
    # Registry and collective checks (a project's boundary, an allocation's parcel)
    INVALID_BOUNDARY = (RuleViolation, "land_quota.invalid_boundary", "复垦项目范围无效：{reason}",
                        "invalid reclamation project boundary: {reason}")
    BOUNDARY_TOO_MANY_VERTICES = (RuleViolation, "land_quota.boundary_too_many_vertices",
                                  "复垦项目范围有 {vertices} 个顶点，最多 {max_vertices} 个",
                                  "the boundary has {vertices} vertices; at most {max_vertices} are allowed")
    BOUNDARY_AREA = (RuleViolation, "land_quota.boundary_area",
                     "复垦项目范围面积 {area_m2} 平方米，应在 {min_m2} 至 {max_m2} 平方米之间",
                     "the boundary measures {area_m2} m²; it must be {min_m2} to {max_m2} m²")
    COLLECTIVE_NOT_FOUND = (NotFound, "land_quota.collective_not_found", "集体经济组织 {collective_id} 不存在",
                            "collective {collective_id} does not exist")
    COLLECTIVE_OUTSIDE_COUNTY = (RuleViolation, "land_quota.collective_outside_county",
                                 "集体经济组织 {collective_id} 不在 {county_code} 县（区）",
                                 "collective {collective_id} is not in county {county_code}")
    OUTSIDE_COLLECTIVE_LAND = (RuleViolation, "land_quota.outside_collective_land",
                               "复垦项目范围有 {outside_m2} 平方米不在该集体已登记的土地内",
                               "{outside_m2} m² of the boundary lie outside the collective's registered land")
    PROJECT_OVERLAP = (Conflict, "land_quota.project_overlap",
                       "复垦项目范围与项目 {project_no} 重叠 {overlap_m2} 平方米",
                       "the boundary overlaps reclamation project {project_no} by {overlap_m2} m²")
    PARCEL_NOT_FOUND = (NotFound, "land_quota.parcel_not_found", "宗地 {parcel_id} 不在不动产登记簿中（或已不现势）",
                        "parcel {parcel_id} is not a current parcel of the registry")
    PARCEL_OUTSIDE_COUNTY = (RuleViolation, "land_quota.parcel_outside_county",
                             "宗地 {parcel_id} 不在 {county_code} 县（区），不能使用该县指标",
                             "parcel {parcel_id} is not in county {county_code} and cannot take its quota")
    # The annual supply plan (年度供应计划)
    INVALID_USE = (RuleViolation, "land_quota.invalid_use", "供应计划用途 {land_use} 无效",
                   "unknown supply plan land use {land_use}")
    INVALID_QUARTER = (RuleViolation, "land_quota.invalid_quarter", "季度 {quarter} 无效（应为 1 至 4）",
                       "quarter {quarter} must be 1 to 4")
    INVALID_PLAN_LINES = (RuleViolation, "land_quota.invalid_plan_lines", "供应计划明细无效：{reason}",
                          "invalid supply plan lines: {reason}")
    PLAN_EXISTS = (Conflict, "land_quota.plan_exists", "{county_code} 县 {year} 年度供应计划已存在",
                   "county {county_code} already has a supply plan for {year}")
    PLAN_NOT_FOUND = (NotFound, "land_quota.plan_not_found", "{county_code} 县 {year} 年度没有供应计划",
                      "county {county_code} has no supply plan for {year}")
    PLAN_INVALID_TRANSITION = (Conflict, "land_quota.plan_invalid_transition",
                               "供应计划状态为 {status}，不能变为 {target}",
                               "a {status} supply plan cannot become {target}")
    PLAN_NOT_APPROVED = (Conflict, "land_quota.plan_not_approved", "{county_code} 县 {year} 年度供应计划尚未批准",
                         "the supply plan of county {county_code} for {year} is not approved")
    PLAN_LINE_NOT_FOUND = (Conflict, "land_quota.plan_line_not_found",
                           "{year} 年度供应计划没有 {land_use} 用途第 {quarter} 季度的安排",
                           "the {year} supply plan has no line for {land_use} in quarter {quarter}")
    OVER_PLAN = (Conflict, "land_quota.over_plan",
                 "超出供应计划：{land_use} 第 {quarter} 季度计划 {quota} 平方米，"
                 "已分配 {allocated} 平方米，申请 {requested} 平方米",
                 "beyond the supply plan: {land_use} in quarter {quarter} plans {quota} m², {allocated} m² are "
                 "allocated, {requested} m² asked for")
    OVER_PLAN_PARCELS = (Conflict, "land_quota.over_plan_parcels",
                         "超出供应计划：{land_use} 第 {quarter} 季度计划 {parcels} 宗地，已全部安排",
                         "beyond the supply plan: {land_use} in quarter {quarter} plans {parcels} parcels, all taken")
    ALLOCATION_LINE_MISMATCH = (Conflict, "land_quota.allocation_line_mismatch",
                                "宗地 {parcel_id} 在 {year} 年度已按其他用途或季度分配指标",
                                "parcel {parcel_id} already has {year} quota under another use or quarter")
    # Transfer on the exchange (construction_quota lots) and buyers' holdings
    QUOTA_LOT_NOT_FOUND = (NotFound, "land_quota.quota_lot_not_found", "指标交易标的 {quota_lot_id} 不存在",
                           "quota lot {quota_lot_id} does not exist")
    QUOTA_LOT_CLOSED = (Conflict, "land_quota.quota_lot_closed", "指标交易标的状态为 {status}，已办结",
                        "the quota lot is {status} already")
    LOT_NOT_DECIDED = (Conflict, "land_quota.lot_not_decided", "交易所标的处于 {phase} 阶段，尚未成交或终止",
                       "the exchange lot is {phase}: neither concluded nor ended")
    HOLDING_NOT_FOUND = (NotFound, "land_quota.holding_not_found",
                         "受让方 {party_id} 没有 {county_code} 县 {year} 年度的指标",
                         "party {party_id} holds no quota of county {county_code} for {year}")
    OVER_HOLDING = (Conflict, "land_quota.over_holding",
                    "受让指标不足：已受让 {received} 平方米，已分配 {allocated} 平方米，申请 {requested} 平方米",
                    "not enough quota held: {received} m² received, {allocated} m² allocated, {requested} m² asked for")
    # Consumption by a market-entry case
    ENTRY_NOT_CONCLUDED = (Conflict, "land_quota.entry_not_concluded", "宗地 {parcel_id} 尚无已成交（签约）的入市案件",
                           "parcel {parcel_id} has no concluded market-entry case")
    ALREADY_CONSUMED_BY_ENTRY = (Conflict, "land_quota.already_consumed_by_entry",
                                 "宗地 {parcel_id} 在 {year} 年度的指标已由入市案件 {case_id} 使用",
                                 "the {year} quota of parcel {parcel_id} was consumed by entry case {case_id}")
    # Land banking (土地收储)
    INVALID_COMPENSATION = (RuleViolation, "land_quota.invalid_compensation",
                            "补偿款 {value} 无效（元，非负，最多两位小数）",
                            "compensation {value} must be a non-negative amount of yuan with at most two decimals")
    RESERVE_NOT_FOUND = (NotFound, "land_quota.reserve_not_found", "收储案件 {reserve_id} 不存在",
                         "land reserve case {reserve_id} does not exist")
    RESERVE_EXISTS = (Conflict, "land_quota.reserve_exists", "宗地 {parcel_id} 已有未撤销的收储案件",
                      "parcel {parcel_id} already has a land reserve case")
    RESERVE_INVALID_TRANSITION = (Conflict, "land_quota.reserve_invalid_transition",
                                  "收储案件状态为 {status}，不能进行 {action}",
                                  "a {status} land reserve case cannot {action}")

    # the homestead withdrawal case (宅基地自愿有偿退出, ``land_quota.withdrawal``) and the over-standard fee
    HOMESTEAD_NO_RULE_SET = (RuleViolation, "land_quota.homestead_no_rule_set",
                   "{day} 没有生效的宅基地规则",
                   "no homestead rule set is in force on {day}")
    WITHDRAWAL_NOT_FOUND = (NotFound, "land_quota.withdrawal_not_found",
                      "宅基地退出案件 {case_id} 不存在",
                      "homestead withdrawal case {case_id} does not exist")
    HOMESTEAD_FEE_NOT_FOUND = (NotFound, "land_quota.homestead_fee_not_found",
                     "宅基地有偿使用费 {fee_id} 不存在",
                     "homestead fee {fee_id} does not exist")
    NOT_A_HOMESTEAD = (RuleViolation, "land_quota.not_a_homestead",
                       "权利 {right_id} 不是现势宅基地使用权",
                       "right {right_id} is not a current homestead use right")
    NOT_HOMESTEAD_HOLDER = (Forbidden, "land_quota.not_homestead_holder",
                  "申请人所在户不是宅基地使用权 {right_id} 的权利人",
                  "the applicant's household does not hold homestead right {right_id}")
    ONLY_HOMESTEAD = (Conflict, "land_quota.only_homestead",
                      "宅基地使用权 {right_id} 是该户唯一的宅基地，不能退出（一户一宅）；"
                      "超标准部分可选择保留并缴纳有偿使用费",
                      "homestead right {right_id} is the household's only homestead and cannot be given up "
                      "(one homestead per household); the household may keep it and pay the over-standard fee")
    HOMESTEAD_SEIZED = (Conflict, "land_quota.homestead_seized",
              "宅基地所在不动产单元 {unit_id} 已被查封或设有限制",
              "property unit {unit_id} of the homestead is seized or restricted")
    WITHDRAWAL_OPEN = (Conflict, "land_quota.withdrawal_open",
                 "宅基地使用权 {right_id} 已有进行中的退出案件 {other}",
                 "homestead right {right_id} already has an open withdrawal case {other}")
    HOMESTEAD_WRONG_COLLECTIVE = (RuleViolation, "land_quota.wrong_collective",
                        "集体经济组织 {collective_id} 不是该宅基地的所有权人",
                        "collective {collective_id} is not the owner of this homestead's village")
    WITHDRAWAL_INVALID_STEP = (Conflict, "land_quota.withdrawal_invalid_step",
                    "退出案件状态为 {status}，不能执行 {step}",
                    "a {status} withdrawal case cannot take the step {step}")
    INVALID_HOUSEHOLD_SIZE = (RuleViolation, "land_quota.invalid_household_size",
                              "户籍人口 {size} 无效（应为 1 至 {max}）",
                              "household size {size} must be 1 to {max}")
    INVALID_HOUSE_STRUCTURE = (RuleViolation, "land_quota.invalid_structure",
                         "房屋结构 {structure} 无效（可选：{known}）",
                         "unknown house structure {structure} (known: {known})")
    WITHDRAWAL_INVALID_MONEY = (RuleViolation, "land_quota.invalid_money",
                     "{field} 须为正数金额（元，最多两位小数）",
                     "{field} must be a positive amount of yuan with at most two decimals")
    WITHDRAWAL_COUNCIL_REQUIRED = (Conflict, "land_quota.council_required",
                        "依集体规则须先征求村民事务理事会意见",
                        "the collective's rules require the villagers' affairs council to be consulted first")
    WITHDRAWAL_VOTE_REQUIRED = (Conflict, "land_quota.vote_required",
                     "依集体规则退出须经成员表决",
                     "the collective's rules require a members' vote on the withdrawal")
    WITHDRAWAL_WRONG_MOTION = (RuleViolation, "land_quota.wrong_motion",
                    "表决事项 {motion_id} 不是本集体就本案件的表决",
                    "motion {motion_id} is not this collective's vote on this case")
    WITHDRAWAL_VOTE_NOT_SEALED = (Conflict, "land_quota.vote_not_sealed",
                       "表决事项 {motion_id} 尚未封存计票（{reason}）",
                       "motion {motion_id} has no verified sealed result ({reason})")
    NOT_OVER_STANDARD = (Conflict, "land_quota.not_over_standard",
                         "宅基地面积 {area} 平方米未超过标准 {standard} 平方米，无需缴纳有偿使用费",
                         "the homestead's {area} m² does not exceed the standard {standard} m²: no fee is due")
    HOMESTEAD_FEE_ASSESSED = (Conflict, "land_quota.fee_already_assessed",
                    "宅基地使用权 {right_id} 的 {year} 年度有偿使用费已核定",
                    "the {year} fee of homestead right {right_id} is already assessed")
    HOMESTEAD_FEE_PAID = (Conflict, "land_quota.fee_already_paid", "有偿使用费 {fee_id} 已缴纳",
                          "fee {fee_id} is already paid")
    CANCELLATION_NOT_REGISTERED = (Conflict, "land_quota.cancellation_not_registered",
                                   "注销登记申请 {application_id} 尚未登簿（状态 {status}）",
                                   "cancellation application {application_id} is not registered yet ({status})")
    WITHDRAWAL_PAYMENT_MISMATCH = (Conflict, "land_quota.payment_mismatch",
                        "支付金额 {amount} 元与核定补偿 {total} 元不符",
                        "the payment of {amount} yuan differs from the compensation of {total} yuan")
    BAD_INPUT = (RuleViolation, "land_quota.bad_input", "表单字段 {field} 无效", "the form field {field} is invalid")
    INVALID_BBOX = (RuleViolation, "land_quota.invalid_bbox", "地图范围无效：须为 西,南,东,北 四个经纬度",
                    "invalid bbox: give west,south,east,north in degrees")
    NOT_YOUR_COLLECTIVE = (Forbidden, "land_quota.not_your_collective",
                           "集体经济组织会计只能为本集体经济组织登记复垦项目（集体经济组织 {collective_id}）",
                           "a collective's clerk registers projects of their own collective only (not {collective_id})")
