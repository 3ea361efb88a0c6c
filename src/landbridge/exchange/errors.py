"""The error codes of ``landbridge.exchange`` with their zh-CN and English messages (issue #14 item 5)."""

from __future__ import annotations

from landbridge.errors import Conflict, ErrorCode, Forbidden, NotFound, RuleViolation, Unauthorized


class ExchangeError(ErrorCode):
    """Every answer ``landbridge.exchange`` refuses a request with."""

    INVALID_IDEMPOTENCY_KEY = (RuleViolation, "exchange.invalid_idempotency_key", "幂等键须为1至64个字符",
                               "the idempotency key must have 1 to 64 characters")

    BIDDER_NOT_FOUND = (NotFound, "exchange.bidder_not_found", "未报名本标的",
                        "not registered as a bidder for this lot")

    IDEMPOTENCY_KEY_REUSED = (Conflict, "exchange.idempotency_key_reused", "该幂等键已用于另一金额的报价",
                              "this idempotency key was used for a bid of another amount")

    PARTY_REQUIRED = (RuleViolation, "exchange.party_required", "账号未关联竞买人身份", "your account names no party")

    LOT_NOT_FOUND = (NotFound, "exchange.lot_not_found", "标的不存在", "lot {lot_id} not found")

    INVALID_AMOUNT = (RuleViolation, "exchange.invalid_amount", "金额无效（元，最多两位小数）",
                      "not a valid amount (yuan, at most two decimal places)")

    NOT_A_PARTY = (Forbidden, "exchange.not_a_party", "只有交易双方可以查看成交文书",
                   "only the parties may read these documents")

    INVALID_DATE_RANGE = (RuleViolation, "exchange.invalid_date_range", "对账日期区间无效",
                          "the date range is invalid or too long")

    DOCUMENTS_NOT_AVAILABLE = (NotFound, "exchange.documents_not_available", "该标的尚未确认成交，无成交文书",
                               "the lot has no confirmed award and so no documents")

    DOCUMENT_DIGEST_MISMATCH = (Conflict, "exchange.document_digest_mismatch", "文书重新生成后摘要与登记不符",
                                "the regenerated document does not match its recorded digest")

    BIDDER_NOT_FOUND_2 = (Conflict, "exchange.bidder_not_found", "未报名本标的",
                          "not registered as a bidder for this lot")

    WRONG_METHOD = (Conflict, "exchange.wrong_method", "该标的不采用此交易方式",
                    "lot {lot.number} does not use the {method} method")

    INVALID_TEXT = (RuleViolation, "exchange.invalid_text", "文字须为1至{limit}个字符",
                    "text must have 1 to {limit} characters")

    PARTY_REQUIRED_2 = (RuleViolation, "exchange.party_required", "须指明受让方", "name the counterparty's party id")

    INVALID_RULING_DECISION = (RuleViolation, "exchange.invalid_ruling_decision", "须选择异议成立或驳回异议",
                               "choose whether to uphold or dismiss the objection")

    PUBLICITY_CLOSED = (Conflict, "exchange.publicity_closed", "公示期已结束，不再受理异议",
                        "objections are accepted only during publicity")

    OBJECTION_NOT_FOUND = (NotFound, "exchange.objection_not_found", "异议不存在", "no such objection on this lot")

    OBJECTION_ALREADY_RULED = (Conflict, "exchange.objection_already_ruled", "该异议已处理",
                               "the objection was already ruled on")

    OBJECTION_PENDING = (Conflict, "exchange.objection_pending", "尚有未处理的异议", "an objection is still pending")

    AGREED_PRICE_BELOW_FLOOR = (RuleViolation, "exchange.agreed_price_below_floor", "协议价格低于挂牌底价",
                                "the agreed price is below the floor (start) price")

    COUNTERPARTY_NOT_REGISTERED = (Conflict, "exchange.counterparty_not_registered", "受让方未报名本标的",
                                   "the counterparty is not registered for this lot")

    NOT_A_BIDDER = (Forbidden, "exchange.not_a_bidder", "您未报名本标的", "you are not registered for this lot")

    BIDDER_NOT_FOUND_3 = (NotFound, "exchange.bidder_not_found", "该号牌未报名本标的",
                          "no bidder with this code on the lot")

    RESERVE_WINDOW_CLOSED = (Conflict, "exchange.reserve_window_closed", "已过保留价设定期限（竞价开始前）",
                             "the reserve may be set only before bidding opens")

    OFFICER_NOT_FOUND = (RuleViolation, "exchange.officer_not_found", "指定的保留价负责人账号不存在",
                         "no active account with this id")

    RESERVE_ALREADY_SEALED = (Conflict, "exchange.reserve_already_sealed", "保留价已密封，不能更改",
                              "the reserve is sealed already")

    NOT_RESERVE_OFFICER = (Forbidden, "exchange.not_reserve_officer", "您不是本标的指定的保留价负责人",
                           "you are not the designated reserve officer of this lot")

    RESERVE_BELOW_START = (RuleViolation, "exchange.reserve_below_start", "保留价不得低于起始价",
                           "the reserve may not be below the start price")

    RESERVE_NOT_FOUND = (NotFound, "exchange.reserve_not_found", "本标的未设保留价", "the lot has no sealed reserve")

    RESERVE_SEALED = (Forbidden, "exchange.reserve_sealed", "保留价在竞价结束前保密",
                      "the reserve is sealed until the close")

    INVALID_TRANSITION = (Conflict, "exchange.invalid_transition", "标的当前状态（{phase}）不允许此操作",
                          "a lot in phase {phase} cannot {name}")

    INVALID_KIND = (RuleViolation, "exchange.invalid_kind", "标的类别 {kind} 无效", "unknown lot kind {kind!r}")

    METHOD_NOT_ALLOWED = (RuleViolation, "exchange.method_not_allowed", "该类标的的规则不允许此交易方式",
                          "the rule set of {self.kind} does not allow the {method} method")

    RESERVE_KEY_NOT_CONFIGURED = (Conflict, "exchange.reserve_key_not_configured", "未配置保留价加密密钥",
                                  "the reserve price key is not configured (LANDBRIDGE_EXCHANGE_RESERVE_KEY)")

    RESERVE_UNREADABLE = (Conflict, "exchange.reserve_unreadable", "保留价密文无法解密（密钥或数据不符）",
                          "the sealed reserve cannot be opened (wrong key or altered data)")

    INVALID_START_PRICE = (RuleViolation, "exchange.invalid_start_price", "起始价必须大于0",
                           "the start price must be positive")

    INVALID_INCREMENT = (RuleViolation, "exchange.invalid_increment", "增价幅度低于规则下限",
                         "the increment is below the minimum")

    SUBJECT_REQUIRED = (RuleViolation, "exchange.subject_required", "该类标的须指明不动产单元和权利",
                        "this kind of lot needs a property unit and a right")

    RIGHT_NOT_CURRENT = (RuleViolation, "exchange.right_not_current", "该权利不是该单元的现势权利",
                         "the right is not a current right of the unit")

    ANNOUNCEMENT_TOO_SHORT = (RuleViolation, "exchange.announcement_too_short", "公告期不足 {lr.announcement_days} 日",
                              "the announcement must precede the start by {lr.announcement_days} days")

    APPLICATIONS_CLOSED = (Conflict, "exchange.applications_closed", "报名已截止或尚未开始",
                           "applications are not open for this lot")

    BIDDER_BARRED = (Conflict, "exchange.bidder_barred", "该竞买人被禁止参与本标的竞买",
                     "this bidder is barred from this lot")

    ALREADY_APPLIED = (Conflict, "exchange.already_applied", "已报名本标的", "already registered for this lot")

    SUB_ACCOUNT_NOT_FOUND = (NotFound, "exchange.sub_account_not_found", "保证金子账户不存在",
                             "no such deposit sub-account")

    DEPOSIT_NOT_PENDING = (Conflict, "exchange.deposit_not_pending", "该保证金已确认或已处理",
                           "the deposit is not awaiting payment")

    DEPOSIT_TOO_LATE = (Conflict, "exchange.deposit_too_late", "已过保证金缴纳截止时间",
                        "the deposit deadline has passed")

    DEPOSIT_PAYER_MISMATCH = (RuleViolation, "exchange.deposit_payer_mismatch", "保证金须以竞买人本人名义缴纳",
                              "the deposit must be paid in the bidder's own name")

    DEPOSIT_AMOUNT_MISMATCH = (RuleViolation, "exchange.deposit_amount_mismatch", "缴纳金额与应缴保证金不符",
                               "the amount paid differs from the deposit due")

    RESULT_NOT_FOUND = (NotFound, "exchange.result_not_found", "该标的尚无结果", "the lot has no result yet")

    NOT_SETTLED = (Conflict, "exchange.not_settled", "成交价款尚未结清，不能办理交割", "the price is not settled yet")

    SALE_WINDOW_INVALID = (RuleViolation, "exchange.sale_window_invalid",
                           "只有竞价（拍卖）标的可以另定结束时间，且须晚于规则规定的竞价结束时间",
                           "only an auction lot may be given its own end, and it must be later than the rule set's")
    OFFER_COUNTDOWN_INVALID = (RuleViolation, "exchange.offer_countdown_invalid",
                               "只有变卖（最高限价等于起始价）标的可以设出价倒计时，且须为正数",
                               "only a fixed-price sale (cap equal to the start price) may have an offer countdown, "
                               "and it must be positive")
    INVALID_TRANSITION_2 = (Conflict, "exchange.invalid_transition", "只有流拍的标的可以重新挂牌",
                            "only an unsuccessful lot can be re-listed")

    RELIST_LIMIT = (Conflict, "exchange.relist_limit", "已达到重新挂牌次数上限", "the re-listing limit is reached")

    ALREADY_RELISTED = (Conflict, "exchange.already_relisted", "该标的已重新挂牌", "this lot was already re-listed")

    APPRAISAL_REQUIRED = (RuleViolation, "exchange.appraisal_required", "该类标的须填写评估价",
                          "this kind of lot needs an appraised value")

    START_PRICE_BELOW_FLOOR = (RuleViolation, "exchange.start_price_below_floor", "起拍价低于评估价的法定比例",
                               "the start price is below the required share of the appraised value")

    CONTRACT_RIGHT_REQUIRED = (RuleViolation, "exchange.contract_right_required", "土地经营权须来源于土地承包经营权",
                               "a land management right derives from a land contract right")

    TERM_REQUIRED = (RuleViolation, "exchange.term_required", "须填写流转期限", "the term of the new right is required")

    SETTLEMENT_NOT_FOUND = (NotFound, "exchange.settlement_not_found", "该标的尚无价款结算",
                            "the lot has no settlement yet")

    SUB_ACCOUNT_NOT_FOUND_2 = (NotFound, "exchange.sub_account_not_found", "结算子账户不存在",
                               "no such settlement sub-account")

    SETTLEMENT_NOT_DUE = (Conflict, "exchange.settlement_not_due", "该结算不在待付款状态（已付清或已违约）",
                          "the settlement is not awaiting payment (paid or defaulted)")

    SETTLEMENT_PAYER_MISMATCH = (RuleViolation, "exchange.settlement_payer_mismatch", "价款须以受让方本人名义支付",
                                 "the balance must be paid in the winner's own name")

    SETTLEMENT_AMOUNT_MISMATCH = (RuleViolation, "exchange.settlement_amount_mismatch",
                                  "支付金额与应付的本期价款或剩余价款不符",
                                  "the amount paid is neither the instalment due nor the whole remaining balance")

    INVALID_SETTLEMENT = (RuleViolation, "exchange.invalid_settlement", "成交价或定金无效",
                          "the price must be positive and the earnest money between zero and the price")

    INVALID_FEE_RATE = (RuleViolation, "exchange.invalid_fee_rate", "交易服务费率无效",
                        "the service fee rate must be in [0, 1)")

    INVALID_ADJUSTMENT_RATE = (RuleViolation, "exchange.invalid_adjustment_rate", "土地增值收益调节金费率无效",
                               "the adjustment fee rate must be in [0, 1)")

    INVALID_ADJUSTMENT_BASE = (RuleViolation, "exchange.invalid_adjustment_base", "调节金计征基数无效",
                               "the adjustment fee base must be between zero and the price")

    FEES_EXCEED_PRICE = (RuleViolation, "exchange.fees_exceed_price", "服务费与调节金之和超过成交价",
                         "the service fee and the adjustment fee exceed the price")

    ADJUSTMENT_COST_UNKNOWN = (RuleViolation, "exchange.adjustment_cost_unknown",
                               "调节金按增值额计征，但土地取得成本未知",
                               "the adjustment fee is levied on the increment but the land's cost is not known")

    PANEL_CLOSED = (Conflict, "exchange.panel_closed", "评标已开始，不能更改评标小组",
                    "the panel can no longer be changed")

    INVALID_PANEL = (RuleViolation, "exchange.invalid_panel", "评标小组须由 {lr.tender_panel_size} 名不同成员组成",
                     "the panel needs {lr.tender_panel_size} distinct members")

    TOO_MANY_DOCUMENTS = (RuleViolation, "exchange.too_many_documents", "附件清单最多 {MAX_DOCUMENTS} 项",
                          "at most {MAX_DOCUMENTS} documents")

    TENDER_WINDOW_CLOSED = (Conflict, "exchange.tender_window_closed", "不在投标期内", "the tender window is not open")

    TENDER_BELOW_START = (RuleViolation, "exchange.tender_below_start", "投标价低于起始价",
                          "the tender price is below the start price")

    BID_ABOVE_CAP = (RuleViolation, "exchange.bid_above_cap", "报价超过最高限价",
                     "the tender price exceeds the price cap")

    TENDER_ALREADY_SUBMITTED = (Conflict, "exchange.tender_already_submitted", "已提交投标文件，不可更改或撤回",
                                "a tender was already submitted; it is irrevocable")

    NOT_EVALUATOR = (Forbidden, "exchange.not_evaluator", "您不是本标的的评标人",
                     "you are not on this lot's evaluation panel")

    NOT_IN_EVALUATION = (Conflict, "exchange.not_in_evaluation", "标的当前不在评标阶段",
                         "the lot is not being evaluated")

    PANEL_INCOMPLETE = (Conflict, "exchange.panel_incomplete", "评标小组尚未组成",
                        "the evaluation panel is not complete")

    TENDER_NOT_FOUND = (NotFound, "exchange.tender_not_found", "投标文件不存在", "no such tender on this lot")

    ALREADY_SCORED = (Conflict, "exchange.already_scored", "已对该投标文件评分，不可更改",
                      "you have already scored this tender")

    EVALUATOR_NOT_FOUND = (RuleViolation, "exchange.evaluator_not_found", "指定的评标人账号不存在",
                           "no active account with this id")

    EVALUATOR_CONFLICT = (Conflict, "exchange.evaluator_conflict", "评标人不得是本标的的竞买人",
                          "an evaluator may not be a bidder on the lot")

    TENDER_UNREADABLE = (Conflict, "exchange.tender_unreadable", "投标文件密文无法解密（密钥或数据不符）",
                         "a sealed tender cannot be opened (wrong key or altered data)")

    INVALID_SCORE = (RuleViolation, "exchange.invalid_score",
                     "评分须在 0 至 {rules.tender_score_max} 之间，最多两位小数",
                     "a score must be between 0 and {rules.tender_score_max} with at most two decimals")

    BANK_NOT_CONFIGURED = (Unauthorized, "exchange.bank_not_configured", "未配置银行回调密钥",
                           "the bank callback key is not configured")

    BAD_SIGNATURE = (Unauthorized, "exchange.bad_signature", "银行回调签名无效",
                     "the bank callback signature is invalid")

    PARTY_REQUIRED_3 = (RuleViolation, "exchange.party_required", "须指明竞买人", "name the bidder's party")

    NOT_YOUR_PARTY = (Forbidden, "exchange.not_your_party", "只能为本人报名", "you may apply only for yourself")

    INVALID_CALLBACK = (RuleViolation, "exchange.invalid_callback", "银行回调内容无效",
                        "the bank callback body is invalid")

    # market entry (集体经营性建设用地入市, issue #15): the entry terms of a collective construction land lot
    INVALID_ENTRY_METHOD = (RuleViolation, "exchange.invalid_entry_method", "入市方式无效（出让、出租或作价入股）",
                            "the entry method must be grant, lease or equity")

    INVALID_ENTRY_TERM = (RuleViolation, "exchange.invalid_entry_term", "入市年限须为不少于1年的整数",
                          "the entry term must be a whole number of years, at least one")

    ENTRY_TERM_OVER_CAP = (RuleViolation, "exchange.entry_term_over_cap",
                           "入市年限 {years} 年超过该用途的法定最高年限 {cap} 年",
                           "a term of {years} years exceeds the statutory maximum of {cap} years for this use")

    INVALID_LAND_GRADE = (RuleViolation, "exchange.invalid_land_grade", "土地级别须为1至{max}的整数",
                          "the land grade must be a whole number from 1 to {max}")

    ENTRY_KIND_ONLY = (RuleViolation, "exchange.entry_kind_only", "只有集体经营性建设用地标的可以设定入市条件",
                       "only a collective construction land lot has entry terms")

    ENTRY_NEEDS_UNIT = (RuleViolation, "exchange.entry_needs_unit", "入市标的须指明不动产单元和集体所有的权利",
                        "an entry lot must name its property unit and the collective's right")

    ENTRY_TERMS_LOCKED = (Conflict, "exchange.entry_terms_locked", "标的已公告，入市条件不可再改",
                          "the lot has been announced: its entry terms can no longer change")

    INVALID_EQUITY_SHARE = (RuleViolation, "exchange.invalid_equity_share", "作价入股的股权比例须大于0且不超过1",
                            "the equity share must be above 0 and at most 1")

    EQUITY_BIDDER_NOT_ORGANISATION = (RuleViolation, "exchange.equity_bidder_not_organisation",
                                      "作价入股的集体经营性建设用地标的只接受企业或其他组织竞买，自然人不能报名",
                                      "a lot of collective construction land contributed as equity admits only "
                                      "organisations as bidders, not natural persons")

    NOT_IN_KIND = (Conflict, "exchange.not_in_kind", "该标的不是以地作价入股，没有待实物结算的成交",
                   "lot {lot_id} is not contributed as equity and has no settlement in kind open")

    INVALID_ENTRY_USE = (RuleViolation, "exchange.invalid_entry_use", "入市用途无效（可选：{allowed}）",
                         "the entry use must be one of {allowed}")
    # --- the remaining legal rules (issue #24): pre-emption, joint bidders, results notice and objections ---

    PREEMPTION_NOT_GIVEN = (RuleViolation, "exchange.preemption_not_given", "本标的规则不赋予该理由的优先购买权",
                            "the lot's rules give no pre-emption on the ground {ground}")

    PREEMPTION_GROUND_UNPROVEN = (RuleViolation, "exchange.preemption_ground_unproven",
                                  "登记簿不能证明该竞买人享有所称的优先购买权",
                                  "the registry does not show this bidder holds the ground {ground}")

    PREEMPTION_ALREADY_REGISTERED = (Conflict, "exchange.preemption_already_registered", "该竞买人已登记优先购买权",
                                     "this bidder has already registered a pre-emption")

    PREEMPTION_NOT_REGISTERED = (Conflict, "exchange.preemption_not_registered", "该竞买人未在报名时登记优先购买权",
                                 "this bidder registered no pre-emption when applying")

    PREEMPTION_NOT_OPEN = (Conflict, "exchange.preemption_not_open", "本标的当前没有可行使优先购买权的最高报价",
                           "there is no best offer open to pre-emption on this lot now")

    PREEMPTION_WINDOW_CLOSED = (Conflict, "exchange.preemption_window_closed", "优先购买权行使期限已届满",
                                "the time limit to exercise the pre-emption has passed")

    PREEMPTION_PENDING = (Conflict, "exchange.preemption_pending", "优先购买权行使期限尚未届满，不能确认成交",
                          "the pre-emption period is still open; the award cannot be confirmed before {closes_at}")

    PREEMPTION_BEST_BIDDER = (Conflict, "exchange.preemption_best_bidder", "最高报价人无需行使优先购买权",
                              "the best bidder does not need to pre-empt its own offer")

    CONSORTIUM_NOT_ALLOWED = (RuleViolation, "exchange.consortium_not_allowed", "本标的不接受联合竞买",
                              "this lot does not accept joint bidders")

    CONSORTIUM_SHARES_INVALID = (RuleViolation, "exchange.consortium_shares_invalid",
                                 "联合竞买各方份额须为正数、每方不低于 {min_share} 且合计为 1",
                                 "each member's share must be at least {min_share} and the shares must sum to 1")

    CONSORTIUM_SIZE = (RuleViolation, "exchange.consortium_size", "联合竞买须由 2 至 {maximum} 方组成，且不得重复",
                       "a consortium has 2 to {maximum} distinct members")

    CONSORTIUM_MEMBER_BARRED = (Conflict, "exchange.consortium_member_barred", "联合竞买方之一被禁止参与本标的竞买",
                                "a member of the consortium is barred from this lot")

    NO_RESULTS_NOTICE = (Conflict, "exchange.no_results_notice", "本标的尚无已确认的成交结果公示",
                         "the lot has no confirmed result under notice")

    OBJECTION_PERIOD_CLOSED = (Conflict, "exchange.objection_period_closed", "成交公示期已满，不再受理异议",
                               "the results notice period has ended; objections are closed")

    OBJECTION_LIMIT = (Conflict, "exchange.objection_limit", "同一当事人对本结果的异议已达上限",
                       "this party has already objected to this result")


    NOTICE_PERIOD_OPEN = (Conflict, "exchange.notice_period_open", "成交公示期未满或仍有未处理的异议，不能办理交割",
                          "the results notice is open or an objection is pending; hand-over waits")

    INVALID_VIEWPORT = (RuleViolation, "exchange.invalid_viewport",
                        "地图范围无效（{reason}）：须为 西,南,东,北 4 个经纬度数值（EPSG:4490），"
                        "宽高各不超过 {max_span} 度",
                        "invalid map viewport ({reason}): need west,south,east,north in degrees (EPSG:4490), at most "
                        "{max_span} degrees wide and high")
