from django.urls import path

from duijie.matching import views

app_name = "matching"
urlpatterns = [
    path("console/", views.console, name="console"),
    path("index/", views.index_status, name="index"),
    path("index/rebuild/", views.index_rebuild, name="index_rebuild"),
    path("recommendations/<int:pk>/feedback/", views.feedback, name="feedback"),
    path("recommendations/<int:pk>/open/", views.open_item, name="open"),
]
