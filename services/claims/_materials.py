"""Materials (申请材料): files a resident uploads for a claim, checked by content, kept by Storage.

A file's type is what its bytes say (the first bytes of a PDF, JPEG or PNG; the parts of an
.xlsx package), never its name or the type the client claimed. Files may be uploaded before the
claim exists (then the claim names them) or for a claim waiting for them (submitted or returned).
"""

from __future__ import annotations

import hashlib
import io
import os
import zipfile
from collections.abc import Iterable

from sqlalchemy import select
from sqlalchemy.orm import Session

from models import Claim, ClaimMaterial, ClaimStatus, PolicyItemVersion
from models.clock import utcnow
from services.errors import Conflict, DomainError, InvalidInput, NotFound
from services.residents import bound_subject_ids
from services.storage import Storage

MAX_BYTES = 10 * 1024 * 1024
XLSX = "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet"
# content type -> the names item versions use in a material's `types`
TYPE_NAMES = {"application/pdf": "pdf", "image/jpeg": "jpg", "image/png": "png", XLSX: "xlsx"}
TYPE_ALIASES = {"jpeg": "jpg"}
ACCEPTING = (ClaimStatus.SUBMITTED, ClaimStatus.RETURNED)


class TooLarge(DomainError):
    """The upload is larger than the service keeps."""

    status = 413


def sniff(data: bytes) -> str | None:
    """Return the content type the bytes are (PDF, JPEG, PNG, XLSX), or None."""
    if data.startswith(b"%PDF-"):
        return "application/pdf"
    if data.startswith(b"\xff\xd8\xff"):
        return "image/jpeg"
    if data.startswith(b"\x89PNG\r\n\x1a\n"):
        return "image/png"
    if data.startswith(b"PK\x03\x04"):
        try:  # reading the central directory only: nothing is decompressed
            names = set(zipfile.ZipFile(io.BytesIO(data)).namelist())
        except (zipfile.BadZipFile, ValueError):
            return None
        if {"[Content_Types].xml", "xl/workbook.xml"} <= names:
            return XLSX
    return None


def upload_material(
    *,
    session: Session,
    storage: Storage,
    wechat_user_id: int,
    name: str,
    filename: str,
    data: bytes,
    claim_id: int | None = None,
) -> ClaimMaterial:
    """Check and keep one file; attach it to the claim when one is named."""
    if len(data) > MAX_BYTES:
        raise TooLarge(
            f"文件不能超过 {MAX_BYTES // (1024 * 1024)} MB",
            errors={"file": [f"文件大小 {len(data)} 字节，超过上限"]},
        )
    if not data:
        raise InvalidInput("文件是空的", errors={"file": ["文件是空的"]})
    content_type = sniff(data)
    if content_type is None:
        raise InvalidInput(
            "只能上传 PDF、JPG、PNG 或 Excel（xlsx）文件",
            errors={"file": ["文件内容不是 PDF、JPG、PNG 或 xlsx"]},
        )
    claim = None
    if claim_id is not None:
        claim = claim_accepting_materials(session, wechat_user_id, claim_id)
        check_names(session, claim.item_version_id, [(name, content_type)])
    key = storage.put(data)
    try:
        material = ClaimMaterial(
            claim_id=claim.id if claim else None,
            uploaded_by_id=wechat_user_id,
            name=name,
            filename=material_filename(filename, content_type),
            content_type=content_type,
            size=len(data),
            sha256=hashlib.sha256(data).hexdigest(),
            storage_key=key,
            created_at=utcnow(),
        )
        session.add(material)
        session.commit()
    except BaseException:
        session.rollback()
        storage.delete(key)  # nothing half written: no row, no file
        raise
    return material


def claim_accepting_materials(session: Session, wechat_user_id: int, claim_id: int) -> Claim:
    """Return the resident's claim if it takes materials now (submitted or returned)."""
    claim = session.get(Claim, claim_id)
    if claim is None or claim.subject_id not in bound_subject_ids(session, wechat_user_id):
        raise NotFound("申请不存在")
    if claim.status not in ACCEPTING:
        raise Conflict(
            "申请当前不能补充材料", errors={"claim_id": ["仅已提交或待补正的申请可补充"]}
        )
    return claim


def required_materials(session: Session, version_id: int) -> list[dict]:
    """Return the materials an item version lists: [{name, required, types}]."""
    version = session.get(PolicyItemVersion, version_id)
    return list(version.materials or []) if version else []


def check_names(
    session: Session, version_id: int, named: Iterable[tuple[str, str]], field: str = "name"
) -> None:
    """Refuse materials the item does not ask for, or of a type the item does not take."""
    listed = {m["name"]: m for m in required_materials(session, version_id)}
    problems: list[str] = []
    for name, content_type in named:
        wanted = listed.get(name)
        if wanted is None:
            problems.append(f"「{name}」不是本事项要求的材料")
            continue
        types = [TYPE_ALIASES.get(t, t) for t in wanted.get("types") or []]
        if types and TYPE_NAMES.get(content_type) not in types:
            problems.append(f"「{name}」应为 {'、'.join(types)} 文件")
    if problems:
        raise InvalidInput("材料不符合要求", errors={field: problems})


def unattached(
    session: Session, wechat_user_id: int, material_ids: Iterable[int]
) -> list[ClaimMaterial]:
    """Return the resident's uploaded materials not yet used by a claim, or raise."""
    ids = sorted(set(material_ids))
    if not ids:
        return []
    found = {
        m.id: m
        for m in session.scalars(
            select(ClaimMaterial)
            .where(ClaimMaterial.id.in_(ids), ClaimMaterial.uploaded_by_id == wechat_user_id)
            # a locking read sees the latest commit (two claims must not take the same file)
            .with_for_update()
        )
    }
    missing = [i for i in ids if i not in found]
    if missing:
        raise InvalidInput(
            "材料不存在", errors={"material_ids": [f"材料 {i} 不存在" for i in missing]}
        )
    used = [i for i in ids if found[i].claim_id is not None or found[i].supplement_id is not None]
    if used:
        raise InvalidInput(
            "材料已用于其他申请", errors={"material_ids": [f"材料 {i} 已被使用" for i in used]}
        )
    return [found[i] for i in ids]


def check_required(session: Session, version_id: int, names: Iterable[str]) -> None:
    """Raise naming every required material that is not among `names`."""
    have = set(names)
    lacking = [
        m["name"]
        for m in required_materials(session, version_id)
        if m.get("required") and m["name"] not in have
    ]
    if lacking:
        raise InvalidInput(
            "请上传必需的材料：" + "、".join(lacking),
            errors={"material_ids": [f"缺少材料：{name}" for name in lacking]},
        )


def materials_of(session: Session, claim_id: int) -> list[ClaimMaterial]:
    """Return a claim's materials in upload order."""
    return list(
        session.scalars(
            select(ClaimMaterial)
            .where(ClaimMaterial.claim_id == claim_id)
            .order_by(ClaimMaterial.id)
        )
    )


def material_filename(filename: str, content_type: str) -> str:
    """Return the name a material is kept and downloaded under: the base name only (no folders,
    nothing unprintable), at most 200 characters, its extension the one of the type its bytes
    are (a JPEG sent as poly.html is kept as poly.jpg, so no program opens it as a page)."""
    base = os.path.basename(filename.replace("\\", "/"))
    base = "".join(ch for ch in base if ch.isprintable()).strip()
    stem, dot, extension = base.rpartition(".")
    if not dot:
        stem, extension = base, ""
    extension = extension.lower()
    if TYPE_ALIASES.get(extension, extension) != TYPE_NAMES[content_type]:
        extension = TYPE_NAMES[content_type]
    stem = stem.strip(" .")[: 200 - len(extension) - 1] or "file"
    return f"{stem}.{extension}"


def claim_file(
    session: Session, storage: Storage, claim_id: int, material_id: int, *, not_found: str
) -> tuple[ClaimMaterial, bytes]:
    """Return a material of this claim and its bytes; NotFound(`not_found`) when the material
    does not exist or belongs to another claim. The caller has checked who may see the claim."""
    material = session.get(ClaimMaterial, material_id)
    if material is None or material.claim_id != claim_id:
        raise NotFound(not_found)
    return material, storage.get(material.storage_key)


def my_material_file(
    *, session: Session, storage: Storage, wechat_user_id: int, claim_id: int, material_id: int
) -> tuple[ClaimMaterial, bytes]:
    """Return one material of a claim for a subject bound to me, and its bytes; anyone else's
    claim or material is not found (the same answer for both)."""
    not_found = "申请或材料不存在"
    claim = session.get(Claim, claim_id)
    if claim is None or claim.subject_id not in bound_subject_ids(session, wechat_user_id):
        raise NotFound(not_found)
    return claim_file(session, storage, claim_id, material_id, not_found=not_found)
