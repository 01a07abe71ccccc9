"""The ids a fixture is about to write, read from its text without a database."""

from __future__ import annotations

import json

import pytest
from django.db.models import Model

from safeimport.management.commands._fixture_ids import fixture_ids
from tests.testapp.models import Tag


def _everything(model: type[Model]) -> bool:
    return True


def _json(*objects: dict[str, object]) -> bytes:
    return json.dumps(list(objects)).encode()


def test_each_model_gets_its_smallest_and_largest_id() -> None:
    text = _json(
        {"model": "testapp.plain", "pk": 7, "fields": {}},
        {"model": "testapp.plain", "pk": 3, "fields": {}},
        {"model": "testapp.tag", "pk": 40, "fields": {}},
    )
    assert fixture_ids("json", text, wanted=_everything) == {
        ("testapp.Plain", "id"): (3, 7),
        ("testapp.Tag", "id"): (40, 40),
    }


def test_a_proxy_counts_for_its_concrete_model_and_a_child_for_its_own_table() -> None:
    text = _json(
        {"model": "testapp.plainproxy", "pk": 9, "fields": {}},
        {"model": "testapp.plain", "pk": 2, "fields": {}},
        {"model": "testapp.child", "pk": 5, "fields": {}},
    )
    assert fixture_ids("json", text, wanted=_everything) == {
        ("testapp.Plain", "id"): (2, 9),
        ("testapp.Child", "parent_ptr_id"): (5, 5),
    }


def test_keys_that_are_not_integers_or_not_given_are_left_out() -> None:
    text = _json(
        {"model": "fixtureapp.author", "fields": {"name": "Ursula"}},  # a natural key
        {"model": "testapp.plain", "pk": None, "fields": {}},
        {"model": "testapp.plain", "pk": "12", "fields": {}},  # a number in a string
        {"model": "testapp.plain", "pk": "twelve", "fields": {}},
        {"model": "testapp.uuidkeyed", "pk": "0b2c7d3e-0000-4000-8000-000000000000"},
        {"model": "no.such", "pk": 1},
        "not an object",
    )
    assert fixture_ids("json", text, wanted=_everything) == {("testapp.Plain", "id"): (12, 12)}


def test_models_that_will_not_be_saved_are_left_out() -> None:
    text = _json({"model": "testapp.plain", "pk": 1}, {"model": "testapp.tag", "pk": 2})
    assert fixture_ids("json", text, wanted=lambda model: model is not Tag) == {
        ("testapp.Plain", "id"): (1, 1)
    }


def test_yaml_is_read_with_the_same_safe_loader_as_django() -> None:
    text = "- model: testapp.plain\n  pk: 4\n  fields: {name: a}\n- model: testapp.plain\n  pk: 8\n"
    assert fixture_ids("yaml", text, wanted=_everything) == {("testapp.Plain", "id"): (4, 8)}
    assert fixture_ids("yaml", "- !!python/object:os.system {}\n", wanted=_everything) is None


@pytest.mark.parametrize("text", ['[{"model": "testapp.plain", "pk": 1, ', '{"model": "x"}', ""])
def test_text_that_is_no_list_of_objects_is_left_to_django(text: str) -> None:
    assert fixture_ids("json", text, wanted=_everything) is None
