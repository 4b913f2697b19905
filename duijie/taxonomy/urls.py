from django.urls import path

from duijie.taxonomy import views

app_name = "taxonomy"
urlpatterns = [
    path("fields/", views.field_list, name="field_list"),
]
