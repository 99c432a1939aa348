"""The one API of the Kundencenter, mounted at /api/v1/ (config/urls.py). See docs/api.md."""

from ninja import NinjaAPI

from kc.api import cases, cti, customers, errors, letters, orders, payments, readings
from kc.api.parsing import StrictParser
from kc.api.schema_access import schema_access

api = NinjaAPI(
    title="Kundencenter API",
    version="1",
    urls_namespace="api_v1",
    # openapi.json: staff or any valid API token; the interactive docs: staff only.
    docs_decorator=schema_access,
    parser=StrictParser(),
)
errors.install(api)
api.add_router("/cti", cti.router, tags=["CTI"])
api.add_router("/auftraege", orders.router, tags=["Außendienst"])
api.add_router("", customers.router, tags=["Kunden"])
api.add_router("", readings.router, tags=["Zähler"])
api.add_router("", cases.router, tags=["Vorgänge"])
api.add_router("", letters.router, tags=["Briefe"])
api.add_router("", payments.router, tags=["Zahlungen"])
