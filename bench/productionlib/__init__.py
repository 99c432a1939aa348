"""Helpers of bench/production.py: seeding and task timing run inside the topology."""
