"""The one API of the Kundencenter, mounted at /api/v1/ (config/urls.py)."""

from django.contrib.admin.views.decorators import staff_member_required
from ninja import NinjaAPI

from kc.api import cti, orders

api = NinjaAPI(
    title="Kundencenter API",
    version="1",
    urls_namespace="api_v1",
    # The schema is for our own administrators, not for the internet.
    docs_decorator=staff_member_required,
)
api.add_router("/cti", cti.router, tags=["CTI"])
api.add_router("/auftraege", orders.router, tags=["Außendienst"])
