"""Dense retrieval, the optional ``dense`` extra (``pip install duijie[dense]``).

- ``load_model(path)``: a sentence-transformers model from a local directory, on the CPU, with the
  Hugging Face libraries held offline: a path that is not a model directory is refused before the
  library could take it for the name of a model to download. The languages the model reads come from
  its model card (``README.md``, ``language:``); a card that names none, or "multilingual", reads all.
- ``DenseIndex``: the documents' normalised embeddings (one float32 row each), ids and languages; add,
  replace and remove by id; top-k by cosine; ``evidence``: how far each document stands out from the
  whole index for a query; saved to and loaded from a directory (``vectors.npy`` + ``ids.json``).
- ``evidence_for``: the dense evidence for a query, none where the model cannot read the query or a
  document among the lexical top hits; ``fuse``: one ranking from the lexical hits and that evidence
  (docs/decisions.md, "Dense extra: fusion, languages, the CI model, pgvector").

Plain Python and NumPy; sentence-transformers (and torch) are imported only by ``load_model``.
"""

from __future__ import annotations

import contextlib
import hashlib
import json
import os
import threading
from collections.abc import Iterable, Sequence
from dataclasses import dataclass
from pathlib import Path
from typing import Any, Protocol

import numpy as np

from duijie.matching.engine.index import Doc, Hit, doc_language

INSTALL_HINT = "pip install 'duijie[dense]'"
# A sentence-transformers model directory has modules.json; a bare Hugging Face encoder has config.json
# (sentence-transformers then adds mean pooling).
MODEL_MARKERS = ("modules.json", "config.json")
BATCH_SIZE = 32
DEPTH = 50  # dense candidates fused with the lexical ones
# A document's dense evidence: 0 up to Z_FLOOR standard deviations above the index's mean similarity to
# the query, rising linearly to 1 at Z_FULL. A model that does not understand a query gives flat
# similarities, so nothing stands out and the lexical ranking is left alone.
Z_FLOOR, Z_FULL = 3.0, 6.0
LEXICAL_SHARE = 0.5  # of the fused score, against the dense evidence's 1 − LEXICAL_SHARE
# Lexical scores count in full when the best lexical document covers this share of the query (where the
# engine deems a query answered by its own language, the top of index.COVERAGE_BAND), proportionally
# less below: a document that shares one word of five with the query does not keep a match in meaning down.
CONFIDENT_COVERAGE = 0.85
READ_DEPTH = 10  # lexical top hits whose language the model must read for dense evidence to count
VECTORS_FILE, IDS_FILE = "vectors.npy", "ids.json"


class DenseUnavailable(RuntimeError):
    """The dense extra is not installed, or the configured path is not a model."""


class Encoder(Protocol):
    """What the dense index needs of a model: normalised float32 embeddings, one row per text."""

    name: str
    dimension: int
    languages: frozenset[str] | None  # the languages it reads ("zh", "en"); None: all

    def encode(self, texts: Sequence[str]) -> np.ndarray: ...


@dataclass
class SentenceEncoder:
    """A loaded sentence-transformers model."""

    model: Any
    name: str
    dimension: int
    languages: frozenset[str] | None = None

    def encode(self, texts: Sequence[str]) -> np.ndarray:
        if not texts:
            return np.zeros((0, self.dimension), dtype=np.float32)
        vectors = self.model.encode(list(texts), batch_size=BATCH_SIZE, convert_to_numpy=True,
                                    normalize_embeddings=True, show_progress_bar=False)
        return np.ascontiguousarray(vectors, dtype=np.float32)


_models: dict[str, SentenceEncoder] = {}
_models_lock = threading.Lock()


def check_model_path(path: str | os.PathLike[str]) -> Path:
    """The resolved model directory, or ``DenseUnavailable`` saying why it is not one."""
    directory = Path(path).expanduser()
    if not directory.is_dir():
        raise DenseUnavailable(f"dense model: {path} is not a directory (a local sentence-transformers "
                               "model is needed; nothing is downloaded)")
    if not any((directory / marker).is_file() for marker in MODEL_MARKERS):
        raise DenseUnavailable(f"dense model: {path} holds no sentence-transformers model "
                               f"(neither {' nor '.join(MODEL_MARKERS)} found)")
    return directory.resolve()


def load_model(path: str | os.PathLike[str]) -> SentenceEncoder:
    """The sentence-transformers model in the local directory ``path``, on the CPU; loaded once per
    process. Side effect: sets ``HF_HUB_OFFLINE`` and ``TRANSFORMERS_OFFLINE`` for the process, so
    that neither library reaches for the network."""
    directory = check_model_path(path)
    key = str(directory)
    with _models_lock:
        if key not in _models:
            _models[key] = _load(directory)
        return _models[key]


def _load(directory: Path) -> SentenceEncoder:
    # Read by huggingface_hub and transformers when they are first imported: set before the import.
    os.environ["HF_HUB_OFFLINE"] = "1"
    os.environ["TRANSFORMERS_OFFLINE"] = "1"
    try:
        from sentence_transformers import SentenceTransformer
    except ImportError as exc:
        raise DenseUnavailable(f"dense retrieval needs the dense extra ({INSTALL_HINT}): {exc}") from exc
    with contextlib.suppress(ImportError, AttributeError):  # no progress bars in a server's log
        from transformers.utils import logging as transformers_logging

        transformers_logging.disable_progress_bar()
    try:
        model = SentenceTransformer(str(directory), device="cpu", local_files_only=True)
    except (OSError, ValueError) as exc:
        raise DenseUnavailable(f"dense model: {directory} could not be loaded: {exc}") from exc
    dimension = model.get_embedding_dimension()
    if not dimension:
        raise DenseUnavailable(f"dense model: {directory} does not say the size of its embeddings")
    return SentenceEncoder(model=model, name=fingerprint(directory), dimension=int(dimension),
                           languages=model_languages(directory))


def model_languages(directory: Path) -> frozenset[str] | None:
    """The languages named by the model card's front matter (``language: en`` or a list), as the
    engine's codes ("zh-cn" → "zh"); None when it names none or says "multilingual"."""
    try:
        text = (directory / "README.md").read_text(encoding="utf-8")
    except OSError:
        return None
    lines = text.splitlines()
    if not lines or lines[0].strip() != "---":
        return None
    found: list[str] = []
    in_list = False
    for line in lines[1:]:
        if line.strip() == "---":
            break
        if line.startswith("language:"):
            value = line.split(":", 1)[1].strip()
            in_list = not value
            found += [value] if value else []
        elif in_list and line.lstrip().startswith("- "):
            found.append(line.strip()[2:])
        elif in_list and line and not line[0].isspace():
            in_list = False
    codes = {value.strip().strip("'\"").lower().split("-")[0].split("_")[0] for value in found}
    codes.discard("")
    return None if not codes or "multilingual" in codes else frozenset(codes)


def fingerprint(directory: Path) -> str:
    """The model directory's name and a digest of its files' names, sizes and times: a saved index made
    by another model (or the same path holding a new one) is not reused."""
    digest = hashlib.blake2b(digest_size=6)
    for item in sorted(directory.rglob("*")):
        if item.is_file():
            stat = item.stat()
            digest.update(f"{item.relative_to(directory)}:{stat.st_size}:{int(stat.st_mtime)}\n".encode())
    return f"{directory.name}-{digest.hexdigest()}"


def doc_text(doc: Doc) -> str:
    """What a document's embedding is computed from: title, keywords, abstract (the model truncates)."""
    return ". ".join(part for part in (doc.title, ", ".join(doc.keywords), doc.abstract) if part.strip())


def text_hash(text: str) -> str:
    return hashlib.blake2b(text.encode("utf-8"), digest_size=8).hexdigest()


class DenseIndex:
    """Normalised document embeddings by id; cosine similarity is their dot product with the query's.
    Not safe to change while others search it: change a ``copy()`` and swap it in."""

    def __init__(self, dimension: int, model: str = "") -> None:
        self.dimension = dimension
        self.model = model
        self.ids: list[str] = []
        self.langs: list[str] = []  # each row's language ("zh", "en"; "" when unknown)
        self.hashes: list[str] = []  # of the text each row was computed from ("" when unknown)
        self.matrix: np.ndarray = np.zeros((0, dimension), dtype=np.float32)
        self._row: dict[str, int] = {}

    def __len__(self) -> int:
        return len(self.ids)

    def __contains__(self, key: object) -> bool:
        return key in self._row

    def hash_of(self, key: str) -> str | None:
        row = self._row.get(key)
        return None if row is None else self.hashes[row]

    def language_of(self, key: str) -> str:
        row = self._row.get(key)
        return "" if row is None else self.langs[row]

    def add(self, ids: Sequence[str], vectors: np.ndarray, hashes: Sequence[str] | None = None,
            langs: Sequence[str] | None = None) -> None:
        """Add rows, replacing those whose id is already there. The vectors are normalised here."""
        if len(set(ids)) != len(ids):
            raise ValueError("dense index: an id appears twice in one add")
        vectors = np.asarray(vectors, dtype=np.float32).reshape(len(ids), self.dimension)
        norms = np.linalg.norm(vectors, axis=1, keepdims=True)
        vectors = vectors / np.where(norms > 0, norms, 1.0)
        self.remove([key for key in ids if key in self._row])
        self.ids.extend(ids)
        self.hashes.extend(hashes if hashes is not None else [""] * len(ids))
        self.langs.extend(langs if langs is not None else [""] * len(ids))
        self.matrix = np.vstack([self.matrix, vectors]) if len(self.matrix) else vectors
        self._reindex()

    def remove(self, ids: Iterable[str]) -> int:
        """Remove the rows of ``ids`` (unknown ids are ignored); returns how many went."""
        gone = {self._row[key] for key in ids if key in self._row}
        if not gone:
            return 0
        keep = [row for row in range(len(self.ids)) if row not in gone]
        self.ids = [self.ids[row] for row in keep]
        self.hashes = [self.hashes[row] for row in keep]
        self.langs = [self.langs[row] for row in keep]
        self.matrix = self.matrix[keep]
        self._reindex()
        return len(gone)

    def copy(self) -> DenseIndex:
        """An independent copy (change it while others search this one)."""
        other = DenseIndex(self.dimension, self.model)
        other.ids, other.hashes, other.langs = list(self.ids), list(self.hashes), list(self.langs)
        other.matrix = self.matrix.copy()
        other._reindex()
        return other

    def _reindex(self) -> None:
        self._row = {key: row for row, key in enumerate(self.ids)}

    def _similarities(self, query: np.ndarray) -> np.ndarray | None:
        vector = np.asarray(query, dtype=np.float32).reshape(self.dimension)
        norm = float(np.linalg.norm(vector))
        if not self.ids or norm == 0:
            return None
        return np.asarray(self.matrix @ (vector / norm))

    def _top(self, scores: np.ndarray, k: int, languages: frozenset[str] | None) -> list[int]:
        if languages is not None:
            scores = np.where(np.isin(np.array(self.langs, dtype=object), list(languages)), scores, -np.inf)
        k = min(k, len(self.ids))
        top = np.argpartition(-scores, k - 1)[:k]
        return [int(row) for row in top[np.argsort(-scores[top], kind="stable")] if np.isfinite(scores[row])]

    def search(self, query: np.ndarray, k: int = 100, min_similarity: float = 0.0,
               languages: frozenset[str] | None = None) -> list[Hit]:
        """The ``k`` rows most similar to ``query`` (cosine), best first, those below ``min_similarity``
        or (when given) not in ``languages`` left out."""
        scores = self._similarities(query)
        if scores is None or k <= 0:
            return []
        return [Hit(self.ids[row], float(scores[row])) for row in self._top(scores, k, languages)
                if scores[row] >= min_similarity]

    def evidence(self, query: np.ndarray, k: int = DEPTH, languages: frozenset[str] | None = None) -> list[Hit]:
        """The rows that stand out for ``query``, best first, scored in (0, 1]: their similarity's
        distance above the mean over the whole index, in standard deviations, from ``Z_FLOOR`` (0) to
        ``Z_FULL`` (1). A small index (under a dozen rows) cannot make anything stand out that far."""
        scores = self._similarities(query)
        if scores is None or k <= 0 or len(scores) < 2:
            return []
        spread = float(scores.std())
        if spread == 0:
            return []
        standing = (scores - float(scores.mean())) / spread
        out = []
        for row in self._top(scores, k, languages):
            value = min(1.0, (float(standing[row]) - Z_FLOOR) / (Z_FULL - Z_FLOOR))
            if value > 0:
                out.append(Hit(self.ids[row], value))
        return out

    def save(self, directory: str | os.PathLike[str]) -> None:
        """Write ``vectors.npy`` and ``ids.json`` into ``directory`` (created), each replaced atomically."""
        folder = Path(directory)
        folder.mkdir(parents=True, exist_ok=True)
        tmp_vectors = folder / f".{VECTORS_FILE}.{os.getpid()}.{threading.get_ident()}.tmp"
        with open(tmp_vectors, "wb") as fh:
            np.save(fh, self.matrix)
        tmp_ids = folder / f".{IDS_FILE}.{os.getpid()}.{threading.get_ident()}.tmp"
        # The checksum ties the two files together: two processes saving at once cannot leave the
        # vectors of one beside the ids of the other unnoticed.
        tmp_ids.write_text(json.dumps({"model": self.model, "dimension": self.dimension, "ids": self.ids,
                                       "langs": self.langs, "hashes": self.hashes,
                                       "checksum": _checksum(self.matrix)}, ensure_ascii=False), encoding="utf-8")
        os.replace(tmp_vectors, folder / VECTORS_FILE)
        os.replace(tmp_ids, folder / IDS_FILE)

    @classmethod
    def load(cls, directory: str | os.PathLike[str]) -> DenseIndex:
        """The index saved in ``directory``; ``FileNotFoundError`` if there is none, ``ValueError`` if
        its two files disagree."""
        folder = Path(directory)
        meta = json.loads((folder / IDS_FILE).read_text(encoding="utf-8"))
        matrix = np.load(folder / VECTORS_FILE, allow_pickle=False).astype(np.float32, copy=False)
        ids = [str(key) for key in meta["ids"]]
        dimension = int(meta["dimension"])
        if matrix.shape != (len(ids), dimension) or meta.get("checksum") != _checksum(matrix):
            raise ValueError(f"dense index in {folder}: its vectors ({matrix.shape}) are not those of its "
                             f"{len(ids)} ids")
        index = cls(dimension, str(meta.get("model", "")))
        index.ids, index.matrix = ids, matrix
        index.hashes = [str(h) for h in meta.get("hashes") or [""] * len(ids)]
        index.langs = [str(lang) for lang in meta.get("langs") or [""] * len(ids)]
        index._reindex()
        return index


def _checksum(matrix: np.ndarray) -> str:
    return hashlib.blake2b(np.ascontiguousarray(matrix).tobytes(), digest_size=8).hexdigest()


def changes(index: DenseIndex, docs: Sequence[Doc]) -> tuple[list[Doc], list[str]]:
    """What it takes for ``index`` to hold exactly ``docs``: the documents to embed (new, or their text
    changed) and the ids to remove."""
    wanted = {d.id for d in docs}
    stale = [d for d in docs if index.hash_of(d.id) != text_hash(doc_text(d))]
    return stale, [key for key in index.ids if key not in wanted]


def embed(index: DenseIndex, encoder: Encoder, docs: Sequence[Doc], batch: int = 256) -> None:
    """Embed ``docs`` into ``index`` (replacing their rows), ``batch`` at a time."""
    for start in range(0, len(docs), batch):
        part = docs[start:start + batch]
        texts = [doc_text(d) for d in part]
        index.add([d.id for d in part], encoder.encode(texts), [text_hash(t) for t in texts],
                  [doc_language(d) for d in part])


def build(encoder: Encoder, docs: Sequence[Doc]) -> DenseIndex:
    """A dense index of ``docs``, each embedded from ``doc_text``."""
    index = DenseIndex(encoder.dimension, encoder.name)
    embed(index, encoder, docs)
    return index


def sync(index: DenseIndex, encoder: Encoder, docs: Sequence[Doc]) -> tuple[int, int]:
    """Make ``index`` hold exactly ``docs``: embed those that are new or whose text changed, remove
    the others. Returns (embedded, removed)."""
    stale, gone = changes(index, docs)
    removed = index.remove(gone)
    embed(index, encoder, stale)
    return len(stale), removed


def readable(encoder: Encoder, index: DenseIndex, lang: str, lexical: Sequence[Hit]) -> bool:
    """Whether the model reads the query's language ``lang`` and that of every document among the
    lexical top ``READ_DEPTH`` (dense evidence is no judge of documents it cannot read, nor of the
    lexical engine's cross-lingual matches among them)."""
    languages = encoder.languages
    if languages is None:
        return True
    return lang in languages and all(index.language_of(h.id) in languages
                                     for h in lexical[:READ_DEPTH] if index.language_of(h.id))


def evidence_for(encoder: Encoder, index: DenseIndex, text: str, lang: str, lexical: Sequence[Hit],
                 k: int = DEPTH, vector: np.ndarray | None = None) -> list[Hit]:
    """The dense evidence for the query ``text`` in language ``lang`` (``QueryPlan.lang``) whose lexical
    hits are ``lexical``: none where the model cannot read them (``readable``), else ``index.evidence``
    among the documents in languages it reads. ``vector``: the query's embedding, if already made."""
    if not readable(encoder, index, lang, lexical):
        return []
    query = vector if vector is not None else encoder.encode([text])[0]
    return index.evidence(query, k, encoder.languages)


def lexical_confidence(coverage: float) -> float:
    """How far the lexical scores count, from how well the best lexical document covers the query (the
    idf-weighted share of its terms it contains, ``QueryPlan.coverage``)."""
    return min(1.0, max(0.0, coverage) / CONFIDENT_COVERAGE)


def fuse(lexical: Sequence[Hit], dense: Sequence[Hit], *, coverage: float = 1.0, share: float = LEXICAL_SHARE,
         k: int | None = None) -> list[Hit]:
    """One ranking from lexical hits and dense evidence (scores in [0, 1], ``evidence_for``):
    ``share`` × ``lexical_confidence(coverage)`` × lexical score / best lexical score
    + (1 − ``share``) × dense evidence, a document missing from one list scoring 0 there. Ties keep the
    lexical order, then the dense order. With no dense evidence the lexical hits come back as they are."""
    if not dense:
        return list(lexical)[:k] if k is not None else list(lexical)
    top = max((h.score for h in lexical), default=0.0)
    weight = share * lexical_confidence(coverage)
    scores: dict[str, float] = {}
    for h in lexical:
        scores[h.id] = weight * (h.score / top if top > 0 else 0.0)
    for h in dense:
        scores[h.id] = scores.get(h.id, 0.0) + (1.0 - share) * min(1.0, max(0.0, h.score))
    # dict order is first seen: lexical order, then dense-only hits in dense order; sorted() is stable.
    ordered = sorted(scores.items(), key=lambda item: -item[1])
    fused = [Hit(key, score) for key, score in ordered]
    return fused[:k] if k is not None else fused
