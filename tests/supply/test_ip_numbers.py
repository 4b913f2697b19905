from dataclasses import dataclass
from datetime import date

import pytest
from django.utils import timezone

from duijie.supply.ip_numbers import (
    IPNumberError,
    cn_application_check_digit,
    ep_application_check_digit,
    normalise_ip_number,
    validate_ip_asset,
)
from tests.helpers import english

INV, UM, DESIGN, PCT = "invention_patent", "utility_model", "design", "pct_application"
SOFTWARE, LAYOUT, KNOW_HOW = "software_copyright", "ic_layout", "know_how"


@dataclass(frozen=True)
class Raises:
    """The expected outcome of a case that must raise ``IPNumberError`` naming ``field``."""

    field: str = "number"


NUMBER_CASES = [
    # --- CN application numbers (ZC 0006-2003) ---
    pytest.param("CN", "CN201710601862.3", INV, "CN201710601862.3", id="cn-real-application"),
    pytest.param("CN", "201710601862.3", INV, "CN201710601862.3", id="cn-without-prefix"),
    pytest.param("CN", "cn 2017 1060 1862 3", INV, "CN201710601862.3", id="cn-spaces-no-dot-lower-case"),
    pytest.param("CN", "ZL201710601862.3", INV, "CN201710601862.3", id="cn-zl-patent-number"),
    pytest.param("CN", "ＣＮ２０１７１０６０１８６２．３", INV, "CN201710601862.3", id="cn-full-width"),
    pytest.param("CN", "CN200310102344.5", INV, "CN200310102344.5", id="cn-first-12-digit-year"),
    pytest.param("CN", "97101765.4", INV, "CN97101765.4", id="cn-old-8-digit-real"),
    pytest.param("CN", "ZL95115608.x", INV, "CN95115608.X", id="cn-old-check-x-real"),
    pytest.param("CN", "CN202320123456.1", UM, "CN202320123456.1", id="cn-utility-model"),
    pytest.param("CN", "202390123456X", UM, "CN202390123456.X", id="cn-pct-utility-model-check-x"),
    pytest.param("CN", "CN202330123456.7", DESIGN, "CN202330123456.7", id="cn-design"),
    pytest.param("CN", "CN202380123456.4", INV, "CN202380123456.4", id="cn-pct-invention"),
    pytest.param("CN", "CN201710601862.4", INV, Raises(), id="cn-wrong-check-digit"),
    pytest.param("CN", "CN201710601862", INV, Raises(), id="cn-check-digit-missing"),
    pytest.param("CN", "CN2017106018.3", INV, Raises(), id="cn-too-few-digits"),
    pytest.param("CN", "CN2017-10601862.3", INV, Raises(), id="cn-stray-character"),
    pytest.param("CN", "CN202320123456.1", INV, Raises(), id="cn-utility-model-as-invention"),
    pytest.param("CN", "CN202310123456.6", DESIGN, Raises(), id="cn-invention-as-design"),
    pytest.param("CN", "CN202340123456.2", INV, Raises(), id="cn-unknown-type-digit"),
    pytest.param("CN", "CN05123456.4", INV, Raises(), id="cn-8-digits-after-2003"),
    pytest.param("CN", "CN84123456.6", INV, Raises(), id="cn-before-patent-law"),
    # --- CN publication and grant numbers ---
    pytest.param("CN", "CN 112345678 A", INV, "CN112345678A", id="cn-publication-a"),
    pytest.param("CN", "cn112345678b", INV, "CN112345678B", id="cn-grant-b"),
    pytest.param("CN", "CN212345678U", UM, "CN212345678U", id="cn-grant-u"),
    pytest.param("CN", "CN308765432S", DESIGN, "CN308765432S", id="cn-grant-s"),
    pytest.param("CN", "CN112345678A", UM, Raises(), id="cn-invention-publication-as-utility-model"),
    pytest.param("CN", "CN212345678A", INV, Raises(), id="cn-first-digit-against-kind"),
    pytest.param("CN", "CN112345678Q", INV, Raises(), id="cn-unknown-kind"),
    # --- CN registrations ---
    pytest.param("CN", "2023SR0123456", SOFTWARE, "2023SR0123456", id="cn-software-copyright"),
    pytest.param("CN", "2005sr012345", SOFTWARE, "2005SR012345", id="cn-software-copyright-6-digits"),
    pytest.param("CN", "2023SR01234", SOFTWARE, Raises(), id="cn-software-copyright-short"),
    pytest.param("CN", "1984SR0123456", SOFTWARE, Raises(), id="cn-software-copyright-year"),
    pytest.param("CN", "CN201710601862.3", SOFTWARE, Raises(), id="cn-patent-as-software-copyright"),
    pytest.param("CN", "BS.235012345", LAYOUT, "BS.235012345", id="cn-layout-design"),
    pytest.param("CN", "bs.23501234.x", LAYOUT, "BS.23501234.X", id="cn-layout-design-with-check"),
    pytest.param("CN", "BS.2350123", LAYOUT, Raises(), id="cn-layout-design-short"),
    pytest.param("GB", "2023SR0123456", SOFTWARE, Raises("jurisdiction"), id="gb-software-copyright"),
    pytest.param("EP", "BS.235012345", LAYOUT, Raises("jurisdiction"), id="ep-layout-design"),
    pytest.param("US", " TXu 2-123-456 ", SOFTWARE, "TXu 2-123-456", id="us-software-copyright-form-only"),
    # --- US ---
    pytest.param("US", "16/123,456", INV, "US16/123456", id="us-application"),
    pytest.param("US", "US 29/812,345", DESIGN, "US29/812345", id="us-design-application"),
    pytest.param("US", "US 11,123,456 B2", INV, "US11123456B2", id="us-8-digit-patent"),
    pytest.param("US", "US6123456", INV, "US6123456", id="us-7-digit-patent"),
    pytest.param("US", "US06123456A", INV, "US6123456A", id="us-zero-padded-patent"),
    pytest.param("US", "USD912345S", DESIGN, "USD912345S", id="us-design-patent"),
    pytest.param("US", "US D1,012,345", DESIGN, "USD1012345", id="us-design-patent-7-digits"),
    pytest.param("US", "US RE49,123 E", INV, "USRE49123E", id="us-reissue"),
    pytest.param("US", "US 2023/0123456 A1", INV, "US20230123456A1", id="us-publication"),
    pytest.param("US", "USD912345S", INV, Raises(), id="us-design-patent-as-invention"),
    pytest.param("US", "29/812,345", INV, Raises(), id="us-design-application-as-invention"),
    pytest.param("US", "US20230123456A1", DESIGN, Raises(), id="us-publication-as-design"),
    pytest.param("US", "16/123,456", UM, Raises("ip_type"), id="us-utility-model"),
    pytest.param("US", "US123456", INV, Raises(), id="us-6-digit-patent"),
    pytest.param("US", "50/123,456", INV, Raises(), id="us-unknown-series"),
    pytest.param("US", "US20000123456A1", INV, Raises(), id="us-publication-before-2001"),
    # --- EP ---
    pytest.param("EP", "EP 21 123 456.2", INV, "EP21123456.2", id="ep-application"),
    pytest.param("EP", "EP21123456", INV, "EP21123456.2", id="ep-application-check-digit-added"),
    pytest.param("EP", "EP13748138.8", INV, "EP13748138.8", id="ep-real-application"),
    pytest.param("EP", "EP99403122.3", INV, "EP99403122.3", id="ep-before-2002-check-kept"),
    pytest.param("EP", "EP 3 456 789 B1", INV, "EP3456789B1", id="ep-patent"),
    pytest.param("EP", "ep3456789", INV, "EP3456789", id="ep-publication-without-kind"),
    pytest.param("EP", "EP21123456.7", INV, Raises(), id="ep-wrong-check-digit"),
    pytest.param("EP", "EP3456789C1", INV, Raises(), id="ep-unknown-kind"),
    pytest.param("EP", "EP3456789B1", DESIGN, Raises("jurisdiction"), id="ep-design"),
    # --- GB ---
    pytest.param("GB", "GB2012345.6", INV, "GB2012345.6", id="gb-application"),
    pytest.param("GB", "GB 20123456", INV, "GB2012345.6", id="gb-application-no-dot"),
    pytest.param("GB", "gb 2591234 a", INV, "GB2591234A", id="gb-publication"),
    pytest.param("GB", "GB2012345", INV, "GB2012345", id="gb-old-publication"),
    pytest.param("GB", "6012345", DESIGN, "6012345", id="gb-registered-design-form-only"),
    pytest.param("GB", "GB2591234C", INV, Raises(), id="gb-unknown-kind"),
    pytest.param("GB", "GB20123.4", INV, Raises(), id="gb-short-application"),
    pytest.param("GB", "GB2591234A", UM, Raises("ip_type"), id="gb-utility-model"),
    # --- WO / PCT ---
    pytest.param("WO", "PCT/CN2023/123456", PCT, "PCT/CN2023/123456", id="pct-application"),
    pytest.param("WO", "pct cn2023 123456", PCT, "PCT/CN2023/123456", id="pct-application-spaces"),
    pytest.param("WO", "WO2023/123456", PCT, "WO2023123456", id="wo-publication"),
    pytest.param("WO", "WO 2023/123456 A1", PCT, "WO2023123456A1", id="wo-publication-kind"),
    pytest.param("WO", "PCT/CN2019/12345", PCT, Raises(), id="pct-5-digit-serial"),
    pytest.param("WO", "PCT/CN03/12345", PCT, Raises(), id="pct-2-digit-year"),
    pytest.param("WO", "PCT/CN2003/123456", PCT, Raises(), id="pct-before-2004"),
    pytest.param("WO", "PCT/C2023/123456", PCT, Raises(), id="pct-one-letter-office"),
    pytest.param("CN", "PCT/CN2023/123456", PCT, Raises("jurisdiction"), id="pct-not-under-wo"),
    pytest.param("WO", "WO2023/123456", INV, Raises("ip_type"), id="wo-number-as-invention"),
    # --- other jurisdictions, know-how, required ---
    pytest.param("other", "  特願2023-123456 ", INV, "特願2023-123456", id="other-trimmed"),
    pytest.param("DE", "10 2023 123 456.7", UM, "10 2023 123 456.7", id="other-de-utility-model"),
    pytest.param("JP", "2023_123456", INV, Raises(), id="other-bad-character"),
    pytest.param("other", "1" * 41, INV, Raises(), id="other-too-long"),
    pytest.param("other", "", PCT, Raises(), id="pct-empty"),
    pytest.param("CN", "  my recipe  ", KNOW_HOW, "my recipe", id="know-how-trimmed"),
    pytest.param("CN", "", KNOW_HOW, "", id="know-how-empty"),
    pytest.param("CN", "   ", INV, Raises(), id="number-required"),
    pytest.param("", "CN201710601862.3", INV, Raises("jurisdiction"), id="jurisdiction-required"),
    pytest.param("CN", "CN201710601862.3", "trademark", Raises("ip_type"), id="unknown-ip-type"),
]


@pytest.mark.parametrize(("jurisdiction", "number", "ip_type", "expected"), NUMBER_CASES)
def test_normalise_ip_number(jurisdiction, number, ip_type, expected):
    if isinstance(expected, Raises):
        with pytest.raises(IPNumberError) as raised:
            normalise_ip_number(jurisdiction, number, ip_type)
        # Filling in the message's placeholders must work too (it happens lazily, when shown).
        assert (raised.value.field, bool(str(raised.value))) == (expected.field, True)
    else:
        assert normalise_ip_number(jurisdiction, number, ip_type) == expected


MESSAGE_CASES = [
    pytest.param(
        "CN", "CN2017106018.3", INV,
        "A Chinese patent application number has 12 digits before the check digit (e.g. CN202310123456.6), "
        "or 8 if it was filed before October 2003 (e.g. CN97101765.4); this one has 10.",
        id="cn-length",
    ),
    pytest.param(
        "CN", "CN201710601862.4", INV,
        "The check digit of CN201710601862.4 does not match the digits before it: one of them is probably mistyped.",
        id="cn-check-digit",
    ),
    pytest.param(
        "CN", "CN201710601862", INV,
        "The check digit is missing: it follows the dot at the end (e.g. CN202310123456.6).",
        id="cn-check-digit-missing",
    ),
    pytest.param(
        "CN", "cn 2023 2012 3456 1", INV,
        "CN202320123456.1 is a utility model application (type digit 2), which does not fit the type "
        "“Invention patent”: choose the right type or check the number.",
        id="cn-type-digit",
    ),
    pytest.param(
        "CN", "CN84123456.6", INV,
        "The year in CN84123456.6 (1984) is not plausible: it should be between 1985 and "
        f"{timezone.localdate().year + 1}.",
        id="cn-year",
    ),
    pytest.param(
        "US", "US 11123456", UM,
        "Utility models are not granted by the USPTO: choose “Invention patent”, or the jurisdiction that "
        "granted the utility model.",
        id="us-utility-model",
    ),
    pytest.param(
        "WO", "PCT/CN2019/12345", PCT,
        "This is the numbering used until 2003; since 2004 PCT numbers have a 4-digit year and 6 digits "
        "(e.g. PCT/CN2023/123456 or WO2023/123456).",
        id="pct-old",
    ),
    pytest.param(
        "CN", "PCT/CN2023/123456", PCT,
        "A PCT application is filed internationally: choose the jurisdiction “PCT (WIPO)” and enter its "
        "PCT/… or WO… number.",
        id="pct-jurisdiction",
    ),
]


@pytest.mark.parametrize(("jurisdiction", "number", "ip_type", "message"), MESSAGE_CASES)
def test_normalise_ip_number_messages(in_english, jurisdiction, number, ip_type, message):
    with pytest.raises(IPNumberError) as raised:
        normalise_ip_number(jurisdiction, number, ip_type)
    assert (str(raised.value), english(raised.value.message)) == (message, message)


def test_ip_number_error_is_a_value_error():
    with pytest.raises(ValueError):
        normalise_ip_number("CN", "CN201710601862.4", INV)


def test_normalise_cn_year_next_year_accepted_the_one_after_refused():
    next_year = timezone.localdate().year + 1
    accepted = f"{next_year}10000001"
    refused = f"{next_year + 1}10000001"
    assert normalise_ip_number("CN", accepted + cn_application_check_digit(accepted), INV) == (
        f"CN{accepted}.{cn_application_check_digit(accepted)}"
    )
    with pytest.raises(IPNumberError):
        normalise_ip_number("CN", refused + cn_application_check_digit(refused), INV)


# --- check digits -------------------------------------------------------------------------------------


@pytest.mark.parametrize(("digits", "check"), [
    # Published numbers: the worked example of the CNIPA scheme, and two pre-2003 patents.
    pytest.param("201710601862", "3", id="2017"),
    pytest.param("97101765", "4", id="1997"),
    pytest.param("95115608", "X", id="1995-x"),
])
def test_cn_check_digit_published_numbers(digits, check):
    assert cn_application_check_digit(digits) == check


@pytest.mark.parametrize("digits", ["201710601862", "97101765"])
def test_cn_check_digit_catches_every_single_digit_error(digits):
    for position, original in enumerate(digits):
        for replacement in "0123456789".replace(original, ""):
            changed = digits[:position] + replacement + digits[position + 1:]
            assert cn_application_check_digit(changed) != cn_application_check_digit(digits), changed


@pytest.mark.parametrize("digits", ["201710601862", "97101765"])
def test_cn_check_digit_catches_every_adjacent_swap(digits):
    for position in range(len(digits) - 1):
        a, b = digits[position], digits[position + 1]
        if a != b:
            swapped = digits[:position] + b + a + digits[position + 2:]
            assert cn_application_check_digit(swapped) != cn_application_check_digit(digits), swapped


def test_cn_check_digit_refuses_wrong_length():
    with pytest.raises(ValueError):
        cn_application_check_digit("2017106018")


@pytest.mark.parametrize(("digits", "check"), [
    # The EPO's own worked example, and two applications from the EPO forum threads.
    pytest.param("99403122", "7", id="epo-example"),
    pytest.param("13748138", "8", id="2013"),
    pytest.param("15150367", "9", id="2015"),
])
def test_ep_check_digit_published_numbers(digits, check):
    assert ep_application_check_digit(digits) == check


def test_ep_check_digit_catches_every_single_digit_error():
    digits = "13748138"
    for position, original in enumerate(digits):
        for replacement in "0123456789".replace(original, ""):
            changed = digits[:position] + replacement + digits[position + 1:]
            assert ep_application_check_digit(changed) != "8", changed


# --- validate_ip_asset --------------------------------------------------------------------------------

TODAY = date(2024, 6, 1)
GRANTED_INVENTION = {
    "ip_type": INV, "jurisdiction": "CN", "number": "CN201710601862.3", "status": "granted",
    "filing_date": date(2017, 7, 20), "grant_date": date(2020, 3, 10),
}
ASSET_CASES = [
    pytest.param({}, {}, id="fine"),
    pytest.param({"ip_type": KNOW_HOW, "number": "", "jurisdiction": ""}, {}, id="know-how-without-number"),
    pytest.param(
        {"number": "  "}, {"number": ["Enter the number of the application, patent or registration."]},
        id="number-required",
    ),
    pytest.param(
        {"grant_date": None}, {"grant_date": ["A granted invention patent needs its grant date."]},
        id="granted-invention-without-grant-date",
    ),
    pytest.param(
        {"status": "filed", "grant_date": None}, {}, id="filed-invention-without-grant-date",
    ),
    pytest.param(
        {"ip_type": UM, "number": "CN202320123456.1", "grant_date": None}, {},
        id="granted-utility-model-without-grant-date",
    ),
    pytest.param(
        {"grant_date": date(2017, 7, 19)}, {"grant_date": ["The grant date cannot be before the filing date."]},
        id="grant-before-filing",
    ),
    pytest.param(
        {"filing_date": date(2024, 6, 2), "grant_date": None, "status": "filed"},
        {"filing_date": ["The filing date cannot be in the future."]},
        id="filing-date-in-future",
    ),
    pytest.param(
        {"grant_date": date(2024, 6, 2)}, {"grant_date": ["The grant date cannot be in the future."]},
        id="grant-date-in-future",
    ),
    pytest.param({"filing_date": TODAY, "grant_date": TODAY}, {}, id="today-is-not-future"),
    pytest.param(
        {"ip_type": PCT, "number": "PCT/CN2023/123456"},
        {"jurisdiction": [
            "A PCT application is filed internationally: choose the jurisdiction “PCT (WIPO)” and enter its "
            "PCT/… or WO… number."
        ]},
        id="pct-outside-wo",
    ),
    pytest.param(
        {"number": "CN201710601862.4", "filing_date": date(2025, 1, 1), "grant_date": None},
        {
            "number": [
                "The check digit of CN201710601862.4 does not match the digits before it: one of them is "
                "probably mistyped."
            ],
            "filing_date": ["The filing date cannot be in the future."],
            "grant_date": ["A granted invention patent needs its grant date."],
        },
        id="several-errors",
    ),
]


@pytest.mark.parametrize(("changes", "errors"), ASSET_CASES)
def test_validate_ip_asset(in_english, changes, errors):
    assert validate_ip_asset(**{**GRANTED_INVENTION, **changes}, today=TODAY) == errors


def test_validate_ip_asset_today_defaults_to_local_date(in_english):
    tomorrow = date.fromordinal(timezone.localdate().toordinal() + 1)
    assert validate_ip_asset(**{**GRANTED_INVENTION, "grant_date": tomorrow}) == {
        "grant_date": ["The grant date cannot be in the future."]
    }
