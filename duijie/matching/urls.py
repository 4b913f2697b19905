from django.urls import path

from duijie.matching import views

app_name = "matching"
urlpatterns = [
    path("console/", views.console, name="console"),
    path("recommendations/<int:pk>/feedback/", views.feedback, name="feedback"),
    path("recommendations/<int:pk>/open/", views.open_item, name="open"),
]
