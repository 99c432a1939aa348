"""Channels: adapters to the outside (e-mail in and out); no business rules (DESIGN.md §3)."""
