"""DAL004's unsafe reason names the join column and what differs (Cap's Notification.ts said only "the join
columns' SQL types differ or are unknown, or a key's value changes on its way through JavaScript")."""

from __future__ import annotations

from dalfix.analysis.schema.model import Column, same_stored_type, stored_type_difference


def column(key: str, type_: str | None, **extra: object) -> Column:
    return Column(
        key=key, name=key, name_source="explicit", builder=str(extra.pop("builder", type_)), type=type_, line=1, **extra
    )  # type: ignore[arg-type]


def difference(a: Column, b: Column, a_dialect: str = "pg", b_dialect: str = "pg") -> str | None:
    found = stored_type_difference(a, a_dialect, b, b_dialect, "c.a", "p.b")  # type: ignore[arg-type]
    assert (found is None) == same_stored_type(a, a_dialect, b, b_dialect)  # type: ignore[arg-type]
    return found


def test_a_custom_type_is_named_with_its_builder() -> None:
    nano = column("id", None, builder="nanoId", custom=True)
    assert (
        difference(column("ownerId", "text"), nano)
        == "p.b is a custom type (`nanoId`) whose SQL type dalfix cannot read"
    )


def test_types_that_differ_are_both_named() -> None:
    assert difference(column("id", "bigint"), column("userId", "integer")) == "c.a is bigint and p.b is integer"
    assert difference(column("id", "serial"), column("userId", "integer")) is None  # serial stores an integer


def test_a_value_javascript_changes() -> None:
    at = column("at", "timestamp", js_type="Date")
    assert difference(at, column("at", "timestamp", js_type="Date")) == (
        "c.a (timestamp) is read as a `Date`, which drops its microseconds"
    )
    assert "exact only up to 2^53" in str(
        difference(column("n", "bigint", js_type="number"), column("n", "bigint", js_type="number"))
    )


def test_arrays_and_dialects() -> None:
    assert difference(column("t", "text", array=True), column("t", "text")) == "c.a is an array and p.b is not"
    assert difference(column("t", "text"), column("t", "text"), b_dialect="mysql") == (
        "c.a and p.b are declared for different databases (pg, mysql)"
    )
    assert difference(column("t", "uuid"), column("t", "uuid")) is None
