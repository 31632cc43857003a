"""Delta lake I/O (数据湖读写): the one module that decides how tables are read and written.

delta-rs (``deltalake``) is the writer of record: delta-spark's jars come from Maven at session
start, which is unreachable offline. Spark jobs therefore read a snapshot's parquet files as
listed by delta-rs, and write through a parquet stage that delta-rs commits in one transaction.
Where a Spark session has Delta configured natively (a cluster that can fetch the jars), the
Spark functions use ``format("delta")`` instead; that is the only branch on engine.

Tables are addressed by URI strings (local paths or ``s3://…``); :func:`table_uri` maps the
dotted names used across the project (``bronze.card_system__ac01``) to them.

Row filters for :func:`read` use the disjunctive-normal-form tuples of ``pyarrow.parquet``
(``[("ds", "=", date(2026, 1, 1))]``; a list of such lists ORs them): plain data that can
travel through XCom and logs, unlike a pyarrow expression.
"""

from __future__ import annotations

import contextlib
import datetime as dt
import hashlib
import io
import os
import re
import shutil
import subprocess
import sys
import uuid
from collections.abc import Mapping, Sequence
from pathlib import Path
from typing import TYPE_CHECKING, Any, Literal, get_args

import pyarrow as pa
import pyarrow.compute as pc
import pyarrow.csv as pa_csv
import pyarrow.dataset as pds
import pyarrow.fs as pa_fs
import pyarrow.parquet as pq
from deltalake import DeltaTable, write_deltalake

if TYPE_CHECKING:
    from collections.abc import Iterator

    from pyspark.sql import DataFrame, SparkSession
    from pyspark.sql.types import StructType

__all__ = [
    "JavaNotFoundError",
    "append",
    "checksum",
    "default_root",
    "delete",
    "exists",
    "history",
    "merge",
    "overwrite",
    "read",
    "replace_partition",
    "spark_read",
    "spark_session",
    "spark_write",
    "table_uri",
    "vacuum",
    "version",
]

Data = pa.Table | pa.RecordBatchReader
PartitionValue = str | int | dt.date
Filter = Sequence[tuple[str, str, Any]] | Sequence[Sequence[tuple[str, str, Any]]]
Uri = str | os.PathLike[str]
SparkMode = Literal["append", "overwrite", "replace_partition"]

_NAME = re.compile(r"^([a-z][a-z0-9_]*)\.([a-z0-9_]+)$")
_STAGING = "_staging"  # Delta readers and vacuum skip every "_"-prefixed directory
_FILE_COLUMN = "__ykt_file_name"
JAVA_MISSING = "未找到 Java 17+ / Java 17+ not found: install openjdk-17-jre-headless"


class JavaNotFoundError(RuntimeError):
    """No Java 17+ runtime, which Spark 4 needs."""


# ---------- table names


def default_root() -> str:
    """The lake root from settings: ``YKT_LAKE_URI``, else ``<YKT_HOME>/lake``."""
    from yikatong.settings import get_settings

    return get_settings().lake_root


def table_uri(name: str, root: Uri | None = None) -> str:
    """``"silver.person"`` → ``<root>/silver/person`` (root defaults to :func:`default_root`)."""
    match = _NAME.match(name)
    if not match:
        raise ValueError(f"表名应为 层.表（小写）/ table name must be lowercase '<layer>.<table>': {name!r}")
    layer, table = match.groups()
    return _norm(f"{_norm(root or default_root())}/{layer}/{table}")


def _norm(uri: Uri) -> str:
    """Local paths made absolute (pyarrow's filesystems need that); remote URIs kept as given."""
    text = os.fspath(uri)
    if "://" in text:
        return text.rstrip("/")
    return os.path.abspath(os.path.expanduser(text))


# ---------- reading


def read(
    uri: Uri,
    version: int | None = None,
    timestamp: dt.datetime | str | None = None,
    columns: Sequence[str] | None = None,
    filter: Filter | None = None,
) -> pa.Table:
    """A snapshot as an Arrow table: current, or as of ``version`` or ``timestamp`` (time travel).

    ``filter`` takes the pyarrow.parquet DNF tuples (see the module docstring); files whose
    partition values or statistics exclude the filter are not opened.
    """
    table = _snapshot(uri, version, timestamp)
    expression = pq.filters_to_expression(filter) if filter else None
    projection = list(columns) if columns is not None else None
    return _dataset(table, uri).to_table(columns=projection, filter=expression)


def exists(uri: Uri) -> bool:
    """Whether ``uri`` holds a Delta table (a ``_delta_log`` with at least one commit)."""
    return DeltaTable.is_deltatable(_norm(uri))


def version(uri: Uri) -> int:
    """The table's current version (0 after the first commit)."""
    return DeltaTable(_norm(uri)).version()


def history(uri: Uri, limit: int | None = None) -> list[dict[str, Any]]:
    """Commit metadata, newest first (operation, parameters, metrics, timestamp, version)."""
    return DeltaTable(_norm(uri)).history(limit)


def _snapshot(uri: Uri, version: int | None, timestamp: dt.datetime | str | None) -> DeltaTable:
    """The DeltaTable at a version or timestamp (not both: they would contradict each other)."""
    if version is not None and timestamp is not None:
        raise ValueError("version 与 timestamp 只能二选一 / pass version or timestamp, not both")
    table = DeltaTable(_norm(uri), version=version)
    if timestamp is not None:
        _load_as_of(table, timestamp)
    return table


def _load_as_of(table: DeltaTable, timestamp: dt.datetime | str) -> None:
    """Load the version current at ``timestamp`` (naive means UTC, the platform's convention).

    delta-rs silently loads version 0 for a moment before the table existed; that would be a
    wrong answer, so it is refused here as Spark's Delta reader does. The commit time comes from
    a fresh handle because ``history()`` of a time-travelled one numbers versions from the
    loaded version down (delta-rs 1.6: ``[0, -1]`` after loading version 0 of two).
    """
    moment = dt.datetime.fromisoformat(timestamp) if isinstance(timestamp, str) else timestamp
    moment = moment if moment.tzinfo else moment.replace(tzinfo=dt.UTC)
    table.load_as_version(moment)
    commits = DeltaTable(table.table_uri).history()
    commit = next(entry for entry in commits if entry["version"] == table.version())
    if dt.datetime.fromtimestamp(commit["timestamp"] / 1000, dt.UTC) > moment:
        raise ValueError(f"时间早于表的第一个版本 / {moment.isoformat()} is before the table's first version")


def _dataset(table: DeltaTable, uri: Uri) -> pds.Dataset:
    """The snapshot as a pyarrow dataset over pyarrow's own filesystem.

    delta-rs's default filesystem (a PyFileSystem over its Rust object store) makes the
    interpreter abort at exit ("terminate called without an active exception") once pyarrow has
    read through it with threads; pyarrow's native filesystems avoid that.
    """
    filesystem, path = pa_fs.FileSystem.from_uri(_norm(uri))
    return table.to_pyarrow_dataset(filesystem=pa_fs.SubTreeFileSystem(path, filesystem))


# ---------- writing


def append(uri: Uri, data: Data, partition_by: Sequence[str] | None = None) -> None:
    """Add rows in one commit; a new table is created (partitioned by ``partition_by``).

    An existing table keeps its own partitioning when ``partition_by`` is None.
    """
    write_deltalake(_norm(uri), data, mode="append", partition_by=_columns(partition_by))


def overwrite(uri: Uri, data: Data, partition_by: Sequence[str] | None = None) -> None:
    """Replace the whole table, schema included, in one commit (old versions stay until vacuum).

    The schema follows the data because a full rebuild (a gold table from scratch) is exactly
    when columns change; contracts guard the content. ``partition_by=None`` keeps the table's
    partitioning; a list (``[]`` for none) replaces it.
    """
    write_deltalake(
        _norm(uri), data, mode="overwrite", partition_by=_columns(partition_by), schema_mode="overwrite"
    )


def replace_partition(
    uri: Uri,
    data: Data,
    predicate: Mapping[str, PartitionValue],
    partition_by: Sequence[str] | None = None,
) -> None:
    """Atomically replace exactly the rows matching ``predicate`` (one logical date's partition).

    One commit removes the matching rows and adds ``data``: readers see the old rows or the new
    ones, never a mix, and a rerun with the same data gives the same content. ``data`` must hold
    only matching rows (ValueError otherwise), or a rerun would duplicate the strays. A new table
    is partitioned by ``partition_by``, by default the predicate's columns.
    """
    if not predicate:
        raise ValueError("replace_partition 需要分区条件 / replace_partition needs a predicate")
    if isinstance(data, pa.Table):
        _check_rows(data, predicate)
    # an existing table keeps its partitioning
    partitions = None if exists(uri) else list(predicate if partition_by is None else partition_by)
    errors: list[ValueError] = []
    try:
        write_deltalake(
            _norm(uri),
            data if isinstance(data, pa.Table) else _checked_reader(data, predicate, errors),
            mode="overwrite",
            predicate=_predicate_sql(predicate),
            partition_by=partitions,
        )
    except Exception as exc:
        if errors:  # our own check failed inside delta-rs's stream: say so, not "Arrow error"
            raise errors[0] from exc
        raise


def merge(
    uri: Uri,
    data: Data,
    keys: Sequence[str],
    when_matched: Literal["update_all", "delete"] | None = "update_all",
    when_not_matched: Literal["insert_all"] | None = "insert_all",
    partition_by: Sequence[str] | None = None,
) -> dict[str, Any]:
    """Upsert ``data`` by ``keys`` (MERGE INTO) and return delta-rs's merge metrics.

    A missing table is first created empty with the data's schema, so the first run and a rerun
    follow the same merge rules. Keys compare with SQL ``=``: a null key never matches. Keys
    must be unique in ``data`` (checked for a Table): delta-rs inserts a new key's duplicates
    twice and then refuses the rerun, which would break idempotency.
    """
    if not keys:
        raise ValueError("merge 需要主键 / merge needs keys")
    if isinstance(data, pa.Table) and data.group_by(list(keys)).aggregate([]).num_rows != data.num_rows:
        raise ValueError(f"合并数据主键重复 / duplicate keys {list(keys)} in merge data")
    uri = _norm(uri)
    if not exists(uri):
        DeltaTable.create(uri, data.schema, partition_by=_columns(partition_by))
    condition = " AND ".join(f"t.{_ident(k)} = s.{_ident(k)}" for k in keys)
    merger = DeltaTable(uri).merge(data, predicate=condition, source_alias="s", target_alias="t")
    if when_matched == "update_all":
        merger = merger.when_matched_update_all()
    elif when_matched == "delete":
        merger = merger.when_matched_delete()
    if when_not_matched == "insert_all":
        merger = merger.when_not_matched_insert_all()
    return merger.execute()


def delete(uri: Uri, predicate_sql: str) -> dict[str, Any]:
    """Delete the rows matching a SQL predicate; files stay on disk until :func:`vacuum`."""
    if not predicate_sql.strip():
        raise ValueError("delete 需要条件（清空请用 overwrite）/ delete needs a predicate; use overwrite")
    return DeltaTable(_norm(uri)).delete(predicate_sql)


def vacuum(uri: Uri, retention_hours: int = 0) -> list[str]:
    """Physically remove files the current snapshot no longer uses; return their paths.

    Data destruction (数据销毁) needs this after :func:`delete`, which only unlinks files from
    the log. A retention under delta-rs's 7-day floor needs ``enforce_retention_duration=False``;
    it also ends time travel to the versions those files served.
    """
    table = DeltaTable(_norm(uri))
    return table.vacuum(retention_hours=retention_hours, dry_run=False, enforce_retention_duration=False)


def _columns(names: Sequence[str] | None) -> list[str] | None:
    """None keeps an existing table's partitioning; a list (``[]`` = none) sets it."""
    return None if names is None else list(names)


def _ident(name: str, quote: str = '"') -> str:
    """A quoted SQL identifier: unquoted ones are lower-cased by DataFusion (delta-rs's SQL)."""
    return quote + name.replace(quote, quote * 2) + quote


def _literal(value: PartitionValue) -> str:
    """A SQL literal; dates as ISO strings, which delta-rs casts to the column's type."""
    if isinstance(value, int) and not isinstance(value, bool):
        return str(value)
    text = value.isoformat() if isinstance(value, dt.date) else str(value)
    return "'" + text.replace("'", "''") + "'"


def _predicate_sql(predicate: Mapping[str, PartitionValue], quote: str = '"') -> str:
    return " AND ".join(f"{_ident(c, quote)} = {_literal(v)}" for c, v in predicate.items())


def _check_rows(rows: pa.Table | pa.RecordBatch, predicate: Mapping[str, PartitionValue]) -> None:
    """Raise ValueError when a row lies outside ``predicate`` (a null partition value does)."""
    missing = [column for column in predicate if column not in rows.schema.names]
    if missing:
        raise ValueError(f"数据缺少分区列 / data lacks the partition columns {missing}")
    for column, value in predicate.items():
        expected = pa.scalar(value).cast(rows.schema.field(column).type)
        matches = pc.equal(rows.column(column), expected).fill_null(False)
        outside = rows.num_rows - (pc.sum(matches).as_py() or 0)
        if outside:
            raise ValueError(
                f"{outside} 行不属于分区 {column}={value!r} / {outside} rows lie outside the partition "
                f"{column}={value!r}"
            )


def _checked_reader(
    reader: pa.RecordBatchReader, predicate: Mapping[str, PartitionValue], errors: list[ValueError]
) -> pa.RecordBatchReader:
    """``reader`` checked batch by batch as delta-rs streams it (a stage may not fit in memory).

    A failing check stops the stream, so delta-rs aborts before committing; the error is kept in
    ``errors`` because delta-rs reports it only as a generic Arrow error.
    """

    def batches() -> Iterator[pa.RecordBatch]:
        for batch in reader:
            try:
                _check_rows(batch, predicate)
            except ValueError as error:
                errors.append(error)
                raise
            yield batch

    return pa.RecordBatchReader.from_batches(reader.schema, batches())


# ---------- content checksum


class _HashSink(io.RawIOBase):
    """A write-only file that feeds everything written to it into a hash."""

    def __init__(self, digest: Any) -> None:
        super().__init__()
        self._digest = digest

    def writable(self) -> bool:
        return True

    def write(self, data: Any) -> int:
        self._digest.update(data)
        return len(data)


def checksum(uri: Uri, version: int | None = None) -> str:
    """Order-independent SHA-256 of a snapshot's schema and rows, to prove reruns are identical.

    Rows are sorted by every column and rendered as CSV, whose text depends only on the values
    and types, not on file layout, chunking or the bytes Arrow leaves behind null slots.
    """
    table = read(uri, version=version)
    digest = hashlib.sha256(table.schema.remove_metadata().to_string().encode())
    ordered = table.sort_by([(name, "ascending") for name in table.column_names])
    pa_csv.write_csv(ordered, _HashSink(digest))
    return digest.hexdigest()


# ---------- Spark


def spark_session(app_name: str = "ykt", **conf: str) -> SparkSession:
    """A local Spark session for this 2-core machine; the first call takes 10–45 s.

    Start-up is mostly the JVM and SparkContext, so everything optional is off: the UI, console
    progress, the Hive catalog, and hostname lookups. ``conf`` overrides any default, e.g.
    ``**{"spark.master": "spark://master:7077"}``.
    """
    _require_java()
    from pyspark.sql import SparkSession

    settings = _session_conf(conf)
    # pyspark starts its Python workers with $PYSPARK_PYTHON (default "python3", outside the venv);
    # the spark.pyspark.python conf only reaches spark-submit.
    os.environ.setdefault("PYSPARK_PYTHON", settings["spark.pyspark.python"])
    if "spark.driver.host" in settings:
        # Spark resolves the machine's address before reading any conf (and warns about it).
        os.environ.setdefault("SPARK_LOCAL_IP", settings["spark.driver.host"])
    builder = SparkSession.builder.appName(app_name)
    for key, value in settings.items():
        builder = builder.config(key, value)
    session = builder.getOrCreate()
    session.sparkContext.setLogLevel("ERROR")
    return session


def _session_conf(overrides: Mapping[str, str]) -> dict[str, str]:
    """The session's conf: the defaults below (why: see the comments), then ``overrides``.

    The loopback driver address only suits local mode: a cluster's executors must reach the driver.
    """
    settings = _local_defaults() | dict(overrides)
    if not settings["spark.master"].startswith("local"):
        for key in ("spark.driver.host", "spark.driver.bindAddress"):
            if key not in overrides:
                del settings[key]
    return settings


def _local_defaults() -> dict[str, str]:
    return {
        "spark.master": "local[2]",
        "spark.driver.memory": os.environ.get("YKT_SPARK_DRIVER_MEMORY", "4g"),
        "spark.sql.shuffle.partitions": "4",  # 200 default tasks would be pure overhead on 2 cores
        "spark.ui.enabled": "false",
        "spark.ui.showConsoleProgress": "false",
        "spark.sql.catalogImplementation": "in-memory",  # no Hive metastore, no derby.log
        "spark.driver.host": "127.0.0.1",  # skip reverse DNS of the hostname
        "spark.driver.bindAddress": "127.0.0.1",
        "spark.sql.session.timeZone": "UTC",
        "spark.sql.execution.arrow.pyspark.enabled": "true",
        # delta-rs wants timestamp[us]: INT96 would arrive as nanoseconds of another type
        "spark.sql.parquet.outputTimestampType": "TIMESTAMP_MICROS",
        "spark.sql.parquet.datetimeRebaseModeInWrite": "CORRECTED",  # birth dates before 1582 stay exact
        "spark.pyspark.python": sys.executable,  # workers use this environment, not the system Python
        "spark.log.level": "ERROR",
    }


def _require_java() -> None:
    """Fail early and clearly: without Java, pyspark only says its gateway exited."""
    java = _java_binary()
    if java is None or _java_major(java) < 17:
        raise JavaNotFoundError(JAVA_MISSING)


def _java_binary() -> str | None:
    home = os.environ.get("JAVA_HOME")
    if home and os.access(Path(home) / "bin" / "java", os.X_OK):
        return str(Path(home) / "bin" / "java")
    return shutil.which("java")


def _java_major(java: str) -> int:
    """17 for ``openjdk version "17.0.15"``, 8 for ``"1.8.0_292"``, 0 when unreadable."""
    try:
        banner = subprocess.run([java, "-version"], capture_output=True, text=True, timeout=60).stderr
    except (OSError, subprocess.TimeoutExpired):
        return 0
    match = re.search(r'version "(\d+)(?:\.(\d+))?', banner)
    if not match:
        return 0
    major = int(match.group(1))
    return int(match.group(2) or 0) if major == 1 else major


def _native_delta(spark: SparkSession) -> bool:
    """Whether this session has delta-spark (then Spark reads and writes Delta itself)."""
    return "DeltaSparkSessionExtension" in (spark.conf.get("spark.sql.extensions", "") or "")


def _spark_path(uri: str) -> str:
    """The URI as Hadoop spells it: Spark's S3 connector is ``s3a://``, pyarrow's is ``s3://``."""
    return "s3a://" + uri[len("s3://") :] if uri.startswith("s3://") else uri


def spark_read(
    spark: SparkSession,
    uri: Uri,
    version: int | None = None,
    partitions: Mapping[str, PartitionValue] | None = None,
) -> DataFrame:
    """A table snapshot (current, or ``version``) as a Spark DataFrame.

    ``partitions`` (partition column → value, e.g. ``{"_logical_date": ds}``) reads only those
    partitions' files: without native Delta the file list comes from delta-rs's snapshot pruned by
    the log's partition values, so a job reading one logical date never opens the others. An empty
    table (or partition) gives an empty DataFrame with the table's schema.
    """
    uri = _norm(uri)
    if _native_delta(spark):
        reader = spark.read.format("delta")
        df = (reader if version is None else reader.option("versionAsOf", version)).load(_spark_path(uri))
        return df.where(_spark_condition(partitions)) if partitions else df
    table = DeltaTable(uri, version=version)
    schema = _spark_schema(table)
    columns = table.metadata().partition_columns
    _require_partition_columns(partitions or {}, columns, uri)
    pruning = [(name, "=", value) for name, value in (partitions or {}).items()] or None
    files = [_spark_path(file) for file in table.file_uris(file_pruning_predicate=pruning)]
    if not files:
        return spark.createDataFrame([], schema)
    if not columns:
        return spark.read.schema(schema).parquet(*files)
    return _with_partition_values(spark, table, schema, files, partitions or {})


def _require_partition_columns(
    partitions: Mapping[str, PartitionValue], columns: list[str], uri: str
) -> None:
    unknown = sorted(set(partitions) - set(columns))
    if unknown:
        raise ValueError(f"不是分区列 / not partition columns of {uri}: {unknown}")


def _spark_condition(partitions: Mapping[str, PartitionValue]):
    from pyspark.sql import functions as F

    condition = None
    for name, value in partitions.items():
        term = F.col(name) == F.lit(value)
        condition = term if condition is None else condition & term
    return condition


def _spark_schema(table: DeltaTable) -> StructType:
    from pyspark.sql.pandas.types import from_arrow_schema

    return from_arrow_schema(pa.schema(table.schema().to_arrow()))


def _with_partition_values(
    spark: SparkSession,
    table: DeltaTable,
    schema: StructType,
    files: list[str],
    fixed: Mapping[str, PartitionValue],
) -> DataFrame:
    """Read the files and put their partition values back on.

    Partition columns are not stored in the parquet files. Their values are taken from the log,
    the only authoritative copy: delta-rs percent-encodes them into directory names, which
    Spark's path parsing decodes wrongly for non-ASCII values (乐山 comes back as mojibake).
    Values ``fixed`` by the read's partition filter are constants; the others are joined on by
    file name (a broadcast of the selected files only).
    """
    from pyspark.sql import functions as F
    from pyspark.sql.types import StructType

    partitions = table.metadata().partition_columns
    data_schema = StructType([field for field in schema.fields if field.name not in partitions])
    data = spark.read.schema(data_schema).parquet(*files)
    types = {field.name: field.dataType for field in schema.fields}
    present = F.col("_metadata.file_name").isNotNull()  # always true, but not a constant Spark folds
    for name in partitions:
        if name in fixed:
            # a CASE without ELSE is nullable, like the column in the table's schema (a bare literal is not)
            data = data.withColumn(name, F.when(present, F.lit(fixed[name])).cast(types[name]))
    joined = [name for name in partitions if name not in fixed]
    if joined:
        data = data.withColumn(_FILE_COLUMN, F.col("_metadata.file_name"))
        selected = {file.rsplit("/", 1)[-1] for file in files}
        values = spark.createDataFrame(_partition_values(table, joined, selected))
        data = data.join(F.broadcast(values), _FILE_COLUMN)
    return data.select([F.col(field.name).cast(field.dataType) for field in schema.fields])


def _partition_values(table: DeltaTable, partitions: list[str], selected: set[str]) -> pa.Table:
    """One row per selected data file: its name and partition values, from the log's add actions."""
    actions = pa.table(table.get_add_actions(flatten=True))
    names = [path.rsplit("/", 1)[-1] for path in actions["path"].to_pylist()]
    if len(set(names)) != len(names):
        raise RuntimeError(f"数据文件重名 / duplicate data file names in {table.table_uri}")
    columns = {_FILE_COLUMN: pa.array(names, pa.string())}
    values = pa.table(columns | {name: actions[f"partition.{name}"] for name in partitions})
    return values.filter(pc.is_in(values[_FILE_COLUMN], value_set=pa.array(sorted(selected), pa.string())))


def spark_write(
    df: DataFrame,
    uri: Uri,
    mode: SparkMode = "append",
    predicate: Mapping[str, PartitionValue] | None = None,
    partition_by: Sequence[str] | None = None,
) -> None:
    """Write ``df`` with the same semantics as :func:`append`, :func:`overwrite` or :func:`replace_partition`.

    Without native Delta, Spark writes parquet to ``<table>/_staging/<uuid>`` and delta-rs
    streams those rows into the table in one transaction (rewriting them: about as long as
    :func:`append` of the same rows); the stage is removed either way, so a failure before the
    commit leaves the table's version and content as they were. Coalesce a frame of many small
    partitions first: Spark writes one stage file per partition.
    """
    if mode not in get_args(SparkMode):
        raise ValueError(f"未知写入模式 / unknown mode {mode!r}")
    if mode == "replace_partition" and not predicate:
        raise ValueError("replace_partition 需要分区条件 / replace_partition needs a predicate")
    uri = _norm(uri)
    if _native_delta(df.sparkSession):
        _spark_write_native(df, uri, mode, predicate, partition_by)
        return
    stage = f"{uri}/{_STAGING}/{uuid.uuid4().hex}"
    try:
        _write_stage(df, stage)
        _commit(uri, _stage_reader(df, stage), mode, predicate, partition_by)
    finally:
        _remove_dir(stage)


def _write_stage(df: DataFrame, stage: str) -> None:
    # The session may not come from spark_session(): INT96 timestamps would change type.
    df.sparkSession.conf.set("spark.sql.parquet.outputTimestampType", "TIMESTAMP_MICROS")
    df.write.parquet(_spark_path(stage))


def _stage_reader(df: DataFrame, stage: str) -> pa.RecordBatchReader:
    """The stage as a stream, typed by the DataFrame's schema (also right for an empty stage)."""
    from pyspark.sql.pandas.types import to_arrow_schema

    schema = to_arrow_schema(df.schema, timezone="UTC")
    return pds.dataset(stage, schema=schema, format="parquet").scanner().to_reader()


def _commit(
    uri: str,
    data: pa.RecordBatchReader,
    mode: SparkMode,
    predicate: Mapping[str, PartitionValue] | None,
    partition_by: Sequence[str] | None,
) -> None:
    if mode == "append":
        append(uri, data, partition_by)
    elif mode == "overwrite":
        overwrite(uri, data, partition_by)
    else:
        replace_partition(uri, data, predicate or {}, partition_by)


def _spark_write_native(
    df: DataFrame,
    uri: str,
    mode: SparkMode,
    predicate: Mapping[str, PartitionValue] | None,
    partition_by: Sequence[str] | None,
) -> None:
    """delta-spark's own writer, with the same semantics as the delta-rs path."""
    writer = df.write.format("delta").mode("append" if mode == "append" else "overwrite")
    if partition_by:
        writer = writer.partitionBy(*partition_by)
    if mode == "overwrite":
        writer = writer.option("overwriteSchema", "true")
    if mode == "replace_partition":
        writer = writer.option("replaceWhere", _predicate_sql(predicate or {}, quote="`"))
    writer.save(_spark_path(uri))


def _remove_dir(uri: str) -> None:
    """Remove a directory tree on whatever filesystem holds it; a missing one is fine."""
    filesystem, path = pa_fs.FileSystem.from_uri(uri)
    with contextlib.suppress(FileNotFoundError):
        filesystem.delete_dir(path)
