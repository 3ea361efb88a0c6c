"""``landbridge export parcels-with-rights``: the parcels with their current rights as a file (issue #21 scope 3);
the top-level CLI mounts it in its ``export`` group (the command lives here to keep ``cli.py`` small)."""

from __future__ import annotations

from pathlib import Path

import typer
from rich.console import Console

console = Console()


def parcels_with_rights(
    file: Path = typer.Argument(..., dir_okay=False,
                                help="output .xlsx, .csv (UTF-8 with BOM), .geojson, .gpkg or .shp (GBK .cpg)"),
    reader: str = typer.Option(..., "--reader", help="who reads it, at most 80 characters (recorded per person "
                                                     "named whole)"),
    role: str = typer.Option("registrar", "--role", help="the reader's role, as recorded"),
    region: str | None = typer.Option(None, "--region", help="region code prefix (行政区划代码), 1 to 12 digits"),
    bbox: str | None = typer.Option(None, "--bbox", help="minx,miny,maxx,maxy in EPSG:4490"),
    mask_names: bool = typer.Option(False, "--mask-names", help="mask every natural person's name (nothing is "
                                                                "recorded as read)"),
    projected: bool = typer.Option(False, "--projected", help="geometries in the profile's projected CRS"),
    database: str | None = typer.Option(None, "--database", help="database URL"),
) -> None:
    """Export each current parcel with its current rights: type, certificate, term, restriction flags, holders
    (ID numbers masked; each name shown whole recorded as read), read and written in chunks (issue #21)."""
    from landbridge.auth import Role
    from landbridge.cityprofile import get_profile
    from landbridge.db import get_database, use_database
    from landbridge.errors import DomainError
    from landbridge.kernel.geo import GEOGRAPHIC_SRID
    from landbridge.privacy import Reader
    from landbridge.registry.rights_export import export_parcels_with_rights

    if not reader or len(reader) > 80:
        raise typer.BadParameter("--reader must name who reads the file, at most 80 characters")
    if role not in {r.value for r in Role}:
        raise typer.BadParameter(f"--role must be one of {', '.join(r.value for r in Role)}")
    if region is not None and not (region.isdigit() and 1 <= len(region) <= 12):
        raise typer.BadParameter("--region takes 1 to 12 digits")
    box: tuple[float, float, float, float] | None = None
    if bbox:
        parts = [float(v) for v in bbox.split(",")]
        if len(parts) != 4:
            raise typer.BadParameter("--bbox needs four numbers: minx,miny,maxx,maxy")
        box = (parts[0], parts[1], parts[2], parts[3])
    use_database(database)
    srid = get_profile().projected_srid if projected else GEOGRAPHIC_SRID
    try:  # not read-only: the reads it records are committed with the file
        with console.status(f"exporting to {file.name}"), get_database().transaction() as session:
            count = export_parcels_with_rights(session, file, reader=Reader(reader, role, None), region_prefix=region,
                                               bbox=box, srid=srid, scope=(lambda _ids: set()) if mask_names else None)
    except DomainError as exc:
        console.print(f"[red]export refused[/red] {exc.code}: {exc.message} ({exc.message_en})")
        raise typer.Exit(1) from None
    console.print(f"[green]exported[/green] {count} parcel rights rows to {file} (EPSG:{srid})")
