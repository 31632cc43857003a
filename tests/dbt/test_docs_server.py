"""The dbt documentation server of `make run`: publishes only the site, survives its starter, stops."""

from __future__ import annotations

import socket
import urllib.request

import pytest

from pipeline import dbt_docs


@pytest.fixture
def home(tmp_path, monkeypatch):
    from yikatong.settings import get_settings

    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        port = sock.getsockname()[1]
    monkeypatch.setenv("YKT_HOME", str(tmp_path))
    monkeypatch.setenv("YKT_DBT_DOCS_PORT", str(port))
    get_settings.cache_clear()
    yield tmp_path
    dbt_docs.stop()
    get_settings.cache_clear()


def _target(home):
    target = home / "dbt" / "target"
    target.mkdir(parents=True)
    (target / "index.html").write_text("<html>乐山 dbt 文档</html>", encoding="utf-8")
    (target / "manifest.json").write_text("{}")
    (target / "catalog.json").write_text("{}")
    (target / "run_results.json").write_text("{}")
    return target


def test_serves_the_published_site_until_stopped(home) -> None:
    with pytest.raises(dbt_docs.DocsServerError, match="未生成"):
        dbt_docs.publish(home / "nothing")
    dbt_docs.publish(_target(home))
    served = dbt_docs.serve()
    assert served.started and dbt_docs.running_pid() is not None
    with urllib.request.urlopen(f"{served.url}/index.html", timeout=5) as response:
        assert "dbt 文档" in response.read().decode()
    with pytest.raises(urllib.error.HTTPError):  # only the site, not dbt's other artefacts
        urllib.request.urlopen(f"{served.url}/run_results.json", timeout=5)
    assert dbt_docs.serve().started is False, "a second call finds the running server"
    assert dbt_docs.stop() is True and dbt_docs.running_pid() is None
    assert not dbt_docs.ready(timeout=1)
    assert dbt_docs.stop() is False
