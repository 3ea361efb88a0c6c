"""The error codes of ``landbridge.lending`` with their zh-CN and English messages (issue #17)."""

from __future__ import annotations

from landbridge.errors import Conflict, ErrorCode, Forbidden, NotFound, RuleViolation


class LendingError(ErrorCode):
    """Every answer ``landbridge.lending`` refuses a request with."""

    INVALID_TRANSITION = (Conflict, "lending.invalid_transition", "贷款状态为 {status}，不能变为 {target}",
                          "a {status} loan cannot become {target}")
    INVALID_AMOUNT = (RuleViolation, "lending.invalid_amount", "{field} 须为正数金额（最多两位小数）",
                      "{field} must be a positive amount of yuan with at most two decimals")
    INVALID_RATE = (RuleViolation, "lending.invalid_rate", "年利率 {rate} 无效（应为 0 至 1 之间、至多六位小数的小数）",
                    "annual rate {rate} must be a fraction from 0 to below 1 with at most six decimals")
    INVALID_TERM = (RuleViolation, "lending.invalid_term", "期限 {months} 无效（1 至 {max_months} 个月）",
                    "term {months} must be 1 to {max_months} months")
    INVALID_METHOD = (RuleViolation, "lending.invalid_method", "还款方式 {method} 无效",
                      "unknown repayment method {method}")
    INVALID_GRACE = (RuleViolation, "lending.invalid_grace", "宽限期 {grace_months} 个月无效（须少于期限 {months}）",
                     "a grace of {grace_months} months must be shorter than the term of {months}")
    INVALID_RISK_SHARE = (RuleViolation, "lending.invalid_risk_share", "风险分担设置无效：{party}",
                          "invalid risk-share binding: {party}")
    INVALID_DATE = (RuleViolation, "lending.invalid_date", "日期 {value} 无效", "invalid date {value}")
    LOAN_NOT_FOUND = (NotFound, "lending.loan_not_found", "贷款 {loan_id} 不存在", "loan {loan_id} does not exist")
    PRODUCT_NOT_FOUND = (NotFound, "lending.product_not_found", "贷款产品 {product} 不存在",
                         "no loan product {product} is in force")
    RIGHT_NOT_FOUND = (NotFound, "lending.right_not_found", "权利 {right_id} 不存在或不是现势权利",
                       "right {right_id} does not exist or is not current")
    NOT_HOLDER = (Forbidden, "lending.not_holder", "申请人不是该权利的权利人",
                  "the applicant does not hold this right")
    RIGHT_TYPE_NOT_ACCEPTED = (RuleViolation, "lending.right_type_not_accepted", "该产品不接受 {right_type} 作为担保",
                               "product {product} does not accept a {right_type} as collateral")
    METHOD_NOT_OFFERED = (RuleViolation, "lending.method_not_offered", "该产品不提供还款方式 {method}",
                          "product {product} does not offer repayment method {method}")
    TERM_OUT_OF_RANGE = (RuleViolation, "lending.term_out_of_range", "期限须在 {min_months} 至 {max_months} 个月之间",
                         "the term must be {min_months} to {max_months} months for this product")
    RATE_OUT_OF_RANGE = (RuleViolation, "lending.rate_out_of_range", "利率须在 {min_rate} 至 {max_rate} 之间",
                         "the rate must be from {min_rate} to {max_rate} for this product")
    PRINCIPAL_TOO_LARGE = (RuleViolation, "lending.principal_too_large", "申请金额超过上限 {max_cny} 元",
                           "the principal exceeds the limit of {max_cny} yuan")
    COLLATERAL_SEIZED = (Conflict, "lending.collateral_seized", "担保物已被查封", "the collateral is under seizure")
    COLLATERAL_OBJECTION = (Conflict, "lending.collateral_objection", "担保物存在异议登记",
                            "an objection is registered on the collateral")
    PRIOR_LIEN = (Conflict, "lending.prior_lien", "担保物已有 {count} 项抵押，超过规则允许的 {allowed} 项",
                  "the collateral already carries {count} mortgage(s); the rules allow {allowed}")
    RIGHT_EXPIRES = (RuleViolation, "lending.right_expires", "权利于 {term_end} 到期，早于贷款到期日 {maturity}",
                     "the right ends on {term_end}, before the loan matures on {maturity}")
    CONSENT_MISSING = (RuleViolation, "lending.consent_missing", "该类权利抵押须有集体经济组织同意书",
                       "a mortgage of this right needs the collective's consent on file")
    NO_VALUATION = (RuleViolation, "lending.no_valuation", "担保物没有评估价值",
                    "the collateral has no appraised value")
    LTV_EXCEEDED = (RuleViolation, "lending.ltv_exceeded", "申请金额超过抵押率上限（最多 {max_cny} 元）",
                    "the principal exceeds the loan-to-value cap (at most {max_cny} yuan)")
    GRADE_TOO_LOW = (RuleViolation, "lending.grade_too_low", "信用等级 {grade} 低于产品要求 {min_grade}",
                     "credit grade {grade} is below the product's minimum {min_grade}")
    BORROWER_BARRED = (Conflict, "lending.borrower_barred",
                       "借款人被列入失信名单（{listing}，至 {until_text}），不得新增借款",
                       "the borrower is barred from new borrowing ({listing}, until {until_en})")
    GUARANTOR_BARRED = (Conflict, "lending.guarantor_barred",
                        "保证人被列入失信名单（{listing}，至 {until_text}），不得提供担保",
                        "the guarantor is barred from guaranteeing ({listing}, until {until_en})")
    GUARANTOR_IS_BORROWER = (RuleViolation, "lending.guarantor_is_borrower", "借款人不能为自己的贷款提供保证",
                             "the borrower cannot guarantee their own loan")
    LIEN_NOT_REGISTERED = (Conflict, "lending.lien_not_registered", "抵押权尚未登记，不得放款",
                           "the mortgage is not registered; no money may move before it is")
    LIEN_NOT_LODGED = (Conflict, "lending.lien_not_lodged", "抵押登记申请尚未登簿",
                       "the mortgage application has not been approved in the registry")
    WRONG_ORGANISATION = (Forbidden, "lending.wrong_organisation", "该贷款不属于本机构",
                          "this loan belongs to another organisation")
    NOT_BORROWER = (Forbidden, "lending.not_borrower", "只能查看本人的贷款", "you may see only your own loans")
    OVERPAYMENT = (RuleViolation, "lending.overpayment", "还款金额超过应还总额 {owed_cny} 元",
                   "the payment exceeds the amount owed of {owed_cny} yuan")
    NOT_DEFAULTED = (Conflict, "lending.not_defaulted", "贷款未逾期 {days} 天，不能认定违约",
                     "the loan is not {days} days past due; it cannot be declared in default")
    PROCEEDS_INVALID = (RuleViolation, "lending.proceeds_invalid", "处置费用不能超过处置价款",
                        "the sale costs may not exceed the proceeds")
    SALE_NOT_PAID = (Conflict, "lending.sale_not_paid", "抵押物处置标的 {lot_id} 尚未成交付款，不能结算",
                     "the collateral lot {lot_id} has not been sold and paid for: the loan cannot be settled yet")
    FIXED_SALE_NOT_DUE = (Conflict, "lending.fixed_sale_not_due", "抵押物尚未经两次拍卖流拍（标的 {lot_id}），不能变卖",
                          "the collateral's auctions have not all failed (lot {lot_id}): no fixed-price sale yet")
    FIXED_SALE_NOT_FAILED = (Conflict, "lending.fixed_sale_not_failed", "抵押物变卖（标的 {lot_id}）尚未结束或并未流拍",
                             "the collateral's fixed-price sale (lot {lot_id}) has not ended unsold")
    HOUSING_NOT_PROTECTED = (Conflict, "lending.housing_not_protected",
                             "抵押物为农民住房（{right_type}），须先证明借款人家庭另有住所（登记的其他住房或安置、另有住所证明）才能处置",
                             "the collateral is a farm house ({right_type}): the borrower's household must be shown to "
                             "keep a dwelling (another registered house or a resettlement document) before disposal")
    SALE_SETTLES_ITSELF = (Conflict, "lending.sale_settles_itself",
                           "抵押物已在交易所成交付款（标的 {lot_id}），贷款按交易所结算数据结算，不能手工录入处置价款",
                           "the collateral was sold and paid for on the exchange (lot {lot_id}): the loan is settled "
                           "from the exchange's figures, not from amounts typed in")
    LOAN_STILL_OWED = (Conflict, "lending.loan_still_owed", "贷款尚有 {owed_cny} 元未结清",
                       "{owed_cny} yuan is still owed on the loan")
    CLAIM_NOT_FOUND = (NotFound, "lending.claim_not_found", "代偿请求 {claim_id} 不存在",
                       "claim {claim_id} does not exist")
    CLAIM_DEADLINE_PASSED = (Conflict, "lending.claim_deadline_passed", "代偿请求已过期限 {deadline}",
                             "the claim's deadline {deadline} has passed")
    INVALID_TEXT = (RuleViolation, "lending.invalid_text", "{field} 不能为空且不超过 {max_length} 个字符",
                    "{field} must be 1 to {max_length} characters")
    MORTGAGEE_MISSING = (RuleViolation, "lending.mortgagee_missing", "贷款审批时未指定抵押权人，不能申请抵押登记",
                         "no mortgagee was named at approval: the mortgage cannot be lodged")
    CLAIM_NOT_YOURS = (Forbidden, "lending.claim_not_yours", "该代偿请求不属于本机构类别（{party}）",
                       "this claim is addressed to the {party}, not to you")
    CLAIM_CLOSED = (Conflict, "lending.claim_closed", "代偿请求状态为 {status}，不能再代偿",
                    "a {status} claim takes no more advances")
    ADVANCE_EXCEEDS_SHARE = (RuleViolation, "lending.advance_exceeds_share", "代偿金额超过应分担的余额 {left_cny} 元",
                             "the advance exceeds the {left_cny} yuan left of this sharer's share of the claim")
    CONTRACT_NOT_FOUND = (NotFound, "lending.contract_not_found", "贷款 {loan_id} 尚无借款抵押合同",
                          "loan {loan_id} has no loan contract yet")
    CONTRACT_TAMPERED = (Conflict, "lending.contract_tampered", "合同内容与登记的摘要不符",
                         "the contract no longer matches its recorded digest")
    INVALID_FIELD = (RuleViolation, "lending.invalid_field", "表单项「{field}」填写无效",
                     "the form field {field_en} is not valid")
    NOT_A_MORTGAGE = (Conflict, "lending.not_a_mortgage", "贷款 {loan_no} 以股权质押担保，没有不动产抵押",
                      "loan {loan_no} is secured by a share pledge, not by a registry mortgage")
    COLLATERAL_KIND = (RuleViolation, "lending.collateral_kind",
                       "须且只能选择一种担保：不动产权利（right_id），或集体资产股权质押（collective_id 与 shares）",
                       "give exactly one collateral: a right (right_id) or a pledge of collective shares "
                       "(collective_id with shares)")
    NOT_A_MEMBER = (Forbidden, "lending.not_a_member", "申请人不是该集体经济组织的在册成员",
                    "the applicant is not an active member of this collective")
    NO_SHARE_ACCOUNT = (Conflict, "lending.no_share_account", "申请人在该集体经济组织没有股权账户",
                        "the applicant holds no share account in this collective")
    SHARES_UNAVAILABLE = (Conflict, "lending.shares_unavailable",
                          "可质押股份不足：持有 {balance} 股，已质押 {pledged} 股，申请质押 {requested} 股",
                          "not enough free shares: {balance} held, {pledged} already pledged, {requested} asked for")
    INVALID_SHARES = (RuleViolation, "lending.invalid_shares", "质押股数须为正数（最多两位小数）",
                      "the shares to pledge must be a positive number with at most two decimals")
    PRODUCT_NOT_FOR_SHARES = (RuleViolation, "lending.product_not_for_shares", "产品 {product} 不接受集体资产股权质押",
                              "product {product} does not take a pledge of collective asset shares")
    SHARES_NOT_HELD = (Conflict, "lending.shares_not_held", "申请质押 {requested} 股，超过持有的 {balance} 股",
                       "{requested} shares asked for; the account holds only {balance}")
    PLEDGE_NOT_RECORDED = (Conflict, "lending.pledge_not_recorded", "股权质押尚未在股权登记簿记载，不得放款",
                           "the share pledge is not recorded in the collective's share register: no money may move")
    SHARES_RESERVED = (Conflict, "lending.shares_reserved",
                       "可质押股份不足：持有 {balance} 股，已质押 {pledged} 股，"
                       "其他在办申请已预留 {reserved} 股，申请质押 {requested} 股",
                       "not enough free shares: {balance} held, {pledged} pledged, {reserved} reserved by other open "
                       "applications, {requested} asked for")
    CO_HOLDER_CONSENT_MISSING = (RuleViolation, "lending.co_holder_consent_missing",
                                 "质押家庭共有的股份须有其他共有人（{count} 人）的书面同意，请填写同意书编号",
                                 "pledging shares held by the household needs the consent of its {count} other "
                                 "co-holder(s) on file: give the consent document")
    NOT_IN_DISPOSAL = (Conflict, "lending.not_in_disposal", "贷款状态为 {status}，未进入处置，不能出售质押股权",
                       "a {status} loan is not in disposal: its pledged shares cannot be sold")
    NOT_A_SHARE_PLEDGE = (Conflict, "lending.not_a_share_pledge", "贷款 {loan_no} 以不动产抵押担保，不是股权质押",
                          "loan {loan_no} is secured by a registry mortgage, not by a share pledge")
    BUYER_INELIGIBLE = (RuleViolation, "lending.buyer_ineligible",
                        "受让方须为本集体经济组织的在册成员或成员家庭，且不能是借款人本人或其家庭",
                        "the buyer must be an active member (or the household of one) of the same collective, "
                        "other than the borrower and the borrower's household")
    PRICE_BELOW_FLOOR = (RuleViolation, "lending.price_below_floor",
                         "成交价 {price_cny} 元低于质押股权处置底价 {floor_cny} 元（估值 {value_cny} 元 × {ratio}）",
                         "the price of {price_cny} yuan is below the floor of {floor_cny} yuan "
                         "(value {value_cny} yuan × {ratio})")
    UNKNOWN_VALUATION_METHOD = (RuleViolation, "lending.unknown_valuation_method",
                                "规则中的股权估值方法 {method} 未实现", "the rules name share valuation method "
                                "{method}, which the platform does not implement")
