"""The entities every store, client and server exchanges, and their JSON form.

The JSON form is MLflow's proto-JSON: snake_case names, empty fields omitted, int64 as numbers,
enums by name, and non-finite metric values as the strings "NaN", "Infinity", "-Infinity".
`to_dict` / `from_dict` here are the only encoder and decoder of these shapes.
"""
from __future__ import annotations

import math
from dataclasses import dataclass, field
from typing import Any, Generic, Iterable, TypeVar


class ViewType:
    ACTIVE_ONLY = 1
    DELETED_ONLY = 2
    ALL = 3
    _BY_NAME = {"ACTIVE_ONLY": 1, "DELETED_ONLY": 2, "ALL": 3}

    @classmethod
    def parse(cls, value: Any, default: int = 1) -> int:
        """Accept a number or a name in any case (`active_only`, `ALL`, 3); unknown -> default."""
        if value is None or value == "":
            return default
        if isinstance(value, int) and value in (1, 2, 3):
            return value
        text = str(value).strip().upper()
        if text.isdigit() and int(text) in (1, 2, 3):
            return int(text)
        return cls._BY_NAME.get(text, default)

    @classmethod
    def stages(cls, view_type: int) -> tuple[str, ...]:
        return {1: ("active",), 2: ("deleted",), 3: ("active", "deleted")}[view_type]


class RunStatus:
    RUNNING, SCHEDULED, FINISHED, FAILED, KILLED = "RUNNING", "SCHEDULED", "FINISHED", "FAILED", "KILLED"
    ALL = ("RUNNING", "SCHEDULED", "FINISHED", "FAILED", "KILLED")
    _BY_NUMBER = {1: "RUNNING", 2: "SCHEDULED", 3: "FINISHED", 4: "FAILED", 5: "KILLED"}
    TERMINAL = ("FINISHED", "FAILED", "KILLED")

    @classmethod
    def parse(cls, value: Any) -> str | None:
        """A status name from a name or proto number; None for absent or unknown (MLflow drops those)."""
        if value is None or value == "":
            return None
        if isinstance(value, int):
            return cls._BY_NUMBER.get(value)
        text = str(value).strip().upper()
        if text.isdigit():
            return cls._BY_NUMBER.get(int(text))
        return text if text in cls.ALL else None


class LifecycleStage:
    ACTIVE = "active"
    DELETED = "deleted"


def encode_float(value: float) -> float | str:
    if math.isnan(value):
        return "NaN"
    if math.isinf(value):
        return "Infinity" if value > 0 else "-Infinity"
    return value


def decode_float(value: Any) -> float:
    """A metric value from JSON; rejects booleans and non-numbers with ValueError."""
    if isinstance(value, bool):
        raise ValueError(f"{value!r} is not a number")
    if isinstance(value, (int, float)):
        return float(value)
    if isinstance(value, str):
        text = value.strip()
        special = {"nan": math.nan, "infinity": math.inf, "-infinity": -math.inf, "inf": math.inf, "-inf": -math.inf}
        if text.lower() in special:
            return special[text.lower()]
        return float(text)
    raise ValueError(f"{value!r} is not a number")


def _tags_to_list(tags: dict[str, str]) -> list[dict]:
    return [{"key": k, "value": v} for k, v in tags.items()]


def _tags_from_list(items: Iterable[dict] | None) -> dict[str, str]:
    return {t["key"]: t.get("value", "") for t in items or ()}


def _prune(d: dict) -> dict:
    """Drop empty fields, as proto-JSON does."""
    return {k: v for k, v in d.items() if v is not None and v != [] and v != {} and v != ""}


@dataclass(slots=True)
class Experiment:
    experiment_id: str
    name: str
    artifact_location: str = ""
    lifecycle_stage: str = LifecycleStage.ACTIVE
    creation_time: int | None = None
    last_update_time: int | None = None
    tags: dict[str, str] = field(default_factory=dict)

    def to_dict(self) -> dict:
        return _prune({
            "experiment_id": self.experiment_id, "name": self.name,
            "artifact_location": self.artifact_location, "lifecycle_stage": self.lifecycle_stage,
            "last_update_time": self.last_update_time, "creation_time": self.creation_time,
            "tags": _tags_to_list(self.tags),
        })

    @classmethod
    def from_dict(cls, d: dict) -> "Experiment":
        return cls(str(d["experiment_id"]), d.get("name", ""), d.get("artifact_location", ""),
                   d.get("lifecycle_stage", LifecycleStage.ACTIVE), d.get("creation_time"),
                   d.get("last_update_time"), _tags_from_list(d.get("tags")))


@dataclass(slots=True)
class Metric:
    key: str
    value: float
    timestamp: int
    step: int = 0
    run_id: str | None = None
    dataset_name: str | None = None
    dataset_digest: str | None = None
    model_id: str | None = None

    def to_dict(self) -> dict:
        # The hottest encoder there is (history pages, run data): plain attribute tests, no loops.
        value = self.value
        d = {"key": self.key, "value": value if value - value == 0 else encode_float(value),
             "timestamp": self.timestamp, "step": self.step}
        if self.run_id:
            d["run_id"] = self.run_id
        if self.dataset_name:
            d["dataset_name"] = self.dataset_name
        if self.dataset_digest:
            d["dataset_digest"] = self.dataset_digest
        if self.model_id:
            d["model_id"] = self.model_id
        return d

    @classmethod
    def from_dict(cls, d: dict) -> "Metric":
        return cls(d["key"], decode_float(d["value"]), int(d.get("timestamp") or 0), int(d.get("step") or 0),
                   d.get("run_id"), d.get("dataset_name"), d.get("dataset_digest"), d.get("model_id"))


@dataclass(slots=True)
class Param:
    key: str
    value: str

    def to_dict(self) -> dict:
        return {"key": self.key, "value": self.value}


@dataclass(slots=True)
class RunTag:
    key: str
    value: str

    def to_dict(self) -> dict:
        return {"key": self.key, "value": self.value}


@dataclass(slots=True)
class RunInfo:
    run_id: str
    experiment_id: str
    run_name: str = ""
    user_id: str = ""
    status: str = RunStatus.RUNNING
    start_time: int | None = None
    end_time: int | None = None
    artifact_uri: str = ""
    lifecycle_stage: str = LifecycleStage.ACTIVE

    @property
    def run_uuid(self) -> str:
        return self.run_id

    def to_dict(self) -> dict:
        d = {"run_id": self.run_id, "run_uuid": self.run_id, "run_name": self.run_name,
             "experiment_id": self.experiment_id, "user_id": self.user_id, "status": self.status,
             "start_time": self.start_time, "end_time": self.end_time, "artifact_uri": self.artifact_uri,
             "lifecycle_stage": self.lifecycle_stage}
        return {k: v for k, v in d.items() if v is not None and (v != "" or k == "user_id")}

    @classmethod
    def from_dict(cls, d: dict) -> "RunInfo":
        return cls(d.get("run_id") or d["run_uuid"], str(d.get("experiment_id", "")), d.get("run_name", ""),
                   d.get("user_id", ""), RunStatus.parse(d.get("status")) or RunStatus.RUNNING,
                   d.get("start_time"), d.get("end_time"), d.get("artifact_uri", ""),
                   d.get("lifecycle_stage", LifecycleStage.ACTIVE))


@dataclass(slots=True)
class RunData:
    """Latest metric per key (as full Metric objects), params and tags of one run."""

    metric_list: list[Metric] = field(default_factory=list)
    params: dict[str, str] = field(default_factory=dict)
    tags: dict[str, str] = field(default_factory=dict)

    @property
    def metrics(self) -> dict[str, float]:
        return {m.key: m.value for m in self.metric_list}

    def to_dict(self) -> dict:
        d: dict[str, list] = {}
        if self.metric_list:
            d["metrics"] = [m.to_dict() for m in self.metric_list]
        if self.params:
            d["params"] = [{"key": k, "value": v} for k, v in self.params.items()]
        if self.tags:
            d["tags"] = _tags_to_list(self.tags)
        return d

    @classmethod
    def from_dict(cls, d: dict) -> "RunData":
        return cls([Metric.from_dict(m) for m in d.get("metrics", ())],
                   {p["key"]: p.get("value", "") for p in d.get("params", ())}, _tags_from_list(d.get("tags")))


@dataclass(slots=True)
class DatasetInput:
    name: str
    digest: str
    source_type: str = ""
    source: str = ""
    schema: str | None = None
    profile: str | None = None
    tags: dict[str, str] = field(default_factory=dict)

    def to_dict(self) -> dict:
        return _prune({"tags": _tags_to_list(self.tags), "dataset": _prune({
            "name": self.name, "digest": self.digest, "source_type": self.source_type, "source": self.source,
            "schema": self.schema, "profile": self.profile})})

    @classmethod
    def from_dict(cls, d: dict) -> "DatasetInput":
        ds = d.get("dataset", {})
        return cls(ds.get("name", ""), ds.get("digest", ""), ds.get("source_type", ""), ds.get("source", ""),
                   ds.get("schema"), ds.get("profile"), _tags_from_list(d.get("tags")))


@dataclass(slots=True)
class RunInputs:
    dataset_inputs: list[DatasetInput] = field(default_factory=list)
    model_inputs: list[str] = field(default_factory=list)

    def to_dict(self) -> dict:
        return _prune({"dataset_inputs": [x.to_dict() for x in self.dataset_inputs],
                       "model_inputs": [{"model_id": m} for m in self.model_inputs]})

    @classmethod
    def from_dict(cls, d: dict | None) -> "RunInputs":
        d = d or {}
        return cls([DatasetInput.from_dict(x) for x in d.get("dataset_inputs", ())],
                   [m["model_id"] for m in d.get("model_inputs", ())])


@dataclass(slots=True)
class RunOutputs:
    model_outputs: list[tuple[str, int]] = field(default_factory=list)

    def to_dict(self) -> dict:
        return _prune({"model_outputs": [{"model_id": m, "step": s} for m, s in self.model_outputs]})

    @classmethod
    def from_dict(cls, d: dict | None) -> "RunOutputs":
        return cls([(m["model_id"], int(m.get("step", 0))) for m in (d or {}).get("model_outputs", ())])


@dataclass(slots=True)
class Run:
    info: RunInfo
    data: RunData = field(default_factory=RunData)
    inputs: RunInputs = field(default_factory=RunInputs)
    outputs: RunOutputs = field(default_factory=RunOutputs)

    def to_dict(self) -> dict:
        return {"info": self.info.to_dict(), "data": self.data.to_dict(), "inputs": self.inputs.to_dict(),
                "outputs": self.outputs.to_dict()}

    @classmethod
    def from_dict(cls, d: dict) -> "Run":
        return cls(RunInfo.from_dict(d["info"]), RunData.from_dict(d.get("data", {})),
                   RunInputs.from_dict(d.get("inputs")), RunOutputs.from_dict(d.get("outputs")))


@dataclass(slots=True)
class FileInfo:
    path: str
    is_dir: bool
    file_size: int | None = None

    def to_dict(self) -> dict:
        d: dict[str, Any] = {"path": self.path, "is_dir": self.is_dir}
        if not self.is_dir and self.file_size is not None:
            d["file_size"] = self.file_size
        return d

    @classmethod
    def from_dict(cls, d: dict) -> "FileInfo":
        size = d.get("file_size")
        return cls(d["path"], bool(d.get("is_dir", False)), int(size) if size is not None else None)


class ModelVersionStage:
    """The legacy registry stages, in MLflow's canonical spelling (requests may use any case)."""

    NONE, STAGING, PRODUCTION, ARCHIVED = "None", "Staging", "Production", "Archived"
    ALL = ("None", "Staging", "Production", "Archived")
    ACTIVE = ("Staging", "Production")  # the stages `archive_existing_versions` applies to
    _BY_LOWER = {s.lower(): s for s in ALL}

    @classmethod
    def canonical(cls, value: Any) -> str | None:
        """`production` -> `Production`; None for anything that is not a stage."""
        return cls._BY_LOWER.get(str(value).strip().lower()) if value is not None else None


class LoggedModelStatus:
    """MLflow 3's LoggedModelStatus, by its proto names."""

    UNSPECIFIED = "LOGGED_MODEL_STATUS_UNSPECIFIED"
    PENDING = "LOGGED_MODEL_PENDING"
    READY = "LOGGED_MODEL_READY"
    FAILED = "LOGGED_MODEL_UPLOAD_FAILED"
    ALL = (UNSPECIFIED, PENDING, READY, FAILED)
    FINAL = (READY, FAILED)
    _BY_NUMBER = dict(enumerate(ALL))
    # The short names MLflow's Python enum uses (`LoggedModelStatus.READY`), for callers that send those.
    _BY_SHORT = {"PENDING": PENDING, "READY": READY, "FAILED": FAILED, "UPLOAD_FAILED": FAILED}

    @classmethod
    def parse(cls, value: Any) -> str | None:
        """A status name from a proto name, short name or number; None for absent or unknown."""
        if value is None or value == "" or isinstance(value, bool):
            return None
        if isinstance(value, int):
            return cls._BY_NUMBER.get(value)
        text = str(value).strip().upper()
        if text.isdigit():
            return cls._BY_NUMBER.get(int(text))
        return text if text in cls.ALL else cls._BY_SHORT.get(text)


@dataclass(slots=True)
class ModelVersion:
    name: str
    version: str
    creation_timestamp: int | None = None
    last_updated_timestamp: int | None = None
    user_id: str = ""
    current_stage: str = "None"
    description: str = ""
    source: str = ""
    run_id: str = ""
    status: str = "READY"
    status_message: str = ""
    tags: dict[str, str] = field(default_factory=dict)
    run_link: str = ""
    aliases: list[str] = field(default_factory=list)
    model_id: str | None = None

    def to_dict(self) -> dict:
        d = _prune({"name": self.name, "version": self.version, "creation_timestamp": self.creation_timestamp,
                    "last_updated_timestamp": self.last_updated_timestamp, "user_id": self.user_id,
                    "current_stage": self.current_stage, "source": self.source, "run_id": self.run_id,
                    "status": self.status, "status_message": self.status_message,
                    "tags": _tags_to_list(self.tags), "aliases": list(self.aliases), "model_id": self.model_id})
        d["description"] = self.description or ""
        d["run_link"] = self.run_link or ""
        return d

    @classmethod
    def from_dict(cls, d: dict) -> "ModelVersion":
        return cls(d["name"], str(d["version"]), d.get("creation_timestamp"), d.get("last_updated_timestamp"),
                   d.get("user_id", ""), d.get("current_stage", "None"), d.get("description", ""),
                   d.get("source", ""), d.get("run_id", ""), d.get("status", "READY"), d.get("status_message", ""),
                   _tags_from_list(d.get("tags")), d.get("run_link", ""), list(d.get("aliases", ())),
                   d.get("model_id"))


@dataclass(slots=True)
class RegisteredModel:
    name: str
    creation_timestamp: int | None = None
    last_updated_timestamp: int | None = None
    user_id: str = ""
    description: str = ""
    latest_versions: list[ModelVersion] = field(default_factory=list)
    tags: dict[str, str] = field(default_factory=dict)
    aliases: dict[str, str] = field(default_factory=dict)

    def to_dict(self) -> dict:
        return _prune({"name": self.name, "creation_timestamp": self.creation_timestamp,
                       "last_updated_timestamp": self.last_updated_timestamp, "user_id": self.user_id,
                       "description": self.description,
                       "latest_versions": [v.to_dict() for v in self.latest_versions],
                       "tags": _tags_to_list(self.tags),
                       "aliases": [{"alias": a, "version": v} for a, v in self.aliases.items()]})

    @classmethod
    def from_dict(cls, d: dict) -> "RegisteredModel":
        return cls(d["name"], d.get("creation_timestamp"), d.get("last_updated_timestamp"), d.get("user_id", ""),
                   d.get("description", ""), [ModelVersion.from_dict(v) for v in d.get("latest_versions", ())],
                   _tags_from_list(d.get("tags")), {a["alias"]: str(a["version"]) for a in d.get("aliases", ())})


@dataclass(slots=True)
class LoggedModel:
    """An MLflow 3 logged model: files under `artifact_location`, plus tags, params and metrics.

    Its JSON form is MLflow's `{"info": {...}, "data": {...}}`, where the location is `artifact_uri` and
    the timestamps carry an `_ms` suffix.
    """

    model_id: str
    experiment_id: str
    name: str
    artifact_location: str
    creation_timestamp: int | None = None
    last_updated_timestamp: int | None = None
    status: str = LoggedModelStatus.PENDING
    status_message: str = ""
    model_type: str = ""
    source_run_id: str = ""
    tags: dict[str, str] = field(default_factory=dict)
    params: dict[str, str] = field(default_factory=dict)
    metrics: list[Metric] = field(default_factory=list)

    @property
    def model_uri(self) -> str:
        return f"models:/{self.model_id}"

    def to_dict(self) -> dict:
        info = _prune({"model_id": self.model_id, "experiment_id": self.experiment_id, "name": self.name,
                       "creation_timestamp_ms": self.creation_timestamp,
                       "last_updated_timestamp_ms": self.last_updated_timestamp,
                       "artifact_uri": self.artifact_location, "status": self.status,
                       "model_type": self.model_type, "source_run_id": self.source_run_id,
                       "status_message": self.status_message, "tags": _tags_to_list(self.tags)})
        data = _prune({"params": [{"key": k, "value": v} for k, v in self.params.items()],
                       "metrics": [m.to_dict() for m in self.metrics]})
        return {"info": info, "data": data}

    @classmethod
    def from_dict(cls, d: dict) -> "LoggedModel":
        info, data = d.get("info", {}), d.get("data", {})
        return cls(info["model_id"], str(info.get("experiment_id", "")), info.get("name", ""),
                   info.get("artifact_uri", ""), info.get("creation_timestamp_ms"),
                   info.get("last_updated_timestamp_ms"),
                   LoggedModelStatus.parse(info.get("status")) or LoggedModelStatus.UNSPECIFIED,
                   info.get("status_message", ""), info.get("model_type", ""), info.get("source_run_id", ""),
                   _tags_from_list(info.get("tags")), {p["key"]: p.get("value", "") for p in data.get("params", ())},
                   [Metric.from_dict(m) for m in data.get("metrics", ())])


T = TypeVar("T")


class PagedList(list, Generic[T]):
    """A page of results plus the opaque token for the next page (None on the last page)."""

    def __init__(self, items: Iterable[T] = (), token: str | None = None):
        super().__init__(items)
        self.token = token
