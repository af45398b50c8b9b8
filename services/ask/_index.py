"""The retrieval index of 智能咨询: one BM25 document per live item (bm25s), tokenized with jieba
and a dictionary of the items' own names and the lexicon's words, and the clauses of the items'
policies for quoting.

An item's document is its name (counted four times), benefit and the labels of its rule's
conditions (twice), its materials, guide text, contact's department, its policy's title, summary
and categories, and the clauses of the policy text and 解读 that name the item. The question is
tokenized the same way and grown by the lexicon (老人钱 → 高龄津贴): the residents' phrase found
in the question adds the policy words, twice.

Kept per process and rebuilt when published items or the lexicon change (checked at most every
CHECK_SECONDS): a publish reaches answers within seconds, no restart.
"""

from __future__ import annotations

import logging
import math
import re
import threading
import time
from collections.abc import Iterable
from dataclasses import dataclass, field
from typing import Any

import bm25s
import jieba
import jieba.posseg
import numpy as np
from sqlalchemy import func, select
from sqlalchemy.orm import Session

from models import (
    AskSynonym,
    Department,
    Policy,
    PolicyItem,
    PolicyItemVersion,
    PolicyStatus,
)
from services.ask._lexicon import Lexicon, current_lexicon

log = logging.getLogger(__name__)
jieba.setLogLevel(logging.WARNING)

CHECK_SECONDS = 2.0
NAME_WEIGHT = 3.0
STOP_WORDS = frozenset(
    """的 了 和 与 及 或 等 在 是 为 对 按 由 于 以 其 之 并 可 将 向 从 而 且 被 把 给 也 都 就
    这 那 有 无 不 每 各 本 该 中 上 下 内 外 后 前 起 至 个 人 元 月 年 日 吗 呢 吧 啊 呀 么 我 你
    他 她 我们 你们 他们 家 家里 怎么 怎样 如何 什么 多少 几 哪 哪些 哪里 能 能不能 可以 可不可以
    要 需要 没有 有没有 是否 请问 一下 一个 每个 现在 今年 今天 已经 还 还能 会 想 问 问一下 领 拿
    能拿 给 钱 多 些 办 申请 补 补助 补贴 奖励 政策 国家 政府""".split()
)
# what a question is about: nouns (n…), idioms and abbreviations (l, j), times (t), nominal
# verbs (vn); an unknown one of these (护照, 营业执照) means the question is about something else
TOPIC_FLAGS = ("n", "l", "j", "t", "vn", "eng")
# nouns every question may hold that say nothing of its subject
TOPIC_STOP = frozenset(
    """多少钱 钱 时候 东西 情况 事 事情 办法 问题 地方 样子 一下 今年 去年 明年 现在 以后 之前 每月
    每年 月份 国家 政府 部门 人家 家里 孩子 老公 老婆 那边 这边 上面 下面 哪里 哪儿""".split()
)
CLAUSE = re.compile(r"\n\s*\n|(?=第[一二三四五六七八九十百]+条)")


@dataclass(frozen=True)
class Entry:
    """One item as answers need it."""

    id: int
    version_id: int  # the current version when the index was built (it is rebuilt on change)
    code: str
    name: str
    subject_type: str
    mode: str
    benefit: str
    guide_text: str
    contact: str
    promised_days: int | None
    apply_from: Any
    apply_until: Any
    materials: tuple[dict, ...]
    conditions: tuple[str, ...]
    policy_id: int
    policy_title: str
    doc_number: str
    department: str
    clauses: tuple[str, ...]


@dataclass
class Index:
    """The BM25 index over the live items, with what scoring and quoting need."""

    entries: list[Entry]
    retriever: Any
    names: Any  # BM25 over the items' names alone: a name the question says weighs most
    tokenizer: Any
    tagger: Any
    lexicon: Lexicon
    document_frequency: dict[str, int]
    signature: tuple
    texts: dict[int, str] = field(default_factory=dict)  # item id -> its document's text
    name_words: dict[int, tuple[str, ...]] = field(default_factory=dict)  # words only its name has
    built_at: float = field(default_factory=time.monotonic)

    def tokens(self, text: str) -> list[str]:
        """The content words of a text, in order (stop words and punctuation dropped)."""
        found = []
        for token in self.tokenizer.cut_for_search(text):
            term = token.strip().lower()
            if term and term not in STOP_WORDS and any(ch.isalnum() for ch in term):
                found.append(term)
        return found

    def topics(self, question: str) -> list[list[str]]:
        """What the question is about: each topic as the words that say it, the first being
        the whole (a noun, an abbreviation …) and the rest its parts; a lexicon phrase is a
        topic said by any of the policy words it means."""
        found: list[list[str]] = []
        taken = question
        for phrase, expansion in self.phrases(question):
            found.append(["|".join(word.lower() for word in expansion)])
            taken = taken.replace(phrase, " ")
        content = []
        for pair in self.tagger.cut(taken):
            word, flag = pair.word.lower(), pair.flag
            words = self.tokens(word)
            if not words or word.isdigit() or word in TOPIC_STOP:
                continue
            content.append([word, *[w for w in words if w != word]])
            # a noun, or an action no item speaks of (注销, 补办): what the question is about
            unknown_action = flag.startswith("v") and not self.document_frequency.get(word)
            if flag.startswith(TOPIC_FLAGS):
                found.append(content[-1])
            elif unknown_action and len(word) >= 2:
                found.append(["~" + word, *content[-1][1:]])  # counts half: verbs vary more
        # a question of verbs alone (特困供养每月发多少): its content words are its topics
        return found or content

    def phrases(self, question: str) -> list[tuple[str, tuple[str, ...]]]:
        """The lexicon's phrases the question says, except inside a longer word (社保 in
        交社保 counts, in 社保卡 not)."""
        spans, at = [], 0
        for word in self.tokenizer.cut(question):
            spans.append((at, at + len(word)))
            at += len(word)

        def inside_a_word(start: int, end: int) -> bool:
            return any(a <= start and end <= b and b - a > end - start for a, b in spans)

        return [
            (phrase, words)
            for phrase, words in self.lexicon.found_in(question)
            if any(
                not inside_a_word(start, start + len(phrase))
                for start in _occurrences(question, phrase)
            )
        ]

    def query(self, question: str) -> list[str]:
        """The question's words, grown by the lexicon (the policy words count twice)."""
        words = self.tokens(question)
        for phrase, expansion in self.phrases(question):
            words.extend(self.tokens(phrase))
            for word in expansion:
                words.extend(self.tokens(word) * 2)
        return words

    def idf(self, term: str) -> float:
        """How rare a word is among the items; a word no item has is rarer than any (a question
        about 护照 is not about an item that merely shares its 办理)."""
        df = self.document_frequency.get(term, 0)
        n = len(self.entries)
        return math.log(1 + (n - df + 0.5) / (df + 0.5))

    def search(self, words: list[str], k: int = 3) -> list[tuple[Entry, float]]:
        """The best k items for these words, with their BM25 scores (best first)."""
        if not words or not self.entries:
            return []
        n = len(self.entries)
        total = np.zeros(n)
        for retriever, weight in ((self.retriever, 1.0), (self.names, NAME_WEIGHT)):
            documents, scores = retriever.retrieve([words], k=n, show_progress=False)
            total[documents[0]] += weight * scores[0]
        best = np.argsort(-total, kind="stable")[:k]
        return [(self.entries[int(i)], float(total[i])) for i in best if total[i] > 0]


def _occurrences(text: str, phrase: str) -> list[int]:
    found, start = [], text.find(phrase)
    while start >= 0:
        found.append(start)
        start = text.find(phrase, start + 1)
    return found


_lock = threading.Lock()
_KEY = "ask_index"


def current_index(session: Session) -> Index:
    """Return this process's index of the session's database, rebuilt when items or the
    lexicon changed. Kept with the database's other caches (the sessions' shared `info`, as
    the facts catalog is), so another Database, as each test's app has, starts without it."""
    cache = session.info.setdefault("cache", {})
    now = time.monotonic()
    held: tuple[Index, float] | None = cache.get(_KEY)
    if held is not None and now - held[1] < CHECK_SECONDS:
        return held[0]
    signature = _signature(session)
    if held is not None and held[0].signature == signature:
        cache[_KEY] = (held[0], now)
        return held[0]
    with _lock:
        held = cache.get(_KEY)
        if held is not None and held[0].signature == signature:
            return held[0]
        started = time.perf_counter()
        index = build(session, signature)
        cache[_KEY] = (index, now)
        log.info(
            "ask index built: %d items in %.0f ms",
            len(index.entries),
            (time.perf_counter() - started) * 1000,
        )
    return index


def forget(session: Session) -> None:
    """Drop this process's index of the session's database (a change made here is seen at
    once)."""
    session.info.setdefault("cache", {}).pop(_KEY, None)


def _signature(session: Session) -> tuple:
    items = session.execute(
        select(
            func.count(PolicyItem.id),
            func.coalesce(func.sum(PolicyItem.current_version_id), 0),
            func.max(PolicyItem.updated_at),
        ).where(PolicyItem.status == "published")
    ).one()
    words = session.execute(
        select(func.count(AskSynonym.id), func.max(AskSynonym.updated_at))
    ).one()
    return (*items, *words)


def _labels(node: Any) -> Iterable[str]:
    """The labels of a rule's conditions (本市户籍, 年满80周岁 …)."""
    if isinstance(node, dict):
        if node.get("label"):
            yield str(node["label"])
        for key in ("all", "any", "not"):
            child = node.get(key)
            if isinstance(child, list):
                for part in child:
                    yield from _labels(part)
            elif child is not None:
                yield from _labels(child)


GENERIC_ENDS = ("补贴", "补助", "奖励", "津贴", "资助", "救助")


def core_of(name: str) -> str:
    """A name without its generic end (…创业扶持补贴 → …创业扶持), when four characters or more
    are left; else the name."""
    for end in GENERIC_ENDS:
        if name.endswith(end) and len(name) - len(end) >= 4:
            return name[: -len(end)]
    return name


def _clauses(policy: Policy, name: str) -> tuple[str, ...]:
    """The paragraphs of the policy text and 解读 that name the item, or its core."""
    core = core_of(name)
    found = []
    for text in (policy.body or "", policy.interpretation or ""):
        for part in CLAUSE.split(text):
            part = part.strip()
            if part and (name in part or core in part):
                found.append(part)
    return tuple(found)


_dictionary_lock = threading.Lock()
_dictionary: tuple[dict[str, int], int, dict[str, str]] | None = None


def _fresh_tokenizer() -> jieba.Tokenizer:
    """Return a tokenizer holding jieba's dictionary and nothing of ours yet. The dictionary
    and its part-of-speech tags are loaded once a process (most of a build's second on the
    demo) and copied for each build (tens of milliseconds): a build adds the items' names and
    the lexicon's words to its own copy."""
    global _dictionary
    with _dictionary_lock:
        if _dictionary is None:
            loaded = jieba.Tokenizer()
            loaded.initialize()
            tags = jieba.posseg.POSTokenizer(loaded).word_tag_tab
            _dictionary = (loaded.FREQ, loaded.total, tags)
    tokenizer = jieba.Tokenizer()
    tokenizer.FREQ, tokenizer.total = dict(_dictionary[0]), _dictionary[1]
    tokenizer.initialized = True
    return tokenizer


def _tagger(tokenizer: jieba.Tokenizer) -> jieba.posseg.POSTokenizer:
    """Return a part-of-speech tagger over this tokenizer, with the tags loaded once a process
    (jieba's constructor reads the dictionary file again each time)."""
    assert _dictionary is not None  # _fresh_tokenizer() made the tokenizer
    tagger = jieba.posseg.POSTokenizer.__new__(jieba.posseg.POSTokenizer)
    tagger.tokenizer = tokenizer
    tagger.word_tag_tab = dict(_dictionary[2])
    return tagger


def build(session: Session, signature: tuple) -> Index:
    """Build the index from the published items and the lexicon."""
    rows = session.execute(
        select(PolicyItem, PolicyItemVersion, Policy, Department.name)
        .join(PolicyItemVersion, PolicyItemVersion.id == PolicyItem.current_version_id)
        .join(Policy, Policy.id == PolicyItem.policy_id)
        .join(Department, Department.id == Policy.department_id)
        .where(PolicyItem.status == "published", Policy.status == PolicyStatus.PUBLISHED)
        .order_by(PolicyItem.id)
    ).all()
    lexicon = current_lexicon(session)
    tokenizer = _fresh_tokenizer()
    entries: list[Entry] = []
    texts: list[list[tuple[str, int]]] = []
    for item, version, policy, department in rows:
        tokenizer.add_word(item.name, freq=200000, tag="nz")
        categories = " ".join(c.category for c in policy.categories)
        entry = Entry(
            id=item.id,
            version_id=version.id,
            code=item.code,
            name=item.name,
            subject_type=item.subject_type,
            mode=item.mode,
            benefit=item.benefit or "",
            guide_text=item.guide_text or "",
            contact=item.contact or "",
            promised_days=item.promised_days,
            apply_from=item.apply_from,
            apply_until=item.apply_until,
            materials=tuple(version.materials or []),
            conditions=tuple(dict.fromkeys(_labels(version.rule or {}))),
            policy_id=policy.id,
            policy_title=policy.title,
            doc_number=policy.doc_number or "",
            department=department,
            clauses=_clauses(policy, item.name),
        )
        entries.append(entry)
        texts.append(
            [
                (entry.name, 4),
                (entry.benefit, 2),
                (" ".join(entry.conditions), 2),
                (" ".join(m.get("name", "") for m in entry.materials), 1),
                (entry.guide_text, 1),
                (policy.title, 1),
                (policy.summary or "", 1),
                (categories, 1),
                (" ".join(entry.clauses), 1),
            ]
        )
    for word in lexicon.policy_words():
        tokenizer.add_word(word, freq=100000, tag="nz")
    tagger = _tagger(tokenizer)
    index = Index(entries, None, None, tokenizer, tagger, lexicon, {}, signature)
    corpus = []
    frequency: dict[str, int] = {}
    for entry, fields in zip(entries, texts, strict=True):
        index.texts[entry.id] = " ".join(text for text, _ in fields).lower()
        words: list[str] = []
        for text, weight in fields:
            words.extend(index.tokens(text) * weight)
        corpus.append(words or ["_"])
        for term in set(words):
            frequency[term] = frequency.get(term, 0) + 1
    retriever = bm25s.BM25()
    names = bm25s.BM25()
    if corpus:
        retriever.index(corpus, show_progress=False)
        names.index([index.tokens(e.name) or ["_"] for e in entries], show_progress=False)
    index.retriever, index.names = retriever, names
    in_names: dict[str, int] = {}
    named = {e.id: set(index.tokens(e.name)) for e in entries}
    for name_set in named.values():
        for word in name_set:
            in_names[word] = in_names.get(word, 0) + 1
    # a word the lexicon leads to (低保 → 最低生活保障) names no one item
    common = lexicon.policy_words()
    index.name_words = {
        item: tuple(w for w in words if in_names[w] == 1 and len(w) >= 2 and w not in common)
        for item, words in named.items()
    }
    index.document_frequency = frequency
    return index


def best_clause(index: Index, entry: Entry, words: list[str], cues: tuple[str, ...] = ()) -> str:
    """The clause of the item's policy that shares most (rare) words with the question, a clause
    holding what the answer is about (cues: 元 for an amount, 材料 for materials, the amount
    itself) first."""
    if not entry.clauses:
        return ""
    wanted = set(words)
    scored = [
        (
            sum(2.0 for cue in cues if cue in clause)
            + sum(index.idf(t) for t in set(index.tokens(clause)) & wanted),
            -i,
            clause,
        )
        for i, clause in enumerate(entry.clauses)
    ]
    return max(scored)[2]


def coverage(index: Index, entry: Entry, topics: list[list[str]]) -> tuple[float, float]:
    """How much of what the question is about the item covers: the share of its topics' rarity
    (idf; a word no item has is the rarest) found in the item's document, and the rarest topic
    found. A topic is found when any of its search words is (高龄津贴: 高龄, 津贴, 高龄津贴)."""
    text = index.texts.get(entry.id, "")
    total = matched = rarest = 0.0
    for words in topics:
        half = words[0].startswith("~")
        wholes = words[0].lstrip("~").split("|")  # a lexicon topic: any of its policy words
        weight = max(index.idf(w) for w in [*wholes, *words[1:]]) * (0.5 if half else 1.0)
        total += weight
        found = [w for w in wholes if w in text]
        parts = [w for w in words[1:] if w in text]
        # found: the word itself in the item's text, or parts that spell all of it (高龄 + 津贴;
        # 社保 alone is not 社保卡)
        if found or (len(wholes) == 1 and sum(len(w) for w in parts) >= len(wholes[0])):
            matched += weight
            rarest = max(rarest, max(index.idf(w) for w in [*found, *parts]))
    return (matched / total if total else 0.0), rarest
