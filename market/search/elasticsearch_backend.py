"""SearchBackend on Elasticsearch (8.x), used when ELASTICSEARCH_URL is set. The only module
that imports `elasticsearch`.

- An index template gives every `<alias>-v<timestamp>` index the analyzers: `vi_folded`
  (standard tokenizer, `đ/Đ -> d` by a mapping char filter, lowercase, asciifolding) on each
  text field, with an `.exact` subfield (lowercase only) that is boosted above the folded one.
- Readers and writers use the alias. `rebuild()` fills a new versioned index by bulk requests,
  then swaps the alias in one atomic `update_aliases` call and drops the old index: no downtime.
- Query building is plain functions (`build_search`, `build_suggest`) tested offline.
- Synonyms: the same file as the embedded engines (market/search/synonyms.txt) feeds two
  `synonym_graph` filters, used only by the search analyzers (`vi_folded_search`,
  `vi_exact_search`; Elasticsearch allows graph synonyms at search time only), so editing the
  list needs a new index template, not a reindex. A query phrase of the list ("cà phê") is sent
  as one `match` clause so the graph filter sees the whole phrase.
- Sizes and OCOP star words: the query goes through `terms.rewrite_query`, and each document
  carries `keywords` (`terms.derived_terms`: canonical sizes, "ocop", "ocopNsao").

Behaviour matches the embedded engine: every query word must match somewhere (exact, folded,
or one edit away for words of 5+ letters, ranked in that order); field weights and the page
language boost come from the same table; OCOP stars and stock break ties multiplicatively.
"""
from __future__ import annotations

import time

from market.i18n import content_locale, localized
from market.search.backend import (
    FUZZY_MIN_LENGTH,
    IN_STOCK_BOOST,
    PER_PAGE,
    PRICE_BUCKETS,
    STARS_BOOST,
    Filters,
    Hit,
    SearchResult,
    tokens,
)
from market.search.synonyms import es_rules, query_groups
from market.search.terms import derived_terms

TEXT_FIELDS = ("name_vi", "name_en", "category_vi", "category_en", "description_vi",
               "description_en", "cooperative_name", "province_name", "keywords",
               "variants")
# Field weights per page language: (exact subfield boost, folded field boost)
FIELD_WEIGHTS = {
    "vi": {"name_vi": 12, "name_en": 7, "category_vi": 4, "category_en": 3,
           "description_vi": 1, "description_en": 0.6, "cooperative_name": 1.5,
           "province_name": 1.5, "keywords": 1.5, "variants": 3},
    "en": {"name_vi": 7, "name_en": 12, "category_vi": 3, "category_en": 4,
           "description_vi": 0.6, "description_en": 1, "cooperative_name": 1.5,
           "province_name": 1.5, "keywords": 1.5, "variants": 3},
}
EXACT_FACTOR = 1.5    # an exact-diacritics match weighs this much more than a folded one
FUZZY_FACTOR = 0.3    # a one-edit match weighs this much of a folded one
FUZZINESS = f"AUTO:{FUZZY_MIN_LENGTH},100"  # 0 edits below 5 letters, 1 from 5 on


def index_template(alias: str) -> dict:
    """The composable index template for `<alias>-v*` indexes."""
    text = {
        "type": "text", "analyzer": "vi_folded", "search_analyzer": "vi_folded_search",
        "fields": {"exact": {"type": "text", "analyzer": "vi_exact",
                             "search_analyzer": "vi_exact_search"}},
    }
    return {
        "index_patterns": [f"{alias}-v*"],
        "template": {
            "settings": {
                "number_of_shards": 1,
                "analysis": {
                    "char_filter": {
                        "vi_d": {"type": "mapping", "mappings": ["đ => d", "Đ => D"]},
                    },
                    "filter": {
                        "vi_ascii": {"type": "asciifolding", "preserve_original": False},
                        # the rules folded already: the filter sees folded tokens
                        "htx_synonyms_folded": {"type": "synonym_graph", "lenient": True,
                                                "synonyms": es_rules(folded=True)},
                        "htx_synonyms": {"type": "synonym_graph", "lenient": True,
                                         "synonyms": es_rules()},
                    },
                    "analyzer": {
                        "vi_folded": {"type": "custom", "tokenizer": "standard",
                                      "char_filter": ["vi_d"],
                                      "filter": ["lowercase", "vi_ascii"]},
                        "vi_exact": {"type": "custom", "tokenizer": "standard",
                                     "filter": ["lowercase"]},
                        "vi_folded_search": {"type": "custom", "tokenizer": "standard",
                                             "char_filter": ["vi_d"],
                                             "filter": ["lowercase", "vi_ascii",
                                                        "htx_synonyms_folded"]},
                        "vi_exact_search": {"type": "custom", "tokenizer": "standard",
                                            "filter": ["lowercase", "htx_synonyms"]},
                    },
                },
            },
            "mappings": {
                "dynamic": "strict",
                "properties": {
                    **{f: text for f in TEXT_FIELDS},
                    "id": {"type": "long"},
                    "slug": {"type": "keyword"},
                    "category_slug": {"type": "keyword"},
                    "cooperative_id": {"type": "long"},
                    "cooperative_slug": {"type": "keyword"},
                    "province_code": {"type": "integer"},
                    "price": {"type": "long"},
                    "price_max": {"type": "long"},
                    "in_stock": {"type": "boolean"},
                    "ocop_stars": {"type": "integer"},
                    "created_at": {"type": "double"},
                },
            },
        },
    }


def _word_clause(word: str, locale: str) -> dict:
    """One word, or one phrase of the synonym list (all its words must match, or one of its
    synonyms, which the search analyzers' graph filters add)."""
    weights = FIELD_WEIGHTS.get(content_locale(locale), FIELD_WEIGHTS["vi"])
    exact = [f"{f}.exact^{w * EXACT_FACTOR:g}" for f, w in weights.items()]
    folded = [f"{f}^{w:g}" for f, w in weights.items()]
    phrase = {"operator": "and"} if " " in word else {}
    should = [
        {"multi_match": {"query": word, "fields": exact, **phrase}},
        {"multi_match": {"query": word, "fields": folded, **phrase}},
    ]
    if len(word) >= FUZZY_MIN_LENGTH and not phrase:
        should.append({"multi_match": {
            "query": word, "fields": folded, "fuzziness": FUZZINESS, "prefix_length": 1,
            "boost": FUZZY_FACTOR}})
    return {"bool": {"should": should, "minimum_should_match": 1}}


def filter_clauses(filters: Filters, without: str | None = None) -> list[dict]:
    f = filters.without(without) if without else filters
    out = []
    if f.category:
        out.append({"term": {"category_slug": f.category}})
    if f.province is not None:
        out.append({"term": {"province_code": int(f.province)}})
    if f.cooperative:
        out.append({"term": {"cooperative_slug": f.cooperative}})
    if f.stars is not None:
        out.append({"range": {"ocop_stars": {"gte": int(f.stars)}}})
    price = {}
    if f.min_price is not None:
        price["gte"] = int(f.min_price)
    if f.max_price is not None:
        price["lte"] = int(f.max_price)
    if price:
        out.append({"range": {"price": price}})
    return out


SORT_ES = {
    "relevance": ["_score", {"id": "desc"}],
    "price_asc": [{"price": "asc"}, {"id": "asc"}],
    "price_desc": [{"price": "desc"}, {"id": "asc"}],
    "newest": [{"created_at": "desc"}, {"id": "desc"}],
}


def build_search(query: str, locale: str, filters: Filters | None = None,
                 sort: str = "relevance", page: int = 1, per_page: int = PER_PAGE) -> dict:
    """The search request body. Filters go in `post_filter` so each facet can count with all
    filters but its own (choosing another value shows what it would give)."""
    filters = filters or Filters()
    words = [" ".join(g.words) for g in query_groups(query)]
    text = ({"bool": {"must": [_word_clause(w, locale) for w in words]}} if words
            else {"match_all": {}})
    functions = [{"filter": {"term": {"in_stock": True}}, "weight": 1 + IN_STOCK_BOOST}]
    functions += [{"filter": {"term": {"ocop_stars": n}}, "weight": 1 + STARS_BOOST * n}
                  for n in range(1, 6)]
    aggs = {}
    for name, field in (("category", "category_slug"), ("province", "province_code"),
                        ("cooperative", "cooperative_slug"), ("stars", "ocop_stars")):
        aggs[name] = {"filter": {"bool": {"filter": filter_clauses(filters, name)}},
                      "aggs": {"values": {"terms": {"field": field, "size": 100}}}}
    aggs["price"] = {
        "filter": {"bool": {"filter": filter_clauses(filters, "price")}},
        "aggs": {"values": {"range": {"field": "price", "ranges": [
            {"key": key, "from": low, **({"to": high} if high else {})}
            for key, low, high in PRICE_BUCKETS]}}},
    }
    page = max(int(page), 1)
    return {
        "query": {"function_score": {"query": text, "functions": functions,
                                     "score_mode": "multiply", "boost_mode": "multiply"}},
        "post_filter": {"bool": {"filter": filter_clauses(filters)}},
        "aggs": aggs,
        "sort": SORT_ES.get(sort, SORT_ES["relevance"]),
        "from": (page - 1) * per_page,
        "size": per_page,
        "track_total_hits": True,
    }


def build_suggest(prefix: str, locale: str, limit: int = 8) -> dict:
    words = tokens(prefix)
    name = f"name_{content_locale(locale)}"
    must = [{"multi_match": {"query": w, "fields": ["name_vi", "name_en"]}} for w in words[:-1]]
    must.append({"multi_match": {"query": words[-1], "type": "phrase_prefix",
                                 "fields": ["name_vi", "name_en"]}} if words else {"match_all": {}})
    return {"query": {"bool": {"must": must}}, "size": limit * 4,
            "_source": ["name_vi", "name_en", name]}


def source(document: dict) -> dict:
    """What is stored for a document: the document and its derived `keywords`."""
    return {**document, "keywords": " ".join(derived_terms(document))}


def parse_facets(aggregations: dict) -> dict:
    return {name: {b["key"]: b["doc_count"] for b in agg["values"]["buckets"] if b["doc_count"]}
            for name, agg in aggregations.items()}


class ElasticsearchBackend:
    def __init__(self, url: str, alias: str = "htx-products", client=None):
        from elasticsearch import Elasticsearch

        self.es = client or Elasticsearch(url, request_timeout=10)
        self.alias = alias
        self._ready = False

    # --- index lifecycle --------------------------------------------------------------------
    def _ensure(self) -> None:
        if self._ready:
            return
        if not self.es.indices.exists_alias(name=self.alias):
            first = self._new_index()
            self.es.indices.put_alias(index=first, name=self.alias)
        self._ready = True

    def _new_index(self) -> str:
        name = f"{self.alias}-v{time.strftime('%Y%m%d%H%M%S')}{int(time.time() * 1000) % 1000:03d}"
        self.es.indices.put_index_template(name=self.alias, **index_template(self.alias))
        self.es.indices.create(index=name)
        return name

    def _bulk(self, index: str, actions) -> None:
        from elasticsearch import helpers

        helpers.bulk(self.es, actions, index=index, refresh=False, raise_on_error=True)

    def index(self, documents: list[dict]) -> None:
        if not documents:
            return
        self._ensure()
        self._bulk(self.alias, ({"_id": d["id"], "_source": source(d)} for d in documents))
        self.es.indices.refresh(index=self.alias)

    def delete(self, product_ids: list[int]) -> None:
        if not product_ids:
            return
        self._ensure()
        from elasticsearch import helpers

        helpers.bulk(self.es, ({"_op_type": "delete", "_id": i} for i in product_ids),
                     index=self.alias, raise_on_error=False)
        self.es.indices.refresh(index=self.alias)

    def rebuild(self, batches) -> None:
        """Fill a new versioned index, then swap the alias atomically and drop the old ones."""
        new = self._new_index()
        for batch in batches:
            self._bulk(new, ({"_id": d["id"], "_source": source(d)} for d in batch))
        self.es.indices.refresh(index=new)
        old = list(self.es.indices.get_alias(name=self.alias).keys()) \
            if self.es.indices.exists_alias(name=self.alias) else []
        actions = [{"remove": {"index": o, "alias": self.alias}} for o in old]
        actions.append({"add": {"index": new, "alias": self.alias}})
        self.es.indices.update_aliases(actions=actions)
        for o in old:
            self.es.indices.delete(index=o, ignore_unavailable=True)
        self._ready = True

    def clear(self) -> None:
        self.rebuild([])

    # --- reading ----------------------------------------------------------------------------
    def search(self, query: str, locale: str, filters: Filters | None = None,
               sort: str = "relevance", page: int = 1, per_page: int = PER_PAGE) -> SearchResult:
        self._ensure()
        body = build_search(query, locale, filters, sort, page, per_page)
        response = self.es.search(index=self.alias, **body)
        hits = [Hit(id=int(h["_id"]), score=h.get("_score") or 0.0, document=h["_source"])
                for h in response["hits"]["hits"]]
        return SearchResult(hits=hits, total=response["hits"]["total"]["value"],
                            facets=parse_facets(response.get("aggregations", {})))

    def suggest(self, prefix: str, locale: str, limit: int = 8) -> list[str]:
        if not tokens(prefix):
            return []
        self._ensure()
        response = self.es.search(index=self.alias, **build_suggest(prefix, locale, limit))
        names: list[str] = []
        for h in response["hits"]["hits"]:
            doc = h["_source"]
            name = localized(doc.get("name_vi"), doc.get("name_en"), locale)
            if name and name not in names:
                names.append(name)
        return names[:limit]

    def did_you_mean(self, query: str) -> str | None:
        if not tokens(query):
            return None
        self._ensure()
        response = self.es.search(index=self.alias, size=0, suggest={
            "text": " ".join(tokens(query)),
            "fix": {"term": {"field": "name_vi", "suggest_mode": "missing", "max_edits": 2}},
        })
        out, changed = [], False
        for entry in response.get("suggest", {}).get("fix", []):
            if entry["options"]:
                out.append(entry["options"][0]["text"])
                changed = True
            else:
                out.append(entry["text"])
        return " ".join(out) if changed else None
