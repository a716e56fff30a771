"""Typed reads of environment variables; a bad value names its variable."""

from collections.abc import Mapping, Sequence

TRUE_WORDS = frozenset({"1", "true", "yes", "on"})
FALSE_WORDS = frozenset({"0", "false", "no", "off", ""})


class EnvReader:
    def __init__(self, environ: Mapping[str, str], error: type[Exception]) -> None:
        self.environ = environ
        self.error = error

    def str(self, name: str, default: str) -> str:
        return self.environ.get(name, default).strip()

    def token(self, name: str, default: str) -> str:
        """A string used inside cache keys and URLs: no spaces or control characters."""
        value = self.str(name, default)
        if not value.isprintable() or any(char.isspace() for char in value):
            raise self.error(f"{name} must not contain spaces or control characters: {value!r}.")
        return value

    def int(self, name: str, default: int, minimum: int | None = None) -> int:
        raw = self.environ.get(name, "").strip()
        if not raw:
            return default
        try:
            value = int(raw)
        except ValueError:
            raise self.error(f"{name} must be a whole number, not {raw!r}.") from None
        if minimum is not None and value < minimum:
            raise self.error(f"{name} must be at least {minimum}, not {value}.")
        return value

    def float(self, name: str, default: float) -> float:
        raw = self.environ.get(name, "").strip()
        if not raw:
            return default
        try:
            value = float(raw)
        except ValueError:
            raise self.error(f"{name} must be a number, not {raw!r}.") from None
        if value < 0:
            raise self.error(f"{name} must not be negative, not {raw!r}.")
        return value

    def bool(self, name: str, default: bool) -> bool:
        raw = self.environ.get(name)
        if raw is None:
            return default
        word = raw.strip().lower()
        if word in TRUE_WORDS:
            return True
        if word in FALSE_WORDS:
            return False
        raise self.error(f"{name} must be true or false, not {raw!r}.")

    def list(self, name: str, default: Sequence[str]) -> list[str]:
        raw = self.environ.get(name)
        if raw is None:
            return list(default)
        return [item.strip() for item in raw.split(",") if item.strip()]

    def choice(self, name: str, choices: Sequence[str], default: str) -> str:
        value = self.environ.get(name, "").strip() or default
        if value not in choices:
            raise self.error(f"{name} must be one of {', '.join(choices)}, not {value!r}.")
        return value
