"""The error codes of ``landbridge.collective`` with their zh-CN and English messages (issue #14 item 5)."""

from __future__ import annotations

from landbridge.errors import Conflict, ErrorCode, Forbidden, NotFound, RuleViolation


class CollectiveError(ErrorCode):
    """Every answer ``landbridge.collective`` refuses a request with."""

    # a record looked up by id (queries._get)
    COLLECTIVE_NOT_FOUND = (NotFound, "collective.collective_not_found", "集体经济组织不存在",
                            "collective {obj_id} not found")
    MEMBER_NOT_FOUND = (NotFound, "collective.member_not_found", "成员不存在", "member {obj_id} not found")
    SEAT_NOT_FOUND = (NotFound, "collective.seat_not_found", "职务不存在", "seat {obj_id} not found")
    SHARE_ACCOUNT_NOT_FOUND = (NotFound, "collective.share_account_not_found", "股权账户不存在",
                               "share account {obj_id} not found")
    PLEDGE_NOT_FOUND = (NotFound, "collective.pledge_not_found", "股权质押不存在", "pledge {obj_id} not found")
    MEETING_NOT_FOUND = (NotFound, "collective.meeting_not_found", "会议不存在", "meeting {obj_id} not found")
    MOTION_NOT_FOUND = (NotFound, "collective.motion_not_found", "表决事项不存在", "motion {obj_id} not found")
    BOOK_NOT_FOUND = (NotFound, "collective.book_not_found", "账簿不存在", "book {obj_id} not found")
    DIVIDEND_RUN_NOT_FOUND = (NotFound, "collective.dividend_run_not_found", "分红不存在",
                              "dividend run {obj_id} not found")

    NO_COLLECTIVE = (Forbidden, "collective.no_collective", "您所在机构没有登记的集体经济组织",
                     "your organisation keeps no registered collective")

    INVALID_TIME = (RuleViolation, "collective.invalid_time", "时间格式无效", "the time is not valid")

    NO_PARTY = (Forbidden, "collective.no_party", "您的账号未关联成员身份", "your account is not linked to a person")

    NOT_ON_ROSTER = (Forbidden, "collective.not_on_roster", "您不在本次表决名册中", "you are not on this vote's roster")

    VOTER_REQUIRED = (RuleViolation, "collective.voter_required", "请指明现场投票的成员",
                      "name the member who voted in person")

    COLLECTIVE_OF_PARTY_NOT_FOUND = (NotFound, "collective.collective_not_found", "集体经济组织不存在",
                            "no collective for registry party {party_id}")

    INVALID_SHARES = (RuleViolation, "collective.invalid_shares", "股数必须是精确的小数",
                      "shares must be an exact decimal")

    INVALID_SHARES_2 = (RuleViolation, "collective.invalid_shares", "股数最多两位小数",
                        "shares have at most two decimal places: {value!r}")

    INVALID_SHARES_3 = (RuleViolation, "collective.invalid_shares", "股数必须大于零",
                        "the number of shares must be positive")

    SHARES_UNAVAILABLE = (Conflict, "collective.shares_unavailable", "可转让的股份不足（已质押的股份不得转让）",
                          "not enough free shares: pledged shares cannot be transferred")

    NOTHING_TO_INHERIT = (Conflict, "collective.nothing_to_inherit", "该账户没有可继承的股份",
                          "the account holds no shares")

    SHARES_UNAVAILABLE_2 = (Conflict, "collective.shares_unavailable", "可质押的股份不足",
                            "not enough free shares to pledge")

    PLEDGE_EXCEEDS = (Conflict, "collective.pledge_exceeds", "解除质押的股份超过已质押股份",
                      "cannot release more than is pledged")

    SHARE_INVARIANT = (Conflict, "collective.share_invariant", "股权账户余额不平", "share account out of balance")

    BALLOTS_EXCEED_ROSTER = (Conflict, "collective.ballots_exceed_roster", "选票多于名册人数",
                             "more ballots than voters on the roster")

    INVALID_CHOICE = (RuleViolation, "collective.invalid_choice", "表决选项无效", "not a ballot choice: {choice!r}")

    INVALID_MOTION_KIND = (RuleViolation, "collective.invalid_motion_kind", "表决事项类型无效",
                           "unknown motion kind {kind!r}")

    WRONG_BODY = (RuleViolation, "collective.wrong_body", "该事项不能由此机构表决",
                  "a {kind} motion cannot be decided by the {body}")

    INVALID_THRESHOLD = (RuleViolation, "collective.invalid_threshold", "表决通过比例无效",
                         "unknown threshold {requested!r}")

    THRESHOLD_TOO_LOW = (RuleViolation, "collective.threshold_too_low", "表决通过比例低于规则要求",
                         "a {kind} motion needs at least {minimum.name}")

    INVALID_AMOUNT = (RuleViolation, "collective.invalid_amount", "分配金额不能为负", "the amount must not be negative")

    NO_SHARES = (RuleViolation, "collective.no_shares", "没有可参与分配的股份",
                 "there are no shares to distribute over")

    INVALID_SHARES_4 = (RuleViolation, "collective.invalid_shares", "股数无效", "not a number of shares: {value!r}")

    INVALID_THRESHOLD_2 = (RuleViolation, "collective.invalid_threshold", "表决通过比例无效",
                           "unknown threshold {name!r}")

    CONVERTED = (Conflict, "collective.converted", "该集体经济组织已改制为公司",
                 "the collective has been converted into a company")


    TEXT_TOO_LONG = (RuleViolation, "collective.text_too_long", "{field} 超过 {limit} 个字符",
                     "{field} is longer than {limit} characters")

    INVALID_AMOUNT_2 = (RuleViolation, "collective.invalid_amount", "金额无效（元，最多两位小数）",
                        "not an amount of yuan: {exc}")

    DIVIDEND_PERIOD_EXISTS = (Conflict, "collective.dividend_period_exists", "{period} 期的分红已经发放",
                              "dividends for {period} were already paid")

    CATEGORY_MISMATCH = (RuleViolation, "collective.category_mismatch",
                         "科目与收支方向不符（分红只能通过分红方案支出）",
                         "the category does not fit the direction (dividends are paid only by a dividend run)")

    INVALID_AMOUNT_3 = (RuleViolation, "collective.invalid_amount", "金额必须大于零", "the amount must be positive")

    LAND_REVENUE_TO_COLLECTIVE = (RuleViolation, "collective.land_revenue_to_collective",
                                  "土地入市收益只能记入集体经济组织账簿",
                                  "land revenue belongs in the collective's book, not the committee's")

    CONTRIBUTION_NOT_FOUND = (NotFound, "collective.contribution_not_found", "作价入股记录 {contribution_id} 不存在",
                              "equity contribution {contribution_id} does not exist")
    CONTRIBUTION_REVERSED = (Conflict, "collective.contribution_reversed", "作价入股记录 {contribution_id} 已撤销",
                             "equity contribution {contribution_id} is reversed already")
    INVALID_PARTNERS = (RuleViolation, "collective.invalid_partners",
                        "联合体成员须不重复、份额为正且合计为 1，并包括项目方",
                        "the consortium's members must be distinct, with positive shares summing to 1, and include "
                        "the project party")

    INSUFFICIENT_FUNDS = (Conflict, "collective.insufficient_funds", "账簿余额不足", "the book's balance is too low")

    PERIOD_TOO_LONG = (RuleViolation, "collective.period_too_long", "分红期间名称过长",
                       "a period has at most {PERIOD_MAX} characters")

    INVALID_AMOUNT_4 = (RuleViolation, "collective.invalid_amount", "分红金额必须大于零", "the amount must be positive")

    INSUFFICIENT_FUNDS_2 = (Conflict, "collective.insufficient_funds", "集体经济组织账簿余额不足",
                            "the collective's book holds too little")

    INVALID_ENTRY = (RuleViolation, "collective.invalid_entry", "收支方向或科目无效", "unknown direction or category")

    EMPTY_BATCH = (RuleViolation, "collective.empty_batch", "没有要登记的成员", "the batch is empty")

    HOUSEHOLD_NOT_A_GROUP = (RuleViolation, "collective.household_not_a_group", "农户必须是家庭（组）权利人",
                             "the household must be a group party")

    ALREADY_MEMBER = (Conflict, "collective.already_member", "第 {row} 行：此人已是某集体经济组织的成员",
                      "row {row}: this person is already on a collective's roll")

    NOT_AN_ORGANISATION = (RuleViolation, "collective.not_an_organisation", "{what}必须是组织",
                           "the {what} must be an organisation")

    COMPANY_IS_COLLECTIVE = (RuleViolation, "collective.company_is_collective", "改制后的公司必须是新的组织",
                             "the company must be a party other than the collective")

    NO_SHARES_2 = (RuleViolation, "collective.no_shares", "尚未折股量化，无法改制", "there are no shares to carry over")

    NOT_HOLDER = (Conflict, "collective.not_holder", "该不动产单元上没有本集体持有的现势集体土地权利",
                  "the collective holds no current collective land right on this unit")

    INVALID_EQUITY_SHARE = (RuleViolation, "collective.invalid_equity_share", "股权比例必须在0和1之间",
                            "the equity share must be in (0, 1]")

    INVALID_AMOUNT_5 = (RuleViolation, "collective.invalid_amount", "作价金额必须大于零",
                        "the valuation must be positive")

    INVALID_EQUITY_SHARE_2 = (RuleViolation, "collective.invalid_equity_share", "股权比例无效",
                              "the equity share is not a fraction")

    ALREADY_MEMBER_2 = (Conflict, "collective.already_member",
                        "此人已是某集体经济组织的成员（同一时间只能属于一个集体）",
                        "this person is already on a collective's roll (one roll at a time)")

    MEMBER_NOT_A_PERSON = (RuleViolation, "collective.member_not_a_person", "成员必须是自然人",
                           "a member must be a person")

    MEMBER_NOT_ACTIVE = (Conflict, "collective.member_not_active", "该成员已不在册",
                         "the member is no longer on the roll")

    USE_TRANSFER = (RuleViolation, "collective.use_transfer", "转入其他集体请使用成员转移",
                    "use a transfer between collectives")

    ENDED_BEFORE_ADMITTED = (RuleViolation, "collective.ended_before_admitted", "终止日期早于入社日期",
                             "the end date precedes admission")

    SAME_COLLECTIVE = (RuleViolation, "collective.same_collective", "不能转入同一集体",
                       "the member is already in that collective")

    NOT_A_MEMBER = (RuleViolation, "collective.not_a_member", "只有本集体在册成员可以任职",
                    "only an active member of this collective can hold a seat")

    INVALID_BODY = (RuleViolation, "collective.invalid_body", "任职机构无效", "no seats in {body!r}")

    SEAT_EXISTS = (Conflict, "collective.seat_exists", "该成员已在此机构任职",
                   "the member already holds a seat in this body")

    BOARD_SUPERVISORY_CONFLICT = (Conflict, "collective.board_supervisory_conflict", "理事会成员不得兼任监事会成员",
                                  "a member of the board may not sit on the supervisory board, nor the reverse")

    CHAIR_TAKEN = (Conflict, "collective.chair_taken", "该机构已有负责人", "this body already has a chair")

    SEAT_NOT_ACTIVE = (Conflict, "collective.seat_not_active", "该职务已结束", "the seat has already ended")

    INVALID_GROUND = (RuleViolation, "collective.invalid_ground", "入社依据无效", "unknown admission ground {value!r}")

    INVALID_GROUND_2 = (RuleViolation, "collective.invalid_ground", "丧失成员身份的依据无效",
                        "unknown loss ground {ground!r}")

    INVALID_ROLE = (RuleViolation, "collective.invalid_role", "职务无效", "unknown role {role!r}")

    NOT_AN_ORGANISATION_2 = (RuleViolation, "collective.not_an_organisation", "{what}必须是有统一社会信用代码的组织",
                             "the {what} must be an organisation party with a USCC")

    NOT_A_COLLECTIVE_PARTY = (RuleViolation, "collective.not_a_collective_party",
                              "统一社会信用代码不是集体经济组织的代码",
                              "the USCC is not that of a collective economic organisation")

    INVALID_REGION_CODE = (RuleViolation, "collective.invalid_region_code", "区划代码必须是12位的村级代码",
                           "the region code must be a 12-digit village code")

    NAME_REQUIRED = (RuleViolation, "collective.name_required", "名称不能为空", "a name is required")

    EXISTS = (Conflict, "collective.exists", "该集体经济组织已登记", "this collective is already registered")

    COMMITTEE_BOOK_EXISTS = (Conflict, "collective.committee_book_exists", "村民委员会账簿已开设",
                             "the committee's book is already open")

    COMMITTEE_IS_COLLECTIVE = (RuleViolation, "collective.committee_is_collective",
                               "村民委员会与集体经济组织必须是不同的组织",
                               "the village committee and the collective must be different organisations")

    INVALID_AMOUNT_6 = (RuleViolation, "collective.invalid_amount", "资产价值必须大于零",
                        "the asset value must be positive")

    FUND_SOURCE_REQUIRED = (RuleViolation, "collective.fund_source_required", "请注明财政资金来源",
                            "name the fiscal fund the asset was formed from")

    ALREADY_QUANTIFIED = (Conflict, "collective.already_quantified", "该集体已完成折股量化",
                          "this collective's assets are already quantified")

    NO_ASSETS = (RuleViolation, "collective.no_assets", "没有可量化的经营性资产",
                 "there are no operating assets to quantify")

    FISCAL_EXCEEDS_TOTAL = (RuleViolation, "collective.fiscal_exceeds_total", "财政资金形成的资产超过资产总额",
                            "assets from fiscal funds exceed the total asset value")

    NO_MEMBERS = (RuleViolation, "collective.no_members", "基准日没有在册成员",
                  "nobody is on the roll on the base date")

    HOLDER_NOT_IN_COLLECTIVE = (RuleViolation, "collective.holder_not_in_collective",
                                "受让方必须是本集体的成员或成员家庭",
                                "shares move only to members (or their households) of the same collective")

    SAME_ACCOUNT = (RuleViolation, "collective.same_account", "不能转给自己", "cannot transfer to the same account")

    HOLDER_STILL_MEMBER = (Conflict, "collective.holder_still_member", "账户持有人仍是在册成员，不能继承",
                           "the holder is still on a roll; record the loss of membership first")

    SAME_ACCOUNT_2 = (RuleViolation, "collective.same_account", "继承人不能是原持有人", "the heir cannot be the holder")

    PLEDGEE_NOT_AN_ORGANISATION = (RuleViolation, "collective.pledgee_not_an_organisation",
                                   "质权人必须是金融机构等组织",
                                   "the pledgee must be an organisation (a lender)")

    PLEDGE_NOT_ACTIVE = (Conflict, "collective.pledge_not_active", "该质押已解除", "the pledge is already released")

    PLEDGE_MOVED = (Conflict, "collective.pledge_moved", "质押已随股份转移，请重试",
                    "the pledge moved with its shares; retry")

    ALREADY_VOTED = (Conflict, "collective.already_voted", "该成员已经投过票，每人只能投一次",
                     "this voter has already cast a ballot")

    RESOLUTION_REQUIRED = (RuleViolation, "collective.resolution_required", "此操作需要成员（代表）大会决议",
                           "this needs a passed {kind} motion or the reference of the members' resolution")

    MINUTES_RECORDED = (Conflict, "collective.minutes_recorded", "会议记录已归档，不能修改",
                        "the minutes are already recorded")

    MOTION_NOT_DRAFT = (Conflict, "collective.motion_not_draft", "表决已开始或已结束",
                        "the vote has already been opened")

    CLOSES_IN_PAST = (RuleViolation, "collective.closes_in_past", "截止时间必须晚于现在",
                      "the closing time must be in the future")

    EMPTY_ROSTER = (RuleViolation, "collective.empty_roster", "没有有表决权的成员",
                    "nobody is entitled to vote on this motion")

    VOTE_NOT_OPEN = (Conflict, "collective.vote_not_open", "表决未开始或已结束", "the vote is not open")

    VOTE_CLOSED = (Conflict, "collective.vote_closed", "表决已截止", "the vote has closed")

    NOT_ON_ROSTER_2 = (Forbidden, "collective.not_on_roster", "该成员不在本次表决名册中",
                       "this member is not on the vote's roster")

    BALLOT_UNREADABLE = (Conflict, "collective.ballot_unreadable", "票箱中的选票无法读取",
                         "a ballot in the box cannot be read")

    VOTE_NOT_OPEN_2 = (Conflict, "collective.vote_not_open", "表决未开始或已封存", "the vote is not open")

    BALLOTS_PARTICIPATION_MISMATCH = (Conflict, "collective.ballots_participation_mismatch",
                                      "票箱选票数与参与投票人数不符",
                                      "the ballot box does not hold one ballot per voter who took part")

    INVALID_BODY_2 = (RuleViolation, "collective.invalid_body", "会议机构无效", "unknown body {value!r}")

    INVALID_CHANNEL = (RuleViolation, "collective.invalid_channel", "投票方式无效", "unknown channel {channel!r}")

    WRONG_MOTION = (RuleViolation, "collective.wrong_motion", "表决事项与本次操作不符",
                    "motion {motion_id} is not a {kind} motion of this collective")

    MOTION_NOT_PASSED = (Conflict, "collective.motion_not_passed", "该事项未经表决通过", "the motion has not passed")

    FORBIDDEN_COLLECTIVE = (Forbidden, "collective.forbidden_collective", "您不能操作或查看这个集体经济组织",
                            "this collective is not yours to act on or read")

    VOTE_NOT_SEALED = (Conflict, "collective.vote_not_sealed", "表决尚未封存", "the vote is not sealed yet")

    NOT_YOUR_BALLOT = (Forbidden, "collective.not_your_ballot", "只能为自己投票", "you can cast only your own ballot")

    PERIOD_REQUIRED = (RuleViolation, "collective.period_required", "请填写分红期间", "a period is required")

    MEMO_REQUIRED = (RuleViolation, "collective.memo_required", "请填写摘要", "a memo is required")

    DUPLICATE_IN_BATCH = (RuleViolation, "collective.duplicate_in_batch", "同一人在批次中出现多次",
                          "the person appears twice")

    INVALID_GROUND_3 = (RuleViolation, "collective.invalid_ground", "入社依据无效", "unknown ground {m.ground!r}")

    TEXT_TOO_LONG_2 = (RuleViolation, "collective.text_too_long", "证明材料超过 300 个字符",
                       "the evidence is longer than 300 characters")

    RESOLUTION_REQUIRED_2 = (RuleViolation, "collective.resolution_required", "此入社依据需要成员大会决议",
                             "this ground needs the members' resolution (resolution_ref)")

    NAME_REQUIRED_2 = (RuleViolation, "collective.name_required", "项目名称不能为空", "a project name is required")

    EVIDENCE_REQUIRED = (RuleViolation, "collective.evidence_required", "请提供证明材料", "evidence is required")

    EVIDENCE_REQUIRED_2 = (RuleViolation, "collective.evidence_required", "请提供入社依据的证明材料",
                           "evidence for the admission ground is required")

    GROUND_REQUIRED = (RuleViolation, "collective.ground_required", "请填写转让原因", "a ground is required")

    EVIDENCE_REQUIRED_3 = (RuleViolation, "collective.evidence_required", "请提供继承证明",
                           "evidence of the inheritance is required")

    REFERENCE_REQUIRED = (RuleViolation, "collective.reference_required", "请填写借款合同编号",
                          "the loan reference is required")

    MINUTES_REQUIRED = (RuleViolation, "collective.minutes_required", "会议记录不能为空", "the minutes are empty")

    TITLE_REQUIRED = (RuleViolation, "collective.title_required", "会议名称不能为空", "a title is required")

    TITLE_REQUIRED_2 = (RuleViolation, "collective.title_required", "表决事项名称不能为空", "a title is required")
