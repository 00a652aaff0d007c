"""What one template column is: its API name, the operator's header for it, and how to fill it.

Kept apart from the catalogue (:mod:`porting_batch.columns`) so the catalogue can be split in
parts (the account's columns, the order's columns) that all build on this one type.
"""

from __future__ import annotations

from dataclasses import dataclass

#: How much a column is asked for: every row, some rows (``when_required`` says which), or never.
REQUIRED = "required"
CONDITIONAL = "conditional"
OPTIONAL = "optional"
#: The mark after a header: the legend (Instructions sheet, header comments) explains them.
MARKS = {REQUIRED: " *", CONDITIONAL: " †", OPTIONAL: ""}


@dataclass(frozen=True)
class Column:
    """One template column: its canonical name and everything an operator needs to fill it."""

    name: str
    description: str
    example: str
    required: bool = False
    when_required: str = "optional"
    choices: tuple[str, ...] = ()
    #: "phone", "country", "text", "identifier", "postal", "date", "datetime", "choice", "bool",
    #: "file", "url", "tags", "zone"
    kind: str = "text"
    order_level: bool = False
    secret: bool = False
    width: int = 18
    #: The header in the operator's words ("Business name"); the API name stays an alias.
    header: str = ""

    @property
    def text_formatted(self) -> bool:
        """Whether the template formats the column as text so Excel keeps '+' and zeros."""
        return self.kind in {"phone", "identifier", "postal"}

    @property
    def requirement(self) -> str:
        """REQUIRED, CONDITIONAL (``when_required`` says when) or OPTIONAL."""
        if self.required:
            return REQUIRED
        return OPTIONAL if self.when_required == "optional" else CONDITIONAL

    @property
    def title(self) -> str:
        """The header the template writes: the operator's words and the requirement's mark."""
        return (self.header or self.name) + MARKS[self.requirement]
