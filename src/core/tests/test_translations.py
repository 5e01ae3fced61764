"""Every app's English catalogue translates every string it holds (none empty, none fuzzy)."""

import json
import re
from pathlib import Path

import pytest

SRC = Path(__file__).resolve().parents[2]
CATALOGUES = sorted(SRC.glob("*/locale/en/LC_MESSAGES/django.po"))
FIELD = re.compile(r'^(msgid_plural|msgid|msgstr\[\d\]|msgstr) (".*")$')


def entries(text):
    """(msgid, {field: text}, fuzzy) of each entry but the header."""
    for block in text.strip().split("\n\n")[1:]:
        fields, key = {}, None
        for line in block.splitlines():
            match = FIELD.match(line)
            if match:
                key = match.group(1)
                fields[key] = json.loads(match.group(2))
            elif line.startswith('"') and key:
                fields[key] += json.loads(line)
        yield fields.get("msgid", ""), fields, "#, fuzzy" in block


@pytest.mark.parametrize("path", CATALOGUES, ids=lambda p: p.parts[-5])
def test_the_english_catalogue_is_complete(path):
    assert len(CATALOGUES) >= 7
    untranslated = [
        msgid
        for msgid, fields, fuzzy in entries(path.read_text(encoding="utf-8"))
        if fuzzy or not all(v for k, v in fields.items() if k.startswith("msgstr"))
    ]
    assert untranslated == []
