"""Benchmark of the matching engine: accuracy on the tune and held-out needs, latency, start-up, memory.

    .venv/bin/python bench/matching.py [--tune-only]

Needs files in tests/data/: needs_tune.csv, needs_tune2.csv (adversarial: off-topic talk that names
a service word), needs_tune3.csv (plainly worded needs, statements of a trouble), needs_tune4.csv
(written independently later: typos, homophones, English, traditional characters, chit-chat,
out-of-scope requests) and needs_tune5.csv (written independently later still, on rejection: greetings,
remarks, stories, thanks and out-of-scope requests that must match nothing, each beside real needs worded
close to them) are for tuning; needs_heldout.csv, needs_heldout2.csv and needs_heldout3.csv
are held out. A needs file that is not there is skipped and its figures come out as null.

--tune-only leaves the held-out files unread (held-out figures come out as null): use it while working
on the engine, so that the held-out figures are only looked at once the work is done.

Progress goes to stderr; the LAST stdout line is one JSON object with the figures: `top1`, `top3`,
`rejection` and `miss_rate` are those of needs_heldout.csv, `heldout2_*` those of needs_heldout2.csv,
`heldout3_*` those of needs_heldout3.csv, `heldout_all_*` those of all the held-out needs pooled, and
`tune_*`, `tune2_*`, `tune3_*`, `tune4_*`, `tune5_*` and `dev_*` those of the tuning sets. The held-out files
are read here only, and only aggregate figures leave this script (never their rows): that keeps them honest.
Runs pinned to one CPU. Not part of the test suite.
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
from dataclasses import replace
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))

from core.catalog import CATEGORIES, ServiceEntry, parse_catalog  # noqa: E402
from core.matching import Matcher  # noqa: E402

DATA = ROOT / "tests" / "data"
# Needs written while building the engine, never tuned on row by row: a second, independent check.
DEV_NEEDS = ROOT / "tests" / "core" / "data" / "needs_dev.csv"
SYNTHETIC_SIZE = 10_000
_FIGURES = ("top1", "top3", "rejection", "miss_rate")
LATENCY_PASSES = 3


def log(message: str) -> None:
    print(message, file=sys.stderr, flush=True)


def read_needs(path: Path) -> list[tuple[str, str]]:
    """(text, expected service id or "" for no match) per row; [] if the file is not there."""
    if not path.is_file():
        return []
    with path.open(encoding="utf-8-sig", newline="") as handle:
        return [(row["text"], (row.get("expected") or "").strip()) for row in csv.DictReader(handle)]


def accuracy(matcher: Matcher, needs: Sequence[tuple[str, str]]) -> dict[str, float]:
    should, should_not = [n for n in needs if n[1]], [n for n in needs if not n[1]]
    top1 = top3 = missed = rejected = 0
    for text, expected in should:
        ids = [m.service_id for m in matcher.match(text, top=3)]
        top1 += ids[:1] == [expected]
        top3 += expected in ids
        missed += not ids
    for text, _ in should_not:
        rejected += not matcher.match(text, top=3)
    return {
        "top1": round(top1 / max(len(should), 1), 4),
        "top3": round(top3 / max(len(should), 1), 4),
        "rejection": round(rejected / max(len(should_not), 1), 4),
        "miss_rate": round(missed / max(len(should), 1), 4),
        "n_match": len(should),
        "n_nomatch": len(should_not),
    }


def accuracy_or_nulls(matcher: Matcher, needs: Sequence[tuple[str, str]]) -> dict[str, float | None]:
    """accuracy(), or nulls for a needs file that was not read (absent, or held out under --tune-only)."""
    if not needs:
        return dict.fromkeys((*_FIGURES, "n_match", "n_nomatch"))
    return dict(accuracy(matcher, needs))


def latency_ms(matcher: Matcher, queries: Sequence[str], communities: Sequence[str]) -> tuple[float, float]:
    """p50 and p99 per-query latency, each need asked with a community filter as the bot does.

    The matcher's per-service caches are emptied before every query, so each one pays for its match
    reasons in full (a pessimistic view of a long-running bot)."""
    for i, query in enumerate(queries):  # warm-up: imports, lazily loaded tables
        matcher.match(query, top=3, community=communities[i % len(communities)])
    samples = []
    for _ in range(LATENCY_PASSES):
        for i, query in enumerate(queries):
            matcher.clear_caches()
            start = time.perf_counter_ns()
            matcher.match(query, top=3, community=communities[i % len(communities)])
            samples.append((time.perf_counter_ns() - start) / 1e6)
    samples.sort()
    return round(statistics.median(samples), 3), round(samples[int(len(samples) * 0.99) - 1], 3)


def startup_seconds(catalog: Path, runs: int = 3) -> float:
    """Median wall time of a fresh interpreter that imports, loads synonyms and builds the matcher."""
    code = (
        "from core.catalog import parse_catalog\n"
        "from core.matching import Matcher, load_synonyms\n"
        f"Matcher.build(parse_catalog({str(catalog)!r}).entries, synonyms=load_synonyms())\n"
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


def main(argv: Sequence[str] | None = None) -> None:
    parser = argparse.ArgumentParser(description="matching engine benchmark")
    parser.add_argument("--tune-only", action="store_true", help="do not read the held-out needs")
    args = parser.parse_args(argv)
    if hasattr(os, "sched_setaffinity"):
        os.sched_setaffinity(0, {min(os.sched_getaffinity(0))})
    catalog_path = DATA / "catalog.csv"
    parsed = parse_catalog(catalog_path)
    if not parsed.ok:
        sys.exit(f"catalogue has errors: {parsed.errors[:3]}")
    tune = read_needs(DATA / "needs_tune.csv")
    tune2 = read_needs(DATA / "needs_tune2.csv")
    tune3 = read_needs(DATA / "needs_tune3.csv")
    tune4 = read_needs(DATA / "needs_tune4.csv")
    tune5 = read_needs(DATA / "needs_tune5.csv")
    heldout = [] if args.tune_only else read_needs(DATA / "needs_heldout.csv")
    heldout2 = [] if args.tune_only else read_needs(DATA / "needs_heldout2.csv")
    heldout3 = [] if args.tune_only else read_needs(DATA / "needs_heldout3.csv")
    log(
        f"catalogue: {len(parsed.entries)} services; tune {len(tune)} + {len(tune2)} + {len(tune3)} + {len(tune4)} "
        f"+ {len(tune5)} needs; held-out {len(heldout)} + {len(heldout2)} + {len(heldout3)} needs"
    )

    matcher = Matcher.build(parsed.entries)
    held = accuracy_or_nulls(matcher, heldout)
    held2 = accuracy_or_nulls(matcher, heldout2)
    held3 = accuracy_or_nulls(matcher, heldout3)
    held_all = accuracy_or_nulls(matcher, heldout + heldout2 + heldout3)
    log(f"held-out:  {held}")
    log(f"held-out2: {held2}")
    log(f"held-out3: {held3}")
    log(f"held-out, all pooled: {held_all}")
    tuned = accuracy_or_nulls(matcher, tune)
    tuned2 = accuracy_or_nulls(matcher, tune2)
    log(f"tune:      {tuned}")
    log(f"tune2:     {tuned2}")
    tuned3 = accuracy_or_nulls(matcher, tune3)
    log(f"tune3:     {tuned3}")
    tuned4 = accuracy_or_nulls(matcher, tune4)
    log(f"tune4:     {tuned4}")
    tuned5 = accuracy_or_nulls(matcher, tune5)
    log(f"tune5:     {tuned5}")
    dev = accuracy_or_nulls(matcher, read_needs(DEV_NEEDS))
    log(f"dev:       {dev}")

    queries = [text for text, _ in heldout + heldout2 + heldout3 + tune + tune2 + tune3 + tune4 + tune5]
    real_communities = sorted({c for e in parsed.entries for c in e.communities})
    p50_30, p99_30 = latency_ms(matcher, queries, real_communities)
    log(f"latency, {len(parsed.entries)} services: p50 {p50_30} ms, p99 {p99_30} ms")

    big = synthetic_catalog(parsed.entries, SYNTHETIC_SIZE)
    start = time.perf_counter()
    big_matcher = Matcher.build(big)
    build_10k = round(time.perf_counter() - start, 3)
    big_communities = sorted({c for e in big for c in e.communities})
    p50_10k, p99_10k = latency_ms(big_matcher, queries, big_communities)
    log(f"latency, {len(big)} services: p50 {p50_10k} ms, p99 {p99_10k} ms (build {build_10k} s)")

    startup = startup_seconds(catalog_path)
    log(f"start-up (fresh process, import + synonyms + build): {startup} s")
    peak_rss_mb = round(resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024, 1)

    figures = {k: held[k] for k in _FIGURES}
    figures |= {f"heldout2_{k}": held2[k] for k in _FIGURES}
    figures |= {f"heldout3_{k}": held3[k] for k in _FIGURES}
    figures |= {f"heldout_all_{k}": held_all[k] for k in ("top1", "top3", "rejection")}
    figures |= {f"tune_{k}": tuned[k] for k in _FIGURES}
    figures |= {f"tune2_{k}": tuned2[k] for k in _FIGURES}
    figures |= {f"tune3_{k}": tuned3[k] for k in _FIGURES}
    figures |= {f"tune4_{k}": tuned4[k] for k in _FIGURES}
    figures |= {f"tune5_{k}": tuned5[k] for k in _FIGURES}
    figures |= {f"dev_{k}": dev[k] for k in _FIGURES}
    figures |= {
        "n_heldout": len(heldout),
        "n_heldout2": len(heldout2),
        "n_heldout3": len(heldout3),
        "n_tune": len(tune),
        "n_tune2": len(tune2),
        "n_tune3": len(tune3),
        "n_tune4": len(tune4),
        "n_tune5": len(tune5),
        "p50_ms_30": p50_30,
        "p99_ms_30": p99_30,
        "p50_ms_10k": p50_10k,
        "p99_ms_10k": p99_10k,
        "startup_s": startup,
        "build_s_10k": build_10k,
        "peak_rss_mb": peak_rss_mb,
    }
    print(json.dumps(figures, ensure_ascii=False))


if __name__ == "__main__":
    main()
