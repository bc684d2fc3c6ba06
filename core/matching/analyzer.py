"""Turn a need or a service text into matching features.

Feature kinds, from strongest to weakest evidence:
- concept: a synonym-group id found in the text (送饭 and 助餐 both give the meal-delivery group);
  English words reach Chinese services this way;
- fuzzy_concept (needs only): a window that *sounds* like a synonym term (赔同 → 陪同), sounds that
  many speakers merge counting as one (zh/z, ch/c, sh/s, n/l, -ng/-n: 自愿者 → 志愿者);
- word: a Latin word that is in no synonym group;
- bigram: two adjacent Chinese content characters (exact surface evidence), or failing that their
  toneless pinyin at a discount, so that homophone typos (送反, 输通) still meet 送饭, 疏通;
- number: a multi-digit number (60岁, 120);
- pinyin: the pinyin of a pair with a stop character in it, for typos like 管到 (到 is a stop word);
- skip_bigram (needs only): two content characters with one or two between them (送个盒饭 → 送饭);
- char: a single content character (weak; helps short and broken phrases).

Chinese is not segmented into words: synonym terms are found as substrings, stop words are removed
around them, and the rest is covered by character bigrams. This needs no dictionary load at start-up,
unlike jieba. In a need, what follows a request word (想, 要, 请, 帮, 有没有…) is marked as the focus:
"我退休了有空，想当志愿者" asks for volunteering, not for retirement. A synonym term that straddles two
words is no term there (家电 in 我家电脑, see segment.py); one split by a particle or a complement still
is (洗不了澡 is 洗澡, see han.py).

A need is also read for cues (cues.py): whether it asks for help at all (`Reading.mode`), and which of
its words it only mentions (`Feature.incidental`: "上次你们修水管修得很好" thanks for a repair, it does not
ask for one). Concepts carry the role of their word (people, things, faults…: see data/roles.txt).
"""

from __future__ import annotations

import re
import sys
from collections.abc import Callable
from dataclasses import dataclass, replace
from functools import lru_cache
from itertools import islice, product
from pathlib import Path

from core.matching.cues import TALK, TROUBLE, ClauseReading, CueLexicon, lift_frames, load_roles, read_english
from core.matching.english import ENGLISH_STOPWORDS, stem_english
from core.matching.han import FRAMED_SALIENCE, HanRun
from core.matching.normalize import is_han, normalize_text, pinyin_table
from core.matching.synonyms import SynonymDict

STOPWORDS_FILE = Path(__file__).with_name("data") / "stopwords.txt"
EVERYDAY_WORDS_FILE = Path(__file__).with_name("data") / "everyday_words.txt"
COMMON_WORDS_FILE = Path(__file__).with_name("data") / "common_words.txt"
_TOKENS = re.compile(r"[\u3400-\u4dbf\u4e00-\u9fff]+|[a-z]+|[0-9]+")
# "4点半" and "四点半" must meet: a lone digit touching Chinese becomes a Chinese numeral.
_LONE_DIGIT = re.compile(r"(?<=[\u4e00-\u9fff])[0-9](?![0-9])|(?<![0-9])[0-9](?=[\u4e00-\u9fff])")
_NUMERALS = str.maketrans("0123456789", "零一二三四五六七八九")
_MAX_READING_COMBOS = 4  # heteronyms: 4 pinyin spellings per bigram are plenty
HOMOPHONE_FACTOR = 0.6  # a pair that only sounds like the service's words counts 60% of the exact pair
_RUN_CACHE_LIMIT = 200_000  # distinct clauses remembered while indexing a catalogue

# What a need does, from its cues (see cues.py); the scorer asks more of a need that does not ask.
NEED = "need"  # asks for help or tells of a trouble: "空调不制冷了", "想借个轮椅"
QUESTION = "question"  # asks another question only: "你们几点下班", "这周末天气怎么样，适合出门吗"
INQUIRY = "inquiry"  # asks where, when, how… about a kind of help: "老年证在哪办", "打太极拳的在哪里集合"
PLAIN = "plain"  # neither: a bare topic ("新手爸妈育儿讲座") or talk ("我孙子今天考试考得好")
PEOPLE, MANNER, THINGS, FAULT = "people", "manner", "things", "fault"
# Kin (我爸, 孙女: roles.txt) are people too; a message that names one and asks nothing is talk about them.
KIN = "kin"
# Roles whose words say who is helped or how, not what help: they count half.
MINOR_ROLES = frozenset({PEOPLE, MANNER})
# Roles whose words name no kind of help of their own: who, how, or only that something is broken.
UNTOPICAL_ROLES = MINOR_ROLES | {FAULT}


@dataclass(frozen=True, slots=True)
class Feature:
    kind: str  # concept | fuzzy_concept | word | bigram | number | pinyin | skip_bigram | char
    keys: tuple[str, ...]  # alternative index keys; the best-scoring one that matches counts
    label: str  # what to show in a match reason
    salience: float = 1.0  # in a need: more after a request word, less where it is only mentioned
    factors: tuple[float, ...] = ()  # per alternative key (default 1.0 each): homophones count less
    incidental: bool = False  # in a need: only mentioned (reported, past, bought…), not asked for
    role: str = ""  # of a concept's word: people, manner, things, fault, trouble or "" (data/roles.txt)

    def alternatives(self) -> list[tuple[str, float]]:
        """(key, factor) for every alternative key."""
        return [(key, self.factors[i] if self.factors else 1.0) for i, key in enumerate(self.keys)]


def load_stopwords(path: Path = STOPWORDS_FILE) -> frozenset[str]:
    words: set[str] = set()
    for line in path.read_text(encoding="utf-8").splitlines():
        words.update(normalize_text(line.split("#", 1)[0]).split())
    return frozenset(words)


@lru_cache(maxsize=1)
def common_words() -> frozenset[str]:
    """Everyday words: one of these in a need is meant as written, not a sound-alike typo (the generated list
    and the staff-editable everyday_words.txt)."""
    lines = COMMON_WORDS_FILE.read_text(encoding="utf-8").splitlines()
    lines += EVERYDAY_WORDS_FILE.read_text(encoding="utf-8").splitlines()
    return frozenset(line.strip() for line in lines if line.strip() and not line.startswith("#"))


@lru_cache(maxsize=200_000)
def pinyin_keys(chars: str) -> tuple[str, ...]:
    """Toneless pinyin spellings of `chars` (several for heteronyms); () if a character has none."""
    table = pinyin_table()
    readings: list[tuple[str, ...]] = []
    for ch in chars:
        reading = table.get(ch)
        if reading is None:
            return ()
        readings.append(reading)
    return tuple(" ".join(combo) for combo in islice(product(*readings), _MAX_READING_COMBOS))


# Sounds that many speakers do not tell apart (southern accents, and the typing that follows them):
# zh/z, ch/c, sh/s, n/l at the start of a syllable, -ng/-n at its end (自愿者 for 志愿者).
_BLURRED_INITIALS = re.compile(r"\b(z|c|s)h|\bn(?=[aeiou])")
_BLURRED_FINALS = re.compile(r"(?<=[aei])ng\b")


@lru_cache(maxsize=50_000)
def blurred(key: str) -> str:
    """A pinyin key with the sounds of `_BLURRED_*` merged, for finding sound-alike synonym terms."""
    return _BLURRED_FINALS.sub("n", _BLURRED_INITIALS.sub(lambda m: m.group(1) or "l", key))


@dataclass(frozen=True, slots=True)
class Reading:
    """A need's features and what the need does (NEED, INQUIRY, QUESTION or PLAIN)."""

    features: list[Feature]
    mode: str
    skill: bool  # tells of not knowing how to do something (不会用手机): a teaching service may fit
    unframed: str  # the need without spaces, "|" for what it only mentions (for finding a service's name)


def _put(features: dict[str, Feature], feature: Feature) -> None:
    """Keep each key once, with the highest salience it was seen with; incidental only if every time."""
    old = features.get(feature.keys[0])
    if old is None:
        features[feature.keys[0]] = feature
    elif feature.salience > old.salience or (old.incidental and not feature.incidental):
        salience = max(old.salience, feature.salience)
        features[feature.keys[0]] = replace(old, salience=salience, incidental=old.incidental and feature.incidental)


@dataclass
class _LatinRun:
    """A run of Latin words (unstemmed) and, in a need, its cue reading."""

    words: list[str]
    reading: ClauseReading | None = None

    def read(self, carried: str | None, troubles: Callable[[str], bool]) -> str | None:
        self.reading = read_english(self.words, carried=carried, troubles=troubles)
        return self.reading.carry

    def framed(self, position: int) -> bool:
        return self.reading is not None and self.reading.framed(position)


class Analyzer:
    def __init__(self, synonyms: SynonymDict, stopwords: frozenset[str]) -> None:
        self.synonyms = synonyms
        self.han_terms = {t: g for t, g in synonyms.term_groups.items() if all(is_han(c) for c in t)}
        self.english_stop = ENGLISH_STOPWORDS | {w for w in stopwords if w.isascii()}
        # A stemmed synonym that collides with a stop word ("outing" → "out") must not match on its own.
        self.latin_terms = {
            t: g for t, g in synonyms.term_groups.items() if t.replace(" ", "").isascii() and t not in self.english_stop
        }
        self.max_han_len = max((len(t) for t in self.han_terms), default=1)
        self.max_latin_words = max((t.count(" ") + 1 for t in self.latin_terms), default=1)
        self.stop_han = frozenset(w for w in stopwords if all(is_han(c) for c in w))
        self.max_stop_len = max((len(w) for w in self.stop_han), default=1)
        # Sound → synonym terms, for needs typed with the wrong character of the right sound.
        self.terms_by_sound: dict[str, list[str]] = {}
        for term in self.han_terms:
            if 2 <= len(term) <= 4:
                for key in dict.fromkeys(map(blurred, pinyin_keys(term))):
                    self.terms_by_sound.setdefault(key, []).append(term)
        self._run_keys: dict[str, tuple[str, ...]] = {}
        # Lexicon for telling whether a term found in a clause is a word there (see segment.py).
        self.lexicon = common_words() | self.han_terms.keys() | {w for w in self.stop_han if len(w) > 1}
        self.max_word_len = max(map(len, self.lexicon), default=1)
        roles = load_roles(synonyms)
        self.kin = frozenset(term for term, role in roles.items() if role == KIN)
        self.roles = {term: PEOPLE if role == KIN else role for term, role in roles.items()}
        # Words that name a trouble (roles.txt) tell of one like the trouble cues of cues.txt: "孩子有自闭症"
        # is a need, plainly stated.
        troubles = {term for term, role in self.roles.items() if role == TROUBLE}
        self.cues = CueLexicon.load().with_words((t for t in troubles if all(map(is_han, t))), TROUBLE)
        self.latin_troubles = frozenset(t for t in troubles if t.isascii() and " " not in t)

    def analyze(self, text: str, *, query: bool = False) -> list[Feature]:
        """Features of `text`, each key once. `query=True` for a resident's need: adds sound-alike
        concepts, skip-bigrams, focus and cues, which would only add noise on the service side."""
        return self._analyze(text, query=query).features

    def read(self, text: str) -> Reading:
        """A resident's need: its features and whether it asks for help (see `Reading`)."""
        return self._analyze(text, query=True)

    def _analyze(self, text: str, *, query: bool) -> Reading:
        normalized = _LONE_DIGIT.sub(lambda m: m.group().translate(_NUMERALS), normalize_text(text))
        # First read every clause (a run of Chinese characters, of Latin words, or a number), then make
        # features: a thank-you may frame the clause before it ("昨天志愿者来看我了，很感谢").
        units: list[HanRun | _LatinRun | str] = []
        carried: str | None = None
        for token in _TOKENS.findall(normalized):
            if token.isascii() and token.isalpha():
                if units and isinstance(units[-1], _LatinRun):
                    units[-1].words.append(token)
                else:
                    units.append(_LatinRun([token]))
                continue
            if units and isinstance(units[-1], _LatinRun) and query:
                carried = units[-1].read(carried, self._latin_trouble)
            if token.isdigit():
                units.append(token)
            else:
                run = HanRun(token, self, query=query, carried=carried)
                carried = run.reading.carry if run.reading is not None else None
                units.append(run)
        if units and isinstance(units[-1], _LatinRun) and query:
            units[-1].read(carried, self._latin_trouble)
        read = [(u, u.reading) for u in units if not isinstance(u, str) and u.reading is not None]
        readings = [reading for _, reading in read]
        topical = [self._topical(u) for u, _ in read]
        lift_frames(readings, topical)
        if readings and not any(r.asks or r.questions for r in readings) and "?" not in text and "？" not in text:
            if any(self._names_kin(u) for u, _ in read):
                for reading in readings:
                    reading.frames[:] = [frame or TALK for frame in reading.frames]

        features: dict[str, Feature] = {}
        unframed: list[str] = []
        for unit in units:
            if isinstance(unit, str):
                unframed.append(unit)
                if len(unit) > 1:
                    _put(features, Feature("number", ("N" + unit,), unit))
            elif isinstance(unit, _LatinRun):
                self._add_latin(unit, features)
                unframed.extend("|" if unit.framed(i) else w for i, w in enumerate(unit.words))
            else:
                self._add_han(unit, features, query=query)
                unframed.extend("|" if unit.framed(i) else ch for i, ch in enumerate(unit.text))
        if any(r.asks for r in readings):
            mode = NEED
        elif any(r.wh_question and about for r, about in zip(readings, topical, strict=True)):
            mode = INQUIRY
        elif any(r.questions for r in readings) or "?" in text or "？" in text:
            mode = QUESTION
        else:
            mode = PLAIN
        skill = any(r.skill for r in readings)
        return Reading(list(features.values()), mode, skill, "".join(unframed))

    def _names_kin(self, unit: HanRun | _LatinRun) -> bool:
        """Whether a clause, where it is not framed, names one of the resident's kin ("我爸每天去打太极")."""
        if isinstance(unit, _LatinRun):
            return any(stem_english(w) in self.kin for i, w in enumerate(unit.words) if not unit.framed(i))
        return any(not unit.framed(start) and unit.text[start:end] in self.kin for start, end in unit.term_spans)

    def _latin_trouble(self, word: str) -> bool:
        return stem_english(word) in self.latin_troubles

    def _topical(self, unit: HanRun | _LatinRun) -> bool:
        """Whether a clause, where it is not framed, names a kind of help (not only people, a manner or a
        fault: "上周洗衣机坏了，到现在还没修好" asks about the washing machine)."""
        if isinstance(unit, _LatinRun):
            words = [stem_english(w) for i, w in enumerate(unit.words) if not unit.framed(i)]
            return any(w in self.latin_terms and self.roles.get(w, "") not in UNTOPICAL_ROLES for w in words)
        return any(
            not unit.framed(start) and self.roles.get(unit.text[start:end], "") not in UNTOPICAL_ROLES
            for start, end in unit.term_spans
        )

    def can_anchor(self, phrase: str, things: bool) -> bool:
        """Whether a service keyword found in a need may anchor the match: not if it only names people,
        nor a thing when `things` is false (see scoring.anchors)."""
        role = self.roles.get(phrase, "")
        return role != PEOPLE and (things or role != THINGS)

    def index_keys(self, text: str) -> set[str]:
        """Index keys of a service text. Catalogues repeat the same clauses across organisations and
        communities, so each clause is analysed once (keys only: Feature objects would cost memory)."""
        keys: set[str] = set()
        normalized = _LONE_DIGIT.sub(lambda m: m.group().translate(_NUMERALS), normalize_text(text))
        for clause in normalized.split(" "):
            cached = self._run_keys.get(clause)
            if cached is None:
                cached = tuple(sys.intern(k) for f in self.analyze(clause) for k in f.keys)
                if len(self._run_keys) < _RUN_CACHE_LIMIT:
                    self._run_keys[clause] = cached
            keys.update(cached)
        # Latin phrases may span spaces ("washing machine"): analyse the Latin words together too.
        latin = " ".join(w for w in normalized.split(" ") if w.isascii())
        if " " in latin:
            keys.update(k for f in self.analyze(latin) for k in f.keys)
        return keys

    def forget_indexed_text(self) -> None:
        """Drop the clause cache once a catalogue is indexed."""
        self._run_keys.clear()

    def _add_latin(self, run: _LatinRun, features: dict[str, Feature]) -> None:
        words = [stem_english(w) for w in run.words]
        i = 0
        while i < len(words):
            framed = run.framed(i)
            salience = FRAMED_SALIENCE if framed else 1.0
            for size in range(min(self.max_latin_words, len(words) - i), 0, -1):
                phrase = " ".join(words[i : i + size])
                if phrase in self.latin_terms:
                    role = self.roles.get(phrase, "")
                    for group in self.latin_terms[phrase]:
                        _put(features, Feature("concept", (f"G{group}",), phrase, salience, (), framed, role))
                    i += size
                    break
            else:
                word = words[i]
                if word not in self.english_stop and len(word) > 1:
                    _put(features, Feature("word", ("W" + word,), word, salience, (), framed))
                i += 1

    def _add_han(self, run: HanRun, features: dict[str, Feature], *, query: bool) -> None:
        text = run.text
        for start, end in run.term_spans:
            role = self.roles.get(text[start:end], "")
            for group in self.han_terms[text[start:end]]:
                salience = run.salience(start) if query else 1.0
                incidental = run.framed(start) or (role == THINGS and run.merchandise(start))
                feature = Feature("concept", (f"G{group}",), text[start:end], salience, (), incidental, role)
                _put(features, feature)
        for term, (start, _), _ in run.split_terms:
            role = self.roles.get(term, "")
            incidental = run.framed(start) or (role == THINGS and run.merchandise(start))
            for group in self.han_terms[term]:
                _put(features, Feature("concept", (f"G{group}",), term, run.salience(start), (), incidental, role))
        if query:
            self._add_sound_alikes(run, features)
        # In a need, text a synonym term already explains adds no surface features: they would count
        # the same words twice and let generic words (孩子, 老人) outweigh the specific one. Services keep
        # them, so a need's loose wording (搞下卫生) still meets the service's exact words (打扫卫生).
        free = [not run.stop[i] and not (query and run.covered[i]) for i in range(len(text))]
        for i, ch in enumerate(text):
            if not free[i]:
                continue
            salience = run.salience(i) if query else 1.0
            framed = run.framed(i)
            _put(features, Feature("char", ("C" + ch,), ch, salience, (), framed))
            if i + 1 < len(text) and not (query and run.covered[i + 1]):
                pair = text[i : i + 2]
                sounds = tuple("P" + k for k in pinyin_keys(pair))
                if free[i + 1]:
                    keys, factors = ("B" + pair, *sounds), (1.0,) + (HOMOPHONE_FACTOR,) * len(sounds)
                    _put(features, Feature("bigram", keys, pair, salience, factors, framed))
                elif sounds:
                    # Typos land on stop characters too (管到 for 管道): one content character is enough.
                    _put(features, Feature("pinyin", sounds, pair, salience, (), framed))
        if query:
            self._add_skip_bigrams(run, free, features)

    @staticmethod
    def _add_skip_bigrams(run: HanRun, free: list[bool], features: dict[str, Feature]) -> None:
        """Content characters one or two apart, as a service would write them side by side:
        送个盒饭 → 送饭, 量下血压 → 量血. Needs only; services are indexed contiguously."""
        positions = [i for i, is_stop in enumerate(run.stop) if not is_stop]
        for k, left in enumerate(positions):
            for right in positions[k + 1 : k + 3]:
                if 2 <= right - left <= 3 and (free[left] or free[right]):
                    pair = run.text[left] + run.text[right]
                    feature = Feature("skip_bigram", ("B" + pair,), pair, run.salience(left), (), run.framed(left))
                    _put(features, feature)

    def sound_alikes(self, run: HanRun) -> list[tuple[int, str, str]]:
        """Synonym terms that sound like a window of the need and share at least half its characters
        (赔同 → 陪同, 残积证 → 残疾证), as (start, window, term), longest windows first. Everyday words are
        taken as meant: a window that is one (老板 is no typo of 老伴), lies in one or cuts one in two (买彩票
        holds no 买菜) is skipped, and so is one that cuts a synonym term found in the need in two (的水 in
        的水管 is no 滴水) or shares no character with the term (屋里 is not 物理)."""
        text, everyday = run.text, common_words()
        words = [
            (start, start + size)
            for size in (2, 3, 4)
            for start in range(len(text) - size + 1)
            if text[start : start + size] in everyday
        ] + [(start, end) for start, end in run.term_spans if end - start > 1]
        found: list[tuple[int, str, str]] = []
        for size in (4, 3, 2):
            for start in range(len(text) - size + 1):
                end, window = start + size, text[start : start + size]
                if all(run.covered[start:end]) or all(run.stop[start:end]):
                    continue
                # Skip a window that is, lies in or cuts an everyday word (one strictly inside it may stay).
                if any(s < end and start < e and not (start <= s and e <= end and e - s < size) for s, e in words):
                    continue
                for key in dict.fromkeys(map(blurred, pinyin_keys(window))):
                    for term in self.terms_by_sound.get(key, ()):
                        if sum(a != b for a, b in zip(window, term, strict=True)) <= size // 2:
                            found.append((start, window, term))
        return found

    def _add_sound_alikes(self, run: HanRun, features: dict[str, Feature]) -> None:
        """Concepts of the synonym terms a window of the need sounds like (see `sound_alikes`)."""
        for start, window, term in run.sound_alikes:
            for group in self.han_terms[term]:
                if f"G{group}" not in features:
                    label = f"{window}→{term}"
                    role = self.roles.get(term, "")
                    incidental = run.framed(start) or (role == THINGS and run.merchandise(start))
                    feature = Feature("fuzzy_concept", (f"G{group}",), label, run.salience(start), (), incidental, role)
                    features[f"G{group}"] = feature
