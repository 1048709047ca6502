"""Benchmark: build time, warm search latency, throughput and peak memory (`make bench`).

Two scenarios, each in its own subprocess so that `ru_maxrss` is that scenario's
own peak rather than everything the parent process has touched:

* real — the configured corpus, built from scratch into a temporary folder.
* synthetic — N passages recombined from whole sentences of the real corpus,
  indexed through the real build path, to see how search scales. Embedding
  their ~4 units a passage with the bundled model would take hours, so each
  unit's vector is mixed from the real vectors of the sentences it holds, and
  the embedding cost is reported apart, extrapolated from a measured rate.

Latency is measured warm, with one client and with THREADS concurrent clients,
because the action server and the gateway share one Searcher across threads;
and, beside the dev-set questions, for the longest chat message the gateway
accepts, which search must not let cost more than a few questions.
`python -m knowledge.bench real|synthetic WORK` is the subprocess's entry point.
"""

from __future__ import annotations

import argparse
import json
import os
import platform
import resource
import subprocess
import sys
import tempfile
import time
from collections.abc import Callable, Sequence
from concurrent.futures import ThreadPoolExecutor
from dataclasses import asdict, dataclass, fields, replace
from pathlib import Path
from typing import Any

import faiss
import numpy as np

from knowledge.devset import read_dev_set
from knowledge.embedding import Embedder, EmbeddingSpec, load_embedder
from knowledge.errors import KnowledgeError
from knowledge.index_store import Manifest, load_index, swap_current, units_of, write_build
from knowledge.lexicon import Lexicon
from knowledge.passages import Passage
from knowledge.searcher import Searcher
from knowledge.settings import ROOT, KnowledgeSettings
from knowledge.structure import sentences
from knowledge.vector_index import choose_type

THREADS = 8
WARMUP_CALLS = 5
SEED = 20240521
NOISE = 0.1  # expected norm of the gaussian noise added to a mixed unit vector
DOC_SIZE = 200  # synthetic passages per synthetic document
BLOCK = 65_536  # units mixed at a time
EMBED_SAMPLE = 30  # real passages embedded to measure the embedding rate
TARGET_P95_MS = {"real": 30.0, "synthetic": 80.0}  # warm, one client
# The longest chat message the gateway accepts (connectors/settings.py
# MAX_MESSAGE_CHARS) may cost at most this many times a dev-set question.
LONGEST_MESSAGE = 2000
TARGET_LONG_RATIO = 3.0
FALLBACK_QUESTIONS = [
    "小微企业专利被侵权了，能申请维权援助吗？",
    "知识产权维权援助需要提交哪些材料？",
    "商标被别人抢注了怎么办？",
    "申请维权援助要不要交费？",
    "海外知识产权纠纷可以获得什么帮助？",
]
HEADER = (
    f"scenario|passages|units|index|build s|1 client p50/95/99 ms|{THREADS} threads p50/95/99 ms"
)
HEADER += f"|q/s 1 / {THREADS}|peak MB"
ROW = "{:<9} {:>8} {:>8} {:>7} {:>7} {:>21} {:>23} {:>9} {:>7}"


def _proc_value(path: str, key: str) -> str | None:
    """The value of the first `key: value` line of a /proc file (None off Linux)."""
    try:
        lines = Path(path).read_text(encoding="utf-8").splitlines()
    except OSError:
        return None
    return next((ln.split(":", 1)[1].strip() for ln in lines if ln.startswith(key)), None)


def describe_machine(settings: KnowledgeSettings) -> dict[str, Any]:
    """What the numbers were measured on: a latency means little without the hardware."""
    mem_kb = (_proc_value("/proc/meminfo", "MemTotal") or "0").split()[0]
    return {
        "cpu": _proc_value("/proc/cpuinfo", "model name") or platform.processor() or "unknown",
        "cores": len(os.sched_getaffinity(0)),
        "cpu_count": os.cpu_count(),
        "ram_gb": round(int(mem_kb) / 2**20, 1),
        "os": platform.platform(),
        "python": platform.python_version(),
        "numpy": np.__version__,
        "faiss": faiss.__version__,
        "faiss_omp_threads": faiss.omp_get_max_threads(),
        "omp_num_threads": os.environ.get("OMP_NUM_THREADS"),
        "model": settings.embedding.model_id,
        # Other work on the machine skews every number (OpenMP threads spin while they wait).
        "load_1min": round(os.getloadavg()[0], 2),
    }


def percentiles(samples: Sequence[float], points: Sequence[int] = (50, 95, 99)) -> dict[str, float]:
    """Linearly interpolated percentiles keyed "p50", …; an empty sample is an error."""
    if not samples:
        raise ValueError("no samples")
    values = np.percentile(np.asarray(samples, dtype=np.float64), list(points))
    return {f"p{p}": float(v) for p, v in zip(points, values, strict=True)}


def load_questions(path: Path) -> list[str]:
    """The dev-set questions (real wording and length), or a few built-in ones."""
    return [q.question for q in read_dev_set(path)] if path.exists() else list(FALLBACK_QUESTIONS)


def long_messages(questions: list[str], chars: int = LONGEST_MESSAGE) -> list[str]:
    """Messages of exactly `chars` characters (when the questions hold that much
    text): each question at the end of a story told by the questions after it,
    the way a long message ends with what is asked."""
    messages = []
    for number, question in enumerate(questions):
        story = "".join(questions[number + 1 :] + questions[:number]) or question
        while len(story) < chars:
            story += story
        messages.append(story[: max(chars - len(question), 0)] + question)
    return messages


def time_calls(
    call: Callable[[str], object], questions: list[str], total: int, threads: int = 1
) -> dict[str, float]:
    """Latency percentiles (ms) and throughput of `total` calls shared by `threads` clients."""
    work = [questions[i % len(questions)] for i in range(total)]

    def client(share: list[str]) -> list[float]:
        latencies = []
        for question in share:
            started = time.perf_counter()
            call(question)
            latencies.append((time.perf_counter() - started) * 1000)
        return latencies

    started = time.perf_counter()
    with ThreadPoolExecutor(max_workers=threads) as pool:
        shares = pool.map(client, [work[i::threads] for i in range(threads)])
        latencies = [ms for share in shares for ms in share]
    wall = time.perf_counter() - started
    stats = {f"{k}_ms": v for k, v in percentiles(latencies).items()}
    return {**stats, "qps": total / wall, "calls": total, "threads": threads}


def measure_search(searcher: Searcher, questions: list[str], total: int) -> dict[str, Any]:
    """Warm `search(q, k=5)` latency with one and with THREADS concurrent clients, and RSS."""
    for question in questions[:WARMUP_CALLS]:
        searcher.search(question, k=5)

    def search(question: str) -> object:
        return searcher.search(question, k=5)

    return {
        "one_client": time_calls(search, questions, total),
        "threaded": time_calls(search, questions, total, THREADS),
        "rss_mb": rss_mb(),  # while the searcher is alive: what serving this index costs
    }


def rss_mb() -> float:
    """This process's resident memory now, in MB (0 where /proc is missing)."""
    return int((_proc_value("/proc/self/status", "VmRSS") or "0 kB").split()[0]) / 1024


def sentence_pool(passages: list[Passage]) -> tuple[list[str], np.ndarray]:
    """Whole sentences of the passages, and the index of the passage each came from.

    Only a sentence that, doubled, splits into two copies of itself is kept (it
    ends a sentence and opens with no closing quote), so any concatenation of
    pool sentences splits back into exactly those sentences.
    """
    pool: list[str] = []
    owners: list[int] = []
    for number, passage in enumerate(passages):
        for sentence in (s.strip() for s in sentences(passage.text)):
            if sentence and sentences(sentence + sentence) == [sentence, sentence]:
                pool.append(sentence)
                owners.append(number)
    return pool, np.asarray(owners, dtype=np.int64)


@dataclass
class SyntheticCorpus:
    """Synthetic passages with the index's unit table: texts, vectors and owning passage."""

    passages: list[Passage]
    unit_texts: list[str]
    vectors: np.ndarray
    owners: np.ndarray


def synthesize(
    passages: list[Passage], vectors: np.ndarray, n: int, seed: int = SEED, noise: float = NOISE
) -> SyntheticCorpus:
    """`n` passages of 2–5 real sentences, with vectors for their embedding units.

    `vectors` are the real build's unit vectors, in `units_of(passages)` order.
    Each synthetic unit (the whole passage, a sentence, …) gets the mean of the
    real vectors of the sentences it contains, plus noise, L2-normalised.
    """
    pool, owners = sentence_pool(passages)
    if not pool:
        raise KnowledgeError("the corpus has no whole sentences to build a synthetic corpus from")
    real = sentence_vectors(passages, vectors, pool, owners)
    rng = np.random.default_rng(seed)
    counts = rng.integers(2, 6, size=n)
    picks = rng.integers(0, len(pool), size=(n, 5))
    sections = sorted({p.section for p in passages})
    made = []
    for i in range(n):
        chosen = picks[i, : counts[i]]
        doc, topic = passages[(i // DOC_SIZE) % len(passages)], passages[owners[chosen[0]]]
        text = "".join(pool[j] for j in chosen)
        made.append(_synthetic(i, text, doc, topic, sections[i % len(sections)]))
    texts, unit_owners = units_of(made)
    slots = np.full((len(texts), 5), -1, dtype=np.int64)  # the pool sentences in each unit
    for unit, (text, i) in enumerate(zip(texts, unit_owners.tolist(), strict=True)):
        chosen = picks[i, : counts[i]]
        inside = [j for j in chosen if pool[j] in text] or chosen
        slots[unit, : len(inside)] = inside
    return SyntheticCorpus(made, texts, _mix(real, slots, rng, noise), unit_owners)


def sentence_vectors(
    passages: list[Passage], vectors: np.ndarray, pool: list[str], owners: np.ndarray
) -> np.ndarray:
    """A real vector per pool sentence: that of the shortest unit of its passage holding it."""
    texts, unit_owners = units_of(passages)
    if len(texts) != len(vectors):
        raise KnowledgeError(f"{len(vectors)} vectors for {len(texts)} units: rebuild the index")
    units: dict[int, list[int]] = {}
    for unit, owner in enumerate(unit_owners.tolist()):
        units.setdefault(owner, []).append(unit)
    rows = [
        min((u for u in units[owner] if sentence in texts[u]), key=lambda u: len(texts[u]))
        for sentence, owner in zip(pool, owners.tolist(), strict=True)
    ]
    return np.asarray(vectors[rows], dtype=np.float32)


def _mix(
    sources: np.ndarray, slots: np.ndarray, rng: np.random.Generator, noise: float
) -> np.ndarray:
    """Per row, the mean of `sources[slots]` (-1: unused) plus noise, L2-normalised.

    Done in blocks so that no temporary is as large as the result (0.7 GB at 450k units).
    """
    mixed = np.empty((len(slots), sources.shape[1]), dtype=np.float32)
    scale = np.float32(noise / np.sqrt(sources.shape[1]))  # so the noise's norm is about `noise`
    for start in range(0, len(slots), BLOCK):
        block, used = slots[start : start + BLOCK], slots[start : start + BLOCK] >= 0
        out = np.zeros((len(block), sources.shape[1]), dtype=np.float32)
        for slot in range(block.shape[1]):
            out[used[:, slot]] += sources[block[used[:, slot], slot]]
        out /= used.sum(axis=1, keepdims=True).astype(np.float32)
        out += rng.standard_normal(out.shape, dtype=np.float32) * scale
        mixed[start : start + len(block)] = out / np.maximum(
            np.linalg.norm(out, axis=1, keepdims=True), 1e-12
        )
    return mixed


def _synthetic(i: int, text: str, doc: Passage, topic: Passage, section: str) -> Passage:
    """Passage `i`: headings from its first sentence's passage, document fields from `doc`."""
    number = i // DOC_SIZE
    return replace(
        topic,
        chunk_id=f"syn{number:04d}#{i % DOC_SIZE}",
        doc_id=f"syn{number:04d}",
        title=f"{doc.title}（合成{number:04d}）",
        doc_number=f"合成〔{2000 + number % 25}〕{number}号",
        issuer=doc.issuer,
        region=doc.region,
        level=doc.level,
        date=doc.date,
        section=section,
        item_title="",
        text=text,
        part=1,
        parts=1,
    )


def write_synthetic_index(
    settings: KnowledgeSettings,
    base: Manifest,
    data_dir: Path,
    corpus: SyntheticCorpus,
    lexicon: Lexicon,
) -> tuple[float, str]:
    """Build and activate an index through the real build path; (build seconds, index type).

    The manifest is the real build's (`base`: same model, lexicon and chunker)
    with the synthetic corpus's size, documents, index type and checksums.
    """
    passages, owners = corpus.passages, corpus.owners
    kind = choose_type(len(owners), settings.exact_search_limit)
    build_dir = data_dir / "builds" / f"synthetic-{len(passages)}"
    lexicon.warm()  # loading jieba's dictionary is not part of a build
    started = time.perf_counter()
    checksums = write_build(
        build_dir, passages, corpus.unit_texts, corpus.vectors, owners, lexicon, kind
    )
    seconds = time.perf_counter() - started
    documents = [
        {"doc_id": d, "title": "", "doc_number": "", "hash": ""}
        for d in sorted({p.doc_id for p in passages})
    ]
    manifest = replace(
        base,
        build_id=build_dir.name,
        corpus_hash=f"synthetic-{SEED}",
        index_type=kind.value,
        passages=len(passages),
        units=len(owners),
        documents=documents,
        checksums=checksums,
        answerability={},
    )
    text = json.dumps(asdict(manifest), ensure_ascii=False)
    (build_dir / "manifest.json").write_text(text, encoding="utf-8")
    swap_current(data_dir, build_dir)
    return seconds, kind.value


def embedding_rate(embedder: Embedder, units: list[str]) -> tuple[int, float]:
    """(sample size, units embedded per second) on a sample spread over the real units."""
    sample = units[:: max(1, len(units) // EMBED_SAMPLE)][:EMBED_SAMPLE]
    embedder.embed_passages(sample[:2])  # warm-up
    started = time.perf_counter()
    embedder.embed_passages(sample)
    return len(sample), len(sample) / (time.perf_counter() - started)


def run_real(settings: KnowledgeSettings, data_dir: Path, queries: int) -> dict[str, Any]:
    """Build the configured corpus from scratch into `data_dir`, then time warm searches."""
    from knowledge.service import build, open_searcher

    real = replace(settings, data_dir=data_dir)
    report = build(real, force=True)
    searcher = open_searcher(real, build_if_needed=False)
    questions = load_questions(settings.dev_set)
    floor = time_calls(lambda q: searcher.embedder.embed_queries([q]), questions, queries)
    manifest = report.manifest
    searched = measure_search(searcher, questions, queries)
    # Right after the questions, as warm: the longest message a person may send.
    longest = time_calls(lambda q: searcher.search(q, k=5), long_messages(questions), queries)
    return {
        "scenario": "real",
        "passages": manifest.passages,
        "units": manifest.units,
        "index_type": manifest.index_type,
        "build_s": report.seconds,
        **searched,
        "long_message": {"chars": LONGEST_MESSAGE, **longest},
        "embed_floor": {k: floor[k] for k in ("p50_ms", "p95_ms")},
    }


def run_synthetic(
    settings: KnowledgeSettings, real_dir: Path, data_dir: Path, n: int, queries: int
) -> dict[str, Any]:
    """Recombine the real build in `real_dir` into `n` passages, index them, time warm searches."""
    from knowledge.service import make_lexicon, make_searcher

    real = load_index(real_dir)
    started = time.perf_counter()
    corpus = synthesize(real.passages, np.load(real.path / "vectors.npy"), n)
    generate_s = time.perf_counter() - started
    embedder, lexicon = load_embedder(settings.embedding), make_lexicon(settings)
    sampled, rate = embedding_rate(embedder, units_of(real.passages)[0])
    build_s, kind = write_synthetic_index(settings, real.manifest, data_dir, corpus, lexicon)
    units = len(corpus.owners)
    del corpus  # serve from the loaded index alone, as a deployment would
    started = time.perf_counter()
    index = load_index(data_dir)  # no dev set labels synthetic passages: nothing is calibrated
    searcher = make_searcher(settings, index, embedder, lexicon, calibrated=False)
    searcher.warm()
    return {
        "scenario": "synthetic",
        "passages": n,
        "units": units,
        "index_type": kind,
        "build_s": build_s,
        "generate_s": generate_s,
        "load_s": time.perf_counter() - started,
        "embedding": {
            "measured_units": sampled,
            "units_per_s": rate,
            "extrapolated_s": units / rate,
        },
        **measure_search(searcher, load_questions(settings.dev_set), queries),
    }


def settings_to_json(settings: KnowledgeSettings) -> str:
    """The settings as JSON, for the scenario subprocesses (not every field has a variable)."""
    return json.dumps(asdict(settings), default=str)


def settings_from_json(text: str) -> KnowledgeSettings:
    """The inverse of settings_to_json: the subprocess must run with the caller's settings."""
    raw = json.loads(text)
    values: dict[str, Any] = {"embedding": EmbeddingSpec(**raw.pop("embedding"))}
    for f in fields(KnowledgeSettings):
        if f.name in raw:
            value = raw[f.name]
            values[f.name] = Path(value) if value is not None and "Path" in str(f.type) else value
    return KnowledgeSettings(**values)


def _busy_cpu_s() -> float:
    """CPU seconds the machine has been busy, including time stolen by the hypervisor."""
    try:
        ticks = Path("/proc/stat").read_text(encoding="utf-8").split("\n", 1)[0].split()[1:9]
    except OSError:
        return 0.0
    user, nice, system, _idle, _iowait, irq, softirq, steal = (int(t) for t in ticks)
    return (user + nice + system + irq + softirq + steal) / os.sysconf("SC_CLK_TCK")


def _run_measured(name: str, work: Path, synthetic: int, queries: int) -> dict[str, Any]:
    """Run a scenario and record the share of the CPU that other processes took meanwhile.

    On a shared 2-core machine another process's work inflates every latency
    (the model's OpenMP threads spin while they wait), so the report says so.
    """
    before = (time.perf_counter(), _busy_cpu_s(), os.times())
    result = _run_scenario(name, work, synthetic, queries)
    wall, busy, after = time.perf_counter() - before[0], _busy_cpu_s() - before[1], os.times()
    own = sum(after[:4]) - sum(before[2][:4])  # this process and the scenario's subprocess
    result["others_cpu_share"] = max(0.0, busy - own) / (wall * len(os.sched_getaffinity(0)))
    return result


def _run_scenario(name: str, work: Path, synthetic: int, queries: int) -> dict[str, Any]:
    """Run one scenario in a fresh interpreter; its report is the last line it prints."""
    command = [sys.executable, "-m", "knowledge.bench", name, str(work)]
    command += [f"--synthetic={synthetic}", f"--queries={queries}"]
    done = subprocess.run(command, cwd=ROOT, capture_output=True, text=True, check=False)  # noqa: S603
    if done.returncode != 0:
        last = (done.stderr.strip().splitlines() or [f"exit status {done.returncode}"])[-1]
        raise KnowledgeError(f"bench scenario {name!r} failed: {last}")
    return json.loads(done.stdout.strip().splitlines()[-1])


def _latency(stats: dict[str, float]) -> str:
    """Format p50 / p95 / p99 in ms: the tail matters as much as the median to a waiting user."""
    return "{p50_ms:.1f} / {p95_ms:.1f} / {p99_ms:.1f}".format(**stats)


def format_report(report: dict[str, Any]) -> str:
    """The plain-text table, with the targets and the extrapolated embedding time below it."""
    lines = [ROW.format(*HEADER.split("|"))]
    for s in report["scenarios"].values():
        qps = f"{s['one_client']['qps']:.0f} / {s['threaded']['qps']:.0f}"
        cells = [s["scenario"], f"{s['passages']:,}", f"{s['units']:,}", s["index_type"]]
        cells.append(f"{s['build_s']:.1f}")
        cells += [_latency(s["one_client"]), _latency(s["threaded"]), qps, f"{s['peak_mb']:.0f}"]
        lines.append(ROW.format(*cells))
    real, syn = report["scenarios"]["real"], report["scenarios"]["synthetic"]
    lines.append("targets (warm, 1 client):")
    for s, label in ((real, "real corpus"), (syn, f"{syn['passages']:,} chunks")):
        p95, target = s["one_client"]["p95_ms"], TARGET_P95_MS[s["scenario"]]
        lines.append(
            f"  {label} p95 ≤ {target:.0f} ms: {p95:.1f} ms  {'met' if p95 <= target else 'MISSED'}"
        )
    long, normal = real["long_message"], real["one_client"]
    ratio = long["p50_ms"] / normal["p50_ms"]
    lines.append(
        f"  longest chat message ({long['chars']:,} chars), real corpus: {_latency(long)} ms, "
        f"p50 {ratio:.1f}× a dev-set question's {normal['p50_ms']:.1f} ms; ≤ "
        f"{TARGET_LONG_RATIO:.0f}×: {'met' if ratio <= TARGET_LONG_RATIO else 'MISSED'}"
    )
    floor, emb = real["embed_floor"], syn["embedding"]
    lines += [
        f"  query-embedding floor (embed_queries, one question): p50 {floor['p50_ms']:.1f} ms, "
        f"p95 {floor['p95_ms']:.1f} ms",
        f"embedding the {syn['units']:,} units of {syn['passages']:,} passages: "
        f"{emb['extrapolated_s'] / 60:.1f} min, extrapolated from {emb['units_per_s']:.1f} units/s "
        f"measured on {emb['measured_units']} real units (synthetic vectors: mixed from real ones)",
        f"synthetic corpus generated in {syn['generate_s']:.1f} s, its index loaded in "
        f"{syn['load_s']:.1f} s; resident while serving: real {real['rss_mb']:.0f} MB, "
        f"synthetic {syn['rss_mb']:.0f} MB (peak MB includes the build); whole bench "
        f"{report['total_s']:.0f} s",
        f"other processes' share of the CPU meanwhile: real {real['others_cpu_share']:.0%}, "
        f"synthetic {syn['others_cpu_share']:.0%} (above a few %, the numbers are pessimistic)",
    ]
    return "\n".join(lines)


def _describe(m: dict[str, Any]) -> str:
    """The machine in a few lines, printed before the minutes of measuring start."""
    return (
        f"machine: {m['cpu']}, {m['cores']} logical cores visible (of {m['cpu_count']}), "
        f"{m['ram_gb']} GiB RAM\nos: {m['os']}; Python {m['python']}\n"
        f"numpy {m['numpy']}; faiss {m['faiss']} ({m['faiss_omp_threads']} OpenMP threads); "
        f"OMP_NUM_THREADS={m['omp_num_threads'] or 'unset'}\nembedding model: {m['model']}\n"
        f"load average before the bench: {m['load_1min']}"
        f"{' (busy: expect pessimistic numbers)' if m['load_1min'] > m['cores'] / 2 else ''}\n"
    )


def run_bench(
    settings: KnowledgeSettings, synthetic: int = 100_000, queries: int = 300, as_json: bool = False
) -> int:
    """Run both scenarios in subprocesses and print the table (or one JSON object)."""
    if synthetic < 1 or queries < 1:
        raise KnowledgeError("--synthetic and --queries must be positive")
    started = time.perf_counter()
    report: dict[str, Any] = {"machine": describe_machine(settings), "scenarios": {}}
    if not as_json:
        print(_describe(report["machine"]), flush=True)
    with tempfile.TemporaryDirectory(prefix="knowledge-bench-") as tmp:
        (Path(tmp) / "settings.json").write_text(settings_to_json(settings), encoding="utf-8")
        for name in ("real", "synthetic"):  # synthetic reads the real build, so real goes first
            print(f"bench: running the {name} scenario…", file=sys.stderr, flush=True)
            report["scenarios"][name] = _run_measured(name, Path(tmp), synthetic, queries)
    report["targets_p95_ms"], report["total_s"] = TARGET_P95_MS, time.perf_counter() - started
    print(json.dumps(report, ensure_ascii=False, indent=2) if as_json else format_report(report))
    return 0


def main(argv: Sequence[str] | None = None) -> int:
    """Run one scenario in this process (run_bench's subprocess); print its JSON report last."""
    parser = argparse.ArgumentParser(prog="python -m knowledge.bench")
    parser.add_argument("scenario", choices=("real", "synthetic"))
    parser.add_argument("work", type=Path, help="scratch folder holding settings.json")
    parser.add_argument("--synthetic", type=int, default=100_000)
    parser.add_argument("--queries", type=int, default=300)
    args = parser.parse_args(argv)
    settings = settings_from_json((args.work / "settings.json").read_text(encoding="utf-8"))
    real_dir, synthetic_dir = args.work / "real", args.work / "synthetic"
    if args.scenario == "real":
        result = run_real(settings, real_dir, args.queries)
    else:
        result = run_synthetic(settings, real_dir, synthetic_dir, args.synthetic, args.queries)
    result["peak_mb"] = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024
    print(json.dumps(result))
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
