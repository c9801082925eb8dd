"""The one failure type the tool raises: a stable code for scripts, a message for people, an exit status."""

from enum import IntEnum


class ExitStatus(IntEnum):
    OK = 0
    USAGE = 2  # argparse's own status for a bad command line
    INPUT = 3  # a file, CSV row, font or sheet layout we cannot use
    BACKEND = 4  # the API refused, was unreachable, or says the tag is not usable
    READER = 5  # no NFC reader, or it cannot be opened
    TAG_REFUSED = 6  # wrong tag type, too small, locked, write not verified
    NO_TAG = 7  # no tag (or QR code) found in time


class ToolError(Exception):
    def __init__(self, code: str, message: str, status: ExitStatus) -> None:
        super().__init__(message)
        self.code = code
        self.message = message
        self.status = status

    def __str__(self) -> str:
        return f"[{self.code}] {self.message}"
