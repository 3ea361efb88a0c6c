"""The error codes of ``landbridge.auth`` with their zh-CN and English messages (issue #14 item 5)."""

from __future__ import annotations

from landbridge.errors import Conflict, ErrorCode, Forbidden, NotFound, RuleViolation, TooManyRequests, Unauthorized


class AuthError(ErrorCode):
    """Every answer ``landbridge.auth`` refuses a request with."""

    LOGIN_REQUIRED = (Unauthorized, "auth.login_required", "请先登录", "authentication required")

    INVALID_TOKEN = (Unauthorized, "auth.invalid_token", "访问令牌无效或已过期", "invalid or expired access token")

    FORBIDDEN_ROLE = (Forbidden, "auth.forbidden_role", "您的角色无权执行此操作", "your role may not do this")

    FORBIDDEN_REGION = (Forbidden, "auth.forbidden_region", "该对象不在您所在机构的管辖范围内",
                        "this object is outside your organisation's area")

    INVALID_CREDENTIALS = (Unauthorized, "auth.invalid_credentials", "用户名或密码错误", "wrong username or password")

    LOCKED = (TooManyRequests, "auth.locked", "登录失败次数过多，请稍后再试", "too many failed logins; try again later")

    INVALID_REGION_CODE = (RuleViolation, "auth.invalid_region_code", "区划代码必须是12位数字",
                           "region code must be 12 digits")

    INVALID_USCC = (RuleViolation, "auth.invalid_uscc", "统一社会信用代码无效", "invalid unified social credit code")

    ORGANISATION_EXISTS = (Conflict, "auth.organisation_exists", "机构“{name}”已存在", "organisation {name!r} exists")

    ORGANISATION_NOT_FOUND = (NotFound, "auth.organisation_not_found", "机构不存在", "organisation not found")

    USERNAME_TAKEN = (Conflict, "auth.username_taken", "用户名“{username}”已被使用", "username {username!r} is taken")

    USER_NOT_FOUND = (NotFound, "auth.user_not_found", "用户不存在", "user not found")

    PARTY_TAKEN = (Conflict, "auth.party_taken", "该权利人已关联其他账号",
                   "another account is already linked to this party")

    TOKEN_NOT_FOUND = (NotFound, "auth.token_not_found", "访问令牌不存在", "token not found")

    WEAK_PASSWORD = (RuleViolation, "auth.weak_password",
                     "密码不符合要求：至少{settings.password_min_length}位，包含至少{settings.password_min_classes}类"
                     "字符（小写、大写、数字、符号），不得包含用户名或使用常见密码",
                     "the password does not meet the policy: at least {settings.password_min_length} characters of {s"
                     "ettings.password_min_classes} kinds (lower, upper, digits, symbols), not the username, not a co"
                     "mmon password")

    DEMO_ACCOUNTS_IN_PRODUCTION = (Conflict, "auth.demo_accounts_in_production", "生产模式下存在演示账号，拒绝启动",
                                   "refusing to start: demo accounts exist in production mode")

    DEMO_ACCOUNTS_REFUSED_IN_PRODUCTION = (Conflict, "auth.demo_accounts_in_production", "生产模式下不能创建演示账号",
                                           "demo accounts cannot be created in production mode")

    WEAK_PASSWORD_TOO_SHORT = (RuleViolation, "auth.weak_password", "密码太短", "password too short")

    FORBIDDEN_ROLE_DRAFT_ZONES = (Forbidden, "auth.forbidden_role", "您的角色无权查看规划草案",
                                  "your role may not see draft zones")

    FORBIDDEN_SETTLEMENT = (Forbidden, "auth.forbidden_settlement", "仅受让方、本辖区交易机构和监管人员可查看价款结算",
                            "only the winner, the lot's exchange and supervisors may read the settlement")

    FORBIDDEN_REGION_OF_AREA = (Forbidden, "auth.forbidden_region", "该区域不在您所在机构的管辖范围内",
                                "this region is outside your organisation's area")

    SELF_ADMINISTRATION = (Conflict, "auth.self_administration", "管理员不能停用自己的账号或更改自己的角色",
                           "an administrator may not deactivate their own account or change their own role")

    ACCOUNT_UNCHANGED = (Conflict, "auth.account_unchanged", "账号已是该状态，未作更改",
                         "the account is already in that state; nothing changed")

    UNKNOWN_ROLE = (RuleViolation, "auth.unknown_role", "没有这个角色", "there is no such role")

    ROLE_NOT_GRANTABLE = (Forbidden, "auth.role_not_grantable", "机构管理员只能授予本机构类型的业务角色：{allowed}",
                          "an organisation's administrator grants only its own kind of staff roles: {allowed}")
