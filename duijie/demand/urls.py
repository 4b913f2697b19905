from django.urls import path

from duijie.demand import views

app_name = "demand"
urlpatterns = [
    path("", views.board, name="board"),
    path("new/", views.create, name="create"),
    path("mine/", views.mine, name="mine"),
    path("screening/", views.screening, name="screening"),
    path("import/", views.import_page, name="import"),
    path("import/template.csv", views.import_template, name="import_template"),
    path("import/template.xlsx", views.import_template, {"fmt": "xlsx"}, name="import_template_xlsx"),
    path("<int:pk>/", views.detail, name="detail"),
    path("<int:pk>/edit/", views.edit, name="edit"),
    path("<int:pk>/terms/", views.accept_terms, name="accept_terms"),
    path("<int:pk>/transition/", views.transition, name="transition"),
    path("<int:pk>/brokers/", views.assign_brokers, name="assign_brokers"),
    path("<int:pk>/challenge/new/", views.challenge_create, name="challenge_create"),
    path("<int:pk>/files/", views.demand_file_upload, name="file_upload"),
    path("<int:pk>/files/<int:file_pk>/", views.demand_file, name="file"),
    path("challenges/<int:pk>/applications/<int:application_pk>/files/", views.application_file_upload,
         name="application_file_upload"),
    path("challenges/<int:pk>/applications/<int:application_pk>/files/<int:file_pk>/", views.application_file,
         name="application_file"),
    path("challenges/", views.challenge_board, name="challenges"),
    path("challenges/<int:pk>/", views.challenge_detail, name="challenge"),
    path("challenges/<int:pk>/action/", views.challenge_action, name="challenge_action"),
    path("challenges/<int:pk>/review/<int:application_pk>/", views.challenge_review, name="challenge_review"),
]
