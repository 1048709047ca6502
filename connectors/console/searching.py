"""The knowledge engine as the console uses it: a protocol and the real loader."""

from __future__ import annotations

from typing import TYPE_CHECKING, Protocol

from knowledge.settings import KnowledgeSettings

if TYPE_CHECKING:  # the engine's modules load faiss; a gateway whose console is unused skips it
    from knowledge.searcher import SearchResponse


class Searching(Protocol):
    """What the console needs of knowledge.searcher.Searcher (tests pass a fake)."""

    def search(self, query: str, k: int = 5) -> SearchResponse: ...


def load_searcher(settings: KnowledgeSettings) -> Searching:
    """The warm engine over the current index; never builds one.

    Building takes minutes and belongs to `make build` (or the action
    server); a gateway that finds no index says so on each search instead.
    """
    from knowledge.service import open_searcher  # loads the model libraries: only when used

    return open_searcher(settings, build_if_needed=False, warm=True)
