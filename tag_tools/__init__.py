"""Command-line tools for the officials who tag food-waste bins: QR codes, sticker labels and NFC tags.

Run `python -m tag_tools --help`. Only `nfc_device` imports nfcpy; everything else works without a reader.
"""
