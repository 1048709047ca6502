"""make bench, second half: the gateway's APIs under load, beside the query-embedding floor.

Starts the real processes (actions, Rasa, gateway; the same Procfile as
`make run`) on free loopback ports with a throw-away data folder, then measures
over HTTP on loopback:

* the search API (GET /api/v1/search, bearer key) and the chat API
  (POST /api/v1/chat, one session per client) with 1, 8 and 32 concurrent
  clients: latency percentiles and throughput;
* the WeChat webhook (plain mode, signed): time to response of every
  request, which must never pass 4.5 s, with 1, 8 and 32 concurrent clients;
* the longest message each API accepts (a 200-character search, a
  2,000-character chat message: a long story ending with a dev-set question)
  next to the dev-set questions, with one client: what one long message
  costs, which must stay within TARGET_LONG_RATIO times a question;
* the floor, in this same process and run: embedding one question alone
  (p50/p95), and how many questions per second the encoder alone sustains
  with 8 threads — what a search can at best approach.

The per-session and per-IP rate limits are turned off: they would measure
themselves. Results go to stdout as a table and to artifacts/bench/gateway.json.
"""

from __future__ import annotations

import argparse
import asyncio
import hashlib
import json
import os
import secrets
import signal
import socket
import subprocess
import sys
import tempfile
import time
from collections.abc import Awaitable, Callable, Sequence
from concurrent.futures import ThreadPoolExecutor
from pathlib import Path
from typing import Any

import aiohttp
from rasa_model import ensure_model
from run import environment, wait_until_up

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))
from connectors.console.search_api import MAX_QUERY_CHARS  # noqa: E402
from connectors.settings import GatewaySettings  # noqa: E402
from knowledge.bench import (  # noqa: E402
    TARGET_LONG_RATIO,
    describe_machine,
    load_questions,
    long_messages,
    percentiles,
)
from knowledge.embedding import load_embedder  # noqa: E402
from knowledge.settings import KnowledgeSettings  # noqa: E402

CLIENTS = (1, 8, 32)
LONGEST_CHAT = GatewaySettings().max_message_chars
WECHAT_LIMIT_S = 4.5
Call = Callable[[aiohttp.ClientSession, int, int], Awaitable[None]]


def free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return int(sock.getsockname()[1])


def bench_environment(work: Path, api_key: str) -> dict[str, str]:
    env = environment() | {
        "ACTIONS_PORT": str(free_port()),
        "RASA_PORT": str(free_port()),
        "GATEWAY_PORT": str(free_port()),
        "GATEWAY_HOST": "127.0.0.1",
        "TRACKER_URL": f"sqlite:///{work / 'tracker.db'}",
        "CASE_DATABASE_URL": f"sqlite:///{work / 'cases.db'}",
        "CASE_OUTBOX_PATH": str(work / "outbox.db"),
        "FEEDBACK_DB_PATH": str(work / "feedback.db"),
        "CONSOLE_DB_PATH": str(work / "console.db"),
        "CONSOLE_API_KEYS": api_key,
        "RATE_LIMIT_IP_PER_MINUTE": "0",
        "RATE_LIMIT_SESSION_PER_MINUTE": "0",
        "WECHAT_TOKEN": secrets.token_hex(12),  # the gateway wants 16-32 letters or digits
        "WECHAT_APP_ID": "wxbench0000000000",
        "WECHAT_APP_SECRET": secrets.token_hex(16),
        # No WeChat API here: answers later than the deadline fail to send
        # (and are logged); the webhook's own timing is what is measured.
        "WECHAT_API_BASE": f"http://127.0.0.1:{free_port()}",
    }
    env["RASA_URL"] = f"http://127.0.0.1:{env['RASA_PORT']}"
    return env


def floor(settings: KnowledgeSettings, questions: list[str]) -> dict[str, float]:
    """The encoder alone: one question at a time, and 8 threads at once."""
    embedder = load_embedder(settings.embedding)
    embedder.embed_queries(questions[:3])  # warm-up
    samples = []
    for question in questions[:200]:
        start = time.perf_counter()
        embedder.embed_queries([question])
        samples.append((time.perf_counter() - start) * 1000)
    single = percentiles(samples)
    batch = questions[:240]
    start = time.perf_counter()
    with ThreadPoolExecutor(8) as pool:
        list(pool.map(lambda q: embedder.embed_queries([q]), batch))
    rate = len(batch) / (time.perf_counter() - start)
    return {"p50": single["p50"], "p95": single["p95"], "qps_8_threads": rate}


async def load(clients: int, per_client: int, call: Call) -> dict[str, float]:
    """Run `call` per_client times in each of `clients` concurrent loops."""
    samples: list[float] = []
    timeout = aiohttp.ClientTimeout(total=60)
    connector = aiohttp.TCPConnector(limit=clients)
    async with aiohttp.ClientSession(timeout=timeout, connector=connector) as session:

        async def client(number: int) -> None:
            for turn in range(per_client):
                start = time.perf_counter()
                await call(session, number, turn)
                samples.append((time.perf_counter() - start) * 1000)

        start = time.perf_counter()
        await asyncio.gather(*(client(n) for n in range(clients)))
        elapsed = time.perf_counter() - start
    stats = percentiles(samples)
    return stats | {"qps": len(samples) / elapsed, "max_ms": max(samples), "n": len(samples)}


def search_call(base: str, key: str, questions: list[str]) -> Call:
    async def call(session: aiohttp.ClientSession, number: int, turn: int) -> None:
        question = questions[(number * 7 + turn) % len(questions)]
        async with session.get(
            f"{base}/api/v1/search",
            params={"q": question[:MAX_QUERY_CHARS], "k": "5"},
            headers={"Authorization": f"Bearer {key}"},
        ) as response:
            response.raise_for_status()
            await response.read()

    return call


def chat_call(base: str, questions: list[str]) -> Call:
    sessions: dict[int, str] = {}

    async def call(session: aiohttp.ClientSession, number: int, turn: int) -> None:
        question = questions[(number * 5 + turn) % len(questions)]
        body = {"session_id": sessions.get(number, ""), "text": question}
        async with session.post(f"{base}/api/v1/chat", json=body) as response:
            response.raise_for_status()
            sessions[number] = (await response.json())["session_id"]

    return call


def wechat_call(base: str, token: str, questions: list[str]) -> Call:
    async def call(session: aiohttp.ClientSession, number: int, turn: int) -> None:
        timestamp, nonce = str(int(time.time())), secrets.token_hex(8)
        joined = "".join(sorted([token, timestamp, nonce])).encode()
        signature = hashlib.sha1(joined).hexdigest()  # noqa: S324 - WeChat's protocol
        question = questions[(number * 3 + turn) % len(questions)]
        xml = (
            "<xml><ToUserName><![CDATA[gh_bench]]></ToUserName>"
            f"<FromUserName><![CDATA[obench{number:04d}]]></FromUserName>"
            f"<CreateTime>{timestamp}</CreateTime><MsgType><![CDATA[text]]></MsgType>"
            f"<Content><![CDATA[{question}]]></Content>"
            f"<MsgId>{secrets.randbelow(10**15)}</MsgId></xml>"
        )
        params = {"signature": signature, "timestamp": timestamp, "nonce": nonce}
        async with session.post(f"{base}/wechat", params=params, data=xml.encode()) as response:
            response.raise_for_status()
            await response.read()

    return call


async def measure(env: dict[str, str], key: str, questions: list[str]) -> dict[str, Any]:
    base = f"http://127.0.0.1:{env['GATEWAY_PORT']}"
    search, chat = search_call(base, key, questions), chat_call(base, questions)
    wechat = wechat_call(base, env["WECHAT_TOKEN"], questions)
    await load(1, 5, search)  # loads the engine in the gateway
    await load(1, 3, chat)
    # Requests per client at 1, 8 and 32 clients: enough for a p99, a few minutes in all;
    # the longest messages with one client, right after the questions.
    plan: dict[str, tuple[Call, tuple[int, ...]]] = {
        "search": (search, (40, 10, 4)),
        "search_long": (search_call(base, key, long_messages(questions, MAX_QUERY_CHARS)), (40,)),
        "chat": (chat, (15, 4, 2)),
        "chat_long": (chat_call(base, long_messages(questions, LONGEST_CHAT)), (15,)),
        "wechat": (wechat, (10, 4, 2)),
    }
    results: dict[str, Any] = {}
    for name, (call, turns) in plan.items():
        results[name] = {}
        for clients, per_client in zip(CLIENTS, turns, strict=False):
            results[name][str(clients)] = await load(clients, per_client, call)
            print(f"    {name:11} {clients:2} clients done", flush=True)
    return results


def long_message_targets(results: dict[str, Any]) -> list[str]:
    """One line per API: the longest accepted message's p50 against a question's."""
    lines = []
    for api, chars in (("search", MAX_QUERY_CHARS), ("chat", LONGEST_CHAT)):
        long, normal = results[f"{api}_long"]["1"], results[api]["1"]
        ratio = long["p50"] / normal["p50"]
        lines.append(
            f"  {api}, longest accepted message ({chars:,} chars), 1 client: "
            f"p50 {long['p50']:.1f} ms = {ratio:.1f}× a question's {normal['p50']:.1f} ms "
            f"≤ {TARGET_LONG_RATIO:.0f}×: {'met' if ratio <= TARGET_LONG_RATIO else 'NOT met'}"
        )
    return lines


def format_report(report: dict[str, Any]) -> str:
    f, r = report["floor"], report["results"]
    m = report["machine"]
    lines = [
        f"machine: {m['cpu']}, {m['cores']} cores, {m['ram_gb']} GiB RAM, Python {m['python']}, "
        f"load before {m['load_1min']}; model {m['model']}",
        f"floor: embedding one question p50 {f['p50']:.1f} ms, p95 {f['p95']:.1f} ms; "
        f"encoder alone with 8 threads {f['qps_8_threads']:.1f} q/s",
        "",
        f"{'API':12}{'clients':>8}{'n':>6}{'p50 ms':>9}{'p95 ms':>9}{'p99 ms':>9}"
        f"{'max ms':>9}{'q/s':>8}",
    ]
    for api, by_clients in r.items():
        for clients, s in by_clients.items():
            lines.append(
                f"{api:12}{clients:>8}{s['n']:>6}{s['p50']:>9.1f}{s['p95']:>9.1f}"
                f"{s['p99']:>9.1f}{s['max_ms']:>9.1f}{s['qps']:>8.1f}"
            )
    one, eight = r["search"]["1"], r["search"]["8"]
    worst_wechat = max(s["max_ms"] for s in r["wechat"].values()) / 1000
    lines += [
        "",
        "targets:",
        f"  search, 1 client: p50 {one['p50']:.1f} ms ≤ 2 × floor {2 * f['p50']:.1f} ms: "
        f"{'met' if one['p50'] <= 2 * f['p50'] else 'NOT met'}",
        f"  search, 8 clients: {eight['qps']:.1f} q/s ≥ 80 % of the encoder's "
        f"{f['qps_8_threads']:.1f} q/s: "
        f"{'met' if eight['qps'] >= 0.8 * f['qps_8_threads'] else 'NOT met'}; "
        f"p99 {eight['p99']:.1f} ≤ 4 × p50 {4 * eight['p50']:.1f} ms: "
        f"{'met' if eight['p99'] <= 4 * eight['p50'] else 'NOT met'}",
        f"  WeChat: slowest response {worst_wechat:.2f} s ≤ {WECHAT_LIMIT_S} s: "
        f"{'met' if worst_wechat <= WECHAT_LIMIT_S else 'NOT met'}",
        *long_message_targets(r),
    ]
    return "\n".join(lines)


def main(argv: Sequence[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description="gateway latency and throughput on loopback")
    parser.add_argument("--out", type=Path, default=ROOT / "artifacts" / "bench" / "gateway.json")
    args = parser.parse_args(argv)
    settings = KnowledgeSettings()
    questions = load_questions(settings.dev_set)
    print("==> floor: the query encoder alone", flush=True)
    report: dict[str, Any] = {"machine": describe_machine(settings)}
    report["floor"] = floor(settings, questions)
    subprocess.run(  # noqa: S603 - our own command
        [str(ROOT / ".venv" / "bin" / "python"), "-m", "knowledge", "build"], cwd=ROOT, check=True
    )
    ensure_model()
    key = secrets.token_urlsafe(32)
    with tempfile.TemporaryDirectory(prefix="bench-gateway-") as work:
        env = bench_environment(Path(work), key)
        print("==> starting actions, Rasa and the gateway", flush=True)
        honcho = subprocess.Popen(  # noqa: S603 - fixed command
            [str(ROOT / ".venv" / "bin" / "honcho"), "start", "-f", "Procfile",
             "actions", "rasa", "gateway"],
            cwd=ROOT, env=dict(os.environ) | env, stdout=subprocess.DEVNULL,
        )  # fmt: skip
        try:
            if not wait_until_up(env, honcho):
                print("bench: the processes did not come up", file=sys.stderr)
                return 1
            print("==> measuring", flush=True)
            report["results"] = asyncio.run(measure(env, key, questions))
        finally:
            honcho.send_signal(signal.SIGINT)
            honcho.wait(timeout=60)
    args.out.parent.mkdir(parents=True, exist_ok=True)
    args.out.write_text(json.dumps(report, ensure_ascii=False, indent=2), encoding="utf-8")
    print(format_report(report))
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
