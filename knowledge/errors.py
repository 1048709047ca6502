"""Errors of the knowledge engine.

Every error the engine raises derives from `KnowledgeError`, so a caller (CLI,
action server, gateway) can catch one class and show its message::

    KnowledgeError
    ├── CorpusError                a corpus folder or document cannot be read
    │   └── DocumentFormatError    a file type we cannot read, or a broken file
    ├── IndexError_                the persisted index is unusable
    │   ├── IndexMissingError      nothing built yet
    │   └── IndexCorruptError      files missing, unreadable or inconsistent
    ├── EmbeddingError             the embedding model cannot load or encode
    └── EvaluationError            a dev set that cannot be read or scored

Messages are written for the person running the command: what is wrong and what
to do, in one line.
"""

from __future__ import annotations

from pathlib import Path


class KnowledgeError(Exception):
    """Root of the knowledge engine's errors."""


class CorpusError(KnowledgeError):
    """A corpus folder or a document in it cannot be used."""

    def __init__(self, message: str, path: Path | None = None) -> None:
        super().__init__(f"{path}: {message}" if path else message)
        self.path = path


class DocumentFormatError(CorpusError):
    """A document's format is unsupported or the file is damaged."""


class IndexError_(KnowledgeError):
    """The persisted index cannot be used as it is."""


class IndexMissingError(IndexError_):
    """No index has been built in the data folder."""


class IndexCorruptError(IndexError_):
    """The index files are missing, unreadable or disagree with the manifest."""


class EmbeddingError(KnowledgeError):
    """The embedding model could not be loaded or failed to encode."""


class EvaluationError(KnowledgeError):
    """The dev set could not be read or refers to passages that do not exist."""
