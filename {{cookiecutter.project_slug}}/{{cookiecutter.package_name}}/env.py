"""Typed reads of environment variables; a bad value names its variable."""

from collections.abc import Callable, Mapping, Sequence
from typing import TypeVar

Parsed = TypeVar("Parsed", int, float)

TRUE_WORDS = frozenset({"1", "true", "yes", "on"})
FALSE_WORDS = frozenset({"0", "false", "no", "off", ""})


class ConfigError(RuntimeError):
    """A setting is missing or invalid; the message names the variable."""


class EnvReader:
    # Raised for a bad value, also by the checks built on this reader (`raise env.error(...)`).
    error = ConfigError

    def __init__(self, environ: Mapping[str, str]) -> None:
        self.environ = environ

    def text(self, name: str, default: str) -> str:
        return self.environ.get(name, default).strip()

    def token(self, name: str, default: str) -> str:
        """A string used inside cache keys and URLs: no spaces or control characters."""
        value = self.text(name, default)
        if not value.isprintable() or any(char.isspace() for char in value):
            raise self.error(f"{name} must not contain spaces or control characters: {value!r}.")
        return value

    def integer(self, name: str, default: int, minimum: int | None = None) -> int:
        value = self._parsed(name, int, "a whole number")
        if value is None:
            return default
        if minimum is not None and value < minimum:
            raise self.error(f"{name} must be at least {minimum}, not {value}.")
        return value

    def number(self, name: str, default: float) -> float:
        value = self._parsed(name, float, "a number")
        if value is None:
            return default
        if value < 0:
            raise self.error(f"{name} must not be negative, not {value:g}.")
        return value

    def _parsed(self, name: str, parse: Callable[[str], Parsed], kind: str) -> Parsed | None:
        """The variable parsed, or None when it is unset or blank."""
        raw = self.environ.get(name, "").strip()
        if not raw:
            return None
        try:
            return parse(raw)
        except ValueError:
            raise self.error(f"{name} must be {kind}, not {raw!r}.") from None

    def flag(self, name: str, default: bool) -> bool:
        raw = self.environ.get(name)
        if raw is None:
            return default
        word = raw.strip().lower()
        if word in TRUE_WORDS:
            return True
        if word in FALSE_WORDS:
            return False
        raise self.error(f"{name} must be true or false, not {raw!r}.")

    def items(self, name: str, default: Sequence[str]) -> list[str]:
        raw = self.environ.get(name)
        if raw is None:
            return list(default)
        return [item.strip() for item in raw.split(",") if item.strip()]

    def choice(self, name: str, choices: Sequence[str], default: str) -> str:
        value = self.environ.get(name, "").strip() or default
        if value not in choices:
            raise self.error(f"{name} must be one of {', '.join(choices)}, not {value!r}.")
        return value
