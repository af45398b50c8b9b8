"""智能咨询 for staff: the synonym lexicon (residents' words → policy words) and the questions
that were not answered or not liked. Admins and publishers; every change audited."""

from __future__ import annotations

import marshmallow as ma
from flask.views import MethodView
from flask_smorest.pagination import PaginationParameters

from api.admin.fields import Boolean, Integer, List, LocalDateTime, Number, Schema, String
from api.auth import current_actor, staff_required
from api.blueprint import Blueprint
from api.extensions import db
from models import Role
from services import ask

blp = Blueprint("admin_ask", __name__, url_prefix="/ask", description="智能咨询：同义词与问题")

EDITORS = (Role.ADMIN, Role.PUBLISHER)


class SynonymSchema(Schema):
    """A residents' phrase and the policy words it means."""

    phrase = String(required=True, metadata={"example": "老寿星"})
    words = List(String(), required=True, metadata={"example": ["长寿补贴", "100周岁"]})
    enabled = Boolean(load_default=True)
    source = String(dump_only=True, metadata={"enum": ["builtin", "staff"]})


class QuestionQuerySchema(Schema):
    """Filters."""

    class Meta:
        unknown = ma.EXCLUDE  # the pagination arguments share the query string

    answered = Boolean(metadata={"description": "false：未能回答的问题"})
    feedback = String(metadata={"enum": ["useful", "useless"]})


class QuestionSchema(Schema):
    """A question as asked (long digit runs masked) and as answered."""

    id = Integer()
    question = String()
    intent = String()
    answered = Boolean()
    item_ids = List(Integer())
    confidence = Number()
    feedback = String(allow_none=True)
    comment = String(allow_none=True)
    created_at = LocalDateTime()


@blp.route("/synonyms")
class Synonyms(MethodView):
    """The lexicon."""

    @staff_required(blp, *EDITORS)
    @blp.response(200, SynonymSchema(many=True))
    def get(self):
        """List every phrase: the built-in ones and the staff's (which win)."""
        return ask.list_synonyms(session=db.session)

    @staff_required(blp, *EDITORS)
    @blp.arguments(SynonymSchema)
    @blp.response(200, SynonymSchema)
    def put(self, data: dict):
        """Add or change a phrase, or switch one off (enabled false); answers follow within
        seconds, no restart."""
        return ask.put_synonym(
            session=db.session,
            actor=current_actor(),
            phrase=data["phrase"],
            words=data["words"],
            enabled=data.get("enabled", True),
        )


@blp.route("/questions")
class Questions(MethodView):
    """What residents asked."""

    @staff_required(blp, *EDITORS)
    @blp.arguments(QuestionQuerySchema, location="query")
    @blp.response(200, QuestionSchema(many=True))
    @blp.paginate()
    def get(self, filters: dict, pagination_parameters: PaginationParameters):
        """List questions newest first: unanswered (answered=false) and disliked
        (feedback=useless) are what to add synonyms or items for."""
        rows, total = ask.list_questions(
            session=db.session,
            page=pagination_parameters.page,
            page_size=pagination_parameters.page_size,
            **filters,
        )
        pagination_parameters.item_count = total
        return rows
