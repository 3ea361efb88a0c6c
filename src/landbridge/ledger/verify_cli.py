"""`landbridge ledger verify`: the public layer from public data alone, the private layer where the keys are
(issue #12 item 1; P2; ADR 0010). Rich progress bar on stderr, a human line or one JSON object on stdout, exit 1
naming the first bad sequence number, exit 2 when the chosen layers cannot be checked here."""

from __future__ import annotations

import json
from enum import StrEnum

import typer
from cryptography.hazmat.primitives.asymmetric.ed25519 import Ed25519PublicKey
from rich.console import Console
from rich.progress import BarColumn, MofNCompleteColumn, Progress, TextColumn, TimeElapsedColumn

from landbridge.db import get_database
from landbridge.ledger.keys import verification_keys
from landbridge.ledger.service import VerifyReport, current_size, verify_ledger
from landbridge.privacy import KeyConfigError, Keyring, keyring


class Layers(StrEnum):
    """Which layers to verify: ``public`` (no secret needed), ``both``, or ``auto`` (both where the keys are)."""

    public = "public"
    both = "both"
    auto = "auto"


def _public_keys(hex_keys: list[str] | None) -> list[Ed25519PublicKey]:
    """The keys given (each head's public_key, hex), or the deployment's ring: the current key and the retired."""
    if not hex_keys:
        return list(verification_keys().values())
    try:
        return [Ed25519PublicKey.from_public_bytes(bytes.fromhex(k)) for k in hex_keys]
    except ValueError:
        raise typer.BadParameter("--public-key must be 32 bytes of hex (the head's public_key)") from None


def _ring(layers: Layers) -> Keyring | None:
    if layers is Layers.public:
        return None
    try:
        return keyring()
    except KeyConfigError:
        if layers is Layers.both:
            raise
        return None


def run_verify(*, layers: Layers, public_keys: list[str] | None, as_json: bool, progress: bool) -> None:
    """Verify the ledger of the configured database and report; raise ``typer.Exit`` on failure."""
    err = Console(stderr=True)
    out = Console()
    try:
        ring = _ring(layers)
    except KeyConfigError as exc:
        err.print(f"[red]cannot verify the private layer[/red]: {exc}")
        raise typer.Exit(2) from None
    pub = _public_keys(public_keys)
    with get_database().transaction(readonly=True) as session:
        total = current_size(session)
        with Progress(TextColumn("ledger verify"), BarColumn(), MofNCompleteColumn(), TimeElapsedColumn(),
                      console=err, disable=not progress, transient=True) as bar:
            task = bar.add_task("verify", total=total)
            report: VerifyReport = verify_ledger(session, pub, private=ring is not None, ring=ring,
                                                 progress=lambda n: bar.advance(task, n))
    if as_json:
        print(json.dumps(report.as_dict(), ensure_ascii=False))
    elif report.ok:
        out.print(f"[green]ledger OK[/green]: {report.size} events, layers {' + '.join(report.layers)}: every "
                  "envelope, leaf, root and signature verified" + (", every private part and subject reference"
                                                                   if ring is not None else ""))
    else:
        out.print(f"[red]ledger TAMPERED[/red] at seq {report.first_bad_seq}: {report.reason}")
    if not report.ok:
        raise typer.Exit(1)
