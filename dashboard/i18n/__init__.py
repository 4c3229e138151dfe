"""Every user-facing string, in English and Korean.

Catalogs are JSON files beside this module, one per area (``common.json``,
``wall.json``, ...), each mapping a key to ``{"en": ..., "ko": ...}``. ``t`` looks
a key up; a missing key or language is a bug that the catalog test catches, and at
run time falls back to English, then to the key itself.
"""

from __future__ import annotations

import json
from functools import lru_cache
from pathlib import Path

LANGUAGES = ("en", "ko")
CATALOG_DIR = Path(__file__).parent


@lru_cache(maxsize=1)
def catalog() -> dict[str, dict[str, str]]:
    merged: dict[str, dict[str, str]] = {}
    for path in sorted(CATALOG_DIR.glob("*.json")):
        for key, texts in json.loads(path.read_text(encoding="utf-8")).items():
            if key in merged:
                raise ValueError(f"{path.name}: key {key!r} is already defined in another catalog")
            merged[key] = texts
    return merged


def t(key: str, lang: str = "en", **values: object) -> str:
    """The text for ``key`` in ``lang``, with ``{name}`` placeholders filled from ``values``.

    With ``count=1`` the key's singular, ``key.one``, where the catalogue has one ("1 alert firing").
    """
    if values.get("count") == 1 and f"{key}.one" in catalog():
        key = f"{key}.one"
    texts = catalog().get(key, {})
    text = texts.get(lang) or texts.get("en") or key
    return text.format(**values) if values else text


def pick_language(requested: str | None, default: str) -> str:
    """``?lang=`` from the URL when it names a known language, else the setting."""
    return requested if requested in LANGUAGES else default
