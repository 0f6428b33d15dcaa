import re
import unicodedata

from hypothesis import given, settings
from hypothesis import strategies as st

from monitor import text
from monitor.text import content_hash, normalize, normalize_line


def test_nfkc_turns_full_width_digits_and_letters_half_width():
    assert normalize("１億５０００万円　ＮＴＴ") == "1億5000万円 NTT"


def test_footnote_marks_are_removed_not_glued_to_the_word_as_digits():
    assert normalize("文書（別紙¹）により") == "文書(別紙)により"


def test_dashes_between_digits_become_hyphens_but_katakana_long_vowels_stay():
    assert normalize("電話：０３－５２５３－５８４７") == "電話:03-5253-5847"
    assert normalize("03ー5253ー5847") == "03-5253-5847"
    assert normalize("コールセンター") == "コールセンター"


def test_wave_dash_is_kept_as_tilde():
    assert normalize("10月4日〜31日") == "10月4日~31日"


def test_paragraph_breaks_survive_but_blank_runs_collapse():
    assert normalize("一行目\n\n\n\n二行目　　です") == "一行目\n\n二行目 です"
    assert normalize_line("タイトル\n続き") == "タイトル 続き"


def test_layout_only_changes_keep_the_fingerprint():
    assert content_hash(normalize("北陸通信　株式会社\n\n\n本文")) == content_hash(normalize("北陸通信 株式会社\n\n本文"))
    assert content_hash("a", "b") != content_hash("ab", "")


# Characters that compose with the one before them: the second of each two-character canonical
# decomposition, and the conjoining Hangul vowels and trailing consonants (composed by rule).
_COMPOSING = {
    chr(int(parts[1], 16))
    for parts in (unicodedata.decomposition(chr(code)).split() for code in range(0x110000))
    if len(parts) == 2 and not parts[0].startswith("<")
} | {chr(code) for code in [*range(0x1161, 0x1176), *range(0x11A8, 0x11C3)]}


def _starts_fresh(character: str) -> bool:
    """NFKC changes nothing across the boundary before ``character``: neither it nor the first
    character of its decomposition composes with, or is reordered before, what precedes it."""
    first = unicodedata.normalize("NFKD", character)[0]
    return not any(unicodedata.combining(c) or c in _COMPOSING for c in (character, first))


def _members(character_class: str) -> list[str]:
    pattern = re.compile(f"[{character_class}]")
    return [chr(code) for code in range(0x10000) if pattern.fullmatch(chr(code))]


def test_the_characters_nfkc_skips_are_their_own_nfkc_form_and_start_fresh():
    stable = _members(text._STABLE)
    assert len(stable) > 20_000  # ASCII, kana, kanji and the punctuation around them
    assert [c for c in stable if unicodedata.normalize("NFKC", c) != c or not _starts_fresh(c)] == []
    assert [c for c in _members(text._FRESH) if not _starts_fresh(c)] == []


def test_nfkc_is_unicodedatas_on_the_texts_that_trouble_it():
    samples = [
        "１億５０００万円　ＮＴＴ（株）",
        "ｶﾞｷﾞｸﾞ ﾊﾟﾋﾟ ｶ\uff9e",  # half-width katakana and voiced marks, alone too
        "か\u3099き\u309aが\u3099",  # combining voiced marks after kana (macOS file names)
        "e\u0301a\u0323\u0302q\u0307\u0323",  # combining accents to compose and to reorder
        "\u1100\u1161\u11a8가\u11a8",  # conjoining jamo, composed by rule
        "①②㈱㍻\u2474\ufb01ｰ\u00a0x\u00b2",
        "",
        "\u0301leading mark",
    ]
    for sample in samples:
        assert text.nfkc(sample) == unicodedata.normalize("NFKC", sample), sample


@settings(derandomize=True, database=None, deadline=None, max_examples=3000)
@given(
    st.text(
        alphabet=st.sampled_from(
            "aZ9 （）０ｱｶﾞﾞﾟかきが々ー・漢字\u3000\u3099\u309a\u0301\u0323\u0338=<\u1100\u1161\u11a8가①㈱\u00a0\u00b2\u2011…"
        )
    )
)
def test_nfkc_is_unicodedatas_on_generated_text(sample: str):
    assert text.nfkc(sample) == unicodedata.normalize("NFKC", sample)


@settings(derandomize=True, database=None, deadline=None, max_examples=1000)
@given(st.text())
def test_nfkc_is_unicodedatas_on_any_text(sample: str):
    assert text.nfkc(sample) == unicodedata.normalize("NFKC", sample)


def _normalized_line_by_line(sample: str) -> str:
    """The rules of ``normalize`` applied the plain way: NFKC of the whole text, each line apart."""
    sample = unicodedata.normalize("NFKC", re.sub("[\u00b9\u00b2\u00b3\u2070-\u2079]", "", sample))
    sample = re.sub("(?<=[0-9])[\u2010-\u2015\u2212\uff0d\u30fc\u2500\u2501-](?=[0-9])", "-", sample)
    sample = re.sub("[\u301c\uff5e\u223c]", "~", sample)
    lines = [
        re.sub(r"[ ]*\t[\t ]*", "\t", re.sub("[ \r\f\v\u00a0\u200b]+", " ", line)).strip(" \t") for line in sample.split("\n")
    ]
    return re.sub(r"\n{3,}", "\n\n", "\n".join(lines)).strip()


@settings(derandomize=True, database=None, deadline=None, max_examples=3000)
@given(st.text(alphabet=st.sampled_from("a1２ -－ーｰ‐\t\n\r\f\v\u00a0\u200b\u3000〜～¹⁵（）漢か")))
def test_normalize_applies_its_rules_as_if_line_by_line(sample: str):
    assert normalize(sample) == _normalized_line_by_line(sample)
