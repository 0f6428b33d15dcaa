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
