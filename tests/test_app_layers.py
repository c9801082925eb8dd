"""Foreign keys between apps point down the layers that `make lint` checks for imports
(pyproject.toml, docs/decisions/0003-app-layers.md): a model names only models of apps
below its own."""

import tomllib
from pathlib import Path

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
