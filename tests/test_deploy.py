"""deploy/: containers cannot run here, so the files are checked as data: the compose file is
valid YAML with every part the production layout needs, wired the way docs/deploy.md says;
the Containerfile installs only the hash-checked lock; the load balancer knows both nodes."""
from __future__ import annotations

import re

import yaml

from tests.servers import PROJECT

DEPLOY = PROJECT / "deploy"


def _compose() -> dict:
    return yaml.safe_load((DEPLOY / "compose.yaml").read_text())


def test_compose_has_every_part_of_the_layout():
    services = _compose()["services"]
    assert {"postgres", "redis", "minio", "minio-init", "migrate", "app1", "app2", "worker1",
            "worker2", "caddy"} <= set(services)
    for name in ("app1", "app2", "worker1", "worker2", "migrate"):
        service = services[name]
        env = service["environment"]
        assert env["DATABASE_URL"].startswith("postgresql://") and "@postgres:" in env["DATABASE_URL"]
        assert env["REDIS_URL"].startswith("redis://redis:")
        assert env["RATELIMIT_STORAGE_URI"].startswith("redis://redis:")
        assert env["MARKET_MEDIA_S3_BUCKET"] and env["MARKET_S3_ENDPOINT_URL"] == "http://minio:9000"
        assert env["MARKET_ENV"] == "production" and env["MARKET_SEARCH_INLINE_INDEXING"] == "0"
        assert service["env_file"] == ".env"  # secrets never in the compose file
    for name in ("worker1", "worker2"):
        assert services[name]["command"][:4] == ["flask", "--app", "market", "worker"]
    assert services["migrate"]["command"][-2:] == ["db", "upgrade"]
    assert services["app1"]["depends_on"]["migrate"]["condition"] == \
        "service_completed_successfully"
    assert "migrate" not in services["migrate"]["depends_on"]


def test_no_secret_is_written_into_the_compose_file():
    text = (DEPLOY / "compose.yaml").read_text()
    values = re.findall(r"^\s*[A-Z_]*(?:PASSWORD|SECRET_KEY|SECRET_ACCESS_KEY):\s*(\S+)", text,
                        re.MULTILINE)
    assert len(values) >= 3
    for secret in values:
        assert secret.startswith("${"), secret


def test_the_load_balancer_spreads_over_both_nodes_and_checks_their_health():
    caddy = (DEPLOY / "Caddyfile").read_text()
    assert re.search(r"reverse_proxy\s+app1:8000\s+app2:8000", caddy)
    assert "health_uri /healthz" in caddy


def test_the_image_installs_the_hash_checked_lock():
    text = (DEPLOY / "Containerfile").read_text()
    assert "--require-hashes -r requirements/runtime.txt" in text
    assert "USER htx" in text and "market:create_app()" in text
    ignored = (PROJECT / ".containerignore").read_text().split()
    assert {".venv", "instance", "deploy/.env"} <= set(ignored)
