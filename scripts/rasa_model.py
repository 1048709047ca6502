"""Train the Rasa model only when what it is trained from has changed.

Rasa 3 writes a new model on every `rasa train` (it only reuses cached
components), so the decision is made here: the model file is named after a
hash of everything that goes into it — pipeline and policies, domain, NLU and
dialogue data, the jieba dictionary, the custom components, the pinned Rasa
environment. Used by `make run` and by the tests.
"""

from __future__ import annotations

import hashlib
import os
import subprocess
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
RASA = ROOT / ".venv-rasa" / "bin" / "rasa"
# knowledge/bounded.py: the components read long messages through it.
INPUTS = (
    "config.yml", "bot/domain.yml", "nlu_data", "bot/data", "bot/components",
    "knowledge/bounded.py", "knowledge/utterance.py", "bot/routing.py",
)  # fmt: skip
TRAINING_DATA = ("nlu_data", "bot/data")


def fingerprint(root: Path = ROOT) -> str:
    digest = hashlib.sha256()
    files: list[Path] = []
    for name in (*INPUTS, "requirements/rasa.lock"):
        path = root / name
        files.extend(sorted(p for p in path.rglob("*") if p.is_file()) if path.is_dir() else [path])
    for path in files:
        if "__pycache__" in path.parts:
            continue
        digest.update(str(path.relative_to(root)).encode() + b"\0" + path.read_bytes())
    return digest.hexdigest()[:16]


def rasa_env(root: Path = ROOT) -> dict[str, str]:
    env = dict(os.environ)
    # Rasa imports the custom NLU components from bot/.
    env["PYTHONPATH"] = str(root) + os.pathsep + env.get("PYTHONPATH", "")
    env.setdefault("TF_CPP_MIN_LOG_LEVEL", "2")
    env.setdefault("SQLALCHEMY_SILENCE_UBER_WARNING", "1")
    # No usage reports or crash uploads to Rasa's servers: conversations stay here.
    env["RASA_TELEMETRY_ENABLED"] = "false"
    return env


def ensure_model(out: Path | None = None, root: Path = ROOT) -> Path:
    """The path of a model for the current inputs, training one if there is none."""
    out = out or root / "models"
    out.mkdir(parents=True, exist_ok=True)
    name = f"model-{fingerprint(root)}"
    model = out / f"{name}.tar.gz"
    if model.exists():
        return model
    command = [
        str(RASA), "train", "--quiet",
        "--config", "config.yml", "--domain", "bot/domain.yml",
        "--data", *TRAINING_DATA, "--out", str(out), "--fixed-model-name", name,
    ]  # fmt: skip
    result = subprocess.run(command, cwd=root, env=rasa_env(root), check=False)  # noqa: S603
    if result.returncode != 0 or not model.exists():
        raise SystemExit(f"Rasa 模型训练失败（退出码 {result.returncode}）。")
    for old in out.glob("*.tar.gz"):
        if old != model:
            old.unlink()  # Rasa serves the newest model in the folder; keep only this one
    return model
