"""Funding programs: categories, yearly budgets, applications, decisions, payouts and clawbacks."""
