"""Media objects: files the bot sends (upload / file_id / URL) and media simulated users send.

``input_file`` resolves a sendPhoto/sendDocument parameter the way Telegram does:
a multipart part named after the parameter (what PTB sends for an ``InputFile``), an
``attach://<part>`` reference, an existing ``file_id``, or an ``http(s)://`` URL that the
server downloads. When a URL cannot be fetched (the sandbox usually runs offline) a
placeholder is stored instead of failing, so demos that send pictures by URL keep working.
"""

from __future__ import annotations

import logging
import mimetypes
import posixpath
from typing import Any
from urllib.parse import urlparse

import aiohttp

from sandbox.errors import bad_request
from sandbox.files import FileStore, StoredFile, image_size, make_png, make_sticker, make_voice
from sandbox.methods import Call
from sandbox.params import Upload

log = logging.getLogger(__name__)

_THUMB_SIDES = (90, 320, 800)


def photo_sizes(files: FileStore, data: bytes, size: tuple[int, int], ext: str, mime: str) -> list[dict[str, Any]]:
    """PhotoSize list like Telegram's: scaled-down variants smaller than the original, then it."""
    width, height = size
    sizes: list[dict[str, Any]] = []
    for side in _THUMB_SIDES:
        if side < max(width, height):
            scale = side / max(width, height)
            dims = (max(1, round(width * scale)), max(1, round(height * scale)))
            sizes.append(_photo_json(files.add(data, folder="photos", ext=ext, mime_type=mime, size=dims)))
    sizes.append(_photo_json(files.add(data, folder="photos", ext=ext, mime_type=mime, size=size)))
    return sizes


def _photo_json(stored: StoredFile) -> dict[str, Any]:
    return {**stored.base_json(), "width": stored.width, "height": stored.height}


def document_json(stored: StoredFile) -> dict[str, Any]:
    data = stored.base_json()
    if stored.file_name:
        data["file_name"] = stored.file_name
    data["mime_type"] = stored.mime_type
    return data


async def _fetch(call: Call, url: str) -> Upload:
    session = call.world.session
    if session is not None:
        try:
            async with session.get(url, timeout=aiohttp.ClientTimeout(total=3)) as response:
                if response.status == 200:
                    name = posixpath.basename(urlparse(url).path) or None
                    return Upload(name, response.content_type, await response.read())
        except (aiohttp.ClientError, TimeoutError) as exc:
            log.info("could not fetch %s (%r); storing a placeholder", url, exc)
    name = posixpath.basename(urlparse(url).path) or "file"
    if call.name == "sendPhoto":
        return Upload(name, "image/png", make_png(320, 240, (90, 90, 200)))
    return Upload(name, "text/plain", f"sandbox placeholder for {url}\n".encode())


async def input_file(call: Call, kind: str) -> Any:
    """JSON for ``photo`` (list of PhotoSize) or ``document`` (Document) from the request."""
    params, files = call.params, call.world.files
    upload = params.files.get(kind)
    if upload is None:
        value = params.get_str(kind)
        if not value:
            raise bad_request(f"there is no {kind} in the request")
        if value.startswith("attach://"):
            upload = params.files.get(value.removeprefix("attach://"))
            if upload is None:
                raise bad_request(f"there is no {kind} in the request")
        elif value.startswith(("http://", "https://")):
            upload = await _fetch(call, value)
        else:
            stored = files.get(value)
            if stored is None:
                raise bad_request("wrong file identifier/HTTP URL specified")
            # Like Telegram, re-sending by file_id reuses the very same file.
            if kind == "photo":
                return [{**stored.base_json(), "width": stored.width or 512, "height": stored.height or 512}]
            return document_json(stored)
    if not upload.data:
        raise bad_request("file must be non-empty")
    mime = upload.content_type or mimetypes.guess_type(upload.filename or "")[0] or "application/octet-stream"
    if kind == "photo":
        # Telegram re-encodes photos; unknown formats get a nominal size rather than an error.
        size = image_size(upload.data) or (512, 512)
        ext = mimetypes.guess_extension(mime) or ".jpg"
        return photo_sizes(files, upload.data, size, ext, mime)
    ext = posixpath.splitext(upload.filename or "")[1] or mimetypes.guess_extension(mime) or ".bin"
    stored = files.add(upload.data, folder="documents", ext=ext, mime_type=mime, file_name=upload.filename)
    return document_json(stored)


def user_photo(files: FileStore) -> list[dict[str, Any]]:
    """Two real PNGs (thumbnail + full size), as a phone would upload."""
    thumb = files.add(make_png(90, 68), folder="photos", ext="png", mime_type="image/png", size=(90, 68))
    full = files.add(make_png(320, 240), folder="photos", ext="png", mime_type="image/png", size=(320, 240))
    return [_photo_json(thumb), _photo_json(full)]


def user_voice(files: FileStore, duration: int) -> dict[str, Any]:
    stored = files.add(make_voice(duration), folder="voice", ext="oga", mime_type="audio/ogg")
    return {**stored.base_json(), "duration": duration, "mime_type": "audio/ogg"}


def user_document(files: FileStore, data: bytes, file_name: str, mime_type: str | None) -> dict[str, Any]:
    """A file the user sends (a spreadsheet, a PDF): stored as sent, downloadable by the bot via getFile."""
    mime = mime_type or mimetypes.guess_type(file_name)[0] or "application/octet-stream"
    ext = posixpath.splitext(file_name)[1] or ".bin"
    return document_json(files.add(data, folder="documents", ext=ext, mime_type=mime, file_name=file_name))


def user_sticker(files: FileStore, emoji: str) -> dict[str, Any]:
    stored = files.add(make_sticker(), folder="stickers", ext="webp", mime_type="image/webp", size=(512, 512))
    return {
        **stored.base_json(),
        "type": "regular",
        "width": 512,
        "height": 512,
        "is_animated": False,
        "is_video": False,
        "emoji": emoji,
    }
