"""The alternative embedded search engine: SQLite FTS5 in its own file, from the standard
library (SEARCH_EMBEDDED_ENGINE=fts5). Tantivy is the default: it measured about ten times
faster at 100,000 products (bench/RESULTS.md, "Search (issue 5)"); this engine stays as a
fallback for platforms without Tantivy wheels and as the second implementation the behaviour
suite checks. The file lives under SEARCH_INDEX_PATH, apart from the main database (SQLite or
PostgreSQL). WAL mode lets readers keep their snapshot while a rebuild runs in one
transaction: no downtime.

Text columns are stored twice: lower-cased with diacritics ("exact") and folded by
`market.i18n.fold` (đ -> d included). A query word matches either form; the exact columns
weigh more, so "bò" ranks beef above "bơ" avocado. Typo tolerance: a query word of 5+ letters
that is not in the index vocabulary is expanded to the vocabulary words one edit away
(a swap of neighbours counts as one edit), found through a deletion index.

Synonyms (market/search/synonyms.txt): each folded column also holds the concept token of
every synonym line its text names, and a query word or phrase of the list matches its own
forms or that token. Sizes and OCOP star words are tokens of the `extra` column
(market/search/terms.py). Both are computed when a document is indexed: after editing the
synonym list, run `flask reindex`.
"""
from __future__ import annotations

import json
import sqlite3
import threading
from collections import Counter, defaultdict
from pathlib import Path

from market.i18n import content_locale, fold, localized
from market.search.backend import (
    FUZZY_MIN_LENGTH,
    IN_STOCK_BOOST,
    PER_PAGE,
    PRICE_BUCKETS,
    STARS_BOOST,
    Filters,
    Hit,
    SearchResult,
    folded_tokens,
    normalise,
    osa_distance,
    tokens,
)
from market.search.synonyms import Group, concept_tokens, query_groups
from market.search.terms import derived_terms

# FTS5 columns, in order, and their weight for a page in Vietnamese / English.
COLUMNS = ("name_vi", "name_en", "name_vi_f", "name_en_f", "cat", "cat_f",
           "desc_vi", "desc_en", "extra")
WEIGHTS = {
    "vi": (12.0, 7.0, 8.0, 5.0, 4.0, 3.0, 1.0, 0.6, 1.5),
    "en": (7.0, 12.0, 5.0, 8.0, 4.0, 3.0, 0.6, 1.0, 1.5),
}
SCHEMA = f"""
CREATE TABLE IF NOT EXISTS meta (key TEXT PRIMARY KEY, value INTEGER);
INSERT OR IGNORE INTO meta VALUES ('generation', 0);
CREATE TABLE IF NOT EXISTS docs (
    id INTEGER PRIMARY KEY, category INTEGER, province INTEGER, cooperative INTEGER,
    stars INTEGER, price INTEGER, in_stock INTEGER, created REAL);
CREATE INDEX IF NOT EXISTS docs_category ON docs (category);
CREATE INDEX IF NOT EXISTS docs_province ON docs (province);
CREATE INDEX IF NOT EXISTS docs_cooperative ON docs (cooperative);
CREATE TABLE IF NOT EXISTS categories (code INTEGER PRIMARY KEY, slug TEXT UNIQUE);
CREATE TABLE IF NOT EXISTS cooperatives (id INTEGER PRIMARY KEY, slug TEXT);
CREATE TABLE IF NOT EXISTS doc_data (id INTEGER PRIMARY KEY, data TEXT);
CREATE VIRTUAL TABLE IF NOT EXISTS fts USING fts5(
    {", ".join(COLUMNS)}, tokenize = "unicode61 remove_diacritics 0");
CREATE VIRTUAL TABLE IF NOT EXISTS vocab USING fts5vocab(fts, 'row');
"""
SORT_SQL = {
    "relevance": "d.score DESC, d.id DESC",
    "price_asc": "d.price ASC, d.id",
    "price_desc": "d.price DESC, d.id",
    "newest": "d.created DESC, d.id DESC",
}


def _both(text: str) -> str:
    """The exact words and, where different, their folded forms."""
    words = tokens(text)
    return " ".join(dict.fromkeys(words + [fold(w) for w in words]))


def _row(doc: dict, concepts: bool = False) -> tuple:
    """The text columns of a document. With `concepts` (FTS5), each folded column also holds
    the synonym concept tokens of its text (market.search.synonyms)."""
    def c(text: str) -> str:
        return " ".join([text, *concept_tokens(text)]) if concepts else text
    name_vi, name_en = normalise(doc.get("name_vi")), normalise(doc.get("name_en"))
    category = normalise(f'{doc.get("category_vi") or ""} {doc.get("category_en") or ""}')
    desc_vi, desc_en = normalise(doc.get("description_vi")), normalise(doc.get("description_en"))
    return (
        doc["id"],
        name_vi, name_en,
        fold(c(name_vi)), fold(c(name_en)),
        category, fold(c(category)),
        fold(c(desc_vi)), fold(c(desc_en)),
        " ".join([_both(f'{doc.get("cooperative_name") or ""} {doc.get("province_name") or ""} '
                        f'{doc.get("variants") or ""}'),
                  *derived_terms(doc)]),
    )


class EmbeddedBackend:
    """SearchBackend on SQLite FTS5. Thread-safe: one connection per thread."""

    def __init__(self, path: str | Path):
        self.path = str(path)
        if self.path != ":memory:":
            Path(self.path).parent.mkdir(parents=True, exist_ok=True)
        self._local = threading.local()
        self._vocab_generation = -1
        self._vocab: set[str] = set()
        self._deletes: dict[str, set[str]] = {}
        self._lock = threading.Lock()
        self._browse_cache: dict = {}
        self._conn()  # create the schema now

    # --- plumbing ---------------------------------------------------------------------------
    def _conn(self) -> sqlite3.Connection:
        conn = getattr(self._local, "conn", None)
        if conn is None:
            conn = sqlite3.connect(self.path, timeout=30, isolation_level=None)
            conn.execute("PRAGMA journal_mode=WAL")
            conn.execute("PRAGMA synchronous=NORMAL")
            conn.execute("PRAGMA temp_store=MEMORY")
            conn.execute("PRAGMA cache_size=-65536")  # 64 MB
            conn.executescript(SCHEMA)
            conn.execute("CREATE TEMP TABLE IF NOT EXISTS m (id INTEGER PRIMARY KEY, score REAL, "
                         "category INTEGER, province INTEGER, cooperative INTEGER, stars INTEGER, "
                         "price INTEGER, created REAL)")
            self._local.conn = conn
        return conn

    def close(self) -> None:
        conn = getattr(self._local, "conn", None)
        if conn is not None:
            conn.close()
            self._local.conn = None

    def _write(self, fn) -> None:
        conn = self._conn()
        conn.execute("BEGIN IMMEDIATE")
        try:
            fn(conn)
            conn.execute("UPDATE meta SET value = value + 1 WHERE key = 'generation'")
            conn.execute("COMMIT")
        except BaseException:
            conn.execute("ROLLBACK")
            raise

    # --- writing ----------------------------------------------------------------------------
    @staticmethod
    def _delete_rows(conn, ids) -> None:
        rows = [(int(i),) for i in ids]
        conn.executemany("DELETE FROM fts WHERE rowid = ?", rows)
        conn.executemany("DELETE FROM docs WHERE id = ?", rows)
        conn.executemany("DELETE FROM doc_data WHERE id = ?", rows)

    @staticmethod
    def _insert_rows(conn, documents) -> None:
        conn.executemany(
            f"INSERT INTO fts (rowid, {', '.join(COLUMNS)}) VALUES (?{', ?' * len(COLUMNS)})",
            [_row(d, concepts=True) for d in documents],
        )
        # Facet columns hold small integers: grouping on them is far cheaper than on slugs.
        conn.executemany("INSERT OR IGNORE INTO categories (slug) VALUES (?)",
                         {(d["category_slug"],) for d in documents if d.get("category_slug")})
        conn.executemany("INSERT OR REPLACE INTO cooperatives VALUES (?, ?)",
                         {(d["cooperative_id"], d["cooperative_slug"]) for d in documents})
        codes = dict(conn.execute("SELECT slug, code FROM categories"))
        conn.executemany(
            "INSERT INTO docs VALUES (?, ?, ?, ?, ?, ?, ?, ?)",
            [(d["id"], codes.get(d.get("category_slug")), d.get("province_code"),
              d.get("cooperative_id"), d.get("ocop_stars"), d["price"],
              1 if d.get("in_stock") else 0, d.get("created_at") or 0.0) for d in documents],
        )
        conn.executemany("INSERT INTO doc_data VALUES (?, ?)",
                         [(d["id"], json.dumps(d, ensure_ascii=False)) for d in documents])

    def index(self, documents: list[dict]) -> None:
        documents = list(documents)
        if not documents:
            return

        def run(conn):
            self._delete_rows(conn, [d["id"] for d in documents])
            self._insert_rows(conn, documents)
        self._write(run)

    def delete(self, product_ids: list[int]) -> None:
        if product_ids:
            self._write(lambda conn: self._delete_rows(conn, product_ids))

    def clear(self) -> None:
        self._write(lambda conn: [conn.execute(f"DELETE FROM {t}")
                                  for t in ("fts", "docs", "doc_data")])

    def rebuild(self, batches) -> None:
        """One transaction: readers see the old index until the new one is complete."""
        def run(conn):
            for table in ("fts", "docs", "doc_data"):
                conn.execute(f"DELETE FROM {table}")
            for batch in batches:
                self._insert_rows(conn, batch)
            conn.execute("INSERT INTO fts (fts) VALUES ('optimize')")
        self._write(run)

    def count(self) -> int:
        return self._conn().execute("SELECT count(*) FROM docs").fetchone()[0]

    # --- vocabulary and typos ---------------------------------------------------------------
    def _load_vocab(self) -> None:
        conn = self._conn()
        generation = conn.execute("SELECT value FROM meta WHERE key = 'generation'").fetchone()[0]
        if generation == self._vocab_generation:
            return
        with self._lock:
            vocab = {fold(t) for (t,) in conn.execute("SELECT term FROM vocab")}
            deletes: dict[str, set[str]] = defaultdict(set)
            for term in vocab:
                if len(term) >= FUZZY_MIN_LENGTH - 1 and term.isalpha():
                    deletes[term].add(term)
                    for i in range(len(term)):
                        deletes[term[:i] + term[i + 1:]].add(term)
            self._vocab, self._deletes = vocab, dict(deletes)
            self._vocab_generation = generation

    def _neighbours(self, word: str) -> list[str]:
        """Vocabulary words one edit away from `word` (insert, delete, replace or swap)."""
        keys = {word} | {word[:i] + word[i + 1:] for i in range(len(word))}
        found = set()
        for key in keys:
            found |= self._deletes.get(key, set())
        return sorted(t for t in found if t != word and osa_distance(word, t, 1) <= 1)

    def _expand(self, word: str) -> list[str]:
        """The forms of one query word to look for: exact, folded, and typo neighbours."""
        forms = [word, fold(word)]
        folded = fold(word)
        if len(folded) >= FUZZY_MIN_LENGTH and folded.isalpha() and folded not in self._vocab:
            forms += self._neighbours(folded)
        return list(dict.fromkeys(forms))

    def _match_expression(self, query: str, prefix_last: bool = False) -> str | None:
        if prefix_last:  # suggestions: the words as typed, the last one a prefix
            words = tokens(query)
            if not words:
                return None
            self._load_vocab()
            clauses = [self._word_clause(w) for w in words[:-1]] + [f'"{fold(words[-1])}"*']
            return " AND ".join(clauses)
        found = query_groups(query)
        if not found:
            return None
        self._load_vocab()
        return " AND ".join(self._group_clause(g) for g in found)

    def _word_clause(self, word: str) -> str:
        return "(" + " OR ".join(f'"{f}"' for f in self._expand(word)) + ")"

    def _group_clause(self, group: Group) -> str:
        """The group's own words (each exact, folded or a typo neighbour), or the concept
        token of its synonym line (see market.search.synonyms: one term, however many
        synonyms, so bm25 does not add them up)."""
        own = " AND ".join(self._word_clause(w) for w in group.words)
        if not group.concepts:
            return own
        tokens_ = " OR ".join(f'"{t}"' for t in group.concepts)
        return f"(({own}) OR {tokens_})"

    # --- reading ----------------------------------------------------------------------------
    def _code(self, table: str, slug: str) -> int:
        key = "code" if table == "categories" else "id"
        row = self._conn().execute(f"SELECT {key} FROM {table} WHERE slug = ?", (slug,)).fetchone()
        return row[0] if row else -1

    def _where(self, filters: Filters) -> tuple[str, list]:
        sql, args = [], []
        if filters.category:
            sql.append("d.category = ?"); args.append(self._code("categories", filters.category))
        if filters.province is not None:
            sql.append("d.province = ?"); args.append(int(filters.province))
        if filters.cooperative:
            sql.append("d.cooperative = ?")
            args.append(self._code("cooperatives", filters.cooperative))
        if filters.stars is not None:
            sql.append("d.stars >= ?"); args.append(int(filters.stars))
        if filters.min_price is not None:
            sql.append("d.price >= ?"); args.append(int(filters.min_price))
        if filters.max_price is not None:
            sql.append("d.price <= ?"); args.append(int(filters.max_price))
        return (" AND ".join(sql) or "1"), args

    def search(self, query: str, locale: str, filters: Filters | None = None,
               sort: str = "relevance", page: int = 1, per_page: int = PER_PAGE) -> SearchResult:
        """One FTS pass into a temporary table of matches with their facet columns, then the
        page of hits by SQL and every facet count from one scan in Python (each facet counts
        with every filter but its own)."""
        filters = filters or Filters()
        conn = self._conn()
        expression = self._match_expression(query)
        if expression is None and query_groups(query):
            return SearchResult([], 0, {})
        weights = ", ".join(str(w) for w in WEIGHTS.get(content_locale(locale), WEIGHTS["vi"]))
        boost = f"(1 + {STARS_BOOST} * coalesce(d.stars, 0) + {IN_STOCK_BOOST} * d.in_stock)"
        columns = "d.category, d.province, d.cooperative, d.stars, d.price, d.created"
        low = filters.min_price if filters.min_price is not None else -1
        high = filters.max_price if filters.max_price is not None else 1 << 62
        bucket = " + ".join(f"(d.price >= {b[1]})" for b in PRICE_BUCKETS[1:])
        facet_sql = (f"SELECT d.category, d.province, d.cooperative, d.stars, {bucket}, "
                     f"d.price BETWEEN {int(low)} AND {int(high)} FROM ")
        conn.execute("BEGIN")  # one snapshot for hits, total and facets
        try:
            if expression:
                conn.execute("DELETE FROM m")
                conn.execute(f"INSERT INTO m SELECT d.id, -bm25(fts, {weights}) * {boost}, "
                             f"{columns} FROM fts JOIN docs d ON d.id = fts.rowid "
                             "WHERE fts MATCH ?", (expression,))
                source = "temp.m AS d"
                groups = Counter(conn.execute(facet_sql + source))
            else:
                source = f"(SELECT d.id, {boost} AS score, {columns} FROM docs d) AS d"
                groups = self._browse_groups(conn, facet_sql + "docs d", low, high)
            where, args = self._where(filters)
            order = SORT_SQL.get(sort, SORT_SQL["relevance"])
            page = max(int(page), 1)
            rows = conn.execute(
                f"SELECT d.id, d.score FROM {source} WHERE {where} ORDER BY {order} "
                "LIMIT ? OFFSET ?", args + [per_page, (page - 1) * per_page]).fetchall()
            data = dict(conn.execute(
                f"SELECT id, data FROM doc_data WHERE id IN ({', '.join('?' * len(rows))})",
                [r[0] for r in rows]).fetchall()) if rows else {}
            categories = {c: s for s, c in conn.execute("SELECT slug, code FROM categories")}
            wanted = {g[2] for g in groups}
            coops = dict(conn.execute(
                "SELECT id, slug FROM cooperatives")) if wanted else {}
        finally:
            conn.execute("COMMIT")
        total, facets = _count_groups(groups, filters, self._code_filters(filters))
        facets["category"] = {categories.get(k, k): v for k, v in facets["category"].items()}
        facets["cooperative"] = {coops.get(k, k): v for k, v in facets["cooperative"].items()}
        hits = [Hit(id=i, score=s, document=json.loads(data[i])) for i, s in rows]
        return SearchResult(hits=hits, total=total, facets=facets)

    def _code_filters(self, filters: Filters) -> dict:
        return {
            "category": self._code("categories", filters.category) if filters.category else None,
            "cooperative": (self._code("cooperatives", filters.cooperative)
                            if filters.cooperative else None),
        }

    def _browse_groups(self, conn, sql: str, low, high) -> Counter:
        """Facet groups of the whole index (an empty query), cached until the next write."""
        generation = conn.execute("SELECT value FROM meta WHERE key = 'generation'").fetchone()[0]
        key = (generation, low, high)
        if self._browse_cache.get("key") != key:
            self._browse_cache = {"key": key, "groups": Counter(conn.execute(sql))}
        return self._browse_cache["groups"]

    def suggest(self, prefix: str, locale: str, limit: int = 8) -> list[str]:
        expression = self._match_expression(prefix, prefix_last=True)
        if not expression or len(fold(prefix.strip())) < 2:
            return []
        weights = ", ".join(str(w) for w in WEIGHTS.get(content_locale(locale), WEIGHTS["vi"]))
        rows = self._conn().execute(
            f"SELECT d.data FROM fts JOIN doc_data d ON d.id = fts.rowid WHERE fts MATCH ? "
            f"ORDER BY bm25(fts, {weights}) LIMIT ?", (expression, limit * 4),
        ).fetchall()
        names: list[str] = []
        for (data,) in rows:
            doc = json.loads(data)
            name = localized(doc.get("name_vi"), doc.get("name_en"), locale)
            if name and name not in names:
                names.append(name)
            if len(names) == limit:
                break
        return names

    def did_you_mean(self, query: str) -> str | None:
        self._load_vocab()
        words = folded_tokens(query)
        if not words:
            return None
        out, changed = [], False
        for word in words:
            if word in self._vocab or not word.isalpha() or len(word) < 3:
                out.append(word)
                continue
            best = None
            for i in range(2, len(word) - 1):  # "caphe" -> "ca phe": a missing space
                if word[:i] in self._vocab and word[i:] in self._vocab:
                    best = (0, f"{word[:i]} {word[i:]}")
                    break
            for term in self._vocab if best is None else ():
                if abs(len(term) - len(word)) <= 2 and term.isalpha():
                    d = osa_distance(word, term, 2)
                    if d <= 2 and (best is None or d < best[0]):
                        best = (d, term)
            if best is None:
                return None
            out.append(best[1])
            changed = True
        return " ".join(out) if changed else None


def _count_groups(groups: Counter, filters: Filters, codes: dict) -> tuple[int, dict]:
    """Total and facet counts from Counter{(category, province, cooperative, stars,
    price bucket, price in range): n}: each facet counts with every filter but its own."""
    checks = (
        ("category", 0, lambda v: codes["category"] is None or v == codes["category"]),
        ("province", 1, lambda v: filters.province is None or v == int(filters.province)),
        ("cooperative", 2, lambda v: codes["cooperative"] is None or v == codes["cooperative"]),
        ("stars", 3, lambda v: filters.stars is None or (v is not None and v >= filters.stars)),
        ("price", 5, lambda v: bool(v)),
    )
    facets: dict[str, dict] = {name: defaultdict(int) for name, _, _ in checks}
    total = 0
    for group, n in groups.items():
        failed = [name for name, position, check in checks if not check(group[position])]
        if not failed:
            total += n
        for name, position, _ in checks:
            if not failed or failed == [name]:
                key = PRICE_BUCKETS[group[4]][0] if name == "price" else group[position]
                if key is not None:
                    facets[name][key] += n
    return total, {name: dict(counts) for name, counts in facets.items()}
