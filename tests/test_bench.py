"""The benchmarks' own plumbing (no org, no browser): which runs `bench floor` asks for and how its table names the
path each row took. The figures themselves are never tested (they are measured, README "Measured here")."""

from __future__ import annotations

import os

from bench import floor, scale


def _row(**overrides) -> dict:
    row = {"profile": "realistic", "via": "api", "run": "create", "status": "created", "revealed": True,
           "used_via": "api", "credentials_via": "browser", "wall_seconds": 60.0, "floor_seconds": 40.0, "ratio": 1.5,
           "x_create": 1.0, "page_visits": 9, "totp_reused_refusals": 0, "totp_wait_after_refusal_seconds": 0,
           "steps": [{"step": "login", "seconds": 5.0}, {"step": "deploy", "seconds": None}]}
    return {**row, **overrides}


def test_floor_runs_both_paths_on_both_profiles_by_default(monkeypatch, tmp_path):
    asked = []
    monkeypatch.setattr(floor, "measure", lambda profile, via, seed: asked.append((profile, via)) or [])
    assert floor.main(["--json", str(tmp_path / "floor.json")]) == 0
    assert asked == [("fast", "browser"), ("fast", "api"), ("realistic", "browser"), ("realistic", "api")]


def test_floor_via_and_latency_take_one_or_more_values_without_repeats(monkeypatch, tmp_path):
    asked = []
    monkeypatch.setattr(floor, "measure", lambda profile, via, seed: asked.append((profile, via)) or [])
    floor.main(["--via", "api", "--via", "api", "browser", "--latency", "realistic", "--json",
                str(tmp_path / "f.json")])
    assert asked == [("realistic", "api"), ("realistic", "browser")]


def test_floor_table_names_the_path_the_fallback_and_where_the_secret_was_read():
    lines = floor.table([_row(), _row(via="browser", used_via="browser", credentials_via="browser"),
                         _row(via="api", used_via="browser", credentials_via=None, revealed=False, run="re-run")])
    api_row, browser_row, fell_back = lines.splitlines()[2:]
    assert "| api, secret by browser | create | created |" in api_row
    assert "| browser | create |" in browser_row and "secret by" not in browser_row
    assert "| api (used browser) | re-run | created (kept) |" in fell_back
    assert "login 5.0" in api_row and "deploy" not in api_row  # a step without a time is left out


def test_scale_tree_pss_counts_this_process():
    assert scale.tree_pss_bytes(os.getpid()) > 1_000_000


def test_scale_names_the_next_nights_statuses_and_paths():
    night = {"statuses": {"unchanged": 19, "failed": 1}, "wall_seconds": 12.5, "used_via": {"api": 19, "browser": 1},
             "peak_pss_mib": 180}
    assert scale._night(night) == "failed 1, unchanged 19, 12.5 s, api 19, browser 1, 180"
    assert scale._night(None) == "not run"


def test_bench_all_runs_every_benchmark_in_turn_and_stops_at_a_failure(monkeypatch, capsys):
    import importlib
    import sys

    main_module = importlib.import_module("bench.__main__")
    ran = []
    for name, module in main_module.COMMANDS.items():
        monkeypatch.setattr(importlib.import_module(module), "main",
                            lambda argv, name=name: ran.append((name, argv)) or (3 if name == "pickup" else 0))
    monkeypatch.setattr(sys, "argv", ["bench", "all"])
    assert main_module.main() == 3  # pickup failed: scale is not run after it
    assert ran == [("startup", []), ("floor", []), ("pickup", [])]
    assert capsys.readouterr().out.startswith("machine: ")


def test_startup_times_help_in_new_processes():
    from bench import startup

    row = startup.measure(runs=1)
    assert row["runs"] == 1 and 0 < row["median_seconds"] == row["worst_seconds"]
