"""The persisted index: build it, skip it when nothing changed, load it safely.

Layout under the data folder::

    current -> builds/<build_id>      symlink, swapped atomically
    builds/<build_id>/manifest.json   what the build is made of (see Manifest)
                      passages.jsonl  passage metadata and text
                      vectors.npy     embeddings of every unit (passage or sentence)
                      owners.npy      which passage each unit belongs to
                      units.txt       a hash of each unit's text, to reuse its vector later
                      vectors.faiss   dense index over the units
                      bm25.npz        sparse BM25 weights
                      document_facts.json  each document's header facts (document_facts.py)
    build.lock                        one build at a time

A build writes a new folder and then replaces the `current` symlink with
`os.replace`, which is atomic: a reader sees the old index or the new one,
never half of each. The manifest names the corpus hash, the model, the chunker
version, the lexicon hash and the index type; `build` skips when all match.
On load every file is checked against the manifest's checksums, so a truncated
or foreign file is reported as corrupt instead of answering wrongly.
"""

from __future__ import annotations

import fcntl
import hashlib
import json
import logging
import os
import shutil
import time
import uuid
from collections.abc import Callable, Iterator, Sequence
from contextlib import contextmanager
from dataclasses import asdict, dataclass, field
from pathlib import Path
from typing import Any

import faiss
import numpy as np

from knowledge import vector_index
from knowledge.bm25 import BM25Index
from knowledge.document_facts import DocumentFacts, extract_facts, read_facts, write_facts
from knowledge.documents import Document, load_corpus
from knowledge.embedding import Embedder
from knowledge.errors import IndexCorruptError, IndexMissingError
from knowledge.lexicon import Lexicon
from knowledge.passages import Passage, embedding_units, read_passages, write_passages
from knowledge.settings import KnowledgeSettings
from knowledge.structure import CHUNKER_VERSION, chunk_document

log = logging.getLogger(__name__)

FORMAT_VERSION = 3  # 3: document_facts.json
FILES = (
    "passages.jsonl",
    "units.txt",
    "vectors.npy",
    "owners.npy",
    "vectors.faiss",
    "bm25.npz",
    "document_facts.json",
)


@dataclass
class Manifest:
    format_version: int
    build_id: str
    created_at: str
    corpus_hash: str
    lexicon_hash: str
    model_id: str
    dim: int
    chunker_version: str
    max_chunk_chars: int
    index_type: str
    passages: int
    units: int
    documents: list[dict[str, str]]
    checksums: dict[str, str]
    answerability: dict[str, Any] = field(default_factory=dict)

    def fingerprint(self) -> tuple[Any, ...]:
        """What decides whether a build is still current."""
        return (
            self.format_version,
            self.corpus_hash,
            self.lexicon_hash,
            self.model_id,
            self.chunker_version,
            self.max_chunk_chars,
            self.index_type,
            self.answerability.get("dev_set_hash"),
            self.answerability.get("engine_hash"),
        )


@dataclass
class LoadedIndex:
    manifest: Manifest
    passages: list[Passage]
    vectors: faiss.Index
    owners: np.ndarray  # unit → passage index
    bm25: BM25Index
    path: Path
    document_facts: dict[str, DocumentFacts] = field(default_factory=dict)  # by doc_id


def _sha256_file(path: Path) -> str:
    digest = hashlib.sha256()
    with path.open("rb") as handle:
        for block in iter(lambda: handle.read(1 << 20), b""):
            digest.update(block)
    return digest.hexdigest()


def _sha256_files(paths: list[Path]) -> str:
    digest = hashlib.sha256()
    for path in paths:
        digest.update(path.name.encode())
        digest.update(path.read_bytes() if path.exists() else b"<missing>")
    return digest.hexdigest()


def corpus_hash(documents: list[Document]) -> str:
    digest = hashlib.sha256()
    for document in sorted(documents, key=lambda d: d.doc_id):
        digest.update(f"{document.doc_id}\0{document.content_hash}\n".encode())
    return digest.hexdigest()


def lexicon_hash(settings: KnowledgeSettings) -> str:
    return _sha256_files(
        [settings.user_dict, settings.stopwords, settings.colloquial, settings.places]
    )


# Modules that report on the engine, or read questions about a document's
# header facts, without changing how it ranks or what a build writes.
_NOT_RANKING = frozenset(
    {"__main__", "cli", "bench", "evaluation", "fact_questions", "fact_answers"}
)


def engine_hash() -> str:
    """Hash of the engine's own code.

    The answerability model is fitted on how this code ranks and what evidence
    it collects, so any change to the code must refit it; hashing the source
    makes that automatic instead of relying on someone bumping a version.
    """
    package = Path(__file__).resolve().parent
    return _sha256_files(sorted(p for p in package.glob("*.py") if p.stem not in _NOT_RANKING))


def dev_set_hash(settings: KnowledgeSettings) -> str | None:
    return _sha256_file(settings.dev_set) if settings.dev_set.exists() else None


def current_path(data_dir: Path) -> Path:
    return data_dir / "current"


def read_manifest(build_dir: Path) -> Manifest:
    path = build_dir / "manifest.json"
    if not path.exists():
        raise IndexMissingError(f"no index in {build_dir}")
    try:
        raw = json.loads(path.read_text(encoding="utf-8"))
    except ValueError as exc:
        raise IndexCorruptError(f"manifest {path} is unreadable ({exc})") from exc
    if not isinstance(raw, dict) or raw.get("format_version") != FORMAT_VERSION:
        found = raw.get("format_version") if isinstance(raw, dict) else None
        raise IndexCorruptError(f"index format {found}, this version reads {FORMAT_VERSION}")
    try:
        return Manifest(**raw)
    except TypeError as exc:
        raise IndexCorruptError(f"manifest {path} is incomplete ({exc})") from exc


def verify_build(build_dir: Path) -> Manifest:
    """Check a build folder's manifest and file checksums without parsing the files."""
    manifest = read_manifest(build_dir)
    for name in FILES:
        path = build_dir / name
        if not path.exists():
            raise IndexCorruptError(f"index file {name} is missing")
        if _sha256_file(path) != manifest.checksums.get(name):
            raise IndexCorruptError(f"index file {name} does not match its checksum")
    return manifest


def load_build(build_dir: Path, verify: bool = True) -> LoadedIndex:
    """Load one build folder; IndexCorruptError says what is wrong with it."""
    manifest = verify_build(build_dir) if verify else read_manifest(build_dir)
    try:
        passages = read_passages(build_dir / "passages.jsonl")
        bm25 = BM25Index.load(build_dir / "bm25.npz")
        owners = np.load(build_dir / "owners.npy", allow_pickle=False)
        facts = read_facts(build_dir / "document_facts.json")
    except (ValueError, TypeError, KeyError, OSError) as exc:
        raise IndexCorruptError(f"index files are unreadable ({exc})") from exc
    if len(passages) != manifest.passages or bm25.size != manifest.passages:
        raise IndexCorruptError("index files disagree on the number of passages")
    if len(owners) != manifest.units or (len(owners) and owners.max() >= len(passages)):
        raise IndexCorruptError("unit table disagrees with the passages")
    vectors = vector_index.load(build_dir / "vectors.faiss", manifest.units, manifest.dim)
    return LoadedIndex(manifest, passages, vectors, owners, bm25, build_dir, facts)


def load_index(data_dir: Path, verify: bool = True) -> LoadedIndex:
    """Load the current build; IndexMissingError / IndexCorruptError say what is wrong."""
    link = current_path(data_dir)
    if not link.exists():
        raise IndexMissingError(f"no index built in {data_dir}")
    return load_build(link.resolve(), verify=verify)


@contextmanager
def _build_lock(data_dir: Path) -> Iterator[None]:
    data_dir.mkdir(parents=True, exist_ok=True)
    with (data_dir / "build.lock").open("w") as handle:
        fcntl.flock(handle, fcntl.LOCK_EX)
        try:
            yield
        finally:
            fcntl.flock(handle, fcntl.LOCK_UN)


def make_passages(documents: list[Document], max_chars: int) -> list[Passage]:
    return [
        Passage.from_chunk(chunk, document)
        for document in documents
        for chunk in chunk_document(document, max_chars=max_chars)
    ]


def units_of(passages: list[Passage]) -> tuple[list[str], np.ndarray]:
    """Every embedding unit's text, and the passage each belongs to."""
    texts: list[str] = []
    owners: list[int] = []
    for i, passage in enumerate(passages):
        units = embedding_units(passage)
        texts.extend(units)
        owners.extend([i] * len(units))
    return texts, np.asarray(owners, dtype=np.int32)


def write_build(
    build_dir: Path,
    passages: list[Passage],
    unit_texts: list[str],
    vectors: np.ndarray,
    owners: np.ndarray,
    lexicon: Lexicon,
    index_type: vector_index.VectorIndexType,
    facts: Sequence[DocumentFacts] = (),
) -> dict[str, str]:
    """Write the index files of one build; returns their checksums."""
    build_dir.mkdir(parents=True)
    write_passages(passages, build_dir / "passages.jsonl")
    keys = "".join(_text_key(text) + "\n" for text in unit_texts)
    (build_dir / "units.txt").write_text(keys, encoding="ascii")
    np.save(build_dir / "vectors.npy", np.ascontiguousarray(vectors, dtype=np.float32))
    np.save(build_dir / "owners.npy", owners.astype(np.int32))
    vector_index.save(
        vector_index.build_vector_index(vectors, index_type), build_dir / "vectors.faiss"
    )
    bm25 = BM25Index.build([lexicon.tokenize(p.search_text()) for p in passages])
    bm25.save(build_dir / "bm25.npz")
    write_facts(facts, build_dir / "document_facts.json")
    return {name: _sha256_file(build_dir / name) for name in FILES}


def _text_key(text: str) -> str:
    return hashlib.sha256(text.encode()).hexdigest()


def _previous_vectors(data_dir: Path, model_id: str) -> dict[str, np.ndarray]:
    """Embeddings of the current build by unit text, if it used the same model."""
    link = current_path(data_dir)
    try:
        build_dir = link.resolve(strict=True)
        manifest = read_manifest(build_dir)
        if manifest.model_id != model_id:
            return {}
        vectors = np.load(build_dir / "vectors.npy", mmap_mode="r")
        keys = (build_dir / "units.txt").read_text(encoding="ascii").split()
    except (OSError, ValueError, IndexMissingError, IndexCorruptError):
        return {}
    if len(keys) != len(vectors):
        return {}
    return {key: vectors[i] for i, key in enumerate(keys)}


def embed_with_reuse(
    data_dir: Path, model_id: str, model: Embedder, texts: list[str]
) -> np.ndarray:
    """Embed the units, reusing the previous build's vectors for unchanged text.

    Embedding is nearly all of a build's time (tens of passages a second on two
    cores), so adding one document to a large corpus embeds only its passages.
    """
    previous = _previous_vectors(data_dir, model_id)
    keys = [_text_key(text) for text in texts]
    todo = [i for i, key in enumerate(keys) if key not in previous]
    vectors = np.zeros((len(texts), model.dim), dtype=np.float32)
    for i, key in enumerate(keys):
        if key in previous:
            vectors[i] = previous[key]
    if todo:
        vectors[todo] = model.embed_passages([texts[i] for i in todo])
    log.info("embedded %d units, reused %d", len(todo), len(texts) - len(todo))
    return vectors


def swap_current(data_dir: Path, build_dir: Path) -> None:
    """Point `current` at `build_dir` atomically, then drop builds older than the previous one."""
    link = current_path(data_dir)
    previous = link.resolve() if link.exists() else None
    tmp_link = data_dir / f".current-{uuid.uuid4().hex}"
    tmp_link.symlink_to(build_dir.relative_to(data_dir))
    tmp_link.replace(link)
    for old in (data_dir / "builds").iterdir():
        if old.resolve() not in (build_dir.resolve(), previous):
            shutil.rmtree(old, ignore_errors=True)


@dataclass
class BuildReport:
    built: bool
    reason: str
    manifest: Manifest
    seconds: float


def build_index(
    settings: KnowledgeSettings,
    lexicon: Lexicon,
    embedder: Callable[[], Embedder],
    force: bool = False,
    calibrate: Callable[[LoadedIndex], dict[str, Any]] | None = None,
) -> BuildReport:
    """Build the index unless an identical one is current.

    `embedder` is called only when a build is needed, so an up-to-date check
    never loads a model. `calibrate(loaded_index)` fits the answerability
    threshold on the new build before it becomes current (answerability.py).
    """
    started = time.perf_counter()
    documents = load_corpus(settings.corpus_dir)
    passages = make_passages(documents, settings.max_chunk_chars)
    facts = [extract_facts(document) for document in documents]
    unit_texts, owners = units_of(passages)
    index_type = vector_index.choose_type(len(unit_texts), settings.exact_search_limit)
    manifest = Manifest(
        format_version=FORMAT_VERSION,
        build_id="",
        created_at="",
        corpus_hash=corpus_hash(documents),
        lexicon_hash=lexicon_hash(settings),
        model_id=settings.embedding.model_id,
        dim=0,
        chunker_version=CHUNKER_VERSION,
        max_chunk_chars=settings.max_chunk_chars,
        index_type=index_type.value,
        passages=len(passages),
        units=len(unit_texts),
        documents=[
            {
                "doc_id": d.doc_id,
                "title": d.title,
                "doc_number": d.doc_number,
                "hash": d.content_hash,
            }
            for d in documents
        ],
        checksums={},
        answerability={"dev_set_hash": dev_set_hash(settings), "engine_hash": engine_hash()},
    )
    with _build_lock(settings.data_dir):
        reason = "forced rebuild" if force else _staleness(settings.data_dir, manifest)
        if reason is None:
            current = read_manifest(current_path(settings.data_dir).resolve())
            return BuildReport(False, "up to date", current, time.perf_counter() - started)
        model = embedder()
        manifest.dim = model.dim
        vectors = embed_with_reuse(settings.data_dir, manifest.model_id, model, unit_texts)
        builds = settings.data_dir / "builds"
        builds.mkdir(parents=True, exist_ok=True)
        manifest.build_id = time.strftime("%Y%m%dT%H%M%S") + "-" + uuid.uuid4().hex[:8]
        manifest.created_at = time.strftime("%Y-%m-%dT%H:%M:%S%z")
        build_dir = builds / manifest.build_id
        try:
            manifest.checksums = write_build(
                build_dir, passages, unit_texts, vectors, owners, lexicon, index_type, facts
            )
            _write_manifest(build_dir, manifest)
            if calibrate is not None:
                loaded = load_build(build_dir, verify=False)
                manifest.answerability.update(calibrate(loaded))
                _write_manifest(build_dir, manifest)
            swap_current(settings.data_dir, build_dir)
        except BaseException:
            shutil.rmtree(build_dir, ignore_errors=True)
            raise
    return BuildReport(True, reason, manifest, time.perf_counter() - started)


def _write_manifest(build_dir: Path, manifest: Manifest) -> None:
    tmp = build_dir / "manifest.json.tmp"
    tmp.write_text(json.dumps(asdict(manifest), ensure_ascii=False, indent=2), encoding="utf-8")
    with tmp.open("rb") as handle:
        os.fsync(handle.fileno())
    tmp.replace(build_dir / "manifest.json")


def _staleness(data_dir: Path, wanted: Manifest) -> str | None:
    """Why the current build cannot be kept, or None when it is up to date."""
    link = current_path(data_dir)
    if not link.exists():
        return "no index yet"
    try:
        current = verify_build(link.resolve())
    except IndexMissingError:
        return "no index yet"
    except IndexCorruptError as exc:
        return f"index corrupt ({exc}); rebuilding"
    if current.fingerprint() != wanted.fingerprint():
        changed = [
            name
            for name, a, b in zip(
                (
                    "format",
                    "corpus",
                    "lexicon",
                    "model",
                    "chunker",
                    "chunk size",
                    "index type",
                    "dev set",
                    "engine code",
                ),
                current.fingerprint(),
                wanted.fingerprint(),
                strict=True,
            )
            if a != b
        ]
        return "changed: " + ", ".join(changed)
    return None
