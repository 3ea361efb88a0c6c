"""Engine and sessions. The request or the job owns the transaction; services only flush.

SQLite runs in WAL mode; write transactions start with ``BEGIN IMMEDIATE`` so that writers are
serialised up front (no check-then-act between two writers). PostgreSQL uses row locks
(``SELECT … FOR UPDATE``) taken by the services in a fixed order.
"""

from __future__ import annotations

import os
import threading
import time
from collections.abc import Iterator, Mapping, Sequence
from contextlib import contextmanager
from pathlib import Path
from typing import Any

from sqlalchemy import Engine, MetaData, Table, TypeDecorator, create_engine, event, insert, text
from sqlalchemy.orm import DeclarativeBase, Session, sessionmaker
from sqlalchemy.pool import StaticPool

from landbridge.config import Settings, get_settings
from landbridge.kernel import tracing

NAMING_CONVENTION = {
    "ix": "ix_%(column_0_label)s",
    "uq": "uq_%(table_name)s_%(column_0_name)s",
    "ck": "ck_%(table_name)s_%(constraint_name)s",
    "fk": "fk_%(table_name)s_%(column_0_name)s_%(referred_table_name)s",
    "pk": "pk_%(table_name)s",
}


class Base(DeclarativeBase):
    """Declarative base of every table; each module owns its own tables."""

    metadata = MetaData(naming_convention=NAMING_CONVENTION)


def normalise_url(url: str) -> str:
    """Accept plain ``postgresql://`` URLs and use the psycopg 3 driver."""
    if url.startswith("postgresql://"):
        return "postgresql+psycopg://" + url[len("postgresql://") :]
    if url.startswith("postgres://"):
        return "postgresql+psycopg://" + url[len("postgres://") :]
    return url


def make_engine(url: str, **kwargs: Any) -> Engine:
    """Create an engine with the platform's connection settings for SQLite or PostgreSQL."""
    url = normalise_url(url)
    if url.startswith("sqlite"):
        connect_args = {"check_same_thread": False, "timeout": 60}
        if url in ("sqlite://", "sqlite:///:memory:"):
            kwargs.setdefault("poolclass", StaticPool)
        engine = create_engine(url, connect_args=connect_args, **kwargs)
        _configure_sqlite(engine)
        return engine
    # As many kept connections as the server's thread pool has threads (AnyIO's default 40) plus the bid
    # sequencer: fewer made every burst of requests open and close overflow connections (a backend each).
    kwargs.setdefault("pool_size", 41)
    kwargs.setdefault("max_overflow", 20)
    kwargs.setdefault("pool_pre_ping", True)
    return create_engine(url, **kwargs)


def _configure_sqlite(engine: Engine) -> None:
    @event.listens_for(engine, "connect")
    def _on_connect(dbapi_connection: Any, _record: Any) -> None:
        dbapi_connection.isolation_level = None  # we issue BEGIN ourselves
        cursor = dbapi_connection.cursor()
        cursor.execute("PRAGMA journal_mode=WAL")
        cursor.execute("PRAGMA synchronous=NORMAL")
        cursor.execute("PRAGMA foreign_keys=ON")
        cursor.execute("PRAGMA busy_timeout=60000")
        cursor.close()

    @event.listens_for(engine, "begin")
    def _on_begin(conn: Any) -> None:
        mode = conn.get_execution_options().get("sqlite_begin", "IMMEDIATE")
        conn.exec_driver_sql(f"BEGIN {mode}")


# How the replica reports its lag: 0 while it has replayed all it received (an idle primary sends nothing, so the
# last replayed commit's age alone would read as lag), else the age of the last replayed commit; a server not in
# recovery (promoted, or the primary itself) has none.
REPLICA_LAG_SQL = text(
    "SELECT CASE WHEN NOT pg_is_in_recovery() OR pg_last_wal_receive_lsn() IS NULL "
    "OR pg_last_wal_receive_lsn() = pg_last_wal_replay_lsn() THEN 0 "
    "ELSE EXTRACT(EPOCH FROM now() - pg_last_xact_replay_timestamp()) END")
REPLICA_CHECK_INTERVAL_S = 1.0  # a technical setting: how stale the lag reading itself may be


class Database:
    """An engine plus its session factories (read-write and read-only), and optionally a read replica.

    With ``replica_url`` (PostgreSQL streaming replica; issue #22 item 3), ``session(readonly=True, replica=True)``
    reads from the replica while its lag is under ``replica_max_lag_s``, checked at most once a second; a replica
    that lags, or does not answer, is passed over for the primary until the next check. Replica connections are
    read-only by setting too, so a read that tried to write fails the same way against any replica.
    """

    def __init__(self, url: str, *, replica_url: str | None = None, replica_max_lag_s: float = 5.0,
                 **engine_kwargs: Any) -> None:
        self.url = normalise_url(url)
        self.engine = make_engine(self.url, **engine_kwargs)
        self.is_sqlite = self.engine.dialect.name == "sqlite"
        self._rw = sessionmaker(self.engine, expire_on_commit=False)
        reader = self.engine.execution_options(sqlite_begin="DEFERRED") if self.is_sqlite else self.engine
        self._ro = sessionmaker(reader, expire_on_commit=False)
        self.replica_engine: Engine | None = None
        self._replica: sessionmaker[Session] | None = None
        self.replica_max_lag_s = replica_max_lag_s
        self._replica_ok = False
        self._replica_checked = float("-inf")
        self._replica_lock = threading.Lock()
        if replica_url:
            if self.is_sqlite or not normalise_url(replica_url).startswith("postgresql"):
                raise ValueError("a read replica needs PostgreSQL for both the primary and the replica")
            self.replica_engine = make_engine(
                normalise_url(replica_url), connect_args={"options": "-c default_transaction_read_only=on"})
            self._replica = sessionmaker(self.replica_engine, expire_on_commit=False)
        if tracing.tracer() is not None:
            self.instrument()

    def instrument(self) -> None:
        """Trace every statement of this database's engines (kernel.tracing; once each, whenever it is switched
        on: a database made before tracing was configured is instrumented by ``configure_tracing``)."""
        tracing.instrument_engine(self.engine)
        if self.replica_engine is not None:
            tracing.instrument_engine(self.replica_engine)

    def replica_lag(self) -> float | None:
        """The replica's lag in seconds now (None: no replica, it did not answer, or it is behind without having
        replayed a transaction yet, so its lag is unknown and it is not used)."""
        if self.replica_engine is None:
            return None
        try:
            with self.replica_engine.connect() as conn:
                lag = conn.execute(REPLICA_LAG_SQL).scalar()
        except Exception:
            return None
        return None if lag is None else float(lag)

    def replica_usable(self) -> bool:
        """Whether reads may go to the replica now (its lag checked at most every REPLICA_CHECK_INTERVAL_S)."""
        if self._replica is None:
            return False
        now = time.monotonic()
        if now - self._replica_checked >= REPLICA_CHECK_INTERVAL_S and self._replica_lock.acquire(blocking=False):
            try:
                from landbridge.kernel.metrics import REPLICA_LAG

                lag = self.replica_lag()
                self._replica_ok = lag is not None and lag <= self.replica_max_lag_s
                REPLICA_LAG.set(-1 if lag is None else lag)
                self._replica_checked = time.monotonic()
            finally:
                self._replica_lock.release()
        return self._replica_ok

    def session(self, *, readonly: bool = False, replica: bool = False) -> Session:
        """A session: read-write, read-only, or (``replica``, read-only) on the replica when it is usable."""
        if replica and self._replica is not None and self.replica_usable():
            return self._replica()
        return (self._ro if readonly or replica else self._rw)()

    @contextmanager
    def transaction(self, *, readonly: bool = False) -> Iterator[Session]:
        """One unit of work: commit on success, roll back on any exception."""
        session = self.session(readonly=readonly)
        try:
            yield session
            if readonly:
                session.rollback()
            else:
                session.commit()
        except BaseException:
            session.rollback()
            raise
        finally:
            session.close()

    def dispose(self) -> None:
        self.engine.dispose()
        if self.replica_engine is not None:
            self.replica_engine.dispose()


_db: Database | None = None


def get_database(settings: Settings | None = None) -> Database:
    """The process-wide database (created on first use from the settings)."""
    global _db
    if _db is None:
        settings = settings or get_settings()
        _db = Database(settings.database_url, replica_url=settings.replica_database_url,
                       replica_max_lag_s=settings.replica_max_lag_s)
    return _db


def configure_tracing(settings: Settings) -> None:
    """Tracing of this process from the settings (``LANDBRIDGE_TRACING``, ``LANDBRIDGE_OTLP_ENDPOINT``): the exporter,
    and the process database's statements once it is on (``create_app``, ``landbridge worker``)."""
    from landbridge import __version__

    tracing.configure(settings.tracing, settings.otlp_endpoint, version=__version__)
    if tracing.tracer() is not None and _db is not None:
        _db.instrument()


def set_database(db: Database | None) -> None:
    """Replace the process-wide database (tests, CLI ``--database``)."""
    global _db
    _db = db


def use_database(url: str | None) -> str:
    """Point the process at ``url`` (or the configured database), creating SQLite's var dir; returns the URL.

    What every command with a ``--database`` option does first (``landbridge …``, ``landbridge valuation …``).
    """
    if url:
        os.environ["LANDBRIDGE_DATABASE_URL"] = url
        get_settings.cache_clear()
    settings = get_settings()
    if settings.is_sqlite:
        Path(settings.var_dir).mkdir(parents=True, exist_ok=True)
    set_database(Database(settings.database_url))
    return settings.database_url


def for_update(session: Session) -> bool:
    """Whether ``SELECT … FOR UPDATE`` is meaningful (PostgreSQL); SQLite relies on BEGIN IMMEDIATE."""
    bind = session.get_bind()
    return bind.dialect.name == "postgresql"


def insert_rows(session: Session, table: Table, rows: Sequence[Mapping[str, Any]]) -> list[int]:
    """Insert ``rows`` (dicts with the same keys) into ``table`` in one statement; their new ids, in row order.

    On PostgreSQL the rows travel as one array per column, unnested in order (``WITH ORDINALITY``): the
    statement's text is the same whatever the number of rows, so the driver converts it once and the server
    can keep it prepared, where a multi-row VALUES list is new text for every row count (the bid sequencer
    spent a fifth of its time there). The ids come from the table's sequence, taken row by row in that
    order, so sorted they are in row order. Elsewhere: SQLAlchemy's multi-row INSERT … RETURNING.
    """
    if not rows:
        return []
    names = list(rows[0])
    dialect = session.get_bind().dialect
    if dialect.name != "postgresql":
        stmt = insert(table).returning(table.c.id, sort_by_parameter_order=True)
        return list(session.execute(stmt, list(rows)).scalars())
    columns = [table.c[n] for n in names]
    params: dict[str, list[Any]] = {}
    for i, column in enumerate(columns):
        bind = column.type.bind_processor(dialect) if isinstance(column.type, TypeDecorator) else None
        params[f"p{i}"] = [bind(r[column.key]) if bind else r[column.key] for r in rows]
    arrays = ", ".join(f"CAST(:p{i} AS {c.type.compile(dialect=dialect)}[])" for i, c in enumerate(columns))
    aliases = ", ".join(f"c{i}" for i in range(len(columns)))
    # names from the table's metadata, values bound
    sql = (f"WITH src AS (SELECT * FROM unnest({arrays}) WITH ORDINALITY AS s({aliases}, ord)), "  # noqa: S608
           f"ins AS (INSERT INTO {table.name} ({', '.join(c.name for c in columns)}) "
           f"SELECT {aliases} FROM src ORDER BY ord RETURNING id) SELECT id FROM ins ORDER BY id")
    return list(session.execute(text(sql), params).scalars())
