"""A TLS-terminating reverse proxy in front of a gateway, as nginx does it in production.

The proxy listens with a self-signed certificate (made here with the
`cryptography` package, valid for 127.0.0.1), passes each request on over
plain HTTP with the original Host, appends the peer's address to
X-Forwarded-For (nginx's `$proxy_add_x_forwarded_for`) and sets
X-Forwarded-Proto; every response header comes back, each Set-Cookie
included. Clients can connect from distinct loopback addresses (127.0.0.2,
127.0.0.3, …), so the gateway has real, different client addresses to tell
apart behind one proxy.
"""

from __future__ import annotations

import datetime as dt
import ipaddress
import ssl
from collections.abc import AsyncIterator
from contextlib import asynccontextmanager
from pathlib import Path

import aiohttp
from aiohttp import web
from cryptography import x509
from cryptography.hazmat.primitives import hashes, serialization
from cryptography.hazmat.primitives.asymmetric import ec
from cryptography.x509.oid import NameOID
from multidict import CIMultiDict

from tests.connectors.conftest import free_port

HOP_BY_HOP = frozenset(
    {
        "connection",
        "keep-alive",
        "proxy-authenticate",
        "proxy-authorization",
        "te",
        "trailers",
        "transfer-encoding",
        "upgrade",
        "content-length",
        "content-encoding",
    }
)


def self_signed_certificate(folder: Path) -> tuple[Path, Path]:
    """A certificate for 127.0.0.1 and localhost and its key, as PEM files in `folder`."""
    key = ec.generate_private_key(ec.SECP256R1())
    name = x509.Name([x509.NameAttribute(NameOID.COMMON_NAME, "127.0.0.1")])
    now = dt.datetime.now(dt.UTC)
    certificate = (
        x509.CertificateBuilder()
        .subject_name(name)
        .issuer_name(name)
        .public_key(key.public_key())
        .serial_number(x509.random_serial_number())
        .not_valid_before(now - dt.timedelta(minutes=5))
        .not_valid_after(now + dt.timedelta(days=1))
        .add_extension(
            x509.SubjectAlternativeName(
                [x509.IPAddress(ipaddress.ip_address("127.0.0.1")), x509.DNSName("localhost")]
            ),
            critical=False,
        )
        .add_extension(x509.BasicConstraints(ca=True, path_length=None), critical=True)
        .sign(key, hashes.SHA256())
    )
    cert_path, key_path = folder / "proxy-cert.pem", folder / "proxy-key.pem"
    cert_path.write_bytes(certificate.public_bytes(serialization.Encoding.PEM))
    key_path.write_bytes(
        key.private_bytes(
            serialization.Encoding.PEM,
            serialization.PrivateFormat.PKCS8,
            serialization.NoEncryption(),
        )
    )
    return cert_path, key_path


class ReverseProxy:
    """Forwards every request to `upstream` (http://host:port)."""

    def __init__(self, upstream: str) -> None:
        self.upstream = upstream.rstrip("/")
        self._session: aiohttp.ClientSession | None = None

    async def handle(self, request: web.Request) -> web.Response:
        assert self._session is not None
        headers = CIMultiDict(
            (k, v) for k, v in request.headers.items() if k.lower() not in HOP_BY_HOP
        )
        peer = request.remote or ""
        forwarded = ", ".join(request.headers.getall("X-Forwarded-For", []))
        headers["X-Forwarded-For"] = f"{forwarded}, {peer}" if forwarded else peer
        headers["X-Forwarded-Proto"] = "https"
        async with self._session.request(
            request.method,
            self.upstream + request.rel_url.raw_path_qs,
            headers=headers,
            data=await request.read(),
            allow_redirects=False,
        ) as upstream:
            body = await upstream.read()
            response = web.Response(status=upstream.status, body=body)
            for key, value in upstream.headers.items():
                if key.lower() not in HOP_BY_HOP:
                    response.headers.add(key, value)
            return response

    @asynccontextmanager
    async def serving(self, cert: Path, key: Path) -> AsyncIterator[str]:
        """Listen on https://127.0.0.1:<port> until the block ends; yields that base URL."""
        context = ssl.create_default_context(ssl.Purpose.CLIENT_AUTH)
        context.load_cert_chain(cert, key)
        app = web.Application()
        app.router.add_route("*", "/{tail:.*}", self.handle)
        runner = web.AppRunner(app)
        async with aiohttp.ClientSession(auto_decompress=False) as session:
            self._session = session
            await runner.setup()
            port = free_port()
            await web.TCPSite(runner, "127.0.0.1", port, ssl_context=context).start()
            try:
                yield f"https://127.0.0.1:{port}"
            finally:
                await runner.cleanup()


def client_session(cert: Path, source: str) -> aiohttp.ClientSession:
    """A browser-like HTTPS client from loopback address `source`, trusting only `cert`."""
    context = ssl.create_default_context(cafile=str(cert))
    connector = aiohttp.TCPConnector(ssl=context, local_addr=(source, 0))
    # unsafe=True: keep cookies of a host given as an IP address (the proxy's 127.0.0.1).
    return aiohttp.ClientSession(connector=connector, cookie_jar=aiohttp.CookieJar(unsafe=True))
