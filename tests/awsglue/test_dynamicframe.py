"""DynamicFrame and the transforms on small in-memory frames."""

from __future__ import annotations

import os

import pytest

pytestmark = pytest.mark.spark
# Error types and messages of this runtime (the real library raises its own).
local_only = pytest.mark.skipif(
    os.environ.get("GLUE_WF_REAL_AWSGLUE") == "1", reason="glue-wf local runtime error types"
)


@pytest.fixture
def people(spark, glue_context):
    from awsglue.dynamicframe import DynamicFrame

    df = spark.createDataFrame(
        [
            (1, "ann", "42", ("Oslo", "0150")),
            (2, "bob", "x", ("Rome", None)),
            (3, "cy", None, (None, None)),
        ],
        "id long, name string, age string, address struct<city:string,zip:string>",
    )
    return DynamicFrame.fromDF(df, glue_context, "people")


def rows(frame):
    return [
        r.asDict(recursive=True) for r in frame.toDF().orderBy(frame.toDF().columns[0]).collect()
    ]


def test_dynamic_frame_is_exported_from_the_package():
    from awsglue import DynamicFrame as Exported
    from awsglue.dynamicframe import DynamicFrame

    assert Exported is DynamicFrame


def test_star_import_exports_exactly_the_22_transforms():
    namespace: dict = {}
    exec("from awsglue.transforms import *", namespace)
    names = sorted(k for k in namespace if not k.startswith("__"))
    assert names == sorted(
        [
            "ApplyMapping",
            "Coalesce",
            "DropFields",
            "DropNullFields",
            "ErrorsAsDynamicFrame",
            "Filter",
            "FlatMap",
            "Join",
            "Map",
            "MapToCollection",
            "Relationalize",
            "RenameField",
            "Repartition",
            "ResolveChoice",
            "SelectFields",
            "SelectFromCollection",
            "Spigot",
            "SplitFields",
            "SplitRows",
            "Union",
            "Unbox",
            "UnnestFrame",
        ]
    )


def test_apply_mapping_keeps_only_mapped_fields_and_counts_failed_casts(people):
    from awsglue.transforms import ApplyMapping

    out = ApplyMapping.apply(
        frame=people,
        mappings=[
            ("id", "long", "key", "string"),
            ("AGE", "string", "age", "int"),
            ("address.city", "string", "loc.city", "string"),
            ("missing", "string", "m", "string"),
        ],
        transformation_ctx="map1",
    )
    assert out.toDF().columns == ["key", "age", "loc"]
    assert rows(out) == [
        {"key": "1", "age": 42, "loc": {"city": "Oslo"}},
        {"key": "2", "age": None, "loc": {"city": "Rome"}},
        {"key": "3", "age": None, "loc": {"city": None}},
    ]
    assert out.errorsCount() == 1
    assert out.stageErrorsCount() == 1
    error = out.errorsAsDynamicFrame().toDF().first()
    assert error["transformation_ctx"] == "map1"
    assert error["error"] == "age cannot be cast to int"
    assert '"name":"bob"' in error["record"]


def test_apply_mapping_takes_glue_studios_nested_and_sized_types(people):
    """Glue Studio maps nested fields as ("f", "struct", "f", "struct"): passed through;
    Hive's varchar(n) is a string."""
    from awsglue.transforms import ApplyMapping

    out = ApplyMapping.apply(
        frame=people,
        mappings=[
            ("id", "long", "id", "long"),
            ("name", "varchar(10)", "name", "varchar(10)"),
            ("address", "struct", "address", "struct"),
        ],
    )
    assert out.toDF().schema.simpleString() == (
        "struct<id:bigint,name:string,address:struct<city:string,zip:string>>"
    )
    assert rows(out)[0] == {"id": 1, "name": "ann", "address": {"city": "Oslo", "zip": "0150"}}
    with pytest.raises(Exception, match=r"apply_mapping: name is string, not array: map it"):
        ApplyMapping.apply(frame=people, mappings=[("name", "string", "name", "array")])


@local_only
def test_stage_threshold_raises_when_exceeded(people):
    from awsglue._errors import ErrorThresholdExceeded

    with pytest.raises(ErrorThresholdExceeded, match="1 error records in this stage exceed"):
        people.apply_mapping([("age", "age", "int")], stageThreshold=0.5)


def test_select_drop_rename_nested(people):
    assert people.select_fields(["name", "address.zip"]).toDF().schema.simpleString() == (
        "struct<name:string,address:struct<zip:string>>"
    )
    dropped = people.drop_fields(["age", "address.zip"]).toDF()
    assert dropped.schema.simpleString() == (
        "struct<id:bigint,name:string,address:struct<city:string>>"
    )
    renamed = people.rename_field("address.city", "address.town").toDF()
    assert renamed.schema["address"].dataType.simpleString() == "struct<zip:string,town:string>"
    assert people.rename_field("name", "who").toDF().columns == ["id", "who", "age", "address"]


@local_only
def test_resolve_choice_specs_and_argument_rules(people):
    out = people.resolveChoice(specs=[("age", "cast:long"), ("name", "make_cols")])
    assert out.toDF().columns == ["id", "name_string", "age", "address"]
    assert out.errorsCount() == 1
    with pytest.raises(Exception, match="exactly one of specs"):
        people.resolveChoice()
    with pytest.raises(Exception, match="exactly one of specs"):
        people.resolveChoice(specs=[("age", "cast:long")], choice="make_cols")


def test_filter_drops_key_errors_and_keeps_other_exceptions_as_errors(people):
    from awsglue.transforms import Filter

    def predicate(record):
        if record["name"] == "cy":
            raise RuntimeError("boom")
        return int(record["age"]) > 18  # ValueError for "x": dropped silently

    out = Filter.apply(frame=people, f=predicate, transformation_ctx="adults")
    assert [r["name"] for r in rows(out)] == ["ann"]
    assert out.errorsCount() == 1
    assert "RuntimeError: boom" in out.errorsAsDynamicFrame().toDF().first()["error"]


def test_map_adds_fields_and_turns_failures_into_errors(people):
    from awsglue.transforms import Map

    def add(record):
        record["n"] = len(record["name"])
        return None if record["id"] == 3 else record

    out = Map.apply(frame=people, f=add)
    got = rows(out)
    assert [(r["id"], r["n"]) for r in got] == [(1, 3), (2, 3)]
    assert out.toDF().schema["id"].dataType.simpleString() == "bigint"
    assert out.errorsCount() == 1


def test_map_keeps_types_order_and_values_the_function_did_not_change(spark, glue_context):
    import datetime
    import decimal

    from awsglue.dynamicframe import DynamicFrame
    from awsglue.transforms import Map

    schema = (
        "zid string, ts timestamp, day date, blob binary, price decimal(10,2), "
        "tags map<string,int>, small int, point struct<x:double,y:double>"
    )
    when = datetime.datetime(2024, 5, 1, 12, 30, 15)
    df = spark.createDataFrame(
        [("007", when, when.date(), b"\x00\xff", decimal.Decimal("9.99"), {"a": 1}, 5, (1.5, 2.0))],
        schema,
    )
    out = Map.apply(frame=DynamicFrame.fromDF(df, glue_context, "in"), f=lambda r: r).toDF()
    assert out.schema.simpleString() == f"struct<{schema.replace(' ', ':').replace(',:', ',')}>"
    assert out.first() == df.first()  # leading zeros, timestamp, bytes, decimal, map: as read


def test_map_types_changed_and_new_fields_by_their_values(people):
    from awsglue.transforms import Map

    def change(record):
        record["age"] = int(record["age"]) if record["age"] and record["age"].isdigit() else None
        record["score"] = 1 if record["id"] == 1 else 2.5  # ints and floats: doubles
        record["seen"] = None  # only nulls: a string column
        del record["address"]
        return record

    out = Map.apply(frame=people, f=change)
    assert out.toDF().schema.simpleString() == (
        "struct<id:bigint,name:string,age:bigint,score:double,seen:string>"
    )
    assert [(r["age"], r["score"]) for r in rows(out)] == [(42, 1.0), (None, 2.5), (None, 2.5)]


@local_only
def test_map_refuses_a_field_given_values_of_two_types(people):
    from awsglue.transforms import Map

    def mixed(record):
        record["age"] = 42 if record["id"] == 1 else "old"
        return record

    with pytest.raises(NotImplementedError) as info:
        Map.apply(frame=people, f=mixed)
    assert str(info.value) == (
        "Map giving field 'age' values of several types (bigint, string) is not supported by "
        "the local awsglue runtime (glue-wf local target): Glue types such a field as a "
        "choice, which local frames cannot hold; return one type per field from the map "
        "function (convert the values in it)"
    )


def test_map_keeps_values_past_their_input_type_exactly(spark, glue_context):
    """A decimal grown past its precision, an int past a long's range: a wider type, the
    value kept (not an overflow at the next action, not a silent null)."""
    import decimal

    from awsglue.dynamicframe import DynamicFrame
    from awsglue.transforms import Map

    df = spark.createDataFrame([(1, decimal.Decimal("9.99"))], "id long, price decimal(10,2)")

    def grow(record):
        record["price"] = record["price"] * 1_000_000_000
        record["big"] = 2**70
        return record

    out = Map.apply(frame=DynamicFrame.fromDF(df, glue_context, "in"), f=grow).toDF()
    assert out.schema["price"].dataType.simpleString() == "decimal(38,18)"
    assert out.schema["big"].dataType.simpleString() == "decimal(38,0)"
    row = out.first()
    assert (row["price"], row["big"]) == (decimal.Decimal("9990000000"), decimal.Decimal(2**70))


def test_map_runs_the_function_once_per_record(spark, people):
    from awsglue.transforms import Map

    calls = spark.sparkContext.accumulator(0)

    def count(record):
        calls.add(1)
        return record

    out = Map.apply(frame=people, f=count)
    assert out.count() == 3
    assert len(rows(out)) == 3
    assert calls.value == 3


def test_join_keeps_both_sides_and_prefixes_clashes(spark, glue_context, people):
    from awsglue.dynamicframe import DynamicFrame
    from awsglue.transforms import Join

    orders = DynamicFrame.fromDF(
        spark.createDataFrame(
            [(10, 1, "tea"), (11, 1, "cake"), (12, 9, "x")], "id long, person long, item string"
        ),
        glue_context,
        "orders",
    )
    out = Join.apply(frame1=people, frame2=orders, keys1="id", keys2="person")
    assert out.toDF().columns == ["id", "name", "age", "address", ".id", "person", "item"]
    assert sorted(r["item"] for r in out.toDF().collect()) == ["cake", "tea"]


def test_join_takes_backticked_keys_and_nested_paths(spark, glue_context, people):
    from awsglue.dynamicframe import DynamicFrame
    from awsglue.transforms import Join

    def frame(rows, schema):
        return DynamicFrame.fromDF(spark.createDataFrame(rows, schema), glue_context)

    left = frame([(1, "x"), (2, "y")], "`a.b` long, v string")
    right = frame([(1, "p"), (3, "q")], "`a.b` long, w string")
    for key in ("`a.b`", "a.b"):  # backticked as in select_fields, or the plain name
        out = Join.apply(frame1=left, frame2=right, keys1=key, keys2=key)
        assert out.toDF().columns == ["a.b", "v", ".a.b", "w"]
        assert [tuple(r) for r in out.toDF().collect()] == [(1, "x", 1, "p")]
    assert left.join(["`a.b`"], ["`a.b`"], right).count() == 1
    # a dotted path without backticks is a nested field, as in the other transforms
    orders = frame([(10, "Oslo")], "id long, city string")
    out = Join.apply(frame1=people, frame2=orders, keys1="address.city", keys2="city")
    assert [r["name"] for r in out.toDF().collect()] == ["ann"]


@local_only
def test_join_names_a_key_that_is_not_a_field(people):
    from awsglue._errors import GlueRuntimeError

    with pytest.raises(
        GlueRuntimeError,
        match=r"join: key 'nope' of paths2 is not a field of its frame \(fields: id, name, age, "
        r"address\); put backticks around a name that holds dots",
    ):
        people.join(["id"], ["nope"], people)


def test_union_split_rows_split_fields_and_collection(people):
    from awsglue.transforms import SelectFromCollection, SplitFields, SplitRows, Union

    assert Union.apply(frame1=people, frame2=people).count() == 6
    parts = SplitRows.apply(
        frame=people, comparison_dict={"id": {">": 1, "<=": 2}}, name1="mid", name2="rest"
    )
    assert sorted(parts.keys()) == ["mid", "rest"]
    assert [r["id"] for r in rows(parts["mid"])] == [2]
    assert sorted(r["id"] for r in rows(parts["rest"])) == [1, 3]
    fields = SplitFields.apply(frame=people, paths=["id", "name"], name1="a", name2="b")
    assert fields["a"].toDF().columns == ["id", "name"]
    assert fields["b"].toDF().columns == ["age", "address"]
    assert SelectFromCollection.apply(dfc=fields, key="nope").count() == 0


def test_drop_null_fields_and_unnest(spark, glue_context):
    from awsglue.dynamicframe import DynamicFrame
    from awsglue.transforms import DropNullFields, UnnestFrame

    df = spark.createDataFrame(
        [(1, None, (None, "a")), (2, None, (None, None))],
        "id long, empty string, s struct<x:string,y:string>",
    )
    frame = DynamicFrame.fromDF(df, glue_context, "f")
    assert DropNullFields.apply(frame=frame).toDF().schema.simpleString() == (
        "struct<id:bigint,s:struct<y:string>>"
    )
    assert UnnestFrame.apply(frame=frame).toDF().columns == ["id", "empty", "s.x", "s.y"]


def test_relationalize_splits_arrays_into_tables(spark, glue_context):
    from awsglue.dynamicframe import DynamicFrame

    df = spark.createDataFrame(
        [(1, ["a", "b"], [(1, "x")]), (2, [], None)],
        "id long, tags array<string>, links array<struct<n:long,u:string>>",
    )
    tables = DynamicFrame.fromDF(df, glue_context, "t").relationalize("root", "/tmp/unused")
    assert sorted(tables.keys()) == ["root", "root_links", "root_tags"]
    root = {r["id"]: r for r in tables["root"].toDF().collect()}
    tags = tables["root_tags"].toDF()
    assert tags.columns == ["id", "index", "tags.val"]
    assert sorted((r["index"], r["tags.val"]) for r in tags.collect()) == [(0, "a"), (1, "b")]
    assert {r["id"] for r in tags.collect()} == {root[1]["tags"]}
    assert tables["root_links"].toDF().columns == ["id", "index", "links.val.n", "links.val.u"]


def test_map_to_collection_and_repartition(people):
    from awsglue.transforms import Coalesce, MapToCollection, Repartition, SelectFields

    assert Repartition.apply(frame=people, num_partitions=3).getNumPartitions() == 3
    assert Coalesce.apply(frame=people, num_partitions=1).getNumPartitions() == 1
    dfc = people.split_fields(["id"], "ids", "others")
    mapped = MapToCollection.apply(dfc=dfc, callable=SelectFields, paths=["id"])
    assert mapped["ids"].toDF().columns == ["id"]
    assert mapped["others"].toDF().columns == []


@local_only
def test_unsupported_methods_name_the_feature(people):
    from awsglue._errors import UnsupportedFeatureError

    with pytest.raises(UnsupportedFeatureError, match=r"DynamicFrame\.mergeDynamicFrame is not"):
        people.mergeDynamicFrame(people, ["id"])


@local_only
def test_apply_mapping_into_an_arrays_elements_is_refused_not_dropped(spark, glue_context):
    from awsglue._errors import UnsupportedFeatureError
    from awsglue.dynamicframe import DynamicFrame

    df = spark.createDataFrame([(1, [("a", 2)])], "id long, orders array<struct<sku:string,n:int>>")
    frame = DynamicFrame.fromDF(df, glue_context, "orders")
    with pytest.raises(UnsupportedFeatureError) as info:  # it gave a frame without fields
        frame.apply_mapping([("orders.sku", "string", "skus", "string")])
    assert str(info.value).startswith(
        "apply_mapping of 'orders.sku' into the elements of array field 'orders' is not "
        "supported by the local awsglue runtime"
    )
    whole = frame.apply_mapping(
        [("orders", "array", "orders", "array"), ("id", "long", "id", "long")]
    )
    assert whole.toDF().columns == ["orders", "id"]
    absent = frame.apply_mapping(
        [("id", "long", "id", "long"), ("gone.x", "string", "x", "string")]
    )
    assert absent.toDF().columns == ["id"]  # absent from every record: no field, as on Glue
