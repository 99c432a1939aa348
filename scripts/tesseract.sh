#!/usr/bin/env bash
# OCR for proofs of payment (issue 7: Tesseract with German).
#
#   scripts/tesseract.sh install   install tesseract-ocr, tesseract-ocr-deu and poppler-utils
#                                  if missing (root only), then print what is there
#   scripts/tesseract.sh status    print the version and languages; exit 1 when tesseract, its
#                                  German data or pdftoppm is missing
#
# No server: kc/disconnection/receipts.py runs the `tesseract` binary per image (German data
# from tesseract-ocr-deu; orientation detection data and English come with tesseract-ocr) and
# poppler's `pdftoppm` for a scanned PDF's first page.
set -euo pipefail
# shellcheck source=scripts/lib.sh
source "$(dirname "${BASH_SOURCE[0]}")/lib.sh"

cmd="${1:-}"

installed() {  # the binary runs and knows German, and pdftoppm is there
    command -v tesseract >/dev/null 2>&1 && tesseract --list-langs 2>/dev/null | grep -qx deu \
        && command -v pdftoppm >/dev/null 2>&1
}

status() {
    if ! installed; then
        echo "tesseract: not installed (or no German language data, or no pdftoppm)"
        return 1
    fi
    printf 'tesseract=%s langs=%s pdftoppm=%s\n' \
        "$(tesseract --version 2>&1 | head -n 1 | awk '{print $2}')" \
        "$(tesseract --list-langs 2>/dev/null | tail -n +2 | paste -sd, -)" "$(command -v pdftoppm)"
}

case "$cmd" in
    install)
        install_packages tesseract installed tesseract-ocr tesseract-ocr-deu poppler-utils
        status
        ;;
    status) status ;;
    *)
        echo "usage: $0 install|status" >&2
        exit 2
        ;;
esac
