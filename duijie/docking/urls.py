from django.urls import path

from duijie.docking import views

app_name = "docking"
urlpatterns = [
    path("", views.inbox, name="inbox"),
    path("request/<str:kind>/<int:pk>/", views.request_create, name="request"),
    path("cases/", views.case_list, name="list"),
    path("cases/<int:pk>/", views.case_detail, name="case"),
    path("cases/<int:pk>/transition/", views.transition, name="transition"),
    path("cases/<int:pk>/assign/", views.assign, name="assign"),
    path("cases/<int:pk>/entries/", views.add_entry, name="entry"),
    path("cases/<int:pk>/intents/", views.add_intent, name="intent"),
    path("cases/<int:pk>/meetings/<int:entry>.ics", views.meeting_ics, name="meeting_ics"),
    path("cases/<int:pk>/files/<int:entry>/", views.entry_file, name="entry_file"),
    path("cases/<int:pk>/intents/<int:intent>/document/", views.intent_document, name="intent_document"),
    path("brokers/<int:pk>/certificates/<int:certificate>/", views.certificate_file, name="certificate_file"),
    path("intents/", views.intents, name="intents"),
    path("board/", views.board, name="board"),
    path("board/move/", views.move, name="move"),
    path("brokers/", views.broker_directory, name="brokers"),
    path("brokers/me/", views.broker_edit, name="broker_me"),
    path("brokers/<int:pk>/", views.broker_detail, name="broker"),
    path("brokers/<int:pk>/edit/", views.broker_edit, name="broker_edit"),
    path("ledger/", views.ledger, name="ledger"),
]
