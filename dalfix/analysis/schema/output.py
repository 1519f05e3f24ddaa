"""`dalfix schema` output: the model as text, or as JSON in the shape documented in docs/schema.md."""

from __future__ import annotations

import json
from dataclasses import asdict
from pathlib import Path
from typing import Any

from dalfix.analysis.schema.model import Column, SchemaModel, Table, UniqueSet

JSON_VERSION = 1


def _rel(path: Path, root: Path) -> str:
    return path.relative_to(root).as_posix() if path.is_relative_to(root) else path.as_posix()


def _id(table_id: str | None, root: Path) -> str | None:
    if table_id is None:
        return None
    file, _, name = table_id.rpartition(":")
    return f"{_rel(Path(file), root)}:{name}"


def schema_json(model: SchemaModel, root: Path) -> dict[str, Any]:
    tables = []
    for table in model.tables:
        columns = []
        for column in table.columns.values():
            data = asdict(column)
            data["enum_values"] = list(column.enum_values) if column.enum_values is not None else None
            columns.append(data)
        tables.append(
            {
                "id": _id(table.id, root),
                "ts_name": table.ts_name,
                "name": table.name,
                "name_note": table.name_note,
                "schema": table.schema,
                "dialect": table.dialect,
                "file": _rel(table.path, root),
                "line": table.line,
                "columns": columns,
                "primary_key": _unique(table.primary_key) if table.primary_key is not None else None,
                "uniques": [_unique(u) for u in table.uniques],
                "indexes": [
                    {
                        **asdict(i),
                        "columns": list(i.columns),
                        "expressions": list(i.expressions),
                        "parts": list(i.parts),
                    }
                    for i in table.indexes
                ],
                "foreign_keys": [
                    {
                        **asdict(fk),
                        "columns": list(fk.columns),
                        "target": _id(fk.target, root),
                        "target_columns": list(fk.target_columns),
                    }
                    for fk in table.foreign_keys
                ],
                "checks": list(table.checks),
            }
        )
    relations = [
        {
            **{k: v for k, v in asdict(r).items() if k != "path"},
            "source": _id(r.source, root),
            "target": _id(r.target, root),
            "through": _id(r.through, root),
            "fields": list(r.fields),
            "references": list(r.references),
            "file": _rel(r.path, root) if r.path is not None else None,
        }
        for r in model.relations
    ]
    return {
        "version": JSON_VERSION,
        "root": root.as_posix(),
        "casing": model.casing,
        "casing_note": model.casing_note,
        "config_schema": list(model.config_schema),
        "files": [_rel(p, root) for p in model.files],
        "tables": tables,
        "relations": relations,
        "unreadable": [
            {"file": _rel(u.path, root), "line": u.line, "what": u.what, "reason": u.reason} for u in model.unreadable
        ],
    }


def _unique(unique: UniqueSet) -> dict[str, Any]:
    return {**asdict(unique), "columns": list(unique.columns), "expressions": list(unique.expressions)}


def schema_json_text(model: SchemaModel, root: Path) -> str:
    return json.dumps(schema_json(model, root), indent=2) + "\n"


def _column_text(column: Column) -> str:
    bits = [column.type or column.builder]
    if column.array:
        bits[0] += "[]"
    if column.mode:
        bits.append(f"mode={column.mode}")
    if column.primary_key:
        bits.append("pk")
    if column.not_null:
        bits.append("not null")
    if column.default_kind:
        bits.append(f"default {column.default}" if column.default else column.default_kind)
    if column.ts_type:
        bits.append(f"$type<{column.ts_type}>")
    name = column.name if column.name is not None else "?"
    shown = column.key if name == column.key else f"{column.key} ({name})"
    return f"{shown}: {' '.join(bits)}"


def _cols(columns: tuple[str, ...], expressions: tuple[str, ...] = ()) -> str:
    return "(" + ", ".join([*columns, *expressions]) + ")"


def _name(name: str | None, derived: bool) -> str:
    if name is None:
        return ""
    return f" {name}" + (" [derived]" if derived else "")


def _table_text(table: Table, model: SchemaModel, root: Path) -> list[str]:
    sql = table.name if table.name is not None else f"? ({table.name_note})"
    if table.schema:
        sql = f"{table.schema}.{sql}"
    lines = [f"{table.ts_name or '(unbound)'} -> {sql}  [{table.dialect}] {_rel(table.path, root)}:{table.line}"]
    lines += [f"  column {_column_text(c)}" for c in table.columns.values()]
    if table.primary_key is not None:
        pk = table.primary_key
        lines.append(f"  primary key {_cols(pk.columns)}{_name(pk.name, pk.name_derived)}")
    for unique in table.uniques:
        extra = " partial where " + (unique.predicate or "") if unique.partial else ""
        extra += " nulls not distinct" if unique.nulls_not_distinct else ""
        kind = "unique index" if unique.kind == "unique_index" else "unique"
        lines.append(
            f"  {kind} {_cols(unique.columns, unique.expressions)}{_name(unique.name, unique.name_derived)}{extra}"
        )
    for index in table.indexes:
        if index.unique:
            continue
        extra = f" using {index.method}" if index.method else ""
        extra += f" where {index.predicate}" if index.partial else ""
        lines.append(f"  index {_cols(index.columns, index.expressions)}{_name(index.name, False)}{extra}")
    for fk in table.foreign_keys:
        target = model.by_id(fk.target)
        shown = (target.ts_name or "?") if target is not None else "?"
        lines.append(
            f"  foreign key {_cols(fk.columns)} -> {shown}{_cols(fk.target_columns)}"
            f" on delete {fk.on_delete} on update {fk.on_update}{_name(fk.name, fk.name_derived)}"
        )
    for relation in model.relations_of(table):
        target = model.by_id(relation.target)
        shown = (target.ts_name or "?") if target is not None else "?"
        via = f" {_cols(relation.fields)} -> {_cols(relation.references)}" if relation.fields else ""
        lines.append(f"  relation {relation.name}: {relation.kind} {shown}{via}")
    return lines


def schema_text(model: SchemaModel, root: Path) -> str:
    lines: list[str] = []
    for table in model.tables:
        lines += _table_text(table, model, root)
    if model.unreadable:
        lines.append("")
        lines.append(f"not read ({len(model.unreadable)}):")
        lines += [f"  {_rel(u.path, root)}:{u.line}: {u.what}: {u.reason}" for u in model.unreadable]
    lines.append("")
    lines.append(
        f"{len(model.tables)} tables, {len(model.relations)} relations in {len(model.files)} files"
        f"; casing: {model.casing or model.casing_note or 'none'}; {len(model.unreadable)} not read"
    )
    return "\n".join(lines) + "\n"
