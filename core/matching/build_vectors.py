"""Encode the shipped example bank once and store the vectors (data/bank_vectors.npz), so that start-up does not
encode two thousand sentences. Run after editing data/examples.txt, data/not_needs.txt or data/dialect.tsv:

    python -m core.matching.build_vectors

A bank edited on a deployment without running this still works: its vectors are encoded when the matcher is
built (semantic.bank_vectors compares fingerprints).
"""

from __future__ import annotations

from core.matching.bank import default_bank
from core.matching.dialect import default_dialect
from core.matching.encoder import default_encoder
from core.matching.semantic import VECTORS_FILE, save_bank_vectors


def main() -> int:
    bank = default_bank().folded(default_dialect().fold)
    save_bank_vectors(bank, default_encoder())
    print(f"{VECTORS_FILE}: {len(bank.example_texts)} examples, {len(bank.not_need_texts)} messages that ask nothing")
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
