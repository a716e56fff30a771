"""Prune the files of unchosen options, write .env with fresh secrets, print next steps.

Cookiecutter renders this file, so the answers sit in a string literal below; the
pruning table and the functions are imported by the template tests.
"""

import json
import secrets
import shlex
import shutil
from pathlib import Path
from urllib.parse import urlsplit

# option -> value -> files that exist only for that value ({package} is the package
# directory). Every value's files are removed unless that value was chosen. The
# template tests read this table to check what each bake contains.
OPTION_FILES = {
    "cache_backend": {
        "simple": ["{package}/caching/simple.py"],
        "filesystem": ["{package}/caching/filesystem.py", "tests/test_filesystem_cache.py"],
        "redis": [
            "{package}/caching/redis.py",
            "tests/integration/test_cache_redis.py",
            "tests/test_redis_settings.py",
        ],
        "memcached": [
            "{package}/caching/memcached.py",
            "tests/integration/test_cache_memcached.py",
            "tests/test_memcached_settings.py",
        ],
        "null": ["{package}/caching/null.py"],
    },
    "background_jobs": {
        "celery": [
            "{package}/jobs.py",
            "{package}/models/mail_delivery.py",
            "migrations/versions/0004_mail_deliveries.py",
            "tests/test_jobs.py",
            "tests/integration/test_worker.py",
            "k8s/base/worker.yaml",
            "k8s/base/beat.yaml",
        ],
    },
    "use_sentry": {
        True: ["{package}/sentry.py", "tests/test_sentry.py"],
    },
    "use_heroku": {
        True: ["Procfile", "app.json", ".python-version"],
    },
    # k8s/base/worker.yaml and beat.yaml are under background_jobs too: they need both.
    "use_kubernetes": {
        True: [
            "k8s/.gitignore",
            "k8s/README.md",
            "k8s/base/kustomization.yaml",
            "k8s/base/settings.env",
            "k8s/base/web.yaml",
            "k8s/base/service.yaml",
            "k8s/base/ingress.yaml",
            "k8s/base/migrate.yaml",
            "k8s/base/worker.yaml",
            "k8s/base/beat.yaml",
            "k8s/overlays/development/kustomization.yaml",
            "k8s/overlays/development/settings.env",
            "k8s/overlays/development/secrets.env.example",
            "k8s/overlays/production/kustomization.yaml",
            "k8s/overlays/production/settings.env",
            "k8s/overlays/production/secrets.env.example",
            "k8s/overlays/production/hpa.yaml",
            "k8s/overlays/production/pdb.yaml",
        ],
    },
    "ci": {
        "github": [".github/workflows/ci.yml", ".github/dependabot.yml"],
    },
}

# Secrets written into .env at bake time: variable -> number of random bytes.
GENERATED_SECRETS = {"SECRET_KEY": 48}
# .env's own header, in place of .env.example's (which tells the reader to copy it).
ENV_HEADER = [
    "# Development settings, generated with a fresh SECRET_KEY; git-ignored.",
    "# Every variable is described in README.md.",
]
# Servers the next steps need, by option value (caches: with the .env variable that finds them).
DATABASE_SERVERS = {"postgresql": "PostgreSQL", "mysql": "MySQL/MariaDB"}
CACHE_SERVERS = {"redis": ("Redis", "REDIS_URL"), "memcached": ("memcached", "MEMCACHED_SERVERS")}


def rendered_answers():
    """The answers of this bake; JSON in a raw string survives any quote or backslash."""
    return json.loads(r"""{{ cookiecutter | tojson }}""")


def unchosen_paths(answers):
    """Relative paths of every option value that was not chosen."""
    paths = []
    for option, files_by_value in OPTION_FILES.items():
        for value, files in files_by_value.items():
            if answers[option] != value:
                paths.extend(path.format(package=answers["package_name"]) for path in files)
    return paths


def prune(project_dir, answers):
    for relative in unchosen_paths(answers):
        path = project_dir / relative
        if not path.exists():
            continue  # listed under two options, and removed for the first
        if path.is_dir():
            shutil.rmtree(path)
        else:
            path.unlink()
        # A folder left empty (.github/ without its files) goes too.
        for parent in path.relative_to(project_dir).parents[:-1]:
            folder = project_dir / parent
            if any(folder.iterdir()):
                break
            folder.rmdir()


def env_with_secrets(example_text):
    """The .env text: .env.example under .env's own header, each generated secret fresh.

    The example's leading comment lines are its header (they say to copy it): dropped.
    """
    lines = example_text.splitlines()
    while lines and lines[0].startswith("#"):
        lines.pop(0)
    for index, line in enumerate(lines):
        name, _, _ = line.partition("=")
        if name in GENERATED_SECRETS:
            lines[index] = f"{name}={secrets.token_urlsafe(GENERATED_SECRETS[name])}"
    return "\n".join([*ENV_HEADER, *lines]) + "\n"


def write_env(project_dir):
    """Write .env (owner-only) from .env.example and return its text."""
    example = (project_dir / ".env.example").read_text(encoding="utf-8")
    env_file = project_dir / ".env"
    text = env_with_secrets(example)
    env_file.write_text(text, encoding="utf-8")
    env_file.chmod(0o600)
    return text


def env_value(env_text, name):
    """The value of an uncommented NAME=value line, or None."""
    for line in env_text.splitlines():
        key, found, value = line.partition("=")
        if found and key == name:
            return value
    return None


def create_database_command(database_url):
    """The shell command that creates the database DATABASE_URL names on its server, or None."""
    url = urlsplit(database_url or "")
    kind = url.scheme.partition("+")[0]
    name = url.path.lstrip("/")
    if kind == "postgresql":
        user = f" -U {shlex.quote(url.username)}" if url.username else ""
        return f"createdb -h {url.hostname} -p {url.port or 5432}{user} {shlex.quote(name)}"
    if kind == "mysql":
        user = f" -u {shlex.quote(url.username)}" if url.username else ""
        sql = shlex.quote(f"CREATE DATABASE {name} CHARACTER SET utf8mb4")
        return f"mysql -h {url.hostname} -P {url.port or 3306}{user} -e {sql}"
    return None


def next_steps(answers, database_url=None):
    """What to run after the bake; database_url is DATABASE_URL as written to .env."""
    slug, package = answers["project_slug"], answers["package_name"]
    flask = f"flask --app {package}"
    steps = [
        f"cd {slug}",
        "python -m venv .venv && . .venv/bin/activate",
        'pip install -e ".[dev]"',
    ]
    create_database = create_database_command(database_url)
    if create_database:
        steps.append(create_database)
    steps += [
        f"{flask} db upgrade",
        f"{flask} seed",
        f"{flask} users create-admin --email {shlex.quote(answers['author_email'])}",
        f"{flask} run --debug",
        "pytest",
    ]
    notes = []
    if answers["database"] in DATABASE_SERVERS:
        server = DATABASE_SERVERS[answers["database"]]
        notes.append(
            f"Start {server}, or point DATABASE_URL in .env at yours (and create the database there)."
        )
    if answers["cache_backend"] in CACHE_SERVERS:
        server, variable = CACHE_SERVERS[answers["cache_backend"]]
        notes.append(
            f"Start {server}, or point {variable} in .env at yours (the app and its tests read it there)."
        )
    text = [f"\nYour project is ready in ./{slug}. Next steps:\n"]
    text += [f"  {step}" for step in steps]
    if notes:
        text.append("\nThe servers these steps use:")
        text += [f"  - {note}" for note in notes]
    text.append("\nTo ship it (README.md, Deploy):")
    text += [f"  - {line}" for line in shipping_notes(answers)]
    text.append("\n.env holds a fresh SECRET_KEY and is git-ignored; see README.md for every setting.")
    return "\n".join(text)


def shipping_notes(answers):
    """One line per deploy path the bake has: container, tasks, and the chosen extras."""
    notes = [
        "uv lock  (once, then commit uv.lock: every deploy installs exactly the locked versions)",
        "docker compose up  (the app with its servers and a mail catcher; Dockerfile, compose.yaml)",
        "make help  (setup, test, lint, migrate, docker-build, ...)",
    ]
    if answers["background_jobs"] == "celery":
        notes.append(
            f"celery --app {answers['package_name']}.jobs worker  (and one `beat`; "
            "set CELERY_BROKER_URL: README.md, Background jobs)"
        )
    if answers["use_kubernetes"]:
        notes.append("kubectl apply -k k8s/overlays/production  (after the migration Job: k8s/README.md)")
    if answers["use_heroku"]:
        notes.append("heroku create && git push heroku main  (Procfile, app.json)")
    if answers["ci"] == "github":
        notes.append("git push to GitHub: .github/workflows/ci.yml lints, tests and builds the image")
    return notes


def main():
    answers = rendered_answers()
    project_dir = Path.cwd()
    prune(project_dir, answers)
    env_text = write_env(project_dir)
    print(next_steps(answers, env_value(env_text, "DATABASE_URL")))


if __name__ == "__main__":
    main()
