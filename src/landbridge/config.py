"""Settings read from the environment (prefix ``LANDBRIDGE_``).

Secrets have no defaults outside the development modes: in ``production`` the secret key and the
ledger signing key must be supplied, and demo accounts are refused (see ``auth.service``).
"""

from __future__ import annotations

import secrets
from enum import StrEnum
from functools import lru_cache
from pathlib import Path
from typing import Literal

from pydantic import field_validator, model_validator
from pydantic_settings import BaseSettings, SettingsConfigDict


class Mode(StrEnum):
    """How the platform runs; only ``production`` is fit for real data."""

    dev = "dev"
    demo = "demo"
    test = "test"
    production = "production"


class Settings(BaseSettings):
    """Platform settings; every field can be set as ``LANDBRIDGE_<NAME>``."""

    model_config = SettingsConfigDict(env_prefix="LANDBRIDGE_", extra="ignore")

    mode: Mode = Mode.dev
    database_url: str = "sqlite:///var/landbridge.db"
    # A PostgreSQL streaming replica for anonymous reads and lag-tolerant pages (issue #22 item 3; db.Database),
    # used while its lag is at most replica_max_lag_s seconds.
    replica_database_url: str | None = None
    replica_max_lag_s: float = 5.0
    var_dir: Path = Path("var")
    secret_key: str | None = None
    ledger_signing_key_file: Path | None = None
    # Earlier ledger signing keys' public halves (hex Ed25519, oldest first), kept after a rotation so that
    # `ledger verify` and the published heads still check the events they signed (issue #22 item 6).
    ledger_retired_public_keys: list[str] = []
    city_profile: str = "yingtan"
    # A folder of city profiles (<city>/profile.toml, <city>/regions.csv, <city>/rules/*.toml) beside the
    # built-in ones; a city found there is taken before a built-in one of the same code (issue #13 item 4).
    profile_dir: Path | None = None
    # Technical settings (issue #13 item 6): how the platform runs, not what the law or the city decides, so
    # they are environment settings rather than versioned rule data.
    live_heartbeat_seconds: float = 15.0  # SSE keep-alive comment interval
    live_poll_interval_ms: int = 200  # how often a live hub polls the ledger for new exchange events
    live_queue_events: int = 256  # events buffered per subscriber before it is dropped
    live_history_tail: int = 20  # bids sent to a client when it connects
    live_replay_max_events: int = 500  # most events replayed after Last-Event-ID
    live_retry_ms: int = 3000  # the client's reconnect delay (SSE retry:)
    live_stream_max_seconds: float = 120.0  # a stream is closed (and the client reconnects) after this long
    valuation_job_lease_seconds: int = 900  # a mass-appraisal worker's claim lapses without a heartbeat
    valuation_job_max_attempts: int = 3  # claims before a job whose workers keep dying is failed
    valuation_report_price_bands: int = 4  # price bands of the ratio-study report's tables
    valuation_report_plot_points: int = 2000  # points drawn in a report's scatter plots
    mass_chunk_rows: int = 50_000  # parcels valued per chunk of a mass-appraisal run
    mass_gbm: dict[str, float] = {  # LightGBM parameters of the mass-appraisal model (tuned on the demo world)
        "num_boost_round": 600, "early_stopping_rounds": 30, "validation_share": 0.1, "learning_rate": 0.08,
        "num_leaves": 31, "min_data_in_leaf": 20, "max_bin": 127, "feature_fraction": 0.9, "lambda_l2": 1.0,
        "cat_smooth": 10.0}
    clock_speed: float = 1.0
    default_locale: str = "zh_CN"
    max_upload_bytes: int = 20 * 1024 * 1024
    page_size_max: int = 1000
    exchange_bank_secret: str | None = None  # HMAC key of the deposit bank's callbacks; dev default outside production
    exchange_reserve_key: str | None = None  # base64 AES-256 key sealing reserve prices; dev default outside production
    # Personal data at rest (issue #12, 个人信息保护法 art. 51): AES-256-GCM data keys as "kid=base64,kid=base64"
    # (the last one encrypts, all decrypt, so keys rotate), and the HMAC key of blind indexes and keyed digests.
    privacy_data_keys: str | None = None
    privacy_index_key: str | None = None
    # Password policy (issue #12 item 5): checked on every password change, and on account creation in production.
    password_min_length: int = 10
    password_min_classes: int = 3  # of lower-case, upper-case, digits, other characters
    # Web hardening (issue #12 item 6): origins besides the site's own from which cookie-authenticated state
    # changes are accepted (e.g. the public address behind a proxy), as a JSON list; HSTS on every response
    # (production, or any deployment served over TLS behind a proxy) and its max-age in seconds.
    trusted_origins: list[str] = []
    # Observability (issue #22 item 4): /metrics answers loopback callers, and others that send this bearer token.
    metrics_token: str | None = None
    # OpenTelemetry tracing (kernel.tracing): off, console (spans on stdout, for debugging) or otlp (OTLP over
    # HTTP to otlp_endpoint; unset: the OTEL_EXPORTER_OTLP_* environment, else http://localhost:4318/v1/traces).
    tracing: Literal["off", "console", "otlp"] = "off"
    otlp_endpoint: str | None = None
    hsts: bool = False
    hsts_max_age_s: int = 31_536_000
    # Bounded input (issue #12 item 7): the most vertices a submitted polygon or multipolygon may have (a zone
    # of 10^6 vertices once slowed every map request); a limit of the service, not a policy number.
    max_polygon_vertices: int = 20_000
    # Base map under the parcel layers (issue #21 item 4), off by default so the platform stays fully offline:
    # a Leaflet tile URL template (天地图 WMTS with its key tk, e.g. https://t{s}.tianditu.gov.cn/img_w/wmts?…
    # &TILEMATRIX={z}&TILEROW={y}&TILECOL={x}&tk=KEY; {s} runs over t0–t7), or a local MBTiles file the platform
    # serves at /basemap/{z}/{x}/{y}; the attribution is shown on the map.
    basemap_url: str = ""
    basemap_mbtiles: str = ""
    basemap_attribution: str = ""
    basemap_max_zoom: int = 18

    @field_validator("ledger_retired_public_keys")
    @classmethod
    def _hex_public_keys(cls, keys: list[str]) -> list[str]:
        if len(keys) > 100:
            raise ValueError("at most 100 retired ledger keys")
        for k in keys:
            if len(k) != 64 or any(c not in "0123456789abcdefABCDEF" for c in k):
                raise ValueError("a retired ledger public key is 32 bytes of hex (64 characters)")
        return [k.lower() for k in keys]

    @model_validator(mode="after")
    def _secrets_in_production(self) -> Settings:
        if self.mode is Mode.production:
            if not self.secret_key:
                raise ValueError("LANDBRIDGE_SECRET_KEY is required in production mode")
            if self.ledger_signing_key_file is None:
                raise ValueError("LANDBRIDGE_LEDGER_SIGNING_KEY_FILE is required in production mode")
            if not self.privacy_data_keys or not self.privacy_index_key:
                raise ValueError("LANDBRIDGE_PRIVACY_DATA_KEYS and LANDBRIDGE_PRIVACY_INDEX_KEY are required "
                                 "in production mode")
        return self

    @property
    def is_sqlite(self) -> bool:
        return self.database_url.startswith("sqlite")

    def effective_secret_key(self) -> str:
        """The cookie-signing secret; in development modes a per-installation random one in var/."""
        if self.secret_key:
            return self.secret_key
        self.var_dir.mkdir(parents=True, exist_ok=True)
        path = self.var_dir / "secret_key"
        if not path.exists():
            path.write_text(secrets.token_urlsafe(48))
            path.chmod(0o600)
        return path.read_text().strip()

    def signing_key_path(self) -> Path:
        """Where the Ed25519 key that signs ledger tree heads lives."""
        if self.ledger_signing_key_file is not None:
            return self.ledger_signing_key_file
        return self.var_dir / "ledger_signing_key.pem"


MIN_SECRET_KEY_LENGTH = 32
# Values seen in examples and development defaults: never accepted as a production secret.
KNOWN_DEFAULT_SECRETS = frozenset({"changeme", "change-me", "secret", "dev", "demo", "landbridge",
                                   "landbridge-dev-bank-secret", "please-change-me"})


def production_problems(settings: Settings) -> list[str]:
    """What keeps these settings from serving real data in production mode (empty if nothing), in English with
    the environment variable to set: missing or default secrets and missing keys (issue #12 item 5)."""
    if settings.mode is not Mode.production:
        return []
    problems: list[str] = []
    secret = settings.secret_key or ""
    if not secret:
        problems.append("LANDBRIDGE_SECRET_KEY is missing")
    elif secret.lower() in KNOWN_DEFAULT_SECRETS or len(secret) < MIN_SECRET_KEY_LENGTH:
        problems.append(f"LANDBRIDGE_SECRET_KEY is a default or shorter than {MIN_SECRET_KEY_LENGTH} characters")
    if settings.ledger_signing_key_file is None:
        problems.append("LANDBRIDGE_LEDGER_SIGNING_KEY_FILE is missing")
    elif not settings.ledger_signing_key_file.is_file():
        problems.append(f"the ledger signing key file {settings.ledger_signing_key_file} does not exist")
    if not settings.privacy_data_keys or not settings.privacy_index_key:
        problems.append("LANDBRIDGE_PRIVACY_DATA_KEYS and LANDBRIDGE_PRIVACY_INDEX_KEY are required")
    bank = settings.exchange_bank_secret or ""
    if not bank or bank.lower() in KNOWN_DEFAULT_SECRETS:
        problems.append("LANDBRIDGE_EXCHANGE_BANK_SECRET is missing or a default")
    if not settings.exchange_reserve_key:
        problems.append("LANDBRIDGE_EXCHANGE_RESERVE_KEY is missing")
    return problems


@lru_cache(maxsize=1)
def get_settings() -> Settings:
    """The process-wide settings (cached; tests build their own)."""
    return Settings()
