"""Russian ships complete and compiled: every catalogue entry translated, pages in Russian."""

import re
import tokenize
from pathlib import Path

from django.conf import settings
from django.utils import translation

CATALOGUE = Path(settings.LOCALE_PATHS[0]) / "ru" / "LC_MESSAGES"


def _entries(po_text: str):
    """(msgid, [msgstr…]) pairs of a .po file; enough of the format for this check."""
    entries, msgid, msgstrs, current = [], None, [], None
    for line in [*po_text.splitlines(), ""]:
        if line.startswith("msgid "):
            if msgid is not None:
                entries.append((msgid, msgstrs))
            msgid, msgstrs, current = line[7:-1], [], "id"
        elif line.startswith("msgid_plural "):
            current = "plural"
        elif line.startswith("msgstr"):
            msgstrs.append(line.split(" ", 1)[1][1:-1])
            current = "str"
        elif line.startswith('"') and current == "id":
            msgid += line[1:-1]
        elif line.startswith('"') and current == "str":
            msgstrs[-1] += line[1:-1]
    if msgid is not None:
        entries.append((msgid, msgstrs))
    return [(msgid, strs) for msgid, strs in entries if msgid]


def test_every_russian_entry_is_translated_and_compiled():
    po = (CATALOGUE / "django.po").read_text(encoding="utf-8")
    assert "#, fuzzy" not in po
    untranslated = [msgid for msgid, strs in _entries(po) if not all(strs)]
    assert untranslated == []
    mo = CATALOGUE / "django.mo"
    assert mo.exists() and mo.stat().st_size > 1000


def test_the_states_read_in_russian():
    from zapros.tickets.states import ClientStatus, State

    with translation.override("ru"):
        assert str(ClientStatus.UNDER_REVIEW.label) != "Under review"
        assert str(State.ANSWERED.label) != "Answered"


def test_a_russian_client_sees_the_portal_in_russian(cast, logged_in):
    cast.alice.language = "ru"
    cast.alice.save()
    page = logged_in(cast.alice).get("/portal/requests/").content.decode()
    with translation.override("ru"):
        requests = translation.gettext("Requests")
    assert requests != "Requests"
    assert requests in page
    assert 'lang="ru"' in page


def test_a_russian_request_leaves_the_next_one_in_the_default_language(cast, logged_in):
    cast.alice.language = "ru"
    cast.alice.save()
    logged_in(cast.alice).get("/portal/requests/")
    assert translation.get_language() == settings.LANGUAGE_CODE


def test_no_text_is_translated_inside_an_f_string():
    """xgettext (makemessages) does not look inside f-strings: a text translated there never
    reaches the catalogue and shows in English to everyone. Translate it into a name first."""
    root = Path(settings.BASE_DIR) / "zapros"
    call = re.compile(r"\b(_|gettext|gettext_lazy|ngettext|pgettext)\(")
    found = []
    for path in sorted(root.rglob("*.py")):
        if "migrations" in path.parts:
            continue
        with path.open("rb") as source:
            for token in tokenize.tokenize(source.readline):
                if (token.type == tokenize.STRING and _F_PREFIX.match(token.string)
                        and call.search(token.string)):
                    found.append(f"{path.relative_to(root.parent)}:{token.start[0]}")
    assert found == []


_F_PREFIX = re.compile(r"(?i)^[rb]?f[rb]?['\"]")
