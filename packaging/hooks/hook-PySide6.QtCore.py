# Replaces PyInstaller's stock hook for this PySide6 module: the same collection,
# minus the Qt plugins, libraries and translations the kiosk never loads
# (the lists and the reasons are in packaging/qt_slim.py).
import sys
from pathlib import Path

from PyInstaller.utils.hooks.qt import add_qt6_dependencies

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))
from qt_slim import filter_hook_items

hiddenimports, binaries, datas = add_qt6_dependencies(__file__)
binaries = filter_hook_items(binaries)
datas = filter_hook_items(datas)
