"""A small HTTP/1.1 server on asyncio that no client can stall.

One event loop holds every connection, so a thousand idle or slow clients cost a few
kilobytes each rather than a thread each; the work of a request runs in a small pool of
worker threads. Each limit below answers one way of tying a server up:

- a request's head (request line and headers) must arrive within HEAD_TIMEOUT seconds and
  fit in MAX_HEAD_BYTES (slowloris, endless headers); a kept-alive connection may idle
  IDLE_TIMEOUT seconds; a body must keep coming at MIN_BODY_RATE bytes a second after the first
  BODY_GRACE seconds, so a body dripped in holds its bytes only as long as it keeps sending;
- at most ``max_connections`` connections are open at once, and at most ``max_per_address`` from
  one address. Past either, the newcomer takes the place of a connection the server is waiting on
  for nothing (a head, an answer to be taken, a body coming slower than MIN_BODY_RATE), of that
  address or of any: the one that has sent least a second. So connections held open and silent
  (slowloris, reconnecting as fast as dropped) never keep out one that asks, and no newcomer cuts
  off an upload that keeps coming. With none to close the newcomer is answered 503 and closed,
  without costing a worker. An answer must be taken
  within WRITE_TIMEOUT (a client that never reads is cut off) and a connection lives at most
  LIFETIME seconds, so no client keeps a place for long;
- request bodies over SMALL_BODY held at once, over all connections, stay under ``max_held`` bytes,
  and those of one address under an eighth of it (or one body of ``max_body``): past either, the
  slowest of the uploads coming slower than MIN_BODY_RATE make room (503 when they cannot), so
  uploads dripped in from many addresses never keep out one that sends;
- work runs in two lanes, so a cheap request never waits behind costly ones: ``run(fn, *args,
  heavy=True)`` for pictures and numbers, the light lane for the rest. A lane takes its work from
  the clients' addresses in turn, so a request waits for the work running and at most one of each
  other address's, not for a busy address's queue. Each lane holds at most MAX_WAITING requests
  waiting; past that the address with the most waiting gives up its newest (503 with Retry-After)
  for another's, and work whose client has gone is dropped unstarted. What the event loop does
  itself for a request (its head, the answers made without a worker) is taken a request of each
  address a round of the loop (LoopTurns), so many connections of one address, each with requests
  pipelined, never go ahead of another's one. When the server stops, every connection is closed.
  Clients are told apart by their address only: behind one address (a proxy, or every local client
  of a server on 127.0.0.1) they share its places;
- bodies need one plain Content-Length of digits (no chunked encoding, no duplicates that
  disagree), at most ``max_body`` bytes, refused unread when over it; after any error whose
  body was not read the connection is closed, so the rest cannot pass for another request;
- responses go out at once (TCP_NODELAY: keep-alive requests do not wait on delayed ACKs).
"""
import asyncio
import contextlib
import json
import re
import socket
import threading
import time
from collections import Counter, OrderedDict, deque
from concurrent.futures import ThreadPoolExecutor
from dataclasses import dataclass
from http import HTTPStatus

MAX_HEAD_BYTES = 16 * 1024
MAX_HEADERS = 100
HEAD_TIMEOUT = 10.0
IDLE_TIMEOUT = 15.0
BODY_GRACE = 10.0
MIN_BODY_RATE = 8 << 10  # bytes a second: 64 kbit/s, slower than any phone's upload; 400 KB may take 60 s
SLACK = 1.0  # seconds a body may fall behind MIN_BODY_RATE (TCP comes in bursts) before it may be closed
WRITE_TIMEOUT = 10.0
LIFETIME = 120.0
MAX_WAITING = {False: 1024, True: 128}  # requests queued in the light lane (about 1 ms each) and the heavy
# lane (a 16-megapixel picture about 0.15 s: the last of 128 waits some 20 s)
RETRY_AFTER = "1"
SMALL_BODY = 64 << 10  # bytes: bodies up to this are not counted against max_held
TOKEN = re.compile(r"[!#$%&'*+.^_`|~0-9A-Za-z-]+")
LENGTH = re.compile(r"[0-9]{1,18}")


class HttpError(Exception):
    """An error answer: ``status``, a message for {"error": ...} and any headers to send with it."""

    def __init__(self, status, message, headers=()):
        super().__init__(message)
        self.status = HTTPStatus(status)
        self.headers = tuple(headers)


class ClientGone(Exception):
    """The client left before its work started: the work is dropped, nothing is answered."""


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
        raise HttpError(413, f"body of {length:,} bytes is over the {max_body:,}-byte limit (the server's --max-body)")
    return length


def busy():
    return HttpError(503, "busy: too many requests are waiting; try again shortly", [("Retry-After", RETRY_AFTER)])


@dataclass
class Wait:
    """A connection the server waits on, since when: for a request's head or to take its answer
    (length 0), or for a body of ``length`` bytes, ``got`` of them come."""
    address: str
    writer: asyncio.StreamWriter
    since: float
    length: int = 0
    got: int = 0


class Lane:
    """Work run in ``workers`` threads, taken from the waiting clients' addresses in turn (round
    robin: an address that comes, or comes back, joins the end of the round). At most
    ``max_waiting`` requests wait: past that, the address with the most waiting gives up its newest
    for the newcomer of another, so one address may use every place only while nobody else asks."""

    def __init__(self, workers, max_waiting, name):
        self.executor = ThreadPoolExecutor(workers, thread_name_prefix=name)
        self.workers, self.max_waiting = workers, max_waiting
        self.queues = OrderedDict()  # address -> its requests' turns, in the order they came; in the round's order
        self.waiting = self.running = 0

    async def run(self, address, work):
        """``work()`` in a worker thread once it is this request's turn; HttpError(503) when too many wait."""
        if self.waiting >= self.max_waiting:
            longest = max(self.queues, key=lambda a: len(self.queues[a]))
            if len(self.queues[longest]) <= len(self.queues.get(address, ())) + 1:
                raise busy()
            displaced = self.queues[longest].pop()
            self.waiting -= 1
            if not displaced.cancelled():
                displaced.set_exception(busy())
        turn = asyncio.get_running_loop().create_future()
        self.queues.setdefault(address, deque()).append(turn)
        self.waiting += 1
        self._next()
        try:
            await turn
        except asyncio.CancelledError:
            if turn.done() and not turn.cancelled() and turn.exception() is None:  # its turn had come
                self._done()  # give the worker back
            raise  # otherwise _next skips the cancelled turn
        try:
            return await asyncio.get_running_loop().run_in_executor(self.executor, work)
        finally:
            self._done()

    def _done(self):
        self.running -= 1
        self._next()

    def _next(self):
        """Give free workers to the first request of the next addresses in the round."""
        while self.running < self.workers and self.queues:
            address, queue = next(iter(self.queues.items()))
            turn = queue.popleft()
            self.waiting -= 1
            if queue:
                self.queues.move_to_end(address)  # its next request waits for the others' turns
            else:
                del self.queues[address]
            if not turn.cancelled():
                self.running += 1
                turn.set_result(None)

    def shutdown(self):
        self.executor.shutdown(wait=False)


class LoopTurns:
    """The event loop's share of every request (its head read, what is answered without a worker:
    errors, health, the page), a request of each address a round of the loop. Without them the loop
    went through the ready connections one after another, so one address's many connections, each
    with requests pipelined, went ahead of another's one."""

    def __init__(self):
        self.queues = {}  # address -> turns waiting for the next round, in the order they came
        self.gone = set()  # the addresses that have had their turn in this round; the next is due while any has

    async def take(self, address):
        """Return when it is ``address``'s turn: at once if it has had none in this round."""
        if address not in self.gone:
            if not self.gone:
                asyncio.get_running_loop().call_soon(self._next_round)
            self.gone.add(address)
            return
        turn = asyncio.get_running_loop().create_future()
        self.queues.setdefault(address, deque()).append(turn)
        await turn  # cancelled, its turn is passed over

    def _next_round(self):
        """Each waiting address's first turn goes on; the round after begins once they have."""
        self.gone.clear()
        for address in list(self.queues):
            queue = self.queues[address]
            while queue and queue[0].cancelled():
                queue.popleft()
            if queue:
                queue.popleft().set_result(None)
                self.gone.add(address)
            if not queue:
                del self.queues[address]
        if self.gone:
            asyncio.get_running_loop().call_soon(self._next_round)


class Server:
    """Serves ``app``, an async callable ``app(request, run) -> (status, payload)`` whose payload is
    answered as JSON; ``await run(fn, *args, heavy=False)`` runs blocking work in a worker thread
    of the light or the heavy lane. Binds at once, so a busy port is an OSError here.

    ``serve_forever``, ``shutdown``, ``server_close`` and ``server_address`` work as in
    ``socketserver``, so a test can run it in a thread.
    """

    def __init__(self, app, host="127.0.0.1", port=8000, max_body=1 << 20, max_connections=2048, workers=2,
                 log=print, max_per_address=None, max_held=None):
        self.app, self.max_body, self.max_connections, self.log = app, max_body, max_connections, log
        self.max_per_address = max_per_address or max(1, max_connections // 8)
        self.max_held = max_held or max(64 << 20, 8 * max_body)
        self.socket = socket.create_server((host, port), backlog=1024, reuse_port=False)
        self.server_address = self.socket.getsockname()
        self.lanes = {False: Lane(workers, MAX_WAITING[False], "light"), True: Lane(1, MAX_WAITING[True], "heavy")}
        self.turns = LoopTurns()
        self.per_address, self.held_by = Counter(), Counter()  # open connections, large body bytes held
        self.waits = {}  # writer -> Wait: the connections waited on (a head, a body, an answer to be taken)
        self.open = set()  # the writers of every open connection
        self.loop = None
        self.stopped = threading.Event()

    @property
    def connections(self):
        return len(self.open)

    @property
    def held(self):
        return sum(self.held_by.values())

    async def run(self, reader, writer, address, fn, *args, heavy=False):
        """``fn(*args)`` in a worker thread of its lane, or HttpError(503) when the lane is full;
        ClientGone, unstarted, when the client of ``reader`` and ``writer`` has left by the time a
        worker is free."""
        lane = self.lanes[heavy]

        def work():
            # Read from a worker thread: at worst one stale answer, never a wrong one. A reset or closed
            # connection is gone; one that only ended its side (a full close, or a half-close that still
            # reads, as `nc -N` does) is served while nobody else waits in its lane, dropped when others do.
            gone = reader.exception() is not None or writer.transport.is_closing()
            if gone or (reader.at_eof() and lane.waiting > 0):
                raise ClientGone()
            return fn(*args)

        return await lane.run(address, work)

    def serve_forever(self):
        asyncio.run(self._serve())

    async def _serve(self):
        self.loop = asyncio.get_running_loop()
        self.stop = asyncio.Event()
        server = await asyncio.start_server(self._connection, sock=self.socket, limit=MAX_HEAD_BYTES)
        async with server:
            try:
                await self.stop.wait()
            finally:  # stopped or Ctrl-C: every connection ends now, not when its own wait is over
                for writer in list(self.open):
                    writer.transport.abort()
        self.stopped.set()

    def shutdown(self):
        if self.loop is not None:
            self.loop.call_soon_threadsafe(self.stop.set)
            self.stopped.wait(10)

    def server_close(self):
        self.socket.close()
        for lane in self.lanes.values():
            lane.shutdown()

    async def _connection(self, reader, writer):
        peer = writer.get_extra_info("peername") or ("?", 0)
        sock = writer.get_extra_info("socket")
        if sock is not None and sock.family in (socket.AF_INET, socket.AF_INET6):
            sock.setsockopt(socket.IPPROTO_TCP, socket.TCP_NODELAY, 1)
        address = peer[0]
        self.per_address[address] += 1
        self.open.add(writer)
        try:
            crowded = self.per_address[address] > self.max_per_address
            full = crowded or self.connections > self.max_connections
            if full and not self._make_room(address if crowded else None):
                await self._send(writer, "GET", 503, {"error": "too many connections; try again shortly"}, True,
                                 [("Retry-After", RETRY_AFTER)])
                return
            end = time.monotonic() + LIFETIME
            timeout = HEAD_TIMEOUT
            while not await self._one_request(reader, writer, peer, timeout, end):
                timeout = min(IDLE_TIMEOUT, end - time.monotonic())
                if timeout <= 0:
                    break
        except (ConnectionError, asyncio.IncompleteReadError, asyncio.TimeoutError, ClientGone):
            writer.transport.abort()  # gone, quiet or not reading: drop what is left to send
        except asyncio.CancelledError:  # the server is stopping (Ctrl-C): end quietly, where Python 3.11's
            writer.transport.abort()  # streams printed a traceback for every connection still waiting
        finally:
            self.open.discard(writer)
            self.per_address[address] -= 1
            if not self.per_address[address]:
                del self.per_address[address]
            writer.close()

    def _closable(self, address=None, large=False):
        """The waits that may be closed to make room, of ``address`` (None: of any), large uploads
        only with ``large``: connections waited on for a head or to take an answer, and bodies
        coming slower than MIN_BODY_RATE. A body that keeps coming at it is never closed, however
        many others ask, so no newcomer can cut off an upload that is going at a client's pace."""
        now = time.monotonic()
        return [w for w in self.waits.values() if address in (None, w.address)
                and (w.length > SMALL_BODY if large else True)
                and (w.length == 0 or w.got < MIN_BODY_RATE * (now - w.since - SLACK))]

    def _slowest(self, waits):
        """The wait to give up first: the one that has sent least a second (an idle connection,
        nothing), the oldest of those."""
        now = time.monotonic()
        return min(waits, key=lambda w: (w.got / max(now - w.since, 1.0), w.since))

    @contextlib.contextmanager
    def _waited_on(self, writer, address, length=0):
        """The connection of ``writer`` among those waited on (``waits``) while the block runs."""
        wait = self.waits[writer] = Wait(address, writer, time.monotonic(), length)
        try:
            yield wait
        finally:
            self.waits.pop(writer, None)  # gone already if _drop chose it

    def _drop(self, wait):
        del self.waits[wait.writer]  # chosen once; what it holds is given back when its task ends
        wait.writer.transport.abort()

    def _make_room(self, address):
        """Close the slowest of the connections that may be closed (``_closable``), of ``address``
        (None: of any), so a newcomer takes its place; False when there is none."""
        waits = self._closable(address)
        if waits:
            self._drop(self._slowest(waits))
        return bool(waits)

    def _make_body_room(self, address, length):
        """Make room for a large body of ``length`` from ``address``, under its share and under
        max_held, by closing the slowest of the large uploads that may be closed (``_closable``);
        False, closing none, when that cannot."""
        uploads, victims = self._closable(large=True), []
        share = max(self.max_held // 8, self.max_body)
        for among, limit, held in ((address, share, self.held_by[address]), (None, self.max_held, self.held)):
            left = [w for w in uploads if among in (None, w.address) and w not in victims]
            freed = sum(v.length for v in victims if among in (None, v.address))
            while held - freed + length > limit:
                if not left:
                    return False
                victim = self._slowest(left)
                left.remove(victim)
                victims.append(victim)
                freed += victim.length
        for victim in victims:
            self._drop(victim)
        return True

    async def _read_body(self, reader, wait):
        """The body ``wait`` is for, which must keep coming at MIN_BODY_RATE after BODY_GRACE seconds."""
        parts = []
        while wait.got < wait.length:
            left = wait.since + BODY_GRACE + wait.got / MIN_BODY_RATE - time.monotonic()
            if left <= 0:
                raise asyncio.TimeoutError()
            part = await asyncio.wait_for(reader.read(min(wait.length - wait.got, 1 << 16)), left)
            if not part:
                raise asyncio.IncompleteReadError(b"".join(parts), wait.length)
            parts.append(part)
            wait.got += len(part)
        return b"".join(parts)

    async def _one_request(self, reader, writer, peer, timeout, end):
        """Read and answer one request; True when the connection is to be closed (always once its
        lifetime, ending at ``end``, is over)."""
        try:
            with self._waited_on(writer, peer[0]):
                head = await asyncio.wait_for(reader.readuntil(b"\r\n\r\n"), timeout)
        except asyncio.IncompleteReadError as e:
            if e.partial.strip():
                await self._send(writer, "GET", 400, {"error": "incomplete request"}, True)
            return True
        except asyncio.LimitOverrunError:
            await self._send(writer, "GET", 431, {"error": f"request head over {MAX_HEAD_BYTES} bytes"}, True)
            return True
        await self.turns.take(peer[0])
        method = "GET"
        try:
            method, path, version, headers = parse_head(head)
            options = {token.strip().lower() for token in headers.get("connection", "").split(",")}
            keep_alive = "close" not in options if version == "HTTP/1.1" else "keep-alive" in options
            keep_alive = keep_alive and time.monotonic() < end
            length = body_length(headers, self.max_body)
            if length is None and method in ("POST", "PUT", "PATCH"):
                raise HttpError(411, "a Content-Length header is required")
            expect = headers.get("expect", "").lower()
            if expect and expect != "100-continue":
                raise HttpError(417, "the only expectation understood is 100-continue")
            large = (length or 0) > SMALL_BODY  # small ones are bounded by the connections alone
            if large and not self._make_body_room(peer[0], length):  # refused unread: memory is shared
                raise HttpError(503, "busy: too many request bodies are being received; try again shortly",
                                [("Retry-After", RETRY_AFTER)])
        except HttpError as e:  # the body, if any, was not read: close, so it is not taken for a request
            await self._send(writer, method, e.status, {"error": str(e)}, True, e.headers)
            self.log(f"{peer[0]} refused request -> {int(e.status)}")
            return True
        self.held_by[peer[0]] += length if large else 0
        try:
            if expect and length and version == "HTTP/1.1":  # the body fits: ask for it (HTTP/1.0 knows no 100)
                writer.write(b"HTTP/1.1 100 Continue\r\n\r\n")
                await asyncio.wait_for(writer.drain(), WRITE_TIMEOUT)
            if length:
                with self._waited_on(writer, peer[0], length) as wait:
                    body = await self._read_body(reader, wait)
            else:
                body = b""
            request = Request(method, path, headers, body)
            extra = ()
            try:
                status, payload = await self.app(request, lambda fn, *args, heavy=False:
                                                 self.run(reader, writer, peer[0], fn, *args, heavy=heavy))
            except HttpError as e:
                status, payload, extra = e.status, {"error": str(e)}, e.headers
            except ClientGone:
                self.log(f"{peer[0]} left before {printable(method)} {printable(path)[:200]} began: dropped")
                raise
            except Exception as e:  # a bug costs one request, never the server
                self.log(f"internal error on {method} {printable(path)}: {e!r}")
                status, payload = 500, {"error": "internal error"}
        finally:
            self.held_by[peer[0]] -= length if large else 0
            if not self.held_by[peer[0]]:
                del self.held_by[peer[0]]
        await self._send(writer, method, status, payload, not keep_alive, extra)
        self.log(f"{peer[0]} {printable(method)} {printable(path)[:200]} -> {int(status)}")
        return not keep_alive

    async def _send(self, writer, method, status, payload, close, extra=()):
        kind = "application/json"
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
        peer = writer.get_extra_info("peername") or ("?", 0)
        with self._waited_on(writer, peer[0]):  # a client slow to read may give its place up
            await asyncio.wait_for(writer.drain(), WRITE_TIMEOUT)  # one that never reads lets go of its place
