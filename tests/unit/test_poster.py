"""The notice-board poster: the link its QR code holds, that the code drawn is segno's matrix for that link, and
that the PDF is a PDF with the Chinese font embedded as TrueType outlines and the community's name in it."""

from __future__ import annotations

import io
import re
import zlib

import pytest
import segno

from bot.poster import PNG_DPI, QR_BOX, Poster, render_poster
from core import joining

LINK = "https://t.me/sanshe_test_bot?start=c_k3m9x2pq"


def poster(link: str = LINK, community: str = "阳光社区") -> Poster:
    return Poster(
        community=community, title="有困难，找社区", subtitle="扫一扫二维码，随时向社区求助",
        lines=("家里的事：水电维修、开锁、家政保洁", "老人和孩子：助餐送餐、陪同就医", "其他难处：法律咨询、心理疏导"),
        scan_hint="用手机相机或 Telegram 扫描二维码", link=link, footer="说一句话就能求助。您的电话只给接单的人看。",
    )  # fmt: skip


def test_the_link_opens_the_bot_with_the_code_as_start_parameter() -> None:
    assert joining.link("sanshe_bot", "k3m9x2pq") == "https://t.me/sanshe_bot?start=c_k3m9x2pq"
    code = joining.new_code()
    # Telegram's start parameter: at most 64 of A-Z a-z 0-9 _ -.
    assert re.fullmatch(r"[a-z2-7]{8}", code) and len(f"c_{code}") <= 64
    assert len({joining.new_code() for _ in range(200)}) == 200  # random, not a counter
    assert joining.is_join_payload("c_k3m9x2pq") and not joining.is_join_payload("inv_abc")


def _modules_drawn(png: bytes, size: int) -> list[list[bool]]:
    """Read the QR code back from the picture: the dark area inside the QR box, cut into size × size modules,
    each read at its centre."""
    from matplotlib.image import imread

    image = imread(io.BytesIO(png), format="png")
    height, width = image.shape[:2]
    x0, y0, w, h = QR_BOX
    left, right = int(x0 * width), int((x0 + w) * width)
    top, bottom = int((1 - y0 - h) * height), int((1 - y0) * height)
    box = image[top:bottom, left:right, :3].mean(axis=2) < 0.5
    rows = [i for i in range(box.shape[0]) if box[i].any()]
    columns = [j for j in range(box.shape[1]) if box[:, j].any()]
    top_dark, left_dark = rows[0], columns[0]
    module = (rows[-1] - rows[0] + 1) / size
    assert abs(module - (columns[-1] - columns[0] + 1) / size) < 0.5  # square modules
    return [
        [bool(box[int(top_dark + (r + 0.5) * module), int(left_dark + (c + 0.5) * module)]) for c in range(size)]
        for r in range(size)
    ]


def test_the_qr_code_drawn_is_segnos_matrix_for_the_link() -> None:
    png = render_poster(poster(), "png")
    assert png.startswith(b"\x89PNG\r\n\x1a\n")
    expected = [[bool(m) for m in row] for row in segno.make(LINK, error="m", micro=False).matrix]
    assert _modules_drawn(png, len(expected)) == expected
    # The comparison can tell codes apart: another community's link draws another matrix.
    other = [[bool(m) for m in row] for row in segno.make(LINK[:-1] + "r", error="m", micro=False).matrix]
    assert len(other) == len(expected) and other != expected


def test_the_qr_modules_are_big_enough_to_scan_from_a_notice_board() -> None:
    size = len(segno.make(LINK, error="m").matrix) + 8  # with the quiet zone
    module_mm = QR_BOX[2] * 210 / size
    assert module_mm >= 2.5, module_mm  # a phone reads it from about a metre away
    assert QR_BOX[2] * 210 * PNG_DPI / 25.4 / size >= 10  # pixels per module in the PNG


def _pdf_strings(pdf: bytes) -> list[str]:
    """Text strings in the PDF's info dictionary (matplotlib writes non-ASCII ones as UTF-16 with a BOM)."""
    found = []
    for raw in re.findall(rb"/(?:Title|Subject) \((.*?)\)\s*(?=/|>>)", pdf, re.S):
        data = re.sub(rb"\\(.)", lambda m: m.group(1), raw)
        found.append(data[2:].decode("utf-16-be") if data.startswith(b"\xfe\xff") else data.decode("latin-1"))
    for raw in re.findall(rb"/(?:Title|Subject) <([0-9A-Fa-f]+)>", pdf):
        data = bytes.fromhex(raw.decode())
        found.append(data[2:].decode("utf-16-be") if data.startswith(b"\xfe\xff") else data.decode("latin-1"))
    return found


def test_the_pdf_is_a_pdf_with_the_chinese_font_embedded_and_the_community_named() -> None:
    pdf = render_poster(poster(community="望月湖社区"), "pdf")
    assert pdf.startswith(b"%PDF-") and pdf.rstrip().endswith(b"%%EOF") and len(pdf) > 10_000
    assert b"/CIDFontType2" in pdf and b"NotoSansCJKsc" in pdf  # TrueType outlines (fonttype 42), not Type 3
    assert b"/Type3" not in pdf
    strings = _pdf_strings(pdf)
    assert any("望月湖社区" in s for s in strings), strings
    assert LINK in strings
    # The page is A4 portrait, in points.
    (box,) = set(re.findall(rb"/MediaBox \[\s*0 0 ([\d.]+) ([\d.]+)\s*\]", pdf))
    assert (round(float(box[0])), round(float(box[1]))) == (595, 842)
    # Text is drawn (content streams are compressed): at least one stream shows glyphs.
    streams = [zlib.decompress(m) for m in re.findall(rb"stream\r?\n(.*?)\r?\nendstream", pdf, re.S) if m[:1] == b"x"]
    assert any(b" Tf" in s and (b"TJ" in s or b"Tj" in s) for s in streams)


def test_an_unknown_format_is_refused() -> None:
    with pytest.raises(ValueError):
        render_poster(poster(), "gif")
