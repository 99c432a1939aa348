"""Crash points for the tests that kill a process in the middle of its work.

`crash_point("print.after_submit")` ends the process at once (no cleanup, no commit, as a
`kill -9` would) when the environment variable KC_CRASH_AT names that point. Unset in
production, where it costs one dictionary lookup.
"""

import os

CRASH_EXIT_CODE = 75


def crash_point(name: str) -> None:
    if os.environ.get("KC_CRASH_AT") == name:
        os._exit(CRASH_EXIT_CODE)
