"""Helpers of bench/portal_load.py: the seeding child (seeding.py) and the Locust users
(locustfile.py, run by the `locust` command, never imported by the bench itself)."""
