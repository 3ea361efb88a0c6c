"""Auth: organisations, users, roles, sessions, API tokens and permission dependencies."""

from landbridge.auth.deps import (
    check_region,
    check_role,
    current_principal,
    invalid_token,
    login_required,
    optional_principal,
    released_principal,
    require_roles,
)
from landbridge.auth.models import OrgKind, Role
from landbridge.auth.service import (
    DEMO_PASSWORD,
    Principal,
    authenticate,
    check_startup_safety,
    create_demo_accounts,
    create_organisation,
    create_user,
    demo_accounts_present,
    issue_token,
    link_user_party,
    organisation_names,
    principals_from_tokens,
    user_names,
)

__all__ = [
    "DEMO_PASSWORD",
    "OrgKind",
    "Principal",
    "Role",
    "authenticate",
    "check_region",
    "check_role",
    "check_startup_safety",
    "create_demo_accounts",
    "create_organisation",
    "create_user",
    "current_principal",
    "demo_accounts_present",
    "invalid_token",
    "issue_token",
    "link_user_party",
    "login_required",
    "optional_principal",
    "organisation_names",
    "principals_from_tokens",
    "released_principal",
    "require_roles",
    "user_names",
]
