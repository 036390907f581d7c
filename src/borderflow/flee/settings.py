"""Flee's ``simsetting.yml``: the keys Flee 3.1 reads, its defaults, and the checked reader."""

from __future__ import annotations

import os
from pathlib import Path
from typing import Any

from borderflow.flee.reading import Reader
from borderflow.scenario.files import MAX_DEPTH, too_deep

SETTINGS = "simsetting.yml"
#: The largest simsetting.yml read, 1 MiB: Flee's settings are a few dozen keys (about 1 KB),
#: and checking a file this size, event by event, takes a fraction of a second.
SETTINGS_LIMIT = 2**20
#: simsetting.yml keys Flee 3.1 reads, by section (``camps_are_sicks`` is Flee's spelling).
SETTING_KEYS: dict[str, frozenset[str]] = {
    "log_levels": frozenset({"agent", "link", "camp", "conflict", "init", "idp_totals"}),
    "spawn_rules": frozenset(
        {
            "take_from_population",
            "insert_day0",
            "conflict_zone_spawning_only",
            "flood_zone_spawning_only",
            "camps_are_sicks",
            "camps_are_sinks",
            "read_from_agents_csv_file",
            "conflict_driven_spawning",
            "conflict_spawn_decay",
        }
    ),
    "move_rules": frozenset(
        {
            "max_move_speed",
            "max_walk_speed",
            "max_crossing_speed",
            "foreign_weight",
            "camp_weight",
            "conflict_weight",
            "conflict_movechance",
            "camp_movechance",
            "idpcamp_movechance",
            "default_movechance",
            "awareness_level",
            "capacity_buffer",
            "avoid_short_stints",
            "start_on_foot",
            "use_v1_rules",
            "softening",
            "weight_softening",
            "weight_power",
            "distance_power",
            "stay_close_to_home",
            "home_distance_power",
            "use_pop_for_loc_weight",
            "pop_power_for_loc_weight",
            "movechance_pop_base",
            "movechance_pop_scale_factor",
            "ChildrenAvoidHazards",
            "BoysTakeRisk",
            "MatchCampEthnicity",
            "MatchTownEthnicity",
            "MatchConflictEthnicity",
        }
    ),
    "flood_rules": frozenset(),  # DFlee; accepted as a whole, not used
    "optimisations": frozenset({"hasten"}),
}

#: Flee 3.1's ``move_rules`` defaults (``SimulationSettings.ReadFromYML``).
MOVE_DEFAULTS: dict[str, Any] = {
    "max_move_speed": 360.0,
    "max_walk_speed": 35.0,
    "foreign_weight": 1.0,
    "camp_weight": 1.0,
    "conflict_weight": 1.0 / 3.16227766017,
    "conflict_movechance": 1.0,
    "camp_movechance": 0.001,
    "idpcamp_movechance": 0.1,
    "default_movechance": 0.3,
    "awareness_level": 1,
    "capacity_buffer": 0.9,
    "avoid_short_stints": False,
    "start_on_foot": False,
    "softening": 10.0,
    "weight_softening": 0.0,
    "weight_power": 1.0,
    "distance_power": 1.0,
    "movechance_pop_base": 10000.0,
    "movechance_pop_scale_factor": 0.0,
}
SPAWN_DEFAULTS: dict[str, Any] = {
    "take_from_population": False,
    "insert_day0": True,
    "camps_are_sicks": False,
    "conflict_driven_spawning": None,
    "conflict_spawn_decay": None,
}


def read_settings(r: Reader, folders: tuple[Path, ...]) -> dict[str, dict[str, Any]]:
    """The first ``simsetting.yml`` of ``folders``, checked key by key ({} if none)."""
    folder = next((f for f in folders if os.path.lexists(f / SETTINGS)), None)
    if folder is None:
        return {}
    file = r.name(folder / SETTINGS)
    text = r.text(folder, SETTINGS, limit=SETTINGS_LIMIT)
    data = _parse_yaml(r, file, text) if text is not None else {}
    if not isinstance(data, dict):
        r.fail(file, "top level", "expected sections such as move_rules: and spawn_rules:")
        return {}
    for section, values in data.items():
        if section not in SETTING_KEYS:
            r.fail(file, section, f"unknown section; expected one of {sorted(SETTING_KEYS)}")
            continue
        if not isinstance(values, dict):
            r.fail(file, section, "expected a table of key: value")
            continue
        if section == "flood_rules":
            continue
        for key in values:
            if key not in SETTING_KEYS[section]:
                r.fail(file, f"{section}.{key}", "unknown key (Flee would ignore it silently)")
    return {k: v for k, v in data.items() if isinstance(v, dict)}


def _parse_yaml(r: Reader, file: str, text: str) -> object:
    """YAML ``text`` nested at most :data:`MAX_DEPTH` deep, or ``{}`` with a problem.

    The depth is checked on the parser's events first: building a document nested a hundred
    thousand deep crashes libyaml's loader instead of raising.
    """
    import yaml

    loader = getattr(yaml, "CSafeLoader", yaml.SafeLoader)
    depth = 0
    try:
        for event in yaml.parse(text, Loader=loader):
            if isinstance(event, yaml.CollectionStartEvent):
                depth += 1
                if depth > MAX_DEPTH:
                    r.fail(file, "YAML syntax", f"nested more than {MAX_DEPTH} deep")
                    return {}
            elif isinstance(event, yaml.CollectionEndEvent):
                depth -= 1
        data = yaml.load(text, Loader=loader)
    except yaml.YAMLError as exc:
        r.fail(file, "YAML syntax", str(exc))
        return {}
    # Aliases can still nest a document deeper than its text does.
    deep = too_deep(data)
    if deep is not None:
        r.fail(file, deep, f"nested more than {MAX_DEPTH} deep")
        return {}
    return data if data is not None else {}
