"""Every user-facing string has English and Korean, and formatting shows a dash for no value."""

from __future__ import annotations

import json
import re

from dashboard.i18n import CATALOG_DIR, LANGUAGES, catalog, pick_language, t
from dashboard.i18n import format as fmt


def test_every_key_is_complete_in_every_language():
    missing = [(key, lang) for key, texts in catalog().items() for lang in LANGUAGES if not texts.get(lang)]
    assert missing == []


def test_placeholders_agree_between_languages():
    for key, texts in catalog().items():
        names = {lang: set(re.findall(r"{(\w+)}", texts[lang])) for lang in LANGUAGES}
        assert names["en"] == names["ko"], key


def test_no_key_is_defined_twice():
    seen: dict[str, str] = {}
    for path in sorted(CATALOG_DIR.glob("*.json")):
        for key in json.loads(path.read_text(encoding="utf-8")):
            assert key not in seen, f"{key} in {path.name} and {seen[key]}"
            seen[key] = path.name


def test_lookup_and_language_choice():
    assert t("live.as_of", "ko", time="09:05") == "09:05 기준"
    assert t("live.as_of", "en", time="09:05") == "as of 09:05"
    assert pick_language("ko", "en") == "ko"
    assert pick_language("fr", "en") == "en"
    assert pick_language(None, "ko") == "ko"


def test_a_count_of_one_takes_the_singular_where_there_is_one():
    assert t("wall.alerts_firing", "en", count=1) == "1 alert firing"
    assert t("wall.alerts_firing", "en", count=0) == "0 alerts firing"
    assert t("wall.alerts_firing", "en", count=2) == "2 alerts firing"
    assert t("wall.alerts_firing", "ko", count=1) == "알림 1건 발생"


def test_no_value_is_a_dash_never_zero():
    assert fmt.percent(None) == fmt.DASH
    assert fmt.percent(0.0) == "0%"
    assert fmt.percent(0.8123) == "81%"
    assert fmt.duration(None) == fmt.DASH
    assert fmt.duration(75) == "1:15"
    assert fmt.duration(3725) == "1:02:05"
    assert fmt.number(None) == fmt.DASH
