from django.urls import path

from duijie.core import views

app_name = "core"
urlpatterns = [
    path("", views.home, name="home"),
    path("operator/audit/", views.audit_log, name="audit_log"),
]
