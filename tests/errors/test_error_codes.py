"""Error codes as enums (issue #14 item 5): the catalogue is complete, unique and bilingual, ``docs/errors.md`` is
current, raise sites keep their JSON bodies, the codemod is idempotent, and the OpenAPI spec lists each route's
codes."""

from __future__ import annotations

import ast
import importlib.util
import re
import string
import sys
from pathlib import Path
from types import ModuleType

import pytest
from fastapi.testclient import TestClient

import landbridge
from landbridge import errorcodes
from landbridge.auth.errors import AuthError
from landbridge.collective.errors import CollectiveError
from landbridge.db import Database
from landbridge.errors import CoreError, DomainError, ErrorCode, Forbidden, RuleViolation
from landbridge.main import create_app
from landbridge.planning.errors import PlanningError

ROOT = Path(__file__).resolve().parents[2]
SRC = ROOT / "src" / "landbridge"
HTTP_CLASSES = {"DomainError", "NotFound", "Forbidden", "Unauthorized", "Conflict", "RuleViolation",
                "TooManyRequests", "InternalError", "PayloadTooLarge", "MethodNotAllowed"}
CODE = re.compile(r"[a-z_]+(\.[a-z0-9_]+)?")
SPLIT_STATUS = {"exchange.bidder_not_found": {404, 409}, "registry.parcel_overlap": {409, 422}}
PACKAGES = {p.name for p in SRC.iterdir() if p.is_dir()} | {"request", "rules"}
CJK = re.compile(r"[\u4e00-\u9fff]")


def _fields(template: str) -> set[str]:
    return {name.split(".")[0].split("[")[0] for _, name, _, _ in string.Formatter().parse(template) if name}


def _literal_codes() -> list[tuple[str, int, str]]:
    """(file, line, code) of every error built in src/ with a literal code: a DomainError class called with a
    string first, or an exception class's ``super().__init__("code", ...)``."""
    found = []
    for path in sorted(SRC.rglob("*.py")):
        for node in ast.walk(ast.parse(path.read_text())):
            if not (isinstance(node, ast.Call) and node.args and isinstance(node.args[0], ast.Constant)
                    and isinstance(node.args[0].value, str)):
                continue
            func = node.func
            name = func.id if isinstance(func, ast.Name) else func.attr if isinstance(func, ast.Attribute) else ""
            if name in HTTP_CLASSES or (name == "__init__" and CODE.fullmatch(node.args[0].value)):
                found.append((str(path.relative_to(ROOT)), node.lineno, node.args[0].value))
        for node in ast.walk(ast.parse(path.read_text())):
            # a helper handed (code, zh, en): registry's _invalid(index, "registry.x", "…", "…") before conversion
            if isinstance(node, ast.Call):
                args = node.args
                for i, arg in enumerate(args[:-2]):
                    if (isinstance(arg, ast.Constant) and isinstance(arg.value, str) and "." in arg.value
                            and CODE.fullmatch(arg.value) and arg.value.split(".")[0] in PACKAGES
                            and all(isinstance(a, (ast.Constant, ast.JoinedStr)) for a in args[i + 1:i + 3])):
                        found.append((str(path.relative_to(ROOT)), node.lineno, arg.value))
    return found


def test_the_catalogue_holds_the_core_and_every_package_with_an_errors_module() -> None:
    names = {e.__name__ for e in errorcodes.enums()}
    assert {"CoreError", "AuthError", "LedgerError", "PrivacyError", "PlanningError", "CollectiveError",
            "KernelError", "CityProfileError"} <= names
    packages = {p.parent.name for p in SRC.glob("*/errors.py")}
    assert len(errorcodes.enums()) == len(packages) + 1
    assert sum(1 for _ in errorcodes.members()) > 300


def test_every_literal_code_raised_in_src_is_declared_with_that_status() -> None:
    """An AST scan of src/: a code written at a raise site (the packages the codemod has not yet converted) must
    already be a member, so the catalogue and docs/errors.md are complete before and after conversion."""
    declared = errorcodes.by_code()
    sites = _literal_codes()
    assert sites, "the scan found nothing: it is broken"
    missing = [f"{f}:{line}: {code}" for f, line, code in sites if code not in declared]
    assert missing == []


def test_codes_are_unique_across_modules_and_keep_one_status() -> None:
    owners: dict[str, set[str]] = {}
    statuses: dict[str, set[int]] = {}
    for enum in errorcodes.enums():
        # an alias would mean two rows with the same class, code and messages: one table, one row
        assert len(enum.__members__) == len(list(enum)), f"{enum.__name__} repeats a member"
        for m in enum:
            owners.setdefault(m.code, set()).add(enum.__name__)
            statuses.setdefault(m.code, set()).add(m.http_status)
    assert {c: o for c, o in owners.items() if len(o) > 1} == {}
    # Two codes answer with two statuses on main today (kept: clients see exactly what they saw); no new ones.
    assert {c: s for c, s in statuses.items() if len(s) > 1} == SPLIT_STATUS
    assert len(owners) > 250


def test_every_member_has_a_code_its_module_owns_and_both_messages() -> None:
    for enum in errorcodes.enums():
        package = enum.__module__.split(".")[1] if enum.__module__ != "landbridge.errors" else ""
        for m in enum:
            assert CODE.fullmatch(m.code), m
            prefix = m.code.split(".")[0]
            assert prefix == package or (package, prefix) in {("", "request"), ("", "internal_error"),
                                                              ("cityprofile", "rules")}, m
            assert issubclass(m.kind, DomainError) and 400 <= m.http_status < 600, m
            assert m.zh.strip() and m.en.strip(), m
            assert CJK.search(m.zh), f"{m}: the zh-CN message has no Chinese"
            assert not CJK.search(m.en), f"{m}: the English message has Chinese"
            _fields(m.zh), _fields(m.en)  # both parse as format templates (a stray brace raises)


def test_docs_errors_md_is_generated_from_the_enums() -> None:
    """Fails when docs/errors.md is stale: run `make errors-doc`."""
    checked_in = (ROOT / "docs" / "errors.md").read_text()
    assert checked_in.rstrip("\n") == errorcodes.render_markdown().rstrip("\n")
    assert "| `auth.forbidden_role` | 403 | `FORBIDDEN_ROLE` | 您的角色无权执行此操作 | your role may not do this |" \
        in checked_in


def test_a_member_builds_exactly_the_body_the_free_string_built() -> None:
    before = Forbidden("auth.forbidden_role", "您的角色无权执行此操作", "your role may not do this",
                       required=["admin", "registrar"])
    after = AuthError.FORBIDDEN_ROLE.error(required=["admin", "registrar"])
    assert type(after) is Forbidden and after.http_status == 403
    assert after.to_dict() == before.to_dict()
    assert "details" not in AuthError.LOGIN_REQUIRED.error().to_dict()


def test_message_fields_come_from_details_and_from_message_only_values() -> None:
    error = PlanningError.INVALID_CODE.error({"max_length": 40}, field="code")
    assert error.to_dict() == RuleViolation("planning.invalid_code", "code 不能为空且不超过 40 个字符",
                                            "code must be 1 to 40 characters", field="code").to_dict()
    found = CollectiveError.MEMBER_NOT_FOUND.error({"obj_id": 7})
    assert (found.code, found.message, found.message_en, found.details) == \
        ("collective.member_not_found", "成员不存在", "member 7 not found", {})
    # a value carrying braces is text, not a template
    assert CoreError.REQUEST_ERROR.error({"detail": "{x}"}).message_en == "{x}"


def test_an_error_code_enum_is_a_plain_table() -> None:
    class Demo(ErrorCode):
        ONE = (RuleViolation, "demo.one", "一", "one {n}")

    assert Demo.ONE.render(n=1) == ("一", "one 1") and Demo.ONE.http_status == 422
    with pytest.raises(KeyError):
        Demo.ONE.error()  # a field left unfilled is a bug at the raise site, not a silent "{n}"


# --- the codemod -------------------------------------------------------------------------------------------

SAMPLE = '''"""A sample module."""

from __future__ import annotations

from landbridge.errors import Conflict, NotFound


def find(lot_id: int, name: str) -> None:
    if lot_id < 0:
        raise NotFound("sample.lot_not_found", f"标的 {lot_id} 不存在", f"lot {lot_id} does not exist", id=lot_id)
    if name:
        raise Conflict("sample.name_taken", f"名称“{name}”已被使用 {{}}", f"name {name!r} is taken", n=len(name))
    raise NotFound("sample.lot_not_found", f"标的 {lot_id} 不存在", f"lot {lot_id} does not exist", id=lot_id)
'''


def _codemod() -> ModuleType:
    spec = importlib.util.spec_from_file_location("error_enums", ROOT / "scripts" / "codemods" / "error_enums.py")
    assert spec is not None and spec.loader is not None
    module = importlib.util.module_from_spec(spec)
    sys.modules["error_enums"] = module
    spec.loader.exec_module(module)
    return module


def _raised(path: Path, *args: object) -> dict[str, object]:
    namespace: dict[str, object] = {}
    exec(compile(path.read_text(), str(path), "exec"), namespace)
    with pytest.raises(DomainError) as caught:
        namespace["find"](*args)  # type: ignore[operator]
    return caught.value.to_dict()


def test_the_codemod_converts_a_package_keeps_the_bodies_and_is_idempotent(tmp_path: Path) -> None:
    codemod = _codemod()
    src = tmp_path / "src"
    package = src / "landbridge" / "sample"
    package.mkdir(parents=True)
    (package / "__init__.py").write_text("")
    module = package / "service.py"
    module.write_text(SAMPLE)
    before = [_raised(module, 3, ""), _raised(module, 3, "河{西}")]

    assert codemod.main(["--src", str(src), "--no-ruff", "sample"]) == 0
    converted = module.read_text()
    assert "SampleError.LOT_NOT_FOUND.error(" in converted and '"sample.' not in converted
    assert "from landbridge.sample.errors import SampleError" in converted
    table = (package / "errors.py").read_text()
    assert table.count("LOT_NOT_FOUND = ") == 1 and "NAME_TAKEN = " in table  # one member for the two sites
    assert '"名称“{name}”已被使用 {{}}"' in table and '"name {name!r} is taken"' in table

    landbridge.__path__.append(str(src / "landbridge"))  # so that landbridge.sample.errors imports
    try:
        assert [_raised(module, 3, ""), _raised(module, 3, "河{西}")] == before
    finally:
        landbridge.__path__.remove(str(src / "landbridge"))
        for name in [k for k in sys.modules if k.startswith("landbridge.sample")]:
            del sys.modules[name]

    assert codemod.main(["--src", str(src), "--no-ruff", "--check", "sample"]) == 0  # nothing left to change
    assert codemod.main(["--src", str(src), "--no-ruff", "sample"]) == 0
    assert module.read_text() == converted and (package / "errors.py").read_text() == table


def test_the_codemod_leaves_nothing_to_do_in_the_converted_packages() -> None:
    """The packages converted on this branch: a re-run changes nothing (no free-string site is left)."""
    codemod = _codemod()
    assert codemod.main(["--no-ruff", "--check", "auth", "ledger", "privacy", "planning", "collective",
                         "cityprofile", "kernel", "demo", "config.py", "main.py", "cli.py", "worker.py"]) == 0


# --- the API docs ------------------------------------------------------------------------------------------


def test_the_openapi_spec_lists_each_routes_error_codes(db: Database) -> None:
    spec = TestClient(create_app()).get("/api/v1/openapi.json").json()
    declared = errorcodes.by_code()
    operations = [op for ops in spec["paths"].values() for op in ops.values()]
    listed = [op for op in operations if op.get("x-error-codes")]
    assert len(listed) > 0.9 * len(operations)
    for op in listed:
        for entry in op["x-error-codes"]:
            assert entry["code"] in declared, entry
            assert entry["status"] in {m.http_status for m in declared[entry["code"]]}
            assert f"`{entry['code']}`" in op["responses"][str(entry["status"])]["description"]
    tokens = spec["paths"]["/api/v1/auth/tokens/{token_id}"]["delete"]
    assert {"auth.login_required", "auth.token_not_found"} <= {e["code"] for e in tokens["x-error-codes"]}
    assert tokens["responses"]["404"]["content"]["application/json"]["schema"] == \
        {"$ref": "#/components/schemas/ErrorBody"}
    motions = [op for path, ops in spec["paths"].items() if path.startswith("/api/v1/collective")
               for op in ops.values()]
    assert any("auth.forbidden_role" in {e["code"] for e in op.get("x-error-codes", [])} for op in motions)
