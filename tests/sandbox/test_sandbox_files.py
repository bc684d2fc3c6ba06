"""sendPhoto / sendDocument (upload, file_id, URL), getFile and downloads via base_file_url."""

from __future__ import annotations

import pytest
from telegram import Bot, InputFile
from telegram.error import BadRequest

from sandbox import SandboxServer, SimUser
from sandbox.files import image_size, make_png


async def test_send_photo_upload_then_reuse_file_id(bot: Bot, user: SimUser) -> None:
    png = make_png(1000, 500)
    sent = await bot.send_photo(user.id, png, caption="<i>活动</i>海报", parse_mode="HTML", filename="p.png")
    assert sent.caption == "活动海报" and sent.caption_entities[0].type == "italic"
    largest = sent.photo[-1]
    assert (largest.width, largest.height, largest.file_size) == (1000, 500, len(png))
    assert [p.width for p in sent.photo] == [90, 320, 800, 1000]
    downloaded = await (await largest.get_file()).download_as_bytearray()
    assert bytes(downloaded) == png
    again = await bot.send_photo(user.id, largest.file_id)
    assert again.photo[-1].width == 1000 and again.caption is None
    first, second = await user.wait_for_messages(2)
    assert first.kind == "photo" and first.text == "活动海报" and first.html == "<i>活动</i>海报"
    assert first.file_id == largest.file_id
    assert str(second) == f"#{second.message_id} [photo]"
    edited = await bot.edit_message_caption(user.id, first.message_id, caption="新说明")
    assert not isinstance(edited, bool) and edited.caption == "新说明"


async def test_send_document_upload_url_and_errors(bot: Bot, user: SimUser, server: SandboxServer) -> None:
    doc = await bot.send_document(user.id, InputFile(b"name,phone\n", filename="名单.csv"), caption="名单")
    assert doc.document is not None and doc.document.file_name == "名单.csv"
    assert doc.document.file_size == 11 and doc.document.mime_type == "text/csv"
    file = await bot.get_file(doc.document.file_id)
    assert file.file_path is not None and file.file_path.endswith(".csv")
    assert bytes(await file.download_as_bytearray()) == b"name,phone\n"
    # A URL is fetched by the server, as Telegram does (here: the sandbox's own download URL,
    # which PTB has already expanded into file.file_path).
    assert file.file_path.startswith(f"{server.base_url}/file/bot")
    by_url = await bot.send_document(user.id, file.file_path)
    assert by_url.document is not None and by_url.document.file_size == 11
    # Unreachable URLs (the sandbox is usually offline) become a placeholder instead of failing.
    photo = await bot.send_photo(user.id, "http://127.0.0.1:9/unreachable.jpg")
    assert photo.photo[-1].width == 320
    with pytest.raises(BadRequest, match=r"Wrong file identifier/http url specified"):
        await bot.send_document(user.id, "no-such-file-id")
    with pytest.raises(BadRequest, match=r"^Message caption is too long$"):
        await bot.send_document(user.id, doc.document.file_id, caption="长" * 1025)
    with pytest.raises(BadRequest, match=r"Invalid file_id"):
        await bot.get_file("nope")


async def test_user_photo_download(bot: Bot, sandbox_user_photo: tuple[SimUser, int]) -> None:
    _, message_id = sandbox_user_photo
    [update] = await bot.get_updates()
    message = update.message
    assert message is not None and message.message_id == message_id and message.caption == "我家门口"
    thumb, full = message.photo
    assert (thumb.width, thumb.height, full.width, full.height) == (90, 68, 320, 240)
    data = bytes(await (await full.get_file()).download_as_bytearray())
    assert image_size(data) == (320, 240)


@pytest.fixture
async def sandbox_user_photo(user: SimUser) -> tuple[SimUser, int]:
    return user, await user.send_photo(caption="我家门口")
