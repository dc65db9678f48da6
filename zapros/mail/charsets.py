"""Bytes of a mail turned into text: in the declared charset read as mail clients read it, or
guessed. Pure: no ORM, no settings.

A declared charset is read through the superset that mail clients use for it (GB2312 holding
GBK characters, ISO-8859-1 holding Windows-1252 quotes). Undeclared 8-bit text, or text that is
not what its label says, is UTF-8 when it decodes as UTF-8; otherwise the code pages of the
languages the deployment serves are tried first, and each reading is scored by how much it
looks like words of its script (letters people write, case that makes sense, no stray
symbols). Statistics over a dozen bytes cannot tell KOI8-R from Shift_JIS; a reading that
yields words of a served language can.
"""

from __future__ import annotations

import codecs
import math
import re
import unicodedata

from charset_normalizer import from_bytes

# Languages Zapros serves out of the box; a deployment passes its own LANGUAGES.
DEFAULT_LANGUAGES = ("ru", "en")

# Labels that say nothing about 8-bit bytes: those are read as undeclared text.
UNDECLARED = frozenset({"", "ascii", "unknown-8bit", "x-unknown", "unknown", "default",
                        "x-user-defined", "8bit", "none", "charset"})

# Labels Python does not know, by what mail clients mean with them.
ALIASES = {
    "x-sjis": "cp932", "windows-31j": "cp932", "x-euc-jp": "euc_jp", "x-gbk": "gb18030",
    "csgb2312": "gb18030", "windows-936": "gb18030", "x-mac-cyrillic": "mac_cyrillic",
    "x-mac-ukrainian": "mac_cyrillic", "windows-874": "cp874", "x-windows-949": "cp949",
    "x-cp1250": "cp1250", "x-cp1251": "cp1251", "x-cp1252": "cp1252", "ks_c_5601-1989": "cp949",
    "x-koi8-r": "koi8_r", "koi8": "koi8_r", "iso-8859-8-i": "iso8859_8", "x-ascii": "ascii",
}

# What a mail client decodes a label with, by Python's codec name: the superset first
# (WHATWG's label table says the same for the Latin, Korean, Chinese and Thai labels).
SUPERSETS = {
    "gb2312": ("gb18030",), "gbk": ("gb18030",),
    "big5": ("big5hkscs", "cp950", "big5"),
    "shift_jis": ("cp932", "shift_jis_2004", "shift_jis"),
    "euc_jp": ("euc_jp", "euc_jis_2004"),
    "iso2022_jp": ("iso2022_jp", "iso2022_jp_cp932", "iso2022_jp_2", "iso2022_jp_2004",
                   "iso2022_jp_3", "iso2022_jp_ext"),
    "euc_kr": ("cp949",),
    "iso8859-1": ("cp1252", "latin-1"),
    "iso8859-9": ("cp1254", "iso8859-9"),
    "iso8859-11": ("cp874", "iso8859-11"), "tis-620": ("cp874", "tis-620"),
    "utf-8": ("utf-8-sig",),
}

# Code pages tried for undeclared text, by the languages they carry.
CYRILLIC = ("cp1251", "koi8_r", "koi8_u", "mac_cyrillic", "iso8859_5", "cp866")
WESTERN = ("cp1252",)
CENTRAL = ("cp1250", "iso8859_2")
CODE_PAGES = {
    **dict.fromkeys(("ru", "uk", "be", "bg", "sr", "mk", "kk"), CYRILLIC),
    **dict.fromkeys(("pl", "cs", "sk", "hu", "sl", "hr", "ro", "bs"), CENTRAL),
    "zh": ("gb18030", "big5hkscs"), "ja": ("cp932", "euc_jp"), "ko": ("cp949",),
}
EVERY_PAGE = (*CYRILLIC, *WESTERN, *CENTRAL, "gb18030", "big5hkscs", "cp932", "euc_jp", "cp949")

# Code pages seldom met in mail nowadays: a reading in them must be clearly better.
RARE_PAGES = {"koi8_u": 0.05, "mac_cyrillic": 0.3, "iso8859_5": 0.15, "cp866": 0.15,
              "iso8859_2": 0.05}
# A reading is believed from this score on (points per 8-bit character, see _score): a
# served language's from 0, another's only from a clearly better score.
PLAUSIBLE_SERVED = 0.0
PLAUSIBLE = 0.2
# Texts longer than this are scored on their beginning.
SAMPLE = 4000


def decode_bytes(content: bytes, charset=None, languages=DEFAULT_LANGUAGES) -> str:
    """Text in the declared charset (through its superset) when it really is that; otherwise
    the best reading for the languages served."""
    for codec in declared_codecs(charset):
        try:
            text = decode(content, codec)
        except (LookupError, UnicodeDecodeError, ValueError):
            continue
        if codec in ("cp1252", "latin-1") and not content.isascii():
            # "iso-8859-1" is what many scripts and webmails say whatever they send: 8-bit
            # text that is valid UTF-8 is UTF-8 (Latin-1 words almost never are), and words
            # made of nothing but accented letters are another code page's.
            try:
                return content.decode("utf-8")
            except UnicodeDecodeError:
                pass
            if _score(text[:SAMPLE], "cp1252") < 0:
                guessed, score = _guess(content, languages)
                return guessed if score >= PLAUSIBLE else text
        return text
    return guess(content, languages)


def declared_codecs(charset) -> tuple[str, ...]:
    """The codecs to read a declared charset with, best first; () when the label tells
    nothing about 8-bit bytes or is unknown."""
    if isinstance(charset, tuple):  # RFC 2231 form of the parameter
        charset = charset[0]
    label = str(charset or "").strip().strip("\"'").lower().partition("*")[0]
    label = ALIASES.get(label, label)
    try:
        name = codecs.lookup(label).name
    except (LookupError, ValueError):  # unknown, or bytes no label has (NUL, 8-bit)
        return ()
    if name in UNDECLARED:
        return ()
    return SUPERSETS.get(name, (name,))


def decode(content: bytes, codec: str) -> str:
    if codec == "iso2022_jp_cp932":
        return _iso2022jp_cp932(content)
    return content.decode(codec)


def guess(content: bytes, languages=DEFAULT_LANGUAGES) -> str:
    """Undeclared text: ASCII, UTF-8, then the best-scored reading, served languages first."""
    return _guess(content, languages)[0]


def _guess(content: bytes, languages) -> tuple[str, float]:
    """The reading and its score (see :func:`_score`)."""
    for codec in ("ascii", "utf-8-sig"):
        try:
            return content.decode(codec), 1.0
        except UnicodeDecodeError:
            pass
    served = served_pages(languages)
    readings = []
    for order, codec in enumerate(dict.fromkeys((*served, *EVERY_PAGE))):
        try:
            text = content.decode(codec)
        except UnicodeDecodeError:
            continue
        score = _score(text[:SAMPLE], codec) - RARE_PAGES.get(codec, 0.0)
        readings.append((score, -order, codec in served, text))
    best_served = max((r for r in readings if r[2]), default=None)
    if best_served is not None and best_served[0] >= PLAUSIBLE_SERVED:
        return best_served[3], best_served[0]
    best = max(readings, default=None)
    if best is not None and best[0] >= PLAUSIBLE:
        return best[3], best[0]
    # A script none of the rankings knows (Greek, Hebrew, Arabic…): statistics decide.
    found = from_bytes(content).best()
    if found is not None:
        return str(found), 0.0
    return (best[3], best[0]) if best is not None else (content.decode("latin-1"), 0.0)


def served_pages(languages) -> tuple[str, ...]:
    pages = []
    for language in languages or ():
        code = str(language).lower().replace("_", "-").partition("-")[0]
        pages += CODE_PAGES.get(code, WESTERN)
    return tuple(dict.fromkeys(pages))


# --- Scoring a reading ------------------------------------------------------------------------

# Russian letters per mille of running text (the usual corpus counts).
RUSSIAN = dict(zip("оеаинтсрвлкмдпуяыьгзбчйхжшюцщэфъё",
                   (110, 85, 80, 74, 67, 63, 55, 47, 45, 44, 35, 32, 30, 28, 26, 20, 19, 17,
                    17, 16, 16, 14, 12, 10, 9, 7, 6, 5, 4, 3, 3, 1, 1), strict=True))
# log10 of the share, so that common letters weigh about 1 and rare ones about -1.
LETTER_POINTS = {letter: math.log10(share) - 1 for letter, share in RUSSIAN.items()}
LETTER_POINTS.update(dict.fromkeys("іїєґў", -0.3))  # Ukrainian and Belarusian
OTHER_CYRILLIC = -1.5  # Serbian and Macedonian letters, which wrong code pages yield
LATIN_LETTER = 0.3
# Punctuation of running text that the code pages carry.
PUNCTUATION = set("«»–—…№“”„‘’•·€°±×\xa0§©®™¡¿£¥¢¹²³¼½¾µ")
BAD_CASE = -1.5
WORD_RE = re.compile(r"[^\W\d_]+")
CONSONANTS_RE = re.compile("[бвгджзйклмнпрстфхцчшщьъ]+")
VOWELS_RE = re.compile("[аеёиоуыэюяіїє]+")
SYMBOL_RE = re.compile(r"[^\x00-\x7f]")

try:  # the most frequent Chinese characters and Korean syllables, as charset-normalizer has them
    from charset_normalizer.constant import FREQUENCIES
    COMMON_HANZI = frozenset(FREQUENCIES.get("Chinese", ()))
    COMMON_HANGUL = frozenset(FREQUENCIES.get("Korean", ()))
except ImportError:  # pragma: no cover - a version without the table
    COMMON_HANZI = COMMON_HANGUL = frozenset()
IDEOGRAPH_SPACE_RE = re.compile(r"(?<=[\u4e00-\u9fff]) +(?=[\u4e00-\u9fff])")


def _score(text: str, codec: str) -> float:
    """Points per 8-bit character of ``text`` read as ``codec``: about 1 for words of the
    script, below 0 for what no one writes."""
    if codec in CYRILLIC or codec in WESTERN or codec in CENTRAL:
        return _alphabetic(text, cyrillic=codec in CYRILLIC)
    return _ideographic(text, codec)


def _alphabetic(text: str, *, cyrillic: bool) -> float:
    total, count = 0.0, 0
    for match in WORD_RE.finditer(text):
        word = match.group()
        high = [c for c in word if c > "\x7f"]
        if high:
            count += len(high)
            total += _word(word, high, cyrillic)
    for match in SYMBOL_RE.finditer(text):
        char, at = match.group(), match.start()
        if char.isalpha():
            continue
        count += 1
        before = text[at - 1] if at else " "
        after = text[at + 1] if at + 1 < len(text) else " "
        if before.isalpha() and after.isalpha() and char not in "’'":
            total += BAD_CASE  # a symbol inside a word is a letter of another code page
        elif _stray(before) or _stray(after):
            total -= 0.5  # symbols come one at a time in running text
        else:
            total += _symbol(char)
    return total / count if count else 0.0


def _word(word: str, high: list[str], cyrillic: bool) -> float:
    if cyrillic:
        foreign = any(c.isascii() for c in word) or any(not _is_cyrillic(c) for c in high)
    else:
        foreign = any(not _is_latin(c) for c in high)
    if foreign:
        return BAD_CASE * len(high)
    upper = word.isupper()
    if not (word.islower() or upper or (word[0].isupper() and word[1:].islower())):
        return BAD_CASE * len(high)
    if not cyrillic:
        # Accented letters come one or two to a word; a word of nothing else is mojibake,
        # and so, mostly, are accented capitals inside a word.
        if len(high) == len(word) > 1 or (len(word) >= 4 and len(high) * 3 > len(word) * 2):
            return -1.0 * len(high)
        return (-0.3 if upper else LATIN_LETTER) * len(high)
    lower = word.lower()
    points = sum(LETTER_POINTS.get(c, OTHER_CYRILLIC) for c in lower)
    if upper and len(word) > 1:
        points -= 0.2 * len(high)  # capitals are written, but less often than not
    # Russian words alternate: more than three consonants or two vowels in a row, or a word
    # that starts with a sign, is what a wrong code page makes of them.
    for run in CONSONANTS_RE.findall(lower):
        points -= max(0, len(run) - 3)
    for run in VOWELS_RE.findall(lower):
        points -= max(0, len(run) - 2)
    if lower[0] in "ьъы":
        points += BAD_CASE
    return points


def _stray(char: str) -> bool:
    return char > "\x7f" and not char.isalpha() and not char.isspace()


def _symbol(char: str) -> float:
    if char in PUNCTUATION:
        return 0.5
    if unicodedata.category(char) in ("Cc", "Cf", "Co", "Cn", "Cs"):
        return -3.0
    return -1.0


def _is_cyrillic(char: str) -> bool:
    return "\u0400" <= char <= "\u04ff"


def _is_latin(char: str) -> bool:
    return "\u00c0" <= char <= "\u024f" and char not in "\u00d7\u00f7"


def _ideographic(text: str, codec: str) -> float:
    total, count = 0.0, 0
    for char in SYMBOL_RE.findall(text):
        count += 1
        total += _ideograph(char, codec)
    # Chinese and Japanese put no spaces between words; Korean read as them would.
    total -= 0.5 * len(IDEOGRAPH_SPACE_RE.findall(text))
    return total / count if count else 0.0


def _ideograph(char: str, codec: str) -> float:
    kana = "\u3040" <= char <= "\u30ff"
    if "\uac00" <= char <= "\ud7a3":  # Hangul syllables
        if codec != "cp949" or _row(char, "euc_kr") > 0xC8:
            return 0.1
        return 0.8 + 0.4 * (char in COMMON_HANGUL)
    if "\u4e00" <= char <= "\u9fff":
        if codec == "gb18030":
            lead = _row(char, "gb2312")
            return (0.8 + 0.4 * (char in COMMON_HANZI)) if lead <= 0xD7 else 0.1
        if codec == "big5hkscs":
            return 0.8 if _row(char, "big5") <= 0xC6 else 0.1
        if codec in ("cp932", "euc_jp"):
            return 0.7 if _row(char, "euc_jp") <= 0xCF else 0.1
        return 0.1
    if kana:
        return 1.0 if codec in ("cp932", "euc_jp") else 0.0
    if "\uff61" <= char <= "\uff9f":  # half-width katakana: legacy, and what Cyrillic becomes
        return -0.5
    if "\u3000" <= char <= "\u303f" or "\uff00" <= char <= "\uffef" or char in PUNCTUATION:
        return 0.5
    category = unicodedata.category(char)
    if category in ("Cc", "Cf", "Co", "Cn", "Cs"):
        return -3.0
    return -0.5  # letters of other scripts and symbols from the double-byte tables


def _row(char: str, codec: str) -> int:
    """The lead byte of ``char`` in ``codec``: its row, where the common characters come
    first; 0x100 when the codec does not have it."""
    try:
        encoded = char.encode(codec)
    except UnicodeEncodeError:
        return 0x100
    return encoded[0] if len(encoded) == 2 else 0x100


# --- ISO-2022-JP with the Windows extensions ----------------------------------------------------

ESCAPE_RE = re.compile(rb"\x1b(\([BJI]|\$[@B])")


def _iso2022jp_cp932(content: bytes) -> str:
    """ISO-2022-JP as Windows writes it (CP50221): JIS X 0208 with the NEC and IBM rows and
    half-width katakana, read by moving each character to Shift_JIS and decoding CP932."""
    out = bytearray()
    mode = b"(B"
    position = 0
    for match in [*ESCAPE_RE.finditer(content), None]:
        end = match.start() if match else len(content)
        chunk = content[position:end]
        if mode in (b"$@", b"$B"):
            if len(chunk) % 2:
                raise ValueError("odd JIS X 0208 run")
            for index in range(0, len(chunk), 2):
                out += _jis_to_sjis(chunk[index], chunk[index + 1])
        elif mode == b"(I":
            out += bytes(byte | 0x80 for byte in chunk)
        else:
            out += chunk
        if match:
            mode, position = match.group(1), match.end()
    if b"\x1b" in out:
        raise ValueError("unknown escape sequence")
    return bytes(out).decode("cp932")


def _jis_to_sjis(first: int, second: int) -> bytes:
    if not (0x21 <= first <= 0x7E and 0x21 <= second <= 0x7E):
        raise ValueError("not a JIS X 0208 character")
    lead = (first + 1) // 2 + (0x70 if first <= 0x5E else 0xB0)
    trail = second + (0x1F if first % 2 else 0x7D)
    if first % 2 and second >= 0x60:
        trail += 1
    return bytes((lead, trail))
