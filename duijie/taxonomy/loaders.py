"""Loads the reference data shipped in ``taxonomy/data/*.json``.

Used by the data migrations (with the historical app registry) and by ``duijie demo``.
Idempotent: rows are matched by their natural key (``code`` or ``level``) and updated;
rows an operator added are left alone.

File formats (UTF-8 JSON; every label object has the keys ``zh_hans``, ``zh_hant``, ``en``, ``ru``):

- ``fields.json``: ``[{"code", "name": {...}, "children": [same shape, ...]}]``
- ``industries.json``: same shape as fields.
- ``trl.json``: ``[{"level": 1..9, "stage": "early|middle|mature", "name": {...}, "description": {...}}]``
- ``cooperation_modes.json``: ``[{"code", "name": {...}}]``
- ``regions.json``: ``[{"code", "kind", "iso_code"?, "gbt2260_code"?, "name": {...}, "children": [...]}]``
"""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any

DATA_DIR = Path(__file__).resolve().parent / "data"
LANG_SUFFIXES = ("zh_hans", "zh_hant", "en", "ru")


def read(name: str) -> Any:
    with (DATA_DIR / name).open(encoding="utf-8") as fh:
        return json.load(fh)


def _labels(prefix: str, labels: dict[str, str]) -> dict[str, str]:
    return {f"{prefix}_{suffix}": labels.get(suffix, "") for suffix in LANG_SUFFIXES}


def _load_tree(model: Any, nodes: list[dict[str, Any]], parent: Any = None, extra_keys: tuple[str, ...] = ()) -> int:
    count = 0
    for order, node in enumerate(nodes):
        defaults = {"parent": parent, "sort_order": order, **_labels("name", node["name"])}
        for key in extra_keys:
            if key in node:
                defaults[key] = node[key]
        obj, _ = model.objects.update_or_create(code=node["code"], defaults=defaults)
        count += 1 + _load_tree(model, node.get("children", []), obj, extra_keys)
    return count


def load_reference_data(apps: Any = None) -> dict[str, int]:
    """Create or update every reference row; returns counts per model."""
    if apps is None:
        from django.apps import apps as global_apps

        apps = global_apps
    TechField = apps.get_model("taxonomy", "TechField")
    Industry = apps.get_model("taxonomy", "Industry")
    TRL = apps.get_model("taxonomy", "TechnologyReadinessLevel")
    CooperationMode = apps.get_model("taxonomy", "CooperationMode")
    Region = apps.get_model("taxonomy", "Region")

    counts = {
        "fields": _load_tree(TechField, read("fields.json")),
        "industries": _load_tree(Industry, read("industries.json")),
        "regions": _load_tree(Region, read("regions.json"), extra_keys=("kind", "iso_code", "gbt2260_code")),
    }
    for row in read("trl.json"):
        TRL.objects.update_or_create(
            level=row["level"],
            defaults={"stage": row["stage"], **_labels("name", row["name"]), **_labels("description", row["description"])},
        )
    counts["trl"] = len(read("trl.json"))
    for order, row in enumerate(read("cooperation_modes.json")):
        CooperationMode.objects.update_or_create(
            code=row["code"], defaults={"sort_order": order, **_labels("name", row["name"])}
        )
    counts["cooperation_modes"] = len(read("cooperation_modes.json"))
    return counts
