"""智能咨询's optional language model: it may only rephrase. Its text is used when it names a
cited item and states no amount the engine did not give; refused (the built answer shown)
when it cites nothing, invents an amount, or the model is down or slow; it is never sent an
age, a 身份证号 or a name, only an age band."""

from __future__ import annotations

import json
from collections.abc import Iterator

import pytest
from flask.testing import FlaskClient
from sqlalchemy.orm import Session

from api import create_app
from api.config import Settings
from models import Subject
from services.demo import seed_demo
from tests.identity_server import serving
from tests.llm_server import ChatModel

QUESTION = {"question": "我爸今年九十一了每个月能拿多少，他身份证371502193501011234"}


@pytest.fixture
def model() -> Iterator[tuple[ChatModel, str]]:
    stand_in = ChatModel()
    with serving(stand_in) as url:  # type: ignore[arg-type]
        yield stand_in, f"{url}/v1"


@pytest.fixture
def asking(settings: Settings, session: Session, model) -> Iterator[FlaskClient]:  # type: ignore[no-untyped-def]
    seed_demo(session=session, persons=0, enterprises=0)
    app = create_app(
        settings.with_overrides(
            llm_url=model[1], llm_model="test-model", llm_key="llm-key-1", llm_timeout=1.0
        )
    )
    app.testing = True
    yield app.test_client()
    app.extensions["kx.db"].dispose()


def test_a_faithful_rephrasing_is_shown_and_nothing_personal_is_sent(asking, model) -> None:  # type: ignore[no-untyped-def]
    stand_in, _ = model
    stand_in.text = "老人家91岁，高龄津贴每月200元；只要户口在本市就能领，不用申请。"
    body = asking.post("/api/v1/ask", json=QUESTION).json
    assert body["answer"] == stand_in.text and body["model_refused"] is None
    assert "每月200元" in body["built_answer"]
    (sent,) = stand_in.received
    assert sent["authorization"] == "Bearer llm-key-1" and sent["json"]["model"] == "test-model"
    text = json.dumps(sent["json"], ensure_ascii=False)
    assert "90–99 周岁" in text and "高龄津贴" in text
    assert "九十一" not in text and "91" not in text  # the age as a band, not the number
    assert "371502193501011234" not in text and "*" * 18 not in text


@pytest.mark.parametrize(
    ("text", "why"),
    [
        ("每个月能拿不少钱，放心吧。", "cites nothing retrieved"),
        ("高龄津贴每月500元，还有过节费1000元。", "states amounts the engine did not give"),
        ("", "empty"),
    ],
)
def test_a_rephrasing_that_cites_nothing_or_invents_an_amount_is_refused(  # type: ignore[no-untyped-def]
    asking, model, text: str, why: str
) -> None:
    model[0].text = text
    body = asking.post("/api/v1/ask", json=QUESTION).json
    assert body["answer"] == body["built_answer"] and "每月200元" in body["answer"]
    assert body["model_refused"].startswith(why)


@pytest.mark.parametrize("trouble", [{"status": 503}, {"delay": 2.0}])
def test_a_model_down_or_slow_leaves_the_built_answer(asking, model, trouble: dict) -> None:  # type: ignore[no-untyped-def]
    for name, value in trouble.items():
        setattr(model[0], name, value)
    body = asking.post("/api/v1/ask", json=QUESTION).json
    assert body["answered"] and body["model_refused"] == "unavailable"
    assert body["answer"] == body["built_answer"]


def test_a_declined_question_never_reaches_the_model(asking, model) -> None:  # type: ignore[no-untyped-def]
    body = asking.post("/api/v1/ask", json={"question": "护照怎么办理"}).json
    assert body["answered"] is False and model[0].received == []


def test_an_answer_built_from_a_profile_is_never_sent(asking, model, session: Session) -> None:  # type: ignore[no-untyped-def]
    from tests.resident_factories import bind, headers, wechat_user

    grandpa = Subject(
        kind="person",
        identity_hash=b"ask-model-profile".ljust(32, b"\0"),
        name="王大爷",
        facts={"hukou_district": "371502", "birth_date": "1934-03-01"},
    )
    session.add(grandpa)
    session.commit()
    user = wechat_user(session, "o-ask-model")
    bind(session, user, grandpa.id)
    auth = headers(asking.application, user)
    body = asking.post("/api/v1/ask", json={"question": "高龄津贴每月多少"}, headers=auth).json
    assert body["personal"]["verdict"] == "eligible" and "按您的档案" in body["answer"]
    assert body["answer"] == body["built_answer"] and body["model_refused"].startswith("personal")
    assert model[0].received == []  # nothing of it left the service
