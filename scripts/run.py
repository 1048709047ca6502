"""make run: build what is missing or stale, start everything, wait until it answers.

1. The knowledge index (skipped in seconds when nothing changed).
2. The Rasa model (Rasa itself retrains only when config, domain or training
   data changed since the newest model in models/).
3. honcho starts the processes of the Procfile: action server, Rasa, gateway,
   and the reference case system when CASE_BACKEND=http names no CASE_API_URL
   of its own. honcho stops all of them when one dies, and on Ctrl-C.
4. This script polls each process's health endpoint and says where to go; if
   a process dies it names it, and the exit status is not zero.

Secrets a developer has not set are generated for the run (a random Rasa API
token and session secret), with a note that sessions will not survive a restart.
"""

from __future__ import annotations

import secrets
import signal
import subprocess
import sys
import time
import urllib.error
import urllib.request
from pathlib import Path

from rasa_model import ensure_model, rasa_env

ROOT = Path(__file__).resolve().parent.parent
VENV = ROOT / ".venv" / "bin"
START_TIMEOUT = 600  # seconds: Rasa loads TensorFlow and the model, the actions the index


def environment() -> dict[str, str]:
    env = rasa_env(ROOT)
    env.setdefault("RASA_TOKEN", secrets.token_urlsafe(24))
    if "GATEWAY_SECRET" not in env:
        env["GATEWAY_SECRET"] = secrets.token_urlsafe(32)
        print("注意：未设置 GATEWAY_SECRET，本次运行临时生成；重启后旧会话会失效。")
    env.setdefault("ACTIONS_PORT", "5055")
    env.setdefault("RASA_PORT", "5005")
    env.setdefault("GATEWAY_PORT", "8080")
    env.setdefault("RASA_URL", f"http://127.0.0.1:{env['RASA_PORT']}")
    env.setdefault("TRACKER_DIALECT", "sqlite")
    env.setdefault("TRACKER_URL", f"sqlite:///{ROOT / 'data' / 'rasa' / 'tracker.db'}")
    if wants_reference_case_system(env):
        # The HTTP backend without a case system of the centre's: run ours on
        # loopback, with a token made for this run unless one was given.
        env.setdefault("CASE_SERVER_PORT", "8090")
        env.setdefault("CASE_SERVER_TOKEN", env.get("CASE_API_TOKEN") or secrets.token_urlsafe(24))
        env["CASE_API_URL"] = f"http://127.0.0.1:{env['CASE_SERVER_PORT']}"
        env["CASE_API_TOKEN"] = env["CASE_SERVER_TOKEN"]
    return env


def wants_reference_case_system(env: dict[str, str]) -> bool:
    return env.get("CASE_BACKEND", "").strip().lower() == "http" and not env.get("CASE_API_URL")


def processes(env: dict[str, str]) -> list[str]:
    """The Procfile entries this run starts."""
    names = ["actions", "rasa", "gateway"]
    return ["cases", *names] if "CASE_SERVER_PORT" in env else names


def step(title: str, command: list[str], env: dict[str, str]) -> None:
    print(f"==> {title}")
    result = subprocess.run(command, cwd=ROOT, env=env, check=False)  # noqa: S603 - our own commands
    if result.returncode != 0:
        raise SystemExit(f"{title}失败（退出码 {result.returncode}）。")


def healthy(url: str) -> bool:
    try:
        with urllib.request.urlopen(url, timeout=2) as response:  # noqa: S310 - loopback only
            return bool(response.status == 200)
    except (urllib.error.URLError, OSError, ValueError):
        return False


def wait_until_up(env: dict[str, str], processes: subprocess.Popen[bytes]) -> bool:
    checks = {}
    if "CASE_SERVER_PORT" in env:
        checks["参考案件系统"] = f"http://127.0.0.1:{env['CASE_SERVER_PORT']}/health"
    checks |= {
        "动作服务": f"http://127.0.0.1:{env['ACTIONS_PORT']}/health",
        "Rasa": f"http://127.0.0.1:{env['RASA_PORT']}/status?token={env['RASA_TOKEN']}",
        "网关": f"http://127.0.0.1:{env['GATEWAY_PORT']}/health",
    }
    deadline = time.monotonic() + START_TIMEOUT
    waiting = dict(checks)
    while waiting and time.monotonic() < deadline:
        if processes.poll() is not None:
            return False
        for name, url in list(waiting.items()):
            if healthy(url):
                print(f"    {name} 已就绪")
                del waiting[name]
        time.sleep(1)
    return not waiting


def main() -> int:
    env = environment()
    step("构建知识库索引", [str(VENV / "python"), "-m", "knowledge", "build"], env)
    print("==> Rasa 模型（训练数据未变时沿用已有模型）")
    (ROOT / "data" / "rasa").mkdir(parents=True, exist_ok=True)
    print(f"    {ensure_model().name}")
    names = processes(env)
    if "cases" in names:
        url = env["CASE_API_URL"]
        print(f"==> CASE_BACKEND=http 且未设置 CASE_API_URL：同时启动参考案件系统 {url}")
    print("==> 启动动作服务、Rasa 和网关（Ctrl-C 全部停止）")
    honcho = subprocess.Popen(  # noqa: S603 - fixed command
        [str(VENV / "honcho"), "start", "-f", "Procfile", *names], cwd=ROOT, env=env
    )

    def stop(signum: int, _frame: object) -> None:
        honcho.send_signal(signal.SIGINT)

    signal.signal(signal.SIGINT, stop)
    signal.signal(signal.SIGTERM, stop)
    if wait_until_up(env, honcho):
        port = env["GATEWAY_PORT"]
        print(
            "\n助手已就绪：\n"
            f"  对话接口   POST http://localhost:{port}/api/v1/chat\n"
            f"  健康检查   http://localhost:{port}/health\n"
            "  终端对话   另开一个终端运行 make chat\n"
        )
    elif honcho.poll() is None:
        print("启动超时：有的进程迟迟没有就绪，全部停止。", file=sys.stderr)
        honcho.send_signal(signal.SIGINT)
    code = honcho.wait()
    if code not in (0, -signal.SIGINT, 130):
        print(f"有进程意外退出（见上方日志），其余进程已停止。退出码 {code}。", file=sys.stderr)
        return 1
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
