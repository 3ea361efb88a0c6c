"""The error codes of ``landbridge.registry`` with their zh-CN and English messages (issue #14 item 5)."""

from __future__ import annotations

from landbridge.errors import Conflict, ErrorCode, Forbidden, NotFound, RuleViolation


class RegistryError(ErrorCode):
    """Every answer ``landbridge.registry`` refuses a request with."""

    # a record looked up by id (queries._get: hand-finish it to take the member and raise member.error(id=obj_id))
    PARCEL_NOT_FOUND = (NotFound, "registry.parcel_not_found", "宗地 {id} 不存在", "parcel {id} does not exist")
    UNIT_NOT_FOUND = (NotFound, "registry.unit_not_found", "不动产单元 {id} 不存在",
                      "property unit {id} does not exist")
    APPLICATION_NOT_FOUND = (NotFound, "registry.application_not_found", "申请 {id} 不存在",
                             "application {id} does not exist")
    CERTIFICATE_BY_ID_NOT_FOUND = (NotFound, "registry.certificate_not_found", "证书 {id} 不存在",
                                   "certificate {id} does not exist")
    # pages._not_found(what): hand-finish it to take one of these
    PARCEL_PAGE_NOT_FOUND = (NotFound, "registry.parcel_not_found", "记录不存在", "parcel not found")
    APPLICATION_PAGE_NOT_FOUND = (NotFound, "registry.application_not_found", "记录不存在", "application not found")
    CERTIFICATE_PAGE_NOT_FOUND = (NotFound, "registry.certificate_not_found", "记录不存在", "certificate not found")

    INVALID_GEOMETRY = (RuleViolation, "registry.invalid_geometry", "第 {index} 个要素的图形无效: {reason}",
                        "feature {index} has an invalid geometry: {reason}")

    PARCEL_OVERLAP = (RuleViolation, "registry.parcel_overlap", "第 {index} 个要素与宗地 {other} 重叠 {area} 平方米",
                      "feature {index} overlaps parcel {other} by {area} m²")

    DUPLICATE_PARCEL_CODE = (Conflict, "registry.duplicate_parcel_code", "第 {index} 个要素的宗地代码 {code} 已存在",
                             "feature {index}: parcel code {code} already exists")

    EMPTY_IMPORT = (RuleViolation, "registry.empty_import", "导入文件中没有宗地", "the import contains no parcels")

    INVALID_REGION_CODE = (RuleViolation, "registry.invalid_region_code",
                           "第 {i} 个要素的行政区划代码 {code} 不是本市的村",
                           "feature {i}: region code {code} is not a village of the city profile")

    INVALID_LAND_USE_CLASS = (RuleViolation, "registry.invalid_land_use_class",
                              "第 {i} 个要素的地类 {luc} 不符合 GB/T 21010",
                              "feature {i}: land-use class {luc} is not a GB/T 21010-2017 code")

    INVALID_PARCEL_CODE = (RuleViolation, "registry.invalid_parcel_code", "第 {i} 个要素的宗地代码 {code} 格式错误",
                           "feature {i}: parcel code {code} does not match its region code and the 19-character layout")

    PARCEL_SEQUENCE_EXHAUSTED = (RuleViolation, "registry.parcel_sequence_exhausted",
                                 "区划 {region} 的宗地顺序号已用尽",
                                 "region {region} has no parcel sequence numbers left")

    DUPLICATE_PARCEL_CODE_2 = (Conflict, "registry.duplicate_parcel_code", "宗地代码或不动产单元号已存在",
                               "a parcel code or unit code already exists")

    PARTY_NOT_FOUND = (NotFound, "registry.party_not_found", "权利人 {missing[0]} 不存在",
                       "party {missing[0]} not found")

    EMPTY_IMPORT_2 = (RuleViolation, "registry.empty_import", "没有要登记的不动产单元", "nothing to register")

    PARTY_EXISTS = (Conflict, "registry.party_exists", "该证件号的权利人已存在",
                    "a party with this ID number already exists")

    PARTY_EXISTS_2 = (Conflict, "registry.party_exists", "第 {i} 项：证件号与第 {seen_number} 项重复",
                      "item {i}: the same ID number as item {seen_number}")

    PARTY_NOT_FOUND_2 = (NotFound, "registry.party_not_found", "第 {i} 项：成员 {pid} 不存在",
                         "item {i}: member {pid} not found")

    UNSUPPORTED_FILE = (RuleViolation, "registry.unsupported_file", "不支持的文件类型 {suffix}",
                        "unsupported file type {suffix} (use .shp, .zip, .gpkg, .gdb, .geojson; "
                        "exports also .xlsx, .csv)")

    UNSUPPORTED_CRS = (RuleViolation, "registry.unsupported_crs",
                       "坐标系 {crs} 不是 CGCS2000 地理坐标或高斯-克吕格投影",
                       "coordinate reference system {crs} is not CGCS2000 geographic or Gauss-Krüger")

    MISSING_FIELD = (RuleViolation, "registry.missing_field", "文件缺少字段 {required}",
                     "the file has no {required} property")

    CERTIFICATE_NOT_FOUND = (NotFound, "registry.certificate_not_found", "证书不存在或核验码无效",
                             "no certificate has this verification code")

    CERTIFICATE_FORBIDDEN = (Forbidden, "registry.certificate_forbidden", "只有登记机构和权利人可以下载证书",
                             "only the registration centre and the holders may download the certificate")

    PARTY_NOT_FOUND_3 = (NotFound, "registry.party_not_found", "权利人 {party_id} 不存在",
                         "party {party_id} does not exist")

    CERTIFICATE_NOT_FOUND_2 = (NotFound, "registry.certificate_not_found", "证书不存在或校验码错误",
                               "no certificate with this token")

    TRANSFER_BLOCKED = (Conflict, "registry.transfer_blocked",
                        "该不动产存在{names_get_first_kind_first_kind}，不能办理转移登记",
                        "the transfer is blocked by a {first.kind} (restriction {first.id})")

    INVALID_SHARE = (RuleViolation, "registry.invalid_share", "份额 {value} 必须大于0且不大于1",
                     "share {value!r} must be in (0, 1]")

    NO_HOLDERS = (RuleViolation, "registry.no_holders", "权利人不能为空", "a right needs at least one holder")

    DUPLICATE_HOLDER = (RuleViolation, "registry.duplicate_holder", "同一权利人重复出现", "a holder appears twice")

    SHARES_NOT_ONE = (RuleViolation, "registry.shares_not_one", "共有份额之和为 {total}，应为 1",
                      "co-holder shares sum to {total}, not 1")

    HOUSE_LAND_HOLDER_MISMATCH = (RuleViolation, "registry.house_land_holder_mismatch", "房屋与宅基地的权利人必须一致",
                                  "the house and its homestead must have the same holders")

    INVALID_TERM = (RuleViolation, "registry.invalid_term", "必须给出有效的起止日期",
                    "a valid term start and end is required")

    TERM_TOO_SHORT = (RuleViolation, "registry.term_too_short", "土地经营权流转期限不足 {min_years} 年，不能登记",
                      "a land management right needs a term of at least {min_years} years")

    INVALID_RIGHT_TYPE = (RuleViolation, "registry.invalid_right_type", "权利类型 {right_type} 不能登记在宗地上",
                          "right type {right_type} cannot be registered on a parcel")

    INVALID_SHARE_2 = (RuleViolation, "registry.invalid_share", "份额 {value} 格式错误",
                       "share {value!r} is not a fraction")

    RIGHT_NOT_CURRENT = (Conflict, "registry.right_not_current", "该权利不是本单元的现势权利",
                         "the right is not a current right of this unit")

    NAME_REQUIRED = (RuleViolation, "registry.name_required", "姓名或名称不能为空", "a name is required")

    INVALID_REGION_CODE_2 = (RuleViolation, "registry.invalid_region_code", "区划代码 {region_code} 不是本市的行政村",
                             "region code {region_code} is not a village of the city profile")

    PARCEL_OVERLAP_2 = (Conflict, "registry.parcel_overlap", "宗地与 {join_codes} 重叠",
                        "the parcel overlaps {join_codes}")

    INVALID_ATTACHMENT = (RuleViolation, "registry.invalid_attachment", "定着物代码必须是 F、L、Q 或 W",
                          "attachment must be F, L, Q or W")

    INVALID_LAND_USE_CLASS_2 = (RuleViolation, "registry.invalid_land_use_class", "地类代码无效",
                                "invalid land-use class")

    INVALID_FEATURE_CODE = (RuleViolation, "registry.invalid_feature_code", "宗地特征码无效",
                            "invalid parcel feature code")

    PARCEL_SEQUENCE_EXHAUSTED_2 = (RuleViolation, "registry.parcel_sequence_exhausted",
                                   "区划 {region_code} 的宗地顺序号已用尽",
                                   "region {region_code} has no parcel sequence numbers left")

    UNIT_NOT_CURRENT = (Conflict, "registry.unit_not_current", "不动产单元不是现势状态",
                        "the property unit is not current")

    RIGHT_EXISTS = (Conflict, "registry.right_exists", "该单元已有同类现势权利",
                    "the unit already has a current right of this type")

    INVALID_AMOUNT = (RuleViolation, "registry.invalid_amount", "被担保债权数额必须大于0",
                      "the secured amount must be positive")

    DOCUMENT_NO_REQUIRED = (RuleViolation, "registry.document_no_required", "查封须提供法院文书号",
                            "a seizure needs the court order number")

    CANCELLATION_TARGET = (RuleViolation, "registry.cancellation_target", "须且只须指定一项要注销的权利或限制",
                           "name exactly one right or restriction to cancel")

    RESTRICTION_NOT_FOUND = (NotFound, "registry.restriction_not_found", "限制不存在", "restriction not found")

    NOT_CURRENT_OBJECTION = (Conflict, "registry.not_current_objection", "只能对现势的异议登记记录起诉",
                             "a suit can only be recorded on a current objection")

    SUIT_ALREADY_FILED = (Conflict, "registry.suit_already_filed", "已记录起诉", "a suit is already recorded")

    OBJECTION_LAPSED = (Conflict, "registry.objection_lapsed", "异议登记已过期", "the objection has lapsed")

    APPLICATION_NOT_LODGED = (Conflict, "registry.application_not_lodged",
                              "申请 {app.number} 已{app.status}，不能再处理",
                              "application {app.number} is {app.status}, not lodged")

    SUPERSEDED_NOT_CURRENT = (Conflict, "registry.superseded_not_current", "被替代的记录已不是现势状态",
                              "a record this application replaces is no longer current")

    RIGHT_ENCUMBERED = (Conflict, "registry.right_encumbered", "该权利上还有现势限制，须先注销",
                        "the right still carries current restrictions")

    REASON_REQUIRED = (RuleViolation, "registry.reason_required", "不予登记须说明理由", "a rejection needs a reason")

    APPLICATION_NOT_APPROVED = (Conflict, "registry.application_not_approved", "申请尚未登簿，不能发证",
                                "certificates are issued only for approved applications")

    EMPTY_DOCUMENT = (RuleViolation, "registry.empty_document", "文件为空", "the document is empty")

    DOCUMENT_TOO_LARGE = (RuleViolation, "registry.document_too_large", "文件超过 {limit} 字节上限",
                          "the document exceeds the {limit}-byte limit")

    INVALID_PARTY_KIND = (RuleViolation, "registry.invalid_party_kind", "权利人类型 {kind} 无效",
                          "unknown party kind {kind!r}")

    INVALID_ID_NUMBER = (RuleViolation, "registry.invalid_id_number", "居民身份证号无效",
                         "the resident ID number is not valid")

    MEMBERS_ONLY_FOR_GROUPS = (RuleViolation, "registry.members_only_for_groups", "只有家庭或共有人组可以有成员",
                               "only a group party has members")

    UNIT_HAS_PENDING_APPLICATION = (Conflict, "registry.unit_has_pending_application", "该不动产单元已有在办的登记申请",
                                    "another application on this unit is pending")

    INVALID_GEOMETRY_2 = (RuleViolation, "registry.invalid_geometry", "宗地图形无效：{exc}",
                          "invalid parcel geometry: {exc}")

    INVALID_RIGHT_TYPE_2 = (RuleViolation, "registry.invalid_right_type", "权利类型 {right_type} 无效",
                            "unknown right type {right_type!r}")

    HOUSE_NEEDS_HOMESTEAD = (RuleViolation, "registry.house_needs_homestead",
                             "房屋所有权须与宅基地使用权一并登记（房地一体）",
                             "a house is registered together with its homestead (attachment F)")

    NO_CURRENT_RIGHT = (Conflict, "registry.no_current_right", "该单元没有现势权利", "the unit has no current right")

    UNIT_SEIZED = (Conflict, "registry.unit_seized", "该不动产已被查封，不能办理登记",
                   "the unit is seized; no registration can be made")

    PREDECESSOR_REQUIRED = (RuleViolation, "registry.predecessor_required",
                            "土地经营权须来源于本单元现势的土地承包经营权",
                            "a land management right derives from a current land contract right on the unit")

    RESTRICTION_NOT_CURRENT = (Conflict, "registry.restriction_not_current", "该限制不是本单元的现势限制",
                               "the restriction is not current on this unit")

    INVALID_ID_NUMBER_2 = (RuleViolation, "registry.invalid_id_number", "统一社会信用代码无效",
                           "the unified social credit code is not valid")

    INVALID_ID_NUMBER_3 = (RuleViolation, "registry.invalid_id_number", "家庭或共有人组不能有证件号",
                           "a group has no ID number")

    NESTED_GROUP = (RuleViolation, "registry.nested_group", "成员不能是另一个组", "a member cannot be a group")

    RIGHT_NOT_CURRENT_2 = (Conflict, "registry.right_not_current", "该限制所在的权利已不是现势状态，请重新申请",
                           "the right this restriction is on is no longer current; lodge again")

    PARTY_FORBIDDEN = (Forbidden, "registry.party_forbidden", "只能查看本人的权利人信息",
                       "you may read only your own record")

    PARTY_NOT_FOUND_4 = (NotFound, "registry.party_not_found", "未找到该证件号的权利人", "no party with this ID number")

    INVALID_BBOX = (RuleViolation, "registry.invalid_bbox", "bbox 范围无效", "bbox is empty or inverted")

    INVALID_GEOMETRY_3 = (RuleViolation, "registry.invalid_geometry", "宗地图形无法解析",
                          "the geometry cannot be parsed: {exc}")

    INVALID_BBOX_2 = (RuleViolation, "registry.invalid_bbox", "bbox 应为 minx,miny,maxx,maxy",
                      "bbox must be minx,miny,maxx,maxy")

    INVALID_TERM_2 = (RuleViolation, "registry.invalid_term", "权利期限的终止日早于起始日",
                      "the term ends before it starts")

    INVALID_ID_NUMBER_4 = (RuleViolation, "registry.invalid_id_number", "证件号码无效", "the ID number is not valid")

    INVALID_RIGHT_TYPE_3 = (RuleViolation, "registry.invalid_right_type", "权利类型 {row.right_type} 不能登记在宗地上",
                            "right type {row.right_type} cannot be registered on a parcel")

    INVALID_PARTY_KIND_2 = (RuleViolation, "registry.invalid_party_kind", "权利人类型 {p.kind} 无效",
                            "unknown party kind {p.kind!r}")

    # market entry (集体经营性建设用地入市, issue #15): a right granted out of the collective's land and its
    # secondary market (transfer, lease, mortgage within the term, with notice to the collective)
    NOT_A_GRANTOR_RIGHT = (RuleViolation, "registry.not_a_grantor_right",
                           "入市须由集体持有的土地所有权或集体建设用地使用权设立新权利",
                           "an entered right is granted out of the collective's ownership or its own construction "
                           "land use right")
    INVALID_ENTRY_TERM = (RuleViolation, "registry.invalid_entry_term", "入市权利须有起止日期且止期晚于起期",
                          "an entered right needs a term whose end is after its start")
    ENTERED_RIGHT_EXPIRED = (Conflict, "registry.entered_right_expired",
                             "入市土地使用权已于 {term_end} 到期，不得转让、出租或抵押",
                             "the entered right's term ended on {term_end}: it cannot be transferred, leased or "
                             "mortgaged")
    NOT_AN_ENTERED_RIGHT = (RuleViolation, "registry.not_an_entered_right", "该权利不是入市取得的集体建设用地使用权",
                            "the right is not a collective construction land use right acquired by market entry")
    LEASE_BEYOND_TERM = (RuleViolation, "registry.lease_beyond_term",
                         "出租期限须在入市权利期限之内（至 {term_end}）",
                         "the lease must fall within the entered right's term (until {term_end})")
    INVALID_ENTRY_METHOD = (RuleViolation, "registry.invalid_entry_method", "入市方式无效（出让、出租或作价入股）",
                            "the entry method must be grant, lease or equity")
    # cadastral files (issue #21): registry.cadastre
    LEGACY_DATUM = (RuleViolation, "registry.legacy_datum",
                    "坐标系 {crs} 基于 {datum}，无公开的到 CGCS2000 的转换：需测绘主管部门提供的七参数或格网文件"
                    "（城市配置 registry_import.legacy_datum_parameters[\"{datum_epsg}\"]）",
                    "{crs} is on the {datum} datum, which has no public transformation to CGCS2000: supply the "
                    "surveying authority's seven-parameter set or grid as registry_import.legacy_datum_parameters"
                    "[\"{datum_epsg}\"]")
    MISSING_CRS = (RuleViolation, "registry.missing_crs", "文件未声明坐标系（缺少 .prj），请用 --crs 指定 EPSG 代码",
                   "the file declares no coordinate reference system (no .prj): name its EPSG code with --crs")
    CRS_MISMATCH = (RuleViolation, "registry.crs_mismatch",
                    "第 {index} 个要素的坐标 ({x:.0f}, {y:.0f}) 不符合坐标系 {crs}（带号前缀不一致？）",
                    "feature {index}: coordinates ({x:.0f}, {y:.0f}) do not fit {crs} (zone prefix mismatch?)")
    FILE_TOO_LARGE = (RuleViolation, "registry.file_too_large", "文件大小 {size} 字节超过上限 {limit} 字节",
                      "the file has {size} bytes, more than the limit of {limit}")
    TOO_MANY_FEATURES = (RuleViolation, "registry.too_many_features", "文件有 {count} 个要素，超过上限 {limit}",
                         "the file has {count} features, more than the limit of {limit}")
    TOO_MANY_VERTICES = (RuleViolation, "registry.too_many_vertices", "文件共有超过 {limit} 个顶点",
                         "the file has more than {limit} vertices in all")
    UNREADABLE_FILE = (RuleViolation, "registry.unreadable_file", "无法读取文件 {name}: {reason}",
                       "cannot read {name}: {reason}")
    LAYER_NOT_FOUND = (RuleViolation, "registry.layer_not_found", "文件中没有图层 {layer}（可用: {layers}）",
                       "the file has no layer {layer} (layers: {layers})")
    TEXT_ENCODING = (RuleViolation, "registry.text_encoding",
                     "第 {index} 个要素的字段 {field} 按 {encoding} 解码为乱码，"
                     "请用 --encoding 指定编码（如 GBK、UTF-8）",
                     "feature {index}, field {field}: text decoded as {encoding} is garbled; name the encoding with "
                     "--encoding (GBK, UTF-8)")
    IMPORT_NOT_CLEAN = (RuleViolation, "registry.import_not_clean",
                        "{rejected} 个要素未通过检查（第一个：第 {first} 个要素 {finding}），请查看试导入报告，"
                        "或以 --exclude-rejected 明确排除被拒要素",
                        "{rejected} features failed the checks (first: feature {first}, {finding}); read the dry-run "
                        "report or exclude the rejected features explicitly with --exclude-rejected")
    IMPORT_JOB_BUSY = (Conflict, "registry.import_job_busy",
                       "文件 {file} 的导入作业 {job} 正由另一进程执行（已到第 {done} 个要素），"
                       "请等它结束后再运行本命令",
                       "import job {job} of the file {file} is being run by another process (at feature {done}); "
                       "run this command again once it has finished")
    # per-feature findings of the dry-run report (never raised: listed in the report)
    INVALID_HOLDER_ID = (RuleViolation, "registry.invalid_holder_id", "第 {index} 个要素的权利人证件号 {value} 无效",
                         "feature {index}: holder ID number {value} is not valid")
    UNKNOWN_RIGHT_TYPE = (RuleViolation, "registry.unknown_right_type",
                          "第 {index} 个要素的权利类型 {value} 不在代码表中",
                          "feature {index}: right type {value} is not a known code")
    FEATURE_TOO_COMPLEX = (RuleViolation, "registry.feature_too_complex",
                           "第 {index} 个要素有 {count} 个顶点，超过上限 {limit}",
                           "feature {index} has {count} vertices, more than the limit of {limit}")
    AREA_MISMATCH = (RuleViolation, "registry.area_mismatch",
                     "第 {index} 个要素的登记面积 {stated} 平方米与图形面积 {computed} 平方米相差超过 {tolerance}",
                     "feature {index}: stated area {stated} m² differs from the geometry's {computed} m² by more than "
                     "{tolerance}")

    # self-registration with real-name verification (registry.signup; issue #20 item 2)
    SIGNUP_NOT_VERIFIED = (RuleViolation, "registry.signup_not_verified",
                           "无法核验身份：请核对姓名和身份证号；如登记机构没有您的手机号，请到村委会或便民服务窗口登记",
                           "your identity could not be verified: check your name and ID number; if the registry "
                           "holds no phone number of yours, register one at the village committee or a service desk")
    SIGNUP_ALREADY_REGISTERED = (Conflict, "registry.signup_already_registered",
                                 "此身份已开通账号，请直接登录；忘记密码请到服务窗口重置",
                                 "an account already exists for this identity: log in, or have the password reset "
                                 "at a service desk")
    SIGNUP_TOO_MANY_CODES = (RuleViolation, "registry.signup_too_many_codes",
                             "24 小时内最多发送 {limit} 次验证码，请稍后再试",
                             "at most {limit} codes are sent in 24 hours; try again later")
    SIGNUP_CODE_INVALID = (RuleViolation, "registry.signup_code_invalid",
                           "验证码不正确、已过期或已用完尝试次数，请重新获取",
                           "the code is wrong, has expired or has no attempts left; request a new one")
    SIGNUP_BAD_USERNAME = (RuleViolation, "registry.signup_bad_username",
                           "用户名须为 3–40 个字母、数字、点、下划线或连字符",
                           "a username is 3–40 letters, digits, dots, underscores or hyphens")
    SIGNUP_AGENT_NOT_VERIFIED = (Forbidden, "registry.signup_agent_not_verified",
                                 "代理人须先以本人实名账号登录（实名注册或由窗口关联权利人）",
                                 "the agent must be signed in with their own real-name login (signed up, or linked "
                                 "to their registry record at a desk)")
    SIGNUP_ORG_NOT_VERIFIED = (RuleViolation, "registry.signup_org_not_verified",
                               "无法核验机构：请核对统一社会信用代码和机构名称（须与登记机构记录一致）",
                               "the organisation could not be verified: check its unified social credit code and "
                               "name (they must match the registry's record)")
    SIGNUP_ORG_EXISTS = (Conflict, "registry.signup_org_exists", "该机构已开通，请联系其机构管理员",
                         "the organisation already has its logins: ask its administrator")
    SIGNUP_ORG_PENDING = (Conflict, "registry.signup_org_pending", "该机构已有待审核的注册申请",
                          "the organisation already has a sign-up waiting for review")
    SIGNUP_ORG_NOT_FOUND = (NotFound, "registry.signup_org_not_found", "机构注册申请 {signup_id} 不存在",
                            "organisation sign-up {signup_id} does not exist")
    SIGNUP_ORG_DECIDED = (Conflict, "registry.signup_org_decided", "该申请已{status}，不能再审核",
                          "the sign-up is already {status}; it cannot be decided again")
    SIGNUP_ORG_KIND = (RuleViolation, "registry.signup_org_kind", "可自助注册的机构类型：{allowed}",
                       "organisations that may sign up themselves: {allowed}")
    SIGNUP_REASON_REQUIRED = (RuleViolation, "registry.signup_reason_required", "不予通过须写明理由（最多 200 字）",
                              "a refusal needs its reason (at most 200 characters)")
