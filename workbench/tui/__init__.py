"""The Textual front end. Import ``workbench.tui.app`` only where Textual is installed
(``pip install 'reigh-workbench[tui]'``); the core never imports this package."""
