import logging

import pytest

from monitor.charset import _CONTROLS_ONLY_FROM_THEIR_BYTE, codec_for, declared_charset, decode
from monitor.errors import DecodeError
from monitor.text import CONTROL_CODEPOINTS

NEC_IBM_TEXT = "髙橋と山﨑が①番の㈱で"


def test_shift_jis_label_decodes_as_cp932_keeping_nec_ibm_extensions():
    content = f'<meta charset="Shift_JIS"><p>{NEC_IBM_TEXT}</p>'.encode("cp932")
    decoded = decode(content)
    assert NEC_IBM_TEXT in decoded.text
    assert decoded.encoding == "cp932"


def test_http_header_wins_over_meta():
    content = f'<meta charset="utf-8"><p>{NEC_IBM_TEXT}</p>'.encode("cp932")
    assert decode(content, "text/html; charset=Shift_JIS").encoding == "cp932"


def test_xml_declaration_is_read_from_bytes():
    content = f'<?xml version="1.0" encoding="Shift_JIS" ?><rdf>{NEC_IBM_TEXT}</rdf>'.encode("cp932")
    assert declared_charset(content) == "Shift_JIS"
    assert NEC_IBM_TEXT in decode(content).text


def test_wrong_declared_charset_falls_back_and_says_so(caplog):
    content = f"<p>{NEC_IBM_TEXT}</p>".encode("cp932")
    with caplog.at_level(logging.WARNING):
        decoded = decode(content, "text/html; charset=utf-8", url="http://x/")
    assert NEC_IBM_TEXT in decoded.text
    assert "declared utf-8 but decodes only as cp932" in caplog.text


def test_euc_jp_and_bom():
    assert decode("行政指導".encode("euc_jp"), "text/html; charset=EUC-JP").text == "行政指導"
    assert decode(b"\xef\xbb\xbf" + "行政指導".encode()).text == "行政指導"


def test_a_few_damaged_bytes_are_replaced_with_a_warning(caplog):
    content = "行政指導を行いました。".encode("cp932") * 20 + b"\x81"
    with caplog.at_level(logging.WARNING):
        decoded = decode(content, "text/html; charset=Shift_JIS", url="http://x/")
    assert decoded.text.startswith("行政指導を行いました。")
    assert "undecodable" in caplog.text


def test_bytes_that_fit_no_charset_raise_a_clear_error():
    with pytest.raises(DecodeError, match="not valid in any of"):
        decode(bytes(range(128, 256)) * 4, url="http://x/broken")


def test_unknown_labels_map_to_none():
    assert codec_for("x-unknown-charset") is None
    assert codec_for("Windows-31J") == "cp932"


@pytest.mark.parametrize("codec", ["cp932", "euc_jp", "utf-8", "utf-16"])
@pytest.mark.parametrize("control", ["\x00", "\x08", "\x0b", "\x0c", "\r\n", "\r", "\x1f", "\x7f"])
def test_controls_are_removed_in_every_codec(codec, control):
    text = f"<p>{NEC_IBM_TEXT if codec == 'cp932' else '行政指導'}{control}を行いました。\t終</p>\n"
    expected = text.replace("\r\n", "\n").replace("\r", "\n").replace("\x0b", " ").replace("\x0c", " ")
    expected = "".join(c for c in expected if c in "\t\n" or not (c < " " or c == "\x7f"))
    assert decode(text.encode(codec), f"text/html; charset={codec}").text == expected


def test_text_without_control_bytes_is_kept_as_decoded():
    text = f"<p>{NEC_IBM_TEXT}\t終</p>\n" * 50
    assert decode(text.encode("cp932"), "text/html; charset=Shift_JIS").text == text


@pytest.mark.parametrize("codec", sorted(_CONTROLS_ONLY_FROM_THEIR_BYTE))
def test_codecs_skipping_the_text_search_make_no_control_byte_part_of_a_character(codec):
    """The other direction: in these codecs no other character's bytes include a control byte, so
    a page's control bytes are control characters, and the byte check sends no clean text to the search."""
    control_bytes = set(range(0x20)) | {0x7F}
    for code in range(0x80, 0x10000):
        if 0xD800 <= code <= 0xDFFF:
            continue
        try:
            encoded = chr(code).encode(codec)
        except UnicodeEncodeError:
            continue
        assert not control_bytes & set(encoded), (codec, hex(code))


def test_a_control_character_decoded_from_other_bytes_is_removed_too():
    """UTF-7 spells NUL without a NUL byte: the bytes alone cannot say its text holds none."""
    assert decode(b"<p>+AAA-</p>", "text/html; charset=utf-7").text == "<p></p>"


@pytest.mark.parametrize("codec", sorted(_CONTROLS_ONLY_FROM_THEIR_BYTE))
def test_codecs_whose_text_is_not_searched_decode_no_control_character_but_from_its_byte(codec):
    """Why the text of bytes without control bytes is not searched for them: in these codecs, no
    sequence of other bytes decodes to one (two-byte sequences, and the three-byte ones of UTF-8
    and EUC-JP's JIS X 0212)."""
    controls = set(CONTROL_CODEPOINTS)
    others = [byte for byte in range(256) if byte not in controls]
    high = range(0x80, 0x100)
    sequences = [
        *(bytes((a, b)) for a in others for b in others),
        *(bytes((a, b, c)) for a in [*range(0xE0, 0xF0), 0x8F] for b in high for c in high),
    ]
    for sequence in sequences:
        try:
            text = sequence.decode(codec)
        except UnicodeDecodeError:
            continue
        assert not controls & set(map(ord, text)), (codec, sequence)
