"""Just enough English handling for needs typed in English against a Chinese catalogue."""

from __future__ import annotations

# Words that carry no need on their own; they must never make a message match a service.
ENGLISH_STOPWORDS = frozenset(
    """a an the i me my mine we our us you your he she his her it its they them their this that these
    those is am are was were be been being do does did have has had can could would should will shall
    may might must to of in on at for from by with about as into over under up out off and or but
    so if then than too very just also not no yes please pls thank thanks thx hello hi hey dear ok okay
    good morning afternoon evening night nice weather today tomorrow yesterday what where when who how
    why which there here any some someone somebody anyone anything something need needs want wants
    looking look find get help helps helping let know tell service services sir madam hey bye goodbye
    fine great well lot lots really much many thing things d ll ve m re s like would wd feel feels feeling
    felt lately recently community neighborhood neighbourhood area local nearby use using used uses""".split()
)


def stem_english(word: str) -> str:
    """Crude suffix stripping so that "pipes", "leaking" and "blocked" meet "pipe", "leak", "block".

    It only has to be consistent between the synonym file and the text, not linguistically right.
    """
    if not word.isascii() or not word.isalpha() or len(word) <= 3:
        return word
    for suffix in ("ing", "ed"):
        if word.endswith(suffix) and len(word) - len(suffix) >= 3:
            word = word[: -len(suffix)]
            # "shopping" → "shopp" → "shop"
            if len(word) >= 4 and word[-1] == word[-2] and word[-1] not in "lsz":
                word = word[:-1]
            return word
    if word.endswith("ies") and len(word) > 4:
        return word[:-3] + "y"
    if word.endswith(("ches", "shes", "sses", "xes")):
        return word[:-2]
    if word.endswith("s") and not word.endswith(("ss", "us", "is")):
        return word[:-1]
    return word
