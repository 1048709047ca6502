"""The custom NLU components read a long message as search does: its opening and its end.

They run in Rasa's own Python 3.10 environment, so each check runs there as a
small script and reports back in JSON; the rule they must follow is
knowledge.bounded's, imported here on Python 3.11.
"""

from __future__ import annotations

import json
import subprocess
import sys
from pathlib import Path
from typing import Any

from knowledge.bounded import READ_LIMIT, bounded, kept_spans

ROOT = Path(__file__).resolve().parents[2]
OPENING = "我是枣庄的小微企业，我们的外观设计专利在淘宝上被人仿冒了。"
ASIDE = "他们还卖拖拉机配件。"
QUESTION = "请问你们能给出侵权判定意见吗？"
STORY = OPENING + "那家店开在外省，老板说话很难听。" * 60 + ASIDE + "我们去了三次都没见到人。" * 80
STORY += QUESTION  # about 2,000 characters, the longest chat message the gateway accepts

PRELUDE = """
import json, sys
from types import SimpleNamespace
from rasa.shared.nlu.training_data.message import Message
text = sys.stdin.read()
"""


def in_rasa(script: str, text: str) -> Any:
    """Run `script` with Rasa's Python (project on the path); `text` on stdin; its JSON back."""
    sys.path.insert(0, str(ROOT / "scripts"))
    from rasa_model import rasa_env

    done = subprocess.run(
        [str(ROOT / ".venv-rasa" / "bin" / "python"), "-c", PRELUDE + script],
        input=text,
        cwd=ROOT,
        env=rasa_env(ROOT),
        capture_output=True,
        text=True,
        check=False,
    )
    assert done.returncode == 0, done.stderr[-3000:]
    return json.loads(done.stdout.strip().splitlines()[-1])


TOKENIZE = """
from rasa.nlu.tokenizers.jieba_tokenizer import JiebaTokenizer
from bot.components.bounded_tokenizer import BoundedJiebaTokenizer
out = {}
for cls in (JiebaTokenizer, BoundedJiebaTokenizer):
    config = {**cls.get_default_config(), "dictionary_path": "nlu_data/jieba"}
    tokenizer = cls.create(config, None, None, None)
    message = Message(data={"text": text})
    tokenizer.process([message])
    out[cls.__name__] = [[t.text, t.start, t.end] for t in message.get("text_tokens")]
print(json.dumps(out, ensure_ascii=False))
"""


def test_a_long_message_is_tokenized_by_its_opening_and_its_end() -> None:
    tokens = in_rasa(TOKENIZE, STORY)["BoundedJiebaTokenizer"]
    # Each token still points at its own characters of the whole text.
    assert all(STORY[start:end] == word for word, start, end in tokens)
    (_, head_end), (tail_start, _) = kept_spans(STORY)
    assert all(end <= head_end or start >= tail_start for _, start, end in tokens)
    words = [word for word, _, _ in tokens]
    assert {"小微企业", "外观设计", "意见"} <= set(words)
    assert "拖拉机" not in words  # the middle of the story is not read
    assert sum(len(word) for word in words) <= READ_LIMIT


def test_a_message_that_fits_is_tokenized_as_jieba_does() -> None:
    question = "我们小公司的外观设计专利在拼多多上被人仿了，你们能出个侵权判定意见吗"
    both = in_rasa(TOKENIZE, question)
    assert both["BoundedJiebaTokenizer"] == both["JiebaTokenizer"]


def test_the_sentence_embedding_of_a_long_message_is_that_of_its_bounded_part() -> None:
    script = """
import numpy as np
from bot.components.e5_featurizer import E5SentenceFeaturizer
config = {**E5SentenceFeaturizer.get_default_config(), "alias": "e5"}
featurizer = E5SentenceFeaturizer(config, SimpleNamespace(node_name="e5"))
whole, part = text.split("\\x00")
vectors = []
for t in (whole, part):
    message = Message(data={"text": t})
    featurizer.process([message])
    vectors.append(message.get_dense_features("text")[1].features.reshape(-1))
print(json.dumps({"distance": float(np.abs(vectors[0] - vectors[1]).max())}))
"""
    result = in_rasa(script, STORY + "\x00" + bounded(STORY))
    assert result["distance"] < 1e-5


def test_the_intent_n_grams_of_a_long_message_are_those_of_its_bounded_part() -> None:
    script = """
from bot.components.intent_classifier import _ngrams
whole, part = text.split("\\x00")
print(json.dumps({"whole": _ngrams(whole, (1, 2, 3)), "part": _ngrams(part, (1, 2, 3))}))
"""
    result = in_rasa(script, STORY + "\x00" + bounded(STORY))
    assert result["whole"] == result["part"]
    assert "拖拉" not in result["whole"]
