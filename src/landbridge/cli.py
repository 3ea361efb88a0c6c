"""The ``landbridge`` command line: demo, serve, worker, db, import/export, ledger, and each manifest's groups."""

from __future__ import annotations

import os
from collections.abc import Callable
from datetime import datetime
from pathlib import Path
from typing import Any

import typer
from rich.console import Console

from landbridge.kernel import modules
from landbridge.registry.rights_cli import parcels_with_rights

app = typer.Typer(help="LandBridge 城乡融合综合服务平台", no_args_is_help=True, pretty_exceptions_enable=False)
db_app = typer.Typer(help="database schema")
ledger_app = typer.Typer(help="the tamper-evident ledger")
import_app = typer.Typer(help="import files")
export_app = typer.Typer(help="export files")
privacy_app = typer.Typer(help="personal data: keys and encryption at rest")
app.add_typer(db_app, name="db")
app.add_typer(ledger_app, name="ledger")
app.add_typer(import_app, name="import")
app.add_typer(export_app, name="export")
app.add_typer(privacy_app, name="privacy")
for _group, _manifest in modules.cli_groups():  # each package's own command groups (issue #14 item 1)
    app.add_typer(modules.resolve(_group.target, _manifest), name=_group.name)
console = Console()


def _use_database(url: str | None) -> str:
    from landbridge.db import use_database

    return use_database(url)


@db_app.command("upgrade")
def db_upgrade(database: str | None = typer.Option(None, "--database", help="database URL")) -> None:
    """Apply all migrations."""
    from landbridge.schema import upgrade

    url = _use_database(database)
    upgrade(url)
    console.print(f"[green]schema up to date[/green] on {url.split('@')[-1]}")


@ledger_app.command("verify")
def ledger_verify(
    database: str | None = typer.Option(None, "--database"),
    layers: str = typer.Option("auto", "--layers",
                               help="public (envelopes, tree, signatures: no secret needed) | both (also each "
                                    "private part and subject reference: needs the deployment's index key) | "
                                    "auto (both where the key is available)"),
    public_key: list[str] | None = typer.Option(None, "--public-key",
                                                help="hex Ed25519 public key of the tree heads, once per key after "
                                                     "rotations (default: the deployment's current and retired "
                                                     "keys)"),
    as_json: bool = typer.Option(False, "--json", help="print one JSON object"),
    progress: bool = typer.Option(True, "--progress/--no-progress"),
) -> None:
    """Recompute the ledger from its rows (issue #12 item 1); exit 1 naming the first bad sequence number."""
    from landbridge.ledger.verify_cli import Layers, run_verify

    try:
        chosen = Layers(layers)
    except ValueError:
        raise typer.BadParameter("--layers must be public, both or auto") from None
    _use_database(database)
    run_verify(layers=chosen, public_keys=public_key, as_json=as_json, progress=progress)


@ledger_app.command("new-key")
def ledger_new_key(path: Path = typer.Argument(..., help="where to write the new key (PEM, mode 0600)")) -> None:
    """Rotate the ledger signing key, step 1: write a new key and print what to configure (issue #22 item 6)."""
    import json

    from landbridge.config import get_settings
    from landbridge.ledger.keys import key_id, load_signing_key, new_signing_key_pem, public_key_bytes

    if path.exists():
        console.print(f"[red]{path} exists[/red]: a signing key is never overwritten")
        raise typer.Exit(2)
    settings = get_settings()
    current = load_signing_key(settings)
    pem, key = new_signing_key_pem()
    path.parent.mkdir(parents=True, exist_ok=True)
    with open(os.open(path, os.O_WRONLY | os.O_CREAT | os.O_EXCL, 0o600), "wb") as out:
        out.write(pem)
    retired = [*settings.ledger_retired_public_keys, public_key_bytes(current).hex()]
    # plain print: the lines are copied into configuration (no wrapping, no markup in the JSON list)
    print(f"new ledger signing key {key_id(key)} written to {path}; the current key is {key_id(current)}.\n"
          "Set, on every server and worker, then restart them:\n"
          f"  LANDBRIDGE_LEDGER_SIGNING_KEY_FILE={path}\n"
          f"  LANDBRIDGE_LEDGER_RETIRED_PUBLIC_KEYS='{json.dumps(retired)}'\n"
          "Keep the old key file offline (it must sign nothing more); publish the new public key "
          "(GET /api/v1/ledger/keys).")


@privacy_app.command("rotate-keys")
def privacy_rotate_keys(database: str | None = typer.Option(None, "--database"),
                        chunk: int = typer.Option(5000, min=1, max=100_000, help="parties per transaction")) -> None:
    """Re-encrypt every party's ID number and phone under the newest data key, in chunks (issue #12 item 4)."""
    from rich.progress import BarColumn, MofNCompleteColumn, Progress, TextColumn, TimeElapsedColumn

    from landbridge.db import get_database
    from landbridge.privacy import keyring
    from landbridge.registry.sealing import count_sealed_parties, rotate_party_keys_chunk

    _use_database(database)
    db = get_database()
    with db.transaction(readonly=True) as session:
        total = count_sealed_parties(session)
    rotated, after = 0, 0
    with Progress(TextColumn("{task.description}"), BarColumn(), MofNCompleteColumn(), TimeElapsedColumn(),
                  console=console) as bar:
        task = bar.add_task("重新加密 / re-encrypting", total=total)
        while True:
            with db.transaction() as session:  # one transaction per chunk: resumable, never one huge transaction
                step = rotate_party_keys_chunk(session, after_id=after, chunk=chunk)
            if step.scanned == 0:
                break
            after, rotated = step.last_id, rotated + step.rotated
            bar.advance(task, step.scanned)
    console.print(f"[green]{rotated:,} of {total:,} parties re-encrypted[/green] under key {keyring().current[0]}")


@ledger_app.command("head")
def ledger_head(database: str | None = typer.Option(None, "--database")) -> None:
    """Print the latest signed tree head as JSON."""
    import json

    from landbridge.db import get_database
    from landbridge.ledger import get_head

    _use_database(database)
    with get_database().transaction(readonly=True) as session:
        head = get_head(session)
    print(json.dumps(head.as_dict() if head else None, ensure_ascii=False))


@import_app.command("parcels")
def import_parcels_cmd(
    file: Path = typer.Argument(..., exists=True, help="Shapefile (.shp or .zip), GeoPackage, File Geodatabase "
                                                       "(.gdb), GeoJSON; CGCS2000 geographic or Gauss-Krüger"),
    region_code: str | None = typer.Option(None, "--region-code", help="village code for features without one"),
    dry_run: bool = typer.Option(False, "--dry-run", help="check every feature and report; import nothing"),
    report: list[Path] = typer.Option([], "--report", help="write the check report (.xlsx and/or .gpkg)"),
    exclude_rejected: bool = typer.Option(False, "--exclude-rejected",
                                          help="import the clean features, leaving out the rejected ones"),
    encoding: str | None = typer.Option(None, "--encoding", help="attribute encoding (GBK, UTF-8) when no .cpg"),
    crs: str | None = typer.Option(None, "--crs", help="EPSG code when the file declares none (e.g. 4548)"),
    layer: str | None = typer.Option(None, "--layer", help="layer of a GeoPackage or File Geodatabase"),
    database: str | None = typer.Option(None, "--database", help="database URL"),
    actor: str = typer.Option("cli", "--actor", help="who is recorded in the ledger"),
    batch_size: int | None = typer.Option(None, "--batch-size", min=1,
                                          help="stream the import in chunks of this many features, each committed "
                                               "with a resumable cursor (large files; memory flat in the file size)"),
) -> None:
    """Check a surveyed parcel file feature by feature, then import it as one approved first registration,
    all or nothing (R1, issue #21); with --batch-size, chunk by chunk, resumable after a crash."""
    from rich.progress import BarColumn, MofNCompleteColumn, Progress, TaskID, TextColumn, TimeElapsedColumn

    from landbridge.db import get_database
    from landbridge.errors import DomainError
    from landbridge.registry.cadastre import CheckReport, check_features, import_staged, read_staged
    from landbridge.registry.exports import write_report

    _use_database(database)
    if batch_size is not None:
        streamed = _check_streaming if dry_run else _import_streaming
        streamed(file, batch_size=batch_size, exclude_rejected=exclude_rejected, encoding=encoding, crs=crs,
                 layer=layer, region_code=region_code, actor=actor, report=report)
        return
    with Progress(TextColumn("{task.description}"), BarColumn(), MofNCompleteColumn(), TimeElapsedColumn(),
                  console=console) as bar:
        tasks: dict[str, TaskID] = {}

        def progress(stage: str, done: int, total: int) -> None:
            if stage not in tasks:
                tasks[stage] = bar.add_task(stage, total=total)
            bar.update(tasks[stage], completed=done, total=total)

        checked: CheckReport | None = None

        def show_findings() -> None:
            if checked is None:
                return
            console.print(f"{len(checked.staged)} features ({checked.staged.source.driver}, {checked.staged.crs.name}, "
                          f"encoding {checked.staged.source.encoding or 'from .cpg/LDID'}): "
                          f"{len(checked.rejected)} rejected, {len(checked.findings)} findings"
                          + "".join(f"; report {p}" for p in report))
            for finding in checked.findings[:20]:
                console.print(f"  #{finding.feature} {finding.severity} {finding.code}: {finding.message}")

        try:
            staged = read_staged(file, layer=layer, encoding=encoding, crs=crs, region_code=region_code,
                                 progress=progress)
            with get_database().transaction(readonly=dry_run) as session:
                checked = check_features(session, staged, progress=progress)
                for path in report:
                    write_report(checked, path)
                result = None if dry_run else import_staged(session, checked, actor=actor,
                                                            exclude_rejected=exclude_rejected, progress=progress)
        except DomainError as exc:
            bar.stop()
            show_findings()
            console.print(f"[red]import rejected[/red] {exc.code}: {exc.message} ({exc.message_en})")
            raise typer.Exit(1) from None
    show_findings()
    assert checked is not None
    errors = len(checked.rejected)
    if dry_run:
        raise typer.Exit(0 if checked.clean else 2)
    assert result is not None
    console.print(f"[green]imported[/green] {result.parcel_count} parcels as application "
                  f"{result.application_number} ({result.chunk_count} ledger events, file {result.file_sha256[:12]}…)"
                  + (f", {errors} rejected features left out" if errors else ""))


def _bar() -> Any:
    from rich.progress import (
        BarColumn,
        MofNCompleteColumn,
        Progress,
        TextColumn,
        TimeElapsedColumn,
        TimeRemainingColumn,
    )

    return Progress(TextColumn("{task.description}"), BarColumn(), MofNCompleteColumn(), TimeElapsedColumn(),
                    TimeRemainingColumn(), console=console)


def _check_streaming(file: Path, *, batch_size: int, exclude_rejected: bool, encoding: str | None, crs: str | None,
                     layer: str | None, region_code: str | None, actor: str, report: list[Path]) -> None:
    """``import parcels --dry-run --batch-size``: the complete report, the file read chunk by chunk."""
    from landbridge.db import get_database
    from landbridge.errors import DomainError
    from landbridge.registry.stream_check import check_streaming, write_stream_report

    with _bar() as bar:
        task = bar.add_task("check", total=None)

        def progress(stage: str, done: int, total: int) -> None:
            bar.update(task, completed=done, total=total)

        try:
            with get_database().transaction(readonly=True) as session:
                checked = check_streaming(session, file, batch_size=batch_size, layer=layer, encoding=encoding,
                                          crs=crs, region_code=region_code, progress=progress)
            for path in report:
                write_stream_report(checked, path, file, batch_size=batch_size, layer=layer, encoding=encoding,
                                    crs=crs, region_code=region_code)
        except DomainError as exc:
            bar.stop()
            console.print(f"[red]import rejected[/red] {exc.code}: {exc.message} ({exc.message_en})")
            raise typer.Exit(1) from None
    console.print(f"{checked.features} features (chunks of {batch_size}): {len(checked.rejected)} rejected, "
                  f"{len(checked.findings)} findings" + "".join(f"; report {p}" for p in report))
    for finding in checked.findings[:20]:
        console.print(f"  #{finding.feature} {finding.severity} {finding.code}: {finding.message}")
    raise typer.Exit(0 if not checked.rejected else 2)


def _import_streaming(file: Path, *, batch_size: int, exclude_rejected: bool, encoding: str | None, crs: str | None,
                      layer: str | None, region_code: str | None, actor: str, report: list[Path]) -> None:
    """``import parcels --batch-size``: chunks committed one by one with the job's cursor, a rich progress bar."""
    from landbridge.db import get_database
    from landbridge.errors import DomainError
    from landbridge.registry.stream import import_streaming

    if report:
        console.print("[yellow]--report is written by --dry-run; the import reports its totals[/yellow]")
    with _bar() as bar:
        task = bar.add_task("import", total=None)

        def progress(stage: str, done: int, total: int) -> None:  # the whole file checked first, then imported
            bar.update(task, description="check" if stage == "check" else "import", completed=done, total=total)

        try:
            result = import_streaming(get_database(), file, actor=actor, batch_size=batch_size,
                                      exclude_rejected=exclude_rejected, layer=layer, encoding=encoding, crs=crs,
                                      region_code=region_code, progress=progress)
        except DomainError as exc:
            bar.stop()
            console.print(f"[red]import stopped[/red] {exc.code}: {exc.message} ({exc.message_en}); committed "
                          "chunks stay (none when the check refused the file): the same command resumes")
            raise typer.Exit(1) from None
    if result.resumed_from == result.features_done and result.features_done:
        console.print(f"already imported: {result.imported} parcels of {result.features_done} features "
                      f"(file {result.file_sha256[:12]}…)")
        return
    resumed = f", resumed after feature {result.resumed_from}" if result.resumed_from else ""
    console.print(f"[green]imported[/green] {result.imported} parcels of {result.features_done} features "
                  f"in {len(result.applications)} applications (file {result.file_sha256[:12]}…{resumed})"
                  + (f", {result.rejected} rejected features left out" if result.rejected else ""))


@export_app.command("parcels")
def export_parcels_cmd(
    file: Path = typer.Argument(..., dir_okay=False, help="output .shp, .gpkg, .geojson, .xlsx or .csv"),
    bbox: str | None = typer.Option(None, "--bbox", help="minx,miny,maxx,maxy in EPSG:4490"),
    projected: bool = typer.Option(False, "--projected",
                                   help="geometries in the profile's projected CRS (e.g. EPSG:4548), not 4490"),
    database: str | None = typer.Option(None, "--database", help="database URL"),
) -> None:
    """Export current parcels with their unit codes, optionally within a box (R1, issue #21)."""
    from landbridge.cityprofile import get_profile
    from landbridge.db import get_database
    from landbridge.errors import DomainError
    from landbridge.kernel.geo import GEOGRAPHIC_SRID
    from landbridge.registry.exports import export_parcel_file

    box: tuple[float, float, float, float] | None = None
    if bbox:
        parts = [float(v) for v in bbox.split(",")]
        if len(parts) != 4:
            raise typer.BadParameter("--bbox needs four numbers: minx,miny,maxx,maxy")
        box = (parts[0], parts[1], parts[2], parts[3])
    _use_database(database)
    srid = get_profile().projected_srid if projected else GEOGRAPHIC_SRID
    try:
        with console.status(f"exporting to {file.name}"), get_database().transaction(readonly=True) as session:
            count = export_parcel_file(session, file, bbox=box, srid=srid)
    except DomainError as exc:
        console.print(f"[red]export refused[/red] {exc.code}: {exc.message} ({exc.message_en})")
        raise typer.Exit(1) from None
    console.print(f"[green]exported[/green] {count} parcels to {file} (EPSG:{srid})")


def _export(file: Path, what: str, write: Callable[[Any], int], *, database: str | None,
            readonly: bool = True) -> None:
    """Run one export in a transaction (read-only unless what it records must commit); a refusal prints its code
    and messages and exits 1."""
    from landbridge.db import get_database
    from landbridge.errors import DomainError

    _use_database(database)
    try:
        with console.status(f"exporting to {file.name}"), get_database().transaction(readonly=readonly) as session:
            count = write(session)
    except DomainError as exc:
        console.print(f"[red]export refused[/red] {exc.code}: {exc.message} ({exc.message_en})")
        raise typer.Exit(1) from None
    console.print(f"[green]exported[/green] {count} {what} to {file}")


_TABLE_HELP = "output .xlsx or .csv (UTF-8 with BOM)"


def _bounded(value: str | None, option: str, most: int) -> str | None:
    """An option's text within its bound (the column it is matched against), or a usage error (exit 2)."""
    if value is not None and not 1 <= len(value) <= most:
        raise typer.BadParameter(f"{option} takes 1 to {most} characters")
    return value
_DB = typer.Option(None, "--database", help="database URL")
_POINTS = "output .xlsx, .csv (UTF-8 with BOM), or points as .geojson, .gpkg or .shp"
_PROJECTED = typer.Option(False, "--projected", help="geometries in the profile's projected CRS, not EPSG:4490")


def _srid(projected: bool) -> int:
    from landbridge.cityprofile import get_profile
    from landbridge.kernel.geo import GEOGRAPHIC_SRID

    return get_profile().projected_srid if projected else GEOGRAPHIC_SRID


@export_app.command("sales")
def export_sales_cmd(
    file: Path = typer.Argument(..., dir_okay=False, help=_POINTS),
    land_use_class: str | None = typer.Option(None, "--use", help="land-use class code"),
    region: str | None = typer.Option(None, "--region", help="region code prefix (行政区划代码)"),
    since: datetime | None = typer.Option(None, "--since", formats=["%Y-%m-%d"], help="first sale date"),
    until: datetime | None = typer.Option(None, "--until", formats=["%Y-%m-%d"], help="last sale date"),
    projected: bool = _PROJECTED, database: str | None = _DB,
) -> None:
    """Export the sales record (price, area, unit price, date; no party identities) (L1, issue #21)."""
    from landbridge.valuation.sales.exports import export_sales_file

    land_use_class, region = _bounded(land_use_class, "--use", 8), _bounded(region, "--region", 12)
    _export(file, "sales", lambda session: export_sales_file(
        session, file, land_use_class=land_use_class, region_prefix=region,
        since=since.date() if since else None, until=until.date() if until else None, srid=_srid(projected)),
        database=database)


@export_app.command("valuation")
def export_valuation_cmd(
    run_id: int = typer.Argument(..., min=1, help="valuation run id"),
    file: Path = typer.Argument(..., dir_okay=False, help="output .xlsx, .csv, .geojson, .gpkg or .shp"),
    projected: bool = typer.Option(False, "--projected", help="geometries in the profile's projected CRS"),
    database: str | None = _DB,
) -> None:
    """Export a valuation run's parcel values (L1, issue #21)."""
    from landbridge.cityprofile import get_profile
    from landbridge.kernel.geo import GEOGRAPHIC_SRID
    from landbridge.valuation.mass.exports import export_run_values

    srid = get_profile().projected_srid if projected else GEOGRAPHIC_SRID
    _export(file, f"parcel values (EPSG:{srid})",
            lambda session: export_run_values(session, run_id, file, srid=srid), database=database)


@export_app.command("lots")
def export_lots_cmd(
    file: Path = typer.Argument(..., dir_okay=False, help=_POINTS),
    region: str | None = typer.Option(None, "--region", help="region code prefix (行政区划代码)"),
    kind: str | None = typer.Option(None, "--kind", help="lot kind"),
    projected: bool = _PROJECTED, database: str | None = _DB,
) -> None:
    """Export the published lot results (成交公示) as the notices show them (issue #21)."""
    from landbridge.exchange.exports import export_lot_results

    region, kind = _bounded(region, "--region", 12), _bounded(kind, "--kind", 40)
    _export(file, "lot results", lambda session: export_lot_results(session, file, region_prefix=region, kind=kind,
                                                                    srid=_srid(projected)), database=database)


@export_app.command("ledger")
def export_ledger_cmd(
    file: Path = typer.Argument(..., dir_okay=False, help=_TABLE_HELP),
    first: int = typer.Option(1, "--from", help="first sequence number"),
    last: int | None = typer.Option(None, "--to", help="last sequence number (default: to the end)"),
    module: str | None = typer.Option(None, "--module", help="only this module's events"),
    subject: str | None = typer.Option(None, "--subject", help="only this subject's history, e.g. parcel:12"),
    database: str | None = _DB,
) -> None:
    """Export the ledger's public envelopes of a sequence range or a subject's history (issue #21)."""
    from landbridge.ledger.exports import export_ledger_file

    module, subject = _bounded(module, "--module", 40), _bounded(subject, "--subject", 200)
    _export(file, "ledger envelopes", lambda session: export_ledger_file(
        session, file, first=first, last=last, module=module, subject=subject), database=database)


@export_app.command("register")
def export_register_cmd(
    file: Path = typer.Argument(..., dir_okay=False, help=_TABLE_HELP),
    parcel: int | None = typer.Option(None, "--parcel", min=1, help="parcel id: all its current units"),
    unit: int | None = typer.Option(None, "--unit", min=1, help="one property unit id"),
    reader: str = typer.Option(..., "--reader", help="who reads it, at most 80 characters (recorded per person "
                                                     "named)"),
    role: str = typer.Option("registrar", "--role", help="the reader's role, as recorded"),
    database: str | None = _DB,
) -> None:
    """Export a register extract (rights, holders, restrictions; ID numbers masked) for officials; each person
    named is recorded as read (issue #21)."""
    from landbridge.auth import Role
    from landbridge.privacy import Reader
    from landbridge.registry.extracts import export_register_extract

    if (parcel is None) == (unit is None):
        raise typer.BadParameter("give exactly one of --parcel and --unit")
    if role not in {r.value for r in Role}:
        raise typer.BadParameter(f"--role must be one of {', '.join(r.value for r in Role)}")
    who = _bounded(reader, "--reader", 80)
    if not who:
        raise typer.BadParameter("--reader must name who reads the extract")
    # not read-only: the reads it records are committed with the file
    _export(file, "register rows", lambda s: export_register_extract(
        s, file, reader=Reader(who, role, None), parcel_id=parcel, unit_id=unit), database=database, readonly=False)


export_app.command("parcels-with-rights")(parcels_with_rights)  # its own module: this file stays small


@app.command()
def serve(host: str = "127.0.0.1", port: int = 8000, database: str | None = typer.Option(None, "--database"),
          worker: bool = typer.Option(True, help="run the deadline worker in-process"),
          log_format: str = typer.Option("text", help="text, or json: one JSON object per line with request ids "
                                                      "(the platform's access line replaces uvicorn's)"),
          forwarded_allow_ips: str | None = typer.Option(
              None, help="the reverse proxies (comma-separated addresses) whose X-Forwarded-For and -Proto are "
                         "believed, e.g. deploy/nginx's host; default 127.0.0.1")) -> None:
    """Serve the platform (and, by default, the deadline worker)."""
    import uvicorn

    from landbridge.web.observability import configure_logging

    if log_format not in ("text", "json"):
        console.print(f"[red]unknown log format {log_format!r}: use text or json[/red]")
        raise typer.Exit(2)

    from landbridge.config import get_settings
    from landbridge.main import StartupRefused, create_app

    _use_database(database)
    settings = get_settings()
    try:  # the app factory refuses production with demo accounts, default secrets or missing keys (issue #12)
        application = create_app(settings)
    except StartupRefused as exc:
        console.print(f"[red]{exc}[/red]")
        raise typer.Exit(2) from exc
    if worker:
        from landbridge.worker import start_background_worker

        start_background_worker()
    # live bid streams (SSE) never end by themselves: a stopping server closes them after 5 s
    if log_format == "json":
        configure_logging("json")
        uvicorn.run(application, host=host, port=port, log_config=None, access_log=False,
                    timeout_graceful_shutdown=5, forwarded_allow_ips=forwarded_allow_ips)
        return
    uvicorn.run(application, host=host, port=port, log_level="info", timeout_graceful_shutdown=5,
                forwarded_allow_ips=forwarded_allow_ips)


@app.command()
def demo(scale: str = typer.Option("small", help="small (the profile's small world), county (its demo county) or "
                                                  "city (≥ 10⁶ parcels)"),
         seed: int = typer.Option(20260101, help="random seed: the same seed builds the same world"),
         serve_after: bool = typer.Option(True, "--serve/--no-serve", help="serve the platform after building"),
         database: str | None = typer.Option(None, "--database", help="database URL (default var/demo.db)"),
         host: str = "127.0.0.1", port: int = 8000) -> None:
    """Build the demo world of the selected city profile (geography, plan, people, rights, prices) and serve it.

    Any profile that has the demo rule sets can be built (LANDBRIDGE_CITY_PROFILE, issue #3, issue #13 item 4).
    """
    from rich.progress import BarColumn, MofNCompleteColumn, Progress, TaskID, TextColumn, TimeElapsedColumn

    from landbridge.cityprofile import get_profile
    from landbridge.db import get_database
    from landbridge.demo.world import SCALES, build_world
    from landbridge.schema import upgrade

    if scale not in SCALES:
        console.print(f"[red]unknown scale {scale!r}: use one of {', '.join(SCALES)}[/red]")
        raise typer.Exit(2)
    os.environ.setdefault("LANDBRIDGE_MODE", "demo")
    if database is None:
        var = Path(os.environ.get("LANDBRIDGE_VAR_DIR", "var"))
        var.mkdir(parents=True, exist_ok=True)
        for suffix in ("", "-wal", "-shm"):
            (var / f"demo.db{suffix}").unlink(missing_ok=True)  # the demo world is rebuilt from its seed
        database = f"sqlite:///{var / 'demo.db'}"
    url = _use_database(database)
    where = url.split("@")[-1]
    profile = get_profile()
    console.print(f"[bold]构建{profile.name}演示数据 / building the {profile.name_en} demo world[/bold] ({scale}, "
                  f"seed {seed}) on {where}")
    upgrade(url)
    labels = {"geography": "地理 / geography", "planning": "国土空间规划 / plan", "villages": "村庄 / villages",
              "prices": "价格 / prices", "exchange": "产权交易 / exchange"}
    with Progress(TextColumn("{task.description:<24}"), BarColumn(), MofNCompleteColumn(), TimeElapsedColumn(),
                  console=console) as bar:
        tasks: dict[str, TaskID] = {}

        def progress(stage: str, done: int, total: int) -> None:
            if stage not in tasks:
                tasks[stage] = bar.add_task(labels.get(stage, stage), total=total)
            bar.update(tasks[stage], completed=done, total=total)

        report = build_world(get_database(), profile, scale=scale, seed=seed, progress=progress)
    console.print(f"{report.villages} villages, {report.parcels:,} parcels, {report.rights:,} rights, "
                  f"{report.persons:,} residents in {report.households:,} households, {report.members:,} members, "
                  f"{report.restrictions} restrictions, {report.pending_applications} applications waiting, "
                  f"{report.zones} plan zones, {report.lots} lots on the exchange ({report.exchange_year} of them a "
                  f"year's business), {report.entry_cases} market-entry cases, {report.loans} loans, "
                  f"{report.sales:,} sales")
    table = "\n".join(f"  {user:<11} {role:<18} {org}" for user, org, role in report.accounts)
    console.print(f"演示账号 / demo accounts (password [bold]demo[/bold]):\n{table}")
    if serve_after:
        console.print(f"[green]serving http://{host}:{port}[/green]  (Ctrl+C to stop)")
        serve(host=host, port=port, database=url, worker=True, log_format="text", forwarded_allow_ips=None)


@app.command("worker")
def worker_cmd(database: str | None = typer.Option(None, "--database"),
               once: bool = typer.Option(False, help="run due jobs once and exit"),
               log_format: str = typer.Option("text", help="text, or json: one JSON object per line")) -> None:
    """Fire due deadlines (objection lapse, …) idempotently. On PostgreSQL any number may run: one leads (an
    advisory lock), the others stand by; SIGTERM or Ctrl+C lets the current batch finish and hands the lead back."""
    import signal
    import threading

    from landbridge.config import get_settings
    from landbridge.db import configure_tracing
    from landbridge.web.observability import configure_logging
    from landbridge.worker import run_due_jobs, run_forever

    if log_format not in ("text", "json"):
        console.print(f"[red]unknown log format {log_format!r}: use text or json[/red]")
        raise typer.Exit(2)
    configure_logging(log_format)  # leadership, hand-overs and failed jobs, on stderr
    _use_database(database)
    configure_tracing(get_settings())
    if once:
        fired = run_due_jobs()
        console.print(f"fired {fired} due transitions")
        return
    stop = threading.Event()
    for signum in (signal.SIGTERM, signal.SIGINT):
        signal.signal(signum, lambda *_: stop.set())
    run_forever(stop=stop)


if __name__ == "__main__":  # pragma: no cover
    app()
