"""python -m connectors.wechat.menu: publish the official account's menu from a YAML file.

Follows the official document 自定义菜单创建接口 (POST /cgi-bin/menu/create):
at most 3 top-level entries of at most 16 bytes (4 Chinese characters), each
either a CLICK item or a group of at most 5 sub-entries of at most 60 bytes.
The file is checked against those limits and against the keys the channel
understands before anything is sent, so a typo fails here and not as a dead
menu item on people's phones. `--dry-run` checks and prints, sends nothing.

Needs WECHAT_APP_ID and WECHAT_APP_SECRET (and WECHAT_API_BASE if not the
real API) in the environment, like the gateway.
"""

from __future__ import annotations

import argparse
import asyncio
import json
import os
import sys
from collections.abc import Callable, Mapping, Sequence
from pathlib import Path
from typing import Any

import aiohttp
import yaml

from connectors.wechat.api import ApiTimeouts, WeChatApi
from connectors.wechat.dialogue import MENU_KEYS
from connectors.wechat.errors import WeChatApiError, WeChatApiTimeout, WeChatApiUnavailable
from connectors.wechat.settings import DEFAULT_API_BASE
from connectors.wechat.tokens import AccessTokens, call_with_token

DEFAULT_FILE = Path(__file__).with_name("menu.yml")
MAX_TOP = 3
MAX_SUB = 5
MAX_TOP_NAME_BYTES = 16
MAX_SUB_NAME_BYTES = 60
MAX_KEY_BYTES = 128


class MenuError(Exception):
    """The menu file cannot be published; the text says why, in Chinese."""


def load_menu(path: Path) -> dict[str, Any]:
    """The menu in the file, as the API's JSON body, checked.

    Raises:
        MenuError: unreadable, not YAML, or breaks a limit or uses an unknown key.
    """
    try:
        data = yaml.safe_load(path.read_text(encoding="utf-8"))
    except (OSError, UnicodeDecodeError) as exc:
        raise MenuError(f"读不了菜单文件 {path}（{type(exc).__name__}）。") from exc
    except yaml.YAMLError as exc:
        raise MenuError(f"菜单文件 {path} 不是有效的 YAML。") from exc
    if not isinstance(data, dict) or not isinstance(data.get("button"), list):
        raise MenuError("菜单文件应包含 button 列表。")
    top = data["button"]
    if not 1 <= len(top) <= MAX_TOP:
        raise MenuError(f"一级菜单应有 1 至 {MAX_TOP} 个，现有 {len(top)} 个。")
    return {
        "button": [_entry(entry, f"第 {i} 个一级菜单", top=True) for i, entry in enumerate(top, 1)]
    }


def _entry(item: object, where: str, *, top: bool) -> dict[str, Any]:
    if not isinstance(item, dict):
        raise MenuError(f"{where}格式不对。")
    name = item.get("name")
    limit = MAX_TOP_NAME_BYTES if top else MAX_SUB_NAME_BYTES
    if not isinstance(name, str) or not name.strip():
        raise MenuError(f"{where}缺少名称。")
    if len(name.encode()) > limit:
        raise MenuError(f"{where}“{name}”太长（最多 {limit} 字节，约 {limit // 4} 个汉字）。")
    if top and "sub_button" in item:
        subs = item["sub_button"]
        if not isinstance(subs, list) or not 1 <= len(subs) <= MAX_SUB:
            raise MenuError(f"{where}“{name}”的子菜单应有 1 至 {MAX_SUB} 个。")
        entries = [
            _entry(s, f"“{name}”的第 {i} 个子菜单", top=False) for i, s in enumerate(subs, 1)
        ]
        return {"name": name, "sub_button": entries}
    if item.get("type") != "click":
        raise MenuError(f"{where}“{name}”的类型应为 click。")
    key = item.get("key")
    if not isinstance(key, str) or key not in MENU_KEYS or len(key.encode()) > MAX_KEY_BYTES:
        known = "、".join(sorted(MENU_KEYS))
        raise MenuError(f"{where}“{name}”的 key 应为 {known} 之一。")
    return {"type": "click", "name": name, "key": key}


def click_count(menu: Mapping[str, Any]) -> int:
    return sum(len(entry.get("sub_button", [entry])) for entry in menu["button"])


async def publish(menu: dict[str, Any], env: Mapping[str, str]) -> None:
    """Fetch a token and create the menu.

    Raises:
        MenuError: the credentials are missing.
        WeChatApiError: the API refused or could not be reached.
    """
    app_id = env.get("WECHAT_APP_ID", "").strip()
    app_secret = env.get("WECHAT_APP_SECRET", "").strip()
    if not app_id or not app_secret:
        raise MenuError("请先设置环境变量 WECHAT_APP_ID 和 WECHAT_APP_SECRET。")
    base = env.get("WECHAT_API_BASE", "").strip() or DEFAULT_API_BASE
    async with aiohttp.ClientSession() as session:
        api = WeChatApi(session, base, app_id, app_secret, ApiTimeouts())
        tokens = AccessTokens(api.fetch_token)
        await call_with_token(tokens, lambda token: api.create_menu(token, menu))


def main(
    argv: Sequence[str] | None = None,
    env: Mapping[str, str] | None = None,
    write: Callable[[str], None] = print,
) -> int:
    """Check the menu file and publish it (or only print it with --dry-run)."""
    parser = argparse.ArgumentParser(
        prog="python -m connectors.wechat.menu", description="发布公众号自定义菜单"
    )
    parser.add_argument("--file", type=Path, default=DEFAULT_FILE, help="菜单文件（YAML）")
    parser.add_argument("--dry-run", action="store_true", help="只校验并显示，不发布")
    args = parser.parse_args(argv)
    env = os.environ if env is None else env
    try:
        menu = load_menu(args.file)
        if args.dry_run:
            write(f"菜单校验通过（{click_count(menu)} 个点击项），未发布：")
            write(json.dumps(menu, ensure_ascii=False, indent=2))
            return 0
        asyncio.run(publish(menu, env))
    except MenuError as exc:
        print(f"菜单未发布：{exc}", file=sys.stderr)
        return 2
    except (WeChatApiUnavailable, WeChatApiTimeout):
        print(
            "菜单未发布：连不上微信接口或没有应答，请检查网络或 WECHAT_API_BASE。", file=sys.stderr
        )
        return 1
    except WeChatApiError as exc:
        reason = f"错误码 {exc.errcode}" if exc.errcode is not None else "应答无法识别"
        print(f"菜单未发布：微信接口返回{reason}（{exc.detail}）。", file=sys.stderr)
        return 1
    write(f"菜单已发布（{click_count(menu)} 个点击项）。")
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
