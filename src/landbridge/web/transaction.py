"""One transaction per request: a route class that opens the session, commits before responding, and bounds
every integer and date parameter of its route (``kernel.bounds``)."""

from __future__ import annotations

import copy
import inspect
import types
from collections.abc import Callable, Coroutine
from datetime import date
from typing import Annotated, Any, Union, get_args, get_origin, get_type_hints

import annotated_types as at
from fastapi import Request, Response, params
from fastapi.routing import APIRoute
from pydantic.fields import FieldInfo
from sqlalchemy.orm import Session
from starlette.concurrency import run_in_threadpool

from landbridge.db import get_database
from landbridge.kernel.bounds import DATE_MAX, DATE_MIN, DB_INT_MAX, DB_INT_MIN
from landbridge.privacy import COMMIT_READS

READ_METHODS = frozenset({"GET", "HEAD", "OPTIONS"})


class TransactionalRoute(APIRoute):
    """Every route runs in one database transaction that commits before the response is returned.

    Reads (GET/HEAD) use a read-only session that is rolled back (on the read replica for anonymous callers,
    where one is configured), unless the read recorded who read a personal
    record (``privacy.record_read`` sets ``COMMIT_READS``): then the record commits with the answer. Anything that
    raises rolls the whole request back. Every integer and date in the route's path, query, header, cookie or
    form lies in its range (``bounded_params``).
    """

    audited_reads = False  # see AuditedReadRoute
    replica_reads = False  # see ReplicaReadRoute

    def __init__(self, path: str, endpoint: Callable[..., Any], **kwargs: Any) -> None:
        super().__init__(path, bounded_params(endpoint), **kwargs)

    def get_route_handler(self) -> Callable[[Request], Coroutine[Any, Any, Response]]:
        original = super().get_route_handler()

        async def handler(request: Request) -> Response:
            readonly = request.method in READ_METHODS and not (self.audited_reads and _signed_in(request))
            # anonymous reads (public pages, the map, open data) may be a moment stale: the replica serves them;
            # a signed-in caller reads the primary, so it sees what it has just written
            replica = readonly and (self.replica_reads or not _signed_in(request))
            session = get_database().session(readonly=readonly, replica=replica)
            request.state.db = session
            try:
                response = await original(request)
                if session.in_transaction():  # a route that already ended its transaction needs no thread hop
                    # a read that recorded who read a personal record commits that record (issue #12 item 4)
                    commit = not readonly or session.info.pop(COMMIT_READS, False)
                    await run_in_threadpool(session.commit if commit else session.rollback)
                return response
            except BaseException:
                if session.in_transaction():
                    await run_in_threadpool(session.rollback)
                raise
            finally:
                session.close()  # no transaction left: closing touches no connection

        return handler


def _signed_in(request: Request) -> bool:
    """Whether the request carries credentials (a bearer token or a signed-in session cookie)."""
    session = request.scope.get("session")
    return bool(request.headers.get("authorization")) or (isinstance(session, dict) and "sid" in session)


class AuditedReadRoute(TransactionalRoute):
    """A route whose reads are themselves recorded (查阅记录, 个人信息保护法 art. 51; issue #12): a signed-in caller's
    GET runs in a read-write transaction that commits, so the record of a read is kept exactly when the read is
    answered. Anonymous GETs, which see nothing that is recorded, stay read-only (on SQLite a write transaction
    would take the database's write lock)."""

    audited_reads = True


class ReplicaReadRoute(TransactionalRoute):
    """A route whose reads may be a moment stale even for signed-in callers (dashboards, map layers): its GETs
    read the replica when one is configured and fresh (``Database.session(replica=True)``)."""

    replica_reads = True


async def get_session(request: Request) -> Session:
    """FastAPI dependency: the request's session (opened by ``TransactionalRoute``)."""
    session: Session = request.state.db
    return session


# the range each bounded parameter type must lie in (``kernel.bounds``)
BOUNDS: dict[type, tuple[Any, Any]] = {int: (DB_INT_MIN, DB_INT_MAX), date: (DATE_MIN, DATE_MAX)}


def _bounded_type(annotation: Any) -> type | None:
    """``int`` or ``date`` if a parameter's type is one of them or it or None (possibly annotated)."""
    if get_origin(annotation) is Annotated:
        annotation = get_args(annotation)[0]
    if get_origin(annotation) in (Union, types.UnionType):
        args = [a for a in get_args(annotation) if a is not type(None)]
        annotation = args[0] if len(args) == 1 else None
    return annotation if annotation in BOUNDS else None


def _missing_bounds(kind: type, metadata: list[Any]) -> list[Any]:
    """The bounds of ``kind`` that ``metadata`` lacks: only the missing side is added, since a later ``ge`` or
    ``le`` would replace the parameter's own (pydantic keeps the last of each)."""
    low, high = BOUNDS[kind]
    lows = any(getattr(m, "ge", None) is not None or getattr(m, "gt", None) is not None for m in metadata)
    highs = any(getattr(m, "le", None) is not None or getattr(m, "lt", None) is not None for m in metadata)
    return ([] if lows else [at.Ge(low)]) + ([] if highs else [at.Le(high)])


def bounded_params(endpoint: Callable[..., Any]) -> Callable[..., Any]:
    """Bound every ``int`` parameter of a route to the INTEGER column's -2^31 .. 2^31-1 and every ``date`` to
    1900 .. 2999 (issue #12 item 7): an id or offset past the column was a 500 from the driver on about 18
    routes, a date near the end of the calendar an overflow; now each is a 422 ``request.invalid`` (the integer
    range also in the OpenAPI schema). A parameter's own bounds win where it declares them
    (``kernel.bounds.Seq`` for a BIGINT). The endpoint gets a ``__signature__`` with the bounds added (to the
    ``Query``/``Path``/``Form`` it declares, or as annotation metadata); body models bound their own fields with
    ``kernel.bounds`` types, and ``main`` answers a value the database still refuses with a 422."""
    try:
        hints = get_type_hints(endpoint, include_extras=True)
        signature = inspect.signature(endpoint)
    except (NameError, TypeError):  # an annotation that cannot be resolved here: FastAPI will say so itself
        return endpoint
    changed = False
    parameters = []
    for parameter in signature.parameters.values():
        annotation = hints.get(parameter.name, parameter.annotation)
        default = parameter.default
        kind = _bounded_type(annotation)
        if kind is not None and not isinstance(default, params.Depends):
            if isinstance(default, FieldInfo):
                plain_body = isinstance(default, params.Body) and not isinstance(default, params.Form)
                missing = _missing_bounds(kind, default.metadata)
                if not plain_body and missing:
                    default = copy.copy(default)
                    default.metadata = [*default.metadata, *missing]
                    changed = True
            else:
                metadata = list(get_args(annotation)[1:]) if get_origin(annotation) is Annotated else []
                missing = _missing_bounds(kind, metadata)
                if not any(isinstance(m, FieldInfo) for m in metadata) and missing:
                    annotation = Annotated[annotation, *missing]
                    changed = True
        parameters.append(parameter.replace(annotation=annotation, default=default))
    if changed:
        endpoint.__signature__ = signature.replace(  # type: ignore[attr-defined]
            parameters=parameters, return_annotation=hints.get("return", signature.return_annotation))
    return endpoint


__all__ = ["DB_INT_MAX", "DB_INT_MIN", "TransactionalRoute", "bounded_params", "get_session"]
