"""A page of rows computed in memory (a month's scores, sorted by score), shaped like Flask-SQLAlchemy's
Pagination, so the one pager macro (templates/_macros/forms.html) serves both."""
from dataclasses import dataclass


@dataclass(frozen=True)
class ListPage:
    rows: list
    page: int
    per_page: int

    @property
    def total(self) -> int:
        return len(self.rows)

    @property
    def pages(self) -> int:
        return max(1, -(-self.total // self.per_page))

    @property
    def items(self) -> list:
        start = (min(self.page, self.pages) - 1) * self.per_page
        return self.rows[start:start + self.per_page]

    @property
    def has_prev(self) -> bool:
        return self.page > 1

    @property
    def has_next(self) -> bool:
        return self.page < self.pages

    @property
    def prev_num(self) -> int:
        return min(self.page, self.pages) - 1

    @property
    def next_num(self) -> int:
        return self.page + 1
