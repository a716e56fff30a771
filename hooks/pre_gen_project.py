"""Reject answers that would produce a broken project, before any file is written.

Cookiecutter renders this file, so every answer sits in a string literal below; the
checks live in functions that the template tests import and call directly.
"""

import json
import keyword
import re
import sys
import unicodedata


def rendered_answers():
    """The answers of this bake; JSON in a raw string survives any quote or backslash."""
    return json.loads(r"""{{ cookiecutter | tojson }}""")


# Free-text answers are written into Python and TOML strings.
UNSAFE_TEXT_CHARACTERS = ('"', "\\")
SLUG_PATTERN = re.compile(r"^[a-z][a-z0-9]*(-[a-z0-9]+)*$")
PACKAGE_PATTERN = re.compile(r"^[a-z_][a-z0-9_]*$")
EMAIL_PATTERN = re.compile(r"^[^@\s]+@[^@\s]+\.[^@\s.]+$")
# The canonical PEP 440 pattern (packaging.version.VERSION_PATTERN); hooks may only use
# the standard library, so it is spelled out here.
PEP440_PATTERN = re.compile(
    r"""^\s*v?(?:(?:(?P<epoch>[0-9]+)!)?(?P<release>[0-9]+(?:\.[0-9]+)*)
    (?P<pre>[-_\.]?(?P<pre_l>(a|b|c|rc|alpha|beta|pre|preview))[-_\.]?(?P<pre_n>[0-9]+)?)?
    (?P<post>(?:-(?P<post_n1>[0-9]+))|(?:[-_\.]?(?P<post_l>post|rev|r)[-_\.]?(?P<post_n2>[0-9]+)?))?
    (?P<dev>[-_\.]?(?P<dev_l>dev)[-_\.]?(?P<dev_n>[0-9]+)?)?)
    (?:\+(?P<local>[a-z0-9]+(?:[-_\.][a-z0-9]+)*))?\s*$""",
    re.VERBOSE | re.IGNORECASE,
)

# Import names the generated project depends on (or that its tooling uses): a package
# with one of these names would shadow the real module.
RESERVED_PACKAGE_NAMES = frozenset(
    {
        "alembic",
        "app",
        "bmemcached",
        "celery",
        "click",
        "flask",
        "flask_caching",
        "flask_migrate",
        "flask_sqlalchemy",
        "gunicorn",
        "itsdangerous",
        "jinja2",
        "kombu",
        "migrations",
        "psycopg",
        "pymysql",
        "pytest",
        "redis",
        "sentry_sdk",
        "sqlalchemy",
        "test",
        "tests",
        "werkzeug",
    }
)

# Option values that cannot work together: (answers that must all match, why).
# Add a rule here when a new option makes a combination impossible; the template
# tests bake every rule and expect it to be rejected.
INVALID_COMBINATIONS: list[tuple[dict[str, str | bool], str]] = [
    (
        {"use_heroku": True, "database": "sqlite"},
        "use_heroku needs a database server: a Heroku dyno's disk is thrown away at every "
        "restart and deploy, and each dyno has its own, so SQLite would lose its data; "
        "choose database postgresql (Heroku Postgres) or mysql.",
    ),
    (
        {"use_kubernetes": True, "database": "sqlite"},
        "use_kubernetes needs a database server: each pod has its own disk, thrown away when "
        "it is replaced, so SQLite would lose its data and the replicas would not share it; "
        "choose database postgresql or mysql.",
    ),
]


def check_answers(answers):
    """Return the first problem with the answers as one readable line, or None.

    A slug or package name the user did not type is reported as a problem with the answer
    it was made from: that is what the user can recognise and change.
    """
    name = answers["project_name"]
    if not name.strip():
        typed = "is empty" if not name else f"{name!r} is only spaces"
        return (
            f"project_name {typed}: type a name such as 'My Flask App' "
            "(it titles the pages and README, and the directory name is made from it)."
        )
    for key in ("project_name", "description", "author_name"):
        if any(char in answers[key] for char in UNSAFE_TEXT_CHARACTERS):
            return f"{key} must not contain double quotes or backslashes: {answers[key]!r}."
    slug = answers["project_slug"]
    slug_from_name = slug == approximate_slugify(name)
    if not SLUG_PATTERN.match(slug):
        if slug_from_name:
            return derived_slug_problem(name, slug)
        return (
            f"project_slug {slug!r} must be lowercase letters and digits joined by "
            "single dashes, starting with a letter (for example 'my-flask-app')."
        )
    package = answers["package_name"]
    if not PACKAGE_PATTERN.match(package) or not package.isidentifier():
        return (
            f"package_name {package!r} must be a lowercase Python identifier "
            "(letters, digits and underscores, not starting with a digit)."
        )
    clash = package_clash(package)
    if clash and package == slug.replace("-", "_"):
        origin = f"project_name {name!r}" if slug_from_name else f"project_slug {slug!r}"
        return (
            f"{origin} gives the package name {package!r}, which {clash}; "
            "choose another name or answer package_name yourself."
        )
    if clash:
        return f"package_name {package!r} {clash}; choose another name."
    email = answers["author_email"]
    if not EMAIL_PATTERN.match(email):
        return f"author_email {email!r} is not an e-mail address (name@example.com)."
    version = answers["version"]
    if not PEP440_PATTERN.match(version) or version != version.strip():
        return f"version {version!r} is not a PEP 440 version (for example 0.1.0)."
    return check_combinations(answers, INVALID_COMBINATIONS)


def approximate_slugify(text):
    """What cookiecutter's slugify makes of text, for the names it can go wrong with.

    Accents are dropped, everything but ASCII letters and digits becomes one dash. Exact
    for ASCII; a name it gets wrong only loses the tailored message, never the check.
    """
    ascii_text = unicodedata.normalize("NFKD", text).encode("ascii", "ignore").decode()
    return re.sub(r"[^a-z0-9]+", "-", ascii_text.lower()).strip("-")


def derived_slug_problem(name, slug):
    """The problem with a slug made from project_name, told in terms of the name.

    A slugified name is lowercase letters and digits joined by single dashes, so it can fail
    the slug pattern only by being empty or by starting with a digit.
    """
    if not slug:
        return (
            f"project_name {name!r} has no letters or digits to make the directory name from; "
            "add some or answer project_slug yourself."
        )
    return (
        f"project_name {name!r} must start with a letter: the directory name is made from it "
        f"({slug!r}); start the name with a letter or answer project_slug yourself."
    )


def package_clash(package):
    """Why a well-formed package name cannot be used, or None."""
    if keyword.iskeyword(package) or keyword.issoftkeyword(package):
        return "is a Python keyword"
    if package in RESERVED_PACKAGE_NAMES or package in sys.stdlib_module_names:
        return "would shadow the module of the same name that the project imports"
    return None


def check_combinations(answers, rules):
    """Return the reason of the first rule whose option values all match the answers."""
    for conditions, reason in rules:
        if all(answers.get(key) == value for key, value in conditions.items()):
            return reason
    return None


def main():
    problem = check_answers(rendered_answers())
    if problem:
        print(f"ERROR: {problem}", file=sys.stderr)
        sys.exit(1)


if __name__ == "__main__":
    main()
