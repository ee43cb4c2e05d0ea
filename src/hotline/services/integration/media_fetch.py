"""Fetching a picture named by a URL from outside (Open311's ``media_url``) without letting
the URL reach inside: no server-side request forgery.

A URL is fetched only when all of these hold:

- its scheme is ``http`` or ``https``, it names a host, carries no user name or password,
  and its port is 80, 443, 8080 or 8443;
- **every** address its host resolves to is a public (global unicast) address: no
  loopback, private (10/8, 172.16/12, 192.168/16, fc00::/7), link-local (169.254/16 with
  the cloud metadata service, fe80::/10), carrier-grade NAT, multicast, reserved or
  unspecified address, an IPv4 address mapped or embedded in IPv6 judged as that IPv4;
- the check is made when the connection is opened, on the addresses then resolved, and
  the connection goes to the address checked (the socket is opened to that IP, TLS still
  verifies the host's name): a name that resolves to a public address when looked at
  and to a private one a moment later (DNS rebinding) cannot slip through;
- a redirect (at most :data:`MAX_REDIRECTS`) is a new URL, checked the same way;
- the answer is 200, arrives within the time limits (connect, each read, the whole),
  and is at most ``max_bytes`` long (its ``Content-Length`` first, then every byte read).

The bytes are then an upload like any other: ``services/tickets/media.py`` tells their
kind from the bytes, refuses what is not on the allow-list and re-encodes a photo without
its EXIF. Built on httpcore with a network backend of our own (:class:`_CheckedBackend`).
"""

from __future__ import annotations

import ipaddress
import socket
import ssl
import time
from collections.abc import Callable, Iterable
from dataclasses import dataclass
from typing import Any
from urllib.parse import urljoin, urlsplit

import httpcore

from hotline.domain.errors import Invalid

ALLOWED_PORTS = frozenset({80, 443, 8080, 8443})
MAX_REDIRECTS = 3
USER_AGENT = b"hotline-12345-media-fetch/1"

Address = ipaddress.IPv4Address | ipaddress.IPv6Address
Resolver = Callable[[str, int], Iterable[str]]


class MediaRefused(Invalid):
    """A media URL that is not fetched, or whose answer is not taken (422): the reason
    is in the message."""


class MediaUnreachable(Exception):
    """The server could not be reached or answered too slowly: worth another try later."""


def is_public(address: Address) -> bool:
    """A global unicast address: what a URL from outside may make us connect to."""
    if isinstance(address, ipaddress.IPv6Address):
        embedded = address.ipv4_mapped or address.sixtofour or _teredo(address)
        if embedded is not None:
            return is_public(embedded)
    return bool(address.is_global) and not address.is_multicast and not address.is_reserved


def _teredo(address: ipaddress.IPv6Address) -> ipaddress.IPv4Address | None:
    teredo = address.teredo
    return teredo[1] if teredo else None


def system_resolver(host: str, port: int) -> list[str]:
    try:
        infos = socket.getaddrinfo(host, port, type=socket.SOCK_STREAM)
    except (socket.gaierror, UnicodeError) as exc:
        raise MediaRefused("media.unresolvable", f"无法解析图片链接的主机名：{host}") from exc
    return [str(info[4][0]) for info in infos]


@dataclass(frozen=True)
class Limits:
    max_bytes: int
    connect_seconds: float = 5.0
    read_seconds: float = 5.0
    total_seconds: float = 20.0


def check_url(url: str, ports: frozenset[int] | None = ALLOWED_PORTS) -> tuple[str, str, int]:
    """The URL's scheme, host and port, if it may be fetched at all (before any lookup);
    ``ports`` None: any port (the tests' servers)."""
    try:
        parts = urlsplit(url.strip())
        port = parts.port
    except ValueError as exc:
        raise MediaRefused("media.bad_url", "图片链接格式不正确") from exc
    scheme = parts.scheme.lower()
    if scheme not in ("http", "https"):
        raise MediaRefused("media.bad_scheme", "图片链接须以 http:// 或 https:// 开头")
    if not parts.hostname:
        raise MediaRefused("media.bad_url", "图片链接没有主机名")
    if parts.username is not None or parts.password is not None:
        raise MediaRefused("media.credentials", "图片链接不能包含用户名或密码")
    port = port or (443 if scheme == "https" else 80)
    if ports is not None and port not in ports:
        raise MediaRefused(
            "media.bad_port", f"图片链接的端口 {port} 不允许（只允许 80、443、8080、8443）"
        )
    return scheme, parts.hostname, port


class _CheckedBackend(httpcore.NetworkBackend):
    """Opens a connection only to a public address of the host, checked when connecting."""

    def __init__(self, resolver: Resolver, allowed: Callable[[Address], bool]) -> None:
        self.resolver = resolver
        self.allowed = allowed
        self.inner = httpcore.SyncBackend()

    def connect_tcp(
        self,
        host: str,
        port: int,
        timeout: float | None = None,
        local_address: str | None = None,
        socket_options: Iterable[Any] | None = None,
    ) -> httpcore.NetworkStream:
        chosen = self.checked_address(host, port)
        return self.inner.connect_tcp(chosen, port, timeout, local_address, socket_options)

    def checked_address(self, host: str, port: int) -> str:
        found = [ipaddress.ip_address(a.split("%", 1)[0]) for a in self.resolver(host, port)]
        if not found:
            raise MediaRefused("media.unresolvable", f"无法解析图片链接的主机名：{host}")
        inside = [a for a in found if not self.allowed(a)]
        if inside:
            raise MediaRefused(
                "media.private_address",
                f"图片链接指向内部或保留地址（{inside[0]}），不予访问",
            )
        return str(found[0])

    def connect_unix_socket(self, *args: Any, **kwargs: Any) -> httpcore.NetworkStream:
        raise MediaRefused("media.bad_url", "不支持的连接方式")

    def sleep(self, seconds: float) -> None:
        time.sleep(seconds)


def fetch(
    url: str,
    limits: Limits,
    *,
    resolver: Resolver = system_resolver,
    allowed: Callable[[Address], bool] = is_public,
    ports: frozenset[int] | None = ALLOWED_PORTS,
) -> tuple[bytes, str]:
    """The bytes at ``url`` and the name of its last path segment; :class:`MediaRefused`
    when a rule refuses it, :class:`MediaUnreachable` when it could not be had in time."""
    backend = _CheckedBackend(resolver, allowed)
    started = time.monotonic()
    with httpcore.ConnectionPool(
        ssl_context=ssl.create_default_context(), network_backend=backend, retries=0
    ) as pool:
        for _hop in range(MAX_REDIRECTS + 1):
            check_url(url, ports)
            status, location, body = _get(pool, url, limits, started)
            if status in (301, 302, 303, 307, 308) and location:
                url = urljoin(url, location)
                continue
            if status != 200:
                raise MediaRefused("media.bad_status", f"图片链接返回 HTTP {status}，未取得文件")
            name = urlsplit(url).path.rsplit("/", 1)[-1] or "media"
            return body, name[:100]
    raise MediaRefused("media.redirects", f"图片链接跳转超过 {MAX_REDIRECTS} 次")


def _get(
    pool: httpcore.ConnectionPool, url: str, limits: Limits, started: float
) -> tuple[int, str | None, bytes]:
    timeouts = {
        "connect": limits.connect_seconds,
        "read": limits.read_seconds,
        "write": limits.read_seconds,
        "pool": limits.connect_seconds,
    }
    headers = [(b"User-Agent", USER_AGENT), (b"Accept", b"image/*, video/*, */*;q=0.1")]
    try:
        with pool.stream("GET", url, headers=headers, extensions={"timeout": timeouts}) as answer:
            location = _header(answer.headers, b"location")
            if answer.status != 200:
                return answer.status, location, b""
            declared = _header(answer.headers, b"content-length")
            if declared and declared.isdigit() and int(declared) > limits.max_bytes:
                raise _too_large(limits.max_bytes)
            chunks, size = [], 0
            for chunk in answer.iter_stream():
                size += len(chunk)
                if size > limits.max_bytes:
                    raise _too_large(limits.max_bytes)
                if time.monotonic() - started > limits.total_seconds:
                    raise MediaUnreachable(f"下载超过 {limits.total_seconds:g} 秒")
                chunks.append(chunk)
            return 200, location, b"".join(chunks)
    except httpcore.TimeoutException as exc:
        raise MediaUnreachable("图片服务器响应超时") from exc
    except (httpcore.NetworkError, httpcore.ProtocolError, OSError) as exc:
        raise MediaUnreachable(f"无法连接图片服务器：{type(exc).__name__}") from exc
    except httpcore.UnsupportedProtocol as exc:
        raise MediaRefused("media.bad_scheme", "图片链接须以 http:// 或 https:// 开头") from exc


def _header(headers: list[tuple[bytes, bytes]], name: bytes) -> str | None:
    for key, value in headers:
        if key.lower() == name:
            return value.decode("latin-1").strip()
    return None


def _too_large(limit: int) -> MediaRefused:
    return MediaRefused("media.too_large", f"图片链接的文件超过 {limit // 1048576} MB，未下载")
