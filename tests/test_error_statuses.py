"""One error code, one HTTP status: a client may branch on `error.code` without also
looking at the status. Every `DomainError(...)` in the backend is read from the source
(with the codes that helpers pass through), next to the codes the API gives DRF's own
exceptions, and a code answered with two statuses fails here."""

import ast
from collections import defaultdict
from pathlib import Path

from rest_framework import exceptions

ROOT = Path(__file__).resolve().parent.parent
BACKEND = ROOT / "backend"
DEFAULT_STATUS = 400  # DomainError.status_code


def _constant(node):
    return node.value if isinstance(node, ast.Constant) else None


def _argument(call: ast.Call, name: str, index: int | None):
    for keyword in call.keywords:
        if keyword.arg == name:
            return keyword.value
    if index is not None and len(call.args) > index:
        return call.args[index]
    return None


def _enclosing_functions(tree):
    parents = {}
    for node in ast.walk(tree):
        for child in ast.iter_child_nodes(node):
            parents[child] = node
    return parents


def _passed_codes(tree, function: ast.FunctionDef, parameter: str, where: str) -> list[str]:
    """The codes a helper such as `_invalid(field, message, code="validation_error")` is
    given: its default and every constant its callers in the module pass."""
    arguments = function.args
    positional = [a.arg for a in arguments.posonlyargs + arguments.args]
    defaults = dict(zip(positional[len(positional) - len(arguments.defaults) :], arguments.defaults, strict=True))
    defaults.update({a.arg: d for a, d in zip(arguments.kwonlyargs, arguments.kw_defaults, strict=True) if d})
    codes = [_constant(defaults[parameter])] if parameter in defaults else []
    index = positional.index(parameter) if parameter in positional else None
    for node in ast.walk(tree):
        if isinstance(node, ast.Call) and ast.unparse(node.func).split(".")[-1] == function.name:
            passed = _argument(node, parameter, index)
            if passed is not None:
                codes.append(_constant(passed))
    assert codes and None not in codes, f"{where}: the code {function.name}() passes to DomainError is not a literal"
    return codes


def domain_error_statuses() -> dict[str, set[tuple[int, str]]]:
    """{code: {(status, "path:line"), …}} for every DomainError constructed in the backend."""
    found = defaultdict(set)
    for path in sorted(BACKEND.rglob("*.py")):
        if "migrations" in path.parts:
            continue
        tree = ast.parse(path.read_text(encoding="utf-8"))
        parents = _enclosing_functions(tree)
        for node in ast.walk(tree):
            if not (isinstance(node, ast.Call) and ast.unparse(node.func).split(".")[-1] == "DomainError"):
                continue
            where = f"{path.relative_to(ROOT)}:{node.lineno}"
            status_node = _argument(node, "status_code", None)
            status = DEFAULT_STATUS if status_node is None else _constant(status_node)
            assert isinstance(status, int), f"{where}: write the status as a literal, so that it can be checked"
            code_node = _argument(node, "code", 0)
            code = _constant(code_node)
            if code is not None:
                found[code].add((status, where))
                continue
            assert isinstance(code_node, ast.Name), f"{where}: write the code as a literal or a helper's parameter"
            function = parents.get(node)
            while function is not None and not isinstance(function, ast.FunctionDef):
                function = parents.get(function)
            assert function is not None, f"{where}: write the code as a literal"
            unpacked = _unpacked_code(tree, function, code_node.id)
            for passed in [unpacked] if unpacked else _passed_codes(tree, function, code_node.id, where):
                found[passed].add((status, where))
    return found


def _module_constants(tree) -> dict[str, ast.expr]:
    return {
        target.id: node.value
        for node in tree.body
        if isinstance(node, ast.Assign)
        for target in node.targets
        if isinstance(target, ast.Name)
    }


def _unpacked_code(tree, function: ast.FunctionDef, name: str) -> str | None:
    """The code of `code, message = A_CONSTANT` (a tuple of literals, of this module or
    imported from another of the backend) in `function`."""
    constants = _module_constants(tree)
    for node in tree.body:
        if isinstance(node, ast.ImportFrom) and (node.module or "").startswith("backend."):
            source = ROOT.joinpath(*node.module.split(".")).with_suffix(".py")
            if source.exists():
                imported = _module_constants(ast.parse(source.read_text(encoding="utf-8")))
                constants.update(
                    {alias.asname or alias.name: imported[alias.name] for alias in node.names if alias.name in imported}
                )
    for node in ast.walk(function):
        if not (isinstance(node, ast.Assign) and isinstance(node.targets[0], ast.Tuple)):
            continue
        names = [getattr(element, "id", None) for element in node.targets[0].elts]
        value = constants.get(node.value.id) if isinstance(node.value, ast.Name) else node.value
        if name in names and isinstance(value, ast.Tuple):
            return _constant(value.elts[names.index(name)])
    return None


def api_statuses() -> dict[str, set[tuple[int, str]]]:
    """The codes backend/core/api.py gives DRF's own exceptions, with their statuses."""
    from backend.core import api

    found = defaultdict(set)
    for exception_class, (code, _message) in getattr(api, "_DRF_CODES", {}).items():
        found[code].add((exception_class.status_code, f"backend/core/api.py ({exception_class.__name__})"))
    found["validation_error"].add((exceptions.ValidationError.status_code, "backend/core/api.py (ValidationError)"))
    return found


def test_the_backend_raises_domain_errors_at_all():
    codes = domain_error_statuses()
    assert {"bin_retired", "validation_error", "weight_out_of_range", "reason_required"} <= codes.keys()
    assert any(status == 409 for status, _ in codes["dispute_open"])


def test_each_error_code_has_one_http_status():
    statuses = defaultdict(set)
    for source in (domain_error_statuses(), api_statuses()):
        for code, places in source.items():
            statuses[code] |= places
    mixed = {code: sorted(places) for code, places in statuses.items() if len({s for s, _ in places}) > 1}
    assert not mixed, "one code answered with more than one status:\n" + "\n".join(
        f"  {code}: " + ", ".join(f"{status} at {where}" for status, where in places) for code, places in mixed.items()
    )


def test_a_retired_bin_is_a_conflict_for_a_scan_as_for_a_new_tag(api, collector, official, bin, tag):
    from backend.restaurants.models import Bin, BinStatus
    from tests.api.scans import URL, scan

    Bin.objects.filter(id=bin.id).update(status=BinStatus.RETIRED)  # retired, its tag not (yet) revoked
    scanned = api.as_user(collector).post(URL, scan(tag), format="json")
    issued = api.as_user(official).post(f"/api/v1/bins/{bin.id}/tags/", {}, format="json")
    assert (scanned.status_code, scanned.json()["error"]["code"]) == (409, "bin_retired")
    assert (issued.status_code, issued.json()["error"]["code"]) == (409, "bin_retired")
