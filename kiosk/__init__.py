"""The Charter Kiosk touch-screen app (PySide6). Importing it never touches the network."""
