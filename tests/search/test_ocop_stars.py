"""OCOP stars in the index follow the certificate: verified -> searchable by stars; revoked ->
gone, through the same outbox as catalogue changes."""
from market.extensions import db
from market.ocop import services as ocop
from market.search import indexer
from market.search.backend import Filters
from market.search.tantivy_backend import TantivyBackend
from tests.ocop.util import TODAY, submit


def test_verified_and_revoked_certificates_reach_the_index(make, tmp_path):
    index = TantivyBackend(tmp_path / "index")
    coop = make.cooperative()
    staff, officer = make.staff(coop), make.officer(coop.province_code)
    starred = make.product(coop, name_vi="Mật ong hoa cà phê Ea Tu")
    plain = make.product(coop, name_vi="Mật ong rừng Ea Tu")
    cert = submit(staff, [starred], today=TODAY)
    indexer.drain(index)
    assert index.search("mật ong", "vi", Filters(stars=4)).total == 0

    ocop.verify_certificate(cert, officer, today=TODAY)
    db.session.flush()
    indexer.drain(index)
    result = index.search("mật ong", "vi", Filters(stars=4))
    assert [h.id for h in result.hits] == [starred.id]
    assert plain.id in [h.id for h in index.search("mật ong", "vi", Filters()).hits]

    ocop.revoke_certificate(cert, officer, "Sai thông tin trên hồ sơ")
    db.session.flush()
    indexer.drain(index)
    assert index.search("mật ong", "vi", Filters(stars=4)).total == 0


def test_star_words_follow_the_certificate_too(make, tmp_path):
    """ "4 sao" / "ocop" are words of the index derived from verified stars (at least N)."""
    index = TantivyBackend(tmp_path / "index")
    coop = make.cooperative()
    staff, officer = make.staff(coop), make.officer(coop.province_code)
    starred = make.product(coop, name_vi="Mật ong hoa cà phê Ea Tu")
    make.product(coop, name_vi="Mật ong rừng Ea Tu")
    cert = submit(staff, [starred], today=TODAY)
    indexer.drain(index)
    assert index.search("ocop", "vi").total == 0  # pending: not yet a star
    ocop.verify_certificate(cert, officer, today=TODAY)
    db.session.flush()
    indexer.drain(index)
    stars = cert.stars
    assert [h.id for h in index.search("mật ong ocop", "vi").hits] == [starred.id]
    assert [h.id for h in index.search(f"{stars} sao", "vi").hits] == [starred.id]
    assert [h.id for h in index.search(f"honey {stars}-star", "en").hits] == [starred.id]
    if stars < 5:
        assert index.search(f"{stars + 1} sao", "vi").total == 0
    ocop.revoke_certificate(cert, officer, "Sai thông tin trên hồ sơ")
    db.session.flush()
    indexer.drain(index)
    assert index.search("ocop", "vi").total == 0
