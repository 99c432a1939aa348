"""The HTTP API (django-ninja): routers for outside systems such as the PBX."""
