"""A refusal's HTTP status comes from its class, and every code keeps the status it had.

``CONTRACT`` is every code raised in ``src/hotline`` when statuses were still read from
code prefixes, with the status the API gave it then (computed once from the ordered
``_STATUS_BY_PREFIX`` list of ``api/errors.py``; the knowledge routes mapped their own
codes to 404/409/422). The walk below reads the source: every class derived from
``DomainError`` with the status it carries, and every construction of one with its code,
and checks that the class answers the contract's status. A new code needs no row: its
class decides.
"""

from __future__ import annotations

import ast
from dataclasses import dataclass
from pathlib import Path

import pytest

from hotline.api.errors import status_of
from hotline.domain import errors

SRC = Path(__file__).resolve().parents[2] / "src" / "hotline"

CONTRACT = {
    "assessment.invalid_scheme": 422,
    "assessment.no_scheme": 422,
    "assessment.scheme_exists": 409,
    "assessment.scheme_in_past": 422,
    "assessment.unknown_group": 422,
    "attachment.missing": 404,
    "attachment.no_thumbnail": 404,
    "attachment.none": 422,
    "attachment.not_found": 404,
    "attachment.not_with_action": 415,
    "attachment.storage_unavailable": 503,
    "attachment.ticket_full": 413,
    "attachment.ticket_not_found": 404,
    "attachment.too_large": 413,
    "attachment.type_not_allowed": 415,
    "auth.csrf": 403,
    "auth.expired": 401,
    "auth.forbidden": 403,
    "auth.invalid_credentials": 401,
    "auth.invalid_token": 401,
    "auth.required": 401,
    "backup.not_found": 422,
    "backup.restore_failed": 422,
    "backup.tool_missing": 422,
    "backup.unsupported": 422,
    "demo.bad_end": 409,
    "demo.not_empty": 409,
    "import.already_imported": 422,
    "import.bad_file": 422,
    "import.empty": 422,
    "import.encoding": 422,
    "import.missing_column": 422,
    "import.rejected": 422,
    "import.too_large": 422,
    "import.unknown_field": 422,
    "import.unsupported": 422,
    "import.zip_bomb": 422,
    "jobs.bad_sender": 400,
    "jobs.busy": 400,
    "jobs.no_schema": 400,
    "jobs.unknown": 400,
    "knowledge.conflict": 409,
    "knowledge.exists": 409,
    "knowledge.invalid": 422,
    "knowledge.not_found": 404,
    "knowledge.retired": 409,
    "limits.extension_count": 422,
    "limits.extension_not_allowed": 422,
    "limits.extension_too_long": 422,
    "limits.extension_too_short": 422,
    "limits.invalid_rules": 422,
    "limits.unknown_type": 422,
    "model.too_little_data": 409,
    "request.invalid": 422,
    "request.invalid_indicator": 422,
    "request.invalid_period": 422,
    "ticket.conflict": 409,
    "ticket.extension_too_long": 422,
    "ticket.extension_used": 409,
    "ticket.forbidden": 403,
    "ticket.invalid_transition": 409,
    "ticket.merge_target": 409,
    "ticket.missing_field": 422,
    "ticket.missing_reason": 422,
    "ticket.moved": 409,
    "ticket.not_closable_at_intake": 409,
    "ticket.not_found": 404,
    "ticket.return_window_closed": 409,
    "ticket.same_unit": 409,
    "unit.unknown": 422,
    "user.exists": 409,
    "user.invalid_role": 422,
    "user.unit_not_allowed": 422,
    "user.unit_required": 422,
    "user.weak_password": 422,
}

#: Sites whose code is a variable, with the codes it may hold.
VARIABLE_CODES = {
    "domain/tickets.py": {"ticket.missing_reason", "ticket.missing_field"},  # _require
    "services/tickets/lifecycle.py": {c for c in CONTRACT if c.startswith("limits.")},
}


@dataclass
class ErrorClass:
    bases: list[str]
    status: int | None  # ``status = …`` in the class body
    code: str | None  # the code its ``__init__`` passes on, when fixed
    per_instance: bool  # the status is given when raising (Open311's spec statuses)


def _error_classes(trees: dict[str, ast.Module]) -> dict[str, ErrorClass]:
    found: dict[str, ErrorClass] = {}
    for tree in trees.values():
        for node in ast.walk(tree):
            if not isinstance(node, ast.ClassDef):
                continue
            bases = [
                b.id if isinstance(b, ast.Name) else getattr(b, "attr", "") for b in node.bases
            ]
            status = code = None
            per_instance = False
            for item in node.body:
                if isinstance(item, ast.Assign) and any(
                    isinstance(t, ast.Name) and t.id == "status" for t in item.targets
                ):
                    status = item.value.value  # type: ignore[attr-defined]
                if isinstance(item, ast.FunctionDef) and item.name == "__init__":
                    per_instance = "status" in {a.arg for a in item.args.args}
                    for call in ast.walk(item):
                        if (
                            isinstance(call, ast.Call)
                            and isinstance(call.func, ast.Attribute)
                            and call.func.attr == "__init__"
                            and call.args
                            and isinstance(call.args[0], ast.Constant)
                        ):
                            code = call.args[0].value
            found[node.name] = ErrorClass(bases, status, code, per_instance)
    derived: dict[str, ErrorClass] = {}

    def is_error(name: str) -> bool:
        if name == "DomainError":
            return True
        cls = found.get(name)
        return cls is not None and any(is_error(b) for b in cls.bases)

    for name, cls in found.items():
        if is_error(name):
            derived[name] = cls
    return derived


def _status(name: str, classes: dict[str, ErrorClass]) -> int:
    cls = classes[name]
    if cls.status is not None:
        return int(cls.status)
    if name == "DomainError":
        return 400
    return _status(next(b for b in cls.bases if b in classes), classes)


TREES = {
    path.relative_to(SRC).as_posix(): ast.parse(path.read_text(encoding="utf-8"))
    for path in sorted(SRC.rglob("*.py"))
}
CLASSES = _error_classes(TREES)


def _raise_sites() -> list[tuple[str, int, str, str | None]]:
    """(file, line, class, code or None) of every error constructed in src."""
    sites = []
    for rel, tree in TREES.items():
        for node in ast.walk(tree):
            if not isinstance(node, ast.Call):
                continue
            func = node.func
            name = func.id if isinstance(func, ast.Name) else getattr(func, "attr", None)
            cls = CLASSES.get(name or "")
            if cls is None or cls.per_instance:
                continue
            first = node.args[0] if node.args else None
            literal = first.value if isinstance(first, ast.Constant) else None
            code = cls.code or (literal if isinstance(literal, str) else None)
            sites.append((rel, node.lineno, str(name), code))
    return sites


SITES = _raise_sites()


def test_the_walk_finds_the_classes_and_the_raise_sites() -> None:
    assert {"NotFound", "Forbidden", "Conflict", "Invalid", "LimitRulesError"} <= set(CLASSES)
    assert _status("InvalidTransition", CLASSES) == 409
    assert _status("LimitRulesError", CLASSES) == 422
    raised = {code for *_, code in SITES if code}
    missing = set(CONTRACT) - raised - {"ticket.missing_reason", "ticket.missing_field"}
    assert not missing, f"codes of the contract no longer raised: {sorted(missing)}"


@pytest.mark.parametrize(("path", "line", "name", "code"), SITES, ids=str)
def test_every_raise_site_answers_the_status_its_code_had(
    path: str, line: int, name: str, code: str | None
) -> None:
    status = _status(name, CLASSES)
    if code is None:
        assert path in VARIABLE_CODES, f"{path}:{line}: {name} with a code that is not a literal"
        codes = VARIABLE_CODES[path]
    else:
        if code not in CONTRACT:
            return  # a code newer than the contract: its class decides
        codes = {code}
    for one in codes:
        assert status == CONTRACT[one], f"{path}:{line}: {name}({one!r}) answers {status}"


@pytest.mark.parametrize(
    ("cls", "status"),
    [
        (errors.DomainError, 400),
        (errors.NotFound, 404),
        (errors.Unauthorized, 401),
        (errors.Forbidden, 403),
        (errors.Conflict, 409),
        (errors.Invalid, 422),
        (errors.Throttled, 429),
        (errors.InvalidTransition, 409),
        (errors.MissingField, 422),
    ],
)
def test_the_status_is_the_errors_class(cls: type[errors.DomainError], status: int) -> None:
    assert status_of(cls("some.code", "消息")) == status
