"""Whether a message asks for help or only talks about something, read clause by clause.

A community worker reading "空调不制冷了" or "能帮我交一下电费吗" hears a request; reading "上次你们修水管修得
很好，谢谢", "新闻说老人摔倒没人扶" or "哪里有卖手机的" hears talk that happens to name a service's word. The
cue words behind that judgement are in data/cues.txt (staff-editable); this module reads one clause
with them and says:

- whether it asks for help: a request (想, 请, 帮, 能不能, 有没有, 怎么办…) or a trouble (坏, 堵, 不会, 没人,
  怕, 太…) that no frame governs;
- whether it asks a question (吗, 哪里, 几点, 怎么…), which asks about a service only if the words it
  names are the service's own; a yes-no question about the listener (你会说英语吗, 你是志愿者吗) is talk
  to whoever answers, not a request;
- which of its characters are framed: told of the past, reported, supposed, bought or sold, thanked
  for or praised. A framed word is only mentioned, not asked for. A request verb with an aspect marker
  (请了, 换过, 装好) tells what was done; a trouble of the recent past that nothing settles (上个月失业了)
  or that a clause about now follows (去年老伴走了，现在家里就我一个) is a need still.

A trouble negated (没堵过, 没有漏水, 不疼了) is none: a sub-clause that tells of one and neither asks,
complains nor questions says all is well, and its words are only mentioned. 没 that ends a clause after
了 or 过 (你看了没, 去过长沙没有) or stands between a verb and itself (吃没吃) asks yes or no: it tells of no lack.

Roles (data/roles.txt) say which synonym words name people (老人, 孩子), a manner (上门, 报名), an
everyday thing (手机, 冰箱) or only a fault (坏了, 修) rather than a kind of help; the scorer uses them.
The words of the trouble role (自闭症, 失眠, 杂物…) are trouble cues as well: a trouble stated plainly,
without 想 or 请, is a need ("我儿子有自闭症").
"""

from __future__ import annotations

from collections.abc import Callable, Iterable
from dataclasses import dataclass, field
from itertools import pairwise
from pathlib import Path

from core.matching.normalize import normalize_text
from core.matching.synonyms import SynonymDict, normalize_term

CUES_FILE = Path(__file__).with_name("data") / "cues.txt"
ROLES_FILE = Path(__file__).with_name("data") / "roles.txt"

ASK, QUESTION, YES_NO, TROUBLE, SKILL = "ask", "question", "yesno", "trouble", "skill"
# The frame of a message that asks nothing and names the resident's kin: talk about them (analyzer.py).
TALK = "talk"
# Role (roles.txt) of words for help that is found elsewhere, not from a community's services (宠物医院).
ELSEWHERE = "elsewhere"
PAST, RECENT, REPORT, HYPOTHETICAL, SHOP = "past", "recent", "report", "hypothetical", "shop"
THANKS, PRAISE, DONE = "thanks", "praise", "done"
PRICE, TURN, NOW, NEUTRAL = "price", "turn", "now", "neutral"
# Frame of a yes-no question about the listener (你会说英语吗, 你是机器人吗): talk to whoever answers.
LISTENER = "listener"
# Frame of a sub-clause that tells of a trouble negated (没堵过, 不疼了), set by the reader (no cue section).
NEGATED = "negated"
KINDS = frozenset(
    {ASK, QUESTION, YES_NO, TROUBLE, SKILL, PAST, RECENT, REPORT, HYPOTHETICAL, SHOP, THANKS, PRAISE, DONE, PRICE}
    | {TURN, NOW, NEUTRAL, LISTENER}
)
# Not knowing how to do something (不会, 学, 教) is a trouble that a teaching service answers.
ASKING = frozenset({ASK, TROUBLE, SKILL})
QUESTIONING = frozenset({ASK, TROUBLE, SKILL, QUESTION, YES_NO})
# Frames that govern their clause whatever else it says.
HARD_FRAMES = (PAST, REPORT, HYPOTHETICAL, SHOP)
# Frames that govern a clause only if it neither asks, complains nor questions, and only in a message
# that asks for nothing: "孩子很听话" and "孩子上学去了" are talk; "学校四点半就放学了，…孩子没地方去" tells
# the story of a need. A thank-you is one at the end of a clause ("能修一下吗，谢谢"), but a hard frame
# before what it thanks for ("谢谢你们帮我修好了水管").
SOFT_FRAMES = (PRAISE, THANKS, DONE)
# Frames lifted as soon as a message asks for something: the soft ones, and talk to the listener ("你是社工吗？
# 我家老人需要送饭").
_LIFTED_BY_ASKING = (*SOFT_FRAMES, LISTENER)
# Frames that make a whole message that asks for nothing a remark (see lift_frames).
_REMARKS = frozenset({PRAISE, THANKS})
# Frames that carry on into the next clauses ("如果我中了彩票，就全部捐给你们") until a clause does one of these.
CARRIED_UNTIL: dict[str, frozenset[str]] = {
    REPORT: frozenset({ASK, SKILL, QUESTION, YES_NO}),  # "听说有免费体检，在哪里做" asks of its own
    HYPOTHETICAL: frozenset({ASK, SKILL}),  # "假如机器人会生病，谁给你看病" is still supposing
}
# A modal with a final 吗 asks for something: 能上门剪头发吗, 可以借吗.
_MODALS = frozenset({"能", "可以", "还能"})
_YES_NO_PARTICLE = "吗"
_WILL, _DONE = "要", "了"
# A negation before a trouble tells there is none (没堵过, 没有漏水, 不疼了); not before a word of degree
# or frequency, which says how much of a trouble there is (不太方便, 不老是).
_NEGATIONS_HAN = frozenset({"没", "没有", "不"})
_DEGREE = frozenset({"太", "老是", "总是"})
# 没 ending a clause after an aspect marker asks yes or no (你看了没, 去过没有), as between a verb and
# itself (吃没吃); what may still follow it.
_YES_NO_ASPECT = frozenset("了过")
_TRAILING_PARTICLES = frozenset("啊呀呢啦嘛哦")
# A request verb with an aspect marker tells what was done, not what is wanted: 请了钟点工, 换了水龙头,
# 申请过, 交完电费, 空调刚装好.
_ASPECT = ("了", "过", "完", "好了")

# English: the words of a Latin run, read the same way (a short list: English needs are rare).
ENGLISH_CUES: dict[str, str] = {
    **dict.fromkeys(
        "need needs want wants looking help please pls can could someone anyone somebody apply install fix "
        "repair borrow rent pay donate deliver visit join register find for".split(),
        ASK,
    ),
    **dict.fromkeys("where when what which who".split(), QUESTION),
    **dict.fromkeys(
        "not no never t cannot broke broken stuck clogged blocked leaking leaks sick ill hurt pain anxious depressed "
        "lonely scared worried stressed unemployed noisy struggling struggle afford stopped fell fallen lost "
        "died".split(),
        TROUBLE,
    ),
    **dict.fromkeys("teach learn how".split(), SKILL),
    **dict.fromkeys("bought buy sell sold order ordered".split(), SHOP),
    **dict.fromkeys("price cheap expensive cost".split(), PRICE),
    **dict.fromkeys("news heard".split(), REPORT),
    **dict.fromkeys("yesterday ago last".split(), PAST),
    **dict.fromkeys("thank thanks thx".split(), THANKS),
    **dict.fromkeys("now nowadays".split(), NOW),
    **dict.fromkeys("great nice lovely delicious cute happy love crowded".split(), PRAISE),
}

_WOULD = frozenset({"d", "would", "wd"})
_USE = frozenset({"use", "using", "operate", "work"})
_NEGATIONS = frozenset({"t", "not", "cannot", "never", "no"})
_NEGATED_STILL_TROUBLE = frozenset({"afford", "not", "t", "no", "never", "cannot"})


def read_sections(path: Path) -> dict[str, list[str]]:
    """`[section]` headers followed by whitespace-separated words; `#` starts a comment."""
    sections: dict[str, list[str]] = {}
    current: list[str] | None = None
    for raw in path.read_text(encoding="utf-8").splitlines():
        line = raw.split("#", 1)[0].strip()
        if line.startswith("[") and line.endswith("]"):
            current = sections.setdefault(line[1:-1].strip(), [])
        elif line and current is not None:
            current.extend(line.split())
    return sections


@dataclass(frozen=True)
class CueLexicon:
    kinds: dict[str, str] = field(default_factory=dict)  # cue word → kind (the first section listing it)
    max_len: int = 1

    @classmethod
    def load(cls, path: Path = CUES_FILE) -> CueLexicon:
        kinds: dict[str, str] = {}
        for kind, words in read_sections(path).items():
            if kind not in KINDS:
                raise ValueError(f"{path}: unknown cue section [{kind}]")
            for word in words:
                if cue := normalize_text(word).replace(" ", ""):
                    kinds.setdefault(cue, kind)
        return cls(kinds, max(map(len, kinds), default=1))

    def with_words(self, words: Iterable[str], kind: str) -> CueLexicon:
        """This lexicon plus `words` as cues of `kind` (a word already listed keeps its kind)."""
        kinds = dict(self.kinds)
        for word in words:
            kinds.setdefault(word, kind)
        return CueLexicon(kinds, max(map(len, kinds), default=1))


@dataclass
class ClauseReading:
    """What one run of text (a clause between punctuation) does, once read."""

    frames: list[str | None]  # per character (per word in English): the frame that governs it, if any
    merchandise: list[bool]  # per character: in a clause with a price (things there are goods)
    asks: bool = False  # an unframed sub-clause asks for help or tells of a trouble
    questions: bool = False  # an unframed sub-clause asks a question (or for help)
    wh_question: bool = False  # an unframed sub-clause asks where, how, when… (not only yes or no)
    skill: bool = False  # an unframed sub-clause tells of not knowing how (不会用, 想学, 教教我)
    carry: str | None = None  # a frame that goes on into the next clause
    thanks_only: bool = False  # nothing but a thank-you: it thanks for the clause before
    past_trouble: bool = False  # a sub-clause told of the past tells of a trouble (去年老伴走了)
    recent_trouble: bool = False  # …of the recent past, whose trouble may well go on (上个月失业了)
    settles: bool = False  # a frame governs some of it or it says all is well (没事), and it asks nothing
    states: bool = False  # says how things are now, no frame governing any of it (现在家里就我一个)

    def framed(self, position: int) -> bool:
        return self.frames[position] is not None

    def lift(self, kinds: tuple[str, ...]) -> None:
        """Unframe what these frames govern."""
        self.frames[:] = [None if frame in kinds else frame for frame in self.frames]


def lift_frames(readings: list[ClauseReading], topical: list[bool]) -> None:
    """Frames that only hold in context, applied once all clauses of a message are read
    (`topical[i]`: whether clause i, where it is not framed, names a kind of help of its own):

    - a lone thank-you thanks for the clause before ("昨天志愿者来看我了，很感谢") unless that clause asks;
    - a trouble told of the past and then a plain statement of how things are now tells of a need: the
      statement is the trouble's consequence ("去年老伴走了，现在家里就我一个"), unless a frame governs it
      or it says all is well ("上个月摔了一跤，现在没事了"); a trouble of the recent past that nothing after
      it settles is still one ("上个月失业了"), as is one settled and then complained of again ("去年中风了，
      现在不疼了，但是手脚不利索");
    - soft frames (praise, done, a closing thank-you) hold only if the message asks for nothing;
    - what the resident heard is what they ask about if they go on to ask where, how or when
      ("听说可以免费体检，在哪里做"), not if they only wonder whether it is true ("…，是真的吗");
    - what was told of the past, heard or bought is what they ask about if the request names nothing of
      its own ("孩子上次参加了四点半课堂，这学期还能报名吗", "以前有人来家里打扫，现在没人来了", "孩子给我买了
      个新手机，什么都不会用");
    - a message that asks and questions nothing and praises or thanks is a remark throughout: its other
      clauses are what the remark is about ("我孙女在学英语，成绩还可以").
    """
    for before, after in pairwise(readings):
        if after.thanks_only and not before.questions:
            before.frames[:] = [frame or THANKS for frame in before.frames]
    for i, reading in enumerate(readings):
        if reading.past_trouble:
            for later in readings[i + 1 :]:
                later.asks = later.asks or later.states
        if reading.recent_trouble and not _settled(readings[i + 1 :]):
            reading.lift((PAST,))
            reading.asks = True
    if any(r.asks for r in readings):
        for reading in readings:
            reading.lift(_LIFTED_BY_ASKING)
    for i, reading in enumerate(readings):
        if REPORT in reading.frames and any(r.asks or r.wh_question for r in readings[i + 1 :]):
            reading.lift((REPORT,))
    asking = [i for i, r in enumerate(readings) if r.asks or r.wh_question]
    if asking and not any(topical[i] for i in asking):
        for reading in readings[: asking[-1] + 1]:
            reading.lift((PAST, REPORT, SHOP))
    if not any(r.asks or r.questions for r in readings):
        remark = next((f for r in readings for f in r.frames if f in _REMARKS), None)
        if remark is not None:
            for reading in readings:
                reading.frames[:] = [frame or remark for frame in reading.frames]


def _settled(later: list[ClauseReading]) -> bool:
    """Whether these clauses, told after a trouble, end its story: one settles it (现在没事了) and none
    after that complains or asks again (…，现在不疼了，但是手脚不利索)."""
    settled = False
    for reading in later:
        settled = reading.settles or (settled and not reading.asks)
    return settled


@dataclass
class _Part:
    """A sub-clause: characters begin–end, its cue kinds, and whether a thank-you leads into content."""

    begin: int
    end: int
    kinds: set[str]
    thanks_first: bool = False
    turns: bool = False  # starts with a turn word (现在…, 但是…): nothing carries into it


def _frame(part: _Part, carried: str | None) -> str | None:
    kinds = part.kinds
    if part.thanks_first:  # what one thanks for has been done
        return PAST
    hard = next((k for k in HARD_FRAMES if k in kinds or (k == PAST and RECENT in kinds)), None)
    if hard is not None:
        return hard
    if carried is not None and not part.turns and not kinds & CARRIED_UNTIL[carried]:
        return carried
    if LISTENER in kinds and not kinds & (ASKING | {QUESTION}):
        return LISTENER
    if NEGATED in kinds and not kinds & QUESTIONING:
        return NEGATED
    if not kinds & QUESTIONING:
        return next((k for k in SOFT_FRAMES if k in kinds), None)
    return None


def _read_parts(parts: list[_Part], size: int, carried: str | None) -> ClauseReading:
    reading = ClauseReading([None] * size, [False] * size)
    for part in parts:
        frame = _frame(part, carried)
        if frame is not None:
            reading.frames[part.begin : part.end] = [frame] * (part.end - part.begin)
            reading.past_trouble = reading.past_trouble or (frame == PAST and TROUBLE in part.kinds)
            recent = frame == PAST and not part.thanks_first and {RECENT, TROUBLE} <= part.kinds
            reading.recent_trouble = reading.recent_trouble or recent
            # A part the frame only carries into ends it once the part is over.
            carried = frame if frame in CARRIED_UNTIL else None
        else:
            carried = None
            reading.asks = reading.asks or bool(part.kinds & ASKING)
            reading.questions = reading.questions or bool(part.kinds & QUESTIONING)
            reading.wh_question = reading.wh_question or QUESTION in part.kinds
            reading.skill = reading.skill or SKILL in part.kinds
        if PRICE in part.kinds:
            reading.merchandise[part.begin : part.end] = [True] * (part.end - part.begin)
    reading.carry = carried
    return reading


def _has_aspect(after: str) -> bool:
    """Whether the text right after a verb starts with an aspect marker (了, 过, 完) or ends the clause
    with a result (装好, 装好了)."""
    return after.startswith(_ASPECT) or after == "好"


def _untroubled(text: str, found: list[tuple[int, int, str]], begin: int, end: int) -> list[tuple[int, int, str]]:
    """The cues of the sub-clause begin–end, with a negated trouble (没堵过, 没有漏水: the negation and the
    trouble) made one NEGATED cue and 没 that asks yes or no a [yesno] cue (你看了没, 吃没吃)."""
    kept: list[tuple[int, int, str]] = []
    n = 0
    while n < len(found):
        start, stop, kind = found[n]
        following = found[n + 1] if n + 1 < len(found) else None
        if kind == TROUBLE and text[start:stop] in _NEGATIONS_HAN:
            if following and following[0] == stop and following[2] == TROUBLE and not _is_degree(text, following):
                kept.append((start, following[1], NEGATED))
                n += 2
                continue
            if text[start:stop] != "不" and _asks_yes_or_no(text, start, stop, begin, end):
                kind = YES_NO
        kept.append((start, stop, kind))
        n += 1
    return kept


def _is_degree(text: str, cue: tuple[int, int, str]) -> bool:
    return text[cue[0] : cue[1]] in _DEGREE


def _asks_yes_or_no(text: str, start: int, stop: int, begin: int, end: int) -> bool:
    """Whether 没 (没有) at start–stop of the sub-clause begin–end asks yes or no: it ends the clause after
    an aspect marker (你看了没, 去过长沙没有) or stands between a verb and itself (吃没吃)."""
    if start <= begin:
        return False
    at_end = not text[stop:end].strip("".join(_TRAILING_PARTICLES))
    if at_end and not _YES_NO_ASPECT.isdisjoint(text[begin:start]):
        return True
    return stop < end and text[stop] == text[start - 1]


def read_clause(
    text: str,
    cues: CueLexicon,
    *,
    carried: str | None = None,
    is_cue_here: Callable[[int, int, str], bool] = lambda start, end, kind: True,
    content: Callable[[int], bool] = lambda i: True,
) -> ClauseReading:
    """Read one clause. `is_cue_here(start, end, kind)` may veto a cue found as a substring (one inside
    an everyday word or a synonym term); `content(i)` says whether character i carries meaning (is not
    a stop word), to tell a thank-you for something from one that ends a request."""
    found: list[tuple[int, int, str]] = []
    i = 0
    while i < len(text):
        for size in range(min(cues.max_len, len(text) - i), 0, -1):
            kind = cues.kinds.get(text[i : i + size])
            if kind is not None and is_cue_here(i, i + size, kind):
                found.append((i, i + size, kind))
                i += size
                break
        else:
            i += 1
    in_cue = [False] * len(text)
    for start, end, _ in found:
        in_cue[start:end] = [True] * (end - start)
    # A turn word (但是, 现在…) starts a new sub-clause.
    turns = {start for start, _, kind in found if kind in (TURN, NOW)}
    cuts = sorted({0, *turns, len(text)})
    parts = []
    for begin, end in pairwise(cuts):
        here = [(s, e, k) for s, e, k in found if begin <= s < end]
        # 要 before a closing 了 tells what is about to happen (要降温了), not what is wanted (要装扶手).
        here = [(s, e, k) for s, e, k in here if not (text[s:e] == _WILL and text[e:end].endswith(_DONE))]
        here = [(s, e, k) for s, e, k in here if not (k == ASK and _has_aspect(text[e:end]))]
        here = _untroubled(text, here, begin, end)
        kinds = {k for _, _, k in here}
        words = {text[s:e] for s, e, _ in here}
        if _YES_NO_PARTICLE in words and words & _MODALS:
            kinds.add(ASK)
        thanks_end = min((e for _, e, k in here if k == THANKS), default=end)
        thanks_first = any(content(j) and not in_cue[j] for j in range(thanks_end, end))
        parts.append(_Part(begin, end, kinds, thanks_first, begin in turns))
    reading = _read_parts(parts, len(text), carried)
    kinds = set().union(*(p.kinds for p in parts)) if parts else set()
    said = any(content(j) and not in_cue[j] for j in range(len(text)))
    reading.thanks_only = THANKS in kinds and not said
    reading.states = NOW in kinds and NEUTRAL not in kinds and not any(reading.frames)
    # A clause that goes on to complain settles nothing ("现在不疼了，但是手脚不利索").
    reading.settles = (NEUTRAL in kinds or any(reading.frames)) and not reading.asks
    return reading


def read_english(
    words: list[str], *, carried: str | None = None, troubles: Callable[[str], bool] = lambda word: False
) -> ClauseReading:
    """The same reading for a run of Latin words (flags per word), as one sub-clause. `troubles(word)`
    says whether a word that is no cue names a trouble all the same (a trouble word of roles.txt)."""

    def kind(word: str) -> str | None:
        return ENGLISH_CUES.get(word) or (TROUBLE if troubles(word) else None)

    # A negated trouble is none ("it hasn't clogged since"), but "can't afford" is the trouble itself.
    negated = {
        j
        for i, w in enumerate(words[:-1])
        if w in _NEGATIONS and kind(words[i + 1]) == TROUBLE and words[i + 1] not in _NEGATED_STILL_TROUBLE
        for j in (i, i + 1)
    }
    kinds = {k for i, w in enumerate(words) if i not in negated and (k := kind(w)) is not None}
    # "I'd like to…", "would like" asks; "I like dancing" praises.
    if any(w == "like" and i and words[i - 1] in _WOULD for i, w in enumerate(words)):
        kinds.add(ASK)
    elif "like" in words:
        kinds.add(PRAISE)
    # "can't use", "doesn't know how to use": not knowing how.
    if any(w in _USE and _NEGATIONS.intersection(words[max(0, i - 3) : i]) for i, w in enumerate(words)):
        kinds.add(SKILL)
    thanks = [i for i, w in enumerate(words) if ENGLISH_CUES.get(w) == THANKS]
    # "thanks for fixing the sink" thanks for something; "thank you so much" is courtesy.
    thanks_first = bool(thanks) and "for" in words[thanks[0] :]
    if kinds & ASKING:  # English tells a present trouble in the past tense: "the toilet got clogged yesterday"
        kinds.discard(PAST)
    reading = _read_parts([_Part(0, len(words), kinds, thanks_first)], len(words), carried)
    reading.thanks_only = THANKS in kinds and not kinds & QUESTIONING and not thanks_first
    reading.states = NOW in kinds and not any(reading.frames)
    reading.settles = any(reading.frames)
    return reading


def load_roles(synonyms: SynonymDict, path: Path = ROLES_FILE) -> dict[str, str]:
    """Term → role ("people", "manner", "things", "fault", "trouble" or "elsewhere"). An entry is a term,
    or a group's first term followed by "*" for every term of that group."""
    roles: dict[str, str] = {}
    by_label = {terms[0]: terms for terms in synonyms.groups if terms}
    for role, entries in read_sections(path).items():
        for entry in entries:
            if entry.endswith("*"):
                roles.update(dict.fromkeys(by_label.get(normalize_term(entry[:-1]), ()), role))
            else:
                roles[normalize_term(entry)] = role
    return roles
