"""Chinese text helpers: pinyin keys for name search (pypinyin)."""

from pypinyin import lazy_pinyin


def pinyin_keys(name: str) -> tuple[str, str]:
    """Full pinyin and initials of a name, lower case ASCII: 张三丰 → ("zhangsanfeng", "zsf")."""
    syllables = [s.lower() for s in lazy_pinyin(name, errors="ignore") if s.isascii()]
    full = "".join(ch for ch in "".join(syllables) if ch.isalnum())
    initials = "".join(s[0] for s in syllables if s and s[0].isalnum())
    return full, initials


def has_cjk(text: str) -> bool:
    return any("\u3400" <= ch <= "\u9fff" or "\uf900" <= ch <= "\ufaff" for ch in text)
