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
from models.facts import FactCatalog, FactDefinition, FactStatus
from models.matching import ChangeEvent, ChangeScope, Lease, SubjectMatches
from models.notify import (
    DeliveryAttempt,
    MessageDelivery,
    MessageStatus,
    OutboxMessage,
    SubscriptionQuota,
    SubscriptionType,
    WeChatEvent,
)
from models.ops import AuditEntry, DashboardSnapshot, JobRun, JobStatus
from models.org import AccountType, Department, Role, StaffRole, StaffUser
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
    "ChangeScope",
    "Claim",
    "ClaimEvent",
    "ClaimMaterial",
    "ClaimStatus",
    "DashboardSnapshot",
    "Database",
    "DeliveryAttempt",
    "Department",
    "FactCatalog",
    "FactDefinition",
    "FactStatus",
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
    "SubscriptionType",
    "Relation",
    "ResidentSession",
    "Role",
    "AccountType",
    "StaffRole",
    "StaffUser",
    "Subject",
    "SubjectBinding",
    "SearchTerm",
    "SubjectKind",
    "SubjectMatches",
    "SubscriptionQuota",
    "VersionStatus",
    "WeChatEvent",
    "WeChatUser",
    "vault_of",
]
