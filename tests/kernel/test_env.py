"""kernel.env: the one environment reader; a malformed value names its variable."""

from __future__ import annotations

import pytest
from django.core.exceptions import ImproperlyConfigured

from kernel.env import env_bool, env_float, env_int, env_int_list, env_list, env_str


def test_unset_and_blank_values_take_the_default(monkeypatch):
    monkeypatch.delenv("NKT_TEST_VALUE", raising=False)
    assert env_str("NKT_TEST_VALUE", "d") == "d"
    monkeypatch.setenv("NKT_TEST_VALUE", "   ")
    assert env_str("NKT_TEST_VALUE", "d") == "d"
    assert env_int("NKT_TEST_VALUE", 7) == 7
    assert env_float("NKT_TEST_VALUE", 1.5) == 1.5
    assert env_bool("NKT_TEST_VALUE", True) is True
    assert env_list("NKT_TEST_VALUE", "a,b") == ["a", "b"]


def test_values_are_parsed_and_stripped(monkeypatch):
    monkeypatch.setenv("NKT_TEST_VALUE", " 42 ")
    assert env_str("NKT_TEST_VALUE") == "42"
    assert env_int("NKT_TEST_VALUE", 0) == 42
    assert env_float("NKT_TEST_VALUE", 0.0) == 42.0
    monkeypatch.setenv("NKT_TEST_VALUE", "Off")
    assert env_bool("NKT_TEST_VALUE", True) is False
    monkeypatch.setenv("NKT_TEST_VALUE", " a, ,b ,")
    assert env_list("NKT_TEST_VALUE") == ["a", "b"]
    monkeypatch.setenv("NKT_TEST_VALUE", "-100200, 42")
    assert env_int_list("NKT_TEST_VALUE") == [-100200, 42]


@pytest.mark.parametrize(
    ("reader", "value"),
    [(env_int, "4O"), (env_float, "fast"), (env_bool, "maybe"), (env_int_list, "@reviewers")],
)
def test_malformed_values_name_the_variable(monkeypatch, reader, value):
    monkeypatch.setenv("NKT_TEST_VALUE", value)
    with pytest.raises(ImproperlyConfigured, match="NKT_TEST_VALUE"):
        reader("NKT_TEST_VALUE", *(() if reader is env_int_list else (None,)))
