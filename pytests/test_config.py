"""house_edge.config is the one place that knows the root, the paths and the event window."""

from __future__ import annotations

import ast
from datetime import UTC, datetime
from pathlib import Path

import yaml

from house_edge import config, simulator, validate

ROOT = Path(__file__).resolve().parents[1]


def test_the_event_window_is_the_dbt_vars_and_the_simulators():
    dbt_vars = yaml.safe_load((ROOT / "dbt_project.yml").read_text())["vars"]
    assert (dbt_vars["event_window_start"], dbt_vars["event_window_end"]) == (
        config.EVENT_WINDOW_START, config.EVENT_WINDOW_END)
    start = datetime.fromisoformat(config.EVENT_WINDOW_START).replace(tzinfo=UTC)
    end = datetime.fromisoformat(config.EVENT_WINDOW_END).replace(tzinfo=UTC)
    assert simulator.WINDOW_START_MS == int(start.timestamp() * 1000)
    assert simulator.MINUTES == (end - start).total_seconds() / 60
    settings = validate.load_settings()
    assert (settings["event_window_start"], settings["event_window_end"]) == (
        config.EVENT_WINDOW_START, config.EVENT_WINDOW_END)


def test_project_vars_overlay_the_build_vars_on_dbt_project_yml():
    resolved = config.project_vars(ROOT, {"event_window_start": "2025-10-10 18:00:00"})
    assert resolved["event_window_start"] == "2025-10-10 18:00:00"
    assert resolved["event_window_end"] == config.EVENT_WINDOW_END
    assert config.project_vars(None, {"a": 1}) == {"a": 1}


def test_no_module_finds_the_root_itself_and_config_imports_nothing_of_the_package():
    """Only config reads HOUSE_EDGE_PROJECT_DIR / walks up to dbt_project.yml; config imports no
    house_edge module, so publish <-> raw_files (and any other pair) cannot loop through it."""
    package = ROOT / "house_edge"
    for path in package.rglob("*.py"):
        text = path.read_text()
        if path.name != "config.py":
            assert "HOUSE_EDGE_PROJECT_DIR\"" not in text.replace("'", '"'), path
            assert "def project_root" not in text, path
    imported = [node.module for node in ast.walk(ast.parse((package / "config.py").read_text()))
                if isinstance(node, ast.ImportFrom)]
    assert not [m for m in imported if m and m.startswith("house_edge")]
    raw_files = ast.parse((package / "raw_files.py").read_text())
    assert not [n for n in ast.walk(raw_files)
                if isinstance(n, ast.ImportFrom) and n.module == "house_edge.publish"]


def test_benchmarks_are_not_in_the_installed_package():
    assert not list((ROOT / "house_edge").glob("bench*.py"))
    assert (ROOT / "benchmarks" / "bench.py").exists()


def test_the_raw_file_stems_are_the_simulators():
    assert config.RAW_FILES == simulator.RAW_FILES
