"""Which ways a letter takes to the customer. Pure."""

from __future__ import annotations

from dataclasses import dataclass

PORTAL = "portal"
EMAIL = "email"
POST = "post"


@dataclass(frozen=True)
class Route:
    channel: str
    required_by_law: bool = False


def choose_routes(*, preferred: str, has_email: bool, post_required: bool) -> list[Route]:
    """The customer's preferred channel; post when it cannot be used (the portal and e-mail
    both need an e-mail address: the portal sends a notice). Legally required paper always
    goes by post as well."""
    if preferred in (PORTAL, EMAIL) and has_email:
        routes = [Route(preferred)]
        if post_required:
            routes.append(Route(POST, required_by_law=True))
        return routes
    return [Route(POST, required_by_law=post_required)]
