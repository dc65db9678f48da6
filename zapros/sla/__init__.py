"""Service levels: business calendars, SLA policies and the clocks they set on tickets.

The arithmetic (:mod:`.businesstime`) and the clocks' rules (:mod:`.clocks`) are pure; the
models keep what an administrator configures and each ticket's clocks as rows. The ticket
operations drive the clocks through :mod:`zapros.tickets.deadlines`: this app never imports
the tickets app.
"""
