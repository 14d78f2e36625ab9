"""The outbox keeps the index in step with the catalogue, and a crash loses nothing."""
from __future__ import annotations

import pytest

from market.catalog import services as catalog
from market.catalog.models import ProductStatus
from market.extensions import db
from market.search import indexer
from market.search.backend import Filters
from market.search.models import SearchOutbox
from market.search.tantivy_backend import TantivyBackend
from market.vendors.models import CooperativeStatus


@pytest.fixture
def index(tmp_path):
    return TantivyBackend(tmp_path / "index")


def found(index, query, locale="vi"):
    return [h.id for h in index.search(query, locale, Filters()).hits]


def outbox():
    return [(r.product_id, r.op) for r in db.session.scalars(
        db.select(SearchOutbox).order_by(SearchOutbox.id))]


def test_a_new_product_is_queued_in_its_transaction_and_indexed(make, index):
    product = make.product(name_vi="Sầu riêng Ri6", name_en="Ri6 durian")
    db.session.commit()
    assert (product.id, "upsert") in outbox()
    assert found(index, "sau rieng") == []  # not before the indexer runs
    assert indexer.drain(index) >= 1
    assert found(index, "sau rieng") == [product.id]
    assert outbox() == []


def test_a_rolled_back_change_leaves_no_outbox_row(make, index):
    product = make.product()
    indexer.drain(index)
    nested = db.session.begin_nested()
    catalog.update_product(product, {"price": 200_000})
    nested.rollback()
    assert outbox() == []


def test_an_edit_is_reflected_after_the_indexer_runs(make, index):
    product = make.product(name_vi="Chè xanh", name_en="Green tea")
    indexer.drain(index)
    catalog.update_product(product, {"name_vi": "Trà Ô long", "name_en": "Oolong tea",
                                     "price": 250_000})
    db.session.commit()
    assert found(index, "oolong", "en") == []
    indexer.drain(index)
    assert found(index, "oolong", "en") == [product.id]
    assert found(index, "che xanh") == []
    assert index.search("oolong", "en").hits[0].document["price"] == 250_000


def test_removing_the_english_text_and_adding_an_image_are_queued(make, index):
    product = make.product()
    indexer.drain(index)
    catalog.update_product(product, {"name_en": "", "description_en": ""})
    db.session.flush()
    assert outbox() == [(product.id, "upsert")]
    indexer.drain(index)
    assert found(index, "ground", "en") == []
    catalog.add_image(product, "x.svg", alt_vi="Ảnh")
    assert outbox() == [(product.id, "upsert")]


def test_archive_and_draft_leave_the_index(make, index):
    kept, archived = make.product(), make.product()
    indexer.drain(index)
    assert sorted(found(index, "ca phe")) == sorted([kept.id, archived.id])
    catalog.update_product(archived, {"status": ProductStatus.ARCHIVED.value})
    db.session.commit()
    indexer.drain(index)
    assert found(index, "ca phe") == [kept.id]
    draft = make.product(status=ProductStatus.DRAFT.value)
    indexer.drain(index)
    assert draft.id not in found(index, "ca phe")


def test_a_cooperative_suspension_removes_all_its_products(make, index):
    coop = make.cooperative()
    mine = [make.product(coop), make.product(coop)]
    other = make.product()
    indexer.drain(index)
    coop.status = CooperativeStatus.SUSPENDED.value
    db.session.commit()
    assert sorted(p for p, _ in outbox()) == sorted(p.id for p in mine)
    indexer.drain(index)
    assert found(index, "ca phe") == [other.id]
    coop.status = CooperativeStatus.APPROVED.value
    db.session.commit()
    indexer.drain(index)
    assert sorted(found(index, "ca phe")) == sorted([other.id] + [p.id for p in mine])


def test_a_pending_cooperative_is_never_indexed(make, index):
    pending = make.cooperative(status=CooperativeStatus.PENDING)
    make.product(pending)
    indexer.drain(index)
    assert index.search("", "vi").total == 0


def test_deleting_a_product_removes_it(make, index):
    product = make.product()
    indexer.drain(index)
    db.session.delete(product)
    db.session.commit()
    assert (product.id, "delete") in outbox()
    indexer.drain(index)
    assert index.search("", "vi").total == 0


class _Crash(Exception):
    pass


class CrashingIndex(TantivyBackend):
    """The real embedded engine with a fault injected: the process 'dies' in the middle."""

    def __init__(self, path, fail_in: str):
        super().__init__(path)
        self.fail_in = fail_in

    def index(self, documents):
        if self.fail_in == "index":
            raise _Crash("died before writing the index")
        super().index(documents)

    def delete(self, product_ids):
        if self.fail_in == "after-index":
            raise _Crash("died after writing the index, before clearing the outbox")
        super().delete(product_ids)


@pytest.mark.parametrize("fail_in", ["index", "after-index"])
def test_a_crash_between_commit_and_indexing_loses_nothing(make, index, tmp_path, fail_in):
    product = make.product(name_vi="Mật ong rừng", name_en="Wild forest honey")
    db.session.commit()
    crashing = CrashingIndex(tmp_path / "index", fail_in)  # same directory as `index`
    with pytest.raises(_Crash):
        indexer.drain(crashing)
    db.session.rollback()  # what a dead process's transaction amounts to
    assert (product.id, "upsert") in outbox()  # still queued
    indexer.drain(index)  # the next run finishes the job
    assert found(index, "mat ong") == [product.id]
    assert outbox() == []


def test_an_indexer_that_dies_mid_batch_leaves_the_rest_queued(make, index):
    products = [make.product(name_vi=f"Gạo ST25 lô {n}") for n in range(5)]
    db.session.commit()
    assert indexer.drain(index, batch_size=2, max_batches=1) == 2  # then "dies"
    assert len(outbox()) == 3
    indexer.drain(index, batch_size=2)
    assert sorted(found(index, "gao st25")) == sorted(p.id for p in products)


def test_reindex_rebuilds_from_the_database(make, index):
    products = [make.product(), make.product()]
    index.index([{**indexer.document(products[0]), "id": 999_999}])  # a stray document
    assert indexer.reindex(index) == 2
    assert sorted(found(index, "ca phe")) == sorted(p.id for p in products)


def test_documents_carry_what_search_needs(make):
    product = make.product()
    doc = indexer.build_documents([product.id])[product.id]
    assert doc["name_vi"] == "Cà phê Robusta rang xay"
    assert doc["province_name"] and doc["cooperative_slug"] == product.cooperative.slug
    assert doc["ocop_stars"] is None  # until the OCOP issue wires _ocop_stars_for
    assert doc["in_stock"] is True


def test_inline_indexing_after_a_request_that_committed(app, app_backend):
    from flask import g

    with app.test_request_context():
        from tests import factories
        product = factories.product(name_vi="Chiếu cói dệt tay", name_en="Sedge mat")
        db.session.commit()
        assert g.get("search_needs_drain")
        app.do_teardown_request()
    assert [h.id for h in app_backend.search("chieu coi", "vi").hits] == [product.id]


def test_inline_indexing_can_be_turned_off(app, app_backend):
    from flask import g

    app.config["SEARCH_INLINE_INDEXING"] = False
    try:
        with app.test_request_context():
            from tests import factories
            factories.product(name_vi="Chiếu cói dệt tay")
            db.session.commit()
            assert g.get("search_needs_drain")
            app.do_teardown_request()
            assert app_backend.search("chieu coi", "vi").total == 0
            assert indexer.pending() >= 1  # left for `flask search-worker`
    finally:
        app.config["SEARCH_INLINE_INDEXING"] = True


def test_variant_sizes_skus_and_gtins_are_searchable(make, index):
    product = make.product(name_vi="Cà phê Robusta Ea Kmat", name_en="Ea Kmat Robusta", variants=[
        {"label_vi": "Gói 250 g", "label_en": "250 g pack", "sku": "EK-250", "price": 95_000,
         "stock": 3, "gtin": "8934567890120"},
        {"label_vi": "Gói 500 g", "label_en": "500 g pack", "sku": "EK-500", "price": 180_000,
         "stock": 0}])
    other = make.product(name_vi="Cà phê Arabica", sku="AR-1")
    doc = indexer.build_documents([product.id])[product.id]
    assert (doc["price"], doc["price_max"], doc["in_stock"]) == (95_000, 180_000, True)
    assert "500g" in doc["variants"] and "EK-500" in doc["variants"]
    indexer.reindex(index)
    assert found(index, "500g") == [product.id]            # "500g" as buyers type it
    assert found(index, "cà phê 500 g")[0] == product.id
    assert found(index, "8934567890120") == [product.id]   # its barcode
    assert other.id in found(index, "ca phe")
    # a new variant reaches the index through the outbox
    db.session.commit()
    indexer.drain(index)
    catalog.update_product(product, {"variants": [{"label_vi": "Gói 1 kg", "price": "330000",
                                                   "stock": "2"}]})
    db.session.commit()
    indexer.drain(index)
    assert found(index, "1kg") == [product.id]
