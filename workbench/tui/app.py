"""The workbench TUI: navigator, gallery and settings panes over the shared view models.

The app only renders view models and forwards keys to their commands, in thread workers, so
the interface never freezes while the database works. The last project/shot, tab and panel
layout are remembered on this device (``wb.local_state``).
"""

from __future__ import annotations

import time
from collections.abc import Iterable
from typing import Any, ClassVar

from textual import on, work
from textual.app import App, ComposeResult, SystemCommand
from textual.binding import Binding, BindingType
from textual.containers import Horizontal, Vertical
from textual.screen import Screen
from textual.widgets import Footer, Header, LoadingIndicator, TabbedContent, TabPane

from workbench.tui.components.filters import FilterBar
from workbench.tui.components.gallery import GalleryGrid
from workbench.tui.components.navigator import Navigator
from workbench.tui.components.settings import SettingsPane
from workbench.tui.components.status import StatusLine
from workbench.tui.screens.detail import DetailScreen
from workbench.tui.screens.dialogs import EditValue, PickShot
from workbench.tui.screens.help import HelpScreen
from workbench.tui.screens.upload import UploadScreen
from workbench.tui.threads import on_ui

TOOL = "travel-between-images"


class MainView(Vertical):
    """Navigator beside the gallery and settings tabs, over the status line."""

    DEFAULT_CSS = "MainView { height: 1fr; }"

    def __init__(self, models: dict[str, Any], thumbnails: Any, tab: str) -> None:
        super().__init__()
        self.models = models
        self.thumbnails = thumbnails
        self.tab = tab

    def compose(self) -> ComposeResult:
        with Horizontal(id="main"):
            yield Navigator(self.models["navigator"], id="navigator")
            with TabbedContent(id="tabs", initial=self.tab):
                with TabPane("Gallery", id="gallery-tab"):
                    yield FilterBar()
                    yield GalleryGrid(self.models["gallery"], self.thumbnails, id="gallery")
                with TabPane("Settings", id="settings-tab"):
                    yield SettingsPane(self.models["settings"], id="settings")
        yield StatusLine(id="status")


class WorkbenchApp(App[None]):
    TITLE = "workbench"
    BINDINGS: ClassVar[list[BindingType]] = [
        Binding("q", "quit", "Quit"),
        Binding("question_mark", "help", "Help"),
        Binding("g", "show_tab('gallery')", "Gallery"),
        Binding("s", "show_tab('settings')", "Settings"),
        Binding("u", "upload", "Upload"),
        Binding("slash", "focus_search", "Search", show=False),
        Binding("b", "toggle_navigator", "Panels", show=False),
        Binding("ctrl+r", "reload", "Reload", show=False),
    ]
    CSS = """
    #main { height: 1fr; }
    #loading { height: 1fr; }
    Navigator.-hidden { display: none; }
    TabbedContent { height: 1fr; width: 1fr; }
    TabPane { padding: 0; }
    """

    def __init__(
        self,
        wb: Any = None,
        *,
        project: str | None = None,
        shot: str | None = None,
        connect: Any = None,
        page_size: int = 50,
    ) -> None:
        super().__init__()
        self.wb = wb
        self.page_size = page_size
        self._connect = connect
        self._want = (project, shot)
        self.models: dict[str, Any] = {}
        self.thumbnails: Any = None
        self.started = time.perf_counter()
        self.first_paint: float | None = None  # seconds from start to first gallery page

    def compose(self) -> ComposeResult:
        yield Header()
        yield LoadingIndicator(id="loading")
        yield Footer()

    def on_mount(self) -> None:
        self.start()

    # -- start-up --------------------------------------------------------------------------
    @work(thread=True, exit_on_error=False)
    def start(self) -> None:
        """Connect and build the models off the UI thread (the embedded server may start)."""
        from workbench.views import GalleryModel, NavigatorModel, SettingsModel
        from workbench.views.thumbnails import Thumbnails

        try:
            if self.wb is None:
                from workbench.startup import connect

                self.wb = (self._connect or connect)()
            wb = self.wb
            navigator = NavigatorModel(wb)
            project_id, shot_id = navigator.choose(*self._want)
            gallery = GalleryModel(wb, project_id=project_id, shot_id=shot_id, limit=self.page_size)
            settings = SettingsModel(wb, TOOL, project_id=project_id, shot_id=shot_id)
            self.thumbnails = Thumbnails(wb.storage)
        except Exception as exc:
            on_ui(self, self._failed, exc)
            return
        self.models = {"navigator": navigator, "gallery": gallery, "settings": settings}
        self.call_from_thread(self._show_workbench)  # type: ignore[arg-type]

    def _failed(self, exc: Exception) -> None:
        self.query_one("#loading").remove()
        self.notify(str(exc), title="workbench cannot start", severity="error", timeout=30)

    async def _show_workbench(self) -> None:
        """(Called from the start-up worker through call_from_thread, which awaits it.)"""
        await self.query_one("#loading").remove()
        gallery = self.models["gallery"]
        state = self.wb.local_state
        tab = state.get("tui.tab", "gallery-tab")
        tab = tab if tab in ("gallery-tab", "settings-tab") else "gallery-tab"
        main = MainView(self.models, self.thumbnails, tab)
        await self.mount(main, before=self.query_one(Footer))
        if state.get("tui.navigator_hidden"):
            self.query_one(Navigator).add_class("-hidden")
        self._unsubscribe = gallery.subscribe(lambda s: on_ui(self, self._gallery_changed, s))
        self._gallery_changed(gallery.state)
        self.action_show_tab(tab.removesuffix("-tab"))
        self.set_interval(1.0, self._refresh_status)

    def _gallery_changed(self, state: Any) -> None:
        if self.first_paint is None and state.page is not None:
            self.first_paint = time.perf_counter() - self.started
        for bar in self.query(FilterBar):  # none while the app is closing
            bar.show(state.filters)
        self.sub_title = state.status
        self._refresh_status()

    def _refresh_status(self) -> None:
        if not self.models:
            return
        where = "embedded" if self.wb.server is not None else "external"
        for line in self.query(StatusLine):  # none while the app is closing
            line.show(
                where=f"{where} · {self.wb.schema.kind}",
                live=self.wb.live,
                cache=self.wb.cache,
                gallery=self.models["gallery"].state.status,
            )

    # -- events from the panes -------------------------------------------------------------
    @on(Navigator.Chosen)
    def chosen(self, event: Navigator.Chosen) -> None:
        self._retarget(event.project_id, event.shot_id)

    @work(thread=True, group="target", exclusive=True)
    def _retarget(self, project_id: Any, shot_id: Any) -> None:
        self.models["gallery"].set_target(project_id=project_id, shot_id=shot_id)
        self.models["settings"].switch_target(project_id=project_id, shot_id=shot_id)

    @on(FilterBar.Changed)
    def filters_changed(self, event: FilterBar.Changed) -> None:
        self._filter(event.changes)

    @work(thread=True, group="gallery")
    def _filter(self, changes: dict[str, Any]) -> None:
        self.models["gallery"].set_filters(**changes)

    @on(GalleryGrid.OpenDetail)
    def open_detail(self) -> None:
        detail = self.models["gallery"].open_detail()
        if detail is not None:
            self.push_screen(DetailScreen(detail, self.thumbnails))

    @on(GalleryGrid.AskShot)
    def ask_shot(self) -> None:
        state = self.models["navigator"].state
        shots = [(s.shot.id, s.shot.name) for e in state.projects
                 if e.project.id == state.project_id for s in e.shots]  # fmt: skip

        def picked(shot_id: Any) -> None:
            if shot_id:
                self.query_one(GalleryGrid).run("add_to_shot", shot_id)

        self.push_screen(PickShot(shots), picked)

    @on(SettingsPane.EditField)
    def edit_field(self, event: SettingsPane.EditField) -> None:
        def done(result: tuple[Any, str] | None) -> None:
            if result is not None:
                value, scope = result
                self.query_one(SettingsPane).run("set_field", event.row.path, value, scope=scope)

        self.push_screen(EditValue(event.row, event.scopes), done)

    @on(TabbedContent.TabActivated)
    def tab_changed(self, event: TabbedContent.TabActivated) -> None:
        if self.wb is not None and event.pane.id:
            self.wb.local_state.set("tui.tab", event.pane.id)

    # -- actions ---------------------------------------------------------------------------
    def action_show_tab(self, tab: str) -> None:
        """Show a tab and focus what its keys act on (focusing another tab's widget would
        switch tabs again)."""
        if self.models:
            self.query_one(TabbedContent).active = f"{tab}-tab"
            self.query_one(GalleryGrid if tab == "gallery" else "#fields").focus()

    def action_focus_search(self) -> None:
        if self.models:
            self.action_show_tab("gallery")
            self.query_one("#search").focus()

    def action_toggle_navigator(self) -> None:
        if self.models:
            navigator = self.query_one(Navigator)
            navigator.toggle_class("-hidden")
            self.wb.local_state.set("tui.navigator_hidden", navigator.has_class("-hidden"))

    def action_upload(self) -> None:
        if not self.models:
            return
        from workbench.views.uploads import UploadModel

        state = self.models["gallery"].state
        nav = self.models["navigator"].state
        model = UploadModel(self.wb, project_id=nav.project_id,
                            shot_id=state.target_id if state.mode == "shot" else None)  # fmt: skip
        self.push_screen(UploadScreen(model, state.title))

    @work(thread=True)
    def action_reload(self) -> None:
        if self.models:
            self.models["gallery"].reload()
            self.models["navigator"].load()

    def action_help(self) -> None:
        self.push_screen(HelpScreen([
            ("Everywhere", list(self.BINDINGS)),
            ("Gallery", list(GalleryGrid.BINDINGS)),
            ("Settings", list(SettingsPane.BINDINGS)),
            ("Detail", list(DetailScreen.BINDINGS)),
        ]))  # fmt: skip

    def get_system_commands(self, screen: Screen[Any]) -> Iterable[SystemCommand]:
        """Every action by name in the command palette (ctrl+p)."""
        yield from super().get_system_commands(screen)
        if not self.models:
            return
        grid = self.query_one(GalleryGrid)
        pane = self.query_one(SettingsPane)
        gallery = self.models["gallery"]
        commands = [
            ("Gallery: next page", "Show the next page", grid.action_next_page),
            ("Gallery: previous page", "Show the previous page", grid.action_prev_page),
            ("Gallery: open detail", "Open the selected generation", grid.action_open),
            ("Gallery: star / unstar", "Toggle the star of the selection", grid.action_star),
            ("Gallery: add to shot", "Add the selection to a shot", grid.action_add_to_shot),
            ("Gallery: remove from shot", "Remove the selection from this shot",
             grid.action_remove_from_shot),
            ("Gallery: move earlier", "Move the selection earlier in the timeline",
             lambda: grid.action_move_in_timeline(-1)),
            ("Gallery: move later", "Move the selection later in the timeline",
             lambda: grid.action_move_in_timeline(1)),
            ("Gallery: delete", "Delete the selected generation", grid.action_delete),
            ("Filter: images only", "Show images", lambda: self._filter({"media_type": "image"})),
            ("Filter: videos only", "Show videos", lambda: self._filter({"media_type": "video"})),
            ("Filter: starred only", "Show starred", lambda: self._filter({"starred": True})),
            ("Filter: clear", "Show everything", lambda: self._run(gallery.clear_filters)),
            ("Settings: edit field", "Edit the selected field", pane.action_edit),
            ("Settings: reset field", "Inherit the selected field again", pane.action_reset),
            ("Settings: retry failed writes", "Send failed edits again", pane.action_retry),
            ("Upload files", "Upload images, videos or LoRAs", self.action_upload),
            ("Reload", "Fetch everything again", self.action_reload),
            ("Toggle navigator", "Show or hide the projects panel", self.action_toggle_navigator),
            ("Help: keys", "List every key binding", self.action_help),
        ]  # fmt: skip
        for title, help_text, callback in commands:
            yield SystemCommand(title, help_text, callback)

    @work(thread=True)
    def _run(self, command: Any) -> None:
        command()

    def on_unmount(self) -> None:
        if self.models:
            self._unsubscribe()
        for model in self.models.values():
            model.close()


def run(*, project: str | None = None, shot: str | None = None, page_size: int = 50) -> None:
    WorkbenchApp(project=project, shot=shot, page_size=page_size).run()
