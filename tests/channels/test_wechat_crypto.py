"""WeChatCrypto against WeCom's published example, and against ciphertext built here with `cryptography` alone."""

from __future__ import annotations

import base64
import hashlib
import struct

import pytest
from cryptography.hazmat.primitives.ciphers import Cipher, algorithms, modes

from channels.wechat.crypto import WeChatCrypto
from channels.wechat.errors import BadSignature, CryptoError, StaleTimestamp

# The example in WeCom's "加解密方案说明" (URL verification): its echostr decrypts to 1616140317555161061.
TOKEN = "QDG6eK"
AES_KEY = "jWmYm7qr5nMoAUwZRjGtBxmz3KA1tkAj3ykkR6q2B2C"
CORP_ID = "wx5823bf96d3bd56c7"
TIMESTAMP, NONCE = "1409659589", "263014780"
ECHOSTR = "P9nAzCzyDtyTWESHep1vC5X9xho/qYX3Zpb4yKa9SKld1DsH3Iyt3tP3zNdtp+4RPcs8TgAE7OaBO+FZXvnaqQ=="
MSG_SIGNATURE = "5c45ff5e21c57e6ad56bac8758b79b1d9ac89fd3"

KEY_BYTES = base64.b64decode(AES_KEY + "=")


def crypto(receive_id: str = CORP_ID) -> WeChatCrypto:
    return WeChatCrypto(TOKEN, AES_KEY, receive_id)


def by_hand(message: bytes, receive_id: bytes = CORP_ID.encode(), *, length: int | None = None) -> str:
    """WeChat's format written out step by step, independently of the module under test."""
    body = b"0123456789abcdef" + struct.pack(">I", len(message) if length is None else length) + message + receive_id
    pad = 32 - len(body) % 32
    encryptor = Cipher(algorithms.AES(KEY_BYTES), modes.CBC(KEY_BYTES[:16])).encryptor()
    return base64.b64encode(encryptor.update(body + bytes([pad]) * pad) + encryptor.finalize()).decode()


def test_the_published_example() -> None:
    wechat = crypto()
    assert wechat.signature(TIMESTAMP, NONCE, ECHOSTR) == MSG_SIGNATURE
    wechat.check(MSG_SIGNATURE, TIMESTAMP, NONCE, ECHOSTR, now=float(TIMESTAMP) + 10)
    assert wechat.decrypt(ECHOSTR) == b"1616140317555161061"


def test_plain_mode_signature_is_over_token_timestamp_nonce() -> None:
    expected = hashlib.sha1("".join(sorted([TOKEN, TIMESTAMP, NONCE])).encode()).hexdigest()
    assert crypto().signature(TIMESTAMP, NONCE) == expected


@pytest.mark.parametrize("size", [0, 1, 11, 12, 43, 44, 1000])  # 12 and 44: the body is a multiple of 32 (full pad)
def test_hand_built_ciphertext_decrypts(size: int) -> None:
    message = ("名" * size).encode()[:size]
    assert crypto().decrypt(by_hand(message)) == message


def test_encrypt_writes_wechats_format() -> None:
    message = "<xml><Content><![CDATA[你好]]></Content></xml>".encode()
    encrypted, signature = crypto().encrypt(message, NONCE, TIMESTAMP)
    assert signature == hashlib.sha1("".join(sorted([TOKEN, TIMESTAMP, NONCE, encrypted])).encode()).hexdigest()
    decryptor = Cipher(algorithms.AES(KEY_BYTES), modes.CBC(KEY_BYTES[:16])).decryptor()
    padded = decryptor.update(base64.b64decode(encrypted)) + decryptor.finalize()
    assert len(padded) % 32 == 0
    pad = padded[-1]
    assert 1 <= pad <= 32 and padded[-pad:] == bytes([pad]) * pad
    (length,) = struct.unpack(">I", padded[16:20])
    assert padded[20 : 20 + length] == message
    assert padded[20 + length : -pad] == CORP_ID.encode()


def test_round_trip_with_check() -> None:
    wechat = crypto()
    encrypted, signature = wechat.encrypt("一条消息".encode(), "nonce1", "1700000000")
    wechat.check(signature, "1700000000", "nonce1", encrypted, now=1700000100)
    assert wechat.decrypt(encrypted) == "一条消息".encode()
    assert wechat.encrypt(b"x", "n", "1")[0] != wechat.encrypt(b"x", "n", "1")[0]  # the random prefix


@pytest.mark.parametrize("signature", [MSG_SIGNATURE[:-1] + "0", "", MSG_SIGNATURE.upper(), "签名", "\udc80"])
def test_a_wrong_signature_is_refused(signature: str) -> None:
    with pytest.raises(BadSignature):
        crypto().check(signature, TIMESTAMP, NONCE, ECHOSTR, now=float(TIMESTAMP))


def test_the_encrypt_field_is_signed() -> None:
    with pytest.raises(BadSignature):
        crypto().check(MSG_SIGNATURE, TIMESTAMP, NONCE, by_hand(b"forged"), now=float(TIMESTAMP))


@pytest.mark.parametrize("delta", [301, -301, 86400])
def test_an_old_or_future_timestamp_is_stale(delta: float) -> None:
    with pytest.raises(StaleTimestamp):
        crypto().check(MSG_SIGNATURE, TIMESTAMP, NONCE, ECHOSTR, now=float(TIMESTAMP) + delta)


@pytest.mark.parametrize("timestamp", ["", "abc", "1e9", "-5", "١٤٠٩٦٥٩٥٨٩"])
def test_a_timestamp_that_is_not_a_number_is_stale(timestamp: str) -> None:
    wechat = crypto()
    signature = wechat.signature(timestamp, NONCE)
    with pytest.raises(StaleTimestamp):
        wechat.check(signature, timestamp, NONCE, now=1409659589)


def test_another_receive_id_is_refused() -> None:
    with pytest.raises(CryptoError, match="receive_id"):
        crypto("wwsomeoneelse").decrypt(ECHOSTR)
    with pytest.raises(CryptoError):
        crypto().decrypt(by_hand(b"hello", b"wwsomeoneelse"))


@pytest.mark.parametrize(
    "encrypt",
    [
        "not base64!",
        "",
        base64.b64encode(b"short").decode(),
        base64.b64encode(bytes(48)).decode(),  # decrypts to junk: bad padding or bad length
        ECHOSTR[:-24] + "==",  # truncated to a block boundary
    ],
)
def test_junk_ciphertext_is_refused(encrypt: str) -> None:
    with pytest.raises(CryptoError):
        crypto().decrypt(encrypt)


def test_a_length_beyond_the_plaintext_is_refused() -> None:
    with pytest.raises(CryptoError, match="length"):
        crypto().decrypt(by_hand(b"abc", length=10_000))


def test_another_key_is_refused() -> None:
    other = WeChatCrypto(TOKEN, "A" * 43, CORP_ID)
    with pytest.raises(CryptoError):
        other.decrypt(ECHOSTR)


@pytest.mark.parametrize("key", ["", "short", AES_KEY + "A", AES_KEY[:-1] + "!"])
def test_a_malformed_key_is_a_clear_error(key: str) -> None:
    with pytest.raises(ValueError, match="EncodingAESKey"):
        WeChatCrypto(TOKEN, key, CORP_ID)
