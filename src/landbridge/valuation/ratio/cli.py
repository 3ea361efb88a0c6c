"""``landbridge valuation ratio-study``: an IAAO ratio study of any CSV of appraisals and sales (L1)."""

from __future__ import annotations

import json
from pathlib import Path
from typing import TYPE_CHECKING, Any

import typer
from rich.console import Console
from rich.table import Table

from landbridge.kernel.clock import now, to_local

if TYPE_CHECKING:
    # scipy is imported with landbridge.valuation.ratio.study: only the commands that study pay for it (not --help).
    from landbridge.valuation.ratio.study import RatioStandards, RatioStudy


def study_json(study: RatioStudy, standards: RatioStandards, property_class: str) -> dict[str, Any]:
    """A study with its verdict for ``property_class``, as JSON values."""
    out = study.to_dict()
    out["verdict"] = study.verdict(property_class, standards).__dict__
    return out


def run_ratio_study(data: dict[str, Any], appraised: str, sale: str, *, segment: str | None, price_band: int,
                    trim: str | None, confidence: float, seed: int, property_class: str) -> dict[str, Any]:
    """The overall ratio study of the columns, and one per segment and per price band when asked (L1)."""
    from landbridge.valuation.ratio.study import RatioStandards, price_bands, ratio_study, ratio_study_by_segment

    standards = RatioStandards.load()
    a, s = data[appraised], data[sale]
    study = ratio_study(a, s, trim=trim, confidence=confidence, seed=seed, standards=standards)
    out = study_json(study, standards, property_class)
    groups: list[tuple[str, Any]] = []
    if segment:
        groups.append(("segments", data[segment]))
    if price_band:
        groups.append(("price_bands", price_bands(s, price_band)))
    for key, labels in groups:
        by = ratio_study_by_segment(a, s, labels, trim=trim, confidence=confidence, seed=seed, standards=standards)
        out[key] = {name: None if st is None else study_json(st, standards, property_class)
                    for name, st in by.items()}
    return out


def print_study_table(result: dict[str, Any], title: str, groups: tuple[str, ...]) -> None:
    """Print a ratio study and its segment studies (the keys ``groups`` of ``result``) as one table (L1)."""
    table = Table(title=title)
    for col in ("segment", "n", "median", "COD", "PRD", "PRB", "pass"):
        table.add_column(col)
    rows = [("all", result)] + [(k, v) for key in groups for k, v in (result.get(key) or {}).items() if v is not None]
    for name, r in rows:
        prb = "-" if r["prb"] is None else f"{r['prb']:.3f}"
        table.add_row(name, str(r["n"]), f"{r['median']:.4f}", f"{r['cod']:.1f}", f"{r['prd']:.3f}", prb,
                      "yes" if r["verdict"]["passed"] else "no")
    Console().print(table)


def register(app: typer.Typer) -> None:
    """Add ``ratio-study`` to ``landbridge valuation``."""

    @app.command("ratio-study")
    def ratio_study_cmd(
        input_file: Path = typer.Option(..., "--input", help="CSV file with a header row"),
        appraised: str = typer.Option(..., "--appraised", help="column of appraised values"),
        sale: str = typer.Option(..., "--sale", help="column of sale prices"),
        segment: str | None = typer.Option(None, "--segment", help="column to study by (district, use, …)"),
        price_band: int = typer.Option(0, "--price-bands", help="also study by this many sale-price quantile bands"),
        no_trim: bool = typer.Option(False, "--no-trim", help="keep IQR outliers"),
        extreme: bool = typer.Option(False, "--extreme-only", help="trim only extreme outliers (3 × IQR)"),
        confidence: float = typer.Option(0.95, "--confidence"),
        seed: int = typer.Option(0, "--seed", help="seed of the bootstrap"),
        property_class: str = typer.Option("other", "--property-class",
                                           help="IAAO class for the COD limit: residential, rural, vacant, other"),
        as_json: bool = typer.Option(False, "--json", help="print one JSON object"),
        report: Path | None = typer.Option(None, "--report", help="also write the ratio-study report (PDF) here"),
    ) -> None:
        """IAAO ratio study (median, COD, PRD, PRB with intervals, pass/fail) of any sales CSV (L1)."""
        from landbridge.valuation.ratio.study import RatioInputError, read_csv_columns

        trim = None if no_trim else ("iqr3" if extreme else "iqr")
        try:
            data = read_csv_columns(input_file, [appraised, sale], [segment] if segment else [])
            result = run_ratio_study(data, appraised, sale, segment=segment, price_band=price_band, trim=trim,
                                     confidence=confidence, seed=seed, property_class=property_class)
            if report is not None:
                from landbridge.valuation.report.pdf import render_report_pdf, table_report

                doc = table_report(data[appraised], data[sale], source=input_file.name, trim=trim, seed=seed,
                                   segment=(segment, data[segment]) if segment else None,
                                   property_class=property_class)
                report.write_bytes(render_report_pdf(doc, issued_on=to_local(now()).date()))
        except RatioInputError as exc:
            typer.echo(f"error: {exc}", err=True)
            raise typer.Exit(code=2) from None
        except OSError as exc:
            typer.echo(f"error: cannot write the report: {exc}", err=True)
            raise typer.Exit(code=2) from None
        if as_json:
            typer.echo(json.dumps(result, ensure_ascii=False))
        else:
            print_study_table(result, "评估比率研究 / ratio study (IAAO 2013)", ("segments", "price_bands"))
