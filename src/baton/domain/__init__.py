"""Pure rules of the handoff: no I/O, no clock of its own (time is passed in)."""
