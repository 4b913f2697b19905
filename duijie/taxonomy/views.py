from django.http import HttpRequest, HttpResponse
from django.shortcuts import render

from duijie.taxonomy import selectors


def field_list(request: HttpRequest) -> HttpResponse:
    """The public reference page: fields with sub-fields, the TRL scale and cooperation modes."""
    return render(
        request,
        "taxonomy/field_list.html",
        {
            "fields": selectors.top_level_fields(request.user),
            "trl_levels": selectors.trl_levels(),
            "cooperation_modes": selectors.cooperation_modes_visible_to(request.user),
        },
    )
