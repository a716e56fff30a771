"""The bake matrix covers what it promises and never asks for a bake the hooks reject."""

from itertools import combinations, product

from .baked import MATRIX
from .matrix import build_matrix, invalid_combinations, option_values
from .template import cookiecutter_config, load_hook

pre_gen = load_hook("pre_gen_project")
# Options whose every combination is baked (pairwise coverage of two options gives it).
FULL_PRODUCT = ("cache_backend", "database")


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


def test_every_full_product_combination_is_baked():
    values = option_values(cookiecutter_config())
    wanted = set(product(*(values[key] for key in FULL_PRODUCT)))
    assert {tuple(row[key] for key in FULL_PRODUCT) for row in MATRIX} == wanted


def test_every_pair_a_valid_bake_can_have_is_baked():
    values = option_values(cookiecutter_config())
    rejected = [rule for rule in invalid_combinations() if len(rule) == 2]
    impossible = {frozenset(rule.items()) for rule in rejected}
    covered = set().union(*(pairs_of(row) for row in MATRIX))
    assert all_pairs(values) - impossible - covered == set()


def test_no_row_is_an_invalid_combination():
    assert invalid_combinations() != []
    for row in MATRIX:
        assert pre_gen.check_combinations(row, pre_gen.INVALID_COMBINATIONS) is None, row


def test_an_invalid_pair_is_left_out_even_when_it_would_cover_most():
    values = {"database": ["sqlite", "postgresql"], "heroku": [False, True], "ci": ["github", "none"]}
    rows = build_matrix(values, invalid=[{"database": "sqlite", "heroku": True}])
    assert all(not (row["database"] == "sqlite" and row["heroku"]) for row in rows)
    assert any(row["database"] == "postgresql" and row["heroku"] for row in rows)
