from django.conf import settings
from django.contrib import admin
from django.urls import include, path, re_path
from django.views.i18n import JavaScriptCatalog
from django.views.static import serve

from duijie.api import api
from duijie.core import views as core_views

admin.site.site_header = admin.site.site_title = settings.PLATFORM_NAME

urlpatterns = [
    path("", include("duijie.core.urls")),
    path("accounts/", include("duijie.accounts.urls")),
    path("reference/", include("duijie.taxonomy.urls")),
    path("hall/", include("duijie.supply.urls")),
    path("demands/", include("duijie.demand.urls")),
    path("matching/", include("duijie.matching.urls")),
    path("docking/", include("duijie.docking.urls")),
    path("notifications/", include("duijie.notifications.urls")),
    path("i18n/", include("django.conf.urls.i18n")),
    path("jsi18n/", JavaScriptCatalog.as_view(), name="javascript-catalog"),
    path("api/", api.urls),
    path("backoffice/", admin.site.urls),
    path("healthz", core_views.healthz, name="healthz"),
]
if settings.SERVE_MEDIA:
    # The embedded mode serves uploads itself; behind nginx, nginx does (docs/deploy.md).
    urlpatterns += [re_path(r"^media/(?P<path>.*)$", serve, {"document_root": settings.MEDIA_ROOT})]

if settings.BENCH_URLS:
    # Only while ``duijie bench`` serves the app: the trivial baseline view it measures against.
    from duijie.bench.views import trivial

    urlpatterns += [path("__bench__/trivial", trivial, name="bench_trivial")]

handler400 = "duijie.core.views.bad_request"
handler403 = "duijie.core.views.permission_denied"
handler404 = "duijie.core.views.page_not_found"
handler500 = "duijie.core.views.server_error"
