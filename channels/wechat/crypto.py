"""WeChat's "safe mode" message crypto (服务号 安全模式 and 企业微信 / 微信客服 callbacks).

The scheme, as WeChat defines it: AES-256-CBC with key = base64(EncodingAESKey + "=") and IV = the key's first 16
bytes; the plaintext is 16 random bytes, the message length (4 bytes, big-endian), the message, and the receive_id
(the corpid, or the 服务号 appid), PKCS#7-padded to a multiple of 32 bytes. The fixed IV and the lack of a MAC are
WeChat's choices; the sha1 signature over the token and the ciphertext is what authenticates a message, so
`check` must pass before `decrypt` is called (which also keeps padding errors from being an oracle).
"""

from __future__ import annotations

import base64
import binascii
import hashlib
import hmac
import math
import os
import struct

from cryptography.hazmat.primitives.ciphers import Cipher, algorithms, modes

from channels.wechat.errors import BadSignature, CryptoError, StaleTimestamp

BLOCK = 32  # WeChat pads to 32 bytes, not AES's 16
RANDOM_PREFIX = 16
LENGTH_FIELD = 4


class WeChatCrypto:
    def __init__(self, token: str, encoding_aes_key: str, receive_id: str) -> None:
        if not token:
            raise ValueError("the WeChat callback token is empty")
        try:
            key = base64.b64decode(encoding_aes_key + "=", validate=True)
        except (binascii.Error, ValueError):
            key = b""
        if len(encoding_aes_key) != 43 or len(key) != 32:
            raise ValueError("the EncodingAESKey must be the 43 letters and digits shown in the WeChat console")
        self._token = token
        self._key = key
        self._iv = key[:16]
        self._receive_id = receive_id.encode()

    # -- signatures -----------------------------------------------------------------------------------------

    def signature(self, timestamp: str, nonce: str, encrypt: str = "") -> str:
        """sha1 of the sorted, concatenated parts. Plain-mode `signature` has no `encrypt`; `msg_signature` has."""
        parts = [self._token, timestamp, nonce] + ([encrypt] if encrypt else [])
        return hashlib.sha1("".join(sorted(parts)).encode()).hexdigest()

    def check(
        self, signature: str, timestamp: str, nonce: str, encrypt: str = "", *, now: float, window: float = 300
    ) -> None:
        """Raise BadSignature or StaleTimestamp unless this request is WeChat's and recent.

        The signature is checked first, so that a forged request is reported as forged whatever its timestamp."""
        expected = self.signature(timestamp, nonce, encrypt).encode()
        # compare_digest on str refuses non-ASCII text with TypeError; the query string is the sender's to choose.
        if not hmac.compare_digest(expected, signature.encode("utf-8", "replace")):
            raise BadSignature("the signature does not match")
        if not (timestamp.isascii() and timestamp.isdigit()):
            raise StaleTimestamp("the timestamp is not a number")
        sent = float(timestamp)
        if not math.isfinite(sent) or abs(now - sent) > window:
            raise StaleTimestamp("the timestamp is outside the accepted window")

    # -- encryption -----------------------------------------------------------------------------------------

    def decrypt(self, encrypt: str) -> bytes:
        """The message inside an Encrypt field (or a WeCom `echostr`)."""
        try:
            data = base64.b64decode(encrypt, validate=True)
        except (binascii.Error, ValueError) as exc:
            raise CryptoError("the ciphertext is not base64") from exc
        if not data or len(data) % 16:
            raise CryptoError("the ciphertext is not a whole number of AES blocks")
        decryptor = Cipher(algorithms.AES(self._key), modes.CBC(self._iv)).decryptor()
        padded = decryptor.update(data) + decryptor.finalize()
        pad = padded[-1]
        if not 1 <= pad <= BLOCK or padded[-pad:] != bytes([pad]) * pad:
            raise CryptoError("the padding is wrong (a different EncodingAESKey?)")
        plain = padded[:-pad]
        if len(plain) < RANDOM_PREFIX + LENGTH_FIELD:
            raise CryptoError("the plaintext is too short")
        (length,) = struct.unpack(">I", plain[RANDOM_PREFIX : RANDOM_PREFIX + LENGTH_FIELD])
        start = RANDOM_PREFIX + LENGTH_FIELD
        if start + length > len(plain):
            raise CryptoError("the message length is larger than the plaintext")
        message, receive_id = plain[start : start + length], plain[start + length :]
        if not hmac.compare_digest(receive_id, self._receive_id):
            raise CryptoError("the message is for another receive_id (corpid / appid)")
        return message

    def encrypt(self, plaintext: bytes, nonce: str, timestamp: str) -> tuple[str, str]:
        """(Encrypt, msg_signature) for a passive reply; the reply carries the same nonce and timestamp."""
        body = os.urandom(RANDOM_PREFIX) + struct.pack(">I", len(plaintext)) + plaintext + self._receive_id
        pad = BLOCK - len(body) % BLOCK
        encryptor = Cipher(algorithms.AES(self._key), modes.CBC(self._iv)).encryptor()
        ciphertext = encryptor.update(body + bytes([pad]) * pad) + encryptor.finalize()
        encrypted = base64.b64encode(ciphertext).decode()
        return encrypted, self.signature(timestamp, nonce, encrypted)
