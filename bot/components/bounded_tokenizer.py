"""Rasa's Jieba tokenizer, reading only the bounded part of a long message.

Every featurizer after the tokenizer, and DIET most of all (a transformer
over the tokens: 0.37 s of CPU for a 2,000-character message against 0.02 s
for a question), costs in proportion to the tokens it is given. Tokenizing
the part of the message search reads too (knowledge.bounded: the opening and
the end) bounds them all. The tokens keep their offsets in the whole text, so
an entity DIET finds in the end of a long message points at the right
characters, and the message's text itself is left whole for the actions (the
case form reads the full description). The regex entity extractor reads the
whole text: a phone number anywhere is still found.

Follows Rasa 3.6's custom graph component guide
(https://rasa.com/docs/rasa/custom-graph-components/); the dictionary
handling is JiebaTokenizer's own.
"""

from __future__ import annotations

from typing import List, Text

from rasa.engine.recipes.default_recipe import DefaultV1Recipe
from rasa.nlu.tokenizers.jieba_tokenizer import JiebaTokenizer
from rasa.nlu.tokenizers.tokenizer import Token
from rasa.shared.nlu.constants import TEXT
from rasa.shared.nlu.training_data.message import Message

from knowledge.bounded import kept_spans


@DefaultV1Recipe.register(DefaultV1Recipe.ComponentType.MESSAGE_TOKENIZER, is_trainable=True)
class BoundedJiebaTokenizer(JiebaTokenizer):
    """JiebaTokenizer over the opening and the end of a long message text."""

    def tokenize(self, message: Message, attribute: Text) -> List[Token]:
        text = message.get(attribute)
        spans = kept_spans(text) if attribute == TEXT and text else []
        if len(spans) < 2:
            return super().tokenize(message, attribute)
        import jieba

        tokens = [
            Token(word, offset + start)
            for offset, end in spans
            for word, start, _ in jieba.tokenize(text[offset:end])
        ]
        return self._apply_token_pattern(tokens)
