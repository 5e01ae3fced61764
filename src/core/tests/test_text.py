import re

from hypothesis import given, settings
from hypothesis import strategies as st
from unidecode import unidecode

from core.text import search_key, sort_key, vn_sorted


def test_search_key_ignores_diacritics_case_and_punctuation():
    assert search_key("Đất đai") == "dat dai"
    assert search_key("  Sở Nông nghiệp và Môi trường ") == "so nong nghiep va moi truong"
    assert search_key("QT-01: Quy trình") == "qt 01 quy trinh"
    assert "dat dai" in search_key("Văn phòng Đăng ký ĐẤT ĐAI")


def test_vietnamese_letter_order():
    words = ["đào", "dao", "ăn", "an", "ân", "bé", "ơi", "ô", "o", "ưu", "uy", "e", "ê"]
    assert vn_sorted(words) == ["an", "ăn", "ân", "bé", "dao", "đào", "e", "ê", "o", "ô", "ơi", "uy", "ưu"]


def test_tones_order_after_letters():
    # ngang < huyền < hỏi < ngã < sắc < nặng, and letters always decide first
    assert vn_sorted(["má", "mạ", "mà", "ma", "mả", "mã"]) == ["ma", "mà", "mả", "mã", "má", "mạ"]
    assert sort_key("mạ") < sort_key("mac")


def test_names_sort_like_a_vietnamese_directory():
    names = ["UBND xã Đông Hải", "UBND xã Duyên Hải", "UBND phường Ánh Sáng", "UBND phường An Hội"]
    assert vn_sorted(names) == ["UBND phường An Hội", "UBND phường Ánh Sáng", "UBND xã Duyên Hải", "UBND xã Đông Hải"]


def test_decomposed_input_sorts_like_composed():
    import unicodedata

    assert sort_key(unicodedata.normalize("NFD", "Đất đai")) == sort_key("Đất đai")


# -- the fast fold is unidecode's, letter for letter ----------------------------------------------------------


def reference_key(value):
    """search_key as first written: unidecode, lower case, punctuation and runs of white space to one space."""
    folded = unidecode(str(value)).lower()
    return re.sub(r"\s+", " ", re.sub(r"[^\w\s]+", " ", folded)).strip()


@settings(max_examples=300, deadline=None)
@given(st.text(alphabet=st.characters(max_codepoint=0x2FFF)) | st.text(alphabet="Đđăâêôơưàảãáạằẳẵắặầẩẫấậ ,.-x1"))
def test_search_key_equals_the_unidecode_reference(value):
    assert search_key(value) == reference_key(value)


def test_every_vietnamese_letter_folds_as_unidecode_does():
    letters = "aàảãáạăằẳẵắặâầẩẫấậbcdđeèẻẽéẹêềểễếệghiìỉĩíịklmnoòỏõóọôồổỗốộơờởỡớợpqrstuùủũúụưừửữứựvxyỳỷỹýỵ"
    for ch in letters + letters.upper():
        assert search_key(ch) == reference_key(ch), ch
