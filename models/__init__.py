"""Tables and the session; no business decisions live here."""

from models.base import Base
from models.claim import (
    ActorKind,
    Claim,
    ClaimEvent,
    ClaimMaterial,
    ClaimStatus,
    Grant,
    GrantStatus,
)
from models.db import Database, vault_of
from models.matching import ChangeEvent, ChangeKind, Lease, SubjectMatches, Verdict
from models.notify import (
    DeliveryAttempt,
    MessageDelivery,
    MessageStatus,
    OutboxMessage,
    QuotaKind,
    SubscriptionQuota,
    WeChatEvent,
)
from models.ops import AuditEntry, JobRun, JobStatus
from models.org import Department, Role, StaffKind, StaffRole, StaffUser
from models.policy import (
    CATEGORIES,
    ItemMode,
    Policy,
    PolicyCategory,
    PolicyItem,
    PolicyItemVersion,
    PolicyStatus,
    SearchTerm,
    SubjectKind,
    VersionStatus,
)
from models.subject import CHUNK_SIZE, ImportBatch, ProfileChunk, Subject
from models.wechat import Relation, ResidentSession, SubjectBinding, WeChatUser

__all__ = [
    "CATEGORIES",
    "CHUNK_SIZE",
    "ActorKind",
    "AuditEntry",
    "Base",
    "ChangeEvent",
    "ChangeKind",
    "Claim",
    "ClaimEvent",
    "ClaimMaterial",
    "ClaimStatus",
    "Database",
    "DeliveryAttempt",
    "Department",
    "Grant",
    "GrantStatus",
    "ItemMode",
    "JobRun",
    "JobStatus",
    "ImportBatch",
    "Lease",
    "MessageDelivery",
    "MessageStatus",
    "OutboxMessage",
    "Policy",
    "PolicyCategory",
    "PolicyItem",
    "PolicyItemVersion",
    "PolicyStatus",
    "ProfileChunk",
    "QuotaKind",
    "Relation",
    "ResidentSession",
    "Role",
    "StaffKind",
    "StaffRole",
    "StaffUser",
    "Subject",
    "SubjectBinding",
    "SearchTerm",
    "SubjectKind",
    "SubjectMatches",
    "SubscriptionQuota",
    "Verdict",
    "VersionStatus",
    "WeChatEvent",
    "WeChatUser",
    "vault_of",
]
