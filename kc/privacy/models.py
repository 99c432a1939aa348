"""GDPR requests: export of everything about a customer, erasure and restriction by retention."""
