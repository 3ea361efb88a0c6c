"""The error codes of ``landbridge.market_entry`` with their zh-CN and English messages (issue #15)."""

from __future__ import annotations

from landbridge.errors import Conflict, ErrorCode, Forbidden, NotFound, RuleViolation


class MarketEntryError(ErrorCode):
    """Every answer ``landbridge.market_entry`` refuses a request with; each gate has its own code."""

    CASE_NOT_FOUND = (NotFound, "market_entry.case_not_found", "入市案件 {case_id} 不存在",
                      "market entry case {case_id} does not exist")
    INVALID_TRANSITION = (Conflict, "market_entry.invalid_transition", "案件状态为 {state}，不能执行 {action}",
                          "a case in state {state} cannot {action}")
    NO_RULE_SET = (RuleViolation, "market_entry.no_rule_set", "{day} 没有生效的入市规则",
                   "no market entry rule set is in force on {day}")
    NOT_REGISTERED = (RuleViolation, "market_entry.not_registered", "该单元没有本集体登记的所有权或集体建设用地使用权",
                      "the collective holds no registered ownership or construction land right on this unit")
    NOT_OPERATING_USE = (RuleViolation, "market_entry.not_operating_use", "国土空间规划未将该地块确定为经营性用途",
                         "the spatial plan does not designate this land for an operating use")
    SEIZED = (Conflict, "market_entry.seized", "该单元已被查封，不能入市",
              "the unit is seized and cannot enter the market")
    CASE_OPEN = (Conflict, "market_entry.case_open", "该单元已有未结入市案件 {other}",
                 "the unit already has an open market entry case {other}")
    USE_NOT_PERMITTED = (RuleViolation, "market_entry.use_not_permitted", "规划条件不允许用途 {land_use}",
                         "the planning conditions do not permit the use {land_use}")
    PLAN_FIELD_MISSING = (RuleViolation, "market_entry.plan_field_missing", "入市方案缺少必备内容：{fields}",
                          "the entry plan lacks mandatory fields: {fields}")
    INVALID_PLAN = (RuleViolation, "market_entry.invalid_plan", "入市方案的 {field} 无效",
                    "the plan's {field} is invalid")
    TERM_OVER_CAP = (RuleViolation, "market_entry.term_over_cap",
                     "{category} 用地使用期限最长 {cap} 年，方案为 {term} 年",
                     "the term of {term} years exceeds the cap of {cap} years for {category} land")
    COUNCIL_NOT_CONSULTED = (Conflict, "market_entry.council_not_consulted", "尚未征求村民事务理事会意见",
                             "the villagers' affairs council has not been consulted")
    WRONG_MOTION = (RuleViolation, "market_entry.wrong_motion", "表决事项 {motion_id} 不是本案件的入市表决",
                    "motion {motion_id} is not this case's market entry consent motion")
    VOTE_NOT_PASSED = (Conflict, "market_entry.vote_not_passed", "入市表决未获三分之二以上同意（{reason}）",
                       "the consent vote did not pass at two thirds ({reason})")
    FILING_TOO_LATE = (RuleViolation, "market_entry.filing_too_late",
                       "备案须在交易前至少 {days} 个工作日，最早交易日 {earliest}",
                       "filing must precede the transaction by {days} working days; earliest transaction {earliest}")
    OBJECTION_WINDOW_CLOSED = (Conflict, "market_entry.objection_window_closed", "异议期已于 {closes_on} 结束",
                               "the objection window closed on {closes_on}")
    OBJECTION_WINDOW_OPEN = (Conflict, "market_entry.objection_window_open", "异议期至 {closes_on} 结束前不能办结",
                             "the case cannot be cleared before the objection window closes on {closes_on}")
    OBJECTION_PENDING = (Conflict, "market_entry.objection_pending", "尚有未处理的异议", "an objection is pending")
    NO_OBJECTION = (NotFound, "market_entry.no_objection", "没有待处理的异议", "no pending objection")
    PRICE_BELOW_FLOOR = (RuleViolation, "market_entry.price_below_floor", "起始价低于底价 {floor}",
                         "the start price is below the floor {floor}")
    LOT_NOT_DECIDED = (Conflict, "market_entry.lot_not_decided", "交易尚未产生结果（{phase}）",
                       "the exchange lot has no result yet ({phase})")
    NO_CONDITIONS = (Conflict, "market_entry.no_conditions", "没有有效的已核发规划条件，不能签订合同",
                     "no valid issued planning conditions: the contract cannot be made")
    CONDITIONS_NOT_VALID = (Conflict, "market_entry.conditions_not_valid",
                            "规划条件 {conditions_id} 已失效或不属于本地块",
                            "planning conditions {conditions_id} are not valid for this parcel")
    NOT_PAID = (Conflict, "market_entry.not_paid", "成交价款尚未付清", "the price has not been paid in full")
    RESULT_NOT_ANNULLED = (Conflict, "market_entry.result_not_annulled", "交易所未撤销该成交结果并重新挂牌",
                           "the exchange has not annulled the result and listed the land again")
    FEES_UNFUNDED = (Conflict, "market_entry.fees_unfunded",
                     "以地作价入股不收取价款，调节金和交易服务费（共 {amount} 元）由集体经济组织账簿支付，账簿余额不足",
                     "settled in kind, the adjustment and service fees ({amount} yuan) are paid from the "
                     "collective's book, which holds too little")
    REGISTRATION_BEFORE_PAYMENT = (Conflict, "market_entry.registration_before_payment",
                                   "价款未付清前不得办理不动产登记", "no registration before full payment")
    NOT_REGISTERED_YET = (Conflict, "market_entry.not_registered_yet", "不动产登记尚未办结",
                          "the registration is not approved yet")
    NO_AUTHORISATION = (Conflict, "market_entry.no_authorisation", "乡镇服务站没有该集体的有效委托书",
                        "the township desk holds no authorisation of this collective on file")
    NOT_A_TOWNSHIP_DESK = (RuleViolation, "market_entry.not_a_township_desk",
                           "机构 {desk_organisation_id} 不是该集体所在乡镇的服务站，不能受托代办",
                           "organisation {desk_organisation_id} is no township desk of the collective's township")
    AUTHORISATION_EXPIRED = (RuleViolation, "market_entry.authorisation_expired",
                             "委托书有效期须晚于今天（{today}）",
                             "the authorisation must be valid beyond today ({today})")
    INVALID_UPLOAD = (RuleViolation, "market_entry.invalid_upload", "上传文件无效：{reason}",
                      "invalid upload: {reason}")
    ACK_REQUIRED = (RuleViolation, "market_entry.ack_required", "须由办理人签署确认",
                    "the acting user must sign the acknowledgement")
    INVALID_TEXT = (RuleViolation, "market_entry.invalid_text", "{field} 不能为空且不超过 {max_length} 个字符",
                    "{field} must be 1 to {max_length} characters")
    INVALID_BBOX = (RuleViolation, "market_entry.invalid_bbox",
                    "地图范围须为 4 个经纬度数值：西,南,东,北（EPSG:4490）",
                    "the map box must be four coordinates west,south,east,north (EPSG:4490)")
    # --- entry purposes (L8): rental housing on collective land, urban-village phased redevelopment ----------
    PURPOSE_UNKNOWN = (RuleViolation, "market_entry.purpose_unknown", "入市用途类型 {purpose} 不存在或尚未施行",
                       "the entry purpose {purpose} does not exist or is not in force")
    PROGRAMME_REQUIRED = (RuleViolation, "market_entry.programme_required",
                          "城中村分期改造案件须填写改造项目编号和期次",
                          "an urban-village phase case needs its programme reference and phase number")
    PROGRAMME_NOT_FOR_PURPOSE = (RuleViolation, "market_entry.programme_not_for_purpose",
                                 "{purpose} 类入市案件不属于分期改造项目，不能填写项目编号或期次",
                                 "a {purpose} case belongs to no phased programme: no programme or phase")
    COLLECTIVE_NOT_CONVERTED = (Conflict, "market_entry.collective_not_converted",
                                "城中村分期改造须由已撤村改制或改制决议已通过的集体经济组织申请",
                                "urban-village phased redevelopment needs a collective converted into a company "
                                "or with a passed conversion resolution")
    PHASE_TAKEN = (Conflict, "market_entry.phase_taken", "改造项目 {programme_ref} 第 {phase} 期已有入市案件 {other}",
                   "phase {phase} of programme {programme_ref} already has an entry case {other}")
    PHASE_OUT_OF_ORDER = (Conflict, "market_entry.phase_out_of_order",
                          "改造项目 {programme_ref} 第 {previous} 期尚未办结备案，第 {phase} 期不能报县备案",
                          "phase {phase} of programme {programme_ref} cannot be filed before phase {previous} "
                          "is cleared")
    USE_NOT_FOR_PURPOSE = (RuleViolation, "market_entry.use_not_for_purpose", "{purpose} 类入市不适用用途 {land_use}",
                           "the use {land_use} does not fit a {purpose} entry")
    METHOD_NOT_FOR_PURPOSE = (RuleViolation, "market_entry.method_not_for_purpose",
                              "{purpose} 类入市不允许 {method} 方式（允许：{allowed}）",
                              "a {purpose} entry may not use the method {method} (allowed: {allowed})")
    RESIDENTIAL_GRANT_REFUSED = (RuleViolation, "market_entry.residential_grant_refused",
                                 "集体土地住宅用途不得出让（租赁住房只租不售）",
                                 "collective land for residential use may not be granted (rental housing is "
                                 "rent-only, never sold)")
    PURPOSE_TERM_OVER_CAP = (RuleViolation, "market_entry.purpose_term_over_cap",
                             "{purpose} 类以 {method} 方式入市期限最长 {cap} 年，方案为 {term} 年",
                             "a {purpose} entry by {method} may run {cap} years at most, not {term}")
    # --- contribution as equity (作价入股) ---------------------------------------------------------------------
    EQUITY_MOTION_REQUIRED = (RuleViolation, "market_entry.equity_motion_required",
                              "作价入股方式入市须有成员对本案件通过的土地作价入股表决事项",
                              "an entry by contribution as equity needs the members' passed equity contribution "
                              "motion on this case")
    EQUITY_MOTION_NOT_FOR_METHOD = (RuleViolation, "market_entry.equity_motion_not_for_method",
                                    "{method} 方式入市不涉及作价入股，不能填写作价入股表决事项",
                                    "an entry by {method} is no contribution as equity: no equity motion")
    WRONG_EQUITY_MOTION = (RuleViolation, "market_entry.wrong_equity_motion",
                           "表决事项 {motion_id} 不是本案件的土地作价入股表决",
                           "motion {motion_id} is not this case's equity contribution motion")
    EQUITY_MOTION_NOT_PASSED = (Conflict, "market_entry.equity_motion_not_passed",
                                "土地作价入股表决未获通过（{reason}）",
                                "the equity contribution motion did not pass ({reason})")
    EQUITY_BUYER_NOT_ORGANISATION = (RuleViolation, "market_entry.equity_buyer_not_organisation",
                                     "作价入股的受让方须为企业或其他组织，自然人不能作为入股项目方",
                                     "a contribution as equity needs an organisation as the project party, "
                                     "not a natural person")
    INVALID_FIELD = (RuleViolation, "market_entry.invalid_field", "“{label}”填写有误：{hint}",
                     "the field “{label_en}” is not valid: {hint_en}")
    FORBIDDEN = (Forbidden, "market_entry.forbidden", "无权办理该集体的入市事项",
                 "not allowed to act for this collective's market entry")
