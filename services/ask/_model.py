"""An optional language model that only rephrases: behind an OpenAI-compatible chat completions
seam (KX_LLM_URL, KX_LLM_MODEL, KX_LLM_KEY; off by default).

It is handed the answer already built from the items and the items' own words — never
personal data: an age is sent as its band (90–99 周岁), no 身份证号, phone or name — and asked to
say the same thing more plainly. Its text is refused, and the built answer kept, when it names
none of the cited items, states an amount (…元) the built answer and the items do not, or is
empty or much longer; and when the model is slow, down or answers nonsense. The caller never
waits more than its timeout.
"""

from __future__ import annotations

import logging
import re
from dataclasses import dataclass
from typing import Any

import requests

from services.ask._understand import age_band

log = logging.getLogger(__name__)
AMOUNT = re.compile(r"(\d+(?:\.\d+)?)\s*(万)?元")
SYSTEM = (
    "你是政务服务的答复润色助手。只能用更通俗的话改写给定的答复，不得增加任何金额、条件、材料、"
    "期限或政策名称，不得删除金额和条件，必须保留所依据事项的名称。只输出改写后的答复。"
)


@dataclass(frozen=True)
class ModelConfig:
    """Where the model is and how long to wait for it."""

    url: str
    model: str
    key: str = ""
    timeout: float = 5.0


def amounts(text: str) -> set[float]:
    """The amounts a text states, in 元 (1.5万元 → 15000)."""
    found = set()
    for number, wan in AMOUNT.findall(text):
        value = float(number) * (10000 if wan else 1)
        found.add(round(value, 2))
    return found


def refusal(text: str, built: str, cited: list[dict[str, Any]]) -> str | None:
    """Why the model's text cannot replace the built answer (None: it can)."""
    text = (text or "").strip()
    if not text:
        return "empty"
    if len(text) > 3 * len(built) + 200:
        return "too long"
    if not any(item["name"] in text for item in cited):
        return "cites nothing retrieved"
    given = amounts(built) | {a for item in cited for a in amounts(item.get("benefit", ""))}
    invented = amounts(text) - given
    if invented:
        return f"states amounts the engine did not give: {sorted(invented)}"
    return None


def prompt(built: str, cited: list[dict[str, Any]], stated: dict[str, Any]) -> list[dict]:
    """The messages sent: the built answer, the items' names and standards, the asker's age
    band when stated; nothing that identifies anyone."""
    if "age" in stated:  # the age the answer repeats goes as its band
        band = age_band(int(stated["age"]))
        built = re.sub(rf"{int(stated['age'])}\s*周岁", band, built)
    lines = [f"答复：{built}", "依据事项："]
    lines += [f"- {item['name']}：{item.get('benefit', '')}" for item in cited]
    if "age" in stated:
        lines.append(f"提问人年龄段：{band}")
    return [
        {"role": "system", "content": SYSTEM},
        {"role": "user", "content": "\n".join(lines)},
    ]


def rephrase(
    config: ModelConfig, built: str, cited: list[dict[str, Any]], stated: dict[str, Any]
) -> tuple[str, str | None]:
    """Return (the text to show, why the model's was refused or None when it was used)."""
    headers = {"Authorization": f"Bearer {config.key}"} if config.key else {}
    try:
        answer = requests.post(
            f"{config.url.rstrip('/')}/chat/completions",
            json={
                "model": config.model,
                "messages": prompt(built, cited, stated),
                "temperature": 0,
            },
            headers=headers,
            timeout=config.timeout,
        )
        answer.raise_for_status()
        text = answer.json()["choices"][0]["message"]["content"]
    except (requests.RequestException, ValueError, KeyError, IndexError, TypeError) as exc:
        log.warning(
            "language model unavailable (%s): the built answer is shown", type(exc).__name__
        )
        return built, "unavailable"
    why = refusal(text, built, cited)
    if why is not None:
        log.info("language model's text refused: %s", why)
        return built, why
    return text.strip(), None
