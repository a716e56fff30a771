"""The hooks: bad answers rejected cleanly, pruning table, secrets, next steps."""

import subprocess
import sys
from itertools import dropwhile

import pytest
from slugify import slugify  # what cookiecutter's slugify filter calls

from .template import (
    PROJECT_TEMPLATE_DIR,
    TEMPLATE_DIR,
    cookiecutter_config,
    defaults,
    load_hook,
    template_files,
)

pre_gen = load_hook("pre_gen_project")
post_gen = load_hook("post_gen_project")

VALID = {
    **defaults(),
    "project_slug": "my-flask-app",
    "package_name": "my_flask_app",
}

BAD_ANSWERS = [
    ({"project_name": ""}, "project_name is empty: type a name such as 'My Flask App'"),
    ({"project_name": "   "}, "project_name '   ' is only spaces: type a name"),
    # A slug or package made from an answer is reported as that answer.
    (
        {"project_name": "123 App", "project_slug": "123-app", "package_name": "123_app"},
        "project_name '123 App' must start with a letter: the directory name is made from it ('123-app'); "
        "start the name with a letter or answer project_slug yourself.",
    ),
    (
        {"project_name": "!!!", "project_slug": "", "package_name": ""},
        "project_name '!!!' has no letters or digits to make the directory name from",
    ),
    (
        {"project_name": "Flask", "project_slug": "flask", "package_name": "flask"},
        "project_name 'Flask' gives the package name 'flask', which would shadow",
    ),
    (
        {"project_slug": "class", "package_name": "class"},
        "project_slug 'class' gives the package name 'class', which is a Python keyword; "
        "choose another name or answer package_name yourself.",
    ),
    ({"project_name": "123 App", "project_slug": "x-123-app", "package_name": "json"}, "package_name 'json'"),
    ({"project_name": 'The "Quoted" App'}, "project_name must not contain"),
    ({"description": "back\\slash"}, "description must not contain"),
    ({"project_slug": "My Slug"}, "project_slug 'My Slug'"),
    ({"project_slug": "my_slug"}, "project_slug 'my_slug'"),
    ({"project_slug": "-leading-dash"}, "project_slug '-leading-dash'"),
    ({"project_slug": "9lives"}, "project_slug '9lives'"),
    ({"project_name": "123 App", "project_slug": "123-typed"}, "project_slug '123-typed' must be"),
    ({"project_slug": "double--dash"}, "project_slug 'double--dash'"),
    ({"package_name": "my-package"}, "package_name 'my-package' must be"),
    ({"package_name": "2fast"}, "package_name '2fast' must be"),
    ({"package_name": "MyPackage"}, "package_name 'MyPackage' must be"),
    ({"package_name": "class"}, "package_name 'class' is a Python keyword; choose another name."),
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


@pytest.mark.parametrize(
    "name",
    ["123 App", "My Flask App", "It's mine", "x--y", "  spaced  out ", "Hello.World", "!!!", "Café d'Été"],
)
def test_approximate_slugify_agrees_with_cookiecutter(name):
    assert pre_gen.approximate_slugify(name) == slugify(name)


CLI_REJECTIONS = [
    (["project_name=123 App"], "project_name '123 App' must start with a letter"),
    (["project_name=Flask"], "project_name 'Flask' gives the package name 'flask', which would shadow"),
    (["project_slug=Bad Slug"], "project_slug 'Bad Slug'"),
    (["package_name=import"], "is a Python keyword"),
    (["package_name=flask"], "would shadow"),
    (["author_email=nobody"], "author_email 'nobody'"),
    (["version=v1.x"], "is not a PEP 440"),
] + [
    ([f"{key}={value}" for key, value in conditions.items()], reason)
    for conditions, reason in pre_gen.INVALID_COMBINATIONS
]


def cookiecutter_cli(cwd, *arguments):
    return subprocess.run(
        [sys.executable, "-m", "cookiecutter", "--no-input", str(TEMPLATE_DIR), *arguments],
        cwd=cwd,
        capture_output=True,
        text=True,
        timeout=120,
        check=False,
    )


@pytest.mark.parametrize(("answers", "message"), CLI_REJECTIONS)
def test_cookiecutter_rejects_bad_answer_and_leaves_nothing(tmp_path, answers, message):
    result = cookiecutter_cli(tmp_path, *answers)
    assert result.returncode != 0
    ours = [line for line in result.stderr.splitlines() if line.startswith("ERROR: ")]
    assert [line for line in ours if message in line] != [], result.stderr
    # Cookiecutter prints its own traceback of the failed hook; none of its frames
    # is inside the hook, which exits with its one-line message.
    frames = [line for line in result.stderr.splitlines() if line.strip().startswith('File "')]
    assert all("/cookiecutter/" in frame for frame in frames), result.stderr
    assert list(tmp_path.iterdir()) == []


@pytest.mark.parametrize("name", ["", "   "])
def test_empty_name_is_rejected_by_the_hook(tmp_path, name):
    # cookiecutter.json derives "-" from an empty name (an empty slug would make the
    # output directory itself the project, which cookiecutter refuses before any hook).
    result = cookiecutter_cli(tmp_path, f"project_name={name}")
    assert result.returncode != 0
    ours = [line for line in result.stderr.splitlines() if line.startswith("ERROR: project_name ")]
    assert len(ours) == 1, result.stderr
    assert "type a name such as 'My Flask App'" in ours[0] or "only spaces" in ours[0]
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


ENV_EXAMPLE = PROJECT_TEMPLATE_DIR / ".env.example"


def test_env_with_secrets_replaces_only_generated_secrets():
    example = "SECRET_KEY=change-me\nDATABASE_URL=sqlite://\n# SECRET_KEY=comment"
    first = post_gen.env_with_secrets(example)
    second = post_gen.env_with_secrets(example)
    assert first != second
    lines = first.splitlines()[len(post_gen.ENV_HEADER) :]
    assert lines[0].startswith("SECRET_KEY=")
    assert len(lines[0]) > 60
    assert lines[1:] == ["DATABASE_URL=sqlite://", "# SECRET_KEY=comment"]


def test_env_has_its_own_header_instead_of_the_examples():
    example = ENV_EXAMPLE.read_text(encoding="utf-8")
    assert example.startswith("# Copy to .env")  # right for the example, wrong for .env
    env = post_gen.env_with_secrets(example).splitlines()
    assert env[0] == "# Development settings, generated with a fresh SECRET_KEY; git-ignored."
    assert env[: len(post_gen.ENV_HEADER)] == post_gen.ENV_HEADER
    assert not any("Copy to .env" in line for line in env)
    # Below the header, the example line for line, apart from the fresh secret.
    example_body = list(dropwhile(lambda line: line.startswith("#"), example.splitlines()))
    env_body = env[len(post_gen.ENV_HEADER) :]
    differing = [
        (ours, theirs) for ours, theirs in zip(env_body, example_body, strict=True) if ours != theirs
    ]
    assert [(ours.split("=")[0], theirs) for ours, theirs in differing] == [
        ("SECRET_KEY", "SECRET_KEY=change-me")
    ]


@pytest.mark.parametrize(
    ("overrides", "expected", "unexpected"),
    [
        ({}, "flask --app pkg db upgrade", "Start "),
        (
            {"database": "postgresql"},
            "Start PostgreSQL, or point DATABASE_URL in .env at yours",
            "Start Redis",
        ),
        (
            {"cache_backend": "redis"},
            "  - Start Redis, or point REDIS_URL in .env at yours (the app and its tests read it there).\n",
            "DATABASE_URL",
        ),
        (
            {"cache_backend": "memcached", "database": "mysql"},
            "  - Start memcached, or point MEMCACHED_SERVERS in .env at yours "
            "(the app and its tests read it there).",
            "Start Redis",
        ),
        ({"database": "mysql"}, "Start MySQL/MariaDB", "MEMCACHED"),
    ],
)
def test_next_steps_fit_the_options(overrides, expected, unexpected):
    text = post_gen.next_steps({**VALID, "package_name": "pkg", **overrides})
    assert expected in text
    assert unexpected not in text
    assert "\n  pytest\n" in text


def test_next_steps_create_the_admin_with_the_authors_email():
    text = post_gen.next_steps({**VALID, "package_name": "pkg", "author_email": "ada.l+admin@example.net"})
    assert "\n  flask --app pkg users create-admin --email ada.l+admin@example.net\n" in text
    assert "you@example" not in text
    quoted = post_gen.next_steps({**VALID, "author_email": "o'neil@example.net"})
    assert "--email 'o'\"'\"'neil@example.net'\n" in quoted  # pasted into a shell, it stays one word


CREATE_DATABASE = {
    "postgresql": (
        "postgresql+psycopg://postgres@127.0.0.1:5432/pkg",
        "createdb -h 127.0.0.1 -p 5432 -U postgres pkg",
    ),
    "mysql": (
        "mysql+pymysql://root@127.0.0.1:3306/pkg",
        "mysql -h 127.0.0.1 -P 3306 -u root -e 'CREATE DATABASE pkg CHARACTER SET utf8mb4'",
    ),
}


@pytest.mark.parametrize("database", sorted(CREATE_DATABASE))
def test_next_steps_create_the_database_before_db_upgrade(database):
    url, command = CREATE_DATABASE[database]
    assert post_gen.create_database_command(url) == command
    answers = {**VALID, "package_name": "pkg", "database": database}
    steps = [line.strip() for line in post_gen.next_steps(answers, url).splitlines()]
    assert steps.index(command) == steps.index("flask --app pkg db upgrade") - 1


def test_sqlite_needs_no_database_created():
    assert post_gen.create_database_command(None) is None
    assert post_gen.create_database_command("sqlite:////tmp/app.sqlite") is None
    text = post_gen.next_steps({**VALID, "package_name": "pkg"}, None)
    assert "createdb" not in text
    assert "CREATE DATABASE" not in text


@pytest.mark.parametrize("database", sorted(CREATE_DATABASE))
def test_a_bake_prints_the_command_for_the_database_its_env_names(tmp_path, database):
    answers = [f"database={database}", "package_name=shop_api", "author_email=ada@example.net"]
    result = cookiecutter_cli(tmp_path, *answers)
    assert result.returncode == 0, result.stderr
    env = (tmp_path / "my-flask-app" / ".env").read_text(encoding="utf-8")
    assert env.splitlines()[0] == post_gen.ENV_HEADER[0]
    database_url = post_gen.env_value(env, "DATABASE_URL")
    assert database_url.endswith("/shop_api")
    steps = [line.strip() for line in result.stdout.splitlines()]
    command = post_gen.create_database_command(database_url)
    assert "shop_api" in command
    assert steps.index(command) == steps.index("flask --app shop_api db upgrade") - 1
    assert "flask --app shop_api users create-admin --email ada@example.net" in steps


@pytest.mark.parametrize(
    ("overrides", "expected", "unexpected"),
    [
        ({}, ["uv lock", "docker compose up", "make help", "ci.yml"], ["heroku"]),
        ({"use_heroku": True, "database": "postgresql"}, ["git push heroku main"], []),
        ({"ci": "none"}, ["docker compose up"], [".github"]),
    ],
)
def test_next_steps_name_the_deploy_paths_of_the_bake(overrides, expected, unexpected):
    text = post_gen.next_steps({**VALID, "package_name": "pkg", **overrides})
    shipping = text.split("To ship it")[1]
    for word in expected:
        assert word in shipping
    for word in unexpected:
        assert word not in shipping


def test_pruning_removes_a_folder_it_leaves_empty_and_keeps_one_with_files(tmp_path):
    answers = {**VALID, "package_name": "pkg", "ci": "none"}
    assert [path for path in post_gen.unchosen_paths(answers) if path.startswith(".github/")] != []

    def bake_with(*extra):
        for relative in [*post_gen.unchosen_paths(answers), *extra]:
            (tmp_path / relative).parent.mkdir(parents=True, exist_ok=True)
            (tmp_path / relative).write_text("x")
        post_gen.prune(tmp_path, answers)

    bake_with(".github/CODEOWNERS")
    assert [path.name for path in (tmp_path / ".github").rglob("*")] == ["CODEOWNERS"]
    (tmp_path / ".github/CODEOWNERS").unlink()
    bake_with()
    assert not (tmp_path / ".github").exists()
