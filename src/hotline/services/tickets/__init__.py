"""Tickets: intake, actions, history, the projected row, reading, bulk, import and export."""
