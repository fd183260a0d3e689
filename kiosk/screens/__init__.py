"""The kiosk's screens: plain views that emit signals; `kiosk.main_window` runs the flow."""
