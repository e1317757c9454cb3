"""Managing shots and projects: create, rename, reorder, duplicate, delete, place on a
timeline, move between shots (``ManageService``)."""

from workbench.manage.service import ManageService

__all__ = ["ManageService"]
