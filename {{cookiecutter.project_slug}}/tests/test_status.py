def test_status_ok_when_database_and_cache_answer(client):
    response = client.get("/status")
    assert response.status_code == 200
    body = response.get_json()
    assert body["database"] == {"ok": True}
    assert body["cache"]["ok"] is True
    assert body["status"] == "ok"


def test_status_degraded_but_200_when_the_cache_is_down(make_app):
    app = make_app(CACHE_BACKEND="tests.broken_cache.BrokenCache")
    response = app.test_client().get("/status")
    assert response.status_code == 200
    body = response.get_json()
    assert body["status"] == "degraded"
    assert body["cache"]["ok"] is False
    assert "connection refused" in body["cache"]["error"]


def test_status_503_when_the_database_is_down(make_app, tmp_path):
    missing = tmp_path / "missing" / "dir" / "app.sqlite"
    app = make_app(create_tables=False, SQLALCHEMY_DATABASE_URI=f"sqlite:///{missing}")
    response = app.test_client().get("/status")
    assert response.status_code == 503
    body = response.get_json()
    assert body["status"] == "down"
    assert body["database"]["ok"] is False
    assert "OperationalError" in body["database"]["error"]
