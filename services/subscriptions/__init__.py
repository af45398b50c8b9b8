"""What residents agree to hear: subscribe-message quotas per (user, template), what the
mini-program asks for and reports, WeChat's subscription events (popup, change, sent), and
deadline reminders.

Others call: handle_push / parse_push (the WeChat callback), request_groups /
record_client_results (the resident API), remind_deadlines (the daily job). _quotas counts the
send rights per (user, template) that notify's dispatcher spends in the same tables.
"""

from __future__ import annotations

from services.subscriptions._events import MalformedPush, handle_push, parse_push
from services.subscriptions._quotas import RESULTS, TEMPLATE_ID_MAX
from services.subscriptions._reminders import remind_deadlines
from services.subscriptions._requests import SCENES, record_client_results, request_groups

__all__ = [
    "MalformedPush",
    "RESULTS",
    "SCENES",
    "TEMPLATE_ID_MAX",
    "handle_push",
    "parse_push",
    "record_client_results",
    "remind_deadlines",
    "request_groups",
]
