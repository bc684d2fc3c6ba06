"""File storage behind ``file_id`` / ``getFile`` / ``/file/bot<token>/<file_path>``.

Files come from three places: uploads by the bot (multipart ``sendPhoto``/``sendDocument``),
URLs the bot passes (fetched by the server, like Telegram does), and media that simulated
users send (generated here: a real PNG photo, an Ogg/Opus-headed voice note, a WebP-ish
sticker). All of them get Telegram-looking ``file_id``/``file_unique_id`` strings and a
``file_path`` such as ``photos/file_3.png`` that the bot can download.
"""

from __future__ import annotations

import base64
import itertools
import secrets
import struct
import zlib
from dataclasses import dataclass
from typing import Any

# Telegram file_ids start with a type-specific prefix; mimic that so ids look plausible.
_ID_PREFIX = {"photos": "AgAC", "documents": "BQAC", "voice": "AwAC", "stickers": "CAAC"}


@dataclass
class StoredFile:
    file_id: str
    file_unique_id: str
    data: bytes
    file_path: str
    mime_type: str
    file_name: str | None = None
    width: int | None = None
    height: int | None = None

    @property
    def file_size(self) -> int:
        return len(self.data)

    def base_json(self) -> dict[str, Any]:
        return {"file_id": self.file_id, "file_unique_id": self.file_unique_id, "file_size": self.file_size}

    def getfile_json(self) -> dict[str, Any]:
        return {**self.base_json(), "file_path": self.file_path}


class FileStore:
    def __init__(self) -> None:
        self._by_id: dict[str, StoredFile] = {}
        self._by_path: dict[str, StoredFile] = {}
        self._counter = itertools.count(1)

    def add(
        self,
        data: bytes,
        *,
        folder: str,
        ext: str,
        mime_type: str,
        file_name: str | None = None,
        size: tuple[int, int] | None = None,
    ) -> StoredFile:
        n = next(self._counter)
        token = base64.urlsafe_b64encode(n.to_bytes(4, "big") + secrets.token_bytes(12)).decode().rstrip("=")
        stored = StoredFile(
            file_id=f"{_ID_PREFIX.get(folder, 'BAAC')}AgIAAxkBAA{token}",
            file_unique_id=f"AQAD{base64.urlsafe_b64encode(n.to_bytes(4, 'big')).decode().rstrip('=')}",
            data=data,
            file_path=f"{folder}/file_{n}.{ext.lstrip('.')}",
            mime_type=mime_type,
            file_name=file_name,
            width=size[0] if size else None,
            height=size[1] if size else None,
        )
        self._by_id[stored.file_id] = stored
        self._by_path[stored.file_path] = stored
        return stored

    def get(self, file_id: str) -> StoredFile | None:
        return self._by_id.get(file_id)

    def by_path(self, file_path: str) -> StoredFile | None:
        return self._by_path.get(file_path)


def image_size(data: bytes) -> tuple[int, int] | None:
    """(width, height) of a PNG, GIF or JPEG; None for anything else."""
    if data.startswith(b"\x89PNG\r\n\x1a\n") and len(data) >= 24:
        width, height = struct.unpack(">II", data[16:24])
        return width, height
    if data[:6] in (b"GIF87a", b"GIF89a") and len(data) >= 10:
        width, height = struct.unpack("<HH", data[6:10])
        return width, height
    if data.startswith(b"\xff\xd8"):
        i = 2
        while i + 9 < len(data):
            if data[i] != 0xFF:
                return None
            marker = data[i + 1]
            length = struct.unpack(">H", data[i + 2 : i + 4])[0]
            # SOF0..SOF15 carry the frame size (except DHT/JPG/DAC markers C4, C8, CC).
            if 0xC0 <= marker <= 0xCF and marker not in (0xC4, 0xC8, 0xCC):
                height, width = struct.unpack(">HH", data[i + 5 : i + 9])
                return width, height
            i += 2 + length
    return None


def make_png(width: int, height: int, rgb: tuple[int, int, int] = (220, 60, 60)) -> bytes:
    """A real, decodable RGB PNG with a simple gradient (so thumbnails differ from originals)."""

    def chunk(kind: bytes, body: bytes) -> bytes:
        return struct.pack(">I", len(body)) + kind + body + struct.pack(">I", zlib.crc32(kind + body))

    r, g, b = rgb
    rows = bytearray()
    for y in range(height):
        rows.append(0)  # filter type "None" for every scanline
        shade = (y * 255) // max(height - 1, 1)
        rows.extend(bytes((r, g, (b + shade) % 256)) * width)
    header = struct.pack(">IIBBBBB", width, height, 8, 2, 0, 0, 0)
    return (
        b"\x89PNG\r\n\x1a\n" + chunk(b"IHDR", header) + chunk(b"IDAT", zlib.compress(bytes(rows))) + chunk(b"IEND", b"")
    )


def _ogg_crc(data: bytes) -> int:
    # Ogg uses CRC-32 with polynomial 0x04C11DB7, no reflection, zero init/xor.
    crc = 0
    for byte in data:
        crc ^= byte << 24
        for _ in range(8):
            crc = ((crc << 1) ^ 0x04C11DB7) if crc & 0x80000000 else crc << 1
            crc &= 0xFFFFFFFF
    return crc


def _ogg_page(payload: bytes, seq: int, header_type: int, granule: int) -> bytes:
    segments = [255] * (len(payload) // 255) + [len(payload) % 255]
    head = struct.pack("<4sBBqIIIB", b"OggS", 0, header_type, granule, 0x53414E53, seq, 0, len(segments))
    page = head + bytes(segments) + payload
    return page[:22] + struct.pack("<I", _ogg_crc(page)) + page[26:]


def make_voice(duration: int) -> bytes:
    """Ogg/Opus headers plus a silent-ish audio page; enough for type sniffers."""
    opus_head = b"OpusHead" + struct.pack("<BBHIhB", 1, 1, 312, 48000, 0, 0)
    opus_tags = b"OpusTags" + struct.pack("<I", 7) + b"sandbox" + struct.pack("<I", 0)
    audio = bytes([0xF8, 0xFF, 0xFE]) * 20
    return (
        _ogg_page(opus_head, 0, 2, 0) + _ogg_page(opus_tags, 1, 0, 0) + _ogg_page(audio, 2, 4, 48000 * max(duration, 1))
    )


def make_sticker() -> bytes:
    """RIFF/WEBP container header with a tiny VP8L payload."""
    payload = b"VP8L" + struct.pack("<I", 5) + b"\x2f\x00\x00\x00\x00" + b"\x00"
    return b"RIFF" + struct.pack("<I", 4 + len(payload)) + b"WEBP" + payload
