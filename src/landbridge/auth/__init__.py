"""Auth: organisations, users, roles, sessions, API tokens and permission dependencies."""

from landbridge.auth.deps import check_region, current_principal, optional_principal, require_roles
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
)

__all__ = [
    "DEMO_PASSWORD",
    "OrgKind",
    "Principal",
    "Role",
    "authenticate",
    "check_region",
    "check_startup_safety",
    "create_demo_accounts",
    "create_organisation",
    "create_user",
    "current_principal",
    "demo_accounts_present",
    "issue_token",
    "link_user_party",
    "optional_principal",
    "require_roles",
]
