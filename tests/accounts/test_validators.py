import pytest
from django.core.exceptions import ValidationError
from django.utils import translation

from duijie.accounts.validators import normalise_uscc, org_code_check_char, uscc_check_char, validate_uscc
from tests.factories import make_uscc

# A real registration (Fujian, Fuzhou) as printed on a business licence.
REAL_USCC = "91350100M000100Y43"


def uscc_error(value: str) -> ValidationError:
    with pytest.raises(ValidationError) as info:
        validate_uscc(value)
    return info.value


def english(error: ValidationError) -> list[str]:
    with translation.override("en"):
        return list(error.messages)


@pytest.mark.parametrize(
    "code",
    [
        REAL_USCC,
        make_uscc(1),
        make_uscc(123456789),
        # Check character 0 and check character Y, the two ends of the alphabet.
        "000000000000000000",
        "10000000000000000Y",
    ],
)
def test_validate_uscc_valid_code_passes(code):
    assert validate_uscc(code) is None


def test_uscc_check_char_of_real_code_is_its_last_character():
    assert uscc_check_char(REAL_USCC[:17]) == "3"


def test_uscc_check_char_values_at_the_ends_of_the_alphabet():
    # Weighted sum 0 -> 0; weighted sum 1 (first weight is 1) -> 31 - 1 = 30, the last character Y.
    assert uscc_check_char("00000000000000000") == "0"
    assert uscc_check_char("10000000000000000") == "Y"


@pytest.mark.parametrize(("value", "length"), [(REAL_USCC[:17], 17), (REAL_USCC + "0", 19), ("", 0)])
def test_validate_uscc_wrong_length_is_refused(value, length):
    error = uscc_error(value)
    assert error.code == "uscc_length"
    assert english(error) == [f"A unified social credit code has 18 characters; this one has {length}."]


@pytest.mark.parametrize("letter", ["I", "O", "S", "V", "Z"])
def test_validate_uscc_forbidden_letter_is_refused(letter):
    error = uscc_error(REAL_USCC[:9] + letter + REAL_USCC[10:])
    assert error.code == "uscc_chars"
    assert english(error) == [f"A unified social credit code cannot contain: {letter}."]


def test_validate_uscc_lists_every_forbidden_character_once_sorted():
    error = uscc_error("91350100ZOZIO0100Y")
    assert error.code == "uscc_chars"
    assert english(error) == ["A unified social credit code cannot contain: I, O, Z."]


def test_validate_uscc_letters_in_division_code_are_refused():
    body = "9135A100M000100Y4"
    error = uscc_error(body + uscc_check_char(body))
    assert error.code == "uscc_division"


@pytest.mark.parametrize("last", ["0", "2", "4", "Y"])
def test_validate_uscc_wrong_check_digit_is_refused(last):
    error = uscc_error(REAL_USCC[:17] + last)
    assert error.code == "uscc_check"
    assert english(error) == [
        "The check digit of this unified social credit code is wrong; please check for a typing error."
    ]


def test_validate_uscc_swapped_characters_are_caught_by_check_digit():
    swapped = REAL_USCC[:8] + REAL_USCC[9] + REAL_USCC[8] + REAL_USCC[10:]
    assert swapped != REAL_USCC
    assert uscc_error(swapped).code == "uscc_check"


@pytest.mark.parametrize(
    "value", ["91350100m000100y43", " 91350100M000100Y43 ", "9135 0100 M000 100Y 43", "91350100-M000100Y4-3"]
)
def test_validate_uscc_lower_case_spaces_and_hyphens_are_accepted(value):
    assert normalise_uscc(value) == REAL_USCC
    assert validate_uscc(value) is None


def test_normalise_uscc_empty_or_none_gives_empty_string():
    assert normalise_uscc("") == ""
    assert normalise_uscc(None) == ""  # type: ignore[arg-type]


def test_org_code_check_char_known_values():
    # GB 11714: weights 3,7,9,10,5,8,4,2; check = (11 - sum mod 11) mod 11, 10 written X.
    assert org_code_check_char("00000000") == "0"
    assert org_code_check_char("00000001") == "9"  # 11 - 2
    assert org_code_check_char("40000000") == "X"  # 11 - 12 mod 11 = 10
    assert org_code_check_char("12345678") == "8"  # 11 - 201 mod 11


def test_org_code_check_char_of_real_code_matches_its_17th_character():
    assert org_code_check_char(REAL_USCC[8:16]) == REAL_USCC[16]
