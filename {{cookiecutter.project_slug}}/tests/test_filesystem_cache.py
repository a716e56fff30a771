"""The filesystem backend: bounded by CACHE_THRESHOLD, one namespace per release."""

from {{ cookiecutter.package_name }}.caching import filesystem
from {{ cookiecutter.package_name }}.extensions import cache

BACKEND = f"{filesystem.__name__}.ReleaseFileSystemCache"


def cache_files(directory):
    return [path for path in directory.iterdir() if path.is_file()]


def test_threshold_bounds_the_number_of_files(make_app, tmp_path):
    directory = tmp_path / "cache"
    app = make_app(
        CACHE_BACKEND=BACKEND,
        CACHE_DIR=str(directory),
        CACHE_THRESHOLD=5,
    )
    with app.app_context():
        for number in range(40):
            cache.set(f"entry-{number}", number)
        assert cache.get("entry-39") == 39
    assert 1 < len(cache_files(directory)) <= 5 + 2  # the entries, the count file, one new entry


def test_releases_use_different_files_and_clear_removes_all(make_app, tmp_path):
    directory = tmp_path / "cache"
    settings = {
        "CACHE_BACKEND": BACKEND,
        "CACHE_DIR": str(directory),
    }
    old, new = make_app(**settings, APP_VERSION="1"), make_app(**settings, APP_VERSION="2")
    with old.app_context():
        cache.set("page", "rendered by release 1")
    with new.app_context():
        assert cache.get("page") is None
        cache.set("page", "rendered by release 2")
    with old.app_context():
        assert cache.get("page") == "rendered by release 1"
    assert new.test_cli_runner().invoke(args=["cache", "clear"]).exit_code == 0
    with old.app_context():
        assert cache.get("page") is None
