from django.urls import path, re_path

from duijie.supply import views

app_name = "supply"
urlpatterns = [
    path("", views.hall, name="hall"),
    re_path(r"^export\.(?P<fmt>xlsx|csv)$", views.hall_export, name="hall_export"),
    path("achievements/<int:pk>/", views.achievement_detail, name="achievement_detail"),
    path("achievements/<int:pk>/transition/", views.achievement_transition, name="achievement_transition"),
    path("achievements/<int:pk>/docking/", views.docking_request, name="docking_request"),
    path("achievements/<int:pk>/edit/", views.achievement_edit, name="achievement_edit"),
    path("achievements/new/", views.achievement_create, name="achievement_create"),
    path("achievements/<int:pk>/files/", views.attachment_upload, name="attachment_upload"),
    path("achievements/<int:pk>/files/<int:attachment_pk>/delete/", views.attachment_delete,
         name="attachment_delete"),
    path("mine/", views.my_achievements, name="my_achievements"),
    path("import/", views.import_page, name="import"),
    re_path(r"^import/template\.(?P<fmt>xlsx|csv)$", views.import_template, name="import_template"),
    path("import/<int:pk>/", views.import_job, name="import_job"),
    path("import/<int:pk>/confirm/", views.import_job_confirm, name="import_job_confirm"),
    path("screening/", views.screening_queue, name="screening_queue"),
    path("experts/", views.expert_directory, name="expert_directory"),
    path("experts/<int:pk>/", views.expert_detail, name="expert_detail"),
    path("institutions/<int:pk>/", views.institution, name="institution"),
    path("exhibitions/<slug:slug>/", views.exhibition, name="exhibition"),
]
