"""Search synonyms kept as data: `synonyms.txt` beside this module, in the Solr/Elasticsearch
synonym format (the file's header documents it). Loaded once per process.

Every engine applies the same file:
- Tantivy by query expansion: `groups(words)` cuts the query's words into groups, the longest
  phrase of the list first, and gives each group its alternatives; a group matches when its
  own words match (as before: exact, folded or one edit away) or when one of its alternatives
  matches as a phrase, at a slightly lower weight (SYNONYM_FACTOR);
- SQLite FTS5 by concept tokens: bm25 adds up every phrase of a MATCH expression that a row
  holds, so a product naming two rare synonyms of a word would outrank the product named with
  the word itself. Instead each line of the file is one token ("s0" + its first term, folded:
  `concept_tokens`) indexed beside the words of a text that holds one of the line's terms, and
  a query group matches its own words or the line's token (`Group.concepts`): one term, one
  weight, however many synonyms the line has;
- Elasticsearch through `synonym_graph` filters in its search analyzers, built from
  `es_rules()` (elasticsearch_backend.index_template).

A query typed without diacritics ("ca phe") uses a term through its unaccented form only when
no term of another line shares that form: folding merges words (bơ avocado, bò beef).
"""
from __future__ import annotations

from dataclasses import dataclass
from functools import lru_cache
from pathlib import Path

from market.i18n import fold
from market.search.backend import normalise, tokens

SYNONYMS_FILE = Path(__file__).with_name("synonyms.txt")
MAX_PHRASE = 4  # words in the longest term looked up
SYNONYM_FACTOR = 0.9  # an alternative weighs this much of the words the buyer typed

Term = tuple[str, ...]


@dataclass(frozen=True)
class Rule:
    inputs: tuple[Term, ...]
    outputs: tuple[Term, ...]  # for an equivalence line: the same terms as inputs
    line: str


@dataclass(frozen=True)
class Group:
    words: Term                      # the query's own words, as typed (normalised)
    alternatives: tuple[Term, ...] = ()   # other terms to look for, each a phrase
    concepts: tuple[str, ...] = ()   # the concept tokens of the lines the words belong to


def concept_name(rule: Rule) -> str:
    """A line's token: not a word anyone types, and not alphabetic (so typo correction and
    "did you mean" never offer it)."""
    return "s0" + "".join(fold(w) for w in rule.outputs[0])


def parse(text: str) -> list[Rule]:
    """The rules of a synonym file's text; raises ValueError on a malformed line."""
    rules = []
    for number, raw in enumerate(text.splitlines(), 1):
        line = raw.split("#", 1)[0].strip()
        if not line:
            continue
        if line.count("=>") > 1:
            raise ValueError(f"synonyms line {number}: more than one '=>'")
        left, _, right = line.partition("=>")

        def terms(part: str) -> tuple[Term, ...]:
            out = tuple(dict.fromkeys(tuple(tokens(t)) for t in part.split(",")))
            return tuple(t for t in out if t)

        inputs = terms(left)
        outputs = terms(right) if "=>" in line else inputs
        if not inputs or not outputs or ("=>" not in line and len(inputs) < 2):
            raise ValueError(f"synonyms line {number}: needs two terms or 'a => b': {raw!r}")
        rules.append(Rule(inputs, outputs, normalise(line)))
    return rules


class Synonyms:
    def __init__(self, rules: list[Rule]):
        self.rules = rules
        exact: dict[Term, set[Term]] = {}
        for rule in rules:
            for term in rule.inputs:
                exact.setdefault(term, set()).update(t for t in rule.outputs if t != term)
        self.exact = {k: tuple(sorted(v)) for k, v in exact.items() if v}
        # query side: a term typed -> its lines' tokens; text side: a term written -> tokens
        self.asked: dict[Term, tuple[str, ...]] = {}
        self.written: dict[Term, tuple[str, ...]] = {}
        for rule in rules:
            token = concept_name(rule)
            for term in rule.inputs:
                self.asked[term] = tuple(dict.fromkeys(self.asked.get(term, ()) + (token,)))
            for term in rule.outputs:
                self.written[term] = tuple(dict.fromkeys(self.written.get(term, ()) + (token,)))
        owners: dict[Term, set[Term]] = {}
        for term in self.exact:
            owners.setdefault(tuple(fold(w) for w in term), set()).add(term)
        # An unaccented form reaches a term only when it is that term's alone
        self.folded = {key: next(iter(terms)) for key, terms in owners.items()
                       if len({self.exact[t] for t in terms}) == 1}

    def lookup(self, words: Term) -> Term | None:
        """The term of the list these query words are (exactly, or unaccented), if any."""
        if words in self.exact:
            return words
        if all(fold(w) == w for w in words):
            return self.folded.get(words)
        return None

    def concept_tokens(self, text: str) -> list[str]:
        """The concept tokens of the terms written in `text` (exact words, diacritics kept)."""
        words = tokens(text)
        out: list[str] = []
        for i in range(len(words)):
            for n in range(1, min(MAX_PHRASE, len(words) - i) + 1):
                for token in self.written.get(tuple(words[i:i + n]), ()):
                    if token not in out:
                        out.append(token)
        return out

    def groups(self, words: list[str]) -> list[Group]:
        """The query's words cut into groups, longest synonym phrase first, left to right."""
        words = [normalise(w) for w in words]
        out, i = [], 0
        while i < len(words):
            for n in range(min(MAX_PHRASE, len(words) - i), 0, -1):
                span = tuple(words[i:i + n])
                term = self.lookup(span)
                if term is not None:
                    out.append(Group(span, self.exact[term], self.asked.get(term, ())))
                    i += n
                    break
            else:
                out.append(Group((words[i],)))
                i += 1
        return out


@lru_cache(maxsize=1)
def default() -> Synonyms:
    return Synonyms(parse(SYNONYMS_FILE.read_text(encoding="utf-8")))


def groups(words: list[str]) -> list[Group]:
    return default().groups(words)


def concept_tokens(text: str) -> list[str]:
    return default().concept_tokens(text)


def es_rules(folded: bool = False) -> list[str]:
    """The file's rules as Elasticsearch `synonym_graph` lines: normalised (NFC, lower case),
    or folded for an analyzer that folds before the filter."""
    out = []
    for rule in default().rules:
        def join(terms):
            return ", ".join(dict.fromkeys(" ".join(fold(w) if folded else w for w in t)
                                           for t in terms))
        if rule.inputs is rule.outputs or rule.inputs == rule.outputs:
            line = join(rule.inputs)
        else:
            line = f"{join(rule.inputs)} => {join(rule.outputs)}"
        if line not in out:
            out.append(line)
    return out


def query_groups(query: str) -> list[Group]:
    """What every embedded engine searches for: the query with sizes and star words rewritten
    (market.search.terms), cut into synonym groups."""
    from market.search.terms import rewrite_query

    return groups(tokens(rewrite_query(query)))
