"""The demo's own mailbox: a pymap IMAP server (in-memory, IDLE-capable) and an aiosmtpd SMTP server on loopback.

The SMTP server is the "MTA": its handler delivers every message it accepts, whatever the recipient, into the one
IMAP user's INBOX by IMAP APPEND (a catch-all mailbox, like a shared team inbox). Both run in-process, each in
its own thread with its own event loop, so several sims in one process each get their own mailbox.
"""

from __future__ import annotations

import argparse
import asyncio
import imaplib
import random
import socket
import string
import threading
import time
from contextlib import AsyncExitStack
from dataclasses import asdict, dataclass

from aiosmtpd.controller import Controller

from .faults import NO_FAULTS, FaultProfile


@dataclass(frozen=True)
class MailboxInfo:
    imap_host: str
    imap_port: int
    imap_user: str
    imap_password: str
    smtp_host: str
    smtp_port: int

    def as_dict(self) -> dict:
        return asdict(self)


def free_port(host: str = "127.0.0.1") -> int:
    with socket.socket() as sock:
        sock.bind((host, 0))
        return sock.getsockname()[1]


def _wait_for_port(host: str, port: int, timeout: float) -> None:
    deadline = time.monotonic() + timeout
    while True:
        try:
            with socket.create_connection((host, port), timeout=1):
                return
        except OSError:
            if time.monotonic() > deadline:
                raise RuntimeError(f"embedded mail server did not start on {host}:{port}") from None
            time.sleep(0.02)  # polling the listening state, not a fixed wait


class _WholeResponseWriter:
    """pymap writes one response in several small writes and asyncio sends each at once, so a client that reads
    without blocking (imapclient's idle_check) can get half a line and abort. Send each response in one piece:
    buffer writes until pymap's drain() after every response."""

    def __init__(self, writer: asyncio.StreamWriter):
        self._writer = writer
        self._buffer = bytearray()

    def write(self, data: bytes) -> None:
        self._buffer += data

    async def drain(self) -> None:
        if self._buffer:
            self._writer.write(bytes(self._buffer))
            self._buffer.clear()
        await self._writer.drain()

    def __getattr__(self, name: str):
        return getattr(self._writer, name)


class _DropsDuringIdle:
    """The `imap_drop` fault: after a client's IDLE, the server closes the connection (as a server restarting or a
    NAT timing out does). Wraps the connection's reader; everything else passes through."""

    def __init__(self, reader: asyncio.StreamReader, writer: asyncio.StreamWriter, faults: FaultProfile):
        self._reader, self._writer, self._faults = reader, writer, faults

    async def readline(self) -> bytes:
        line = await self._reader.readline()
        if line.rstrip().upper().endswith(b" IDLE") and self._faults.hit("imap_drop"):
            delay = self._faults.draw(self._faults.shape.imap_drop_after_seconds)
            asyncio.get_running_loop().call_later(delay, self._writer.transport.abort)
        return line

    def __getattr__(self, name: str):
        return getattr(self._reader, name)


def _unavailable_error():  # noqa: ANN202
    from pymap.exceptions import ResponseError
    from pymap.parsing.response import ResponseCode, ResponseNo

    class Unavailable(ResponseError):
        """Dovecot's answer while its authentication backend is down: try again later, the password is fine."""

        def get_response(self, tag: bytes) -> ResponseNo:
            return ResponseNo(tag, b"Temporary authentication failure.", ResponseCode.of(b"UNAVAILABLE"))

    return Unavailable("Temporary authentication failure.")


class _RefusesLoginsForAWhile:
    """The `imap_refuse_login` fault: for a few seconds every login is refused with [UNAVAILABLE]."""

    def __init__(self, login, faults: FaultProfile):  # noqa: ANN001 - pymap's LoginInterface
        self._login, self._faults = login, faults

    async def authenticate(self, credentials):  # noqa: ANN001, ANN201
        faults = self._faults
        now = time.monotonic()
        if now >= faults.imap_refused_until and faults.hit("imap_refuse_login"):
            faults.imap_refused_until = now + faults.draw(faults.shape.imap_refuse_seconds)
        if now < faults.imap_refused_until:
            raise _unavailable_error()
        return await self._login.authenticate(credentials)

    def __getattr__(self, name: str):
        return getattr(self._login, name)


class _ImapServer:
    """pymap's dict backend with one login user, served from a private event loop thread."""

    def __init__(self, host: str, port: int, user: str, password: str, faults: FaultProfile = NO_FAULTS):
        self.host, self.port, self.user, self.password = host, port, user, password
        self.faults = faults
        self._loop: asyncio.AbstractEventLoop | None = None
        self._stop: asyncio.Event | None = None
        self._ready = threading.Event()
        self._error: BaseException | None = None
        self._thread = threading.Thread(target=self._run, name=f"sim-imap-{port}", daemon=True)

    def _args(self) -> argparse.Namespace:
        # The same arguments `pymap --host H --port P --no-tls dict --demo-user U --demo-password PW` parses,
        # built in-process so the password never shows up in a process list.
        from pymap.backend.dict import DictBackend
        from pymap.imap import IMAPService

        parser = argparse.ArgumentParser(prog="pymap")
        parser.add_argument("--debug", action="store_true")
        subparsers = parser.add_subparsers(dest="backend", required=True)
        DictBackend.add_subparser("dict", subparsers)
        IMAPService.add_arguments(parser)
        parser.set_defaults(skip_services=[], passlib_cfg=None)
        return parser.parse_args([
            "--host", self.host, "--port", str(self.port), "--no-tls",
            "dict", "--demo-user", self.user, "--demo-password", self.password,
        ])

    async def _serve(self) -> None:
        from proxyprotocol.reader import ProxyProtocolReader
        from pymap.backend.dict import DictBackend
        from pymap.imap import IMAPServer

        self._stop = asyncio.Event()
        backend, config = await DictBackend.init(self._args(), invalid_user_sleep=0.5)
        config.apply_context()
        login = _RefusesLoginsForAWhile(backend.login, self.faults) if self.faults else backend.login
        imap_server = IMAPServer(login, config)

        async def on_connect(reader, writer, sock_info) -> None:
            if self.faults:
                reader = _DropsDuringIdle(reader, writer, self.faults)
            await imap_server(reader, _WholeResponseWriter(writer), sock_info)

        # What pymap's IMAPService.start does, with whole-response writes and the bound port read back.
        callback = ProxyProtocolReader(config.proxy_protocol).get_callback(on_connect)
        async with AsyncExitStack() as stack:
            await backend.start(stack)
            server = await asyncio.start_server(callback, host=self.host, port=self.port)
            await stack.enter_async_context(server)
            self.port = server.sockets[0].getsockname()[1]
            self._ready.set()
            await self._stop.wait()

    def _run(self) -> None:
        self._loop = asyncio.new_event_loop()
        try:
            self._loop.run_until_complete(self._serve())
        except BaseException as exc:  # reported to start()
            self._error = exc
            self._ready.set()
        finally:
            # Open client connections are still tasks: cancel them so the loop closes cleanly.
            pending = [t for t in asyncio.all_tasks(self._loop) if not t.done()]
            for task in pending:
                task.cancel()
            if pending:
                self._loop.run_until_complete(asyncio.gather(*pending, return_exceptions=True))
            self._loop.close()

    def start(self, timeout: float = 20.0) -> None:
        self._thread.start()
        if not self._ready.wait(timeout) or self._error is not None:
            raise RuntimeError(f"pymap IMAP server failed to start: {self._error!r}")
        _wait_for_port(self.host, self.port, timeout)

    def stop(self) -> None:
        if self._loop is not None and self._stop is not None and not self._loop.is_closed():
            try:
                self._loop.call_soon_threadsafe(self._stop.set)
            except RuntimeError:  # loop already closed
                pass
        self._thread.join(10)


class _AppendToImap:
    """aiosmtpd handler: every accepted message is APPENDed to the mailbox user's INBOX."""

    def __init__(self, imap: _ImapServer):
        self.imap = imap

    async def handle_DATA(self, server, session, envelope):  # noqa: N802 (aiosmtpd's hook name)
        content = envelope.original_content or envelope.content
        if isinstance(content, str):
            content = content.encode("utf-8")
        received = (
            f"Received: from {session.host_name or 'unknown'} by sim-mta; {time.strftime('%a, %d %b %Y %H:%M:%S %z')}\r\n"
        ).encode()
        try:
            await asyncio.get_running_loop().run_in_executor(None, self._append, received + content)
        except (OSError, imaplib.IMAP4.error):
            return "451 Requested action aborted: mailbox unavailable"
        return "250 Message accepted for delivery"

    def _append(self, message: bytes) -> None:
        client = imaplib.IMAP4(self.imap.host, self.imap.port, timeout=30)
        try:
            self._log_in(client)
            client.append("INBOX", None, imaplib.Time2Internaldate(time.time()), message)
        finally:
            try:
                client.logout()
            except (OSError, imaplib.IMAP4.error):
                pass


    def _log_in(self, client: imaplib.IMAP4) -> None:
        """The delivery agent's own login: a real MTA delivers by LMTP, untouched by IMAP logins being refused, so a
        refusal window (the `imap_refuse_login` fault) delays this delivery, never loses it."""
        faults = self.imap.faults
        while True:
            try:
                client.login(self.imap.user, self.imap.password)
                return
            except imaplib.IMAP4.error as exc:
                if "UNAVAILABLE" not in str(exc):
                    raise
                time.sleep(max(faults.imap_refused_until - time.monotonic(), 0.05))  # until the refusal window ends (a known time, not a guess)


class EmbeddedMailbox:
    def __init__(self, *, seed: int | None = None, host: str = "127.0.0.1", faults: FaultProfile = NO_FAULTS):
        rng = random.Random(None if seed is None else f"mailbox-{seed}")
        self.host = host
        self.user = "inbox-" + "".join(rng.choice(string.ascii_lowercase) for _ in range(6))
        self.password = "".join(rng.choice(string.ascii_letters + string.digits) for _ in range(24))
        self._imap: _ImapServer | None = None
        self._smtp: Controller | None = None
        self.info: MailboxInfo | None = None
        self.faults = faults

    def start(self) -> MailboxInfo:
        self._imap = _ImapServer(self.host, 0, self.user, self.password, self.faults)
        self._imap.start()
        smtp_port = free_port(self.host)
        self._smtp = Controller(_AppendToImap(self._imap), hostname=self.host, port=smtp_port,
                                server_hostname="sim-mta.localhost")
        try:
            self._smtp.start()
        except BaseException:
            self._imap.stop()
            raise
        self.info = MailboxInfo(self.host, self._imap.port, self.user, self.password, self.host, smtp_port)
        return self.info

    def stop(self) -> None:
        if self._smtp is not None:
            try:
                self._smtp.stop()
            except (RuntimeError, AssertionError):  # never fully started
                pass
            self._smtp = None
        if self._imap is not None:
            self._imap.stop()
            self._imap = None
