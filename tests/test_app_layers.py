"""Foreign keys between apps point down the layers that `make lint` checks for imports
(pyproject.toml, docs/decisions/0003-app-layers.md): a model names only models of apps
below its own."""

import re
import tomllib
from pathlib import Path

import grimp
from django.apps import apps

# The ledger records the payment an entry comes from (docs/decisions/0003-app-layers.md).
KNOWN_UPWARD = {("billing.LedgerEntry", "payment")}


def _layer_of_app() -> dict[str, int]:
    config = tomllib.loads((Path(__file__).parents[1] / "pyproject.toml").read_text())
    (contract,) = [c for c in config["tool"]["importlinter"]["contracts"] if c["id"] == "app-layers"]
    depth = {}
    for position, layer in enumerate(contract["layers"]):
        for module in layer.split("|"):
            depth[module.strip().removeprefix("backend.")] = position
    return depth


def test_foreign_keys_point_down_the_layers():
    depth = _layer_of_app()
    upward = set()
    for model in apps.get_models():
        own = model._meta.app_label
        if own not in depth:
            continue
        for field in model._meta.get_fields():
            if not field.is_relation or field.auto_created or field.related_model is None:
                continue
            other = field.related_model._meta.app_label
            if other in depth and other != own and depth[other] <= depth[own]:
                upward.add((f"{own}.{model.__name__}", field.name))
    assert upward == KNOWN_UPWARD


def _table_of_apps() -> dict[str, set[str]]:
    """`docs/architecture.md`'s table: app → the apps it imports (its last column)."""
    text = (Path(__file__).parents[1] / "docs" / "architecture.md").read_text()
    table = {}
    for line in text.splitlines():
        match = re.match(r"^\| `(\w+)` \|.*\| ([^|]+) \|$", line)
        if match and match.group(1) != "config":
            imports = re.sub(r"\(.*?\)", "", match.group(2)).strip()
            table[match.group(1)] = set() if imports == "—" else {name.strip() for name in imports.split(",")}
    return table


def test_the_architecture_table_says_what_each_app_imports():
    graph = grimp.build_graph("backend", cache_dir=None)
    table = _table_of_apps()
    assert set(table) == set(_layer_of_app()) - {"config"}
    actual = {
        app: {
            other
            for other in table
            if other != app
            and graph.direct_import_exists(importer=f"backend.{app}", imported=f"backend.{other}", as_packages=True)
        }
        for app in table
    }
    wrong = {
        app: {
            "imports, not in the table": actual[app] - table[app],
            "in the table, not imported": table[app] - actual[app],
        }
        for app in table
        if actual[app] != table[app]
    }
    assert wrong == {}
