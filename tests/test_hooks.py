"""The hooks: bad answers rejected cleanly, pruning table, secrets, next steps."""

import subprocess
import sys

import pytest

from template import TEMPLATE_DIR, cookiecutter_config, defaults, load_hook, template_files

pre_gen = load_hook("pre_gen_project")
post_gen = load_hook("post_gen_project")

VALID = {
    **defaults(),
    "project_slug": "my-flask-app",
    "package_name": "my_flask_app",
}

BAD_ANSWERS = [
    ({"project_name": "   "}, "project_name must not be empty"),
    ({"project_name": 'The "Quoted" App'}, "project_name must not contain"),
    ({"description": "back\\slash"}, "description must not contain"),
    ({"project_slug": "My Slug"}, "project_slug 'My Slug'"),
    ({"project_slug": "my_slug"}, "project_slug 'my_slug'"),
    ({"project_slug": "-leading-dash"}, "project_slug '-leading-dash'"),
    ({"project_slug": "9lives"}, "project_slug '9lives'"),
    ({"project_slug": "double--dash"}, "project_slug 'double--dash'"),
    ({"package_name": "my-package"}, "package_name 'my-package' must be"),
    ({"package_name": "2fast"}, "package_name '2fast' must be"),
    ({"package_name": "MyPackage"}, "package_name 'MyPackage' must be"),
    ({"package_name": "class"}, "is a Python keyword"),
    ({"package_name": "match"}, "is a Python keyword"),
    ({"package_name": "flask"}, "would shadow"),
    ({"package_name": "redis"}, "would shadow"),
    ({"package_name": "sqlalchemy"}, "would shadow"),
    ({"package_name": "json"}, "would shadow"),
    ({"author_email": "not-an-address"}, "author_email 'not-an-address'"),
    ({"author_email": "a@b"}, "author_email 'a@b'"),
    ({"author_email": "two@@example.com"}, "author_email 'two@@example.com'"),
    ({"version": "one"}, "version 'one' is not a PEP 440"),
    ({"version": "1.0.0-final-final"}, "is not a PEP 440"),
    ({"version": "1..0"}, "is not a PEP 440"),
] + [(dict(conditions), reason) for conditions, reason in pre_gen.INVALID_COMBINATIONS]


@pytest.mark.parametrize(("overrides", "message"), BAD_ANSWERS, ids=lambda value: str(value)[:40])
def test_check_answers_rejects(overrides, message):
    problem = pre_gen.check_answers({**VALID, **overrides})
    assert problem is not None
    assert message in problem
    assert "\n" not in problem


@pytest.mark.parametrize(
    "overrides",
    [
        {},
        {"project_slug": "shop2-api", "package_name": "shop2_api"},
        {"version": "1.0.0rc1"},
        {"version": "2024.11.post1"},
        {"author_email": "first.last+flask@mail.example.org"},
        {"project_name": "Café d'Été"},
    ],
)
def test_check_answers_accepts(overrides):
    assert pre_gen.check_answers({**VALID, **overrides}) is None


def test_check_combinations_reports_the_rule_that_matches():
    rules = [
        ({"cache_backend": "filesystem", "database": "mysql"}, "filesystem cannot meet mysql"),
        ({"use_sentry": True}, "no sentry here"),
    ]
    assert pre_gen.check_combinations(VALID, rules) is None
    answers = {**VALID, "cache_backend": "filesystem", "database": "mysql"}
    assert pre_gen.check_combinations(answers, rules) == "filesystem cannot meet mysql"
    assert pre_gen.check_combinations({**VALID, "use_sentry": True}, rules) == "no sentry here"


CLI_REJECTIONS = [
    (["project_slug=Bad Slug"], "project_slug 'Bad Slug'"),
    (["package_name=import"], "is a Python keyword"),
    (["package_name=flask"], "would shadow"),
    (["author_email=nobody"], "author_email 'nobody'"),
    (["version=v1.x"], "is not a PEP 440"),
] + [
    ([f"{key}={value}" for key, value in conditions.items()], reason)
    for conditions, reason in pre_gen.INVALID_COMBINATIONS
]


@pytest.mark.parametrize(("answers", "message"), CLI_REJECTIONS)
def test_cookiecutter_rejects_bad_answer_and_leaves_nothing(tmp_path, answers, message):
    result = subprocess.run(
        [sys.executable, "-m", "cookiecutter", "--no-input", str(TEMPLATE_DIR), *answers],
        cwd=tmp_path,
        capture_output=True,
        text=True,
        timeout=120,
        check=False,
    )
    assert result.returncode != 0
    ours = [line for line in result.stderr.splitlines() if line.startswith("ERROR: ")]
    assert [line for line in ours if message in line] != [], result.stderr
    # Cookiecutter prints its own traceback of the failed hook; none of its frames
    # is inside the hook, which exits with its one-line message.
    frames = [line for line in result.stderr.splitlines() if line.strip().startswith('File "')]
    assert all("/cookiecutter/" in frame for frame in frames), result.stderr
    assert list(tmp_path.iterdir()) == []


def test_rejected_bake_through_pytest_cookies_leaves_no_directory(cookies, tmpdir):
    result = cookies.bake(extra_context={"package_name": "class"})
    assert result.exit_code != 0
    assert result.project_path is None
    bake_dirs = list((tmpdir / "cookies").listdir())
    assert bake_dirs != []
    assert all(bake_dir.listdir() == [] for bake_dir in bake_dirs)


def test_every_option_value_in_the_pruning_table_exists_in_cookiecutter_json():
    options = cookiecutter_config()
    for option, files_by_value in post_gen.OPTION_FILES.items():
        values = options[option] if isinstance(options[option], list) else [True, False]
        assert set(files_by_value) <= set(values), option


def test_every_pruned_path_exists_in_the_template():
    files = template_files("pkg")
    for files_by_value in post_gen.OPTION_FILES.values():
        for paths in files_by_value.values():
            for path in paths:
                assert path.format(package="pkg") in files, path


def test_unchosen_paths_of_the_defaults():
    answers = {**VALID, "package_name": "pkg"}
    unchosen = set(post_gen.unchosen_paths(answers))
    assert "pkg/caching/simple.py" not in unchosen
    assert {"pkg/caching/redis.py", "pkg/caching/memcached.py", "pkg/sentry.py"} <= unchosen


def test_env_with_secrets_replaces_only_generated_secrets():
    example = "SECRET_KEY=change-me\nDATABASE_URL=sqlite://\n# SECRET_KEY=comment"
    first = post_gen.env_with_secrets(example)
    second = post_gen.env_with_secrets(example)
    assert first != second
    lines = first.splitlines()
    assert lines[0].startswith("SECRET_KEY=")
    assert len(lines[0]) > 60
    assert lines[1:] == ["DATABASE_URL=sqlite://", "# SECRET_KEY=comment"]


@pytest.mark.parametrize(
    ("overrides", "expected", "unexpected"),
    [
        ({}, "flask --app pkg db upgrade", "Create the database"),
        ({"database": "postgresql"}, "PostgreSQL server", "Start Redis"),
        ({"cache_backend": "redis"}, "Start Redis", "Create the database"),
        ({"cache_backend": "memcached", "database": "mysql"}, "MySQL/MariaDB", "Start Redis"),
    ],
)
def test_next_steps_fit_the_options(overrides, expected, unexpected):
    text = post_gen.next_steps({**VALID, "package_name": "pkg", **overrides})
    assert expected in text
    assert unexpected not in text
    assert "pytest" in text
