"""Prune the files of unchosen options, write .env with fresh secrets, print next steps.

Cookiecutter renders this file, so the answers sit in a string literal below; the
pruning table and the functions are imported by the template tests.
"""

import json
import secrets
import shutil
import sys
from pathlib import Path

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
    "use_sentry": {
        True: ["{package}/sentry.py", "tests/test_sentry.py"],
    },
}

# Secrets written into .env at bake time: variable -> number of random bytes.
GENERATED_SECRETS = {"SECRET_KEY": 48}


def rendered_answers():
    """The answers of this bake; JSON in a raw string survives any quote or backslash."""
    return json.loads(r"""{{ cookiecutter | tojson }}""")


def unchosen_paths(answers, table=OPTION_FILES):
    """Relative paths of every option value that was not chosen."""
    paths = []
    for option, files_by_value in table.items():
        for value, files in files_by_value.items():
            if answers[option] != value:
                paths.extend(path.format(package=answers["package_name"]) for path in files)
    return paths


def prune(project_dir, answers):
    for relative in unchosen_paths(answers):
        path = project_dir / relative
        if path.is_dir():
            shutil.rmtree(path)
        else:
            path.unlink()


def env_with_secrets(example_text):
    """The .env.example text with every generated secret given a fresh random value."""
    lines = []
    for line in example_text.splitlines():
        name, _, _ = line.partition("=")
        if name in GENERATED_SECRETS:
            line = f"{name}={secrets.token_urlsafe(GENERATED_SECRETS[name])}"
        lines.append(line)
    return "\n".join(lines) + "\n"


def write_env(project_dir):
    example = (project_dir / ".env.example").read_text(encoding="utf-8")
    env_file = project_dir / ".env"
    env_file.write_text(env_with_secrets(example), encoding="utf-8")
    env_file.chmod(0o600)


def next_steps(answers):
    slug, package = answers["project_slug"], answers["package_name"]
    steps = [
        f"cd {slug}",
        "python -m venv .venv && . .venv/bin/activate",
        'pip install -e ".[dev]"',
    ]
    services = {
        "postgresql": "PostgreSQL",
        "mysql": "MySQL/MariaDB",
    }
    notes = []
    if answers["database"] in services:
        notes.append(
            f"Create the database named in DATABASE_URL in .env on your "
            f"{services[answers['database']]} server (or edit DATABASE_URL)."
        )
    if answers["cache_backend"] == "redis":
        notes.append("Start Redis, or point REDIS_URL in .env at yours.")
    if answers["cache_backend"] == "memcached":
        notes.append("Start memcached, or point MEMCACHED_SERVERS in .env at yours.")
    steps += [
        f"flask --app {package} db upgrade",
        f"flask --app {package} seed",
        f"flask --app {package} users create-admin --email you@example.org",
        f"flask --app {package} run --debug",
        "pytest",
    ]
    text = [f"\nYour project is ready in ./{slug}. Next steps:\n"]
    text += [f"  {step}" for step in steps]
    if notes:
        text.append("\nBefore `db upgrade`:")
        text += [f"  - {note}" for note in notes]
    text.append("\n.env holds a fresh SECRET_KEY and is git-ignored; see README.md for every setting.")
    return "\n".join(text)


def main():
    answers = rendered_answers()
    project_dir = Path.cwd()
    prune(project_dir, answers)
    write_env(project_dir)
    print(next_steps(answers))


if __name__ == "__main__":
    sys.exit(main())
