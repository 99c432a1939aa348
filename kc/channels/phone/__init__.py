"""Phone channel: the PBX's Generic CTI events as typed events (adapter only)."""
