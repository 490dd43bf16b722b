from django.urls import path

from sendtrack.reporting.performance import views as performance

app_name = "reporting"
urlpatterns: list = [
    # Performance (issue 6): dashboards, drill-down, indicators, benchmarks, the board view and pack.
    path("dashboard/", performance.dashboard, name="dashboard"),
    path("dashboard/cases/", performance.cases, name="cases"),
    path("indicators/", performance.indicators, name="indicators"),
    path("benchmarks/", performance.benchmarks, name="benchmarks"),
    path("board/", performance.board, name="board"),
    path("board/pack.pdf", performance.board_pack, name="board-pack"),
]
