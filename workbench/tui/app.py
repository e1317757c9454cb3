"""The workbench TUI: navigator, gallery and settings panes over the shared view models.

The app only renders view models and forwards keys to their commands, in thread workers, so
the interface never freezes while the database works. The last project/shot, tab and panel
layout are remembered on this device (``wb.local_state``).

The start-up paints first and counts later: the navigator's tree without counts and the
gallery's first page are all the first paint waits for; the settings pane opens, and every
project's counts are read (one query), once that page is on screen.
"""

from __future__ import annotations

import threading
import time
import uuid
from collections.abc import Callable, Iterable
from dataclasses import dataclass, replace
from functools import partial
from pathlib import Path
from typing import TYPE_CHECKING, Any, ClassVar

from textual import on, work
from textual.app import App, ComposeResult, SystemCommand
from textual.binding import Binding, BindingType
from textual.command import Hit, Hits, Provider
from textual.containers import Horizontal, Vertical
from textual.markup import escape
from textual.screen import ModalScreen, Screen
from textual.widgets import Footer, Header, LoadingIndicator, Static, TabbedContent, TabPane

from workbench.client import Workbench
from workbench.errors import WorkbenchError, first_line, printable
from workbench.media import Thumbnails
from workbench.settings.registry import DEFAULT_TOOL
from workbench.tui.components.filters import FilterBar
from workbench.tui.components.gallery import GalleryGrid
from workbench.tui.components.navigator import Navigator
from workbench.tui.components.settings import SettingsPane
from workbench.tui.components.status import StatusLine
from workbench.tui.layout import detail_class
from workbench.tui.screens.changes import (
    CHANGES_KEY,
    FORCE_ELSEWHERE,
    ChangesScreen,
    undo_in_worker,
)
from workbench.tui.screens.detail import DetailScreen, VariantsTable
from workbench.tui.screens.dialogs import AskDownload, PickShot, default_download_path
from workbench.tui.screens.download import DownloadScreen
from workbench.tui.screens.help import HelpScreen
from workbench.tui.screens.resources import ResourcesScreen
from workbench.tui.screens.settings_history import SettingsDiffScreen, SettingsHistoryScreen
from workbench.tui.screens.upload import UploadScreen
from workbench.tui.threads import on_ui
from workbench.views import (
    DetailModel,
    GalleryModel,
    GalleryState,
    NavigatorModel,
    SettingsModel,
)
from workbench.views.downloads import DownloadModel
from workbench.views.gallery import FilterValue
from workbench.views.navigator import NavigatorState, ratio_value
from workbench.views.resources import ResourcesModel
from workbench.views.uploads import UploadModel

if TYPE_CHECKING:
    from workbench.startup import StartupProgress

# Screens over the main view that its keys (``g``, ``s``) and the palette's settings commands
# go back from first: changing the hidden main view would do nothing the user could see.
COVERING_SCREENS = (
    DetailScreen,
    ChangesScreen,
    SettingsHistoryScreen,
    SettingsDiffScreen,
    DownloadScreen,
)


# How long the start-up waits for the first paint before opening the settings anyway (a
# screen that never paints must not keep the settings shut).
PAINT_WAIT = 10.0


@dataclass(frozen=True)
class Models:
    """What the app works with once connected: the workbench, the view models its panes
    render (one navigator, one gallery, one settings pane) and the thumbnails they show.
    ``settings`` is None from the first paint until the settings pane opens (just after)."""

    wb: Workbench
    navigator: NavigatorModel
    gallery: GalleryModel
    settings: SettingsModel | None
    thumbnails: Thumbnails

    def all(self) -> tuple[NavigatorModel | GalleryModel | SettingsModel, ...]:
        """Every view model, to close them together."""
        opened = (self.navigator, self.gallery, self.settings)
        return tuple(model for model in opened if model is not None)


class MainView(Vertical):
    """Navigator beside the gallery and settings tabs, over the status line. The settings
    tab holds a note until ``show_settings`` puts the pane there (after the first paint)."""

    DEFAULT_CSS = """
    MainView { height: 1fr; }
    MainView #settings-pending { padding: 1 2; color: $text-muted; }
    """

    def __init__(self, models: Models, tab: str) -> None:
        super().__init__()
        self.models = models
        self.tab = tab

    def compose(self) -> ComposeResult:
        with Horizontal(id="main"):
            yield Navigator(self.models.navigator, id="navigator", classes="pane")
            with TabbedContent(id="tabs", initial=self.tab):
                with TabPane("Gallery", id="gallery-tab"):
                    yield FilterBar()
                    yield GalleryGrid(self.models.gallery, self.models.thumbnails, id="gallery",
                                      classes="pane")  # fmt: skip
                with TabPane("Settings", id="settings-tab"):
                    if self.models.settings is not None:
                        yield SettingsPane(self.models.settings, id="settings")
                    else:
                        yield Static("opening the settings…", id="settings-pending")
        yield StatusLine(id="status")

    async def show_settings(self, settings: SettingsModel) -> None:
        """Put the settings pane in its tab, in place of the note."""
        await self.query("#settings-pending").remove()
        await self.query_one("#settings-tab", TabPane).mount(SettingsPane(settings, id="settings"))


class GoToCommands(Provider):
    """The command palette's "Go to": every project and shot by name (from the navigator's
    tree, already read: no query while typing). Found by searching, not listed up front."""

    async def search(self, query: str) -> Hits:
        """Each project and shot whose "Go to ..." title matches what is typed."""
        app = self.app
        if not isinstance(app, WorkbenchApp):
            return
        matcher = self.matcher(query)
        for title, help_text, callback in app.places():
            score = matcher.match(title)
            if score > 0:
                yield Hit(score, matcher.highlight(title), callback, help=help_text)


class WorkbenchApp(App[None]):
    """The workbench TUI: connects (off the UI thread), then shows the ``MainView``.

    It owns the view models (``models``, None until connected) and routes the panes' messages
    to them: a navigator choice retargets the gallery and settings, filter changes reach the
    gallery, and the gallery's requests open the detail screen or the shot picker. Everything
    that blocks runs in thread workers.

    ``first_paint`` is the seconds from the app's creation (before it connects) to the first
    gallery page painted on screen with its tiles; it is set once the start-up is complete
    (the settings pane opens right after that paint), so whoever waits for it can use every
    pane. ``painted`` is set at the paint itself (a benchmark counting round trips waits on it).

    | Key(s) | Description |
    | :- | :- |
    | q | Quit. |
    | question_mark | List every key binding (``HelpScreen``). |
    | g | Show the gallery tab. |
    | s | Show the settings tab. |
    | u, ctrl+z | Undo the last change of this session (a toast says what was undone). |
    | c | List the changes made this session (``ChangesScreen``: undo, force an undo). |
    | U | Upload files into the current project or shot (``UploadScreen``). |
    | L | Your LoRAs: enter adds one to the current tool at a chosen scope (``ResourcesScreen``). |
    | slash | Focus the search box in the gallery's filters. |
    | F | Show or hide the less used filters (tool, shot, edits, unpositioned). |
    | b | Show or hide the navigator; remembered on this device. |
    | ctrl+r | Fetch the gallery page and the navigator's tree again. |
    """

    TITLE = "workbench"
    COMMANDS = App.COMMANDS | {GoToCommands}
    BINDINGS: ClassVar[list[BindingType]] = [
        Binding("q", "quit", "Quit"),
        Binding("question_mark", "help", "Help"),
        Binding("g", "show_tab('gallery')", "Gallery"),
        Binding("s", "show_tab('settings')", "Settings"),
        Binding("u,ctrl+z", "undo", "Undo"),
        Binding("c", "changes", "Changes this session", show=False),  # CHANGES_KEY
        Binding("U", "upload", "Upload"),
        Binding("L", "loras", "LoRAs"),
        Binding("slash", "focus_search", "Search", show=False),
        Binding("F", "toggle_filters", "More filters", show=False),
        Binding("b", "toggle_navigator", "Panels", show=False),
        Binding("ctrl+r", "reload", "Reload", show=False),
    ]
    CSS = """
    #main { height: 1fr; }
    #loading { height: 1fr; }
    #loading > LoadingIndicator { height: 1fr; }
    #starting { width: 1fr; height: 3; content-align: center top; color: $text-muted; }
    Navigator.-hidden { display: none; }
    TabbedContent { height: 1fr; width: 1fr; }
    TabPane { padding: 0; }
    /* Focus is visible: each pane that keys act on is framed, in the accent colour while it
       has the focus (the inputs, dropdowns and checkboxes have Textual's own focus border). */
    .pane, #fields { border: round $panel; }
    .pane:focus, #fields:focus { border: round $accent; }
    /* The detail's picture column follows the project's aspect ratio (``layout``). */
    DetailScreen.-portrait #picture { width: 40; }
    DetailScreen.-portrait #picture .big { width: 38; }
    DetailScreen.-square #picture { width: 52; }
    DetailScreen.-square #picture .big { width: 50; }
    """

    def __init__(
        self,
        wb: Workbench | None = None,
        *,
        project: str | None = None,
        shot: str | None = None,
        connect: Callable[[], Workbench] | None = None,
        page_size: int = 50,
    ) -> None:
        super().__init__()
        self.wb = wb
        self.page_size = page_size
        self._connect = connect
        self._want = (project, shot)
        self.models: Models | None = None  # once connected
        self.started = time.perf_counter()
        self._step: str | None = None  # the start-up step shown, and when (``_starting``)
        self._shown_at = 0.0
        self.first_paint: float | None = None  # seconds from start to first gallery page
        self.painted = threading.Event()  # set when that page is on screen (or cannot be)
        self._paint_time: float | None = None  # ``first_paint``, until the start-up is done
        self._tiles_seen = False  # the first page's tiles were mounted (``_check_painted``)
        self._tools_of: uuid.UUID | None = None  # the project whose tools the filter lists
        # The chosen project and its shots (id, name) in order, as the gallery last named them.
        self._shots_of: tuple[uuid.UUID, tuple[tuple[uuid.UUID, str], ...]] | None = None

    def compose(self) -> ComposeResult:
        yield Header()
        with Vertical(id="loading"):  # until connected: what the start-up is doing
            yield LoadingIndicator()
            yield Static("connecting to the database…", id="starting")
        yield Footer()

    def on_mount(self) -> None:
        self.start()

    # -- start-up --------------------------------------------------------------------------
    @work(thread=True, exit_on_error=False)
    def start(self) -> None:
        """Connect and build the models off the UI thread (the embedded server may start).

        The first paint waits for the navigator's tree (without counts: one cheap query) and
        the gallery's first page only; the settings open once that page is on screen (or
        after ``PAINT_WAIT``), and the counts are read then too (``_after_paint``)."""
        try:
            if self.wb is None:
                from workbench.startup import connect

                self.wb = self._connect() if self._connect else connect(progress=self._starting)
            wb = self.wb
            on_ui(self, self._show_step, "opening the workbench…")
            navigator = NavigatorModel(wb, counts=False)
            project_id, shot_id = navigator.choose(*self._want)
            gallery = GalleryModel(wb, project_id=project_id, shot_id=shot_id, limit=self.page_size)
        except Exception as exc:
            on_ui(self, self._failed, exc)
            return
        models = Models(wb, navigator, gallery, None, wb.thumbnails)
        if not self._on_ui_thread(self._show_workbench, models):
            for model in models.all():
                model.close()
            return
        self.painted.wait(PAINT_WAIT)
        # The settings of what is chosen now (a choice made since the paint included).
        opened = (navigator.state.project_id, navigator.state.shot_id)
        settings = SettingsModel(wb, DEFAULT_TOOL, project_id=opened[0], shot_id=opened[1])
        if not self._on_ui_thread(self._show_settings, settings, opened):
            settings.close()

    def _on_ui_thread(self, show: Callable[..., Any], *args: object) -> bool:
        """Run ``show(*args)`` on the UI thread and wait for it; False when the app stopped
        first (what was made for it is then closed by the caller)."""
        if not self.is_running:
            return False
        try:
            self.call_from_thread(show, *args)
        except RuntimeError:  # it stopped between the check and the call
            return False
        return True

    def _starting(self, progress: StartupProgress) -> None:
        """A start-up step, from the connecting thread: shown under the spinner (a first start
        takes half a minute). The demo's count is shown at most ten times a second: each
        update waits for the UI, which must not slow the seeding down."""
        now = time.monotonic()
        step_changed = progress.step != self._step
        if step_changed or progress.done == progress.total or now - self._shown_at >= 0.1:
            self._step, self._shown_at = progress.step, now
            on_ui(self, self._show_step, str(progress))

    def _show_step(self, text: str) -> None:
        for label in self.query("#starting"):  # gone once the workbench is shown
            if isinstance(label, Static):
                label.update(text)

    def _failed(self, exc: Exception) -> None:
        self.query_one("#loading").remove()
        self.notify(
            escape(printable(exc)), title="workbench cannot start", severity="error", timeout=30
        )

    async def _show_workbench(self, models: Models) -> None:
        """Show the first page (from the start-up worker through call_from_thread, which
        awaits it); ``models`` become the app's once their panes are mounted."""
        await self.query_one("#loading").remove()
        state = models.wb.local_state
        tab = state.get("tui.tab", "gallery-tab")
        tab = tab if tab in ("gallery-tab", "settings-tab") else "gallery-tab"
        main = MainView(models, tab)
        await self.mount(main, before=self.query_one(Footer))
        self.models = models
        if state.get("tui.navigator_hidden"):
            self.query_one(Navigator).add_class("-hidden")
        gallery = models.gallery
        self._unsubscribe = gallery.subscribe(lambda s: on_ui(self, self._gallery_changed, s))
        self._gallery_changed(gallery.state)
        navigator = models.navigator
        unfollow = navigator.subscribe(lambda s: on_ui(self, self._navigator_changed, s))
        self._unsubscribe_navigator = unfollow
        self._navigator_changed(navigator.state)
        self.query_one(TabbedContent).active = tab
        if tab == "gallery-tab":
            self.query_one(GalleryGrid).focus()
        self.set_interval(1.0, self._refresh_status)
        if models.wb.replayed:  # edits a killed session had queued: say what became of them
            self.notify(escape(printable(models.wb.replayed.message)), timeout=15)
        if gallery.state.page is None:  # no project, or it failed: no page to paint
            self._after_paint(None)
        else:
            self.call_after_refresh(self._check_painted)

    def _check_painted(self) -> None:
        """After a screen refresh: once the first page's tiles are mounted, one more refresh
        draws them, and that is the first paint."""
        grids = self.default_screen.query(GalleryGrid)  # (a dialog may be over it)
        if not grids or not grids.first().shows_page():
            self.call_after_refresh(self._check_painted)  # not yet mounted
        elif not self._tiles_seen:
            self._tiles_seen = True
            self.call_after_refresh(self._check_painted)
        else:
            self._after_paint(time.perf_counter() - self.started)

    def _after_paint(self, seconds: float | None) -> None:
        """The first page is on screen (``seconds`` after the start; None: there is none):
        now the navigator's counts are read, the filter's tools listed and (by the start-up
        worker, woken here) the settings opened."""
        self._paint_time = seconds
        self.painted.set()
        if self.models is None:
            return
        self._load_counts(self.models.navigator)
        self._gallery_changed(self.models.gallery.state)  # lists the project's tools

    @work(thread=True, group="counts", exit_on_error=False)
    def _load_counts(self, navigator: NavigatorModel) -> None:
        """Every project's and shot's counts, in one query; the navigator fills them in."""
        navigator.load()

    async def _show_settings(
        self, settings: SettingsModel, opened: tuple[uuid.UUID | None, uuid.UUID | None]
    ) -> None:
        """Put the settings pane in its tab, and the start-up is complete (``first_paint``).
        A choice made while the settings opened is followed."""
        models = self.models
        main = self.default_screen.query(MainView)  # (a dialog may be over it)
        if models is None or not main:
            settings.close()
            return
        self.models = replace(models, settings=settings)
        await main.first().show_settings(settings)
        shown = self.default_screen.query_one(TabbedContent).active
        if shown == "settings-tab" and self.screen is self.default_screen:
            self.query_one("#fields").focus()
        nav = models.navigator.state
        if (nav.project_id, nav.shot_id) != opened and nav.project_id is not None:
            self._retarget_settings(settings, nav.project_id, nav.shot_id)
        self.first_paint = self._paint_time

    @work(thread=True, group="target", exit_on_error=False)
    def _retarget_settings(
        self, settings: SettingsModel, project_id: uuid.UUID, shot_id: uuid.UUID | None
    ) -> None:
        settings.switch_target(project_id=project_id, shot_id=shot_id)

    def _gallery_changed(self, state: GalleryState) -> None:
        for bar in self.query(FilterBar):  # none while the app is closing
            bar.set_choices(shots=list(state.shot_names.items()))
            bar.show(state.filters, sortable=state.sortable)
        project_id = self.models.navigator.state.project_id if self.models else None
        if (project_id is not None and project_id != self._tools_of and state.page is not None
                and self.painted.is_set()):  # fmt: skip
            self._tools_of = project_id
            self._load_tools(project_id)
        self.sub_title = state.status
        self._refresh_status()

    def _navigator_changed(self, state: NavigatorState) -> None:
        """Shape the tiles by the chosen project's (or shot's) aspect ratio; when the chosen
        project's shots were renamed, added, moved or deleted (here, or live elsewhere), read
        the gallery again, whose badges and shot filter name them."""
        for grid in self.query(GalleryGrid):  # none while the app is closing
            grid.set_ratio(ratio_value(state.aspect_ratio))
        project = state.project
        if project is None or self.models is None:
            return
        shots = (project.project.id, tuple((s.shot.id, s.shot.name) for s in project.shots))
        known = self._shots_of
        self._shots_of = shots
        if known is not None and known != shots and known[0] == shots[0]:
            self.query_one(GalleryGrid).in_worker(self.models.gallery.reload)

    @work(thread=True, group="tools", exclusive=True, exit_on_error=False)
    def _load_tools(self, project_id: uuid.UUID) -> None:
        """List the tools that made the project's generations in the filter bar (one query,
        cached with the project's gallery)."""
        if self.models is None:
            return
        try:
            tools = self.models.wb.tool_types(project_id)
        except WorkbenchError as exc:
            on_ui(self, partial(self.notify, first_line(exc), severity="error"))
            return
        on_ui(self, self._show_tools, tools)

    def _show_tools(self, tools: tuple[str, ...]) -> None:
        for bar in self.query(FilterBar):
            bar.set_choices(tools=tools)

    def _refresh_status(self) -> None:
        if self.models is None:
            return
        wb = self.models.wb
        where = "embedded" if wb.server is not None else "external"
        for line in self.query(StatusLine):  # none while the app is closing
            line.show(
                where=f"{where} · {wb.schema.kind}",
                live=wb.live or wb.polling,
                live_status=wb.live_status,
                cache=wb.cache,
                gallery=self.models.gallery.state.status,
                connection=wb.connection_state,
            )

    # -- events from the panes -------------------------------------------------------------
    @on(Navigator.Chosen)
    def chosen(self, event: Navigator.Chosen) -> None:
        """Show the chosen project or shot in the gallery and the settings pane."""
        if self.models is not None:
            self._retarget(self.models, event.project_id, event.shot_id)

    @work(thread=True, group="target", exclusive=True)
    def _retarget(self, models: Models, project_id: uuid.UUID, shot_id: uuid.UUID | None) -> None:
        models.gallery.set_target(project_id=project_id, shot_id=shot_id)
        if models.settings is not None:  # else it opens on the choice as it is then
            models.settings.switch_target(project_id=project_id, shot_id=shot_id)

    @on(FilterBar.Changed)
    def filters_changed(self, event: FilterBar.Changed) -> None:
        """Apply the filter bar's change to the gallery (back to page 1)."""
        self._filter(event.changes)

    def _filter(self, changes: dict[str, FilterValue]) -> None:
        if self.models is not None:
            self.query_one(GalleryGrid).in_worker(
                partial(self.models.gallery.set_filters, **changes)
            )

    @on(GalleryGrid.OpenDetail)
    def open_detail(self) -> None:
        """Open the gallery's selection on a ``DetailScreen``, once it is read (in a worker:
        reading it is a round trip the interface must not wait for)."""
        if self.models is not None:
            self._open_detail(self.models.gallery, self.models.thumbnails)

    @work(thread=True, group="detail", exclusive=True)
    def _open_detail(self, gallery: GalleryModel, thumbnails: Thumbnails) -> None:
        detail = gallery.open_detail()
        if detail is not None:
            on_ui(self, self._show_detail, detail, thumbnails)

    def _show_detail(self, detail: DetailModel, thumbnails: Thumbnails) -> None:
        gallery = self.models.gallery if self.models is not None else None
        screen = DetailScreen(detail, thumbnails, gallery=gallery)
        if self.models is not None:  # the picture's column is shaped by the aspect ratio
            screen.add_class(detail_class(ratio_value(self.models.navigator.state.aspect_ratio)))
        self.push_screen(screen)

    @on(GalleryGrid.AskShot)
    def ask_shot(self, event: GalleryGrid.AskShot) -> None:
        """Which shot of the current project the selection goes to (the navigator knows),
        and where: at the end of its timeline or unpositioned. To move it (``event.move``),
        the shot shown is not offered."""
        if self.models is None:
            return
        gallery, state = self.models.gallery, self.models.navigator.state
        shown = gallery.state.target_id if event.move else None
        shots = [(s.shot.id, s.shot.name) for e in state.projects
                 if e.project.id == state.project_id for s in e.shots
                 if s.shot.id != shown]  # fmt: skip
        grid = self.query_one(GalleryGrid)

        def picked(choice: tuple[str, str | None] | None) -> None:
            if choice and event.move:
                shot_id, frame = choice
                grid.move_to_shot(shot_id, positioned=frame is not None)
            elif choice:
                shot_id, frame = choice
                grid.in_worker(partial(gallery.add_to_shot, shot_id, frame=frame))

        count = len(gallery.state.targets)
        self.push_screen(PickShot(shots, count=count, verb="Move" if event.move else "Add"),
                         picked)  # fmt: skip

    @on(GalleryGrid.AskDownload)
    def ask_download(self) -> None:
        """Where to download the selection (else the gallery shown, every page of it with
        its filters), then download it on a ``DownloadScreen``."""
        if self.models is None:
            return
        state = self.models.gallery.state
        if state.page is None:
            return
        if state.marked:
            count = len(state.marked)
            what = f"{count} selected generation{'s' if count != 1 else ''}"
        else:
            what = f"'{state.title}' ({state.filters.describe()})"
        target = self.models.gallery.download_options()
        wb = self.models.wb

        def chosen(answer: tuple[dict[str, Path], str] | None) -> None:
            if answer is None:
                return
            destination, variants = answer
            model = DownloadModel(wb)
            screen = DownloadScreen(model, what, destination, variants=variants, target=target)
            self.push_screen(screen)

        self.push_screen(AskDownload(what, default_download_path(state.title)), chosen)

    @on(TabbedContent.TabActivated)
    def tab_changed(self, event: TabbedContent.TabActivated) -> None:
        """Remember the tab on this device, to open on it next time."""
        if self.wb is not None and event.pane.id:
            self.wb.local_state.set("tui.tab", event.pane.id)

    # -- actions ---------------------------------------------------------------------------
    def action_show_tab(self, tab: str) -> None:
        """Show a tab and focus what its keys act on (focusing another tab's widget would
        switch tabs again); from the detail screen (or another ``COVERING_SCREENS``), go back
        to it first (the footer offers ``g`` and ``s`` there too, and they used to change the
        hidden main view only)."""
        if self.models is not None:
            while isinstance(self.screen, COVERING_SCREENS):
                self.pop_screen()
            self.query_one(TabbedContent).active = f"{tab}-tab"
            for pane in self.query(GalleryGrid if tab == "gallery" else "#fields"):
                pane.focus()  # the settings' fields: once they have opened

    def places(self) -> list[tuple[str, str, Callable[[], object]]]:
        """Every project and shot as a command palette entry (title, help, go there)."""
        if self.models is None:
            return []
        out: list[tuple[str, str, Callable[[], object]]] = []
        for entry in self.models.navigator.state.projects:
            project = printable(entry.project.name)
            out.append((f"Go to project: {project}", "Show the project's gallery",
                        partial(self.go_to, entry.project.id, None)))  # fmt: skip
            for shot in entry.shots:
                out.append((f"Go to shot: {printable(shot.shot.name)} ({project})",
                            "Show the shot's timeline",
                            partial(self.go_to, entry.project.id, shot.shot.id)))  # fmt: skip
        return out

    def go_to(self, project_id: uuid.UUID, shot_id: uuid.UUID | None = None) -> None:
        """Show a project's gallery or a shot's timeline, as if chosen in the navigator."""
        if self.models is not None:
            self.action_show_tab("gallery")
            self.query_one(Navigator).go_to(project_id, shot_id)

    def action_toggle_filters(self) -> None:
        """Show or hide the filter bar's second row (tool, shot, edits, unpositioned)."""
        if self.models is not None:
            self.action_show_tab("gallery")
            self.query_one(FilterBar).toggle_more()

    def action_focus_search(self) -> None:
        """Show the gallery and put the cursor in its search box."""
        if self.models is not None:
            self.action_show_tab("gallery")
            self.query_one("#search").focus()

    def check_action(self, action: str, parameters: tuple[object, ...]) -> bool | None:
        """The panels key acts on the main view, so it is neither offered nor run while a
        screen (the detail) covers it; the changes list is not opened over itself, nor over a
        dialog waiting for its answer."""
        if action in ("toggle_navigator", "toggle_filters"):
            return self.screen is self.default_screen
        if action == "changes":
            return not isinstance(self.screen, ChangesScreen | ModalScreen)
        return True

    def action_toggle_navigator(self) -> None:
        """Show or hide the navigator, and remember which on this device."""
        if self.models is not None:
            navigator = self.query_one(Navigator)
            navigator.toggle_class("-hidden")
            hidden = navigator.has_class("-hidden")
            if hidden and navigator.has_focus:  # keys must not go to a pane no one can see
                self.action_show_tab(self.query_one(TabbedContent).active.removesuffix("-tab"))
            self.models.wb.local_state.set("tui.navigator_hidden", hidden)

    def action_upload(self) -> None:
        """Open an ``UploadScreen`` for the current project (and shot, in shot mode)."""
        if self.models is None:
            return
        state = self.models.gallery.state
        nav = self.models.navigator.state
        model = UploadModel(self.models.wb, project_id=nav.project_id,
                            shot_id=state.target_id if state.mode == "shot" else None)  # fmt: skip
        self.push_screen(UploadScreen(model, state.title))

    def action_loras(self) -> None:
        """Open a ``ResourcesScreen`` for the current place and the settings tab's tool."""
        if self.models is None:
            return
        state = self.models.gallery.state
        nav = self.models.navigator.state
        settings = self.models.settings
        model = ResourcesModel(
            self.models.wb, tool_id=settings.state.tool_id if settings else DEFAULT_TOOL,
            project_id=nav.project_id,
            shot_id=state.target_id if state.mode == "shot" else None,
        )  # fmt: skip
        self.push_screen(ResourcesScreen(model))

    def action_undo(self) -> None:
        """Undo the last change of this session, in a worker; a toast says what was undone,
        or why not (nothing left to undo, or a conflict with a change made elsewhere: then
        it says how to force it, from the changes list or the shell)."""
        if self.models is not None:
            undo_in_worker(self, self.models.wb, FORCE_ELSEWHERE)

    def action_changes(self) -> None:
        """List the changes made this session (``ChangesScreen``), where ``u`` undoes the
        newest and ``F`` forces an undo a conflict refused."""
        if self.models is not None and self.check_action("changes", ()):
            self.push_screen(ChangesScreen(self.models.wb))

    def _settings_command(self, action: Callable[[SettingsPane], None]) -> None:
        """Run a settings pane action from the palette on the settings tab, shown first (the
        history and the diff are of the tool and target the pane shows)."""
        self.action_show_tab("settings")
        for pane in self.query(SettingsPane):  # none until the settings have opened
            action(pane)

    @work(thread=True)
    def action_reload(self) -> None:
        """Fetch the gallery page (bypassing the cache), the navigator's tree and the filter's
        tool list again."""
        if self.models is not None:
            self._tools_of = None  # the page's arrival lists the tools again
            self.models.gallery.reload()
            self.models.navigator.load()

    def action_help(self) -> None:
        """List the keys of the app, the navigator (managing shots and projects too), the
        gallery, the settings pane, the detail screen (with its variants table's) and the
        changes list."""
        self.push_screen(HelpScreen([
            ("Everywhere", list(self.BINDINGS)),
            ("Projects and shots (the navigator)", list(Navigator.BINDINGS)),
            ("Gallery", list(GalleryGrid.BINDINGS)),
            ("Download (`D` in the gallery)", list(DownloadScreen.BINDINGS)),
            ("LoRAs (`L`)", list(ResourcesScreen.BINDINGS)),
            ("Settings", list(SettingsPane.BINDINGS)),
            ("Detail", [*DetailScreen.BINDINGS, *VariantsTable.BINDINGS]),
            (f"Changes made this session (`{CHANGES_KEY}`)", list(ChangesScreen.BINDINGS)),
        ]))  # fmt: skip

    def get_system_commands(self, screen: Screen[Any]) -> Iterable[SystemCommand]:
        """Every action by name in the command palette (ctrl+p).

        ``Screen[Any]``: any screen, whatever it returns, as in the method this overrides.
        """
        yield from super().get_system_commands(screen)
        if self.models is None or not self.query(SettingsPane):  # until the start-up is done
            return
        grid = self.query_one(GalleryGrid)
        pane = self.query_one(SettingsPane)
        gallery = self.models.gallery
        commands: list[tuple[str, str, Callable[[], object]]] = [
            ("Gallery: next page", "Show the next page", grid.action_next_page),
            ("Gallery: previous page", "Show the previous page", grid.action_prev_page),
            ("Gallery: open detail", "Open the item under the cursor", grid.action_open),
            ("Gallery: select / unselect", "Select the item under the cursor, or unselect it",
             grid.action_toggle_mark),
            ("Gallery: select page", "Select every item of the page (again: unselect them)",
             grid.action_mark_page),
            ("Gallery: clear selection", "Select nothing", grid.action_clear_marks),
            ("Gallery: star / unstar", "Toggle the star of the selection", grid.action_star),
            ("Gallery: add to shot", "Add the selection to a shot (at the end or unpositioned)",
             grid.action_add_to_shot),
            ("Gallery: remove from shot", "Remove the selection from this shot",
             grid.action_remove_from_shot),
            ("Gallery: move earlier", "Move the item earlier in the timeline",
             partial(grid.action_move_in_timeline, -1)),
            ("Gallery: move later", "Move the item later in the timeline",
             partial(grid.action_move_in_timeline, 1)),
            ("Gallery: delete", "Delete the selection (one undo brings it back)",
             grid.action_delete),
            ("Gallery: download", "Download the selection, else the gallery, to a folder or zip",
             grid.action_download),
            ("Filter: images only", "Show images", partial(self._filter, {"media_type": "image"})),
            ("Filter: videos only", "Show videos", partial(self._filter, {"media_type": "video"})),
            ("Filter: starred only", "Show starred", partial(self._filter, {"starred": True})),
            ("Filter: edits only", "Show generations edited from another",
             partial(self._filter, {"edits_only": True})),
            ("Filter: unpositioned", "Show images in a shot without a frame",
             partial(self._filter, {"unpositioned": True})),
            ("Filter: in no shot", "Show generations in no shot (a project's gallery)",
             partial(self._filter, {"in_shot": None, "in_no_shot": True})),
            ("Filter: more filters", "Show or hide tool, shot, edits and unpositioned",
             self.action_toggle_filters),
            ("Filter: clear", "Show everything", partial(grid.in_worker, gallery.clear_filters)),
            ("Settings: edit field", "Edit the selected field", pane.action_edit),
            ("Settings: reset field", "Inherit the selected field again", pane.action_reset),
            ("Settings: retry failed writes", "Send failed edits again", pane.action_retry),
            ("Settings history", "What was written to this tool's settings here, and restore",
             partial(self._settings_command, SettingsPane.action_history)),
            ("Compare settings", "This target's settings against its project or another",
             partial(self._settings_command, SettingsPane.action_diff)),
            ("Settings: apply from another shot",
             "Apply another shot's (project's) settings here, after showing what changes",
             partial(self._settings_command, SettingsPane.action_apply_from)),
            ("Settings: reset overrides",
             "Reset to project (a shot) or to my settings (a project), after showing what changes",
             partial(self._settings_command, SettingsPane.action_reset_overrides)),
            ("Settings: promote to project",
             "The selected field the shot sets becomes the project's", pane.action_promote),
            ("Undo", "Undo the last change of this session", self.action_undo),
            ("Changes made this session", "List this session's changes; undo, force an undo",
             self.action_changes),
            ("Upload files", "Upload images, videos or LoRAs", self.action_upload),
            ("LoRAs", "Your LoRAs: add one to this tool's LoRA list", self.action_loras),
            ("Reload", "Fetch everything again", self.action_reload),
            ("Toggle navigator", "Show or hide the projects panel", self.action_toggle_navigator),
            ("Help: keys", "List every key binding", self.action_help),
        ]  # fmt: skip
        commands += self._managing_commands(grid)
        shot_names = gallery.state.shot_names
        commands += [(f"Filter: in shot {printable(name)}", "Show what is in this shot",
                      partial(self._filter, {"in_no_shot": False, "in_shot": shot_id}))
                     for shot_id, name in shot_names.items()]  # fmt: skip
        for title, help_text, callback in commands:
            yield SystemCommand(title, help_text, callback)

    def _managing_commands(self, grid: GalleryGrid) -> list[tuple[str, str, Callable[[], object]]]:
        """The palette's shot and project commands: on the chosen project, and on the chosen
        shot when one is (the navigator's keys act on its cursor instead); the gallery's act
        on its selection, moving and placing on a shot's timeline only."""
        nav = self.query_one(Navigator)
        state = self.models.navigator.state if self.models is not None else None
        if state is None or state.project_id is None:
            return []
        commands: list[tuple[str, str, Callable[[], object]]] = [
            ("New shot", "A new shot at the end of this project (asks its name)",
             partial(nav.action_new_shot, "chosen")),
            ("New project", "A new project like this one (asks its name and aspect ratio)",
             nav.action_new_project),
            ("Rename project", "Rename the project shown",
             partial(nav.action_rename, "project")),
            ("Set aspect ratio", "The project's aspect ratio (tiles and detail follow it)",
             partial(nav.action_aspect_ratio, "chosen")),
            ("Gallery: new shot from selection",
             "A new shot holding the selection, in selection order (asks its name)",
             grid.action_new_shot),
        ]  # fmt: skip
        if state.shot_id is not None:
            commands += [
                ("Rename shot", "Rename the shot shown", partial(nav.action_rename, "chosen")),
                ("Duplicate shot", "Copy the shot shown (timeline and settings) to the end",
                 partial(nav.action_duplicate, "chosen")),
                ("Delete shot…", "Delete the shot shown (asks; undo brings it back)",
                 partial(nav.action_delete_shot, "chosen")),
                ("Move shot up", "Earlier in the project's order",
                 partial(nav.action_move_shot, -1, "chosen")),
                ("Move shot down", "Later in the project's order",
                 partial(nav.action_move_shot, 1, "chosen")),
                ("Gallery: move to shot…", "Move the selection from this shot to another",
                 grid.action_move_to_shot),
                ("Gallery: place at end", "Put the item at the end of the timeline",
                 partial(grid.action_place, "end")),
                ("Gallery: place before…", "Put the item before another on the timeline",
                 partial(grid.action_place, "before")),
                ("Gallery: place after…", "Put the item after another on the timeline",
                 partial(grid.action_place, "after")),
            ]  # fmt: skip
        return commands

    def on_unmount(self) -> None:
        self.painted.set()  # a start-up still waiting for the first paint stops waiting
        if self.models is not None:
            for unsubscribe in ("_unsubscribe", "_unsubscribe_navigator"):
                if hasattr(self, unsubscribe):  # not while the first page is being mounted
                    getattr(self, unsubscribe)()
            for model in self.models.all():
                model.close()


def run(
    *,
    project: str | None = None,
    shot: str | None = None,
    page_size: int = 50,
    wb: Workbench | None = None,
) -> None:
    """Run the TUI until it quits, opening on ``project`` and ``shot`` (names or ids) if given,
    else where this device was last; on ``wb`` when the caller connected already (the
    ``workbench`` command does, to refuse a project that does not exist before opening)."""
    WorkbenchApp(wb, project=project, shot=shot, page_size=page_size).run()
