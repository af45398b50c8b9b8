"""Profiles (一人一档 / 一企一档) from the data platform: batch imports and single upserts."""

from __future__ import annotations

from typing import Any

import marshmallow as ma
from flask import Response, jsonify, request
from flask.views import MethodView
from flask_smorest.pagination import PaginationParameters

from api.admin.fields import COMMON, Boolean, Dict, List, Schema, String, one_of, pattern
from api.auth import current_actor, staff_required
from api.blueprint import Blueprint
from api.errors import error_body
from api.extensions import db
from api.input_guard import json_body
from models import Role
from services import facts, profiles
from services.errors import InvalidInput
from services.profiles import FORMATS, format_of, read_json_rows, read_rows

blp = Blueprint(
    "admin_profiles", __name__, url_prefix="/profiles", description="一人一档 / 一企一档导入"
)

KINDS = ("person", "enterprise")
MODES = ("replace", "merge")


class ImportParamsSchema(Schema):
    """How to import a batch: its kind, its id, replace or merge, and what to do with bad rows."""

    kind = String(required=True, validate=one_of(KINDS))
    batch_id = String(
        required=True,
        validate=pattern(profiles.BATCH_ID.pattern, "批次号应为 1 至 57 个字母、数字或 . _ : -"),
        metadata={"example": "20261127-person-001"},
    )
    mode = String(load_default="replace", validate=one_of(MODES))
    skip_invalid = Boolean(load_default=False)
    format = String(validate=one_of(FORMATS), metadata={"description": "默认按文件扩展名判断"})


class ImportRowsSchema(ImportParamsSchema):
    """A batch sent as JSON: the parameters and the rows, each shaped like a JSON Lines line."""

    rows = List(ma.fields.Raw(error_messages=COMMON), required=True)


class RejectedRowSchema(ma.Schema):
    """A rejected row: its line (or position in `rows`), masked identifier and the reasons."""

    line = ma.fields.Integer()
    identifier = ma.fields.String()
    errors = ma.fields.Dict(keys=ma.fields.String(), values=ma.fields.List(ma.fields.String()))


class ImportReportSchema(ma.Schema):
    """What a batch did: counts, the change event written, and every rejected row."""

    batch_id = ma.fields.String()
    kind = ma.fields.String()
    source = ma.fields.String(metadata={"description": "jsonl, csv or api (JSON rows)"})
    status = ma.fields.String(metadata={"description": "applied or rejected"})
    mode = ma.fields.String()
    skip_invalid = ma.fields.Boolean()
    total_rows = ma.fields.Integer()
    inserted = ma.fields.Integer()
    updated = ma.fields.Integer()
    unchanged = ma.fields.Integer()
    rejected = ma.fields.Integer()
    change_event = ma.fields.String(allow_none=True, metadata={"description": "subject or full"})
    rejected_rows = ma.fields.List(ma.fields.Nested(RejectedRowSchema))
    rejected_rows_truncated = ma.fields.Boolean()
    file_error = ma.fields.Dict(allow_none=True)
    created_at = ma.fields.DateTime()
    replayed = ma.fields.Boolean(metadata={"description": "true: the stored report of a retry"})


class ProfileInSchema(Schema):
    """One subject's profile to store."""

    name = String(allow_none=True)
    phone = String(allow_none=True)
    legal_representative_name = String(
        allow_none=True, metadata={"description": "企业法定代表人姓名（与身份证号同时给出）"}
    )
    legal_representative_id_number = String(
        allow_none=True, metadata={"description": "企业法定代表人身份证号，仅存其查找哈希"}
    )
    facts = Dict(keys=String(), allow_none=True)
    mode = String(load_default="replace", validate=one_of(MODES))


class ProfileSchema(ma.Schema):
    """A stored profile, its 身份证号, phone and a person's name masked."""

    id = ma.fields.Integer()
    kind = ma.fields.String()
    identifier = ma.fields.String()
    name = ma.fields.String()
    phone = ma.fields.String(allow_none=True)
    district_code = ma.fields.String(allow_none=True)
    legal_representative_name = ma.fields.String(
        allow_none=True, metadata={"description": "企业法定代表人姓名，脱敏（张*）"}
    )
    facts = ma.fields.Dict()
    profile_seq = ma.fields.Integer()
    updated_at = ma.fields.DateTime()
    outcome = ma.fields.String(metadata={"description": "inserted, updated or unchanged"})


IMPORT_BODY = {
    "required": True,
    "content": {
        "multipart/form-data": {
            "schema": {
                "type": "object",
                "required": ["file", "kind", "batch_id"],
                "properties": {
                    "file": {"type": "string", "format": "binary"},
                    "kind": {"type": "string", "enum": list(KINDS)},
                    "batch_id": {"type": "string"},
                    "mode": {"type": "string", "enum": list(MODES)},
                    "skip_invalid": {"type": "boolean"},
                    "format": {"type": "string", "enum": list(FORMATS)},
                },
            }
        },
        "application/json": {"schema": ImportRowsSchema},
    },
}


# The data platform's machine client, and 数据管理员 uploading a file in the console (admins too).
IMPORTERS = (Role.DATA_PLATFORM, Role.CATALOG)


class BatchQuerySchema(Schema):
    """Filters of the batch list."""

    class Meta:
        unknown = ma.EXCLUDE  # the pagination arguments share the query string

    kind = String(validate=one_of(KINDS))
    status = String(validate=one_of(("applied", "rejected")))


@blp.route("/imports")
class Imports(MethodView):
    """Batches of profiles from the data platform."""

    @staff_required(blp, *IMPORTERS)
    @blp.arguments(BatchQuerySchema, location="query")
    @blp.response(200, ImportReportSchema(many=True))
    @blp.paginate()
    def get(self, filters: dict, pagination_parameters: PaginationParameters):
        """List the batches, newest first (each without its rejected rows: see its report)."""
        rows, total = profiles.list_batches(
            session=db.session,
            page=pagination_parameters.page,
            page_size=pagination_parameters.page_size,
            **filters,
        )
        pagination_parameters.item_count = total
        return rows

    @staff_required(blp, *IMPORTERS)
    @blp.doc(requestBody=IMPORT_BODY)
    @blp.response(200, ImportReportSchema)
    @blp.alt_response(422, description="批次未通过校验，未做任何更改；report 为完整报告")
    def post(self):
        """Import a batch of person or enterprise profiles (JSON Lines, CSV or JSON rows)."""
        if request.mimetype == "multipart/form-data":
            params, rows, source = _uploaded_batch()
        else:
            params = _load(ImportRowsSchema(), json_body())
            rows, source = read_json_rows(params.pop("rows")), "api"
        params.pop("format", None)
        report = profiles.import_profiles(
            session=db.session, actor=current_actor(), rows=rows, source=source, **params
        )
        if report["status"] == profiles.APPLIED:
            return report
        return _rejected(report)


@blp.route("/imports/<string:batch_id>")
class ImportReport(MethodView):
    """The report of one batch."""

    @staff_required(blp, *IMPORTERS)
    @blp.response(200, ImportReportSchema)
    def get(self, batch_id: str):
        """Show the stored report of a batch, applied or rejected."""
        return profiles.import_report(session=db.session, batch_id=batch_id)


@blp.route("/persons/<string:id_number>")
class PersonProfile(MethodView):
    """One person's profile, by 身份证号."""

    @staff_required(blp, Role.DATA_PLATFORM)
    @blp.arguments(ProfileInSchema)
    @blp.response(200, ProfileSchema)
    def put(self, body: dict, id_number: str):
        """Insert or update one person's profile."""
        return _upsert("person", id_number, body)


@blp.route("/enterprises/<string:uscc>")
class EnterpriseProfile(MethodView):
    """One enterprise's profile, by 统一社会信用代码."""

    @staff_required(blp, Role.DATA_PLATFORM)
    @blp.arguments(ProfileInSchema)
    @blp.response(200, ProfileSchema)
    def put(self, body: dict, uscc: str):
        """Insert or update one enterprise's profile."""
        return _upsert("enterprise", uscc, body)


def _upsert(kind: str, identifier: str, body: dict[str, Any]) -> dict[str, Any]:
    mode = body.pop("mode")
    return profiles.upsert_profile(
        session=db.session,
        actor=current_actor(),
        kind=kind,
        identifier=identifier,
        record=body,
        mode=mode,
    )


def _uploaded_batch() -> tuple[dict[str, Any], Any, str]:
    """Return the parameters, the rows (read line by line) and the format of an upload."""
    params = _load(ImportParamsSchema(), request.form.to_dict())
    upload = request.files.get("file")
    if upload is None:
        raise InvalidInput("请上传档案文件", errors={"file": ["缺少文件"]})
    try:
        fmt = params.get("format") or format_of(upload.filename or "")
    except ValueError as exc:
        raise InvalidInput(str(exc), errors={"file": [str(exc)]}) from None
    catalog = facts.current(db.session).of(params["kind"])
    return params, read_rows(upload.stream, facts=catalog, fmt=fmt), fmt


def _load(schema: ma.Schema, data: Any) -> dict[str, Any]:
    if not isinstance(data, dict):
        raise InvalidInput("请求内容应为 JSON 对象或 multipart 表单", errors={"body": ["格式有误"]})
    try:
        return schema.load(data)
    except ma.ValidationError as exc:
        # str(): werkzeug files a form part without a name under None, which jsonify cannot
        # sort among the other keys (a 500)
        errors = {str(key): value for key, value in exc.normalized_messages().items()}
        raise InvalidInput("导入参数有误", errors=errors) from None


def _rejected(report: dict[str, Any]) -> tuple[Response, int]:
    """Answer a batch that changed nothing: the one error shape, with the report beside it."""
    if report["file_error"]:
        message = f"文件有误，本批次未做任何更改：{report['file_error']['message']}"
        errors: dict[str, Any] = {"file": [report["file_error"]["message"]]}
    else:
        message = f"{report['rejected']} 行未通过校验，本批次未做任何更改"
        errors = {str(row["line"]): row["errors"] for row in report["rejected_rows"]}
    body = error_body(422, message, errors)
    body["report"] = ImportReportSchema().dump(report)
    return jsonify(body), 422
