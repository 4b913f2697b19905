from django.urls import path

from duijie.demand import views

app_name = "demand"
urlpatterns = [
    path("", views.board, name="board"),
    path("new/", views.create, name="create"),
    path("mine/", views.mine, name="mine"),
    path("screening/", views.screening, name="screening"),
    path("<int:pk>/", views.detail, name="detail"),
    path("<int:pk>/edit/", views.edit, name="edit"),
    path("<int:pk>/terms/", views.accept_terms, name="accept_terms"),
    path("<int:pk>/transition/", views.transition, name="transition"),
    path("<int:pk>/brokers/", views.assign_brokers, name="assign_brokers"),
]
