"""A small HTTP/1.1 server on asyncio that no client can stall.

One event loop holds every connection, so a thousand idle or slow clients cost a few
kilobytes each rather than a thread each; the work of a request runs in a small pool of
worker threads. Each limit below answers one way of tying a server up:

- a request's head (request line and headers) must arrive within HEAD_TIMEOUT seconds and
  fit in MAX_HEAD_BYTES (slowloris, endless headers); a kept-alive connection may idle
  IDLE_TIMEOUT seconds; a body must arrive within BODY_TIMEOUT;
- at most ``max_connections`` connections are open at once: the next is answered 503 and
  closed, without costing a worker;
- bodies need one plain Content-Length of digits (no chunked encoding, no duplicates that
  disagree), at most ``max_body`` bytes, refused unread when over it; after any error whose
  body was not read the connection is closed, so the rest cannot pass for another request;
- responses go out at once (TCP_NODELAY: keep-alive requests do not wait on delayed ACKs).
"""
import asyncio
import json
import re
import socket
import threading
from concurrent.futures import ThreadPoolExecutor
from dataclasses import dataclass
from http import HTTPStatus

MAX_HEAD_BYTES = 16 * 1024
MAX_HEADERS = 100
HEAD_TIMEOUT = 10.0
IDLE_TIMEOUT = 15.0
BODY_TIMEOUT = 30.0
TOKEN = re.compile(r"[!#$%&'*+.^_`|~0-9A-Za-z-]+")
LENGTH = re.compile(r"[0-9]{1,18}")


class HttpError(Exception):
    """An error answer: ``status`` and a message for {"error": ...}."""

    def __init__(self, status, message):
        super().__init__(message)
        self.status = HTTPStatus(status)


@dataclass(frozen=True)
class Response:
    """An answer that is not JSON (a file of the web page): its bytes, content type and headers."""
    body: bytes
    content_type: str
    headers: tuple = ()  # (name, value) pairs


@dataclass
class Request:
    method: str
    path: str
    headers: dict  # lower-case name -> value
    body: bytes = b""

    @property
    def content_type(self):
        return self.headers.get("content-type", "").split(";")[0].strip().lower()


def printable(text):
    """``text`` with control characters escaped, so a log line stays one honest line."""
    return "".join(c if c.isprintable() else c.encode("unicode_escape").decode("ascii") for c in text)


def parse_head(data):
    """(method, path, version, headers) from a request head, or HttpError(400)."""
    lines = data.decode("latin-1")[:-4].split("\r\n")  # latin-1: every byte is a character
    if any(c in line for line in lines for c in "\r\n\0"):  # RFC 9110 5.5: a proxy may split where we do not
        raise HttpError(400, "a bare CR, LF or NUL in the request head")
    parts = lines[0].split(" ")
    if len(parts) != 3 or not TOKEN.fullmatch(parts[0]) or not parts[1].startswith("/"):
        raise HttpError(400, "malformed request line")
    method, path, version = parts
    if version not in ("HTTP/1.0", "HTTP/1.1"):
        raise HttpError(400, f"unsupported protocol {printable(version)[:20]}")
    if not path.isprintable() or not path.isascii():
        raise HttpError(400, "malformed request target")
    if len(lines) - 1 > MAX_HEADERS:
        raise HttpError(431, f"more than {MAX_HEADERS} headers")
    headers = {}
    for line in lines[1:]:
        name, sep, value = line.partition(":")
        if not sep or not TOKEN.fullmatch(name):
            raise HttpError(400, "malformed header line")
        name, value = name.lower(), value.strip(" \t")
        if name in headers and name == "content-length" and headers[name] != value:
            raise HttpError(400, "two Content-Length headers that disagree")
        headers[name] = f"{headers[name]}, {value}" if name in headers and name != "content-length" else value
    return method, path, version, headers


def body_length(headers, max_body):
    """The body's length from Content-Length, or HttpError."""
    if "transfer-encoding" in headers:
        if "content-length" in headers:
            raise HttpError(400, "Transfer-Encoding together with Content-Length")
        raise HttpError(411, "chunked bodies are not accepted: send a Content-Length")
    value = headers.get("content-length")
    if value is None:
        return None
    if not LENGTH.fullmatch(value):
        raise HttpError(400, "Content-Length must be a plain number of bytes")
    length = int(value)
    if length > max_body:
        raise HttpError(413, f"body of {length} bytes is over the {max_body}-byte limit")
    return length


class Server:
    """Serves ``app``, an async callable ``app(request) -> (status, payload)`` whose payload is
    answered as JSON; ``run(fn, *args)`` (given to it as ``request.run``) runs blocking work
    in the worker threads. Binds at once, so a busy port is an OSError here.

    ``serve_forever``, ``shutdown``, ``server_close`` and ``server_address`` work as in
    ``socketserver``, so a test can run it in a thread.
    """

    def __init__(self, app, host="127.0.0.1", port=8000, max_body=1 << 20, max_connections=2048, workers=2,
                 log=print):
        self.app, self.max_body, self.max_connections, self.log = app, max_body, max_connections, log
        self.socket = socket.create_server((host, port), backlog=1024, reuse_port=False)
        self.server_address = self.socket.getsockname()
        self.pool = ThreadPoolExecutor(workers, thread_name_prefix="worker")
        self.connections = 0
        self.loop = None
        self.stopped = threading.Event()

    def run(self, fn, *args):
        """Await ``fn(*args)`` in a worker thread."""
        return asyncio.get_running_loop().run_in_executor(self.pool, fn, *args)

    def serve_forever(self):
        asyncio.run(self._serve())

    async def _serve(self):
        self.loop = asyncio.get_running_loop()
        self.stop = asyncio.Event()
        server = await asyncio.start_server(self._connection, sock=self.socket, limit=MAX_HEAD_BYTES)
        async with server:
            await self.stop.wait()
        self.stopped.set()

    def shutdown(self):
        if self.loop is not None:
            self.loop.call_soon_threadsafe(self.stop.set)
            self.stopped.wait(10)

    def server_close(self):
        self.socket.close()
        self.pool.shutdown(wait=False)

    async def _connection(self, reader, writer):
        peer = writer.get_extra_info("peername") or ("?", 0)
        sock = writer.get_extra_info("socket")
        if sock is not None and sock.family in (socket.AF_INET, socket.AF_INET6):
            sock.setsockopt(socket.IPPROTO_TCP, socket.TCP_NODELAY, 1)
        self.connections += 1
        try:
            if self.connections > self.max_connections:
                await self._send(writer, "GET", 503, {"error": "too many connections; try again shortly"}, True)
                return
            first = True
            while not await self._one_request(reader, writer, peer, HEAD_TIMEOUT if first else IDLE_TIMEOUT):
                first = False
        except (ConnectionError, asyncio.IncompleteReadError, asyncio.TimeoutError):
            pass  # the client went away or went quiet: nothing to answer
        finally:
            self.connections -= 1
            writer.close()

    async def _one_request(self, reader, writer, peer, timeout):
        """Read and answer one request; True when the connection is to be closed."""
        try:
            head = await asyncio.wait_for(reader.readuntil(b"\r\n\r\n"), timeout)
        except asyncio.IncompleteReadError as e:
            if e.partial.strip():
                await self._send(writer, "GET", 400, {"error": "incomplete request"}, True)
            return True
        except asyncio.LimitOverrunError:
            await self._send(writer, "GET", 431, {"error": f"request head over {MAX_HEAD_BYTES} bytes"}, True)
            return True
        method = "GET"
        try:
            method, path, version, headers = parse_head(head)
            keep_alive = headers.get("connection", "").lower() != "close" if version == "HTTP/1.1" \
                else headers.get("connection", "").lower() == "keep-alive"
            length = body_length(headers, self.max_body)
            if length is None and method in ("POST", "PUT", "PATCH"):
                raise HttpError(411, "a Content-Length header is required")
            expect = headers.get("expect", "").lower()
            if expect and expect != "100-continue":
                raise HttpError(417, "the only expectation understood is 100-continue")
            if expect and length:  # the body fits (too large was refused above): ask for it
                writer.write(b"HTTP/1.1 100 Continue\r\n\r\n")
                await writer.drain()
            body = await asyncio.wait_for(reader.readexactly(length), BODY_TIMEOUT) if length else b""
        except HttpError as e:  # the body, if any, was not read: close, so it is not taken for a request
            await self._send(writer, method, e.status, {"error": str(e)}, True)
            self.log(f"{peer[0]} malformed request -> {int(e.status)}")
            return True
        request = Request(method, path, headers, body)
        try:
            status, payload = await self.app(request, self.run)
        except HttpError as e:
            status, payload = e.status, {"error": str(e)}
        except Exception as e:  # a bug costs one request, never the server
            self.log(f"internal error on {method} {printable(path)}: {e!r}")
            status, payload = 500, {"error": "internal error"}
        await self._send(writer, method, status, payload, not keep_alive)
        self.log(f"{peer[0]} {printable(method)} {printable(path)[:200]} -> {int(status)}")
        return not keep_alive

    async def _send(self, writer, method, status, payload, close):
        kind, extra = "application/json", ()
        if isinstance(payload, Response):
            data, kind, extra = payload.body, payload.content_type, payload.headers
        else:
            try:
                data = (json.dumps(payload, allow_nan=False) + "\n").encode()
            except ValueError:  # NaN or infinity would be invalid JSON
                status, data = 500, b'{"error": "internal error: the answer was not a finite number"}\n'
        status = HTTPStatus(status)
        head = (f"HTTP/1.1 {status.value} {status.phrase}\r\nServer: digit-pad\r\n"
                f"Content-Type: {kind}\r\nContent-Length: {len(data)}\r\nX-Content-Type-Options: nosniff\r\n"
                + "".join(f"{name}: {value}\r\n" for name, value in extra)
                + ("Connection: close\r\n" if close else "") + "\r\n").encode()
        writer.write(head if method == "HEAD" else head + data)
        await writer.drain()
