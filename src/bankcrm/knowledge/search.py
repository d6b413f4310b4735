"""Turning article text and what agents type into search terms (the same way for both).

Chinese is segmented with jieba in search mode, so a long word also yields the words inside it
(信用卡 → 信用, 信用卡; 住房贷款 → 住房, 房贷, 贷款, 住房贷款), with a small banking dictionary
(data/knowledge_words.txt) so 挂失, 提前还款 or 风险等级 stay whole. The short fields (title,
summary, keywords) also index each Chinese character, so colloquial queries (卡丢了) still reach
the article about 银行卡挂失. English is lower-cased with a light plural/-ing stem; Chinese words
of the title and keywords are also indexed by their full pinyin (guashi → 挂失).

Changing this module or the dictionary changes the terms: run `bankcrm knowledge_reindex`.
"""

from __future__ import annotations

import logging
import re
import threading
from collections import Counter
from pathlib import Path

from bankcrm.common.text import has_cjk

MAX_TERM = 64
MAX_QUERY_TERMS = 24

# Weights per occurrence and per field; a term's weight in an article is the sum over its
# fields. A title hit (≥ 12) always outranks a body-only hit (≤ 5).
TITLE, KEYWORDS, SUMMARY, BODY, CHAR, PINYIN = 12, 8, 4, 1, 1, 3
BODY_CAP = 5

_CJK = re.compile(r"[\u3400-\u9fff\uf900-\ufaff]")
_WORD = re.compile(r"[0-9a-z]+(?:[.'][0-9a-z]+)*")

STOP_WORDS = frozenset(
    """
    a an and are as at be by can could do does for from have how i if in is it its may me my
    of on or our please should so that the their there this to was we what when where which who
    why will with would you your
    的 了 是 在 和 与 及 或 等 吗 呢 吧 啊 呀 么 着 过 也 都 就 还 又 把 被 让 给 对 向 从
    如何 怎么 怎样 怎么办 什么 请问 可以 能否 能不能 是否 我 你 他 她 您 我们 你们 他们 一下
    这个 那个 这 那 有 没有 要 想 需要 请 多少 多久 哪些 哪里 客户 本行 办理
    """.split()
)

_lock = threading.Lock()
_jieba = None


def _segmenter():
    """jieba's tokenizer with the banking words, loaded once per process (about half a second;
    jieba caches its prefix dictionary in the temporary directory)."""
    global _jieba
    if _jieba is None:
        with _lock:
            if _jieba is None:
                import jieba

                jieba.setLogLevel(logging.WARNING)
                tokenizer = jieba.Tokenizer()
                tokenizer.initialize()
                words = Path(__file__).parent / "data" / "knowledge_words.txt"
                tokenizer.load_userdict(str(words))
                _jieba = tokenizer
    return _jieba


def _stem(word: str) -> str:
    if len(word) > 4 and word.endswith("ies"):
        return word[:-3] + "y"
    if len(word) > 5 and word.endswith("ing"):
        return word[:-3]
    if len(word) > 3 and word.endswith("s") and not word.endswith(("ss", "us", "is")):
        return word[:-1]
    return word


def _latin_terms(text: str) -> list[str]:
    return [_stem(w) for w in _WORD.findall(text.lower()) if w not in STOP_WORDS]


def _chinese_words(text: str) -> list[str]:
    """jieba search-mode words of the Chinese runs of `text` (punctuation and stop words out)."""
    words = []
    for word in _segmenter().cut_for_search(text):
        word = word.strip()
        if word and _CJK.search(word) and word not in STOP_WORDS and not _WORD.fullmatch(word):
            words.append(word)
    return words


def terms_of(text: str) -> list[str]:
    """Every term of `text`, in order, repeats kept (for counting)."""
    if not text:
        return []
    found = _latin_terms(text)
    if has_cjk(text):
        found += _chinese_words(text)
    return [t[:MAX_TERM] for t in found]


def _pinyin_terms(words: list[str]) -> list[str]:
    from pypinyin import lazy_pinyin

    out = []
    for word in words:
        if len(word) >= 2:
            syllables = lazy_pinyin(word, errors="ignore")
            joined = "".join(s for s in syllables if s.isascii()).lower()
            if len(joined) >= 4:
                out.append(joined[:MAX_TERM])
    return out


def _chars(text: str) -> set[str]:
    return {ch for ch in _CJK.findall(text) if ch not in STOP_WORDS}


def index_terms(
    *, titles: list[str], keywords: list[str], summaries: list[str], bodies: list[str]
) -> dict[str, int]:
    """The weighted terms of one article's content (both languages together)."""
    weights: Counter[str] = Counter()
    title_text = " ".join(titles)
    keyword_text = " ".join(keywords)
    for term in set(terms_of(title_text)):
        weights[term] += TITLE
    for term in set(terms_of(keyword_text)):
        weights[term] += KEYWORDS
    for term in set(terms_of(" ".join(summaries))):
        weights[term] += SUMMARY
    for term, count in Counter(terms_of(" ".join(bodies))).items():
        weights[term] += BODY * min(count, BODY_CAP)
    short_fields = " ".join([title_text, keyword_text, *summaries])
    for ch in _chars(short_fields):
        weights[ch] += CHAR
    pinyin_source = [w for w in terms_of(title_text + " " + keyword_text) if _CJK.search(w)]
    for term in set(_pinyin_terms(pinyin_source)):
        weights[term] += PINYIN
    return dict(weights)


def query_terms(query: str) -> list[str]:
    """The distinct terms of what was typed, in order, at most MAX_QUERY_TERMS.

    Chinese is cut in jieba's precise mode here (the longest dictionary words: 信用卡, not also
    信用), while articles are indexed in search mode (the words and the words inside them), so
    a query word matches whether the article has it alone or inside a longer word. Single
    characters are dropped when the query also has real words (后, 能 add nothing then); a
    query of single characters only (卡丢了) keeps them: the short fields index characters."""
    text = (query or "")[:500]
    found = _latin_terms(text)
    if has_cjk(text):
        words = [
            w.strip()
            for w in _segmenter().cut(text)
            if w.strip() and _CJK.search(w) and w.strip() not in STOP_WORDS
        ]
        if any(len(w) > 1 for w in words):
            words = [w for w in words if len(w) > 1]
        found += words
    seen: dict[str, None] = {}
    for term in found:
        seen.setdefault(term[:MAX_TERM], None)
    return list(seen)[:MAX_QUERY_TERMS]


def highlight_pattern(terms: list[str]) -> re.Pattern | None:
    """A case-insensitive pattern matching any of the terms (longest first), for snippets."""
    usable = sorted({t for t in terms if t}, key=len, reverse=True)
    if not usable:
        return None
    return re.compile("|".join(re.escape(t) for t in usable), re.IGNORECASE)
