"""`culturebridge events import FILE.jsonl|FILE.csv`: bulk first-party events, all or nothing.

The file is streamed (never read whole): UTF-8 with or without a byte-order mark, or
UTF-16 with its BOM (or without one, told apart by its NUL bytes). A UTF-8 file is decoded
line by line, so an undecodable line (a file pasted together from two encodings) is named
exactly. Lines are parsed and stored in chunks inside one transaction: the first bad line
raises InvalidEventFile naming it and nothing of the file stays. Event ids already stored
are skipped, so importing the same file twice changes nothing.
"""

from __future__ import annotations

import codecs
import csv
import io
import json
from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path
from typing import IO

from culturebridge import catalog
from culturebridge.errors import InvalidEventFile, InvalidInput, NotFound
from culturebridge.insight.comments import CommentAnalyzer
from culturebridge.insight.events import FIELDS, REQUIRED, AudienceEvent, ingest, parse
from culturebridge.platform import Platform

CHUNK = 2000
MAX_LINE_BYTES = 1 << 20


@dataclass(frozen=True)
class ImportResult:
    lines: int
    stored: int
    duplicates: int
    held_comments: int


def sniff_encoding(head: bytes) -> str:
    """utf-8-sig, utf-16 (BOM) or utf-16-le/-be (no BOM, NUL pattern), else utf-8."""
    if head.startswith(codecs.BOM_UTF8):
        return "utf-8-sig"
    if head.startswith((codecs.BOM_UTF16_LE, codecs.BOM_UTF16_BE)):
        return "utf-16"
    if len(head) >= 4 and head[1] == 0 and head[3] == 0 and head[0] != 0:
        return "utf-16-le"
    if len(head) >= 4 and head[0] == 0 and head[2] == 0 and head[1] != 0:
        return "utf-16-be"
    return "utf-8"


def decoded_lines(raw: IO[bytes]) -> Iterator[tuple[int, str]]:
    """(line number, text with its newline) of a byte stream, naming the line that does not decode."""
    head = raw.read(4)
    encoding = sniff_encoding(head)
    if encoding.startswith("utf-16"):
        stream = io.TextIOWrapper(io.BufferedReader(_Prefixed(head, raw)), encoding=encoding, newline="")
        n = 0
        try:
            for n, line in enumerate(stream, 1):
                yield n, line
        except UnicodeDecodeError as exc:
            raise InvalidEventFile(f"line {n + 1}: not valid {encoding.upper()} (mixed encodings?)") from exc
        return
    rest = _Prefixed(head[3:] if encoding == "utf-8-sig" else head, raw)
    for n, data in enumerate(io.BufferedReader(rest), 1):
        if len(data) > MAX_LINE_BYTES:
            raise InvalidEventFile(f"line {n} is longer than {MAX_LINE_BYTES} bytes")
        try:
            yield n, data.decode("utf-8")
        except UnicodeDecodeError as exc:
            raise InvalidEventFile(f"line {n}: not valid UTF-8 at byte {exc.start} (mixed encodings?)",
                                   hint="save the whole file as UTF-8 or UTF-16") from exc


class _Prefixed(io.RawIOBase):
    """A raw stream that replays some already-read bytes first."""

    def __init__(self, prefix: bytes, rest: IO[bytes]) -> None:
        self._prefix, self._rest = prefix, rest

    def readable(self) -> bool:
        return True

    def readinto(self, buffer: memoryview) -> int:  # type: ignore[override]
        if self._prefix:
            n = min(len(buffer), len(self._prefix))
            buffer[:n] = self._prefix[:n]
            self._prefix = self._prefix[n:]
            return n
        data = self._rest.read(len(buffer))
        buffer[: len(data)] = data
        return len(data)


def _jsonl(lines: Iterator[tuple[int, str]]) -> Iterator[tuple[int, AudienceEvent]]:
    for n, line in lines:
        if not line.strip():
            continue
        try:
            raw = json.loads(line)
        except json.JSONDecodeError as exc:
            raise InvalidEventFile(f"line {n}: not valid JSON ({exc.msg})") from exc
        if not isinstance(raw, dict):
            raise InvalidEventFile(f"line {n}: expected one JSON object per line")
        unknown = sorted(set(raw) - set(FIELDS) - {"work_id"})
        if unknown:
            raise InvalidEventFile(f"line {n}: unexpected field {unknown[0]!r}", hint=f"fields are {', '.join(FIELDS)}")
        yield n, _parse(n, raw)


def _csv(lines: Iterator[tuple[int, str]]) -> Iterator[tuple[int, AudienceEvent]]:
    reader = csv.reader(line for _, line in lines)
    try:
        header = next(reader)
    except StopIteration:
        return
    header = [h.strip() for h in header]
    for col in header:
        if col not in FIELDS:
            raise InvalidEventFile(f"line 1: unexpected column {col!r}", hint=f"columns are {', '.join(FIELDS)}")
    missing = [c for c in REQUIRED if c not in header]
    if missing:
        raise InvalidEventFile(f"line 1: missing column {missing[0]!r}")
    try:
        for row in reader:
            n = reader.line_num
            if not any(cell.strip() for cell in row):
                continue
            if len(row) != len(header):
                raise InvalidEventFile(f"line {n}: {len(row)} cells where the header has {len(header)}")
            yield n, _parse(n, {k: v for k, v in zip(header, row, strict=True) if v != "" or k == "watch_fraction"})
    except csv.Error as exc:
        raise InvalidEventFile(f"line {reader.line_num}: {exc}") from exc


def _parse(n: int, raw: dict[str, object]) -> AudienceEvent:
    try:
        return parse(raw)
    except InvalidInput as exc:
        raise InvalidEventFile(f"line {n}: {exc.message}", hint=exc.hint) from exc


def import_events(platform: Platform, path: Path, *, max_events: int, analyzer: CommentAnalyzer | None = None,
                  fmt: str | None = None) -> ImportResult:
    """Import a JSONL or CSV file of events in one transaction (InvalidEventFile names the bad line)."""
    kind = fmt or path.suffix.lower().lstrip(".")
    if kind not in ("jsonl", "csv", "ndjson"):
        raise InvalidEventFile(f"{path.name}: expected a .jsonl or .csv file")
    try:
        handle = path.open("rb")
    except OSError as exc:
        raise InvalidEventFile(f"cannot open {path}: {exc.strerror}") from exc
    stored = duplicates = held = lines = 0
    with handle, platform.db.write() as conn:
        events = (_csv if kind == "csv" else _jsonl)(decoded_lines(handle))
        chunk: list[AudienceEvent] = []
        works: set[str] = set()
        for n, event in events:
            lines += 1
            if lines > max_events:
                raise InvalidEventFile(f"line {n}: the file has more than {max_events:,} events",
                                       hint="split it, or raise insight_import_max_events")
            if event.work_id not in works:
                try:
                    catalog.get_work(conn, event.work_id)
                except NotFound as exc:
                    raise InvalidEventFile(f"line {n}: work {event.work_id!r} does not exist") from exc
                works.add(event.work_id)
            chunk.append(event)
            if len(chunk) >= CHUNK:
                result = ingest(conn, chunk, analyzer)
                stored, duplicates, held, chunk = (stored + result.stored, duplicates + result.duplicates,
                                                   held + result.held_comments, [])
        if chunk:
            result = ingest(conn, chunk, analyzer)
            stored, duplicates, held = stored + result.stored, duplicates + result.duplicates, held + result.held_comments
    return ImportResult(lines, stored, duplicates, held)
