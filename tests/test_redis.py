"""REDIS_URL against a real redis-server on loopback: two app "nodes" on one database and one
Redis share the session data (server-side; the cookie holds only an id), rate-limit counters
and the page cache; a change committed on one node is visible on the other's next request;
sign-ins stay revocable (logout, "sign out other sessions"), and the session id is renewed at
sign-in. Skipped, with the reason, when redis-server is not installed."""
import pytest
import redis

from market import cache, create_app
from market.catalog import services as catalog
from market.extensions import db
from tests import factories
from tests.conftest import reset_database
from tests.servers import redis_server, side_database_url

pytestmark = pytest.mark.committed


@pytest.fixture(scope="module")
def redis_url(tmp_path_factory):
    with redis_server(tmp_path_factory.mktemp("redis")) as url:
        yield url


@pytest.fixture(scope="module")
def database_url(tmp_path_factory):
    return side_database_url(tmp_path_factory.mktemp("redis-db"), "redis_nodes")


def node(tmp_path, redis_url, database_url, name, **extra):
    app = create_app({
        "TESTING": True, "SQLALCHEMY_DATABASE_URI": database_url,
        "INSTANCE_DIR": str(tmp_path / name), "MEDIA_DIR": str(tmp_path / "media"),
        "WTF_CSRF_ENABLED": False, "RATELIMIT_ENABLED": False, "PAGE_CACHE": True,
        "REDIS_URL": redis_url, "SECRET_KEY": "test-secret-key-of-sufficient-length-000",
        **extra,
    })
    return app


@pytest.fixture(scope="module")
def both_nodes(tmp_path_factory, redis_url, database_url, app):
    tmp = tmp_path_factory.mktemp("nodes")
    one = node(tmp, redis_url, database_url, "one")
    two = node(tmp, redis_url, database_url, "two")
    reset_database(one)
    yield one, two
    create_app({**app.config})  # the shared limiter back on the suite's (local) storage


@pytest.fixture
def nodes(both_nodes, redis_url):
    redis.Redis.from_url(redis_url).flushall()  # sessions, counters and pages of other tests
    with both_nodes[0].app_context():
        cache.clear()
    return both_nodes


@pytest.fixture
def shop(nodes):
    one, _ = nodes
    with one.test_request_context():
        product = factories.product(price=185_000, stock=40)
        buyer = factories.user(name="Lê Thị Hoa")
        db.session.commit()
        ids = {"slug": product.slug, "product_id": product.id, "email": buyer.email}
    return ids


def _login(client, email):
    response = client.post("/vi/account/login",
                           data={"email": email, "password": factories.PASSWORD})
    assert response.status_code == 302
    return response


def _session_cookie(client):
    cookie = client.get_cookie("session")
    return cookie.value if cookie else None


def test_backends_are_redis(nodes, redis_url):
    one, _ = nodes
    assert one.config["CACHE_TYPE"] == "RedisCache"
    assert one.config["RATELIMIT_STORAGE_URI"] == redis_url
    interface = one.session_interface  # wrapped by the API's (market/api/http.py)
    assert type(getattr(interface, "inner", interface)).__name__ == "RedisSessionInterface"


def test_session_data_lives_in_redis_and_follows_the_visitor_across_nodes(nodes, shop,
                                                                          redis_url):
    one, two = nodes
    client = one.test_client()
    client.post("/vi/cart/add", data={"product": shop["slug"], "quantity": "3"})
    sid = _session_cookie(client)
    assert sid and "." not in sid and len(sid) < 64  # an id, not signed data
    assert redis.Redis.from_url(redis_url).exists(f"htx:session:{sid}")
    on_two = two.test_client()
    on_two.set_cookie("session", sid)
    cart = on_two.get("/vi/cart").get_data(as_text=True)
    assert 'class="cart-count"' in cart and ">3<" in cart


def test_sign_in_renews_the_session_id(nodes, shop, redis_url):
    one, _ = nodes
    client = one.test_client()
    client.post("/vi/cart/add", data={"product": shop["slug"], "quantity": "1"})
    planted = _session_cookie(client)
    _login(client, shop["email"])
    assert _session_cookie(client) != planted
    assert not redis.Redis.from_url(redis_url).exists(f"htx:session:{planted}")
    # Someone holding the id from before the sign-in is not signed in.
    other = one.test_client()
    other.set_cookie("session", planted)
    assert other.get("/vi/account/").status_code == 302


def test_sign_ins_stay_revocable_on_every_node(nodes, shop):
    one, two = nodes
    here, there = one.test_client(), two.test_client()
    _login(here, shop["email"])
    _login(there, shop["email"])
    assert there.get("/vi/account/").status_code == 200
    here.post("/vi/account/sessions/end-others")
    assert there.get("/vi/account/").status_code == 302  # signed out on the other node
    assert here.get("/vi/account/").status_code == 200
    copy = two.test_client()
    copy.set_cookie("session", _session_cookie(here))
    assert copy.get("/vi/account/").status_code == 200
    here.post("/vi/account/logout")
    assert copy.get("/vi/account/").status_code == 302  # a copied cookie dies with logout


def test_rate_limits_count_across_nodes(tmp_path, redis_url, database_url, nodes, app):
    one = node(tmp_path, redis_url, database_url, "rl-one", RATELIMIT_ENABLED=True)
    two = node(tmp_path, redis_url, database_url, "rl-two", RATELIMIT_ENABLED=True)
    statuses = []
    try:
        for i in range(6):  # reset requests: 5 a minute per client address
            client = (one if i % 2 else two).test_client()
            statuses.append(client.post("/vi/account/password/forgot", data={
                "email": f"nobody{i}@example.vn"}).status_code)
    finally:
        # The limiter is one instance shared with the suite's app: switch it off again.
        create_app({**app.config})
    assert 429 not in statuses[:5] and statuses[5] == 429


def test_page_cache_is_shared_and_invalidated_across_nodes(nodes, shop):
    one, two = nodes
    path = f"/vi/p/{shop['slug']}"
    assert one.test_client().get(path).headers["X-Cache"] == "miss"
    hit = two.test_client().get(path)
    assert hit.headers["X-Cache"] == "hit" and "185.000" in hit.get_data(as_text=True)
    with one.test_request_context():
        product = db.session.get(catalog.Product, shop["product_id"])
        catalog.update_product(product, {"price": "210000"})
        db.session.commit()
    fresh = two.test_client().get(path)
    assert fresh.headers["X-Cache"] == "miss" and "210.000" in fresh.get_data(as_text=True)


def test_readyz_checks_redis(nodes):
    one, _ = nodes
    body = one.test_client().get("/readyz").get_json()
    assert body["checks"] == {"database": "ok", "redis": "ok"}
