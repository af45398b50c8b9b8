"""Claims (一键办理) and payouts (兑现): a resident submits, withdraws and resubmits a claim with
its materials; a department's reviewer reviews, approves, returns, rejects and pays it; grants
(免申即享) are confirmed by residents and paid by staff; promised time limits in working days.

Others call what __all__ lists (the resident and admin API, the claim_due_dates job). State
changes go through _steps (one place that moves a claim or a grant and writes its outbox
message); _checks holds what a claim must satisfy; _deadlines counts working days.
"""

from __future__ import annotations

from services.claims._contact import contact_phone, seal_clear_phones
from services.claims._deadlines import refresh_due_dates, warn_about_calendar
from services.claims._grants import (
    confirm_grant,
    decline_grant,
    list_grants,
    list_my_grants,
    pay_grant,
)
from services.claims._materials import (
    MAX_BYTES,
    TYPE_NAMES,
    material_filename,
    my_material_file,
    unattached,
    upload_material,
)
from services.claims._queue import ORDERS, get_claim, list_claims, material_file
from services.claims._review import (
    ACTIONS,
    approve_claim,
    bulk,
    pay_claim,
    reject_claim,
    return_claim,
    review_claim,
)
from services.claims._screening import form_texts, screen_texts
from services.claims._steps import ACTIVE
from services.claims._submit import (
    RATEABLE,
    get_my_claim,
    list_my_claims,
    rate_claim,
    resubmit_claim,
    submit_claim,
    withdraw_claim,
)

__all__ = [
    "contact_phone",
    "seal_clear_phones",
    "ACTIONS",
    "ACTIVE",
    "MAX_BYTES",
    "ORDERS",
    "RATEABLE",
    "rate_claim",
    "TYPE_NAMES",
    "approve_claim",
    "bulk",
    "confirm_grant",
    "form_texts",
    "decline_grant",
    "get_claim",
    "get_my_claim",
    "list_claims",
    "list_grants",
    "list_my_claims",
    "list_my_grants",
    "material_file",
    "material_filename",
    "my_material_file",
    "pay_claim",
    "pay_grant",
    "refresh_due_dates",
    "reject_claim",
    "screen_texts",
    "resubmit_claim",
    "return_claim",
    "review_claim",
    "submit_claim",
    "unattached",
    "upload_material",
    "warn_about_calendar",
    "withdraw_claim",
]
