"""WeCom "安全模式" message crypto, written from the protocol description on purpose.

The bot side has its own implementation; this one exists so the two cross-check each other
(a shared bug in a shared helper would pass every test). The scheme:

* ``aes_key = b64decode(EncodingAESKey + "=")`` (32 bytes), ``iv = aes_key[:16]``, AES-256-CBC;
* plaintext = 16 random bytes + ``struct.pack(">I", len(msg))`` + msg + receive_id (the corp id);
* PKCS#7 padding to a multiple of **32** bytes (not AES's 16: WeChat's choice, kept for compatibility);
* ``Encrypt`` = base64 of the ciphertext; ``msg_signature`` = sha1 hex of the sorted, concatenated
  ``[token, timestamp, nonce, Encrypt]``.
"""

from __future__ import annotations

import base64
import binascii
import hashlib
import os
import secrets
import string
import struct

from cryptography.hazmat.primitives.ciphers import Cipher, algorithms, modes

BLOCK = 32  # WeChat pads to 32 bytes although AES blocks are 16

# 43 characters of the base64 alphabet; b64decode(key + "=") gives 32 bytes.
DEFAULT_AES_KEY = "SanSheSandboxEncodingAESKey0123456789abcdEE"  # last char: low bits 0 (canonical)


class CryptoError(ValueError):
    """Bad signature, bad padding, wrong receive id or an undecodable payload."""


def signature(token: str, timestamp: str, nonce: str, encrypted: str) -> str:
    return hashlib.sha1("".join(sorted([token, timestamp, nonce, encrypted])).encode()).hexdigest()


def random_nonce() -> str:
    return "".join(secrets.choice(string.digits + string.ascii_letters) for _ in range(10))


class MsgCrypt:
    """Encrypt/decrypt for one (token, EncodingAESKey, receive id) triple."""

    def __init__(self, token: str, encoding_aes_key: str, receive_id: str) -> None:
        if len(encoding_aes_key) != 43:
            raise ValueError("EncodingAESKey must be 43 characters")
        try:
            key = base64.b64decode(encoding_aes_key + "=", validate=True)
        except binascii.Error as exc:
            raise ValueError(f"EncodingAESKey is not base64: {exc}") from None
        if len(key) != 32:
            raise ValueError("EncodingAESKey must decode to 32 bytes")
        self.token = token
        self.receive_id = receive_id
        self._key = key
        self._iv = key[:16]

    def _cipher(self) -> Cipher[modes.CBC]:
        return Cipher(algorithms.AES(self._key), modes.CBC(self._iv))

    def encrypt(self, message: str, *, random_prefix: bytes | None = None) -> str:
        body = message.encode()
        prefix = os.urandom(16) if random_prefix is None else random_prefix
        plain = prefix + struct.pack(">I", len(body)) + body + self.receive_id.encode()
        pad = BLOCK - len(plain) % BLOCK
        plain += bytes([pad]) * pad
        encryptor = self._cipher().encryptor()
        return base64.b64encode(encryptor.update(plain) + encryptor.finalize()).decode()

    def decrypt(self, encrypted: str, *, expect_receive_id: bool = True) -> str:
        try:
            data = base64.b64decode(encrypted, validate=True)
        except binascii.Error as exc:
            raise CryptoError(f"not base64: {exc}") from None
        if not data or len(data) % 16:
            raise CryptoError("ciphertext is not a whole number of AES blocks")
        decryptor = self._cipher().decryptor()
        plain = decryptor.update(data) + decryptor.finalize()
        pad = plain[-1]
        if not 1 <= pad <= BLOCK or plain[-pad:] != bytes([pad]) * pad:
            raise CryptoError("bad padding")
        plain = plain[:-pad]
        if len(plain) < 20:
            raise CryptoError("plaintext too short")
        (length,) = struct.unpack(">I", plain[16:20])
        body, receive_id = plain[20 : 20 + length], plain[20 + length :]
        if len(body) != length:
            raise CryptoError("length prefix exceeds plaintext")
        if expect_receive_id and receive_id.decode(errors="replace") != self.receive_id:
            raise CryptoError(f"receive id {receive_id!r} is not {self.receive_id!r}")
        try:
            return body.decode()
        except UnicodeDecodeError as exc:
            raise CryptoError(f"message is not UTF-8: {exc}") from None

    def sign(self, timestamp: str, nonce: str, encrypted: str) -> str:
        return signature(self.token, timestamp, nonce, encrypted)

    def verify(self, msg_signature: str, timestamp: str, nonce: str, encrypted: str) -> bool:
        return secrets.compare_digest(msg_signature, self.sign(timestamp, nonce, encrypted))

    def decrypt_signed(self, msg_signature: str, timestamp: str, nonce: str, encrypted: str) -> str:
        """What a receiver does: check the signature first, then decrypt."""
        if not self.verify(msg_signature, timestamp, nonce, encrypted):
            raise CryptoError("signature mismatch")
        return self.decrypt(encrypted)
