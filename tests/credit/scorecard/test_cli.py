"""``landbridge credit scorecard | score | monitor`` (issue #18 scope 3): one JSON line, refusals without tracebacks,
and nothing outside the training imports optbinning or scikit-learn."""

from __future__ import annotations

import csv
import json
import random
import subprocess
import sys
from pathlib import Path

import pytest
from typer.testing import CliRunner

from landbridge.cli import app

runner = CliRunner()


def synthetic(path: Path, n: int = 400, *, seed: int = 7, target: str = "bad") -> Path:
    """Mixed numeric and categorical columns; bads more likely with high debt, 'none' income and a missing age."""
    rnd = random.Random(seed)
    with path.open("w", newline="") as handle:
        out = csv.writer(handle)
        out.writerow(["debt_ratio", "income_source", "age", target])
        for _ in range(n):
            debt = round(rnd.random(), 3)
            source = rnd.choice(["farming", "wages", "none"])
            age = "" if rnd.random() < 0.05 else str(rnd.randint(20, 70))
            risk = 0.1 + 0.5 * debt + (0.2 if source == "none" else 0) + (0.15 if age == "" else 0)
            out.writerow([debt, source, age, int(rnd.random() < risk)])
    return path


def test_the_command_prints_one_json_line_with_the_metrics_and_writes_a_usable_points_table(tmp_path: Path) -> None:
    data = synthetic(tmp_path / "loans.csv")
    points = tmp_path / "points.json"
    scores = tmp_path / "scores.jsonl"
    done = runner.invoke(app, ["credit", "scorecard", "--input", str(data), "--target", "bad", "--holdout", "0.3",
                               "--seed", "0", "--json", "--points-out", str(points), "--scores-out", str(scores)])
    assert done.exit_code == 0, done.output
    lines = [line for line in done.stdout.splitlines() if line.strip()]
    assert len(lines) == 1
    summary = json.loads(lines[0])
    assert {"auc", "ks", "gini", "n_train", "n_test", "baseline"} <= set(summary)
    assert (summary["n_train"], summary["n_test"]) == (280, 120)
    assert 0.6 < summary["auc"] <= 1 and {"auc", "ks"} <= set(summary["baseline"])
    held = [json.loads(line) for line in scores.read_text().splitlines()]
    assert len(held) == 120 and all("reasons" in r and "score" in r for r in held)
    scored = runner.invoke(app, ["credit", "score", "--points", str(points), "--input", str(data)])
    assert scored.exit_code == 0, scored.output
    rows = [json.loads(line) for line in scored.stdout.splitlines()]
    assert len(rows) == 400
    by_row = {r["row"]: r["score"] for r in rows}
    assert all(by_row[h["row"]] == h["score"] for h in held)  # the CSV read back scores the same as training
    watched = runner.invoke(app, ["credit", "monitor", "--points", str(points), "--input", str(data)])
    assert watched.exit_code == 0, watched.output
    assert json.loads(watched.stdout)["score"]["status"] == "stable"


def test_a_later_population_with_more_debt_raises_a_drift_alert(tmp_path: Path) -> None:
    data = synthetic(tmp_path / "loans.csv")
    points = tmp_path / "points.json"
    assert runner.invoke(app, ["credit", "scorecard", "--input", str(data), "--target", "bad",
                               "--points-out", str(points)]).exit_code == 0
    later = tmp_path / "later.csv"
    with data.open() as src, later.open("w", newline="") as dst:
        rows = list(csv.DictReader(src))
        out = csv.DictWriter(dst, fieldnames=list(rows[0]))
        out.writeheader()
        for row in rows:
            out.writerow({**row, "debt_ratio": str(0.9 + float(row["debt_ratio"]) / 10)})
    report = json.loads(runner.invoke(app, ["credit", "monitor", "--points", str(points),
                                            "--input", str(later)]).stdout)
    assert "debt_ratio" in report["alerts"] and "(score)" in report["alerts"]


def refused(args: list[str]) -> str:
    done = runner.invoke(app, ["credit", "scorecard", *args])
    assert done.exit_code == 2, done.output
    assert done.exception is None or isinstance(done.exception, SystemExit)
    assert "Traceback" not in done.output
    return done.stderr


@pytest.mark.parametrize(("target", "values", "code"), [
    ("missing_column", None, "credit.scorecard_target_absent"),
    ("age", None, "credit.scorecard_target_not_binary"),
    ("grade", ["good", "bad"], "credit.scorecard_target_not_binary"),
    ("grade", ["0", "1", "2"], "credit.scorecard_target_not_binary"),
    ("grade", ["0", "0"], "credit.scorecard_target_not_binary"),
    ("grade", ["1", ""], "credit.scorecard_target_not_binary"),
])
def test_a_target_that_is_absent_or_not_binary_is_refused(tmp_path: Path, target: str, values: list[str] | None,
                                                          code: str) -> None:
    data = synthetic(tmp_path / "loans.csv", 60)
    if values is not None:
        rows = list(csv.reader(data.open()))
        with data.open("w", newline="") as handle:
            out = csv.writer(handle)
            out.writerow([*rows[0], "grade"])
            out.writerows([*row, values[i % len(values)]] for i, row in enumerate(rows[1:]))
    assert refused(["--input", str(data), "--target", target]).startswith(code)


@pytest.mark.parametrize("holdout", ["0", "1", "1.5", "-0.2", "nan"])
def test_a_bad_holdout_is_refused(tmp_path: Path, holdout: str) -> None:
    data = synthetic(tmp_path / "loans.csv", 60)
    assert refused(["--input", str(data), "--target", "bad", "--holdout", holdout]).startswith(
        "credit.scorecard_bad_holdout")


def test_a_missing_file_an_unreadable_file_and_too_few_bads_are_refused(tmp_path: Path) -> None:
    assert refused(["--input", str(tmp_path / "nope.csv"), "--target", "bad"]).startswith(
        "credit.scorecard_input_not_found")
    binary = tmp_path / "binary.csv"
    binary.write_bytes(b"\xff\xfe\x00\x01" * 50)
    assert refused(["--input", str(binary), "--target", "bad"]).startswith("credit.scorecard_")
    few = tmp_path / "few.csv"
    few.write_text("x,bad\n" + "".join(f"{i},0\n" for i in range(30)) + "31,1\n")
    assert refused(["--input", str(few), "--target", "bad"]).startswith("credit.scorecard_too_few_rows")
    only_target = tmp_path / "only.csv"
    only_target.write_text("bad\n0\n1\n0\n1\n")
    assert refused(["--input", str(only_target), "--target", "bad"]).startswith("credit.scorecard_no_features")


def test_a_broken_points_table_is_refused(tmp_path: Path) -> None:
    bad = tmp_path / "points.json"
    bad.write_text("{not json")
    data = synthetic(tmp_path / "loans.csv", 10)
    for command in ("score", "monitor"):
        done = runner.invoke(app, ["credit", command, "--points", str(bad), "--input", str(data)])
        assert done.exit_code == 2 and done.stderr.startswith("credit.scorecard_bad_points_table")


def test_the_web_app_and_the_cli_never_import_optbinning_or_ortools() -> None:
    """(pandas and scikit-learn are not checked: lightgbm, which valuation imports, loads both when installed.)"""
    code = ("import sys; import landbridge.main, landbridge.cli, landbridge.credit.scorecard.points, "
            "landbridge.credit.scorecard.monitor, landbridge.credit.scorecard.train; "
            "print(sorted(m for m in ('optbinning', 'ortools') if m in sys.modules))")
    done = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, check=True,
                          env={"PYTHONPATH": str(Path(__file__).resolve().parents[3] / "src"), "PATH": "/usr/bin"})
    assert done.stdout.strip() == "[]"


def test_an_empty_column_is_left_out_and_a_constant_one_gets_no_points(tmp_path: Path) -> None:
    data = synthetic(tmp_path / "loans.csv", 200)
    rows = list(csv.reader(data.open()))
    with data.open("w", newline="") as handle:
        csv.writer(handle).writerows([[*rows[0], "empty", "constant"], *([*r, "", "5"] for r in rows[1:])])
    points = tmp_path / "points.json"
    done = runner.invoke(app, ["credit", "scorecard", "--input", str(data), "--target", "bad", "--json",
                               "--points-out", str(points)])
    assert done.exit_code == 0, done.output
    assert json.loads(done.stdout)["features"] == 4
    table = json.loads(points.read_text())
    constant = next(f for f in table["features"] if f["name"] == "constant")
    assert {b["points"] for b in constant["bins"]} == {0.0}
