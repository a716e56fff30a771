"""Bake combinations derived from cookiecutter.json.

Every value of the FULL_PRODUCT options is combined with every other; the remaining
choice and yes/no options get pairwise coverage. A new option in cookiecutter.json
joins the matrix without any edit here, and no row is one that the pre-generation
hook's INVALID_COMBINATIONS rejects.
"""

from itertools import combinations, product

from template import cookiecutter_config, load_hook

FULL_PRODUCT = ("cache_backend", "database")


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


def all_pairs(values):
    """Every pair of (option, value) from two different options, order-free."""
    return {
        frozenset({(a, va), (b, vb)})
        for a, b in combinations(values, 2)
        for va in values[a]
        for vb in values[b]
    }


def pairs_of(row):
    return {frozenset(pair) for pair in combinations(row.items(), 2)}


def is_invalid(row, invalid):
    """Whether every condition of one of the invalid combinations holds in the (partial) row."""
    return any(all(key in row and row[key] == value for key, value in rule.items()) for rule in invalid)


def build_matrix(values, full_product=FULL_PRODUCT, invalid=()):
    """Rows covering every full-product combination and every pair of values that some
    valid bake can have; no row matches one of the invalid combinations."""
    others = [key for key in values if key not in full_product]
    ordered = {key: values[key] for key in (*full_product, *others)}
    uncovered = {pair for pair in all_pairs(ordered) if not is_invalid(dict(pair), invalid)}
    rows = []

    def complete(row):
        for key in others:
            if key in row:
                continue
            allowed = [value for value in ordered[key] if not is_invalid({**row, key: value}, invalid)]
            row[key] = max(
                allowed,
                key=lambda value: len(pairs_of({**row, key: value}) & uncovered),
            )
        row = {key: row[key] for key in ordered}
        uncovered.difference_update(pairs_of(row))
        rows.append(row)

    for fixed in product(*(ordered[key] for key in full_product)):
        complete(dict(zip(full_product, fixed, strict=True)))
    while uncovered:
        seed = dict(min(uncovered, key=lambda pair: sorted(map(repr, pair))))
        for key in full_product:
            if key not in seed:
                seed[key] = next(v for v in ordered[key] if not is_invalid({**seed, key: v}, invalid))
        complete(seed)
    return rows


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
