"""Every letter kind has sample values, so `seed_demo_letters` and the previews can show it."""

from kc.letters.kinds import KINDS
from kc.letters.samples import SAMPLES


def test_every_letter_kind_has_samples_for_its_placeholders() -> None:
    missing = {key: kind.placeholders for key, kind in KINDS.items() if key not in SAMPLES}
    assert not missing
