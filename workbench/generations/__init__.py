"""The unified generations query: a project's or a shot's gallery, its pages, streams, counts
and changes.

``filters`` (a hashable value), ``query`` (SQL for both modes, keyset pages), ``page``
(pages and cursors), ``stream`` (binary COPY into records), ``aggregates`` (counts in SQL),
``mutations`` (owner-checked changes) and ``service`` (all of it behind the query cache).
"""

from workbench.generations.filters import GenerationFilters
from workbench.generations.page import GenerationPage

__all__ = ["GenerationFilters", "GenerationPage"]
