"""python -m connectors.wechat.menu: checked, then published to the (fake) WeChat API."""

from __future__ import annotations

import asyncio
import json
import subprocess
import sys
from pathlib import Path

import pytest

from connectors.wechat.menu import DEFAULT_FILE, MenuError, load_menu, main
from tests.connectors.conftest import free_port
from tests.connectors.wechat.conftest import APP_ID, APP_SECRET, FakeWeChatApi

ROOT = Path(__file__).resolve().parents[3]
EXPECTED = {
    "button": [
        {"type": "click", "name": "政策咨询", "key": "POLICY"},
        {
            "name": "援助服务",
            "sub_button": [
                {"type": "click", "name": "资格自测", "key": "ELIGIBILITY"},
                {"type": "click", "name": "申请援助", "key": "APPLY"},
            ],
        },
        {"type": "click", "name": "人工服务", "key": "HUMAN"},
    ]
}


def env(api: str) -> dict[str, str]:
    return {"WECHAT_APP_ID": APP_ID, "WECHAT_APP_SECRET": APP_SECRET, "WECHAT_API_BASE": api}


async def run(argv: list[str], environment: dict[str, str]) -> tuple[int, list[str]]:
    """main() in a thread: it runs its own event loop, the fake API runs on ours."""
    lines: list[str] = []
    code = await asyncio.to_thread(main, argv, environment, lines.append)
    return code, lines


def test_shipped_menu_has_the_four_click_items() -> None:
    assert load_menu(DEFAULT_FILE) == EXPECTED


async def test_publish_sends_the_menu(wechat_api: FakeWeChatApi) -> None:
    code, lines = await run([], env(wechat_api.url))
    assert code == 0
    assert lines == ["菜单已发布（4 个点击项）。"]
    assert wechat_api.menus == [EXPECTED]
    assert wechat_api.token_fetches == 1


async def test_dry_run_sends_nothing(wechat_api: FakeWeChatApi) -> None:
    code, lines = await run(["--dry-run", "--file", str(DEFAULT_FILE)], env(wechat_api.url))
    assert code == 0
    assert lines[0] == "菜单校验通过（4 个点击项），未发布："
    assert json.loads(lines[1]) == EXPECTED
    assert (wechat_api.menus, wechat_api.token_fetches) == ([], 0)


async def test_api_errcode_fails_in_chinese(
    wechat_api: FakeWeChatApi, capsys: pytest.CaptureFixture[str]
) -> None:
    wechat_api.send_errcodes = [40018]  # invalid button name size
    code, _ = await run([], env(wechat_api.url))
    assert code == 1
    assert "菜单未发布：微信接口返回错误码 40018" in capsys.readouterr().err
    assert wechat_api.menus == []


async def test_wrong_secret_and_unreachable_api(
    wechat_api: FakeWeChatApi, capsys: pytest.CaptureFixture[str]
) -> None:
    code, _ = await run([], env(wechat_api.url) | {"WECHAT_APP_SECRET": "wrong"})
    assert code == 1
    assert "错误码 40013" in capsys.readouterr().err
    code, _ = await run([], env(f"http://127.0.0.1:{free_port()}"))
    assert code == 1
    assert "连不上微信接口" in capsys.readouterr().err


def test_missing_credentials(capsys: pytest.CaptureFixture[str]) -> None:
    assert main([], {}) == 2
    assert "WECHAT_APP_ID" in capsys.readouterr().err


@pytest.mark.parametrize(
    ("text", "reason"),
    [
        ("button: []\n", "1 至 3"),
        ("button:\n" + "  - {name: 甲, type: click, key: POLICY}\n" * 4, "1 至 3"),
        ("button:\n  - {name: 政策咨询服务中心, type: click, key: POLICY}\n", "太长"),
        ("button:\n  - {name: 政策, type: click, key: UNKNOWN}\n", "key 应为"),
        ("button:\n  - {name: 政策, type: view, key: POLICY}\n", "click"),
        ("button:\n  - {name: 组, sub_button: []}\n", "子菜单"),
        ("button:\n  - {type: click, key: POLICY}\n", "缺少名称"),
        ("menu: 1\n", "button"),
        ("button: [\n", "YAML"),
    ],
)
def test_bad_menu_files_are_refused(tmp_path: Path, text: str, reason: str) -> None:
    path = tmp_path / "menu.yml"
    path.write_text(text, encoding="utf-8")
    with pytest.raises(MenuError, match=reason):
        load_menu(path)
    assert main(["--dry-run", "--file", str(path)], {}) == 2


def test_module_entry_point_dry_run() -> None:
    result = subprocess.run(
        [sys.executable, "-m", "connectors.wechat.menu", "--dry-run"],
        cwd=ROOT,
        capture_output=True,
        text=True,
        timeout=60,
        check=False,
    )
    assert result.returncode == 0, result.stderr
    assert "菜单校验通过" in result.stdout
    assert json.loads(result.stdout.split("\n", 1)[1]) == EXPECTED
