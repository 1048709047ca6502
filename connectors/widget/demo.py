"""The demo page at `/`: a centre's home page with the widget embedded.

It shows a centre's web team what they get and how to add it — one script
tag, nothing else — and the browser tests drive the widget through it. The
centre's name and hotline come from the deployment file (knowledge/
deployments/), like everything region-specific, so another centre's gateway
shows its own. A deployment that cannot be read does not stop the gateway:
the page falls back to neutral wording and the problem is logged.
"""

from __future__ import annotations

import html
import logging
from collections.abc import Mapping
from string import Template

from connectors.widget.assets import HTML_TYPE, STATIC, Asset
from connectors.widget.security import PAGE_HEADERS
from knowledge.deployment import Deployment, deployment_from_env
from knowledge.errors import KnowledgeError

log = logging.getLogger(__name__)

_NEUTRAL = {
    "centre": "知识产权维权援助中心",
    "short_name": "维权援助中心",
    "city": "本市",
    "hotline_number": "12345",
    "hotline_name": "政务服务便民热线",
    "hotline_hours": "全天24小时",
    "offices": "中心服务窗口",
}


def page_facts(deployment: Deployment | None) -> dict[str, str]:
    """What the page says about the centre."""
    if deployment is None:
        return dict(_NEUTRAL)
    return {
        "centre": deployment.centre,
        "short_name": deployment.short_name,
        "city": deployment.city,
        "hotline_number": deployment.hotline.number,
        "hotline_name": deployment.hotline.name or _NEUTRAL["hotline_name"],
        "hotline_hours": deployment.hotline.hours or _NEUTRAL["hotline_hours"],
        "offices": deployment.offices or _NEUTRAL["offices"],
    }


def render_demo(facts: Mapping[str, str]) -> bytes:
    """The page with every fact HTML-escaped (attribute-safe) into the template."""
    template = Template((STATIC / "demo.html").read_text(encoding="utf-8"))
    return template.substitute({k: html.escape(v, quote=True) for k, v in facts.items()}).encode()


def demo_page(env: Mapping[str, str] | None = None) -> Asset:
    """The demo page for the deployment named in the environment."""
    try:
        deployment: Deployment | None = deployment_from_env(env)
    except KnowledgeError as exc:
        log.warning("demo page: deployment not readable (%s); using neutral wording", exc)
        deployment = None
    # no-cache: the page is small, and a changed deployment should show at once.
    # The page's own policy goes on its 304s too: a browser updates the cached
    # page's headers from them.
    return Asset(render_demo(page_facts(deployment)), HTML_TYPE, "no-cache", dict(PAGE_HEADERS))
