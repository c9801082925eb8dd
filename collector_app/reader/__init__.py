"""The vehicle reader: NFC tag + truck scale → durable local outbox → batch sync to the backend.

One module per device (`nfc.py` is the only importer of nfcpy, `scale.py` the only
importer of pyserial); `outbox.py` keeps scans on disk until the server has answered;
`sync.py` sends them; `directory.py` names the bin behind a tag, offline; `capture.py`
is the crew's loop at each bin; `screen.py` what they see; `config.py` the settings.
Run it with `python -m collector_app.reader` (see docs/hardware.md).
"""
