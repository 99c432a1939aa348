"""Imports from a legacy billing system: runs, row reports and the legacy-id mapping."""
