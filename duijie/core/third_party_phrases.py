"""Wording of installed libraries that ships without Chinese translations.

These strings appear in the back office (django-axes' sign-in records). Marking them here puts
them into our catalogs, which Django consults before the libraries' own.
"""

from django.utils.translation import gettext_noop

AXES_PHRASES = (
    gettext_noop("access failure"),
    gettext_noop("access failures"),
    gettext_noop("access attempt"),
    gettext_noop("access attempts"),
    gettext_noop("access log"),
    gettext_noop("access logs"),
    gettext_noop("access attempt expiration"),
    gettext_noop("access attempt expirations"),
)
