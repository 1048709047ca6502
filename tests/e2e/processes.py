"""Start the real processes — action server, Rasa, gateway — on free loopback ports.

Each process writes its log to a file, so a test can read what it logged. A
process can be stopped and started again in the middle of a test (a Rasa
restart, an action server outage).
"""

from __future__ import annotations

import os
import signal
import socket
import subprocess
import sys
import time
import urllib.error
import urllib.request
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass, field
from pathlib import Path

ROOT = Path(__file__).resolve().parents[2]
sys.path.insert(0, str(ROOT / "scripts"))
from rasa_model import rasa_env  # noqa: E402 - scripts/ is not a package

RASA_ARGS = (
    "--endpoints", "bot/endpoints.yml", "--credentials", "bot/credentials.yml",
    "--enable-api", "--auth-token", "e2e-token", "--interface", "127.0.0.1",
)  # fmt: skip


def free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return int(sock.getsockname()[1])


def answers(url: str) -> bool:
    try:
        with urllib.request.urlopen(url, timeout=2) as response:
            return bool(response.status == 200)
    except (urllib.error.URLError, OSError, ValueError):
        return False


CASE_TOKEN = "e2e-case-token"
# The official account the e2e gateway serves (plain mode, as a centre starts).
WECHAT_TOKEN = "e2eWeChatToken0123456"
WECHAT_APP_ID = "wxe2e0000000000000"
WECHAT_APP_SECRET = "e2e-app-secret-0123456789"


@dataclass
class Process:
    name: str
    command: list[str]
    health: str
    log: Path
    popen: subprocess.Popen[bytes] | None = None

    def start(self, env: dict[str, str], timeout: float) -> None:
        handle = self.log.open("ab")
        self.popen = subprocess.Popen(
            self.command, cwd=ROOT, env=env, stdout=handle, stderr=subprocess.STDOUT
        )
        deadline = time.monotonic() + timeout
        while time.monotonic() < deadline:
            if self.popen.poll() is not None:
                raise RuntimeError(f"{self.name} exited; see {self.log}")
            if answers(self.health):
                return
            time.sleep(0.5)
        raise RuntimeError(f"{self.name} did not become healthy in {timeout:.0f} s; see {self.log}")

    def kill(self) -> None:
        """SIGKILL: no cleanup, no goodbye — a crash."""
        if self.popen and self.popen.poll() is None:
            self.popen.kill()
            self.popen.wait()

    def stop(self) -> None:
        if self.popen and self.popen.poll() is None:
            self.popen.send_signal(signal.SIGINT)
            try:
                self.popen.wait(timeout=20)
            except subprocess.TimeoutExpired:
                self.popen.kill()
                self.popen.wait()


@dataclass
class Stack:
    """The three processes of the assistant, wired together."""

    workdir: Path
    model: Path
    index_dir: Path
    # The WeChat API the gateway's channel calls (tokens, 客服消息): Tencent's
    # servers are out of reach here, so a test serves its stand-in at this root.
    wechat_api: str = ""
    env: dict[str, str] = field(default_factory=dict)
    processes: dict[str, Process] = field(default_factory=dict)

    def __post_init__(self) -> None:
        ports = {name: free_port() for name in ("cases", "actions", "rasa", "gateway")}
        self.env = (
            rasa_env(ROOT)
            | self._wechat_env()
            | {
                "ACTIONS_PORT": str(ports["actions"]),
                "RASA_PORT": str(ports["rasa"]),
                "GATEWAY_PORT": str(ports["gateway"]),
                "GATEWAY_HOST": "127.0.0.1",
                "RASA_URL": f"http://127.0.0.1:{ports['rasa']}",
                "RASA_TOKEN": "e2e-token",
                "GATEWAY_SECRET": "e2e-secret-" + "x" * 32,
                "TRACKER_DIALECT": "sqlite",
                "TRACKER_URL": f"sqlite:///{self.workdir / 'tracker.db'}",
                # Every key a run makes stays in its folder (tests/e2e/test_personal_data.py
                # checks their modes), none in the checkout's secrets/.
                "TRACKER_ENCRYPTION_KEY_FILE": str(self.workdir / "tracker.key"),
                "CASE_ENCRYPTION_KEY_FILE": str(self.workdir / "case.key"),
                "KNOWLEDGE_DATA_DIR": str(self.index_dir),
                # The bot talks to the reference case system over HTTP, as it
                # would to a centre's own; its fault injection serves the outage tests.
                "CASE_BACKEND": "http",
                "CASE_API_URL": f"http://127.0.0.1:{ports['cases']}",
                "CASE_API_TOKEN": CASE_TOKEN,
                "CASE_SUBMIT_BUDGET": "4",
                "CASE_OUTBOX_PATH": str(self.workdir / "outbox.db"),
                "CASE_RELAY_INTERVAL": "1",
                "CASE_SERVER_PORT": str(ports["cases"]),
                "CASE_SERVER_TOKEN": CASE_TOKEN,
                "CASE_SERVER_DATABASE_URL": f"sqlite:///{self.workdir / 'case-system.db'}",
                "CASE_SERVER_ENCRYPTION_KEY": "VGhpcy1pcy1hLXRlc3Qta2V5LW9ubHktMzJieXRlcyE=",
                "CASE_SERVER_FAULTS": "1",
            }
        )
        python = str(ROOT / ".venv" / "bin" / "python")
        rasa = str(ROOT / ".venv-rasa" / "bin" / "rasa")
        self.processes = {
            "cases": Process(
                "cases",
                [python, "-m", "cases.server"],
                f"http://127.0.0.1:{ports['cases']}/health",
                self.workdir / "cases.log",
            ),
            "actions": Process(
                "actions",
                [python, "-m", "actions"],
                f"http://127.0.0.1:{ports['actions']}/health",
                self.workdir / "actions.log",
            ),
            "rasa": Process(
                "rasa",
                [
                    rasa,
                    "run",
                    "--model",
                    str(self.model),
                    "--endpoints",
                    "bot/endpoints.yml",
                    "--credentials",
                    "bot/credentials.yml",
                    "--logging-config-file",
                    "bot/logging.yml",
                    "--enable-api",
                    "--auth-token",
                    "e2e-token",
                    "--interface",
                    "127.0.0.1",
                    "--port",
                    str(ports["rasa"]),
                    # The most talkative logs there are: every message, parse
                    # and slot. tests/e2e/test_logs.py checks them for leaks.
                    "--debug",
                ],
                f"http://127.0.0.1:{ports['rasa']}/status?token=e2e-token",
                self.workdir / "rasa.log",
            ),
            "gateway": Process(
                "gateway",
                [python, "-m", "connectors"],
                f"http://127.0.0.1:{ports['gateway']}/health",
                self.workdir / "gateway.log",
            ),
        }

    def _wechat_env(self) -> dict[str, str]:
        if not self.wechat_api:
            return {}
        return {
            "WECHAT_TOKEN": WECHAT_TOKEN,
            "WECHAT_APP_ID": WECHAT_APP_ID,
            "WECHAT_APP_SECRET": WECHAT_APP_SECRET,
            "WECHAT_API_BASE": self.wechat_api,
        }

    @property
    def gateway(self) -> str:
        return f"http://127.0.0.1:{self.env['GATEWAY_PORT']}"

    @property
    def case_system(self) -> str:
        return self.env["CASE_API_URL"]

    @property
    def rasa(self) -> str:
        return self.env["RASA_URL"]

    def start(self, name: str | None = None) -> None:
        for process in [self.processes[name]] if name else self.processes.values():
            process.start(dict(os.environ) | self.env, timeout=600)

    def stop(self, name: str | None = None) -> None:
        for process in [self.processes[name]] if name else reversed(self.processes.values()):
            process.stop()

    def kill(self, name: str) -> None:
        self.processes[name].kill()

    @contextmanager
    def gateway_with(self, changes: dict[str, str]) -> Iterator[str]:
        """The gateway restarted with `changes` to its environment; restored afterwards."""
        before = {name: self.env.get(name) for name in changes}
        self.stop("gateway")
        self.env.update(changes)
        self.start("gateway")
        try:
            yield self.gateway
        finally:
            self.stop("gateway")
            for name, value in before.items():  # what was set before comes back as it was
                if value is None:
                    self.env.pop(name, None)
                else:
                    self.env[name] = value
            self.start("gateway")
