"""Text a spreadsheet shows as text, never runs.

A restaurant's name, an address or an owner's name is typed by people outside the city
hall (a register file, an owner's form). Put in a CSV as it is, a name such as
`=HYPERLINK("http://…","click")` becomes a formula when an official opens the file in
Excel (CSV injection, OWASP). Every text cell of a CSV we write goes through
`as_text_cell`: text that a spreadsheet would read as a formula gets a leading
apostrophe, which Excel and LibreOffice take as "this is text" and do not show.
Numbers (int, Decimal, float) are left alone, so a negative change stays a number.
The XLSX exports need none of this: openpyxl writes text cells as strings.
"""

# What a spreadsheet reads as the start of a formula, or of a formula after a tab or a line break.
FORMULA_STARTS = ("=", "+", "-", "@", "\t", "\r", "\n")


def as_text_cell(value: object) -> object:
    """`value` for a CSV cell: text that would start a formula, quoted with an apostrophe."""
    if isinstance(value, str) and value.startswith(FORMULA_STARTS):
        return "'" + value
    return value


def as_text_cells(row) -> list:
    return [as_text_cell(value) for value in row]
