"""The one doorway to ClamAV's clamd: a file's bytes sent over its INSTREAM protocol, the reply
turned into a signature name or a refusal.

The protocol (clamd(8)): ``zINSTREAM\\0``, then the data in chunks, each preceded by its length
as 4 bytes big-endian, then a zero length; the reply, ended by a NUL, is ``stream: OK``,
``stream: <signature> FOUND`` or ``<message> ERROR``. clamd stops reading a stream longer than
its ``StreamMaxLength`` and answers ``INSTREAM size limit exceeded. ERROR``: that is a refusal
of the file (it was not scanned), never a pass. Past ``MaxFileSize`` or ``MaxScanSize`` clamd
stops looking and answers OK, unless ``AlertExceedsMax`` is on (the README asks for it): then it
names a ``Heuristics.Limits.Exceeded.*`` signature, a refusal of the same kind, not malware.
Every failure fails closed: the caller gets an ``InputFileError`` and reads nothing. The whole
scan, connecting included, is bounded by one deadline, so a clamd that hangs cannot hold an
upload for longer than ``timeout_s``.
"""

from __future__ import annotations

import socket
import struct
from dataclasses import dataclass
from time import monotonic

from intake.config import Antivirus
from intake.errors import InputFileError

#: bytes sent in one INSTREAM chunk
CHUNK_BYTES = 64 * 1024
#: what clamd (with ``AlertExceedsMax``) calls a file it stopped scanning at one of its limits
LIMIT_EXCEEDED = "Heuristics.Limits.Exceeded."
_REPLY_MAX_BYTES = 4096


class ScannerUnavailable(InputFileError):
    """clamd could not be reached, answered an error or took too long: nothing was scanned."""


class TooLargeToScan(InputFileError):
    """The file is longer than clamd's ``StreamMaxLength``: it was not scanned."""


@dataclass(frozen=True)
class Clamd:
    """clamd at ``address`` (a unix socket path, or ``host:port``)."""

    address: str
    timeout_s: float

    def scan(self, data: bytes) -> str:
        """The name of the signature clamd found in ``data``, or "" when it found none."""
        deadline = monotonic() + self.timeout_s
        try:
            with self._connect(deadline) as connection:
                _send(connection, data, deadline)
                reply = _receive(connection, deadline)
        except TimeoutError:
            raise self._unavailable(f"no answer within {self.timeout_s:g} s") from None
        except OSError as exc:
            raise self._unavailable(exc.strerror or type(exc).__name__) from None
        return self._signature(reply)

    def _connect(self, deadline: float) -> socket.socket:
        if self.address.startswith("/"):
            connection = socket.socket(socket.AF_UNIX, socket.SOCK_STREAM)
            try:
                connection.settimeout(_left(deadline))
                connection.connect(self.address)
            except OSError:
                connection.close()
                raise
            return connection
        host, _, port = self.address.rpartition(":")
        return socket.create_connection((host.strip("[]"), int(port)), timeout=_left(deadline))

    def _signature(self, reply: str) -> str:
        if reply == "stream: OK":
            return ""
        if reply.startswith("stream: ") and reply.endswith(" FOUND"):
            found = reply[len("stream: ") : -len(" FOUND")].strip() or "unnamed signature"
            if found.startswith(LIMIT_EXCEEDED):
                raise _too_large(found[len(LIMIT_EXCEEDED) :])
            return found
        if "size limit exceeded" in reply:
            raise _too_large("StreamMaxLength")
        raise self._unavailable(f"it answered {reply[:120]!r}")

    def _unavailable(self, why: str) -> ScannerUnavailable:
        return ScannerUnavailable(
            f"the antivirus scanner (clamd at {self.address}) could not scan the upload ({why}),"
            " so nothing was read or kept; try again later, or tell your IT support"
        )


def _too_large(limit: str) -> TooLargeToScan:
    return TooLargeToScan(
        f"the file is larger than the antivirus scanner accepts (clamd's {limit[:40]}), so it"
        " was not scanned in full and not read"
    )


def scanner_for(settings: Antivirus) -> Clamd | None:
    """The configured clamd, or None while scanning is off."""
    return Clamd(settings.clamd, settings.timeout_s) if settings.enabled else None


def _left(deadline: float) -> float:
    left = deadline - monotonic()
    if left <= 0:
        raise TimeoutError
    return left


def _send(connection: socket.socket, data: bytes, deadline: float) -> None:
    try:
        connection.settimeout(_left(deadline))
        connection.sendall(b"zINSTREAM\0")
        for start in range(0, len(data), CHUNK_BYTES):
            chunk = data[start : start + CHUNK_BYTES]
            connection.settimeout(_left(deadline))
            connection.sendall(struct.pack("!L", len(chunk)) + chunk)
        connection.settimeout(_left(deadline))
        connection.sendall(struct.pack("!L", 0))
    except (BrokenPipeError, ConnectionResetError):
        pass  # clamd stops reading past StreamMaxLength; its reply says so


def _receive(connection: socket.socket, deadline: float) -> str:
    reply = b""
    while not reply.endswith(b"\0") and len(reply) < _REPLY_MAX_BYTES:
        connection.settimeout(_left(deadline))
        part = connection.recv(_REPLY_MAX_BYTES)
        if not part:
            break
        reply += part
    if not reply:
        raise ConnectionResetError(0, "the connection closed without an answer")
    return reply.rstrip(b"\0").decode("utf-8", "replace").strip()
