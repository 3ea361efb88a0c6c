"""One transaction per request: a route class that opens the session, commits before responding."""

from __future__ import annotations

from collections.abc import Callable, Coroutine
from typing import Any

from fastapi import Request, Response
from fastapi.routing import APIRoute
from sqlalchemy.orm import Session
from starlette.concurrency import run_in_threadpool

from landbridge.db import get_database
from landbridge.privacy import COMMIT_READS

READ_METHODS = frozenset({"GET", "HEAD", "OPTIONS"})


class TransactionalRoute(APIRoute):
    """Every route runs in one database transaction that commits before the response is returned.

    Reads (GET/HEAD) use a read-only session that is rolled back, unless the read recorded who read a personal
    record (``privacy.record_read`` sets ``COMMIT_READS``): then the record commits with the answer. Anything that
    raises rolls the whole request back.
    """

    audited_reads = False  # see AuditedReadRoute

    def get_route_handler(self) -> Callable[[Request], Coroutine[Any, Any, Response]]:
        original = super().get_route_handler()

        async def handler(request: Request) -> Response:
            readonly = request.method in READ_METHODS and not (self.audited_reads and _signed_in(request))
            session = get_database().session(readonly=readonly)
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


async def get_session(request: Request) -> Session:
    """FastAPI dependency: the request's session (opened by ``TransactionalRoute``)."""
    session: Session = request.state.db
    return session
