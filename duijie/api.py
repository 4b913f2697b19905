"""The REST API: one NinjaAPI, one router per app. OpenAPI at /api/openapi.json, docs at /api/docs."""

from __future__ import annotations

from csp.decorators import csp_update
from ninja import NinjaAPI

from duijie.accounts.api import router as accounts_router
from duijie.core.api import AUTH_OPTIONAL, install_error_handlers
from duijie.demand.api import router as demand_router
from duijie.docking.api import router as docking_router
from duijie.matching.api import router as matching_router
from duijie.notifications.api import router as notifications_router
from duijie.supply.api import router as supply_router
from duijie.taxonomy.api import router as taxonomy_router

api = NinjaAPI(
    title="Duijie API",
    version="1",
    description=(
        "Duijie technology-transfer platform. Authenticate with a personal API token "
        "(`Authorization: Bearer dj_...`, created on your profile page) or the browser session. "
        "Errors: `{code, message, fields}`. Lists: `{items, count, page, page_size, pages}`."
    ),
    auth=AUTH_OPTIONAL,
    urls_namespace="api",
    # Swagger UI sets style attributes from its script; allow those on the docs page only.
    docs_decorator=csp_update({"style-src-attr": ["'unsafe-inline'"]}),
)
install_error_handlers(api)
api.add_router("/", accounts_router)
api.add_router("/taxonomy/", taxonomy_router)
api.add_router("/supply/", supply_router)
api.add_router("/demand/", demand_router)
api.add_router("/matching/", matching_router)
api.add_router("/docking/", docking_router)
api.add_router("/", notifications_router)
