"""Bake combinations derived from cookiecutter.json.

The choice and yes/no options get pairwise coverage (allpairspy): every value of an option
meets every value of each other option in some row, so every combination of two options,
cache_backend x database among them, is baked. A new option in cookiecutter.json joins
the matrix without any edit here, and no row is one that the pre-generation hook's
INVALID_COMBINATIONS rejects.
"""

from allpairspy import AllPairs

from .template import cookiecutter_config, load_hook


def option_values(config):
    """Choice lists and booleans of cookiecutter.json, default first."""
    values = {}
    for key, value in config.items():
        if key.startswith("_"):
            continue
        if isinstance(value, list):
            values[key] = list(value)
        elif isinstance(value, bool):
            values[key] = [value, not value]
    return values


def is_invalid(row, invalid):
    """Whether every condition of one of the invalid combinations holds in the (partial) row."""
    return any(all(key in row and row[key] == value for key, value in rule.items()) for rule in invalid)


def build_matrix(values, invalid=()):
    """Rows covering every pair of values that some valid bake can have; no row matches
    one of the invalid combinations."""
    keys = list(values)

    def valid(partial_row):
        return not is_invalid(dict(zip(keys, partial_row, strict=False)), invalid)

    return [dict(zip(keys, row, strict=True)) for row in AllPairs(list(values.values()), filter_func=valid)]


def combination_id(row):
    parts = []
    for key, value in row.items():
        if isinstance(value, bool):
            if value:
                parts.append(key.removeprefix("use_"))
        else:
            parts.append(str(value))
    return "-".join(parts)


def invalid_combinations():
    return [conditions for conditions, _ in load_hook("pre_gen_project").INVALID_COMBINATIONS]


def bake_matrix():
    return build_matrix(option_values(cookiecutter_config()), invalid=invalid_combinations())
