"""What the uploader needs of a connected workbench, typed structurally.

``Workbench`` is the one host; naming its few members here (rather than importing the client)
keeps the dependency one-way: the client calls the uploader, the uploader never imports it.
"""

from __future__ import annotations

import uuid
from typing import TYPE_CHECKING, Any, Protocol

if TYPE_CHECKING:
    from psycopg_pool import ConnectionPool

    from workbench.config import Config
    from workbench.db.schema import SchemaInfo
    from workbench.models import Project
    from workbench.storage import Storage


class UploadHost(Protocol):
    @property
    def pool(self) -> ConnectionPool: ...

    @property
    def schema(self) -> SchemaInfo: ...

    @property
    def storage(self) -> Storage: ...

    @property
    def config(self) -> Config: ...

    @property
    def user_id(self) -> uuid.UUID: ...

    def project(self, ref: Any) -> Project: ...
