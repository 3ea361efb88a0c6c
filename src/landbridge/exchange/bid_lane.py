"""The bid lane (报价通道): API bids with a bearer token go straight to the bid sequencer (F4, issue #6 speed;
ADR 0008).

An online auction's load is almost all one request: ``POST /api/v1/exchange/lots/{id}/bids`` from a bidder's
client. Through the framework every such request pays for routing across all of the platform's routes, the
middleware stack and dependency resolution, which cost more CPU than judging the bid in its batch. This ASGI
middleware takes exactly the requests whose meaning is settled without any of that: a POST to the bid path
with a bearer token and a well-formed JSON body of at most ``MAX_BODY`` bytes that validates as ``BidIn``.
It hands the bid to the sequencer and answers with the same body and status the route gives
(``views.bid_answer``, ``DomainError.to_dict``). Everything else (a browser session's bid, a malformed or
oversized body, another content type, any other path) goes on to the application untouched, the body replayed,
so every refusal of a bad request is the framework's own. ``tests/exchange/test_bid_lane.py`` checks that both
ways give the same answers.
"""

from __future__ import annotations

import asyncio
import logging
import re
from collections.abc import Iterable

from pydantic import ValidationError
from starlette.requests import cookie_parser
from starlette.responses import JSONResponse
from starlette.types import ASGIApp, Message, Receive, Scope, Send

from landbridge.errors import DomainError, internal_error
from landbridge.exchange import bidding
from landbridge.exchange.schemas import BidIn
from landbridge.exchange.sequencer import sequencer
from landbridge.exchange.views import bid_answer

log = logging.getLogger("landbridge.exchange.bid_lane")
BID_PATH = re.compile(r"/api/v1/exchange/lots/([1-9][0-9]{0,17})/bids")
MAX_BODY = 1024
DEVICE_HEADER = b"x-device-id"


def _header_map(raw: Iterable[tuple[bytes, bytes]]) -> dict[bytes, bytes]:
    """The request headers the lane reads (names are lower-case in ASGI); a repeated one makes it decline."""
    wanted = {b"authorization", b"content-length", b"content-type", DEVICE_HEADER, b"cookie", b"transfer-encoding"}
    out: dict[bytes, bytes] = {}
    for name, value in raw:
        if name in wanted:
            if name in out:
                out[b"\0"] = b""  # a repeated header: leave the request to the framework
            out[name] = value
    return out


def _bearer(value: bytes | None) -> str | None:
    if value is None or value[:7].lower() != b"bearer ":
        return None
    token = value[7:].strip()
    return token.decode("latin-1") if token else None


def _takes(headers: dict[bytes, bytes]) -> bool:
    """Whether the lane can take the request by its headers alone."""
    if b"\0" in headers or b"transfer-encoding" in headers:
        return False
    kind = headers.get(b"content-type", b"").split(b";")[0].strip().lower()
    length = headers.get(b"content-length", b"")
    return kind == b"application/json" and length.isdigit() and int(length) <= MAX_BODY


class BidLane:
    """Pure ASGI middleware: bearer-token bids to the sequencer, everything else to ``app``."""

    def __init__(self, app: ASGIApp) -> None:
        self.app = app
        self.taken = 0  # requests answered by the lane (tests read it)

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        match = BID_PATH.fullmatch(scope["path"]) if scope["type"] == "http" and scope["method"] == "POST" else None
        headers = _header_map(scope["headers"]) if match else {}
        token = _bearer(headers.get(b"authorization"))
        if match is None or token is None or not _takes(headers):
            await self.app(scope, receive, send)
            return
        body, messages = await _read(receive)
        try:
            bid = BidIn.model_validate_json(body) if body is not None else None
        except ValidationError:
            bid = None
        if bid is None:  # the framework gives its own answer to a bad body (or a client gone)
            await self.app(scope, _replay(messages, receive), send)
            return
        self.taken += 1
        await self._answer(scope, receive, send, bidding.BidRequest(
            lot_id=int(match.group(1)), bidder_id=None, amount=bid.amount_cny, idempotency_key=bid.idempotency_key,
            actor="", token=token, client_ip=scope["client"][0] if scope.get("client") else None,
            device_id=_device(headers)))

    @staticmethod
    async def _answer(scope: Scope, receive: Receive, send: Send, request: bidding.BidRequest) -> None:
        try:
            result = await asyncio.wrap_future(sequencer().submit(request))
            response = JSONResponse(result.to_dict(), status_code=result.http_status) \
                if isinstance(result, DomainError) else bid_answer(result)
        except Exception:  # the same answer as the application's handler of unexpected errors
            log.exception("unhandled error on POST %s", scope["path"])
            error = internal_error()
            response = JSONResponse(error.to_dict(), status_code=error.http_status)
        await response(scope, receive, send)


def _device(headers: dict[bytes, bytes]) -> str | None:
    """The device a bid came from: the client's device header or the pages' device cookie (as ``views.device_of``)."""
    value = headers.get(DEVICE_HEADER)
    if value:
        return value.decode("latin-1")
    cookie = headers.get(b"cookie")
    return cookie_parser(cookie.decode("latin-1")).get("lb_device") if cookie else None


async def _read(receive: Receive) -> tuple[bytes | None, list[Message]]:
    """The whole body (None past ``MAX_BODY`` or on a disconnect) and the messages it came in, for a replay."""
    messages: list[Message] = []
    chunks: list[bytes] = []
    size = 0
    while True:
        message = await receive()
        messages.append(message)
        if message["type"] != "http.request":
            return None, messages
        chunk = message.get("body", b"")
        size += len(chunk)
        chunks.append(chunk)
        if size > MAX_BODY:
            return None, messages
        if not message.get("more_body", False):
            return b"".join(chunks), messages


def _replay(messages: list[Message], receive: Receive) -> Receive:
    """A receive that gives the messages already read, then the client's."""
    pending = list(messages)

    async def replayed() -> Message:
        return pending.pop(0) if pending else await receive()

    return replayed

