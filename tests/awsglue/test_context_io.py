"""GlueContext sources and sinks on the local S3 directory, the catalog registry, Job."""

from __future__ import annotations

import json
import os
import time

import pytest

pytestmark = [
    pytest.mark.spark,
    pytest.mark.skipif(
        os.environ.get("GLUE_WF_REAL_AWSGLUE") == "1",
        reason="local S3 directory and catalog registry are glue-wf's",
    ),
]


def put(home, key, text):
    path = home / "s3" / "bkt" / key
    path.parent.mkdir(parents=True, exist_ok=True)
    path.write_text(text)
    return path


def test_csv_options_header_separator_quote_and_glue_column_names(glue_home, glue_context):
    put(glue_home, "in/a.csv", 'a;b\n1;"x;y"\n2;"say ""hi"""\n')
    frame = glue_context.create_dynamic_frame.from_options(
        connection_type="s3",
        connection_options={"paths": ["s3a://bkt/in/"]},
        format="csv",
        format_options={"withHeader": "true", "separator": ";"},
    )
    assert [tuple(r) for r in frame.toDF().orderBy("a").collect()] == [(1, "x;y"), (2, 'say "hi"')]
    plain = glue_context.create_dynamic_frame_from_options(
        "s3", {"paths": ["s3n://bkt/in/a.csv"]}, "csv", {"separator": ";"}
    )
    assert plain.toDF().columns == ["col0", "col1"]
    assert plain.count() == 3


def test_csv_quote_char_minus_one_reads_and_writes_without_quoting(glue_home, glue_context, spark):
    """quoteChar -1, the number or the string, turns quoting off (Glue's CSV format
    options): quotes are data on read and never added on write."""
    import datetime

    from awsglue.dynamicframe import DynamicFrame

    put(glue_home, "q/a.csv", 'a,b\n"x",say "hi"\n')
    for quote_char in (-1, "-1"):
        frame = glue_context.create_dynamic_frame.from_options(
            "s3", {"paths": ["s3://bkt/q/"]}, "csv", {"withHeader": True, "quoteChar": quote_char}
        )
        assert [tuple(r) for r in frame.toDF().collect()] == [('"x"', 'say "hi"')]
    df = spark.createDataFrame(
        [('say "hi"', None, datetime.datetime(2024, 1, 2, 3, 4, 5), "k1")],
        "a string, b long, t timestamp, k string",
    )
    frame = DynamicFrame.fromDF(df, glue_context, "f")
    glue_context.write_dynamic_frame.from_options(
        frame,
        "s3",
        {"path": "s3://bkt/unquoted/", "partitionKeys": ["k"]},
        "csv",
        {"quoteChar": -1, "separator": "|"},
    )
    written = [p.read_text() for p in (glue_home / "s3/bkt/unquoted/k=k1").glob("part-*")]
    stamp = df.selectExpr("date_format(t, \"yyyy-MM-dd'T'HH:mm:ss.SSSXXX\")").first()[0]
    assert written == [f'a|b|t\nsay "hi"||{stamp}\n']
    back = glue_context.create_dynamic_frame.from_options(
        "s3",
        {"paths": ["s3://bkt/unquoted/"]},
        "csv",
        {"withHeader": True, "quoteChar": "-1", "separator": "|"},
    )
    assert [(r["a"], r["b"], r["k"]) for r in back.toDF().collect()] == [('say "hi"', None, "k1")]


def test_write_csv_json_parquet_with_partition_keys_appends(glue_home, glue_context, spark):
    from awsglue.dynamicframe import DynamicFrame

    frame = DynamicFrame.fromDF(
        spark.createDataFrame([(1, "a"), (2, "b")], "n long, k string"), glue_context, "f"
    )
    sink = {"path": "s3://bkt/out/p/", "partitionKeys": ["k"]}
    glue_context.write_dynamic_frame.from_options(frame, "s3", sink, "parquet")
    glue_context.write_dynamic_frame.from_options(frame, "s3", sink, "glueparquet")
    out = glue_home / "s3" / "bkt" / "out" / "p"
    assert sorted(p.name for p in out.iterdir()) == ["k=a", "k=b"]
    assert not [p for p in out.rglob("*") if p.name.endswith(".crc") or p.name == "_SUCCESS"]
    back = glue_context.create_dynamic_frame.from_options(
        "s3", {"paths": ["s3://bkt/out/p/"]}, "parquet"
    )
    assert back.count() == 4  # the sink appends
    glue_context.write_dynamic_frame.from_options(frame, "s3", {"path": "s3://bkt/out/j"}, "json")
    lines = [json.loads(line) for p in (out.parent / "j").glob("part-*") for line in p.open()]
    assert sorted(x["n"] for x in lines) == [1, 2]
    # a codec the sink does not take is named, not Spark's raw IllegalArgumentException
    from awsglue._errors import GlueRuntimeError

    with pytest.raises(GlueRuntimeError) as codec:
        glue_context.write_dynamic_frame.from_options(
            frame, "s3", {"path": "s3://bkt/out/z", "compression": "zzz"}, "csv"
        )
    assert str(codec.value) == "csv sink compression='zzz' is not one of bzip2, gzip"


def test_writing_a_frame_without_fields_succeeds_and_writes_nothing(glue_home, glue_context):
    """A prefix with no new objects reads as a frame without fields; Glue's sink then puts
    no object (and so no prefix), in every format, also after transforms."""
    from awsglue.transforms import ApplyMapping, Filter

    empty = glue_context.create_dynamic_frame.from_options(
        "s3", {"paths": ["s3://bkt/no-new-data/"]}, "json"
    )
    mapped = ApplyMapping.apply(frame=empty, mappings=[("id", "long", "id", "long")])
    kept = Filter.apply(frame=mapped, f=lambda r: r["id"] > 0)
    for fmt in ("parquet", "glueparquet", "csv", "json", "orc"):
        for frame in (empty, mapped, kept):
            glue_context.write_dynamic_frame.from_options(
                frame, "s3", {"path": f"s3://bkt/out/{fmt}/", "partitionKeys": ["id"]}, fmt
            )
    glue_context.write_data_frame.from_options(
        empty.toDF(), "s3", {"path": "s3://bkt/out/df/"}, "csv"
    )
    assert not (glue_home / "s3" / "bkt" / "out").exists()


def test_writing_fields_without_records_writes_what_spark_writes(glue_home, glue_context, spark):
    from awsglue.dynamicframe import DynamicFrame

    frame = DynamicFrame.fromDF(spark.createDataFrame([], "a long, b string"), glue_context)
    for fmt in ("parquet", "csv", "json"):
        glue_context.write_dynamic_frame.from_options(
            frame, "s3", {"path": f"s3://bkt/none/{fmt}/"}, fmt
        )
    out = glue_home / "s3" / "bkt" / "none"
    parquet = [p.name for p in (out / "parquet").iterdir()]
    assert [n.endswith(".parquet") for n in parquet] == [True]  # the schema, no rows
    assert [p.read_text() for p in (out / "csv").iterdir()] == ["a,b\n"]  # the header
    assert [p.read_text() for p in (out / "json").iterdir()] == [""]
    back = glue_context.create_dynamic_frame.from_options(
        "s3", {"paths": ["s3://bkt/none/parquet/"]}, "parquet"
    )
    assert (back.toDF().columns, back.count()) == (["a", "b"], 0)


def test_missing_path_gives_an_empty_frame_and_bad_options_fail(glue_home, glue_context):
    from awsglue._errors import UnsupportedFeatureError

    empty = glue_context.create_dynamic_frame.from_options(
        "s3", {"paths": ["s3://bkt/nothing/"]}, "csv"
    )
    assert empty.count() == 0
    # a prefix emptied by purge_s3_path (folders left, no object) reads as one never written
    put(glue_home, "emptied/batch/part-0.json", '{"v": 1}\n')
    glue_context.purge_s3_path("s3://bkt/emptied/", {"retentionPeriod": 0})
    put(glue_home, "emptied/batch/_SUCCESS", "")
    for fmt in ("json", "csv", "parquet"):
        emptied = glue_context.create_dynamic_frame.from_options(
            "s3", {"paths": ["s3://bkt/emptied/"]}, fmt
        )
        assert emptied.count() == 0
    with pytest.raises(UnsupportedFeatureError, match="connection_type 'jdbc' is not supported"):
        glue_context.create_dynamic_frame.from_options("jdbc", {}, "csv")
    with pytest.raises(UnsupportedFeatureError, match=r"csv format option\(s\) bogus"):
        glue_context.create_dynamic_frame.from_options(
            "s3", {"paths": ["s3://bkt/x"]}, "csv", {"bogus": 1}
        )
    with pytest.raises(Exception, match="escapes its bucket"):
        glue_context.create_dynamic_frame.from_options("s3", {"paths": ["s3://bkt/../x"]}, "csv")


def test_json_record_that_fails_to_parse_is_an_error_record(glue_home, glue_context):
    """Glue makes a record it cannot parse an error record: no _corrupt_record column,
    the good records keep their schema, the bad one is counted and shown."""
    from awsglue.transforms import ApplyMapping

    put(
        glue_home,
        "bad/a.json",
        '{"id":1,"name":"a"}\n{"id":2,"name": broken\n{"id":3,"name":"c"}\n',
    )
    frame = glue_context.create_dynamic_frame.from_options(
        "s3", {"paths": ["s3://bkt/bad/"]}, "json", transformation_ctx="src"
    )
    assert frame.toDF().schema.simpleString() == "struct<id:bigint,name:string>"
    assert frame.count() == 2
    assert sorted(r["id"] for r in frame.toDF().collect()) == [1, 3]
    assert (frame.errorsCount(), frame.stageErrorsCount()) == (1, 1)
    [error] = [r.asDict() for r in frame.errorsAsDynamicFrame().toDF().collect()]
    assert error == {
        "transformation_ctx": "src",
        "error": "malformed JSON record in s3://bkt/bad/a.json: "
        "Expecting value: line 1 column 17 (char 16)",
        "record": '{"id":2,"name": broken',
    }
    mapped = ApplyMapping.apply(frame=frame, mappings=[("id", "long", "id", "string")])
    assert (mapped.count(), mapped.errorsCount(), mapped.stageErrorsCount()) == (2, 1, 0)
    # a record's own _corrupt_record field is data; DataFrame reads leave the bad record out
    put(glue_home, "own/a.json", '{"_corrupt_record": "x", "id": 1}\nnot json\n')
    df = glue_context.create_data_frame.from_options("s3", {"paths": ["s3://bkt/own/"]}, "json")
    assert [r.asDict() for r in df.collect()] == [{"_corrupt_record": "x", "id": 1}]
    # nothing parses: a frame without fields, the file an error record
    put(glue_home, "whole/a.json", '{"v": [1,\n')
    broken = glue_context.create_dynamic_frame.from_options(
        "s3", {"paths": ["s3://bkt/whole/"]}, "json", {"multiLine": True}
    )
    assert (broken.toDF().columns, broken.count(), broken.errorsCount()) == ([], 0, 1)


def test_compression_type_reads_gzip_and_bzip2_objects_without_their_extension(
    glue_home, glue_context
):
    """compressionType (S3 connection option reference) decompresses objects whose names
    do not say how they are compressed; a named one reads as well."""
    import bz2
    import gzip

    from awsglue._errors import GlueRuntimeError

    def put_bytes(key, data):
        path = glue_home / "s3" / "bkt" / key
        path.parent.mkdir(parents=True, exist_ok=True)
        path.write_bytes(data)

    put_bytes("gz/part-0", gzip.compress(b"a,b\n1,x\n"))
    put_bytes("gz/dt=2024/part-1.gz", gzip.compress(b"a,b\n2,y\n"))
    put_bytes("gz/_SUCCESS", b"")
    frame = glue_context.create_dynamic_frame.from_options(
        "s3",
        {"paths": ["s3://bkt/gz/"], "compressionType": "gzip", "recurse": True},
        "csv",
        {"withHeader": True},
    )
    assert sorted(tuple(r) for r in frame.toDF().collect()) == [(1, "x"), (2, "y")]
    put_bytes("bz/data.json", bz2.compress(b'{"v": 1}\n{"v": broken\n'))
    frame = glue_context.create_dynamic_frame.from_options(
        "s3", {"paths": ["s3://bkt/bz/data.json"], "compressionType": "bzip2"}, "json"
    )
    assert [r["v"] for r in frame.toDF().collect()] == [1]
    [error] = frame.errorsAsDynamicFrame().toDF().collect()
    assert error["error"].startswith("malformed JSON record in s3://bkt/bz/data.json: ")
    with pytest.raises(
        GlueRuntimeError,
        match=r"^s3 source option compressionType='zip' is not one of gzip, bzip2: give one "
        r"of them, or leave it out for uncompressed objects and ones named \.gz or \.bz2$",
    ):
        glue_context.create_dynamic_frame.from_options(
            "s3", {"paths": ["s3://bkt/gz/"], "compressionType": "zip"}, "csv"
        )
    assert list((glue_home / "s3" / "bkt" / "gz").rglob("*.gz.gz")) == []  # links elsewhere


def test_json_path_exclusions_and_recurse(glue_home, glue_context):
    put(glue_home, "j/doc.json", '{"items": [{"v": 1}, {"v": 2}]}')
    frame = glue_context.create_dynamic_frame.from_options(
        "s3", {"paths": ["s3://bkt/j/"]}, "json", {"jsonPath": "$.items[*]"}
    )
    assert sorted(r["v"] for r in frame.toDF().collect()) == [1, 2]
    put(glue_home, "r/x/a.json", '{"v": 1}\n')
    put(glue_home, "r/y/b.json", '{"v": 2}\n')
    frame = glue_context.create_dynamic_frame.from_options(
        "s3",
        {"paths": ["s3://bkt/r/"], "recurse": True, "exclusions": '["s3://bkt/r/y/**"]'},
        "json",
    )
    assert [r["v"] for r in frame.toDF().collect()] == [1]


def test_exclusions_are_globs_by_path_component(glue_home, glue_context):
    """'*' stays within a folder, '**' crosses folders (Glue's include and exclude
    patterns); a pattern without s3:// matches the key under the path read."""
    put(glue_home, "e/top.json", '{"v": 1}\n')
    put(glue_home, "e/sub/nested.json", '{"v": 2}\n')
    put(glue_home, "e/sub/skip.txt", '{"v": 3}\n')
    put(glue_home, "e/sub/deeper/more.json", '{"v": 4}\n')

    def read(*exclusions: str) -> list[int]:
        options = {"paths": ["s3://bkt/e/"], "recurse": True, "exclusions": json.dumps(exclusions)}
        frame = glue_context.create_dynamic_frame.from_options("s3", options, "json")
        return sorted(r["v"] for r in frame.toDF().collect())

    assert read("s3://bkt/e/*.json") == [2, 3, 4]
    assert read("s3://bkt/e/**.json") == [3]
    assert read("**.txt") == [1, 2, 4]
    assert read("sub/*") == [1, 4]
    assert read("{top,sub/nested}.json", "sub/dee?er/**") == [3]


def test_catalog_registry_reads_and_fails_clearly(glue_home, glue_context):
    from awsglue._catalog import register_table
    from awsglue._errors import GlueRuntimeError

    put(glue_home, "t/data.csv", "id,name\n1,a\n2,b\n")
    register_table(
        "db",
        "people",
        location="s3://bkt/t/",
        format="csv",
        format_options={"withHeader": True},
        columns=[{"Name": "id", "Type": "bigint"}, {"Name": "name", "Type": "string"}],
    )
    frame = glue_context.create_dynamic_frame.from_catalog(database="db", table_name="people")
    assert sorted(r["name"] for r in frame.toDF().collect()) == ["a", "b"]
    # Glue filters a table's partitions with push_down_predicate: this table has none
    with pytest.raises(GlueRuntimeError) as unpartitioned:
        glue_context.create_dynamic_frame.from_catalog(
            database="db", table_name="people", push_down_predicate="id > 1"
        )
    assert str(unpartitioned.value) == (
        "push_down_predicate 'id > 1' on table db.people: the table has no partition keys, "
        "and Glue applies push_down_predicate to a table's partitions only; filter data "
        "columns after reading (frame.filter(...) or Filter.apply)"
    )
    legacy = glue_context.create_data_frame.from_catalog(name_space="db", table_name="people")
    assert legacy.count() == 2
    schema = glue_context.get_catalog_schema_as_spark_schema("db", "people")
    assert schema.simpleString() == "struct<id:bigint,name:string>"
    with pytest.raises(
        Exception,
        match=r"table db\.nope is not in the local catalog .*known: "
        r"db\.people",
    ):
        glue_context.create_dynamic_frame.from_catalog(database="db", table_name="nope")
    with pytest.raises(Exception, match="exactly one of database= or"):
        glue_context.create_dynamic_frame.from_catalog(table_name="people")


def test_catalog_reads_give_partition_columns_and_the_tables_names(glue_home, glue_context):
    """from_catalog reads a partitioned table's key=value folders as its partition columns
    (a push-down predicate on them works), and a header-less CSV table's columns by the
    catalog's names and types."""
    from awsglue._catalog import register_table
    from awsglue._errors import GlueRuntimeError

    put(glue_home, "lake/t1/dt=2024-01-01/part-0.json", '{"id": 1, "v": "a"}\n')
    put(glue_home, "lake/t1/dt=2024-01-02/part-0.json", '{"id": 2, "v": "b"}\n')
    register_table(
        "lake",
        "t1",
        location="s3://bkt/lake/t1/",
        format="json",
        columns=[{"Name": "id", "Type": "bigint"}, {"Name": "v", "Type": "string"}],
        partition_keys=["dt"],
    )
    frame = glue_context.create_dynamic_frame.from_catalog(database="lake", table_name="t1")
    assert sorted(frame.toDF().columns) == ["dt", "id", "v"]
    # the catalog's partition key type, not a date Spark infers from the folder names
    assert frame.toDF().schema["dt"].dataType.simpleString() == "string"
    day = glue_context.create_dynamic_frame.from_catalog(
        database="lake", table_name="t1", push_down_predicate="dt = '2024-01-02'"
    )
    assert [r["id"] for r in day.toDF().collect()] == [2]
    server_side = glue_context.create_dynamic_frame.from_catalog(
        database="lake",
        table_name="t1",
        additional_options={"catalogPartitionPredicate": "dt < '2024-01-02'"},
    )
    assert [r["id"] for r in server_side.toDF().collect()] == [1]
    # a data column in a partition predicate: works on a DataFrame, fails on Glue
    with pytest.raises(GlueRuntimeError) as data_column:
        glue_context.create_dynamic_frame.from_catalog(
            database="lake", table_name="t1", push_down_predicate="id > 1 and dt = '2024-01-02'"
        )
    message = str(data_column.value)
    assert message.startswith(
        "push_down_predicate \"id > 1 and dt = '2024-01-02'\" on table lake.t1: "
    )
    assert "UNRESOLVED_COLUMN" in message
    assert message.endswith(
        "it may name only the table's partition columns (dt), which Glue filters before "
        "reading a file; filter data columns after reading (frame.filter(...) or Filter.apply)"
    )

    put(glue_home, "lake/cust/c.csv", "7,gold,2020\n8,silver,2021\n")
    register_table(
        "lake",
        "cust",
        location="s3://bkt/lake/cust/",
        format="csv",
        columns=[
            {"Name": "customer_id", "Type": "bigint"},
            {"Name": "segment", "Type": "string"},
            {"Name": "signup_year", "Type": "int"},
        ],
    )
    df = glue_context.create_data_frame.from_catalog(database="lake", table_name="cust")
    assert df.schema.simpleString() == "struct<customer_id:bigint,segment:string,signup_year:int>"
    assert [tuple(r) for r in df.orderBy("customer_id").collect()] == [
        (7, "gold", 2020),
        (8, "silver", 2021),
    ]


def test_enable_glue_datacatalog_makes_catalog_tables_spark_sql_tables(
    glue_home, spark, monkeypatch
):
    """With --enable-glue-datacatalog true, spark.sql and spark.table see the catalog's
    tables, read as from_catalog reads them; a table Spark cannot define is logged."""
    from awsglue._catalog import register_table
    from awsglue.context import GlueContext, GlueLogger

    put(glue_home, "sq/people/p.csv", "id,name\n1,a\n2,b\n")
    put(glue_home, "sq/ev/dt=2024-01-01/part-0.json", '{"id": 1}\n')
    put(glue_home, "sq/ev/dt=2024-01-02/part-0.json", '{"id": 2}\n{"id": 3}\n')
    register_table(
        "sqdb",
        "people",
        location="s3://bkt/sq/people/",
        format="csv",
        format_options={"withHeader": "true"},
        columns=[{"Name": "pid", "Type": "bigint"}, {"Name": "who", "Type": "string"}],
    )
    register_table(
        "sqdb", "events", location="s3://bkt/sq/ev/", format="json", partition_keys=["dt"]
    )
    register_table("sqdb", "empty", location="s3://bkt/sq/none/", format="parquet")
    warnings: list[str] = []
    monkeypatch.setattr(GlueLogger, "warn", lambda self, message: warnings.append(message))
    try:
        monkeypatch.setattr("sys.argv", ["job.py", "--JOB_NAME", "j"])
        GlueContext(spark.sparkContext)
        assert not spark.catalog.databaseExists("sqdb")  # as on Glue without the flag

        monkeypatch.setattr(
            "sys.argv", ["job.py", "--JOB_NAME", "j", "--enable-glue-datacatalog", "true"]
        )
        GlueContext(spark.sparkContext)
        got = spark.sql("SELECT pid, who FROM sqdb.people WHERE pid > 1").collect()
        assert [tuple(r) for r in got] == [(2, "b")]
        by_day = spark.sql(
            "SELECT CAST(dt AS STRING), count(*) FROM sqdb.events GROUP BY dt ORDER BY dt"
        )
        assert [tuple(r) for r in by_day.collect()] == [("2024-01-01", 1), ("2024-01-02", 2)]
        assert spark.table("sqdb.people").count() == 2
        assert spark.table("sqdb.events").schema["dt"].dataType.simpleString() == "string"
        # a table a sink creates is a Spark SQL table at once, with Hive's type names
        from awsglue.dynamicframe import DynamicFrame

        glue = GlueContext(spark.sparkContext)
        sink = glue.getSink(
            connection_type="s3", path="s3://bkt/sq/made/", enableUpdateCatalog=True
        )
        sink.setFormat("glueparquet")
        sink.setCatalogInfo(catalogDatabase="sqdb", catalogTableName="made")
        sink.writeFrame(DynamicFrame.fromDF(spark.range(3), glue, "made"))
        assert spark.sql("SELECT count(*) FROM sqdb.made").first()[0] == 3
        from awsglue._catalog import get_table

        assert get_table("sqdb", "made")["columns"] == [{"Name": "id", "Type": "bigint"}]
        assert len(warnings) == 1
        assert warnings[0].startswith(
            "catalog table sqdb.empty is not visible to spark.sql (--enable-glue-datacatalog): "
            "AnalysisException: "
        )
    finally:
        spark.sql("DROP DATABASE IF EXISTS sqdb CASCADE")


def test_get_source_and_sink_as_glue_studio_writes_them(glue_home, glue_context):
    put(glue_home, "src/a.csv", "id,v\n1,x\n")
    source = glue_context.getSource("s3", paths=["s3://bkt/src/"])
    source.setFormat("csv", withHeader=True)
    frame = source.getFrame()
    sink = glue_context.getSink(
        path="s3://bkt/dst/",
        connection_type="s3",
        updateBehavior="UPDATE_IN_DATABASE",
        partitionKeys=[],
        enableUpdateCatalog=True,
        transformation_ctx="sink",
    )
    sink.setCatalogInfo(catalogDatabase="db", catalogTableName="dst")
    sink.setFormat("glueparquet", compression="snappy")
    sink.writeFrame(frame)
    table = json.loads((glue_home / "catalog.json").read_text())["databases"]["db"]["dst"]
    assert table["location"] == "s3://bkt/dst/"
    assert table["format"] == "parquet"
    assert table["columns"] == [{"Name": "id", "Type": "int"}, {"Name": "v", "Type": "string"}]
    assert (
        glue_context.create_dynamic_frame.from_catalog(database="db", table_name="dst").count() == 1
    )
    # partitioned: the table learns its keys, and reads give the partition column back
    parted = glue_context.getSink(
        path="s3://bkt/parted/",
        connection_type="s3",
        updateBehavior="UPDATE_IN_DATABASE",
        partitionKeys=["v"],
        enableUpdateCatalog=True,
    )
    parted.setCatalogInfo(catalogDatabase="db", catalogTableName="parted")
    parted.setFormat("glueparquet")
    parted.writeFrame(frame)
    table = json.loads((glue_home / "catalog.json").read_text())["databases"]["db"]["parted"]
    assert (table["columns"], table["partition_keys"]) == ([{"Name": "id", "Type": "int"}], ["v"])
    back = glue_context.create_dynamic_frame.from_catalog(database="db", table_name="parted")
    assert [(r["id"], r["v"]) for r in back.toDF().collect()] == [(1, "x")]


def test_update_behavior_log_keeps_the_tables_schema(glue_home, glue_context):
    """updateBehavior LOG: the catalog keeps the table's schema, format and location (AWS
    doc "Updating the schema, and adding new partitions in the Data Catalog")."""
    from awsglue._catalog import get_table, register_table
    from awsglue._errors import GlueRuntimeError

    columns = [{"Name": "id", "Type": "bigint"}, {"Name": "v", "Type": "string"}]
    register_table("db", "kept", location="s3://bkt/kept/", format="parquet", columns=columns)
    put(glue_home, "src2/a.json", '{"id": 1, "v": "x", "extra": true}\n')
    frame = glue_context.create_dynamic_frame.from_options(
        "s3", {"paths": ["s3://bkt/src2/"]}, "json"
    )
    for sink_path in ("s3://bkt/elsewhere/", None):
        sink = glue_context.getSink(
            connection_type="s3",
            updateBehavior="LOG",
            enableUpdateCatalog=True,
            **({"path": sink_path} if sink_path else {}),
        )
        sink.setCatalogInfo(catalogDatabase="db", catalogTableName="kept")
        sink.setFormat("json")
        sink.writeFrame(frame)
        table = get_table("db", "kept")
        assert (table["columns"], table["format"], table["location"]) == (
            columns,
            "parquet",
            "s3://bkt/kept/",
        )
    glue_context.write_dynamic_frame.from_catalog(
        frame,
        database="db",
        table_name="kept",
        additional_options={"enableUpdateCatalog": True, "updateBehavior": "LOG"},
    )
    assert get_table("db", "kept")["columns"] == columns
    bad = glue_context.getSink(
        path="s3://bkt/x/", connection_type="s3", updateBehavior="KEEP", enableUpdateCatalog=True
    )
    bad.setCatalogInfo(catalogDatabase="db", catalogTableName="kept")
    bad.setFormat("json")
    with pytest.raises(GlueRuntimeError, match=r"updateBehavior 'KEEP' must be UPDATE_IN_DATA"):
        bad.writeFrame(frame)
    assert not (glue_home / "s3/bkt/x").exists()  # refused before anything was written


def test_purge_s3_path_keeps_files_newer_than_the_retention(glue_home, glue_context):
    old = put(glue_home, "purge/old.txt", "o")
    put(glue_home, "purge/new.txt", "n")
    past = time.time() - 200 * 3600
    os.utime(old, (past, past))
    glue_context.purge_s3_path("s3://bkt/purge/")
    assert sorted(p.name for p in (glue_home / "s3/bkt/purge").iterdir()) == ["new.txt"]
    glue_context.purge_s3_path("s3://bkt/purge/", {"retentionPeriod": 0})
    assert list((glue_home / "s3/bkt/purge").iterdir()) == []


def test_job_init_commit_and_context_options(spark, glue_context):
    from awsglue._errors import UnsupportedFeatureError
    from awsglue.context import GlueContext
    from awsglue.job import Job

    assert GlueContext(spark, minPartitions=2).spark_session is spark
    assert glue_context.sparkSession is spark
    job = Job(glue_context)
    assert not job.isInitialized()
    job.init("j", {"job_bookmark_option": "job-bookmark-enable"})
    job.commit()
    assert job.isInitialized()
    with pytest.raises(UnsupportedFeatureError, match=r"GlueContext\.forEachBatch"):
        glue_context.forEachBatch(None, None, {})


def test_evaluate_data_quality_simple_rules_and_unsupported_ones(spark, glue_context):
    from awsglue._errors import UnsupportedFeatureError
    from awsglue.dynamicframe import DynamicFrame
    from awsgluedq.transforms import EvaluateDataQuality

    frame = DynamicFrame.fromDF(
        spark.createDataFrame([(1, "a"), (2, None), (3, "z")], "id long, c string"),
        glue_context,
        "f",
    )
    ruleset = """Rules = [ RowCount > 2, IsComplete "c", ColumnValues "c" in ["a", "z"],
                           IsUnique "id", ColumnValues "id" between 0 and 4 ]"""
    outcomes = {
        r["Rule"]: r
        for r in EvaluateDataQuality.apply(frame=frame, ruleset=ruleset).toDF().collect()
    }
    assert {k: v["Outcome"] for k, v in outcomes.items()} == {
        "RowCount > 2": "Passed",
        'IsComplete "c"': "Failed",
        'ColumnValues "c" in ["a", "z"]': "Failed",
        'IsUnique "id"': "Passed",
        'ColumnValues "id" between 0 and 4': "Passed",
    }
    rows = EvaluateDataQuality().process_rows(frame=frame, ruleset=ruleset)["rowLevelOutcomes"]
    results = {r["id"]: r["DataQualityEvaluationResult"] for r in rows.toDF().collect()}
    assert results == {1: "Passed", 2: "Failed", 3: "Passed"}
    with pytest.raises(UnsupportedFeatureError, match="data quality rule type 'CustomSql'"):
        EvaluateDataQuality.apply(frame=frame, ruleset='Rules = [ CustomSql "select 1" ]')


def test_spigot_writes_a_sample_and_unbox_parses_json(glue_home, glue_context, spark):
    from awsglue.dynamicframe import DynamicFrame
    from awsglue.transforms import Spigot, Unbox

    frame = DynamicFrame.fromDF(
        spark.createDataFrame(
            [(i, f'{{"a": {i}, "b": "x{i}"}}') for i in range(5)], "id long, payload string"
        ),
        glue_context,
        "f",
    )
    passed = Spigot.apply(frame=frame, path="s3://bkt/spigot/", options={"topk": 2})
    assert passed is frame
    sample = [line for p in (glue_home / "s3/bkt/spigot").glob("part-*") for line in p.open()]
    assert len(sample) == 2
    unboxed = Unbox.apply(frame=frame, path="payload", format="json").toDF()
    assert unboxed.schema["payload"].dataType.simpleString() == "struct<a:bigint,b:string>"
    assert unboxed.where("id = 3").first()["payload"]["b"] == "x3"


def test_unbox_makes_a_value_that_is_not_json_an_error_record(glue_context, spark):
    from awsglue._errors import GlueRuntimeError
    from awsglue.dynamicframe import DynamicFrame

    frame = DynamicFrame.fromDF(
        spark.createDataFrame(
            [(1, '{"a": 1}'), (2, "not json"), (3, None)], "id long, payload string"
        ),
        glue_context,
        "f",
    )
    unboxed = frame.unbox("payload", "json", transformation_ctx="ub")
    assert unboxed.toDF().schema["payload"].dataType.simpleString() == "struct<a:bigint>"
    assert [tuple(r) for r in unboxed.toDF().orderBy("id").collect()] == [(1, (1,)), (3, None)]
    assert (unboxed.errorsCount(), unboxed.stageErrorsCount()) == (1, 1)
    [error] = [r.asDict() for r in unboxed.errorsAsDynamicFrame().toDF().collect()]
    assert error == {
        "transformation_ctx": "ub",
        "error": "unbox: field 'payload' is not JSON",
        "record": '{"id":2,"payload":"not json"}',
    }
    with pytest.raises(
        GlueRuntimeError,
        match=r"^unbox: field 'id' is bigint, not a string: unbox parses JSON text; give the "
        r"path of a string field \(cast it first with ApplyMapping or resolveChoice\)$",
    ):
        frame.unbox("id", "json")
