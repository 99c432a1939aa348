"""DIN 5008 form B geometry for a DL window envelope, in millimetres from the top-left corner.

Shared by the renderer, the print-room control marks and the tests that measure the PDF.
"""

PAGE_WIDTH = 210.0
PAGE_HEIGHT = 297.0

# Address field (Anschriftfeld) 85 x 45 mm: 17.7 mm Zusatz- und Vermerkzone (return line at
# its foot), then the 27.3 mm Anschriftzone with up to six lines.
ADDRESS_LEFT = 20.0
ADDRESS_TOP = 45.0
ADDRESS_WIDTH = 85.0
ADDRESS_HEIGHT = 45.0
ENDORSEMENT_HEIGHT = 17.7
ADDRESS_TEXT_LEFT = 25.0  # 5 mm inset: the Fluchtlinie of the letter text
ADDRESS_TEXT_WIDTH = ADDRESS_WIDTH - 5.0 - 3.0  # 3 mm clear of the window's right edge
ADDRESS_MAX_LINES = 6

# Reference block (Informationsblock) right of the address field.
INFO_LEFT = 125.0
INFO_TOP = 50.0
INFO_WIDTH = 75.0

FOLD_MARKS = (105.0, 210.0)
HOLE_MARK = 148.5
MARK_LEFT = 3.0
FOLD_MARK_LENGTH = 5.0
HOLE_MARK_LENGTH = 7.0

TEXT_LEFT = 25.0
TEXT_RIGHT = 20.0
TEXT_WIDTH = PAGE_WIDTH - TEXT_LEFT - TEXT_RIGHT
FIRST_PAGE_TEXT_TOP = 98.5
LATER_PAGE_TEXT_TOP = 30.0
TEXT_BOTTOM = 38.0  # page number and footer below
PAGE_NUMBER_BOTTOM = 31.0
FOOTER_TOP = PAGE_HEIGHT - 26.0

# Print-room control mark: a QR code and one text line in the left margin, clear of the
# fold and hole marks and of the address window.
CONTROL_CODE_LEFT = 5.0
CONTROL_CODE_BOTTOM = 40.0
CONTROL_CODE_SIZE = 12.0
CONTROL_TEXT_TOP = 6.0
