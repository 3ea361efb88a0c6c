"""The certificate PDF (不动产权证书 / 不动产登记证明): A4, Chinese, QR code to its verification page (R2, P2)."""

from __future__ import annotations

import base64
import io
from dataclasses import dataclass, field
from datetime import date
from pathlib import Path

import qrcode
import qrcode.image.svg

from landbridge.kernel.documents import html_to_pdf, print_templates

TEMPLATES = Path(__file__).parent / "templates"
_env = print_templates(TEMPLATES)


@dataclass(frozen=True)
class CertificateHolder:
    """A holder as printed on the certificate: name, masked ID number, share as "n/d"."""

    name: str
    id_number: str | None
    share: str


@dataclass(frozen=True)
class CertificateData:
    """Everything printed on a certificate, as plain values (no database objects)."""

    number: str
    title: str
    status: str
    holders: list[CertificateHolder]
    unit_code: str
    location: str
    area_m2: str
    right_type: str
    land_use: str
    term: str
    issued_on: date
    issuer: str
    verify_url: str
    ledger_seq: int | None = None
    restrictions: list[str] = field(default_factory=list)
    remarks: list[str] = field(default_factory=list)


def qr_data_uri(url: str) -> str:
    """An SVG QR code of ``url`` as a data URI (for the PDF and the verification page)."""
    image = qrcode.make(url, image_factory=qrcode.image.svg.SvgPathImage, box_size=10, border=2)
    buffer = io.BytesIO()
    image.save(buffer)
    return "data:image/svg+xml;base64," + base64.b64encode(buffer.getvalue()).decode("ascii")


def certificate_html(data: CertificateData) -> str:
    """The certificate as print HTML (A4), used for the PDF."""
    return _env.get_template("registry/certificate_print.html").render(c=data, qr=qr_data_uri(data.verify_url))


def render_certificate_pdf(data: CertificateData) -> bytes:
    """Render a certificate as an A4 PDF with Chinese text and a verification QR code (R2)."""
    return html_to_pdf(certificate_html(data), TEMPLATES)
