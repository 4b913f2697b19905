"""Checks and canonical forms of patent and registration numbers of an achievement's IP assets.

Pure functions: no database, no network. ``normalise_ip_number`` answers the one canonical spelling
of a number (so that the same patent typed two ways is stored once) or raises ``IPNumberError``;
``validate_ip_asset`` gathers every error of one IP asset by field, for forms and the API.

Formats checked (sources in the comments at each parser):

- CN: application numbers (CNIPA standard ZC 0006-2003, 12 digits and a check digit since 1 October
  2003, 8 digits and a check digit before), publication and grant numbers (CN + 9 digits + kind),
  software copyright registrations (2023SR0123456) and layout-design registrations (BS.235012345).
- US: application numbers (16/123,456), patent numbers (US11123456B2, USD912345S, USRE49123E) and
  pre-grant publication numbers (US20230123456A1).
- EP: application numbers (EP21123456.2, check digit verified for filings since 2002) and
  publication numbers (EP3456789B1).
- GB: application numbers (GB2012345.6) and publication numbers (GB2591234A, old GB2012345).
- WO: international applications (PCT/CN2023/123456) and publications (WO2023/123456A1), 2004 onwards.
- Any other jurisdiction: letters, digits, ``. - /`` and spaces, at most 40 characters.
"""

from __future__ import annotations

import re
import unicodedata
from collections.abc import Mapping
from datetime import date
from typing import Any, NoReturn

from django.utils import timezone
from django.utils.functional import Promise, lazy
from django.utils.translation import gettext_lazy as _

from duijie.supply.enums import IPStatus, IPType

# China's first Patent Law took effect on 1 April 1985; no number on the platform is older.
FIRST_YEAR = 1985
MAX_OTHER_LENGTH = 40
KNOWN_JURISDICTIONS = frozenset({"CN", "US", "EP", "GB", "WO"})

# Patent offices by jurisdiction code, for messages about what an office does not grant.
OFFICES: dict[str, Promise] = {
    "US": _("the USPTO"),
    "EP": _("the European Patent Office"),
    "GB": _("the UK Intellectual Property Office"),
}


class IPNumberError(ValueError):
    """A number that is not a valid number of its kind.

    ``message`` is translatable and filled in lazily (it reads in the language active when it is
    shown); ``field`` names the IP asset field at fault: ``number``, ``jurisdiction`` or ``ip_type``.
    """

    def __init__(self, message: Any, *, params: Mapping[str, Any] | None = None, field: str = "number") -> None:
        self.message: Any = _interpolate_lazy(message, dict(params)) if params else message
        self.field = field
        super().__init__(self.message)

    def __str__(self) -> str:
        return str(self.message)


def _interpolate(template: Any, params: dict[str, Any]) -> str:
    return str(template) % {key: str(value) for key, value in params.items()}


_interpolate_lazy = lazy(_interpolate, str)


def _fail(message: Any, *, field: str = "number", **params: Any) -> NoReturn:
    raise IPNumberError(message, params=params or None, field=field)


# --- check digits -------------------------------------------------------------------------------------


def cn_application_check_digit(digits: str) -> str:
    """The check character of a Chinese patent application number (``digits`` without it).

    CNIPA standard ZC 0006-2003 (专利申请号标准): the 12 digits are weighted 2, 3, 4, 5, 6, 7, 8, 9,
    2, 3, 4, 5 from the left, the 8 digits of a pre-October-2003 number 2 to 9; the sum modulo 11
    is the check digit, and a remainder of 10 is written ``X``.
    Verified against CN201710601862.3, CN97101765.4 and CN95115608.X.
    """
    if len(digits) not in (8, 12) or not digits.isdigit():
        raise ValueError(f"expected 8 or 12 digits, got {digits!r}")
    weights = (2, 3, 4, 5, 6, 7, 8, 9, 2, 3, 4, 5)
    remainder = sum(int(digit) * weight for digit, weight in zip(digits, weights, strict=False)) % 11
    return "X" if remainder == 10 else str(remainder)


def ep_application_check_digit(digits: str) -> str:
    """The check digit of a European patent application number filed since 1 January 2002.

    The EPO's rule (OPS support forum, "EP application number check digit algorithm", 2022): weight
    the 8 digits 1, 2, 1, 2, ... from the left, add the digits of the products, and the check digit
    is 10 minus the sum modulo 10 (0 when that is 10) — the Luhn scheme. Verified against
    EP99403122.7, EP13748138.8 and EP15150367.9.
    """
    if len(digits) != 8 or not digits.isdigit():
        raise ValueError(f"expected 8 digits, got {digits!r}")
    total = 0
    for index, digit in enumerate(digits):
        product = int(digit) * (2 if index % 2 else 1)
        total += product // 10 + product % 10
    return str((10 - total % 10) % 10)


# --- the entry point ----------------------------------------------------------------------------------


def normalise_ip_number(jurisdiction: str, number: str, ip_type: str) -> str:
    """The canonical form of ``number`` (e.g. ``CN202310123456.6``); raises ``IPNumberError``.

    ``jurisdiction`` is CN, US, EP, GB or WO, or any other code (then only the character set and the
    length are checked). Know-how has no number: its input comes back trimmed, possibly empty.
    """
    ip_type = str(ip_type)
    if ip_type not in IPType.values:
        _fail(_("“%(type)s” is not a type of intellectual property."), field="ip_type", type=ip_type)
    number = number or ""
    if ip_type == IPType.KNOW_HOW:
        return number.strip()
    code = (jurisdiction or "").strip().upper()
    if not code:
        _fail(_("Choose the jurisdiction that issued the number."), field="jurisdiction")
    if not number.strip():
        _fail(_("Enter the number of the application, patent or registration."))

    if ip_type == IPType.PCT_APPLICATION or code == "WO":
        return _wo(code, _compact(number), ip_type)
    if code not in KNOWN_JURISDICTIONS:
        return _other(number)
    if ip_type in (IPType.SOFTWARE_COPYRIGHT, IPType.IC_LAYOUT):
        return _registration(code, number, ip_type)
    if code == "CN":
        return _cn_patent(_compact(number), ip_type)
    return _foreign_patent(code, number, ip_type)


def _compact(number: str) -> str:
    """Upper case, full-width characters folded (ＣＮ２０２３ → CN2023), spaces and commas gone."""
    folded = unicodedata.normalize("NFKC", number).replace("。", ".").upper()
    return re.sub(r"[\s,]", "", folded)


def _check_year(year: int, number: str, *, first: int = FIRST_YEAR) -> None:
    last = timezone.localdate().year + 1
    if not first <= year <= last:
        _fail(
            # Translators: a patent number whose year part is impossible, e.g. CN203010123456.X.
            _("The year in %(number)s (%(year)s) is not plausible: it should be between %(first)s and %(last)s."),
            number=number, year=year, first=first, last=last,
        )


def _two_digit_year(yy: str) -> int:
    """A 2-digit filing year: 00 up to next year's two digits are this century, the rest the last."""
    value = int(yy)
    return 2000 + value if value <= (timezone.localdate().year + 1) % 100 else 1900 + value


def _does_not_fit(number: str, kind: Any, ip_type: str) -> NoReturn:
    _fail(
        # Translators: e.g. "CN202310123456.6 is an invention application (type digit 1), which does not
        # fit the type “Utility model”."; %(kind)s is one of the phrases that describe a number.
        _("%(number)s is %(kind)s, which does not fit the type “%(type)s”: choose the right type or check the number."),
        number=number, kind=kind, type=IPType(ip_type).label,
    )


# --- China: patents -----------------------------------------------------------------------------------

# The type digit of a Chinese application number (5th of 12, 3rd of 8), ZC 0006-2003.
CN_TYPE_DIGITS: dict[str, Promise] = {
    "1": _("an invention application (type digit 1)"),
    "2": _("a utility model application (type digit 2)"),
    "3": _("a design application (type digit 3)"),
    "8": _("an invention application entering China from the PCT (type digit 8)"),
    "9": _("a utility model application entering China from the PCT (type digit 9)"),
}
CN_TYPE_DIGITS_FOR: dict[str, frozenset[str]] = {
    IPType.INVENTION_PATENT: frozenset({"1", "8"}),
    IPType.UTILITY_MODEL: frozenset({"2", "9"}),
    IPType.DESIGN: frozenset({"3"}),
}
# Kind letters of CN publication and grant numbers (WIPO ST.16 as used by CNIPA): A, B, U, S since
# 2010; C (invention grant), Y (utility model grant) and D (design grant) before. The first digit of
# the serial is 1 for inventions, 2 for utility models and 3 for designs.
CN_KINDS: dict[str, tuple[str, Promise]] = {
    "A": ("1", _("a published invention application (kind A)")),
    "B": ("1", _("a granted invention patent (kind B)")),
    "C": ("1", _("a granted invention patent (kind C)")),
    "U": ("2", _("a granted utility model (kind U)")),
    "Y": ("2", _("a granted utility model (kind Y)")),
    "S": ("3", _("a granted design (kind S)")),
    "D": ("3", _("a granted design (kind D)")),
}
CN_KINDS_FOR: dict[str, frozenset[str]] = {
    IPType.INVENTION_PATENT: frozenset("ABC"),
    IPType.UTILITY_MODEL: frozenset("UY"),
    IPType.DESIGN: frozenset("SD"),
}


def _cn_patent(compact: str, ip_type: str) -> str:
    """A CN application number (CN202310123456.6, ZL-prefixed too) or publication number (CN112345678A)."""
    publication = re.fullmatch(r"CN(\d{9}|\d{7})([A-Z])", compact)
    if publication and publication.group(2) != "X":
        return _cn_publication(publication.group(1), publication.group(2), ip_type)

    body = compact[2:] if compact.startswith(("CN", "ZL")) else compact
    if "." in body:
        body, _dot, check = body.partition(".")
    elif len(body) in (9, 13) or body.endswith("X"):
        body, check = body[:-1], body[-1]
    else:
        check = ""
    if not body.isdigit() or not re.fullmatch(r"[\dX]?", check):
        _fail(_(
            "A Chinese patent application number has only digits and a check digit after the dot "
            "(e.g. CN202310123456.6); a publication number ends in its kind letter (e.g. CN112345678A)."
        ))
    if len(body) not in (8, 12):
        _fail(
            _(
                "A Chinese patent application number has 12 digits before the check digit "
                "(e.g. CN202310123456.6), or 8 if it was filed before October 2003 (e.g. CN97101765.4); "
                "this one has %(count)s."
            ),
            count=len(body),
        )
    if not check:
        _fail(
            _("The check digit is missing: it follows the dot at the end (e.g. CN202310123456.6)."),
        )

    if len(body) == 12:
        # ZC 0006-2003, since 1 October 2003: YYYY + type digit + 7-digit serial + "." + check.
        year, type_digit = int(body[:4]), body[4]
        _check_year(year, f"CN{body}.{check}", first=2003)
    else:
        # Before October 2003: YY + type digit + 5-digit serial + "." + check.
        year, type_digit = _two_digit_year(body[:2]), body[2]
        _check_year(year, f"CN{body}.{check}", first=FIRST_YEAR)
        if year > 2003:
            _fail(_(
                "Chinese application numbers with 8 digits were given until 2003; later ones have 12 "
                "(e.g. CN202310123456.6)."
            ))
    canonical = f"CN{body}.{check}"
    if type_digit not in CN_TYPE_DIGITS:
        _fail(
            _(
                "In %(number)s the type digit %(digit)s is not one of 1 (invention), 2 (utility model), "
                "3 (design), 8 or 9 (PCT applications entering China)."
            ),
            number=canonical, digit=type_digit,
        )
    if type_digit not in CN_TYPE_DIGITS_FOR[ip_type]:
        _does_not_fit(canonical, CN_TYPE_DIGITS[type_digit], ip_type)
    if cn_application_check_digit(body) != check:
        _fail(
            _(
                "The check digit of %(number)s does not match the digits before it: one of them is "
                "probably mistyped."
            ),
            number=canonical,
        )
    return canonical


def _cn_publication(serial: str, kind: str, ip_type: str) -> str:
    canonical = f"CN{serial}{kind}"
    if kind not in CN_KINDS:
        _fail(
            _("%(number)s: a Chinese publication number ends in A, B, C, U, Y, S or D, not %(kind)s."),
            number=canonical, kind=kind,
        )
    first_digit, description = CN_KINDS[kind]
    if serial[0] != first_digit:
        _fail(
            _(
                "%(number)s: in a Chinese publication number the first digit goes with the kind letter "
                "(1 with A, B or C; 2 with U or Y; 3 with S or D)."
            ),
            number=canonical,
        )
    if kind not in CN_KINDS_FOR[ip_type]:
        _does_not_fit(canonical, description, ip_type)
    return canonical


# --- China: registrations -----------------------------------------------------------------------------


def _registration(code: str, number: str, ip_type: str) -> str:
    """Software copyright and layout-design registrations: China's formats are checked."""
    if code == "CN":
        compact = _compact(number)
        return _cn_software(compact) if ip_type == IPType.SOFTWARE_COPYRIGHT else _cn_layout(compact)
    if code == "US":
        # The US Copyright Office registers software (TX…) and mask works (MW…): not checked here.
        return _other(number)
    if ip_type == IPType.SOFTWARE_COPYRIGHT:
        _fail(
            _(
                "Software copyright is not registered by %(office)s: choose the jurisdiction that issued "
                "the registration (China: e.g. 2023SR0123456)."
            ),
            field="jurisdiction", office=OFFICES[code],
        )
    _fail(
        _(
            "Integrated-circuit layout designs are not registered by %(office)s: choose the jurisdiction "
            "that issued the registration (China: e.g. BS.235012345)."
        ),
        field="jurisdiction", office=OFFICES[code],
    )


def _cn_software(compact: str) -> str:
    """Copyright Protection Centre of China registration number: YYYY + SR + 7 digits (6 in early years).

    Printed on the certificate as 登记号 2023SR0123456. The certificate number (软著登字第…号) is a
    different, plain serial and is not accepted here.
    """
    match = re.fullmatch(r"(\d{4})SR(\d{6,7})", compact)
    if not match:
        _fail(_(
            "A Chinese software copyright registration number is the year, SR and 7 digits "
            "(e.g. 2023SR0123456; 6 digits in early years)."
        ))
    _check_year(int(match.group(1)), compact)
    return compact


def _cn_layout(compact: str) -> str:
    """CNIPA layout-design (集成电路布图设计) registration number: BS. + 8 or 9 digits, optional check.

    Registrations began when the Regulations on the Protection of Layout-Designs of Integrated
    Circuits took effect (1 October 2001); the digits follow the patent application scheme
    (year, type, serial), the check character, where printed, follows a dot.
    """
    match = re.fullmatch(r"BS\.?(\d{8,9})(?:\.([\dX]))?", compact)
    if not match:
        _fail(_(
            "A Chinese layout-design registration number is BS. and 8 or 9 digits, optionally followed "
            "by a dot and a check character (e.g. BS.235012345)."
        ))
    digits, check = match.groups()
    return f"BS.{digits}.{check}" if check else f"BS.{digits}"


# --- US, EP, GB ---------------------------------------------------------------------------------------


def _foreign_patent(code: str, number: str, ip_type: str) -> str:
    if ip_type == IPType.UTILITY_MODEL:
        _fail(
            _(
                "Utility models are not granted by %(office)s: choose “Invention patent”, or the "
                "jurisdiction that granted the utility model."
            ),
            field="ip_type", office=OFFICES[code],
        )
    if ip_type == IPType.DESIGN and code == "EP":
        _fail(
            _(
                "The European Patent Office does not register designs; EU designs are registered by the "
                "EUIPO: choose the jurisdiction “Other”."
            ),
            field="jurisdiction",
        )
    if ip_type == IPType.DESIGN and code == "GB":
        # UK registered designs have their own register and numbering; only the form is checked.
        return _other(number)
    compact = _compact(number)
    if code == "US":
        return _us(compact, ip_type)
    if code == "EP":
        return _ep(compact)
    return _gb(compact)


# USPTO application series codes (MPEP 503): 02 onwards for utility applications, one series after
# another every few years (18 and 19 are current; up to 25 left open for those to come), 29 design,
# 35 international design (Hague) applications, 60–63 provisional applications.
US_UTILITY_SERIES = frozenset(range(2, 26)) | frozenset({60, 61, 62, 63})
US_DESIGN_SERIES = frozenset({29, 35})


def _us(compact: str, ip_type: str) -> str:
    body = compact.removeprefix("US")
    design = ip_type == IPType.DESIGN

    # Application number: 2-digit series code / 6-digit serial (16/123,456).
    if match := re.fullmatch(r"(\d{2})/(\d{6})", body):
        series, serial = match.groups()
        canonical = f"US{series}/{serial}"
        if int(series) not in US_UTILITY_SERIES | US_DESIGN_SERIES:
            _fail(_("%(number)s: %(series)s is not a USPTO application series code."), number=canonical, series=series)
        if (int(series) in US_DESIGN_SERIES) != design:
            kind = _("a US design application") if not design else _("a US utility or provisional application")
            _does_not_fit(canonical, kind, ip_type)
        return canonical

    # Pre-grant publication (since 2001): year + 7-digit serial + A1, A2 or A9 (US 2023/0123456 A1).
    if match := re.fullmatch(r"(\d{4})/?(\d{7})(A[129])?", body):
        year, serial, kind_code = match.groups()
        canonical = f"US{year}{serial}{kind_code or ''}"
        _check_year(int(year), canonical, first=2001)
        if design:
            # Design applications are not published before grant (35 U.S.C. 122(b)(2)(A)(iv)).
            _does_not_fit(canonical, _("a published US utility application"), ip_type)
        return canonical

    # Design patent: D + 6 digits (7 since D1,000,000 in 2023), kind S.
    if match := re.fullmatch(r"D0*([1-9]\d{5,6})(S)?", body):
        canonical = f"USD{match.group(1)}{match.group(2) or ''}"
        if not design:
            _does_not_fit(canonical, _("a US design patent"), ip_type)
        return canonical

    # Reissue patent: RE + 5 digits, kind E.
    if match := re.fullmatch(r"RE0*([1-9]\d{4})(E)?", body):
        canonical = f"USRE{match.group(1)}{match.group(2) or ''}"
        if design:
            _does_not_fit(canonical, _("a US reissue patent"), ip_type)
        return canonical

    # Utility patent: 7 digits (8 since 10,000,000 in 2018), kind B1/B2 (A before 2001).
    if match := re.fullmatch(r"0*([1-9]\d{6,7})(A|B1|B2)?", body):
        canonical = f"US{match.group(1)}{match.group(2) or ''}"
        if design:
            _does_not_fit(canonical, _("a US utility patent"), ip_type)
        return canonical

    _fail(_(
        "A US number is an application number (e.g. 16/123,456), a patent number (e.g. US11123456B2, "
        "design USD912345S) or a publication number (e.g. US20230123456A1)."
    ))


def _ep(compact: str) -> str:
    body = compact.removeprefix("EP")

    # Publication / patent number: 7 digits + kind (A1 with search report, A2 without, A3 search
    # report alone, A4 supplementary search report, B1 patent, B2 amended, B3 limited).
    if match := re.fullmatch(r"(\d{7})(A[1-4]|B[1-3])?", body):
        return f"EP{match.group(1)}{match.group(2) or ''}"

    # Application number (EPO Guidelines A-II, 1.7): YY + 6-digit serial, then "." + check digit.
    match = re.fullmatch(r"(\d{8})(?:\.?(\d))?", body)
    if not match:
        _fail(_(
            "A European application number is EP, 8 digits, a dot and the check digit (e.g. EP21123456.2); "
            "a publication number is EP, 7 digits and the kind code (e.g. EP3456789B1)."
        ))
    digits, check = match.groups()
    year = _two_digit_year(digits[:2])
    _check_year(year, f"EP{digits}")
    if year < 2002:
        # Before 2002 the check digit followed another scheme that is not published: kept as given.
        return f"EP{digits}.{check}" if check else f"EP{digits}"
    expected = ep_application_check_digit(digits)
    if check and check != expected:
        _fail(
            _(
                "The check digit of %(number)s does not match the digits before it: one of them is "
                "probably mistyped."
            ),
            number=f"EP{digits}.{check}",
        )
    return f"EP{digits}.{expected}"


def _gb(compact: str) -> str:
    body = compact.removeprefix("GB")

    # Publication number: 7 digits + kind A (application) or B (patent); old documents without kind.
    if match := re.fullmatch(r"(\d{7})([AB])?", body):
        return f"GB{match.group(1)}{match.group(2) or ''}"

    # Application number: YY + 5-digit serial, then "." + check digit. The UK IPO does not publish
    # its check-digit scheme, so the digit is required but not verified.
    match = re.fullmatch(r"(\d{7})\.?(\d)", body)
    if not match:
        _fail(_(
            "A UK application number is GB, 7 digits, a dot and the check digit (e.g. GB2012345.6); a "
            "publication number is GB, 7 digits and A or B (e.g. GB2591234A)."
        ))
    digits, check = match.groups()
    _check_year(_two_digit_year(digits[:2]), f"GB{digits}.{check}")
    return f"GB{digits}.{check}"


# --- WO / PCT -----------------------------------------------------------------------------------------


def _wo(code: str, compact: str, ip_type: str) -> str:
    """PCT international application numbers and WO publication numbers (PCT Rule 20 / WIPO ST.13).

    Since 1 January 2004: PCT/CCYYYY/NNNNNN (CC the receiving office) and WO YYYY/NNNNNN; the
    earlier forms (PCT/CN03/12345, WO 03/12345) are not accepted.
    """
    if ip_type != IPType.PCT_APPLICATION:
        _fail(
            _("Numbers from WIPO (PCT/… and WO…) belong to PCT applications: choose the type “PCT application”."),
            field="ip_type",
        )
    if code != "WO":
        _fail(
            _(
                "A PCT application is filed internationally: choose the jurisdiction “PCT (WIPO)” and enter "
                "its PCT/… or WO… number."
            ),
            field="jurisdiction",
        )
    if match := re.fullmatch(r"PCT/?([A-Z]{2})(\d{4})/?(\d{6})", compact):
        office, year, serial = match.groups()
        canonical = f"PCT/{office}{year}/{serial}"
        _check_year(int(year), canonical, first=2004)
        return canonical
    if match := re.fullmatch(r"WO(\d{4})/?(\d{6})(A[1-4])?", compact):
        year, serial, kind = match.groups()
        canonical = f"WO{year}{serial}{kind or ''}"
        _check_year(int(year), canonical, first=2004)
        return canonical
    if re.fullmatch(r"(PCT/?[A-Z]{2}|WO)\d{2}(\d{2})?/?\d{5}", compact):
        _fail(_(
            "This is the numbering used until 2003; since 2004 PCT numbers have a 4-digit year and 6 "
            "digits (e.g. PCT/CN2023/123456 or WO2023/123456)."
        ))
    _fail(_(
        "A PCT number is the international application number (e.g. PCT/CN2023/123456) or the "
        "publication number (e.g. WO2023/123456)."
    ))


# --- other jurisdictions ------------------------------------------------------------------------------


def _other(number: str) -> str:
    trimmed = number.strip()
    if len(trimmed) > MAX_OTHER_LENGTH:
        _fail(
            _("A number has at most %(limit)s characters; this one has %(count)s."),
            limit=MAX_OTHER_LENGTH, count=len(trimmed),
        )
    if not all(character.isalnum() or character in "./- " for character in trimmed):
        _fail(_("A number has only letters, digits, spaces and the characters . - /"))
    return trimmed


# --- an IP asset as a whole ---------------------------------------------------------------------------


def validate_ip_asset(
    *,
    ip_type: str,
    jurisdiction: str,
    number: str,
    status: str,
    filing_date: date | None,
    grant_date: date | None,
    today: date | None = None,
) -> dict[str, list[str]]:
    """Every error of one IP asset, by field name (``number``, ``jurisdiction``, ``ip_type``,
    ``filing_date``, ``grant_date``); an empty dict when it is fine. ``today`` defaults to the
    local date. Messages read in the active language.
    """
    errors: dict[str, list[str]] = {}

    def add(field: str, message: Any) -> None:
        errors.setdefault(field, []).append(str(message))

    today = today or timezone.localdate()
    if str(ip_type) != IPType.KNOW_HOW:
        try:
            normalise_ip_number(jurisdiction, number, ip_type)
        except IPNumberError as error:
            add(error.field, error.message)
    if ip_type == IPType.INVENTION_PATENT and status == IPStatus.GRANTED and grant_date is None:
        add("grant_date", _("A granted invention patent needs its grant date."))
    if filing_date is not None and filing_date > today:
        add("filing_date", _("The filing date cannot be in the future."))
    if grant_date is not None and grant_date > today:
        add("grant_date", _("The grant date cannot be in the future."))
    if filing_date is not None and grant_date is not None and grant_date < filing_date:
        add("grant_date", _("The grant date cannot be before the filing date."))
    return errors
