"""Command line: python -m knowledge build | search | eval | bench | chunks | facts.

Every command prints one clear line on failure (exit status 2) rather than a
traceback: a curator who drops a broken file into the corpus is told which file
and why.
"""

from __future__ import annotations

import argparse
import json
import logging
import sys
from collections.abc import Iterable, Sequence
from pathlib import Path
from typing import TextIO

from knowledge.document_facts import DocumentFacts
from knowledge.documents import book_title
from knowledge.errors import KnowledgeError
from knowledge.evaluation import FOLDS, ModeReport, format_table, report_to_dict
from knowledge.searcher import RetrievalMode, Searcher, SearchResponse
from knowledge.settings import KnowledgeSettings

log = logging.getLogger("knowledge")


def _parser() -> argparse.ArgumentParser:
    parser = argparse.ArgumentParser(
        prog="python -m knowledge", description="知识库：建索引、检索、评测、压测"
    )
    parser.add_argument("-v", "--verbose", action="store_true", help="show debug logging")
    commands = parser.add_subparsers(dest="command", required=True)

    build = commands.add_parser(
        "build", help="build or refresh the index (skips when nothing changed)"
    )
    build.add_argument("--force", action="store_true", help="rebuild even if up to date")

    search = commands.add_parser("search", help="search the corpus")
    search.add_argument("question", nargs="*", help="the question (words are joined)")
    search.add_argument("--json", action="store_true", help="machine-readable output")
    search.add_argument("--top-k", type=int, default=5, help="number of passages (1-50)")
    search.add_argument("--queries", type=Path, help="file with one question a line; - for stdin")
    search.add_argument(
        "--mode", choices=[m.value for m in RetrievalMode], default=RetrievalMode.HYBRID.value
    )

    evaluate = commands.add_parser("eval", help="retrieval quality on the dev set, with baselines")
    evaluate.add_argument("--dev", type=Path, help="dev set (default: settings)")
    evaluate.add_argument(
        "--holdout",
        type=Path,
        nargs="*",
        default=[Path("tests/data/knowledge_blind.jsonl")],
        help="held-out sets, scored with the deployed model (skipped if absent)",
    )
    evaluate.add_argument("--json", action="store_true")
    evaluate.add_argument("--misses", action="store_true", help="list the questions missed at 5")

    bench = commands.add_parser("bench", help="latency, build time and memory")
    bench.add_argument(
        "--synthetic", type=int, default=100_000, help="passages in the synthetic corpus"
    )
    bench.add_argument("--queries", type=int, default=300, help="timed queries per scenario")
    bench.add_argument("--json", action="store_true")

    chunks = commands.add_parser("chunks", help="show how documents were cut into passages")
    chunks.add_argument("doc_id", nargs="?", help="only this document")

    facts = commands.add_parser(
        "facts", help="show each document's header facts (issuer, 文号, date, addressees …)"
    )
    facts.add_argument("doc_id", nargs="?", help="only this document")
    facts.add_argument("--json", action="store_true", help="one JSON record a line")
    return parser


def _print_human(response: SearchResponse, out: TextIO) -> None:
    out.write(f"问：{response.query}\n")
    if response.reason == "empty_query":
        out.write("请输入要查询的问题。\n\n")
        return
    if not response.results:
        out.write("政策文件中没有找到相关内容。\n\n")
        return
    best, *others = response.results
    if response.answerable:
        out.write(f"依据 {best.passage.citation}：\n  {best.passage.text}\n")
    else:
        out.write(
            "现有政策文件中没有能直接回答这个问题的条款，以下是最接近的内容，仅供参考：\n"
            f"  {best.passage.citation}：{best.passage.text[:120]}…\n"
        )
    for number, hit in enumerate(others, start=2):
        out.write(f"  {number}. {hit.passage.citation}  {hit.passage.text[:60]}…\n")
    out.write("\n")


def _read_queries(path: Path) -> Iterable[str]:
    handle = sys.stdin if str(path) == "-" else path.open(encoding="utf-8", errors="replace")
    with handle:
        for line in handle:
            yield line.rstrip("\r\n")


def cmd_search(args: argparse.Namespace, settings: KnowledgeSettings) -> int:
    from knowledge.service import open_searcher

    if not args.question and args.queries is None:
        print("请给出问题，或用 --queries 文件 一行一个问题。", file=sys.stderr)
        return 2
    if args.queries is not None and str(args.queries) != "-" and not args.queries.is_file():
        print(f"找不到问题文件：{args.queries}", file=sys.stderr)
        return 2
    searcher = open_searcher(settings)
    mode = RetrievalMode(args.mode)
    questions = _read_queries(args.queries) if args.queries else [" ".join(args.question)]
    for question in questions:
        response = searcher.search(question, k=args.top_k, mode=mode)
        if args.json:
            sys.stdout.write(json.dumps(response.to_dict(), ensure_ascii=False) + "\n")
            sys.stdout.flush()
        else:
            _print_human(response, sys.stdout)
    return 0


def cmd_build(args: argparse.Namespace, settings: KnowledgeSettings) -> int:
    from knowledge.service import build

    report = build(settings, force=args.force)
    m = report.manifest
    if report.built:
        print(
            f"索引已重建（{report.reason}）：{len(m.documents)} 篇文件，{m.passages} 段，"
            f"模型 {m.model_id}，{m.index_type}，用时 {report.seconds:.1f} 秒。"
        )
    else:
        print(f"索引已是最新（{m.passages} 段，模型 {m.model_id}），无需重建。")
    return 0


def cmd_eval(args: argparse.Namespace, settings: KnowledgeSettings) -> int:
    from knowledge.devset import check_labels, read_dev_set
    from knowledge.evaluation import evaluate
    from knowledge.service import MAX_FALSE_REFUSALS, open_searcher

    searcher = open_searcher(settings)
    dev = read_dev_set(args.dev or settings.dev_set)
    check_labels(dev, searcher.index.passages)
    results = {"dev": evaluate(searcher, dev, MAX_FALSE_REFUSALS)}
    for path in args.holdout or []:
        if path.exists():
            held_out = read_dev_set(path)
            check_labels(held_out, searcher.index.passages)
            results[path.stem] = evaluate(
                searcher, held_out, MAX_FALSE_REFUSALS, cross_validate=False
            )
    if args.json:
        payload = {name: report_to_dict(reports) for name, reports in results.items()}
        print(json.dumps(payload, ensure_ascii=False, indent=2))
        return 0
    _print_eval(searcher, results, show_misses=args.misses)
    return 0


def _print_eval(
    searcher: Searcher, results: dict[str, list[ModeReport]], show_misses: bool
) -> None:
    m = searcher.index.manifest
    print(f"model {m.model_id}; {m.passages} passages; chunker v{m.chunker_version}")
    dev = results["dev"]
    hybrid = dev[0]
    print(
        format_table(
            dev,
            f"dev set: {hybrid.questions} questions ({hybrid.answerable} answerable); "
            f"answerable flags cross-validated ({FOLDS} folds)",
        )
    )
    if hybrid.flags_deployed:
        d = hybrid.flags_deployed
        print(
            "deployed model on the dev set (in-sample): "
            f"unanswerable recall {d['unanswerable_recall']:.3f}, "
            f"false refusals {d['false_refusal_rate']:.3f}"
        )
    print("hybrid R@5 by style: " + ", ".join(f"{k} {v:.2f}" for k, v in hybrid.by_style.items()))
    for name, held in results.items():
        if name != "dev":
            title = f"{name}: {held[0].questions} questions never used for tuning; deployed flags"
            print("\n" + format_table(held, title))
    if show_misses:
        for name, reports in results.items():
            for miss in reports[0].misses:
                print(
                    f"  miss [{name}] {miss['id']} rank={miss['rank']} top={miss['top']}: ", end=""
                )
                print(miss["question"])


def cmd_chunks(args: argparse.Namespace, settings: KnowledgeSettings) -> int:
    from knowledge.documents import load_corpus
    from knowledge.index_store import make_passages

    documents = load_corpus(settings.corpus_dir)
    if args.doc_id:
        documents = [d for d in documents if d.doc_id == args.doc_id]
        if not documents:
            print(f"没有这篇文件：{args.doc_id}", file=sys.stderr)
            return 2
    for passage in make_passages(documents, settings.max_chunk_chars):
        part = f" ({passage.part}/{passage.parts})" if passage.parts > 1 else ""
        print(f"{passage.citation}{part}\n  {' › '.join(passage.headings)}\n  {passage.text}\n")
    return 0


def _facts_lines(facts: DocumentFacts) -> list[str]:
    unknown = "（未载明）"
    basis = "；".join(
        f"{r.issuer}{book_title(r.title)}" + (f"（{r.doc_number}）" if r.doc_number else "")
        for r in facts.implements
    )
    if basis and facts.implements_part:
        basis += f"（见“{facts.implements_part}”）"
    rows = [
        ("发文单位", "、".join(facts.issuers)),
        ("文号", facts.doc_number),
        ("日期", facts.date.chinese if facts.date else ""),
        ("主送", "，".join(facts.addressees)),
        ("抄送", "，".join(facts.copied_to)),
        ("公开", facts.publicity),
        ("附件", "；".join(facts.attachments)),
        ("依据", basis),
        ("地区", f"{facts.region}（{facts.level.value}）" if facts.region else ""),
    ]
    return [f"{facts.doc_id} {book_title(facts.title)}"] + [
        f"  {label}：{value or unknown}" for label, value in rows
    ]


def cmd_facts(args: argparse.Namespace, settings: KnowledgeSettings) -> int:
    from knowledge.document_facts import extract_facts
    from knowledge.documents import load_corpus

    documents = load_corpus(settings.corpus_dir)
    if args.doc_id:
        documents = [d for d in documents if d.doc_id == args.doc_id]
        if not documents:
            print(f"没有这篇文件：{args.doc_id}", file=sys.stderr)
            return 2
    for document in documents:
        facts = extract_facts(document)
        if args.json:
            print(json.dumps(facts.to_dict(), ensure_ascii=False))
        else:
            print("\n".join(_facts_lines(facts)) + "\n")
    return 0


def cmd_bench(args: argparse.Namespace, settings: KnowledgeSettings) -> int:
    from knowledge.bench import run_bench

    return run_bench(settings, synthetic=args.synthetic, queries=args.queries, as_json=args.json)


COMMANDS = {
    "build": cmd_build,
    "search": cmd_search,
    "eval": cmd_eval,
    "bench": cmd_bench,
    "chunks": cmd_chunks,
    "facts": cmd_facts,
}


def main(argv: Sequence[str] | None = None) -> int:
    args = _parser().parse_args(argv)
    logging.basicConfig(
        level=logging.DEBUG if args.verbose else logging.WARNING,
        format="%(levelname)s %(name)s: %(message)s",
    )
    logging.getLogger("faiss").setLevel(logging.WARNING)
    try:
        return COMMANDS[args.command](args, KnowledgeSettings.from_env())
    except KnowledgeError as exc:
        print(f"出错：{exc}", file=sys.stderr)
        return 2
    except KeyboardInterrupt:
        return 130
