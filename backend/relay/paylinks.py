"""Short pay links: `/p/<code>` redirects a donor's phone to a Checkout URL.

A real Checkout URL is 350-450 characters; as a QR code that is ~73 modules a
side, hard to scan at arm's length on a small screen. A kiosk with a relay asks
for a short link instead (`POST /v1/paylinks`, its bearer token, JSON
`{"url": "https://...", "expires_at": <unix seconds>}` → 201 `{"code", "url",
"expires_at"}`) and shows `<relay>/p/<code>` (~45 characters, ~33 modules).

`GET /p/<code>` answers 303 to the Checkout URL until the session expires, 410
after, and 404 for a code it never issued. Codes are 128 random bits: a link
cannot be guessed, and knowing one reveals nothing more than the QR code did.
Links live in their own table, `relay_paylink`, next to (not in) the event log;
expired links are deleted a day after they expire.
"""

from __future__ import annotations

import html
import json
import secrets
import time
from typing import Any
from urllib.parse import urlsplit

import peewee
from starlette.requests import Request
from starlette.responses import HTMLResponse, JSONResponse, RedirectResponse, Response
from starlette.routing import Route

from backend.relay.pages import page_direction, page_language, page_text
from backend.relay.store import DB_ERRORS, DatabaseUnavailable

CODE_BYTES = 16
MAX_URL_CHARS = 2048
MAX_LIFETIME_S = 26 * 3600  # Checkout Sessions last at most 24 h
KEEP_EXPIRED_S = 86400
_HEADERS = {"Cache-Control": "no-store", "Referrer-Policy": "no-referrer",
            "X-Content-Type-Options": "nosniff"}


class PayLinkStore:
    """Blocking; call from a worker thread (`Relay.run_db`)."""

    def __init__(self, db: Any) -> None:
        self.db = db

        class PayLink(peewee.Model):
            code = peewee.CharField(max_length=64, primary_key=True)
            url = peewee.TextField()
            kiosk = peewee.CharField(max_length=64)
            created_at = peewee.DoubleField()
            expires_at = peewee.DoubleField(index=True)

            class Meta:
                database = db
                table_name = "relay_paylink"

        self.PayLink: Any = PayLink
        self._ready = False

    def _run(self, fn: Any) -> Any:
        try:
            with self.db.connection_context():
                if not self._ready:
                    self.db.create_tables([self.PayLink], safe=True)
                    self._ready = True
                return fn()
        except DB_ERRORS as exc:
            raise DatabaseUnavailable(f"{type(exc).__name__}: {exc}") from exc

    def create(self, url: str, expires_at: float, kiosk: str, now: float) -> str:
        code = secrets.token_urlsafe(CODE_BYTES)

        def query() -> None:
            with self.db.atomic():
                self.PayLink.delete().where(
                    self.PayLink.expires_at < now - KEEP_EXPIRED_S).execute()
                self.PayLink.create(code=code, url=url, kiosk=kiosk, created_at=now,
                                    expires_at=expires_at)

        self._run(query)
        return code

    def lookup(self, code: str) -> tuple[str, float] | None:
        def query() -> tuple[str, float] | None:
            row = self.PayLink.get_or_none(self.PayLink.code == code)
            return None if row is None else (str(row.url), float(row.expires_at))

        result: tuple[str, float] | None = self._run(query)
        return result


def _store(request: Request) -> PayLinkStore:
    state = request.app.state
    store: PayLinkStore | None = getattr(state, "paylinks", None)
    if store is None:
        store = PayLinkStore(state.relay.store.db)
        state.paylinks = store
    return store


def _error(status: int, message: str) -> JSONResponse:
    return JSONResponse({"error": message}, status_code=status, headers=_HEADERS)


def _valid_target(url: object) -> bool:
    if not isinstance(url, str) or not 0 < len(url) <= MAX_URL_CHARS:
        return False
    parts = urlsplit(url)
    return parts.scheme in ("https", "http") and bool(parts.netloc) and not any(
        c.isspace() for c in url)


async def create_paylink(request: Request) -> Response:
    relay = request.app.state.relay
    try:
        kiosk = await relay.authenticate(request)
    except DatabaseUnavailable:
        return _error(503, "The relay could not check the token; please retry.")
    if kiosk is None:
        return _error(401, "A valid kiosk token is required (Authorization: Bearer ...).")
    body = await request.body()
    if len(body) > 8192:
        return _error(413, "A pay link request is at most 8 KiB.")
    try:
        data = json.loads(body.decode("utf-8"))
    except (UnicodeDecodeError, ValueError):
        return _error(400, "The body must be JSON: {\"url\": ..., \"expires_at\": ...}.")
    url = data.get("url") if isinstance(data, dict) else None
    expires = data.get("expires_at") if isinstance(data, dict) else None
    if not _valid_target(url):
        return _error(400, "url must be an http(s) URL of at most 2048 characters.")
    now = time.time()
    if isinstance(expires, bool) or not isinstance(expires, int | float) or \
            not now < expires <= now + MAX_LIFETIME_S:
        return _error(400, "expires_at must be a time in the next 26 hours (unix seconds).")
    store = _store(request)
    try:
        code = await relay.run_db(store.create, url, float(expires), kiosk, now)
    except DatabaseUnavailable:
        return _error(503, "The relay could not store the link; please retry.")
    short = str(request.url_for("paylink", code=code))
    return JSONResponse({"code": code, "url": short, "expires_at": expires}, status_code=201,
                        headers=_HEADERS)


_GONE = """<!doctype html><html lang="{lang}" dir="{direction}"><head><meta charset="utf-8">
<meta name="viewport" content="width=device-width, initial-scale=1"><title>{title}</title>
<style>body{{font-family:system-ui,sans-serif;margin:0;padding:2rem 1.25rem;background:#f7f5f0;
color:#222;line-height:1.5}}main{{max-width:32rem;margin:10vh auto 0;text-align:center}}</style>
</head><body><main><h1>{heading}</h1>
<p>{text}</p>
</main></body></html>"""


def _gone_page(request: Request) -> HTMLResponse:
    """An expired link, in the phone's language (the link itself names none)."""
    language = page_language(request)
    body = _GONE.format(lang=language, direction=page_direction(language),
                        **{key: html.escape(page_text(language, f"gone.{key}"))
                           for key in ("title", "heading", "text")})
    return HTMLResponse(body, status_code=410,
                        headers={**_HEADERS, "Content-Language": language,
                                 "Vary": "Accept-Language"})


async def follow_paylink(request: Request) -> Response:
    code = request.path_params["code"]
    if not isinstance(code, str) or len(code) > 64:
        return _error(404, "No such link.")
    relay = request.app.state.relay
    try:
        found = await relay.run_db(_store(request).lookup, code)
    except DatabaseUnavailable:
        return _error(503, "The relay is busy; please scan again in a moment.")
    if found is None:
        return _error(404, "No such link.")
    url, expires_at = found
    if time.time() >= expires_at:
        return _gone_page(request)
    return RedirectResponse(url, status_code=303, headers=_HEADERS)


def routes() -> list[Route]:
    return [
        Route("/v1/paylinks", create_paylink, methods=["POST"]),
        Route("/p/{code}", follow_paylink, methods=["GET"], name="paylink"),
    ]
